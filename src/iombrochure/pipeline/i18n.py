"""Stage 3: localize. Digits, numbers, calendars, phones, text direction, bidi isolation, catalogs.

Babel formats numbers but never changes digits (``370٬000`` for Persian), and its dates are
Gregorian only; jdatetime converts to the Solar Hijri calendar. A date is never shown more
precisely than it is known: a month-only or year-only fact spans two months or years of the
Solar Hijri calendar, so it keeps its Gregorian month or year (marked «میلادی») and the Hijri
equivalent is given as a span («تیر–مرداد ۱۳۶۹»). Phone numbers are stored once in
international form and formatted with ``phonenumbers``. WeasyPrint ignores ``unicode-bidi``,
so left-to-right fragments in right-to-left text (e-mail addresses, URLs, phone numbers, Latin
acronyms) are wrapped in Unicode isolates (U+2066 LRI ... U+2069 PDI), which Pango's bidi
algorithm honours inside each run of text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import phonenumbers
from babel import Locale
from babel.core import get_global
from babel.dates import format_date, get_month_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_compact_decimal,
    format_currency,
    format_decimal,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    list_currencies,
)
from babel.support import NullTranslations, Translations
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from iombrochure.errors import ContentError
from iombrochure.pipeline.calendars import SOLAR_HIJRI_MONTHS, babel_locale
from iombrochure.pipeline.config import Language, Project
from iombrochure.pipeline.content import (
    DATA_SECTIONS,
    DATE,
    MARKDOWN,
    META,
    MONEY_SIGNS,
    PATH,
    PLACEHOLDER_RE,
    REF,
    ContentFile,
    dotted,
    money_problem,
)
from iombrochure.pipeline.languages import NUMBERING_SYSTEMS
from iombrochure.pipeline.phones import parse_phone
from iombrochure.pipeline.safety import ALLOWED_LINK_PREFIXES
from iombrochure.pipeline.scripts import BIDI_CONTROLS, LATIN_RUN_RE
from iombrochure.typography import RULE_SETS
from iombrochure.typography.persian import PERSIAN as PERSIAN_RULES

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
#: The marks CLDR's currency patterns carry (LRM, RLM, ALM): an amount is isolated instead,
#: and a mark would only follow the amount into the PDF's text.
_CLDR_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c"))
#: The number inside a formatted amount: digits with their group and decimal separators.
_AMOUNT_NUMBER_RE = re.compile(r"[0-9](?:[0-9.,'\u066b\u066c\u2019\u00a0\u202f]*[0-9])?")

DIGIT_SETS = {
    "decimal": "0123456789",
    "persian": "۰۱۲۳۴۵۶۷۸۹",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
}

#: Iran's month names; a language's own set is ``Language.month_names`` (calendars.py).
PERSIAN_MONTHS = SOLAR_HIJRI_MONTHS["iranian"]

#: How a Gregorian year is marked in an edition whose own calendar is not the Gregorian one
#: ("one convention everywhere": «سال ۱۹۵۱ میلادی», never a bare ۱۹۵۱ next to Hijri dates).
GREGORIAN_ERA = {"fa": "میلادی", "prs": "میلادی", "ps": "میلادي"}
#: Between the two ends of a span of months or years: «تیر–مرداد ۱۳۶۹».
SPAN_DASH = "\u2013"
#: The ezafe after a word ending in a silent «ه» before what it governs: «ژوئیهٔ ۱۹۹۰».
EZAFE_HAMZA = "\u0654"
NBSP = "\u00a0"
#: Persian's fixed phrases (typography/persian.py): each language's list is its rule set's.
KEEP_TOGETHER_FA = PERSIAN_RULES.keep_together
#: U+2060: no line break on either side. An en dash allows a break after it even before a
#: no-break space (UAX #14, LB12a), so a range keeps its dash to its second number with it.
WORD_JOINER = "\u2060"
_NUMBER = "[0-9\u06f0-\u06f9\u0660-\u0669]+(?:[:.,/\u066b\u066c][0-9\u06f0-\u06f9\u0660-\u0669]+)*"
#: A range of numbers or times: «۸:۰۰ – ۱۶:۰۰», «2024–2026», «۱۰-۱۵».
#: Either number may sit in an isolate (Latin digits in Arabic or Urdu text: «⁦8:00⁩ – ⁦16:00⁩»).
#: A number inside a word, code or address (``IR-2023-01``, ``iom.int/2024-2025``) is no range.
_RANGE_RE = re.compile(
    f"(?<![\\w/.:\\-])(?P<first>{_NUMBER}\u2069?)(?P<before>[ \u00a0]*)(?P<dash>[\u2013\u2014-])"
    f"(?P<after>[ \u00a0]*)(?=[\u2066\u2068]?{_NUMBER})"
)

#: Left outside the isolate, so that they take the Persian side: «دکتر Sara Bianchi-نوری»
#: keeps its hyphen between the two halves of the name, not beside «دکتر».
_TRAILING_PUNCT = ".,:;?!-"
_HOLD_BASE = 0xF0000  # supplementary private use area: never in real content
_HOLD_RE = re.compile("[\U000f0000-\U000ffffd]")
_HOLD_SPLIT_RE = re.compile("([\U000f0000-\U000ffffd])")


def text_direction(code: str) -> str:
    """'rtl' or 'ltr', from Babel's locale data: direction is never configured by hand."""
    return "rtl" if Locale.parse(babel_locale(code)).text_direction == "rtl" else "ltr"


def to_digits(text: str, digits: str) -> str:
    """Rewrite Latin digits 0-9 into the given digit set (Babel never does this)."""
    if digits == "decimal":
        return text
    return text.translate(str.maketrans(DIGIT_SETS["decimal"], DIGIT_SETS[digits]))


def isolate_latin_runs(text: str) -> str:
    """Wrap each Latin-script run of a right-to-left text in LRI ... PDI."""

    def wrap(match: re.Match[str]) -> str:
        run = match.group(0)
        stripped = run.rstrip(_TRAILING_PUNCT)
        return f"{LRI}{stripped}{PDI}{run[len(stripped) :]}"

    # Leave already isolated fragments alone.
    parts = re.split(f"({LRI}[^{PDI}]*{PDI})", text)
    return "".join(part if part.startswith(LRI) else LATIN_RUN_RE.sub(wrap, part) for part in parts)


def strip_bidi_controls(text: str) -> str:
    """Text for PDF metadata (title, keywords): viewers show isolates there as stray marks,
    and a no-break space (kept for the line breaker) is a plain space there."""
    return str(text).translate(_BIDI_CONTROLS)


_BIDI_CONTROLS: dict[int, str | None] = {**dict.fromkeys(map(ord, BIDI_CONTROLS)), ord(NBSP): " "}


def keep_phrases_together(text: str, phrases: tuple[str, ...] = KEEP_TOGETHER_FA) -> str:
    """Join the words of fixed phrases with no-break spaces so no line splits them.

    The longest phrase first, so that one inside another («تدوین سیاست» in «تصمیم‌گیری و
    تدوین سیاست») does not leave the longer one half joined; whole words only («از جمله» is
    not found in «باز جمله‌ها»)."""
    for phrase in sorted(set(phrases), key=len, reverse=True):
        words = phrase.split()
        if len(words) < 2:
            continue
        pattern = "[ \u00a0]+".join(map(re.escape, words))  # whole words only
        text = re.sub(rf"(?<!\w){pattern}(?!\w)", NBSP.join(words), text)
    return text


def keep_ranges_together(text: str) -> str:
    """Hold a range of numbers or times on one line: «۸:۰۰ – ۱۶:۰۰» never ends a line at its
    dash. Its spaces become no-break spaces and a word joiner follows the dash."""

    def join(match: re.Match[str]) -> str:
        before = NBSP if match["before"] else ""
        after = NBSP if match["after"] else ""
        return f"{match['first']}{before}{match['dash']}{WORD_JOINER}{after}"

    return _RANGE_RE.sub(join, text)


_DECLARED_CHARSET = re.compile(rb"charset\s*=\s*([A-Za-z0-9_.:-]+)", re.I)
#: ``{name}``, ``%(name)s`` and ``%s``: what a msgstr must carry over from its msgid.
_CATALOG_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}|%\([^)]*\)[a-z]|%[a-z]")


def catalog_charset_problem(raw: bytes) -> tuple[int, str] | None:
    """(line, why) if a catalog is not UTF-8 or declares another charset than UTF-8.

    Babel decodes a catalog by the charset its header declares: a UTF-8 file that says
    ``charset=ISO-8859-1`` is read without complaint, and its Persian prints as mojibake.
    """
    match = _DECLARED_CHARSET.search(raw)
    declared = match.group(1).decode("ascii", "replace").lower() if match else "utf-8"
    line = raw.count(b"\n", 0, match.start()) + 1 if match else 1
    if declared.replace("_", "-") not in ("utf-8", "utf8"):
        return line, (
            f"the catalog declares charset={declared}, but catalogs are read as UTF-8: "
            "its translations would print as garbled letters"
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1, "the catalog is not UTF-8 text"
    return None


def catalog_placeholder_problems(catalog: Any) -> list[tuple[int | None, str]]:
    """(line, why) for every translation whose {placeholders} differ from its msgid's."""
    problems: list[tuple[int | None, str]] = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = list(dict.fromkeys(_CATALOG_PLACEHOLDER.findall(ids[-1])))
        for text in strings:
            found = list(dict.fromkeys(_CATALOG_PLACEHOLDER.findall(text or "")))
            if text and set(found) != set(wanted):
                problems.append(
                    (
                        message.lineno,
                        f"the translation of {ids[0]!r} has the placeholders "
                        f"{', '.join(found) or 'none'}, but its msgid has "
                        f"{', '.join(wanted) or 'none'}: they must be the same, untranslated",
                    )
                )
    return problems


def compile_catalog(po_path: Path, *, root: Path | None = None) -> Translations:
    """Read a .po file and compile it in memory: no .mo files are kept in the repository.

    The catalog must be UTF-8 and say so, and keep every msgid's placeholders; inside the
    project (``root``) when given.
    """
    from iombrochure.errors import IombrochureError
    from iombrochure.pipeline.safety import MAX_TEXT_FILE_BYTES, read_inside

    try:
        raw = (
            read_inside(root, po_path, what="translation catalog", limit=MAX_TEXT_FILE_BYTES)
            if root is not None
            else po_path.read_bytes()
        )
    except IombrochureError as exc:
        raise ContentError(exc.message, path=po_path, hint=exc.hint, rule=exc.rule) from None
    charset = catalog_charset_problem(raw)
    if charset is not None:
        raise ContentError(
            charset[1],
            path=po_path,
            line=charset[0],
            hint='save it as UTF-8 with "Content-Type: text/plain; charset=UTF-8"',
            rule="catalog-charset",
        )
    try:
        catalog = read_po(io.BytesIO(raw), abort_invalid=True)
    except Exception as exc:  # babel raises PoFileError and friends with a line number
        line = getattr(exc, "lineno", None)
        raise ContentError(
            f"cannot read the translation catalog: {exc}", path=po_path, line=line
        ) from exc
    for line, problem in catalog_placeholder_problems(catalog):
        raise ContentError(
            problem,
            path=po_path,
            line=line,
            hint="copy each {name} from the msgid as it is",
            rule="catalog-placeholder",
        )
    buffer = io.BytesIO()
    try:
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(fp=buffer, domain="messages")
    except (ValueError, SyntaxError, KeyError, TypeError) as exc:  # gettext's header parsing
        raise ContentError(
            f"the catalog's header cannot be used: {exc}",
            path=po_path,
            hint='check its "Plural-Forms: nplurals=2; plural=(n > 1);" line',
            rule="catalog-syntax",
        ) from exc


def catalog_path(project: Project, lang: str) -> Path:
    return project.locales_dir / lang / "LC_MESSAGES" / "messages.po"


def load_translations(project: Project, lang: str) -> NullTranslations:
    """The UI-string catalog of one language; the source language may go without one."""
    path = catalog_path(project, lang)
    if path.is_file():
        return compile_catalog(path, root=project.root)
    if lang == project.source_language:
        return NullTranslations()
    raise ContentError(
        f"no translation catalog for language {lang!r}",
        path=path,
        hint=f"make it with: iombrochure translations init {lang}",
    )


class DataRef(str):
    """A localized data value that also knows its (Gregorian) year and the words around it.

    Timelines show the Gregorian year large and the month beside it where one is known ("1990
    July"); in a Solar Hijri edition the month goes before the year, as the house style writes
    it, and the calendar mark and the Hijri span the month covers after it («ژوئیهٔ ۱۹۹۰ میلادی
    (تیر–مرداد ۱۳۶۹)», «۱۹۹۵ میلادی»): a fact is never shown as a single Hijri month or year.
    """

    year: str
    detail: str
    before: str

    def __new__(cls, text: str, *, year: str, detail: str, before: str = "") -> DataRef:
        self = super().__new__(cls, text)
        self.year = year
        self.detail = detail
        self.before = before
        return self


@dataclass
class Localizer:
    """Formats values and prose for one edition."""

    language: Language
    translations: NullTranslations
    data: dict[str, Any]
    data_path: Path | None = None
    #: Whether prose links stay links. The print variant is for the press, and PDF/X takes no
    #: link annotations: there a Markdown link keeps its words and loses its target.
    links: bool = True

    @property
    def code(self) -> str:
        return self.language.locale  # Babel's name for it: the code, or fa_AF for prs

    @cached_property
    def direction(self) -> str:
        return text_direction(self.code)

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"

    # -- values ---------------------------------------------------------------------------

    def digits(self, text: str) -> str:
        return to_digits(str(text), self.language.digits)

    def number(self, value: float) -> str:
        system = NUMBERING_SYSTEMS[self.language.digits]
        try:
            text = format_decimal(value, locale=self.code, numbering_system=system)
        except Exception:  # a locale without that numbering system: fall back to Latin
            text = format_decimal(value, locale=self.code)
        return self.digits(text)

    @property
    def marks_gregorian(self) -> bool:
        """Whether Gregorian years need a mark: the edition's own calendar is another one."""
        return self.language.calendar != "gregorian"

    @property
    def gregorian_era(self) -> str:
        return GREGORIAN_ERA.get(Locale.parse(self.code).language, GREGORIAN_ERA["fa"])

    @property
    def persian_typography(self) -> bool:
        """Persian's conventions (the ezafe «هٔ», headline thousands in words): Persian, Dari."""
        return self.language.typography in ("persian", "dari")

    @cached_property
    def keep_together(self) -> tuple[str, ...]:
        """The fixed phrases no line splits: the rule set's, then the project's own."""
        rules = RULE_SETS.get(self.language.typography)
        return (*(rules.keep_together if rules else ()), *self.language.keep_together)

    def year(self, value: int) -> str:
        """A Gregorian year: '1951', or '۱۹۵۱ میلادی' in an edition with another calendar."""
        digits = self.digits(str(value))
        # A plain space, not a no-break one: PDF readers (PDFium) drop a no-break space between
        # digits and a word from the text layer, and «۲۰۰۰میلادی» is then one word.
        return f"{digits} {self.gregorian_era}" if self.marks_gregorian else digits

    def month(self, value: str | dt.date) -> str:
        """A month and its year.

        A month-only fact ("1990-07") keeps its Gregorian month: 'July 1990', or
        'ژوئیهٔ ۱۹۹۰ میلادی' in a Solar Hijri edition, because July 1990 is no single Hijri month
        (10 Tir to 9 Mordad 1369). The month of a known day (a ``date``, e.g. the edition date)
        is given in the edition's calendar: 28 November 2026 is 'آذر ۱۴۰۵'.
        """
        if isinstance(value, dt.date):
            if self.language.calendar == "solar-hijri":
                jday = _solar_hijri(value)
                return f"{self.language.month_names[jday.month - 1]} {self.digits(str(jday.year))}"
            return self.digits(format_date(value, "LLLL y", locale=self.code))
        first = _first_of_month(value)
        if not self.marks_gregorian:
            return self.digits(format_date(first, "LLLL y", locale=self.code))
        return f"{self._gregorian_month_name(first)} {self.year(first.year)}"

    def _gregorian_month_name(self, day: dt.date, *, ezafe: bool = True) -> str:
        """The Gregorian month in the edition's language, with the ezafe before a year."""
        name = get_month_names("wide", "format", locale=self.code)[day.month]
        if ezafe and self.persian_typography and name.endswith("ه"):
            name += EZAFE_HAMZA
        return name

    def solar_hijri_span(self, value: str | int) -> str:
        """The Solar Hijri months (or years) a Gregorian month "YYYY-MM" (or year) runs across:
        'تیر–مرداد ۱۳۶۹', 'اسفند ۱۳۶۸–فروردین ۱۳۶۹', '۱۳۷۳–۱۳۷۴'."""
        if isinstance(value, int):
            first = _solar_hijri(dt.date(value, 1, 1))
            last = _solar_hijri(dt.date(value, 12, 31))
            return self.digits(f"{first.year}{SPAN_DASH}{last.year}")
        start = _first_of_month(value)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        first, last = _solar_hijri(start), _solar_hijri(end)
        names = self.language.month_names
        first_name, last_name = names[first.month - 1], names[last.month - 1]
        if first.year == last.year:
            return self.digits(f"{first_name}{SPAN_DASH}{last_name} {last.year}")
        return self.digits(f"{first_name} {first.year}{SPAN_DASH}{last_name} {last.year}")

    def date(self, value: dt.date) -> str:
        """A full date in the edition's calendar: '28 November 2026' or '۷ آذر ۱۴۰۵'."""
        if self.language.calendar == "solar-hijri":
            jday = _solar_hijri(value)
            month = self.language.month_names[jday.month - 1]
            return self.digits(f"{jday.day} {month} {jday.year}")
        return self.digits(format_date(value, "d MMMM y", locale=self.code))

    def headline_number(self, value: float) -> tuple[str, str]:
        """A headline figure as (numeral, unit word): ('۳۷۰', 'هزار') in Persian editions, whose
        house style writes headline thousands in words; ('370,000', '') elsewhere. Only exact
        values are shortened: 372,500 stays a grouped number, never a rounded one."""
        if self.persian_typography and isinstance(value, int) and value >= 1000:
            for power in (9, 6, 3):
                if value >= 10**power and value % 10 ** (power - 2) == 0:
                    system = NUMBERING_SYSTEMS[self.language.digits]
                    text = format_compact_decimal(
                        value,
                        format_type="long",
                        locale=self.code,
                        fraction_digits=2,
                        numbering_system=system,
                    )
                    numeral, _, unit = self.digits(text).partition(" ")
                    return numeral, unit
                if value >= 10**power:
                    break
        return self.number(value), ""

    def isolate(self, text: str) -> str:
        """Keep a left-to-right fragment in reading order inside right-to-left text."""
        return f"{LRI}{text}{PDI}" if self.is_rtl else text

    def phone(self, value: str) -> str:
        """A stored international number as this edition writes it, kept left to right:
        '+98 21 8804 3377', '+۹۸ ۲۱ ۸۸۰۴ ۳۳۷۷'."""
        try:
            number = parse_phone(value)
        except ValueError as exc:
            raise ContentError(
                f"phone number {value!r} cannot be read: {exc}",
                path=self.data_path,
                hint='write it in international form, e.g. "+98 21 8804 3377"',
            ) from exc
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        return self.isolate(self.digits(text))

    def link(self, value: str) -> str:
        return self.isolate(str(value))

    def code_value(self, value: str | int) -> str:
        return self.digits(str(value))

    def money(self, amount: float, currency: str, *, sign: str = "symbol") -> str:
        """An amount with its currency, written the edition's way by Babel (CLDR) and isolated
        so that it reads in the right order in any text: '؋10,000', 'AFN 10,000' (``sign=
        "code"``), '؋ ۱۰٬۰۰۰' in Dari and Pashto, '$10,000'. A whole amount is written whole.

        The number and the sign are held apart: the sign, isolated, cannot pull the digits
        into its own direction (a right-to-left ؋ before "10,000" in English text otherwise
        shows as "10,000؋"); the whole amount, isolated in the edition's direction, keeps the
        sign on the side the edition's readers expect."""
        problem = money_problem({"amount": amount, "currency": currency, "sign": sign})
        if problem:
            raise ValueError(f"money {amount!r} {currency!r}: {problem}")
        text = self._currency_text(amount, currency, sign)
        pieces: list[str] = []
        position = 0
        for match in _AMOUNT_NUMBER_RE.finditer(text):
            pieces.append(_isolated_sign(text[position : match.start()]))
            pieces.append(self.digits(match.group(0)))
            position = match.end()
        pieces.append(_isolated_sign(text[position:]))
        opening = RLI if self.is_rtl else LRI
        return f"{opening}{''.join(pieces)}{PDI}"

    def _currency_text(self, amount: float, currency: str, sign: str) -> str:
        """Babel's amount in Latin digits with the edition's separators, without CLDR's marks,
        with the space CLDR puts between a sign in letters and the number (Babel leaves it
        out: 'AFN10,000')."""
        locale = Locale.parse(self.code)
        system = NUMBERING_SYSTEMS[self.language.digits]
        if system not in locale.number_symbols:  # no separators for it: Latin ones, as number()
            system = "latn"
        whole = float(amount).is_integer()
        if sign == "name":
            text = format_currency(
                int(amount) if whole else amount,
                currency,
                locale=locale,
                format_type="name",
                numbering_system=system,
            )
            if whole and get_currency_precision(currency):
                text = _drop_zero_decimals(text, locale, system)
            return text.translate(_CLDR_MARKS)
        pattern = locale.currency_formats["standard"].pattern
        if whole:  # "$10,000", not "$10,000.00": a grant or a fee is a round sum
            pattern = re.sub(r"\.[0#]+", "", pattern)
        if sign == "code":  # ¤¤ is the ISO code in a CLDR pattern
            written, pattern = currency, pattern.replace("¤", "¤¤")
        else:
            written = get_currency_symbol(currency, locale=locale)
        text = format_currency(
            amount,
            currency,
            format=pattern,
            locale=locale,
            currency_digits=not whole,
            numbering_system=system,
        ).translate(_CLDR_MARKS)
        shown = written
        if sign == "symbol" and written == currency:  # the language has no sign of its own
            shown = _home_sign(currency) or currency
            text = text.replace(written, shown, 1)
        return _space_currency(text, shown)

    def data_value(self, ref: str) -> str:
        """The localized text of a data.yaml value, e.g. ``figures.people_returned``."""
        section, _, key = ref.partition(".")
        value = self.data[section][key]
        kind = DATA_SECTIONS[section]
        formatter: dict[str, Callable[[Any], str]] = {
            "number": self.number,
            "year": self.year,
            "month": self.month,
            "date": self.date,
            "phone": self.phone,
            "link": self.link,
            "code": self.code_value,
            "money": self.money_fact,
        }
        return formatter[kind](value)

    def money_fact(self, value: dict[str, Any]) -> str:
        """A money fact of data.yaml: ``{amount: 10000, currency: AFN}``, see :meth:`money`."""
        try:
            return self.money(
                value["amount"], value["currency"], sign=value.get("sign", MONEY_SIGNS[0])
            )
        except ValueError as exc:  # read by content.py first: only a project changed since
            raise ContentError(str(exc), path=self.data_path, rule="data") from exc

    def data_ref(self, ref: str) -> DataRef:
        """A reference as the template shows it: full text, plus year and detail for timelines."""
        section, _, key = ref.partition(".")
        value = self.data[section][key]
        text = self.data_value(ref)
        if section == "months":
            first = _first_of_month(str(value))
            year = self.digits(str(first.year))
            if not self.marks_gregorian:  # "1990 July": the years of the timeline stay aligned
                return DataRef(text, year=year, detail=format_date(first, "LLLL", locale=self.code))
            return DataRef(
                text,
                year=year,
                detail=f"{self.gregorian_era} ({self.solar_hijri_span(value)})",
                before=self._gregorian_month_name(first),
            )
        if section == "years" and self.marks_gregorian:
            return DataRef(text, year=self.digits(str(value)), detail=self.gregorian_era)
        if section == "dates":
            year = self.digits(str(value.year))
            if not self.marks_gregorian:
                return DataRef(text, year=year, detail=text)
            # The timeline's large years are Gregorian: the day and month beside it likewise,
            # with the exact Hijri date (a day is known, so it converts): «۲۸ نوامبر (۷ آذر ۱۴۰۵)».
            month = self._gregorian_month_name(value, ezafe=False)
            return DataRef(text, year=year, detail=f"{self.digits(str(value.day))} {month} ({text})")
        return DataRef(text, year=text, detail="")

    def headline(self, ref: str) -> Markup:
        """A fact as a headline figure: the numeral, then its unit word or calendar mark in a
        ``figure-unit`` span the style sheet sets smaller: «۳۷۰ هزار», «۱۹۵۱ میلادی»."""
        section, _, key = ref.partition(".")
        value = self.data[section][key]
        kind = DATA_SECTIONS[section]
        if kind == "number":
            numeral, unit = self.headline_number(value)
        elif kind == "year" and self.marks_gregorian:
            numeral, unit = self.digits(str(value)), self.gregorian_era
        elif kind == "month" and self.marks_gregorian:
            first = _first_of_month(str(value))
            numeral = f"{self._gregorian_month_name(first)} {self.digits(str(first.year))}"
            unit = self.gregorian_era
        else:
            numeral, unit = self.data_value(ref), ""
        if not unit:
            return Markup(escape(numeral))
        return Markup("{}{}").format(numeral, _figure_unit(f" {unit}"))

    # -- prose ----------------------------------------------------------------------------

    def text(self, value: str, *, headline: bool = False, for_print: bool = False) -> str:
        """Plain text: placeholders filled, Latin runs isolated in right-to-left editions.

        ``for_print`` (the publications, not e-mail) keeps fixed phrases (the language's rule
        set's and the project's) and, in right-to-left editions, numeric ranges on one line;
        ``headline`` fills facts as headline figures (see :meth:`headline`) and returns markup."""
        values: list[str] = []

        def hold(match: re.Match[str]) -> str:
            # A private-use character stands in for the value while Latin runs are isolated,
            # so that neither the placeholder's name nor its value is wrapped twice.
            ref = f"{match[1]}.{match[2]}"
            values.append(self.headline(ref) if headline else self.data_value(ref))
            return chr(_HOLD_BASE + len(values) - 1)

        held = PLACEHOLDER_RE.sub(hold, value)
        if self.is_rtl:
            held = isolate_latin_runs(held)
        if for_print and self.keep_together:
            held = keep_phrases_together(held, self.keep_together)
        if headline:
            # Words typed around the fact («بیش از ۱۰۰») are set like its unit word.
            held = "".join(
                part if _HOLD_RE.fullmatch(part) or not part.strip() else _figure_unit(part)
                for part in _HOLD_SPLIT_RE.split(held)
            )
        filled = _HOLD_RE.sub(lambda m: values[ord(m.group(0)) - _HOLD_BASE], held)
        if headline:
            return Markup(filled)
        return keep_ranges_together(filled) if for_print and self.is_rtl else filled

    @cached_property
    def _markdown(self) -> MarkdownIt:
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.validateLink = is_allowed_link
        return md

    def markdown(self, value: str, *, inline: bool = False) -> Markup:
        """Prose to HTML. Raw HTML is escaped; only https, mailto and tel links survive."""
        md = self._markdown
        tokens = md.parseInline(value) if inline else md.parse(value)
        for token in tokens:
            for child in token.children or ():
                if child.type == "text":
                    child.content = self.text(child.content, for_print=True)
                elif child.type == "link_open" and not self.links:
                    child.attrs.pop("href", None)
                    child.attrs.pop("title", None)
        html = md.renderer.render(tokens, md.options, {})
        if inline:
            return Markup(html)
        return Markup(html.strip())

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def page_counter_css(self, pattern: str) -> str:
        """'Page {page} of {pages}' (translated) as a CSS ``content`` value with counters."""
        style = self.language.digits
        pieces: list[str] = []
        for token in re.split(r"(\{page\}|\{pages\})", pattern):
            if token == "{page}":
                pieces.append(f"counter(page, {style})")
            elif token == "{pages}":
                pieces.append(f"counter(pages, {style})")
            elif token:
                pieces.append(css_string(token))
        return " ".join(pieces)


def css_string(value: str) -> str:
    """A quoted CSS string that no translated text can break out of (quotes, <, newlines)."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,·:;-_()|/،؛" or ord(ch) > 127 else f"\\{ord(ch):x} "
        for ch in str(value)
    )
    return f'"{escaped}"'


def _isolated_sign(text: str) -> str:
    """The words or sign around an amount's number, in a first-strong isolate: its own
    direction, with no pull on the digits beside it. The space between them and the number
    stays outside, and is a no-break one: a line never ends between a number and its sign."""
    sign = text.strip(" \u00a0\u202f")
    if not sign:
        return text.replace(" ", NBSP)
    start = text.index(sign)
    before, after = text[:start].replace(" ", NBSP), text[start + len(sign) :].replace(" ", NBSP)
    return f"{before}{FSI}{sign}{PDI}{after}"


def _space_currency(text: str, sign: str) -> str:
    """CLDR's currency spacing, which Babel does not apply: a sign that ends (or starts) with a
    letter, next to a digit, is set off by a no-break space ('AFN 10,000'); a symbol such as
    $ or ؋ stays against the number ('$10,000', '؋10,000')."""
    if not sign or sign not in text:
        return text
    start = text.index(sign)
    end = start + len(sign)
    before_digit = end < len(text) and text[end].isdigit()
    after_digit = start > 0 and text[start - 1].isdigit()
    if before_digit and not unicodedata.category(sign[-1]).startswith("S"):
        text = f"{text[:end]}{NBSP}{text[end:]}"
    if after_digit and not unicodedata.category(sign[0]).startswith("S"):
        text = f"{text[:start]}{NBSP}{text[start:]}"
    return text


@cache
def _home_sign(currency: str) -> str | None:
    """The sign the currency's own country writes when it is one currency symbol (؋ for AFN):
    CLDR's narrow symbol, which Babel does not carry. None when that is a word (ریال)."""
    for territory, currencies in get_global("territory_currencies").items():
        if not any(code == currency and end is None for code, _, end, *_ in currencies):
            continue
        try:
            sign = get_currency_symbol(currency, locale=Locale.parse(f"und_{territory}"))
        except Exception:  # a territory without locale data
            continue
        if len(sign) == 1 and unicodedata.category(sign) == "Sc":
            return sign
    return None


#: Currency words a writer types beside a number, which no symbol list holds: the toman (not
#: a currency of ISO 4217) and the names people use for the currencies of the office's readers.
_CURRENCY_WORDS = (
    "تومان", "ریال", "افغانی", "افغانۍ", "دلار", "دالر", "یورو",
    "toman", "tomans", "rial", "rials", "afghani", "afghanis", "dollar", "dollars", "euro", "euros",
)  # fmt: skip


@cache
def _currency_symbol_characters() -> str:
    """Every currency symbol of Unicode (category Sc): $ € £ ؋ ﷼ ₹ ..."""
    return "".join(chr(c) for c in range(0x20, 0x10000) if unicodedata.category(chr(c)) == "Sc")


@cache
def _hand_typed_sign_re(locale: str) -> re.Pattern[str]:
    """A currency sign as a writer types it: a currency symbol character (؋ $ € ﷼), an ISO
    code in capitals (AFN), a symbol the edition's locale writes in letters (ریال, US$), or a
    currency word in any case (rials, افغانی)."""
    characters = _currency_symbol_characters()
    exact = set(list_currencies()) | {
        sign for sign in Locale.parse(locale).currency_symbols.values() if len(sign) > 1
    }

    def alternatives(words: set[str] | tuple[str, ...]) -> str:
        return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))

    return re.compile(
        rf"(?<!\w)(?:{alternatives(exact)}|(?i:{alternatives(_CURRENCY_WORDS)}))(?!\w)"
        rf"|[{re.escape(characters)}]"
    )


def signs_beside_placeholders(text: str, locale: str) -> list[tuple[str, str, str]]:
    """(sign, placeholder, "before" or "after") for each currency sign typed right before or
    after a ``{a.b}`` placeholder, with only spaces or Markdown emphasis between: «؋{figures.cash_grant}»,
    «{figures.fee} USD», «**{figures.grant} ریال**». Such a sign is not written the edition's
    way and can move to the other side of the number (see :meth:`Localizer.money`)."""
    sign_re = _hand_typed_sign_re(locale)
    found: list[tuple[str, str, str]] = []
    for match in PLACEHOLDER_RE.finditer(text):
        before = re.search(rf"({sign_re.pattern})[ \u00a0*_]*$", text[: match.start()])
        after = re.match(rf"[ \u00a0*_]*({sign_re.pattern})", text[match.end() :])
        for side, typed in (("before", before), ("after", after)):
            if typed:
                found.append((typed.group(1), match.group(0), side))
    return found


def currency_of_sign(sign: str, locale: str) -> str | None:
    """The ISO code a hand-typed sign most likely stands for (؋ AFN, ریال IRR, $ USD), for
    the fix a check suggests; None when it cannot tell."""
    if sign in list_currencies():
        return sign
    likely = ("AFN", "IRR", "USD", "EUR")
    for candidate in (*likely, *sorted(list_currencies())):
        if sign in (get_currency_symbol(candidate, locale=locale), _home_sign(candidate)):
            return candidate
    for candidate in likely:  # a currency word: "rials" is in "Iranian rials"
        names = " ".join(
            get_currency_name(candidate, count, locale=name)
            for count in (1, 2)
            for name in (locale, "en")
        )
        if sign.lower() in names.lower().split():
            return candidate
    return None


def _drop_zero_decimals(text: str, locale: Locale, system: str) -> str:
    """'10,000.00 US dollars' as '10,000 US dollars': a whole amount is written whole."""
    decimal = locale.number_symbols[system]["decimal"]
    return re.sub(rf"{re.escape(decimal)}0+(?![0-9])", "", text)


def _figure_unit(words: str) -> Markup:
    """Words beside a headline figure, in the span the right-to-left style sheet sets smaller."""
    return Markup('<span class="figure-unit">{}</span>').format(words)


def _first_of_month(value: str) -> dt.date:
    return dt.date.fromisoformat(str(value) + "-01")


def _solar_hijri(day: dt.date) -> Any:
    import jdatetime

    return jdatetime.date.fromgregorian(date=day)


def is_allowed_link(url: str) -> bool:
    """Whether prose (or a campaign text) may link to ``url``: see safety.ALLOWED_LINK_PREFIXES."""
    return url.strip().lower().startswith(ALLOWED_LINK_PREFIXES)


def localize_file(file: ContentFile, localizer: Localizer) -> Any:
    """A content file's tree as template-ready values (text, Markup, lists, dicts)."""
    schema = file.fields
    return _localize(file, file.data, schema, (), localizer)


def _localize(file: ContentFile, value: Any, schema: Any, key_path: tuple, loc: Localizer) -> Any:
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            sub = None
            if isinstance(schema, dict):
                sub = schema.get(key, schema.get(f"{key}?"))
            if sub == META or (key == "translation" and not key_path):
                continue
            result[str(key)] = _localize(file, item, sub, (*key_path, key), loc)
        return result
    if isinstance(value, list):
        sub = schema[0] if isinstance(schema, list) else None
        return [_localize(file, item, sub, (*key_path, i), loc) for i, item in enumerate(value)]
    if isinstance(value, str):
        try:
            if schema == MARKDOWN:
                return loc.markdown(value)
            if schema == REF:
                return loc.data_ref(value)
            if schema == PATH:
                return value
            # The value of a key figure (fact sheet) or of the flap's glance (brochure) is a
            # headline figure: «۳۷۰ هزار», not «۳۷۰٬۰۰۰».
            headline = bool(key_path) and key_path[-1] == "value"
            return loc.text(value, headline=headline, for_print=True)
        except KeyError as exc:
            raise ContentError(
                f"{dotted(key_path)}: unknown data reference {exc}",
                path=file.path,
                line=file.line_of(key_path),
            ) from exc
    if isinstance(value, dt.date) and schema == DATE:
        return loc.date(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return loc.number(value)
    return escape(str(value))

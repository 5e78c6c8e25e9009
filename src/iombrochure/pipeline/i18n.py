"""Stage 3: localize. Digits, numbers, calendars, text direction, bidi isolation and catalogs.

Babel formats numbers but never changes digits (``370٬000`` for Persian), and its dates are
Gregorian only; jdatetime converts to the Solar Hijri calendar. WeasyPrint ignores
``unicode-bidi``, so left-to-right fragments in right-to-left text (e-mail addresses, URLs,
phone numbers, Latin acronyms) are wrapped in Unicode isolates (U+2066 LRI ... U+2069 PDI),
which Pango's bidi algorithm honours inside each run of text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
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
    PATH,
    PLACEHOLDER_RE,
    REF,
    ContentFile,
    dotted,
)

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"

DIGIT_SETS = {
    "decimal": "0123456789",
    "persian": "۰۱۲۳۴۵۶۷۸۹",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
}
#: Babel's numbering system for each digit set: it chooses the group and decimal separators.
NUMBERING_SYSTEMS = {"decimal": "latn", "persian": "arabext", "arabic-indic": "arab"}

#: Iran's month names; a language's own set is ``Language.month_names`` (calendars.py).
PERSIAN_MONTHS = SOLAR_HIJRI_MONTHS["iranian"]

#: Letters of the Latin script, accented ones included (Latin-1, Extended-A/B, IPA, Extended
#: Additional, Extended-C/D/E, ligatures): "Renée", "Müller", "Işık" are one run, not three.
LATIN_LETTERS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0250-\u02af"
    "\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f\ufb00-\ufb06"
)
_LATIN_WORD = (
    f"[{LATIN_LETTERS}0-9][{LATIN_LETTERS}0-9\u0300-\u036f@._:/\\-+&'’%#=?~]*"
)
#: A run of Latin-script text inside right-to-left prose: words, names with accents, acronyms,
#: e-mail addresses, URLs and codes, possibly several words long, joined by spaces or a lone
#: "&" (Müller & Co.). Trailing sentence punctuation stays outside.
LATIN_RUN_RE = re.compile(f"{_LATIN_WORD}(?:[ \u00a0]+(?:&[ \u00a0]+)?{_LATIN_WORD})*")
_TRAILING_PUNCT = ".,:;?!"
_HOLD_BASE = 0xF0000  # supplementary private use area: never in real content
_HOLD_RE = re.compile("[\U000f0000-\U000ffffd]")

#: Link schemes that prose may use. Links are written into the PDF, never fetched.
ALLOWED_LINK_SCHEMES = ("https:", "mailto:", "tel:")


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
    """Text for PDF metadata (title, keywords): viewers show isolates there as stray marks."""
    return str(text).translate(_BIDI_CONTROLS)


_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def compile_catalog(po_path: Path) -> Translations:
    """Read a .po file and compile it in memory: no .mo files are kept in the repository."""
    try:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except Exception as exc:  # babel raises PoFileError and friends with a line number
        line = getattr(exc, "lineno", None)
        raise ContentError(
            f"cannot read the translation catalog: {exc}", path=po_path, line=line
        ) from exc
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def catalog_path(project: Project, lang: str) -> Path:
    return project.locales_dir / lang / "LC_MESSAGES" / "messages.po"


def load_translations(project: Project, lang: str) -> NullTranslations:
    """The UI-string catalog of one language; the source language may go without one."""
    path = catalog_path(project, lang)
    if path.is_file():
        return compile_catalog(path)
    if lang == project.source_language:
        return NullTranslations()
    raise ContentError(
        f"no translation catalog for language {lang!r}",
        path=path,
        hint="create it with: pybabel init -i locales/messages.pot -d locales -l " + lang,
    )


class DataRef(str):
    """A localized data value that also knows its (Gregorian) year and a finer detail.

    Timelines show the year large and, where a month is known, the month in the edition's own
    calendar underneath: "1990 / July 1990" in English, "۱۹۹۰ / تیر ۱۳۶۹" in Persian.
    """

    year: str
    detail: str

    def __new__(cls, text: str, *, year: str, detail: str) -> DataRef:
        self = super().__new__(cls, text)
        self.year = year
        self.detail = detail
        return self


@dataclass
class Localizer:
    """Formats values and prose for one edition."""

    language: Language
    translations: NullTranslations
    data: dict[str, Any]
    data_path: Path | None = None

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

    def year(self, value: int) -> str:
        return self.digits(str(value))

    def month(self, value: str | dt.date) -> str:
        """A month and year in the edition's calendar: 'July 1990' or 'تیر ۱۳۶۹'."""
        day = dt.date.fromisoformat(value + "-01") if isinstance(value, str) else value
        if self.language.calendar == "solar-hijri":
            import jdatetime

            jday = jdatetime.date.fromgregorian(date=day)
            month = self.language.month_names[jday.month - 1]
            return f"{month} {self.digits(str(jday.year))}"
        return self.digits(format_date(day, "LLLL y", locale=self.code))

    def date(self, value: dt.date) -> str:
        """A full date in the edition's calendar: '28 November 2026' or '۷ آذر ۱۴۰۵'."""
        if self.language.calendar == "solar-hijri":
            import jdatetime

            jday = jdatetime.date.fromgregorian(date=value)
            month = self.language.month_names[jday.month - 1]
            return self.digits(f"{jday.day} {month} {jday.year}")
        return self.digits(format_date(value, "d MMMM y", locale=self.code))

    def isolate(self, text: str) -> str:
        """Keep a left-to-right fragment in reading order inside right-to-left text."""
        return f"{LRI}{text}{PDI}" if self.is_rtl else text

    def phone(self, value: str) -> str:
        return self.isolate(self.digits(str(value)))

    def link(self, value: str) -> str:
        return self.isolate(str(value))

    def code_value(self, value: str | int) -> str:
        return self.digits(str(value))

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
        }
        return formatter[kind](value)

    def data_ref(self, ref: str) -> DataRef:
        """A reference as the template shows it: full text, plus year and detail for timelines."""
        section, _, key = ref.partition(".")
        value = self.data[section][key]
        text = self.data_value(ref)
        if section == "months":
            year = self.year(int(str(value)[:4]))
            if self.language.calendar == "gregorian":  # "1990" is shown already: add "July"
                day = dt.date.fromisoformat(str(value) + "-01")
                return DataRef(text, year=year, detail=format_date(day, "LLLL", locale=self.code))
            return DataRef(text, year=year, detail=text)
        if section == "dates":
            return DataRef(text, year=self.year(value.year), detail=text)
        return DataRef(text, year=text, detail="")

    # -- prose ----------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Plain text: placeholders filled, Latin runs isolated in right-to-left editions."""
        values: list[str] = []

        def hold(match: re.Match[str]) -> str:
            # A private-use character stands in for the value while Latin runs are isolated,
            # so that neither the placeholder's name nor its value is wrapped twice.
            values.append(self.data_value(f"{match[1]}.{match[2]}"))
            return chr(_HOLD_BASE + len(values) - 1)

        held = PLACEHOLDER_RE.sub(hold, value)
        if self.is_rtl:
            held = isolate_latin_runs(held)
        return _HOLD_RE.sub(lambda m: values[ord(m.group(0)) - _HOLD_BASE], held)

    @cached_property
    def _markdown(self) -> MarkdownIt:
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.validateLink = _is_allowed_link
        return md

    def markdown(self, value: str, *, inline: bool = False) -> Markup:
        """Prose to HTML. Raw HTML is escaped; only https, mailto and tel links survive."""
        md = self._markdown
        tokens = md.parseInline(value) if inline else md.parse(value)
        for token in tokens:
            for child in token.children or ():
                if child.type == "text":
                    child.content = self.text(child.content)
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


def _is_allowed_link(url: str) -> bool:
    return url.strip().lower().startswith(ALLOWED_LINK_SCHEMES)


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
            return loc.text(value)
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

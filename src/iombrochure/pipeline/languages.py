"""What a language code brings by default: its name, calendar, digits, typography and fonts.

Most of it is CLDR's, read through Babel, so any code Babel knows is an edition: the name an
officer sees ("Dari", «دری»), the digits the locale writes by default (``arabext`` is ۰-۹), and
the territory a language is most likely written in (Iran and Afghanistan count years in the
Solar Hijri calendar, and Afghanistan names its months «حمل ... حوت»). CLDR has no ``prs``:
Dari is its ``fa_AF`` (calendars.babel_locale). What CLDR does not say (the typography rule set
a language takes, and the bundled fonts that write it well) is the two small tables below.
Every default can be overridden under ``[languages.<code>]`` in iombrochure.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.core import get_global

from iombrochure.pipeline.calendars import babel_locale, default_month_set

#: Typography rule sets (typography/) by language; others get none unless the config names one.
#: Dari takes the Persian rules under its own name, so that findings say "Dari text".
TYPOGRAPHY_BY_LANGUAGE = {"fa": "persian", "prs": "dari", "fa_AF": "dari", "ps": "pashto"}

#: Font families (declared in the project's styles/fonts.css), the first one the text face.
#: Every list ends with the fallbacks: the Afghani sign ؋ in the digits' weights (Vazirmatn has
#: none), other Arabic-script signs, and symbols such as ☎.
FALLBACK_FONTS = ("Afghani Sign", "Noto Naskh Arabic", "Noto Sans Symbols 2")
LATIN_FONTS = ("Source Sans 3", "Vazirmatn", *FALLBACK_FONTS)
#: Vazirmatn writes Persian, Dari, Pashto (ټ ډ ړ ښ ږ ځ څ ګ ڼ ې ۍ), Arabic and Urdu (ٹ ڈ ڑ ں ے ھ ہ),
#: and its PDF text layer reads back as typed. Noto Naskh Arabic is only a fallback: its
#: contextual glyphs come back from a PDF as stray control characters (pdftotext, PDFium).
RTL_FONTS = ("Vazirmatn", "Source Sans 3", *FALLBACK_FONTS)
#: Babel's (CLDR's) numbering system for each digits setting: it chooses the group and decimal
#: separators; read backwards, the digits a locale writes by default.
NUMBERING_SYSTEMS = {"decimal": "latn", "persian": "arabext", "arabic-indic": "arab"}
DIGITS_BY_NUMBERING_SYSTEM = {system: digits for digits, system in NUMBERING_SYSTEMS.items()}
#: Territories whose civil calendar is the Solar Hijri one.
SOLAR_HIJRI_TERRITORIES = ("IR", "AF")


@dataclass(frozen=True)
class LanguageDefaults:
    """What ``[languages.<code>]`` gets for each key it leaves out."""

    calendar: str
    digits: str
    typography: str
    months: str
    fonts: tuple[str, ...]


def locale_of(code: str) -> Locale:
    """Babel's locale for a language code (raises babel's UnknownLocaleError or ValueError)."""
    return Locale.parse(babel_locale(code))


def territory(code: str) -> str:
    """Where a language is most likely written: ``fa`` -> IR, ``ps`` and ``prs`` -> AF."""
    locale = locale_of(code)
    if locale.territory:
        return locale.territory
    likely_subtags = get_global("likely_subtags")
    likely = likely_subtags.get(str(locale)) or likely_subtags.get(locale.language, "")
    return likely.rsplit("_", 1)[-1] if likely.count("_") else ""


def defaults(code: str) -> LanguageDefaults:
    """The defaults of a language code Babel knows."""
    locale = locale_of(code)
    base = locale.language
    numbering = getattr(locale, "default_numbering_system", "latn")
    written_in = territory(code)
    calendar = "solar-hijri" if written_in in SOLAR_HIJRI_TERRITORIES else "gregorian"
    typography = TYPOGRAPHY_BY_LANGUAGE.get(
        code, TYPOGRAPHY_BY_LANGUAGE.get(str(locale), TYPOGRAPHY_BY_LANGUAGE.get(base, "none"))
    )
    fonts = RTL_FONTS if locale.text_direction == "rtl" else LATIN_FONTS
    return LanguageDefaults(
        calendar=calendar,
        digits=DIGITS_BY_NUMBERING_SYSTEM.get(numbering, "decimal"),
        typography=typography,
        months="afghan" if written_in == "AF" else default_month_set(code),
        fonts=fonts,
    )


def english_name(code: str) -> str:
    """The language's name in English, as CLDR gives it: "Dari" for prs (not "Persian
    (Afghanistan)"), "Pashto", "Persian"."""
    english = Locale("en").languages
    locale = babel_locale(code)
    return (
        english.get(code) or english.get(locale) or locale_of(code).get_display_name("en") or code
    )


def native_name(code: str) -> str:
    """The language's name in itself: «دری», «پښتو», «فارسی», "français"."""
    locale = locale_of(code)
    own = locale.languages
    return own.get(code) or own.get(str(locale)) or locale.get_display_name() or code


def label(code: str) -> str:
    """How messages and proof sheets name an edition: "Dari (prs)"."""
    return f"{english_name(code)} ({code})"

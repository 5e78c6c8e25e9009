"""Languages as data, not code: Solar Hijri month names per language, and Babel's locale.

Iran and Afghanistan count the same Solar Hijri months under different names: Persian (fa) uses
the Iranian names (فروردین ... اسفند), Dari (prs) and Pashto (ps) the Afghan ones (حمل ... حوت).
A project may choose a set by name or write its own twelve in iombrochure.toml.
"""

from __future__ import annotations

SOLAR_HIJRI_MONTHS: dict[str, tuple[str, ...]] = {
    "iranian": (
        "فروردین",
        "اردیبهشت",
        "خرداد",
        "تیر",
        "مرداد",
        "شهریور",
        "مهر",
        "آبان",
        "آذر",
        "دی",
        "بهمن",
        "اسفند",
    ),
    "afghan": (
        "حمل",
        "ثور",
        "جوزا",
        "سرطان",
        "اسد",
        "سنبله",
        "میزان",
        "عقرب",
        "قوس",
        "جدی",
        "دلو",
        "حوت",
    ),
}

#: Languages (and regional variants) that name the months the Afghan way; all others: Iranian.
AFGHAN_MONTH_LANGUAGES = ("prs", "ps", "fa_AF", "fa-AF", "uz_Arab_AF")


def default_month_set(code: str) -> str:
    """The month-name set a language gets unless the config says otherwise."""
    return "afghan" if code in AFGHAN_MONTH_LANGUAGES else "iranian"


#: Language codes Babel's data lacks, and the locale whose data they use. Dari (prs) is the
#: Persian of Afghanistan: Babel knows it as fa_AF.
BABEL_LOCALES = {"prs": "fa_AF"}


def babel_locale(code: str) -> str:
    """The Babel locale that formats a language's numbers and dates and knows its direction."""
    return BABEL_LOCALES.get(code, code)

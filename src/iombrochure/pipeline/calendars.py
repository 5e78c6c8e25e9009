"""Month names of the Solar Hijri calendar, per language: languages as data, not code.

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

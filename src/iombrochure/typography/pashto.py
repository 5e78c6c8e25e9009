"""The Pashto rule set: the script's shared rules, and nothing that is only right for Persian.

Pashto has letters Persian lacks (ټ ډ ړ ښ ږ ځ څ ګ ڼ ې ۍ) and uses Arabic ي as a letter of its own
(the masculine ending in «هویتي»), so the yeh rules of Persian would corrupt it: no yeh is ever
changed here. Only Arabic ك, which no Pashto word uses, becomes ک. None of Persian's word rules
apply (می/نمی، ‌ها، ‌تر/‌ترین, the comma before «و»): in Pashto «تر» is a preposition and «او»
is "and".

Digits: Afghanistan writes Pashto with the Persian forms ۰-۹ (۴ ۵ ۶ as in Persian), so Latin and
Arabic-Indic digits in Pashto prose become ۰-۹, as for Persian. The punctuation (، ؛ ؟ «…»), the
number separators (٬ ٫ ٪), the spacing and bidi rules are the script's and shared.
"""

from __future__ import annotations

from functools import partial

from iombrochure.typography.shared import (
    ProtectedSpans,
    RuleSet,
    TypographyFinding,
    find_arabic_indic_digits,
    find_double_spaces,
    find_latin_digits,
    find_latin_punctuation,
    find_letters,
    find_misplaced_zwnj,
    find_number_separators,
    find_punctuation_spacing,
    find_quotes,
)

#: Arabic kaf typed on an Arabic keyboard; Pashto writes ک (and ګ for g).
PASHTO_LETTER_FIXES = {"\u0643": "\u06a9"}


def find_arabic_kaf(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Arabic ك where Pashto writes ک; every yeh (ي ی ې ۍ ى) is left as typed."""
    return find_letters(text, protected, PASHTO_LETTER_FIXES, {}, "Pashto")


#: Names and fixed phrases a printed line never splits in Pashto editions: the organisations a
#: leaflet names, and places of two words (border crossings, cities).
KEEP_TOGETHER_PS = (
    "د مهاجرت نړیوال سازمان",
    "ملګرو ملتونو",
    "اسلام قلعه",
    "سپین بولدک",
    "مزار شریف",
    "پل خمري",
    "د بېلګې په توګه",
)

PASHTO = RuleSet(
    name="pashto",
    characters=(
        find_arabic_kaf,
        partial(find_arabic_indic_digits, language="Pashto"),
        partial(find_latin_digits, language="Pashto"),
    ),
    marks=(
        partial(find_latin_punctuation, language="Pashto"),
        partial(find_quotes, language="Pashto"),
        partial(find_number_separators, language="Pashto"),
    ),
    words=(find_misplaced_zwnj, find_double_spaces, find_punctuation_spacing),
    keep_together=KEEP_TOGETHER_PS,
)

"""Which script a stretch of text is in (the Latin runs inside right-to-left prose), and the
invisible characters that change the order in which text is shown.

The localize stage (i18n.py) isolates these runs with Unicode isolates and the text layer
(textlayer.py) tags them ``/Lang en``: both must see the same runs, so both take them from here.
This module imports nothing heavy, because every render worker loads the text layer and need
not load the localize stage (Babel, phonenumbers, markdown-it) with it.
"""

from __future__ import annotations

import re
import unicodedata

#: Latin letters, with the accented and extended ones of names (Renée, Müller, Türkiye).
LATIN_LETTERS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0250-\u02af"
    "\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f\ufb00-\ufb06"
)
#: One Latin letter.
LATIN_LETTER_RE = re.compile(f"[{LATIN_LETTERS}]")
_LATIN_WORD = f"[{LATIN_LETTERS}0-9][{LATIN_LETTERS}0-9\u0300-\u036f@._:/\\-+&'’%#=?~]*"
#: A run of Latin-script text inside right-to-left prose: words, names with accents, acronyms,
#: e-mail addresses, URLs and codes, possibly several words long, joined by spaces or a lone
#: "&" (Müller & Co.). Trailing sentence punctuation stays outside.
LATIN_RUN_RE = re.compile(f"{_LATIN_WORD}(?:[ \u00a0]+(?:&[ \u00a0]+)?{_LATIN_WORD})*")


def is_arabic_letter(char: str) -> bool:
    """An Arabic-script letter (Persian, Dari, Pashto): not a digit, a mark or punctuation."""
    return unicodedata.bidirectional(char) == "AL" and unicodedata.category(char).startswith("L")


#: Characters that change the order in which text is shown (U+202E makes "moc.elpmaxe@"
#: look like "example@com"): never needed in content, data.yaml, campaigns or recipient lists,
#: where they can spoof an address, a name or a figure. Persian text gets its isolates from the
#: localize stage.
BIDI_CONTROLS = {
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u061c": "ARABIC LETTER MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}


def bidi_control_problem(text: str) -> str | None:
    """Why a text with a bidi control character may not be used as data, or None."""
    for char in text:
        if char in BIDI_CONTROLS:
            return (
                f"contains an invisible bidi control U+{ord(char):04X} ({BIDI_CONTROLS[char]}), "
                "which changes how the text reads"
            )
    return None

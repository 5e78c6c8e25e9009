"""Persian typography checks and safe fixes for content written by translators.

Persian text for IOM Iran is often typed on Arabic keyboard layouts, with Latin digits and
punctuation, or pasted from tools that add invisible bidi controls. The result looks almost right
on screen but prints wrong (wrong letter forms, wrong digits, broken joining) and can even show
readers something other than what the file says. This module finds those problems and fixes the
ones that can be fixed without a human decision.

Text that is not Persian prose is never touched: placeholders in braces (``{figures.members}``,
``{{ name }}``), URLs (``https://...``, ``www....``) and e-mail addresses are kept byte for byte,
and the digit, punctuation and quote rules only act next to Persian text.

Rules (stable ids; see each ``_find_*`` function for its exact scope and limits):

errors
    ``arabic-letter``       Arabic ي ك ى instead of Persian ی ک ی; Arabic ة is reported but never
                            fixed automatically (it is right in some Arabic loanwords and names).
    ``arabic-indic-digit``  ٠-٩ instead of Persian ۰-۹.
    ``latin-digit``         0-9 in Persian prose, except in Latin codes and names (A4, ISO 9001).
    ``bidi-control``        embedding/override controls (U+202A-U+202E) and unbalanced isolates.
warnings
    ``latin-punctuation``   , ; ? next to Persian text instead of ، ؛ ؟
    ``straight-quote``      "..." or “...” around Persian text instead of «...».
    ``missing-zwnj``        می/نمی, ها/های/ترین and a few compounds written without U+200C.
    ``double-space``        two or more spaces between words.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from io import StringIO
from itertools import product
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from iombrochure.errors import ContentError

__all__ = [
    "RULE_SEVERITIES",
    "KeyPath",
    "TypographyFinding",
    "check_persian_text",
    "check_persian_yaml_document",
    "check_persian_yaml_file",
    "fix_persian_text",
    "fix_persian_yaml_file",
]

KeyPath = tuple[str | int, ...]

ERROR = "error"
WARNING = "warning"

RULE_SEVERITIES: dict[str, str] = {
    "arabic-letter": ERROR,
    "arabic-indic-digit": ERROR,
    "latin-digit": ERROR,
    "bidi-control": ERROR,
    "latin-punctuation": WARNING,
    "straight-quote": WARNING,
    "missing-zwnj": WARNING,
    "double-space": WARNING,
}


@dataclass(frozen=True)
class TypographyFinding:
    """One problem in a string: where it is, what it is, and what it should be."""

    rule: str
    severity: str
    offset: int
    found: str
    suggestion: str
    message: str


# --- character classes ------------------------------------------------------------------------

ZWNJ = "\u200c"
TEH_MARBUTA = "\u0629"

# Arabic-script letters (Persian and Arabic), and the marks and tatweel that live inside words.
_LETTER_CHARS = (
    "\u0620-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
)
_MARK_CHARS = "\u0640\u064b-\u065f\u0670"
_PERSIAN_DIGIT_CHARS = "\u06f0-\u06f9"
_ARABIC_INDIC_DIGIT_CHARS = "\u0660-\u0669"

_LETTER = f"[{_LETTER_CHARS}]"
_NOT_LETTER_AFTER = f"(?![{_LETTER_CHARS}{_MARK_CHARS}])"
_NO_WORD_BEFORE = f"(?<![{_LETTER_CHARS}{_MARK_CHARS}{ZWNJ}])"
_WORD = f"[{_LETTER_CHARS}{_MARK_CHARS}{ZWNJ}]+"

_LETTER_RE = re.compile(_LETTER)
_LATIN_LETTER_RE = re.compile("[A-Za-z]")
_PERSIAN_CONTEXT_RE = re.compile(
    f"[{_LETTER_CHARS}{_MARK_CHARS}{_PERSIAN_DIGIT_CHARS}{_ARABIC_INDIC_DIGIT_CHARS}]"
)
_ANY_DIGIT_RE = re.compile(f"[0-9{_PERSIAN_DIGIT_CHARS}{_ARABIC_INDIC_DIGIT_CHARS}]")

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_LATIN_TO_PERSIAN_DIGITS = str.maketrans("0123456789", _PERSIAN_DIGITS)
_ARABIC_INDIC_TO_PERSIAN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", _PERSIAN_DIGITS)

_ARABIC_LETTER_FIXES = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
}
_PERSIAN_PUNCTUATION = {",": "\u060c", ";": "\u061b", "?": "\u061f"}
_PUNCTUATION_NAMES = {",": "comma", ";": "semicolon", "?": "question mark"}

_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")  # LRE RLE PDF LRO RLO
_BIDI_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
_BIDI_ISOLATE_CLOSER = "\u2069"  # PDI
_PARAGRAPH_ENDS = frozenset("\n\r\u2029\x85")

# Characters a punctuation mark or quote may be separated from its word by.
_TRANSPARENT_NEIGHBOURS = frozenset(" \t\"'«»“”‘’()[]\u200c\u200e\u200f")

# --- protected spans: placeholders, URLs and e-mail addresses ----------------------------------

_URL_CHAR = "[^\\s<>\"'«»\u0600-\u06ff\u200c]"
_URL_LAST_CHAR = "[^\\s<>\"'«»\u0600-\u06ff\u200c.,;:!?)\\]]"
_PROTECTED_RE = re.compile(
    "|".join(
        [
            # URL, without trailing punctuation
            rf"(?:https?://|www\.){_URL_CHAR}*{_URL_LAST_CHAR}",
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+",  # e-mail address
            r"\{\{[^{}\n]*\}\}|\{[^{}\n]*\}",  # template placeholder
        ]
    ),
    re.IGNORECASE,
)


class _ProtectedSpans:
    """Where placeholders, URLs and e-mails are: rules must not change text there."""

    def __init__(self, text: str) -> None:
        spans = [match.span() for match in _PROTECTED_RE.finditer(text)]
        self._starts = [start for start, _ in spans]
        self._ends = [end for _, end in spans]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self._starts, end - 1) - 1
        return index >= 0 and self._ends[index] > start


def _finding(
    rule: str, offset: int, found: str, suggestion: str, message: str
) -> TypographyFinding:
    return TypographyFinding(
        rule=rule,
        severity=RULE_SEVERITIES[rule],
        offset=offset,
        found=found,
        suggestion=suggestion,
        message=message,
    )


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def _has_persian_letter(text: str) -> bool:
    return _LETTER_RE.search(text) is not None


def _neighbour(text: str, index: int, step: int) -> str:
    """The nearest character from ``index`` towards ``step``, skipping spaces, quotes, brackets."""
    position = index + step
    while 0 <= position < len(text) and text[position] in _TRANSPARENT_NEIGHBOURS:
        position += step
    return text[position] if 0 <= position < len(text) else ""


def _is_persian_context(char: str) -> bool:
    return bool(char) and _PERSIAN_CONTEXT_RE.match(char) is not None


# --- rules --------------------------------------------------------------------------------------


def _find_bidi_controls(text: str) -> list[TypographyFinding]:
    """Bidi embeddings/overrides anywhere, and isolates that are not closed in their paragraph.

    Overrides make a reader see characters in a different order than the file stores them, so they
    are always errors, even inside URLs or placeholders. Isolates (LRI/RLI/FSI ... PDI) are
    legitimate when balanced; an opener without a PDI before the end of its paragraph (a line
    break), or a PDI without an opener, is reported. Marks (LRM, RLM, ALM) are fine and ignored.
    """
    findings: list[TypographyFinding] = []
    open_isolates: list[int] = []

    def unbalanced(offset: int, problem: str) -> TypographyFinding:
        char = text[offset]
        name = unicodedata.name(char, _codepoint(char))
        return _finding(
            "bidi-control",
            offset,
            char,
            "",
            f"Unbalanced bidi isolate {_codepoint(char)} ({name}) {problem}: remove it",
        )

    for offset, char in enumerate(text):
        if char in _BIDI_OVERRIDES:
            name = unicodedata.name(char)
            findings.append(
                _finding(
                    "bidi-control",
                    offset,
                    char,
                    "",
                    f"Invisible bidi control {_codepoint(char)} ({name}) can make the text display "
                    "differently from what it says: remove it",
                )
            )
        elif char in _BIDI_ISOLATE_OPENERS:
            open_isolates.append(offset)
        elif char == _BIDI_ISOLATE_CLOSER:
            if open_isolates:
                open_isolates.pop()
            else:
                findings.append(unbalanced(offset, "closes an isolate that was never opened"))
        elif char in _PARAGRAPH_ENDS:
            findings.extend(unbalanced(o, "is not closed by U+2069") for o in open_isolates)
            open_isolates.clear()
    findings.extend(unbalanced(o, "is not closed by U+2069") for o in open_isolates)
    return sorted(findings, key=lambda finding: finding.offset)


def _find_arabic_letters(
    text: str, protected: _ProtectedSpans, *, include_teh_marbuta: bool = True
) -> list[TypographyFinding]:
    """Arabic ي ك ى where Persian uses ی ک ی; and ة, which needs a human decision.

    ة (teh marbuta) is usually written ه in Persian, but it is correct in some Arabic loanwords and
    names, so it is reported with ه as the suggestion and never changed by the fixer.
    """
    findings = []
    targets = "".join(_ARABIC_LETTER_FIXES) + (TEH_MARBUTA if include_teh_marbuta else "")
    for match in re.finditer(f"[{targets}]", text):
        if protected.overlaps(match.start(), match.end()):
            continue
        char = match.group()
        if char == TEH_MARBUTA:
            message = (
                f'Arabic letter "{char}" ({_codepoint(char)}) in Persian text: Persian usually '
                'writes "ه" (U+0647); keep "ة" only in Arabic loanwords and names'
            )
            suggestion = "\u0647"
        else:
            suggestion = _ARABIC_LETTER_FIXES[char]
            message = (
                f'Arabic letter "{char}" ({_codepoint(char)}) in Persian text: '
                f'use Persian "{suggestion}" ({_codepoint(suggestion)})'
            )
        findings.append(_finding("arabic-letter", match.start(), char, suggestion, message))
    return findings


def _find_arabic_indic_digits(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Arabic-Indic digits ٠-٩: Persian has its own forms for 4, 5 and 6 (۴ ۵ ۶)."""
    findings = []
    for match in re.finditer(f"[{_ARABIC_INDIC_DIGIT_CHARS}]+", text):
        if protected.overlaps(match.start(), match.end()):
            continue
        digits = match.group()
        persian = digits.translate(_ARABIC_INDIC_TO_PERSIAN_DIGITS)
        message = f'Arabic-Indic digits "{digits}" in Persian text: use Persian digits "{persian}"'
        findings.append(_finding("arabic-indic-digit", match.start(), digits, persian, message))
    return findings


def _token_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The whitespace-delimited token around ``text[start:end]``."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _previous_token(text: str, token_start: int) -> str:
    end = token_start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start, _ = _token_bounds(text, end, end)
    return text[start:end]


def _is_latin_word(token: str) -> bool:
    return _LATIN_LETTER_RE.search(token) is not None and not _has_persian_letter(token)


def _find_latin_digits(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Latin digits 0-9 in Persian prose, which should use ۰-۹.

    Only strings that contain at least one Arabic-script letter are Persian prose; a string such
    as "2024" or "IOM 2023" is left alone (it may be a number or a code read by other tools).
    Inside Persian prose a run of digits is left alone when:

    - it is inside a URL, an e-mail address or a ``{placeholder}``;
    - its token (the text between spaces) contains a Latin letter: ``A4``, ``PDF/UA-1``,
      ``COVID-19``;
    - the token just before it is a Latin word, so the number belongs to a Latin name:
      ``ISO 9001``, ``Windows 11``. Limit: "IOM 120 کشور" therefore keeps "120" too.
    """
    if not _has_persian_letter(text):
        return []
    findings = []
    for match in re.finditer("[0-9]+", text):
        if protected.overlaps(match.start(), match.end()):
            continue
        token_start, token_end = _token_bounds(text, match.start(), match.end())
        if _LATIN_LETTER_RE.search(text[token_start:token_end]):
            continue
        if _is_latin_word(_previous_token(text, token_start)):
            continue
        digits = match.group()
        persian = digits.translate(_LATIN_TO_PERSIAN_DIGITS)
        message = f'Latin digits "{digits}" in Persian text: use Persian digits "{persian}"'
        findings.append(_finding("latin-digit", match.start(), digits, persian, message))
    return findings


def _find_latin_punctuation(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Latin , ; ? next to Persian text, which should be ، ؛ ؟

    A mark is "next to Persian text" when the nearest character before or after it (skipping
    spaces, quotes and brackets, not crossing a line break) is a Persian letter or digit. So
    "IOM, UNHCR" is left alone, as are marks inside URLs, e-mails and placeholders, and a comma
    directly between two digits (a number such as 3,5 or 1,200: which separator is meant cannot be
    known, so it is not changed).
    """
    findings = []
    for match in re.finditer("[,;?]", text):
        offset = match.start()
        if protected.overlaps(offset, offset + 1):
            continue
        mark = match.group()
        if (
            mark == ","
            and 0 < offset < len(text) - 1
            and _ANY_DIGIT_RE.match(text[offset - 1])
            and _ANY_DIGIT_RE.match(text[offset + 1])
        ):
            continue
        if not (
            _is_persian_context(_neighbour(text, offset, -1))
            or _is_persian_context(_neighbour(text, offset, +1))
        ):
            continue
        persian = _PERSIAN_PUNCTUATION[mark]
        name = _PUNCTUATION_NAMES[mark]
        message = (
            f'Latin {name} "{mark}" next to Persian text: use Persian {name} "{persian}" '
            f"({_codepoint(persian)})"
        )
        findings.append(_finding("latin-punctuation", offset, mark, persian, message))
    return findings


def _quote_finding(text: str, start: int, end: int) -> TypographyFinding | None:
    """A finding for the quoted text ``text[start:end]`` if it is Persian or sits in Persian."""
    inner = text[start + 1 : end - 1]
    in_persian = _has_persian_letter(inner) or any(
        _LETTER_RE.match(char)
        for char in (_neighbour(text, start, -1), _neighbour(text, end - 1, 1))
    )
    if not in_persian:
        return None
    found = text[start:end]
    message = f"Quotation marks {found[0]}…{found[-1]} in Persian text: use Persian guillemets «…»"
    return _finding("straight-quote", start, found, f"«{inner}»", message)


def _find_quotes(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Straight "..." and curly “...” quotes around or inside Persian text, which should be «...».

    Straight quotes are paired in order within each line; an odd one left over (for example an
    inch mark) is not reported. A pair counts when the quoted text has a Persian letter or the
    nearest character outside the pair is a Persian letter, so quotes inside English sentences are
    left alone. Single quotes are out of scope.
    """
    findings: list[TypographyFinding] = []
    opener: int | None = None
    for offset, char in enumerate(text):
        if char == "\n":
            opener = None
        elif char == '"' and not protected.overlaps(offset, offset + 1):
            if opener is None:
                opener = offset
            else:
                finding = _quote_finding(text, opener, offset + 1)
                if finding:
                    findings.append(finding)
                opener = None
    for match in re.finditer("“[^“”\n]*”", text):
        inner_start, inner_end = match.start() + 1, match.end() - 1
        if protected.overlaps(match.start(), inner_start) or protected.overlaps(
            inner_end, match.end()
        ):
            continue
        finding = _quote_finding(text, match.start(), match.end())
        if finding:
            findings.append(finding)
    return sorted(findings, key=lambda finding: finding.offset)


# Verb stems written joined to می/نمی ("میشود") are only flagged for this curated list: many
# ordinary words start with می (میز، میان، میدان، میلیون، میدانی، میلادی), so a general rule
# would be wrong too often. Stems that form nouns with می (دان -> میدان) are left out on purpose.
_PRESENT_STEMS = [
    *["شو", "کن", "باش", "توان", "ده", "گیر", "رس", "آی", "گرد", "یاب"],
    *["ساز", "پرداز", "گوی", "بین", "دار", "خواه", "رو", "آور", "خوان", "شناس"],
]
_PAST_STEMS = ["کرد", "شد", "داد", "گرفت", "رفت", "آمد", "توانست", "خواست", "داشت", "گفت"]
_PRESENT_ENDINGS = ["م", "ی", "د", "یم", "ید", "ند"]
_PAST_ENDINGS = ["", "م", "ی", "یم", "ید", "ند"]
_JOINED_VERBS = sorted(
    {stem + ending for stem, ending in product(_PRESENT_STEMS, _PRESENT_ENDINGS)}
    | {stem + ending for stem, ending in product(_PAST_STEMS, _PAST_ENDINGS)}
    | {"توان"},
    key=len,
    reverse=True,
)
# Words that cannot follow the prefix می as a verb: "می و" is the noun می (wine) and a conjunction.
_NOT_VERB_AFTER_PREFIX = frozenset(
    ["و", "از", "به", "با", "در", "را", "که", "تا", "یا", "هم", "این", "آن"]
)
_PLURAL_AND_SUPERLATIVE_SUFFIXES = [
    "هایشان",
    "هایمان",
    "هایتان",
    "هایش",
    "هایی",
    "های",
    "ها",
    "ترین",
]
# Compounds always written with ZWNJ in standard Persian, whether typed with a space or joined.
_ZWNJ_COMPOUNDS = (("بین", "المللی"), ("بین", "الملل"), ("پیش", "بینی"))

_PREFIX_WITH_SPACE_RE = re.compile(f"{_NO_WORD_BEFORE}(ن?می)( +)({_LETTER}{_WORD})")
_PREFIX_JOINED_RE = re.compile(
    f"{_NO_WORD_BEFORE}(ن?می)({'|'.join(_JOINED_VERBS)}){_NOT_LETTER_AFTER}"
)
_COMPARATIVE_BEFORE_AZ = f"تر(?= +از{_NOT_LETTER_AFTER})"
_SUFFIX_WITH_SPACE_RE = re.compile(
    f"({_LETTER}[{_LETTER_CHARS}{_MARK_CHARS}]*)( +)"
    f"({'|'.join(_PLURAL_AND_SUPERLATIVE_SUFFIXES)}|{_COMPARATIVE_BEFORE_AZ}){_NOT_LETTER_AFTER}"
)
_COMPOUND_RE = re.compile(
    "|".join(
        f"{_NO_WORD_BEFORE}({first})( *)({second}){_NOT_LETTER_AFTER}"
        for first, second in _ZWNJ_COMPOUNDS
    )
)


def _zwnj_finding(offset: int, left: str, gap: str, right: str, why: str) -> TypographyFinding:
    found = left + gap + right
    suggestion = left + ZWNJ + right
    message = f'Missing zero-width non-joiner (U+200C) in "{found}": write "{suggestion}" ({why})'
    return _finding("missing-zwnj", offset, found, suggestion, message)


def _find_missing_zwnj(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Common places where Persian needs a ZWNJ (U+200C) instead of a space or nothing.

    - the prefixes می / نمی followed by a space and a word ("می شود", "نمی توان");
    - می / نمی joined directly to a verb from a short curated list ("میشود", "نمیتوان"); other
      words starting with می (میز، میلیون، میدانی) are never flagged;
    - a space before the suffixes ها، های، هایی، هایش، هایشان... and ترین ("کتاب ها",
      "بزرگ ترین"), and before تر when "از" follows ("بزرگ تر از"); تر alone can mean "wet";
    - a few compounds: بین‌المللی، بین‌الملل، پیش‌بینی.
    Limit: suffixes joined without any separator ("کتابها") are accepted spelling and not flagged.
    """
    findings = []
    for match in _PREFIX_WITH_SPACE_RE.finditer(text):
        if match.group(3) in _NOT_VERB_AFTER_PREFIX:
            continue
        findings.append(
            _zwnj_finding(match.start(), match[1], match[2], match[3], "the prefix is not a word")
        )
    for match in _PREFIX_JOINED_RE.finditer(text):
        findings.append(
            _zwnj_finding(match.start(), match[1], "", match[2], "the prefix should not join")
        )
    for match in _SUFFIX_WITH_SPACE_RE.finditer(text):
        findings.append(
            _zwnj_finding(match.start(), match[1], match[2], match[3], "the suffix is not a word")
        )
    for match in _COMPOUND_RE.finditer(text):
        first, gap, second = (group for group in match.groups() if group is not None)
        findings.append(_zwnj_finding(match.start(), first, gap, second, "one compound word"))
    return [
        finding
        for finding in sorted(findings, key=lambda finding: finding.offset)
        if not protected.overlaps(finding.offset, finding.offset + len(finding.found))
    ]


def _find_double_spaces(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Two or more spaces between two words on one line, outside placeholders.

    Spaces at the start or end of a line are left alone: in Markdown bodies they mean nesting or a
    hard line break.
    """
    return [
        _finding(
            "double-space",
            match.start(),
            match.group(),
            " ",
            f"{len(match.group())} spaces in a row: use a single space",
        )
        for match in re.finditer(r"(?<=\S) {2,}(?=\S)", text)
        if not protected.overlaps(match.start(), match.end())
    ]


def _find_character_fixes(text: str, protected: _ProtectedSpans) -> list[TypographyFinding]:
    """Fixes that replace characters one for one (letters and digits), so offsets stay valid."""
    return [
        *_find_arabic_letters(text, protected, include_teh_marbuta=False),
        *_find_arabic_indic_digits(text, protected),
        *_find_latin_digits(text, protected),
    ]


def _apply(text: str, findings: list[TypographyFinding]) -> str:
    """Replace each finding's text by its suggestion; a finding overlapping an earlier one waits."""
    parts = []
    position = 0
    for finding in sorted(findings, key=lambda finding: finding.offset):
        if finding.offset < position:
            continue
        parts.append(text[position : finding.offset])
        parts.append(finding.suggestion)
        position = finding.offset + len(finding.found)
    parts.append(text[position:])
    return "".join(parts)


# --- public text API ----------------------------------------------------------------------------


def check_persian_text(text: str) -> list[TypographyFinding]:
    """Every typography problem in ``text`` (Persian prose), ordered by offset.

    Offsets and ``found`` refer to ``text`` as given. Rules about words and punctuation look at
    the text as it reads after letter and digit fixes, so "مي شود" is reported both for its Arabic
    yeh and for its missing ZWNJ.
    """
    protected = _ProtectedSpans(text)
    findings = [
        *_find_bidi_controls(text),
        *_find_arabic_letters(text, protected),
        *_find_arabic_indic_digits(text, protected),
        *_find_latin_digits(text, protected),
    ]
    readable = _apply(text, _find_character_fixes(text, protected))
    readable_protected = _ProtectedSpans(readable)
    for finding in (
        *_find_latin_punctuation(readable, readable_protected),
        *_find_quotes(readable, readable_protected),
        *_find_missing_zwnj(readable, readable_protected),
        *_find_double_spaces(readable, readable_protected),
    ):
        original = text[finding.offset : finding.offset + len(finding.found)]
        findings.append(replace(finding, found=original))
    return sorted(findings, key=lambda finding: (finding.offset, finding.rule))


_MAX_FIX_PASSES = 5


def _fix_once(text: str) -> str:
    text = _apply(text, _find_bidi_controls(text))
    text = _apply(text, _find_character_fixes(text, _ProtectedSpans(text)))
    text = _apply(text, _find_double_spaces(text, _ProtectedSpans(text)))
    text = _apply(text, _find_latin_punctuation(text, _ProtectedSpans(text)))
    text = _apply(text, _find_quotes(text, _ProtectedSpans(text)))
    return _apply(text, _find_missing_zwnj(text, _ProtectedSpans(text)))


def fix_persian_text(text: str) -> str:
    """Apply every safe fix: all rules except ة, which needs a human. Idempotent.

    Placeholders, URLs and e-mail addresses come out byte-identical. Fixes run until nothing
    changes, because one fix can reveal another (overlapping ZWNJ findings).
    """
    for _ in range(_MAX_FIX_PASSES):
        fixed = _fix_once(text)
        if fixed == text:
            break
        text = fixed
    return text


# --- YAML files ---------------------------------------------------------------------------------

_YAML_WIDTH = sys.maxsize  # never re-wrap lines
# (mapping, sequence, offset) indentations tried to reproduce a file's own layout.
_INDENT_STYLES = [
    (mapping, sequence, offset)
    for mapping, offset, sequence in product((2, 4, 3), (0, 2, 4), (2, 4, 6))
    if sequence >= offset + 2
]


@dataclass
class _StringScalar:
    """A string scalar in a loaded YAML document and how to reach it."""

    key_path: KeyPath
    value: str
    container: CommentedMap | CommentedSeq | None
    key: Any
    line: int  # 1-based line of the scalar (of its indicator for block scalars)


def _new_yaml(indent: tuple[int, int, int] = (2, 2, 0)) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _YAML_WIDTH
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _read_yaml_text(path: Path) -> tuple[str, bool, bool]:
    """The file's text with LF line ends, whether it had a BOM, and whether it used CRLF."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentError("file is not valid UTF-8", path=path, line=line) from error
    has_bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    uses_crlf = "\r\n" in text
    return text.replace("\r\n", "\n"), has_bom, uses_crlf


def _load_yaml(yaml: YAML, text: str, path: Path) -> Any:
    try:
        return yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        raise ContentError(f"cannot parse YAML: {problem}", path=path, line=line) from error
    except YAMLError as error:
        raise ContentError(f"cannot parse YAML: {error}", path=path) from error


def _key_part(key: Any) -> str | int:
    if isinstance(key, int) and not isinstance(key, bool):
        return int(key)
    return str(key)


def _iter_string_scalars(document: Any) -> Iterator[_StringScalar]:
    """Every string value (never a key) with its key path and line, each node visited once."""
    seen: set[int] = set()

    def walk(node: Any, key_path: KeyPath) -> Iterator[_StringScalar]:
        if isinstance(node, CommentedMap):
            if id(node) in seen:
                return
            seen.add(id(node))
            for key, value in node.non_merged_items():
                line = node.lc.value(key)[0] + 1
                yield from visit(value, (*key_path, _key_part(key)), node, key, line)
        elif isinstance(node, CommentedSeq):
            if id(node) in seen:
                return
            seen.add(id(node))
            for index, value in enumerate(node):
                line = node.lc.item(index)[0] + 1
                yield from visit(value, (*key_path, index), node, index, line)

    def visit(value: Any, key_path: KeyPath, container: Any, key: Any, line: int) -> Iterator:
        if isinstance(value, str):
            yield _StringScalar(key_path, value, container, key, line)
        else:
            yield from walk(value, key_path)

    if isinstance(document, str):
        yield _StringScalar((), document, None, None, 1)
    else:
        yield from walk(document, ())


def _finding_line(scalar: _StringScalar, offset: int) -> int:
    """The source line of ``offset`` in a scalar: exact for literal blocks, else the first line."""
    if isinstance(scalar.value, LiteralScalarString):
        return scalar.line + 1 + scalar.value.count("\n", 0, offset)
    if isinstance(scalar.value, FoldedScalarString):
        return scalar.line + 1
    return scalar.line


def check_persian_yaml_file(
    path: Path, *, is_prose: Callable[[KeyPath], bool] | None = None
) -> list[tuple[int, KeyPath, TypographyFinding]]:
    """(line, key path, finding) for every problem in the file's string values.

    ``is_prose(key_path)`` returning False skips a field (URLs, e-mails, hashes); by default every
    string value is checked. Lines are exact inside literal (``|``) blocks; for other multi-line
    scalars they point at the scalar's first line. Raises ContentError if the file cannot be read.
    """
    path = Path(path)
    text, _, _ = _read_yaml_text(path)
    document = _load_yaml(_new_yaml(), text, path)
    return check_persian_yaml_document(document, is_prose=is_prose)


def check_persian_yaml_document(
    document: Any, *, is_prose: Callable[[KeyPath], bool] | None = None
) -> list[tuple[int, KeyPath, TypographyFinding]]:
    """Like :func:`check_persian_yaml_file`, for a document ruamel (round-trip) already loaded."""
    results = []
    for scalar in _iter_string_scalars(document):
        if is_prose is not None and not is_prose(scalar.key_path):
            continue
        for finding in check_persian_text(str(scalar.value)):
            results.append((_finding_line(scalar, finding.offset), scalar.key_path, finding))
    return results


def _moved_fold_positions(old: str, new: str, fold_positions: list[int]) -> list[int]:
    """Fold positions of a folded scalar carried over to its fixed text, where still valid."""
    moved = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for old_start, new_start, size in matcher.get_matching_blocks():
        for position in fold_positions:
            if old_start <= position < old_start + size:
                moved.append(position - old_start + new_start)
    return [
        position
        for position in sorted(set(moved))
        if 0 < position < len(new) - 1
        and new[position] == " "
        and not new[position - 1].isspace()
        and not new[position + 1].isspace()
    ]


def _with_text(old: str, new_text: str) -> str:
    """``new_text`` as the same scalar type as ``old``: same quoting, block style and anchor."""
    if type(old) is str:
        return new_text
    new = type(old)(new_text)
    anchor = old.yaml_anchor() if hasattr(old, "yaml_anchor") else None
    if anchor is not None and anchor.value is not None:
        new.yaml_set_anchor(anchor.value, always_dump=anchor.always_dump)
    if hasattr(old, "comment") and getattr(old, "comment", None) is not None:
        new.comment = old.comment
    if isinstance(old, FoldedScalarString) and getattr(old, "fold_pos", None):
        new.fold_pos = _moved_fold_positions(str(old), new_text, old.fold_pos)
    return new


def _to_plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {_to_plain(key): _to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_to_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    return node


def _dump(yaml: YAML, document: Any) -> str:
    stream = StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _matching_lines(first: list[str], second: list[str]) -> int:
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _closest_layout(document: Any, source: str) -> tuple[YAML, str]:
    """The indentation style whose output is closest to the file, and that output."""
    source_lines = source.splitlines(keepends=True)
    best_score = -1
    for indent in _INDENT_STYLES:
        yaml = _new_yaml(indent)
        output = _dump(yaml, document)
        if output == source:
            return yaml, output
        score = _matching_lines(source_lines, output.splitlines(keepends=True))
        if score > best_score:
            best_score, best_yaml, best_output = score, yaml, output
    return best_yaml, best_output


def _merge_changed_lines(source: str, baseline: str, changed: str) -> str | None:
    """Carry the lines that differ between two dumps over to the source, leaving the rest as is.

    ruamel does not reproduce every file byte for byte (for example comments before ``---``), so
    only the lines that hold changed scalars are taken from its output. Returns None if a changed
    line cannot be placed in the source.
    """
    source_lines = source.splitlines(keepends=True)
    baseline_lines = baseline.splitlines(keepends=True)
    changed_lines = changed.splitlines(keepends=True)
    baseline_to_source: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, source_lines, baseline_lines, autojunk=False)
    for tag, source_start, source_end, baseline_start, _ in matcher.get_opcodes():
        if tag == "equal":
            for index in range(source_end - source_start):
                baseline_to_source[baseline_start + index] = source_start + index
    replacements = []
    matcher = difflib.SequenceMatcher(None, baseline_lines, changed_lines, autojunk=False)
    for tag, start, end, changed_start, changed_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        if start < end:
            mapped = [baseline_to_source.get(index) for index in range(start, end)]
            if None in mapped or mapped != list(range(mapped[0], mapped[0] + len(mapped))):
                return None
            source_start, source_end = mapped[0], mapped[-1] + 1
        elif start in baseline_to_source:
            source_start = source_end = baseline_to_source[start]
        elif start - 1 in baseline_to_source:
            source_start = source_end = baseline_to_source[start - 1] + 1
        else:
            return None
        replacements.append((source_start, source_end, changed_lines[changed_start:changed_end]))
    for source_start, source_end, lines in reversed(replacements):
        source_lines[source_start:source_end] = lines
    return "".join(source_lines)


def _loads_as(candidate: str | None, expected: Any) -> bool:
    """Whether ``candidate`` is YAML holding exactly ``expected``: a guard before writing."""
    if candidate is None:
        return False
    try:
        return _to_plain(_new_yaml().load(candidate)) == expected
    except YAMLError:
        return False


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so readers never see half a file.

    A symlinked content file is written through to its target, so the link survives.
    """
    path = path.resolve()
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: For other modules that rewrite content files: the same atomic, symlink-preserving write.
write_text_atomically = _write_atomically


def fix_persian_yaml_file(path: Path, *, is_prose: Callable[[KeyPath], bool] | None = None) -> int:
    """Rewrite string scalars of a YAML file in place with fix_persian_text; return the count.

    Keys are never changed; ``is_prose(key_path)`` returning False skips a field (default: every
    string value). Comments, key order, quoting and block styles are kept, and lines without a
    changed scalar stay byte-identical. The file is written atomically and only if something
    changed. If it cannot be parsed, ContentError is raised and the file is not touched.
    """
    path = Path(path)
    source, has_bom, uses_crlf = _read_yaml_text(path)
    document = _load_yaml(_new_yaml(), source, path)
    yaml, baseline = _closest_layout(document, source)

    replacements: dict[int, str] = {}
    for scalar in _iter_string_scalars(document):
        if is_prose is not None and not is_prose(scalar.key_path):
            continue
        if id(scalar.value) in replacements:
            new_value = replacements[id(scalar.value)]
        else:
            fixed = fix_persian_text(str(scalar.value))
            if fixed == str(scalar.value):
                continue
            new_value = _with_text(scalar.value, fixed)
            replacements[id(scalar.value)] = new_value
        if scalar.container is None:
            document = new_value
        else:
            scalar.container[scalar.key] = new_value
    if not replacements:
        return 0

    changed = _dump(yaml, document)
    expected = _to_plain(document)
    candidates = (_merge_changed_lines(source, baseline, changed), changed)
    output = next((text for text in candidates if _loads_as(text, expected)), None)
    if output is None:
        raise ContentError("cannot rewrite the file without changing its meaning", path=path)
    if uses_crlf:
        output = output.replace("\n", "\r\n")
    _write_atomically(path, (("\ufeff" if has_bom else "") + output).encode("utf-8"))
    return len(replacements)

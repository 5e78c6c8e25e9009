"""Marks of the script that are typed wrongly by habit: runs of ?/!, dots, kashida, dashes.

These rules belong to the script, not to one language: Persian and Pashto typesetting both write
one «…» for an ellipsis, at most «؟!» after a sentence, an en dash between the ends of a range,
and no kashida (U+0640, the stretching stroke) inside words. Each rule reports what it finds and
offers the one right replacement, so ``check`` and ``--fix`` stay the same rule.

A text counts as written in the language when it has an Arabic-script letter, or no letter of any
script at all (a key figure such as ``96%`` or ``12:34`` in a Persian field is Persian); English
text (Latin letters and no Arabic-script letter) is never touched.
"""

from __future__ import annotations

import re

from iombrochure.typography.shared import (
    LATIN_LETTER_RE,
    LETTER_CHARS,
    NON_JOINING_LETTERS,
    PERSIAN_DIGIT_CHARS,
    ZWNJ,
    ProtectedSpans,
    TypographyFinding,
    finding,
    has_script_letter,
    unprotected,
)

KASHIDA = "\u0640"
SOFT_HYPHEN = "\u00ad"
EN_DASH = "\u2013"
EM_DASH = "\u2014"
ELLIPSIS = "\u2026"
_LETTER_OR_DIGIT = f"[{LETTER_CHARS}{PERSIAN_DIGIT_CHARS}]"


def is_in_language(text: str) -> bool:
    """Whether ``text`` is the field's language: an Arabic-script letter, or no letter at all.

    A Persian key figure («96%»، «12:34») has no letter, yet prints in the Persian edition.
    """
    return has_script_letter(text) or LATIN_LETTER_RE.search(text) is None


# --- kashida -------------------------------------------------------------------------------------

_KASHIDA_RUN_RE = re.compile(f"{KASHIDA}+")
_DIGIT_RE = re.compile(f"[{PERSIAN_DIGIT_CHARS}0-9\u0660-\u0669]")
_LETTER_RE = re.compile(f"[{LETTER_CHARS}\u064b-\u065f\u0670]")


def find_kashida(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Kashida (U+0640): removed inside a word, an en dash elsewhere.

    «سلامـــت» -> «سلامت» (the house style forbids stretched words); between digits it stands for
    a range dash («۱۱ـ۲۳» -> «۱۱–۲۳»); at a word's edge or alone it stands for a parenthetic dash
    («ـ که … ـ» -> «– که … –»).
    """
    findings = []
    for match in _KASHIDA_RUN_RE.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if _DIGIT_RE.match(before or " ") and _DIGIT_RE.match(after or " "):
            suggestion, why = EN_DASH, "between numbers write an en dash (U+2013)"
        elif _LETTER_RE.match(before or " ") and (_LETTER_RE.match(after or " ") or after == ZWNJ):
            suggestion, why = "", "remove it: Persian words are never stretched"
        else:
            suggestion, why = EN_DASH, "as a dash write an en dash (U+2013)"
        message = f'Kashida (U+0640) in "{_context(text, start, end)}": {why}'
        findings.append(finding("kashida", start, match.group(), suggestion, message))
    return unprotected(findings, protected)


def _context(text: str, start: int, end: int) -> str:
    """The word around ``text[start:end]``, for messages."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


# --- soft hyphen ---------------------------------------------------------------------------------


def find_soft_hyphens(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Soft hyphens (U+00AD) pasted from word processors: a ZWNJ between letters, else removed.

    In Arabic script a soft hyphen is invisible but breaks the word where it stands; where two
    letters meet it stood for the non-joiner («حرف\u00adها» -> «حرف‌ها»).
    """
    findings = []
    for match in re.finditer(SOFT_HYPHEN, text):
        start = match.start()
        before = text[start - 1] if start else ""
        after = text[start + 1] if start + 1 < len(text) else ""
        between_letters = (
            bool(before) and _LETTER_RE.match(before) and _LETTER_RE.match(after or " ")
        )
        suggestion = ZWNJ if between_letters and before not in NON_JOINING_LETTERS else ""
        message = "Soft hyphen (U+00AD) inside a word: " + (
            "write a zero-width non-joiner (U+200C)" if suggestion else "remove it"
        )
        findings.append(finding("soft-hyphen", start, SOFT_HYPHEN, suggestion, message))
    return unprotected(findings, protected)


# --- runs of ? and ! -----------------------------------------------------------------------------

_MARK_RUN_RE = re.compile("[?؟!]{2,}|[?؟!]+(?:[ \t]+[?؟!]+)+")
_PERSIAN_BEFORE_RE = re.compile(f"{_LETTER_OR_DIGIT}[\u200c\u200f»)\"' \t]*$")


def find_mark_runs(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Runs of ? ؟ ! reduced to one each: «؟؟؟» -> «؟», «!!!» -> «!», «?!» or «!!!؟؟» -> «؟!».

    Only after Persian text (or in a text with no letter at all); «Why?!» in English is left.
    """
    findings = []
    for match in _MARK_RUN_RE.finditer(text):
        run = match.group()
        if "؟" not in run and not (
            _PERSIAN_BEFORE_RE.search(text[max(0, match.start() - 8) : match.start()])
            or not has_letters(text)
        ):
            continue
        asks, exclaims = any(c in "?؟" for c in run), "!" in run
        suggestion = "؟!" if asks and exclaims else ("؟" if asks else "!")
        if suggestion == run:
            continue
        message = f'"{run}": write "{suggestion}" (one question mark and one exclamation at most)'
        findings.append(finding("repeated-marks", match.start(), run, suggestion, message))
    return unprotected(findings, protected)


def has_letters(text: str) -> bool:
    """Whether ``text`` has a letter of any script."""
    return has_script_letter(text) or LATIN_LETTER_RE.search(text) is not None


def in_mark_run(text: str, offset: int) -> bool:
    """Whether the ? at ``offset`` is part of a run that :func:`find_mark_runs` rewrites whole."""
    neighbours = text[offset - 1 : offset] + text[offset + 1 : offset + 2]
    return any(char in "?؟!" for char in neighbours)


# --- ellipsis ------------------------------------------------------------------------------------

_DOTS_RE = re.compile(f"(?P<space>[ \t]*)(?P<dots>[.{ELLIPSIS}](?:[ \t]*[.{ELLIPSIS}])+)")
_WORD_AFTER_RE = re.compile(f"[{LETTER_CHARS}{PERSIAN_DIGIT_CHARS}«(]")
_SCRIPT_BEFORE_RE = re.compile(f"[{LETTER_CHARS}{PERSIAN_DIGIT_CHARS}\u064b-\u065f»)؟!]")


def find_ellipses(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Three dots (or more, spaced, or mixed with «…») become one «…», set close to the word.

    «خداحافظ ... به» -> «خداحافظ… به», «تنهایی...این» -> «تنهایی… این»; two dots alone, «ه.ش»
    and numbers are left, and so is English text.
    """
    if not is_in_language(text):
        return []
    findings = []
    for match in _DOTS_RE.finditer(text):
        dots = match["dots"]
        if dots.count(".") < 3 and ELLIPSIS not in dots:
            continue
        if dots == ELLIPSIS:
            continue
        start, end = match.span()
        before = text[start - 1] if start else ""
        space = match["space"]
        prefix = ""
        if _after_va(text, start):
            # «آموزش و …» ("and so on"): the ellipsis stands for words, one space before it
            start += len(space)
            prefix = "" if space else " "
        elif space and not _SCRIPT_BEFORE_RE.match(before or " "):
            start += len(space)  # after a line start or another mark the spaces stay
        after = text[end] if end < len(text) else ""
        suggestion = prefix + ELLIPSIS + (" " if _WORD_AFTER_RE.match(after or " ") else "")
        found = text[start:end]
        if found == suggestion:
            continue
        message = f'"{found.strip()}" for an ellipsis: write one "…" (U+2026) next to the word'
        findings.append(finding("ellipsis", start, found, suggestion, message))
    return unprotected(findings, protected)


def _after_va(text: str, start: int) -> bool:
    """Whether ``text[:start]`` ends with the word «و» ("and")."""
    if not text[:start].endswith("و"):
        return False
    return start == 1 or not (_LETTER_RE.match(text[start - 2]) or text[start - 2] == ZWNJ)


# --- dashes --------------------------------------------------------------------------------------

_PD = f"[{PERSIAN_DIGIT_CHARS}]"
# «۱۹۹۰-۲۰۰۰» or «۱۱ – ۲۳»: two numbers of one to four digits; a phone number («۰۲۱-۸۸۰۴۳۳۷۷»)
# starts with ۰ or is longer, and a chain («۱۴۰۲-۱۱-۱۲») is a date, not a range.
_RANGE_RE = re.compile(
    f"(?<![{PERSIAN_DIGIT_CHARS}\\-–/.٫٬])(?P<first>[۱-۹]{_PD}{{0,3}})"
    f"(?P<dash>-|[ \t]*–[ \t]*|[ \t]+-[ \t]+)"
    f"(?P<second>[۱-۹]{_PD}{{0,3}})(?![{PERSIAN_DIGIT_CHARS}\\-–/.٫٬])"
)


_YEAR_STARTS = ("۱۳", "۱۴", "۱۹", "۲۰")


def _is_range(first: str, second: str) -> bool:
    """Whether two numbers joined by a dash read as a range: the second is larger, and two
    four-digit numbers are years («۱۳۹۸-۱۴۰۲»), not the halves of a phone number («۸۸۰۴-۳۳۷۷»)."""
    low = int(first.translate(_PERSIAN_TO_LATIN))
    high = int(second.translate(_PERSIAN_TO_LATIN))
    if len(first) == len(second) == 4 and not (
        first.startswith(_YEAR_STARTS) and second.startswith(_YEAR_STARTS)
    ):
        return False
    return high > low


_PERSIAN_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def find_range_dashes(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """A hyphen between the two ends of a range of numbers becomes an en dash: «۱۱–۲۳».

    The second number must be the larger, and two four-digit numbers must be years: phone
    numbers («۰۲۱-۸۸۰۴۳۳۷۷»، «۸۸۰۴-۳۳۷۷»), article numbers («۱۲-۳») and dates with two dashes
    keep their hyphens; Latin numbers inside codes are protected text.
    """
    findings = []
    for match in _RANGE_RE.finditer(text):
        if match["dash"] == EN_DASH or not _is_range(match["first"], match["second"]):
            continue
        start, end = match.span("dash")
        message = (
            f'"{match.group()}" is a range: write an en dash (U+2013) between its ends, '
            f'"{match["first"]}{EN_DASH}{match["second"]}"'
        )
        findings.append(finding("range-dash", start, text[start:end], EN_DASH, message))
    return unprotected(findings, protected)


_DOUBLE_HYPHEN_RE = re.compile("(?<!-)-{2,3}(?!-)")


def find_double_hyphens(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """«--» typed for a dash becomes «–» and «---» becomes «—», in text with Persian letters.

    A line that is only dashes is Markdown (a rule or a heading underline) and stays.
    """
    if not has_script_letter(text):
        return []
    findings = []
    for match in _DOUBLE_HYPHEN_RE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if set(line.strip()) <= {"-", " "}:
            continue
        dash = EN_DASH if len(match.group()) == 2 else EM_DASH
        name = "an en dash (U+2013)" if dash == EN_DASH else "an em dash (U+2014)"
        message = f'"{match.group()}" typed for a dash: write {name}'
        findings.append(finding("dash", match.start(), match.group(), dash, message))
    return unprotected(findings, protected)


# --- diacritics ----------------------------------------------------------------------------------

_DOUBLED_DIACRITIC_RE = re.compile("([\u064b-\u0652\u0670])\\1+")


def find_doubled_diacritics(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """The same vowel sign typed twice on one letter («لطفاًً» -> «لطفاً»): keep one."""
    return unprotected(
        [
            finding(
                "doubled-diacritic",
                match.start(),
                match.group(),
                match[1],
                f"The vowel sign U+{ord(match[1]):04X} is typed {len(match.group())} times on "
                "one letter: keep one",
            )
            for match in _DOUBLED_DIACRITIC_RE.finditer(text)
        ],
        protected,
    )

"""What every Arabic-script rule set shares: findings, protected text, and the common rules.

A rule is a function ``(text, protected) -> list[TypographyFinding]``. Each finding says where a
problem is (offset and text found) and what should be there instead (suggestion), so the same
rule serves ``check`` (report the findings) and ``--fix`` (replace each found text by its
suggestion). A :class:`RuleSet` is an ordered list of rules for one language's conventions.

Text that is not prose is never changed by any rule: placeholders in braces, URLs (with or
without a scheme), e-mail addresses, Latin words and codes, and Latin text quoted inside «…».
"""

from __future__ import annotations

import bisect
import re
import string
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

ERROR = "error"
WARNING = "warning"

#: Every rule id of every rule set, and its severity.
RULE_SEVERITIES: dict[str, str] = {
    "arabic-letter": ERROR,
    "arabic-indic-digit": ERROR,
    "latin-digit": ERROR,
    "bidi-control": ERROR,
    "latin-punctuation": WARNING,
    "straight-quote": WARNING,
    "number-separator": WARNING,
    "punctuation-spacing": WARNING,
    "misplaced-zwnj": WARNING,
    "missing-zwnj": WARNING,
    "comma-before-va": WARNING,
    "double-space": WARNING,
    "repeated-marks": WARNING,
    "ellipsis": WARNING,
    "kashida": WARNING,
    "soft-hyphen": WARNING,
    "range-dash": WARNING,
    "dash": WARNING,
    "doubled-diacritic": WARNING,
    "ezafe": WARNING,
    "old-spelling": WARNING,
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
    #: Whether ``--fix`` applies the suggestion; False when a human must decide (Arabic ة).
    fixable: bool = True


Rule = Callable[[str, "ProtectedSpans"], list[TypographyFinding]]

# --- character classes ------------------------------------------------------------------------

ZWNJ = "\u200c"

# Arabic-script letters (Persian, Arabic, Pashto), and the marks and tatweel inside words.
LETTER_CHARS = (
    "\u0620-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
)
MARK_CHARS = "\u0640\u064b-\u065f\u0670"
PERSIAN_DIGIT_CHARS = "\u06f0-\u06f9"
ARABIC_INDIC_DIGIT_CHARS = "\u0660-\u0669"

LETTER = f"[{LETTER_CHARS}]"
NOT_LETTER_AFTER = f"(?![{LETTER_CHARS}{MARK_CHARS}])"
NO_WORD_BEFORE = f"(?<![{LETTER_CHARS}{MARK_CHARS}{ZWNJ}])"
WORD = f"[{LETTER_CHARS}{MARK_CHARS}{ZWNJ}]+"
#: Letters that never join the letter after them: a ZWNJ after them changes nothing visible.
NON_JOINING_LETTERS = frozenset("اآأإٱدذرزژوؤةڈډړږۀ")

LETTER_RE = re.compile(LETTER)
LATIN_LETTER_RE = re.compile("[A-Za-z]")
PERSIAN_CONTEXT_RE = re.compile(
    f"[{LETTER_CHARS}{MARK_CHARS}{PERSIAN_DIGIT_CHARS}{ARABIC_INDIC_DIGIT_CHARS}]"
)
ANY_DIGIT_RE = re.compile(f"[0-9{PERSIAN_DIGIT_CHARS}{ARABIC_INDIC_DIGIT_CHARS}]")

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
LATIN_TO_PERSIAN_DIGITS = str.maketrans("0123456789", PERSIAN_DIGITS)
ARABIC_INDIC_TO_PERSIAN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", PERSIAN_DIGITS)

PERSIAN_PUNCTUATION = {",": "\u060c", ";": "\u061b", "?": "\u061f"}
_PUNCTUATION_NAMES = {",": "comma", ";": "semicolon", "?": "question mark"}

_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")  # LRE RLE PDF LRO RLO
_BIDI_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
_BIDI_ISOLATE_CLOSER = "\u2069"  # PDI
_PARAGRAPH_ENDS = frozenset("\n\r\u2029\x85")

# Characters a punctuation mark or quote may be separated from its word by.
_TRANSPARENT_NEIGHBOURS = frozenset(" \t\"'«»“”‘’()[]\u200c\u200e\u200f")

# --- protected spans ----------------------------------------------------------------------------

_URL_CHAR = "[^\\s<>\"'«»\u0600-\u06ff\u200c]"
_URL_LAST_CHAR = "[^\\s<>\"'«»\u0600-\u06ff\u200c.,;:!?)\\]]"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
_PROTECTED_RE = re.compile(
    "|".join(
        [
            # URL with a scheme or www., without trailing punctuation
            rf"(?:https?://|www\.){_URL_CHAR}*{_URL_LAST_CHAR}",
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+",  # e-mail address
            r"\{\{[^{}\n]*\}\}|\{[^{}\n]*\}",  # template placeholder
            r"<[A-Za-z/!][^<>\n]*>",  # an HTML tag and its attributes
            r"&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);",  # an HTML character reference
            r"(?s:```.*?```)|`[^`\n]+`",  # Markdown code, fenced or inline
            # a web address without a scheme: iom.int, iom.int/fa
            rf"(?<![\w@./]){_DOMAIN}(?:/(?:{_URL_CHAR}*{_URL_LAST_CHAR})?)?",
            # a Latin word or code: IOM, A4, PDF/UA-1, COVID-19, O'Brien
            r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?:[\-_/+.&'][A-Za-z0-9]+)*",
        ]
    ),
    re.IGNORECASE,
)
# Latin text quoted in guillemets: «Migration for the benefit of all?» stays as it is.
_LATIN_QUOTED_RE = re.compile(f"(?<=«)[^«»\n{LETTER_CHARS}]*[A-Za-z][^«»\n{LETTER_CHARS}]*(?=»)")


class ProtectedSpans:
    """Where placeholders, URLs, e-mails and Latin text are: rules must not change text there."""

    def __init__(self, text: str) -> None:
        spans = sorted(
            [match.span() for match in _PROTECTED_RE.finditer(text)]
            + [match.span() for match in _LATIN_QUOTED_RE.finditer(text)]
        )
        merged: list[list[int]] = []
        for start, end in spans:
            if start == end:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` touches protected text (an empty range: is inside it)."""
        end = max(end, start + 1)
        index = bisect.bisect_right(self._starts, end - 1) - 1
        return index >= 0 and self._ends[index] > start


def finding(
    rule: str, offset: int, found: str, suggestion: str, message: str, *, fixable: bool = True
) -> TypographyFinding:
    return TypographyFinding(
        rule=rule,
        severity=RULE_SEVERITIES[rule],
        offset=offset,
        found=found,
        suggestion=suggestion,
        message=message,
        fixable=fixable,
    )


def codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def has_script_letter(text: str) -> bool:
    return LETTER_RE.search(text) is not None


def neighbour(text: str, index: int, step: int) -> str:
    """The nearest character from ``index`` towards ``step``, skipping spaces, quotes, brackets."""
    position = index + step
    while 0 <= position < len(text) and text[position] in _TRANSPARENT_NEIGHBOURS:
        position += step
    return text[position] if 0 <= position < len(text) else ""


def is_persian_context(char: str) -> bool:
    return bool(char) and PERSIAN_CONTEXT_RE.match(char) is not None


def unprotected(findings: list[TypographyFinding], protected: ProtectedSpans) -> list:
    return [
        item
        for item in sorted(findings, key=lambda item: item.offset)
        if not protected.overlaps(item.offset, item.offset + len(item.found))
    ]


def apply(text: str, findings: Sequence[TypographyFinding]) -> str:
    """Replace each finding's text by its suggestion; a finding overlapping an earlier one waits."""
    parts = []
    position = 0
    for item in sorted(findings, key=lambda item: item.offset):
        if item.offset < position:
            continue
        parts.append(text[position : item.offset])
        parts.append(item.suggestion)
        position = item.offset + len(item.found)
    parts.append(text[position:])
    return "".join(parts)


def apply_mapped(
    text: str, findings: Sequence[TypographyFinding]
) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """Like :func:`apply`, with a function mapping a span of the result back to ``text``.

    A span that touches a replaced region maps to the whole region it replaced, so a finding in
    fixed text points at what the writer typed.
    """
    edits: list[tuple[int, int, int, int]] = []  # (new_start, new_end, old_start, old_end)
    parts = []
    position = 0
    length = 0
    for item in sorted(findings, key=lambda item: item.offset):
        if item.offset < position:
            continue
        unchanged = text[position : item.offset]
        parts.append(unchanged)
        length += len(unchanged)
        parts.append(item.suggestion)
        old_end = item.offset + len(item.found)
        edits.append((length, length + len(item.suggestion), item.offset, old_end))
        length += len(item.suggestion)
        position = old_end
    parts.append(text[position:])

    def to_text(position: int, *, end: bool) -> int:
        shift = 0
        for new_start, new_end, old_start, old_end in edits:
            if position < new_start or (end and position == new_start and new_start < new_end):
                break
            if position < new_end or (not end and position == new_end == new_start):
                return old_end if end else old_start
            shift = old_end - new_end
        return position + shift

    def span(start: int, stop: int) -> tuple[int, int]:
        return to_text(start, end=False), max(to_text(stop, end=True), to_text(start, end=False))

    return "".join(parts), span


# --- rules shared by the rule sets ----------------------------------------------------------------


def find_bidi_controls(text: str, protected: ProtectedSpans | None = None) -> list:
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
        name = unicodedata.name(char, codepoint(char))
        return finding(
            "bidi-control",
            offset,
            char,
            "",
            f"Unbalanced bidi isolate {codepoint(char)} ({name}) {problem}: remove it",
        )

    for offset, char in enumerate(text):
        if char in _BIDI_OVERRIDES:
            name = unicodedata.name(char)
            findings.append(
                finding(
                    "bidi-control",
                    offset,
                    char,
                    "",
                    f"Invisible bidi control {codepoint(char)} ({name}) can make the text display "
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
    return sorted(findings, key=lambda item: item.offset)


def find_letters(
    text: str,
    protected: ProtectedSpans,
    fixes: dict[str, str],
    report_only: dict[str, str],
    language: str = "Persian",
) -> list[TypographyFinding]:
    """Letters of another language's alphabet: ``fixes`` are replaced, ``report_only`` reported.

    A report-only letter gets its usual replacement as the suggestion, but the fixer leaves it
    for a human (Persian ة is right in some Arabic loanwords and names).
    """
    findings = []
    targets = "".join(fixes) + "".join(report_only)
    if not targets:
        return []
    for match in re.finditer(f"[{re.escape(targets)}]", text):
        if protected.overlaps(match.start(), match.end()):
            continue
        char = match.group()
        if char in report_only:
            suggestion = report_only[char]
            message = (
                f'Arabic letter "{char}" ({codepoint(char)}) in {language} text: {language} usually '
                f'writes "{suggestion}" ({codepoint(suggestion)}); keep "{char}" only in Arabic '
                "loanwords and names"
            )
        else:
            suggestion = fixes[char]
            message = (
                f'Arabic letter "{char}" ({codepoint(char)}) in {language} text: '
                f'use {language} "{suggestion}" ({codepoint(suggestion)})'
            )
        findings.append(
            finding(
                "arabic-letter",
                match.start(),
                char,
                suggestion,
                message,
                fixable=char not in report_only,
            )
        )
    return findings


def find_arabic_indic_digits(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Arabic-Indic digits ٠-٩: Persian (and Afghan) writing has its own 4, 5 and 6 (۴ ۵ ۶)."""
    findings = []
    for match in re.finditer(f"[{ARABIC_INDIC_DIGIT_CHARS}]+", text):
        if protected.overlaps(match.start(), match.end()):
            continue
        digits = match.group()
        persian = digits.translate(ARABIC_INDIC_TO_PERSIAN_DIGITS)
        message = (
            f'Arabic-Indic digits "{digits}" in {language} text: use {language} digits "{persian}"'
        )
        findings.append(finding("arabic-indic-digit", match.start(), digits, persian, message))
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
    return LATIN_LETTER_RE.search(token) is not None and not has_script_letter(token)


def find_latin_digits(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Latin digits 0-9 in Persian prose, which should use ۰-۹.

    A string with Latin letters and no Arabic-script letter ("IOM 2023") is English and left
    alone; one with no letter at all ("2024", "96%", "12:34": a key figure or a date in a
    Persian field) is the field's language and gets its digits. Inside prose a run of digits is
    left alone when:

    - it is inside a URL, an e-mail address or a ``{placeholder}``;
    - its token (the text between spaces) contains a Latin letter: ``A4``, ``PDF/UA-1``,
      ``COVID-19``;
    - the token just before it is a Latin word, so the number belongs to a Latin name:
      ``ISO 9001``, ``Windows 11``. Limit: "IOM 120 کشور" therefore keeps "120" too.
    """
    if not has_script_letter(text) and LATIN_LETTER_RE.search(text):
        return []
    findings = []
    for match in re.finditer("[0-9]+", text):
        if protected.overlaps(match.start(), match.end()):
            continue
        token_start, token_end = _token_bounds(text, match.start(), match.end())
        if LATIN_LETTER_RE.search(text[token_start:token_end]):
            continue
        if _is_latin_word(_previous_token(text, token_start)):
            continue
        digits = match.group()
        persian = digits.translate(LATIN_TO_PERSIAN_DIGITS)
        message = f'Latin digits "{digits}" in {language} text: use {language} digits "{persian}"'
        findings.append(finding("latin-digit", match.start(), digits, persian, message))
    return findings


def find_latin_punctuation(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Latin , ; ? next to Persian text, which should be ، ؛ ؟

    A mark is "next to Persian text" when the nearest character before or after it (skipping
    spaces, quotes and brackets) is an Arabic-script letter or digit. So "IOM, UNHCR" is left
    alone, as are marks inside URLs, e-mails, placeholders and Latin text quoted in «…», and a
    comma directly between two digits (a number: see :func:`find_number_separators`). Two
    exceptions make a mark Persian without a Persian neighbour: a comma or semicolon between two
    Latin acronyms in a Persian text ("UNHCR, UNICEF و WHO" lists them in Persian), and any mark
    in a text with no letter at all (a key figure). A ? inside a run of ?/! is left to the
    ``repeated-marks`` rule, which rewrites the run whole.
    """
    findings = []
    no_letters = not has_script_letter(text) and LATIN_LETTER_RE.search(text) is None
    persian_text = has_script_letter(text)
    for match in re.finditer("[,;?]", text):
        offset = match.start()
        if protected.overlaps(offset, offset + 1):
            continue
        mark = match.group()
        if mark == "?" and any(
            char in "?؟!" for char in text[offset - 1 : offset] + text[offset + 1 : offset + 2]
        ):
            continue
        if (
            mark == ","
            and 0 < offset < len(text) - 1
            and ANY_DIGIT_RE.match(text[offset - 1])
            and ANY_DIGIT_RE.match(text[offset + 1])
        ):
            continue
        if not (
            no_letters
            or is_persian_context(neighbour(text, offset, -1))
            or is_persian_context(neighbour(text, offset, +1))
            or (persian_text and mark != "?" and _between_acronyms(text, offset))
        ):
            continue
        persian = PERSIAN_PUNCTUATION[mark]
        name = _PUNCTUATION_NAMES[mark]
        where = f"next to {language} text"
        if not (
            no_letters
            or is_persian_context(neighbour(text, offset, -1))
            or is_persian_context(neighbour(text, offset, +1))
        ):
            where = f"between Latin acronyms listed in a {language} sentence"
        message = (
            f'Latin {name} "{mark}" {where}: use {language} {name} "{persian}" '
            f"({codepoint(persian)})"
        )
        findings.append(finding("latin-punctuation", offset, mark, persian, message))
    return findings


_ACRONYM_BEFORE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9&]+[ \t]*$")
_ACRONYM_AFTER_RE = re.compile(r"[ \t]*[A-Z][A-Z0-9&]+(?![A-Za-z0-9])")


_LATIN_RUN_CHARS = frozenset(string.ascii_letters + string.digits + "&,;.' -")
_LOWERCASE_WORD_RE = re.compile(r"(?<![A-Za-z])[a-z]{2,}")


def _between_acronyms(text: str, offset: int) -> bool:
    """Whether the mark at ``offset`` separates two Latin acronyms ("UNHCR, UNICEF").

    Only in a list of acronyms: a Latin run with a lowercase word ("IOM, UNHCR and UNICEF") is an
    English phrase, and its comma stays English.
    """
    if not (
        _ACRONYM_BEFORE_RE.search(text, max(0, offset - 20), offset) is not None
        and _ACRONYM_AFTER_RE.match(text, offset + 1) is not None
    ):
        return False
    start, end = offset, offset + 1
    while start > 0 and text[start - 1] in _LATIN_RUN_CHARS:
        start -= 1
    while end < len(text) and text[end] in _LATIN_RUN_CHARS:
        end += 1
    return _LOWERCASE_WORD_RE.search(text, start, end) is None


def _quote_finding(
    text: str, start: int, end: int, language: str, width: int = 1
) -> TypographyFinding | None:
    """A finding for the quoted text ``text[start:end]`` if it is Persian or sits in Persian.

    ``width`` is the length of each quote (2 for a pair of apostrophes typed as one quote).
    """
    inner = text[start + width : end - width]
    in_persian = has_script_letter(inner) or any(
        LETTER_RE.match(char) for char in (neighbour(text, start, -1), neighbour(text, end - 1, 1))
    )
    if not in_persian:
        return None
    found = text[start:end]
    message = (
        f"Quotation marks {found[:width]}…{found[-width:]} in {language} text: use {language} "
        "guillemets «…»"
    )
    return finding("straight-quote", start, found, f"«{inner}»", message)


_SINGLE_QUOTED_RE = re.compile("''(?P<double>[^'\n]+)''|'(?P<single>[^'\n]+)'|‘[^‘’\n]*’")


def find_quotes(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Straight "..." and '...', curly “...” and ‘...’ quotes in Persian text, which should be «...».

    Straight quotes are paired in order within each line; an odd one left over (for example an
    inch mark) is not reported. A pair counts when the quoted text has an Arabic-script letter or
    the nearest character outside the pair is one, so quotes inside English sentences are left
    alone. Two apostrophes typed as one quote (''…'') count as one; an apostrophe inside a Latin
    word (O'Brien) is Latin text and never paired.
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
                quoted = _quote_finding(text, opener, offset + 1, language)
                if quoted:
                    findings.append(quoted)
                opener = None
    for match in re.finditer("“[^“”\n]*”", text):
        inner_start, inner_end = match.start() + 1, match.end() - 1
        if protected.overlaps(match.start(), inner_start) or protected.overlaps(
            inner_end, match.end()
        ):
            continue
        quoted = _quote_finding(text, match.start(), match.end(), language)
        if quoted:
            findings.append(quoted)
    for match in _SINGLE_QUOTED_RE.finditer(text):
        width = 2 if match["double"] is not None else 1
        start, end = match.span()
        if protected.overlaps(start, start + width) or protected.overlaps(end - width, end):
            continue
        if _LATIN_OR_DIGIT_RE.match(text[start - 1 : start] or " ") or (
            width == 1 and match["single"] is not None and not has_script_letter(match["single"])
        ):
            continue  # an apostrophe after a Latin word, or English quoted in English
        quoted = _quote_finding(text, start, end, language, width)
        if quoted:
            findings.append(quoted)
    return sorted(findings, key=lambda item: item.offset)


_LATIN_OR_DIGIT_RE = re.compile("[A-Za-z0-9]")


_PD = f"[{PERSIAN_DIGIT_CHARS}]"
_GROUPED_NUMBER_RE = re.compile(
    f"(?<![{PERSIAN_DIGIT_CHARS},.،٬٫]){_PD}{{1,3}}"
    f"(?:(?:[,،٬]{_PD}{{3}})+|(?:\\.{_PD}{{3}}){{2,}})(?![,.،٬٫]?{_PD})"
)
_DECIMAL_RE = re.compile(f"(?<![{PERSIAN_DIGIT_CHARS},.،٬٫]){_PD}+([.,]){_PD}+(?![,.،٬٫]?{_PD})")
_PERCENT_RE = re.compile(f"(?<={_PD})%")
# «۴۵/۵ درصد»: a slash typed as the decimal point; a date (۱۴۰۲/۰۵/۱۲) has two and stays.
_SLASH_DECIMAL_RE = re.compile(
    f"(?<![{PERSIAN_DIGIT_CHARS}/]){_PD}{{1,3}}/{_PD}{{1,3}}(?![{PERSIAN_DIGIT_CHARS}/])"
)


def find_number_separators(
    text: str, protected: ProtectedSpans, language: str = "Persian"
) -> list[TypographyFinding]:
    """Hand-typed separators inside numbers written with Persian digits.

    - thousands: ``۳۷۰,۰۰۰`` or ``۳۷۰،۰۰۰`` (groups of exactly three digits) -> ``۳۷۰٬۰۰۰`` (U+066C),
      and ``۴۵۰.۰۰۰.۰۰۰`` (two or more dots can only group; one dot is a decimal point);
    - decimals: ``۳.۵``, ``۲,۵`` (one separator, not a group of three) and ``۴۵/۵`` (a slash
      between at most three digits on each side) -> ``۳٫۵`` (U+066B);
    - percent: ``۲۵%`` -> ``۲۵٪`` (U+066A).
    A list of numbers ("۱۹۹۰،۲۰۰۰", four digits before the mark) is not a number and is left to
    the spacing rule; a date such as ``۱۴۰۲/۰۵/۱۲`` has no ``,`` or ``.`` and is never touched.
    """
    findings = []
    for match in _GROUPED_NUMBER_RE.finditer(text):
        number = match.group()
        fixed = re.sub("[,،.]", "٬", number)
        if fixed != number:
            message = (
                f'Number "{number}" typed with Latin or Arabic commas: group digits with '
                f'"٬" (U+066C): "{fixed}"'
            )
            findings.append(finding("number-separator", match.start(), number, fixed, message))
    for match in _DECIMAL_RE.finditer(text):
        number = match.group()
        if any(item.offset <= match.start() < item.offset + len(item.found) for item in findings):
            continue
        fixed = number.replace(match.group(1), "٫")
        message = f'Decimal number "{number}": use the {language} decimal separator "٫" (U+066B)'
        findings.append(finding("number-separator", match.start(), number, fixed, message))
    for match in _SLASH_DECIMAL_RE.finditer(text):
        number = match.group()
        fixed = number.replace("/", "٫")
        message = (
            f'Decimal number "{number}" typed with a slash: use the {language} decimal separator '
            '"٫" (U+066B)'
        )
        findings.append(finding("number-separator", match.start(), number, fixed, message))
    for match in _PERCENT_RE.finditer(text):
        findings.append(
            finding(
                "number-separator",
                match.start(),
                "%",
                "٪",
                f'Percent sign "%" after {language} digits: use "٪" (U+066A)',
            )
        )
    return unprotected(findings, protected)


_CLOSING_MARKS = "،؛؟!.:"
_SCRIPT = f"[{LETTER_CHARS}{MARK_CHARS}{PERSIAN_DIGIT_CHARS}]"
_SCRIPT_LETTER = f"[{LETTER_CHARS}{MARK_CHARS}]"
_SPACING_RE = re.compile(
    "|".join(
        [
            # spaces before ، ؛ ؟ (after anything but a line start), and before ! . : after a word
            r"(?P<before>(?<=[^\s]) +(?=[،؛؟]))",
            rf"(?P<before2>(?<={_SCRIPT}|[»)]) +(?=[!.:](?:\s|$|[»)]|{_SCRIPT_LETTER})))",
            # no space after ، ؛ ؟ before a word, a number or an opening quote or bracket
            rf"(?P<after>(?<=[،؛؟])(?=[{LETTER_CHARS}{PERSIAN_DIGIT_CHARS}A-Za-z0-9«(]))",
            # no space after . ! : between two words of the script
            rf"(?P<after2>(?<={_SCRIPT_LETTER}{_SCRIPT_LETTER}[.!:])(?={_SCRIPT_LETTER}|[«A-Za-z]))",
            # spaces just inside «…» and (…)
            r"(?P<inside_open>(?<=[«(\[]) +)",
            r"(?P<inside_close>(?<=\S) +(?=[»)\]]))",
            # no space between a word and an opening «/( before it, or a closing »/) and a word
            rf"(?P<outside_open>(?<={_SCRIPT_LETTER})(?=[«(\[]))",
            rf"(?P<outside_close>(?<=[»)\]])(?={_SCRIPT_LETTER}))",
        ]
    )
)
_SPACING_MESSAGES = {
    "before": ("", "space before a punctuation mark: remove it"),
    "before2": ("", "space before a punctuation mark: remove it"),
    "after": (" ", "no space after a punctuation mark: add one"),
    "after2": (" ", "no space after a punctuation mark: add one"),
    "inside_open": ("", "space just inside an opening quote or bracket: remove it"),
    "inside_close": ("", "space just inside a closing quote or bracket: remove it"),
    "outside_open": (" ", "no space before an opening quote or bracket: add one"),
    "outside_close": (" ", "no space after a closing quote or bracket: add one"),
}


def find_punctuation_spacing(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Spaces around punctuation as Persian (and Pashto) typesetting wants them.

    No space before ، ؛ ؟ ! . : and one after ، ؛ ؟ when a word follows ("دارد ." -> "دارد."،
    "تهران ، ونک" -> "تهران، ونک"، "مهاجرت،توسعه" -> "مهاجرت، توسعه"); one after . ! : between two
    words ("دارد.این"); no space just inside «…» or (…), one outside them. Marks between digits
    (۱۰:۳۰، ۳٫۵) and anything in a URL, e-mail, placeholder or Latin text are left alone; only
    lines with Arabic-script letters are looked at, so English text is never respaced.
    """
    if not has_script_letter(text):
        return []
    findings = []
    for match in _SPACING_RE.finditer(text):
        kind = match.lastgroup or ""
        suggestion, message = _SPACING_MESSAGES[kind]
        start, end = match.span()
        if kind.startswith("inside"):
            quote_char = text[start - 1] if kind == "inside_open" else text[end]
            if quote_char in "()[]" and not has_script_letter(_line_of(text, start)):
                continue
        if _inside_protected(protected, start, end):
            continue
        findings.append(finding("punctuation-spacing", start, match.group(), suggestion, message))
    return findings


def _line_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]


def _inside_protected(protected: ProtectedSpans, start: int, end: int) -> bool:
    """Whether a gap (spaces, or an insertion point when empty) lies inside protected text."""
    if start < end:
        return protected.overlaps(start, end)
    return start > 0 and protected.overlaps(start - 1, start) and protected.overlaps(start, end + 1)


def find_double_spaces(text: str, protected: ProtectedSpans) -> list[TypographyFinding]:
    """Two or more spaces between two words on one line, outside placeholders.

    Spaces at the start or end of a line are left alone: in Markdown bodies they mean nesting or a
    hard line break.
    """
    return [
        finding(
            "double-space",
            match.start(),
            match.group(),
            " ",
            f"{len(match.group())} spaces in a row: use a single space",
        )
        for match in re.finditer(r"(?<=\S) {2,}(?=\S)", text)
        if not protected.overlaps(match.start(), match.end())
    ]


_WORD_CHAR_RE = re.compile(f"[{LETTER_CHARS}{MARK_CHARS}]")
_ZWNJ_RUN_RE = re.compile(f"[ \t]*{ZWNJ}+[ \t]*")


def find_misplaced_zwnj(
    text: str, protected: ProtectedSpans, joins: Callable[[str, str], bool] | None = None
) -> list[TypographyFinding]:
    """A ZWNJ (U+200C) doubled, next to a space, or at the edge of a word.

    Between two words with a space on either side ("می‌ شود", "سازمان‌ ملل") the language decides:
    ``joins(left, right)`` says whether the two belong together with a ZWNJ ("می‌شود") or apart
    with a space ("سازمان ملل"). A ZWNJ at the start or end of a word (before punctuation, a digit,
    a line end) is removed; a doubled one becomes one.
    """
    findings = []
    for match in _ZWNJ_RUN_RE.finditer(text):
        start, end = match.span()
        run = match.group()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        letter_before = _WORD_CHAR_RE.match(before) is not None
        letter_after = LETTER_RE.match(after) is not None
        has_space = " " in run or "\t" in run
        if letter_before and letter_after:
            if has_space:
                left, right = _word_before(text, start), _word_after(text, end)
                together = joins is not None and joins(left, right)
                joiner = "" if left[-1:] in NON_JOINING_LETTERS else ZWNJ
                suggestion = joiner if together else " "
                message = "zero-width non-joiner next to a space: " + (
                    f'write "{left}{joiner}{right}" as one word' if together else "remove it"
                )
            elif run.count(ZWNJ) > 1:
                suggestion, message = ZWNJ, "doubled zero-width non-joiner: keep one"
            else:
                continue
        elif has_space:
            suggestion = " "
            message = "zero-width non-joiner next to a space: remove it"
        else:
            suggestion = ""
            message = "zero-width non-joiner at the edge of a word: remove it"
        findings.append(
            finding("misplaced-zwnj", start, run, suggestion, f"Misplaced {message} (U+200C)")
        )
    return unprotected(findings, protected)


def _word_before(text: str, end: int) -> str:
    start = end
    while start > 0 and _WORD_CHAR_RE.match(text[start - 1]):
        start -= 1
    return text[start:end]


def _word_after(text: str, start: int) -> str:
    end = start
    while end < len(text) and _WORD_CHAR_RE.match(text[end]):
        end += 1
    return text[start:end]


# --- rule sets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    """One language's typography rules, in the order the fixer applies them.

    ``characters`` replace characters one for one (so offsets do not move); the rules in
    ``words`` look at the text as it reads after those replacements. ``report_only`` rules are
    reported by ``check`` and never applied by ``fix``. ``keep_together`` lists the fixed
    phrases (names, places) that a printed line never splits in this language; a project adds
    its own in iombrochure.toml (``keep_together = [...]`` under ``[languages.<code>]``).
    """

    name: str
    characters: tuple[Rule, ...]
    marks: tuple[Rule, ...]
    words: tuple[Rule, ...]
    report_only: tuple[Rule, ...] = ()
    keep_together: tuple[str, ...] = ()

    def check(self, text: str) -> list[TypographyFinding]:
        """Every problem in ``text``, ordered by offset; offsets and ``found`` refer to ``text``."""
        protected = ProtectedSpans(text)
        findings = [*find_bidi_controls(text)]
        for rule in (*self.report_only, *self.characters):
            findings.extend(rule(text, protected))
        readable = apply(text, [f for rule in self.characters for f in rule(text, protected)])
        marks: list[TypographyFinding] = []
        readable_protected = ProtectedSpans(readable)
        for rule in self.marks:
            marks.extend(rule(readable, readable_protected))
        for item in marks:  # characters are replaced one for one: offsets are the text's
            findings.append(replace(item, found=text[item.offset : item.offset + len(item.found)]))
        normalised, to_text = apply_mapped(readable, marks)
        normalised_protected = ProtectedSpans(normalised)
        for rule in self.words:
            for item in rule(normalised, normalised_protected):
                start, end = to_text(item.offset, item.offset + len(item.found))
                findings.append(replace(item, offset=start, found=text[start:end]))
        return sorted(findings, key=lambda item: (item.offset, item.rule))

    def fix(self, text: str) -> str:
        """Apply every fix, pass after pass until nothing changes (one fix can reveal another)."""
        for _ in range(_MAX_FIX_PASSES):
            fixed = apply(text, find_bidi_controls(text))
            for rule in (*self.characters, *self.marks, *self.words):
                fixed = apply(fixed, rule(fixed, ProtectedSpans(fixed)))
            if fixed == text:
                break
            text = fixed
        return text


_MAX_FIX_PASSES = 6

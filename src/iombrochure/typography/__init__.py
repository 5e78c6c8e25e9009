"""Typography checks and safe fixes for text written by translators, one rule set per language.

Persian text for IOM Iran is often typed on Arabic keyboard layouts, with Latin digits and
punctuation, spaces where a zero-width non-joiner belongs, or pasted from tools that add invisible
bidi controls. It looks almost right on screen but prints wrong. These rules find those problems
and fix the ones that can be fixed without a human decision.

Each language says which rules it gets in iombrochure.toml (``typography = "persian" | "dari" |
"pashto" | "none"``); the default follows the language code (pipeline/languages.py). A language
never gets another's rules unless configured.

- ``persian`` (persian.py): Persian letters, digits, punctuation, spacing and ZWNJ rules.
- ``dari`` (persian.py): the same rules, findings saying "Dari text", Dari's fixed phrases.
- ``pashto`` (pashto.py): the rules of the script that are right for Pashto; no yeh is changed.
- shared.py: findings, protected text, the rules both share; yaml_files.py: content files.

Text that is not prose is never touched: placeholders (``{figures.members}``, ``{{ name }}``),
URLs with or without a scheme, e-mail addresses, Latin words and codes, and Latin text quoted
inside «…» are kept byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from iombrochure.typography.pashto import PASHTO
from iombrochure.typography.persian import DARI, PERSIAN
from iombrochure.typography.shared import RULE_SEVERITIES, RuleSet, TypographyFinding
from iombrochure.typography.yaml_files import (
    KeyPath,
    check_yaml_document,
    check_yaml_file,
    fix_yaml_file,
    write_text_atomically,
)

__all__ = [
    "RULE_SETS",
    "RULE_SEVERITIES",
    "KeyPath",
    "RuleSet",
    "TypographyFinding",
    "check_persian_text",
    "check_persian_yaml_document",
    "check_persian_yaml_file",
    "check_text",
    "fix_persian_text",
    "fix_persian_yaml_file",
    "fix_text",
    "rule_set",
    "write_text_atomically",
]

#: The rule sets a language can name in ``typography = "..."`` (besides "none").
RULE_SETS: dict[str, RuleSet] = {"persian": PERSIAN, "dari": DARI, "pashto": PASHTO}


def rule_set(name: str) -> RuleSet:
    """The rules called ``name`` in the config ("persian", "pashto")."""
    return RULE_SETS[name]


def check_text(text: str, rules: str = "persian") -> list[TypographyFinding]:
    """Every problem in ``text`` under the named rule set, ordered by offset."""
    return RULE_SETS[rules].check(text)


def fix_text(text: str, rules: str = "persian") -> str:
    """``text`` with every safe fix of the named rule set applied. Idempotent."""
    return RULE_SETS[rules].fix(text)


def check_persian_text(text: str) -> list[TypographyFinding]:
    """Every Persian typography problem in ``text``, ordered by offset.

    Offsets and ``found`` refer to ``text`` as given. Rules about words and punctuation look at
    the text as it reads after letter, digit and punctuation fixes, so "مي شود" is reported both
    for its Arabic yeh and for its missing ZWNJ.
    """
    return PERSIAN.check(text)


def fix_persian_text(text: str) -> str:
    """Apply every safe Persian fix (all rules except ة, which needs a human). Idempotent.

    Placeholders, URLs, e-mail addresses and Latin text come out byte-identical.
    """
    return PERSIAN.fix(text)


def check_persian_yaml_file(
    path: Path, *, is_prose: Callable[[KeyPath], bool] | None = None, rules: str = "persian"
) -> list[tuple[int, KeyPath, TypographyFinding]]:
    """(line, key path, finding) for every problem in the file's string values."""
    return check_yaml_file(path, RULE_SETS[rules], is_prose=is_prose)


def check_persian_yaml_document(
    document: Any, *, is_prose: Callable[[KeyPath], bool] | None = None, rules: str = "persian"
) -> list[tuple[int, KeyPath, TypographyFinding]]:
    """Like :func:`check_persian_yaml_file`, for a document ruamel (round-trip) already loaded."""
    return check_yaml_document(document, RULE_SETS[rules], is_prose=is_prose)


def fix_persian_yaml_file(
    path: Path, *, is_prose: Callable[[KeyPath], bool] | None = None, rules: str = "persian"
) -> int:
    """Fix the string values of a YAML file in place (see yaml_files.fix_yaml_file)."""
    return fix_yaml_file(path, RULE_SETS[rules], is_prose=is_prose)

"""Load the hand-written lint corpus and score a fixer and a checker on it.

Used by the tests (tests/quality/test_lint_corpus.py) and by benchmarks/lint_compare.py, so both
count the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

CORPUS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sentence:
    """One corpus sentence: what was typed and the one right version (same text if correct)."""

    category: str
    text: str
    expected: str

    @property
    def faulty(self) -> bool:
        return self.text != self.expected


def load_corpus(folder: Path = CORPUS_DIR) -> list[Sentence]:
    """Every sentence of every category file, faulty ones first within a file."""
    yaml = YAML(typ="safe")
    sentences = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        for item in data.get("faulty", []):
            sentences.append(Sentence(path.stem, item["text"], item["expected"]))
        for text in data.get("correct", []):
            sentences.append(Sentence(path.stem, text, text))
    return sentences


def changed_characters(before: str, after: str) -> int:
    """How many characters differ between two texts (insertions, deletions, replacements)."""
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(None, before, after, autojunk=False)
    return sum(
        max(end1 - start1, end2 - start2)
        for tag, start1, end1, start2, end2 in matcher.get_opcodes()
        if tag != "equal"
    )


@dataclass
class Score:
    """How a fixer (and optionally a checker) did on the corpus."""

    faulty: int = 0
    correct: int = 0
    fixed_exactly: int = 0
    correct_changed: int = 0
    flagged: int = 0
    false_alarms: int = 0
    mistakes: int = 0  # characters that differ between text and expected, over faulty sentences
    mistakes_left: int = 0  # characters that still differ from expected after fixing
    misses: list[tuple[Sentence, str]] = field(default_factory=list)
    damaged: list[tuple[Sentence, str]] = field(default_factory=list)

    @property
    def exact_rate(self) -> float:
        return self.fixed_exactly / self.faulty if self.faulty else 1.0

    @property
    def flag_rate(self) -> float:
        return self.flagged / self.faulty if self.faulty else 1.0

    @property
    def mistakes_fixed_rate(self) -> float:
        return 1 - self.mistakes_left / self.mistakes if self.mistakes else 1.0


def score(
    sentences: Iterable[Sentence],
    fix: Callable[[str], str],
    flags: Callable[[str], bool] | None = None,
) -> Score:
    """Run ``fix`` (and ``flags``: does the checker report anything?) on every sentence."""
    result = Score()
    for sentence in sentences:
        fixed = fix(sentence.text)
        flagged = flags(sentence.text) if flags is not None else False
        if sentence.faulty:
            result.faulty += 1
            result.mistakes += changed_characters(sentence.text, sentence.expected)
            result.mistakes_left += min(
                changed_characters(fixed, sentence.expected),
                changed_characters(sentence.text, sentence.expected),
            )
            result.flagged += flagged
            if fixed == sentence.expected:
                result.fixed_exactly += 1
            else:
                result.misses.append((sentence, fixed))
        else:
            result.correct += 1
            result.false_alarms += flagged
            if fixed != sentence.text:
                result.correct_changed += 1
                result.damaged.append((sentence, fixed))
    return result

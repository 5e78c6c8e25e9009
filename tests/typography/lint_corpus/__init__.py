"""Load the hand-written lint corpus and score a fixer and a checker on it.

Used by the tests (tests/typography/test_lint_corpus.py) and by benchmarks/lint_compare.py, so both
count the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
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


Region = tuple[int, int, int, int]  # text[i1:i2] should become other[j1:j2]


def edit_regions(before: str, after: str) -> list[Region]:
    """The places where ``after`` differs from ``before``, as difflib's opcodes (not "equal")."""
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    return [
        (start1, end1, start2, end2)
        for tag, start1, end1, start2, end2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _map_position(opcodes: list, position: int, *, end: bool) -> int:
    """Where ``position`` of the first text lands in the second; an edit touching it is included."""
    for tag, start1, end1, start2, end2 in opcodes:
        if tag != "equal" and start1 <= position <= end1:
            return end2 if end else start2
    for tag, start1, end1, start2, _ in opcodes:
        if tag == "equal" and start1 <= position <= end1:
            return start2 + position - start1
    return 0


@dataclass
class SentenceResult:
    """What a fixer did to one sentence: mistakes it fixed, and edits no correction asked for."""

    output: str
    mistakes: int
    mistakes_fixed: int
    damage: list[tuple[str, str]]  # (what was there, what it became), outside every mistake
    protected_damage: int  # how many of those were in a URL, e-mail, placeholder or Latin text


def judge(
    sentence: Sentence, output: str, protected: Callable[[str, int, int], bool]
) -> SentenceResult:
    """Compare ``output`` with the sentence's expected version, mistake by mistake.

    A mistake (a place where the typed text differs from the expected one) is fixed when the
    output has exactly the expected text there. Damage is every change the output makes where the
    expected version keeps the typed text. ``protected(text, start, end)`` says whether a range of
    the typed text is a URL, e-mail address, placeholder or Latin text.
    """
    mistakes = edit_regions(sentence.text, sentence.expected)
    opcodes = SequenceMatcher(None, sentence.text, output, autojunk=False).get_opcodes()
    fixed = 0
    for start1, end1, start2, end2 in mistakes:
        out_start = _map_position(opcodes, start1, end=False)
        out_end = _map_position(opcodes, end1, end=True)
        fixed += output[out_start:out_end] == sentence.expected[start2:end2]
    damage = []
    protected_damage = 0
    for start1, end1, start2, end2 in edit_regions(sentence.text, output):
        if any(start1 <= m_end and m_start <= end1 for m_start, m_end, _, _ in mistakes):
            continue
        damage.append((sentence.text[start1:end1], output[start2:end2]))
        protected_damage += protected(sentence.text, start1, end1)
    return SentenceResult(output, len(mistakes), fixed, damage, protected_damage)


@dataclass
class Score:
    """How a fixer (and optionally a checker) did on the corpus."""

    faulty: int = 0
    correct: int = 0
    fixed_exactly: int = 0
    correct_changed: int = 0
    flagged: int = 0
    false_alarms: int = 0
    mistakes: int = 0
    mistakes_fixed: int = 0
    damage: int = 0
    protected_damage: int = 0
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
        return self.mistakes_fixed / self.mistakes if self.mistakes else 1.0


def _never_protected(text: str, start: int, end: int) -> bool:
    return False


def score(
    sentences: Iterable[Sentence],
    fix: Callable[[str], str] | None = None,
    flags: Callable[[str], bool] | None = None,
    *,
    outputs: Iterable[str] | None = None,
    protected: Callable[[str, int, int], bool] = _never_protected,
) -> Score:
    """Score a fixer's outputs (from ``fix``, or given as ``outputs`` in corpus order).

    ``flags`` is the checker: does it report anything for a text?
    """
    sentences = list(sentences)
    results = list(outputs) if outputs is not None else [fix(s.text) for s in sentences]  # type: ignore[misc]
    total = Score()
    for sentence, output in zip(sentences, results, strict=True):
        verdict = judge(sentence, output, protected)
        flagged = flags(sentence.text) if flags is not None else False
        total.damage += len(verdict.damage)
        total.protected_damage += verdict.protected_damage
        if sentence.faulty:
            total.faulty += 1
            total.mistakes += verdict.mistakes
            total.mistakes_fixed += verdict.mistakes_fixed
            total.flagged += flagged
            if output == sentence.expected:
                total.fixed_exactly += 1
            else:
                total.misses.append((sentence, output))
        else:
            total.correct += 1
            total.false_alarms += flagged
            if output != sentence.text:
                total.correct_changed += 1
                total.damaged.append((sentence, output))
    return total

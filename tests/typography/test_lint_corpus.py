"""The Persian lint on the hand-written corpus: exact fixes, no damage, and what check flags.

The rates are printed in the test run (the figures docs/checks.md quotes). The thresholds are the
ones the lint is held to on sentences it has never seen: at least 90 % of faulty sentences fixed
exactly, no correct sentence changed, at least 95 % of faulty sentences flagged and at most one
false alarm among the correct ones.
"""

from __future__ import annotations

from collections import Counter

import pytest

from iombrochure.typography import check_persian_text, fix_persian_text
from iombrochure.typography.shared import ProtectedSpans
from typography.lint_corpus import Sentence, load_corpus, score

CORPUS = load_corpus()
ZWNJ = "\u200c"


def is_protected(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` touches a URL, e-mail, placeholder or Latin text."""
    return ProtectedSpans(text).overlaps(start, end)


def shown(text: str) -> str:
    """Text with its invisible ZWNJs made visible, for failure messages."""
    return text.replace(ZWNJ, "‹zwnj›")


def test_the_corpus_is_hand_written_at_scale_and_organised_by_category() -> None:
    categories = Counter(sentence.category for sentence in CORPUS)
    assert len(CORPUS) >= 120
    assert len(categories) >= 10
    assert sum(sentence.faulty for sentence in CORPUS) >= 100
    assert sum(not sentence.faulty for sentence in CORPUS) >= 40
    assert len({sentence.text for sentence in CORPUS}) == len(CORPUS), "a sentence is repeated"
    for sentence in CORPUS:
        assert "ي" not in sentence.expected and "ك" not in sentence.expected, sentence
        assert ZWNJ * 2 not in sentence.expected, sentence


def test_fix_and_check_on_the_corpus_meet_the_goals(capsys: pytest.CaptureFixture) -> None:
    result = score(CORPUS, fix_persian_text, lambda text: bool(check_persian_text(text)))
    lines = [
        f"Persian lint corpus: {len(CORPUS)} sentences ({result.faulty} faulty, "
        f"{result.correct} correct)",
        f"  check --fix: {result.fixed_exactly}/{result.faulty} faulty sentences exactly right "
        f"({result.exact_rate:.1%}); mistakes fixed {result.mistakes_fixed}/{result.mistakes} "
        f"({result.mistakes_fixed_rate:.1%}); text damaged in {result.damage} places "
        f"({result.protected_damage} in URLs, e-mails, placeholders, Latin); "
        f"correct sentences changed {result.correct_changed}/{result.correct}",
        f"  check: flags {result.flagged}/{result.faulty} faulty sentences "
        f"({result.flag_rate:.1%}); false alarms {result.false_alarms}/{result.correct}",
    ]
    for sentence, fixed in result.misses:
        lines.append(f"  not exact [{sentence.category}]: {shown(sentence.text)}")
        lines.append(f"      got      {shown(fixed)}")
        lines.append(f"      expected {shown(sentence.expected)}")
    for sentence, fixed in result.damaged:
        lines.append(f"  DAMAGED [{sentence.category}]: {shown(sentence.text)} -> {shown(fixed)}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    assert result.exact_rate >= 0.90
    assert result.correct_changed == 0
    assert result.protected_damage == 0
    assert result.flag_rate >= 0.95
    assert result.false_alarms <= 1


@pytest.mark.parametrize(
    "sentence", [s for s in CORPUS if not s.faulty], ids=lambda s: f"{s.category}:{s.text[:20]}"
)
def test_no_correct_sentence_is_changed(sentence: Sentence) -> None:
    assert fix_persian_text(sentence.text) == sentence.text


@pytest.mark.parametrize(
    "sentence", [s for s in CORPUS if s.faulty], ids=lambda s: f"{s.category}:{s.text[:20]}"
)
def test_fixing_a_corpus_sentence_is_idempotent(sentence: Sentence) -> None:
    once = fix_persian_text(sentence.text)
    assert fix_persian_text(once) == once


@pytest.mark.parametrize("sentence", CORPUS, ids=lambda s: f"{s.category}:{s.text[:20]}")
def test_check_flags_exactly_what_fix_would_change(sentence: Sentence) -> None:
    """Flag rate = fix rate: a finding --fix would correct is reported iff --fix changes the text,
    and the corrected version has none."""
    fixable = [finding for finding in check_persian_text(sentence.text) if finding.fixable]
    assert bool(fixable) == (fix_persian_text(sentence.text) != sentence.text), fixable
    assert not [finding for finding in check_persian_text(sentence.expected) if finding.fixable]

"""The Persian lint on virastar's own test suite: a suite nobody here wrote.

virastar (brothersincode/virastar, MIT) is the established Persian typography fixer; its
test/virastar.js is copied case by case into tests/typography/virastar_suite/cases.yaml. Where the
house style agrees with virastar, ``--fix`` must give virastar's expected text; where it differs
(open compounds, ‌هایتان, codes inside Latin, date order, …) it must give the house's answer.
The rates are printed in the test run, as the corpus test does.
"""

from __future__ import annotations

import pytest

from iombrochure.typography import check_persian_text, fix_persian_text
from iombrochure.typography.shared import ProtectedSpans
from typography.lint_corpus import Sentence, score
from typography.virastar_suite import SUITE_FILE, SuiteCase, load_suite

SUITE = load_suite()
ZWNJ = "\u200c"


def as_sentence(case: SuiteCase) -> Sentence:
    return Sentence(f"virastar#{case.case}", case.text, case.expected)


def is_protected(text: str, start: int, end: int) -> bool:
    return ProtectedSpans(text).overlaps(start, end)


def shown(text: str) -> str:
    return text.replace(ZWNJ, "‹zwnj›").replace("\u00ad", "‹shy›").replace("\n", "⏎")


def flags_a_fix(text: str) -> bool:
    """Whether ``check`` reports something ``--fix`` would correct."""
    return any(finding.fixable for finding in check_persian_text(text))


def test_the_suite_is_virastars_whole_suite_with_its_licence() -> None:
    cases = [case.case for cases in SUITE.values() for case in cases]
    assert sorted(cases) == list(range(159)), "every assert of test/virastar.js, once"
    assert len(SUITE["agree"]) >= 80
    assert all(case.why for case in SUITE["conflict"] + SUITE["excluded"])
    assert all(case.expected != case.virastar for case in SUITE["conflict"])
    licence = (SUITE_FILE.parent / "LICENSE").read_text(encoding="utf-8")
    assert "MIT" in licence or "Permission is hereby granted" in licence


def test_fix_on_virastars_suite_meets_the_goals(capsys: pytest.CaptureFixture) -> None:
    agree = [as_sentence(case) for case in SUITE["agree"]]
    conflict = [as_sentence(case) for case in SUITE["conflict"]]
    agreed = score(agree, fix_persian_text, flags_a_fix, protected=is_protected)
    answered = score(conflict, fix_persian_text, flags_a_fix, protected=is_protected)
    lines = [
        f"virastar's suite: {sum(len(cases) for cases in SUITE.values())} cases "
        f"({len(agree)} agree with the house style, {len(conflict)} conflict, "
        f"{len(SUITE['excluded'])} out of scope)",
        f"  agree set: check --fix exactly right {agreed.fixed_exactly + agreed.correct}"
        f"/{len(agree)} ({(agreed.fixed_exactly + agreed.correct) / len(agree):.1%}); "
        f"text damaged in {agreed.damage} places; check flags {agreed.flagged}/{agreed.faulty}",
        f"  conflict set: as the house style says {answered.fixed_exactly + answered.correct}"
        f"/{len(conflict)}; text damaged in {answered.damage} places",
    ]
    for sentence, fixed in [*agreed.misses, *agreed.damaged, *answered.misses, *answered.damaged]:
        lines.append(f"  not exact [{sentence.category}]: {shown(sentence.text)}")
        lines.append(f"      got      {shown(fixed)}")
        lines.append(f"      expected {shown(sentence.expected)}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    assert (agreed.fixed_exactly + agreed.correct) / len(agree) >= 0.95
    assert agreed.damage == 0 and agreed.correct_changed == 0
    assert answered.misses == [] and answered.damaged == []
    assert agreed.flag_rate == 1.0


ALL_CASES = [case for name in ("agree", "conflict") for case in SUITE[name]]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: f"case{case.case}")
def test_check_flags_exactly_what_fix_changes(case: SuiteCase) -> None:
    fixed = fix_persian_text(case.text)
    assert flags_a_fix(case.text) == (fixed != case.text)
    assert not flags_a_fix(fixed), "a fixed text is clean"
    assert fix_persian_text(fixed) == fixed


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: f"case{case.case}")
def test_the_right_answer_is_never_flagged(case: SuiteCase) -> None:
    assert not flags_a_fix(case.expected)
    assert fix_persian_text(case.expected) == case.expected

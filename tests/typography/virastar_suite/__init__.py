"""virastar's own test suite (MIT, brothersincode/virastar test/virastar.js), case by case.

Loaded by tests/typography/test_virastar_suite.py and benchmarks/lint_compare.py, so both count the
same cases the same way. cases.yaml says which cases the house style agrees with, which it
answers differently (and why), and which are out of scope (English only, non-default options).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

SUITE_FILE = Path(__file__).resolve().parent / "cases.yaml"


@dataclass(frozen=True)
class SuiteCase:
    """One assert of virastar's suite: what it cleans up, and what the house style expects."""

    case: int
    test: str
    text: str
    expected: str  # the house style's answer (virastar's own in the agree set)
    virastar: str  # what virastar's suite expects
    why: str = ""

    @property
    def faulty(self) -> bool:
        return self.text != self.expected


def load_suite(path: Path = SUITE_FILE) -> dict[str, list[SuiteCase]]:
    """The cases by set: "agree", "conflict" and "excluded"."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    suite: dict[str, list[SuiteCase]] = {}
    for name in ("agree", "conflict", "excluded"):
        suite[name] = [
            SuiteCase(
                case=item["case"],
                test=item["test"],
                text=item["text"],
                expected=item.get("expected", item.get("virastar")),
                virastar=item.get("virastar", item.get("expected")),
                why=item.get("why", ""),
            )
            for item in data.get(name, [])
        ]
    return suite

"""Compare `iombrochure check --fix` with virastar and hazm on the Persian lint corpus and suite.

    python benchmarks/lint_compare.py             # installs virastar from npm into a temp folder
    python benchmarks/lint_compare.py --details   # also every sentence a tool gets wrong
    python benchmarks/lint_compare.py --hazm-python /path/to/venv/bin/python  # hazm lives there

virastar (the established Persian fixer, run under node with its default options) is installed
on demand with `npm install virastar` into a temporary folder that is removed afterwards;
without node and npm its row says why it is missing. hazm's Normalizer (PyPI ``hazm``, default
options) runs in the Python given by ``--hazm-python`` (this one by default); without it its row
says why. Every tool sees the same sentences and is scored the same way
(tests/typography/lint_corpus/__init__.py), on two sets:

- the hand-written corpus of tests/typography/lint_corpus/;
- virastar's own test suite (tests/typography/virastar_suite/cases.yaml): the cases where the
  house style agrees with virastar, and the cases where it answers differently (the house's
  answer counts).

On each:

- fixed exactly: faulty sentences whose output is exactly the hand-corrected version;
- mistakes fixed: places where the typed text differs from the corrected one that the tool got
  exactly right;
- correct text damaged: changes the tool made where the corrected version keeps the typed text
  (in brackets, how many were in URLs, e-mails, {placeholders} or Latin text);
- correct sentences changed: sentences that were already right and came out different.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from iombrochure.typography import check_persian_text, fix_persian_text  # noqa: E402
from iombrochure.typography.shared import ProtectedSpans  # noqa: E402
from typography.lint_corpus import Score, Sentence, judge, load_corpus, score  # noqa: E402
from typography.virastar_suite import load_suite  # noqa: E402

NPM_TIMEOUT_SECONDS = 300
_VIRASTAR_RUNNER = """
const Virastar = require('virastar');
const virastar = new Virastar();
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  process.stdout.write(JSON.stringify(texts.map(text => virastar.cleanup(text))));
});
"""


_HAZM_RUNNER = """
import json, sys
from hazm import Normalizer
normalizer = Normalizer()
texts = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps([normalizer.normalize(text) for text in texts]))
"""


class ToolMissing(Exception):
    """A tool to compare with cannot be run here; the message says why."""


def is_protected(text: str, start: int, end: int) -> bool:
    return ProtectedSpans(text).overlaps(start, end)


def run_virastar(texts: list[str]) -> tuple[str, list[str]]:
    """(version, outputs): virastar's cleanup of each text, installed into a temporary folder."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise ToolMissing("needs node and npm (apt-get install nodejs npm)")
    with tempfile.TemporaryDirectory(prefix="lint-compare-") as folder:
        install = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "virastar"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
        )
        if install.returncode != 0:
            raise ToolMissing(f"npm install virastar failed: {install.stderr.strip()[:200]}")
        package = Path(folder) / "node_modules" / "virastar" / "package.json"
        version = json.loads(package.read_text(encoding="utf-8"))["version"]
        runner = Path(folder) / "run.js"
        runner.write_text(_VIRASTAR_RUNNER, encoding="utf-8")
        result = subprocess.run(
            [node, str(runner)],
            cwd=folder,
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=NPM_TIMEOUT_SECONDS,
            check=True,
        )
        return version, json.loads(result.stdout)


def run_hazm(texts: list[str], python: str) -> tuple[str, list[str]]:
    """(version, outputs): hazm's Normalizer on each text, run by ``python``."""
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('hazm'))"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        raise ToolMissing(f"hazm is not installed for {python} (pip install hazm)")
    result = subprocess.run(
        [python, "-c", _HAZM_RUNNER],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=NPM_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise ToolMissing(f"hazm failed: {result.stderr.strip()[-200:]}")
    return probe.stdout.strip(), json.loads(result.stdout)


def suite_row(
    tool: str, agree: list[Sentence], conflict: list[Sentence], outputs: list[str]
) -> str:
    """A row of the suite table: exactly right and damaged, on the agree and conflict sets."""
    agree_outputs, conflict_outputs = outputs[: len(agree)], outputs[len(agree) :]
    right = sum(s.expected == o for s, o in zip(agree, agree_outputs, strict=True))
    house = sum(s.expected == o for s, o in zip(conflict, conflict_outputs, strict=True))
    damage = [
        len(judge(s, o, is_protected).damage) for s, o in zip(agree, agree_outputs, strict=True)
    ]
    return (
        f"| {tool} | {right / len(agree):.0%} ({right}/{len(agree)}) "
        f"| {sum(damage)} in {sum(1 for d in damage if d)} cases | {house} / {len(conflict)} |"
    )


def table_row(tool: str, result: Score) -> str:
    return (
        f"| {tool} | {result.exact_rate:.0%} ({result.fixed_exactly}/{result.faulty}) "
        f"| {result.mistakes_fixed_rate:.0%} ({result.mistakes_fixed}/{result.mistakes}) "
        f"| {result.damage} ({result.protected_damage} in URLs, e-mails, placeholders, Latin) "
        f"| {result.correct_changed} / {result.correct} |"
    )


def details(tool: str, result: Score) -> list[str]:
    def shown(text: str) -> str:
        return text.replace("\u200c", "‹zwnj›")

    lines = [f"\n{tool}: sentences not exactly right"]
    pairs: list[tuple[Sentence, str]] = [*result.misses, *result.damaged]
    for sentence, output in pairs:
        lines.append(f"  [{sentence.category}] {shown(sentence.text)}")
        lines.append(f"      got      {shown(output)}")
        lines.append(f"      expected {shown(sentence.expected)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--details", action="store_true", help="list every sentence missed")
    parser.add_argument(
        "--hazm-python",
        default=sys.executable,
        help="a Python interpreter with hazm installed (default: this one)",
    )
    options = parser.parse_args(argv)

    corpus = load_corpus()
    suite = load_suite()
    agree = [Sentence(f"virastar#{c.case}", c.text, c.expected) for c in suite["agree"]]
    conflict = [Sentence(f"virastar#{c.case}", c.text, c.expected) for c in suite["conflict"]]
    suite_texts = [sentence.text for sentence in agree + conflict]
    texts = [sentence.text for sentence in corpus] + suite_texts

    others: dict[str, list[str] | str] = {}
    try:
        version, outputs = run_virastar(texts)
        others[f"virastar {version} (npm), defaults"] = outputs
    except ToolMissing as missing:
        others["virastar (npm)"] = f"not run: {missing}"
    try:
        version, outputs = run_hazm(texts, options.hazm_python)
        others[f"hazm {version} Normalizer, defaults"] = outputs
    except ToolMissing as missing:
        others["hazm (PyPI)"] = f"not run: {missing}"

    faulty = sum(sentence.faulty for sentence in corpus)
    print(
        f"Persian lint corpus: {len(corpus)} hand-corrected sentences "
        f"({faulty} with mistakes, {len(corpus) - faulty} correct that must not change)\n"
    )
    print(
        "| tool | fixed exactly | mistakes fixed | correct text damaged "
        "| correct sentences changed |"
    )
    print("|---|---|---|---|---|")
    ours = score(
        corpus,
        fix_persian_text,
        lambda text: bool(check_persian_text(text)),
        protected=is_protected,
    )
    print(table_row("iombrochure check --fix", ours))
    extra = details("iombrochure check --fix", ours) if options.details else []
    for tool, outputs in others.items():
        if isinstance(outputs, str):
            print(f"| {tool} | {outputs} | | | |")
            continue
        theirs = score(corpus, outputs=outputs[: len(corpus)], protected=is_protected)
        print(table_row(tool, theirs))
        if options.details:
            extra += details(tool, theirs)
    print(
        f"\n`check` flags {ours.flagged} of the {ours.faulty} faulty sentences "
        f"({ours.flag_rate:.0%}), with {ours.false_alarms} false alarms in the "
        f"{ours.correct} correct ones."
    )

    print(
        f"\nvirastar's own suite (test/virastar.js): {len(agree)} cases where the house style "
        f"agrees with virastar, {len(conflict)} where it answers differently "
        f"({len(suite['excluded'])} English-only or non-default cases left out)\n"
    )
    print("| tool | agree set exactly right | agree set damaged | conflict set as the house says |")
    print("|---|---|---|---|")
    print(
        suite_row(
            "iombrochure check --fix", agree, conflict, [fix_persian_text(t) for t in suite_texts]
        )
    )
    for tool, outputs in others.items():
        if isinstance(outputs, str):
            print(f"| {tool} | {outputs} | | |")
            continue
        print(suite_row(tool, agree, conflict, outputs[len(corpus) :]))
    for line in extra:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

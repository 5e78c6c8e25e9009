"""Compare `iombrochure check --fix` with virastar on the hand-written Persian lint corpus.

    python benchmarks/lint_compare.py             # installs virastar from npm into a temp folder
    python benchmarks/lint_compare.py --details   # also every sentence a tool gets wrong

virastar (the established Persian fixer, run under node with its default options) is installed
on demand with `npm install virastar` into a temporary folder that is removed afterwards;
without node and npm its row says why it is missing. Both tools see the same sentences, from
tests/quality/lint_corpus/, and are scored the same way (tests/quality/lint_corpus/__init__.py):

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

from iombrochure.quality.typography import check_persian_text, fix_persian_text  # noqa: E402
from iombrochure.quality.typography.shared import ProtectedSpans  # noqa: E402
from quality.lint_corpus import Score, Sentence, load_corpus, score  # noqa: E402

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
    options = parser.parse_args(argv)

    corpus = load_corpus()
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
    try:
        version, outputs = run_virastar([sentence.text for sentence in corpus])
    except ToolMissing as missing:
        print(f"| virastar (npm) | not run: {missing} | | | |")
    else:
        theirs = score(corpus, outputs=outputs, protected=is_protected)
        tool = f"virastar {version} (npm), defaults"
        print(table_row(tool, theirs))
        if options.details:
            extra += details(tool, theirs)
    print(
        f"\n`check` flags {ours.flagged} of the {ours.faulty} faulty sentences "
        f"({ours.flag_rate:.0%}), with {ours.false_alarms} false alarms in the "
        f"{ours.correct} correct ones."
    )
    for line in extra:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

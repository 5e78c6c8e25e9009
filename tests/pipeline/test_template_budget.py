"""The sandbox's budget: a template cannot fill the memory or loop for ever, and a template's
files are read only from inside the project.

Each way of asking for too much is one finding of ``check`` naming the template and its line,
the same line from ``build``, exit status 1, and nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import leaflet_project, run_cli, run_python
from iombrochure.pipeline.checks import run_checks
from iombrochure.pipeline.config import load_project

#: The line of templates/card.html the tests write their expression on.
LINE = 5

#: Each class of request the budget refuses, with what the finding says.
OVER_BUDGET = {
    "repeated text": ("{{ 'x' * 10**9 }}", "repeating it would make 1,000,000,000 bytes"),
    "repeated list": ("{{ [1] * 10**8 }}", "repeating it would make"),
    "center method": ("{{ 'x'.center(500000000) }}", "center() would make 500,000,001 bytes"),
    "center filter": ("{{ 'x' | center(500000000) }}", "the filter 'center' would make"),
    "ljust": ("{{ 'x'.ljust(500000000) }}", "ljust() would make"),
    "zfill": ("{{ '1'.zfill(500000000) }}", "zfill() would make"),
    "percent width": ("{{ '%500000000s' % 'x' }}", "a format width would make 500,000,000"),
    "percent star": ("{{ '%*s' % (500000000, 'x') }}", "a format width would make"),
    "format width": ("{{ '{:500000000}'.format('x') }}", "a format width would make"),
    "nested width": ("{{ '{:{}}'.format('x', 500000000) }}", "a format width would make"),
    "format filter": ("{{ '%500000000s' | format('x') }}", "a format width would make"),
    "join": (
        "{% set s = 'x' * 3000 %}{{ ([s] * 1000) | join(s) }}",
        "the filter 'join' would make",
    ),
    "join method": ("{{ ('x' * 3000).join([''] * 10000) }}", "join() would make"),
    "list doubling": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}"
        "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}",
        "joining them would make",
    ),
    "text doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
        "the text would make",
    ),
    "nested lists": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}"
        "{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ ns.l }}",
        "the text would make",
    ),
    "macro output": (
        "{% macro m() %}{% for i in range(10000) %}{{ s }}{% endfor %}{% endmacro %}"
        "{% set s = 'x' * 3000000 %}{{ m() }}",
        "the output would make",
    ),
    "power": ("{{ 2 ** 100000000 }}", "2 ** 100000000 would make 100,000,000 bits"),
    "squaring": (
        "{% set ns = namespace(n=3) %}{% for i in range(100) %}"
        "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}",
        "the product would make",
    ),
    "huge range": ("{% for i in range(10**20) %}{% endfor %}", "range() of more than 10,000"),
    "nested ranges": (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "more than 100,000 loop iterations in all",
    ),
}


def card_with(tmp_path: Path, expression: str) -> Path:
    """The leaflet project, its card template with ``expression`` on line LINE."""
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    lines = card.read_text(encoding="utf-8").splitlines()
    lines.insert(LINE - 1, expression)
    card.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def template_findings(root: Path) -> list:
    report = run_checks(load_project(root))
    return [f for f in report.errors if f.rule.startswith("template")]


@pytest.mark.parametrize("name", list(OVER_BUDGET))
def test_a_template_asking_for_too_much_is_one_finding_at_its_line(tmp_path: Path, name: str):
    expression, words = OVER_BUDGET[name]
    root = card_with(tmp_path, expression)
    (finding,) = {(f.format(root), f.rule) for f in template_findings(root)}
    assert finding[1] == "template-budget"
    assert finding[0].startswith(f"templates/card.html:{LINE}: not allowed in a template: ")
    assert words in finding[0]


def test_what_a_page_needs_is_well_within_the_budget(tmp_path: Path):
    expression = (
        "{% for i in range(5) %}{{ loop.index }}/{{ loop.length }}{{ 'ab'.center(6) }}"
        "{{ '{:>4}'.format(i) }}{{ '%03d' % i }}{% endfor %}{{ ['a', 'b'] | join(', ') }}"
        "{{ 'a' ~ 'b' }}{{ 2 ** 10 }}{{ ([1] * 3 + [2]) | sum }}"
    )
    root = card_with(tmp_path, expression)
    assert template_findings(root) == []
    result = run_cli("build", "--lang", "en", "--doc", "card", "--variant", "screen",
                     "--no-preview", "--emit-html", "--project", str(root))  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = (root / "dist" / "html" / "card-en.html").read_text(encoding="utf-8")
    assert "1/5  ab     0000" in html and "a, b" in html and "ab1024" in html and "6" in html


@pytest.mark.parametrize(
    ("files", "words"),
    [
        (
            {"card.html": "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}"},
            "templates/card.html:5: the template calls, includes or extends itself without end",
        ),
        (
            {
                "card.html": "{% include 'partial.html' %}",
                "partial.html": "{% include 'partial.html' %}",
            },
            "templates/partial.html:1: the template calls, includes or extends itself",
        ),
    ],
)
def test_recursion_is_one_finding_naming_the_template(tmp_path: Path, files, words):
    root = card_with(tmp_path, files["card.html"])
    for name, text in files.items():
        if name != "card.html":
            (root / "templates" / name).write_text(text, encoding="utf-8")
    findings = {(f.format(root), f.rule) for f in template_findings(root)}
    assert len(findings) == 1, findings
    ((line, rule),) = findings
    assert rule == "template-recursion" and line.startswith(words), line


def test_a_template_extending_itself_is_one_finding(tmp_path: Path):
    root = leaflet_project(tmp_path / "p")
    (root / "templates" / "card.html").write_text('{% extends "card.html" %}\n', encoding="utf-8")
    findings = {(f.format(root), f.rule) for f in template_findings(root)}
    assert len(findings) == 1, findings
    ((line, rule),) = findings
    assert rule == "template-recursion"
    assert line.startswith("templates/card.html:1: the template calls, includes or extends")


@pytest.mark.parametrize(
    "expression",
    [
        "{{ 'x'.center(500000000) }}",
        "{{ 2 ** 100000000 }}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    ],
)
def test_check_and_build_say_it_in_one_line_and_exit_1(tmp_path: Path, expression: str):
    root = card_with(tmp_path, expression)
    check = run_cli("check", "--format", "json", "--project", str(root))
    assert check.returncode == 1, check.stderr
    (finding,) = {
        (f["path"], f["line"], f["message"])
        for f in json.loads(check.stdout)["findings"]
        if f["rule"].startswith("template")
    }
    build = run_cli("build", "--doc", "card", "--no-preview", "--project", str(root))
    assert build.returncode == 1
    assert "Traceback" not in build.stderr and "internal error" not in build.stderr
    first = build.stderr.strip().splitlines()[0]
    assert first.startswith(f"error: {finding[0]}:{finding[1]}: {finding[2]}")
    assert not (root / "dist").exists() or not list((root / "dist").rglob("*.pdf"))


# ---- reading templates ----------------------------------------------------------------------


def test_a_partial_linked_out_of_the_project_is_refused_unopened(tmp_path: Path):
    root = card_with(tmp_path, "{% include 'partials/outside.html' %}")
    outside = tmp_path / "outside.html"
    outside.write_text("a secret\n", encoding="utf-8")
    (root / "templates" / "partials").mkdir()
    os.symlink(outside, root / "templates" / "partials" / "outside.html")
    # Every file the check opens, recorded by Python's audit hook in a fresh interpreter.
    code = f"""
import sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
from pathlib import Path
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.checks import run_checks
report = run_checks(load_project(Path({str(root)!r})))
print("\\n".join(f.format(Path({str(root)!r})) for f in report.errors))
print("CARD", any(path.endswith("card.html") for path in opened))
print("OPENED", {str(outside)!r} in opened)
"""
    output = run_python(code).splitlines()
    assert output[-2:] == ["CARD True", "OPENED False"]  # the hook sees what is opened
    assert any(
        line.startswith(
            "templates/partials/outside.html: template templates/partials/"
            "outside.html is a link to a file outside the project folder"
        )
        for line in output
    ), output


def test_a_filling_past_its_time_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each loop iteration and call is bounded in size, so time is checked between them: with a
    clock that moves a second at each look, a loop of 100 iterations runs out of its 30 s."""
    from types import SimpleNamespace

    from iombrochure.pipeline import templating

    seconds = iter(range(10**6))
    monkeypatch.setattr(templating, "time", SimpleNamespace(monotonic=lambda: next(seconds)))
    root = card_with(tmp_path, "{% for i in range(100) %}{{ i }}{% endfor %}")
    (finding,) = {(f.format(root), f.rule) for f in template_findings(root)}
    assert finding == (
        f"templates/card.html:{LINE}: not allowed in a template: filling the template took more "
        "than 30 s (a template lays out a few pages: keep its loops, repetitions and widths "
        "small (see docs/templates.md, budgets))",
        "template-budget",
    )

"""Shared fixtures: the bundled project built once per session, and scratch projects.

Scratch projects are copies of the bundled project (or of a fixture under tests/fixtures/)
written into tmp_path, so a test can break one file and see what the tool says about it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Build arguments for one edition only (English fact sheet, screen, no previews): the quickest
#: real build, for tests about what happens around a build rather than its pages.
ONE_EDITION = ("--lang", "en", "--doc", "factsheet", "--variant", "screen", "--no-preview")
PROJECT_PARTS = ("iombrochure.toml", "content", "templates", "styles", "fonts", "locales", "images")


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project's inputs (not its outputs) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        path = source / part
        if path.is_dir():
            shutil.copytree(path, target / part)
        elif path.is_file():
            shutil.copy2(path, target / part)
    return target


#: What ``iombrochure new`` copies into a new project.
STARTER = REPO / "src" / "iombrochure" / "starter"


def leaflet_project(target: Path) -> Path:
    """The leaflet a new user makes: ``iombrochure new``'s starter kit, then the user's own
    files over it (tests/fixtures/leaflet holds only what the user changed or added)."""
    shutil.copytree(STARTER, target, ignore=shutil.ignore_patterns("gitignore"))
    shutil.copytree(FIXTURES / "leaflet", target, dirs_exist_ok=True)
    return target


@pytest.fixture
def scratch_project(tmp_path: Path) -> Path:
    """A private copy of the bundled project to edit and build."""
    return copy_project(REPO, tmp_path / "project")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m iombrochure`` in a fresh process, as a user would.

    The package is this checkout's, whatever ``cwd`` is (a relative PYTHONPATH would not be).
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *_python_path()])}
    return subprocess.run(
        [sys.executable, "-m", "iombrochure", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def environment_with_tmpdir(tmpdir: Path) -> dict[str, str]:
    """For a child process: this checkout's package, and its temporary files in ``tmpdir``."""
    return {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }


def run_python(code: str, *, first_on_path: tuple[str, ...] = (), cwd: Path | None = None) -> str:
    """What ``code`` prints in a fresh interpreter with this checkout's package (and, before it,
    ``first_on_path``); the run must succeed."""
    path = [*first_on_path, str(REPO / "src"), *_python_path()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def modules_loaded_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(repr([m for m in {modules!r} if m in sys.modules]))\n"
    import ast

    return ast.literal_eval(run_python(probe).strip().splitlines()[-1])


def _python_path() -> list[str]:
    return [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project, copied and built once (every document, every language)."""
    root = copy_project(REPO, tmp_path_factory.mktemp("built") / "project")
    result = run_cli("build", "--emit-html", "--project", str(root))
    assert result.returncode == 0, result.stderr
    return root


BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def pdf_text(path: Path, *, raw: bool = False) -> str:
    """The text layer as poppler's pdftotext gives it to a reader or indexer.

    The default mode puts right-to-left lines in logical order; ``raw`` keeps the order in which
    the text was written, which keeps side-by-side boxes (cards, columns) apart in English.
    """
    mode = ["-raw"] if raw else []
    result = subprocess.run(
        ["pdftotext", *mode, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.translate(BIDI_CONTROLS)


PUBLICATION_NOTE = (
    "tests/publication/ checks the office's publication (content/), not the engine: if the "
    "content changed on purpose, update the expected facts in this test."
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failure in tests/publication/ says it is about the office's content, not the engine."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "publication" in Path(str(item.fspath)).parent.parts[-1:]:
        report.sections.append(("what this test is about", PUBLICATION_NOTE))

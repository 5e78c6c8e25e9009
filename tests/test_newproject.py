"""``iombrochure new``: a project that builds at once with --strict and is clean under check."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from iombrochure.errors import ConfigError
from iombrochure.newproject import create_project, parse_languages
from iombrochure.pipeline.checks import run_checks
from iombrochure.pipeline.config import load_project


def test_a_new_project_builds_strictly_in_english_persian_and_pashto(tmp_path: Path):
    result = run_cli("new", str(tmp_path / "leaflet"), "--languages", "en,fa,ps")
    assert result.returncode == 0, result.stderr
    root = tmp_path / "leaflet"
    assert "made a project in" in result.stdout
    for part in (
        "iombrochure.toml",
        "babel.cfg",
        ".gitignore",
        "content/fields.yaml",
        "locales/messages.pot",
        "locales/ps/LC_MESSAGES/messages.po",
        "fonts/noto-naskh-arabic/OFL.txt",
        "templates/base.html",
    ):
        assert (root / part).is_file(), part
    check = run_cli("check", "--strict", "--project", str(root))
    assert check.returncode == 0, check.stdout
    assert "0 errors, 0 warnings" in check.stdout
    assert "ps: 9/9 fields translated, catalog 5/5, 0 stale" in check.stdout
    build = run_cli(
        "build", "--strict", "-j", "1", "--no-preview", "--emit-html", "--project", str(root)
    )
    assert build.returncode == 0, build.stderr
    made = sorted(p.relative_to(root / "dist").as_posix() for p in root.glob("dist/**/*.pdf"))
    assert made == sorted(
        [f"leaflet-{c}.pdf" for c in ("en", "fa", "ps")]
        + [f"print/leaflet-{c}.pdf" for c in ("en", "fa", "ps")]
    )
    html = (root / "dist" / "html" / "leaflet-en.html").read_text(encoding="utf-8")
    assert "<strong>bold</strong>" in html and "**" not in html


def test_the_source_language_is_the_first_and_may_be_persian(tmp_path: Path):
    root = create_project(tmp_path / "fa-first", ["fa", "en"], today=dt.date(2026, 11, 28))
    project = load_project(root, search_parents=False)
    assert project.source_language == "fa"
    assert project.publication.edition_date == dt.date(2026, 11, 28)
    report = run_checks(project)
    assert [f.format() for f in report.findings] == []
    assert report.summary["en"].catalog_translated == report.summary["en"].catalog_total == 5


def test_new_never_writes_over_a_folder_with_files(tmp_path: Path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = run_cli("new", str(tmp_path / "taken"))
    assert result.returncode == 1
    assert "already exists and is not empty" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]


def test_languages_without_starter_text_are_named():
    assert parse_languages(None) == ["en", "fa"]
    assert parse_languages(" en, ps ,en") == ["en", "ps"]
    assert parse_languages("en,prs,ps") == ["en", "prs", "ps"]
    with pytest.raises(ConfigError, match=r"en, fa, prs, ps \(English, Persian, Dari, Pashto\)"):
        parse_languages("en,ar")


def test_a_new_project_in_english_dari_and_pashto_builds_with_their_rules_on(tmp_path: Path):
    """The issue's first try: new refused prs, and Pashto got no typography rules."""
    root = tmp_path / "returnees"
    result = run_cli("new", str(root), "--languages", "en,prs,ps")
    assert result.returncode == 0, result.stderr
    project = load_project(root, search_parents=False)
    dari, pashto = project.languages["prs"], project.languages["ps"]
    assert (dari.typography, dari.calendar, dari.digits) == ("dari", "solar-hijri", "persian")
    assert (pashto.typography, pashto.calendar, pashto.digits) == ("pashto", "solar-hijri", "persian")
    config = (root / "iombrochure.toml").read_text(encoding="utf-8")
    assert "[languages.prs]  # Dari, دری" in config and 'typography = "pashto"' in config
    catalog = (root / "locales" / "prs" / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    assert '"Language: prs\\n"' in catalog
    check = run_cli("check", "--strict", "--project", str(root))
    assert check.returncode == 0 and "0 errors, 0 warnings" in check.stdout, check.stdout
    build = run_cli("build", "--strict", "--variant", "screen", "--no-preview", "--project", str(root))
    assert build.returncode == 0, build.stderr
    from conftest import pdf_text

    dari_text = " ".join(pdf_text(root / "dist" / "leaflet-prs.pdf").split())
    # The starter's deadline, 20 January 2027, in Afghan months and Persian digits.
    assert "عنوان ورق معلوماتی شما" in dari_text and "جدی" in dari_text and "۱۴۰۵" in dari_text
    assert "طرز کار" in dari_text  # the catalog's Dari, not Iranian «چگونه کار می‌کند»


def test_a_pashto_title_with_latin_digits_and_question_mark_fails_check(tmp_path: Path):
    """`2026?` in a Pashto title passed check and build --strict and printed «?2026»."""
    root = create_project(tmp_path / "ps", ["en", "ps"], today=dt.date(2026, 12, 5))
    content = root / "content" / "ps" / "leaflet.yaml"
    text = content.read_text(encoding="utf-8")
    content.write_text(
        text.replace("title: ستاسو د پاڼې سرلیک", "title: ستاسو د پاڼې سرلیک 2026?"),
        encoding="utf-8",
    )
    check = run_cli("check", "--strict", "--project", str(root))
    assert check.returncode == 1
    assert 'content/ps/leaflet.yaml:1: error: title: Latin digits "2026" in Pashto text' in (
        check.stdout
    )
    assert 'Latin question mark "?" next to Pashto text' in check.stdout
    build = run_cli("build", "--strict", "--no-preview", "--project", str(root))
    assert build.returncode == 1


def test_nothing_is_left_behind_when_new_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import iombrochure.newproject as newproject

    def broken(*args, **kwargs):
        raise ConfigError("simulated failure")

    monkeypatch.setattr(newproject, "_record_fingerprints", broken)
    with pytest.raises(ConfigError):
        create_project(tmp_path / "leaflet", ["en", "fa"])
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_new_works_with_relative_folders_from_any_current_folder(tmp_path: Path):
    """The README's own example: a relative folder, then cd into it and build --strict."""
    for folder in ("my-leaflet", "./x1", "sub/x2"):
        made = run_cli("new", folder, "--languages", "en,fa,ps", cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        assert f"next: cd {Path(folder)} && iombrochure build" in made.stdout
        check = run_cli("check", "--strict", cwd=tmp_path / folder)
        assert check.returncode == 0, check.stdout
        assert "0 errors, 0 warnings" in check.stdout
    # Nothing but the projects: no staging folder beside them.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-leaflet", "sub", "x1"]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["x2"]
    root = tmp_path / "my-leaflet"
    build = run_cli("build", "--strict", "-j", "1", "--no-preview", cwd=root)
    assert build.returncode == 0, build.stderr
    made_pdfs = sorted(p.relative_to(root / "dist").as_posix() for p in root.glob("dist/**/*.pdf"))
    assert made_pdfs == sorted(
        [f"leaflet-{c}.pdf" for c in ("en", "fa", "ps")]
        + [f"print/leaflet-{c}.pdf" for c in ("en", "fa", "ps")]
    )


UNWRITABLE = Path("/sys")  # not even root may make a folder there


@pytest.mark.parametrize(
    ("folder", "options", "message"),
    [
        ("taken", (), "taken: already exists and is not empty"),
        ("a-file", (), "a-file: is a file: new makes a new folder"),
        ("a-file/sub/leaflet", (), "a part of this path is a file, not a folder"),
        ("sub/leaflet", ("--languages", "en,ar"), "not ar"),
        (str(UNWRITABLE / "my-leaflet"), (), "cannot write here"),
    ],
    ids=["not-empty", "a-file", "inside-a-file", "bad-languages", "unwritable-parent"],
)
def test_a_refused_new_says_why_in_one_line_and_leaves_nothing(
    tmp_path: Path, folder: str, options: tuple[str, ...], message: str
):
    if folder.startswith(str(UNWRITABLE)) and not UNWRITABLE.is_dir():
        pytest.skip(f"{UNWRITABLE} is a Linux folder")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    (tmp_path / "a-file").write_text("not a folder")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_cli("new", folder, *options, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_an_interrupted_new_removes_the_folders_it_made(tmp_path: Path):
    """Ctrl-C while the project is written: the staging folder and the parents new made go."""
    interrupt_while_writing = (
        "import os, signal, sys\n"
        "import iombrochure.newproject as newproject\n"
        "newproject._record_fingerprints = lambda *a: os.kill(os.getpid(), signal.SIGINT)\n"
        "from iombrochure.cli import main\n"
        "sys.argv = ['iombrochure', 'new', 'sub/deeper/my-leaflet']\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, "-c", interrupt_while_writing],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.startswith("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_new_fills_an_empty_folder(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    root = create_project(tmp_path / "empty", ["en"])
    assert root == tmp_path / "empty"
    assert (root / "iombrochure.toml").is_file() and (root / "content" / "en").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_new_never_writes_over_files_that_appear_while_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Another program (or person) puts a file into the empty folder while new is writing."""
    import iombrochure.newproject as newproject

    (tmp_path / "leaflet").mkdir()
    record = newproject._record_fingerprints

    def someone_writes_meanwhile(root: Path, languages: list[str]) -> None:
        record(root, languages)
        (tmp_path / "leaflet" / "notes.txt").write_text("mine")

    monkeypatch.setattr(newproject, "_record_fingerprints", someone_writes_meanwhile)
    with pytest.raises(ConfigError, match="files appeared in this folder while new was writing"):
        create_project(tmp_path / "leaflet", ["en", "fa"])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "leaflet",
        "leaflet/notes.txt",
    ]

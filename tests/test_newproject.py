"""``iombrochure new``: a project that builds at once with --strict and is clean under check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import run_cli
from iombrochure.errors import ConfigError
from iombrochure.newproject import create_project, parse_languages
from iombrochure.pipeline.config import load_project
from iombrochure.quality.checks import run_checks


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
    with pytest.raises(ConfigError, match="not ar"):
        parse_languages("en,ar")


def test_nothing_is_left_behind_when_new_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import iombrochure.newproject as newproject

    def broken(*args, **kwargs):
        raise ConfigError("simulated failure")

    monkeypatch.setattr(newproject, "_record_fingerprints", broken)
    with pytest.raises(ConfigError):
        create_project(tmp_path / "leaflet", ["en", "fa"])
    assert sorted(p.name for p in tmp_path.iterdir()) == []

"""Incremental builds: after each kind of change, exactly the affected outputs are rebuilt.

The project is built once per module; each test works on a copy of that built project (PDFs,
manifest and state included, mtimes preserved) and changes one thing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_project, modules_loaded_by, run_cli
from iombrochure.pipeline import state as incremental
from iombrochure.pipeline.state import (
    STATE_NAME,
    file_digest,
    html_references,
    tree_files,
    with_css_dependencies,
)

OUTPUTS = {"en": "factsheet-en.pdf", "fa": "factsheet-fa.pdf"}
#: These tests follow the fact sheet's screen editions; the rules are the same for every output.
SCOPE = ("--doc", "factsheet", "--variant", "screen", "--no-preview")


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(REPO, tmp_path_factory.mktemp("incremental") / "project")
    result = run_cli("build", *SCOPE, "--jobs", "1", "--project", str(root))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(built_once: Path, tmp_path: Path) -> Path:
    """A private copy of the built project: outputs, manifest and state as the build left them."""
    target = tmp_path / "project"
    shutil.copytree(built_once, target)  # copy2 keeps mtimes to the nanosecond
    return target


def pdf_mtimes(root: Path) -> dict[str, int]:
    return {lang: (root / "dist" / name).stat().st_mtime_ns for lang, name in OUTPUTS.items()}


def build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli("build", *SCOPE, "--project", str(root), *args)
    assert result.returncode == 0, result.stderr
    return result


def rebuilt(before: dict[str, int], root: Path) -> set[str]:
    after = pdf_mtimes(root)
    return {lang for lang in OUTPUTS if after[lang] != before[lang]}


def assert_manifest_complete(root: Path) -> None:
    """Every edition listed once, and every entry describes the file that is there now."""
    dist = root / "dist"
    manifest = json.loads((dist / "manifest.json").read_text())["outputs"]
    assert sorted((o["document"], o["lang"], o["variant"]) for o in manifest) == [
        ("factsheet", "en", "screen"),
        ("factsheet", "fa", "screen"),
    ]
    for entry in manifest:
        data = (dist / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def pdf_text(path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_nothing_changed_rebuilds_nothing_and_never_imports_weasyprint(project: Path):
    before = pdf_mtimes(project)
    manifest_before = (project / "dist" / "manifest.json").stat().st_mtime_ns
    code = (
        "import sys\n"
        "from iombrochure.cli import main\n"
        "try:\n"
        "    main(['build', *sys.argv[2:], '--project', sys.argv[1]])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "loaded = [m for m in ('weasyprint', 'jinja2', 'fontTools') if m in sys.modules]\n"
        "print('loaded:', ','.join(loaded) or 'none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(project), *SCOPE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "built 0 PDF(s), 2 up to date" in result.stdout
    assert "loaded: none" in result.stdout
    assert rebuilt(before, project) == set()
    assert (project / "dist" / "manifest.json").stat().st_mtime_ns == manifest_before
    assert_manifest_complete(project)


def test_persian_content_edit_rebuilds_the_persian_edition_only(project: Path):
    before = pdf_mtimes(project)
    path = project / "content" / "fa" / "factsheet.yaml"
    path.write_text(path.read_text().replace("lede: >-\n  ", "lede: >-\n  پژوهشگران ", 1))
    result = build(project)
    assert rebuilt(before, project) == {"fa"}
    assert "factsheet-fa.pdf" in result.stdout and "factsheet-en.pdf" not in result.stdout
    assert "1 up to date" in result.stdout
    assert "پژوهشگران" in pdf_text(project / "dist" / "factsheet-fa.pdf")
    assert_manifest_complete(project)


def test_shared_stylesheet_edit_rebuilds_every_edition(project: Path):
    before = pdf_mtimes(project)
    path = project / "styles" / "base.css"
    path.write_text(path.read_text() + "\nh2 { letter-spacing: 0.01em; }\n")
    build(project)
    assert rebuilt(before, project) == {"en", "fa"}
    assert_manifest_complete(project)


def test_persian_catalog_edit_rebuilds_the_persian_edition_only(project: Path):
    before = pdf_mtimes(project)
    path = project / "locales" / "fa" / "LC_MESSAGES" / "messages.po"
    text = path.read_text()
    assert 'msgstr "تماس با ما"' in text
    path.write_text(text.replace('msgstr "تماس با ما"', 'msgstr "ارتباط با ما"'))
    build(project)
    assert rebuilt(before, project) == {"fa"}
    assert "ارتباط با ما" in pdf_text(project / "dist" / "factsheet-fa.pdf")
    assert_manifest_complete(project)


def test_force_rebuilds_everything(project: Path):
    before = pdf_mtimes(project)
    result = build(project, "--force")
    assert rebuilt(before, project) == {"en", "fa"}
    assert "built 2 PDF(s) in" in result.stdout
    assert_manifest_complete(project)


def test_a_deleted_pdf_is_rebuilt_alone(project: Path):
    before = pdf_mtimes(project)
    (project / "dist" / "factsheet-en.pdf").unlink()
    build(project)
    assert (project / "dist" / "factsheet-en.pdf").is_file()
    after = pdf_mtimes(project)
    assert after["fa"] == before["fa"]
    assert_manifest_complete(project)


def test_an_edited_pdf_is_replaced(project: Path):
    pdf = project / "dist" / "factsheet-fa.pdf"
    good = pdf.read_bytes()
    pdf.write_bytes(good[:-10] + b"0123456789")  # same size, different bytes
    build(project)
    assert pdf.read_bytes() == good  # the build is reproducible, so the same bytes come back
    assert_manifest_complete(project)


def test_a_lost_manifest_is_written_again_without_rebuilding(project: Path):
    before = pdf_mtimes(project)
    (project / "dist" / "manifest.json").unlink()
    build(project)
    assert rebuilt(before, project) == set()
    assert_manifest_complete(project)


def test_a_corrupt_state_file_means_a_full_rebuild(project: Path):
    before = pdf_mtimes(project)
    (project / "dist" / STATE_NAME).write_text("{not json")
    build(project)
    assert rebuilt(before, project) == {"en", "fa"}
    json.loads((project / "dist" / STATE_NAME).read_text())
    assert_manifest_complete(project)


def test_content_errors_are_reported_even_with_nothing_to_rebuild(project: Path):
    # The English fact sheet is not an input of the Persian edition, but it is the source
    # every translation is checked against: a build of fa alone still validates it.
    path = project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("subject:", "subjet:", 1))
    before = pdf_mtimes(project)
    result = run_cli("build", *SCOPE, "--lang", "fa", "--project", str(project))
    assert result.returncode == 1
    assert "content/en/factsheet.yaml" in result.stderr and "subjet" in result.stderr
    assert rebuilt(before, project) == set()


def test_emit_html_writes_missing_html_and_then_is_a_no_op(project: Path):
    build(project, "--emit-html")
    html = project / "dist" / "html" / "factsheet-fa.html"
    assert 'dir="rtl"' in html.read_text()
    before = pdf_mtimes(project)
    html_mtime = html.stat().st_mtime_ns
    result = build(project, "--emit-html")
    assert "built 0 PDF(s), 2 up to date" in result.stdout
    assert rebuilt(before, project) == set() and html.stat().st_mtime_ns == html_mtime


def test_warnings_are_repeated_and_strict_still_fails_when_up_to_date(project: Path):
    path = project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("lede: >-\n  ", "lede: >-\n  \u4e2d ", 1))
    first = build(project)
    assert "U+4E2D" in first.stderr
    second = build(project)
    assert "built 0 PDF(s), 2 up to date" in second.stdout
    assert "U+4E2D" in second.stderr
    strict = run_cli("build", *SCOPE, "--strict", "--project", str(project))
    assert strict.returncode == 1 and "--strict" in strict.stderr


# --------------------------------------------------------------------------------------------
# The pieces


def test_html_references_follow_the_base_href(tmp_path: Path):
    root = tmp_path
    (root / "styles").mkdir()
    (root / "images").mkdir()
    (root / "styles" / "a.css").write_text(
        '@import url("b.css");\nbody { background: url(../images/x.png) }'
    )
    (root / "styles" / "b.css").write_text("/* url(not-this.png) */ @import 'c.css';")
    (root / "styles" / "c.css").write_text("")
    (root / "images" / "x.png").write_bytes(b"png")
    (root / "images" / "y.svg").write_text("<svg/>")
    html = (
        '<base href="../../">\n<link rel="stylesheet" href="styles/a.css">\n'
        '<img src="images/y.svg"> <img src="https://example.org/z.png"> <img src="data:,x">\n'
        "<style>p { background: url('images/x.png') }</style>"
    )
    linked = html_references(html, root / "dist" / "html" / "doc.html", root)
    assert linked == [
        root / "styles" / "a.css",
        root / "images" / "y.svg",
        root / "images" / "x.png",
    ]
    everything = with_css_dependencies(linked, root)
    assert root / "styles" / "b.css" in everything and root / "styles" / "c.css" in everything
    assert root / "styles" / "not-this.png" not in everything


def test_editor_leftovers_shape_nothing(tmp_path: Path):
    for name in ("base.html", ".base.html.swp", "base.html~", "#base.html#", ".hidden/x.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.name for p in tree_files(tmp_path)] == ["base.html"]


def test_a_file_rewritten_within_the_same_tick_is_hashed_again(tmp_path: Path):
    path = tmp_path / "a.yaml"
    path.write_text("one")
    first = file_digest(path)
    stat = path.stat()
    path.write_text("two")  # same size; force the same mtime, as a coarse clock would
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_digest(path) != first
    assert str(path) not in incremental._DIGESTS  # a fresh file is never trusted by its stat


def test_help_imports_nothing_heavy():
    heavy = ("weasyprint", "babel", "jinja2", "ruamel", "fontTools", "watchfiles")
    code = (
        "from iombrochure.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert modules_loaded_by(code, heavy) == []

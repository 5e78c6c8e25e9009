"""The command line: one clear line per mistake, no traceback, fast --help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import run_cli
from iombrochure import __version__


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_does_not_import_weasyprint():
    code = (
        "import sys; from click.testing import CliRunner; from iombrochure.cli import main;"
        "r = CliRunner().invoke(main, ['build', '--help']); assert r.exit_code == 0, r.output;"
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_outside_a_project_one_line(tmp_path: Path):
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no iombrochure.toml" in lines[0] and "--project" in lines[0]


def test_unknown_language_and_document(scratch_project: Path):
    result = run_cli("build", "--lang", "de", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "unknown language 'de'" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("build", "--doc", "leaflet", "--project", str(scratch_project))
    assert result.returncode == 1 and "unknown document 'leaflet'" in result.stderr


def test_content_error_is_one_line_with_file_and_line(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "iom.yaml"
    lines = path.read_text().splitlines()
    lines[3] = lines[3] + " : : ["
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("build", "--project", str(scratch_project))
    assert result.returncode == 1
    err = result.stderr.strip().splitlines()
    assert len(err) == 1, result.stderr
    assert "content/fa/iom.yaml:" in err[0]
    assert "Traceback" not in result.stderr


def test_template_error_names_the_template(scratch_project: Path):
    path = scratch_project / "templates" / "factsheet.html"
    path.write_text(path.read_text().replace("{{ doc.lede }}", "{{ doc.lead }}"))
    result = run_cli("build", "--lang", "en", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "templates/factsheet.html:" in result.stderr
    assert "lead" in result.stderr
    assert "Traceback" not in result.stderr


def test_verbose_shows_the_traceback(scratch_project: Path):
    result = run_cli("build", "--lang", "de", "-v", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_a_project_that_is_a_file_is_one_line_and_exit_1(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("not a project\n")
    result = run_cli("check", "--project", "notes.txt", cwd=tmp_path)
    assert result.returncode == 1
    said = result.stdout + result.stderr  # check lists its findings on stdout
    assert said.strip().splitlines()[0].startswith("notes.txt: error: is a file"), said
    assert "Usage:" not in said and "Traceback" not in said


def test_an_output_folder_that_is_a_file_is_one_line_and_exit_1(scratch_project: Path):
    (scratch_project / "taken").write_text("")
    result = run_cli("build", "--out", "taken", "--no-preview", cwd=scratch_project)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is a file, not a folder" in lines[0], result.stderr


def test_a_relative_project_folder_is_read_from_any_current_folder(tmp_path: Path):
    """``load_project`` keeps the folder absolute: paths joined to it do not depend on cwd."""
    from iombrochure.pipeline.config import load_project

    run_cli("new", "leaflet", cwd=tmp_path)
    previous = Path.cwd()
    try:
        os.chdir(tmp_path)
        project = load_project(Path("leaflet"), search_parents=False)
    finally:
        os.chdir(previous)
    assert project.root == tmp_path / "leaflet"
    assert project.root.is_absolute()

"""`iombrochure doctor`: one line per item, read from the machine at hand, always exit 0."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import weasyprint

from conftest import FIXTURES, REPO
from iombrochure.pipeline.render import hb_subset_available
from iombrochure.pipeline.workers import available_cores


def report(*args: str, cwd: Path | None = None) -> dict[str, str]:
    # This checkout's code even when run from elsewhere (a relative PYTHONPATH would not be).
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "iombrochure", "doctor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    items = dict(line.split(": ", 1) for line in lines)
    assert len(items) == len(lines)  # one line per item, no item twice
    return items


def test_doctor_reports_the_rendering_stack_fonts_and_cores(scratch_project: Path):
    items = report("--project", str(scratch_project))
    assert items["weasyprint"] == weasyprint.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", items["pango"])
    assert re.fullmatch(r"\d+\.\d+\.\d+|unknown", items["harfbuzz"])
    if hb_subset_available():
        assert items["hb-subset"].startswith("in use")
    else:
        assert "apt-get install libharfbuzz-subset0" in items["hb-subset"]
    assert "Source Sans 3 (6 files)" in items["fonts"] and "Vazirmatn (5 files)" in items["fonts"]
    assert items["cores"].startswith(f"{available_cores()} usable")
    # Every document in every language, screen and print: nothing built yet.
    assert items["outputs"].startswith("0 of 8 up to date")
    assert "factsheet (fa, screen)" in items["outputs"]
    assert list(items)[-1] == "fast path"


def test_doctor_sees_an_up_to_date_build(built_project: Path):
    assert report("--project", str(built_project))["outputs"].startswith("8 of 8 up to date")


def test_doctor_outside_a_project_still_reports(tmp_path: Path):
    items = report(cwd=tmp_path)
    assert items["project"].startswith("none here")
    assert "weasyprint" in items and "cores" in items and "fonts" not in items


def test_a_project_whose_config_cannot_be_read_is_not_a_fast_path(tmp_path: Path):
    """A folder with only iombrochure.toml and content/ (no templates, styles, fonts)."""
    shutil.copy2(FIXTURES / "leaflet" / "iombrochure.toml", tmp_path / "iombrochure.toml")
    shutil.copytree(FIXTURES / "leaflet" / "content", tmp_path / "content")
    items = report("--project", str(tmp_path))
    assert items["project"].startswith("cannot be read:")
    assert "iombrochure new DIR" in items["project"]
    assert items["fast path"] == "to do: project"

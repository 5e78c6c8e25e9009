"""Config stage: the project file is found, read and validated, with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from iombrochure.errors import ConfigError
from iombrochure.pipeline.config import load_project


def test_bundled_project_loads(scratch_project: Path):
    project = load_project(scratch_project)
    assert project.source_language == "en"
    assert list(project.languages) == ["en", "fa"]
    assert project.languages["fa"].calendar == "solar-hijri"
    assert "factsheet" in project.documents


def test_project_is_found_from_a_subfolder(scratch_project: Path):
    assert load_project(scratch_project / "content" / "fa").root == scratch_project.resolve()


def test_outside_a_project_says_so(tmp_path: Path):
    with pytest.raises(ConfigError, match="no iombrochure.toml"):
        load_project(tmp_path)


def test_invalid_toml_names_the_line(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_text(config.read_text() + "\n[broken\n")
    with pytest.raises(ConfigError) as caught:
        load_project(scratch_project)
    assert caught.value.line is not None
    assert caught.value.path.name == "iombrochure.toml"


def test_unknown_keys_get_a_suggestion(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_text(
        config.read_text().replace('calendar = "solar-hijri"', 'calender = "solar-hijri"')
    )
    with pytest.raises(ConfigError, match="did you mean 'calendar'"):
        load_project(scratch_project)


def test_unknown_language_code(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_text(config.read_text() + '\n[languages.xx-nope]\ncalendar = "gregorian"\n')
    with pytest.raises(ConfigError, match="not a language code"):
        load_project(scratch_project)

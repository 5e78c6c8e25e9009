"""Content stage: YAML is read safely, validated against its schema, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from iombrochure.errors import ContentError
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.content import ContentErrors, load_content, read_yaml


def test_bundled_content_is_valid(scratch_project: Path):
    content = load_content(load_project(scratch_project))
    assert set(content.files) == {"en", "fa"}
    assert content.data.data["figures"]["people_returned"] == 370000


def test_bad_yaml_names_file_and_line(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    path.write_text(path.read_text() + "\nkey_figures: [unclosed\n")
    with pytest.raises(ContentError) as caught:
        load_content(load_project(scratch_project))
    assert caught.value.path == path
    assert caught.value.line is not None


def test_misspelt_field_is_reported_with_a_suggestion(scratch_project: Path):
    path = scratch_project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("lede:", "leed:"))
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    messages = [error.message for error in caught.value.errors]
    assert any("unknown field 'leed'" in m and "did you mean 'lede'" in m for m in messages)
    assert any("missing field 'lede'" in m for m in messages)


def test_missing_translation_is_reported(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    text = path.read_text()
    start = text.index("subject:")
    end = text.index("keywords:")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    assert any(e.path == path and "subject" in e.message for e in caught.value.errors)


def test_unknown_placeholder_names_the_line(scratch_project: Path):
    path = scratch_project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("{figures.member_states}", "{figures.members}"))
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    error = caught.value.errors[0]
    assert "figures.members" in error.message and "did you mean" in error.message
    assert error.line == next(
        number
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{figures.members}" in line
    )


def test_aliases_are_refused_before_expansion(tmp_path: Path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text('a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n')
    with pytest.raises(ContentError, match="anchors and aliases"):
        read_yaml(bomb)


def test_tags_are_refused(tmp_path: Path):
    path = tmp_path / "tag.yaml"
    path.write_text("title: !!python/object:os.system 'echo hi'\n")
    with pytest.raises(ContentError, match="tags"):
        read_yaml(path)


def test_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError, match="UTF-8"):
        read_yaml(path)

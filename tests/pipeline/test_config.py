"""Config stage: the project file is found, read and validated, with clear messages."""

from __future__ import annotations

import datetime as dt
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


def _add_to_config(project: Path, text: str) -> None:
    path = project / "iombrochure.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_languages_carry_their_month_names_and_the_config_can_override_them(
    scratch_project: Path,
):
    _add_to_config(
        scratch_project,
        '\n[languages.ps]\ncalendar = "solar-hijri"\ndigits = "persian"\n'
        '\n[languages.fa_AF]\ncalendar = "solar-hijri"\nmonths = "iranian"\n',
    )
    project = load_project(scratch_project)
    assert project.languages["fa"].month_names[8] == "آذر"
    assert project.languages["ps"].month_names[8] == "قوس"
    assert project.languages["fa_AF"].month_names[8] == "آذر"  # overridden by name


def test_month_names_must_be_a_known_set_or_twelve_names(scratch_project: Path):
    _add_to_config(scratch_project, '\n[languages.ps]\nmonths = ["حمل", "ثور"]\n')
    with pytest.raises(ConfigError, match=r"\[languages.ps\] months must be"):
        load_project(scratch_project)


def test_a_document_can_have_its_own_languages(scratch_project: Path):
    _add_to_config(scratch_project, '\n[languages.ps]\ncalendar = "solar-hijri"\n')
    text = (scratch_project / "iombrochure.toml").read_text(encoding="utf-8")
    text = text.replace(
        'template = "factsheet.html"', 'template = "factsheet.html"\nlanguages = ["en", "fa"]'
    )
    (scratch_project / "iombrochure.toml").write_text(text, encoding="utf-8")
    project = load_project(scratch_project)
    assert project.document_languages("factsheet") == ["en", "fa"]
    assert project.document_languages("brochure") == ["en", "fa", "ps"]
    assert project.documents_in("ps") == ["brochure"]


def test_a_document_language_must_be_a_project_language(scratch_project: Path):
    text = (scratch_project / "iombrochure.toml").read_text(encoding="utf-8")
    text = text.replace(
        'template = "factsheet.html"', 'template = "factsheet.html"\nlanguages = ["en", "ps"]'
    )
    (scratch_project / "iombrochure.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"language 'ps' is not one of \[languages\]"):
        load_project(scratch_project)


def test_dari_is_a_language_babel_knows_as_persian_of_afghanistan(scratch_project: Path):
    from babel.support import NullTranslations

    from iombrochure.pipeline.i18n import Localizer

    _add_to_config(
        scratch_project, '\n[languages.prs]\ncalendar = "solar-hijri"\ndigits = "persian"\n'
    )
    dari = load_project(scratch_project).languages["prs"]
    assert dari.locale == "fa_AF"
    localizer = Localizer(language=dari, translations=NullTranslations(), data={})
    assert localizer.direction == "rtl"
    assert localizer.month(dt.date(1990, 7, 1)) == "سرطان ۱۳۶۹"  # a known day: Afghan month
    assert localizer.solar_hijri_span("1990-07") == "سرطان–اسد ۱۳۶۹"  # a month-only fact
    assert localizer.number(370000) == "۳۷۰٬۰۰۰"


def test_a_config_saved_with_a_byte_order_mark_is_read(scratch_project: Path):
    """Windows Notepad starts UTF-8 files with an invisible byte-order mark, which TOML does
    not allow: it is accepted, as the officer cannot see it to remove it."""
    config = scratch_project / "iombrochure.toml"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    project = load_project(scratch_project)
    assert project.source_language == "en" and "factsheet" in project.documents


def test_a_config_that_is_not_utf8_names_the_line(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_bytes(config.read_bytes() + "\n# Café\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_project(scratch_project)
    last_line = len(config.read_bytes().splitlines())
    assert (caught.value.message, caught.value.line) == ("the file is not UTF-8 text", last_line)
    assert caught.value.hint == "save it as UTF-8 in your editor"


def test_a_folder_named_like_the_config_is_not_taken_for_a_missing_one(tmp_path: Path):
    (tmp_path / "iombrochure.toml").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    assert caught.value.path == tmp_path.resolve() / "iombrochure.toml"
    assert caught.value.message == "not a file but a folder, a device or a pipe"


def test_a_stylesheet_named_in_the_config_that_is_a_folder_is_said_so(scratch_project: Path):
    (scratch_project / "styles" / "factsheet.css").unlink()
    (scratch_project / "styles" / "factsheet.css").mkdir()
    with pytest.raises(
        ConfigError, match="stylesheet styles/factsheet.css is a folder, not a file"
    ):
        load_project(scratch_project)


def test_an_invisible_bidi_control_in_a_config_value_is_named_at_its_line(scratch_project: Path):
    """The publisher is written into every PDF, a [mail] name into every From: line."""
    config = scratch_project / "iombrochure.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('website = "https', 'website = "\u200fhttps'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_project(scratch_project)
    line = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("website"))
    assert caught.value.line == line
    assert caught.value.message == (
        "[publication] website contains an invisible bidi control U+200F (RIGHT-TO-LEFT MARK), "
        "which changes how the text reads"
    )


@pytest.mark.parametrize("target", ["nowhere.toml", "iombrochure.toml"])
def test_a_config_link_that_leads_nowhere_is_said_so(tmp_path: Path, target: str):
    (tmp_path / "iombrochure.toml").symlink_to(target)
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    assert caught.value.message == "a link that leads nowhere: to a missing file, or back to itself"

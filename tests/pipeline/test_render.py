"""Render stage: only project files are read, and bundled fonts must cover the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, run_cli
from iombrochure.errors import FetchRefused
from iombrochure.pipeline.render import safe_resource_path, uncovered_characters


def test_files_inside_the_project_are_served(tmp_path: Path):
    inside = tmp_path / "images" / "a.png"
    assert safe_resource_path(inside.as_uri(), tmp_path) == inside.resolve()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/x.png",
        "https://www.iom.int/logo.png",
        "ftp://example.org/x",
    ],
)
def test_everything_else_is_refused(url: str, tmp_path: Path):
    with pytest.raises(FetchRefused):
        safe_resource_path(url, tmp_path)


def test_dot_dot_cannot_leave_the_project(tmp_path: Path):
    sneaky = (tmp_path / "images" / ".." / ".." / "outside.png").as_posix()
    with pytest.raises(FetchRefused, match="outside the project"):
        safe_resource_path("file://" + sneaky, tmp_path)


def test_characters_no_bundled_font_has_are_found():
    html = "<p>IOM سازمان بین‌المللی \u2066IOM\u2069 中文</p><style>x{content:'漢'}</style>"
    assert uncovered_characters(html, REPO / "fonts") == ["中", "文"]


def test_a_character_outside_the_bundled_fonts_is_a_build_warning(scratch_project: Path):
    path = scratch_project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("title: IOM in", "title: 国际 IOM in"))
    result = run_cli("build", "--lang", "en", "--project", str(scratch_project))
    assert result.returncode == 0, result.stderr
    assert "title: no bundled font has '国'" in result.stderr
    assert result.stderr.count("no bundled font has '国'") == 1  # once, not once per edition
    # Never drawn with a font of the machine: a bundled font draws □ in its place.
    import pypdf

    pdf = pypdf.PdfReader(scratch_project / "dist" / "factsheet-en.pdf")
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
        for page in pdf.pages
        for font in page["/Resources"].get_object().get("/Font", {}).values()
    }
    assert fonts and all(name.startswith(("Source", "Vazirmatn", "Noto")) for name in fonts), fonts
    assert "□" in pdf.pages[0].extract_text()
    strict = run_cli("build", "--lang", "en", "--strict", "--project", str(scratch_project))
    assert strict.returncode == 1
    assert "--strict" in strict.stderr and "Traceback" not in strict.stderr

"""Stylesheets parsed once per Renderer: the same PDFs, never a stale or silent sheet."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest

from conftest import REPO
from iombrochure.pipeline import stylecache
from iombrochure.pipeline.render import Renderer

A5 = (round(148 / 25.4 * 72), round(210 / 25.4 * 72))
A6 = (round(105 / 25.4 * 72), round(148 / 25.4 * 72))
HTML = (
    "<html lang='en'><head><link rel='stylesheet' href='styles/page.css'>"
    "<style>@font-face { font-family: Sans; src: url(fonts/SourceSans3-Regular.ttf) }\n"
    "body { font-family: Sans } p { color: #1d4f91 }</style></head>"
    "<body><h1>Title</h1><p>Text</p></body></html>"
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    # A font that has the letters: the Renderer draws a letter no bundled font has as a box.
    (tmp_path / "fonts").mkdir()
    font = REPO / "fonts" / "source-sans-3" / "SourceSans3-Regular.ttf"
    (tmp_path / "fonts" / font.name).write_bytes(font.read_bytes())
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "page.css").write_text(
        "@page { size: A5; margin: 10mm }\nh1 { font-size: 20pt }\n", encoding="utf-8"
    )
    return tmp_path


def render(renderer: Renderer, folder: Path, html: str = HTML):
    return renderer.render(html, base_url=folder / "edition.html", label="note (en)")


def page_size(pdf: bytes) -> tuple[int, int]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
        return round(width), round(height)
    finally:
        document.close()


def test_reused_sheets_make_the_very_same_pdf(folder: Path):
    """Reproducibility: the bytes are those of parsing every sheet afresh."""
    fresh = Renderer(folder, reuse_stylesheets=False)
    reusing = Renderer(folder)
    first, second = render(reusing, folder), render(reusing, folder)
    assert reusing.stylesheets.parsed == 2  # the linked file and the <style> element
    assert reusing.stylesheets.reused == 2
    assert first.pdf == second.pdf == render(fresh, folder).pdf


def test_page_rules_of_a_reused_sheet_still_apply(folder: Path):
    renderer = Renderer(folder)
    render(renderer, folder)
    again = render(renderer, folder)
    assert renderer.stylesheets.reused == 2
    assert page_size(again.pdf) == A5


def test_a_changed_stylesheet_is_read_again(folder: Path):
    renderer = Renderer(folder)
    assert page_size(render(renderer, folder).pdf) == A5
    (folder / "styles" / "page.css").write_text("@page { size: A6 }\n", encoding="utf-8")
    assert page_size(render(renderer, folder).pdf) == A6


def test_an_imported_sheet_is_never_stale(folder: Path):
    """The bytes of an @import are not in the key, so a sheet that imports is not kept."""
    (folder / "styles" / "main.css").write_text('@import "page.css";\n', encoding="utf-8")
    html = HTML.replace("styles/page.css", "styles/main.css")
    renderer = Renderer(folder)
    assert page_size(render(renderer, folder, html).pdf) == A5
    (folder / "styles" / "page.css").write_text("@page { size: A6 }\n", encoding="utf-8")
    assert page_size(render(renderer, folder, html).pdf) == A6


def test_a_sheet_with_a_warning_warns_in_every_edition(folder: Path):
    (folder / "styles" / "page.css").write_text("h1 { colr: red }\n", encoding="utf-8")
    renderer = Renderer(folder)
    for _ in range(2):
        warnings = render(renderer, folder).warnings
        assert any("colr" in warning for warning in warnings), warnings
    # The sheet that warns is parsed each time; the clean <style> element once, then reused.
    assert (renderer.stylesheets.parsed, renderer.stylesheets.reused) == (3, 1)


def test_a_sheet_that_adds_a_cascade_layer_is_parsed_each_time(folder: Path):
    """Layers are named and ordered by the sheets before them: such a sheet is not kept."""
    (folder / "styles" / "page.css").write_text(
        "@layer base { h1 { font-size: 20pt } }\n", encoding="utf-8"
    )
    renderer = Renderer(folder)
    render(renderer, folder)
    render(renderer, folder)
    assert renderer.stylesheets.parsed == 3  # the layered sheet twice, the <style> once


def test_weasyprint_outside_a_render_is_left_alone(folder: Path):
    import weasyprint

    renderer = Renderer(folder)
    render(renderer, folder)
    counts = (renderer.stylesheets.parsed, renderer.stylesheets.reused)
    document = weasyprint.HTML(string=HTML, base_url=str(folder / "edition.html")).render()
    assert len(document.pages) == 1
    assert (renderer.stylesheets.parsed, renderer.stylesheets.reused) == counts


def test_a_weasyprint_with_another_stylesheet_class_renders_without_reuse(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    import weasyprint.css

    monkeypatch.setattr(stylecache, "_original_css", [])  # as in a fresh process
    monkeypatch.setattr(weasyprint.css, "CSS", lambda **kwargs: weasyprint.CSS(**kwargs))
    renderer = Renderer(folder)
    assert page_size(render(renderer, folder).pdf) == A5
    assert page_size(render(renderer, folder).pdf) == A5
    assert (renderer.stylesheets.parsed, renderer.stylesheets.reused) == (0, 0)


def test_a_stylesheet_from_outside_the_project_is_still_refused(folder: Path):
    from iombrochure.errors import FetchRefused

    outside = folder.parent / f"{folder.name}-outside.css"
    outside.write_text("@page { size: A6 }\n", encoding="utf-8")
    html = HTML.replace("styles/page.css", outside.as_uri())
    renderer = Renderer(folder)
    for _ in range(2):  # the second time too: a refusal is never remembered
        with pytest.raises(FetchRefused, match="outside the project folder"):
            render(renderer, folder, html)


def test_a_long_watch_session_keeps_a_bounded_number_of_sheets(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    """The <style> element holds the running footer, so each edit of a title adds a sheet."""
    monkeypatch.setattr(stylecache, "MAX_SHEETS", 3)
    renderer = Renderer(folder)
    for number in range(6):
        render(renderer, folder, HTML.replace("p { color", f"h1 {{ order: {number} }} p {{ color"))
        assert len(renderer.stylesheets._sheets) <= 3
    assert page_size(render(renderer, folder).pdf) == A5

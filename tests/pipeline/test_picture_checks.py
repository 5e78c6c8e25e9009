"""The checks pictures, fonts and data: URLs pass before WeasyPrint reads them (safety.py),
one rule at a time, on real files: the bundled fonts, Pillow's pictures, segno's QR codes."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
import segno
from PIL import Image

from conftest import REPO
from iombrochure.errors import FetchRefused
from iombrochure.pipeline.safety import (
    MAX_SVG_DEPTH,
    MAX_SVG_ELEMENTS,
    MAX_USE_DEPTH,
    html_references,
    inspect_data_url,
    inspect_font,
    inspect_image,
    machine_font_lines,
    printable_picture,
    refuse_svg_links,
)

LIMIT = 40_000_000
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
BUNDLED_FONTS = sorted((REPO / "fonts").rglob("*.ttf"))


def refusal(data: bytes | str, **options) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    with pytest.raises(FetchRefused) as refused:
        inspect_image(data, limit=LIMIT, name="x.svg", **options)
    return refused.value.message


def test_a_use_that_copies_its_own_ancestor_is_refused():
    svg = SVG.format('<g id="loop"><rect width="1" height="1"/><use href="#loop"/></g>')
    assert "a <use> element in the SVG copies itself" in refusal(svg)


def test_a_long_chain_of_uses_is_refused():
    links = [f'<g id="u{n}"><use xlink:href="#u{n - 1}"/></g>' for n in range(1, MAX_USE_DEPTH + 2)]
    svg = SVG.format('<g id="u0"><rect width="1" height="1"/></g>' + "".join(links))
    assert f"copy each other over {MAX_USE_DEPTH} deep" in refusal(svg)


def test_an_svg_of_too_many_elements_is_refused():
    svg = SVG.format('<rect width="1" height="1"/>' * (MAX_SVG_ELEMENTS + 1))
    assert f"over {MAX_SVG_ELEMENTS:,} elements" in refusal(svg)


def test_an_svg_nested_too_deep_is_refused():
    svg = SVG.format("<g>" * (MAX_SVG_DEPTH + 1) + "</g>" * (MAX_SVG_DEPTH + 1))
    assert f"nest over {MAX_SVG_DEPTH} deep" in refusal(svg)


def test_an_svg_that_is_not_xml_is_refused():
    assert "the SVG is not well-formed XML" in refusal("<svg><g></svg>")


def test_an_ordinary_svg_with_uses_and_a_file_beside_it_passes():
    shapes = '<g id="dot"><circle r="2"/></g>' + '<use href="#dot"/>' * 50
    svg = SVG.format(shapes + '<image href="cover.jpg" width="4" height="4"/>')
    assert inspect_image(svg.encode(), limit=LIMIT, name="map.svg") is None


def test_an_svg_file_linking_out_is_named_with_its_line(tmp_path: Path):
    svg = SVG.format('\n<rect width="1" height="1"/>\n<image href="https://example.org/a.png"/>')
    with pytest.raises(FetchRefused) as refused:
        refuse_svg_links(svg.encode(), tmp_path / "logo.svg", limit=LIMIT)
    assert (refused.value.path, refused.value.line) == (tmp_path / "logo.svg", 3)
    assert "the SVG links out of the project ('https://example.org/a.png')" in refused.value.message


def test_the_qr_codes_the_templates_make_pass():
    url = segno.make_qr("https://www.iom.int").svg_data_uri(
        dark="#0033a0", light="#fff", border=4, omitsize=True, xmldecl=False, nl=False
    )
    assert inspect_data_url(url, limit=LIMIT).lstrip().startswith(b"<svg")


def png(mode: str, size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("data:image/png;base64,%%%", "base64 text is damaged"),
        ("data:image/png;base64", "has no comma"),
        ("data:image/png,", "the data: URL is empty"),
        ("data:application/pdf;base64,JVBERi0xLjc=", "of type 'application/pdf' is neither"),
        ("data:text/css,h1{background:url(https://example.org/x.png)}", "refers to"),
        ("data:font/ttf;base64," + base64.b64encode(b"\x00\x01\x00\x00junk").decode(), "font"),
    ],
)
def test_a_bad_data_url_is_refused(url: str, says: str):
    with pytest.raises(FetchRefused) as refused:
        inspect_data_url(url, limit=LIMIT)
    assert says in refused.value.message


def test_a_data_url_picture_is_served_as_it_will_print():
    url = "data:image/png;base64," + base64.b64encode(png("I;16")).decode()
    with Image.open(io.BytesIO(inspect_data_url(url, limit=LIMIT))) as served:
        assert served.mode == "L"


def test_a_16_bit_grey_picture_becomes_8_bit_grey_scaled_not_clipped():
    ramp = Image.new("I;16", (3, 1))
    ramp.putdata([0, 32768, 65535])
    out = io.BytesIO()
    ramp.save(out, "PNG")
    with Image.open(io.BytesIO(printable_picture(out.getvalue()))) as served:
        assert served.mode == "L"
        assert [served.getpixel((x, 0)) for x in range(3)] == [0, 127, 255]


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA"])
def test_a_picture_weasyprint_prints_right_is_served_unchanged(mode: str):
    data = png(mode)
    assert inspect_image(data, limit=LIMIT, name="p.png") is not None
    assert printable_picture(data) is data


@pytest.mark.parametrize("font_path", BUNDLED_FONTS, ids=lambda path: path.name)
def test_every_bundled_font_passes(font_path: Path):
    inspect_font(font_path.read_bytes(), name=font_path.name)


def test_a_truncated_font_is_refused():
    data = BUNDLED_FONTS[0].read_bytes()
    with pytest.raises(FetchRefused) as refused:
        inspect_font(data[: len(data) // 2], name="cut.ttf")
    assert refused.value.message.startswith("cut.ttf: the file is not a font that can be read")
    assert refused.value.rule == "font-unreadable"


def test_local_fonts_are_found_by_line_also_escaped_but_not_in_comments():
    css = (
        '/* src: local("Arial") is not used */\n'
        '@font-face { font-family: A; src: url("../fonts/a.ttf"); }\n'
        '@font-face { font-family: B; src: \\6c ocal("DejaVu Sans"); }\n'
        '@font-face { font-family: C;\n  src: LOCAL("Tahoma"), url("../fonts/c.ttf"); }\n'
    )
    assert machine_font_lines(css) == [3, 5]


def test_an_attachment_link_is_a_reference_a_plain_link_is_not():
    html = '<a rel="attachment" href="annex.pdf">annex</a><a href="https://www.iom.int">IOM</a>'
    _base, references = html_references(html)
    assert [(ref.url, ref.where) for ref in references] == [("annex.pdf", "a rel=attachment href")]

"""Pictures, fonts and references made to hurt the renderer: each stops the build with one line
that names the file (and line) to fix, exit status 1, before WeasyPrint could hang or print a
wrong page; a 16-bit grey picture is printed right instead.

Every case breaks a scratch copy of the bundled project in one way and runs the real command
line (``build`` runs ``check`` first; what ``check`` cannot see, the renderer refuses).
"""

from __future__ import annotations

import io
import random
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from conftest import ONE_EDITION, REPO, copy_project, run_cli

TEMPLATE = "templates/factsheet.html"
STYLESHEET = "styles/factsheet.css"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(REPO, tmp_path / "project")


def put_in_template(root: Path, markup: str) -> int:
    """Insert ``markup`` before the fact sheet's title; the template line it is on."""
    path = root / TEMPLATE
    text = path.read_text(encoding="utf-8")
    assert "<h1>" in text
    path.write_text(text.replace("<h1>", markup + "<h1>", 1), encoding="utf-8")
    return text[: text.index("<h1>")].count("\n") + 1


def append_to_stylesheet(root: Path, css: str) -> int:
    """Append ``css`` to the fact sheet's stylesheet; the line it starts on."""
    path = root / STYLESHEET
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    path.write_text(text + css + "\n", encoding="utf-8")
    return text.count("\n") + 1


def build(root: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("build", *ONE_EDITION, "--project", str(root))


def the_one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The build failed with exit status 1 and one error line, no traceback."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def svg_data_url(svg: str) -> str:
    return "data:image/svg+xml," + quote(svg, safe=" ='/:")


# --- pictures ----------------------------------------------------------------------------------


def use_bomb(levels: int = 12, copies: int = 10) -> str:
    """An SVG of a few lines whose <use> elements would draw copies**levels rectangles."""
    groups = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        uses = f'<use href="#l{level - 1}"/>' * copies
        groups.append(f'<g id="l{level}">{uses}</g>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">\n'
        + "\n".join(groups)
        + f'\n<use href="#l{levels}"/>\n</svg>\n'
    )


def test_an_svg_use_bomb_is_refused_by_name_without_hanging(project: Path):
    (project / "images" / "bomb.svg").write_text(use_bomb(), encoding="utf-8")
    line = put_in_template(project, '<img src="images/bomb.svg" alt="map">')
    error = the_one_line(build(project))
    assert error.startswith(f"error: {TEMPLATE}:{line}: images/bomb.svg: ")
    assert "<use> elements would draw over 200,000 elements" in error


def test_an_svg_that_sets_xml_base_is_refused(project: Path):
    (project / "images" / "based.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xml:base="https://example.org/">'
        '<image href="a.png" width="4" height="4"/></svg>',
        encoding="utf-8",
    )
    line = put_in_template(project, '<img src="images/based.svg" alt="map">')
    error = the_one_line(build(project))
    assert error.startswith(f"error: {TEMPLATE}:{line}: images/based.svg: ")
    assert "xml:base" in error


def grey_16_bit_png() -> bytes:
    """A 64 x 16 grey ramp, 16 bits a pixel: black on the left, white on the right."""
    ramp = Image.new("I;16", (64, 16))
    ramp.putdata([round(x / 63 * 65535) for _y in range(16) for x in range(64)])
    out = io.BytesIO()
    ramp.save(out, "PNG")
    return out.getvalue()


def test_a_16_bit_grey_png_prints_as_the_ramp_it_is(project: Path):
    (project / "images" / "ramp.png").write_bytes(grey_16_bit_png())
    put_in_template(project, '<img src="images/ramp.png" alt="ramp" style="width: 64px">')
    result = build(project)
    assert result.returncode == 0, result.stderr
    pictures = [
        picture.image
        for page in PdfReader(project / "dist" / "factsheet-en.pdf").pages
        for picture in page.images
        if picture.image.size == (64, 16)
    ]
    assert pictures, "the ramp is not in the PDF"
    for picture in pictures:
        columns = (0, 16, 32, 48, 63)
        row = [picture.convert("L").getpixel((x, 8)) for x in columns]
        # Printed wrong, the ramp was black up to three quarters: [0, 0, 0, 7, 127].
        assert row[0] < 10 and row[-1] > 245
        assert all(abs(value - x * 255 / 63) < 8 for value, x in zip(row, columns, strict=True))


def test_a_picture_mode_that_cannot_print_right_is_refused(project: Path):
    out = io.BytesIO()
    Image.new("F", (8, 8)).save(out, "TIFF")
    (project / "images" / "float.tif").write_bytes(out.getvalue())
    line = put_in_template(project, '<img src="images/float.tif" alt="x">')
    error = the_one_line(build(project))
    assert error.startswith(f"error: {TEMPLATE}:{line}: images/float.tif: ")
    assert "colour mode (F) cannot be printed right" in error


# --- data: URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("data:image/png;base64,!!this-is-not-base64!!", "base64 text is damaged"),
        ("data:image/png;base64,aGVsbG8gd29ybGQ=", "not a picture (PNG, JPEG"),
        (
            svg_data_url(
                '<svg xmlns="http://www.w3.org/2000/svg">'
                '<image href="https://example.org/a.png" width="4" height="4"/></svg>'
            ),
            "the SVG links out of the project ('https://example.org/a.png')",
        ),
        (
            svg_data_url(
                '<svg xmlns="http://www.w3.org/2000/svg">'
                '<image href="images/cover.jpg" width="4" height="4"/></svg>'
            ),
            "an SVG in a data: URL links to a file ('images/cover.jpg')",
        ),
        (
            svg_data_url(
                '<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>'
            ),
            "SVG files with a DOCTYPE or ENTITY declaration are refused",
        ),
    ],
    ids=["garbage", "not-a-picture", "svg-web-link", "svg-file-link", "svg-doctype"],
)
def test_a_bad_data_url_is_refused_naming_the_template(project: Path, url: str, says: str):
    """The build's checks find it before any page is laid out, at the template's line."""
    line = put_in_template(project, f'<img src="{url}" alt="x">')
    error = the_one_line(build(project))
    assert error.startswith(f"error: {TEMPLATE}:{line}: img src data: URL"), error
    assert says in error


# --- fonts and references ------------------------------------------------------------------------


def test_a_font_with_garbage_outlines_is_refused_by_name(project: Path):
    font_path = project / "fonts" / "vazirmatn" / "Vazirmatn-Regular.ttf"
    data = bytearray(font_path.read_bytes())
    with TTFont(font_path, lazy=True) as font:
        glyf = font.reader.tables["glyf"]
        start, length = glyf.offset, glyf.length
    noise = random.Random(7)
    data[start : start + length] = bytes(noise.getrandbits(8) for _ in range(length))
    font_path.write_bytes(bytes(data))
    error = the_one_line(build(project))
    assert error.startswith("error: fonts/vazirmatn/Vazirmatn-Regular.ttf: ")
    assert "the file is not a font that can be read (glyph" in error


def test_a_local_font_is_refused_at_its_stylesheet_line(project: Path):
    line = append_to_stylesheet(
        project, '@font-face { font-family: "Body"; src: local("DejaVu Sans"); }'
    )
    error = the_one_line(build(project))
    assert error.startswith(f"error: {STYLESHEET}:{line}: ")
    assert "@font-face src: local() names a font of this computer" in error


def test_the_renderer_itself_refuses_a_local_font_at_its_stylesheet_line(project: Path):
    """The last line of defence, for what reaches the renderer without ``check``."""
    from iombrochure.errors import FetchRefused
    from iombrochure.pipeline.render import Renderer

    line = append_to_stylesheet(project, '@font-face { font-family: "B"; src: local("Arial"); }')
    renderer = Renderer(project)
    try:
        with pytest.raises(FetchRefused) as refused:
            renderer.render(
                f'<link rel="stylesheet" href="{STYLESHEET}"><p>x</p>',
                base_url=project / "page.html",
                label="page",
            )
    finally:
        renderer.close()
    assert (refused.value.path, refused.value.line) == ((project / STYLESHEET).resolve(), line)
    assert refused.value.message.startswith("page: @font-face src: local() names a font")


def test_an_attachment_from_the_web_is_refused_by_check(project: Path):
    line = put_in_template(
        project, '<a rel="attachment" href="https://example.org/annex.pdf">annex</a>'
    )
    result = run_cli("check", "--project", str(project))
    assert result.returncode == 1, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    output = (result.stdout + result.stderr).splitlines()
    expected = (
        f"{TEMPLATE}:{line}: error: a rel=attachment href 'https://example.org/annex.pdf': "
        "refused to fetch 'https://example.org/annex.pdf': only files inside the project may "
        "be used (copy the file into the project (e.g. images/) and refer to it by a relative "
        "path)"
    )
    assert expected in [text for text in output if ": error: " in text]


# --- WeasyPrint's own failures -------------------------------------------------------------------


def test_a_stylesheet_that_nests_too_deep_names_the_stylesheet(project: Path):
    append_to_stylesheet(project, "h1 { width: " + "calc(" * 2000 + "1px" + ")" * 2000 + "; }")
    error = the_one_line(build(project))
    assert error.startswith(f"error: {STYLESHEET}: factsheet (en, screen): ")
    assert "the stylesheet nests too deep for WeasyPrint" in error


def test_a_page_that_nests_too_deep_names_the_template(project: Path):
    put_in_template(project, "<div>" * 5000 + "</div>" * 5000)
    error = the_one_line(build(project))
    assert error.startswith(f"error: {TEMPLATE}: factsheet (en, screen): ")
    assert "the page's elements nest too deep for WeasyPrint" in error

"""The tri-fold brochure: geometry, panel order in both directions, tags, content, overflow.

Most tests read the PDFs of the session's built project (tests/conftest.py); the overflow
and single-source tests build a scratch copy of one edition.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import pdf_text
from iombrochure.errors import RenderError
from iombrochure.pipeline.build import build
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.content import ContentErrors, load_content, read_yaml

A4_LANDSCAPE = (841.89, 595.28)  # points
MM = 72 / 25.4


def text_boxes(pdf: Path, page_index: int, needle: str) -> list[tuple[float, float, float]]:
    """(left, right, height) in points of every occurrence of ``needle`` on a page."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[page_index].get_textpage()
        searcher = textpage.search(needle)
        found = []
        while occurrence := searcher.get_next():
            start, count = occurrence
            boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
            found.append(
                (
                    min(b[0] for b in boxes),
                    max(b[2] for b in boxes),
                    max(b[3] - b[1] for b in boxes),
                )
            )
        return found
    finally:
        document.close()


def largest(pdf: Path, page_index: int, needle: str) -> tuple[float, float]:
    """The horizontal extent of the biggest occurrence of ``needle``: a heading, not a mention."""
    boxes = text_boxes(pdf, page_index, needle)
    assert boxes, f"{needle!r} not found on page {page_index + 1} of {pdf.name}"
    left, right, _ = max(boxes, key=lambda box: box[2])
    return left, right


def content_of(root: Path, lang: str, name: str):
    return read_yaml(root / "content" / lang / f"{name}.yaml")


# -- geometry and panel order -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_two_a4_landscape_pages(built_project: Path, lang: str):
    reader = pypdf.PdfReader(built_project / "dist" / f"brochure-{lang}.pdf")
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4_LANDSCAPE, abs=0.5
        )
        assert page.trimbox == page.mediabox  # the screen PDF is cut at the trim


# Where each panel's heading lands, as a third of the sheet (0 = left, 2 = right).
# English: outside | flap | back | cover |, inside | 1 | 2 | 3 |; Persian mirrors both.
PANELS = {
    "en": [
        (0, "Republic of Iran", 2),  # the cover title
        (0, "IOM at a glance", 0),  # the flap
        (0, "Contact", 1),  # the back
        (1, "Who we are", 0),
        (1, "1995", 1),  # the timeline
        (1, "Working with us", 2),
    ],
    "fa": [
        (0, "جمهوری", 0),
        (0, "در یک نگاه", 2),
        (0, "تماس با ما", 1),
        (1, "دربار", 2),  # «دربارهٔ ما»: readers move the ezafe hamza, so its stem
        (1, "۱۹۹۵", 1),
        (1, "همکاری با ما", 0),
    ],
}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_panels_land_where_the_edition_folds(built_project: Path, lang: str):
    pdf = built_project / "dist" / f"brochure-{lang}.pdf"
    for page, heading, third in PANELS[lang]:
        left, right = largest(pdf, page, heading)
        start, end = third * 99 * MM, (third + 1) * 99 * MM
        assert start - 1 <= left and right <= end + 1, (lang, heading, left, right, third)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_cover_faces_out_when_folded(built_project: Path, lang: str):
    """English folds like a book opened from the right (cover rightmost on the outside);
    Persian the other way (cover leftmost). The flap is at the other end."""
    pdf = built_project / "dist" / f"brochure-{lang}.pdf"
    title = "Republic of Iran" if lang == "en" else "جمهوری"
    flap = "IOM at a glance" if lang == "en" else "در یک نگاه"
    cover_left, _ = largest(pdf, 0, title)
    flap_left, _ = largest(pdf, 0, flap)
    if lang == "en":
        assert cover_left > 197 * MM and flap_left < 97 * MM
    else:
        assert cover_left < 100 * MM and flap_left > 200 * MM


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_print_variant_has_trim_bleed_and_artwork_in_the_bleed(built_project: Path, lang: str):
    pdf = built_project / "dist" / "print" / f"brochure-{lang}.pdf"
    page = pypdf.PdfReader(pdf).pages[0]
    trim = [float(v) for v in page.trimbox]
    bleed = [float(v) for v in page.bleedbox]
    media = [float(v) for v in page.mediabox]
    assert trim[2] - trim[0] == pytest.approx(A4_LANDSCAPE[0], abs=0.5)
    assert trim[3] - trim[1] == pytest.approx(A4_LANDSCAPE[1], abs=0.5)
    assert trim[0] - bleed[0] == pytest.approx(10, abs=0.1)  # 10 pt = 3.5 mm of bleed
    assert trim[0] - media[0] == pytest.approx(8 * MM, abs=0.1)  # the slug for the marks
    # The cover's blue runs into the bleed on the sheet's outer side, and stops there.
    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=2).to_pil().convert("RGB")
    document.close()
    slug = trim[0] - media[0]  # points from the media's left (and top) edge to the trim

    def pixel(x_mm: float, y_mm: float) -> tuple[int, int]:
        return round((x_mm * MM + slug) * 2), round((y_mm * MM + slug) * 2)

    outer = 297 + 2 if lang == "en" else -2  # 2 mm into the bleed, beside the cover
    beyond = 297 + 6 if lang == "en" else -6  # in the slug, past the bleed
    inside = 297 - 20 if lang == "en" else 20  # the cover's ground, inside the trim
    # The print PDF is CMYK: the blue is whatever pdfium makes of the IOM blue's ink values.
    blue, white = image.getpixel(pixel(inside, 5)), (255, 255, 255)
    assert blue[2] > blue[0] + 60 and blue[2] > blue[1] + 40, blue
    assert image.getpixel(pixel(outer, 40)) == pytest.approx(blue, abs=6)
    assert image.getpixel(pixel(outer, -2)) == pytest.approx(blue, abs=6)  # the top bleed
    assert image.getpixel(pixel(beyond, 40)) == pytest.approx(white, abs=3)


# -- tags and metadata --------------------------------------------------------------------------


def structure(node, found: list) -> list:
    """(tag, alt) of every structure element, depth first."""
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", "")) or None))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if isinstance(kid, pypdf.generic.IndirectObject | dict):
                structure(kid, found)
    return found


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_tagged_with_language_headings_alt_text_and_title(built_project: Path, lang: str):
    reader = pypdf.PdfReader(built_project / "dist" / f"brochure-{lang}.pdf")
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == lang
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert catalog["/MarkInfo"]["/Marked"].value is True
    elements = structure(catalog["/StructTreeRoot"], [])
    tags = [tag for tag, _ in elements]
    assert tags.count("/H1") == 1
    assert tags.count("/H2") >= 6  # every panel has its heading
    brochure = content_of(built_project, lang, "brochure")
    alts = [alt for tag, alt in elements if tag == "/Figure"]
    assert len(alts) == 2
    cover_alt = " ".join(brochure["pictures"]["cover"].split())
    assert cover_alt in alts
    assert any(alt.startswith(brochure["pictures"]["qr_code"].split("{")[0]) for alt in alts)
    assert "www.iom.int" in " ".join(alts)  # the placeholder was filled
    info = reader.metadata
    assert info.title == brochure["title"]
    assert info.subject == " ".join(brochure["subject"].split())
    assert brochure["keywords"][-1] in info["/Keywords"]
    assert info["/Creator"] == "iombrochure"
    assert str(info["/CreationDate"]).startswith("D:20261128")


# -- content from the single source ---------------------------------------------------------------


def test_a_figure_changed_in_data_yaml_changes_every_panel_that_shows_it(scratch_project: Path):
    data = scratch_project / "content" / "data.yaml"
    data.write_text(data.read_text().replace("member_states: 120", "member_states: 175"))
    project = load_project(scratch_project)
    build(project, documents=["brochure"], languages=["en"], variant="screen", preview=False)
    text = " ".join(pdf_text(scratch_project / "dist" / "brochure-en.pdf", raw=True).split())
    assert "175 Member states" in text  # the flap
    assert "IOM has 175 member states" in text  # inside, first panel
    assert "120" not in text


def test_area_lines_go_item_by_item_with_the_areas(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "brochure.yaml"
    text = path.read_text()
    first = "    - تقویت سهم مهاجرت در توسعهٔ کشورهای مبدأ و مقصد.\n"
    assert first in text
    path.write_text(text.replace(first, ""))
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    messages = [error.format(relative_to=scratch_project) for error in caught.value.errors]
    assert any(
        m.startswith("content/fa/brochure.yaml:")
        and "what_we_do.areas has 4 items but about.areas in fa/iom.yaml has 5" in m
        for m in messages
    ), messages


# -- overflow is an error, never a clip ----------------------------------------------------------


def overflow_of(project_root: Path, lang: str) -> RenderError:
    with pytest.raises(RenderError) as caught:
        build(
            load_project(project_root),
            documents=["brochure"],
            languages=[lang],
            variant="screen",
            preview=False,
        )
    return caught.value


def test_text_that_does_not_fit_its_panel_stops_the_build(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "brochure.yaml"
    original = path.read_text()
    sentence = "دفتر تهران با دولت، تیم کشوری سازمان ملل متحد و شرکای جامعهٔ مدنی همکاری می‌کند."
    assert f"    {sentence}\n" in original
    amounts = []
    for repeat in (4, 8):
        path.write_text(original.replace(f"    {sentence}\n", f"    {(sentence + ' ') * repeat}\n"))
        error = overflow_of(scratch_project, "fa")
        message = error.format(relative_to=scratch_project)
        match = re.fullmatch(
            r"brochure \(fa, screen\): panel 'inside-3' overflows by (\d+) mm \(.*\)", message
        )
        assert match, message
        amounts.append(int(match[1]))
    # Four more sentences are about eight more lines of 10.2 pt type at 1.7 leading.
    assert 0 < amounts[0] < amounts[1]
    assert 35 <= amounts[1] - amounts[0] <= 65
    assert not (scratch_project / "dist" / "brochure-fa.pdf").exists()


def test_a_word_wider_than_its_panel_stops_the_build(scratch_project: Path):
    path = scratch_project / "content" / "en" / "brochure.yaml"
    long_word = "Unbreakable" * 12
    path.write_text(
        path.read_text().replace(
            "reach_us: Write to us, call us or visit the office in Tehran.",
            f"reach_us: Write to {long_word}.",
        )
    )
    message = overflow_of(scratch_project, "en").message
    assert re.fullmatch(r"brochure \(en, screen\): panel 'back' is \d+ mm too wide", message)


def test_overflow_is_measured_from_the_layout():
    """A panel 20 mm tall with 5 mm of padding (its safe margin) has a 15 mm content box:
    29 mm of content overflows it by 14 mm. A 30 mm wide box in a 25 mm panel, by 5 mm."""
    from weasyprint import HTML

    from iombrochure.pipeline.render import panel_overflows

    html = """
      <style>
        @page { size: 100mm 100mm; margin: 0 }
        .panel { display: inline-block; vertical-align: top; width: 25mm; height: 20mm;
                 padding: 5mm 0 0; box-sizing: border-box; overflow: hidden }
        .block { height: 29mm; width: 20mm } .wide { height: 2mm; width: 30mm }
      </style>
      <div class="panel" data-panel="tall"><div class="block"></div></div>
      <div class="panel" data-panel="wide"><div class="wide"></div></div>
      <div class="panel" data-panel="fits"><div class="wide" style="width: 25mm"></div></div>
    """
    found = panel_overflows(HTML(string=html).render())
    assert [(o.panel, o.page, o.down_mm, o.across_mm) for o in found] == [
        ("tall", 1, 14.0, 0.0),
        ("wide", 1, 0.0, 5.0),
    ]
    assert [o.describe() for o in found] == [
        "panel 'tall' overflows by 14 mm",
        "panel 'wide' is 5 mm too wide",
    ]

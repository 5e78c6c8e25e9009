"""The order of the content stream (pipeline/streamorder.py): what readers that follow it get.

The pieces on small streams, then the built project's editions read by PDFium (which follows
the stream within a page), MuPDF and pdfminer.six, and the pages rendered with and without the
text layer. benchmarks/readers.py measures pdf.js and PDFBox as well; docs/accessibility.md
has the figures these thresholds guard.
"""

from __future__ import annotations

import re
from pathlib import Path

import pydyf
import pytest

from iombrochure.pipeline import streamorder
from textcompare import (
    html_text,
    mutool_text,
    paragraphs,
    paragraphs_in_order,
    pdfium_text,
    pdfminer_text,
    pdftotext,
    score,
    words,
)

DOCUMENTS = ("factsheet", "brochure")


def edition(built: Path, document: str, lang: str) -> tuple[Path, Path]:
    return (
        built / "dist" / f"{document}-{lang}.pdf",
        built / "dist" / "html" / f"{document}-{lang}.html",
    )


def text(mcid: int, x: float, y: float, glyph: str = "0001", *extra: bytes) -> list:
    """One marked text sequence, as WeasyPrint draws a text box."""
    return [
        "/Span",
        pydyf.Dictionary({"MCID": mcid}),
        b"BDC",
        *extra,
        b"BT",
        f"1 0 0 -1 {x} {y} Tm".encode(),
        b"/F1 12 Tf",
        f"[<{glyph}>0] TJ".encode(),
        b"ET",
        b"EMC",
    ]


# -- the pieces ---------------------------------------------------------------------------------


def test_text_moves_to_the_end_in_tag_order_with_the_state_it_was_drawn_in():
    first, second = text(1, 10, 20, "0001", b"0 0 1 rg"), text(0, 10, 50, "0002")
    page = [
        b"1 0 0 -1 0 800 cm",
        b"q",
        b"0.75 0 0 0.75 0 0 cm",
        b"q",
        b"0 0 100 100 re",
        b"W",
        b"n",
        *first,
        b"1 0 0 RG",  # set after the first sequence: not part of the state it was drawn in
        b"Q",
        b"q",
        b"0.9 g",
        b"0 0 50 50 re",
        b"f",  # a background: it stays where it is
        *second,
        b"Q",
        b"Q",
    ]
    result = streamorder.text_in_tag_order(page, {0: (0, 0), 1: (1, 1)})
    kept = [
        b"1 0 0 -1 0 800 cm",
        b"q",
        b"0.75 0 0 0.75 0 0 cm",
        b"q",
        b"0 0 100 100 re",
        b"W",
        b"n",
        b"0 0 1 rg",  # the colour the first sequence set stays in force for what follows
        b"1 0 0 RG",
        b"Q",
        b"q",
        b"0.9 g",
        b"0 0 50 50 re",
        b"f",
        b"Q",
        b"Q",
    ]
    assert result[: len(kept)] == kept
    assert result[len(kept) :] == [
        b"q",
        b"0.75 0 0 0.75 0 0 cm",
        b"0.9 g",
        *second,
        b"Q",
        b"q",
        b"0.75 0 0 0.75 0 0 cm",
        b"0 0 100 100 re",
        b"W",
        b"n",
        *first,
        b"Q",
    ]


def test_pieces_side_by_side_on_one_line_are_drawn_from_left_to_right():
    right, left, below = text(0, 300, 100), text(1, 100, 100), text(2, 300, 120)
    page = [b"q", *right, *left, *below, b"Q"]
    result = streamorder.text_in_tag_order(page, {0: 0, 1: 1, 2: 2})
    order = [item["MCID"] for item in result if isinstance(item, pydyf.Dictionary)]
    assert order == [1, 0, 2]


def test_a_row_of_items_beside_taller_numbers_is_drawn_line_by_line():
    """Two list items side by side, each a number as tall as two lines and its text (the
    fact sheet's priorities): each line of the row from left to right, then the next line,
    not the right item's second line between the left item's number and text."""
    from types import SimpleNamespace

    def box(x: float, top: float, height: float) -> SimpleNamespace:
        return SimpleNamespace(position_x=x, position_y=top, width=50, height=height)

    right_number, right_first, right_second = text(0, 500, 14), text(1, 400, 12), text(2, 420, 27)
    left_number, left_first = text(3, 300, 14), text(4, 200, 12)
    boxes = {0: box(500, 0, 30), 1: box(400, 0, 15), 2: box(420, 15, 15)}
    boxes |= {3: box(300, 0, 30), 4: box(200, 0, 15)}
    page = [b"q", *right_number, *right_first, *right_second, *left_number, *left_first, b"Q"]
    result = streamorder.text_in_tag_order(page, {mcid: mcid for mcid in range(5)}, boxes)
    order = [item["MCID"] for item in result if isinstance(item, pydyf.Dictionary)]
    assert order == [4, 3, 1, 0, 2]


@pytest.mark.parametrize("odd", [b"BX", b"Q"], ids=["an unknown operator", "an extra Q"])
def test_a_page_it_cannot_read_safely_is_left_as_it_is(odd: bytes):
    page = [b"q", *text(1, 10, 20), odd, *text(0, 10, 50), b"Q"]
    assert streamorder.text_in_tag_order(page, {0: 0, 1: 1}) == page


def test_a_text_object_that_leaves_a_rise_behind_stops_the_reordering():
    risen = text(1, 10, 20)
    risen.insert(risen.index(b"ET"), b"3 Ts")
    page = [b"q", *risen, *text(0, 10, 50), b"Q"]
    assert streamorder.text_in_tag_order(page, {0: 0, 1: 1}) == page


class Font:
    """The parts of a WeasyPrint font that the fencing reads: its character map, its RLM glyph."""

    def __init__(self, rlm: int | None) -> None:
        # Glyphs 1-6: letters of «میلادی», a space, Persian digits, «سال», Latin letters.
        self.to_unicode = {1: "ی", 2: " ", 3: "۱", 4: "۹", 5: "س", 6: "I", 7: "O", 8: "("}
        if rlm is not None:
            self.to_unicode[rlm] = "\u200f"
            self.iombrochure_rlm_glyph = rlm


def shown_glyphs(operations: list) -> list[str]:
    """The glyphs each ``TJ`` shows, as hexadecimal strings, in stream order."""
    found = []
    for item in operations:
        if isinstance(item, bytes) and item.endswith(b"TJ"):
            found += re.findall(r"[0-9a-f]{4}", item.decode())
    return found


def test_a_run_of_digits_beside_spaces_is_fenced_with_the_rlm_glyph():
    # «سال ۱۹۵۱ میلادی» as drawn, left to right: «میلادی», a space, the digits, a space, «سال».
    page = [b"BT", b"/F1 12 Tf", b"[<0001>0<0002>-12<00030004>0<0002>0<0005>0] TJ", b"ET"]
    fenced = streamorder.fence_left_to_right_runs(page, {"F1": Font(rlm=9)})
    assert shown_glyphs(fenced) == ["0001", "0002", "0009", "0003", "0004", "0009", "0002", "0005"]
    assert b"-12" in fenced[2]  # the adjustments stay where they were


def test_a_run_drawn_apart_from_the_persian_word_is_fenced_too():
    # A list item's number, drawn after its text with the space that parts them (as
    # text_in_tag_order draws it in a gap): the word is in one TJ, the space and run in the next.
    page = [b"BT", b"/F1 12 Tf", b"[<0001>0] TJ", b"[62<00020003>0] TJ", b"ET"]
    fenced = streamorder.fence_left_to_right_runs(page, {"F1": Font(rlm=9)})
    assert shown_glyphs(fenced) == ["0001", "0002", "0009", "0003"]


def test_a_space_drawn_apart_from_its_run_is_left_as_it_is():
    # An amount set in another font than the space before it: poppler then parted its first
    # digit from the others when the mark was there.
    page = [b"BT", b"/F1 12 Tf", b"[<00010002>0] TJ", b"/F2 12 Tf", b"[<0003>0] TJ", b"ET"]
    fonts = {"F1": Font(rlm=9), "F2": Font(rlm=9)}
    assert streamorder.fence_left_to_right_runs(page, fonts) == page


def test_brackets_between_the_space_and_the_run_are_passed_over():
    # «سال (IO) میلادی», drawn left to right.
    page = [b"BT", b"/F1 12 Tf", b"[<00010002000800060007000800020005>0] TJ", b"ET"]
    fenced = streamorder.fence_left_to_right_runs(page, {"F1": Font(rlm=9)})
    assert shown_glyphs(fenced)[:4] == ["0001", "0002", "0009", "0008"]
    assert shown_glyphs(fenced)[-4:] == ["0008", "0009", "0002", "0005"]


@pytest.mark.parametrize(
    "glyphs",
    ["0006000200070006", "0001000200050001", "00030002"],
    ids=["between Latin words", "between Persian words", "at the edge of the page"],
)
def test_other_spaces_are_left_as_they_are(glyphs: str):
    page = [b"BT", b"/F1 12 Tf", f"[<{glyphs}>0] TJ".encode(), b"ET"]
    assert streamorder.fence_left_to_right_runs(page, {"F1": Font(rlm=9)}) == page


def test_a_font_without_the_rlm_glyph_is_left_as_it_is():
    page = [b"BT", b"/F1 12 Tf", b"[<0001000200030004>0] TJ", b"ET"]
    assert streamorder.fence_left_to_right_runs(page, {"F1": Font(rlm=None)}) == page


# -- what the built editions give back ------------------------------------------------------


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdfium_gives_every_paragraph_whole_and_in_reading_order(
    built_project: Path, document: str, lang: str
):
    pdf, html = edition(built_project, document, lang)
    assert paragraphs_in_order(paragraphs(html), pdfium_text(pdf)) == 10


@pytest.mark.parametrize("reader", [mutool_text, pdfminer_text], ids=["mutool", "pdfminer"])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_stream_order_readers_give_the_english_editions_whole_and_in_order(
    built_project: Path, document: str, reader
):
    pdf, html = edition(built_project, document, "en")
    got = reader(pdf)
    assert score(words(html_text(html)), words(got)).ratio >= 0.99
    # pdfminer.six reads the brochure's cover title and its text blocks in its own order.
    assert paragraphs_in_order(paragraphs(html), got) >= (10 if reader is mutool_text else 9)


#: A number glued to a Persian word, or two list items glued together, as readers gave them.
GLUED = re.compile(
    r"[۰-۹][\u0621-\u064a\u067e-\u06cc]|[\u0621-\u064a\u067e-\u06cc][۰-۹]|خدماتتدوین"
)


def test_mutool_keeps_the_priorities_second_lines_apart(built_project: Path):
    """The fact sheet's priorities, three items side by side: drawn line by line, MuPDF (which
    follows the stream, and gives Persian words reversed) keeps «ادغام مجدد», one item's second
    line, apart from «ملی و منطقه‌ای مهاجرت», another's; drawn as one chain with the first
    lines, it read «ادغام» and «مهاجرت» as one word."""
    pdf, _ = edition(built_project, "factsheet", "fa")
    words = mutool_text(pdf).split()
    assert "ادغام"[::-1] in words and "مهاجرت"[::-1] in words


@pytest.mark.parametrize(
    "reader",
    [pdfium_text, pdftotext, mutool_text, pdfminer_text],
    ids=["pdfium", "pdftotext", "mutool", "pdfminer"],
)
def test_no_reader_glues_a_number_to_a_word_in_the_brochure(built_project: Path, reader):
    pdf, _ = edition(built_project, "brochure", "fa")
    assert [token for token in reader(pdf).split() if GLUED.search(token)] == []


def test_pages_are_pixel_identical_with_and_without_the_text_layer_in_every_edition(
    built_project: Path,
):
    import pypdfium2

    from iombrochure.pipeline.render import Renderer

    options = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}
    for document, lang in (("brochure", "fa"), ("factsheet", "en"), ("brochure", "en")):
        _, html = edition(built_project, document, lang)
        rendered = {}
        for enabled in (True, False):
            renderer = Renderer(built_project, text_layer=enabled)
            pdf = renderer.render(
                html.read_text(encoding="utf-8"), base_url=html, label="test", pdf_options=options
            ).pdf
            document_pdf = pypdfium2.PdfDocument(pdf)
            rendered[enabled] = [page.render(scale=1).to_pil().tobytes() for page in document_pdf]
        assert len(rendered[True]) == len(rendered[False]) == 2
        for number, (with_hook, without) in enumerate(
            zip(rendered[True], rendered[False], strict=True)
        ):
            assert with_hook == without, f"{document}-{lang} page {number + 1} differs"

"""How the Persian edition is laid out, read from WeasyPrint's own layout of the built HTML:
one alignment for the body text, proportional digits, one Latin typeface, and lines that never
split a fixed phrase or leave a «·» separator at their end (house style: docs/content.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PERSIAN_DOCS = ["factsheet-fa", "brochure-fa"]


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


@pytest.fixture(scope="module")
def layouts(built_project: Path) -> dict[str, list[Any]]:
    from weasyprint import HTML

    result = {}
    for name in PERSIAN_DOCS:
        html = built_project / "dist" / "html" / f"{name}.html"
        document = HTML(filename=str(html)).render()
        result[name] = [box for page in document.pages for box in _boxes(page._page_box)]
    return result


def _classes(box: Any) -> set[str]:
    element = box.element
    return set((element.get("class") or "").split()) if element is not None else set()


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_all_persian_body_text_has_one_alignment(layouts, name):
    aligns = {
        box.style["text_align_all"]
        for box in layouts[name]
        if box.element is not None and box.element.tag in {"p", "li", "td"}
    }
    assert aligns == {"start"}, "body text is ragged everywhere, never justified in one column"


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_digits_are_proportional_in_figures_and_the_contact_block(layouts, name):
    checked = [
        box
        for box in layouts[name]
        if box.element is not None
        and (box.element.tag == "td" or _classes(box) & {"figure", "phone"})
    ]
    assert checked
    for box in checked:
        # Tabular widths space Persian digits apart («۱ ۹ ۹ ۳ ۶»).
        assert "tabular-nums" not in box.style["font_variant_numeric"], box.element.tag


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_latin_fragments_are_set_in_the_persian_typeface_latin(layouts, name):
    latin = [box for box in layouts[name] if _classes(box) & {"latin", "phone"}]
    assert latin
    for box in latin:
        assert box.style["font_family"][0] == "Vazirmatn"


def _lines(boxes: list[Any]) -> Iterator[str]:
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    for box in boxes:
        if isinstance(box, LineBox):
            yield "".join(leaf.text for leaf in _boxes(box) if isinstance(leaf, TextBox))


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_lines_keep_fixed_phrases_whole(layouts, name):
    from iombrochure.pipeline.i18n import KEEP_TOGETHER_FA

    lines = [line.replace("\u00a0", " ").strip() for line in _lines(layouts[name])]
    assert any("جمهوری اسلامی ایران" in line for line in lines)
    for line, following in zip(lines, lines[1:], strict=False):
        for phrase in KEEP_TOGETHER_FA:
            words = phrase.split()
            for cut in range(1, len(words)):
                head, tail = " ".join(words[:cut]), " ".join(words[cut:])
                split = line.endswith(head) and following.startswith(tail)
                assert not split, f"«{phrase}» is split between {line!r} and {following!r}"


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_no_line_ends_with_a_separator(layouts, name):
    lines = [line for line in _lines(layouts[name]) if "·" in line]
    assert lines, "the topics list is separated by «·»"
    for line in lines:
        assert not line.rstrip(" \u00a0").endswith("·"), line

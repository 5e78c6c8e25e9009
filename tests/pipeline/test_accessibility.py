"""PDF/UA: veraPDF over every screen and print PDF, and the tag tree a screen reader walks.

veraPDF (tests/verapdf.py) checks the rules of PDF/UA-1; the tests below check what it does
not: that every tagged element is reachable, that running footers are artifacts, that Latin
words in Persian carry their own language and that the hidden "Key figures" heading is there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from textcompare import structure_elements, structure_text, unreachable_elements
from verapdf import assert_compliant

EDITIONS = [
    f"{variant}{document}-{lang}.pdf"
    for variant in ("", "print/")
    for document in ("factsheet", "brochure")
    for lang in ("en", "fa")
]


def test_every_screen_and_print_pdf_passes_verapdf_ua1(built_project: Path):
    assert_compliant("ua1", [built_project / "dist" / name for name in EDITIONS])


@pytest.mark.parametrize("name", EDITIONS)
def test_every_tagged_element_is_reachable_from_the_root(built_project: Path, name: str):
    assert unreachable_elements(built_project / "dist" / name) == []


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_running_footer_and_page_counter_are_pagination_artifacts(built_project: Path, lang: str):
    pdf = built_project / "dist" / f"factsheet-{lang}.pdf"
    for page in pypdf.PdfReader(pdf).pages:
        content = b" ".join(page.get_contents().get_data().split())
        assert content.count(b"/Artifact <</Type /Pagination/Subtype /Footer>> BDC") == 2
    counter = "صفحهٔ ۱ از ۲" if lang == "fa" else "Page 1 of 2"
    assert counter not in structure_text(pdf)  # a reader does not announce it with the text


def test_the_hidden_key_figures_heading_is_in_the_tag_tree(built_project: Path):
    for lang, heading in (("en", "Key figures"), ("fa", "در یک نگاه")):
        elements = structure_elements(built_project / "dist" / f"factsheet-{lang}.pdf")
        kinds = [element.kind for element in elements]
        texts = [element.text for element in elements]
        assert heading in " ".join(text or "" for text in texts), lang
        index = next(i for i, text in enumerate(texts) if text and heading in text)
        assert "/H2" in kinds[max(0, index - 2) : index], kinds[index - 3 : index + 1]


@pytest.mark.parametrize("document", ["factsheet", "brochure"])
def test_latin_words_in_persian_are_tagged_english(built_project: Path, document: str):
    pdf = built_project / "dist" / f"{document}-fa.pdf"
    assert pypdf.PdfReader(pdf).trailer["/Root"]["/Lang"] == "fa"  # the edition's language
    elements = [element for element in structure_elements(pdf) if element.text]
    english = {element.text.strip(" ()،.") for element in elements if element.lang == "en"}
    assert {"IOM", "UNHCR", "iomtehran@iom.int", "www.iom.int"} <= english
    for element in elements:
        latin = re.search("[A-Za-z]{2,}", element.text)
        persian = re.search("[\u0600-\u06ff]", element.text)
        if element.lang == "en":
            assert not persian, element  # a Persian word in the English voice
        elif latin:
            assert element.lang is None and not persian, element  # an English word unmarked


def test_english_editions_need_no_language_switch(built_project: Path):
    elements = structure_elements(built_project / "dist" / "factsheet-en.pdf")
    assert {element.lang for element in elements} == {None}

"""The office's publication: the facts the bundled fact sheet and brochure must print.

These tests check the office's content (content/, iombrochure.toml), not the engine: when one
fails after a content edit (a new figure, a new phone number), update the expected facts here.
The engine's own tests run on fixture projects under tests/fixtures/ and do not depend on what
the office's publications say.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import pdf_text

LATIN_DIGIT = re.compile(r"[0-9]")


def test_english_edition_holds_every_fact(built_project: Path):
    text = " ".join(pdf_text(built_project / "dist" / "factsheet-en.pdf", raw=True).split())
    for fact in [
        "1951",
        "120",
        "19",
        "100",
        "370,000",
        "July 1990",
        "1995",
        "2000",
        "2001",
        "2004",
        "Iraq",
        "Kuwait",
        "UNHCR",
        "Services",
        "Programme and policy development",
        "Migration and development",
        "Facilitating migration",
        "Regulating migration",
        "Forced migration",
        "Technical cooperation",
        "Research",
        "International migration law",
        "Migrants' rights",
        "Health and migration",
        "Migration and gender",
        "Labour migration",
        "Voluntary return and reintegration",
        "border management",
        "human trafficking",
        "UN Country Team",
        "Governors' Council",
        "Kashfian Alley",
        "North Sheikhbahaei Ave.",
        "Vanak",
        "Tehran",
        "19936",
        "+98 21 8804 3377",
        "+98 21 8806 0443",
        "+98 21 8806 0442",
        "+98 21 8804 7504",
        "iomtehran@iom.int",
        "www.iom.int",
        "Page 1 of 2",
        "NOVEMBER 2026",  # the kicker is set in capitals
    ]:
        assert fact in text, fact


def test_persian_edition_uses_persian_digits_and_holds_the_facts(built_project: Path):
    text = pdf_text(built_project / "dist" / "factsheet-fa.pdf")
    for fact in [
        "۱۹۵۱",
        "۱۲۰",
        "۱۹",
        "۳۷۰٬۰۰۰",
        "۱۹۹۵",
        "۲۰۰۱",
        "۲۰۰۴",
        "تیر–مرداد",  # July 1990 spans two Hijri months
        "+۹۸ ۲۱ ۸۸۰۴ ۳۳۷۷",
        "آذر ۱۴۰۵",
        "۸۸۰۴",
        "۳۳۷۷",
        "۰۴۴۳",
        "۰۴۴۲",
        "۷۵۰۴",
        "۱۹۹۳۶",
        "iomtehran@iom.int",
        "www.iom.int",
        "IOM",
        "UNHCR",
        "سازمان بینالمللی مهاجرت",
    ]:
        # Pango draws the zero-width non-joiner but leaves it out of the PDF's text layer, so
        # extracted words read "بینالمللی"; the rendered page joins them correctly.
        assert fact in text.replace("\u200c", ""), fact
    # No Latin digit outside Latin-script tokens (e-mail, web site).
    for token in text.split():
        if LATIN_DIGIT.search(token):
            assert re.search(r"[A-Za-z@]", token), token
    for arabic in "يكى":
        assert arabic not in text


def test_english_brochure_holds_the_shared_facts(built_project: Path):
    text = " ".join(pdf_text(built_project / "dist" / "brochure-en.pdf", raw=True).split())
    for fact in [
        "370,000",
        "July 1990",
        "1951",
        "120",
        "Observer states",
        "Migration and development",
        "Migrants' rights",
        "Voluntary return and reintegration",
        "Governors' Council",
        "UN Country Team",
        "+98 21 8804 3377",
        "+98 21 8804 7504",
        "iomtehran@iom.int",
        "www.iom.int",
        "Kashfian Alley",
        "Helping governments build migration systems",
    ]:
        assert fact in text, fact


def test_persian_brochure_uses_persian_digits_and_words(built_project: Path):
    text = pdf_text(built_project / "dist" / "brochure-fa.pdf")
    for fact in ["۳۷۰٬۰۰۰", "تیر–مرداد", "۱۹۵۱", "۱۲۰", "۸۸۰۴", "iomtehran@iom.int", "UNHCR"]:
        assert fact in text, fact
    for token in text.split():
        if re.search(r"[0-9]", token):
            assert re.search(r"[A-Za-z@]", token), token
    for arabic in "يك":
        assert arabic not in text

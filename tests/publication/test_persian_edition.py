"""Facts of the bundled publication's Persian edition, as a Persian editor signs it off.

A failure here is about content (content/, locales/), not about the code: an editor who changes
a figure, a term or a heading and sees one of these fail should read the assertion's message.
The house style is docs/content.md, "Persian text"; the terms are the project's glossary.
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from conftest import BIDI_CONTROLS

LRI, PDI = "\u2066", "\u2069"
PERSIAN_DOCS = ["factsheet-fa", "brochure-fa"]


class _Text(HTMLParser):
    """The body text of an edition's HTML, and the text of each heading and sentence-bearing
    block, with bidi controls removed and no-break spaces as spaces."""

    BLOCKS = {"h1", "h2", "h3", "p", "li", "th", "td", "div"}

    def __init__(self) -> None:
        super().__init__()
        self.in_head = False
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "head":
            self.in_head = True
        if tag in {"h1", "h2", "h3"}:
            self._heading = []
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        if tag in {"h1", "h2", "h3"} and self._heading is not None:
            self.headings.append(_clean("".join(self._heading)))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self.in_head:
            return
        self.parts.append(data)
        if self._heading is not None:
            self._heading.append(data)


def _clean(text: str) -> str:
    return text.translate(BIDI_CONTROLS).replace("\u00a0", " ").strip()


@pytest.fixture(scope="module")
def editions(built_project: Path) -> dict[str, tuple[str, _Text]]:
    result = {}
    for name in PERSIAN_DOCS:
        html = (built_project / "dist" / "html" / f"{name}.html").read_text(encoding="utf-8")
        parser = _Text()
        # The wordmark ("IOM" in its box) is the one place the acronym stands alone.
        parser.feed(re.sub(r'<span class="wordmark-mark">[^<]*</span>', "", html))
        result[name] = (html, parser)
    return result


def body_text(editions: dict, name: str) -> str:
    return _clean("".join(editions[name][1].parts))


@pytest.mark.parametrize("variant", ["", "print/"])
@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_pdf_author_is_joined_by_the_persian_comma(built_project: Path, name: str, variant: str):
    author = pypdf.PdfReader(built_project / "dist" / f"{variant}{name}.pdf").metadata.author
    assert author == "سازمان بین‌المللی مهاجرت، دفتر تهران", author
    assert "," not in author, "the Author joins name and office with «، », not a Latin comma"


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_terms_follow_the_glossary(editions, name):
    text = body_text(editions, name)
    assert "شورای حکام" not in text, "IOM's Council is «شورای سازمان بین‌المللی مهاجرت»"
    assert "غیرقانونی" not in text, "irregular migration is «مهاجرت نامنظم»"
    assert "مقابله با" not in text, "one term for combating: «مبارزه با»"
    assert "دورنگار" not in text and "نمابر" in text
    assert "ارقام کلیدی" not in text
    assert re.search("پست الکترونیک(?!ی)", text) is None, "«پست الکترونیکی»"
    for arabic in "يك":
        assert arabic not in text, f"Arabic letter {arabic!r}: use ی and ک"


def test_the_council_and_irregular_migration_are_named_as_iom_names_them(editions):
    text = body_text(editions, "factsheet-fa")
    assert "شورای سازمان بین‌المللی مهاجرت" in text
    assert "مبارزه با مهاجرت نامنظم" in text


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_no_heading_or_sentence_opens_with_latin_iom(editions, name):
    _, parser = editions[name]
    for heading in parser.headings:
        assert not heading.startswith("IOM"), heading
    text = body_text(editions, name)
    for sentence in re.split(r"[.؟!:؛\n]\s*", text):
        assert not sentence.strip().startswith("IOM"), sentence
    assert "سازمان بین‌المللی مهاجرت (IOM)" in text, "the first mention carries «(IOM)»"


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_the_month_only_start_date_is_not_a_single_hijri_month(editions, name):
    text = body_text(editions, name)
    assert "تیر ۱۳۶۹" not in text, "July 1990 runs from 10 Tir to 9 Mordad 1369"
    assert "ژوئیهٔ ۱۹۹۰ میلادی" in text


def test_the_timeline_gives_the_month_its_year_and_the_hijri_span_it_covers(editions):
    """«ژوئیهٔ ۱۹۹۰ میلادی (تیر–مرداد ۱۳۶۹)»: the month before its year, as the house style
    writes it, and never a single Hijri month for a fact known only to the month."""
    text = body_text(editions, "factsheet-fa")
    assert re.search(r"ژوئیهٔ\s*۱۹۹۰\s*میلادی\s*\(تیر–مرداد ۱۳۶۹\)", text), text


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_gregorian_years_are_marked_everywhere(editions, name):
    html, _ = editions[name]
    # A Gregorian year is followed by «میلادی», in running text, figures and timeline alike.
    text = re.sub(r"<[^>]+>", "", html.split("<body>", 1)[1])
    text = _clean(text)
    for match in re.finditer(r"(?<![۰-۹])(?:۱۹|۲۰)[۰-۹]{2}(?![۰-۹])", text):
        after = text[match.end() : match.end() + 40].lstrip()
        assert after.startswith(("میلادی", "ژوئیه")), text[match.start() - 30 : match.end() + 30]


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_headline_figures_are_in_words(editions, name):
    html, _ = editions[name]
    assert '۳۷۰<span class="figure-unit"> هزار</span>' in html
    assert '<span class="figure-unit">بیش از </span>۱۰۰' in html
    assert "+۱۰۰" not in html and "۱۰۰+" not in html
    # In running text the grouped number stays.
    assert "حدود ۳۷۰٬۰۰۰ تن" in body_text(editions, name)


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_phones_are_written_as_iranians_write_them_and_linked_with_latin_digits(editions, name):
    html, _ = editions[name]
    assert "(98-21)" not in html and "(۹۸-۲۱)" not in html
    for number, latin in [("۸۸۰۴ ۳۳۷۷", "88043377"), ("۸۸۰۶ ۰۴۴۳", "88060443")]:
        assert f"{LRI}+۹۸ ۲۱ {number}{PDI}" in html
        assert f'href="tel:+9821{latin}"' in html


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_fixed_phrases_are_kept_on_one_line(editions, name):
    html, _ = editions[name]
    assert "جمهوری اسلامی ایران" not in html.split("<body>", 1)[1]
    assert "جمهوری\u00a0اسلامی\u00a0ایران" in html


def test_catalog_headings_of_the_persian_edition(editions):
    brochure = editions["brochure-fa"][1].headings
    assert any(h.startswith("تماس با ما") for h in brochure), brochure
    assert "دربارهٔ ما" in brochure and "سازمان در یک نگاه" in brochure


def test_calls_to_action_are_polite_imperatives(editions):
    text = body_text(editions, "brochure-fa")
    for call in ["را پیشنهاد کنید.", "حمایت کنید.", "از دفتر بپرسید.", "مراجعه کنید."]:
        assert call in text, call
    assert "سر بزنید" not in text


@pytest.mark.parametrize("name", PERSIAN_DOCS)
def test_latin_inside_persian_text_uses_one_typeface(built_project: Path, name: str):
    fonts = subprocess.run(
        ["pdffonts", str(built_project / "dist" / f"{name}.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    families = {line.split()[0].split("+", 1)[-1] for line in fonts.splitlines()[2:]}
    # Vazirmatn sets the Persian text and its Latin runs (IOM, UNHCR, e-mail, website);
    # Source Sans 3 appears only in the wordmark's bold box.
    assert {f for f in families if not f.startswith("Vazirmatn")} == {"Source-Sans-3-Bold"}

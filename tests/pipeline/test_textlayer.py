"""The PDF text layer (pipeline/textlayer.py): what readers, copy and search get back.

The built project's editions are compared with the HTML they were made from (dist/html/) by
three readers: the structure tree (screen readers), poppler's pdftotext and PDFium (Chrome's
viewer). docs/accessibility.md has the measured numbers these thresholds guard.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, copy_project, run_cli
from iombrochure.errors import RenderError
from iombrochure.pipeline import textlayer
from textcompare import (
    html_text,
    pdfium_text,
    pdftotext,
    persian,
    score,
    structure_elements,
    structure_text,
    with_lam_alef,
    with_zwnj,
    words,
)

DOCUMENTS = ("factsheet", "brochure")
VARIANTS = ("", "print/")  # screen (dist/) and print (dist/print/)


def edition(built: Path, document: str, lang: str, variant: str = "") -> tuple[Path, Path]:
    """The PDF of an edition and the HTML it was rendered from."""
    suffix = "-print" if variant else ""
    return (
        built / "dist" / f"{variant}{document}-{lang}.pdf",
        built / "dist" / "html" / f"{document}-{lang}{suffix}.html",
    )


# -- the pieces ---------------------------------------------------------------------------------


def readable(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(textlayer.logical_text(run), lang) for run, lang in runs]


def test_latin_runs_in_persian_text_are_english_runs():
    text = "سازمان (\u2066IOM\u2069) با \u2066Médecins Sans Frontières\u2069 و \u2066(۹۸-۲۱) ۸۸۰۴\u2069"
    assert readable(textlayer.language_runs(text, "fa")) == [
        ("سازمان (", "fa"),
        ("IOM", "en"),
        (") با ", "fa"),
        ("Médecins Sans Frontières", "en"),
        (" و (۹۸-۲۱) ۸۸۰۴", "fa"),  # digits are not Latin words: read with the Persian voice
    ]


@pytest.mark.parametrize(
    "name",
    [
        "Renée Lefèvre",
        "Müller & Co.",
        "für Internationale Zusammenarbeit",
        "Türkiye Göç İdaresi",
        "ISO 9001",
    ],
)
def test_accented_german_french_and_turkish_names_are_one_english_run(name: str):
    text = f"همکاری با \u2066{name}\u2069 ادامه دارد"
    runs = textlayer.language_runs(text, "fa")
    assert "".join(run for run, _ in runs) == text  # nothing lost, nothing added
    assert readable(runs) == [("همکاری با ", "fa"), (name, "en"), (" ادامه دارد", "fa")]


def test_punctuation_between_runs_stays_with_the_run_before_it():
    runs = readable(textlayer.language_runs("\u2066IOM\u2069، \u2066UNHCR\u2069", "fa"))
    assert runs == [("IOM، ", "en"), ("UNHCR", "en")]


def test_a_latin_word_that_was_not_isolated_is_an_english_run_too():
    # UI strings from the catalogs («درباره IOM») reach the page without isolates.
    assert readable(textlayer.language_runs("درباره IOM", "fa")) == [
        ("درباره ", "fa"),
        ("IOM", "en"),
    ]


def test_persian_runs_in_english_text_are_persian_runs():
    runs = textlayer.language_runs("IOM, known as سازمان بین‌المللی مهاجرت in Iran", "en")
    assert ("سازمان بین‌المللی مهاجرت", "fa") in [(run.strip(), lang) for run, lang in runs]
    assert "".join(run for run, _ in runs) == "IOM, known as سازمان بین‌المللی مهاجرت in Iran"


def test_a_text_without_runs_is_one_run_in_its_language():
    assert textlayer.language_runs("بین‌المللی", "fa") == [("بین‌المللی", "fa")]
    assert textlayer.language_runs("Geneva", "en") == [("Geneva", "en")]


def test_logical_text_drops_isolates_and_keeps_the_zwnj():
    assert textlayer.logical_text("\u2066IOM\u2069 می\u200cشود") == "IOM می\u200cشود"


def test_ligatures_of_arabic_letters_are_mapped_in_reverse_for_extractors():
    assert textlayer._extractor_order("لا") == "ال"
    assert textlayer._extractor_order("fi") == "fi"  # a Latin ligature is left-to-right
    assert textlayer._extractor_order("۱۲") == "۱۲"  # digits run left to right
    assert textlayer._extractor_order("ی") == "ی"


def test_a_letter_drawn_with_its_mark_as_one_glyph_is_mapped_in_reverse_for_extractors():
    # The fonts draw the ezafe «هٔ» (heh, hamza above) as one glyph: extractors reverse it too.
    assert textlayer._extractor_order("\u0647\u0654") == "\u0654\u0647"
    assert textlayer._extractor_order("\u0654") == "\u0654"
    assert textlayer._extractor_order("\u0654\u0647") == "\u0654\u0647"  # no letter first


def test_the_zwnj_and_rlm_glyphs_are_the_fonts_own_zero_width_ones():
    vazirmatn = (REPO / "fonts" / "vazirmatn" / "Vazirmatn-Regular.ttf").read_bytes()
    source_sans = (REPO / "fonts" / "source-sans-3" / "SourceSans3-Regular.ttf").read_bytes()
    for char in (textlayer.ZWNJ, textlayer.RLM):
        assert isinstance(textlayer._find_format_glyph(vazirmatn, 0, char), int)
        assert textlayer._find_format_glyph(source_sans, 0, char) is None  # none: left as it is


def test_an_island_is_a_text_box_holding_one_isolated_run():
    assert textlayer._is_island("\u2066(۹۸-۲۱) ۸۸۰۴ ۳۳۷۷\u2069")
    assert textlayer._is_island(" \u2066iomtehran@iom.int\u2069 ")
    assert not textlayer._is_island("تلفن \u2066(۹۸-۲۱)\u2069")
    assert not textlayer._is_island("\u2066IOM\u2069 و \u2066UNHCR\u2069")


# -- the WeasyPrint internals the hook relies on ----------------------------------------------


def test_the_installed_weasyprint_has_every_internal_the_hook_uses():
    import weasyprint

    textlayer.check_internals()
    pinned = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "weasyprint>=70,<71" in pinned, "the hook is written for WeasyPrint 70 only"
    assert weasyprint.__version__.startswith("70."), weasyprint.__version__


def test_a_missing_internal_fails_loudly_and_names_it(monkeypatch: pytest.MonkeyPatch):
    from weasyprint.pdf import tags

    monkeypatch.delattr(tags, "_build_box_tree")
    with pytest.raises(RenderError, match=r"weasyprint\.pdf\.tags\._build_box_tree"):
        textlayer.check_internals()


def test_a_changed_signature_fails_loudly_and_names_it(monkeypatch: pytest.MonkeyPatch):
    import weasyprint.pdf

    monkeypatch.setattr(textlayer, "_originals", {})
    monkeypatch.setattr(weasyprint.pdf, "add_tags", lambda pdf, document, page_streams: None)
    with pytest.raises(RenderError, match="add_tags"):
        textlayer.check_internals()


def test_a_build_with_a_changed_internal_stops_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from weasyprint.pdf import stream

    from iombrochure.pipeline.render import Renderer

    monkeypatch.setattr(textlayer, "_originals", {})  # as in a fresh process
    monkeypatch.delattr(stream.Stream, "marked")
    html = "<html lang='en'><body><p>Text</p></body></html>"
    with pytest.raises(RenderError) as raised:
        Renderer(tmp_path).render(html, base_url=tmp_path, label="note (en)")
    assert raised.value.message.startswith("note (en): WeasyPrint 70")
    assert "weasyprint.pdf.stream.Stream.marked" in raised.value.message
    assert "pyproject.toml" in raised.value.hint


# -- what the built editions give back ------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_structure_tree_holds_every_persian_word_as_typed(
    built_project: Path, document: str, variant: str
):
    pdf, html = edition(built_project, document, "fa", variant)
    expected, got = words(html_text(html)), words(structure_text(pdf))
    assert score(expected, got, persian).ratio >= 0.99, score(expected, got, persian)
    assert score(expected, got, with_zwnj).ratio == 1, expected - got
    assert score(expected, got, with_lam_alef).ratio == 1, expected - got


@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdfium_keeps_the_persian_words_and_every_lam_alef(built_project: Path, document: str):
    pdf, html = edition(built_project, document, "fa")
    expected, got = words(html_text(html)), words(pdfium_text(pdf))
    assert score(expected, got, persian).ratio >= 0.99, score(expected, got, persian)
    assert score(expected, got, with_lam_alef).ratio == 1, score(expected, got, with_lam_alef)
    assert score(expected, got, with_zwnj).ratio >= 0.9, score(expected, got, with_zwnj)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdftotext_keeps_the_persian_words_and_every_zwnj(built_project: Path, document: str):
    pdf, html = edition(built_project, document, "fa")
    expected, got = words(html_text(html)), words(pdftotext(pdf))
    assert score(expected, got, persian).ratio >= 0.95, score(expected, got, persian)  # was 86 %
    assert score(expected, got, with_zwnj).ratio == 1, score(expected, got, with_zwnj)


@pytest.mark.parametrize("reader", [pdftotext, pdfium_text], ids=["pdftotext", "pdfium"])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_ezafe_words_copy_as_typed(built_project: Path, document: str, reader):
    pdf, html = edition(built_project, document, "fa")
    expected, got = words(html_text(html)), words(reader(pdf))
    with_ezafe = score(expected, got, lambda word: "\u0654" in word)
    assert with_ezafe.total >= 5 and with_ezafe.ratio == 1, expected - got


#: A Latin letter or a digit glued to a Persian letter, in one word.
GLUED_TO_A_RUN = re.compile(
    r"[0-9A-Za-z۰-۹][\u0621-\u064a\u067e-\u06cc]|[\u0621-\u064a\u067e-\u06cc][0-9A-Za-z۰-۹]"
)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdftotext_parts_latin_and_number_runs_from_the_persian_words_beside_them(
    built_project: Path, document: str
):
    # poppler took the space beside a run into the run's LRE … PDF, on the wrong side:
    # «۱۹۵۱میلادی», «UNHCRتا», «۳۷۰٬۰۰۰تن» to a search index that drops the controls.
    pdf, _ = edition(built_project, document, "fa")
    text = pdftotext(pdf).translate(textlayer.BIDI_CONTROLS)
    assert [word for word in text.split() if GLUED_TO_A_RUN.search(word)] == []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_english_editions_read_whole_everywhere(built_project: Path, document: str):
    pdf, html = edition(built_project, document, "en")
    expected = words(html_text(html))
    assert score(expected, words(structure_text(pdf))).ratio == 1
    for reader in (pdftotext, pdfium_text):
        # Extractors join a word broken at a line-end hyphen ("third-" "country"), and the
        # hidden "Key figures" heading is in the tag tree only: nothing else may go missing.
        missing = expected - words(reader(pdf))
        assert set(missing) <= {"third-country", "key", "figures"}, (reader.__name__, missing)


@pytest.mark.parametrize("reader", [pdftotext, pdfium_text], ids=["pdftotext", "pdfium"])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_phone_numbers_email_and_website_copy_in_typed_order(
    built_project: Path, document: str, reader
):
    pdf, html = edition(built_project, document, "fa")
    source = html.read_text(encoding="utf-8")
    typed = {
        textlayer.logical_text(found)
        for found in re.findall(r'class="(?:phone|latin)"[^>]*>([^<]+)<', source)
    }
    assert len(typed) >= 5  # three phones, the fax, the e-mail (and the website)
    text = textlayer.logical_text(reader(pdf))
    for value in sorted(typed):
        assert value in text, f"{value!r} not in typed order in {reader.__name__}"


# -- the pages do not change ----------------------------------------------------------------


def test_pages_are_pixel_identical_with_and_without_the_text_layer(built_project: Path):
    import pypdfium2

    from iombrochure.pipeline.render import Renderer

    _, html = edition(built_project, "factsheet", "fa")
    options = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}
    rendered = {}
    for enabled in (True, False):
        renderer = Renderer(built_project, text_layer=enabled)
        pdf = renderer.render(
            html.read_text(encoding="utf-8"), base_url=html, label="test", pdf_options=options
        ).pdf
        document = pypdfium2.PdfDocument(pdf)
        rendered[enabled] = (
            [page.render(scale=1).to_pil().tobytes() for page in document],
            "\n".join(page.get_textpage().get_text_range() for page in document),
        )
    (with_hook, text_with), (without_hook, text_without) = rendered[True], rendered[False]
    assert "\u200c" in text_with and "\u200c" not in text_without  # the hook did run
    assert len(with_hook) == len(without_hook) == 2
    for number, (page_with, page_without) in enumerate(zip(with_hook, without_hook, strict=True)):
        assert page_with == page_without, f"page {number + 1} differs"


# -- accented Latin names inside Persian, in a PDF --------------------------------------------

NAMES = ("Renée Lefèvre", "Médecins Sans Frontières", "Müller & Co.", "Türkiye Göç İdaresi")
#: How each name reads back: a final full stop is sentence punctuation, outside the isolate.
WHOLE = [name.rstrip(".") for name in NAMES]


@pytest.fixture(scope="module")
def names_edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Persian fact sheet, its lede naming partners with accented Latin names.

    Each name closes a short paragraph of its own, so that no line break falls inside a name
    (a name broken across two lines is two spans, whatever the text layer does)."""
    root = copy_project(REPO, tmp_path_factory.mktemp("names") / "project")
    lede = root / "content" / "fa" / "factsheet.yaml"
    text = lede.read_text(encoding="utf-8")
    start = text.index("lede: >-\n")
    end = text.index("\n\n", start)
    paragraphs = "\n\n".join(f"  همکاری با {name}" for name in NAMES)
    lede.write_text(text[:start] + "lede: >-\n" + paragraphs + text[end:], encoding="utf-8")
    args = ("--doc", "factsheet", "--lang", "fa", "--variant", "screen", "--no-preview")
    result = run_cli("build", "--project", str(root), *args)
    assert result.returncode == 0, result.stderr
    return root / "dist" / "factsheet-fa.pdf"


def test_accented_names_in_persian_are_whole_english_spans_in_the_tag_tree(names_edition: Path):
    english = [
        element.text.strip(" ،.")
        for element in structure_elements(names_edition)
        if element.lang == "en" and element.text
    ]
    for name in WHOLE:
        assert name in english, (name, english)


def test_accented_names_in_persian_copy_whole_from_pdftotext(names_edition: Path):
    text = textlayer.logical_text(pdftotext(names_edition))
    for name in WHOLE:
        assert name in " ".join(text.split()), name


def test_persian_words_in_an_english_edition_are_tagged_persian(tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    lede = root / "content" / "en" / "factsheet.yaml"
    lede.write_text(
        lede.read_text(encoding="utf-8").replace(
            "Since {months.iran_start}, IOM",
            "Since {months.iran_start}, IOM (سازمان بین‌المللی مهاجرت)",
        ),
        encoding="utf-8",
    )
    args = ("--doc", "factsheet", "--lang", "en", "--variant", "screen", "--no-preview")
    result = run_cli("build", "--project", str(root), *args)
    assert result.returncode == 0, result.stderr
    pdf = root / "dist" / "factsheet-en.pdf"
    persian_spans = [e.text for e in structure_elements(pdf) if e.lang == "fa"]
    assert any("سازمان بین‌المللی مهاجرت" in text for text in persian_spans), persian_spans
    assert "IOM (سازمان بین‌المللی مهاجرت)" in " ".join(structure_text(pdf).split())

"""A new publication in a new language (issue 11), end to end, on tests/fixtures/leaflet.

The fixture is a one-page leaflet in English, Persian and Pashto beside a card made in English
and Persian only: per-document languages, fields declared in content/fields.yaml (Markdown in
the prose), Afghan month names for Pashto, the Afghani sign and ☎ drawn by bundled fonts, and a
print PDF whose header band runs into the bleed without a file-naming convention.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import leaflet_project, run_cli
from iombrochure.errors import ConfigError
from iombrochure.pipeline.checks import run_checks
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.jobs import plan_jobs

#: Bidi controls pdftotext and the isolating filters put around runs; not part of the words.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BUNDLED_FONTS = (
    "Source-Sans-3",
    "Vazirmatn",
    "Afghani-Sign",
    "Noto-Naskh-Arabic",
    "Noto-Sans-Symbols-2",
)


def pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(BIDI_CONTROLS.sub(" ", text).split())


def pdf_fonts(path: Path) -> list[str]:
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split()[0].split("+", 1)[-1] for line in lines if line.strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdftotext, pdffonts) is not installed")
    root = leaflet_project(tmp_path_factory.mktemp("new-publication") / "leaflet")
    result = run_cli(
        "build", "--strict", "--emit-html", "-j", "1", "--no-preview", "--project", str(root)
    )
    assert result.returncode == 0, result.stderr
    return root


def test_each_document_is_made_in_its_own_languages_only(built: Path):
    made = sorted(p.relative_to(built / "dist").as_posix() for p in built.glob("dist/**/*.pdf"))
    editions = ["card-en", "card-fa", "leaflet-en", "leaflet-fa", "leaflet-ps"]
    assert made == sorted([f"{e}.pdf" for e in editions] + [f"print/{e}.pdf" for e in editions])


def test_markdown_in_a_new_documents_prose_is_rendered(built: Path):
    html = (built / "dist" / "html" / "leaflet-en.html").read_text(encoding="utf-8")
    assert "<strong>free of charge</strong>" in html
    assert "<em>housing</em>" in html
    text = pdf_text(built / "dist" / "leaflet-en.pdf")
    assert "All help is free of charge." in text and "**" not in text


def test_pashto_dates_use_afghan_month_names_and_persian_ones_iranian(built: Path):
    pashto = pdf_text(built / "dist" / "leaflet-ps.pdf")
    assert "قوس ۱۴۰۵" in pashto  # the edition, 28 November 2026
    assert "۳۰ جدی ۱۴۰۵" in pashto  # the deadline, 20 January 2027
    assert "آذر" not in pashto and "۳۰ دی" not in pashto
    persian = pdf_text(built / "dist" / "leaflet-fa.pdf")
    assert "آذر ۱۴۰۵" in persian and "۳۰ دی ۱۴۰۵" in persian


def test_the_afghani_sign_and_the_telephone_are_drawn_by_bundled_fonts(built: Path):
    for lang in ("en", "fa", "ps"):
        for variant in ("", "print/"):
            pdf = built / "dist" / f"{variant}leaflet-{lang}.pdf"
            text = pdf_text(pdf)
            assert "؋" in text and "☎" in text, pdf
            fonts = pdf_fonts(pdf)
            assert fonts and all(font.startswith(BUNDLED_FONTS) for font in fonts), fonts
            assert any(font.startswith("Afghani-Sign") for font in fonts), fonts  # ؋


# -- the cash grant: a money fact, {money.cash_grant} = {amount: 15000, currency: AFN} ----------

LRI, RLI, FSI, PDI, NBSP = "\u2066", "\u2067", "\u2068", "\u2069", "\u00a0"
#: The amount as each edition's HTML holds it: the sign isolated from the number, the whole
#: isolated in the edition's direction.
AMOUNT_HTML = {
    "en": f"{LRI}{FSI}؋{PDI}15,000{PDI}",
    **dict.fromkeys(("fa", "prs", "ps"), f"{RLI}{FSI}؋{PDI}{NBSP}۱۵٬۰۰۰{PDI}"),
}


@pytest.fixture(scope="module")
def dari(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The leaflet with a Dari edition too (prs: Babel's fa_AF), built on screen."""
    root = leaflet_project(tmp_path_factory.mktemp("dari") / "leaflet")
    config = root / "iombrochure.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('languages = ["en", "fa", "ps"]', 'languages = ["en", "fa", "ps", "prs"]')
    config.write_text(
        text + '\n[languages.prs]\ncalendar = "solar-hijri"\ndigits = "persian"\n', "utf-8"
    )
    persian = (root / "content" / "fa" / "leaflet.yaml").read_text(encoding="utf-8")
    (root / "content" / "prs").mkdir(exist_ok=True)  # the starter kit's Dari, replaced
    (root / "content" / "prs" / "leaflet.yaml").write_text(
        persian.replace("هر خانواده", "هر فامیل"), encoding="utf-8"
    )
    shutil.copytree(root / "locales" / "fa", root / "locales" / "prs", dirs_exist_ok=True)
    result = run_cli(
        "build", "--strict", "--emit-html", "--lang", "prs", "--doc", "leaflet",
        "--variant", "screen", "--no-preview", "--project", str(root),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return root


def _edition(built: Path, dari: Path, lang: str) -> tuple[Path, Path]:
    root = dari if lang == "prs" else built
    return root / "dist" / f"leaflet-{lang}.pdf", root / "dist" / "html" / f"leaflet-{lang}.html"


def _sign_and_number(pdf: Path, first_digit: str) -> tuple[dict, dict]:
    """PDFium's view of the ؋ on the page and of the first digit of the number drawn
    nearest to it on its line: x position and font (subset prefix removed)."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(str(pdf))
    textpage = document[0].get_textpage()
    chars = []
    for index in range(textpage.count_chars()):
        left, bottom, right, _ = textpage.get_charbox(index)
        font = ctypes.create_string_buffer(128)
        pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, font, 128, None)
        chars.append(
            {
                "char": textpage.get_text_range(index, 1),
                "x": (left + right) / 2,
                "y": bottom,
                "font": font.value.decode().split("+", 1)[-1],
            }
        )
    document.close()
    sign = next(c for c in chars if c["char"] == "؋")
    digits = [c for c in chars if c["char"] == first_digit and abs(c["y"] - sign["y"]) < 6]
    return sign, min(digits, key=lambda c: abs(c["x"] - sign["x"]))


@pytest.mark.parametrize("lang", ["en", "fa", "prs", "ps"])
def test_the_cash_grant_is_isolated_whole_in_the_html(built: Path, dari: Path, lang: str):
    html = _edition(built, dari, lang)[1].read_text(encoding="utf-8")
    assert f"<strong>{AMOUNT_HTML[lang]}</strong>" in html
    assert "{money" not in html and "AFN" not in html


@pytest.mark.parametrize(
    ("lang", "first_digit", "sign_side"),
    [("en", "1", "left"), ("fa", "۱", "right"), ("prs", "۱", "right"), ("ps", "۱", "right")],
)
def test_the_afghani_sign_stands_on_its_side_of_the_number_in_the_weight_of_the_digits(
    built: Path, dari: Path, lang: str, first_digit: str, sign_side: str
):
    """On the page: ؋ before the number in reading order (left of it in English, right of it in
    Dari, Persian and Pashto), drawn by "Afghani Sign" in the digits' own weight (the bold of
    **...**), not by Noto Naskh's thin ؋."""
    sign, number = _sign_and_number(_edition(built, dari, lang)[0], first_digit)
    assert (sign["x"] < number["x"]) == (sign_side == "left"), (sign, number)
    assert sign["font"].startswith("Afghani-Sign"), sign
    family = "Source-Sans-3" if lang == "en" else "Vazirmatn"
    assert number["font"].startswith(family), number
    weight = number["font"].removeprefix(family)
    assert sign["font"] == f"Afghani-Sign{weight}" and weight, (sign, number)


@pytest.mark.parametrize("lang", ["en", "fa", "prs", "ps"])
def test_the_cash_grant_reads_whole_in_the_text_layer(built: Path, dari: Path, lang: str):
    """Screen readers (the tag tree) get the amount as typed, sign first; PDFium copies it sign
    first too; poppler keeps it in one piece beside its words."""
    from textcompare import pdfium_text, pdftotext, structure_text

    pdf = _edition(built, dari, lang)[0]
    number = "15,000" if lang == "en" else "۱۵٬۰۰۰"
    tagged = re.sub("[ \n]+", " ", BIDI_CONTROLS.sub("", structure_text(pdf)))
    copied = " ".join(BIDI_CONTROLS.sub("", pdfium_text(pdf)).split())
    poppler = " ".join(BIDI_CONTROLS.sub("", pdftotext(pdf)).split())
    if lang == "en":
        sentence = "Each family receives ؋15,000 (afghani) in cash."
        assert sentence in tagged and sentence in poppler
        assert "receives ؋15,000" in copied
        assert "15,000؋" not in poppler.replace(" ", "")  # the "10,000؋"
    else:
        family = "فامیل" if lang == "prs" else ("کورنۍ" if lang == "ps" else "خانواده")
        assert re.search(f"{family} ؋{NBSP}{number} \\(", tagged), tagged
        assert re.search(f"{family} ؋ ?{number}", copied), copied
        assert re.search(f"(؋ ?{number}|{number} ?؋)", poppler), poppler


def test_the_print_pdf_has_bleed_and_the_band_runs_into_it(built: Path):
    from pypdf import PdfReader

    page = PdfReader(built / "dist" / "print" / "leaflet-ps.pdf").pages[0]
    trim, bleed = page.trimbox, page.bleedbox
    assert float(bleed.left) < float(trim.left) and float(bleed.top) > float(trim.top)
    html = (built / "dist" / "html" / "leaflet-ps-print.html").read_text(encoding="utf-8")
    assert "styles/print.css" in html and "styles/band-into-bleed.css" in html
    screen = (built / "dist" / "html" / "leaflet-ps.html").read_text(encoding="utf-8")
    assert "band-into-bleed.css" not in screen
    # The band's blue reaches the bleed edge of the print page, above the trim.
    import pypdfium2

    bitmap = pypdfium2.PdfDocument(built / "dist" / "print" / "leaflet-ps.pdf")[0].render(scale=1)
    image = bitmap.to_pil().convert("RGB")
    inset_pt = float(trim.left) - float(page.mediabox.left)
    bleed_pt = float(trim.left) - float(bleed.left)
    x, y = int(image.width / 2), int(inset_pt - bleed_pt + 2)  # just inside the bleed box
    red, green, blue = image.getpixel((x, y))
    assert blue > 120 and red < 60, (x, y, image.getpixel((x, y)))


def test_check_is_clean_and_counts_each_language_by_its_documents(tmp_path: Path):
    report = run_checks(load_project(leaflet_project(tmp_path / "leaflet")))
    assert [f.format() for f in report.findings] == []
    assert report.summary["ps"].fields == 12  # the leaflet's fields only: no card in Pashto
    assert report.summary["ps"].translated == 12
    assert report.summary["fa"].fields == 16
    assert report.summary["ps"].catalog_total == report.summary["ps"].catalog_translated == 5


def test_a_copied_translation_is_reported_and_not_counted(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    shutil.copy2(root / "content" / "en" / "leaflet.yaml", root / "content" / "ps" / "leaflet.yaml")
    report = run_checks(load_project(root))
    copied = [f for f in report.findings if f.rule == "untranslated-copy"]
    assert len(copied) == 1 and copied[0].path.name == "leaflet.yaml"
    assert "title, subject" in copied[0].message
    assert report.summary["ps"].translated < report.summary["ps"].fields


def test_a_language_a_document_is_not_made_in_is_named(tmp_path: Path):
    project = load_project(leaflet_project(tmp_path / "leaflet"))
    assert {job.lang for job in plan_jobs(project, documents=["card"])} == {"en", "fa"}
    with pytest.raises(ConfigError, match=r"card is not made in ps .*card: en, fa"):
        plan_jobs(project, documents=["card"], languages=["ps"])


def test_an_undeclared_field_is_an_error_with_a_suggestion(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    path = root / "content" / "en" / "card.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("text:", "txet:"), encoding="utf-8")
    report = run_checks(load_project(root))
    messages = [f.message for f in report.errors]
    assert "unknown field 'txet' (did you mean 'text'?)" in messages


def test_an_unknown_field_kind_names_the_line_of_fields_yaml(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    path = root / "content" / "fields.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("intro: prose", "intro: prsoe"))
    report = run_checks(load_project(root))
    (error,) = [f for f in report.errors if f.rule == "fields"]
    assert error.path.name == "fields.yaml" and error.line == 6
    assert "unknown field kind 'prsoe' (did you mean 'prose'?)" in error.message


def test_a_renderer_warning_for_every_edition_is_printed_once(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    sheet = root / "styles" / "leaflet.css"
    sheet.write_text(sheet.read_text() + "\n.band { frobnicate: 1; }\n")
    result = run_cli(
        "build",
        "--doc",
        "leaflet",
        "--variant",
        "screen",
        "-j",
        "1",
        "--no-preview",
        "--project",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "frobnicate" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warning: leaflet (en, screen) and 2 other editions: ")


def test_a_language_needs_only_the_ui_strings_of_its_own_documents(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    card = root / "templates" / "card.html"
    card.write_text(card.read_text().replace("</h1>", "</h1><p>{{ _('Bring this card') }}</p>"))
    report = run_checks(load_project(root))
    missing = [f for f in report.errors if f.rule == "catalog-missing-entry"]
    assert [f.path.parts[-3] for f in missing] == ["fa"]  # the card is not made in Pashto
    assert "'Bring this card' (used in templates/card.html:4)" in missing[0].message
    assert report.summary["ps"].catalog_total == 5 and report.summary["fa"].catalog_total == 6


def test_check_shows_content_and_template_problems_in_one_pass(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    (root / "content" / "en" / "card.yaml").unlink()
    leaflet = root / "templates" / "leaflet.html"
    leaflet.write_text(leaflet.read_text().replace("doc.contact", "doc.contacts"))
    report = run_checks(load_project(root))
    errors = {f.rule: f for f in report.errors}
    missing = errors["file-missing"]
    assert missing.path == root / "content" / "en" / "card.yaml"
    assert "copy" not in (missing.hint or "")  # nothing to copy: it is the source language
    assert "declared in content/fields.yaml" in missing.hint
    assert errors["template-error"].path == root / "templates" / "leaflet.html"


def test_mark_current_says_when_there_was_nothing_to_mark(tmp_path: Path):
    root = leaflet_project(tmp_path / "leaflet")
    first = run_cli("translations", "mark-current", "--project", str(root))
    assert first.returncode == 0, first.stderr
    assert first.stdout == "nothing to mark: 3 files already marked current\n"
    source = root / "content" / "en" / "leaflet.yaml"
    source.write_text(source.read_text().replace("title: Register\n", "title: Register now\n"))
    second = run_cli("translations", "mark-current", "--lang", "ps", "--project", str(root))
    assert second.stdout == "marked 1 field current in content/ps/leaflet.yaml\n"


def test_a_date_field_is_written_in_the_editions_calendar(tmp_path: Path):
    from iombrochure.pipeline.content import load_content
    from iombrochure.pipeline.templating import render_edition

    root = leaflet_project(tmp_path / "leaflet")
    fields = root / "content" / "fields.yaml"
    fields.write_text(
        fields.read_text().replace(
            "  keywords: [text]\n  text: prose\n",
            "  keywords: [text]\n  text: prose\n  valid_until: date\n",
        )
    )
    for lang in ("en", "fa"):
        card = root / "content" / lang / "card.yaml"
        card.write_text(card.read_text().replace("keywords:", "valid_until: 2027-03-20\nkeywords:"))
    template = root / "templates" / "card.html"
    template.write_text(template.read_text().replace("</h1>", "</h1><p>{{ doc.valid_until }}</p>"))
    project = load_project(root)
    content = load_content(project)
    card = project.documents["card"]
    assert "<p>20 March 2027</p>" in render_edition(project, content, card, "en").html
    assert "<p>۲۹ اسفند ۱۴۰۵</p>" in render_edition(project, content, card, "fa").html


def test_the_new_editions_are_pdf_ua_1(built: Path):
    from verapdf import assert_compliant

    assert_compliant("ua1", sorted((built / "dist").glob("leaflet-*.pdf")))


def test_changing_a_fields_kind_makes_its_editions_out_of_date(tmp_path: Path):
    from iombrochure.pipeline.jobs import Job
    from iombrochure.pipeline.state import base_inputs

    project = load_project(leaflet_project(tmp_path / "leaflet"))
    inputs = base_inputs(project, Job("leaflet", "ps"))
    assert "content/fields.yaml" in inputs and inputs["content/fields.yaml"] != "absent"

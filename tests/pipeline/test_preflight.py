"""`iombrochure preflight`: the print PDFs checked as a print shop's preflight checks them.

Each fault fixture (tests/fixtures/preflight/*.content, one page with one fault) is wrapped
into a real PDF and must be found with its page and place; the bundled publication's print
PDFs must give nothing above a notice, with the QR code and the text on the black plate
alone and the ink total within the press's limit, measured on Ghostscript's separations.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy
import pypdf
import pytest
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
)

from conftest import REPO, copy_project, run_cli
from iombrochure.pipeline.preflight import (
    INKS,
    PT_PER_MM,
    PageGeometry,
    PreflightError,
    preflight_pdf,
    render_separations,
)

FAULTS = REPO / "tests" / "fixtures" / "preflight"
TRIM = (595.276, 841.89)  # A4
SLUG = 8 * PT_PER_MM
BLEED = 10.0

needs_ghostscript = pytest.mark.skipif(
    shutil.which("gs") is None,
    reason="Ghostscript (Debian package ghostscript) renders the separations measured here",
)


def fault_pdf(tmp_path: Path, name: str, *, bleed: float = BLEED) -> Path:
    """A one-page PDF drawing fixture ``name`` from the trim's bottom-left corner."""
    writer = pypdf.PdfWriter()
    width, height = TRIM[0] + 2 * SLUG, TRIM[1] + 2 * SLUG
    page = writer.add_blank_page(width, height)

    def box(inset: float) -> ArrayObject:
        return ArrayObject(
            FloatObject(round(v, 3)) for v in (inset, inset, width - inset, height - inset)
        )

    page[NameObject("/TrimBox")] = box(SLUG)
    page[NameObject("/BleedBox")] = box(SLUG - bleed)
    picture = DecodedStreamObject()
    picture.set_data(bytes(range(256)) * 4)  # 16 × 16 CMYK pixels
    picture.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(16),
            NameObject("/Height"): NumberObject(16),
            NameObject("/ColorSpace"): NameObject("/DeviceCMYK"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    tint = DictionaryObject(
        {
            NameObject("/FunctionType"): NumberObject(2),
            NameObject("/Domain"): ArrayObject([NumberObject(0), NumberObject(1)]),
            NameObject("/C0"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/C1"): ArrayObject(
                [FloatObject(1), FloatObject(0.6), NumberObject(0), NumberObject(0)]
            ),
            NameObject("/N"): NumberObject(1),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject(
                {
                    NameObject("/F1"): DictionaryObject(
                        {
                            NameObject("/Type"): NameObject("/Font"),
                            NameObject("/Subtype"): NameObject("/Type1"),
                            NameObject("/BaseFont"): NameObject("/Helvetica"),
                        }
                    )
                }
            ),
            NameObject("/ExtGState"): DictionaryObject(
                {
                    NameObject("/OP"): DictionaryObject(
                        {
                            NameObject("/OP"): pypdf.generic.BooleanObject(True),
                            NameObject("/op"): pypdf.generic.BooleanObject(True),
                            NameObject("/OPM"): NumberObject(1),
                        }
                    )
                }
            ),
            NameObject("/ColorSpace"): DictionaryObject(
                {
                    NameObject("/Spot"): ArrayObject(
                        [
                            NameObject("/Separation"),
                            NameObject("/PANTONE 286 C"),
                            NameObject("/DeviceCMYK"),
                            tint,
                        ]
                    )
                }
            ),
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/Lowres"): writer._add_object(picture)}
            ),
        }
    )
    content = DecodedStreamObject()
    drawing = (FAULTS / f"{name}.content").read_text(encoding="utf-8")
    content.set_data(f"1 0 0 1 {SLUG:.3f} {SLUG:.3f} cm\n{drawing}".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    path = tmp_path / f"{name}.pdf"
    writer.write(path)
    return path


def found(pdf: Path, rule: str) -> list[str]:
    """The lines of one kind of finding."""
    report = preflight_pdf(pdf)
    return [f.line_text(pdf.parent) for f in report.findings if f.rule == rule]


# ---- Each fault, found with its page and place ----------------------------------------------


@needs_ghostscript
def test_ink_over_the_press_limit_is_an_error_where_it_is(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "ink-total"), "ink-total")
    assert any(
        line.startswith("error: ink-total.pdf: page 1 at 20 × 257 mm: ink total over 330 %")
        for line in lines
    ), lines
    assert any("highest ink total 400 %" in line for line in lines), lines


@needs_ghostscript
def test_small_text_on_two_plates_is_a_warning(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "small-text"), "small-text-plates")
    assert lines == [
        "warning: small-text.pdf: page 1 at 10 × 27 mm: 6.0 pt text on 2 plates (100/85/0/0): "
        "a slight misregistration blurs it (print text under 12 pt in one ink, or set it larger)"
    ]


@needs_ghostscript
def test_small_text_reversed_out_of_two_plates_is_a_warning(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "reversed-text"), "reversed-text")
    assert len(lines) == 1 and lines[0].startswith(
        "warning: reversed-text.pdf: page 1 at 10 × 10 mm: 6.0 pt text reversed out of cyan, "
        "magenta"
    ), lines


@needs_ghostscript
def test_a_hairline_is_a_warning(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "hairline"), "hairline")
    assert lines == [
        "warning: hairline.pdf: page 1 at 30 × 100 mm: a line 0.10 pt wide; under 0.25 pt it "
        "breaks up on the plate (draw lines at least 0.25 pt (0.1 mm) wide)"
    ]


@needs_ghostscript
def test_white_that_overprints_is_an_error(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "white-overprint"), "white-overprint")
    assert lines == [
        "error: white-overprint.pdf: page 1 at 20 × 257 mm: a white shape set to overprint: it "
        "vanishes on press (white must knock out; remove the overprint)"
    ]


@needs_ghostscript
@pytest.mark.parametrize(
    ("fault", "what"),
    [
        ("rgb-colour", "colour left in RGB (RGB 1/0/0)"),
        ("spot-colour", "spot colour PANTONE 286 C: an ink the CMYK job has no plate for"),
    ],
)
def test_rgb_or_spot_colour_left_is_an_error(tmp_path: Path, fault: str, what: str):
    lines = found(fault_pdf(tmp_path, fault), "colour-space")
    assert len(lines) == 1 and lines[0].startswith(
        f"error: {fault}.pdf: page 1 at 50 × 227 mm: {what}"
    ), lines


@needs_ghostscript
def test_a_picture_under_150_ppi_is_an_error(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "low-resolution"), "picture-resolution")
    assert lines == [
        "error: low-resolution.pdf: page 1 at 20 × 20 mm: a picture at 10 ppi; print needs 200 "
        "or more (300 is best) (use a larger picture, or place it smaller)"
    ]


@needs_ghostscript
def test_a_font_not_embedded_is_an_error(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "unembedded-font"), "font-embedding")
    assert len(lines) == 1 and lines[0].startswith(
        "error: unembedded-font.pdf: page 1 at 10 × 50 mm: font Helvetica is not embedded"
    ), lines


@needs_ghostscript
def test_a_page_without_bleed_is_an_error(tmp_path: Path):
    lines = found(fault_pdf(tmp_path, "no-bleed", bleed=0), "bleed")
    assert lines == [
        "error: no-bleed.pdf: page 1: 0.0 mm of bleed past the trim; the shop needs 3 mm (give "
        "the page `bleed` in the print stylesheet and run the artwork into it)"
    ]


def test_a_page_whose_content_cannot_be_read_is_one_clear_refusal(tmp_path: Path):
    with pytest.raises(PreflightError) as refused:
        preflight_pdf(fault_pdf(tmp_path, "damaged"))
    assert refused.value.format(relative_to=tmp_path) == (
        "damaged.pdf: page 1: its content cannot be read (the file is damaged) (build it "
        "again, or ask whoever made it for a new file)"
    )


def test_a_pdf_that_cannot_be_read_is_one_clear_line(tmp_path: Path):
    project = copy_project(REPO, tmp_path / "project")
    (project / "dist" / "print").mkdir(parents=True)
    (project / "dist" / "print" / "brochure-en.pdf").write_bytes(b"%PDF-1.6\nnot a PDF")
    result = run_cli("preflight", "--project", str(project))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: dist/print/brochure-en.pdf: "), lines
    assert "Traceback" not in result.stderr


def test_without_print_pdfs_preflight_says_to_build_first(tmp_path: Path):
    project = copy_project(REPO, tmp_path / "project")
    result = run_cli("preflight", "--project", str(project))
    assert result.returncode == 1
    assert "no print PDFs in" in result.stderr and "run `iombrochure build` first" in result.stderr


# ---- The bundled publication ----------------------------------------------------------------


@pytest.fixture(scope="module")
def preflighted(built_project: Path, tmp_path_factory: pytest.TempPathFactory):
    """The bundled print PDFs preflighted in a copy of the project, plates written."""
    project = copy_project(REPO, tmp_path_factory.mktemp("preflight") / "project")
    shutil.copytree(built_project / "dist" / "print", project / "dist" / "print")
    return project, run_cli("preflight", "--plates", "--project", str(project))


@needs_ghostscript
def test_the_bundled_print_pdfs_give_nothing_above_a_notice(preflighted):
    project, result = preflighted
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("error:", "warning:", "notice:"))
    ]
    assert lines and all(line.startswith("notice: dist/print/") for line in lines), lines
    totals = [line for line in lines if "highest ink total" in line]
    assert len(totals) == 4, totals
    for line in totals:
        if "brochure" in line:
            total = int(line.split("highest ink total ")[1].split(" %")[0])
            assert total <= 300, line
    assert "0 errors, 0 warnings (ink measured by Ghostscript tiffsep)" in result.stdout


@needs_ghostscript
def test_plates_are_written_beside_the_previews(preflighted):
    project, _ = preflighted
    plates = project / "dist" / "preview" / "print" / "plates"
    for ink in INKS:
        assert (plates / f"brochure-en-1-{ink}.png").is_file(), ink
    assert len(list(plates.glob("*.png"))) == 4 * 2 * 4  # 4 files, 2 pages, 4 inks


@needs_ghostscript
def test_black_artwork_and_text_are_on_the_black_plate_alone(built_project: Path):
    """The brochure's QR code and its black text: black ink alone; nothing inside the bleed
    carries all four inks (the registration colour stays in the marks, outside it)."""
    pdf = built_project / "dist" / "print" / "brochure-en.pdf"
    pages, _ = render_separations(pdf, 150)
    reader = pypdf.PdfReader(pdf)
    for number, (page, plates) in enumerate(zip(reader.pages, pages, strict=True), 1):
        geometry = PageGeometry.of(page)
        left, top = geometry.pixel(geometry.bleed[0], geometry.bleed[3])
        right, bottom = geometry.pixel(geometry.bleed[2], geometry.bleed[1])
        inside = {ink: plates[ink][top:bottom, left:right] for ink in INKS}
        everything = numpy.minimum.reduce([inside[ink] for ink in INKS])
        assert (everything > 0.9).sum() == 0, f"page {number}: registration inside the bleed"
        outside = numpy.minimum.reduce([plates[ink] for ink in INKS])
        assert (outside > 0.9).sum() > 100, f"page {number}: no marks on every plate"
        black_alone = (inside["black"] > 0.9) & (
            numpy.maximum.reduce([inside[ink] for ink in INKS[:3]]) == 0
        )
        assert black_alone.sum() > 1000, f"page {number}: no text or QR on K alone"


def test_without_ghostscript_the_ink_is_measured_on_popplers_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The fallback a machine without Ghostscript gets: poppler's CMYK render, said so."""
    from iombrochure.pipeline import preflight

    monkeypatch.setattr(preflight, "ghostscript", lambda: None)
    report = preflight_pdf(fault_pdf(tmp_path, "ink-total"))
    assert report.method == "poppler CMYK render"
    over = [f for f in report.findings if f.rule == "ink-total" and f.severity == "error"]
    assert len(over) == 1 and over[0].place == "20 × 257 mm", report.findings


def test_doctor_says_whether_ghostscript_makes_the_separations(monkeypatch: pytest.MonkeyPatch):
    from iombrochure.doctor import diagnose

    which = shutil.which
    items = {finding.item: finding for finding in diagnose(None)}
    if which("gs"):
        assert "preflight renders separations with its tiffsep" in items["ghostscript"].text
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "gs" else which(name))
    missing = {finding.item: finding for finding in diagnose(None)}["ghostscript"]
    assert not missing.ok and "apt-get install ghostscript" in missing.text

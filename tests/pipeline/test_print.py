"""The print variant as a print shop needs it (PDF/X-4 in CMYK), and PDF/A that validates.

The structural checks are those a prepress preflight makes, done here with pypdf on every
print PDF of the session's built project: an output intent with a four-component (CMYK)
profile, no DeviceRGB anywhere in a content stream, only CMYK or grey pictures, a trailer
/ID, /Trapped /False, no annotations, page boxes with bleed. Every colour must be one of the
documented print colours (styles/print-colours.css) or a single-ink grey. veraPDF validates
every archive PDF in each PDF/A flavour offered (PDF/UA-1 on the screen and print PDFs is
tests/pipeline/test_accessibility.py's).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageCms
from pypdf.generic import ContentStream

from conftest import REPO, copy_project, run_cli
from iombrochure.errors import ConfigError
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.jobs import ARCHIVE_PDF_VARIANTS, VARIANTS, plan_jobs
from iombrochure.pipeline.prepress import (
    REGISTRATION_SPACE,
    PrepressError,
    cmyk_picture,
    rgb_to_cmyk,
)
from iombrochure.pipeline.state import Tracker
from iombrochure.profiles import BUNDLED_PROFILE, profile_problem
from verapdf import assert_compliant

DOCUMENTS = ("factsheet", "brochure")
LANGUAGES = ("en", "fa")
PT_PER_MM = 72 / 25.4
COLOUR_OPERATORS = {"k", "K", "sc", "SC", "scn", "SCN", "g", "G"}


def print_pdfs(root: Path) -> list[Path]:
    pdfs = [
        root / "dist" / "print" / f"{doc}-{lang}.pdf" for doc in DOCUMENTS for lang in LANGUAGES
    ]
    assert all(pdf.is_file() for pdf in pdfs)
    return pdfs


def palette() -> set[tuple[float, ...]]:
    """The CMYK colours styles/print-colours.css documents."""
    css = (REPO / "styles" / "print-colours.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return {
        tuple(round(float(v), 4) for v in match.split())
        for match in re.findall(r"device-cmyk\(([^)]*)\)", css)
    }


def walk_streams(resources_owner, reader: pypdf.PdfReader, seen: set[int] | None = None):
    """(content stream, resources) of a page and of every form XObject it draws, recursively."""
    seen = set() if seen is None else seen
    resources = resources_owner.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    yield resources_owner, resources
    for xobject in (resources.get("/XObject") or {}).values():
        reference = xobject.idnum if hasattr(xobject, "idnum") else id(xobject)
        xobject = xobject.get_object()
        if reference in seen or xobject.get("/Subtype") != "/Form":
            continue
        seen.add(reference)
        yield from walk_streams(xobject, reader, seen)


def images(resources) -> list:
    return [
        x.get_object()
        for x in (resources.get("/XObject") or {}).values()
        if x.get_object().get("/Subtype") == "/Image"
    ]


def colour_space_components(space) -> int | None:
    space = space.get_object() if hasattr(space, "get_object") else space
    if space in ("/DeviceCMYK",):
        return 4
    if space in ("/DeviceGray",):
        return 1
    if space in ("/DeviceRGB",):
        return 3
    if isinstance(space, list) and space and space[0] == "/ICCBased":
        return int(space[1].get_object()["/N"])
    return None


# ---- PDF/X-4 structure ---------------------------------------------------------------------


def test_every_print_pdf_is_pdf_x4_with_a_cmyk_output_intent(built_project: Path):
    for pdf in print_pdfs(built_project):
        reader = pypdf.PdfReader(pdf)
        assert reader.pdf_header >= "%PDF-1.6", pdf.name
        catalog = reader.trailer["/Root"]
        intents = catalog["/OutputIntents"]
        assert len(intents) == 1, pdf.name
        intent = intents[0].get_object()
        assert intent["/S"] == "/GTS_PDFX"
        assert intent["/OutputConditionIdentifier"] == "FOGRA39"
        assert intent["/RegistryName"] == "http://www.color.org"
        assert "FOGRA39" in intent["/Info"]
        profile = intent["/DestOutputProfile"].get_object()
        assert profile["/N"] == 4
        data = profile.get_data()
        assert data[36:40] == b"acsp" and data[16:20] == b"CMYK"
        assert data == BUNDLED_PROFILE.read_bytes()

        xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert "<pdf:Trapped>False</pdf:Trapped>" in xmp
        assert re.search(r"<xmpMM:DocumentID>xmp\.did:[0-9a-f-]{36}</xmpMM:DocumentID>", xmp)
        assert 'pdfuaid:part="1"' in xmp  # still tagged for accessibility
        assert reader.trailer["/Info"].get_object()["/Trapped"] == "/False"
        identifier = reader.trailer["/ID"]
        assert len(identifier) == 2 and all(
            re.fullmatch(r"[0-9a-f]{32}", str(i)) for i in identifier
        )
        assert "/StructTreeRoot" in catalog


def test_print_pages_have_trim_and_bleed_and_no_annotations(built_project: Path):
    for pdf in print_pdfs(built_project):
        for number, page in enumerate(pypdf.PdfReader(pdf).pages, start=1):
            where = f"{pdf.name} page {number}"
            assert "/Annots" not in page, where
            assert "/ArtBox" not in page, where  # PDF/X: a TrimBox or an ArtBox, not both
            media, bleed, trim = (
                [float(v) for v in page[key]] for key in ("/MediaBox", "/BleedBox", "/TrimBox")
            )
            width, height = trim[2] - trim[0], trim[3] - trim[1]
            a4 = sorted((round(width / PT_PER_MM), round(height / PT_PER_MM)))
            assert a4 == [210, 297], where
            # The bleed: at least the printer's 3 mm past every trim edge, inside the media box.
            margins = (
                trim[0] - bleed[0],
                trim[1] - bleed[1],
                bleed[2] - trim[2],
                bleed[3] - trim[3],
            )
            assert all(m >= 3 * PT_PER_MM for m in margins), (where, margins)
            assert media[0] <= bleed[0] and media[1] <= bleed[1], where
            assert bleed[2] <= media[2] and bleed[3] <= media[3], where
            if "/CropBox" in page:
                crop = [float(v) for v in page["/CropBox"]]
                assert crop[0] <= trim[0] and crop[1] <= trim[1], where
                assert trim[2] <= crop[2] and trim[3] <= crop[3], where


def test_print_content_has_no_rgb_and_only_documented_colours(built_project: Path):
    """No rg/RG, no DeviceRGB colour space, every colour a palette colour or black ink alone."""
    documented = palette()
    assert (0.0, 0.0, 0.0, 1.0) in documented  # text black: pure K
    for pdf in print_pdfs(built_project):
        reader = pypdf.PdfReader(pdf)
        used: set[tuple[float, ...]] = set()
        for page in reader.pages:
            for owner, resources in walk_streams(page, reader):
                if owner is page:
                    content = ContentStream(page.get_contents(), reader)
                else:
                    content = ContentStream(owner, reader)
                    group = owner.get("/Group")
                    if group is not None:
                        assert group.get_object().get("/CS") != "/DeviceRGB", pdf.name
                for operands, operator in content.operations:
                    op = operator.decode("latin-1")
                    assert op not in ("rg", "RG"), f"{pdf.name}: {operands} {op}"
                    if op in ("cs", "CS"):
                        assert operands[0] in (
                            "/DeviceCMYK",
                            "/DeviceGray",
                            "/Pattern",
                            f"/{REGISTRATION_SPACE}",
                        ), (pdf.name, operands)
                    if op in COLOUR_OPERATORS and len(operands) == 4:
                        used.add(tuple(round(float(v), 4) for v in operands))
                named = (resources.get("/ColorSpace") or {}).items()
                for name, space in named:
                    assert colour_space_components(space) != 3, (pdf.name, name)
        # greys are black ink alone; marks are in registration colour, Separation /All (below)
        strays = {c for c in used if c not in documented and c[:3] != (0.0, 0.0, 0.0)}
        assert not strays, f"{pdf.name}: colours not in print-colours.css: {sorted(strays)}"
        assert (0.0, 0.0, 0.0, 1.0) in used, pdf.name  # the text is set in black ink alone
        assert (1.0, 0.85, 0.0, 0.0) in used, pdf.name  # IOM blue, as documented


def test_marks_are_registration_colour_as_separation_all_outside_the_bleed(built_project: Path):
    """Crop marks and crosses (and the brochure's fold marks) in Separation /All, which any
    RIP prints on every plate as it is; nothing else is, and none reaches into the BleedBox."""
    for pdf in print_pdfs(built_project):
        reader = pypdf.PdfReader(pdf)
        for number, page in enumerate(reader.pages, 1):
            spaces = page["/Resources"]["/ColorSpace"].get_object()
            space = spaces[f"/{REGISTRATION_SPACE}"]
            assert space[0] == "/Separation" and space[1] == "/All", (pdf.name, space)
            tint = space[3].get_object()
            assert list(tint["/C1"]) == [1, 1, 1, 1] and list(tint["/C0"]) == [0, 0, 0, 0]
            bleed = [float(v) for v in page["/BleedBox"]]
            strokes = 0
            content = ContentStream(page.get_contents(), reader)
            stroking_in_registration = False
            for operands, operator in content.operations:
                if operator == b"CS":
                    stroking_in_registration = operands[0] == f"/{REGISTRATION_SPACE}"
                if operator in (b"m", b"l") and stroking_in_registration:
                    x, y = (float(v) for v in operands)
                    inside = bleed[0] < x < bleed[2] and bleed[1] < y < bleed[3]
                    assert not inside, f"{pdf.name} p{number}: a mark at {x:.0f},{y:.0f}"
                    strokes += 1
            assert strokes >= 16, (pdf.name, number)  # 8 crop marks, 4 crosses


def overprint_counts(pdf: Path) -> tuple[int, int]:
    """How many colours are painted overprinting and knocking out, asserting that exactly
    black ink alone (80 % and more) overprints. A form must say so itself: it inherits the
    overprint of wherever it is drawn."""
    reader = pypdf.PdfReader(pdf)
    overprinted = knocked_out = 0
    for page in reader.pages:
        for owner, resources in walk_streams(page, reader):
            content = page.get_contents() if owner is page else owner
            states = resources.get("/ExtGState") or {}
            fill_overprint: bool | None = None if owner is not page else False
            saved: list[bool | None] = []
            space = "/DeviceGray"
            for operands, operator in ContentStream(content, reader).operations:
                if operator == b"q":
                    saved.append(fill_overprint)
                elif operator == b"Q":
                    fill_overprint = saved.pop()
                elif operator == b"gs":
                    state = states[operands[0]].get_object()
                    if "/op" in state:
                        fill_overprint = state["/op"].value  # bool() of it is always True
                        assert state["/OPM"] == 1
                elif operator == b"cs":
                    space = operands[0]
                elif operator == b"k" or (operator == b"scn" and space == "/DeviceCMYK"):
                    colour = tuple(float(v) for v in operands)
                    black_alone = colour[:3] == (0, 0, 0) and colour[3] >= 0.8
                    assert fill_overprint == black_alone, (pdf.name, owner is page, colour)
                    overprinted += black_alone
                    knocked_out += not black_alone
    return overprinted, knocked_out


def test_black_ink_alone_overprints_and_nothing_else_does(built_project: Path):
    """Text and rules in black ink alone overprint (mode 1), so they leave no hole in a tint;
    every other colour knocks out."""
    for pdf in print_pdfs(built_project):
        overprinted, knocked_out = overprint_counts(pdf)
        assert overprinted and knocked_out, pdf.name


def test_a_tint_in_a_form_drawn_after_black_text_knocks_out(tmp_path: Path):
    """A translucent box is a form XObject drawn while the black text before it overprints:
    its tint must not overprint too."""
    from weasyprint import HTML

    from iombrochure.pipeline.config import PrintSettings
    from iombrochure.pipeline.prepress import PressFinisher, color_profiles

    press = PrintSettings(profile=BUNDLED_PROFILE, press_condition="FOGRA39")
    html = (
        '<p style="color: device-cmyk(0 0 0 1)">Black text</p>'
        '<div style="opacity: 0.9"><p style="background: device-cmyk(0.08 0.05 0 0);'
        ' color: device-cmyk(0 0 0 1)">A tint, then black text, in a form</p></div>'
    )
    pdf = tmp_path / "form.pdf"
    HTML(string=html).render(color_profiles=color_profiles(press)).write_pdf(
        pdf, finisher=PressFinisher(press), pdf_variant="pdf/x-4"
    )
    reader = pypdf.PdfReader(pdf)
    forms = [
        xobject
        for xobject in reader.pages[0]["/Resources"]["/XObject"].values()
        if xobject.get_object()["/Subtype"] == "/Form"
    ]
    assert forms  # the translucent box
    overprinted, knocked_out = overprint_counts(pdf)
    assert overprinted >= 2 and knocked_out >= 1


def test_the_info_names_pdf_x4_and_subset_names_differ_per_font_program(built_project: Path):
    """GTS_PDFXVersion in Info (older workflow tools read it there, not in XMP), and one subset
    name per embedded font program across the four files, so that files ganged on one sheet
    never share a name for different glyphs."""
    programs: dict[str, set[bytes]] = {}
    for pdf in print_pdfs(built_project):
        reader = pypdf.PdfReader(pdf)
        assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-4", pdf.name
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descendant = font["/DescendantFonts"][0].get_object()
                descriptor = descendant["/FontDescriptor"].get_object()
                name = str(descriptor["/FontName"])
                assert name == str(font["/BaseFont"]) == str(descendant["/BaseFont"])
                assert re.fullmatch(r"/[A-Z]{6}\+\S+", name), name
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                programs.setdefault(name, set()).add(program.get_object().get_data())
    shared = {name: len(found) for name, found in programs.items() if len(found) > 1}
    assert not shared, shared
    assert len(programs) >= 6  # several faces, in two editions each


def test_print_pictures_are_cmyk_or_grey_and_never_interpolated(built_project: Path):
    found = 0
    for pdf in print_pdfs(built_project):
        reader = pypdf.PdfReader(pdf)
        for page in reader.pages:
            for _, resources in walk_streams(page, reader):
                for image in images(resources):
                    components = colour_space_components(image["/ColorSpace"])
                    assert components in (1, 4), (pdf.name, image["/ColorSpace"])
                    assert image.get("/Interpolate") in (None, False), pdf.name
                    found += components == 4
    assert found  # the brochure's cover picture, in CMYK


def test_the_print_html_links_nothing_and_inlines_a_cmyk_cover(built_project: Path):
    for lang in LANGUAGES:
        html = (built_project / "dist" / "html" / f"brochure-{lang}-print.html").read_text()
        screen = (built_project / "dist" / "html" / f"brochure-{lang}.html").read_text()
        assert ' href="mailto:' in screen and ' href="mailto:' not in html
        assert ' href="tel:' not in html and ' href="https://' not in html
        encoded = re.search(r'class="cover-picture" src="data:image/jpeg;base64,([^"]+)"', html)
        assert encoded, lang
        with Image.open(io.BytesIO(base64.b64decode(encoded.group(1)))) as picture:
            assert picture.mode == "CMYK"
            assert picture.size == (1500, 1400)  # full resolution for the press
            data = picture.tobytes()
        # Total ink within the 330 % that coated offset takes (the profile's ink limit).
        most_ink = max(map(sum, zip(*[iter(data)] * 4, strict=True)))
        assert most_ink * 100 / 255 <= 330, lang


# ---- Colour conversions ---------------------------------------------------------------------


def test_rgb_pictures_become_cmyk_through_the_profile():
    blue = Image.new("RGB", (8, 8), (0, 51, 160))
    buffer = io.BytesIO()
    blue.save(buffer, "PNG")
    converted = cmyk_picture(buffer.getvalue(), BUNDLED_PROFILE, name="blue.png")
    with Image.open(io.BytesIO(converted)) as picture:
        assert picture.format == "JPEG" and picture.mode == "CMYK"
        cyan, magenta, yellow, _ = picture.getpixel((4, 4))
    assert cyan > 200 and magenta > 120 and yellow < 20  # a blue: cyan and magenta, no yellow


def test_a_transparent_picture_is_refused_for_print():
    buffer = io.BytesIO()
    Image.new("RGBA", (4, 4), (0, 51, 160, 128)).save(buffer, "PNG")
    with pytest.raises(PrepressError, match="transparency"):
        cmyk_picture(buffer.getvalue(), BUNDLED_PROFILE, name="logo.png")


def test_a_16_bit_grey_picture_prints_grey_not_white():
    buffer = io.BytesIO()
    Image.new("I;16", (4, 4), 30000).save(buffer, "PNG")  # a scanner's 16-bit grey
    converted = cmyk_picture(buffer.getvalue(), BUNDLED_PROFILE, name="scan.png")
    with Image.open(io.BytesIO(converted)) as picture:
        assert picture.mode == "L"
        assert 100 < picture.getpixel((0, 0)) < 130  # 30000/65535 of white, not clipped to 255


def test_a_picture_whose_colour_profile_cannot_be_used_is_one_clear_refusal():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 51, 160)).save(buffer, "PNG", icc_profile=b"not a profile")
    with pytest.raises(PrepressError) as refused:
        cmyk_picture(buffer.getvalue(), BUNDLED_PROFILE, name="photo.png")
    assert refused.value.format() == (
        "photo.png: its embedded colour profile cannot be used to convert it to CMYK for print "
        "(save it again as an sRGB JPEG or PNG)"
    )


def test_greys_become_black_ink_alone_and_colours_go_through_the_profile():
    assert rgb_to_cmyk((0.0, 0.0, 0.0), BUNDLED_PROFILE) == (0.0, 0.0, 0.0, 1.0)
    assert rgb_to_cmyk((1.0, 1.0, 1.0), BUNDLED_PROFILE) == (0.0, 0.0, 0.0, 0.0)
    # Greys: black ink alone, at the tint that prints as light as the grey looks on screen
    # (ink spreads on paper: #808080, halfway in RGB, needs about 64 % black, not 50 %).
    greys = [rgb_to_cmyk((level / 255,) * 3, BUNDLED_PROFILE) for level in range(0, 256, 17)]
    assert all(grey[:3] == (0.0, 0.0, 0.0) for grey in greys)
    blacks = [grey[3] for grey in greys]
    assert blacks == sorted(blacks, reverse=True) and len(set(blacks)) > 10
    assert 0.58 <= rgb_to_cmyk((128 / 255,) * 3, BUNDLED_PROFILE)[3] <= 0.70
    cyan, magenta, yellow, black = rgb_to_cmyk((226 / 255, 117 / 255, 27 / 255), BUNDLED_PROFILE)
    assert cyan < 0.05 and 0.5 < magenta < 0.7 and yellow > 0.9  # the orange accent


def test_the_documented_colours_print_close_to_their_screen_twins():
    """Each light colour of the palette, printed as the profile predicts, within ΔE 5 of its
    screen twin; the blues, outside the press's gamut, within ΔE 25 (the soft proof shows it)."""
    twins = {  # screen twin: (CMYK as documented, largest ΔE allowed)
        "#ebeff7": ((0.08, 0.05, 0, 0), 3),
        "#d9e0f1": ((0.15, 0.10, 0, 0), 3),
        "#b8c4e3": ((0.30, 0.20, 0, 0), 3),
        "#e2751b": ((0, 0.62, 1, 0.08), 3),
        "#222222": ((0, 0, 0, 1), 5),
        "#0033a0": ((1, 0.85, 0, 0), 25),
    }
    documented = palette()
    lab = ImageCms.createProfile("LAB")
    printed = ImageCms.buildTransform(str(BUNDLED_PROFILE), lab, "CMYK", "LAB")
    screen = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), lab, "RGB", "LAB")

    def to_lab(image, transform):
        lightness, a, b = ImageCms.applyTransform(image, transform).getpixel((0, 0))
        return (lightness * 100 / 255, a - 128, b - 128)

    for twin, (cmyk, limit) in twins.items():
        assert tuple(round(float(v), 4) for v in cmyk) in documented, twin
        rgb = tuple(int(twin[i : i + 2], 16) for i in (1, 3, 5))
        ink = to_lab(Image.new("CMYK", (1, 1), tuple(round(v * 255) for v in cmyk)), printed)
        target = to_lab(Image.new("RGB", (1, 1), rgb), screen)
        distance = sum((x - y) ** 2 for x, y in zip(ink, target, strict=True)) ** 0.5
        assert distance <= limit, (twin, round(distance, 1))


# ---- Soft proof -----------------------------------------------------------------------------


def median_colour(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, ...]:
    crop = image.convert("RGB").crop(box)
    pixels = sorted(crop.getpixel((x, y)) for x in range(crop.width) for y in range(crop.height))
    return pixels[len(pixels) // 2]


def test_print_previews_are_soft_proofed_through_the_press_profile(built_project: Path):
    """The cover's IOM blue: #0033A0 on screen; in the print preview, the documented CMYK
    blue as FOGRA39 prints it, not what a fixed CMYK formula would show."""
    preview = built_project / "dist" / "preview"
    proof = ImageCms.buildTransform(
        str(BUNDLED_PROFILE), ImageCms.createProfile("sRGB"), "CMYK", "RGB", renderingIntent=3
    )
    expected = ImageCms.applyTransform(Image.new("CMYK", (1, 1), (255, 217, 0, 0)), proof).getpixel(
        (0, 0)
    )
    slug = round(8 * 72 / 25.4)  # print pages have 8 mm of bleed and marks around the trim
    with Image.open(preview / "brochure-en-1.png") as screen:
        # The cover is the English sheet's right-hand panel: its blue ground above the wordmark.
        width = screen.width
        assert median_colour(screen, (width - 100, 4, width - 10, 20)) == (0, 51, 160)
    with Image.open(preview / "print" / "brochure-en-1.png") as printed:
        width = printed.width
        box = (width - slug - 100, slug + 4, width - slug - 10, slug + 20)
        seen = median_colour(printed, box)
    assert all(abs(s - e) <= 4 for s, e in zip(seen, expected, strict=True)), (seen, expected)
    assert seen != (0, 51, 160)


def test_the_soft_proof_shows_the_paper_white(built_project: Path):
    """Absolute colorimetric: unprinted paper shows as FOGRA39's coated paper (L* 95), a shade
    darker than the screen's white, in the slug as on the page."""
    paper = ImageCms.applyTransform(
        Image.new("CMYK", (1, 1), (0, 0, 0, 0)),
        ImageCms.buildTransform(
            str(BUNDLED_PROFILE), ImageCms.createProfile("sRGB"), "CMYK", "RGB", renderingIntent=3
        ),
    ).getpixel((0, 0))
    assert max(paper) <= 248  # not the screen's white
    with Image.open(built_project / "dist" / "preview" / "print" / "factsheet-en-2.png") as page:
        corner = median_colour(page, (2, 2, 12, 12))  # the slug: no ink, paper alone
    assert all(abs(s - e) <= 2 for s, e in zip(corner, paper, strict=True)), (corner, paper)


# ---- Configuration --------------------------------------------------------------------------


def test_the_press_is_configured_with_a_bundled_default(scratch_project: Path):
    project = load_project(scratch_project)
    assert project.print.profile == BUNDLED_PROFILE and project.print.bundled
    assert project.print.press_condition == "FOGRA39"
    report = run_cli("doctor", "--project", str(scratch_project))
    assert report.returncode == 0
    assert "press: print variant for FOGRA39: Coated FOGRA39" in report.stdout


def test_an_rgb_profile_is_one_clear_line(scratch_project: Path):
    (scratch_project / "profiles").mkdir()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    (scratch_project / "profiles" / "screen.icc").write_bytes(srgb)
    config = scratch_project / "iombrochure.toml"
    config.write_text(
        config.read_text().replace('press_condition = "FOGRA39"', 'profile = "profiles/screen.icc"')
    )
    assert profile_problem(scratch_project / "profiles" / "screen.icc").startswith("is for RGB")
    with pytest.raises(ConfigError, match="not a CMYK press profile"):
        load_project(scratch_project)
    result = run_cli("build", "--variant", "print", "--project", str(scratch_project))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("error: iombrochure.toml: [print] profile profiles/screen.icc")
    assert not (scratch_project / "dist" / "print").exists()


def test_a_missing_profile_is_one_clear_line(scratch_project: Path):
    config = scratch_project / "iombrochure.toml"
    config.write_text(
        config.read_text().replace('press_condition = "FOGRA39"', 'profile = "profiles/press.icc"')
    )
    result = run_cli("check", "--project", str(scratch_project))
    assert result.returncode == 1
    assert "iombrochure.toml: error: [print] profile profiles/press.icc does not exist" in (
        result.stdout
    )


def test_a_custom_profile_is_named_custom_unless_told(tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    (root / "profiles").mkdir()
    (root / "profiles" / "press.icc").write_bytes(BUNDLED_PROFILE.read_bytes())
    config = root / "iombrochure.toml"
    config.write_text(
        config.read_text().replace('press_condition = "FOGRA39"', 'profile = "profiles/press.icc"')
    )
    project = load_project(root)
    assert project.print.press_condition == "Custom" and not project.print.bundled
    assert project.print.profile == (root / "profiles" / "press.icc").resolve()


def test_a_changed_press_profile_rebuilds_the_print_edition_only(tmp_path: Path):
    root = copy_project(REPO, tmp_path / "project")
    (root / "profiles").mkdir()
    profile = root / "profiles" / "press.icc"
    profile.write_bytes(BUNDLED_PROFILE.read_bytes())
    config = root / "iombrochure.toml"
    config.write_text(
        config.read_text().replace('press_condition = "FOGRA39"', 'profile = "profiles/press.icc"')
    )
    args = ("--doc", "factsheet", "--lang", "en", "--no-preview", "--project", str(root))
    assert run_cli("build", *args).returncode == 0
    # The shop's profile, updated: one byte of its copyright text differs.
    data = profile.read_bytes()
    profile.write_bytes(data.replace(b"Zlib licence", b"zlib licence", 1))
    project = load_project(root)
    tracker = Tracker(project, project.output_dir.resolve())
    jobs = plan_jobs(
        project, documents=["factsheet"], languages=["en"], variants=list(VARIANTS[:2])
    )
    reasons = {job.variant: tracker.check(job) for job in jobs}
    assert reasons["screen"] is None
    assert reasons["print"] is not None and "press.icc" in reasons["print"]


# ---- What the press refuses, said in one line ------------------------------------------------


PRINT_ONE = ("--doc", "brochure", "--lang", "en", "--variant", "print", "--no-preview")


def test_a_stray_rgb_colour_is_converted_and_named(scratch_project: Path):
    sheet = scratch_project / "styles" / "brochure-print.css"
    sheet.write_text(sheet.read_text() + "\nh2 { color: #e0115f; }\n")
    result = run_cli("build", *PRINT_ONE, "--project", str(scratch_project))
    assert result.returncode == 0, result.stderr
    assert "RGB colour converted to CMYK through FOGRA39: #e0115f as " in result.stderr
    assert "styles/print-colours.css" in result.stderr
    reader = pypdf.PdfReader(scratch_project / "dist" / "print" / "brochure-en.pdf")
    for page in reader.pages:
        operators = {op for _, op in ContentStream(page.get_contents(), reader).operations}
        assert b"rg" not in operators and b"RG" not in operators


def test_a_link_in_the_print_variant_stops_the_build(scratch_project: Path):
    template = scratch_project / "templates" / "brochure.html"
    text = template.read_text()
    template.write_text(text.replace("{% if links %}", "{% if true %}", 1))
    result = run_cli("build", *PRINT_ONE, "--project", str(scratch_project))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "link(s) in the print PDF" in lines[0] and "{% if links %}" in lines[0]
    assert not (scratch_project / "dist" / "print").exists()


def test_an_rgb_picture_in_the_print_variant_stops_the_build(scratch_project: Path):
    sheet = scratch_project / "styles" / "brochure-print.css"
    sheet.write_text(
        sheet.read_text()
        + '\n.panel-flap .panel-ground { background: url("../images/cover.jpg"); }\n'
    )
    result = run_cli("build", *PRINT_ONE, "--project", str(scratch_project))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "1 RGB picture(s) in the print PDF" in lines[0] and "picture_uri" in lines[0]
    assert not (scratch_project / "dist" / "print").exists()


# ---- veraPDF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The archive variant in each PDF/A flavour offered: every document for the default
    flavour, the brochure (the one with a picture) for the others."""
    built: dict[str, Path] = {}
    for flavour in ARCHIVE_PDF_VARIANTS:
        root = copy_project(REPO, tmp_path_factory.mktemp(flavour.replace("/", "-")) / "p")
        narrow = () if flavour == ARCHIVE_PDF_VARIANTS[0] else ("--doc", "brochure")
        result = run_cli(
            "build",
            *("--variant", "screen", "--pdf-variant", flavour, "--no-preview", *narrow),
            *("--project", str(root)),
        )
        assert result.returncode == 0, result.stderr
        built[flavour] = root / "dist" / "archive"
    return built


def test_every_archive_pdf_passes_verapdf_pdf_a_3b(archived: dict[str, Path]):
    files = sorted(archived["pdf/a-3b"].glob("*.pdf"))
    assert len(files) == len(DOCUMENTS) * len(LANGUAGES)
    assert_compliant("3b", files)


@pytest.mark.parametrize("flavour", ARCHIVE_PDF_VARIANTS[1:])
def test_the_other_pdf_a_flavours_pass_verapdf(archived: dict[str, Path], flavour: str):
    files = sorted(archived[flavour].glob("*.pdf"))
    assert files
    assert_compliant(flavour.removeprefix("pdf/a-"), files)

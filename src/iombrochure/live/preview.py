"""Proofs: PNG thumbnails of every page, and one proof sheet per document.

Stage 6 (outputs) again: after a build, every page of every PDF it wrote becomes a PNG under
``dist/preview/`` (``brochure-fa-1.png``, ``print/brochure-fa-1.png``), and each document gets
a proof sheet, ``dist/preview/<doc>-proof.png``: its editions side by side, page by page, so
that an editor compares the English and the Persian (mirrored) layout at a glance.

Pages are rasterised with pypdfium2 and composed with Pillow; both write the same pixels for
the same PDF, and PNGs carry no time stamp, so previews are as reproducible as the PDFs.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from iombrochure.errors import RenderError
from iombrochure.pipeline.calendars import babel_locale
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.outputs import Output, commit_files, previews_done, read_manifest

PREVIEW_DIR = "preview"
#: Thumbnails at 72 dpi: an A4 page is 595 x 842 px, enough to judge layout and read headings.
THUMBNAIL_DPI = 72
#: Which variant a proof sheet shows, in order of preference: what readers see first.
PROOF_VARIANTS = ("screen", "print", "archive")

SHEET_BACKGROUND = (232, 234, 238)
INK = (34, 34, 34)
MUTED = (85, 91, 102)
PAGE_EDGE = (150, 156, 168)
GAP = 24


def thumbnail_path(output_dir: Path, output: Output, page: int) -> Path:
    """dist/preview/<doc>-<lang>-<page>.png, under print/ or archive/ for those variants."""
    relative = Path(output.path)
    return output_dir / PREVIEW_DIR / relative.parent / f"{relative.stem}-{page}.png"


def proof_path(output_dir: Path, document: str) -> Path:
    return output_dir / PREVIEW_DIR / f"{document}-proof.png"


def render_pages(pdf_path: Path, *, dpi: int = THUMBNAIL_DPI, press: Any = None) -> list[Any]:
    """Every page of a PDF as a Pillow image; soft-proofed through ``press`` (the project's
    PrintSettings) for the print variant, where poppler's pdftoppm is there to do it."""
    import pypdfium2 as pdfium

    if press is not None and (proofs := soft_proof_pages(pdf_path, press.profile, dpi=dpi)):
        return proofs
    try:
        document = pdfium.PdfDocument(pdf_path)
    except (OSError, pdfium.PdfiumError) as exc:
        raise RenderError(
            f"cannot read {pdf_path.name} to preview it: {exc}", path=pdf_path
        ) from exc
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def soft_proof_pages(pdf_path: Path, profile: Path, *, dpi: int) -> list[Any] | None:
    """The pages of a CMYK (print) PDF as the press will print them, in screen colours.

    pdfium turns CMYK into RGB with a fixed formula that knows nothing of the press; poppler's
    pdftoppm renders the pages in CMYK itself, and the press profile takes them to screen
    colours (prepress.soft_proof). None where pdftoppm is missing (doctor says so).
    """
    import shutil
    import subprocess
    import tempfile

    from PIL import Image

    from iombrochure.pipeline.prepress import soft_proof

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return None
    with tempfile.TemporaryDirectory(prefix="iombrochure-proof-") as folder:
        done = subprocess.run(
            [pdftoppm, "-jpegcmyk", "-r", str(dpi), str(pdf_path), str(Path(folder) / "page")],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RenderError(
                f"cannot soft-proof {pdf_path.name}: {done.stderr.strip()}", path=pdf_path
            )
        files = sorted(Path(folder).glob("page-*.jpg"), key=lambda f: int(f.stem.rsplit("-")[-1]))
        pages = []
        for file in files:
            with Image.open(file) as page:
                pages.append(soft_proof(page, profile))
        return pages


def make_previews(
    project: Project, output_dir: Path, outputs: list[Output], *, dpi: int = THUMBNAIL_DPI
) -> list[Path]:
    """Thumbnails of the given outputs' pages, and the proof sheet of each of their documents.

    A proof sheet takes every edition of its document listed in the manifest, so a build of
    one language still refreshes a complete sheet. Returns the files written.
    """
    files: dict[Path, bytes] = {}
    pages: dict[tuple[str, str, str], list[Any]] = {}
    for output in outputs:
        images = render_pages(output_dir / output.path, dpi=dpi, press=_press(project, output))
        pages[(output.document, output.lang, output.variant)] = images
        for number, image in enumerate(images, start=1):
            files[thumbnail_path(output_dir, output, number)] = png_bytes(image)
    listed = read_manifest(output_dir)
    for document in dict.fromkeys(output.document for output in outputs):
        editions = [o for o in listed if o.document == document and (output_dir / o.path).is_file()]
        variant = next(v for v in PROOF_VARIANTS if any(o.variant == v for o in editions + outputs))
        columns = []
        for lang in project.languages:
            key = (document, lang, variant)
            if key not in pages:
                entry = next((o for o in editions if (o.lang, o.variant) == (lang, variant)), None)
                if entry is None:
                    continue
                pages[key] = render_pages(
                    output_dir / entry.path, dpi=dpi, press=_press(project, entry)
                )
            columns.append((lang, pages[key]))
        title = f"{document} · {variant} · edition {project.publication.edition_date.isoformat()}"
        sheet = proof_sheet(title, columns, fonts_dir=project.fonts_dir)
        files[proof_path(output_dir, document)] = png_bytes(sheet)
    commit_files(files, output_dir=output_dir)
    return sorted(files)


def _press(project: Project, output: Output) -> Any:
    """The press to soft-proof an output for: the print variant's, else None."""
    return project.print if output.variant == "print" else None


def proof_sheet(title: str, columns: list[tuple[str, list[Any]]], *, fonts_dir: Path) -> Any:
    """Editions side by side (one column per language), their pages one row each, labelled."""
    from babel import Locale
    from PIL import Image, ImageDraw

    heading, label = _font(fonts_dir, 26), _font(fonts_dir, 18)
    rows = max((len(images) for _, images in columns), default=0)
    cell_w = max((im.width for _, images in columns for im in images), default=400)
    cell_h = max((im.height for _, images in columns for im in images), default=300)
    margin_left, top = 110, 100
    width = margin_left + len(columns) * (cell_w + GAP) + GAP
    height = top + rows * (cell_h + GAP) + GAP
    sheet = Image.new("RGB", (width, height), SHEET_BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.text((GAP, 22), title, font=heading, fill=INK)
    for index, (lang, images) in enumerate(columns):
        x = margin_left + index * (cell_w + GAP)
        name = Locale.parse(babel_locale(lang)).get_display_name("en") or lang
        draw.text((x, top - 32), f"{name} ({lang})", font=label, fill=INK)
        for row, image in enumerate(images):
            y = top + row * (cell_h + GAP)
            sheet.paste(image, (x, y))
            draw.rectangle([x - 1, y - 1, x + image.width, y + image.height], outline=PAGE_EDGE)
    for row in range(rows):
        draw.text((GAP, top + row * (cell_h + GAP)), f"page {row + 1}", font=label, fill=MUTED)
    return sheet


def png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _font(fonts_dir: Path, size: int) -> Any:
    """A bundled Latin font for the labels (they are ASCII), or Pillow's own."""
    from PIL import ImageFont

    for path in sorted(fonts_dir.rglob("*Semibold.ttf")) + sorted(fonts_dir.rglob("*.ttf")):
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            continue
    return ImageFont.load_default()


def preview_build(project: Project, output_dir: Path) -> list[Path]:
    """Previews of every output the manifest lists (the last build), without rebuilding."""
    outputs = [o for o in read_manifest(output_dir) if (output_dir / o.path).is_file()]
    if not outputs:
        raise RenderError(
            f"nothing to preview: {output_dir.name}/manifest.json lists no PDF that exists",
            path=output_dir / "manifest.json",
            hint="run iombrochure build first",
        )
    made = make_previews(project, output_dir, outputs)
    previews_done(output_dir)  # what an interrupted build left to do is done
    return made

"""Proofs: PNG thumbnails of every page, and one proof sheet per document.

The last stage of a build: every page of every PDF it wrote becomes a PNG under
``dist/preview/`` (``brochure-fa-1.png``, ``print/brochure-fa-1.png``), and each document gets
a proof sheet, ``dist/preview/<doc>-proof.png``: its editions side by side, page by page, so
that an editor compares the English and the Persian (mirrored) layout at a glance.

Pages are rasterised with pypdfium2 from the PDF bytes where the PDF was rendered (in a build's
worker process: :func:`page_pngs`), and a proof sheet is remade only when one of its editions
changed, from the other editions' PNGs already on disk. pypdfium2 and Pillow write the same
pixels for the same PDF, and PNGs carry no time stamp, so previews are as reproducible as the
PDFs.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from pathlib import Path
from typing import Any

from iombrochure.errors import RenderError
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.languages import label as language_label
from iombrochure.pipeline.outputs import (
    OTHER_JOURNAL_NAME,
    Output,
    OutputCommit,
    existing_outputs,
    previews_done,
    recover,
)

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


def page_pngs(pdf: bytes, *, dpi: int = THUMBNAIL_DPI, press: Any = None) -> list[bytes]:
    """Every page of a PDF (its bytes, as just rendered) as PNG bytes, cheaply encoded.

    Runs where the PDF was rendered (a build's worker process), so no PDF is read back.
    """
    return [png_bytes(image) for image in _rasterise(pdf, dpi=dpi, press=press)]


def render_pages(pdf_path: Path, *, dpi: int = THUMBNAIL_DPI, press: Any = None) -> list[Any]:
    """Every page of a PDF file as a Pillow image; soft-proofed through ``press`` (the
    project's PrintSettings) for the print variant."""
    try:
        data = pdf_path.read_bytes()
    except OSError as exc:
        raise RenderError(
            f"cannot read {pdf_path.name} to preview it: {exc.strerror or exc}", path=pdf_path
        ) from exc
    try:
        return _rasterise(data, dpi=dpi, press=press)
    except RenderError as exc:
        raise RenderError(exc.message, path=pdf_path) from exc


def _rasterise(pdf: bytes, *, dpi: int, press: Any = None) -> list[Any]:
    import pypdfium2 as pdfium

    if press is not None and (proofs := soft_proof_pages(pdf, press.profile, dpi=dpi)):
        return proofs
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise RenderError(f"cannot read a PDF to preview it: {exc}") from exc
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def soft_proof_pages(pdf: bytes, profile: Path, *, dpi: int) -> list[Any] | None:
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
        pdf_path = Path(folder) / "edition.pdf"
        pdf_path.write_bytes(pdf)
        done = subprocess.run(
            # -overprint: black text over a tint shows as the press prints it (prepress.py)
            [pdftoppm, "-jpegcmyk", "-overprint", "-r", str(dpi), str(pdf_path), f"{folder}/page"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RenderError(f"cannot soft-proof a print PDF: {done.stderr.strip()}")
        files = sorted(Path(folder).glob("page-*.jpg"), key=lambda f: int(f.stem.rsplit("-")[-1]))
        pages = []
        for file in files:
            with Image.open(file) as page:
                pages.append(soft_proof(page, profile))
        return pages


def write_previews(
    project: Project,
    output_dir: Path,
    thumbnails: dict[Output, list[bytes]],
    sheets: dict[str, bytes | None] | None = None,
    *,
    commit: OutputCommit | None = None,
) -> list[Path]:
    """Write the given outputs' page PNGs (removing pages an edition no longer has) and remake
    the proof sheet of each document one of whose proof editions is among them; ``sheets``
    holds those already composed while the build rendered (document -> PNG, or None: nothing
    to remake). Returns the files written.

    All of it is one commit: a full disk or Ctrl-C half-way leaves every preview as it was.
    A build passes its own open ``commit``, so that such a failure puts back its PDFs too.
    """
    files: dict[Path, bytes] = {}
    for output, pngs in thumbnails.items():
        for number, png in enumerate(pngs, start=1):
            files[thumbnail_path(output_dir, output, number)] = png
    sheets = sheets or {}
    proofs = {proof_path(output_dir, doc): png for doc, png in sheets.items() if png is not None}
    # Composed before anything moves: the other editions' pages are read from disk as they are.
    proofs.update(_proof_sheets(project, output_dir, thumbnails, skip=set(sheets)))
    extra = [
        page
        for output, pngs in thumbnails.items()
        for page in _pages_after(output_dir, output, len(pngs))
    ]
    if commit is not None:
        _stage_previews(commit, {**files, **proofs}, extra)
        commit.switch(final=False)
    else:
        with OutputCommit(output_dir, journal=OTHER_JOURNAL_NAME) as own:
            _stage_previews(own, {**files, **proofs}, extra)
            own.switch()
    return sorted([*files, *proofs])


def _stage_previews(commit: OutputCommit, files: dict[Path, bytes], extra: list[Path]) -> None:
    for path, data in files.items():
        commit.stage(path, data)
    for page in extra:
        commit.remove(page)


def _pages_after(output_dir: Path, output: Output, count: int) -> list[Path]:
    """The page PNGs of an edition beyond its ``count`` pages (it has become shorter)."""
    pages = []
    number = count + 1
    while (extra := thumbnail_path(output_dir, output, number)).is_file():
        pages.append(extra)
        number += 1
    return pages


def proof_variant(listed: list[Any], document: str) -> str | None:
    """The variant a document's proof sheet shows: the first of PROOF_VARIANTS it has."""
    variants = {o.variant for o in listed if o.document == document}
    return next((v for v in PROOF_VARIANTS if v in variants), None)


def _proof_sheets(
    project: Project,
    output_dir: Path,
    thumbnails: dict[Output, list[bytes]],
    *,
    skip: Collection[str] = (),
) -> dict[Path, bytes]:
    """The proof sheets whose editions changed (but the documents in ``skip``)."""
    fresh = {(o.document, o.lang, o.variant): pngs for o, pngs in thumbnails.items()}
    sheets: dict[Path, bytes] = {}
    for document in dict.fromkeys(o.document for o in thumbnails):
        if document in skip:
            continue
        sheet = compose_proof_sheet(project, output_dir, document, fresh, list(thumbnails))
        if sheet is not None:
            sheets[proof_path(output_dir, document)] = sheet
    return sheets


def compose_proof_sheet(
    project: Project,
    output_dir: Path,
    document: str,
    fresh: dict[tuple[str, str, str], list[bytes]],
    coming: list[Any],
) -> bytes | None:
    """One document's proof sheet as PNG bytes, or None when none of its editions changed.

    It takes every edition of the document: the changed ones from ``fresh`` ((document, lang,
    variant) -> page PNGs), the others from their page PNGs on disk (decoding a PNG is cheaper
    than rasterising the PDF again), so a build of one language still makes a whole sheet.
    ``coming``: the outputs being made (anything with .document and .variant, such as this
    build's jobs); with those on disk they choose the variant shown.
    A build composes each sheet as soon as its editions are rendered, while it renders others.
    """
    from PIL import Image

    on_disk = existing_outputs(output_dir)
    variant = proof_variant([*on_disk, *coming], document)
    if not any((document, lang, variant) in fresh for lang in project.languages):
        return None  # none of the sheet's editions changed
    columns = []
    for lang in project.languages:
        key = (document, lang, variant)
        if key in fresh:
            pages = [Image.open(io.BytesIO(png)).convert("RGB") for png in fresh[key]]
        else:
            entry = next((o for o in on_disk if (o.document, o.lang, o.variant) == key), None)
            if entry is None:
                continue
            pages = _pages_on_disk(output_dir, entry, press=_press(project, entry))
        columns.append((lang, pages))
    title = f"{document} · {variant} · edition {project.publication.edition_date.isoformat()}"
    return png_bytes(proof_sheet(title, columns, fonts_dir=project.fonts_dir))


def _pages_on_disk(output_dir: Path, entry: Output, *, press: Any = None) -> list[Any]:
    """An unchanged edition's pages: its PNGs if they are newer than its PDF, else the PDF's."""
    from PIL import Image

    pdf = output_dir / entry.path
    paths = [thumbnail_path(output_dir, entry, n) for n in range(1, entry.pages + 1)]
    try:
        if all(path.stat().st_mtime_ns >= pdf.stat().st_mtime_ns for path in paths):
            images = []
            for path in paths:
                with Image.open(path) as image:
                    images.append(image.convert("RGB"))
            return images
    except OSError:
        pass
    return render_pages(pdf, press=press)


def make_previews(
    project: Project,
    output_dir: Path,
    outputs: list[Output],
    *,
    dpi: int = THUMBNAIL_DPI,
    commit: OutputCommit | None = None,
) -> list[Path]:
    """Thumbnails of the given outputs' pages (rasterised from their files), and the proof
    sheet of each of their documents, in ``commit`` if given (see write_previews). Returns the
    files written."""
    thumbnails = {
        output: [
            png_bytes(image)
            for image in render_pages(
                output_dir / output.path, dpi=dpi, press=_press(project, output)
            )
        ]
        for output in outputs
    }
    return write_previews(project, output_dir, thumbnails, commit=commit)


def _press(project: Project, output: Output) -> Any:
    """The press to soft-proof an output for: the print variant's, else None."""
    return project.print if output.variant == "print" else None


def proof_sheet(title: str, columns: list[tuple[str, list[Any]]], *, fonts_dir: Path) -> Any:
    """Editions side by side (one column per language), their pages one row each, labelled."""
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
        draw.text((x, top - 32), language_label(lang), font=label, fill=INK)
        for row, image in enumerate(images):
            y = top + row * (cell_h + GAP)
            sheet.paste(image, (x, y))
            draw.rectangle([x - 1, y - 1, x + image.width, y + image.height], outline=PAGE_EDGE)
    for row in range(rows):
        draw.text((GAP, top + row * (cell_h + GAP)), f"page {row + 1}", font=label, fill=MUTED)
    return sheet


def png_bytes(image: Any) -> bytes:
    """PNG with zlib's fastest level: a tenth of the time of ``optimize``, half again the size
    (previews are looked at, not shipped)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
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
    recover(output_dir)  # a killed build's commit is undone first: preview what is there
    outputs = existing_outputs(output_dir)
    if not outputs:
        raise RenderError(
            f"nothing to preview: {output_dir.name}/manifest.json lists no PDF that exists",
            path=output_dir / "manifest.json",
            hint="run iombrochure build first",
        )
    made = make_previews(project, output_dir, outputs)
    previews_done(output_dir)  # what an interrupted build left to do is done
    return made

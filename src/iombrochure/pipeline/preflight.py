"""Preflight: the print PDFs checked as an offset print shop's preflight checks them.

A shop runs every PDF through its own preflight before it makes plates, and rejects or calls
about what would print badly. ``iombrochure preflight`` runs the same checks here first, on
``dist/print/*.pdf`` (any PDF/X file, in fact), one line per finding with its page and place:

* ink: the separations of every page, rendered by Ghostscript's ``tiffsep`` device where it is
  installed (the shops' own tool), else measured on poppler's CMYK render (the soft proof's);
  the total area coverage against the press condition's limit, inside the BleedBox;
* the content streams, walked with pypdf: text under a size on more than one plate, light text
  reversed out of a ground of several plates, strokes under 0.25 pt, white that overprints
  (it vanishes), colours in RGB or a spot ink, pictures under their effective resolution, fonts
  not embedded;
* the page boxes: a TrimBox, and 3 mm of bleed within the MediaBox.

Errors are what a shop rejects, warnings what it calls about, notices what it would mention.
docs/print.md lists the checks and their limits.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from iombrochure.errors import IombrochureError
from iombrochure.pipeline.matrices import IDENTITY, Matrix, apply, multiply, scale_of

SEVERITIES = ("error", "warning", "notice")
#: Resolution of the separations: a shop's preflight looks at 150 dpi (finer costs time and
#: finds nothing more at the sizes checked here).
PLATE_DPI = 150
PT_PER_MM = 72 / 25.4
INKS = ("cyan", "magenta", "yellow", "black")
#: Total area coverage (sum of the four inks, %) each press condition allows (ISO 12647-2 and
#: the conditions' characterization data); another condition gets the strictest, 300 %.
INK_LIMITS = {"FOGRA39": 330, "FOGRA51": 300, "FOGRA52": 300, "FOGRA29": 300, "GRACoL2013": 320}
DEFAULT_INK_LIMIT = 300
#: Over the limit on less than this area (mm²) is the edge of a shape, not a patch of ink.
INK_AREA_MM2 = 0.5
#: Text on more than one plate: a notice under the first size (pt), a warning under the second.
SMALL_TEXT_PT = (12.0, 7.0)
#: Light text reversed out of a ground of several plates: a notice, a warning, under these.
REVERSED_TEXT_PT = (10.0, 7.0)
#: A plate counts in a ground or reversed text from this ink (0-1).
PLATE_INK = 0.3
#: The thinnest stroke an offset press holds (pt).
HAIRLINE_PT = 0.25
#: Effective picture resolution (ppi): a warning under the first, an error under the second.
PICTURE_PPI = (200, 150)
#: The bleed a shop needs past the trim on every side (mm).
BLEED_MM = 3.0
#: Forms drawn inside forms, deeper than this, are not followed (no real file comes near).
MAX_FORM_DEPTH = 32
#: How long a renderer may take on one file (s): a damaged file can make it loop.
RENDER_TIMEOUT = 300


class PreflightError(IombrochureError):
    """A print PDF cannot be preflighted (unreadable, or the renderer failed)."""


@dataclass(frozen=True)
class Finding:
    """One thing a print shop would reject, call about or mention, where it is."""

    severity: str
    rule: str
    path: Path
    page: int | None
    place: str
    message: str
    hint: str = ""

    def line_text(self, root: Path | None = None) -> str:
        """``severity: file: page N at x × y mm: message (hint)``, one line."""
        path = self.path
        if root is not None and path.is_relative_to(root):
            path = path.relative_to(root)
        where = f"page {self.page}" if self.page else ""
        if self.place:
            where = f"{where} at {self.place}" if where else self.place
        text = f"{self.severity}: {path}: {where + ': ' if where else ''}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass
class PreflightReport:
    findings: list[Finding] = field(default_factory=list)
    #: How the ink was measured: "Ghostscript tiffsep" or "poppler CMYK render".
    method: str = ""
    plates: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def ghostscript() -> str | None:
    """Ghostscript's command, where installed (Debian package ``ghostscript``)."""
    return shutil.which("gs")


def ink_limit(press_condition: str) -> int:
    return INK_LIMITS.get(press_condition, DEFAULT_INK_LIMIT)


def print_pdfs(output_dir: Path) -> list[Path]:
    return sorted((output_dir / "print").glob("*.pdf"))


def preflight_project(project: Any, *, plates: bool = False) -> PreflightReport:
    """Every print PDF of the project's last build, checked; with ``plates``, each page's
    separations written as PNGs to ``dist/preview/print/plates/``."""
    pdfs = print_pdfs(project.output_dir)
    if not pdfs:
        raise PreflightError(
            f"no print PDFs in {project.output_dir / 'print'}",
            path=project.output_dir,
            hint="run `iombrochure build` first",
        )
    plates_dir = project.output_dir / "preview" / "print" / "plates" if plates else None
    report = PreflightReport()
    for pdf in pdfs:
        one = preflight_pdf(
            pdf, press_condition=project.print.press_condition, plates_dir=plates_dir
        )
        report.findings.extend(one.findings)
        report.plates.extend(one.plates)
        report.method = one.method
    return report


def preflight_pdf(
    pdf: Path, *, press_condition: str = "FOGRA39", plates_dir: Path | None = None
) -> PreflightReport:
    """One PDF checked as a print shop's preflight would."""
    import pypdf
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs ("EOF marker not found") to stderr: the finding says it.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(pdf)
        pages = list(reader.pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise PreflightError(
            f"cannot be read as a PDF ({exc})", path=pdf, hint="build it again"
        ) from None
    report = PreflightReport()
    report.findings.extend(_document_findings(reader, pdf))
    separations, report.method = render_separations(pdf, PLATE_DPI)
    limit = ink_limit(press_condition)
    highest: tuple[float, int, str] = (0.0, 0, "")
    for number, page in enumerate(pages, 1):
        geometry = PageGeometry.of(page)
        plates = separations[number - 1] if number - 1 < len(separations) else None
        report.findings.extend(_box_findings(page, geometry, pdf, number))
        walker = ContentWalker(geometry)
        try:
            walker.walk_page(page)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, PdfReadError):
            raise PreflightError(
                f"page {number}: its content cannot be read (the file is damaged)",
                path=pdf,
                hint="build it again, or ask whoever made it for a new file",
            ) from None
        report.findings.extend(
            replace(finding, path=pdf, page=number)
            for finding in walker.findings(plates, press_condition)
        )
        if plates is not None:
            total, place, over = ink_total(plates, geometry, limit)
            if total > highest[0]:
                highest = (total, number, place)
            if over:
                report.findings.append(over_limit(pdf, number, over, limit, press_condition))
            if plates_dir is not None:
                report.plates.extend(write_plates(plates, plates_dir, f"{pdf.stem}-{number}"))
    if highest[1]:
        total, number, place = highest
        report.findings.append(
            Finding(
                "notice",
                "ink-total",
                pdf,
                number,
                place,
                f"highest ink total {total:.0f} % ({press_condition} allows {limit} %; "
                f"measured by {report.method})",
            )
        )
    order = {severity: index for index, severity in enumerate(SEVERITIES)}
    report.findings.sort(key=lambda f: (order[f.severity], f.page or 0))
    return report


# ---- Geometry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageGeometry:
    """A page's boxes in PDF points, and how to name a place on it."""

    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float] | None
    bleed: tuple[float, float, float, float] | None

    @classmethod
    def of(cls, page: Any) -> PageGeometry:
        def box(key: str) -> tuple[float, float, float, float] | None:
            value = page.get(key)
            if value is None:
                return None
            x0, y0, x1, y1 = (float(v) for v in value)
            return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

        media = box("/MediaBox") or (0.0, 0.0, 595.0, 842.0)
        return cls(media, box("/TrimBox"), box("/BleedBox"))

    def place(self, x: float, y: float) -> str:
        """A point as millimetres from the top left corner of the trimmed page."""
        left, _, _, top = self.trim or self.media
        return f"{(x - left) / PT_PER_MM:.0f} × {(top - y) / PT_PER_MM:.0f} mm"

    def pixel(self, x: float, y: float, dpi: int = PLATE_DPI) -> tuple[int, int]:
        return (
            round((x - self.media[0]) * dpi / 72),
            round((self.media[3] - y) * dpi / 72),
        )

    def point(self, column: float, row: float, dpi: int = PLATE_DPI) -> tuple[float, float]:
        return (self.media[0] + column * 72 / dpi, self.media[3] - row * 72 / dpi)


def _box_findings(page: Any, geometry: PageGeometry, pdf: Path, number: int) -> list[Finding]:
    findings = []
    hint = "make the print variant with iombrochure build, which sets the boxes and 3 mm bleed"
    if geometry.trim is None:
        return [Finding("error", "boxes", pdf, number, "", "no TrimBox", hint)]
    bleed = geometry.bleed or geometry.trim
    sides = [
        geometry.trim[0] - bleed[0],
        geometry.trim[1] - bleed[1],
        bleed[2] - geometry.trim[2],
        bleed[3] - geometry.trim[3],
    ]
    least = min(sides) / PT_PER_MM
    if least < BLEED_MM - 0.05:
        findings.append(
            Finding(
                "error",
                "bleed",
                pdf,
                number,
                "",
                f"{least:.1f} mm of bleed past the trim; the shop needs {BLEED_MM:g} mm",
                "give the page `bleed` in the print stylesheet and run the artwork into it",
            )
        )
    media = geometry.media
    if bleed[0] < media[0] or bleed[1] < media[1] or bleed[2] > media[2] or bleed[3] > media[3]:
        findings.append(
            Finding("error", "boxes", pdf, number, "", "the BleedBox is larger than the page", hint)
        )
    return findings


def _document_findings(reader: Any, pdf: Path) -> list[Finding]:
    """What the whole file needs: an output intent for the press, PDF/X named in Info."""
    findings = []
    intents = reader.trailer["/Root"].get("/OutputIntents") or []
    if not any(intent.get_object().get("/S") == "/GTS_PDFX" for intent in intents):
        findings.append(
            Finding(
                "error",
                "output-intent",
                pdf,
                None,
                "",
                "no PDF/X output intent (the press condition the file is made for)",
                "send the files of dist/print/ as iombrochure builds them",
            )
        )
    info = reader.trailer.get("/Info")
    if info is None or "/GTS_PDFXVersion" not in info.get_object():
        findings.append(
            Finding(
                "notice",
                "pdfx-version",
                pdf,
                None,
                "",
                "no GTS_PDFXVersion in the Info dictionary (older workflow tools look there)",
            )
        )
    return findings


# ---- Separations -----------------------------------------------------------------------------


def render_separations(pdf: Path, dpi: int) -> tuple[list[dict[str, Any]], str]:
    """Each page's ink per plate (0-1 arrays, by ink name; a spot ink under its own name),
    with Ghostscript's tiffsep (overprint as the press prints it) or, without Ghostscript,
    poppler's CMYK render with overprint. Also which of the two measured."""
    gs = ghostscript()
    try:
        if gs is not None:
            return _tiffsep(gs, pdf, dpi), "Ghostscript tiffsep"
        return _poppler_cmyk(pdf, dpi), "poppler CMYK render"
    except subprocess.TimeoutExpired:
        raise PreflightError(
            f"rendering its separations took more than {RENDER_TIMEOUT} s",
            path=pdf,
            hint="build it again; a file that stays this slow is damaged",
        ) from None


def _tiffsep(gs: str, pdf: Path, dpi: int) -> list[dict[str, Any]]:
    import numpy
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="iombrochure-plates-") as folder:
        done = subprocess.run(
            [
                gs,
                "-q",
                "-dSAFER",
                "-dBATCH",
                "-dNOPAUSE",
                "-sDEVICE=tiffsep",
                f"-r{dpi}",
                f"-sOutputFile={folder}/page-%d.tif",
                str(pdf),
            ],
            capture_output=True,
            text=True,
            timeout=RENDER_TIMEOUT,
        )
        if done.returncode != 0:
            raise PreflightError(
                f"Ghostscript cannot render its separations: {done.stderr.strip()[:200]}",
                path=pdf,
                hint="open it in a PDF reader; rebuild it with iombrochure build",
            )
        pages: list[dict[str, Any]] = []
        number = 1
        while (Path(folder) / f"page-{number}.tif").exists():
            plates: dict[str, Any] = {}
            for plate in Path(folder).glob(f"page-{number}(*).tif"):
                name = plate.stem.split("(", 1)[1].rstrip(")")
                with Image.open(plate) as image:
                    ink = 1 - numpy.asarray(image.convert("L"), dtype=numpy.float32) / 255
                plates[name.lower() if name.lower() in INKS else name] = ink
            pages.append(plates)
            number += 1
        return pages


def _poppler_cmyk(pdf: Path, dpi: int) -> list[dict[str, Any]]:
    import numpy
    from PIL import Image

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PreflightError(
            "neither Ghostscript nor poppler's pdftoppm is installed to render the separations",
            hint="install the Debian package ghostscript (or poppler-utils)",
        )
    with tempfile.TemporaryDirectory(prefix="iombrochure-plates-") as folder:
        done = subprocess.run(
            [
                pdftoppm,
                "-jpegcmyk",
                "-overprint",
                "-jpegopt",
                "quality=100",
                "-r",
                str(dpi),
                str(pdf),
                f"{folder}/page",
            ],
            capture_output=True,
            text=True,
            timeout=RENDER_TIMEOUT,
        )
        if done.returncode != 0:
            raise PreflightError(
                f"pdftoppm cannot render it: {done.stderr.strip()[:200]}",
                path=pdf,
                hint="open it in a PDF reader; rebuild it with iombrochure build",
            )
        files = sorted(Path(folder).glob("page-*.jpg"), key=lambda f: int(f.stem.rsplit("-")[-1]))
        pages = []
        for file in files:
            with Image.open(file) as image:
                channels = numpy.asarray(image.convert("CMYK"), dtype=numpy.float32) / 255
            pages.append({ink: channels[:, :, index] for index, ink in enumerate(INKS)})
        return pages


def ink_total(
    plates: dict[str, Any], geometry: PageGeometry, limit: int
) -> tuple[float, str, tuple[int, str] | None]:
    """The highest total ink (%) inside the BleedBox and where; and, if the limit is passed
    over more than INK_AREA_MM2, the area (mm²) and where it starts."""
    import numpy

    total = sum(plates[ink] for ink in INKS if ink in plates) * 100
    box = geometry.bleed or geometry.trim or geometry.media
    left, top = geometry.pixel(box[0], box[3])
    right, bottom = geometry.pixel(box[2], box[1])
    inside = total[max(top, 0) : bottom, max(left, 0) : right]
    if inside.size == 0:
        return 0.0, "", None
    row, column = numpy.unravel_index(int(numpy.argmax(inside)), inside.shape)
    highest = float(inside[row, column])
    place = geometry.place(*geometry.point(column + max(left, 0), row + max(top, 0)))
    over = inside > limit + 0.5
    pixel_mm2 = (25.4 / PLATE_DPI) ** 2
    area = float(over.sum()) * pixel_mm2
    if area < INK_AREA_MM2:
        return highest, place, None
    rows, columns = numpy.nonzero(over)
    first = geometry.place(*geometry.point(columns.min() + max(left, 0), rows.min() + max(top, 0)))
    return highest, place, (round(area), first)


def over_limit(
    pdf: Path, number: int, over: tuple[int, str], limit: int, press_condition: str
) -> Finding:
    area, place = over
    return Finding(
        "error",
        "ink-total",
        pdf,
        number,
        place,
        f"ink total over {limit} % on {max(area, 1)} mm² ({press_condition}'s limit)",
        "use less ink there: black artwork in black ink alone, darks as in print-colours.css",
    )


def write_plates(plates: dict[str, Any], folder: Path, stem: str) -> list[Path]:
    """Each plate as a grey PNG (ink black on white), as a platesetter would image it."""
    import numpy
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, ink in plates.items():
        path = folder / f"{stem}-{name.lower().replace(' ', '-')}.png"
        grey = (255 - numpy.clip(ink, 0, 1) * 255).round().astype(numpy.uint8)
        Image.fromarray(grey, mode="L").save(path, optimize=True)
        written.append(path)
    return sorted(written)


# ---- Content streams -------------------------------------------------------------------------


@dataclass
class Colour:
    """A colour as the press sees it: its space's kind and the ink per plate."""

    kind: str = "gray"  # "cmyk", "gray", "rgb", "registration", "spot", "lab", "other"
    inks: tuple[float, ...] = (0.0, 0.0, 0.0, 1.0)
    name: str = ""

    def plates(self) -> int:
        return sum(1 for ink in self.inks if ink > 0.0) if self.kind in ("cmyk", "gray") else 0

    def describe(self) -> str:
        if self.kind in ("cmyk", "gray"):
            return "/".join(f"{ink * 100:.0f}" for ink in self.inks)
        return self.name or self.kind

    def white(self) -> bool:
        return self.kind in ("cmyk", "gray") and not any(self.inks)


@dataclass
class GraphicsState:
    ctm: Matrix = IDENTITY
    fill: Colour = field(default_factory=Colour)
    stroke: Colour = field(default_factory=Colour)
    line_width: float = 1.0
    fill_overprint: bool = False
    stroke_overprint: bool = False
    font_size: float = 0.0
    font: Any = None


@dataclass(frozen=True)
class TextRun:
    origin: tuple[float, float]
    size: float
    width: float
    colour: Colour
    overprint: bool


class ContentWalker:
    """Walks a page's content (and the forms it draws) keeping the graphics state, and
    notes what a shop's preflight looks at: text runs, strokes, pictures, colours, fonts."""

    def __init__(self, geometry: PageGeometry) -> None:
        self.geometry = geometry
        self.text_runs: list[TextRun] = []
        self.notes: list[Finding] = []
        self._fonts_checked: set[int] = set()
        self._forms_drawing: set[int] = set()
        #: The top left corner of the path being built, in page space.
        self._path_corner: tuple[float, float] | None = None

    # The finished page's findings, with the separations where they were rendered.
    def findings(self, plates: dict[str, Any] | None, press_condition: str) -> list[Finding]:
        found = list(self.notes)
        found.extend(self._small_text())
        if plates is not None:
            found.extend(self._reversed_text(plates))
        return _grouped(found)

    def walk_page(self, page: Any) -> None:
        resources = page.get("/Resources")
        contents = page.get_contents()
        if contents is None:
            return
        self._walk(contents, resources.get_object() if resources else {}, GraphicsState())

    def _walk(self, content: Any, resources: Any, state: GraphicsState) -> None:
        from pypdf.generic import ContentStream

        if not isinstance(content, ContentStream):
            content = ContentStream(content, None)
        stack: list[GraphicsState] = []
        text_matrix = line_matrix = IDENTITY
        leading = 0.0
        for operands, operator in content.operations:
            op = operator.decode("latin-1") if isinstance(operator, bytes) else str(operator)
            if op in ("m", "l", "re", "c", "v", "y"):
                self._extend_path(op, operands, state)
                continue
            if op == "q":
                stack.append(replace(state))
            elif op == "Q" and stack:
                state = stack.pop()
            elif op == "cm":
                state.ctm = multiply(tuple(float(v) for v in operands), state.ctm)  # type: ignore[arg-type]
            elif op == "w":
                state.line_width = float(operands[0])
            elif op == "gs":
                self._graphics_state(resources, operands[0], state)
            elif op in ("cs", "CS"):
                colour = self._space(resources, operands[0])
                if op == "cs":
                    state.fill = colour
                else:
                    state.stroke = colour
            elif op in ("sc", "scn", "SC", "SCN", "k", "K", "g", "G", "rg", "RG"):
                self._set_colour(op, operands, state)
            elif op in ("S", "s", "B", "B*", "b", "b*"):
                self._stroke(state)
                if op not in ("S", "s"):
                    self._fill(state)
                self._path_corner = None
            elif op in ("f", "F", "f*"):
                self._fill(state)
                self._path_corner = None
            elif op == "n":
                self._path_corner = None
            elif op == "BT":
                text_matrix = line_matrix = IDENTITY
            elif op == "Tf":
                state.font = self._font(resources, operands[0])
                state.font_size = float(operands[1])
            elif op == "TL":
                leading = float(operands[0])
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    leading = -ty
                line_matrix = text_matrix = multiply((1, 0, 0, 1, tx, ty), line_matrix)
            elif op == "Tm":
                line_matrix = text_matrix = tuple(float(v) for v in operands)  # type: ignore[assignment]
            elif op == "T*":
                line_matrix = text_matrix = multiply((1, 0, 0, 1, 0, -leading), line_matrix)
            elif op in ("Tj", "TJ", "'", '"'):
                if op in ("'", '"'):
                    line_matrix = text_matrix = multiply((1, 0, 0, 1, 0, -leading), line_matrix)
                self._show_text(operands, op, state, text_matrix)
            elif op == "Do":
                self._draw_object(resources, operands[0], state)
            elif op == "INLINE IMAGE":
                continue

    def _extend_path(self, op: str, operands: list[Any], state: GraphicsState) -> None:
        values = [float(v) for v in operands]
        points = list(zip(values[::2], values[1::2], strict=False))
        if op == "re":
            x, y, width, height = values
            points = [(x, y), (x + width, y + height)]
        for point in points:
            x, y = apply(state.ctm, *point)
            corner = self._path_corner
            self._path_corner = (x, y) if corner is None else (min(corner[0], x), max(corner[1], y))

    def _path_place(self, state: GraphicsState) -> str:
        return self.geometry.place(*(self._path_corner or apply(state.ctm, 0, 0)))

    def _graphics_state(self, resources: Any, name: Any, state: GraphicsState) -> None:
        states = (resources.get("/ExtGState") or {}) if resources else {}
        entry = states.get(name)
        if entry is None:
            return
        entry = entry.get_object()
        if "/OP" in entry:
            state.stroke_overprint = _true(entry["/OP"])
            if "/op" not in entry:
                state.fill_overprint = state.stroke_overprint
        if "/op" in entry:
            state.fill_overprint = _true(entry["/op"])
        if "/LW" in entry:
            state.line_width = float(entry["/LW"])

    def _space(self, resources: Any, name: Any) -> Colour:
        name = str(name)
        simple = {"/DeviceCMYK": "cmyk", "/DeviceGray": "gray", "/DeviceRGB": "rgb"}
        if name in simple:
            inks = {"cmyk": (0.0, 0.0, 0.0, 1.0), "gray": (0.0, 0.0, 0.0, 1.0)}.get(simple[name])
            return Colour(simple[name], inks or (), name.lstrip("/"))
        if name == "/Pattern":
            return Colour("other", (), "a pattern")
        spaces = (resources.get("/ColorSpace") or {}) if resources else {}
        space = spaces.get(name)
        space = space.get_object() if space is not None else None
        return colour_space_kind(space, name)

    def _set_colour(self, op: str, operands: list[Any], state: GraphicsState) -> None:
        values = tuple(float(v) for v in operands if not str(v).startswith("/"))
        stroking = op.isupper()
        current = state.stroke if stroking else state.fill
        if op in ("k", "K"):
            colour = Colour("cmyk", values)
        elif op in ("g", "G"):
            colour = Colour("gray", (0.0, 0.0, 0.0, 1.0 - values[0]))
        elif op in ("rg", "RG"):
            colour = Colour("rgb", values, "RGB " + "/".join(f"{v:g}" for v in values))
        elif current.kind == "cmyk" and len(values) == 4:
            colour = Colour("cmyk", values)
        elif current.kind == "gray" and len(values) == 1:
            colour = Colour("gray", (0.0, 0.0, 0.0, 1.0 - values[0]))
        else:
            colour = Colour(current.kind, values, current.name)
        if stroking:
            state.stroke = colour
        else:
            state.fill = colour

    def _colour_note(self, colour: Colour, place: str) -> None:
        """A colour the CMYK press has no plates for, where it is painted."""
        if colour.kind not in ("rgb", "spot", "lab"):
            return
        if colour.kind == "rgb":
            message, hint = (
                f"colour left in RGB ({colour.name})",
                "give it its CMYK value in styles/print-colours.css",
            )
        elif colour.kind == "spot":
            message, hint = (
                f"spot colour {colour.name}: an ink the CMYK job has no plate for",
                "give it a CMYK value in styles/print-colours.css",
            )
        else:
            message, hint = (
                f"colour in {colour.name}, not in the press's CMYK",
                "give it a CMYK value in styles/print-colours.css",
            )
        self.notes.append(Finding("error", "colour-space", Path(), None, place, message, hint))

    def _stroke(self, state: GraphicsState) -> None:
        width = state.line_width * scale_of(state.ctm)
        place = self._path_place(state)
        self._colour_note(state.stroke, place)
        if state.stroke.white() and state.stroke_overprint:
            self._white_overprint(place, "a white line")
        if state.stroke.kind == "registration" or width >= HAIRLINE_PT:
            return
        self.notes.append(
            Finding(
                "warning",
                "hairline",
                Path(),
                None,
                place,
                f"a line {width:.2f} pt wide; under {HAIRLINE_PT} pt it breaks up on the plate",
                f"draw lines at least {HAIRLINE_PT} pt (0.1 mm) wide",
            )
        )

    def _fill(self, state: GraphicsState) -> None:
        place = self._path_place(state)
        self._colour_note(state.fill, place)
        if state.fill.white() and state.fill_overprint:
            self._white_overprint(place, "a white shape")

    def _white_overprint(self, place: str, what: str) -> None:
        self.notes.append(
            Finding(
                "error",
                "white-overprint",
                Path(),
                None,
                place,
                f"{what} set to overprint: it vanishes on press",
                "white must knock out; remove the overprint",
            )
        )

    def _font(self, resources: Any, name: Any) -> Any:
        fonts = (resources.get("/Font") or {}) if resources else {}
        font = fonts.get(name)
        if font is None:
            return None
        return font.get_object()

    def _check_embedded(self, font: Any, place: str) -> None:
        """A font the press does not have is replaced by another: reported where first used."""
        if font is None or id(font) in self._fonts_checked:
            return
        self._fonts_checked.add(id(font))
        if not font_embedded(font):
            self.notes.append(
                Finding(
                    "error",
                    "font-embedding",
                    Path(),
                    None,
                    place,
                    f"font {str(font.get('/BaseFont', '?')).lstrip('/')} is not embedded",
                    "embed every font (iombrochure's builds do; export the file again)",
                )
            )

    def _show_text(self, operands: list[Any], op: str, state: GraphicsState, tm: Matrix) -> None:
        matrix = multiply(tm, state.ctm)
        size = state.font_size * scale_of(matrix)
        glyphs = 0
        strings = operands[0] if op == "TJ" else operands[-1:]
        for part in strings:
            if isinstance(part, str | bytes):
                data = getattr(part, "original_bytes", part)
                glyphs += len(data) // (2 if _two_byte(state.font) else 1)
        if glyphs == 0 or size <= 0:
            return
        place = self.geometry.place(*apply(matrix, 0, 0))
        self._check_embedded(state.font, place)
        self._colour_note(state.fill, place)
        self.text_runs.append(
            TextRun(
                origin=apply(matrix, 0, 0),
                size=size,
                width=glyphs * size * 0.5,
                colour=state.fill,
                overprint=state.fill_overprint,
            )
        )
        if state.fill.white() and state.fill_overprint:
            self._white_overprint(place, "white text")

    def _draw_object(self, resources: Any, name: Any, state: GraphicsState) -> None:
        objects = (resources.get("/XObject") or {}) if resources else {}
        reference = objects.get(name)
        if reference is None:
            return
        xobject = reference.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            self._picture(xobject, resources, state)
        elif subtype == "/Form":
            key = reference.idnum if hasattr(reference, "idnum") else id(xobject)
            if key in self._forms_drawing or len(self._forms_drawing) >= MAX_FORM_DEPTH:
                return  # a form that draws itself: drawn once, as a RIP would refuse the rest
            self._forms_drawing.add(key)
            form_matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
            inner = replace(state, ctm=multiply(form_matrix, state.ctm))  # type: ignore[arg-type]
            form_resources = xobject.get("/Resources")
            self._walk(xobject, form_resources.get_object() if form_resources else resources, inner)
            self._forms_drawing.discard(key)

    def _picture(self, image: Any, resources: Any, state: GraphicsState) -> None:
        a, b, c, d, _, _ = state.ctm
        place = self.geometry.place(*apply(state.ctm, 0, 1))  # its top left corner
        if _true(image.get("/ImageMask", False)):
            return
        space = image.get("/ColorSpace")
        space = space.get_object() if space is not None else None
        kind = colour_space_kind(space, str(space)) if space is not None else Colour("other")
        if kind.kind in ("rgb", "spot", "lab"):
            self.notes.append(
                Finding(
                    "error",
                    "colour-space",
                    Path(),
                    None,
                    place,
                    f"a picture in {kind.name}",
                    "place pictures with picture_uri(), which makes them CMYK for print",
                )
            )
        if int(image.get("/BitsPerComponent", 8)) == 1:
            return  # line art: its own rules (1200 ppi and more), and sharp at any size
        width_in = math.hypot(a, b) / 72
        height_in = math.hypot(c, d) / 72
        if not width_in or not height_in:
            return
        ppi = min(int(image["/Width"]) / width_in, int(image["/Height"]) / height_in)
        warn, error = PICTURE_PPI
        if ppi < warn:
            self.notes.append(
                Finding(
                    "error" if ppi < error else "warning",
                    "picture-resolution",
                    Path(),
                    None,
                    place,
                    f"a picture at {ppi:.0f} ppi; print needs {warn} or more (300 is best)",
                    "use a larger picture, or place it smaller",
                )
            )

    def _small_text(self) -> list[Finding]:
        notice, warning = SMALL_TEXT_PT
        runs = [r for r in self.text_runs if r.colour.plates() >= 2 and r.size < notice]
        found = []
        for colour, same in _by_colour(runs).items():
            plates = same[0].colour.plates()
            smallest = min(run.size for run in same)
            found.append(
                Finding(
                    "warning" if smallest < warning else "notice",
                    "small-text-plates",
                    Path(),
                    None,
                    self.geometry.place(*same[0].origin),
                    f"{_sizes(same)} text on {plates} plates ({colour}){_places(same)}: "
                    "a slight misregistration blurs it",
                    f"print text under {notice:g} pt in one ink, or set it larger",
                )
            )
        return found

    def _reversed_text(self, plates: dict[str, Any]) -> list[Finding]:
        """Text lighter than its ground on two plates or more: the letters are holes in those
        plates, and a shift of one plate fills them with colour."""
        notice, warning = REVERSED_TEXT_PT
        reversed_runs: dict[str, list[TextRun]] = {}
        for run in self.text_runs:
            if run.size >= notice or run.overprint or run.colour.kind not in ("cmyk", "gray"):
                continue
            holes = self._holes(run, plates)
            if len(holes) >= 2:
                reversed_runs.setdefault(", ".join(holes), []).append(run)
        found = []
        for holes, runs in reversed_runs.items():
            smallest = min(run.size for run in runs)
            found.append(
                Finding(
                    "warning" if smallest < warning else "notice",
                    "reversed-text",
                    Path(),
                    None,
                    self.geometry.place(*runs[0].origin),
                    f"{_sizes(runs)} text reversed out of {holes}{_places(runs)}: "
                    "a shift of one plate fills the letters",
                    f"reverse text under {notice:g} pt out of one ink, or set it larger or bolder",
                )
            )
        return found

    def _holes(self, run: TextRun, plates: dict[str, Any]) -> list[str]:
        """The plates on which a text run is a hole: its ground (the most ink under its box)
        carries PLATE_INK more than the text."""
        x, y = run.origin
        left, top = self.geometry.pixel(x, y + run.size * 0.7)
        right, bottom = self.geometry.pixel(x + run.width, y)
        holes = []
        for index, ink in enumerate(INKS):
            plate = plates.get(ink)
            if plate is None:
                continue
            window = plate[max(top, 0) : max(bottom, top + 1), max(left, 0) : max(right, left + 1)]
            ground = float(window.max()) if window.size else 0.0
            if ground >= PLATE_INK and ground - run.colour.inks[index] >= PLATE_INK:
                holes.append(ink)
        return holes


def _by_colour(runs: list[TextRun]) -> dict[str, list[TextRun]]:
    groups: dict[str, list[TextRun]] = {}
    for run in runs:
        groups.setdefault(run.colour.describe(), []).append(run)
    return groups


def _sizes(runs: list[TextRun]) -> str:
    low, high = min(r.size for r in runs), max(r.size for r in runs)
    return f"{low:.1f} pt" if round(low, 1) == round(high, 1) else f"{low:.1f}-{high:.1f} pt"


def _places(runs: list[TextRun]) -> str:
    return f", {len(runs)} places" if len(runs) > 1 else ""


def _grouped(findings: list[Finding]) -> list[Finding]:
    """One finding per kind and message on a page, the first place named, the rest counted."""
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.severity, finding.rule, finding.message), []).append(finding)
    result = []
    for group in groups.values():
        first = group[0]
        if len(group) > 1:
            first = replace(first, message=f"{first.message}, {len(group)} places")
        result.append(first)
    return result


def _true(value: Any) -> bool:
    """A PDF boolean: pypdf's BooleanObject is always true to bool()."""
    return bool(getattr(value, "value", value)) and str(value) != "false"


def _two_byte(font: Any) -> bool:
    return font is not None and font.get("/Subtype") == "/Type0"


def font_embedded(font: Any) -> bool:
    """Whether a font dictionary carries its font program (Type 3 fonts are drawings)."""
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        descendants = font.get("/DescendantFonts") or []
        return bool(descendants) and font_embedded(descendants[0].get_object())
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def colour_space_kind(space: Any, name: str) -> Colour:
    """What a colour space is to the press: CMYK, grey, registration (Separation /All), a
    spot ink, RGB or Lab."""
    if space is None:
        return Colour("other", (), name.lstrip("/"))
    if isinstance(space, str) or not isinstance(space, list):
        return {
            "/DeviceCMYK": Colour("cmyk", (0.0, 0.0, 0.0, 1.0), "DeviceCMYK"),
            "/DeviceGray": Colour("gray", (0.0, 0.0, 0.0, 1.0), "DeviceGray"),
            "/DeviceRGB": Colour("rgb", (), "DeviceRGB"),
        }.get(str(space), Colour("other", (), str(space).lstrip("/")))
    family = str(space[0])
    if family == "/ICCBased":
        components = int(space[1].get_object().get("/N", 0))
        kinds = {4: ("cmyk", "ICC CMYK"), 1: ("gray", "ICC grey"), 3: ("rgb", "ICC RGB")}
        kind, label = kinds.get(components, ("other", "ICC"))
        return Colour(kind, (0.0, 0.0, 0.0, 1.0) if kind != "rgb" else (), label)
    if family == "/Separation":
        ink = str(space[1]).lstrip("/")
        if ink == "All":
            return Colour("registration", (1.0, 1.0, 1.0, 1.0), "registration")
        if ink == "None":
            return Colour("other", (), "None")
        if ink in ("Cyan", "Magenta", "Yellow", "Black"):
            return Colour("other", (), ink)
        return Colour("spot", (), ink)
    if family == "/DeviceN":
        inks = [str(ink).lstrip("/") for ink in space[1]]
        spots = [ink for ink in inks if ink not in ("Cyan", "Magenta", "Yellow", "Black", "None")]
        return Colour("spot", (), "+".join(spots)) if spots else Colour("other", (), "DeviceN")
    if family in ("/CalRGB",):
        return Colour("rgb", (), "CalRGB")
    if family == "/Lab":
        return Colour("lab", (), "Lab")
    if family == "/Indexed":
        return colour_space_kind(
            space[1].get_object() if hasattr(space[1], "get_object") else space[1], name
        )
    return Colour("other", (), family.lstrip("/"))

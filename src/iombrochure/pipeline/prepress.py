"""Prepress: the print variant as a PDF/X-4 file in CMYK, ready for an offset press.

A print shop asks for PDF/X in CMYK with the output intent of its press; handed RGB, it
converts on its own and the IOM blue and the text black shift. So the print variant is made in
the press's colours from the start:

* colours: the print stylesheet (``styles/print-colours.css``) gives every colour in
  ``device-cmyk()``; whatever RGB is left in a content stream (a stray style, a black QR code
  drawn as SVG) is converted here through the press profile (black as black ink alone), and a
  non-grey one is reported; ``device-cmyk(1 1 1 1)`` becomes registration, ``Separation
  /All``; black ink alone overprints, so that black text leaves no hole in a tint;
* pictures: converted to CMYK JPEGs with littlecms (Pillow's ImageCms) through the same profile,
  when the HTML is made (:func:`cmyk_picture`);
* the file: WeasyPrint's ``pdf/x-4`` variant, with the profile as the ``device-cmyk`` colour
  profile (hence an OutputIntent ``/GTS_PDFX``), and :class:`PressFinisher`, run just before
  the PDF is written, names the press condition in the OutputIntent, makes the XMP document id
  a function of the content (WeasyPrint draws a random one) so that the file is
  byte-reproducible, and still says PDF/UA-1 in the XMP; it draws the crop marks and
  registration crosses, names each font subset after its glyphs, and writes
  ``GTS_PDFXVersion`` in Info. It stops the build, in one line, on what the press cannot
  take: a link annotation, or a picture left in RGB.

``iombrochure preflight`` (preflight.py) checks the result as a print shop would.

The profile is bundled (``iombrochure/profiles/``, with its licence and provenance) and can be
replaced by the print shop's own in ``[print]`` of iombrochure.toml; see docs/print.md.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import uuid
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from iombrochure.errors import RenderError
from iombrochure.pipeline.config import PrintSettings

ICC_REGISTRY = "http://www.color.org"
PRINT_PDF_VARIANT = "pdf/x-4"
#: Registration colour as the styles write it (``device-cmyk(1 1 1 1)``, the brochure's fold
#: marks): made ``Separation /All`` here, which a RIP prints on every plate as it is, where a
#: DeviceCMYK 400 % would be changed by any colour conversion (FOGRA39 to FOGRA51, ink saving).
REGISTRATION = (1.0, 1.0, 1.0, 1.0)
#: The name of the ``Separation /All`` colour space in the PDF's resources.
REGISTRATION_SPACE = "Registration"
#: Black ink alone from this tint up overprints: the text (100 %), the quiet text (80 %), rules
#: and QR codes leave no hole in a tint under them, and no white halo when the plates shift.
#: Lighter greys are designed as greys and knock out, as every other colour does.
OVERPRINT_MIN_BLACK = 0.8
#: Printer's marks: where they start outside the trim, and their line width (pt). They stay
#: outside the BleedBox (at most 10 pt past the trim), so that no trimmed sheet shows them.
MARK_OFFSET = 12.0
MARK_LINE_WIDTH = 0.3
#: The print variant's pictures: JPEG, at a quality a press shows no artefacts at.
PRINT_JPEG_QUALITY = 95

#: ICC rendering intents and littlecms's black point compensation flag, by number: the same
#: in every Pillow version (Pillow's named enums are recent).
PERCEPTUAL = 0
RELATIVE_COLORIMETRIC = 1
ABSOLUTE_COLORIMETRIC = 3
BLACK_POINT_COMPENSATION = 0x2000

_XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
_RGB_OPERATOR = re.compile(rb"^(?P<r>[-+0-9.]+) (?P<g>[-+0-9.]+) (?P<b>[-+0-9.]+) (?P<op>rg|RG)$")
_CMYK_OPERATOR = re.compile(
    rb"^(?P<c>[-+0-9.]+) (?P<m>[-+0-9.]+) (?P<y>[-+0-9.]+) (?P<k>[-+0-9.]+) (?P<op>k|K|scn|SCN)$"
)
_COLOUR_SPACE_OPERATOR = re.compile(rb"^/(?P<name>\S+) (?P<op>cs|CS)$")
#: Subset tags: six capital letters, then "+" (ISO 32000-1, 9.6.4).
_SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")


class PrepressError(RenderError):
    """The print variant cannot be made as a print shop needs it."""


def describe_press(press: PrintSettings) -> str:
    """One line for ``doctor`` and the docs: the condition, the profile and where it is."""
    where = "bundled with iombrochure" if press.bundled else str(press.profile)
    return f"{press.press_condition}: {profile_description(press.profile)} ({where})"


@cache
def profile_description(path: Path) -> str:
    """The profile's own description ("Coated FOGRA39 ..."), read with littlecms."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(str(path))
    return (profile.profile.profile_description or path.stem).strip()


@cache
def _transforms(profile_path: Path, source_icc: bytes | None, intent: int) -> Any:
    from PIL import ImageCms

    source = (
        ImageCms.ImageCmsProfile(io.BytesIO(source_icc))
        if source_icc
        else ImageCms.createProfile("sRGB")
    )
    return ImageCms.buildTransform(
        source,
        str(profile_path),
        "RGB",
        "CMYK",
        renderingIntent=intent,
        flags=BLACK_POINT_COMPENSATION,
    )


@lru_cache(maxsize=16)
def cmyk_picture(data: bytes, profile: Path, *, name: str) -> bytes:
    """A picture converted to a CMYK JPEG through the press profile (perceptual intent, as
    for photographs). Its embedded ICC profile is honoured, else it is taken as sRGB. Grey
    and CMYK pictures, and drawings (SVG: their colours are converted with the page's), are
    returned unchanged. Kept for the build: every language's edition shows the same cover."""
    from PIL import Image, ImageCms, UnidentifiedImageError

    from iombrochure.pipeline.safety import DEEP_GREY_MODES, printable_picture

    try:
        opened = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        return data
    with opened as image:
        if image.mode in ("L", "1", "CMYK"):
            return data
        if image.mode in DEEP_GREY_MODES:  # grey, made 8-bit as on screen (safety.py)
            return printable_picture(data)
        problem = print_picture_problem(image, name)
        if problem is not None:
            raise problem
        source_icc = image.info.get("icc_profile") or None
        try:
            rgb = image.convert("RGB")
        except OSError as exc:  # a truncated file
            raise PrepressError(
                f"{name}: the picture cannot be read to convert it to CMYK for print ({exc})",
                hint="open it in an image editor and save it again as JPEG or PNG",
            ) from None
    try:
        transform = _transforms(profile, source_icc, PERCEPTUAL)
    except OSError:  # littlecms cannot read the embedded profile (PyCMSError is an OSError)
        raise PrepressError(
            f"{name}: its embedded colour profile cannot be used to convert it to CMYK for print",
            hint="save it again as an sRGB JPEG or PNG",
        ) from None
    cmyk = ImageCms.applyTransform(rgb, transform)
    buffer = io.BytesIO()
    cmyk.save(buffer, "JPEG", quality=PRINT_JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


#: Picture modes the print variant converts to CMYK (grey, bilevel and CMYK pass unchanged).
CONVERTIBLE_MODES = ("RGB", "P")


def print_picture_problem(image: Any, name: str) -> PrepressError | None:
    """Why a picture (a Pillow image, opened) cannot be made CMYK for the press, or None: the
    one wording of the build, which refuses it, and of ``check``, which reports it."""
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        return PrepressError(
            f"{name}: a picture with transparency cannot be converted to CMYK for print",
            hint="save it without transparency (flatten it onto its background colour)",
        )
    if image.mode not in (*CONVERTIBLE_MODES, "L", "1", "CMYK"):
        return PrepressError(
            f"{name}: a picture in Pillow's {image.mode} mode cannot be converted to CMYK "
            "for print",
            hint="save it as an 8-bit RGB or greyscale JPEG or PNG",
        )
    return None


def print_links_refusal(count: int) -> PrepressError:
    """Links in a print edition: PDF/X takes no link annotations. Raised by the press finisher
    on the PDF, and reported by ``check`` from the print edition's HTML, in the same words."""
    return PrepressError(
        f"{count} link(s) in the print PDF; PDF/X for the press takes none",
        hint="in the template, write href only when `links` is true, "
        'e.g. <a{% if links %} href="..."{% endif %}>',
    )


def rgb_pictures_refusal(count: int) -> PrepressError:
    """RGB pictures in a print edition (placed other than by picture_uri, which converts
    them): raised by the press finisher, reported by ``check``, in the same words."""
    return PrepressError(
        f"{count} RGB picture(s) in the print PDF; the press needs CMYK",
        hint="place pictures with picture_uri('images/...') in the templates, which "
        "converts them for print, not as CSS backgrounds",
    )


def rgb_picture(data: bytes) -> bool:
    """Whether a picture file would be placed in the print PDF in RGB: WeasyPrint keeps a
    raster picture's colours as they are; grey, bilevel and CMYK are fine, SVG is drawn."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.mode not in ("L", "1", "CMYK", "I", "F", "I;16")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return False  # not a picture that can be placed: the picture checks refuse it by name


def rgb_to_cmyk(
    rgb: tuple[float, float, float], profile: Path
) -> tuple[float, float, float, float]:
    """One RGB colour (0-1) in the press's CMYK: a neutral grey as black ink alone, at the
    tint that prints as light as the grey looks on screen (one ink: sharp, no colour cast);
    any other colour through the profile (relative colorimetric)."""
    from PIL import Image, ImageCms

    red, green, blue = (min(1.0, max(0.0, value)) for value in rgb)
    if red == green == blue:
        return (0.0, 0.0, 0.0, _black_for_grey(round(red * 255), profile))
    transform = _transforms(profile, None, RELATIVE_COLORIMETRIC)
    pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (red, green, blue)))
    cyan, magenta, yellow, black = ImageCms.applyTransform(pixel, transform).getpixel((0, 0))
    return tuple(round(v / 255, 4) for v in (cyan, magenta, yellow, black))  # type: ignore[return-value]


@cache
def _black_for_grey(level: int, profile: Path) -> float:
    """The black ink tint (0-1, in whole percent) whose printed lightness (L*) is nearest that
    of the sRGB grey ``level`` (0-255): white is no ink, black (darker than any ink on paper)
    black ink at 100 %."""
    from PIL import Image, ImageCms

    to_lab = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    grey = ImageCms.applyTransform(Image.new("RGB", (1, 1), (level,) * 3), to_lab)
    target = grey.getpixel((0, 0))[0] * 100 / 255
    ramp = _black_ramp(profile)
    return min(range(101), key=lambda k: abs(ramp[k] - target)) / 100


@cache
def _black_ramp(profile: Path) -> tuple[float, ...]:
    """L* of black ink alone at 0, 1, ... 100 %, as the press prints it."""
    from PIL import Image, ImageCms

    ramp = Image.new("CMYK", (101, 1))
    for k in range(101):
        ramp.putpixel((k, 0), (0, 0, 0, round(k * 2.55)))
    to_lab = ImageCms.buildTransform(
        str(profile), ImageCms.createProfile("LAB"), "CMYK", "LAB", RELATIVE_COLORIMETRIC
    )
    lab = ImageCms.applyTransform(ramp, to_lab)
    return tuple(lab.getpixel((k, 0))[0] * 100 / 255 for k in range(101))


@cache
def _proof_transform(profile_path: Path) -> Any:
    from PIL import ImageCms

    return ImageCms.buildTransform(
        str(profile_path),
        ImageCms.createProfile("sRGB"),
        "CMYK",
        "RGB",
        renderingIntent=ABSOLUTE_COLORIMETRIC,
    )


def soft_proof(page: Any, profile: Path) -> Any:
    """A CMYK page image in screen colours, as the press will print it: through the press
    profile, absolute colorimetric without black point compensation, so that the paper shows
    its own white (FOGRA39's coated paper, L* 95: a shade darker than the screen's #FFF) and the
    ink as dark as it prints (K100 on coated paper is a deep grey, not #000)."""
    from PIL import ImageCms

    proof = ImageCms.applyTransform(page.convert("CMYK"), _proof_transform(profile))
    # littlecms tags the result with the sRGB profile it made, creation time included: previews
    # are plain sRGB PNGs (the default), and the same page always gives the same bytes.
    proof.info.pop("icc_profile", None)
    return proof


def color_profiles(press: PrintSettings) -> dict[str, Any]:
    """WeasyPrint's colour profiles for a print render: the press profile as ``device-cmyk``,
    which makes it the PDF's output intent."""
    from weasyprint.css import ColorProfile

    class PressColorProfile(ColorProfile):
        """Embeds the profile file as it is: WeasyPrint's own re-serialises it through
        littlecms, which made the bundled profile 608 KB instead of 354 and changed its bytes."""

        def __init__(self, data: bytes, src: str) -> None:
            super().__init__(
                io.BytesIO(data), src, "relative-colorimetric", (["c"], ["m"], ["y"], ["k"])
            )
            self.data = data

        @property
        def content(self) -> bytes:
            return self.data

    return {"device-cmyk": PressColorProfile(press.profile.read_bytes(), press.profile.name)}


def image_stylesheet() -> str:
    """Pictures without ``/Interpolate true``: PDF/A (ISO 19005-2/3, 6.2.8) and PDF/X forbid it,
    and WeasyPrint writes it for ``image-rendering: auto``. Any other value writes ``false``,
    which leaves smoothing to the viewer or the RIP (at 300 ppi and more, nothing shows)."""
    return "img, svg, image { image-rendering: crisp-edges !important; }"


def marks_stylesheet() -> str:
    """No WeasyPrint marks in the print edition, whatever a project's print.css says: the press
    finisher draws them in ``Separation /All``; WeasyPrint's RGB black ones would print on
    the K plate alone, beside them. A user sheet's !important wins over the author's."""
    return "@page { marks: none !important; }"


@dataclass
class PressFinisher:
    """Run by WeasyPrint on the finished PDF objects just before it writes them (its
    ``finisher`` hook): the print shop's part of the file. ``converted`` lists the RGB
    colours it had to convert, for the build's warnings."""

    press: PrintSettings
    label: str = ""
    converted: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: The converted colours that were not neutral greys (those become black ink alone).
    chromatic: set[str] = field(default_factory=set)

    def __call__(self, document: Any, pdf: Any) -> None:
        self._refuse_annotations(pdf)
        self._refuse_rgb_pictures(pdf)
        self._add_registration_space(pdf)
        self._draw_marks(pdf)
        content = self._convert_colour_operators(pdf)
        self._name_subsets(pdf)
        self._name_output_intent(pdf)
        pdf.info["GTS_PDFXVersion"] = _pdf_string("PDF/X-4")
        self._fix_metadata(pdf, seed=content)

    def warnings(self) -> list[str]:
        """One line naming the non-grey RGB colours converted, if any."""
        colours = [
            f"{name} as {'/'.join(str(round(v * 100)) for v in cmyk)}"
            for name, cmyk in self.converted.items()
            if name in self.chromatic
        ]
        if not colours:
            return []
        return [
            f"{self.label}: RGB colour{'s' * (len(colours) > 1)} converted to CMYK through "
            f"{self.press.press_condition}: {', '.join(colours)}; give each its CMYK value in "
            "styles/print-colours.css (see docs/print.md)"
        ]

    def _refuse_annotations(self, pdf: Any) -> None:
        count = sum(
            1 for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/Annot"
        )
        if count:
            raise print_links_refusal(count)

    def _refuse_rgb_pictures(self, pdf: Any) -> None:
        """A picture that did not come through picture_uri (a CSS background, say) is still
        RGB: PDF/X takes no DeviceRGB, and the press would convert it on its own."""
        count = sum(
            1
            for obj in pdf.objects
            if isinstance(getattr(obj, "extra", None), dict)
            and obj.extra.get("Subtype") == "/Image"
            and obj.extra.get("ColorSpace") == "/DeviceRGB"
        )
        if count:
            raise rgb_pictures_refusal(count)

    def _add_registration_space(self, pdf: Any) -> None:
        """``Separation /All`` in the colour spaces every page and form shares: a tint of 1
        prints 100 % on every plate, whatever the RIP does to process colours."""
        import pydyf

        tint = pydyf.Dictionary(
            {
                "FunctionType": 2,
                "Domain": pydyf.Array([0, 1]),
                "C0": pydyf.Array([0, 0, 0, 0]),
                "C1": pydyf.Array([1, 1, 1, 1]),
                "N": 1,
            }
        )
        space = pydyf.Array(["/Separation", "/All", "/DeviceCMYK", tint])
        for spaces in _colour_space_dictionaries(pdf):
            spaces[REGISTRATION_SPACE] = space

    def _draw_marks(self, pdf: Any) -> None:
        """Crop marks at the trim's corners and registration crosses at the middle of each
        side, in the slug outside the BleedBox, in ``Separation /All`` and as artifacts (not
        content, for the tagged PDF). Drawn here because WeasyPrint strokes its own
        (``marks: crop cross``) in RGB black, which cannot be told from black artwork."""
        for page in _pages(pdf):
            media = [float(value) for value in page["MediaBox"]]
            trim = [float(value) for value in page.get("TrimBox", media)]
            if trim == media:
                continue
            stream = _object(pdf, page["Contents"])
            stream.stream.insert(0, b"q")
            stream.stream.append(b"Q")
            stream.stream.extend(printer_marks(media, trim))

    def _convert_colour_operators(self, pdf: Any) -> bytes:
        """Make every colour one the press takes, and black overprint; return the content's
        digest, which seeds the document id.

        * ``r g b rg``/``RG`` become ``c m y k k``/``K`` (a grey as black ink alone, so black
          artwork such as a QR code prints on the K plate only);
        * ``device-cmyk(1 1 1 1)`` of the styles becomes ``Separation /All`` at 100 %;
        * black ink alone, from OVERPRINT_MIN_BLACK up, overprints (``/OP``, ``/op`` with
          ``/OPM 1``); every other colour knocks out. Overprint is kept per ``q``/``Q`` level."""
        from weasyprint.pdf.stream import Stream

        digest = hashlib.sha256()
        for obj in pdf.objects:
            if not isinstance(obj, Stream):
                continue
            states: dict[tuple[bool, bool], str] = {}
            operations: list[Any] = []
            fill_space = stroke_space = b"DeviceGray"
            # (stroke, fill) per graphics-state level; None: unknown, as at the start of a form,
            # which inherits the state of wherever it is drawn, so its first colour says it
            overprint: list[tuple[bool | None, bool | None]] = [(None, None)]
            for operation in obj.stream:
                if not isinstance(operation, bytes):
                    operations.append(operation)
                    continue
                converted, black = self._convert_one(operation, fill_space, stroke_space)
                if operation == b"q":
                    overprint.append(overprint[-1])
                elif operation == b"Q" and len(overprint) > 1:
                    overprint.pop()
                space = _COLOUR_SPACE_OPERATOR.match(operation)
                if space:
                    if space.group("op") == b"cs":
                        fill_space = space.group("name")
                    else:
                        stroke_space = space.group("name")
                elif operation.endswith((b" k", b" rg", b" g")):  # these set the space too
                    fill_space = b"DeviceCMYK"
                elif operation.endswith((b" K", b" RG", b" G")):
                    stroke_space = b"DeviceCMYK"
                if converted and converted[-1].endswith((b" scn", b" SCN")) and len(converted) > 1:
                    # DeviceCMYK registration, now 1 scn in /Registration: the cs goes with it
                    if operations and operations[-1] in (b"/DeviceCMYK cs", b"/DeviceCMYK CS"):
                        operations.pop()
                    if converted[0].endswith(b" cs"):
                        fill_space = REGISTRATION_SPACE.encode()
                    else:
                        stroke_space = REGISTRATION_SPACE.encode()
                if black is not None:
                    stroke, fill = (bool(flag) for flag in overprint[-1])
                    wanted = (black, fill) if _is_stroke(converted[-1]) else (stroke, black)
                    if wanted != overprint[-1]:
                        name = states.setdefault(wanted, _overprint_state(obj, *wanted))
                        operations.append(f"/{name} gs".encode())
                        overprint[-1] = wanted
                operations.extend(converted)
                for line in converted:
                    digest.update(line + b"\n")
            obj.stream = operations
        return digest.digest()

    def _convert_one(
        self, operation: bytes, fill_space: bytes, stroke_space: bytes
    ) -> tuple[list[bytes], bool | None]:
        """One content-stream operation as the press takes it, and, for a colour, whether it
        is one that overprints (None: not a colour)."""
        match = _RGB_OPERATOR.match(operation)
        if match:
            rgb = tuple(float(match.group(key)) for key in ("r", "g", "b"))
            cmyk = rgb_to_cmyk(rgb, self.press.profile)  # type: ignore[arg-type]
            name = "#" + "".join(f"{round(v * 255):02x}" for v in rgb)
            self.converted[name] = cmyk
            if len(set(rgb)) > 1:
                self.chromatic.add(name)
            operator = b"K" if match.group("op") == b"RG" else b"k"
            line = b" ".join([*(f"{v:g}".encode() for v in cmyk), operator])
            return [line], overprints(cmyk)
        match = _CMYK_OPERATOR.match(operation)
        if not match:
            return [operation], None
        op = match.group("op")
        if op in (b"scn", b"SCN") and (fill_space if op == b"scn" else stroke_space) != (
            b"DeviceCMYK"
        ):
            return [operation], None
        cmyk = tuple(float(match.group(key)) for key in ("c", "m", "y", "k"))
        if cmyk == REGISTRATION:
            stroking = op in (b"K", b"SCN")
            space = f"/{REGISTRATION_SPACE} {'CS' if stroking else 'cs'}".encode()
            return [space, b"1 SCN" if stroking else b"1 scn"], False
        return [operation], overprints(cmyk)

    def _name_subsets(self, pdf: Any) -> None:
        """Subset tags made from each embedded font program (its glyph set), not from the
        face's name as WeasyPrint does: two editions set in the same face embed different
        subsets, and a print shop that gangs them on one sheet must not take one for the other
        (same name, wrong glyphs). The same program always gets the same tag."""
        fonts = [obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/Font"]
        for font in fonts:
            if "FontDescriptor" not in font or "BaseFont" not in font:
                continue
            descriptor = _object(pdf, font["FontDescriptor"])
            program = next(
                (
                    descriptor[key]
                    for key in ("FontFile2", "FontFile3", "FontFile")
                    if key in descriptor
                ),
                None,
            )
            if program is None:
                continue
            old = _name_text(font["BaseFont"])
            base = _SUBSET_TAG.sub("", old).lstrip("/")
            digest = hashlib.sha256(base.encode())
            for part in _object(pdf, program).stream:
                digest.update(part if isinstance(part, bytes) else str(part).encode())
            new = f"/{subset_tag(digest.digest())}+{base}"
            font["BaseFont"] = new
            descriptor["FontName"] = new
        for font in fonts:  # the Type 0 fonts, named after their descendant
            descendants = font.get("DescendantFonts")
            if "FontDescriptor" not in font and descendants:
                font["BaseFont"] = _object(pdf, descendants[0])["BaseFont"]

    def _name_output_intent(self, pdf: Any) -> None:
        import pydyf

        intents = pdf.catalog.get("OutputIntents")
        if not intents:
            raise PrepressError("WeasyPrint wrote no output intent")
        description = profile_description(self.press.profile)
        for intent in intents:
            intent["S"] = "/GTS_PDFX"
            intent["OutputConditionIdentifier"] = pydyf.String(self.press.press_condition)
            intent["OutputCondition"] = pydyf.String(description)
            intent["Info"] = pydyf.String(description)
            intent["RegistryName"] = pydyf.String(ICC_REGISTRY)

    def _fix_metadata(self, pdf: Any, *, seed: bytes) -> None:
        """A document id derived from the content, and PDF/UA-1 still claimed (it is tagged)."""
        document_id = f"xmp.did:{uuid.UUID(bytes=seed[:16], version=4)}".encode()
        reference = pdf.catalog.get("Metadata")
        for obj in pdf.objects:
            if getattr(obj, "reference", None) != reference or not hasattr(obj, "stream"):
                continue
            xmp = b"".join(
                part if isinstance(part, bytes) else str(part).encode() for part in obj.stream
            )
            xmp = _XMP_DOCUMENT_ID.sub(document_id, xmp)
            if b"pdfuaid:part" not in xmp:
                xmp = xmp.replace(
                    b"<rdf:Description ",
                    b'<rdf:Description xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" '
                    b'pdfuaid:part="1" ',
                    1,
                )
            obj.stream = [xmp]


def overprints(cmyk: tuple[float, ...]) -> bool:
    """Whether a colour is black ink alone, dark enough to overprint (OVERPRINT_MIN_BLACK)."""
    return cmyk[:3] == (0.0, 0.0, 0.0) and cmyk[3] >= OVERPRINT_MIN_BLACK


def subset_tag(digest: bytes) -> str:
    """Six capital letters from a digest: the tag before "+" in a subset font's name."""
    return "".join(chr(65 + byte % 26) for byte in digest[:6])


def printer_marks(media: list[float], trim: list[float]) -> list[bytes]:
    """Content-stream lines drawing crop marks and registration crosses (a circle and a cross)
    between the trim box and the media box, in ``Separation /All``, as an artifact."""
    left, bottom, right, top = trim
    slug = min(trim[0] - media[0], media[2] - trim[2], trim[1] - media[1], media[3] - trim[3])
    start = min(MARK_OFFSET, slug / 2)
    length = slug - start
    lines = [b"q", b"/Artifact BMC", f"/{REGISTRATION_SPACE} CS 1 SCN".encode()]
    lines += [f"{MARK_LINE_WIDTH:g} w 0 J 0 j [] 0 d".encode()]
    segments: list[tuple[float, float, float, float]] = []
    for x, sign_x in ((left, -1), (right, 1)):
        for y, sign_y in ((bottom, -1), (top, 1)):
            segments.append((x + sign_x * start, y, x + sign_x * (start + length), y))
            segments.append((x, y + sign_y * start, x, y + sign_y * (start + length)))
    centre_x, centre_y = (left + right) / 2, (bottom + top) / 2
    radius = length / 4
    middle = start + length / 2
    crosses = [
        (centre_x, top + middle),
        (centre_x, bottom - middle),
        (left - middle, centre_y),
        (right + middle, centre_y),
    ]
    for x, y in crosses:
        segments.append((x - 2 * radius, y, x + 2 * radius, y))
        segments.append((x, y - 2 * radius, x, y + 2 * radius))
    for x0, y0, x1, y1 in segments:
        lines.append(f"{x0:.3f} {y0:.3f} m {x1:.3f} {y1:.3f} l S".encode())
    bezier = 0.5523 * radius
    for x, y in crosses:
        lines.append(
            (
                f"{x + radius:.3f} {y:.3f} m "
                f"{x + radius:.3f} {y + bezier:.3f} {x + bezier:.3f} {y + radius:.3f} "
                f"{x:.3f} {y + radius:.3f} c "
                f"{x - bezier:.3f} {y + radius:.3f} {x - radius:.3f} {y + bezier:.3f} "
                f"{x - radius:.3f} {y:.3f} c "
                f"{x - radius:.3f} {y - bezier:.3f} {x - bezier:.3f} {y - radius:.3f} "
                f"{x:.3f} {y - radius:.3f} c "
                f"{x + bezier:.3f} {y - radius:.3f} {x + radius:.3f} {y - bezier:.3f} "
                f"{x + radius:.3f} {y:.3f} c S"
            ).encode()
        )
    return [*lines, b"EMC", b"Q"]


def _pdf_string(text: str) -> Any:
    import pydyf

    return pydyf.String(text)


def _object(pdf: Any, reference: Any) -> Any:
    """The object a pydyf reference (``b"12 0 R"``) names, or the object itself."""
    if isinstance(reference, bytes | str):
        number = int((reference.decode() if isinstance(reference, bytes) else reference).split()[0])
        return pdf.objects[number]
    return reference


def _name_text(name: Any) -> str:
    return name.decode("latin-1") if isinstance(name, bytes) else str(name)


def _pages(pdf: Any) -> list[Any]:
    return [_object(pdf, reference) for reference in pdf.page_references]


def _colour_space_dictionaries(pdf: Any) -> list[Any]:
    """The ColorSpace dictionaries of every page's resources (WeasyPrint shares one, and its
    forms point at it)."""
    found: dict[int, Any] = {}
    for page in _pages(pdf):
        resources = _object(pdf, page["Resources"])
        spaces = _object(pdf, resources["ColorSpace"])
        found[id(spaces)] = spaces
    return list(found.values())


def _is_stroke(operation: bytes) -> bool:
    return operation.endswith((b" K", b" SCN", b" CS"))


def _overprint_state(stream: Any, stroke: bool, fill: bool) -> str:
    """The name of an ExtGState setting overprint for strokes and fills (mode 1: a zero ink
    leaves what is under it), added to the stream's resources."""
    import pydyf

    name = f"op{int(stroke)}{int(fill)}"
    states = stream._resources["ExtGState"]
    states[name] = pydyf.Dictionary({"OP": str(stroke).lower(), "op": str(fill).lower(), "OPM": 1})
    return name


def picture_for_print(data: bytes, profile: Path, *, name: str, mime_type: str) -> str:
    """A picture as a ``data:`` URI for the print variant's HTML: a CMYK JPEG, or the picture
    as it is when it is grey or CMYK already."""
    converted = cmyk_picture(data, profile, name=name)
    if converted is not data:
        mime_type = "image/jpeg"
    return f"data:{mime_type};base64," + base64.b64encode(converted).decode("ascii")

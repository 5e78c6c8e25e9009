"""Prepress: the print variant as a PDF/X-4 file in CMYK, ready for an offset press.

A print shop asks for PDF/X in CMYK with the output intent of its press; handed RGB, it
converts on its own and the IOM blue and the text black shift. So the print variant is made in
the press's colours from the start:

* colours: the print stylesheet (``styles/print-colours.css``) gives every colour in
  ``device-cmyk()``; whatever RGB is left in a content stream (a stray style, WeasyPrint's own
  crop marks) is converted here through the press profile, and a non-grey one is reported;
* pictures: converted to CMYK JPEGs with littlecms (Pillow's ImageCms) through the same profile,
  when the HTML is made (:func:`cmyk_picture`);
* the file: WeasyPrint's ``pdf/x-4`` variant, with the profile as the ``device-cmyk`` colour
  profile (hence an OutputIntent ``/GTS_PDFX``), and :class:`PressFinisher`, run just before
  the PDF is written, names the press condition in the OutputIntent, makes the XMP document id
  a function of the content (WeasyPrint draws a random one) so that the file is
  byte-reproducible, and still says PDF/UA-1 in the XMP. It stops the build, in one line, on
  what the press cannot take: a link annotation, or a picture left in RGB.

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
#: Registration colour: every ink at 100 %, for marks that must show on every plate.
REGISTRATION = (1.0, 1.0, 1.0, 1.0)
#: The print variant's pictures: JPEG, at a quality a press shows no artefacts at.
PRINT_JPEG_QUALITY = 95

#: ICC rendering intents and littlecms's black point compensation flag, by number: the same
#: in every Pillow version (Pillow's named enums are recent).
PERCEPTUAL = 0
RELATIVE_COLORIMETRIC = 1
BLACK_POINT_COMPENSATION = 0x2000

_XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
_RGB_OPERATOR = re.compile(rb"^(?P<r>[-+0-9.]+) (?P<g>[-+0-9.]+) (?P<b>[-+0-9.]+) (?P<op>rg|RG)$")


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
    except (UnidentifiedImageError, OSError):
        return False


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
        renderingIntent=RELATIVE_COLORIMETRIC,
    )


def soft_proof(page: Any, profile: Path) -> Any:
    """A CMYK page image in screen colours, as the press will print it: through the press
    profile, relative colorimetric without black point compensation, so that the paper shows
    white and the ink as dark as it prints (K100 on coated paper is a deep grey, not #000)."""
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
        content = self._convert_rgb_operators(pdf)
        self._name_output_intent(pdf)
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

    def _convert_rgb_operators(self, pdf: Any) -> bytes:
        """Replace every ``r g b rg``/``RG`` in the content streams by ``c m y k k``/``K``;
        return the content's digest, which seeds the document id."""
        from weasyprint.pdf.stream import Stream

        digest = hashlib.sha256()
        for obj in pdf.objects:
            if not isinstance(obj, Stream):
                continue
            for index, operation in enumerate(obj.stream):
                if not isinstance(operation, bytes):
                    continue
                match = _RGB_OPERATOR.match(operation)
                if match:
                    rgb = tuple(float(match.group(key)) for key in ("r", "g", "b"))
                    if match.group("op") == b"RG" and rgb == (0.0, 0.0, 0.0):
                        # WeasyPrint strokes its crop marks and crosses in RGB black; printers
                        # want marks in registration colour, on every plate.
                        cmyk = REGISTRATION
                    else:
                        cmyk = rgb_to_cmyk(rgb, self.press.profile)  # type: ignore[arg-type]
                    name = "#" + "".join(f"{round(v * 255):02x}" for v in rgb)
                    self.converted[name] = cmyk
                    if len(set(rgb)) > 1:
                        self.chromatic.add(name)
                    operator = b"K" if match.group("op") == b"RG" else b"k"
                    operation = b" ".join([*(f"{v:g}".encode() for v in cmyk), operator])
                    obj.stream[index] = operation
                digest.update(operation + b"\n")
        return digest.digest()

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


def picture_for_print(data: bytes, profile: Path, *, name: str, mime_type: str) -> str:
    """A picture as a ``data:`` URI for the print variant's HTML: a CMYK JPEG, or the picture
    as it is when it is grey or CMYK already."""
    converted = cmyk_picture(data, profile, name=name)
    if converted is not data:
        mime_type = "image/jpeg"
    return f"data:{mime_type};base64," + base64.b64encode(converted).decode("ascii")

"""Limits on what content may make the renderer read: links, resources and images.

Content is untrusted input written by people who paste from Word and web sites. Two places use
these rules, so that they can never disagree: ``check`` (which reports a problem with the file
and line that caused it, before anything is rendered) and the renderer's URL fetcher (the last
line of defence, which stops a render instead of reading a file or URL it should not).

- Links (``<a href>``) may be ``https:``, ``mailto:`` or ``tel:``; they are written into the PDF
  and never fetched.
- Resources (images, stylesheets, fonts) come only from files inside the project, or ``data:``.
- Images are measured from their header before anything decodes them: a picture over
  ``[build] max_image_pixels`` (a "decompression bomb" is a small file that claims a huge one) is
  refused, and so is an SVG with a DOCTYPE (entity expansion is the SVG form of a bomb).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from iombrochure.errors import ConfigError, FetchRefused
from iombrochure.pipeline.i18n import ALLOWED_LINK_SCHEMES as _ALLOWED_PREFIXES

if TYPE_CHECKING:
    from iombrochure.pipeline.config import Project

#: Link schemes prose may use (the ones i18n's Markdown renderer keeps), without the colon.
ALLOWED_LINK_SCHEMES = tuple(prefix.rstrip(":") for prefix in _ALLOWED_PREFIXES)

#: The default pixel limit: a 300 dpi A3 page is about 17.4 million pixels.
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

_SVG_SNIFF = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+)?svg", re.S)
_XML_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


@dataclass(frozen=True)
class ImageInfo:
    """What an image's header says, read without decoding its pixels."""

    format: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def link_problem(url: str) -> str | None:
    """Why a link may not be used in content, or None if it may."""
    text = url.strip()
    scheme = urlsplit(text).scheme.lower() if ":" in text else ""
    if scheme in ALLOWED_LINK_SCHEMES:
        return None
    if scheme == "http":
        return f"link {text!r} is not encrypted: write https:// instead of http://"
    if scheme:
        return f"link {text!r} uses {scheme}:, which is not allowed in content"
    if re.fullmatch(r"[\w-]+(\.[\w-]+)+", text.split("/", 1)[0]):
        return f"link {text!r} has no scheme: write https://{text}"
    return f"link {text!r} is not a web, e-mail or phone link"


def max_image_pixels(project: Project) -> int:
    """``[build] max_image_pixels`` from iombrochure.toml, or the default."""
    value = project.section("build").get("max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"[build] max_image_pixels must be a whole number of pixels, not {value!r}",
            path=project.config_path,
            line=_toml_key_line(project.config_path, "max_image_pixels"),
            hint="e.g. max_image_pixels = 40_000_000",
            rule="config",
        )
    return value


def _toml_key_line(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((number for number, line in enumerate(lines, 1) if pattern.match(line)), None)


def is_svg(data: bytes) -> bool:
    return _SVG_SNIFF.match(data[:4096]) is not None


def inspect_image(data: bytes, *, limit: int, name: str) -> ImageInfo | None:
    """Measure an image from its header; refuse bombs. None if ``data`` is not an image.

    Pillow reads only the header here (``Image.open`` is lazy); its own decompression-bomb guard
    is turned into an error as well, so nothing huge is ever allocated.
    """
    if is_svg(data):
        if _XML_DECLARATIONS.search(data):
            raise FetchRefused(
                f"{name}: SVG files with a DOCTYPE or ENTITY declaration are refused",
                hint="export the SVG again without a DOCTYPE (most editors have an option)",
                rule="image-unsafe",
            )
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and error thresholds our own limit decides, below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                info = ImageInfo(format=image.format or "?", width=image.width, height=image.height)
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:
        raise FetchRefused(
            f"{name}: refused: a decompression bomb (a small file that claims a picture of more "
            f"than {2 * Image.MAX_IMAGE_PIXELS:,} pixels)",
            hint="use a normal image, at most a few thousand pixels on each side",
            rule="image-too-large",
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise FetchRefused(
            f"{name}: the image cannot be read ({exc})",
            hint="open it in an image editor and save it again as PNG or JPEG",
            rule="image-unreadable",
        ) from None
    if info.pixels > limit:
        raise FetchRefused(
            f"{name}: the image is {info.width} x {info.height} = {info.pixels:,} pixels, "
            f"over the limit of {limit:,}",
            hint="scale it down (300 dpi at print size is enough), or raise "
            "[build] max_image_pixels in iombrochure.toml",
            rule="image-too-large",
        )
    return info


# --------------------------------------------------------------------------------------------
# Finding the resources a page or stylesheet would make the renderer read

#: (tag, attribute) pairs whose URL WeasyPrint fetches while rendering.
_RESOURCE_ATTRIBUTES = {
    ("img", "src"),
    ("image", "href"),
    ("image", "xlink:href"),
    ("use", "href"),
    ("use", "xlink:href"),
    ("object", "data"),
    ("embed", "src"),
    ("iframe", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("source", "src"),
    ("input", "src"),
    ("script", "src"),
}
_LINK_RELS_FETCHED = {"stylesheet", "icon", "attachment"}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^)'"\s;]+))""", re.I)
_SVG_HREF = re.compile(r"""(?<![\w-])(?:xlink:)?href\s*=\s*(["'])(.*?)\1""", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n]?|\\(.)")


@dataclass(frozen=True)
class Reference:
    """A URL a page or stylesheet asks the renderer to fetch, and where it was found."""

    url: str
    where: str  # "img src", "url()", "@import", ...
    offset: int = 0  # in the stylesheet text, for its line number
    alt: str | None = None  # an <img>'s alt text ("" when absent)


def css_references(text: str) -> list[Reference]:
    """Every ``url(...)`` and ``@import`` of a stylesheet, in order, with CSS escapes decoded.

    Comments are skipped; ``\\68 ttp:`` is read as ``http:``, as a CSS parser reads it.
    """
    text = _CSS_COMMENT.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)
    imports = [
        Reference(_css_unescape(_first_group(match)), "@import", match.start())
        for match in _CSS_IMPORT.finditer(text)
    ]
    spans = [match.span() for match in _CSS_IMPORT.finditer(text)]
    urls = [
        Reference(_css_unescape(_first_group(match)), "url()", match.start())
        for match in _CSS_URL.finditer(text)
        if not any(start <= match.start() < end for start, end in spans)
    ]
    return sorted([*imports, *urls], key=lambda reference: reference.offset)


def svg_references(text: str) -> list[Reference]:
    """Every ``href``/``xlink:href`` and CSS ``url()`` of an SVG file (fragments excepted)."""
    found = [
        Reference(match.group(2), "svg href", match.start())
        for match in _SVG_HREF.finditer(text)
        if not match.group(2).startswith("#")
    ]
    found += [reference for reference in css_references(text) if not reference.url.startswith("#")]
    return sorted(found, key=lambda reference: reference.offset)


def _first_group(match: re.Match[str]) -> str:
    return next((group for group in match.groups() if group is not None), "")


def _css_unescape(value: str) -> str:
    return _CSS_ESCAPE.sub(
        lambda match: chr(int(match.group(1), 16)) if match.group(1) else match.group(2), value
    )


def html_references(html_text: str) -> tuple[str | None, list[Reference]]:
    """The document's ``<base href>`` and every resource URL it refers to (links excepted)."""
    import html.parser

    base: list[str] = []
    references: list[Reference] = []

    class Collector(html.parser.HTMLParser):
        in_style = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = {name: value or "" for name, value in attrs}
            if tag == "base" and "href" in values and not base:
                base.append(values["href"])
            if tag == "link" and _LINK_RELS_FETCHED & set(values.get("rel", "").lower().split()):
                references.append(Reference(values.get("href", ""), "link href"))
            for name, value in values.items():
                if (tag, name) in _RESOURCE_ATTRIBUTES:
                    alt = values.get("alt", "") if tag == "img" else None
                    references.append(Reference(value, f"{tag} {name}", alt=alt))
                elif name == "srcset":
                    for candidate in value.split(","):
                        if candidate.strip():
                            references.append(Reference(candidate.split()[0], f"{tag} srcset"))
                elif name == "style":
                    references.extend(css_references(value))
            self.in_style = tag == "style"

        def handle_endtag(self, tag: str) -> None:
            if tag == "style":
                self.in_style = False

        def handle_data(self, data: str) -> None:
            if self.in_style:
                references.extend(css_references(data))

    collector = Collector(convert_charrefs=True)
    collector.feed(html_text)
    collector.close()
    return (base[0] if base else None), references

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
  A picture within the limit is then decoded once, so a truncated file is refused too.
- An SVG is parsed (no DOCTYPE, so no entity is ever expanded) and refused when it has too many
  elements, nests too deep, or its ``<use>`` elements would copy too much (the "billion
  laughs" of SVG, which hangs WeasyPrint), when it sets ``xml:base``, or when it links out
  (a web address, an absolute path, or any file at all from a ``data:`` SVG).
- A picture in a colour mode WeasyPrint prints wrong (16-bit grey) is converted to 8 bits
  before WeasyPrint sees it (:func:`printable_picture`); one it cannot print is refused.
- A font must parse with fontTools and its outlines must be readable (:func:`inspect_font`).
- A ``data:`` URL is decoded strictly and checked as the file it holds (:func:`inspect_data_url`).

Every file the tool reads (config paths, content, templates and their includes, styles, fonts,
images, catalogs, campaigns, recipient lists) goes through :func:`resolve_inside`: resolved with
its symlinks followed, it must lie inside one of :func:`trusted_roots`. A refusal names the link
or the config key, never what the file outside holds.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from iombrochure.errors import ConfigError, FetchRefused, ReadRefused

if TYPE_CHECKING:
    from iombrochure.pipeline.config import Project

#: Link prefixes prose may use: links are written into the PDF, never fetched. Stated here, at
#: the bottom of the pipeline, so that reading the config never imports the localizing stage.
ALLOWED_LINK_PREFIXES = ("https:", "mailto:", "tel:")
#: The same schemes without the colon.
ALLOWED_LINK_SCHEMES = tuple(prefix.rstrip(":") for prefix in ALLOWED_LINK_PREFIXES)

#: The default pixel limit: a 300 dpi A3 page is about 17.4 million pixels.
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

_SVG_SNIFF = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+)?svg", re.S | re.I
)
_XML_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
#: Anything that starts like markup (XML, SVG, HTML), after an optional byte-order mark.
_MARKUP_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")

#: Content and campaign files are a few KB; anything over this is refused before it is parsed.
MAX_TEXT_FILE_BYTES = 2 * 1024 * 1024
#: Pictures and fonts: a print-quality cover photo is a few MB.
MAX_BINARY_FILE_BYTES = 64 * 1024 * 1024


# --------------------------------------------------------------------------------------------
# Confinement: every read stays inside the project


@lru_cache(maxsize=16)
def trusted_roots(project_root: Path) -> tuple[Path, ...]:
    """The folders inputs may be read from: the one list every loader consults. A project
    holds its own templates, styles and fonts (docs/templates.md says why), so that is the
    project folder alone. Remembered per root: a build asks for every file it fingerprints."""
    return (Path(project_root).resolve(),)


def is_within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (both already resolved)."""
    return path == folder or folder in path.parents


def resolve_inside(
    root: Path,
    path: str | Path,
    *,
    what: str,
    trusted: Sequence[Path] | None = None,
    named_in: Path | None = None,
) -> Path:
    """``path`` (relative to ``root``) with every symlink followed, if it lies inside a trusted
    root; else :class:`ReadRefused`.

    ``what`` says what the file is for ("content file", "[documents.factsheet] stylesheet");
    ``named_in`` is the file that names the path (the config), blamed instead of the path itself.
    The message names the path as written, never its target or what it holds.
    """
    root = Path(root)
    given = Path(path)
    candidate = given if given.is_absolute() else root / given
    shown = _shown_path(candidate, root)
    try:
        resolved = candidate.resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a loop of links
        raise ReadRefused(
            f"{what} {shown} is a link that leads back to itself",
            path=named_in if named_in is not None else candidate,
            hint="remove the link and put the file itself there",
            rule="read-outside",
        ) from None
    roots = tuple(trusted) if trusted is not None else trusted_roots(root)
    if any(is_within(resolved, folder) for folder in roots):
        return resolved
    through_link = _lexically_inside(candidate, root)
    if through_link:
        # The outermost link that leads out: a linked folder is one mistake, named once.
        candidate = _first_escaping_link(candidate, root, roots) or candidate
        shown = _shown_path(candidate, root)
        if candidate.is_dir():
            message = f"folder {shown} is a link to a folder outside the project folder"
            hint = "copy the folder into the project instead of linking to it"
        else:
            message = f"{what} {shown} is a link to a file outside the project folder"
            hint = "copy the file into the project instead of linking to it"
    else:
        message = f"{what} {str(path)!r} is outside the project folder"
        hint = "name a file inside the project, by a path relative to the project folder"
    raise ReadRefused(
        message,
        path=named_in if named_in is not None else (candidate if through_link else None),
        hint=hint,
        rule="read-outside",
    )


def read_inside(
    root: Path,
    path: str | Path,
    *,
    what: str,
    limit: int = MAX_BINARY_FILE_BYTES,
    trusted: Sequence[Path] | None = None,
) -> bytes:
    """The bytes of a file inside the project, refused unread if it is larger than ``limit``."""
    from iombrochure.errors import IombrochureError

    resolved = resolve_inside(root, path, what=what, trusted=trusted)
    shown = Path(path) if Path(path).is_absolute() else Path(root) / path
    try:
        if resolved.exists() and not resolved.is_file() and not resolved.is_dir():
            raise IombrochureError(
                f"{what} is not a regular file (a device or a pipe)", path=shown, rule="file-type"
            )
        size = resolved.stat().st_size
        if size > limit:
            raise IombrochureError(
                f"{what} is {size / 1024 / 1024:.1f} MB, over the limit of "
                f"{limit / 1024 / 1024:.0f} MB: refused before reading it",
                path=shown,
                hint="is it the right file?",
                rule="file-too-large",
            )
        return resolved.read_bytes()
    except IsADirectoryError:
        raise IombrochureError(f"{what} is a folder, not a file", path=shown) from None
    except OSError as exc:
        raise IombrochureError(
            f"cannot read {what}: {exc.strerror or exc}", path=shown, rule="file-unreadable"
        ) from None


def files_below(root: Path, folder: Path, *, what: str) -> list[Path]:
    """Every regular file below ``folder`` (links to folders not followed), each confined to
    the project: a link inside ``folder`` that leads out is refused, not skipped; a pipe or a
    device is left alone (opening one would block, or never end)."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    resolve_inside(root, folder, what=what)
    for directory, _folders, names in os.walk(folder):
        for name in sorted(names):
            path = Path(directory) / name
            resolve_inside(root, path, what=what)
            if path.is_file():
                found.append(path)
    return sorted(found)


def _first_escaping_link(path: Path, root: Path, roots: Sequence[Path]) -> Path | None:
    """The first folder (or the file) on the way from ``root`` to ``path`` that leads out."""
    base = Path(os.path.normpath(root.absolute()))
    relative = Path(os.path.normpath(path.absolute())).relative_to(base)
    step = base
    for part in relative.parts:
        step = step / part
        try:
            resolved = step.resolve()
        except (RuntimeError, OSError):
            return step
        if not any(is_within(resolved, folder) for folder in roots):
            return step
    return None


def _lexically_inside(path: Path, root: Path) -> bool:
    try:
        relative = Path(os.path.normpath(path)).relative_to(os.path.normpath(root.absolute()))
    except ValueError:
        return False
    return ".." not in relative.parts


def _shown_path(path: Path, root: Path) -> str:
    try:
        return Path(os.path.normpath(path)).relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(path)


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
            line=toml_key_line(project.config_path, "max_image_pixels"),
            hint="e.g. max_image_pixels = 40_000_000",
            rule="config",
        )
    return value


def toml_key_line(path: Path, key: str, *, table: str | None = None) -> int | None:
    """The line of ``key = ...`` in a TOML file, within ``[table]`` when one is named (else the
    table's own line, where the key would go); None when neither is found."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    start, header = 0, None
    if table is not None:
        heading = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        header = next((n for n, line in enumerate(lines) if heading.match(line)), None)
        if header is None:
            return None
        start = header + 1
    for number in range(start, len(lines)):
        if table is not None and lines[number].lstrip().startswith("["):
            break  # the next table
        if pattern.match(lines[number]):
            return number + 1
    return None if header is None else header + 1


def is_svg(data: bytes) -> bool:
    """Whether the bytes are an SVG picture, however long the comments before its root."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    return _SVG_SNIFF.match(data) is not None


def is_picture_name(name: str) -> bool:
    return name.lower().endswith(PICTURE_SUFFIXES)


#: File names that say "picture": such a file must be one (an empty or text file named
#: cover.jpg would silently print nothing).
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff")


def inspect_image(
    data: bytes,
    *,
    limit: int,
    name: str,
    must_be_picture: bool = False,
    standalone: bool = False,
) -> ImageInfo | None:
    """Measure an image from its header; refuse bombs. None if ``data`` is not an image (and
    FetchRefused if ``must_be_picture``), or an SVG (checked by :func:`inspect_svg`).

    Pillow reads only the header here (``Image.open`` is lazy); its own decompression-bomb guard
    is turned into an error as well, so nothing huge is ever allocated. ``standalone`` says the
    picture has no folder of its own (a ``data:`` URL): then an SVG may link to no file at all.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 markup: judged as what it says
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    if _MARKUP_START.match(data) and _XML_DECLARATIONS.search(data):
        # Anywhere in the file: a long comment must not carry a DOCTYPE past a sniffer.
        raise FetchRefused(
            f"{name}: SVG files with a DOCTYPE or ENTITY declaration are refused",
            hint="export the SVG again without a DOCTYPE (most editors have an option)",
            rule="image-unsafe",
        )
    if is_svg(data):
        inspect_svg(data, name=name, limit=limit, standalone=standalone)
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Between Pillow's warning and error thresholds our own limit decides, below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                info = ImageInfo(format=image.format or "?", width=image.width, height=image.height)
                mode = image.mode
                if info.pixels <= limit:
                    image.load()  # a truncated or corrupt file fails here, not in the PDF
    except UnidentifiedImageError:
        if must_be_picture:
            raise FetchRefused(
                f"{name}: not a picture (PNG, JPEG, GIF, WebP or SVG) that can be read",
                hint="open it in an image editor and save it again as PNG or JPEG",
                rule="image-unreadable",
            ) from None
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
    if mode not in PRINTABLE_MODES and mode not in DEEP_GREY_MODES:
        raise FetchRefused(
            f"{name}: the picture's colour mode ({mode}) cannot be printed right",
            hint="open it in an image editor and save it again as an 8-bit RGB PNG or a JPEG",
            rule="image-unreadable",
        )
    return info


#: Pillow modes WeasyPrint prints as they are.
PRINTABLE_MODES = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK"})
#: Grey with more than 8 bits (a 16-bit grey PNG): WeasyPrint 70 prints it dark and wrong, so it
#: is converted to 8-bit grey first.
DEEP_GREY_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})


def printable_picture(data: bytes) -> bytes:
    """The picture as WeasyPrint should get it: the same bytes, or 16-bit grey as 8-bit grey.

    Call it after :func:`inspect_image` accepted ``data``; anything that is not such a
    picture (an SVG, a font) comes back as it is.
    """
    if is_svg(data):
        return data
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.mode not in DEEP_GREY_MODES:
                return data
            image.load()
            # 16-bit values to 8 bits, scaled (a plain conversion would clip them to white).
            grey = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
            out = io.BytesIO()
            grey.save(out, "PNG", dpi=image.info.get("dpi", (72, 72)))
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return data


# --------------------------------------------------------------------------------------------
# SVG pictures: parsed, bounded, confined

#: Elements an SVG may have in all; a map of the world has a few thousand.
MAX_SVG_ELEMENTS = 50_000
#: How deep its elements may nest: WeasyPrint draws them recursively.
MAX_SVG_DEPTH = 100
#: Elements an SVG may draw once every ``<use>`` is replaced by what it copies.
MAX_SVG_DRAWN = 200_000
#: A ``<use>`` copying a ``<use>`` copying ...: how long such a chain may be.
MAX_USE_DEPTH = 16

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def inspect_svg(data: bytes, *, name: str, limit: int, standalone: bool = False) -> None:
    """Refuse an SVG that would hang the renderer, move its base, or read what it may not.

    Parsed with the standard library's expat, after :func:`inspect_image` refused any DOCTYPE
    (so no entity is defined, let alone expanded), and counted as it is read.
    """
    import xml.etree.ElementTree as ElementTree

    def refuse(message: str, hint: str, rule: str = "image-unsafe") -> FetchRefused:
        return FetchRefused(f"{name}: {message}", hint=hint, rule=rule)

    parser = ElementTree.XMLPullParser(events=("start", "end"))
    elements: list[ElementTree.Element] = []
    depth = 0
    try:
        for start in range(0, len(data), 65536):
            parser.feed(data[start : start + 65536])
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                depth += 1
                elements.append(element)
                if len(elements) > MAX_SVG_ELEMENTS:
                    raise refuse(
                        f"the SVG has over {MAX_SVG_ELEMENTS:,} elements",
                        "simplify it, or export it as a PNG",
                        "image-too-large",
                    )
                if depth > MAX_SVG_DEPTH:
                    raise refuse(
                        f"the SVG's elements nest over {MAX_SVG_DEPTH} deep",
                        "simplify it (ungroup), or export it as a PNG",
                        "image-too-large",
                    )
        parser.close()
    except ElementTree.ParseError as exc:
        raise refuse(
            f"the SVG is not well-formed XML ({exc})",
            "open it in an SVG editor and save it again",
            "image-unreadable",
        ) from None
    by_id = {element.get("id"): element for element in elements if element.get("id")}
    for element in elements:
        if _XML_BASE in element.attrib:
            raise refuse(
                "the SVG sets xml:base, which would make its links point elsewhere",
                "remove the xml:base attribute",
            )
    if standalone:  # a file's links are named by file and line: see refuse_svg_links
        for reference in svg_references(data.decode("utf-8", errors="replace")):
            _check_svg_link(reference.url.strip(), name=name, limit=limit, standalone=True)
    _check_use_expansion(elements, by_id, refuse)


def refuse_svg_links(data: bytes, path: Path, *, limit: int) -> None:
    """FetchRefused naming the SVG file and line of its first link out of the project (a web
    address, an absolute path) or its first damaged ``data:`` URL."""
    text = data.decode("utf-8", errors="replace")
    for reference in svg_references(text):
        try:
            _check_svg_link(reference.url.strip(), name=path.name, limit=limit, standalone=False)
        except FetchRefused as exc:
            raise FetchRefused(
                exc.message.removeprefix(f"{path.name}: "),
                path=path,
                line=text.count("\n", 0, reference.offset) + 1,
                hint=exc.hint,
                rule=exc.rule,
            ) from None


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_svg_link(url: str, *, name: str, limit: int, standalone: bool) -> None:
    """An SVG's link: to a part of itself, a ``data:`` picture, or (unless ``standalone``) a
    file beside it; never a web address or an absolute path."""
    if not url or url.startswith("#"):
        return
    if url.lower().startswith("data:"):
        inspect_data_url(url, limit=limit, name=f"{name}: a data: URL inside it")
        return
    scheme = urlsplit(url).scheme if ":" in url else ""
    if scheme or url.startswith(("/", "\\")):
        raise FetchRefused(
            f"{name}: the SVG links out of the project ({url[:80]!r})",
            hint="put the picture it links to into the project and link to it by a relative "
            "path, or embed it",
            rule="image-unsafe",
        )
    if standalone:
        raise FetchRefused(
            f"{name}: an SVG in a data: URL links to a file ({url[:80]!r})",
            hint="save the SVG as a file in images/ and refer to that file",
            rule="image-unsafe",
        )


def _check_use_expansion(elements: list, by_id: dict, refuse: Any) -> None:
    """How many elements the SVG draws once every ``<use>`` copies what it names: a chain of
    ``<use>`` elements that each copy the one before ten times is a few lines that draw
    billions of elements; a ``<use>`` that copies its own ancestor never ends."""
    drawn: dict[int, int] = {}
    chain: dict[int, int] = {}
    busy: set[int] = set()

    def size(element: Any) -> tuple[int, int]:
        key = id(element)
        if key in drawn:
            return drawn[key], chain[key]
        if key in busy:
            raise refuse(
                "a <use> element in the SVG copies itself (through its own ancestors)",
                "remove that <use>, or export the picture as a PNG",
            )
        busy.add(key)
        total, longest = 1, 0
        for child in element:
            child_total, child_chain = size(child)
            total += child_total
            longest = max(longest, child_chain)
        if _local_name(element.tag) == "use":
            href = (element.get("href") or element.get(_XLINK_HREF) or "").strip()
            target = by_id.get(href[1:]) if href.startswith("#") else None
            if target is not None:
                target_total, target_chain = size(target)
                total += target_total
                longest = max(longest, target_chain + 1)
        busy.discard(key)
        if longest > MAX_USE_DEPTH:
            raise refuse(
                f"the SVG's <use> elements copy each other over {MAX_USE_DEPTH} deep",
                "simplify it, or export it as a PNG",
                "image-too-large",
            )
        if total > MAX_SVG_DRAWN:
            raise refuse(
                f"the SVG's <use> elements would draw over {MAX_SVG_DRAWN:,} elements "
                "(a picture that multiplies itself)",
                "simplify it, or export it as a PNG",
                "image-too-large",
            )
        drawn[key], chain[key] = total, longest
        return total, longest

    if elements:
        size(elements[0])  # the root: each element is counted once, with what it copies


# --------------------------------------------------------------------------------------------
# data: URLs and fonts

#: Media types a ``data:`` URL may hold, by what it is checked as.
_FONT_TYPES = ("font/", "application/font", "application/x-font", "application/vnd.ms-opentype")
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"wOFF", b"wOF2", b"ttcf")


def decode_data_url(url: str, *, name: str = "a data: URL") -> tuple[str, bytes]:
    """The media type and bytes of a ``data:`` URL, decoded strictly: base64 that is not
    base64 is refused, never read as whatever bytes a lenient decoder makes of it."""
    import base64
    import binascii
    from urllib.parse import unquote_to_bytes

    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise FetchRefused(
            f"{name}: the data: URL has no comma, so it holds nothing",
            hint="embed the file again with a tool, or save it as a file in the project",
            rule="image-unreadable",
        )
    parameters = [part.strip() for part in header.split(";")]
    media_type = (parameters[0] or "text/plain").lower()
    try:
        if "base64" in (part.lower() for part in parameters[1:]):
            compact = re.sub(rb"\s+", b"", unquote_to_bytes(payload))
            data = base64.b64decode(compact, validate=True)
        else:
            data = unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        raise FetchRefused(
            f"{name}: the data: URL's base64 text is damaged",
            hint="embed the file again with a tool, or save it as a file in the project",
            rule="image-unreadable",
        ) from None
    return media_type, data


def inspect_data_url(url: str, *, limit: int, name: str = "a data: URL") -> bytes:
    """Decode a ``data:`` URL and check what it holds as the file it stands for: a picture
    (SVG with no link to any file), a font, or a stylesheet that fetches nothing. Its bytes,
    as WeasyPrint may have them (see :func:`printable_picture`); FetchRefused otherwise."""
    media_type, data = decode_data_url(url, name=name)
    if not data:
        raise FetchRefused(
            f"{name}: the data: URL is empty", hint="remove it", rule="image-unreadable"
        )
    if media_type.startswith(_FONT_TYPES) or data.startswith(_FONT_MAGIC):
        inspect_font(data, name=name)
        return data
    if media_type == "text/css":
        for reference in css_references(data.decode("utf-8", errors="replace")):
            if not reference.url.strip().lower().startswith(("data:", "#")):
                raise FetchRefused(
                    f"{name}: a stylesheet in a data: URL refers to {reference.url[:80]!r}",
                    hint="put the stylesheet into styles/ and link to that file",
                    rule="resource-outside",
                )
        return data
    if media_type.startswith("image/") or media_type == "text/plain":
        inspect_image(data, limit=limit, name=name, must_be_picture=True, standalone=True)
        return printable_picture(data)
    raise FetchRefused(
        f"{name}: a data: URL of type {media_type!r} is neither a picture nor a font",
        hint="use a picture (PNG, JPEG, SVG) or a font file from the project instead",
        rule="image-unreadable",
    )


#: Fonts checked already in this process, by their bytes' digest: a build serves each font to
#: every edition.
_fonts_checked: set[str] = set()


def inspect_font(data: bytes, *, name: str) -> None:
    """Refuse a font whose tables or outlines cannot be read: WeasyPrint would embed it, and
    its letters would print blank or as garbage, in silence.

    fontTools parses the tables; every TrueType glyph's header is read and must lie in the
    glyf table, with a bounding box inside the font's own; CFF glyphs are decompiled.
    """
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    if digest in _fonts_checked:
        return
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(data), lazy=True, fontNumber=0)
        with font:
            missing = [tag for tag in ("cmap", "head", "hmtx", "maxp") if tag not in font]
            if missing:
                raise TTLibError(f"no {', '.join(missing)} table")
            if "glyf" in font:
                _check_glyf(font)
            elif "CFF " in font or "CFF2" in font:
                _check_cff(font)
            else:
                raise TTLibError("no outlines (glyf or CFF table)")
            font.getBestCmap()
    except Exception as exc:  # noqa: BLE001 - fontTools raises many kinds on a damaged font
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise FetchRefused(
            f"{name}: the file is not a font that can be read ({reason})",
            hint="replace it with the font file from its publisher",
            rule="font-unreadable",
        ) from None
    _fonts_checked.add(digest)


def _check_glyf(font: Any) -> None:
    import struct
    from itertools import pairwise

    from fontTools.ttLib import TTLibError

    glyf = font.getTableData("glyf")
    offsets = list(font["loca"])
    head = font["head"]
    slack = head.unitsPerEm  # a glyph may stick out of the font's box a little, not miles
    low_x, low_y = head.xMin - slack, head.yMin - slack
    high_x, high_y = head.xMax + slack, head.yMax + slack
    for index, (start, end) in enumerate(pairwise(offsets)):
        if end == start:
            continue  # an empty glyph: a space
        if not 0 <= start < end <= len(glyf) or end - start < 10:
            raise TTLibError(f"glyph {index} lies outside its table")
        contours, x_min, y_min, x_max, y_max = struct.unpack_from(">hhhhh", glyf, start)
        if contours < -1 or 10 + 2 * contours > end - start:
            raise TTLibError(f"glyph {index} claims {contours} contours")
        if not (low_x <= x_min <= x_max <= high_x and low_y <= y_min <= y_max <= high_y):
            raise TTLibError(f"glyph {index} has a box outside the font's")


def _check_cff(font: Any) -> None:
    tag = "CFF " if "CFF " in font else "CFF2"
    cff = font[tag].cff
    top = cff.topDictIndex[0]
    for glyph_name in top.charset:
        top.CharStrings[glyph_name].decompile()


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

    Comments are skipped; escapes are decoded everywhere first, as a CSS parser reads them:
    ``\\68 ttp:`` is ``http:``, ``@\\69mport`` is ``@import``, ``u\\72l(`` is ``url(``.
    """
    text = _CSS_COMMENT.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)
    text = _css_unescape_keeping_lines(text)
    imports = [
        Reference(_first_group(match), "@import", match.start())
        for match in _CSS_IMPORT.finditer(text)
    ]
    spans = [match.span() for match in _CSS_IMPORT.finditer(text)]
    urls = [
        Reference(_first_group(match), "url()", match.start())
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


def _css_unescape_keeping_lines(text: str) -> str:
    """Decode CSS escapes; an escape that swallowed a newline keeps it, so lines still count."""

    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1), 16) if match.group(1) else ord(match.group(2))
        # U+FFFD for what a CSS parser replaces, and for a backslash: never re-create an escape.
        char = (
            "\ufffd"
            if code in (0, 0x5C) or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF
            else chr(code)
        )
        return char + "\n" * match.group(0).count("\n")

    return _CSS_ESCAPE.sub(decode, text)


_LOCAL_FONT = re.compile(r"(?<![\w-])local\(", re.I)


def machine_font_lines(text: str) -> list[int]:
    """The lines of a stylesheet (or ``<style>`` text) whose ``@font-face`` names a font of the
    machine with ``local()``: a font installed on one computer, missing on the next."""
    text = _CSS_COMMENT.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)
    text = _css_unescape_keeping_lines(text)
    return [text.count("\n", 0, match.start()) + 1 for match in _LOCAL_FONT.finditer(text)]


def refuse_machine_fonts(text: str, path: Path, line_offset: int = 0) -> None:
    """FetchRefused naming the first ``local()`` font of a stylesheet, by file and line."""
    lines = machine_font_lines(text)
    if lines:
        raise FetchRefused(
            "@font-face src: local() names a font of this computer, which the next one may "
            "not have",
            path=path,
            line=lines[0] + line_offset,
            hint='put the font file into fonts/ and write src: url("../fonts/<file>")',
            rule="font-local",
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
            rels = set(values.get("rel", "").lower().split())
            if tag == "link" and _LINK_RELS_FETCHED & rels:
                references.append(Reference(values.get("href", ""), "link href"))
            if tag == "a" and "attachment" in rels:  # WeasyPrint embeds the file it names
                references.append(Reference(values.get("href", ""), "a rel=attachment href"))
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

"""Stage 5: render HTML to PDF with WeasyPrint.

WeasyPrint is imported inside the functions that need it, so that ``--help``, ``check`` and
no-op builds stay fast. One :class:`Renderer` serves a whole build: a single FontConfiguration
(WeasyPrint only uses @font-face fonts when the same instance reaches ``CSS()`` and
``write_pdf``); images are decoded afresh for each document, so no output depends on another.

Content is untrusted, and WeasyPrint can read files and URLs: the renderer's fetcher serves only
files inside the project and ``data:`` URIs, checked first (safety.py), and stops the render on
anything else. Fonts come from the project alone: fontconfig is given a configuration that knows
the project's ``fonts/`` folder and nothing of the machine (:func:`use_bundled_fonts_only`).

Fixed boxes marked ``data-panel`` (the brochure's panels) are measured after layout: text that
does not fit stops the render with the panel's name and the overflow in mm, never a clip. The
walk over the layout uses ``Page._page_box``, WeasyPrint 70's box tree.

While the PDF is written, pipeline/textlayer.py corrects its text layer and tag tree (what
screen readers, copy and search get back; see docs/accessibility.md); pages do not change.
"""

from __future__ import annotations

import html.parser
import io
import logging
import math
import mimetypes
import os
import re
import sys
from contextlib import nullcontext, redirect_stdout
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from iombrochure.errors import FetchRefused, RenderError
from iombrochure.pipeline import textlayer
from iombrochure.pipeline.safety import (
    DEFAULT_MAX_IMAGE_PIXELS,
    MAX_BINARY_FILE_BYTES,
    decode_data_url,
    inspect_data_url,
    inspect_font,
    inspect_image,
    is_picture_name,
    is_svg,
    printable_picture,
    refuse_machine_fonts,
    refuse_svg_links,
)

FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
#: Drawn (by a bundled font) in place of a character no bundled font has: a visible gap in the
#: proof, never a glyph of the machine's fonts. ``check`` names the file and field, once.
MISSING_GLYPH = "\u25a1"

#: Elements with this attribute are fixed boxes (a brochure's panels) whose content must fit.
PANEL_ATTRIBUTE = "data-panel"
#: Content may poke out of a panel's content box by less than this (rounding, glyph overhang).
OVERFLOW_TOLERANCE_MM = 0.5
PX_PER_MM = 96 / 25.4
#: write_pdf options that WeasyPrint applies when it loads images, during layout: they must
#: reach render() too, and images loaded with other values must not be shared with them.
IMAGE_OPTIONS = ("optimize_images", "jpeg_quality", "dpi")


@dataclass
class RenderedPdf:
    """A rendered document: its bytes, page count and any warnings raised while rendering."""

    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PanelOverflow:
    """How far a panel's content runs past its content box (inside the safe margin)."""

    panel: str
    page: int
    down_mm: float  # below the content box's bottom
    across_mm: float  # past its inline sides (a word or picture too wide)

    def describe(self) -> str:
        parts = []
        if self.down_mm > OVERFLOW_TOLERANCE_MM:
            parts.append(f"overflows by {math.ceil(self.down_mm)} mm")
        if self.across_mm > OVERFLOW_TOLERANCE_MM:
            parts.append(f"is {math.ceil(self.across_mm)} mm too wide")
        return f"panel {self.panel!r} " + " and ".join(parts)


def panel_overflows(document: Any) -> list[PanelOverflow]:
    """Panels of a laid-out WeasyPrint document whose content does not fit them.

    A panel is a fixed-size box marked ``data-panel="name"`` and laid out as one piece (an
    inline-block is never split across pages), so its content is all there: the lowest and
    widest descendant border boxes, compared with the panel's content box, say by how much
    the text overflows. The panel's padding is its safe margin, so content in it counts.
    """
    found: list[PanelOverflow] = []
    for number, page in enumerate(document.pages, start=1):
        for panel in _panel_boxes(page._page_box):
            top, left = panel.content_box_y(), panel.content_box_x()
            bottom, right = top + panel.height, left + panel.width
            low, far_left, far_right = bottom, left, right
            for box in _descendants(panel):
                width, height = box.border_width(), box.border_height()
                if not (width or height):
                    continue
                x, y = box.border_box_x(), box.border_box_y()
                low = max(low, y + height)
                far_left, far_right = min(far_left, x), max(far_right, x + width)
            down = (low - bottom) / PX_PER_MM
            across = max(far_right - right, left - far_left) / PX_PER_MM
            if down > OVERFLOW_TOLERANCE_MM or across > OVERFLOW_TOLERANCE_MM:
                name = panel.element.get(PANEL_ATTRIBUTE)
                found.append(PanelOverflow(name, number, round(down, 1), round(across, 1)))
    return found


def _panel_boxes(box: Any):
    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", "") or ""
    if element is not None and element.get(PANEL_ATTRIBUTE) and "::" not in tag:
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _panel_boxes(child)


def _descendants(box: Any):
    for child in getattr(box, "children", ()):
        if hasattr(child, "border_box_x"):
            yield child
        yield from _descendants(child)


def safe_resource_path(url: str, root: Path) -> Path:
    """The local file a ``file:`` URL names, if it lies inside ``root``; else FetchRefused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(
            f"refused to fetch {url!r}: only files inside the project may be used",
            hint="copy the file into the project (e.g. images/) and refer to it by a relative path",
            rule="resource-outside",
        )
    from iombrochure.pipeline.safety import is_within, trusted_roots

    path = Path(unquote(parts.path)).resolve()
    if not any(is_within(path, folder) for folder in trusted_roots(root)):
        raise FetchRefused(
            f"refused to read {path}: it is outside the project folder",
            hint="copy the file into the project and refer to it by a relative path",
            rule="resource-outside",
        ) from None
    return path


def make_url_fetcher(
    root: Path, refused: list[FetchRefused], *, max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
):
    """A WeasyPrint URL fetcher that serves the project's files and data: URIs, nothing else.

    Everything is checked before WeasyPrint reads it (see safety.py): pictures are measured
    from their header and SVGs parsed, a 16-bit grey picture is served as 8-bit, fonts are
    parsed, ``data:`` URLs decoded strictly, and a stylesheet that names a machine's font
    (``local()``) is refused with its file and line.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    def refuse(error: FetchRefused) -> FatalURLFetchingError:
        refused.append(error)
        return FatalURLFetchingError(error.message)

    class ProjectURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                try:
                    media_type, data = checked_data_url(url, max_image_pixels)
                except FetchRefused as exc:
                    raise refuse(exc) from None
                return URLFetcherResponse(url, data, {"Content-Type": media_type})
            try:
                path = safe_resource_path(url, root)
            except FetchRefused as exc:
                raise refuse(exc) from None
            try:
                shown = path.relative_to(root.resolve()).as_posix()
            except ValueError:  # a file of the package's theme
                shown = path.name
            if not path.is_file():
                raise refuse(FetchRefused(f"file not found: {shown}", rule="resource-missing"))
            if path.stat().st_size > MAX_BINARY_FILE_BYTES:
                raise refuse(
                    FetchRefused(f"{shown}: over {MAX_BINARY_FILE_BYTES >> 20} MB, refused unread")
                )
            data = path.read_bytes()
            try:
                if path.suffix.lower() in FONT_SUFFIXES:
                    inspect_font(data, name=shown)
                elif path.suffix.lower() == ".css":
                    refuse_machine_fonts(data.decode("utf-8", errors="replace"), path)
                else:
                    inspect_image(
                        data,
                        limit=max_image_pixels,
                        name=shown,
                        must_be_picture=is_picture_name(path.name),
                    )
                    if is_svg(data):
                        refuse_svg_links(data, path, limit=max_image_pixels)
                    data = printable_picture(data)
            except FetchRefused as exc:
                raise refuse(exc) from None
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": mime_type})

    return ProjectURLFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


@lru_cache(maxsize=32)
def checked_data_url(url: str, limit: int) -> tuple[str, bytes]:
    """A ``data:`` URL's media type and its bytes as WeasyPrint may have them, checked once:
    a picture inlined by ``picture_uri`` is met by the page's check and then by the fetcher,
    in every edition."""
    media_type, _data = decode_data_url(url)
    return media_type, inspect_data_url(url, limit=limit)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class _TextCollector(html.parser.HTMLParser):
    """Collects the characters of an HTML document's text, skipping styles and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.chars: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chars.update(data)


@cache
def bundled_cmap(fonts_dir: Path) -> frozenset[int]:
    """Every code point some bundled font can draw.

    Every font file is read (the project's ``fonts/`` folder, links confined to the project),
    also one no stylesheet uses: a file that is not a font is a mistake to report, by name.
    """
    from iombrochure.pipeline.safety import files_below

    covered: set[int] = set()
    root = fonts_dir.parent
    for font_path in files_below(root, fonts_dir, what="font"):
        if font_path.suffix.lower() in FONT_SUFFIXES:
            covered.update(font_codepoints(font_path))
    return frozenset(covered)


def font_codepoints(font_path: Path) -> set[int]:
    """The code points a font file maps; RenderError naming the file if it is not a font."""
    from iombrochure.pipeline.cmap import cmap_codepoints
    from iombrochure.pipeline.safety import MAX_BINARY_FILE_BYTES

    if not font_path.is_file() or font_path.stat().st_size > MAX_BINARY_FILE_BYTES:
        raise RenderError(
            "not a font file (too large, or not a regular file)",
            path=font_path,
            hint="remove it from fonts/",
            rule="font-unreadable",
        )
    try:
        inspect_font(font_path.read_bytes(), name=font_path.name)
    except FetchRefused as exc:
        raise RenderError(
            exc.message.removeprefix(f"{font_path.name}: "),
            path=font_path,
            hint="replace it with the font file from its publisher, or remove it from fonts/",
            rule="font-unreadable",
        ) from None
    try:
        codepoints = cmap_codepoints(font_path)  # fast path; fontTools for the rest
        if codepoints is None:
            from fontTools.ttLib import TTFont

            with TTFont(font_path, lazy=True) as font:
                codepoints = set(font.getBestCmap() or {})
    except Exception as exc:  # fontTools raises many kinds on a file that is not a font
        raise RenderError(
            f"the file is not a font that can be read ({type(exc).__name__})",
            path=font_path,
            hint="replace it with the font file from its publisher, or remove it from fonts/",
            rule="font-unreadable",
        ) from None
    if not codepoints:
        raise RenderError(
            "the font maps no characters: it is not a usable font file",
            path=font_path,
            hint="replace it with the font file from its publisher, or remove it from fonts/",
            rule="font-unreadable",
        )
    return codepoints


def uncovered_characters(html_text: str, fonts_dir: Path) -> list[str]:
    """Characters of the text that no bundled font has (format controls and spaces excepted)."""
    import unicodedata

    collector = _TextCollector()
    collector.feed(html_text)
    covered = bundled_cmap(fonts_dir)
    missing = []
    for char in sorted(collector.chars):
        if ord(char) in covered or char.isspace():
            continue
        if unicodedata.category(char) in ("Cf", "Cc"):  # isolates, ZWNJ: drawn by no glyph
            continue
        missing.append(char)
    return missing


#: CSS generic families, and the names fontconfig itself uses for them: each is drawn by the
#: bundled fonts (``<code>`` too, which WeasyPrint's own stylesheet sets in ``monospace``).
GENERIC_FAMILIES = (
    "serif",
    "sans-serif",
    "monospace",
    "cursive",
    "fantasy",
    "system-ui",
    "ui-serif",
    "ui-sans-serif",
    "ui-monospace",
    "ui-rounded",
    "math",
    "emoji",
    "fangsong",
    "sans",
    "mono",
)
#: The environment variable fontconfig reads for its configuration file, each time it loads one.
FONTCONFIG_VARIABLE = "FONTCONFIG_FILE"
_fontconfig_files: dict[Path, Path] = {}


@cache
def bundled_families(fonts_dir: Path) -> tuple[str, ...]:
    """The family names of the bundled fonts, those that draw the most of ASCII first.

    The order decides which bundled font draws a generic family (``monospace``, ``serif``) or a
    family no bundled font has: a font for English text and code, not one of symbols that also
    has a few letters. Ties go by name, so the choice is the same on every computer.
    """
    from fontTools.ttLib import TTFont

    from iombrochure.pipeline.safety import files_below

    ascii_drawn: dict[str, int] = {}
    for font_path in files_below(fonts_dir.parent, fonts_dir, what="font"):
        if font_path.suffix.lower() not in FONT_SUFFIXES:
            continue
        try:
            with TTFont(font_path, lazy=True) as font:
                family = font["name"].getBestFamilyName()
                cmap = font.getBestCmap() or {}
        except Exception:  # noqa: BLE001 - font_codepoints names an unreadable font, by file
            continue
        if family:
            drawn = sum(code in cmap for code in range(0x20, 0x7F))
            ascii_drawn[family] = max(ascii_drawn.get(family, 0), drawn)
    return tuple(sorted(ascii_drawn, key=lambda family: (-ascii_drawn[family], family.casefold())))


def fontconfig_text(fonts_dir: Path, cache_dir: Path) -> str:
    """A fontconfig configuration that knows the project's fonts folder and nothing else.

    No ``<dir>`` of the machine or the user's home and no ``<include>`` of the system's
    configuration: a font installed on one computer can never change another's PDF. Every
    generic family, and every family no bundled font has, falls back to the bundled families.
    """
    from xml.sax.saxutils import escape

    families = bundled_families(fonts_dir)
    prefer = "".join(f"<family>{escape(family)}</family>" for family in families)
    fallback = "".join(f"<string>{escape(family)}</string>" for family in families)
    lines = [
        '<?xml version="1.0"?>',
        "<fontconfig>",
        f"  <dir>{escape(str(fonts_dir.resolve()))}</dir>",
        f"  <cachedir>{escape(str(cache_dir))}</cachedir>",
        *(
            f'  <alias binding="same"><family>{escape(generic)}</family>'
            f"<prefer>{prefer}</prefer></alias>"
            for generic in GENERIC_FAMILIES
        ),
    ]
    if fallback:
        lines.append(
            '  <match target="pattern"><edit name="family" mode="append_last">'
            f"{fallback}</edit></match>"
        )
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def use_bundled_fonts_only(fonts_dir: Path) -> Path:
    """Make fontconfig, in this process, see the project's fonts folder alone.

    fontconfig reads ``FONTCONFIG_FILE`` whenever a configuration is loaded: once when
    WeasyPrint is imported and once for every FontConfiguration. This must therefore run
    before both; the variable stays set, so that nothing in the process loads the system's
    configuration later. The file lives as long as the process (processes forked from this
    one use it too) and is removed when the process that wrote it ends.
    """
    import atexit
    import shutil
    import tempfile

    fonts_dir = fonts_dir.resolve()
    config_file = _fontconfig_files.get(fonts_dir)
    if config_file is None or not config_file.is_file():
        folder = Path(tempfile.mkdtemp(prefix="iombrochure-fontconfig-"))
        config_file = folder / "fonts.conf"
        config_file.write_text(fontconfig_text(fonts_dir, folder / "cache"), encoding="utf-8")
        _fontconfig_files[fonts_dir] = config_file
        owner = os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    os.environ[FONTCONFIG_VARIABLE] = str(config_file)
    os.environ.pop("FONTCONFIG_PATH", None)  # would add its folder's configuration files
    return config_file


def import_weasyprint() -> None:
    """Import WeasyPrint without its slow library search: about 0.2 to 0.3 s saved on Linux.

    WeasyPrint tries up to six names for each C library (``libpango-1.0-0``, ``pango-1.0-0``,
    ..., ``libpango-1.0.so.0``). cffi asks ``ctypes.util.find_library`` about every name the
    dynamic loader refuses, and on Linux each of those questions runs ldconfig, gcc and ld:
    13 to 22 ms, fifteen times, in every process that renders. During the import the question
    goes to ldconfig's cache alone; the loader still finds each library by its Linux name, which
    WeasyPrint tries too. Should that fail, the import runs again the usual way, so an error
    reads exactly as WeasyPrint writes it.
    """
    if "weasyprint" in sys.modules:
        return
    import ctypes.util

    ldconfig_lookup = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if sys.platform.startswith("linux") and ldconfig_lookup is not None:
        usual_lookup = ctypes.util.find_library
        ctypes.util.find_library = ldconfig_lookup
        try:
            # A failure here prints WeasyPrint's installation advice; the usual import below
            # prints it if the failure is real.
            with redirect_stdout(io.StringIO()):
                import weasyprint  # noqa: F401
            return
        except OSError:
            pass
        finally:
            ctypes.util.find_library = usual_lookup
    import weasyprint  # noqa: F401, F811


class Renderer:
    """Renders every edition of a build with one FontConfiguration (fonts load once)."""

    def __init__(
        self,
        root: Path,
        *,
        fonts_dir: Path | None = None,
        max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS,
        text_layer: bool = True,
        reuse_stylesheets: bool = True,
    ) -> None:
        self.root = root.resolve()
        self.fonts_dir = fonts_dir or self.root / "fonts"
        use_bundled_fonts_only(self.fonts_dir)  # before WeasyPrint loads any fontconfig file
        import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        from iombrochure.pipeline.stylecache import StylesheetCache

        #: Correct the PDF's text layer and tag tree (pipeline/textlayer.py); off only to compare.
        self.text_layer = text_layer

        self.max_image_pixels = max_image_pixels
        self.font_config = FontConfiguration()
        #: Stylesheets parsed once for all the editions this Renderer makes (stylecache.py).
        self.stylesheets = StylesheetCache(self.font_config) if reuse_stylesheets else None

    def _template_path(self, template: str | Path | None) -> Path | None:
        if template is None:
            return None
        path = Path(template)
        return path if path.is_absolute() else self.root / "templates" / path

    def _check_page_references(
        self, html_text: str, base_url: Path, label: str, template: Path | None
    ) -> None:
        """Refuse, naming the template, what the page itself would make WeasyPrint read and the
        fetcher would refuse mid-render: a ``local()`` font in a ``<style>``, an attachment
        or picture from the web or outside the project, a ``data:`` URL that is not what it
        says. Stylesheets and pictures are checked by the fetcher, which names their file."""
        error = page_reference_refusal(
            html_text, base_url, self.root, self.max_image_pixels, template
        )
        if error is not None:
            raise _in_edition(error, label, template)

    def close(self) -> None:
        """Remove WeasyPrint's temporary font folder now, not whenever the object is collected."""
        import shutil

        folder = getattr(self.font_config, "_folder", None)  # WeasyPrint 70's attribute
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
            self.font_config._folder = None

    def render(
        self,
        html_text: str,
        *,
        base_url: Path,
        label: str,
        pdf_options: dict[str, Any] | None = None,
        stylesheets: list[str] | None = None,
        press: Any = None,
        template: str | Path | None = None,
    ) -> RenderedPdf:
        """HTML to PDF bytes. ``label`` names the edition in every message ("factsheet (fa)");
        ``template`` (the document's template, a path inside the project) is the file a
        problem of the page itself is blamed on. ``press`` (a config.PrintSettings) makes a
        print-shop PDF/X file: see prepress.py."""
        from weasyprint import CSS, HTML

        from iombrochure.pipeline import prepress

        template_path = self._template_path(template)
        self._check_page_references(html_text, base_url, label, template_path)
        for char in uncovered_characters(html_text, self.fonts_dir):
            html_text = html_text.replace(char, MISSING_GLYPH)
        refused: list[FetchRefused] = []
        fetcher = make_url_fetcher(self.root, refused, max_image_pixels=self.max_image_pixels)
        image_options = {
            key: value for key, value in (pdf_options or {}).items() if key in IMAGE_OPTIONS
        }
        # A fresh image cache for every document: WeasyPrint keeps a picture as first optimized,
        # so a shared cache made a PDF's bytes depend on which edition was rendered before it.
        image_cache: dict[str, Any] = {}
        finisher = prepress.PressFinisher(press, label) if press is not None else None
        collector = _WarningCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            reuse = self.stylesheets.active() if self.stylesheets else nullcontext()
            with reuse:
                document = HTML(
                    string=html_text, base_url=str(base_url), url_fetcher=fetcher
                ).render(
                    color_profiles=prepress.color_profiles(press) if press is not None else None,
                    font_config=self.font_config,
                    stylesheets=[
                        CSS(string=sheet, font_config=self.font_config, url_fetcher=fetcher)
                        for sheet in (stylesheets or [])
                    ],
                    cache=image_cache,
                    **image_options,
                )
            overflows = panel_overflows(document)
            buffer = io.BytesIO()
            if not overflows:
                with textlayer.text_layer(document, enabled=self.text_layer):
                    document.write_pdf(buffer, finisher=finisher, **(pdf_options or {}))
        except BaseException as exc:  # FatalURLFetchingError is a BaseException
            if refused:
                raise _in_edition(refused[0], label, template_path) from None
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            # The text layer's hook no longer fits WeasyPrint, or the print PDF breaks a rule of
            # the press (prepress.PrepressError).
            if isinstance(exc, RenderError):
                raise RenderError(
                    f"{label}: {exc.message}",
                    path=exc.path or template_path,
                    line=exc.line,
                    hint=exc.hint,
                    rule=exc.rule,
                ) from exc
            raise weasyprint_failure(exc, label, template_path, self.root) from exc
        finally:
            logger.removeHandler(collector)
        if refused:  # WeasyPrint swallows some (inside SVG images); a refusal must stop the build
            raise _in_edition(refused[0], label, template_path)
        if overflows:
            raise RenderError(
                f"{label}: " + "; ".join(overflow.describe() for overflow in overflows),
                hint="shorten the text of that panel, or break a long word; text is never cut off",
            )
        warnings = [f"{label}: {message}" for message in collector.messages]
        warnings.extend(finisher.warnings() if finisher is not None else [])
        return RenderedPdf(pdf=buffer.getvalue(), pages=len(document.pages), warnings=warnings)


def page_reference_refusal(
    html_text: str, base_url: Path, root: Path, max_image_pixels: int, template: Path | None
) -> FetchRefused | None:
    """The first thing a page would make WeasyPrint read that the fetcher would refuse
    mid-render, named at the line of ``template`` that writes it (when it does so literally),
    or None: a ``local()`` font in a ``<style>``, an attachment or picture from the web or
    outside the project, a ``data:`` URL that is not what it says. The renderer refuses it
    before layout, and ``check`` reports it, in these words."""
    found = _page_reference_problem(html_text, base_url, root, max_image_pixels)
    if found is None:
        return None
    error, written = found
    error.path = template
    error.line = _line_in_file(template, written) if template else None
    return error


def _page_reference_problem(
    html_text: str, base_url: Path, root: Path, max_image_pixels: int
) -> tuple[FetchRefused, str] | None:
    from urllib.parse import urljoin

    from iombrochure.pipeline.safety import html_references, machine_font_lines

    styles = re.findall(r"<style[^>]*>(.*?)</style>", html_text, flags=re.S | re.I)
    if any(machine_font_lines(text) for text in styles):
        return (
            FetchRefused(
                "a <style> of the page names a font of this computer with local()",
                hint='put the font file into fonts/ and write src: url("../fonts/<file>")',
                rule="font-local",
            ),
            "local(",
        )
    base, references = html_references(html_text)
    page_url = urljoin(Path(base_url).resolve().as_uri(), base or "")
    for reference in references:
        url = reference.url.strip()
        if not url or url.startswith("#"):
            continue
        try:
            if url.lower().startswith("data:"):
                try:
                    checked_data_url(url, max_image_pixels)
                except FetchRefused as exc:  # said as where the page has it
                    where = f"{reference.where} data: URL"
                    exc.message = exc.message.replace("a data: URL", where, 1)
                    raise
            else:
                safe_resource_path(urljoin(page_url, url), root)
        except FetchRefused as exc:
            return (
                FetchRefused(
                    f"{reference.where} {url[:80]!r}: {exc.message}"
                    if not url.lower().startswith("data:")
                    else exc.message,
                    hint=exc.hint,
                    rule=exc.rule,
                ),
                url,
            )
    return None


def _line_in_file(path: Path, written: str) -> int | None:
    """The first line of ``path`` holding the start of ``written`` (a URL as the template
    writes it), if the file says it literally; None when it comes from content or a variable."""
    needle = written[:60]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    at = text.find(needle) if needle else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _in_edition(error: FetchRefused, label: str, template: Path | None) -> FetchRefused:
    """A refusal as the build reports it: the edition first, and the file to fix (the one
    the refusal names, else the template)."""
    return FetchRefused(
        f"{label}: {error.message}",
        path=error.path or template,
        line=error.line if error.path else None,
        hint=error.hint,
        rule=error.rule,
    )


def weasyprint_failure(
    exc: BaseException, label: str, template: Path | None, root: Path
) -> RenderError:
    """One line for an exception inside WeasyPrint: the edition, the stylesheet being read
    when it happened (found in the traceback, where WeasyPrint's CSS class was at work), else
    the template; RecursionError said in words."""
    stylesheet = _stylesheet_in_traceback(exc, root)
    if isinstance(exc, RecursionError):
        what = (
            "the stylesheet nests too deep for WeasyPrint (maximum recursion depth exceeded)"
            if stylesheet
            else "the page's elements nest too deep for WeasyPrint (maximum recursion depth "
            "exceeded)"
        )
        hint = "remove the deep nesting (blocks or rules inside each other hundreds of times)"
    else:
        what = f"WeasyPrint failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        hint = "rerun with -v for WeasyPrint's traceback"
    return RenderError(
        f"{label}: {what}", path=stylesheet or template, hint=hint, rule="render-failed"
    )


def _stylesheet_in_traceback(exc: BaseException, root: Path) -> Path | None:
    """The project stylesheet WeasyPrint was reading when ``exc`` was raised, if any."""
    traceback = exc.__traceback__
    found: Path | None = None
    while traceback is not None:
        frame = traceback.tb_frame
        if (
            frame.f_code.co_name == "__init__"
            and type(frame.f_locals.get("self")).__name__ == "CSS"
        ):
            url = frame.f_locals.get("url") or frame.f_locals.get("filename")
            if isinstance(url, str) and url.startswith("file:"):
                try:
                    found = safe_resource_path(url, root)
                except FetchRefused:
                    pass
        traceback = traceback.tb_next
    return found


def weasyprint_version() -> str:
    from weasyprint import __version__

    return __version__


def hb_subset_available() -> bool:
    """Whether HarfBuzz's subsetter is there: fast, reproducible font subsetting."""
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None


def source_date_epoch_default(timestamp: int) -> None:
    """Pin font-subset timestamps for the fontTools fallback, unless the caller set one."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(timestamp))

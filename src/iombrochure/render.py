"""Stage 5: render HTML to PDF with WeasyPrint.

WeasyPrint is imported inside the functions that need it, so that ``--help``, ``check`` and
no-op builds stay fast. One :class:`Renderer` serves a whole build: a single FontConfiguration
(WeasyPrint only uses @font-face fonts when the same instance reaches ``CSS()`` and
``write_pdf``) and a shared image cache.

Content is untrusted, and WeasyPrint can read files and URLs: the renderer's fetcher serves only
files inside the project and ``data:`` URIs, and stops the render on anything else.
"""

from __future__ import annotations

import html.parser
import io
import logging
import mimetypes
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from iombrochure.errors import FetchRefused, RenderError

FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


@dataclass
class RenderedPdf:
    """A rendered document: its bytes, page count and any warnings raised while rendering."""

    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


def safe_resource_path(url: str, root: Path) -> Path:
    """The local file a ``file:`` URL names, if it lies inside ``root``; else FetchRefused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(
            f"refused to fetch {url!r}: only files inside the project may be used",
            hint="copy the file into the project (e.g. images/) and refer to it by a relative path",
        )
    path = Path(unquote(parts.path)).resolve()
    try:
        path.relative_to(root.resolve())
    except ValueError:
        raise FetchRefused(
            f"refused to read {path}: it is outside the project folder",
            hint="copy the file into the project and refer to it by a relative path",
        ) from None
    return path


def make_url_fetcher(root: Path, refused: list[FetchRefused]):
    """A WeasyPrint URL fetcher that serves the project's files and data: URIs, nothing else."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class ProjectURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            try:
                path = safe_resource_path(url, root)
            except FetchRefused as exc:
                refused.append(exc)
                raise FatalURLFetchingError(exc.message) from None
            if not path.is_file():
                error = FetchRefused(f"file not found: {path.relative_to(root.resolve())}")
                refused.append(error)
                raise FatalURLFetchingError(error.message)
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    return ProjectURLFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


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
    """Every code point some bundled font can draw."""
    from iombrochure.cmap import cmap_codepoints

    covered: set[int] = set()
    for font_path in sorted(fonts_dir.rglob("*")):
        if font_path.suffix.lower() in FONT_SUFFIXES:
            codepoints = cmap_codepoints(font_path)  # fast path; fontTools for the rest
            if codepoints is None:
                from fontTools.ttLib import TTFont

                with TTFont(font_path, lazy=True) as font:
                    codepoints = set(font.getBestCmap() or {})
            covered.update(codepoints)
    return frozenset(covered)


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


class Renderer:
    """Renders every edition of a build with one FontConfiguration and one image cache."""

    def __init__(self, root: Path, *, fonts_dir: Path | None = None) -> None:
        from weasyprint.text.fonts import FontConfiguration

        self.root = root.resolve()
        self.fonts_dir = fonts_dir or self.root / "fonts"
        self.font_config = FontConfiguration()
        self.image_cache: dict[str, Any] = {}

    def render(
        self,
        html_text: str,
        *,
        base_url: Path,
        label: str,
        pdf_options: dict[str, Any] | None = None,
        stylesheets: list[str] | None = None,
    ) -> RenderedPdf:
        """HTML to PDF bytes. ``label`` names the edition in every message ("factsheet (fa)")."""
        from weasyprint import CSS, HTML

        refused: list[FetchRefused] = []
        fetcher = make_url_fetcher(self.root, refused)
        collector = _WarningCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            document = HTML(string=html_text, base_url=str(base_url), url_fetcher=fetcher).render(
                font_config=self.font_config,
                stylesheets=[
                    CSS(string=sheet, font_config=self.font_config, url_fetcher=fetcher)
                    for sheet in (stylesheets or [])
                ],
                cache=self.image_cache,
            )
            buffer = io.BytesIO()
            document.write_pdf(buffer, **(pdf_options or {}))
        except BaseException as exc:  # FatalURLFetchingError is a BaseException
            if refused:
                error = refused[0]
                raise FetchRefused(f"{label}: {error.message}", hint=error.hint) from None
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise RenderError(f"{label}: WeasyPrint failed: {exc}") from exc
        finally:
            logger.removeHandler(collector)
        warnings = [f"{label}: {message}" for message in collector.messages]
        missing = uncovered_characters(html_text, self.fonts_dir)
        if missing:
            shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in missing[:8])
            warnings.append(
                f"{label}: no bundled font has {shown}: it would be drawn with a system font; "
                "add a font to fonts/ or change the text"
            )
        return RenderedPdf(pdf=buffer.getvalue(), pages=len(document.pages), warnings=warnings)


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

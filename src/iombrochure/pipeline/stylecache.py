"""Parsed stylesheets kept between the renders of one Renderer.

WeasyPrint parses and validates every stylesheet a document links, anew for each document:
30 to 70 ms an edition, for the same files in every edition of a build and at every save in
watch mode. A :class:`StylesheetCache` lets the renders of one Renderer (one
FontConfiguration) share them.

A sheet is reused only when nothing about it can differ from parsing it again:

- the same address (or ``<style>`` text), the same bytes, the same base URL and media type;
- the same FontConfiguration, where its ``@font-face`` fonts were registered when first read;
- reading it logged nothing: a warning about a stylesheet is reported for every edition;
- it imported no other sheet (those bytes are not in the key), and it added no cascade layer,
  counter style or colour profile to the document (those depend on the sheets before it).

Every other sheet is parsed by WeasyPrint as usual. A reused sheet's ``@page`` rules are added
to each document, as parsing would. Outside :meth:`StylesheetCache.active`, and on a WeasyPrint
whose stylesheet class no longer takes these arguments, nothing changes but the speed.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

#: The arguments of WeasyPrint's CSS class that this module reads or passes on.
CSS_ARGUMENTS = (
    "url",
    "string",
    "base_url",
    "url_fetcher",
    "media_type",
    "font_config",
    "counter_style",
    "color_profiles",
    "matcher",
    "page_rules",
    "layers",
    "layer",
)

#: Sheets kept by one cache at the most: a watch session's <style> text changes with the content.
MAX_SHEETS = 64

_active: ContextVar[StylesheetCache | None] = ContextVar("iombrochure_stylesheets", default=None)
_original_css: list[Any] = []  # WeasyPrint's CSS class, once installed


@dataclass(frozen=True)
class _Parsed:
    sheet: Any
    page_rules: tuple[Any, ...]


class StylesheetCache:
    """The stylesheets parsed for the documents of one FontConfiguration."""

    def __init__(self, font_config: Any) -> None:
        self.font_config = font_config
        self._sheets: dict[tuple, _Parsed] = {}
        #: Sheets WeasyPrint was asked for while rendering: parsed, and reused.
        self.parsed = 0
        self.reused = 0
        self._constructions = 0  # every sheet made, @import ones too

    @contextmanager
    def active(self) -> Iterator[None]:
        """Reuse this cache's sheets for the documents rendered inside this block."""
        if not install():
            yield
            return
        token = _active.set(self)
        try:
            yield
        finally:
            _active.reset(token)

    def _key(self, arguments: dict[str, Any]) -> tuple | None:
        common = (arguments.get("base_url"), arguments.get("media_type", "print"))
        if "string" in arguments and "url" not in arguments:
            return ("string", arguments["string"], *common)
        if "url" in arguments and "string" not in arguments:
            from weasyprint.urls import FatalURLFetchingError, fetch

            try:
                with fetch(arguments.get("url_fetcher"), arguments["url"]) as response:
                    data = response.read()
            except (Exception, FatalURLFetchingError):  # WeasyPrint meets it again, and says so
                return None
            if isinstance(data, str):
                data = data.encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            return ("url", arguments["url"], digest, *common, arguments.get("_check_mime_type"))
        return None

    def css(self, original: Any, arguments: dict[str, Any]) -> Any:
        """A sheet for WeasyPrint: reused when it may be, else parsed by ``original``."""
        self._constructions += 1
        nested = arguments.get("matcher") is not None or arguments.get("layer") is not None
        if nested or arguments.get("font_config") is not self.font_config:
            return original(**arguments)
        key = self._key(arguments)
        if key is None:
            return original(**arguments)
        page_rules = arguments.get("page_rules")
        known = self._sheets.get(key)
        if known is not None:
            self.reused += 1
            if page_rules is not None:
                page_rules.extend(known.page_rules)
            sheet = object.__new__(type(known.sheet))
            sheet.__dict__.update(known.sheet.__dict__)
            if page_rules is not None:
                sheet.page_rules = page_rules
            if arguments.get("layers") is not None:
                sheet.layers = arguments["layers"]
            return sheet
        self.parsed += 1
        layers, counters, profiles = (
            arguments.get(name) for name in ("layers", "counter_style", "color_profiles")
        )
        page_rules_before, layers_before = len(page_rules or ()), len(layers or ())
        counters_before, profiles_before = dict(counters or {}), dict(profiles or {})
        constructions_before = self._constructions
        logged = _Logged()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(logged)
        try:
            sheet = original(**arguments)
        finally:
            logger.removeHandler(logged)
        unchanged = (
            not logged.any
            and self._constructions == constructions_before
            and len(layers or ()) == layers_before
            and _same(counters, counters_before)
            and _same(profiles, profiles_before)
        )
        if unchanged:
            if len(self._sheets) >= MAX_SHEETS:
                self._sheets.clear()
            added = tuple(page_rules[page_rules_before:]) if page_rules is not None else ()
            self._sheets[key] = _Parsed(sheet, added)
        return sheet


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.any = False

    def emit(self, record: logging.LogRecord) -> None:
        self.any = True


def _same(now: dict | None, before: dict) -> bool:
    now = now or {}
    return len(now) == len(before) and all(now.get(k) is v for k, v in before.items())


def install() -> bool:
    """Put the cache between WeasyPrint and its stylesheet class, once per process. False (and
    nothing changed) when WeasyPrint's CSS class no longer takes the arguments used here."""
    if _original_css:
        return True
    import weasyprint
    import weasyprint.css as weasy_css

    original = getattr(weasy_css, "CSS", None)
    if original is not weasyprint.CSS:
        return False
    parameters = inspect.signature(original).parameters
    if not all(name in parameters for name in CSS_ARGUMENTS):
        return False

    _original_css.append(original)
    weasy_css.CSS = _reusable_css
    return True


def _reusable_css(*args: Any, **kwargs: Any) -> Any:
    """What WeasyPrint's stylesheet module calls instead of its CSS class."""
    original = _original_css[0]
    cache = _active.get()
    if cache is None or args:
        return original(*args, **kwargs)
    return cache.css(original, kwargs)

"""What makes a PDF heavy: its embedded images and fonts, biggest first.

A screen PDF over its size budget is reported with the parts worth looking at, so that an
editor knows whether a picture or a font is to blame. pypdf reads the file; it is imported
here only, when a budget is exceeded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Part:
    """One embedded stream: an image or a font program, and its size in the file."""

    kind: str  # "image" or "font"
    name: str
    bytes: int
    detail: str = ""

    def describe(self) -> str:
        detail = f", {self.detail}" if self.detail else ""
        return f"{self.kind} {self.name} ({self.bytes / 1024:.0f} KB{detail})"


def heaviest_parts(pdf: bytes) -> list[Part]:
    """Every image and font stream of a PDF, each counted once, largest first."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    parts: dict[Any, Part] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is not None:
            _collect(resources.get_object(), parts, seen=set())
    return sorted(parts.values(), key=lambda part: (-part.bytes, part.kind, part.name))


def _collect(resources: Any, parts: dict[Any, Part], seen: set) -> None:
    """Images and fonts of a resource dictionary, and of the forms (XObjects) it uses."""
    for name, reference in (resources.get("/XObject") or {}).items():
        key = _key(reference)
        if key in seen:
            continue
        seen.add(key)
        xobject = reference.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image" and key not in parts:
            filters = xobject.get("/Filter")
            filter_name = str(filters[0] if isinstance(filters, list) else filters or "")
            kind = {"/DCTDecode": "JPEG", "/FlateDecode": "Flate"}.get(filter_name, filter_name)
            size = f"{xobject.get('/Width')}×{xobject.get('/Height')} px {kind}".strip()
            parts[key] = Part("image", str(name).lstrip("/"), _length(xobject), size)
        elif subtype == "/Form" and "/Resources" in xobject:
            _collect(xobject["/Resources"].get_object(), parts, seen)
    for reference in (resources.get("/Font") or {}).values():
        font = reference.get_object()
        for descriptor in _descriptors(font):
            for file_key in ("/FontFile", "/FontFile2", "/FontFile3"):
                stream_ref = descriptor.get(file_key)
                if stream_ref is None:
                    continue
                key = _key(stream_ref)
                if key not in parts:
                    base = str(font.get("/BaseFont", "?")).lstrip("/").split("+", 1)[-1].rstrip(",")
                    parts[key] = Part("font", base, _length(stream_ref.get_object()))


def _descriptors(font: Any) -> list[Any]:
    descriptors = []
    if "/FontDescriptor" in font:
        descriptors.append(font["/FontDescriptor"].get_object())
    for descendant in font.get("/DescendantFonts") or []:
        descendant = descendant.get_object()
        if "/FontDescriptor" in descendant:
            descriptors.append(descendant["/FontDescriptor"].get_object())
    return descriptors


def _key(reference: Any) -> Any:
    """An indirect object's number, so that a shared stream is counted once."""
    return getattr(reference, "idnum", None) or id(reference)


def _length(stream: Any) -> int:
    """The stream's size as stored in the file (compressed), not once decoded. pypdf keeps
    the stored bytes in ``_data`` and drops /Length once it has read the stream."""
    raw = getattr(stream, "_data", None)
    if isinstance(raw, bytes | bytearray):
        return len(raw)
    return len(stream.get_data())

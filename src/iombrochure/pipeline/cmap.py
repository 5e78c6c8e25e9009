"""The code points a TrueType/OpenType font maps, read straight from its 'cmap' table.

The renderer checks every edition's text against the bundled fonts. fontTools can answer, but
builds a glyph-name table first; reading the Unicode subtable (format 4 or 12) with ``struct``
takes a tenth of the time. Fonts this reader does not handle (WOFF, collections, other
subtable formats) return None, and the caller asks fontTools.
"""

from __future__ import annotations

import struct
from pathlib import Path

#: Unicode subtables, best first: (platform, encoding, format).
_PREFERENCE = {(3, 10, 12): 0, (0, 4, 12): 1, (0, 6, 12): 1, (3, 1, 4): 2, (0, 3, 4): 3}


def cmap_codepoints(path: Path) -> set[int] | None:
    """Code points mapped to a real glyph (not .notdef), or None if this reader cannot tell."""
    data = path.read_bytes()
    if data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        return None
    try:
        return _read(data)
    except struct.error:  # a truncated or odd table: let fontTools decide
        return None


def _read(data: bytes) -> set[int] | None:
    (tables,) = struct.unpack_from(">H", data, 4)
    for index in range(tables):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if tag == b"cmap":
            break
    else:
        return None
    (count,) = struct.unpack_from(">H", data, offset + 2)
    best: tuple[int, int, int] | None = None
    for index in range(count):
        platform, encoding, sub = struct.unpack_from(">HHI", data, offset + 4 + 8 * index)
        (fmt,) = struct.unpack_from(">H", data, offset + sub)
        rank = _PREFERENCE.get((platform, encoding, fmt))
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, offset + sub, fmt)
    if best is None:
        return None
    _rank, at, fmt = best
    return _format_12(data, at) if fmt == 12 else _format_4(data, at)


def _format_12(data: bytes, at: int) -> set[int]:
    covered: set[int] = set()
    (groups,) = struct.unpack_from(">I", data, at + 12)
    for index in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * index)
        covered.update(range(start + (glyph == 0), end + 1))
    return covered


def _format_4(data: bytes, at: int) -> set[int]:
    covered: set[int] = set()
    (doubled,) = struct.unpack_from(">H", data, at + 6)
    segments = doubled // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + doubled)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 2 * doubled)
    offsets_at = at + 16 + 3 * doubled
    offsets = struct.unpack_from(f">{segments}H", data, offsets_at)
    for index in range(segments):
        for code in range(starts[index], min(ends[index], 0xFFFE) + 1):
            if offsets[index] == 0:
                glyph = (code + deltas[index]) & 0xFFFF
            else:
                where = offsets_at + 2 * index + offsets[index] + 2 * (code - starts[index])
                (glyph,) = struct.unpack_from(">H", data, where)
                if glyph:
                    glyph = (glyph + deltas[index]) & 0xFFFF
            if glyph:
                covered.add(code)
    return covered

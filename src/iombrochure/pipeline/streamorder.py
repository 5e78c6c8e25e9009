"""Right-to-left text drawn in reading order, each glyph where it was: for readers that follow
the content stream.

WeasyPrint draws every line left to right, so a Persian word's glyphs are in the content
stream last letter first. Readers that sort glyphs by their place on the page and reverse
right-to-left runs (poppler, PDFium) read that back as typed; readers that keep the order of
the stream (MuPDF, pdfminer.six, in part pdf.js and PDFBox) give every Persian word reversed.
Here a line that holds right-to-left text is drawn glyph by glyph in logical order: the
glyphs of the line's runs in the order the text was typed, each moved to the very place
WeasyPrint would have drawn it with a position adjustment in the ``TJ`` array. The page shows
the same thing; only the order in which the stream names the glyphs changes.

The positions are those WeasyPrint 70's ``draw_first_line`` writes (the same sums of the
same widths, offsets and kerning it puts in its ``TJ`` arrays), so this module copies its
arithmetic, and hands back to it every line it does not handle: text with an ellipsis, bitmap
and colour fonts (emoji), and lines without a right-to-left run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class _Glyph:
    """One glyph of a line, where WeasyPrint would draw it."""

    font_hash: str
    font_size: float
    glyph: int
    x: float  # the pen, in text space units, when the glyph is shown
    rise: float
    advance: float  # the width the PDF's font gives it, in text space units


def draw_first_line(
    stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, matrix: Any
) -> list[Any] | None:
    """Draw ``textbox``'s line in logical order, or return None (nothing drawn) for a line that
    WeasyPrint's own ``draw_first_line`` should draw."""
    from weasyprint.text.ffi import ffi, pango

    if text_overflow == "ellipsis" or block_ellipsis != "none":
        return None
    if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
        return None
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _ = textbox.pango_layout.get_first_line()
    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        runs.append(run.data)
        run = run.next
    if not any(glyph_item.item.analysis.level % 2 for glyph_item in runs):
        return None
    glyphs = _place_glyphs(stream, textbox, runs)
    if glyphs is None:
        return None
    stream.set_text_matrix(*matrix.values)
    _show(stream, _logical_order(runs, glyphs))
    return []


def _place_glyphs(stream: Any, textbox: Any, runs: list[Any]) -> list[list[_Glyph]] | None:
    """Each run's glyphs (in the order Pango gives them) where WeasyPrint would draw them,
    following ``draw_first_line``'s arithmetic; None for a font this module does not draw."""
    from weasyprint.text.ffi import FROM_UNITS, pango

    placed: list[list[_Glyph]] = []
    pen = 0.0  # text space units from the start of the line
    utf8_text = None
    previous_pango_font = None
    font: Any = None
    font_size = 0.0
    for glyph_item in runs:
        glyph_string = glyph_item.glyphs
        clusters = glyph_string.log_clusters
        num_glyphs = glyph_string.num_glyphs
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)
            if font.bitmap or font.png or font.svg or font.colr:
                return None
            if pango.pango_version() < 14802:
                font_size = textbox.style["font_size"]
        scale = font_size / 1000  # a TJ number, in text space units
        run_glyphs: list[_Glyph] = []
        for index in range(num_glyphs):
            info = glyph_string.glyphs[index]
            glyph_id, width = info.glyph, info.geometry.width
            if glyph_id == pango.PANGO_GLYPH_EMPTY:
                pen += width / font_size * scale
                continue
            if glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                return None  # .notdef: WeasyPrint warns and picks a glyph itself
            if glyph_id not in font.to_unicode:
                offset = glyph_item.item.offset
                start = clusters[index]
                if glyph_item.item.analysis.level % 2:
                    end = glyph_item.item.length if index == 0 else clusters[index - 1]
                else:
                    last = index == num_glyphs - 1
                    end = glyph_item.item.length if last else clusters[index + 1]
                utf8_text = utf8_text or textbox.pango_layout.text.encode()
                font.to_unicode[glyph_id] = utf8_text[offset + start : offset + end].decode()
            x_offset = info.geometry.x_offset / font_size
            rise = info.geometry.y_offset / 1000
            pen += x_offset * scale
            if glyph_id in font.widths:
                logical_width = font.widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect
                )
                logical_width = font.widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size
                )
            glyph = _Glyph(
                font.hash, font_size, glyph_id, pen, -rise if rise else 0.0, logical_width * scale
            )
            run_glyphs.append(glyph)
            pen += logical_width * scale
            kerning = logical_width + x_offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                pen -= int(kerning) * scale
        placed.append(run_glyphs)
    return placed


def _logical_order(runs: list[Any], placed: list[list[_Glyph]]) -> list[_Glyph]:
    """The line's glyphs in the order the text was typed: runs by their place in the text,
    a right-to-left run's glyphs from its last drawn to its first."""
    ordered = sorted(zip(runs, placed, strict=True), key=lambda pair: pair[0].item.offset)
    glyphs: list[_Glyph] = []
    for glyph_item, run_glyphs in ordered:
        glyphs.extend(reversed(run_glyphs) if glyph_item.item.analysis.level % 2 else run_glyphs)
    return glyphs


def _show(stream: Any, glyphs: list[_Glyph]) -> None:
    """Show the glyphs in the given order, each moved to its place by a number in the ``TJ``
    array (a font change or a rise ends the array, as in WeasyPrint's own drawing)."""
    pen, font, rise = 0.0, None, 0.0
    parts: list[str] = []

    def flush() -> None:
        if parts:
            stream.show_text("".join(parts))
            parts.clear()

    for glyph in glyphs:
        if (glyph.font_hash, glyph.font_size) != font:
            flush()
            font = (glyph.font_hash, glyph.font_size)
            stream.set_font_size(glyph.font_hash, glyph.font_size)
        if glyph.rise != rise:
            flush()
            rise = glyph.rise
            stream.set_text_rise(rise)
        move = glyph.x - pen
        if move:
            parts.append(f"{-move * 1000 / glyph.font_size!r}")
        parts.append(f"<{glyph.glyph:04x}>")
        pen = glyph.x + glyph.advance
    flush()
    if rise:
        stream.set_text_rise(0)

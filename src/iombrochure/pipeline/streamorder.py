"""The order in which the content stream draws a right-to-left line's boxes: left to right.

WeasyPrint draws each text box's glyphs left to right (visual order), but the boxes of a line
in the order of the text: in a Persian line, the right-most box first. Readers that take the
stream as visual order and reverse right-to-left runs (PDFium, pdf.js, PDFBox) then read a
line of several boxes in a mixed order, and glue neighbours with no space between them
(«خدماتتدوین», «سیاستخدمات», «۱۹۵۱میلادی»). Drawn left to right, box after box as the glyphs
inside each box already are, the whole line is in visual order, which is what they expect:
they reverse it as one, and see the gap between two boxes as a space.

Only the order of drawing changes: the boxes of a line do not overlap, each is drawn at its
own place as before, and the tag tree keeps the order of the text (``textlayer`` orders
the boxes of an element by their place in the box tree, not by their drawing order).

Hooked WeasyPrint 70 internal: ``weasyprint.draw.draw_inline_level(stream, page, box, offset_x,
text_overflow, block_ellipsis)``, which draws a line box's or inline box's children in the
order of ``box.children``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def draw_inline_level(
    original: Callable[..., Any],
    stream: Any,
    page: Any,
    box: Any,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``original`` (WeasyPrint's draw_inline_level), with the children of a right-to-left
    line box or inline box drawn from left to right."""
    children = visual_order(box, *args, **kwargs)
    if children is None:
        return original(stream, page, box, *args, **kwargs)
    typed = box.children
    box.children = children
    try:
        return original(stream, page, box, *args, **kwargs)
    finally:
        box.children = typed


def visual_order(box: Any, *args: Any, **kwargs: Any) -> list[Any] | None:
    """The children of a right-to-left line or inline box from left to right, or None where
    the order stays (left-to-right boxes, one child, an ellipsis that goes to the last one)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder

    if not isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return None
    children = getattr(box, "children", ())
    if len(children) < 2 or box.style["direction"] != "rtl":
        return None
    ellipsis = kwargs.get("block_ellipsis", args[2] if len(args) > 2 else "none")
    if getattr(box, "block_ellipsis", "none") != "none" or ellipsis != "none":
        return None
    if any(not _placed_in_line(child, boxes, AbsolutePlaceholder) for child in children):
        return None
    return sorted(children, key=lambda child: child.position_x)


def _placed_in_line(child: Any, boxes: Any, placeholder: type) -> bool:
    """Whether a child is an ordinary inline-level box with a place on the line (not a
    stacking context, an absolutely positioned box or a float, which keep their order)."""
    if isinstance(child, placeholder) or not isinstance(child, boxes.Box):
        return False
    if child.style["position"] not in ("static", "relative") or child.style["float"] != "none":
        return False
    return isinstance(child, (boxes.TextBox, boxes.InlineBox, boxes.InlineReplacedBox))

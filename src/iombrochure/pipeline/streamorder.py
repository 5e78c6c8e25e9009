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

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from iombrochure.pipeline.matrices import IDENTITY, multiply


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


# ---- The page's text in the order of the tag tree ---------------------------------------------

#: Operators that only change the graphics state (and the text state, outside a text object).
STATE_OPERATORS = frozenset(
    b"cm w J j M d ri i gs CS cs SC SCN sc scn G g RG rg K k Tc Tw Tz TL Tf Tr Ts".split()
)
PATH_OPERATORS = frozenset(b"m l c v y h re".split())
CLIP_OPERATORS = frozenset(b"W W*".split())
PAINT_OPERATORS = frozenset(b"n f F f* S s B B* b b* sh Do".split())


def _operator(item: Any) -> bytes | None:
    """The operator an item of a pydyf stream ends with (None for an operand: a marked-content
    tag or its property dictionary)."""
    if not isinstance(item, bytes):
        return None
    parts = item.split()
    return parts[-1] if parts else None


def font_set_by(tf: bytes, fonts: dict[str, Any]) -> Any:
    """The WeasyPrint font a ``/name size Tf`` operation sets (None for a name not in
    ``fonts``, WeasyPrint's fonts by resource name)."""
    return fonts.get(tf.split()[0].decode().lstrip("/"))


def text_in_tag_order(
    operations: list[Any],
    place: dict[int, Any],
    boxes: dict[int, Any] | None = None,
    fonts: dict[str, Any] | None = None,
) -> list[Any]:
    """A page's operations with its marked text moved to the end, in the order of ``place``.

    ``place`` maps each MCID of text to a key that sorts it in the order of the tag tree. Each moved sequence
    (``/Span <</MCID n>> BDC ... EMC`` holding text objects) is drawn as it was, inside ``q``
    ... ``Q`` with the graphics state that was in force where it stood (transformations,
    clipping paths, colours); the state it set itself is also left where it stood, for what
    follows. Backgrounds, borders, pictures and artifacts stay where they are, so the page
    looks the same wherever no shape is painted over text (a test renders both and compares).
    Returns ``operations`` unchanged when the page holds anything else.

    Pieces of text that end up side by side on one line with a gap between them and no space
    at either edge (a list item's number and its text, a label and its phone number) get the
    font's space glyph in the gap, drawn at the start of the right one (given ``boxes``, the
    text box of each MCID, and ``fonts``, WeasyPrint's fonts by resource name): a space
    glyph has no outline, so the page does not change, and readers that do not measure gaps
    see a space there."""
    try:
        kept, moved = _split_text(operations, place)
    except ValueError:  # an operator or a structure this reordering does not move safely
        return operations
    if not moved:
        return operations
    tail: list[Any] = []
    previous: list[Any] | None = None
    in_order = sorted(moved, key=lambda entry: entry[0])
    for state, sequence in _left_to_right_on_a_baseline(in_order, boxes or {}):
        if previous is not None and boxes and fonts:
            sequence = _with_space_before(sequence, previous, boxes, fonts)
        tail += [b"q", *state, *sequence, b"Q"]
        previous = sequence
    return kept + tail


def _with_space_before(
    sequence: list[Any], previous: list[Any], boxes: dict[int, Any], fonts: dict[str, Any]
) -> list[Any]:
    """``sequence`` with a space glyph drawn just left of its first glyph, where the text
    before it in the stream ends on the same line, left of it, with a visible gap and no space
    between them."""
    left, right = boxes.get(_mcid(previous)), boxes.get(_mcid(sequence))
    if left is None or right is None or not _same_line(left, right):
        return sequence
    if "ActualText" in sequence[1]:  # readers that take its text would drop the space
        return sequence
    size = right.style["font_size"]
    gap = right.position_x - (left.position_x + left.width)
    if gap <= 0.15 * size or any(
        text[:1].isspace() or text[-1:].isspace() for text in (left.text, right.text)
    ):
        return sequence
    for position, item in enumerate(sequence):
        operator = _operator(item)
        if operator == b"Tf":
            font = font_set_by(item, fonts)
        elif operator == b"TJ":
            space = _space_glyph(font)
            if space is None or font.widths[space] * size / 1000 > gap:
                return sequence
            # Move left by the space's width, show it (which moves back), then the glyphs.
            shown = b"[" + f"{font.widths[space]}<{space:04x}>".encode() + item[1:]
            return [*sequence[:position], shown, *sequence[position + 1 :]]
    return sequence


TJ_TOKEN_RE = re.compile(rb"<([0-9a-fA-F]*)>|[^<]+")


def fence_left_to_right_runs(operations: list[Any], fonts: dict[str, Any]) -> list[Any]:
    """A right-to-left page's operations with the font's zero-width RLM glyph drawn between a
    space and the left-to-right run (Latin, digits) beside it, where a right-to-left word is on
    the space's other side («سال ۱۹۵۱ میلادی»).

    poppler writes a right-to-left line's left-to-right runs inside LRE … PDF and takes the
    neutral characters next to a run (the space on its left, the space and comma on its
    right) into the run, so the space that parts «۱۹۵۱» from «میلادی» comes out on the wrong
    side and a search index reads «۱۹۵۱میلادی». A right-to-left mark there ends the run where
    the digits do. The glyph has no outline and no advance, so the page does not change, and
    pdf.js skips format characters. The glyphs of the page are taken in the order they are
    drawn (left to right within a line: see ``text_in_tag_order``), so a space drawn in one
    ``TJ`` and a run drawn in the next count as neighbours. Fonts without the glyph
    (``textlayer._register_rlm_glyphs`` names it) are left as they are."""
    shown: dict[int, tuple[Any, list[bytes]]] = {}  # operation index -> (font, its tokens)
    glyphs: list[tuple[int, int, int, str | None]] = []  # (operation, token, offset, kind)
    font = None
    for index, item in enumerate(operations):
        operator = _operator(item)
        if operator == b"Tf":
            font = font_set_by(item, fonts)
        elif operator == b"TJ" and font is not None:
            body = item[item.index(b"[") + 1 : item.rindex(b"]")]
            tokens = [match.group(0) for match in TJ_TOKEN_RE.finditer(body)]
            shown[index] = (font, tokens)
            for token_index, token in enumerate(tokens):
                for offset in range(1, len(token) - 1, 4) if token.startswith(b"<") else ():
                    text = font.to_unicode.get(int(token[offset : offset + 4], 16), "")
                    glyphs.append((index, token_index, offset, _direction(text)))
    kinds = [kind for *_, kind in glyphs]
    inserts: dict[tuple[int, int], list[int]] = {}
    for position, (index, token_index, offset, kind) in enumerate(glyphs):
        if kind != "space" or getattr(shown[index][0], "iombrochure_rlm_glyph", None) is None:
            continue
        (left, before), (right, after) = _strong(kinds, position, -1), _strong(kinds, position, 1)
        # The mark goes on the run's side of the space, where the run is drawn by the same TJ
        # (a run in another font, an amount beside its currency sign, is left as it is: poppler
        # then parted the first digit from the others).
        if (left, right) == ("rtl", "ltr") and glyphs[after][0] == index:
            inserts.setdefault((index, token_index), []).append(offset + 4)
        elif (left, right) == ("ltr", "rtl") and glyphs[before][0] == index:
            inserts.setdefault((index, token_index), []).append(offset)
    fenced = list(operations)
    for index in sorted({index for index, _ in inserts}):
        font, tokens = shown[index]
        mark = f"{font.iombrochure_rlm_glyph:04x}".encode()
        tokens = list(tokens)
        for token_index, token in enumerate(tokens):
            for place in sorted(inserts.get((index, token_index), ()), reverse=True):
                token = token[:place] + mark + token[place:]
            tokens[token_index] = token
        item = operations[index]
        fenced[index] = item[: item.index(b"[") + 1] + b"".join(tokens) + item[item.rindex(b"]") :]
    return fenced


def _direction(text: str) -> str | None:
    """A glyph's direction: "space", "rtl" (an Arabic-script letter), "ltr" (a Latin letter or
    a digit, which poppler writes left to right) or None (punctuation, marks: neutral)."""
    if text == " ":
        return "space"
    if not text:
        return None
    kind = unicodedata.bidirectional(text[0])
    if kind in ("R", "AL"):
        return "rtl"
    if kind in ("L", "EN", "AN"):
        return "ltr"
    return None


def _strong(kinds: list[str | None], index: int, step: int) -> tuple[str | None, int]:
    """The first direction from ``index`` (excluded) in ``step``'s way, past neutrals, and
    where it is."""
    index += step
    while 0 <= index < len(kinds) and kinds[index] is None:
        index += step
    return (kinds[index], index) if 0 <= index < len(kinds) else (None, index)


def _same_line(left: Any, right: Any) -> bool:
    """Whether two text boxes are side by side, the first on the left (their heights overlap)."""
    return _overlap(left, right) > 0 and left.position_x < right.position_x


def _overlap(box: Any, other: Any) -> float:
    """How far two boxes' heights overlap (negative: the gap between them)."""
    top = max(box.position_y, other.position_y)
    bottom = min(box.position_y + box.height, other.position_y + other.height)
    return bottom - top


def _space_glyph(font: Any) -> int | None:
    """The glyph a font draws for a space (one the document already uses, so that it is in
    the embedded subset and its character map)."""
    if font is None:
        return None
    for glyph, text in font.to_unicode.items():
        if text == " " and glyph in font.widths:
            return glyph
    return None


def _left_to_right_on_a_baseline(
    moved: list[tuple[Any, list[Any], list[Any]]], boxes: dict[int, Any]
) -> list[tuple[list[Any], list[Any]]]:
    """Sequences that follow each other on one line (a list item's number, a float, a flex
    item, and the line beside it) from left to right: the line is then in visual order, as
    each box's glyphs are, and readers that reverse right-to-left text see the gap between
    them. One line: their text boxes overlap by half the height of the taller one, or
    (without boxes) their baselines are close.

    Pieces side by side in several lines (a row of list items or cells, each of one or more
    lines, beside a taller number) are drawn line by line, each line from left to right: a
    reader that follows the stream then meets each line once, rather than a cell's second
    line between the first lines of the next cells, where it glued words across the gap."""
    ordered: list[tuple[list[Any], list[Any]]] = []
    group: list[tuple[float, float, float, list[Any], list[Any]]] = []
    band: list[tuple[Any, tuple[float, float, float] | None]] = []
    for _, state, sequence in moved:
        origin = _text_origin(state, sequence)
        if origin is None and not _shows_text(sequence):  # an empty box: it goes along
            group.append((*(group[-1][:3] if group else (0.0, 0.0, 0.0)), state, sequence))
            continue
        here = (boxes.get(_mcid(sequence)), origin)
        if group and (origin is None or not any(_one_line(here, other) for other in band)):
            ordered += _line_by_line(group)
            group, band = [], []
        group.append((*(origin or (0.0, 0.0, 0.0)), state, sequence))
        band.append(here)
    ordered += _line_by_line(group)
    return ordered


def _line_by_line(
    group: list[tuple[float, float, float, list[Any], list[Any]]],
) -> list[tuple[list[Any], list[Any]]]:
    """A group's pieces line by line, in the order the text meets the lines, each line from
    left to right; pieces whose baselines are within half the smaller font size of a line's
    first piece are on that line."""
    lines: list[tuple[float, float]] = []  # (baseline, font size) of each line's first piece
    line_of: list[int] = []
    for _, baseline, size, _, _ in group:
        for index, (first, first_size) in enumerate(lines):
            if abs(baseline - first) <= min(size, first_size) / 2:
                line_of.append(index)
                break
        else:
            lines.append((baseline, size))
            line_of.append(len(lines) - 1)
    # Lines in the order the text meets them (its first line first), each left to right.
    order = sorted(range(len(group)), key=lambda i: (line_of[i], group[i][0]))
    return [(group[i][3], group[i][4]) for i in order]


def _mcid(sequence: list[Any]) -> Any:
    properties = sequence[1]
    return properties.get("MCID") if hasattr(properties, "get") else None


def _one_line(here: tuple[Any, Any], before: tuple[Any, Any]) -> bool:
    """Whether two pieces of text (each as its text box and its origin: x, baseline, font
    size) stand on one line."""
    (box, origin), (other_box, other_origin) = here, before
    if box is not None and other_box is not None:
        return _overlap(box, other_box) >= max(box.height, other_box.height) / 2
    if origin is None or other_origin is None:
        return False
    return abs(origin[1] - other_origin[1]) < min(origin[2], other_origin[2]) / 3


def _shows_text(sequence: list[Any]) -> bool:
    return any(_operator(item) in (b"TJ", b"Tj") for item in sequence)


def _text_origin(state: list[Any], sequence: list[Any]) -> tuple[float, float, float] | None:
    """Where on the page a sequence's first text object starts, and its font size there (x,
    baseline, size), if it is not rotated."""
    matrix = IDENTITY
    for item in state:
        if _operator(item) == b"cm":
            matrix = multiply(tuple(float(value) for value in item.split()[:6]), matrix)
    text_matrix, size = None, None
    for item in sequence:
        if _operator(item) == b"Tm" and text_matrix is None:
            text_matrix = multiply(tuple(float(v) for v in item.split()[:6]), matrix)
        elif _operator(item) == b"Tf" and size is None:
            size = abs(float(item.split()[-2]))
    if text_matrix is None or size is None:
        return None
    a, b, c, d, e, f = text_matrix
    return (e, f, size * abs(d)) if (b, c) == (0, 0) and a > 0 else None


def _split_text(
    operations: list[Any], place: dict[int, Any]
) -> tuple[list[Any], list[tuple[Any, list[Any], list[Any]]]]:
    frames: list[list[Any]] = [[]]  # the state operations of each open q ... Q, outermost first
    path: list[Any] = []
    kept: list[Any] = []
    moved: list[tuple[Any, list[Any], list[Any]]] = []
    index, outermost = 0, 0
    while index < len(operations):
        item = operations[index]
        operator = _operator(item)
        if (
            isinstance(item, str)
            and operations[index + 1 : index + 3]
            and _is_text_mark(operations, index, place)
        ):
            end = end_of_marked(operations, index)
            sequence = operations[index : end + 1]
            # Drawn at the end of the page, at the outermost level, where the outermost state
            # is in force: the state of the frames inside it is set again.
            state = [op for frame in frames[1:] for op in frame]
            outermost = len(frames[0])
            inner_state = _state_in(sequence)
            moved.append((place[operations[index + 1]["MCID"]], state, sequence))
            kept += inner_state
            frames[-1] += inner_state
            index = end + 1
            continue
        kept.append(item)
        index += 1
        if operator is None or operator in (b"BDC", b"BMC", b"EMC"):
            continue
        if operator == b"q":
            frames.append([])
        elif operator == b"Q":
            if len(frames) < 2:
                raise ValueError("Q without q")
            frames.pop()
        elif operator in STATE_OPERATORS:
            frames[-1].append(item)
        elif operator in PATH_OPERATORS or operator in CLIP_OPERATORS:
            path.append(item)
        elif operator in PAINT_OPERATORS:
            if operator == b"n" and any(_operator(op) in CLIP_OPERATORS for op in path):
                frames[-1] += [*path, item]
            path = []
        elif operator == b"BT":
            end = _index_of(operations, b"ET", index)
            _check_text_object(operations[index + 1 : end])
            kept += operations[index : end + 1]
            index = end + 1
        else:
            raise ValueError("an operator this module does not move text across")
    if len(frames) != 1 or path or (moved and len(frames[0]) != outermost):
        raise ValueError("the outermost state changed after a moved sequence")
    return kept, moved


def _is_text_mark(operations: list[Any], index: int, place: dict[int, Any]) -> bool:
    """Whether a marked-content sequence starts at ``index`` that holds text to move."""
    tag, properties = operations[index], operations[index + 1]
    if tag == "/Artifact" or _operator(operations[index + 2]) != b"BDC":
        return False
    mcid = properties.get("MCID") if hasattr(properties, "get") else None
    if mcid not in place:
        return False
    end = end_of_marked(operations, index)
    inner = operations[index + 3 : end]
    has_text, position = False, 0
    while position < len(inner):
        operator = _operator(inner[position])
        if operator == b"BT":
            end = _index_of(inner, b"ET", position)
            _check_text_object(inner[position + 1 : end])
            has_text, position = True, end + 1
            continue
        if operator not in STATE_OPERATORS:
            return False
        position += 1
    return has_text


def _check_text_object(inner: list[Any]) -> None:
    """A text object that sets its own font and leaves no text state behind (as WeasyPrint
    draws them): one that does not could lean on, or leave, state that moving text changes."""
    font_set, rise = False, b"0"
    for item in inner:
        operator = _operator(item)
        if operator == b"Tf":
            font_set = True
        elif operator == b"Ts":
            rise = item.split()[0]
        elif operator in (b"TJ", b"Tj"):
            if not font_set:
                raise ValueError("text shown before a font is set")
        elif operator not in (b"Tm", b"Td", b"TD", b"T*"):
            raise ValueError("a text object with other text state")
    if float(rise) != 0:
        raise ValueError("a text rise left after the text object")


def end_of_marked(operations: list[Any], index: int) -> int:
    """Where the marked-content sequence that begins at ``index`` ends (its ``EMC``); raises
    ValueError when it does not end."""
    depth = 0
    for position in range(index, len(operations)):
        operator = _operator(operations[position])
        if operator in (b"BDC", b"BMC"):
            depth += 1
        elif operator == b"EMC":
            depth -= 1
            if depth == 0:
                return position
    raise ValueError("marked content that does not end")


def _index_of(operations: list[Any], wanted: bytes, start: int) -> int:
    for position in range(start, len(operations)):
        if _operator(operations[position]) == wanted:
            return position
    raise ValueError("a text object that does not end")


def _state_in(sequence: list[Any]) -> list[Any]:
    """The state operations a marked sequence makes outside its text objects."""
    found, in_text = [], False
    for item in sequence:
        operator = _operator(item)
        if operator == b"BT":
            in_text = True
        elif operator == b"ET":
            in_text = False
        elif not in_text and operator in STATE_OPERATORS:
            found.append(item)
    return found

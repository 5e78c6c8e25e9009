"""The tag tree's shape: one structure element per thing the HTML typed, owning its content.

WeasyPrint 70 makes a structure element for every box it lays out, which is not what the
HTML says in four ways, all fixed here, around the text layer's hooks (pipeline/textlayer.py)
and without changing a pixel:

1. **Decoration is not content.** Text a style sheet adds with ``::before`` / ``::after`` and
   no letter or digit in it (the «·» between the topics of a list), and a separator alone in
   its element (``<span class="sep">·</span>``), is drawn as a ``/Layout`` artifact and makes
   no element; a pseudo-element that draws no text (a timeline's dot) and
   an element that holds nothing to read (an empty ``<div>`` painting a background) make no
   element either, so the tree has no ``/K []``.
2. **A list is its typed items.** A list laid out as a table (``display: table``) gets one
   box per table part, each of which became a nested ``L``: the list keeps one ``L``. An item
   laid out inline (``display: inline``) that wraps onto the next line is one box per line,
   each of which became an item: the fragments of one ``<li>`` make one ``LI``.
3. **Header cells say what they head.** ``TH`` gets ``/Scope`` (``/Row``, ``/Column``) in its
   ``/Table`` attributes, from the HTML's ``scope`` attribute.
4. **Every element owns its content.** A text box that holds runs of two languages (a Latin
   name in Persian text) becomes one ``/Span`` per run; the marked content of the box is cut
   at the same glyphs, so that each run's span owns (as an MCID) the glyphs it stands for.
   The cut only splits the text-showing operator between two glyphs: nothing moves.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from iombrochure.pipeline.scripts import LATIN_LETTER_RE, is_arabic_letter
from iombrochure.pipeline.streamorder import end_of_marked, font_set_by

#: Scope of a header cell, from the HTML ``scope`` attribute (no attribute: WeasyPrint links
#: the cell to its column, so it heads a column).
SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column", "": "/Column"}
PSEUDO_ELEMENT = re.compile(r"::?(before|after)$")
#: Characters set between items only to part them: alone in a text box, they are decoration.
SEPARATORS = "·|•∙⋅‧"
#: An artifact's properties for decoration (as opposed to the running footer's pagination).
LAYOUT_ARTIFACT = {"Type": "/Layout"}


# ---- While laying out the tree: which boxes make elements ----------------------------------------


def decoration_boxes(page_box: Any) -> Iterator[Any]:
    """The text boxes of a page that are decoration: ``::before`` and ``::after`` content with
    no letter or digit, and a text box that is nothing but a separator («·», «|»)."""
    from weasyprint.formatting_structure import boxes

    for box in descendants(page_box):
        if _is_pseudo_element(box):
            texts = [b for b in descendants(box) if isinstance(b, boxes.TextBox)]
            if not any(_has_words(text.text) for text in texts):
                yield from texts
        elif (
            isinstance(box, boxes.TextBox)
            and _is_separator(box.text)
            and not (box.element_tag or "").endswith("::marker")  # a bullet labels its item
        ):
            yield box


def _is_separator(text: str) -> bool:
    text = text.replace("\u00a0", " ").strip()
    return bool(text) and all(char in SEPARATORS for char in text)


def shape(box: Any, is_artifact: Any) -> Any | None:
    """The box WeasyPrint should build an element from (``box`` itself, or a copy whose
    children are regrouped), or None when the box should make no element at all.

    ``is_artifact(text_box)`` tells the text boxes drawn as artifacts, which own no element."""
    from weasyprint.formatting_structure import boxes

    inner = getattr(box, "_box", box)  # an absolutely placed box's placeholder
    if isinstance(inner, boxes.PageBox) or inner.element_tag in ("html", "body"):
        return box
    if not _holds_content(inner, is_artifact):
        return None
    children = _flatten_list(inner) if _list_tag(inner) else None
    regrouped = _merge_item_fragments(children if children is not None else inner.children)
    if children is None and regrouped is None:
        return box
    copy = inner.copy()
    copy.children = regrouped if regrouped is not None else children
    return copy


def scope(box: Any, element: Any) -> None:
    """Give a ``TH`` element built from ``box`` the scope its HTML cell declares."""
    import pydyf

    if element.get("S") != "/TH" or getattr(box, "element", None) is None:
        return
    declared = (box.element.attrib.get("scope") or "").strip().lower()
    attributes = element.get("A")
    if attributes is None:
        attributes = element["A"] = pydyf.Dictionary({"O": "/Table"})
    attributes["Scope"] = SCOPES.get(declared, "/Column")


#: After a typed hyphen that ends a line: tells extractors the line broke after a hyphen that
#: belongs to the word (they drop a line-end U+002D as if a soft hyphen's, or mark it U+FFFE).
ZWSP = "\u200b"
SOFT_HYPHEN = "\u00ad"


def added_hyphen(box: Any) -> str:
    """The hyphen WeasyPrint drew at the end of a text box because it broke a word there (at a
    soft hyphen, or by ``hyphens: auto``), which the HTML does not have; '' when there is none."""
    character = box.style["hyphenate_character"]
    text = box.text
    if not character or not text.endswith(character):
        return ""
    before = text[: -len(character)]
    if before.endswith(SOFT_HYPHEN) or (box.style["hyphens"] == "auto" and before[-1:].isalpha()):
        return character
    return ""


def typed_text(box: Any) -> str:
    """A text box's text as typed: without the hyphen a hyphenation break added."""
    added = added_hyphen(box)
    return box.text[: -len(added)] if added else box.text


def ends_with_typed_hyphen(box: Any) -> bool:
    """Whether a text box that ends a line ends with a hyphen typed in the word (third-|country).

    Left-to-right text only: extractors reorder right-to-left text, ActualText included, and
    Persian does not break words at a hyphen."""
    return (
        box.text.endswith("-")
        and not added_hyphen(box)
        and not any(unicodedata.bidirectional(char) in ("R", "AL") for char in box.text)
    )


def _is_pseudo_element(box: Any) -> bool:
    return bool(PSEUDO_ELEMENT.search(getattr(box, "element_tag", None) or ""))


def _has_words(text: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def _holds_content(box: Any, is_artifact: Any) -> bool:
    """Whether anything under ``box`` is tagged content: text a reader gets, a picture, a link."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return not is_artifact(box)
    if isinstance(box, boxes.ReplacedBox) or box.link_annotation or box.widget_annotation:
        return True
    if isinstance(box, boxes.MarginBox):
        return False
    return any(
        _holds_content(getattr(child, "_box", child), is_artifact)
        for child in getattr(box, "children", ())
    )


def _list_tag(box: Any) -> bool:
    return box.element_tag in ("ul", "ol", "dl")


def _flatten_list(box: Any) -> list[Any] | None:
    """The children of a list whose parts are boxes of the list element itself (the table
    wrapper, table, row group and row of ``display: table``): those parts' children, so that
    the list makes one ``L``; None when the list has no such parts."""
    from weasyprint.formatting_structure import boxes

    flattened: list[Any] = []
    found = False
    for child in box.children:
        if (
            not isinstance(child, boxes.LineBox | boxes.TextBox)
            and getattr(child, "element", None) is box.element
            and child.element_tag == box.element_tag
        ):
            found = True
            flattened.extend(_flatten_list(child) or child.children)
        else:
            flattened.append(child)
    return flattened if found else None


def _merge_item_fragments(children: list[Any]) -> list[Any] | None:
    """The children with the line boxes opened and the fragments of each inline ``<li>`` (one
    per line it wraps onto) joined into one box; None when no item wraps."""
    from weasyprint.formatting_structure import boxes

    flat: list[Any] = []
    for child in children:
        flat.extend(child.children if isinstance(child, boxes.LineBox) else [child])
    merged: list[Any] = []
    copies: set[int] = set()  # the joined boxes made here (the page's boxes stay as they are)
    for child in flat:
        previous = merged[-1] if merged else None
        if (
            isinstance(child, boxes.InlineBox)
            and isinstance(previous, boxes.InlineBox)
            and child.element_tag == "li"
            and child.element is previous.element
        ):
            if id(previous) not in copies:
                previous = merged[-1] = previous.copy()
                previous.children = list(previous.children)
                copies.add(id(previous))
            previous.children.extend(child.children)
        else:
            merged.append(child)
    joined = bool(copies)
    return merged if joined else None


def descendants(box: Any) -> Iterator[Any]:
    """Every box under ``box``, depth first, in the order of the box tree."""
    for child in getattr(box, "children", ()):
        yield child
        yield from descendants(child)


# ---- After the tree is built: each language run owns its glyphs --------------------------------


@dataclass
class LanguageSplit:
    """A span whose text box holds several language runs, now one child span per run."""

    page: int
    mcid: int
    children: list[Any]  # the child elements, in the order of the runs
    texts: list[str]  # each run's text
    kinds: list[bool]  # per run: whether it is in the other script (Latin in Persian text)


def own_runs(
    pdf: Any,
    page_streams: list[Any],
    splits: list[LanguageSplit],
    fonts: dict[str, Any],
    other_is_latin: bool,
) -> int:
    """Cut the marked content of each split span at its runs' glyphs, each piece with its own
    MCID owned by its run's span. ``fonts``: WeasyPrint's fonts by resource name (their
    ``hash``). ``other_is_latin``: the other script is Latin (a
    right-to-left edition), not Arabic (a left-to-right one). Returns how many spans could not be cut (their runs keep
    their ActualText, the first run owning the whole content)."""
    import pydyf

    root = resolve(pdf, pdf.catalog["StructTreeRoot"])
    numbers = resolve(pdf, root["ParentTree"])["Nums"]
    left = 0
    for split in splits:
        references = numbers[2 * split.page + 1]

        def allocate(references: Any = references) -> int:
            references.append(None)  # set below, to the span that owns the piece
            return len(references) - 1

        pieces = _cut_marked_content(
            page_streams[split.page], split, fonts, other_is_latin, allocate
        )
        if pieces is None:
            left += 1
            continue
        for run, mcid in pieces:
            child = split.children[run]
            child["K"] = pydyf.Array([mcid])
            references[mcid] = child.reference
    return left


def resolve(pdf: Any, reference: Any) -> Any:
    """The object an indirect reference (pydyf's ``b"n 0 R"``) names, or the object itself."""
    if isinstance(reference, bytes):
        return pdf.objects[int(reference.split()[0])]
    return reference


#: The items of a ``TJ`` array: a hex string of glyph ids, or a number (a position change).
TJ_ITEM = re.compile(rb"<([0-9a-fA-F]*)>|(-?[0-9.]+)")


@dataclass
class _Glyph:
    show: int  # index of its text-showing operator in the marked content
    text: str  # the characters it stands for (its ToUnicode)
    other: bool | None  # of the other script (True), the edition's (False), neutral (None)


def _cut_marked_content(
    stream: Any, split: LanguageSplit, fonts: dict[str, Any], other_is_latin: bool, allocate: Any
) -> list[tuple[int, int]] | None:
    """Rewrite the marked content of ``split.mcid`` in ``stream`` as one sequence per run:
    (run index, MCID) per piece, or None (stream unchanged) when the glyphs cannot be matched
    to the runs one to one."""
    import pydyf

    ops = stream.stream
    start = _find_mcid(ops, split.mcid)
    if start is None:
        return None
    try:
        end = end_of_marked(ops, start)
    except ValueError:
        return None
    body = ops[start + 3 : end]
    shows = [i for i, op in enumerate(body) if isinstance(op, bytes) and op.endswith(b"] TJ")]
    between = body[shows[0] : shows[-1]] if shows else []
    if not shows or any(op in (b"BT", b"ET", b"BDC", b"BMC", b"EMC") for op in between):
        return None
    glyphs = _glyphs(body, shows, fonts, other_is_latin)
    if glyphs is None:
        return None
    segments = _segments(glyphs)
    order = _run_order(segments, glyphs, split)
    if order is None:
        return None
    pieces = _split_body(body, shows, _cut_points(segments))
    rebuilt: list[Any] = list(body[: shows[0]])
    result = []
    for number, piece in enumerate(pieces):
        mcid = split.mcid if number == 0 else allocate()
        properties = ops[start + 1] if number == 0 else pydyf.Dictionary({"MCID": mcid})
        rebuilt += [ops[start], properties, b"BDC", *piece, b"EMC"]
        result.append((order[number], mcid))
    rebuilt += body[shows[-1] + 1 :]
    ops[start : end + 1] = rebuilt
    return result


def _find_mcid(ops: list[Any], mcid: int) -> int | None:
    """Where the marked content with ``mcid`` begins (its tag) in a page's operators."""
    for index in range(1, len(ops) - 1):
        op = ops[index]
        if isinstance(op, dict) and op.get("MCID") == mcid and ops[index + 1] == b"BDC":
            return index - 1
    return None


def _glyphs(
    body: list[Any], shows: list[int], fonts: dict[str, Any], other_is_latin: bool
) -> list[_Glyph] | None:
    """The glyphs the marked content draws, in stream order, with their characters."""
    font = None
    found = []
    for index, op in enumerate(body):
        if isinstance(op, bytes) and op.endswith(b" Tf"):
            font = font_set_by(op, fonts)
        if index not in shows:
            continue
        if font is None or font.bitmap:
            return None
        for match in TJ_ITEM.finditer(op[1 : -len(b"] TJ")]):
            digits = match[1] or b""
            if len(digits) % 4:
                return None
            for at in range(0, len(digits), 4):
                text = font.to_unicode.get(int(digits[at : at + 4], 16), "")
                found.append(_Glyph(index, text, _script(text, other_is_latin)))
    return found


def _script(text: str, other_is_latin: bool) -> bool | None:
    """True for a glyph of the other script (Latin in right-to-left text, Arabic in
    left-to-right text), False for a letter or digit of the edition's, None for neutrals."""
    for char in text:
        latin = bool(LATIN_LETTER_RE.match(char))
        arabic = is_arabic_letter(char)
        if latin or arabic:
            return latin if other_is_latin else arabic
        if unicodedata.category(char)[0] == "L" or "\u0660" <= char <= "\u06f9":
            return False  # a letter of a third script, or Arabic-script digits
    return None  # spaces, punctuation, Latin digits (read in either script's runs)


def _segments(glyphs: list[_Glyph]) -> list[tuple[bool, int, int]]:
    """Stretches of glyphs of one script, neutrals aside: (other?, first glyph, last glyph)."""
    segments: list[list[Any]] = []
    for position, glyph in enumerate(glyphs):
        if glyph.other is None:
            continue
        if segments and segments[-1][0] == glyph.other:
            segments[-1][2] = position
        else:
            segments.append([glyph.other, position, position])
    return [(kind, first, last) for kind, first, last in segments]


def _run_order(
    segments: list[tuple[bool, int, int]], glyphs: list[_Glyph], split: LanguageSplit
) -> list[int] | None:
    """Which run each stretch of glyphs stands for: in typed order, or reversed (a
    right-to-left line drawn left to right), whichever matches the runs' scripts and letters."""
    kinds = [kind for kind, _, _ in segments]
    runs = range(len(split.kinds))
    candidates = [
        order
        for order in (list(runs), list(runs)[::-1])
        if kinds == [split.kinds[run] for run in order]
    ]
    if not candidates:
        return None

    def letters_in_common(order: list[int]) -> int:
        common = 0
        for (_, first, last), run in zip(segments, order, strict=True):
            drawn = Counter("".join(glyph.text for glyph in glyphs[first : last + 1]))
            common += sum((drawn & Counter(split.texts[run])).values())
        return common

    return max(candidates, key=letters_in_common)


def _cut_points(segments: list[tuple[bool, int, int]]) -> list[int]:
    """Glyph positions where a new piece starts: at the edges of the edition's script, so that
    the spaces and brackets around a run of the other script («(IOM)») are drawn with it.
    Viewers that read each piece on its own (pdf.js) then keep a space between the words."""
    return [
        before[2] + 1 if after[0] else after[1]
        for before, after in zip(segments, segments[1:], strict=False)
    ]


def _split_body(body: list[Any], shows: list[int], cuts: list[int]) -> list[list[Any]]:
    """The operators from the first text-showing one to the last, cut into pieces before the
    glyphs at ``cuts`` (counted over all the text-showing operators). A ``TJ`` array is cut
    between two glyphs, each part its own ``TJ``: the second starts where the first ends."""
    pieces: list[list[Any]] = [[]]
    glyph = 0
    pending = list(cuts)
    for index in range(shows[0], shows[-1] + 1):
        op = body[index]
        if index not in shows:
            pieces[-1].append(op)
            continue
        current = b""
        for match in TJ_ITEM.finditer(op[1 : -len(b"] TJ")]):
            digits = match[1]
            if not digits:  # a number, or an empty glyph string
                current += match[0]
                continue
            chunk = b""
            for at in range(0, len(digits), 4):
                if pending and glyph == pending[0]:
                    pending.pop(0)
                    if chunk:
                        current += b"<" + chunk + b">"
                        chunk = b""
                    if current:
                        pieces[-1].append(b"[" + current + b"] TJ")
                    current = b""
                    pieces.append([])
                chunk += digits[at : at + 4]
                glyph += 1
            current += b"<" + chunk + b">"
        if current:
            pieces[-1].append(b"[" + current + b"] TJ")
    return pieces

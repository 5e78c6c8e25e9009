"""The PDF's text layer: what screen readers, copy and search get back from a page.

WeasyPrint draws glyphs in visual order and tags each drawn text box as a ``/Span``. That
loses what a Persian reader typed: extractors reverse each right-to-left run (so the lam-alef
ligature «لا» comes back as «ال»), the zero-width non-joiner has no glyph, Latin words carry the
page's language, and the running footer is tagged under elements no reader can reach. This
module corrects that, around one ``write_pdf`` call, without changing a pixel:

1. **Structure tree.** Every structure element that owns drawn text (a ``/Span`` per text box,
   a ``/Link``) gets ``/ActualText``: the box's logical text as typed (ZWNJ and lam-alef
   included, bidi isolates removed, a space at the end of each line). A screen reader walks
   this tree, so it announces exactly the words of the HTML.
2. **Languages.** Latin runs inside right-to-left text (as ``scripts.LATIN_RUN_RE`` finds them,
   accented names included), and Arabic-script runs inside left-to-right text, become child
   ``/Span`` elements with their own ``/Lang`` and ``/ActualText``. The marked content stays
   whole (one text box is drawn as one sequence, and splitting it would change the layout), and
   belongs to the first child. The document's ``/Lang`` stays the edition's.
3. **Artifacts.** Text in page margin boxes (running footer, page counter) is drawn as a
   ``/Artifact`` of type ``/Pagination`` instead of orphaned ``/NonStruct`` elements.
4. **Ligatures for copy and search.** A glyph standing for several Arabic-script characters (the
   lam-alef) gets its characters in reverse order in the font's ``/ToUnicode``: extractors
   reverse right-to-left runs character by character, which puts them back in typed order.
5. **ZWNJ for copy and search.** Pango gives a ZWNJ an empty glyph, which leaves no character;
   it is drawn as the font's own ZWNJ glyph instead (no outline, no advance), mapped to U+200C.
6. **Right-to-left lines drawn left to right.** The boxes of a Persian line are drawn from left
   to right, as the glyphs inside each box are (``streamorder``): readers that take the stream
   as visual order and reverse it then read the line whole, with a space between two boxes.
7. **Left-to-right islands.** A text box that is nothing but one isolated left-to-right run (a
   phone number, an e-mail address, a URL) gets marked-content ``/ActualText``: LRM, the run as
   typed, LRM. PDFium then keeps it in typed order beside its Persian label.
8. **Structure.** The tag tree takes the shape of the HTML (``pipeline/tagtree.py``): no empty
   elements, decoration drawn as artifacts, one ``L`` per list and one ``LI`` per typed item,
   ``TH`` with ``/Scope``, each language run's span owning its glyphs, hyphens as typed.

docs/accessibility.md has what each part gained, measured with poppler and PDFium.

Hooked WeasyPrint 70 internals (``check_internals`` names the one that changed, and
``pyproject.toml`` pins ``weasyprint>=70,<71``):

- ``weasyprint.pdf.stream.Stream.marked(box, tag)``: opens marked content for each text box;
- ``weasyprint.pdf.add_tags(pdf, document, pdf_version, page_streams)``: builds the tag tree from
  ``stream._tags`` (box -> MCID) and ``pdf.catalog['StructTreeRoot']['ParentTree']``;
- ``weasyprint.pdf.tags._build_box_tree(box, parent, ...)``: walks boxes, margin boxes included;
- ``weasyprint.pdf.build_fonts_dictionary(pdf, fonts, ...)``: writes each font's ``to_unicode``;
- ``weasyprint.draw.draw_inline_level(stream, page, box, ...)``: draws a line's children in the
  order of ``box.children`` (see ``streamorder``);
- ``weasyprint.draw.text.draw_first_line(stream, textbox, ...)``: draws the glyphs Pango shaped
  (``PangoGlyphString``; an empty glyph is ``PANGO_GLYPH_EMPTY``), fonts from
  ``Stream.add_font`` (``Font.file_content``, ``Font.index``).

The patches are installed once per process and do nothing outside :func:`text_layer`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from iombrochure.errors import RenderError
from iombrochure.pipeline import streamorder, tagtree
from iombrochure.pipeline.scripts import (
    LATIN_LETTER_RE,
    LATIN_LETTERS,
    LATIN_RUN_RE,
    is_arabic_letter,
)

LRI, PDI, LRM, RLM, ZWNJ = "\u2066", "\u2069", "\u200e", "\u200f", "\u200c"
ZWNJ_UTF8 = ZWNJ.encode()
#: Directional controls the pipeline adds around runs: layout aids, not words to announce.
BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
ARABIC_LETTERS = "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
#: A Persian run inside left-to-right text: Arabic-script letters, with spaces and ZWNJ between.
ARABIC_RUN_RE = re.compile(f"[{ARABIC_LETTERS}](?:[{ARABIC_LETTERS}\u200c ]*[{ARABIC_LETTERS}])?")
#: Latin letters and digits (European and Persian): what poppler writes left to right.
LEFT_TO_RIGHT_RE = re.compile(f"[{LATIN_LETTERS}0-9\u06f0-\u06f9\u0660-\u0669]")
RTL_LANGUAGES = ("fa", "ar", "ps", "ur", "prs", "he")
#: A line that ends with one of these broke inside a word, not at a space.
NO_SPACE_AFTER = "-\u2010\u2011\u2013\u2014/\u200b"

#: The internals this module relies on, as (module, attribute path) pairs.
WEASYPRINT_INTERNALS = (
    ("weasyprint.pdf.stream", "Stream.marked"),
    ("weasyprint.pdf", "add_tags"),
    ("weasyprint.pdf", "build_fonts_dictionary"),
    ("weasyprint.pdf.tags", "_build_box_tree"),
    ("weasyprint.draw.text", "draw_first_line"),
    ("weasyprint.draw", "draw_inline_level"),
    ("weasyprint.layout.absolute", "AbsolutePlaceholder"),
    ("weasyprint.text.ffi", "pango.PANGO_GLYPH_EMPTY"),
    ("weasyprint.pdf.stream", "Stream.add_font"),
    ("weasyprint.formatting_structure.boxes", "MarginBox"),
    ("weasyprint.formatting_structure.boxes", "LineBox"),
    ("weasyprint.formatting_structure.boxes", "TextBox"),
)


@dataclass
class _Render:
    """What the hooks need to know about the document being written."""

    lang: str
    artifacts: dict[Any, str] = field(default_factory=dict)  # box -> "Header" | "Footer" | "Layout"
    islands: set[Any] = field(default_factory=set)  # text boxes that are one LTR isolate
    typed_hyphens: set[Any] = field(default_factory=set)  # line ends at a word's own hyphen
    space_after: set[Any] = field(default_factory=set)  # text boxes that end a line
    order: dict[Any, int] = field(default_factory=dict)  # box -> its place in the box tree
    line_of: dict[Any, Any] = field(default_factory=dict)  # text box -> its line box


_current: ContextVar[_Render | None] = ContextVar("iombrochure_text_layer", default=None)
_originals: dict[str, Any] = {}


def check_internals() -> None:
    """Fail loudly, naming it, when a WeasyPrint internal this module hooks has changed."""
    import importlib
    import inspect

    import weasyprint

    for module_name, path in WEASYPRINT_INTERNALS:
        target: Any = importlib.import_module(module_name)
        for part in path.split("."):
            if not hasattr(target, part):
                raise RenderError(
                    f"WeasyPrint {weasyprint.__version__} has no {module_name}.{path}, which the "
                    "PDF text layer hooks (pipeline/textlayer.py)",
                    hint="install the WeasyPrint version pyproject.toml pins, or update the hook",
                )
            target = getattr(target, part)
    expected = {
        "Stream.marked": ["self", "box", "tag"],
        "add_tags": ["pdf", "document", "pdf_version", "page_streams"],
    }
    from weasyprint import pdf as weasy_pdf
    from weasyprint.pdf import stream

    for name, function in (
        ("Stream.marked", _originals.get("marked", stream.Stream.marked)),
        ("add_tags", _originals.get("add_tags", weasy_pdf.add_tags)),
    ):
        parameters = list(inspect.signature(inspect.unwrap(function)).parameters)
        if parameters != expected[name]:
            raise RenderError(
                f"WeasyPrint {weasyprint.__version__} changed {name}{tuple(parameters)}, which the "
                "PDF text layer hooks (pipeline/textlayer.py)",
                hint="install the WeasyPrint version pyproject.toml pins, or update the hook",
            )


def logical_text(text: str) -> str:
    """Text as typed: the bidi controls the pipeline added are removed, ZWNJ kept."""
    return text.translate(BIDI_CONTROLS)


# ---- While writing: the hooks -----------------------------------------------------------------


@contextmanager
def text_layer(document: Any, *, enabled: bool = True) -> Iterator[None]:
    """Apply the text layer to ``document.write_pdf`` calls made inside this block."""
    if not enabled:
        yield
        return
    install()
    render = _Render(lang=(document.metadata.lang or "").split("-")[0].lower())
    for page in document.pages:
        _survey_page(page._page_box, render)
    token = _current.set(render)
    try:
        yield
    finally:
        _current.reset(token)


def install() -> None:
    """Patch WeasyPrint's hooks once per process; they do nothing outside :func:`text_layer`."""
    if _originals:
        return
    check_internals()
    from weasyprint import draw
    from weasyprint import pdf as weasy_pdf
    from weasyprint.draw import text as draw_text
    from weasyprint.pdf import stream, tags

    _originals.update(
        draw_inline_level=draw.draw_inline_level,
        draw_first_line=draw_text.draw_first_line,
        marked=stream.Stream.marked,
        add_tags=weasy_pdf.add_tags,
        build_fonts_dictionary=weasy_pdf.build_fonts_dictionary,
        build_box_tree=tags._build_box_tree,
    )
    draw_text.draw_first_line = _draw_first_line
    draw.draw_inline_level = _draw_inline_level
    stream.Stream.marked = _marked
    weasy_pdf.add_tags = _add_tags
    weasy_pdf.build_fonts_dictionary = _build_fonts_dictionary
    tags._build_box_tree = _build_box_tree


def _survey_page(page_box: Any, render: _Render) -> None:
    """Find the page's margin-box boxes (artifacts) and the text boxes that end a line.

    WeasyPrint drops the space a line breaks at, and a block's last word touches the next
    block's first in the tag tree: both get a space, so that words stay apart when read."""
    from weasyprint.formatting_structure import boxes

    for box in tagtree.descendants(page_box):  # the order of the text, whatever the drawing order
        render.order.setdefault(box, len(render.order))
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox):
            kind = "Header" if child.at_keyword.startswith("@top") else "Footer"
            for box in tagtree.descendants(child):
                render.artifacts[box] = kind
    for box in tagtree.decoration_boxes(page_box):
        render.artifacts[box] = "Layout"

    if render.lang in RTL_LANGUAGES:
        for box in tagtree.descendants(page_box):
            if isinstance(box, boxes.TextBox) and _is_island(box.text):
                render.islands.add(box)

    def walk(box: Any) -> None:
        children = getattr(box, "children", ())
        lines = [child for child in children if isinstance(child, boxes.LineBox)]
        for line in lines:  # a line ends at a space, or at the edge of its block: a word ends
            texts = [b for b in tagtree.descendants(line) if isinstance(b, boxes.TextBox)]
            render.line_of.update(dict.fromkeys(texts, line))
            if texts and not texts[-1].text.endswith((" ", *NO_SPACE_AFTER)):
                render.space_after.add(texts[-1])
            if texts and tagtree.ends_with_typed_hyphen(texts[-1]):
                render.typed_hyphens.add(texts[-1])
            for before, after in zip(texts, texts[1:], strict=False):
                if _visible_gap(before, after) and not (
                    before.text.endswith(" ") or after.text.startswith(" ")
                ):
                    render.space_after.add(before)
        for child in children:
            if not isinstance(child, boxes.LineBox):
                walk(child)
            else:
                for inline in tagtree.descendants(child):
                    if getattr(inline, "children", None) and not isinstance(inline, boxes.TextBox):
                        walk(inline)

    walk(page_box)


def _is_island(text: str) -> bool:
    """Whether a text box holds nothing but one isolated left-to-right run (a phone number,
    an e-mail address, a URL set on their own in a right-to-left edition)."""
    text = text.strip()
    return text.startswith(LRI) and text.endswith(PDI) and LRI not in text[1:] and len(text) > 2


def _visible_gap(before: Any, after: Any) -> bool:
    """Whether padding or a margin, not a space, parts two text boxes of a line (as «1990» and
    «July» in a date): the reader sees two words, so the text layer has two."""
    if before.style["direction"] == "rtl":
        gap = before.position_x - (after.position_x + after.width)
    else:
        gap = after.position_x - (before.position_x + before.width)
    return gap > 0.15 * before.style["font_size"]


@contextmanager
def _marked(self: Any, box: Any, tag: str) -> Iterator[None]:
    """Stream.marked: margin-box text becomes a pagination artifact, not an orphan tag, and a
    left-to-right island gets its typed text, between LRMs, for copy and search."""
    import pydyf

    render = _current.get()
    if render is not None and self._tags is not None and box in render.artifacts:
        kind = render.artifacts[box]
        properties = pydyf.Dictionary(
            tagtree.LAYOUT_ARTIFACT
            if kind == "Layout"
            else {"Type": "/Pagination", "Subtype": f"/{kind}"}
        )
        pydyf.Stream.begin_marked_content(self, "Artifact", properties)
    elif (
        render is not None
        and self._tags is not None
        and (box in render.islands or box in render.typed_hyphens)
    ):
        # As Stream.marked does, with ActualText beside the MCID. The LRMs make PDFium read the
        # line holding the island (and its Persian label) as left-to-right, so that it keeps
        # the island in typed order; poppler keeps it so anyway. See docs/accessibility.md.
        # A word's own hyphen at a line end is followed by a ZWSP, so that extractors keep it.
        mcid = len(self._tags)
        self._tags[box] = {"tag": tag, "mcid": mcid}
        if box in render.islands:
            text = f"{LRM}{logical_text(box.text).strip()}{LRM}"
        else:
            text = f"{logical_text(box.text)}{tagtree.ZWSP}"
        properties = pydyf.Dictionary({"MCID": mcid, "ActualText": pydyf.String(text)})
        pydyf.Stream.begin_marked_content(self, tag, properties)
    else:
        with _originals["marked"](self, box, tag):
            yield
        return
    try:
        yield
    finally:
        pydyf.Stream.end_marked_content(self)


def _draw_inline_level(stream: Any, page: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
    """draw_inline_level, with a right-to-left line's boxes drawn from left to right."""
    original = _originals["draw_inline_level"]
    if _current.get() is None:
        return original(stream, page, box, *args, **kwargs)
    return streamorder.draw_inline_level(original, stream, page, box, *args, **kwargs)


def _draw_first_line(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
    """draw_first_line, with each ZWNJ drawn as the font's own zero-width ZWNJ glyph.

    Pango hands WeasyPrint an empty glyph for a ZWNJ, which leaves no character in the text
    layer (بین‌المللی came back as بینالمللی). The font's ZWNJ glyph has no outline and no
    advance, so the page does not change, and its character mapping says U+200C."""
    render = _current.get()
    if render is not None and ZWNJ in textbox.pango_layout.text:
        _give_zwnj_glyphs(stream, textbox)
    if render is not None and render.lang in RTL_LANGUAGES:
        _register_rlm_glyphs(stream, textbox)
    return _originals["draw_first_line"](stream, textbox, *args, **kwargs)


def _register_rlm_glyphs(stream: Any, textbox: Any) -> None:
    """Put each font's zero-width RLM glyph in its subset and character map, for
    ``streamorder.fence_left_to_right_runs`` (which draws it after the fonts are written)."""
    from weasyprint.text.ffi import ffi

    if not (" " in textbox.text and LEFT_TO_RIGHT_RE.search(textbox.text)):
        return
    first_line, _ = textbox.pango_layout.get_first_line()
    run = first_line.runs[0]
    while run != ffi.NULL:
        pango_font = run.data.item.analysis.font
        run = run.next
        font, _ = stream.add_font(pango_font)
        glyph = _format_glyph(font, RLM)
        if glyph is not None:
            font.widths[glyph] = 0
            font.to_unicode[glyph] = RLM
            font.iombrochure_rlm_glyph = glyph


def _give_zwnj_glyphs(stream: Any, textbox: Any) -> None:
    from weasyprint.text.ffi import ffi, pango

    # draw_first_line sets this first; set here, it leaves the line laid out as it is now.
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _ = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        item, glyphs = glyph_item.item, glyph_item.glyphs
        for index in range(glyphs.num_glyphs):
            info = glyphs.glyphs[index]
            start = item.offset + glyphs.log_clusters[index]
            if info.glyph != pango.PANGO_GLYPH_EMPTY or utf8[start : start + 3] != ZWNJ_UTF8:
                continue
            glyph = _zwnj_glyph(stream, item.analysis.font)
            if glyph is not None and info.geometry.width == 0:
                info.glyph = glyph


#: The ZWNJ and RLM glyphs of each font file seen in this process (by its content's digest).
_format_glyphs: dict[tuple[bytes, str], int | None] = {}


def _zwnj_glyph(stream: Any, pango_font: Any) -> int | None:
    """The glyph a font has for ZWNJ, if it has one with no advance."""
    font, _ = stream.add_font(pango_font)
    return _format_glyph(font, ZWNJ)


def _format_glyph(font: Any, char: str) -> int | None:
    """The glyph a WeasyPrint font has for a format character (ZWNJ, RLM), if it has one with
    no advance."""
    found = font.__dict__.setdefault("iombrochure_format_glyphs", {})
    if char not in found:
        import hashlib

        digest = hashlib.sha1(font.file_content, usedforsecurity=False).digest()
        if (digest, char) not in _format_glyphs:
            _format_glyphs[digest, char] = _find_format_glyph(font.file_content, font.index, char)
        found[char] = _format_glyphs[digest, char]
    return found[char]


def _find_format_glyph(font_file: bytes, index: int, char: str) -> int | None:
    import io

    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(font_file), fontNumber=index, lazy=True) as ttfont:
        name = (ttfont.getBestCmap() or {}).get(ord(char))
        if name is None or ttfont["hmtx"][name][0] != 0:
            return None
        return ttfont.getGlyphID(name)


def _build_box_tree(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
    """tags._build_box_tree: margin boxes hold artifacts only, so they make no elements, and
    the tree takes the HTML's shape (pipeline/tagtree.py)."""
    from weasyprint.formatting_structure import boxes

    render = _current.get()
    if render is None:
        return _originals["build_box_tree"](box, parent, *args)
    if isinstance(box, boxes.MarginBox):
        return iter(())
    shaped = tagtree.shape(box, render.artifacts.__contains__)
    if shaped is None:
        return iter(())
    return _scoped(shaped, _originals["build_box_tree"](shaped, parent, *args))


def _scoped(box: Any, elements: Iterator[Any]) -> Iterator[Any]:
    for element in elements:
        tagtree.scope(box, element)
        yield element


def _add_tags(pdf: Any, document: Any, pdf_version: Any, page_streams: list[Any]) -> None:
    """add_tags, then each structure element that owns text gets its ActualText and Lang."""
    render = _current.get()
    if render is None:
        _originals["add_tags"](pdf, document, pdf_version, page_streams)
        return
    marked = [dict(stream._tags or {}) for stream in page_streams]
    fonts = {font.hash: font for font in document.fonts.values()}
    for stream, page_marked in zip(page_streams, marked, strict=True):
        # Lines in the order of the tag tree; a line's boxes in the order they are drawn
        # (left to right in a right-to-left line: see streamorder.draw_inline_level).
        place = {
            kid["mcid"]: (render.order[render.line_of.get(box, box)], kid["mcid"])
            for box, kid in page_marked.items()
            if hasattr(box, "text") and render.line_of.get(box, box) in render.order
        }
        by_mcid = {kid["mcid"]: box for box, kid in page_marked.items() if hasattr(box, "text")}
        stream.stream[:] = streamorder.text_in_tag_order(stream.stream, place, by_mcid, fonts)
        if render.lang in RTL_LANGUAGES:
            stream.stream[:] = streamorder.fence_left_to_right_runs(stream.stream, fonts)
    _originals["add_tags"](pdf, document, pdf_version, page_streams)
    splits = _annotate_structure(pdf, render, marked)
    tagtree.own_runs(pdf, page_streams, splits, fonts, other_is_latin=render.lang in RTL_LANGUAGES)


def _annotate_structure(
    pdf: Any, render: _Render, marked: list[dict[Any, dict]]
) -> list[tagtree.LanguageSplit]:
    """ActualText and Lang for each element that owns text; returns the spans split into
    language runs, whose marked content ``tagtree.own_runs`` then cuts."""
    splits = []
    root = tagtree.resolve(pdf, pdf.catalog["StructTreeRoot"])
    numbers = tagtree.resolve(pdf, root["ParentTree"])["Nums"]
    for page_number, page_marked in enumerate(marked):
        references = numbers[2 * page_number + 1]
        if len(references) != len(page_marked):  # add_tags no longer maps MCID n to entry n
            raise RenderError(
                f"the tag tree of page {page_number + 1} does not map its marked content one to "
                "one, which the PDF text layer relies on (pipeline/textlayer.py)",
                hint="install the WeasyPrint version pyproject.toml pins, or update the hook",
            )
        by_element: dict[bytes, list[tuple[int, Any]]] = {}
        # An element's boxes in the order of the text (a right-to-left line is drawn, and its
        # marked content numbered, from left to right: see streamorder).
        in_text_order = sorted(
            page_marked.items(), key=lambda item: (render.order.get(item[0], 0), item[1]["mcid"])
        )
        for box, kid in in_text_order:
            if hasattr(box, "text"):  # a figure's Alt says what it shows
                by_element.setdefault(references[kid["mcid"]], []).append((kid["mcid"], box))
        for reference, owned in by_element.items():
            element = tagtree.resolve(pdf, reference)
            text = "".join(
                tagtree.typed_text(box) + (" " if box in render.space_after else "")
                for _, box in owned
            )
            runs = language_runs(text, render.lang)
            if len(runs) == 1 or element["S"] != "/Span" or len(owned) > 1:
                element["ActualText"] = _pdf_string(logical_text(text))
                if len({lang for _, lang in runs}) == 1 and runs[0][1] != render.lang:
                    element["Lang"] = _pdf_string(runs[0][1])
                continue
            mcid = owned[0][0]
            element["K"] = _split_by_language(pdf, element, reference, runs, mcid, render.lang)
            references[mcid] = tagtree.resolve(pdf, element["K"][0]).reference
            splits.append(
                tagtree.LanguageSplit(
                    page=page_number,
                    mcid=mcid,
                    children=[tagtree.resolve(pdf, child) for child in element["K"]],
                    texts=[logical_text(text) for text, _ in runs],
                    kinds=[run_lang != render.lang for _, run_lang in runs],
                )
            )
    return splits


def _split_by_language(
    pdf: Any, element: Any, reference: bytes, runs: list[tuple[str, str]], mcid: int, lang: str
) -> Any:
    """Child spans of ``element``, one per language run; the first owns the marked content."""
    import pydyf

    children = pydyf.Array()
    for number, (run_text, run_lang) in enumerate(runs):
        child = pydyf.Dictionary(
            {
                "Type": "/StructElem",
                "S": "/Span",
                "P": reference,
                "Pg": element["Pg"],
                "ActualText": _pdf_string(logical_text(run_text)),
            }
        )
        if number == 0:
            child["K"] = pydyf.Array([mcid])
        if run_lang != lang:
            child["Lang"] = _pdf_string(run_lang)
        pdf.add_object(child)
        children.append(child.reference)
    return children


def language_runs(text: str, lang: str) -> list[tuple[str, str]]:
    """``text`` cut into (text, language) runs: Latin runs in right-to-left text (accented names
    included, see ``scripts.LATIN_RUN_RE``) are English, Arabic-script runs in left-to-right text
    are Persian, the rest is ``lang``. Joined, the runs give back ``text`` unchanged."""
    if lang in RTL_LANGUAGES:
        found = [m for m in LATIN_RUN_RE.finditer(text) if LATIN_LETTER_RE.search(m[0])]
        other = "en"
    else:
        found = list(ARABIC_RUN_RE.finditer(text))
        other = "fa"
    runs: list[tuple[str, str]] = []
    position = 0
    for match in found:
        if match.start() > position:
            runs.append((text[position : match.start()], lang))
        runs.append((match[0], other))
        position = match.end()
    if position < len(text) or not runs:
        runs.append((text[position:], lang))
    # A run of only spaces, isolates and punctuation has nothing to pronounce: it joins the
    # run before it (or, at the start, the one after it).
    merged: list[tuple[str, str]] = []
    for run_text, run_lang in runs:
        if merged and not any(char.isalnum() for char in merged[-1][0]):
            merged[-1] = (merged[-1][0] + run_text, run_lang)
        elif merged and not any(char.isalnum() for char in run_text):
            merged[-1] = (merged[-1][0] + run_text, merged[-1][1])
        else:
            merged.append((run_text, run_lang))
    return merged


def _pdf_string(text: str) -> Any:
    import pydyf

    return pydyf.String(text)


def _build_fonts_dictionary(pdf: Any, fonts: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """build_fonts_dictionary with ligatures of right-to-left text mapped in reverse order."""
    if _current.get() is None:
        return _originals["build_fonts_dictionary"](pdf, fonts, *args, **kwargs)
    saved = {key: font.to_unicode for key, font in fonts.items()}
    try:
        for font in fonts.values():
            font.to_unicode = {
                glyph: _extractor_order(text) for glyph, text in font.to_unicode.items()
            }
        return _originals["build_fonts_dictionary"](pdf, fonts, *args, **kwargs)
    finally:
        for key, font in fonts.items():
            font.to_unicode = saved[key]


def _extractor_order(text: str) -> str:
    """A glyph's characters as extractors need them: reversed for a right-to-left ligature
    (the lam-alef «لا») and for a letter drawn with its mark as one glyph (the ezafe «هٔ»)."""
    if len(text) > 1 and is_arabic_letter(text[0]) and all(map(_is_arabic_letter_or_mark, text)):
        return text[::-1]
    return text


def _is_arabic_letter_or_mark(char: str) -> bool:
    """An Arabic-script letter, or a mark set on one (hamza above, the harakat: class NSM)."""
    return is_arabic_letter(char) or (
        unicodedata.category(char) == "Mn" and "\u0610" <= char <= "\u06ed"
    )

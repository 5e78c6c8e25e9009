"""Compare the words of an edition's HTML with the words a PDF gives back, for the tests.

The readers of a PDF: its structure tree (what a screen reader announces: each element's
``/ActualText``, else its children), poppler's ``pdftotext``, PDFium (pypdfium2, the engine of
Chrome's viewer), MuPDF's ``mutool``, pdfminer.six, pdf.js (Firefox) and Apache PDFBox; the last
two only where they are installed (see benchmarks/readers.py). Words are compared as multisets,
ignoring case, after removing the bidi controls that the pipeline adds (isolates) and the
punctuation at a word's edges. Paragraphs are compared as sequences of words, for the order in
which a reader gives them.
"""

from __future__ import annotations

import bisect
import html.parser
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ZWNJ = "\u200c"
LAM_ALEF = "\u0644\u0627"
BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
EDGE_PUNCTUATION = "\"'()[]{}«»،؛؟:;,.!?·|–—-/"
#: Structure types read as part of the surrounding line; all others are blocks of their own.
INLINE_TYPES = ("/Span", "/Link", "/Quote", "/Code", "/Reference", "/Note")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


class _BodyText(html.parser.HTMLParser):
    """The text of an HTML document's body, without styles and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        if tag in ("style", "script", "head"):
            self._skip += 1
        if tag in ("p", "li", "td", "th", "div", "h1", "h2", "h3", "br", "tr", "section"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head") and self._skip:
            self._skip -= 1
        if tag in ("p", "li", "td", "th", "div", "h1", "h2", "h3", "tr", "span", "a"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    parser = _BodyText()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def word_list(text: str) -> list[str]:
    """The words of a text in order: bidi controls removed, split at spaces, edge punctuation
    stripped, case folded (text-transform changes case only)."""
    tokens = text.translate(BIDI_CONTROLS).split()
    return [word for word in (token.strip(EDGE_PUNCTUATION).casefold() for token in tokens) if word]


def words(text: str) -> Counter[str]:
    """The words of a text as a multiset (see :func:`word_list`)."""
    return Counter(word_list(text))


@dataclass
class WordScore:
    """How many of the HTML's words (of one kind) a PDF reader gives back intact."""

    intact: int
    total: int

    @property
    def ratio(self) -> float:
        return self.intact / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.intact}/{self.total} ({100 * self.ratio:.1f} %)"


def score(expected: Counter[str], got: Counter[str], kind=lambda word: True) -> WordScore:
    chosen = {word: count for word, count in expected.items() if kind(word)}
    intact = sum(min(count, got[word]) for word, count in chosen.items())
    return WordScore(intact, sum(chosen.values()))


def persian(word: str) -> bool:
    return bool(ARABIC_SCRIPT.search(word))


def with_zwnj(word: str) -> bool:
    return ZWNJ in word


def with_lam_alef(word: str) -> bool:
    return LAM_ALEF in word


def pdftotext(path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed"
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdfium_text(path: Path) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def mutool_text(path: Path) -> str:
    """MuPDF (SumatraPDF, many mobile viewers): text in the order of the content stream."""
    assert shutil.which("mutool"), "mutool (mupdf-tools) is needed"
    return subprocess.run(
        ["mutool", "draw", "-q", "-F", "txt", "-o", "-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdfminer_text(path: Path) -> str:
    """pdfminer.six with its default layout analysis, as most Python ingestion uses it."""
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


#: Where benchmarks/readers.py finds the optional readers (overridable by the environment).
PDFJS_MODULE = os.environ.get(
    "PDFJS_MODULE",
    str(Path.home() / ".cache/iombrochure-readers/node_modules/pdfjs-dist/legacy/build/pdf.mjs"),
)
PDFBOX_JARS = os.environ.get(
    "PDFBOX_JARS",
    ":".join(
        f"/usr/share/java/{jar}.jar"
        for jar in ("pdfbox2", "pdfbox2-tools", "fontbox2", "commons-logging", "icu4j")
    ),
)
PDFJS_SCRIPT = Path(__file__).with_name("pdfjs_text.mjs")


def pdfjs_available() -> bool:
    return bool(shutil.which("node")) and Path(PDFJS_MODULE).is_file()


def pdfjs_text(path: Path) -> str:
    """pdf.js (Firefox): the text its find bar and copy see, items joined as its find
    controller joins them (an item's string, a line break where it marks the end of a line)."""
    return subprocess.run(
        ["node", str(PDFJS_SCRIPT), Path(PDFJS_MODULE).as_uri(), str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdfbox_available() -> bool:
    return bool(shutil.which("java")) and all(Path(jar).is_file() for jar in PDFBOX_JARS.split(":"))


def pdfbox_text(path: Path) -> str:
    """Apache PDFBox 2's ExtractText (as Tika uses it), with ICU4J on the class path for bidi."""
    return subprocess.run(
        ["java", "-cp", PDFBOX_JARS, "org.apache.pdfbox.tools.ExtractText", "-console", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def structure_text(path: Path) -> str:
    """What a screen reader announces: the structure tree walked from its root, in order.

    An element's ``/ActualText`` stands for everything under it; elements without one give
    the text of their children, and marked content without ActualText gives nothing here.
    """
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    parts: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, int):
            return
        if hasattr(node, "keys"):
            if "/ActualText" in node:
                parts.append(str(node["/ActualText"]))
                return
            inline = node.get("/S") in INLINE_TYPES
            if not inline:
                parts.append("\n")  # a block (paragraph, heading, cell): words end at its edges
            kids = node.get("/K")
            if kids is None:
                return
            kids = kids.get_object()
            if not isinstance(kids, list):
                kids = [kids]
            for kid in kids:
                walk(kid)
            if not inline:
                parts.append("\n")

    walk(root)
    return "".join(parts)


def unreachable_elements(path: Path) -> list[str]:
    """Structure elements of the file that a reader walking the tag tree from its root never
    reaches (each named by its number and type)."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject

    reader = PdfReader(str(path))
    every: dict[int, str] = {}
    numbers = set(reader.xref_objStm) | {n for table in reader.xref.values() for n in table}
    for number in sorted(numbers):
        try:
            obj = reader.get_object(IndirectObject(number, 0, reader))
        except Exception:
            continue
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/StructElem":
            every[number] = str(obj.get("/S"))
    reached: set[int] = set()

    def walk(reference) -> None:
        if not isinstance(reference, IndirectObject):
            if isinstance(reference, list):
                for item in reference:
                    walk(item)
            return
        if reference.idnum in reached:
            return
        reached.add(reference.idnum)
        node = reference.get_object()
        if isinstance(node, DictionaryObject) and "/K" in node:
            kids = node.raw_get("/K")
            walk(kids if isinstance(kids, IndirectObject) else kids)

    root = reader.trailer["/Root"].raw_get("/StructTreeRoot")
    walk(root)
    return [f"{number} {kind}" for number, kind in sorted(every.items()) if number not in reached]


@dataclass
class Element:
    """A structure element as a reader meets it: its type, text and language (if it has them)."""

    kind: str
    text: str | None
    lang: str | None


def structure_elements(path: Path) -> list[Element]:
    """Every structure element reachable from the root, depth first."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    found: list[Element] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "keys") or "/S" not in node and "/K" not in node:
            return
        if "/S" in node:
            text, lang = node.get("/ActualText"), node.get("/Lang")
            found.append(
                Element(str(node["/S"]), None if text is None else str(text), lang and str(lang))
            )
        kids = node.get("/K")
        kids = [] if kids is None else kids.get_object()
        for kid in kids if isinstance(kids, list) else [kids]:
            if not isinstance(kid, int):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


# -- paragraphs, in the order a reader gives them ----------------------------------------------

BLOCK_TAGS = ("p", "h1", "h2", "h3", "li")
#: Elements a page does not show (their text is for the tag tree only).
HIDDEN_CLASSES = ("visually-hidden",)


class _Paragraphs(html.parser.HTMLParser):
    """The text of each shown paragraph, heading and list item of an HTML body, in document
    order; a block's text is its own, without the blocks nested in it (a list item's nested list,
    a list item's paragraph), and hidden elements, styles and scripts are left out."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hidden) of the open elements
        self._blocks: list[tuple[int, list[str]]] = []  # (index in found, parts) of open blocks
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
        if tag in ("br", "img", "meta", "link", "hr", "input", "wbr"):
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = any(name in HIDDEN_CLASSES for name in classes) or tag in ("style", "script")
        hidden = hidden or any(was_hidden for _, was_hidden in self._open)
        self._open.append((tag, hidden))
        if tag in BLOCK_TAGS and not hidden and self._in_body:
            self._blocks.append((len(self.found), []))
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _ in self._open):
            return
        while self._open:
            open_tag, hidden = self._open.pop()
            if open_tag in BLOCK_TAGS and not hidden and self._blocks:
                index, parts = self._blocks.pop()
                self.found[index] = "".join(parts)
            elif open_tag in ("span", "a") and self._blocks:
                self._blocks[-1][1].append(" ")  # as html_text: a box's edge ends a word
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._blocks and not any(hidden for _, hidden in self._open):
            self._blocks[-1][1].append(data)


def paragraphs(path: Path, *, count: int = 10, min_words: int = 5) -> list[list[str]]:
    """``count`` paragraphs of an HTML file, as word lists, spread evenly over the document.

    Of the shown paragraphs, headings and list items (a list item only when it holds no
    paragraph) with at least ``min_words`` words, each distinct one once, numbers 0, n/count,
    2n/count ... in document order: the first block of the first page and blocks of every page
    and panel after it."""
    parser = _Paragraphs()
    parser.feed(path.read_text(encoding="utf-8"))
    seen: set[tuple[str, ...]] = set()
    eligible: list[list[str]] = []
    for text in parser.found:
        found = word_list(text)
        if len(found) >= min_words and tuple(found) not in seen:
            seen.add(tuple(found))
            eligible.append(found)
    if len(eligible) <= count:
        return eligible
    return [eligible[number * len(eligible) // count] for number in range(count)]


def _common(a: list[str], b: list[str]) -> int:
    """The length of the longest common subsequence of two word lists."""
    row = [0] * (len(b) + 1)
    for word in a:
        previous = 0
        for index, other in enumerate(b):
            current = row[index + 1]
            row[index + 1] = previous + 1 if word == other else max(row[index + 1], row[index])
            previous = current
    return row[-1]


def paragraph_positions(paragraph: list[str], text: list[str]) -> list[int]:
    """Where a reader's words give a paragraph whole (every place, as a short heading can also
    be the start of a longer one).

    Whole: at least 80 % of its words, in its order, within a stretch at most a quarter longer
    than the paragraph (plus three words), so that no other block is interleaved with it. Words a
    reader mangles count against the 80 %, not against the order."""
    size = len(paragraph)
    window = size + size // 4 + 3
    needed = -(-4 * size // 5)  # 80 %, rounded up
    openers = set(paragraph[:3])
    return [
        start
        for start, word in enumerate(text)
        if word in openers and _common(paragraph, text[start : start + window]) >= needed
    ]


def paragraphs_in_order(expected: list[list[str]], got: str) -> int:
    """How many of the paragraphs a reader gives whole and in their order: the longest run of
    paragraphs, in document order, each found at a place after the one before it."""
    text = word_list(got)
    longest: list[int] = []  # longest[k]: the smallest end of an increasing run of k + 1
    for paragraph in expected:
        # A paragraph's places, last first, so that one paragraph never counts twice in a run.
        for position in sorted(paragraph_positions(paragraph, text), reverse=True):
            index = bisect.bisect_left(longest, position)
            if index == len(longest):
                longest.append(position)
            else:
                longest[index] = position
    return len(longest)

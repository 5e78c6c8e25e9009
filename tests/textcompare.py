"""Compare the words of an edition's HTML with the words a PDF gives back, for the tests.

Three readers of a PDF: its structure tree (what a screen reader announces: each element's
``/ActualText``, else its children), poppler's ``pdftotext`` and PDFium (pypdfium2, the
engine of Chrome's viewer). Words are compared as multisets, ignoring case, after removing the bidi controls
that the pipeline adds (isolates) and the punctuation at a word's edges.
"""

from __future__ import annotations

import html.parser
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


def words(text: str) -> Counter[str]:
    """The words of a text: bidi controls removed, split at spaces, edge punctuation stripped."""
    found: Counter[str] = Counter()
    for token in text.translate(BIDI_CONTROLS).split():
        word = token.strip(EDGE_PUNCTUATION).casefold()  # text-transform changes case only
        if word:
            found[word] += 1
    return found


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

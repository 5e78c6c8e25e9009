"""Check the structure of a PDF's tag tree, for the tests and from the command line.

Screen readers walk the tag tree: it must hold what the HTML holds, in the shape the HTML
has. :func:`problems` names what does not, one kind at a time:

- ``empty``: a structure element with no kids and no text (``/K []``);
- ``owns_nothing``: another element that marks no page content (no MCID, no annotation under
  it), so stands for nothing a reader finds on the page: a span with its text only in
  ``/ActualText``, a list item holding only an empty element;
- ``th_scope``: a ``TH`` cell without ``/Scope`` in its ``/Table`` attributes, or with a scope
  other than the HTML's ``scope`` attribute;
- ``lists``: a list (``L``) that holds no items itself (lists nested in lists), or whose items
  are not the HTML's ``<li>`` elements: another number of items, or other words in an item
  (a wrapped line made an item, a separator such as «·» made an item);
- ``hyphens``: a word written with a hyphen that the tag tree does not give back whole, a
  hyphen the tag tree has where the HTML has none (a soft hyphen's break), or a word's own
  hyphen at a line end that poppler or PDFium take for a soft hyphen («thirdcountry»,
  «third\ufffecountry»).

Run as a script, it prints the count of each kind for each PDF given, with the HTML it was
made from (``build --emit-html``: ``dist/html/<name>.html``, ``<name>-print.html`` for
``dist/print/<name>.pdf``), and exits 1 if there is any (``-v`` names each)::

    python tests/tagtree.py dist/*.pdf dist/print/*.pdf
"""

from __future__ import annotations

import argparse
import html.parser
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

sys.path.insert(0, str(Path(__file__).resolve().parent))
from textcompare import (  # noqa: E402
    BIDI_CONTROLS,
    INLINE_TYPES,
    html_text,
    pdfium_text,
    pdftotext,
    structure_text,
    words,
)

KINDS = ("empty", "owns_nothing", "th_scope", "lists", "hyphens")
#: Hyphens a line break may add where the HTML has a soft hyphen (U+00AD) or none.
ADDED_HYPHENS = "\u2010\u00ad"


@dataclass
class Node:
    """A structure element as read from the PDF: what the checks need of it."""

    number: int | None
    kind: str
    actual_text: str | None
    attributes: dict[str, str]
    kids: list[Node | int | str] = field(default_factory=list)  # elements, MCIDs, "OBJR"
    has_kids_entry: bool = True

    @property
    def name(self) -> str:
        return f"{self.kind}#{self.number}"

    def elements(self) -> list[Node]:
        return [kid for kid in self.kids if isinstance(kid, Node)]

    def walk(self):
        yield self
        for kid in self.elements():
            yield from kid.walk()

    def marks_content(self) -> bool:
        return any(not isinstance(kid, Node) or kid.marks_content() for kid in self.kids)

    def text(self, skip_lists: bool = False) -> str:
        """What a reader announces for this element: its ActualText, else its kids' texts
        (a block kid, unlike a span, ends the words before it and starts its own).
        ``skip_lists`` leaves out nested lists and item labels (bullets, numbers), which the
        HTML's ``<li>`` text does not hold."""
        if self.actual_text is not None:
            return self.actual_text
        parts = []
        for kid in self.elements():
            if skip_lists and kid.kind in ("/L", "/Lbl"):
                continue
            text = kid.text(skip_lists)
            parts.append(text if kid.kind in INLINE_TYPES else f" {text} ")
        return "".join(parts)


def read_tree(path: Path) -> Node:
    """The structure tree of a PDF, from its root."""
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]["/StructTreeRoot"]

    def read(reference) -> Node | int | str:
        number = reference.idnum if isinstance(reference, IndirectObject) else None
        node = reference.get_object()
        if isinstance(node, int):
            return int(node)
        if not isinstance(node, DictionaryObject):
            return "?"
        if node.get("/Type") == "/OBJR":
            return "OBJR"
        if node.get("/Type") == "/MCR":
            return int(node["/MCID"])
        attributes: dict[str, str] = {}
        for entry in _as_list(node.get("/A")):
            entry = entry.get_object()
            if isinstance(entry, DictionaryObject):
                attributes.update({key: str(value) for key, value in entry.items()})
        text = node.get("/ActualText")
        element = Node(
            number=number,
            kind=str(node.get("/S", "/StructTreeRoot")),
            actual_text=None if text is None else str(text),
            attributes=attributes,
            has_kids_entry="/K" in node,
        )
        element.kids = [read(kid) for kid in _as_list(node.get("/K"))]
        return element

    return (
        read(reader.trailer["/Root"].raw_get("/StructTreeRoot"))
        if root
        else Node(None, "none", None, {})
    )


def _as_list(value) -> list:
    if value is None:
        return []
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return list(value) if isinstance(value, ArrayObject | list) else [value]


# ---- the HTML's lists and header cells --------------------------------------------------------


@dataclass
class HtmlList:
    items: list[str] = field(default_factory=list)


class _HtmlStructure(html.parser.HTMLParser):
    """The lists (each ``<li>``'s own words, nested lists left out) and the ``scope`` of each
    ``<th>`` of an HTML document, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[HtmlList] = []
        self.scopes: list[str] = []
        self._open: list[HtmlList] = []  # lists being read, innermost last
        self._item_text: list[list[str]] = []  # the text of the open items, innermost last
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self._skip += 1
        elif tag in ("ul", "ol"):
            self._open.append(HtmlList())
            self.lists.append(self._open[-1])
        elif tag == "li":
            self._item_text.append([])
        elif tag == "th":
            self.scopes.append(dict(attrs).get("scope") or "")
        elif tag == "br" and self._item_text:
            self._item_text[-1].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head") and self._skip:
            self._skip -= 1
        elif tag in ("ul", "ol") and self._open:
            self._open.pop()
        elif tag == "li" and self._item_text and self._open:
            self._open[-1].items.append("".join(self._item_text.pop()))
        elif tag in ("span", "a", "p", "div", "h3") and self._item_text:
            self._item_text[-1].append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip and self._item_text:
            self._item_text[-1].append(data)


def html_structure(path: Path) -> _HtmlStructure:
    parser = _HtmlStructure()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ---- the checks --------------------------------------------------------------------------------


def problems(pdf: Path, html: Path) -> dict[str, list[str]]:
    """Each kind of problem of ``pdf``'s tag tree (``html`` is the HTML it was made from)."""
    tree = read_tree(pdf)
    source = html_structure(html)
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    elements = [node for node in tree.walk() if node.kind != "/StructTreeRoot"]
    for node in elements:
        if not node.kids and node.actual_text is None:
            found["empty"].append(node.name)
        elif not node.marks_content():
            found["owns_nothing"].append(f"{node.name} {node.text()!r}")
    found["th_scope"] = _scope_problems(elements, source.scopes)
    found["lists"] = _list_problems(elements, source.lists)
    found["hyphens"] = _hyphen_problems(structure_text(pdf), html) + _extracted_hyphen_problems(
        {"poppler": pdftotext(pdf), "PDFium": pdfium_text(pdf)}, html
    )
    return found


def _scope_problems(elements: list[Node], scopes: list[str]) -> list[str]:
    cells = [node for node in elements if node.kind == "/TH"]
    found = []
    if len(cells) != len(scopes):
        found.append(f"{len(cells)} TH for {len(scopes)} <th>")
    for cell, scope in zip(cells, scopes, strict=False):
        expected = {"row": "/Row", "col": "/Column", "": "/Column"}.get(scope, "/Both")
        if cell.attributes.get("/O") != "/Table" or cell.attributes.get("/Scope") != expected:
            found.append(f"{cell.name} /Scope {cell.attributes.get('/Scope')} for scope={scope!r}")
    return found


def _list_problems(elements: list[Node], typed: list[HtmlList]) -> list[str]:
    found = []
    lists = []
    for node in elements:
        if node.kind != "/L":
            continue
        items = [kid for kid in node.elements() if kid.kind == "/LI"]
        if not items:
            found.append(
                f"{node.name} holds no list items (kids: {[k.kind for k in node.elements()]})"
            )
        else:
            lists.append((node, items))
    if len(lists) != len(typed):
        found.append(f"{len(lists)} lists with items for {len(typed)} typed lists")
    for (node, items), html_list in zip(lists, typed, strict=False):
        if len(items) != len(html_list.items):
            found.append(f"{node.name}: {len(items)} items for {len(html_list.items)} typed")
            continue
        for number, (item, text) in enumerate(zip(items, html_list.items, strict=True), 1):
            got = words(item.text(skip_lists=True))
            if got != words(text):
                found.append(
                    f"{node.name} item {number}: {' '.join(got)!r} for {' '.join(words(text))!r}"
                )
    return found


def _hyphen_problems(tree_text: str, html: Path) -> list[str]:
    typed = html_text(html).translate(BIDI_CONTROLS)
    expected, got = words(typed), words(tree_text)
    found = [
        f"{word!r} not whole in the tag tree"
        for word in expected
        if "-" in word.strip("-") and got[word] < expected[word]
    ]
    for hyphen in ADDED_HYPHENS:
        added = tree_text.count(hyphen) - typed.count(hyphen)
        if added > 0:
            found.append(f"{added} × U+{ord(hyphen):04X} the HTML does not have")
    return found


def _extracted_hyphen_problems(texts: dict[str, str], html: Path) -> list[str]:
    """A word typed with a hyphen that an extractor gives back without it (poppler joins
    «third-» and «country» into «thirdcountry») or with PDFium's soft-hyphen mark U+FFFE."""
    typed = words(html_text(html))
    found = []
    for reader, text in texts.items():
        got = words(text)
        for word in typed:
            if "-" not in word.strip("-"):
                continue
            glued = word.replace("-", "")
            if got[glued] > typed[glued]:
                found.append(f"{reader} gives {glued!r} for {word!r}")
            if word.replace("-", "\ufffe") in text.casefold():
                found.append(f"{reader} gives {word.replace('-', '<U+FFFE>')!r} for {word!r}")
    return found


def counts(pdf: Path, html: Path) -> Counter[str]:
    return Counter({kind: len(found) for kind, found in problems(pdf, html).items()})


def source_html(pdf: Path, folder: Path | None = None) -> Path:
    """The HTML a built PDF was made from: ``html/<name>.html`` beside it, or for a variant
    (``dist/print/<name>.pdf``) ``html/<name>-<variant>.html`` beside its folder."""
    candidates = [pdf.parent / "html" / f"{pdf.stem}.html"]
    candidates.append(pdf.parent.parent / "html" / f"{pdf.stem}-{pdf.parent.name}.html")
    if folder is not None:
        candidates = [folder / path.name for path in candidates]
    found = next((path for path in candidates if path.is_file()), None)
    if found is None:
        raise SystemExit(f"{pdf}: no HTML at {candidates[0]} (build with --emit-html)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--html", type=Path, help="the folder of the HTML (default: html/ beside)")
    parser.add_argument("-v", "--verbose", action="store_true", help="name each problem")
    args = parser.parse_args(argv)
    print(f"{'file':24} " + " ".join(f"{kind:>12}" for kind in KINDS))
    total = 0
    for pdf in args.pdfs:
        html = source_html(pdf, args.html)
        found = problems(pdf, html)
        total += sum(map(len, found.values()))
        print(f"{pdf.name:24} " + " ".join(f"{len(found[kind]):>12}" for kind in KINDS))
        if args.verbose:
            for kind in KINDS:
                for problem in found[kind]:
                    print(f"    {kind}: {problem}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())

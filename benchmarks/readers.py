"""What eight PDF readers give back from the built editions, against the HTML they were made from.

    python benchmarks/readers.py                  # build a scratch copy of the project, measure
    python benchmarks/readers.py --built DIR      # measure a project already built with --emit-html
    python benchmarks/readers.py --install-pdfjs  # first: pdf.js from npm into a cache folder

Readers: the tag tree (screen readers), PDFium (pypdfium2: Chrome, Edge), poppler's
``pdftotext`` (Evince, many servers), pdf.js (Firefox; ``pdfjs-dist`` 4 from npm, run with node,
installed into ~/.cache/iombrochure-readers, never into the project), Apache PDFBox 2 with ICU4J
(Tika, so Solr and Elasticsearch ingestion; Debian's ``libpdfbox2-java libicu4j-java``), MuPDF
(``mutool``, SumatraPDF and many mobile viewers; Debian's ``mupdf-tools``) and pdfminer.six
(most Python ingestion; PyPI). A reader that is not installed gets a row saying so.

For the Persian screen PDFs of the fact sheet and the brochure, and then the English ones:

- words: whole whitespace-separated words of the HTML body (``build --emit-html``) that the
  reader gives back intact, as multisets (bidi controls and edge punctuation removed, case
  folded: tests/textcompare.py ``words``), as a percentage;
- ZWNJ words, lam-alef words: the same, for the words holding a ZWNJ or a lam-alef;
- phones typed: the phone numbers (``class="phone"``) found in the reader's text as typed;
- paragraphs in order: ten paragraphs spread evenly over the HTML (``textcompare.paragraphs``:
  of the shown paragraphs, headings and list items of five words or more, numbers 0, n/10,
  2n/10 ...), each counted when the reader gives it whole (80 % of its words, in order, with no
  other block interleaved) and after the paragraphs before it (the longest run in document
  order whose positions in the reader's text increase).

Nothing here asserts: tests/pipeline/test_textlayer.py holds the thresholds for the readers that
install cheaply, and docs/accessibility.md the figures.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

import textcompare  # noqa: E402
from textcompare import (  # noqa: E402
    html_text,
    paragraphs,
    paragraphs_in_order,
    score,
    with_lam_alef,
    with_zwnj,
    words,
)

PROJECT_PARTS = ("iombrochure.toml", "content", "templates", "styles", "fonts", "locales", "images")
DOCUMENTS = ("factsheet", "brochure")
PHONE_RE = re.compile(r'class="phone"[^>]*>([^<]+)<')
BIDI_CONTROLS = textcompare.BIDI_CONTROLS


def readers() -> list[tuple[str, Callable[[Path], str] | None, str]]:
    """(name, reader or None when it is not installed, how to install it)."""
    found: list[tuple[str, Callable[[Path], str] | None, str]] = [
        ("tag tree", textcompare.structure_text, ""),
        ("PDFium (Chrome, Edge)", textcompare.pdfium_text, ""),
    ]

    def which(tool: str, reader: Callable[[Path], str]) -> Callable[[Path], str] | None:
        return reader if shutil.which(tool) else None

    found.append(
        (
            "poppler `pdftotext` (Evince, many servers)",
            which("pdftotext", textcompare.pdftotext),
            "apt-get install poppler-utils",
        )
    )
    found.append(
        (
            "pdf.js 4 (Firefox)",
            textcompare.pdfjs_text if textcompare.pdfjs_available() else None,
            "python benchmarks/readers.py --install-pdfjs",
        )
    )
    found.append(
        (
            "Apache PDFBox 2 + ICU4J (Tika)",
            textcompare.pdfbox_text if textcompare.pdfbox_available() else None,
            "apt-get install libpdfbox2-java libicu4j-java",
        )
    )
    found.append(
        (
            "MuPDF `mutool` (SumatraPDF, mobile viewers)",
            which("mutool", textcompare.mutool_text),
            "apt-get install mupdf-tools",
        )
    )
    try:
        import pdfminer  # noqa: F401

        pdfminer_reader: Callable[[Path], str] | None = textcompare.pdfminer_text
    except ImportError:
        pdfminer_reader = None
    found.append(("pdfminer.six (Python ingestion)", pdfminer_reader, "pip install pdfminer.six"))
    return found


def build(target: Path) -> Path:
    """A scratch copy of this checkout's project, built with this checkout's code."""
    project = target / "project"
    project.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        elif source.is_file():
            shutil.copy2(source, project / part)
    env = {**__import__("os").environ, "PYTHONPATH": str(REPO / "src")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "iombrochure",
            "build",
            "--emit-html",
            "--variant",
            "screen",
            "--project",
            str(project),
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return project


def phones_typed(html: Path, text: str) -> tuple[int, int]:
    """How many of the HTML's phone numbers the reader's text holds as typed."""
    typed = Counter(found.translate(BIDI_CONTROLS) for found in PHONE_RE.findall(html.read_text()))
    plain = text.translate(BIDI_CONTROLS)
    return sum(min(count, plain.count(phone)) for phone, count in typed.items()), typed.total()


def measure(built: Path, lang: str, reader: Callable[[Path], str]) -> list[dict[str, object]]:
    """One reader's figures for each document of one language."""
    figures = []
    for document in DOCUMENTS:
        pdf = built / "dist" / f"{document}-{lang}.pdf"
        html = built / "dist" / "html" / f"{document}-{lang}.html"
        expected, text = words(html_text(html)), reader(pdf)
        got = words(text)
        figures.append(
            {
                "words": score(expected, got),
                "zwnj": score(expected, got, with_zwnj),
                "lam_alef": score(expected, got, with_lam_alef),
                "phones": phones_typed(html, text),
                "order": paragraphs_in_order(paragraphs(html), text),
                "missing": sorted((expected - got).elements())[:12],
            }
        )
    return figures


def _counts(pair: list[tuple[int, int]]) -> str:
    if all(intact == total for intact, total in pair):
        return "all"
    return " · ".join(f"{intact}/{total}" for intact, total in pair)


def row(name: str, figures: list[dict[str, object]], lang: str) -> str:
    percent = " / ".join(f"{100 * f['words'].ratio:.1f}" for f in figures)
    order = " · ".join(str(f["order"]) for f in figures)
    if lang == "en":
        return f"| {name} | {percent} | {order} |"
    zwnj = _counts([(f["zwnj"].intact, f["zwnj"].total) for f in figures])
    lam_alef = _counts([(f["lam_alef"].intact, f["lam_alef"].total) for f in figures])
    phones = _counts([f["phones"] for f in figures])
    return f"| {name} | {percent} | {zwnj} | {lam_alef} | {phones} | {order} |"


def install_pdfjs() -> None:
    cache = Path(textcompare.PDFJS_MODULE).parents[4]
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--no-save", "--prefix", str(cache), "pdfjs-dist@4"], check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, help="a project built with build --emit-html")
    parser.add_argument("--install-pdfjs", action="store_true", help="install pdf.js, then exit")
    parser.add_argument("--missing", action="store_true", help="list missed words per reader")
    arguments = parser.parse_args()
    if arguments.install_pdfjs:
        install_pdfjs()
        return
    with tempfile.TemporaryDirectory(prefix="iombrochure-readers-") as scratch:
        built = arguments.built or build(Path(scratch))
        for lang, title in (("fa", "Persian"), ("en", "English")):
            print(f"\n{title} screen PDFs (fact sheet / brochure)\n")
            if lang == "fa":
                print(
                    "| reader | words % | ZWNJ words | lam-alef | phones typed "
                    "| paragraphs in order (of 10) |"
                )
                print("|---|---|---|---|---|---|")
            else:
                print("| reader | words % | paragraphs in order (of 10) |")
                print("|---|---|---|")
            notes = []
            for name, reader, how in readers():
                if reader is None:
                    print(
                        f"| {name} | not installed: `{how}` |" + " |" * (4 if lang == "fa" else 1)
                    )
                    continue
                figures = measure(built, lang, reader)
                print(row(name, figures, lang), flush=True)
                if arguments.missing:
                    for document, found in zip(DOCUMENTS, figures, strict=True):
                        notes.append(f"{name}, {document}: {' '.join(found['missing'])}")
            for note in notes:
                print("  missed:", note)


if __name__ == "__main__":
    main()

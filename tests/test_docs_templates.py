"""docs/templates.md is the whole contract between a template and iombrochure: every name a
template can use is in one of its tables, and every example there prints what the doc says.

The names come from the real thing: a new project (``iombrochure new``'s starter kit) is filled
for an edition, and what the template receives (the render context) and what the sandboxed
environment holds (globals, filters, tests) is compared with the first column of the doc's
tables, whose header cell says the kind: ``variable``, ``function``, ``filter`` or ``test``.
A name added to the environment or the context fails here until it has a row in the doc (the
one place to add it), and a row whose name is gone fails too.

Each row's example (third column) is filled in the English edition of that new project, made on
28 November 2026, and must print the fourth column (an ending ``…`` means "starts with"); it is
filled in the Persian and Pashto editions too, where it must work.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from iombrochure.newproject import create_project
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.content import load_content
from iombrochure.pipeline.templating import EDITION_VARIABLES, make_environment, render_edition

DOC = REPO / "docs" / "templates.md"
KINDS = ("variable", "function", "filter", "test")
#: The date the examples' project is made on: ``publication.edition`` prints its month.
MADE_ON = dt.date(2026, 11, 28)
ELLIPSIS = "…"


@dataclass(frozen=True)
class Row:
    """One row of a doc table: its kind, the names of its first cell, and its example."""

    kind: str
    line: int
    names: tuple[str, ...]
    example: str
    prints: str


def _cells(line: str) -> list[str]:
    """A Markdown table row's cells, ``\\|`` (a ``|`` inside code) kept as ``|``."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _code(cell: str) -> str:
    """What a cell holds in backticks (the cell itself if it has none)."""
    spans = re.findall(r"`([^`]*)`", cell)
    return " ".join(spans) if spans else cell


#: A name in a first cell: `qr_code(...)` gives qr_code, `publication.edition` itself, and a
#: test may be an operator (`==`); `<name>` is no name.
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|[=!<>]=?$")


def doc_rows(text: str) -> list[Row]:
    """Every row of the doc's tables whose header's first cell is one of ``KINDS``."""
    rows: list[Row] = []
    kind = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("|"):
            kind = None
            continue
        cells = _cells(line)
        if kind is None:
            kind = cells[0] if cells[0] in KINDS else ""
            continue
        if not kind or set(cells[0]) <= {"-", " ", ":"}:
            continue
        names = tuple(
            match.group(0)
            for span in re.findall(r"`([^`]*)`", cells[0])
            if (match := _NAME.match(span))
        )
        # `<name>`: the content files, each by its own name
        assert names or "<" in cells[0], f"docs/templates.md:{number}: no name in {cells[0]!r}"
        assert len(cells) == 4, f"docs/templates.md:{number}: a {kind} row needs 4 cells"
        rows.append(Row(kind, number, names, _code(cells[2]), _code(cells[3])))
    return rows


ROWS = doc_rows(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def new_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project as ``iombrochure new`` makes it, with a picture for ``picture_uri``."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("new") / "leaflet"
    root = create_project(folder, ["en", "fa", "ps"], today=MADE_ON)
    (root / "images").mkdir()
    Image.new("RGB", (40, 30), "#0033a0").save(root / "images" / "cover.png")
    return root


def filled_context(root: Path, lang: str = "en") -> tuple[dict[str, Any], Any, set[str]]:
    """What the leaflet's template receives in an edition, the environment it is filled in,
    and the names of the content files the document lists."""
    project = load_project(root)
    document = project.documents["leaflet"]
    env = make_environment(project)
    captured: dict[str, Any] = {}

    class Capture:
        def render(self, context: dict[str, Any]) -> str:
            captured.update(context)
            return "<html></html>"

    env.get_template = lambda name, *args, **kwargs: Capture()  # type: ignore[method-assign]
    render_edition(project, load_content(project), document, lang, env=env)
    return captured, env, set(document.content)


def test_every_name_a_template_can_use_has_a_row_and_every_row_a_name(new_project: Path):
    context, env, content_files = filled_context(new_project)
    given = {
        "variable": {name for name in context if not callable(context[name])} - content_files,
        "function": {name for name in context if callable(context[name])} | set(env.globals),
        "filter": set(env.filters),
        "test": set(env.tests),
    }
    documented: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for row in ROWS:
        documented[row.kind] |= {name.split(".")[0] for name in row.names}
    problems = []
    for kind in KINDS:
        missing = sorted(given[kind] - documented[kind])
        stale = sorted(documented[kind] - given[kind])
        if missing:
            problems.append(
                f"a template can use the {kind}(s) {missing}, which docs/templates.md does not "
                f"list: add a row to one of its tables headed `| {kind} |`, with what it "
                "returns, an example and what the example prints"
            )
        if stale:
            problems.append(f"docs/templates.md lists the {kind}(s) {stale}, which do not exist")
    assert not problems, "\n".join(problems)
    # What undefined_variables takes as given must be what an edition is given.
    assert set(context) - content_files == EDITION_VARIABLES


def test_dotted_rows_name_what_exists_and_publication_is_complete(new_project: Path):
    context, _, _ = filled_context(new_project)
    dotted = [name for row in ROWS for name in row.names if "." in name]
    for name in dotted:
        value: Any = context
        for part in name.split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
    documented = {name.split(".")[1] for name in dotted if name.startswith("publication.")}
    assert documented == set(context["publication"])


def _examples_template(rows: list[Row]) -> str:
    """One template that fills every example, each between markers of its own."""
    return "".join(f"<<{index}>>{row.example}<</{index}>>\n" for index, row in enumerate(rows))


def _printed(html: str, index: int) -> str:
    return html.split(f"<<{index}>>", 1)[1].split(f"<</{index}>>", 1)[0]


@pytest.mark.parametrize("lang", ["en", "fa", "ps"])
def test_every_example_in_the_doc_works_and_prints_what_the_doc_says(new_project: Path, lang):
    template = new_project / "templates" / "leaflet.html"
    original = template.read_text(encoding="utf-8")
    examples = [row for row in ROWS if row.example]
    template.write_text(_examples_template(examples), encoding="utf-8")
    try:
        project = load_project(new_project)
        html = render_edition(
            project, load_content(project), project.documents["leaflet"], lang
        ).html
    finally:
        template.write_text(original, encoding="utf-8")
    if lang != "en":
        return  # filled without an error: the examples work in right-to-left editions too
    wrong = []
    for index, row in enumerate(examples):
        printed = _printed(html, index)
        expected = row.prints
        if expected.endswith(ELLIPSIS):
            matches = printed.startswith(expected.removesuffix(ELLIPSIS))
        else:
            matches = printed == expected
        if not matches:
            wrong.append(f"docs/templates.md:{row.line}: {row.example} printed {printed!r}")
    assert not wrong, "\n".join(wrong)


def test_the_table_reader_reads_kinds_names_and_escaped_bars():
    text = (
        "| filter | returns | example | prints |\n"
        "| --- | --- | --- | --- |\n"
        "| `digits` | text | `{{ 12 \\| digits }}` | `12` |\n"
        "| `eq`, `==` | true or false | `{{ 1 is eq 1 }}` | `True` |\n"
        "\n"
        "| rule | what |\n| --- | --- |\n| `x` | not a name |\n\n"
        "| function | returns | example | prints |\n| --- | --- | --- | --- |\n"
        '| `qr_code(url, colour="#000")` | text | | |\n'
    )
    rows = doc_rows(text)
    assert [(r.kind, r.names, r.example, r.prints) for r in rows] == [
        ("filter", ("digits",), "{{ 12 | digits }}", "12"),
        ("filter", ("eq", "=="), "{{ 1 is eq 1 }}", "True"),
        ("function", ("qr_code",), "", ""),
    ]


# --------------------------------------------------------------------------------------------
# The recipes, applied as the doc says to a new project and built


def section_blocks(heading: str) -> list[Any]:
    """The fenced blocks of docs/templates.md under ``## heading``, in order."""
    from test_docs_commands import parse_blocks

    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return parse_blocks("docs/templates.md", text[start : end if end > 0 else None])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _translate(root: Path, lang: str, message: str, translation: str) -> None:
    """What a translator does for a new UI string: its entry in the language's catalog."""
    from babel.messages.pofile import read_po, write_po

    path = root / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as stream:
        catalog = read_po(stream)
    catalog.add(message, translation)
    with path.open("wb") as stream:
        write_po(stream, catalog)


def _build(root: Path, *args: str) -> None:
    from conftest import run_cli

    result = run_cli("build", "--project", str(root), "--no-preview", "--emit-html", *args)
    assert result.returncode == 0, result.stdout + result.stderr


def _page_png(pdf: Path, page: int, tmp: Path, dpi: int = 40) -> Any:
    import subprocess

    from PIL import Image

    prefix = tmp / f"{pdf.stem}-{pdf.parent.name}-{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(prefix)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{prefix}.png").convert("RGB")


def _page_text(pdf: Path, page: int) -> str:
    import subprocess

    result = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    from conftest import BIDI_CONTROLS

    return " ".join(result.stdout.translate(BIDI_CONTROLS).split())


def yaml_title(path: Path) -> str:
    from ruamel.yaml import YAML

    return str(YAML(typ="safe").load(path.read_text(encoding="utf-8"))["title"])


def _is_brand(pixel: tuple[int, int, int]) -> bool:
    """The starter's --brand blue (#0033a0) as rendered, in RGB or converted for print."""
    red, green, blue = pixel
    return blue > 120 and red < 90 and green < 110


@pytest.fixture(scope="module")
def recipe_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new project with the cover and the chart recipes applied as the doc writes them."""
    root = create_project(
        tmp_path_factory.mktemp("recipes") / "leaflet", ["en", "fa", "ps"], today=MADE_ON
    )
    css, cover = section_blocks(
        "A cover in colour to the edges, and a page without the running footer"
    )
    assert (css.lang, cover.lang) == ("css", "jinja")
    with (root / "styles" / "leaflet.css").open("a", encoding="utf-8") as sheet:
        sheet.write("\n" + css.text + "\n")
    template = root / "templates" / "leaflet.html"
    _edit(template, "{% block body %}\n", "{% block body %}\n" + cover.text + "\n")
    _edit(root / "iombrochure.toml", "page_budget = 1", "page_budget = 2")
    figures, chart = section_blocks("A chart from data.yaml")
    assert (figures.lang, chart.lang) == ("yaml", "jinja")
    _edit(root / "content" / "data.yaml", "figures:\n", "figures:\n" + figures.text + "\n")
    _edit(template, '<section class="contact">', chart.text + '\n<section class="contact">')
    heading = re.search(r'_\("([^"]+)"\)', chart.text).group(1)
    _translate(root, "fa", heading, "شمار کسانی که هر سال کمک گرفتند")
    _translate(root, "ps", heading, "هر کال د مرستې ترلاسه کوونکي")
    _build(root, "--lang", "en", "--lang", "fa")
    return root


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_cover_recipe_gives_a_page_coloured_to_the_edges_without_the_footer(
    recipe_project: Path, lang: str, tmp_path: Path
):
    screen = recipe_project / "dist" / f"leaflet-{lang}.pdf"
    cover_text, next_text = _page_text(screen, 1), _page_text(screen, 2)
    page = {"en": "Page", "fa": "صفحه"}[lang]  # the page counter's word: "Page 2 of 2"
    assert page in next_text  # the footer is on the usual page ...
    assert page not in cover_text  # ... and on the cover, no footer at all
    title = yaml_title(recipe_project / "content" / lang / "leaflet.yaml")
    assert cover_text.count(title) == 1 and next_text.count(title) == 2  # h1; h1 and footer
    image = _page_png(screen, 1, tmp_path)
    width, height = image.size
    # The outermost pixels but one: at 40 dpi the last column is only partly on the page.
    edges = [
        (x, y)
        for x in (1, width // 2, width - 2)
        for y in (1, height // 2, height - 2)
        if (x, y) != (width // 2, height // 2)
    ]
    assert all(_is_brand(image.getpixel(point)) for point in edges), [
        image.getpixel(point) for point in edges
    ]
    usual = _page_png(screen, 2, tmp_path)
    assert usual.getpixel((width // 2, height - 1)) == (255, 255, 255)
    printed = _page_png(recipe_project / "dist" / "print" / f"leaflet-{lang}.pdf", 1, tmp_path)
    # Into the bleed, past the trim: the left edge of the sheet, halfway down and a third.
    assert _is_brand(printed.getpixel((1, printed.height // 3)))


def _bars(image: Any) -> list[tuple[int, int]]:
    """Each chart bar's left and right x, top to bottom: a solid run of the brand colour, at
    least 10 px long and 3 px high, that touches neither side of the page (the band and the
    cover do); letters of the brand colour are no such runs."""
    width, height = image.size
    found: list[tuple[int, int, int]] = []  # left, right, rows
    for y in range(height):
        row = [_is_brand(image.getpixel((x, y))) for x in range(width)]
        runs, x = [], 0
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((start, x - 1))
            x += 1
        long = [run for run in runs if run[1] - run[0] >= 10]
        if len(long) != 1 or long[0][0] == 0 or long[0][1] == width - 1:
            continue
        left, right = long[0]
        if found and abs(found[-1][0] - left) <= 1 and abs(found[-1][1] - right) <= 1:
            found[-1] = (found[-1][0], found[-1][1], found[-1][2] + 1)
        else:
            found.append((left, right, 1))
    return [(left, right) for left, right, rows in found if rows >= 3]


def test_the_chart_recipe_draws_the_numbers_of_data_yaml(recipe_project: Path, tmp_path: Path):
    def measured(lang: str) -> list[int]:
        image = _page_png(recipe_project / "dist" / f"leaflet-{lang}.pdf", 2, tmp_path, dpi=60)
        bars = _bars(image)
        assert len(bars) == 3, bars
        sides = [left for left, _ in bars] if lang == "en" else [right for _, right in bars]
        assert max(sides) - min(sides) <= 1, f"{lang}: the bars do not start on one side: {bars}"
        if lang == "fa":  # mirrored: the bars start on the right, past the page's middle
            assert min(sides) > image.width // 2
        return [right - left for left, right in bars]

    text = _page_text(recipe_project / "dist" / "leaflet-fa.pdf", 2)
    assert all(number in text for number in ("۹٬۸۰۰", "۱۱٬۲۰۰", "۱۲٬۵۰۰", "۲۰۲۴")), text
    before = {lang: measured(lang) for lang in ("en", "fa")}
    for lengths in before.values():  # 9,800, 11,200 and 12,500 against the largest
        assert lengths[0] / lengths[2] == pytest.approx(9800 / 12500, abs=0.03)
        assert lengths[1] / lengths[2] == pytest.approx(11200 / 12500, abs=0.03)

    _edit(recipe_project / "content" / "data.yaml", "helped_2024: 9800", "helped_2024: 25000")
    _build(recipe_project, "--lang", "en", "--lang", "fa", "--variant", "screen")
    text = _page_text(recipe_project / "dist" / "leaflet-fa.pdf", 2)
    assert "۲۵٬۰۰۰" in text and "۹٬۸۰۰" not in text
    assert "25,000" in _page_text(recipe_project / "dist" / "leaflet-en.pdf", 2)
    for lang in ("en", "fa"):
        lengths = measured(lang)
        assert lengths[0] > before[lang][0]  # now the longest: the others are drawn shorter
        assert lengths[2] / lengths[0] == pytest.approx(12500 / 25000, abs=0.03)

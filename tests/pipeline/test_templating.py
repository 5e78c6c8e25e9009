"""Template stage: errors about template variables name the template line and what to do;
alt texts without direction marks; filters bound per edition; the bar chart helper."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import BIDI_CONTROLS, leaflet_project, run_cli
from iombrochure.errors import TemplateError
from iombrochure.pipeline.checks import run_checks
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.content import load_content
from iombrochure.pipeline.templating import (
    clean_alt_texts,
    make_environment,
    render_edition,
    stylesheets_for,
)


def template_errors(root: Path) -> list[str]:
    report = run_checks(load_project(root))
    return [f.format(root) for f in report.errors if f.rule == "template-error"]


def test_a_missing_footer_title_names_base_html_and_says_where_to_set_it(tmp_path: Path):
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    card.write_text(card.read_text().replace("{% set footer_title = doc.title %}\n", ""))
    (error,) = template_errors(root)  # once, not once per language
    base = (root / "templates" / "base.html").read_text().splitlines()
    line = next(n for n, text in enumerate(base, 1) if "footer_title | css_string" in text)
    assert error.startswith(f"templates/base.html:{line}: 'footer_title' is undefined")
    assert "add {% set footer_title = doc.title %} near the top of templates/card.html" in error


def test_a_misspelt_field_in_a_template_points_at_the_fields(tmp_path: Path):
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    card.write_text(card.read_text().replace("doc.text", "doc.txet"))
    (error,) = template_errors(root)
    assert error.startswith("templates/card.html:5: ")
    assert "no field 'txet' there: check the field name against content/fields.yaml" in error


def test_print_stylesheets_come_last_and_only_in_print(tmp_path: Path):
    project = load_project(leaflet_project(tmp_path / "p"))
    leaflet = project.documents["leaflet"]
    print_sheets = stylesheets_for(project, leaflet, "rtl", "ps", "print")
    assert print_sheets[-2:] == ["styles/print.css", "styles/band-into-bleed.css"]
    assert "styles/band-into-bleed.css" not in stylesheets_for(project, leaflet, "rtl", "ps")


def _figure_alt_texts(pdf: Path) -> list[str]:
    """The /Alt of every Figure of a PDF's tag tree: what a screen reader says for a picture."""
    from pypdf import PdfReader

    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "keys"):
            return
        if node.get("/S") == "/Figure" and "/Alt" in node:
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        kids = [] if kids is None else kids.get_object()
        for kid in kids if isinstance(kids, list) else [kids]:
            if not isinstance(kid, int):
                walk(kid)

    walk(PdfReader(str(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_alt_text_reaches_the_pdf_without_direction_marks(scratch_project: Path):
    """The Persian QR code's alt text has Latin words (QR, the address), which the localize
    stage isolates for the line breaker; the template prints it with no filter, and the
    PDF's /Alt, which a screen reader reads out, holds the words without the marks."""
    template = (scratch_project / "templates" / "brochure.html").read_text(encoding="utf-8")
    assert 'alt="{{ doc.pictures.qr_code }}"' in template
    result = run_cli(
        "build", "--project", str(scratch_project), "--doc", "brochure", "--lang", "fa",
        "--variant", "screen", "--no-preview", "--emit-html",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    alts = _figure_alt_texts(scratch_project / "dist" / "brochure-fa.pdf")
    qr = next(alt for alt in alts if "QR" in alt)
    assert "www.iom.int" in qr and "سازمان بین‌المللی مهاجرت" in qr
    assert len(alts) == 2 and [alt for alt in alts if alt.translate(BIDI_CONTROLS) != alt] == []
    html = (scratch_project / "dist" / "html" / "brochure-fa.html").read_text(encoding="utf-8")
    # The address printed as the page's text keeps its isolates: only the alt text loses them.
    assert '<span class="latin">\u2066www.iom.int\u2069</span>' in html


def test_alt_attributes_lose_their_direction_marks_however_they_are_written():
    html = (
        '<p title="\u2066a\u2069">\u2066IOM\u2069</p>'
        "<img src='x>y' ALT='\u2067\u0645 \u2066IOM\u2069'>"
        '<img alt="&#x2066;IOM&#8297; &amp; co" src="z">'
        "<img alt=\u2066IOM\u2069>"
    )
    assert clean_alt_texts(html) == (
        '<p title="\u2066a\u2069">\u2066IOM\u2069</p>'
        "<img src='x>y' ALT='\u0645 IOM'>"
        '<img alt="IOM &amp; co" src="z">'
        "<img alt=IOM>"
    )


def test_a_constant_through_an_edition_filter_is_written_in_each_editions_digits(tmp_path: Path):
    """``{{ "2024" | digits }}`` is not computed once, when the template is compiled for the
    first edition: the Persian edition filled after the English one writes ۲۰۲۴."""
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    card.write_text(
        card.read_text().replace("{% endblock %}", '<p>{{ "2024" | digits }} {{ 12500 | number }}'
        ' {{ "IOM" | ltr }}</p>\n{% endblock %}'),
    )  # fmt: skip
    project = load_project(root)
    content = load_content(project)
    env = make_environment(project)  # one environment for every edition, as a build has
    printed = {
        lang: render_edition(project, content, project.documents["card"], lang, env=env).html
        for lang in ("en", "fa")
    }
    assert "<p>2024 12,500 IOM</p>" in printed["en"]
    assert "<p>۲۰۲۴ ۱۲٬۵۰۰ \u2066IOM\u2069</p>" in printed["fa"]


@pytest.mark.parametrize(
    ("call", "says"),
    [
        ("bar_chart([('2025', data.figures.cash_afn)])", "not a number: take it from data.raw"),
        ("bar_chart([('2025', -1)])", "below zero"),
        ("bar_chart([])", "no bars"),
        ("bar_chart(['2025'])", "takes (label, number) pairs"),
        ("bar_chart([('a', 1)], colour='red; background: url(x)')", "is not a CSS colour"),
    ],
)
def test_a_bar_chart_of_what_is_no_number_names_the_template_line(
    tmp_path: Path, call: str, says: str
):
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    card.write_text(
        card.read_text().replace("{% endblock %}", f"{{{{ {call} }}}}\n{{% endblock %}}")
    )
    project = load_project(root)
    with pytest.raises(TemplateError) as raised:
        render_edition(project, load_content(project), project.documents["card"], "en")
    assert (raised.value.path.name, raised.value.line) == ("card.html", 6)
    assert says in raised.value.message


def test_a_bar_chart_scales_its_bars_to_the_largest_and_writes_the_editions_digits(
    tmp_path: Path,
):
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    chart = "{{ bar_chart([('<b>', 2000), ('b', 1000), ('c', 0)]) }}"
    card.write_text(card.read_text().replace("{% endblock %}", chart + "\n{% endblock %}"))
    project = load_project(root)
    content = load_content(project)
    printed = {
        lang: render_edition(project, content, project.documents["card"], lang).html
        for lang in ("en", "fa")
    }
    for html in printed.values():
        widths = re.findall(r'class="bar-chart-bar" style="[^"]*width: ([\d.]+)%', html)
        assert widths == ["100.0", "50.0", "0.0"]
        assert '<span class="bar-chart-label" style="flex: none; width: 30%">&lt;b&gt;' in html
    values = [
        re.findall(r'class="bar-chart-value"[^>]*>([^<]*)<', printed[lang]) for lang in printed
    ]
    assert values == [["2,000", "1,000", "0"], ["۲٬۰۰۰", "۱٬۰۰۰", "۰"]]


def test_cleaning_alt_texts_finishes_over_a_hostile_output():
    """Unclosed tags and quotes, as a template may print them: a pattern for whole tags
    backtracked for 10 s over 80 KB of '<a b c d e f g ', and for hours over this input; one
    pass over the text takes milliseconds. The alarm is a guard against that hang, not a speed
    target (benchmarks measure speed)."""
    import signal

    def hung(*_: object) -> None:
        raise AssertionError("cleaning alt texts did not finish in 60 s: it backtracks")

    hostile = "<a b c d e f g " * 100_000 + " alt='x" * 100_000 + '<img alt="\u2066x">'
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        cleaned = clean_alt_texts(hostile)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert cleaned.endswith('<img alt="x">')

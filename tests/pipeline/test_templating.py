"""Template stage: errors about template variables name the template line and what to do."""

from __future__ import annotations

from pathlib import Path

from conftest import leaflet_project
from iombrochure.pipeline.checks import run_checks
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.templating import stylesheets_for


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


def test_a_template_writes_amounts_with_the_money_filter_and_data_money(tmp_path: Path):
    """``{{ 250 | money("USD") }}`` for an amount the template has, ``data.money.<name>`` for a
    money fact: each edition's own way, isolated as in content text."""
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    card.write_text(
        card.read_text().replace(
            "{% endblock %}",
            '<p class="fee">{{ 250 | money("USD", sign="code") }} / {{ data.money.cash_grant }}'
            "</p>\n{% endblock %}",
        )
    )
    report = run_checks(load_project(root))
    assert report.errors == []
    pages = {job.lang: edition.html for job, edition in report.editions.items()}
    assert "\u2066\u2068USD\u2069\u00a0250\u2069 / \u2066\u2068؋\u206915,000\u2069" in pages["en"]
    assert (
        "\u2067\u2068USD\u2069\u00a0۲۵۰\u2069 / \u2067\u2068؋\u2069\u00a0۱۵٬۰۰۰\u2069"
        in pages["fa"]
    )


def test_a_bad_currency_in_the_money_filter_names_the_template_line(tmp_path: Path):
    root = leaflet_project(tmp_path / "p")
    card = root / "templates" / "card.html"
    source = card.read_text().replace(
        "{% endblock %}", '{{ 250 | money("DOLLAR") }}\n{% endblock %}'
    )
    card.write_text(source)
    line = source.splitlines().index('{{ 250 | money("DOLLAR") }}') + 1
    (error,) = template_errors(root)
    assert error.startswith(f"templates/card.html:{line}: ")
    assert "currency 'DOLLAR' is not an ISO 4217 currency code" in error

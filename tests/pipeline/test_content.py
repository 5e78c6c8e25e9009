"""Content stage: YAML is read safely, validated against its schema, with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from iombrochure.errors import ContentError
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.content import ContentErrors, load_content, read_content, read_yaml


def test_bundled_content_is_valid(scratch_project: Path):
    content = load_content(load_project(scratch_project))
    assert set(content.files) == {"en", "fa"}
    assert content.data.data["figures"]["people_returned"] == 370000


def test_bad_yaml_names_file_and_line(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    path.write_text(path.read_text() + "\nkey_figures: [unclosed\n")
    with pytest.raises(ContentError) as caught:
        load_content(load_project(scratch_project))
    assert caught.value.path == path
    assert caught.value.line is not None


def test_misspelt_field_is_reported_with_a_suggestion(scratch_project: Path):
    path = scratch_project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("lede:", "leed:"))
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    messages = [error.message for error in caught.value.errors]
    assert any("unknown field 'leed'" in m and "did you mean 'lede'" in m for m in messages)
    assert any("missing field 'lede'" in m for m in messages)


def test_missing_translation_is_reported(scratch_project: Path):
    path = scratch_project / "content" / "fa" / "factsheet.yaml"
    text = path.read_text()
    start = text.index("subject:")
    end = text.index("keywords:")
    path.write_text(text[:start] + text[end:])
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    assert any(e.path == path and "subject" in e.message for e in caught.value.errors)


def test_unknown_placeholder_names_the_line(scratch_project: Path):
    path = scratch_project / "content" / "en" / "factsheet.yaml"
    path.write_text(path.read_text().replace("{figures.member_states}", "{figures.members}"))
    with pytest.raises(ContentErrors) as caught:
        load_content(load_project(scratch_project))
    error = caught.value.errors[0]
    assert "figures.members" in error.message and "did you mean" in error.message
    assert error.line == next(
        number
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{figures.members}" in line
    )


def test_aliases_are_refused_before_expansion(tmp_path: Path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text('a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n')
    with pytest.raises(ContentError, match="anchors and aliases"):
        read_yaml(bomb)


def test_tags_are_refused(tmp_path: Path):
    path = tmp_path / "tag.yaml"
    path.write_text("title: !!python/object:os.system 'echo hi'\n")
    with pytest.raises(ContentError, match="tags"):
        read_yaml(path)


def test_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ContentError, match="UTF-8"):
        read_yaml(path)


def errors_of(root: Path) -> list[tuple[str, int | None, str | None, str]]:
    _, errors = read_content(load_project(root))
    return [(e.path.relative_to(root).as_posix(), e.line, e.rule, e.message) for e in errors]


def edit(root: Path, file: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in a content file; the line the edit starts on."""
    path = root / "content" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize(
    "control", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"]
)
def test_an_invisible_bidi_control_in_english_content_is_refused(
    scratch_project: Path, control: str
):
    line = edit(scratch_project, "en/factsheet.yaml", "label: Founded", f"label: Fou{control}nded")
    found = errors_of(scratch_project)
    assert [(path, number, rule) for path, number, rule, _ in found] == [
        ("content/en/factsheet.yaml", line, "bidi-control")
    ]
    assert (
        f"key_figures[0].label contains an invisible bidi control U+{ord(control):04X}"
        in (found[0][3])
    )


def test_persian_content_leaves_bidi_controls_to_its_typography_rules(scratch_project: Path):
    """Persian's rule set (check's bidi-control rule) refuses overrides and allows balanced
    isolates and marks: the content stage does not say it a second time."""
    edit(scratch_project, "fa/factsheet.yaml", "label: کشورهای ناظر", "label: کشورهای \u202eناظر")
    assert errors_of(scratch_project) == []


def test_a_line_break_in_a_one_line_field_is_refused_in_every_language(scratch_project: Path):
    title = "title: IOM in the Islamic Republic of Iran"
    line = edit(scratch_project, "en/factsheet.yaml", title, 'title: "IOM in the\\nRepublic"')
    fa_line = edit(
        scratch_project,
        "fa/factsheet.yaml",
        "label: کشورهای ناظر",
        "label: |\n      کشورهای\n      ناظر",
    )
    assert errors_of(scratch_project) == [
        (
            "content/en/factsheet.yaml",
            line,
            "line-break",
            "title is one line of text but holds a line break",
        ),
        (
            "content/fa/factsheet.yaml",
            fa_line,
            "line-break",
            "key_figures[2].label is one line of text but holds a line break",
        ),
    ]


def test_prose_keeps_its_paragraphs_and_a_text_its_final_line_break(scratch_project: Path):
    """Only a break inside a one-line field is a mistake: ``|`` ends a value with one."""
    edit(scratch_project, "en/factsheet.yaml", "lede: >-\n", "lede: |\n  First paragraph.\n\n")
    edit(scratch_project, "en/factsheet.yaml", "    label: Founded", "    label: |\n      Founded")
    assert errors_of(scratch_project) == []


# -- money facts: an amount and its currency --------------------------------------------------

MONEY = """
money:
  cash_grant: {amount: 10000, currency: AFN}
  fee: {amount: 12.5, currency: USD, sign: code}
"""


def test_a_money_fact_is_an_amount_and_its_currency(scratch_project: Path):
    (scratch_project / "content" / "data.yaml").open("a", encoding="utf-8").write(MONEY)
    assert errors_of(scratch_project) == []
    edit(scratch_project, "en/factsheet.yaml", "label: Founded", "label: Founded ({money.fee})")
    assert errors_of(scratch_project) == []


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        ("10000 AFN", "money.cash_grant: must be an amount and its currency"),
        ("{amount: 10000}", "money.cash_grant: needs both amount and currency"),
        ("{amount: 10000, currency: AFG}", "currency 'AFG' is not an ISO 4217 currency code"),
        ("{amount: 10000, currency: afn}", "(did you mean 'AFN'?)"),
        ('{amount: "10,000", currency: AFN}', "amount must be a number written without"),
        ("{amount: -5, currency: AFN}", "amount -5 is not an amount that can be printed"),
        ("{amount: 12.5, currency: AFN}", "more decimals than AFN is written with (no decimals)"),
        ("{amount: 12.505, currency: USD}", "more decimals than USD is written with (2 decimals)"),
        ("{amount: 10, currency: USD, sign: word}", "sign 'word' is not one of symbol, code"),
        ("{amount: 10, currency: USD, curency: USD}", "has 'curency', but a money fact has only"),
    ],
)
def test_a_money_fact_that_cannot_be_printed_names_its_line(
    scratch_project: Path, fact: str, message: str
):
    data = scratch_project / "content" / "data.yaml"
    lines = data.read_text(encoding="utf-8").count("\n")
    data.open("a", encoding="utf-8").write(f"\nmoney:\n  cash_grant: {fact}\n")
    ((path, line, rule, found),) = errors_of(scratch_project)
    assert (path, line, rule) == ("content/data.yaml", lines + 3, "data")
    assert message in found

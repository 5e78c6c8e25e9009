"""Recipient lists: a CSV mistake is reported with its line, never swallowed in silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from iombrochure.errors import ContentError
from iombrochure.mail.recipients import read_recipients

HEADER = "email,name,organization,lang\n"


def read(path: Path, text: str):
    path.write_text(text, encoding="utf-8")
    return read_recipients(
        path, languages=["en", "fa"], source_language="en", campaign_languages=["en", "fa"]
    )


def test_an_unclosed_quote_is_reported_with_the_rows_it_swallowed(tmp_path: Path):
    rows, problems = read(
        tmp_path / "people.csv",
        HEADER
        + "ali@example.org,Ali,UNHCR,fa\n"
        + 'sam@example.org,"Sam,IOM,en\n'  # the quote is never closed
        + "mina@example.org,Mina,UNICEF,fa\n"
        + "reza@example.org,Reza,,en\n",
    )
    assert [row.email for row in rows] == ["ali@example.org"]
    (problem,) = problems
    assert problem.line == 3
    assert "a quote opened on this line is not closed" in problem.message
    assert "the 2 line(s) after it (to line 5)" in problem.message


def test_a_quoted_line_break_in_an_address_is_fine(tmp_path: Path):
    rows, problems = read(
        tmp_path / "people.csv", HEADER + 'ali@example.org,Ali,"UNHCR\nTehran office",fa\n'
    )
    assert problems == [] and rows[0].organization.startswith("UNHCR")


def test_a_field_over_the_csv_limit_is_one_error_with_its_line(tmp_path: Path):
    with pytest.raises(ContentError) as caught:
        read(tmp_path / "people.csv", HEADER + 'ali@example.org,"' + "x" * 200_000 + '",,en\n')
    assert caught.value.line == 2
    assert "field larger than field limit" in caught.value.message


def test_a_header_of_thousands_of_columns_is_refused_at_once(tmp_path: Path):
    with pytest.raises(ContentError) as caught:
        read(tmp_path / "people.csv", HEADER.strip() + ",extra" * 100_000 + "\n")
    assert caught.value.line == 1 and "100,004 columns" in caught.value.message


def test_a_quoted_line_break_with_a_comma_after_it_is_still_one_field(tmp_path: Path):
    """Legal CSV: a quoted organization on two lines, the second with a comma, is not rows
    swallowed by an unclosed quote; it becomes one line."""
    rows, problems = read(
        tmp_path / "people.csv",
        HEADER + 'ali@example.org,Ali,"UNHCR\nVanak Square, Tehran",fa\nsam@example.org,Sam,,en\n',
    )
    assert problems == []
    assert [(row.email, row.organization) for row in rows] == [
        ("ali@example.org", "UNHCR Vanak Square, Tehran"),
        ("sam@example.org", ""),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "Ali\u202egro.elpmaxe@evil",
            "the name contains an invisible bidi control U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        ("\u200fعلی رضایی", "the name contains an invisible bidi control U+200F"),
        ('"Ali\nRezaei"', "the name is written on two lines"),
    ],
)
def test_a_name_with_hidden_characters_is_refused_with_its_line(
    tmp_path: Path, name: str, message: str
):
    rows, problems = read(
        tmp_path / "people.csv",
        HEADER + "sam@example.org,Sam,,en\n" + f"ali@example.org,{name},UNHCR,fa\n",
    )
    assert [row.email for row in rows] == ["sam@example.org"]
    (problem,) = problems
    assert problem.line == 3 and problem.message.startswith(message), problem.message


def test_a_quoted_field_over_two_lines_with_commas_and_an_address_is_one_field(tmp_path: Path):
    rows, problems = read(
        tmp_path / "people.csv",
        HEADER
        + 'b@example.org,Bob,"Ministry of Interior,\nBureau for Aliens, b@example.org",en\n'
        + "mina@example.org,Mina,UNICEF,fa\n",
    )
    assert not problems
    assert [row.email for row in rows] == ["b@example.org", "mina@example.org"]
    assert rows[0].organization == "Ministry of Interior, Bureau for Aliens, b@example.org"


def test_a_quote_closed_rows_later_is_still_reported(tmp_path: Path):
    rows, problems = read(
        tmp_path / "people.csv",
        HEADER
        + 'ali@example.org,Ali,"UNHCR\n'  # closed only at the end of the next row
        + 'mina@example.org,Mina,UNICEF,fa",fa\n',
    )
    assert rows == []
    (problem,) = problems
    assert "a quote opened on this line is not closed" in problem.message

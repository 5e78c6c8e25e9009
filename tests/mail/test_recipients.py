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

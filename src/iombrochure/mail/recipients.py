"""The recipients' CSV: who gets the campaign, in which language.

The file is UTF-8 (with or without the byte-order mark Excel writes), with a header line naming
at least ``email``, ``name``, ``organization`` and ``lang``. Other columns are kept and can be
used in the campaign's templates. A bad row is reported with its line number and skipped, so one
typo does not hold back the other partners' messages.
"""

from __future__ import annotations

import csv
import io
import re
import stat
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iombrochure.errors import ContentError
from iombrochure.mail.settings import check_addr_spec
from iombrochure.pipeline.content import LINE_BREAKS, bidi_control_problem
from iombrochure.pipeline.i18n import strip_bidi_controls

REQUIRED_COLUMNS = ("email", "name", "organization", "lang")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
#: A cell that is an e-mail address and nothing else.
_ADDRESS_CELL = re.compile(r"[^\s@\"]+@[^\s@\"]+\.[^\s@\"]+")


@dataclass(frozen=True)
class Recipient:
    """One row that passed every check."""

    line: int
    email: str
    name: str
    organization: str
    lang: str
    fields: dict[str, str] = field(default_factory=dict)  # every column, for the templates


def read_recipients(
    path: Path,
    *,
    languages: Collection[str],
    source_language: str,
    campaign_languages: Collection[str],
) -> tuple[list[Recipient], list[ContentError]]:
    """The good rows, and one problem (with its line) for every row that was left out."""
    text = _read_text(path)
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    header = _header(path, _next_row(reader, path, 1))
    recipients: list[Recipient] = []
    problems: list[ContentError] = []
    seen: dict[str, int] = {}
    line = reader.line_num + 1
    while (row := _next_row(reader, path, line)) is not None:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue

        def problem(message: str, hint: str | None = None, at: int = start) -> None:
            problems.append(ContentError(message, path=path, line=at, hint=hint))

        if _swallows_rows(row, len(header), dialect.delimiter):
            problem(
                f"a quote opened on this line is not closed: the {line - 1 - start} line(s) "
                "after it "
                f"(to line {line - 1}) were read as part of one field",
                hint='close the quote ("), or remove it',
            )
            continue
        if len(row) != len(header):
            problem(f"this row has {len(row)} fields but the header has {len(header)}")
            continue
        hidden = _hidden_characters(dict(zip(header, row, strict=True)))
        if hidden:
            problem(*hidden)
            continue
        values = {name: _clean(cell) for name, cell in zip(header, row, strict=True)}
        try:
            email = normalize_address(values["email"])
        except ValueError as exc:
            problem(f"invalid e-mail address: {exc}")
            continue
        key = email.casefold()
        if key in seen:
            problem(f"duplicate address {email} (first on line {seen[key]})")
            continue
        lang = _language(values["lang"], languages) or ""
        if not values["lang"]:
            lang = source_language
        if not lang:
            problem(
                f"unknown language {values['lang']!r}; this project has: {', '.join(languages)}"
            )
            continue
        if lang not in campaign_languages:
            problem(
                f"the campaign has no {lang!r} message for {email}",
                hint=f"add a '{lang}:' section to the campaign, or change this row's lang",
            )
            continue
        seen[key] = start
        fields = {name: value for name, value in values.items() if _IDENTIFIER.fullmatch(name)}
        fields.update(email=email, lang=lang)
        recipients.append(
            Recipient(
                line=start,
                email=email,
                name=values["name"],
                organization=values["organization"],
                lang=lang,
                fields=fields,
            )
        )
    return recipients, problems


def normalize_address(text: str) -> str:
    """``Ali@Example.ORG`` -> ``Ali@example.org``; a non-Latin domain in its ASCII (IDNA) form."""
    local, _, domain = text.strip().rpartition("@")
    if local and domain and not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"{text!r} has an invalid domain") from exc
    address = f"{local}@{domain.lower()}" if local else text.strip()
    check_addr_spec(address)
    return address


#: More columns than this is not a recipient list (and would make every row slow to read).
MAX_COLUMNS = 200
#: A recipient list of 100,000 rows is a few MB; a larger file is refused before it is read.
MAX_RECIPIENTS_BYTES = 32 * 1024 * 1024


def _next_row(reader: Any, path: Path, line: int) -> list[str] | None:
    """The next row, or None at the end; the csv module's errors become one line."""
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise ContentError(
            f"cannot read this row of the CSV file: {exc}",
            path=path,
            line=line,
            hint='a field this long is usually a quote (") that is never closed',
        ) from None


def _swallows_rows(row: list[str], columns: int, delimiter: str) -> bool:
    """Whether an unclosed quote folded whole CSV rows into one field. A quoted field with a
    line break is legal CSV (an organization's two-line name) when the row still has every
    column; a row short of columns, or a field whose later lines look like rows of their own
    (nearly a row's number of fields, one of them a whole e-mail address), is rows read as
    text. A field such as "Ministry of Interior,<line break>Bureau for Aliens, a@b.org" is a
    legal two-line field: two fields on its later line are not a row of four columns."""
    multi_line = [cell for cell in row if any(char in cell for char in "\r\n")]
    if not multi_line:
        return False
    if len(row) != columns:
        return True
    later_lines = [text for cell in multi_line for text in cell.splitlines()[1:]]
    return any(_looks_like_a_row(text, columns, delimiter) for text in later_lines)


def _looks_like_a_row(text: str, columns: int, delimiter: str) -> bool:
    cells = [cell.strip().strip('"') for cell in text.split(delimiter)]
    return len(cells) >= max(2, columns - 1) and any(_ADDRESS_CELL.fullmatch(c) for c in cells)


def _hidden_characters(cells: dict[str, str]) -> tuple[str, str] | None:
    """(problem, hint) for a row with characters a spreadsheet does not show but a mail
    program obeys: an invisible bidi control anywhere (U+202E can make the To: line show an
    address other than the one written), or a line break in the name, which is the To: line
    and the greeting. None when the row is clean. A line break elsewhere (an organization
    written on two lines) becomes a space."""
    for column, cell in cells.items():
        if problem := bidi_control_problem(cell):
            return f"the {column} {problem}", f"retype the {column} without it"
    if any(char in LINE_BREAKS for char in cells["name"].strip()):
        return (
            "the name is written on two lines (a line break inside its quotes)",
            "write the name on one line: it is the To: line and the greeting",
        )
    return None


def _read_text(path: Path) -> str:
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a pipe would be waited on for ever
            raise ContentError(
                "the recipients file is not a file (a folder, a device or a pipe)",
                path=path,
                hint="give the CSV file exported from your spreadsheet",
            )
        size = status.st_size
        if size > MAX_RECIPIENTS_BYTES:
            raise ContentError(
                f"the recipients file is {size >> 20} MB, over the limit of "
                f"{MAX_RECIPIENTS_BYTES >> 20} MB: refused unread",
                path=path,
                hint="is it the right file?",
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError("recipients file not found", path=path) from exc
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path=path) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(
            "the file is not UTF-8 text",
            path=path,
            line=line,
            hint='save it as "CSV UTF-8" in your spreadsheet program',
        ) from exc


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the semicolons or tabs some spreadsheet programs write instead."""
    first = text.split("\n", 1)[0][:4096]  # the sniffer is slow on long lines
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _header(path: Path, row: list[str] | None) -> list[str]:
    if not row:
        raise ContentError("the file is empty", path=path, hint="the first line names the columns")
    if len(row) > MAX_COLUMNS:
        raise ContentError(
            f"the header has {len(row):,} columns; a recipient list has a few",
            path=path,
            line=1,
            hint="the first line must name at least: " + ",".join(REQUIRED_COLUMNS),
        )
    header = [cell.strip().lower() for cell in row]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ContentError(
            f"the header has no {', '.join(missing)} column{'s' * (len(missing) > 1)}",
            path=path,
            line=1,
            hint="the first line must name at least: " + ",".join(REQUIRED_COLUMNS),
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise ContentError(f"the header names {', '.join(duplicated)} twice", path=path, line=1)
    return header


def _clean(value: str) -> str:
    """One line of text: no control characters or bidi overrides, whitespace collapsed."""
    value = strip_bidi_controls(value)
    value = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(value.split())


def _language(value: str, languages: Collection[str]) -> str | None:
    code = value.strip().lower().replace("_", "-")
    if code in languages:
        return code
    base = code.split("-", 1)[0]  # "fa-IR" is Persian
    return base if base in languages else None

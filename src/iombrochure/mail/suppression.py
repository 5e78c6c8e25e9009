"""The suppression list: partners who asked to receive no more messages from the office.

A plain text file named by ``[mail] suppression_list``: one address per line, ``#`` starts a
comment (a date, who asked, how). Compose leaves these partners out, send skips any message
addressed to one of them (an opt-out that arrives between compose and send is honoured), and
``iombrochure mail unsubscribe ADDRESS...`` adds to it. Addresses are compared without regard
to case, as partners and spreadsheets write them in any case.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from iombrochure.errors import ContentError

#: A list of ten thousand addresses is a few hundred KB; more is not a suppression list.
MAX_LIST_BYTES = 8 * 1024 * 1024

HEADER = (
    "# Partners who asked to receive no more e-mail from the office: one address per line.\n"
    "# compose leaves them out and send skips them. Add with: iombrochure mail unsubscribe ADDRESS\n"
)


@dataclass
class SuppressionList:
    """The opted-out addresses of one file, each with the line it is on."""

    path: Path | None
    lines: dict[str, int] = field(default_factory=dict)  # casefolded address -> line
    size: int = 0  # bytes the file had when read: 0 when missing or empty

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and address.casefold() in self.lines

    def line_of(self, address: str) -> int | None:
        return self.lines.get(address.casefold())

    def where(self, address: str) -> str:
        """``opted-out.txt:3`` for messages that say why a partner was left out."""
        name = self.path.name if self.path else "suppression list"
        line = self.line_of(address)
        return f"{name}:{line}" if line else name


def read_suppression_list(path: Path | None) -> SuppressionList:
    """The list in ``path``; an empty list when no list is configured or the file is missing."""
    result = SuppressionList(path=path)
    if path is None:
        return result
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a pipe would never end, a folder cannot be read
            raise ContentError(
                "the suppression list is not a file (a folder, a device or a pipe)",
                path=path,
                hint="[mail] suppression_list names a text file, one address per line",
            )
        if status.st_size > MAX_LIST_BYTES:
            raise ContentError(
                f"the suppression list is over {MAX_LIST_BYTES >> 20} MB: refused unread",
                path=path,
                hint="is it the right file? It holds one address per line",
            )
        text = path.read_text(encoding="utf-8-sig")
        result.size = status.st_size
    except FileNotFoundError:
        return result
    except OSError as exc:
        raise ContentError(
            f"cannot read the suppression list: {exc.strerror or exc}",
            path=path,
            hint="make the file readable by your user",
        ) from None
    except UnicodeDecodeError as exc:
        raise ContentError(
            "the suppression list is not UTF-8 text", path=path, hint="save it as UTF-8"
        ) from exc
    from iombrochure.mail.recipients import normalize_address

    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            address = normalize_address(entry)
        except ValueError as exc:
            raise ContentError(
                f"not an e-mail address: {exc}",
                path=path,
                line=number,
                hint="one address per line; a comment starts with #",
            ) from exc
        result.lines.setdefault(address.casefold(), number)
    return result


def add_to_suppression_list(
    path: Path, addresses: list[str], *, note: str = ""
) -> tuple[list[str], list[str]]:
    """Append the addresses not yet listed; returns (added, already listed).

    Every address is checked first, so a typo adds nothing. The file is appended to, never
    rewritten, so the office's own comments and order are kept.
    """
    from iombrochure.mail.recipients import normalize_address

    checked: list[str] = []
    for text in addresses:
        try:
            checked.append(normalize_address(text))
        except ValueError as exc:
            raise ContentError(f"not an e-mail address: {exc}", hint="nothing was added") from exc
    current = read_suppression_list(path)
    added: list[str] = []
    already: list[str] = []
    for address in checked:
        if address in current or address.casefold() in {a.casefold() for a in added}:
            already.append(address)
        else:
            added.append(address)
    if added:
        today = dt.date.today().isoformat()
        comment = f"  # {today}{' ' + note if note else ''}"
        lines = "".join(f"{address}{comment}\n" for address in added)
        try:
            prefix = _prefix(path, current.size)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as stream:
                stream.write(prefix + lines)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            raise ContentError(
                f"cannot add to the suppression list: {exc.strerror or exc}",
                path=path,
                hint="make the file and its folder writable by your user; nothing was added",
            ) from None
    return added, already


def _prefix(path: Path, size: int) -> str:
    """What goes before the new lines: the header in a new file, a line break after a last
    line written by hand without one."""
    if not size:
        return HEADER
    with path.open("rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return "" if stream.read(1) == b"\n" else "\n"

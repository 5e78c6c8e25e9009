"""Bounces: the delivery reports (RFC 3464 DSNs) that come back to the envelope sender.

A partner's address that no longer exists makes every later campaign bounce again, and mailbox
providers lower the standing of a sender that keeps writing to dead addresses. ``mail bounces``
reads a mailbox the office saved (an mbox file, or a Maildir folder), finds the delivery
reports in it, and adds the *hard* bounces to the suppression list.

Only a permanent failure of the address itself is hard: status 5.1.x (no such user, no such
domain, bad address syntax) and 5.2.1 (mailbox disabled). A full mailbox (5.2.2), a message
too large (5.3.4), a refusal by policy or as spam (5.7.x) or any 4.x.x delay says nothing
against the address, and suppressing those partners would drop people who still read their
mail: they are reported, not added.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path

from iombrochure.mail.settings import MailError

_STATUS = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})")


@dataclass(frozen=True)
class Bounce:
    """One recipient of one delivery report."""

    where: str  # the report's place in the mailbox, e.g. "bounces.mbox:3"
    address: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str  # the remote server's words, e.g. "smtp; 550 5.1.1 User unknown"

    @property
    def hard(self) -> bool:
        """Whether the address itself is gone for good (see the module's docstring)."""
        return self.action == "failed" and (
            self.status.startswith("5.1.") or self.status == "5.2.1"
        )

    @property
    def reason(self) -> str:
        return f"{self.status} {self.diagnostic}".strip()


@dataclass
class BounceReport:
    messages: int = 0  # messages read from the mailbox
    bounces: list[Bounce] = field(default_factory=list)

    @property
    def hard(self) -> list[Bounce]:
        return [b for b in self.bounces if b.hard]

    @property
    def other(self) -> list[Bounce]:
        return [b for b in self.bounces if not b.hard]

    @property
    def reports(self) -> int:
        return len({b.where for b in self.bounces})


def read_bounces(source: Path) -> BounceReport:
    """Every recipient of every delivery report in an mbox file or a Maildir folder."""
    report = BounceReport()
    for where, message in _messages(source):
        report.messages += 1
        report.bounces.extend(_delivery_status(message, where))
    return report


def _messages(source: Path) -> Iterator[tuple[str, Message]]:
    """(place, message) one at a time, so a large mailbox is never held in memory whole."""
    factory = _parse
    if source.is_dir():
        if not all((source / part).is_dir() for part in ("cur", "new")):
            raise MailError(
                "the folder is not a Maildir (it has no cur/ and new/)",
                path=source,
                hint="give an mbox file or a Maildir folder saved from the bounce mailbox",
            )
        box: mailbox.Mailbox = mailbox.Maildir(source, factory=factory, create=False)
        for key in sorted(box.iterkeys()):
            yield f"{source.name}/{key}", box[key]
        return
    if not source.is_file():
        raise MailError(
            "no such mailbox file or Maildir folder",
            path=source,
            hint="save the bounce mailbox as an mbox file (Thunderbird: ImportExportTools)",
        )
    with source.open("rb") as stream:
        if not stream.read(5) == b"From ":
            raise MailError(
                "the file is not an mbox (it does not start with a 'From ' line)",
                path=source,
                hint="give an mbox file or a Maildir folder saved from the bounce mailbox",
            )
    box = mailbox.mbox(source, factory=factory, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield f"{source.name}:{number}", box[key]
    finally:
        box.close()


def _parse(stream) -> Message:  # noqa: ANN001 - mailbox hands a binary file
    from email.parser import BytesParser

    return BytesParser(policy=default_policy).parse(stream)


def _delivery_status(message: Message, where: str) -> list[Bounce]:
    """The recipients a DSN reports on; an empty list for any other message."""
    if message.get_content_type() != "multipart/report":
        return []
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return []
    bounces: list[Bounce] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is about the report, then one per recipient
            address = _address(block.get("Final-Recipient")) or _address(
                block.get("Original-Recipient")
            )
            if not address:
                continue
            status = _STATUS.search(str(block.get("Status", "")))
            bounces.append(
                Bounce(
                    where=where,
                    address=address,
                    action=str(block.get("Action", "")).strip().lower(),
                    status=status.group(0) if status else "",
                    diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split()),
                )
            )
    return bounces


def _address(field_value: object) -> str:
    """The address of ``rfc822; jane@example.org`` (RFC 3464 address-type; address)."""
    if field_value is None:
        return ""
    kind, _, address = str(field_value).partition(";")
    if not address or kind.strip().lower() != "rfc822":
        return ""
    return address.strip().strip("<>")

"""mail bounces: delivery reports (RFC 3464) saved from the bounce mailbox, as Postfix writes them.

A hard bounce (the address is gone) is added to the suppression list; a full mailbox, a spam
refusal or a delay is reported and left alone, as is any message that is not a report.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from mailtest import make_mail_project, run_mail

from iombrochure.mail.bounces import read_bounces


def delivery_report(address: str, action: str, status: str, diagnostic: str) -> bytes:
    """A DSN the way Postfix sends it back to the envelope sender."""
    return f"""\
From: MAILER-DAEMON@mail.iom.int (Mail Delivery System)
To: bounces@iom.int
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B1"

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.iom.int.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.iom.int
Arrival-Date: Mon, 30 Nov 2026 09:14:03 +0330

Final-Recipient: rfc822; {address}
Original-Recipient: rfc822;{address}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.{address.split("@")[1]}
Diagnostic-Code: smtp; {diagnostic}

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: IOM Tehran <iomtehran@iom.int>
To: <{address}>
Message-ID: <introduction.6f1c0e9a4b7d2e8f3a5c9b1d0e2f4a6c@iom.int>

--B1--
""".encode()


REPORTS = [
    ("gone@example.org", "failed", "5.1.1", "550 5.1.1 <gone@example.org>: User unknown"),
    ("full@example.org", "failed", "5.2.2", "552 5.2.2 Mailbox full"),
    ("spam@example.org", "failed", "5.7.1", "550 5.7.1 Message rejected as spam"),
    ("slow@example.org", "delayed", "4.4.1", "connect to mx.example.org: Connection timed out"),
    ("nodomain@example.invalid", "failed", "5.1.2", "Host or domain name not found"),
]


def write_mbox(path: Path) -> Path:
    box = mailbox.mbox(path)
    for report in REPORTS:
        box.add(delivery_report(*report))
    box.add(b"From: jane.doe@example.org\nSubject: Out of office\n\nI am away until Monday.\n")
    box.close()
    return path


def test_hard_bounces_are_found_and_soft_ones_are_not(tmp_path: Path):
    report = read_bounces(write_mbox(tmp_path / "bounces.mbox"))
    assert report.messages == 6 and report.reports == 5
    assert [b.address for b in report.hard] == ["gone@example.org", "nodomain@example.invalid"]
    assert report.hard[0].reason == "5.1.1 smtp; 550 5.1.1 <gone@example.org>: User unknown"
    assert sorted(b.status for b in report.other) == ["4.4.1", "5.2.2", "5.7.1"]


@pytest.mark.parametrize("kind", ["mbox", "maildir"])
def test_mail_bounces_adds_hard_bounces_to_the_suppression_list(
    tmp_path: Path, built_project: Path, kind: str
):
    project = make_mail_project(tmp_path / "project", built_project)
    if kind == "mbox":
        source = write_mbox(tmp_path / "bounces.mbox")
    else:
        source = tmp_path / "Bounces"
        box = mailbox.Maildir(source)
        for report in REPORTS[:2]:
            box.add(delivery_report(*report))
    result = run_mail("bounces", str(source), cwd=project)
    assert result.returncode == 0, result.stderr
    assert (
        "gone@example.org: 5.1.1 smtp; 550 5.1.1 <gone@example.org>: User unknown; added to "
        "opted-out.txt" in result.stdout
    )
    assert "full@example.org: failed 5.2.2 smtp; 552 5.2.2 Mailbox full; not a hard bounce" in (
        result.stdout
    )
    listed = (project / "opted-out.txt").read_text(encoding="utf-8")
    assert "gone@example.org  # " in listed and "bounced: 5.1.1" in listed
    assert "full@example.org" not in listed and "spam@example.org" not in listed
    again = run_mail("bounces", str(source), cwd=project)
    assert "already in opted-out.txt" in again.stdout
    assert "0 address(es) added" in again.stdout


def test_a_file_that_is_no_mailbox_is_one_line(tmp_path: Path, built_project: Path):
    project = make_mail_project(tmp_path / "project", built_project)
    (tmp_path / "notes.txt").write_text("not a mailbox\n")
    for source, words in (
        (tmp_path / "notes.txt", "the file is not an mbox"),
        (tmp_path / "missing.mbox", "no such mailbox file or Maildir folder"),
        (tmp_path, "the folder is not a Maildir"),
    ):
        result = run_mail("bounces", str(source), cwd=project)
        assert result.returncode == 1, result.stderr
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1

"""SpamAssassin's verdict on the messages partners receive (optional: Debian's spamassassin).

Every composed message, English and Persian, with accented and Arabic-lettered names, is sent
through the real SMTP server five days after it was composed and scored by SpamAssassin with its
local rules only (``-L``: no network tests). A communications officer's mailing must not look
like spam: at most 1.0 points each, far below the usual threshold of 5.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from email.utils import format_datetime
from pathlib import Path

import pytest
from mailtest import RECIPIENTS, Recorder, make_mail_project, start_server, write_recipients

from iombrochure.mail.compose import compose_campaign
from iombrochure.mail.send import SendOptions, send_outbox
from iombrochure.mail.tokens import SECRET_VARIABLE
from iombrochure.pipeline.config import load_project

pytestmark = pytest.mark.skipif(
    shutil.which("spamassassin") is None,
    reason="SpamAssassin is not installed (Debian: apt-get install spamassassin)",
)

PARTNERS = [
    *RECIPIENTS,
    ("renee@example.fr", "Renée Lefèvre", "Médecins Sans Frontières", "fa"),
    ("isik@example.com.tr", "Işık Yılmaz", "Türk Kızılay", "en"),
    ("hossein@example.ir", "حسين كريمي", "شركت ملي نفت", "fa"),
]
SEPARATOR = b"From iomtehran@iom.int Tue Dec  1 08:00:00 2026\n"
STATUS = re.compile(
    r"^X-Spam-Status: (?:Yes|No), score=(-?[0-9.]+) ([^\n]*(?:\n[ \t]+[^\n]*)*)", re.M
)


def as_received(data: bytes, address: str, when: dt.datetime) -> bytes:
    """The message as the partner's server stores it: with the Received line it adds.

    SpamAssassin's date rules (DATE_IN_PAST_*) compare Date with that line. The relay is a
    private address outside SpamAssassin's trusted networks (see ``spam_scores``), so that the
    message is judged as arriving from elsewhere (no ALL_TRUSTED bonus).
    """
    received = (
        "Received: from mail.iom.int (mail.iom.int [172.16.5.4])\r\n"
        "\tby mx.example.org (aiosmtpd) with ESMTP\r\n"
        f"\tfor <{address}>; {format_datetime(when.astimezone())}\r\n"
    )
    return received.encode("ascii") + data


def spam_scores(messages: list[bytes], folder: Path) -> list[tuple[float, str]]:
    """(score, rules hit) for each message, from one SpamAssassin run over an mbox.

    Each message is tagged with its index, and the results are matched by it: the order of
    SpamAssassin's output is not relied on.
    """
    mbox = folder / "delivered.mbox"
    with mbox.open("wb") as stream:
        for index, data in enumerate(messages):
            body = re.sub(rb"^(>*From )", rb">\1", data.replace(b"\r\n", b"\n"), flags=re.M)
            stream.write(SEPARATOR + b"X-Test-Index: %d\n" % index + body + b"\n")
    result = subprocess.run(
        ["spamassassin", "-L", "--cf", "trusted_networks 192.0.2.1", "--mbox", str(mbox)],
        capture_output=True,
        timeout=300,
        check=True,
    )
    scores: dict[int, tuple[float, str]] = {}
    for chunk in result.stdout.split(SEPARATOR)[1:]:
        text = chunk.decode("utf-8", "replace")
        index = int(re.search(r"^X-Test-Index: (\d+)$", text, re.M).group(1))
        score, rules = STATUS.search(text).groups()
        scores[index] = (float(score), " ".join(rules.split()))
    return [scores[index] for index in range(len(messages))]


def test_every_message_sent_five_days_after_compose_scores_at_most_one(
    tmp_path: Path, built_project: Path
):
    project = make_mail_project(tmp_path / "project", built_project)
    csv = write_recipients(project / "recipients.csv", PARTNERS)
    five_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    composed = compose_campaign(load_project(project), csv, "introduction", now=five_days_ago)
    assert len(composed.messages) == len(PARTNERS)
    recorder = Recorder()
    controller = start_server(recorder)
    try:
        options = SendOptions(host="127.0.0.1", port=controller.port, send=True)
        assert len(send_outbox(composed.out_dir, options).sent) == len(PARTNERS)
    finally:
        controller.stop()
    delivered = recorder.delivered
    received = [as_received(d.data, d.rcpt_tos[0], d.received_at) for d in delivered]
    # The control: the first message as composed, still dated five days ago, as the partner's
    # server would have received it had send not dated it. SpamAssassin must object to that.
    first = composed.messages[0]
    stale = as_received(first.path.read_bytes(), first.recipient.email, delivered[0].received_at)
    *scores, control = spam_scores([*received, stale], tmp_path)
    assert len(scores) == len(PARTNERS)
    report = {d.rcpt_tos[0]: s for d, s in zip(delivered, scores, strict=True)}
    print("\n".join(f"{address}: {score} {rules}" for address, (score, rules) in report.items()))
    print(f"control (Date of compose): {control}")
    assert "DATE_IN_PAST_96_XX" in control[1] and control[0] >= 2.0
    assert all(score <= 1.0 for score, _ in scores), report
    assert not any("DATE_IN_PAST" in rules or "SUBJ_ALL_CAPS" in rules for _, rules in scores)


def test_the_one_click_link_with_its_token_scores_at_most_half_a_point(
    tmp_path: Path, built_project: Path, monkeypatch: pytest.MonkeyPatch
):
    """With the https link on: List-Unsubscribe-Post, and the token in the link and the footer
    (the plain ?email=<address> pattern used to cost a point, GB_CUSTOM_HTM_URI)."""
    monkeypatch.setenv(SECRET_VARIABLE, "a-long-random-office-secret-0123456789")
    project = make_mail_project(
        tmp_path / "project", built_project, unsubscribe_url="https://www.iom.int/unsubscribe"
    )
    csv = write_recipients(project / "recipients.csv", PARTNERS)
    composed = compose_campaign(load_project(project), csv, "introduction")
    recorder = Recorder()
    controller = start_server(recorder)
    try:
        options = SendOptions(host="127.0.0.1", port=controller.port, send=True)
        assert len(send_outbox(composed.out_dir, options).sent) == len(PARTNERS)
    finally:
        controller.stop()
    delivered = recorder.delivered
    assert all("?token=" in str(d.message["List-Unsubscribe"]) for d in delivered)
    received = [as_received(d.data, d.rcpt_tos[0], d.received_at) for d in delivered]
    scores = spam_scores(received, tmp_path)
    report = {d.rcpt_tos[0]: s for d, s in zip(delivered, scores, strict=True)}
    print("\n".join(f"{address}: {score} {rules}" for address, (score, rules) in report.items()))
    assert all(score <= 0.5 for score, _ in scores), report

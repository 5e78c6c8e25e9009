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
from pathlib import Path

import pytest
from mailtest import RECIPIENTS, Recorder, make_mail_project, start_server, write_recipients

from iombrochure.mail.compose import compose_campaign
from iombrochure.mail.send import SendOptions, send_outbox
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
STATUS = re.compile(r"^X-Spam-Status: (?:Yes|No), score=(-?[0-9.]+)[^\n]*((?:\n\s+[^\n]*)*)", re.M)


def spam_scores(messages: list[bytes], folder: Path) -> list[tuple[float, str]]:
    """(score, rules hit) for each message, from one SpamAssassin run over an mbox."""
    mbox = folder / "delivered.mbox"
    with mbox.open("wb") as stream:
        for data in messages:
            body = re.sub(rb"^(>*From )", rb">\1", data.replace(b"\r\n", b"\n"), flags=re.M)
            stream.write(b"From iomtehran@iom.int Tue Dec  1 08:00:00 2026\n" + body + b"\n")
    result = subprocess.run(
        ["spamassassin", "-L", "--mbox", str(mbox)],
        capture_output=True,
        timeout=300,
        check=True,
    )
    found = STATUS.findall(result.stdout.decode("utf-8", "replace"))
    return [(float(score), " ".join(rules.split())) for score, rules in found]


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
    scores = spam_scores([d.data for d in recorder.delivered], tmp_path)
    assert len(scores) == len(PARTNERS)
    report = {d.rcpt_tos[0]: s for d, s in zip(recorder.delivered, scores, strict=True)}
    print("\n".join(f"{address}: {score} {rules}" for address, (score, rules) in report.items()))
    assert all(score <= 1.0 for score, _ in scores), report
    assert not any("DATE_IN_PAST" in rules or "SUBJ_ALL_CAPS" in rules for _, rules in scores)

"""mail send against a real SMTP server (aiosmtpd on 127.0.0.1): each partner gets one message.

Fault tests make the server hang up, answer 451, refuse an address or hang until the client is
killed; after the run (and a rerun where one is needed) every recipient has exactly one message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from mailtest import (
    RECIPIENTS,
    Authenticator,
    Recorder,
    cli_env,
    language_of,
    make_mail_project,
    parse,
    run_mail,
    start_server,
    write_recipients,
)

from iombrochure.errors import ConfigError
from iombrochure.mail.compose import compose_campaign
from iombrochure.mail.journal import JOURNAL_NAME, Journal, OutboxLock
from iombrochure.mail.pacing import PRESETS, Rate
from iombrochure.mail.send import SendEvent, SendOptions, send_outbox
from iombrochure.mail.settings import MailError, mail_settings
from iombrochure.mail.tokens import SECRET_VARIABLE, make_token
from iombrochure.pipeline.config import load_project

ADDRESSES = [row[0] for row in RECIPIENTS]
PASSWORD = "Zq7-pw-never-shown-4711"
#: aiosmtpd warns about AUTH without TLS; the plain-text test servers only listen on 127.0.0.1.
plain_auth = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def project(tmp_path: Path, built_project: Path) -> Path:
    return make_mail_project(tmp_path / "project", built_project)


@pytest.fixture
def outbox(project: Path) -> Path:
    csv = write_recipients(project / "recipients.csv")
    return compose_campaign(load_project(project), csv, "introduction").out_dir


@pytest.fixture
def recorder():
    handler = Recorder()
    controller = start_server(handler)
    handler.port = controller.port
    yield handler
    handler.release.set()
    controller.stop()


def options(recorder: Recorder, **overrides) -> SendOptions:
    settings = {"host": "127.0.0.1", "port": recorder.port, "send": True, "backoff_seconds": 0}
    return SendOptions(**{**settings, **overrides})


def journal_lines(outbox: Path) -> list[dict]:
    path = outbox / JOURNAL_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def without_date(data: bytes) -> bytes:
    """A message's bytes without its Date line, which send sets to the moment of sending."""
    data = data.replace(b"\r\n", b"\n")
    head, _, body = data.partition(b"\n\n")
    lines = [line for line in head.split(b"\n") if not line.startswith(b"Date: ")]
    return b"\n".join(lines) + b"\n\n" + body


def assert_dated_now(message, started: dt.datetime) -> None:
    """The Date header is the moment the message was handed over, not when it was composed."""
    date = message["Date"].datetime
    assert started - dt.timedelta(seconds=2) <= date <= dt.datetime.now(dt.UTC), (date, started)


def assert_exactly_once(recorder: Recorder, addresses=ADDRESSES) -> None:
    received = recorder.by_recipient()
    assert sorted(received) == sorted(addresses)
    assert all(len(items) == 1 for items in received.values()), {
        address: len(items) for address, items in received.items()
    }


def test_send_delivers_one_message_per_partner_in_their_language(
    project: Path, outbox: Path, recorder: Recorder
):
    started = dt.datetime.now(dt.UTC)
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_exactly_once(recorder)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[1/6] sent to ali.rezaei@example.org (")
    assert lines[0].endswith("250 2.0.0 Ok: queued as Q0001")
    assert "sent 6, refused 0, deferred 0, already sent 0" in lines[-1]
    dist = project / "dist"
    for address, (delivered,) in recorder.by_recipient().items():
        message = delivered.message
        lang = language_of(address)
        assert message["To"].addresses[0].addr_spec == address
        html = message.get_body(("html",)).get_content()
        (attachment,) = message.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content() == (dist / f"factsheet-{lang}.pdf").read_bytes()
        if lang == "fa":
            assert str(message["Subject"]) == (
                "برگهٔ اطلاعات جدید سازمان بین‌المللی مهاجرت در جمهوری اسلامی ایران"
            )
            assert re.search(r'<div lang="fa" dir="rtl"', html)
            assert attachment.get_filename() == "برگه-اطلاعات-دفتر-تهران.pdf"
        else:
            assert str(message["Subject"]) == (
                "IOM in the Islamic Republic of Iran: our new fact sheet"
            )
            assert re.search(r'<div lang="en" dir="ltr"', html)
            assert attachment.get_filename() == "IOM-Iran-fact-sheet.pdf"
        # What arrived is, byte for byte, the .eml that was composed and checked, dated now.
        composed = next(outbox.glob(f"*-{address.replace('@', '_at_')}.eml")).read_bytes()
        assert without_date(delivered.data) == without_date(composed)
        assert_dated_now(message, started)
    journal = journal_lines(outbox)
    assert [entry["status"] for entry in journal] == ["sent"] * 6
    assert [entry["to"] for entry in journal] == [[address] for address in ADDRESSES]
    assert journal[0]["reply"] == "250 2.0.0 Ok: queued as Q0001"
    assert {entry["message_id"] for entry in journal} == {
        str(parse(path.read_bytes())["Message-ID"]) for path in outbox.glob("*.eml")
    }

    again = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "sent 0, refused 0, deferred 0, already sent 6" in again.stdout
    assert_exactly_once(recorder)


def test_a_dry_run_says_what_would_go_and_does_not_connect(
    project: Path, outbox: Path, recorder: Recorder
):
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith(
        "[1/6] would send to ali.rezaei@example.org: برگهٔ اطلاعات جدید سازمان بین‌المللی مهاجرت"
    )
    assert lines[-2].startswith("composed less than a minute ago (")
    assert lines[-2].endswith("); each message is dated when it is sent")
    assert lines[1].startswith(
        "[2/6] would send to jane.doe@example.org: IOM in the Islamic Republic of Iran: our new"
    )
    assert lines[-1].startswith("dry run: would send 6 message(s)")
    assert "Nothing was sent: add --send to send." in lines[-1]
    assert recorder.connections == 0 and recorder.delivered == []
    assert not (outbox / JOURNAL_NAME).exists()


def test_a_dropped_connection_is_retried_on_a_new_one(outbox: Path, recorder: Recorder):
    recorder.drop_on = {3}
    events: list[SendEvent] = []
    result = send_outbox(outbox, options(recorder, attempts=3), progress=events.append)
    assert result.complete and len(result.sent) == 6
    assert_exactly_once(recorder)
    assert recorder.connections == 2  # reconnected once, after the drop
    retries = [e for e in events if e.kind == "retry"]
    assert len(retries) == 1 and retries[0].message.recipients == (ADDRESSES[2],)
    assert "connection lost" in retries[0].detail
    assert [e["attempts"] for e in journal_lines(outbox)] == [1, 1, 2, 1, 1, 1]


def test_a_drop_without_retries_stops_the_run_and_a_rerun_sends_the_rest(
    outbox: Path, recorder: Recorder
):
    recorder.drop_on = {3}
    first = send_outbox(outbox, options(recorder, attempts=1))
    assert [m.recipients[0] for m in first.sent] == ADDRESSES[:2]
    assert first.stopped and "connection lost" in first.stopped
    assert [m.recipients[0] for m in first.not_attempted] == ADDRESSES[2:]
    assert len(journal_lines(outbox)) == 2
    second = send_outbox(outbox, options(recorder, attempts=1))
    assert second.complete and second.already_sent == 2 and len(second.sent) == 4
    assert_exactly_once(recorder)


def test_451_then_250_is_one_message(outbox: Path, recorder: Recorder):
    recorder.tempfail_on = {2}
    events: list[SendEvent] = []
    result = send_outbox(outbox, options(recorder), progress=events.append)
    assert result.complete
    assert_exactly_once(recorder)
    (retry,) = [e for e in events if e.kind == "retry"]
    assert retry.detail.startswith("DATA: 451 4.3.0 Temporary local problem")
    assert recorder.connections == 1  # a 4xx reply keeps the connection


def test_a_temporary_refusal_that_lasts_is_deferred_not_journaled(outbox: Path, recorder: Recorder):
    recorder.tempfail_on = {2, 3}
    result = send_outbox(outbox, options(recorder, attempts=2))
    assert [m.recipients[0] for m, _ in result.deferred] == [ADDRESSES[1]]
    assert len(result.sent) == 5 and not result.complete
    assert ADDRESSES[1] not in {e["to"][0] for e in journal_lines(outbox)}
    rerun = send_outbox(outbox, options(recorder))
    assert rerun.complete and [m.recipients[0] for m in rerun.sent] == [ADDRESSES[1]]
    assert_exactly_once(recorder)


def test_550_is_journaled_as_failed_and_not_retried_unless_asked(
    project: Path, outbox: Path, recorder: Recorder
):
    refused = ADDRESSES[3]
    recorder.refuse = {refused}
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        f"[4/6] refused for {refused}: RCPT TO {refused}: 550 5.1.1 <{refused}>: "
        "Recipient address rejected: User unknown"
    ) in result.stderr
    assert "sent 5, refused 1" in result.stdout
    failed = [e for e in journal_lines(outbox) if e["status"] == "failed"]
    assert [e["to"] for e in failed] == [[refused]]
    assert failed[0]["reply"].startswith(f"RCPT TO {refused}: 550 5.1.1 <{refused}>")

    rerun = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert "sent 0, refused 0, deferred 0, already sent 5, refused earlier 1" in rerun.stdout
    assert rerun.returncode == 1  # still not everyone has it

    recorder.refuse = set()  # the partner's mailbox is fixed
    retried = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", "--retry-failed", cwd=project,
    )  # fmt: skip
    assert retried.returncode == 0, retried.stderr
    assert "sent 1, refused 0, deferred 0, already sent 5" in retried.stdout
    assert_exactly_once(recorder)
    assert Journal(outbox).status(str(parse(_eml(outbox, refused))["Message-ID"])) == "sent"


@plain_auth
def test_login_works_and_the_password_is_never_written(project: Path, outbox: Path):
    handler = Recorder()
    auth = Authenticator("iomtehran", PASSWORD)
    controller = start_server(
        handler, authenticator=auth, auth_required=True, auth_require_tls=False
    )
    try:
        args = ["send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port"]
        args += [str(controller.port), "--user", "iomtehran", "--send", "-v"]
        result = run_mail(*args, cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD)
        assert result.returncode == 0, result.stderr
        assert_exactly_once(handler)
        assert auth.attempts == 1  # one login for the whole batch

        dry = run_mail(*args[:-2], "-v", cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD)
        assert dry.returncode == 0
        everything = [result.stdout, result.stderr, dry.stdout, dry.stderr]
        everything += [p.read_bytes().decode("ascii") for p in outbox.glob("*.eml")]
        everything.append((outbox / JOURNAL_NAME).read_text(encoding="utf-8"))
        for text in everything:
            assert PASSWORD not in text
    finally:
        controller.stop()


@plain_auth
def test_a_wrong_password_stops_at_once_with_one_line(project: Path, outbox: Path):
    handler = Recorder()
    auth = Authenticator("iomtehran", "the-right-one")
    controller = start_server(
        handler, authenticator=auth, auth_required=True, auth_require_tls=False
    )
    try:
        result = run_mail(
            "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
            "--user", "iomtehran", "--send", cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD,
        )  # fmt: skip
    finally:
        controller.stop()
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: 127.0.0.1 refused the login for iomtehran: 535 5.7.8")
    assert "IOMBROCHURE_SMTP_PASSWORD" in line and PASSWORD not in line
    assert auth.attempts == 1  # not retried: a wrong password does not get better
    assert handler.delivered == [] and result.stdout == ""
    assert journal_lines(outbox) == []


def test_the_password_comes_only_from_the_environment(project: Path, outbox: Path):
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--user", "iomtehran", "--send",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 1
    assert "needs the password in the environment variable IOMBROCHURE_SMTP_PASSWORD" in (
        result.stderr
    )
    far = run_mail(
        "send", str(outbox), "--smtp-host", "mail.example.org", "--user", "iomtehran", "--send",
        cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD,
    )  # fmt: skip
    assert far.returncode == 1
    assert "refusing to send the password unencrypted to mail.example.org" in far.stderr


def test_starttls_with_a_certificate_the_client_checks(project: Path, outbox: Path, tmp_path: Path):
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test server's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Recorder()
    auth = Authenticator("iomtehran", PASSWORD)
    controller = start_server(
        handler, tls_context=context, require_starttls=True, authenticator=auth,
        auth_required=True,
    )  # fmt: skip
    try:
        args = ["send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port"]
        args += [str(controller.port), "--starttls", "--user", "iomtehran", "--send"]
        untrusted = run_mail(*args, cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD)
        assert untrusted.returncode == 1
        assert "TLS certificate is not trusted" in untrusted.stderr
        assert handler.delivered == [] and auth.attempts == 0  # no password sent to it
        trusted = run_mail(
            *args, cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD, SSL_CERT_FILE=str(cert)
        )
        assert trusted.returncode == 0, trusted.stderr
        assert_exactly_once(handler)
    finally:
        controller.stop()


def test_killed_in_the_middle_a_rerun_delivers_the_rest_once(
    project: Path, outbox: Path, recorder: Recorder
):
    recorder.block_on = 3  # the server holds the 3rd message until the client is gone
    command = [sys.executable, "-m", "iombrochure", "mail", "send", str(outbox)]
    command += ["--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port), "--send"]
    client = subprocess.Popen(
        command, cwd=project, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert recorder.reached.wait(60), client.communicate(timeout=5)
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=30)
    finally:
        if client.poll() is None:
            client.kill()
        recorder.release.set()
    assert client.returncode == -signal.SIGKILL
    # Two messages were acknowledged, and both are on disk in the journal.
    assert [entry["to"] for entry in journal_lines(outbox)] == [[a] for a in ADDRESSES[:2]]
    assert sorted(recorder.by_recipient()) == sorted(ADDRESSES[:2])

    rerun = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert "sent 4, refused 0, deferred 0, already sent 2" in rerun.stdout
    assert rerun.stdout.splitlines()[0].startswith(f"[1/4] sent to {ADDRESSES[2]}")
    assert_exactly_once(recorder)
    assert len(journal_lines(outbox)) == 6


class FakeTime:
    """A monotonic clock that moves only when the sender sleeps: pacing without waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def send_times(recorder: Recorder, time: FakeTime, outbox: Path, **overrides) -> list[float]:
    """Send with a fake clock; the moment each message was handed over, by the fake clock."""
    moments: list[float] = []
    result = send_outbox(
        outbox,
        options(recorder, **overrides),
        sleep=time.sleep,
        clock=time.clock,
        progress=lambda event: moments.append(time.now) if event.kind == "sent" else None,
    )
    assert result.complete, result
    return moments


def test_the_rate_limit_holds_in_every_minute(outbox: Path, recorder: Recorder):
    time = FakeTime()
    moments = send_times(recorder, time, outbox, rate_per_minute=2)
    assert moments == [100.0, 100.0, 160.0, 160.0, 220.0, 220.0]  # 2 a minute, none sooner
    for start in moments:  # in any 60 s from a message, never more than 2
        assert sum(start <= m < start + 60 for m in moments) <= 2
    assert_exactly_once(recorder)


def test_a_short_list_goes_at_once_under_the_office365_preset(outbox: Path, recorder: Recorder):
    time = FakeTime()
    moments = send_times(recorder, time, outbox, rate=PRESETS["office365"])
    assert moments == [100.0] * 6 and time.waits == []  # 6 of the 30 a minute allowed


def test_a_fractional_rate_spaces_single_messages(outbox: Path, recorder: Recorder):
    time = FakeTime()
    moments = send_times(recorder, time, outbox, rate_per_minute=0.5)
    assert moments == [100.0 + 120.0 * n for n in range(6)]  # one every two minutes


def test_the_daily_cap_stops_the_run_and_a_rerun_a_day_later_sends_the_rest(
    project: Path, outbox: Path, recorder: Recorder
):
    rate = Rate(per_minute=None, per_day=4, name="test")
    first = send_outbox(outbox, options(recorder, rate=rate, bcc="archive@iom.int"))
    # the archive copy counts as a recipient, as the services count it: 2 messages, not 4
    assert len(first.sent) == 2 and len(first.not_attempted) == 4
    assert "the daily limit of 4 recipients ([mail] rate) is reached, 4 in the last 24 hours" in (
        first.stopped
    )
    again = send_outbox(outbox, options(recorder, rate=rate, bcc="archive@iom.int"))
    assert again.sent == [] and again.already_sent == 2 and again.stopped
    # a day later (the journal's times moved back 25 hours), the same command goes on
    journal = outbox / JOURNAL_NAME
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        at = dt.datetime.fromisoformat(line["at"]) - dt.timedelta(hours=25)
        line["at"] = at.isoformat(timespec="seconds")
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    later = send_outbox(outbox, options(recorder, rate=rate, bcc="archive@iom.int"))
    assert len(later.sent) == 2 and later.already_sent == 2
    partners = [d.rcpt_tos[0] for d in recorder.delivered]
    assert len(partners) == len(set(partners)) == 4  # nobody twice


def test_rate_settings_are_checked_and_presets_read(tmp_path: Path, built_project: Path):
    project = make_mail_project(tmp_path / "project", built_project, rate="office365")
    assert mail_settings(load_project(project)).rate == PRESETS["office365"]
    bad = make_mail_project(tmp_path / "bad", built_project, rate="hotmail")
    with pytest.raises(ConfigError, match='rate must be one of "office365", "gmail", "none"'):
        mail_settings(load_project(bad))


def test_a_second_sender_on_the_same_outbox_is_refused(outbox: Path, recorder: Recorder):
    with OutboxLock(outbox), pytest.raises(MailError, match="already sending this outbox"):
        send_outbox(outbox, options(recorder))
    assert recorder.connections == 0


def test_a_journal_torn_by_a_kill_is_repaired_and_a_damaged_one_reported(tmp_path: Path):
    path = tmp_path / JOURNAL_NAME
    whole = json.dumps({"message_id": "<a@x>", "status": "sent"}) + "\n"
    path.write_text(whole + '{"message_id": "<b@x>", "sta', encoding="utf-8")
    journal = Journal(tmp_path)
    assert journal.status("<a@x>") == "sent" and journal.status("<b@x>") is None
    journal.record("<b@x>", "sent", reply="250 ok")
    journal.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["message_id"] == "<b@x>"

    path.write_text('{"message_id": "<a@x>", "status": "sent"}\nnot json\n' + whole)
    with pytest.raises(MailError) as info:
        Journal(tmp_path)
    assert info.value.line == 2 and "damaged line" in info.value.message


def _eml(outbox: Path, address: str) -> bytes:
    return next(outbox.glob(f"*-{address.replace('@', '_at_')}.eml")).read_bytes()


def test_a_message_composed_days_ago_is_dated_when_it_is_sent(project: Path, recorder: Recorder):
    """Compose, look, send five days later: Date is the sending time, Message-ID unchanged."""
    csv = write_recipients(project / "recipients.csv")
    five_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=5, minutes=3)
    composed = compose_campaign(load_project(project), csv, "introduction", now=five_days_ago)
    outbox = composed.out_dir
    assert parse(composed.messages[0].path.read_bytes())["Date"].datetime < five_days_ago + (
        dt.timedelta(seconds=1)
    )
    dry = run_mail("send", str(outbox), cwd=project)
    assert dry.returncode == 0, dry.stderr
    assert "composed 5 days ago (" in dry.stdout

    started = dt.datetime.now(dt.UTC)
    result = send_outbox(outbox, options(recorder))
    assert len(result.sent) == 6
    assert_exactly_once(recorder)
    ids = {m.recipient.email: m.message_id for m in composed.messages}
    for address, (delivered,) in recorder.by_recipient().items():
        assert_dated_now(delivered.message, started)
        assert delivered.message["Message-ID"] == ids[address]
    assert [line["message_id"] for line in journal_lines(outbox)] == list(ids.values())


def test_an_opt_out_after_compose_is_honoured_when_sending(
    project: Path, outbox: Path, recorder: Recorder
):
    added = run_mail(
        "unsubscribe", "Kenji.Sato@EXAMPLE.jp", "--note", "asked by phone", cwd=project
    )
    assert added.returncode == 0, added.stderr
    assert "added Kenji.Sato@example.jp to opted-out.txt" in added.stdout
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "skipped kenji.sato@example.jp: opted out (opted-out.txt:3)" in result.stdout
    assert "sent 5, refused 0" in result.stdout
    assert result.stdout.rstrip().endswith(
        "refused earlier 0, opted out 1 (outbox/introduction/sent.jsonl)"
    )
    assert_exactly_once(recorder, [a for a in ADDRESSES if a != "kenji.sato@example.jp"])
    assert "kenji.sato@example.jp" not in json.dumps(journal_lines(outbox))


def test_a_test_send_goes_to_the_officer_only_and_is_not_journaled(
    project: Path, outbox: Path, recorder: Recorder
):
    args = ["send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port)]
    result = run_mail(*args, "--test-to", "officer@iom.int", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "sent 2 test message(s) to officer@iom.int" in result.stdout
    assert [d.rcpt_tos for d in recorder.delivered] == [["officer@iom.int"]] * 2
    tests = [d.message for d in recorder.delivered]
    assert [m["Content-Language"] for m in tests] == ["fa", "en"]  # one of each language
    partner_ids = {str(parse(p.read_bytes())["Message-ID"]) for p in outbox.glob("*.eml")}
    for message in tests:
        assert str(message["Subject"]).startswith("[TEST] ")
        assert message["To"].addresses[0].addr_spec == "officer@iom.int"
        assert "a test copy of the message for" in str(message["X-Iombrochure-Test"])
        assert message["Message-ID"] not in partner_ids
        # no partner's unsubscribe: trying the button on a test must not opt the partner out
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
        assert message.get_body(("plain",)).get_content().startswith("TEST: a copy of the")
        assert "TEST: a copy of the" in message.get_body(("html",)).get_content()
        (attachment,) = message.iter_attachments()
        assert attachment.get_content_type() == "application/pdf"
    assert str(tests[0]["Subject"]).endswith("مهاجرت در جمهوری اسلامی ایران")
    assert not (outbox / JOURNAL_NAME).exists()

    both = run_mail(*args, "--test-to", "officer@iom.int", "--send", cwd=project)
    assert both.returncode == 1, both.stderr
    assert both.stderr.startswith("error: --test-to sends only the test messages")
    assert len(both.stderr.strip().splitlines()) == 1 and not recorder.delivered[2:]
    recorder.delivered.clear()
    real = run_mail(*args, "--send", cwd=project)
    assert real.returncode == 0, real.stderr
    assert_exactly_once(recorder)  # the test did not count as anybody's message


def test_a_test_copy_carries_no_partner_unsubscribe_link(
    tmp_path: Path, built_project: Path, recorder: Recorder
):
    project = make_mail_project(
        tmp_path / "project", built_project, unsubscribe_url="https://www.example.org/unsubscribe"
    )
    secret = {SECRET_VARIABLE: "a-long-random-office-secret-0123456789"}
    csv = write_recipients(project / "recipients.csv")
    composed = run_mail(
        "compose", "--recipients", str(csv), "--campaign", "introduction", cwd=project, **secret
    )
    assert composed.returncode == 0, composed.stderr
    outbox = project / "outbox" / "introduction"
    tokens = {address: make_token(address, secret[SECRET_VARIABLE]) for address in ADDRESSES}
    first = parse((outbox / "0001-ali.rezaei_at_example.org.eml").read_bytes())
    assert tokens["ali.rezaei@example.org"] in first["List-Unsubscribe"]  # the partner's own
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--test-to", "officer@iom.int", cwd=project, **secret,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(recorder.delivered) == 2
    for delivered in recorder.delivered:
        message = delivered.message
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
        bodies = [message.get_body((kind,)).get_content() for kind in ("plain", "html")]
        for body in bodies:
            assert not any(token in body for token in tokens.values())
            assert "https://www.example.org/unsubscribe" in body  # the page, for nobody
            assert "email=" not in body
        assert str(message["Subject"]).startswith("[TEST] ")


def test_bcc_gets_an_archive_copy_in_the_envelope_only(
    tmp_path: Path, built_project: Path, recorder: Recorder
):
    project = make_mail_project(tmp_path / "project", built_project, bcc="archive@iom.int")
    csv = write_recipients(project / "recipients.csv", RECIPIENTS[:2])
    outbox = compose_campaign(load_project(project), csv, "introduction").out_dir
    result = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [d.rcpt_tos for d in recorder.delivered] == [
        [ADDRESSES[0], "archive@iom.int"],
        [ADDRESSES[1], "archive@iom.int"],
    ]
    for delivered in recorder.delivered:
        assert delivered.message["Bcc"] is None and b"archive@" not in delivered.data
    assert [line["bcc"] for line in journal_lines(outbox)] == ["archive@iom.int"] * 2


@plain_auth
def test_a_login_that_times_out_is_not_tried_again(tmp_path: Path, built_project: Path):
    project = make_mail_project(tmp_path / "project", built_project, timeout_seconds=1)
    csv = write_recipients(project / "recipients.csv", RECIPIENTS[:2])
    outbox = compose_campaign(load_project(project), csv, "introduction").out_dir
    handler = Recorder()
    auth = SlowAuthenticator("iomtehran", PASSWORD)
    controller = start_server(
        handler, authenticator=auth, auth_required=True, auth_require_tls=False
    )
    try:
        result = run_mail(
            "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
            "--user", "iomtehran", "--send", cwd=project, IOMBROCHURE_SMTP_PASSWORD=PASSWORD,
        )  # fmt: skip
    finally:
        auth.release.set()
        controller.stop()
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "no answer from the server (timeout) while logging in as iomtehran" in line, line
    assert "the password was tried once" in line and PASSWORD not in line
    assert auth.attempts == 1  # [mail] attempts = 4 does not apply to the login
    assert handler.delivered == [] and journal_lines(outbox) == []


class SlowAuthenticator(Authenticator):
    """Answers a login only after the client has given up waiting (or the test ends)."""

    def __init__(self, user: str, password: str) -> None:
        super().__init__(user, password)
        self.release = threading.Event()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        result = super().__call__(server, session, envelope, mechanism, auth_data)
        self.release.wait(5)
        return result


def test_a_new_partner_list_end_to_end(project: Path, recorder: Recorder):
    """A list the tool has never seen: mixed languages, accented and Persian names, Arabic
    letters, an opted-out partner; composed one day, sent the next."""
    rows = [
        ("renee.lefevre@example.fr", "Renée Lefèvre", "Médecins Sans Frontières", "fa"),
        ("m.hosseini@example.ir", "محمد حسيني", "بانك ملي", "fa-IR"),
        ("isik@example.com.tr", "Işık Yılmaz", "Türk Kızılay", "EN"),
        ("optout@example.org", "Someone Else", "Elsewhere", "en"),
        ("sara@example.ir", "سارا کاظمی", "", "fa"),
    ]
    write_recipients(project / "recipients.csv", rows)
    (project / "opted-out.txt").write_text("OptOut@example.org  # by reply\n", encoding="utf-8")
    composed = run_mail(
        "compose", "--recipients", "recipients.csv", "--campaign", "introduction", cwd=project
    )
    assert composed.returncode == 0, composed.stderr
    assert "recipients.csv:3: Arabic letters ي/ك in name, organization" in composed.stdout
    assert "recipients.csv:5: optout@example.org opted out (opted-out.txt:1)" in composed.stdout
    outbox = project / "outbox" / "introduction"
    started = dt.datetime.now(dt.UTC)
    sent = run_mail(
        "send", str(outbox), "--smtp-host", "127.0.0.1", "--smtp-port", str(recorder.port),
        "--send", cwd=project,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    expected = [row[0] for row in rows if row[0] != "optout@example.org"]
    assert_exactly_once(recorder, expected)
    greetings = {}
    for address, (delivered,) in recorder.by_recipient().items():
        message = delivered.message
        assert_dated_now(message, started)
        assert message["List-Unsubscribe"] == "<mailto:iomtehran@iom.int?subject=unsubscribe>"
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        greetings[address] = text.split("\n", 1)[0]
        if message["Content-Language"] == "fa":
            assert not re.search("[يكى]", text)
    assert greetings == {
        "renee.lefevre@example.fr": "\u2066Renée Lefèvre\u2069 گرامی،",
        "m.hosseini@example.ir": "محمد حسینی گرامی،",
        "isik@example.com.tr": "Dear Işık Yılmaz,",
        "sara@example.ir": "سارا کاظمی گرامی،",
    }

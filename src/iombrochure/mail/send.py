"""Send: deliver an outbox over SMTP, each message once, resuming where the last run stopped.

The .eml files are sent byte for byte as composed (what was checked in a mail client is what
leaves), except the Date header, which is set to the moment the message is handed to the server
on each attempt: a message composed yesterday must not arrive dated yesterday. Every message the
server accepts is written to the journal before the next one starts; a rerun skips them.
Temporary trouble (4xx replies, a dropped or refused connection) is retried with exponential
backoff, reconnecting as needed; a permanent refusal (5xx) is journaled as failed and not
retried unless asked; a refused login, or a login that gets no answer, stops the run at once.

SMTP has no way to make delivery exactly-once: if the connection drops after the server has
accepted a message but before its "250" reaches us, or the process is killed between the "250"
and the journal write, that one message is sent again on the rerun. The journal is written the
moment the reply arrives, so the window is as small as it can be; docs/mail.md says more.
"""

from __future__ import annotations

import datetime as dt
import html
import ipaddress
import re
import secrets
import smtplib
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser, BytesParser
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from iombrochure.mail.journal import FAILED, SENT, Journal, OutboxLock
from iombrochure.mail.pacing import DEFAULT as DEFAULT_RATE
from iombrochure.mail.pacing import Pacer, Rate
from iombrochure.mail.settings import MailError
from iombrochure.mail.suppression import SuppressionList

if TYPE_CHECKING:  # dkimpy is imported only when a message is signed
    from iombrochure.mail.signing import DkimSigner

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
MAX_BACKOFF_SECONDS = 60.0


@dataclass(frozen=True)
class OutgoingMessage:
    """An .eml file of the outbox, with what the envelope and the progress lines need."""

    path: Path
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    size: int
    composed_at: dt.datetime | None = None  # the Date compose wrote; replaced when sending
    lang: str = ""

    @property
    def to(self) -> str:
        return ", ".join(self.recipients)


@dataclass
class SendOptions:
    """How to reach the server and how patient to be. The password is never shown."""

    host: str | None = None
    port: int | None = None
    security: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    send: bool = False  # False: a dry run that does not even connect
    rate_per_minute: float | None = None  # --rate: replaces the per-minute figure of `rate`
    rate: Rate = DEFAULT_RATE  # [mail] rate: messages a minute, recipients a day
    retry_failed: bool = False
    attempts: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: float = 60.0
    bcc: str | None = None  # an archive address added to every envelope (never a header)
    suppressed: SuppressionList | None = None  # partners who opted out since compose
    envelope_from: str | None = None  # MAIL FROM (Return-Path) for bounces; default the From
    signer: DkimSigner | None = None  # DKIM-signs each message after its Date is set

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


@dataclass(frozen=True)
class SendEvent:
    """One thing worth telling the user; the CLI decides how to show it."""

    kind: str  # "would-send", "sent", "failed", "retry", "deferred", "test"
    index: int
    total: int
    message: OutgoingMessage
    detail: str = ""


@dataclass
class SendResult:
    total: int = 0
    already_sent: int = 0
    skipped_failed: int = 0  # journaled as failed earlier and not retried (no --retry-failed)
    would_send: list[OutgoingMessage] = field(default_factory=list)
    sent: list[OutgoingMessage] = field(default_factory=list)
    failed: list[tuple[OutgoingMessage, str]] = field(default_factory=list)
    deferred: list[tuple[OutgoingMessage, str]] = field(default_factory=list)
    not_attempted: list[OutgoingMessage] = field(default_factory=list)
    opted_out: list[tuple[OutgoingMessage, str]] = field(default_factory=list)  # (message, where)
    stopped: str | None = None  # why the run ended early
    journal: Path | None = None

    @property
    def complete(self) -> bool:
        """Nothing is left to send and nothing was refused."""
        return not (self.failed or self.deferred or self.not_attempted or self.skipped_failed)


class _Temporary(Exception):
    """Worth another try: a 4xx reply, or the connection went away."""

    def __init__(self, reason: str, *, connection_lost: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection_lost = connection_lost


class _Permanent(Exception):
    """The server refused this message for good (5xx)."""

    def __init__(self, reply: str, code: int) -> None:
        super().__init__(reply)
        self.reply = reply
        self.code = code


def read_outbox(folder: Path) -> list[OutgoingMessage]:
    """The outbox's messages in file-name order (the order of the recipients' CSV)."""
    if not folder.is_dir():
        raise MailError(
            "no such outbox folder", path=folder, hint="compose the campaign first: mail compose"
        )
    paths = sorted(folder.glob("*.eml"))
    if not paths:
        raise MailError(
            "the outbox has no .eml files", path=folder, hint="compose the campaign first"
        )
    messages: list[OutgoingMessage] = []
    seen: dict[str, Path] = {}
    parser = BytesHeaderParser(policy=default_policy)
    for path in paths:
        with path.open("rb") as stream:
            headers = parser.parse(stream)
        try:
            message_id = str(headers["Message-ID"] or "").strip()
            senders = headers["From"].addresses if headers["From"] else ()
            recipients = tuple(
                address.addr_spec
                for name in ("To", "Cc")
                if headers[name] is not None
                for address in headers[name].addresses
            )
        except (AttributeError, ValueError, IndexError) as exc:
            raise MailError(f"unreadable message headers: {exc}", path=path) from exc
        if not message_id or len(senders) != 1 or not recipients:
            raise MailError(
                "a message needs a Message-ID, one From and at least one To",
                path=path,
                hint="compose the campaign again instead of editing .eml files by hand",
            )
        if message_id in seen:
            raise MailError(
                f"the same Message-ID as {seen[message_id].name}",
                path=path,
                hint="compose the campaign again into an empty folder",
            )
        seen[message_id] = path
        messages.append(
            OutgoingMessage(
                path=path,
                message_id=message_id,
                sender=senders[0].addr_spec,
                recipients=recipients,
                subject=str(headers["Subject"] or ""),
                size=path.stat().st_size,
                composed_at=_header_date(headers),
                lang=str(headers["Content-Language"] or ""),
            )
        )
    return messages


def send_outbox(
    folder: Path,
    options: SendOptions,
    *,
    progress: Callable[[SendEvent], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SendResult:
    """Send what the journal does not list yet (or, without ``options.send``, say what)."""
    folder = folder.resolve()
    messages = read_outbox(folder)
    if options.security not in SECURITY:
        raise MailError(f"unknown security {options.security!r}; use one of {SECURITY}")
    if options.send:
        _check_options(options)
        with OutboxLock(folder):
            journal = Journal(folder)
            try:
                return _run(folder, messages, journal, options, progress, sleep, clock)
            finally:
                journal.close()
    journal = Journal(folder)  # read only: a dry run writes nothing
    return _run(folder, messages, journal, options, progress, sleep, clock)


def _check_options(options: SendOptions) -> None:
    if not options.host:
        raise MailError("--smtp-host is required to send", hint="or leave out --send for a dry run")
    if options.user and options.password is None:
        from iombrochure.mail.settings import PASSWORD_VARIABLE

        raise MailError(
            f"--user {options.user} needs the password in the environment variable "
            f"{PASSWORD_VARIABLE}",
            hint=f"e.g. read -s {PASSWORD_VARIABLE} && export {PASSWORD_VARIABLE}",
        )
    if options.user and options.security == "none" and not _is_loopback(options.host):
        raise MailError(
            f"refusing to send the password unencrypted to {options.host}",
            hint="add --starttls (port 587) or --ssl (port 465)",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run(
    folder: Path,
    messages: list[OutgoingMessage],
    journal: Journal,
    options: SendOptions,
    progress: Callable[[SendEvent], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> SendResult:
    result = SendResult(total=len(messages), journal=journal.path)
    pending: list[OutgoingMessage] = []
    suppressed = options.suppressed
    for message in messages:
        status = journal.status(message.message_id)
        listed = [a for a in message.recipients if suppressed is not None and a in suppressed]
        if status == SENT:
            result.already_sent += 1
        elif listed and suppressed is not None:  # opted out after compose: honour it now
            result.opted_out.append((message, suppressed.where(listed[0])))
        elif status == FAILED and not options.retry_failed:
            result.skipped_failed += 1
        else:
            pending.append(message)

    def tell(kind: str, index: int, message: OutgoingMessage, detail: str = "") -> None:
        if progress:
            progress(SendEvent(kind, index, len(pending), message, detail))

    if not options.send:
        for index, message in enumerate(pending, start=1):
            result.would_send.append(message)
            tell("would-send", index, message)
        return result

    session = _Session(options)
    rate = options.rate
    if options.rate_per_minute:
        rate = Rate(options.rate_per_minute, rate.per_day, name="--rate")
    pacer = Pacer(
        rate,
        clock=clock,
        sleep=sleep,
        now=lambda: dt.datetime.now(dt.UTC),
        sent_before=journal.sent_recipients(),
    )
    try:
        for index, message in enumerate(pending, start=1):
            recipients = len(message.recipients) + (1 if options.bcc else 0)
            resume = pacer.day_full(recipients)
            if resume is not None:
                result.stopped = (
                    f"the daily limit of {rate.per_day:,} recipients ([mail] rate) is reached, "
                    f"{pacer.day_used():,} in the last 24 hours; run the same command again after "
                    f"{resume.astimezone():%Y-%m-%d %H:%M}"
                )
                result.not_attempted = pending[index - 1 :]
                break
            pacer.wait_for_turn()
            outcome = _send_one(session, journal, message, options, sleep, index, tell)
            if outcome == SENT:
                pacer.sent(recipients)
                result.sent.append(message)
            elif isinstance(outcome, _Permanent):
                result.failed.append((message, outcome.reply))
            elif isinstance(outcome, _Temporary):
                if outcome.connection_lost:
                    result.stopped = f"the server could not be reached: {outcome.reason}"
                    result.not_attempted = pending[index - 1 :]
                    break
                result.deferred.append((message, outcome.reason))
    finally:
        session.close()
    return result


def _send_one(
    session: _Session,
    journal: Journal,
    message: OutgoingMessage,
    options: SendOptions,
    sleep: Callable[[float], None],
    index: int,
    tell: Callable[..., None],
) -> str | _Permanent | _Temporary:
    """Try one message until it is accepted, refused, or out of attempts."""
    raw = message.path.read_bytes()
    for attempt in range(1, options.attempts + 1):
        try:
            reply = session.deliver(message, raw)
        except _Permanent as refusal:
            journal.record(
                message.message_id,
                FAILED,
                to=list(message.recipients),
                file=message.path.name,
                reply=refusal.reply,
                attempts=attempt,
                **({"bcc": options.bcc} if options.bcc else {}),
            )
            tell("failed", index, message, refusal.reply)
            return refusal
        except _Temporary as trouble:
            if attempt == options.attempts:
                tell("deferred", index, message, trouble.reason)
                return trouble
            wait = min(options.backoff_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            tell("retry", index, message, f"{trouble.reason}; trying again in {wait:g} s")
            sleep(wait)
        else:
            # Written before anything else happens: this is what makes a rerun safe.
            journal.record(
                message.message_id,
                SENT,
                to=list(message.recipients),
                file=message.path.name,
                reply=reply,
                attempts=attempt,
                **({"bcc": options.bcc} if options.bcc else {}),
            )
            tell("sent", index, message, reply)
            return SENT
    raise AssertionError("unreachable")  # pragma: no cover


class _Session:
    """One SMTP connection, opened when needed and reopened after it is lost."""

    def __init__(self, options: SendOptions) -> None:
        self.options = options
        self.connection: smtplib.SMTP | None = None

    def deliver(
        self, message: OutgoingMessage, raw: bytes, *, envelope: tuple[str, ...] | None = None
    ) -> str:
        """Send one message, dated now; the server's final reply on success.

        ``envelope`` replaces the recipients (a test copy); otherwise the message's own
        recipients and the archive address ([mail] bcc) get it.
        """
        if self.connection is None:
            self.connection = self._connect()
        connection = self.connection
        archive = self.options.bcc if envelope is None else None
        try:
            data = stamp_date(raw, dt.datetime.now().astimezone())
            if self.options.signer is not None:  # after the Date: the signature covers it
                data = self.options.signer.sign(data)
            mail_options = [f"SIZE={len(data)}"] if connection.has_extn("size") else []
            sender = self.options.envelope_from or message.sender
            code, reply = connection.mail(sender, mail_options)
            if code != 250:
                self._refused("MAIL FROM", code, reply, sender=sender)
            for recipient in envelope or message.recipients:
                code, reply = connection.rcpt(recipient)
                if code not in (250, 251):
                    self._refused(f"RCPT TO {recipient}", code, reply)
            if archive:
                code, reply = connection.rcpt(archive)
                if 500 <= code < 600:
                    self._reset()
                    raise MailError(
                        f"the server refuses the archive address {archive}: "
                        f"{_reply_text(code, reply)}",
                        hint="check [mail] bcc in iombrochure.toml",
                    )
                if code not in (250, 251):
                    self._refused(f"RCPT TO {archive}", code, reply)
            code, reply = connection.data(data)
            if code != 250:
                self._refused("DATA", code, reply)
            return _reply_text(code, reply)
        except smtplib.SMTPResponseException as exc:  # DATA refused before the message went
            self._refused("DATA", exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise _Temporary(_describe(exc), connection_lost=True) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused(self, stage: str, code: int, reply: bytes | str, *, sender: str = "") -> None:
        text = _reply_text(code, reply)
        if code == 421 or not 400 <= code < 600:
            self._drop()
            raise _Temporary(f"{stage}: {text}", connection_lost=True)
        self._reset()
        if code < 500:
            raise _Temporary(f"{stage}: {text}", connection_lost=False)
        if stage == "MAIL FROM" and code != 552:  # 552: this message is too big
            raise MailError(
                f"the server refuses the sender {sender}: {text}",
                hint="check [mail] from (and envelope_from) against the account you send with",
            )
        raise _Permanent(f"{stage}: {text}", code)

    def _connect(self) -> smtplib.SMTP:
        options = self.options
        host, port = options.host or "", options.effective_port
        try:
            if options.security == "ssl":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    host,
                    port,
                    timeout=options.timeout_seconds,
                    context=ssl.create_default_context(),
                )
            else:
                connection = smtplib.SMTP(host, port, timeout=options.timeout_seconds)
            try:
                connection.ehlo()
                if options.security == "starttls":
                    if not connection.has_extn("starttls"):
                        raise MailError(
                            f"{host}:{port} does not offer STARTTLS",
                            hint="try --ssl (port 465), or ask for the right port",
                        )
                    connection.starttls(context=ssl.create_default_context())
                    connection.ehlo()
                if options.user:
                    try:
                        _login(connection, options.user, options.password or "")
                    except smtplib.SMTPResponseException:
                        raise  # the server answered (535 and the like): reported below
                    except (smtplib.SMTPServerDisconnected, OSError) as exc:
                        # Not retried: a login that timed out may have counted as a failed one,
                        # and servers lock an account after a few.
                        raise MailError(
                            f"{host}: {_describe(exc)} while logging in as {options.user}; "
                            "the password was tried once and not again",
                            hint="check the server and the account, then run the same command",
                        ) from exc
            except BaseException:
                _close_quietly(connection)
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"{host} refused the login for {options.user}: "
                f"{_reply_text(exc.smtp_code, exc.smtp_error)}",
                hint="check --user and the password in IOMBROCHURE_SMTP_PASSWORD",
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"{host}:{port}: {exc}", hint="check --starttls/--ssl") from exc
        except ssl.SSLCertVerificationError as exc:
            raise MailError(
                f"{host}'s TLS certificate is not trusted: {exc.verify_message}",
                hint="check the host name; a private CA can be given in SSL_CERT_FILE",
            ) from exc
        except socket.gaierror as exc:
            raise MailError(f"cannot find the mail server {host!r}: {exc.strerror}") from exc
        except smtplib.SMTPConnectError as exc:
            text = _reply_text(exc.smtp_code, exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(f"{host}:{port}: {text}", connection_lost=True) from exc
            raise MailError(f"{host}:{port} refuses connections: {text}") from exc
        except smtplib.SMTPResponseException as exc:
            text = _reply_text(exc.smtp_code, exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(f"{host}:{port}: {text}", connection_lost=True) from exc
            raise MailError(f"{host}:{port}: {text}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Temporary(f"{host}:{port}: {_describe(exc)}", connection_lost=True) from exc
        except smtplib.SMTPException as exc:
            raise MailError(f"{host}:{port}: {exc}") from exc
        return connection

    def _reset(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            _close_quietly(self.connection)
            self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            _close_quietly(self.connection)
            self.connection = None


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    """Log in with one mechanism, once: smtplib's login() would try a wrong password again
    with every mechanism the server offers, and servers lock accounts after a few tries."""
    offered = connection.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
    if mechanism is None:
        raise MailError(
            "the server offers no password login (AUTH PLAIN or LOGIN)"
            + (" before STARTTLS" if not offered else ""),
            hint="leave out --user, or use --starttls/--ssl if the server wants TLS first",
        )
    connection.user, connection.password = user, password
    authenticate = connection.auth_plain if mechanism == "PLAIN" else connection.auth_login
    connection.auth(mechanism, authenticate)


_DATE_HEADER = re.compile(rb"^Date:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*", re.M | re.I)


def stamp_date(raw: bytes, when: dt.datetime) -> bytes:
    """The message with its Date header set to ``when`` (added first when it has none).

    Only the header block is touched: the rest stays byte for byte as composed.
    """
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        head, separator, body = raw.partition(b"\n\n")
    newline = b"\r\n" if separator == b"\r\n\r\n" else b"\n"
    line = b"Date: " + format_datetime(when).encode("ascii") + newline
    head += newline
    head, found = _DATE_HEADER.subn(line, head, count=1)
    if not found:
        head = line + head
    return head[: -len(newline)] + separator + body


def _header_date(headers: object) -> dt.datetime | None:
    try:
        value = headers["Date"]  # type: ignore[index]
        return value.datetime if value is not None else None
    except (AttributeError, ValueError, TypeError, IndexError):
        return None


# ---------------------------------------------------------------------------------------------
# A test send: one message of each language to the officer before the campaign goes out

TEST_SUBJECT_PREFIX = "[TEST] "


@dataclass(frozen=True)
class SentTests:
    sent: list[tuple[OutgoingMessage, str]]  # (the partner's message it copies, server reply)


def send_test(
    folder: Path,
    options: SendOptions,
    test_to: str,
    *,
    progress: Callable[[SendEvent], None] | None = None,
) -> SentTests:
    """Send the first message of each language to ``test_to``, marked as a test.

    The copies get their own Message-ID and nothing is written to the journal: the partners'
    messages are still to be sent, and none of them counts as sent because of a test.
    """
    from iombrochure.mail.settings import check_addr_spec

    try:
        address = check_addr_spec(test_to).addr_spec
    except ValueError as exc:
        raise MailError(f"--test-to: {exc}") from exc
    _check_options(options)
    firsts: dict[str, OutgoingMessage] = {}
    for message in read_outbox(folder.resolve()):
        firsts.setdefault(message.lang, message)
    session = _Session(options)
    sent: list[tuple[OutgoingMessage, str]] = []
    try:
        for index, message in enumerate(firsts.values(), start=1):
            copy = copy_for_test(message, address)
            try:
                reply = session.deliver(message, copy, envelope=(address,))
            except (_Temporary, _Permanent) as exc:
                raise MailError(f"the test message to {address} was not sent: {exc}") from exc
            sent.append((message, reply))
            if progress:
                progress(SendEvent("test", index, len(firsts), message, reply))
    finally:
        session.close()
    return SentTests(sent=sent)


#: The first line of a test copy's text, so that it reads as a test wherever it is forwarded.
TEST_NOTICE = (
    "TEST: a copy of the message for one partner, sent to you to check it. "
    "Its unsubscribe link is left out, so trying it opts nobody out."
)


def copy_for_test(message: OutgoingMessage, address: str) -> bytes:
    """The partner's message addressed to ``address``: subject marked, own Message-ID, and
    none of the partner's unsubscribe links.

    The partner's one-click link (List-Unsubscribe with List-Unsubscribe-Post, and the same
    link in the footer) would opt the partner out if the tester tried the "Unsubscribe"
    button: the headers are removed and the footer's personal link becomes the page's plain
    address, which unsubscribes nobody.
    """
    parsed = BytesParser(policy=SMTP_POLICY).parsebytes(message.path.read_bytes())
    domain = message.message_id.strip("<>").rpartition("@")[2]
    personal_links = _personal_unsubscribe_links(str(parsed["List-Unsubscribe"] or ""))
    del parsed["To"], parsed["Cc"], parsed["Message-ID"]
    del parsed["List-Unsubscribe"], parsed["List-Unsubscribe-Post"]
    subject = str(parsed["Subject"] or "")
    del parsed["Subject"]
    parsed["To"] = address
    parsed["Subject"] = TEST_SUBJECT_PREFIX + subject
    parsed["Message-ID"] = f"<test.{secrets.token_hex(16)}@{domain}>"
    parsed["X-Iombrochure-Test"] = (
        f"a test copy of the message for {message.to} ({message.path.name})"
    )
    for part in parsed.walk():
        if part.get_content_maintype() != "text" or part.is_attachment():
            continue
        text = part.get_content()
        for personal, plain in personal_links:
            text = text.replace(personal, plain)
        if part.get_content_subtype() == "html":
            text = re.sub(
                r"(<body[^>]*>)",
                lambda match: (
                    f'{match.group(1)}\n<p style="color: #b00020;">{html.escape(TEST_NOTICE)}</p>'
                ),
                text,
                count=1,
            )
        else:
            text = f"{TEST_NOTICE}\n\n{text}"
        cte = "quoted-printable" if not text.isascii() else "7bit"
        part.set_content(text, subtype=part.get_content_subtype(), cte=cte)
        del part["MIME-Version"]  # set_content adds it to a part; it belongs to the message only
    return parsed.as_bytes(policy=SMTP_POLICY)


def _personal_unsubscribe_links(header: str) -> list[tuple[str, str]]:
    """(partner's link, the same link without what names the partner) for each https link
    of List-Unsubscribe: the token (or, in outboxes composed before tokens, the address)."""
    pairs = []
    for link in re.findall(r"<(https://[^>]+)>", header):
        parts = urllib.parse.urlsplit(link)
        query = [
            (key, value)
            for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            if key not in ("token", "email")
        ]
        plain = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        if plain != link:
            pairs.append((link, plain))
    return pairs


def _close_quietly(connection: smtplib.SMTP) -> None:
    try:
        connection.close()
    except OSError:
        pass


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPServerDisconnected) and str(exc).endswith("timed out"):
        return "no answer from the server (timeout)"  # smtplib's words for a read timeout
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"connection lost ({exc})" if str(exc) else "connection lost"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer from the server (timeout)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return f"{type(exc).__name__}: {exc}"

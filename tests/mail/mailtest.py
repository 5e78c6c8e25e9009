"""Helpers for the mail tests: a built scratch project, recipients, and a real SMTP server.

The server is aiosmtpd on 127.0.0.1 with a handler that can misbehave on purpose (drop the
connection, answer 451 once, refuse an address, hang until the test kills the client). It
records a message only when it answers 250 for it: a message the client was never told was
accepted is not delivered, exactly as a real server that crashed or timed out would not have it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import REPO, copy_project

#: Mixed English and Persian partners, as an office would export them from a spreadsheet.
RECIPIENTS = [
    ("ali.rezaei@example.org", "علی رضایی", "وزارت کشور", "fa"),
    ("jane.doe@example.org", "Jane Doe", "UNDP Iran", "en"),
    ("maryam.ahmadi@example.ir", "مریم احمدی", "جمعیت هلال احمر", "fa"),
    ("kenji.sato@example.jp", "Kenji Sato", "Embassy of Japan", ""),
    ("info@example.net", "", "Norwegian Refugee Council", "en"),
    ("reza.karimi@example.org", "رضا کریمی", "", "fa"),
]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: this checkout's code, whatever the cwd."""
    env = {k: v for k, v in os.environ.items() if k != "IOMBROCHURE_SMTP_PASSWORD"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def run_mail(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m iombrochure mail ...`` in a fresh process, from the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "iombrochure", "mail", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=cli_env(**env),
    )


def write_recipients(path: Path, rows=RECIPIENTS, *, bom: bool = True) -> Path:
    lines = ["email,name,organization,lang"] + [",".join(row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def language_of(address: str) -> str:
    for row in RECIPIENTS:
        if row[0] == address:
            return row[3] or "en"
    raise KeyError(address)


def make_mail_project(target: Path, built: Path, **mail: object) -> Path:
    """A copy of the bundled project with the session's PDFs, and [mail] settings for tests."""
    root = copy_project(REPO, target)
    config = root / "iombrochure.toml"
    text = config.read_text(encoding="utf-8")
    for key, value in {"backoff_seconds": 0, **mail}.items():
        line = f"{key} = {value!r}".replace("'", '"')
        if re.search(rf"^{key} = ", text, flags=re.M):
            text = re.sub(rf"^{key} = .*$", line, text, flags=re.M)
        else:
            text = text.replace("[mail]\n", f"[mail]\n{line}\n")
    config.write_text(text, encoding="utf-8")
    shutil.copytree(built / "dist", root / "dist")
    for path in (root / "dist").rglob("*"):  # built after every source edit: not stale
        os.utime(path)
    return root


def parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Delivered:
    rcpt_tos: list[str]
    data: bytes
    mail_from: str = ""
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def message(self) -> EmailMessage:
        return parse(self.data)


@dataclass
class Recorder:
    """An SMTP handler that keeps what it accepted and misbehaves when told to."""

    drop_on: set[int] = field(default_factory=set)  # DATA numbers to hang up on
    tempfail_on: set[int] = field(default_factory=set)  # DATA numbers answered 451
    refuse: set[str] = field(default_factory=set)  # addresses answered 550 at RCPT
    block_on: int | None = None  # DATA number to hold until `release` is set
    delivered: list[Delivered] = field(default_factory=list)
    data_calls: int = 0
    connections: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        number = self.data_calls
        if number in self.drop_on:
            server.transport.close()
            return "421 4.4.2 connection dropped by the test"
        if number in self.tempfail_on:
            return "451 4.3.0 Temporary local problem, try again later"
        if number == self.block_on:
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 never acknowledged"  # the client is gone: nothing recorded
        self.delivered.append(
            Delivered(list(envelope.rcpt_tos), envelope.content, envelope.mail_from or "")
        )
        return f"250 2.0.0 Ok: queued as Q{number:04d}"

    def by_recipient(self) -> dict[str, list[Delivered]]:
        result: dict[str, list[Delivered]] = {}
        for item in self.delivered:
            for address in item.rcpt_tos:
                result.setdefault(address, []).append(item)
        return result


class LocalController(Controller):
    """aiosmtpd's Controller on a port the system chooses (port 0), read back once bound."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.attempts = 0

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.attempts += 1
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)  # False: the server answers 535


def start_server(handler: Recorder, **kwargs) -> LocalController:
    controller = LocalController(handler, hostname="127.0.0.1", port=0, **kwargs)
    controller.start()
    return controller

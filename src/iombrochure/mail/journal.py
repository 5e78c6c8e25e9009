"""The send journal: ``sent.jsonl`` in the outbox, one JSON line per message the server answered.

A line is appended and flushed to disk (fsync) as soon as the server accepts a message (or
refuses it for good), before anything else happens, so that a crash, a kill or a lost connection
costs at most the one message whose acceptance had not been written yet. A rerun reads the
journal and sends only the messages it does not list. Lines look like::

    {"message_id": "<introduction.3f2a...@iom.int>", "status": "sent", "to": ["a@b.org"],
     "file": "0001-a_at_b.org.eml", "reply": "250 2.0.0 Ok: queued as 4XyZ", "attempts": 1,
     "at": "2026-11-28T09:14:03+00:00"}

``status`` is ``sent`` or ``failed`` (a 5xx reply, kept in ``reply``). A message that was sent
at any time counts as sent, whatever else the journal says about it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from iombrochure.mail.settings import MailError

JOURNAL_NAME = "sent.jsonl"
LOCK_NAME = ".send.lock"
SENT = "sent"
FAILED = "failed"


class Journal:
    """What earlier runs did, and an append-only, fsync'd record of what this run does."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL_NAME
        self.sent: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, dict[str, Any]] = {}
        self._fd: int | None = None
        self._torn_tail: int | None = None  # byte offset of an unfinished last line
        self._needs_newline = False  # a whole last line whose newline was never written
        self._read()

    def _read(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        offset = 0
        for number, raw in enumerate(data.split(b"\n"), start=1):
            end = offset + len(raw)
            is_last = end == len(data)
            if raw.strip():
                try:
                    entry = json.loads(raw)
                    message_id = entry["message_id"]
                    status = entry["status"]
                except (ValueError, KeyError, TypeError) as exc:
                    if is_last:  # the run was killed while writing it: it never counted
                        self._torn_tail = offset
                        break
                    raise MailError(
                        "the send journal has a damaged line",
                        path=self.path,
                        line=number,
                        hint="compare it with the mail server's log, then fix or delete the line",
                    ) from exc
                if status == SENT:
                    self.sent[message_id] = entry
                    self.failed.pop(message_id, None)
                elif status == FAILED and message_id not in self.sent:
                    self.failed[message_id] = entry
            offset = end + 1
        self._needs_newline = bool(data) and not data.endswith(b"\n") and self._torn_tail is None

    def status(self, message_id: str) -> str | None:
        if message_id in self.sent:
            return SENT
        if message_id in self.failed:
            return FAILED
        return None

    def sent_recipients(self) -> list[tuple[dt.datetime, int]]:
        """(when, envelope recipients) of every message sent: the daily cap counts them, the
        archive copy ([mail] bcc) included, as the mail services do."""
        found = []
        for entry in self.sent.values():
            try:
                at = dt.datetime.fromisoformat(str(entry["at"]))
            except (KeyError, ValueError):
                continue
            if at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            found.append((at, len(entry.get("to") or ()) + (1 if entry.get("bcc") else 0)))
        return found

    def record(self, message_id: str, status: str, **details: Any) -> None:
        """Append one line and wait until it is on disk."""
        entry = {"message_id": message_id, "status": status, **details}
        entry["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        fd = self._open()
        written = 0
        while written < len(line):
            written += os.write(fd, line[written:])
        os.fsync(fd)
        if status == SENT:
            self.sent[message_id] = entry
            self.failed.pop(message_id, None)
        elif message_id not in self.sent:
            self.failed[message_id] = entry

    def _open(self) -> int:
        if self._fd is None:
            created = not self.path.exists()
            if self._torn_tail is not None:
                os.truncate(self.path, self._torn_tail)
                self._torn_tail = None
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            if self._needs_newline:
                os.write(self._fd, b"\n")
                self._needs_newline = False
            if created:  # make the new file's name durable too
                folder = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class OutboxLock:
    """Only one ``mail send`` per outbox at a time: two would send the same messages."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> OutboxLock:
        try:
            import fcntl
        except ImportError:  # not on POSIX: no lock, as documented
            return self
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self._fd)
            self._fd = None
            raise MailError(
                "another 'mail send' is already sending this outbox",
                path=self.path.parent,
                hint="wait for it to finish; a rerun afterwards sends only what is left",
            ) from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None

"""The ``[mail]`` table of iombrochure.toml, validated once for compose and send."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from email.errors import HeaderDefect, HeaderParseError
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from iombrochure.errors import ConfigError, IombrochureError
from iombrochure.mail.pacing import DEFAULT as DEFAULT_RATE
from iombrochure.mail.pacing import PRESETS, Rate
from iombrochure.pipeline.config import Project

#: The environment variable the SMTP password is read from: never an option, never logged.
PASSWORD_VARIABLE = "IOMBROCHURE_SMTP_PASSWORD"

KNOWN_KEYS = (
    "from",
    "reply_to",
    "message_id_domain",
    "max_message_mb",
    "outbox",
    "attempts",
    "backoff_seconds",
    "timeout_seconds",
    "unsubscribe",
    "unsubscribe_url",
    "suppression_list",
    "bcc",
    "from_name",
    "envelope_from",
    "dkim_selector",
    "dkim_domain",
    "dkim_key_file",
    "rate",
)
#: The environment variable that may hold the DKIM private key (PEM), instead of a key file.
DKIM_KEY_VARIABLE = "IOMBROCHURE_DKIM_PRIVATE_KEY"


class MailError(IombrochureError):
    """A problem composing or sending mail that the user can fix (server, outbox, journal)."""


@dataclass(frozen=True)
class MailSettings:
    """What ``[mail]`` says, with defaults for everything but the sender."""

    sender: Address | None
    reply_to: Address | None
    message_id_domain: str
    max_message_mb: float = 10.0
    outbox: str = "outbox"
    attempts: int = 4  # tries per message for temporary failures (4xx, dropped connection)
    backoff_seconds: float = 2.0  # first wait; doubled after every failed try, at most 60 s
    timeout_seconds: float = 60.0
    #: The mailto: address of List-Unsubscribe and of the footer's opt-out line (default: the
    #: Reply-To or From address, which the office reads).
    unsubscribe: Address | None = None
    #: An https endpoint for one-click unsubscribe (RFC 8058); the recipient's address is added
    #: as ``?email=``. Without it, only the mailto: way is offered.
    unsubscribe_url: str | None = None
    #: Partners who asked for no more mail: one address per line, ``#`` comments.
    suppression_list: Path | None = None
    #: An archive address that gets a copy of every message sent (never a header: envelope only).
    bcc: Address | None = None
    #: The From display name per language, e.g. the office's name in Persian for ``fa``.
    from_names: dict[str, str] = field(default_factory=dict)
    #: The envelope sender (MAIL FROM, the Return-Path): where bounces go; default the From.
    envelope_from: Address | None = None
    #: DKIM signing when the relay does not sign: selector, domain, and the private key's file
    #: (outside the project) or the environment variable DKIM_KEY_VARIABLE.
    dkim_selector: str | None = None
    dkim_domain: str | None = None
    dkim_key_file: Path | None = None
    #: How fast mail send may go: a preset's or the table's limits (mail/pacing.py).
    rate: Rate = DEFAULT_RATE

    def sender_for(self, sender: Address, lang: str) -> Address:
        """The From address as a reader of ``lang`` sees it: the name in their language."""
        name = self.from_names.get(lang)
        return Address(display_name=name, addr_spec=sender.addr_spec) if name else sender

    def unsubscribe_address(self, sender: Address) -> Address:
        return self.unsubscribe or self.reply_to or sender

    def require_sender(self, project: Project) -> Address:
        if self.sender is None:
            raise ConfigError(
                "[mail] from is required to compose messages",
                path=project.config_path,
                hint='add e.g. from = "IOM Tehran <iomtehran@iom.int>" under [mail]',
            )
        return self.sender


def parse_address(text: str) -> Address:
    """``"IOM Tehran <iomtehran@iom.int>"`` or a bare address as an Address; ValueError if bad."""
    from email.headerregistry import HeaderRegistry

    header = HeaderRegistry()("to", text)
    if header.defects or len(header.addresses) != 1:
        raise ValueError(f"{text!r} is not one e-mail address")
    address = header.addresses[0]
    check_addr_spec(address.addr_spec)
    return address


def check_addr_spec(addr_spec: str) -> Address:
    """A plain ``user@example.org`` address, or ValueError saying what is wrong with it."""
    text = addr_spec.strip()
    if not text:
        raise ValueError("the address is empty")
    if any(ch.isspace() for ch in text):
        raise ValueError(f"{text!r} contains a space")
    if text.count("@") != 1:
        raise ValueError(f"{text!r} is not an e-mail address (one @ expected)")
    local, domain = text.split("@")
    if not local.isascii():
        raise ValueError(f"{text!r} has non-Latin letters before the @, which SMTP cannot carry")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels) or not all(label.strip("-") == label for label in labels):
        raise ValueError(f"{text!r} has no valid domain after the @")
    try:
        address = Address(addr_spec=text)
    except (HeaderParseError, HeaderDefect, ValueError, IndexError) as exc:
        raise ValueError(f"{text!r} is not a valid e-mail address") from exc
    return address


def _outside_project(project: Project, key: str, value: str) -> str | None:
    """Why a path ``[mail] key`` names may not be used: outside the project, or a link that
    leads out of it; None if it lies inside. Only the names are looked at (links followed
    without opening anything), so a file outside is refused before it is ever opened: a
    setting reads and writes inside the project, and only the command line points elsewhere."""
    from iombrochure.errors import ReadRefused
    from iombrochure.pipeline.safety import resolve_inside

    try:
        resolve_inside(project.root, value.strip(), what=f"[mail] {key}")
    except ReadRefused as exc:
        return exc.message
    return None


def _not_a_folder_of_its_own(project: Project, outbox: str) -> str | None:
    """Why an outbox inside the project would mix messages with the project's own files."""
    from iombrochure.pipeline.outputs import SOURCE_FOLDERS
    from iombrochure.pipeline.safety import is_within

    root = project.root.resolve()
    folder = (root / outbox.strip()).resolve()
    if folder == root:
        return "is the project folder itself"
    source = next((name for name in SOURCE_FOLDERS if is_within(folder, root / name)), None)
    if source is not None:
        return f"is inside {source}/, a folder of sources"
    if is_within(folder, project.output_dir.resolve()):
        return "is inside the output folder, which each build replaces"
    return None


def outbox_folder(project: Project, settings: MailSettings, campaign: str) -> Path:
    """The folder compose writes a campaign's messages into (outbox/<campaign>/ by default),
    once it is known to be inside the project, not a folder of sources, and writable: a
    read-only outbox is said before any PDF is built, not as a failed write after."""
    from iombrochure.pipeline.outputs import prepare_output_dir

    return prepare_output_dir(
        project.root, project.root / settings.outbox / campaign, explicit=False
    )


def _rate(value: object, problems: list[str]) -> Rate:
    """``rate = "office365"`` (a preset) or ``rate = {per_minute = 30, per_day = 10000}``."""
    example = (
        '[mail] rate must be one of "office365", "gmail", "none", or a table such as '
        "{ per_minute = 30, per_day = 10000 }"
    )
    if value is None:
        return DEFAULT_RATE
    if isinstance(value, str):
        if value.strip().lower() in PRESETS:
            return PRESETS[value.strip().lower()]
        problems.append(f"{example}, not {value!r}")
        return DEFAULT_RATE
    if not isinstance(value, dict) or set(value) - {"per_minute", "per_day"}:
        problems.append(example)
        return DEFAULT_RATE
    per_minute, per_day = value.get("per_minute"), value.get("per_day")
    if per_minute is not None and (
        isinstance(per_minute, bool)
        or not isinstance(per_minute, int | float)
        or not math.isfinite(per_minute)
        or per_minute < 0.1
    ):
        problems.append("[mail] rate per_minute must be a number of at least 0.1")
        return DEFAULT_RATE
    if per_day is not None and (
        isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 1
    ):
        problems.append("[mail] rate per_day must be a whole number of recipients, at least 1")
        return DEFAULT_RATE
    return Rate(per_minute=per_minute, per_day=per_day, name="[mail] rate")


_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _dkim(
    project: Project, table: dict[str, Any], sender: Address | None, problems: list[str]
) -> tuple[str | None, str | None, Path | None]:
    """(selector, domain, key file) of ``[mail] dkim_*``, each problem added to ``problems``.

    The domain must be the From address's domain or a parent of it: a signature of another
    domain does not count for DMARC, and receivers then treat the message as unsigned. The
    key file must lie outside the project, which is copied, shared and put in git.
    """
    selector, domain, key_file = (
        table.get(k) for k in ("dkim_selector", "dkim_domain", "dkim_key_file")
    )
    if selector is None:
        if domain is not None or key_file is not None:
            problems.append("[mail] dkim_domain and dkim_key_file need dkim_selector too")
        return None, None, None
    if not isinstance(selector, str) or not all(
        _DNS_LABEL.fullmatch(label) for label in selector.split(".")
    ):
        problems.append('[mail] dkim_selector must be a DNS name, e.g. "iombrochure2026"')
        return None, None, None
    from_domain = sender.domain.lower() if sender is not None else None
    if domain is None:
        domain = from_domain
    elif not isinstance(domain, str) or not all(
        _DNS_LABEL.fullmatch(label) for label in domain.split(".")
    ):
        problems.append('[mail] dkim_domain must be a domain name, e.g. "iom.int"')
        return None, None, None
    elif from_domain and not (
        from_domain == domain.lower() or from_domain.endswith("." + domain.lower())
    ):
        problems.append(
            f"[mail] dkim_domain {domain!r} is not the From domain {from_domain!r} or a parent "
            "of it: receivers would not count the signature for the From address (DMARC)"
        )
        return None, None, None
    path: Path | None = None
    if key_file is not None:
        from iombrochure.pipeline.safety import is_within

        if not isinstance(key_file, str) or not key_file.strip():
            problems.append('[mail] dkim_key_file must be a file name, e.g. "~/.iom/dkim.pem"')
            return None, None, None
        path = Path(key_file.strip()).expanduser()
        if not path.is_absolute() or is_within(path.resolve(), project.root.resolve()):
            problems.append(
                f"[mail] dkim_key_file {key_file!r} is inside the project (or relative to it): a "
                f"private key must stay out of a folder that is shared and committed; keep it "
                f"elsewhere, e.g. ~/.iom/dkim.pem, or in the environment variable {DKIM_KEY_VARIABLE}"
            )
            return None, None, None
    return selector, domain, path


def mail_settings(project: Project) -> MailSettings:
    """Read and check ``[mail]``; every problem is reported at once, naming the key."""
    table: dict[str, Any] = project.section("mail")
    problems: list[str] = []
    for key in table:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"[mail] unknown key {key!r}{hint}")

    def address(key: str) -> Address | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            problems.append(f'[mail] {key} must be text, e.g. "IOM Tehran <iomtehran@iom.int>"')
            return None
        try:
            return parse_address(value)
        except ValueError as exc:
            problems.append(f"[mail] {key}: {exc}")
            return None

    def number(key: str, default: float, *, minimum: float, whole: bool = False) -> float:
        value = table.get(key, default)
        kinds = (int,) if whole else (int, float)
        if (
            isinstance(value, bool)
            or not isinstance(value, kinds)
            or not math.isfinite(value)  # nan and inf are floats that compare as nothing
            or value < minimum
        ):
            kind = "a whole number" if whole else "a number"
            problems.append(f"[mail] {key} must be {kind} of at least {minimum:g}")
            return default
        return value

    sender = address("from")
    reply_to = address("reply_to")
    domain = table.get("message_id_domain")
    if domain is None:
        domain = sender.domain if sender is not None else "localhost"
    elif not isinstance(domain, str) or not domain or not domain.isascii() or "@" in domain:
        problems.append('[mail] message_id_domain must be a domain name, e.g. "iom.int"')
        domain = "localhost"
    outbox = table.get("outbox", "outbox")
    if not isinstance(outbox, str) or not outbox.strip():
        problems.append('[mail] outbox must be a folder name, e.g. "outbox"')
        outbox = "outbox"
    elif problem := _outside_project(project, "outbox", outbox):
        problems.append(f"{problem}; to compose into a folder elsewhere, use --out DIR")
        outbox = "outbox"
    elif problem := _not_a_folder_of_its_own(project, outbox):
        problems.append(
            f"[mail] outbox {outbox!r} {problem}: compose writes and removes .eml files there; "
            'name a folder of its own, e.g. outbox = "outbox"'
        )
        outbox = "outbox"
    unsubscribe = address("unsubscribe")
    bcc = address("bcc")
    unsubscribe_url = table.get("unsubscribe_url")
    if unsubscribe_url is not None and not (
        isinstance(unsubscribe_url, str)
        and unsubscribe_url.startswith("https://")
        and unsubscribe_url.isascii()
        and not any(ch.isspace() or ch in "<>," for ch in unsubscribe_url)
    ):
        problems.append(
            '[mail] unsubscribe_url must be an https:// address, e.g. "https://example.org/unsubscribe"'
        )
        unsubscribe_url = None
    suppression = table.get("suppression_list")
    if suppression is not None and (not isinstance(suppression, str) or not suppression.strip()):
        problems.append('[mail] suppression_list must be a file name, e.g. "opted-out.txt"')
        suppression = None
    elif suppression is not None and (
        problem := _outside_project(project, "suppression_list", suppression)
    ):
        problems.append(f"{problem}; keep the list in the project folder")
        suppression = None
    from_names = table.get("from_name", {})
    if not isinstance(from_names, dict):
        problems.append(
            '[mail] from_name must be a table of names per language: [mail.from_name] fa = "..."'
        )
        from_names = {}
    for lang, name in from_names.items():
        if lang not in project.languages:
            problems.append(
                f"[mail.from_name] {lang!r} is not a language of this project "
                f"({', '.join(project.languages)})"
            )
        elif not isinstance(name, str) or not name.strip() or any(ch in name for ch in "<>\r\n"):
            problems.append(f"[mail.from_name] {lang} must be a name without < > or line breaks")
    envelope_from = address("envelope_from")
    rate = _rate(table.get("rate"), problems)
    dkim_selector, dkim_domain, dkim_key_file = _dkim(project, table, sender, problems)
    settings = MailSettings(
        sender=sender,
        reply_to=reply_to,
        message_id_domain=domain,
        max_message_mb=number("max_message_mb", 10.0, minimum=0.01),
        outbox=outbox,
        attempts=int(number("attempts", 4, minimum=1, whole=True)),
        backoff_seconds=number("backoff_seconds", 2.0, minimum=0),
        timeout_seconds=number("timeout_seconds", 60.0, minimum=1),
        unsubscribe=unsubscribe,
        unsubscribe_url=unsubscribe_url,
        suppression_list=project.root / suppression if suppression else None,
        bcc=bcc,
        from_names={str(k): " ".join(str(v).split()) for k, v in from_names.items()},
        envelope_from=envelope_from,
        dkim_selector=dkim_selector,
        dkim_domain=dkim_domain,
        dkim_key_file=dkim_key_file,
        rate=rate,
    )
    if problems:
        raise ConfigError(
            "; ".join(problems), path=project.config_path, hint="see docs/mail.md for [mail]"
        )
    return settings

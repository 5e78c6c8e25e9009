"""Compose: one standard RFC 5322 message per recipient, written into an outbox folder.

Each message is the campaign in the recipient's language (plain text and HTML), with that
language's PDFs attached as the last build made them. Messages are ordinary ``.eml`` files: open
one in a mail client to see exactly what the partner will get, then ``mail send`` the folder.

The Message-ID is derived from the campaign and the address, not from the clock, so composing
again gives every recipient the same Message-ID, and the send journal (which is keyed by it)
still knows who already has the message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import jinja2
from babel.support import NullTranslations
from markupsafe import Markup

from iombrochure.errors import ContentError
from iombrochure.mail.campaign import Campaign, RenderedMessage, load_campaign, render_message
from iombrochure.mail.recipients import Recipient, read_recipients
from iombrochure.mail.settings import MailError, MailSettings, mail_settings
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.i18n import Localizer, text_direction
from iombrochure.pipeline.outputs import Output, atomic_write, read_manifest

#: What a fact sheet is made from: a file here newer than a PDF means the PDF is out of date.
#: Campaign files are left out, since editing a mailing does not change the documents.
SOURCE_PARTS = ("iombrochure.toml", "content", "templates", "styles", "fonts", "locales", "images")

_HTML = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ dir }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ subject }}</title>
</head>
<body dir="{{ dir }}" style="margin: 0; padding: 0; background: #ffffff;">
<div lang="{{ lang }}" dir="{{ dir }}" style="direction: {{ dir }}; text-align: {{ start }}; \
max-width: 40em; padding: 16px; font-family: {{ fonts }}; font-size: 15px; line-height: 1.7; \
color: #1a1a1a;">
{{ body }}
</div>
</body>
</html>
"""
)
#: Fonts a mail client is likely to have; Vazirmatn is the publications' Persian typeface.
_FONTS = {
    "rtl": "Vazirmatn, Tahoma, 'Segoe UI', Arial, sans-serif",
    "ltr": "'Source Sans 3', 'Segoe UI', Arial, Helvetica, sans-serif",
}


@dataclass(frozen=True)
class Attachment:
    """A built PDF as one language's readers receive it."""

    document: str
    lang: str
    filename: str
    data: bytes

    @property
    def ascii_filename(self) -> str:
        """For mail programs that ignore RFC 2231 names: the build's own file name."""
        return self.filename if self.filename.isascii() else f"{self.document}-{self.lang}.pdf"


@dataclass(frozen=True)
class ComposedMessage:
    """One .eml written to the outbox."""

    recipient: Recipient
    path: Path
    message_id: str
    subject: str
    size: int
    attachments: tuple[tuple[str, int], ...]  # (file name, bytes)


@dataclass
class ComposeResult:
    out_dir: Path
    campaign: str
    messages: list[ComposedMessage] = field(default_factory=list)
    problems: list[ContentError] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)  # why each stale PDF was rebuilt
    removed: list[Path] = field(default_factory=list)  # .eml files of an earlier compose
    max_message_bytes: int = 0

    @property
    def attachment_bytes(self) -> int:
        return sum(size for message in self.messages for _, size in message.attachments)

    @property
    def oversized(self) -> list[ComposedMessage]:
        return [m for m in self.messages if m.size > self.max_message_bytes]


def compose_campaign(
    project: Project,
    recipients_path: Path,
    campaign_name: str,
    *,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> ComposeResult:
    """Write one message per good CSV row into ``out_dir`` (default outbox/<campaign>/).

    Everything that can fail on content (campaign, templates, every row's text) is checked
    before the PDFs are built and before the first file is written.
    """
    settings = mail_settings(project)
    sender = settings.require_sender(project)
    campaign = load_campaign(project, campaign_name)
    recipients, problems = read_recipients(
        recipients_path,
        languages=list(project.languages),
        source_language=project.source_language,
        campaign_languages=list(campaign.messages),
    )
    out_dir = (out_dir or project.root / settings.outbox / campaign.name).resolve()
    result = ComposeResult(
        out_dir=out_dir,
        campaign=campaign.name,
        problems=problems,
        max_message_bytes=int(settings.max_message_mb * 1024 * 1024),
    )
    foreign = _foreign_messages(out_dir, campaign.name)
    if foreign:
        raise MailError(
            f"the folder holds {len(foreign)} .eml file(s) of something else, e.g. "
            f"{foreign[0].name}",
            path=out_dir,
            hint="compose into an empty folder, or leave out --out to use outbox/<campaign>/",
        )
    localizers = {
        lang: Localizer(
            language=project.languages[lang], translations=NullTranslations(), data=campaign.data
        )
        for lang in campaign.messages
    }
    rendered = [render_message(campaign, r.lang, r.fields, localizers[r.lang]) for r in recipients]
    languages = sorted({recipient.lang for recipient in recipients})
    pdfs = ensure_built(project, campaign, languages, progress=progress, rebuilt=result.rebuilt)
    date = format_datetime((now or dt.datetime.now()).astimezone())
    written: set[Path] = set()
    for index, (recipient, text) in enumerate(zip(recipients, rendered, strict=True), start=1):
        attachments = [
            Attachment(
                document=document,
                lang=recipient.lang,
                filename=campaign.messages[recipient.lang].files[document],
                data=pdfs[(document, recipient.lang)],
            )
            for document in campaign.attach
        ]
        message_id = make_message_id(campaign.name, recipient.email, settings.message_id_domain)
        message = build_message(
            settings,
            sender,
            recipient,
            text,
            attachments,
            message_id=message_id,
            date=date,
        )
        data = message.as_bytes(policy=SMTP)
        path = out_dir / f"{index:04d}-{_file_stem(recipient.email)}.eml"
        atomic_write(path, data)
        written.add(path)
        result.messages.append(
            ComposedMessage(
                recipient=recipient,
                path=path,
                message_id=message_id,
                subject=text.subject,
                size=len(data),
                attachments=tuple((a.filename, len(a.data)) for a in attachments),
            )
        )
        if progress:
            progress(f"composed {path.name} ({recipient.lang}, {len(data) / 1024:.0f} KB)")
    for stale in sorted(out_dir.glob("*.eml")):
        if stale not in written:  # a recipient no longer in the CSV: never send it by mistake
            stale.unlink()
            result.removed.append(stale)
    return result


def _foreign_messages(out_dir: Path, campaign: str) -> list[Path]:
    """.eml files in the folder that an earlier compose of this campaign did not write.

    Compose replaces its own earlier messages, and must never delete anything else; send would
    send every .eml in the folder, so it must not mix campaigns either.
    """
    from email.parser import BytesHeaderParser
    from email.policy import default

    parser = BytesHeaderParser(policy=default)
    foreign = []
    for path in sorted(out_dir.glob("*.eml")) if out_dir.is_dir() else ():
        with path.open("rb") as stream:
            message_id = str(parser.parse(stream)["Message-ID"] or "")
        if not message_id.startswith(f"<{campaign}."):
            foreign.append(path)
    return foreign


def make_message_id(campaign: str, address: str, domain: str) -> str:
    """The same ``<campaign.hash@domain>`` every time for one campaign and one address."""
    digest = hashlib.sha256(f"{campaign}\0{address.casefold()}".encode()).hexdigest()[:24]
    return f"<{campaign}.{digest}@{domain}>"


def build_message(
    settings: MailSettings,
    sender: Address,
    recipient: Recipient,
    text: RenderedMessage,
    attachments: list[Attachment],
    *,
    message_id: str,
    date: str,
) -> EmailMessage:
    """The message a recipient gets: plain text and HTML alternatives, then the PDFs."""
    direction = text_direction(recipient.lang)
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    if settings.reply_to is not None:
        message["Reply-To"] = settings.reply_to
    message["To"] = Address(display_name=recipient.name, addr_spec=recipient.email)
    message["Subject"] = text.subject
    message["Date"] = date
    message["Message-ID"] = message_id
    message.set_content(text.text, cte=_transfer_encoding(text.text))
    html = _HTML.render(
        lang=recipient.lang,
        dir=direction,
        start="right" if direction == "rtl" else "left",
        fonts=_FONTS[direction],
        subject=text.subject,
        body=Markup(text.html),
    )
    message.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
    for attachment in attachments:
        message.add_attachment(
            attachment.data,
            maintype="application",
            subtype="pdf",
            filename=attachment.filename,  # RFC 2231 (filename*=utf-8''...) when not ASCII
            params={"name": attachment.ascii_filename},
        )
    message["Content-Language"] = recipient.lang  # last: set_content moves Content-* headers
    _tidy_parts(message, message_id)
    return message


def _transfer_encoding(text: str) -> str | None:
    """7bit when ASCII; base64 for mostly non-Latin text; quoted-printable otherwise.

    Never 8bit: the raw bytes are sent as they are, and not every server offers 8BITMIME.
    """
    if text.isascii():
        return None  # 7bit, or quoted-printable for over-long lines
    wide = sum(1 for ch in text if not ch.isascii())
    return "base64" if wide * 4 > len(text) else "quoted-printable"


def _tidy_parts(message: EmailMessage, message_id: str) -> None:
    """Drop the MIME-Version the email package repeats in subparts; make boundaries stable."""
    seed = hashlib.sha256(message_id.encode()).hexdigest()[:16]
    for number, part in enumerate(message.walk()):
        if part is not message and "MIME-Version" in part:
            del part["MIME-Version"]
        if part.is_multipart():
            part.set_boundary(f"=_iombrochure_{seed}_{number}")


def _file_stem(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", address.replace("@", "_at_"))[:80]


# ---------------------------------------------------------------------------------------------
# The PDFs to attach: from the last build when it is current, else built now


def ensure_built(
    project: Project,
    campaign: Campaign,
    languages: list[str],
    *,
    progress: Callable[[str], None] | None = None,
    rebuilt: list[str] | None = None,
) -> dict[tuple[str, str], bytes]:
    """The bytes of each attached document in each language, building what is stale.

    Stale (kept simple on purpose): not in dist/manifest.json, missing, different from the
    manifest's SHA-256, or older than a source file (config, content, templates, styles, fonts,
    locales, images; campaign files excepted).
    """
    if not campaign.attach or not languages:
        return {}
    wanted = [(doc, lang) for doc in campaign.attach for lang in languages]
    newest = newest_source_time(project)
    stale = {
        key: reason
        for key in wanted
        if (reason := stale_reason(project, key, campaign.variant, newest)) is not None
    }
    if stale:
        from iombrochure.pipeline.build import build

        for (doc, lang), reason in stale.items():
            if rebuilt is not None:
                rebuilt.append(f"{doc}-{lang}: {reason}")
        build(
            project,
            documents=sorted({doc for doc, _ in stale}),
            languages=sorted({lang for _, lang in stale}),
            progress=progress,
        )
    pdfs: dict[tuple[str, str], bytes] = {}
    entries = _manifest(project)
    for doc, lang in wanted:
        entry = entries.get((doc, lang, campaign.variant))
        data = _read_checked(project, entry)
        if entry is None or data is None:
            raise MailError(
                f"{doc} ({lang}) is still missing after the build",
                path=project.output_dir / "manifest.json",
                hint="run iombrochure build and look at its messages",
            )
        pdfs[(doc, lang)] = data
    return pdfs


def stale_reason(
    project: Project, key: tuple[str, str], variant: str, newest_source: float
) -> str | None:
    """Why the build of one document and language cannot be attached as it is, or None."""
    entry = _manifest(project).get((*key, variant))
    if entry is None:
        return "not built yet"
    path = project.output_dir / entry.path
    if not path.is_file():
        return f"{entry.path} is missing"
    if _read_checked(project, entry) is None:
        return f"{entry.path} differs from the manifest's SHA-256"
    if path.stat().st_mtime < newest_source:
        return f"{entry.path} is older than its sources"
    return None


def newest_source_time(project: Project) -> float:
    """The modification time of the most recently changed source file."""
    newest = 0.0
    campaigns = project.content_dir / "campaigns"
    for part in SOURCE_PARTS:
        path = project.root / part
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                if Path(folder) == campaigns:
                    dirs.clear()
                    continue
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    if not name.startswith("."):
                        newest = max(newest, (Path(folder) / name).stat().st_mtime)
    return newest


def _manifest(project: Project) -> dict[tuple[str, str, str], Output]:
    return {(o.document, o.lang, o.variant): o for o in read_manifest(project.output_dir)}


def _read_checked(project: Project, entry: Output | None) -> bytes | None:
    if entry is None:
        return None
    try:
        data = (project.output_dir / entry.path).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == entry.sha256 else None

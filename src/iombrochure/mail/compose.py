"""Compose: one standard RFC 5322 message per recipient, written into an outbox folder.

Each message is the campaign in the recipient's language (plain text and HTML), with that
language's PDFs attached as the last build made them. Messages are ordinary ``.eml`` files: open
one in a mail client to see exactly what the partner will get, then ``mail send`` the folder.

The Message-ID is random (it tells nothing about the address, and no two outboxes, projects or
years share one), and it is kept in the .eml file: composing again into the same outbox gives each
partner the Message-ID their earlier message had, so the send journal (which is keyed by it)
still knows who already has the message. The Date header says when the message was composed;
``mail send`` replaces it with the moment the message is handed to the server, since "compose
today, look, send tomorrow" must not make the message look old (spam filters score that).

Every message carries List-Unsubscribe (RFC 2369, and RFC 8058 one-click when an https endpoint
and the token secret are configured: the link carries a token, never the address) and an opt-out
line at the end in the reader's language; partners on the suppression list are not composed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
from iombrochure.mail.settings import MailError, MailSettings, mail_settings, outbox_folder
from iombrochure.mail.suppression import read_suppression_list
from iombrochure.mail.tokens import SECRET_VARIABLE, make_token, unsubscribe_secret
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
</head>
<body dir="{{ dir }}" style="margin: 0; padding: 0; background: #ffffff;">
<div lang="{{ lang }}" dir="{{ dir }}" style="direction: {{ dir }}; text-align: {{ start }}; \
max-width: 40em; padding: 16px; font-family: {{ fonts }}; font-size: 15px; line-height: 1.7; \
color: #1a1a1a;">
{{ body }}
<hr style="border: none; border-top: 1px solid #d0d0d0; margin: 24px 0 8px;">
<p style="font-size: 12px; line-height: 1.6; color: #555555; margin: 0;">{{ footer }}</p>
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


#: The opt-out line at the end of every message, per language; {address} is the unsubscribe
#: mailbox and {link} the one-click page when one is configured. English stands in for a
#: language without its own line.
FOOTERS = {
    "en": (
        "You receive this message as a partner of IOM in the Islamic Republic of Iran. "
        "To receive no more messages like it, write to {address} with the subject "
        '"unsubscribe"{link}.'
    ),
    "fa": (
        "این پیام را به‌عنوان یکی از همکاران سازمان بین‌المللی مهاجرت در جمهوری اسلامی ایران "
        "دریافت کرده‌اید. اگر نمی‌خواهید پیام دیگری از ما دریافت کنید، به نشانی {address} "
        "پیامی با عنوان «لغو اشتراک» بفرستید{link}."
    ),
}
FOOTER_LINKS = {"en": " or open {url}", "fa": " یا به صفحه {url} بروید"}
#: The subject of the opt-out e-mail the footer's link starts, per language.
UNSUBSCRIBE_SUBJECTS = {"en": "unsubscribe", "fa": "لغو اشتراک"}

#: Arabic letters that partner lists exported from Iranian systems often hold, and the Persian
#: letters a Persian reader expects in their own name (persian-style.md: ی and ک, never ي ك).
PERSIAN_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
#: Languages written with the Persian alphabet.
PERSIAN_SCRIPT_LANGUAGES = frozenset({"fa", "prs"})


@dataclass(frozen=True)
class Attachment:
    """A built PDF as one language's readers receive it."""

    document: str
    lang: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class ComposedMessage:
    """One .eml written to the outbox."""

    recipient: Recipient
    path: Path
    message_id: str
    subject: str
    size: int
    attachments: tuple[tuple[str, int], ...]  # (file name, bytes)
    change: str = "new"  # against the folder's earlier compose: new, changed, unchanged


@dataclass
class ComposeResult:
    out_dir: Path
    campaign: str
    messages: list[ComposedMessage] = field(default_factory=list)
    problems: list[ContentError] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)  # why each stale PDF was rebuilt
    #: Messages of an earlier compose deleted now: (file, address, why).
    removed: list[tuple[Path, str, str]] = field(default_factory=list)
    #: Partners on the suppression list: (recipient, where it is listed).
    opted_out: list[tuple[Recipient, str]] = field(default_factory=list)
    #: Rows changed for their message, e.g. Arabic letters in a Persian name (not problems).
    notes: list[ContentError] = field(default_factory=list)
    #: Rows composed as written that the office should look at, e.g. "Doe, Jane" as a name.
    warnings: list[ContentError] = field(default_factory=list)
    #: Settings that could not be honoured, e.g. unsubscribe_url without the token secret.
    setting_warnings: list[str] = field(default_factory=list)
    max_message_bytes: int = 0

    def changed(self, kind: str) -> list[ComposedMessage]:
        """The messages that are ``new``, ``changed`` or ``unchanged`` since the last compose."""
        return [m for m in self.messages if m.change == kind]

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
    out_dir = out_dir.resolve() if out_dir else outbox_folder(project, settings, campaign.name)
    result = ComposeResult(
        out_dir=out_dir,
        campaign=campaign.name,
        problems=problems,
        max_message_bytes=int(settings.max_message_mb * 1024 * 1024),
    )
    suppressed = read_suppression_list(settings.suppression_list)
    kept: list[Recipient] = []
    for recipient in recipients:
        if recipient.email in suppressed:
            result.opted_out.append((recipient, suppressed.where(recipient.email)))
            continue
        if recipient.lang in PERSIAN_SCRIPT_LANGUAGES:
            recipient = _with_persian_letters(recipient, recipients_path, result.notes)
        if warning := _family_name_first(recipient, recipients_path):
            result.warnings.append(warning)
        kept.append(recipient)
    recipients = kept
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
    secret = unsubscribe_secret()
    if settings.unsubscribe_url and secret is None:
        result.setting_warnings.append(
            f"[mail] unsubscribe_url is left out of the messages: {SECRET_VARIABLE} is not set "
            "(the one-click link carries a token made with it); only the mailto: way is offered"
        )
    earlier = _earlier_messages(out_dir)
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
        before = earlier.get(recipient.email.casefold())
        message_id = (
            before.message_id
            if before is not None
            else new_message_id(campaign.name, settings.message_id_domain)
        )
        token = make_token(recipient.email, secret) if secret else None
        message = build_message(
            settings,
            sender,
            recipient,
            text,
            attachments,
            message_id=message_id,
            date=date,
            footer=footer_text(settings, sender, recipient, localizers[recipient.lang], token),
            token=token,
        )
        data = message.as_bytes(policy=SMTP)
        path = out_dir / f"{index:04d}-{_file_stem(recipient.email)}.eml"
        if before is None:
            change = "new"
        elif before.digest == _digest_but_date(data):
            change = "unchanged"
        else:
            change = "changed"
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
                change=change,
            )
        )
        if progress:
            progress(f"composed {path.name} ({recipient.lang}, {len(data) / 1024:.0f} KB)")
    composed = {m.recipient.email.casefold() for m in result.messages}
    opted_out = {r.email.casefold() for r, _ in result.opted_out}
    for key, before in sorted(earlier.items(), key=lambda item: item[1].path):
        stale, address = before.path, before.address
        if stale in written:
            continue
        stale.unlink()  # renumbered, or its partner is gone: never send it by mistake
        if key not in composed:
            if address.casefold() in opted_out:
                why = "opted out"
            elif problems:
                why = "no longer in the list, or its row has a problem"
            else:
                why = "no longer in the list"
            result.removed.append((stale, address, why))
    return result


@dataclass(frozen=True)
class EarlierMessage:
    """What compose keeps of a message an earlier compose wrote: enough to reuse its
    Message-ID and to tell whether the new one differs, never the message itself (ten
    thousand messages with their PDFs would not fit in memory)."""

    path: Path
    message_id: str
    address: str
    digest: str  # SHA-256 of the message with its Date set to a fixed moment


def _earlier_messages(out_dir: Path) -> dict[str, EarlierMessage]:
    """Casefolded address -> the message an earlier compose wrote here for that partner.

    Keyed by partner, not by file name: a partner added at the top of the CSV renumbers every
    file, and that must not read as everybody being removed and added. One file is read at a
    time and only its digest is kept, so memory does not grow with the outbox.
    """
    from email.parser import BytesHeaderParser
    from email.policy import default

    parser = BytesHeaderParser(policy=default)
    found: dict[str, EarlierMessage] = {}
    for path in sorted(out_dir.glob("*.eml")) if out_dir.is_dir() else ():
        data = path.read_bytes()
        head = data.partition(b"\r\n\r\n")[0]
        headers = parser.parsebytes(head + b"\r\n\r\n")
        message_id = str(headers["Message-ID"] or "").strip()
        try:
            address = headers["To"].addresses[0].addr_spec if headers["To"] else ""
        except (AttributeError, IndexError, ValueError):
            address = ""
        digest = _digest_but_date(data)
        del data, head
        found[address.casefold()] = EarlierMessage(path, message_id, address, digest)
    return found


def _digest_but_date(data: bytes) -> str:
    """A fingerprint of a message that ignores its Date (which send sets anyway)."""
    from iombrochure.mail.send import stamp_date

    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return hashlib.sha256(stamp_date(data, epoch)).hexdigest()


def _family_name_first(recipient: Recipient, path: Path) -> ContentError | None:
    """A warning for a name written "Doe, Jane": the greeting would read "Dear Doe, Jane,".

    Exported address books often write the family name first with a comma; the message is
    composed as written (a comma can belong to a name), and the office is told to check it.
    """
    family, comma, given = recipient.name.partition(",")
    if not comma or not family.strip() or not given.strip():
        return None
    return ContentError(
        f"the name {recipient.name!r} of {recipient.email} has a comma: the greeting reads "
        f'"{recipient.name}," as if family name first; composed as written',
        path=path,
        line=recipient.line,
        hint=f"write the name as the partner writes it, e.g. {given.strip()} {family.strip()}",
    )


def _with_persian_letters(recipient: Recipient, path: Path, notes: list[ContentError]) -> Recipient:
    """The row with Persian ی and ک where it has Arabic ي ى ك, and a note saying which fields."""
    fixed = {
        name: value.translate(PERSIAN_LETTERS) if name != "email" else value
        for name, value in recipient.fields.items()
    }
    changed = [name for name, value in recipient.fields.items() if fixed[name] != value]
    if not changed:
        return recipient
    notes.append(
        ContentError(
            f"Arabic letters ي/ك in {', '.join(changed)} of {recipient.email} written as "
            "Persian ی/ک in the Persian message",
            path=path,
            line=recipient.line,
            hint="correct the partner list too",
        )
    )
    return replace(
        recipient,
        name=recipient.name.translate(PERSIAN_LETTERS),
        organization=recipient.organization.translate(PERSIAN_LETTERS),
        fields=fixed,
    )


def footer_text(
    settings: MailSettings,
    sender: Address,
    recipient: Recipient,
    localizer: Localizer,
    token: str | None = None,
) -> tuple[str, str]:
    """The opt-out line as (plain text, HTML) in the recipient's language; the one-click page
    is offered only with a token (an address in a link could be used to opt anyone out)."""
    from markupsafe import escape

    lang = recipient.lang if recipient.lang in FOOTERS else "en"
    address = settings.unsubscribe_address(sender).addr_spec
    subject = UNSUBSCRIBE_SUBJECTS[lang]
    mailto = f"mailto:{address}?subject={urllib.parse.quote(subject)}"
    url = unsubscribe_page(settings, token)
    template = FOOTERS[lang]
    link_template = FOOTER_LINKS[lang] if url else ""
    plain = template.format(
        address=localizer.isolate(address),
        link=link_template.format(url=localizer.isolate(url or "")),
    )
    html = str(escape(template)).format(
        address=Markup('<a href="{}">{}</a>').format(mailto, localizer.isolate(address)),
        link=(
            str(escape(link_template)).format(
                url=Markup('<a href="{}">{}</a>').format(url, localizer.isolate(url or ""))
            )
            if url
            else ""
        ),
    )
    return plain, html


def unsubscribe_page(settings: MailSettings, token: str | None) -> str | None:
    """The one-click unsubscribe URL for one partner's token, or None without a page or token."""
    if not settings.unsubscribe_url or not token:
        return None
    joiner = "&" if "?" in settings.unsubscribe_url else "?"
    return f"{settings.unsubscribe_url}{joiner}token={token}"


def list_unsubscribe(settings: MailSettings, sender: Address, token: str | None = None) -> str:
    """The List-Unsubscribe value: the mailto: way always (its subject carrying the token, so
    the office's mailbox rule can pass it to ``mail unsubscribe --token``), and the https way
    when a page is configured and a token made."""
    mailbox = settings.unsubscribe_address(sender).addr_spec
    subject = f"unsubscribe%20{token}" if token else "unsubscribe"
    parts = [f"<mailto:{mailbox}?subject={subject}>"]
    url = unsubscribe_page(settings, token)
    if url:
        parts.append(f"<{url}>")
    return ", ".join(parts)


def set_address(message: EmailMessage, header: str, address: Address) -> None:
    """Write an address header; a non-ASCII name as encoded words split between words.

    The email package splits a long name's encoded words anywhere, even inside a word, and
    some readers (Python's own parser among them) then show a space in the middle of the word:
    "مهاجر ت". Each encoded word here ends after a space, so readers that follow RFC 2047 show
    the name exactly, and the others show one extra space between two words, never a broken one.
    """
    if address.display_name.isascii():
        message[header] = address
        return
    first_room = 78 - len(header) - 2
    words: list[str] = []
    pending = ""
    for token in re.split(r"(?<= )", address.display_name):
        for piece in _fitting_pieces(token, 75):
            candidate = pending + piece
            room = first_room if not words else 76
            if pending and _encoded_length(candidate) > room:
                words.append(pending)
                pending = piece
            else:
                pending = candidate
    words.append(pending)
    encoded = [f"=?utf-8?b?{base64.b64encode(w.encode()).decode()}?=" for w in words]
    angle = f"<{address.addr_spec}>"
    last_line = len(encoded[-1]) + 1 + (len(header) + 2 if len(encoded) == 1 else 1)
    tail = f" {angle}" if last_line + len(angle) <= 78 else f"\r\n {angle}"
    message.set_raw(header, "\r\n ".join(encoded) + tail)


def _encoded_length(text: str) -> int:
    return len(base64.b64encode(text.encode())) + 12


def _fitting_pieces(text: str, longest: int) -> list[str]:
    """``text`` cut between characters into pieces whose encoded word fits in ``longest``."""
    pieces = [""]
    for ch in text:
        if pieces[-1] and _encoded_length(pieces[-1] + ch) > longest:
            pieces.append("")
        pieces[-1] += ch
    return pieces


def content_type_with_name(filename: str) -> str:
    """``application/pdf; name="..."`` with the name as RFC 2047 encoded words when not ASCII.

    Each encoded word goes on its own folded line (at most 78 characters); decoders join
    adjacent encoded words without the folding space, as Thunderbird writes long names.
    """
    if filename.isascii():
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        return f'application/pdf;\r\n name="{quoted}"'
    return 'application/pdf;\r\n name="' + "\r\n ".join(encoded_words(filename)) + '"'


def encoded_words(text: str, *, longest: int = 60) -> list[str]:
    """``text`` as RFC 2047 encoded words (UTF-8, base64), split between whole characters."""
    words: list[str] = []
    chunk = ""
    for ch in text:
        if chunk and len(base64.b64encode((chunk + ch).encode())) + 12 > longest:
            words.append(chunk)
            chunk = ""
        chunk += ch
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(word.encode()).decode()}?=" for word in words]


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
        message_id = str(parser.parsebytes(_header_block(path))["Message-ID"] or "")
        if not message_id.startswith(f"<{campaign}."):
            foreign.append(path)
    return foreign


def _header_block(path: Path) -> bytes:
    """The header lines of an .eml file, read without its body (the PDFs): the parser would
    otherwise read every attachment of every message just to find one header."""
    lines = []
    with path.open("rb") as stream:
        for line in stream:
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
    return b"".join(lines) + b"\r\n"


def new_message_id(campaign: str, domain: str) -> str:
    """A fresh ``<campaign.random@domain>``: 128 random bits, so no two composes, outboxes,
    projects or years share one, and nothing about the partner can be read or confirmed from
    it. The campaign's name tells compose its own messages from other .eml files."""
    return f"<{campaign}.{secrets.token_hex(16)}@{domain}>"


def build_message(
    settings: MailSettings,
    sender: Address,
    recipient: Recipient,
    text: RenderedMessage,
    attachments: list[Attachment],
    *,
    message_id: str,
    date: str,
    footer: tuple[str, str] = ("", ""),
    token: str | None = None,
) -> EmailMessage:
    """The message a recipient gets: plain text and HTML alternatives, then the PDFs."""
    direction = text_direction(recipient.lang)
    message = EmailMessage(policy=SMTP)
    set_address(message, "From", settings.sender_for(sender, recipient.lang))
    if settings.reply_to is not None:
        reply_to = settings.reply_to
        if reply_to.addr_spec == sender.addr_spec:  # the office's name in the reader's language
            reply_to = settings.sender_for(reply_to, recipient.lang)
        set_address(message, "Reply-To", reply_to)
    set_address(message, "To", Address(display_name=recipient.name, addr_spec=recipient.email))
    message["Subject"] = text.subject
    message["Date"] = date
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = list_unsubscribe(settings, sender, token)
    if unsubscribe_page(settings, token):
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    plain_footer, html_footer = footer
    plain = plain_without_isolated_links(
        text.text + (f"\n-- \n{plain_footer}\n" if plain_footer else "")
    )
    message.set_content(plain, cte=_transfer_encoding(plain))
    html = _HTML.render(
        lang=recipient.lang,
        dir=direction,
        start="right" if direction == "rtl" else "left",
        fonts=_FONTS[direction],
        body=Markup(text.html),
        footer=Markup(html_footer),
    )
    message.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
    for attachment in attachments:
        message.add_attachment(
            attachment.data,
            maintype="application",
            subtype="pdf",
            filename=attachment.filename,  # RFC 2231 (filename*=utf-8''...) when not ASCII
        )
        part = message.get_payload()[-1]
        # name= for programs that read it rather than filename*: RFC 2047 words, set raw since
        # the email package would write RFC 2231 there too, which those programs do not read.
        del part["Content-Type"]
        part.set_raw("Content-Type", content_type_with_name(attachment.filename))
    message["Content-Language"] = recipient.lang  # last: set_content moves Content-* headers
    _tidy_parts(message, message_id)
    return message


#: An e-mail address or a link wrapped in direction isolates (LRI ... PDI).
_ISOLATED_LINK = re.compile(
    "\u2066(<?(?:(?:https?://|mailto:|tel:)[^\\s\u2066\u2069]+|"
    "[^\\s@\u2066\u2069]+@[^\\s@\u2066\u2069]+)>?)\u2069"
)


def plain_without_isolated_links(text: str) -> str:
    """The plain-text part without the invisible isolates around addresses and links.

    Isolates keep Latin words in reading order on the page, but in a plain-text part they are
    copied along with an address or a link, and pasted into a mail program or a browser they
    break it. An address or a link has no spaces, so a reader shows it as one run without them.
    """
    while True:
        cleaned = _ISOLATED_LINK.sub(r"\1", text)
        if cleaned == text:
            return cleaned
        text = cleaned


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

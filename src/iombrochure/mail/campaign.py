"""Campaign files: what a mailing says in each language, and which documents it attaches.

A campaign is ``content/campaigns/<name>.yaml``. It is content like the rest of ``content/``
(read with line numbers, placeholders such as ``{figures.people_returned}`` filled from
data.yaml and localized), and it is one file because a mailing is short and its languages must
agree on what is attached::

    attach: [factsheet]          # documents from iombrochure.toml
    variant: screen              # optional; which build of them
    en:
      subject: IOM in the Islamic Republic of Iran
      body: |
        Dear {{ name }}, ...
      files:                     # optional: the attachment's file name per document
        factsheet: IOM-Iran-fact-sheet
    fa:
      subject: ...

Subjects and bodies are Jinja2 templates over the recipient's CSV columns (``name``,
``organization``, ...). Campaign text is untrusted, so templates run in Jinja's sandbox and an
unknown name is an error, not an empty string. Bodies are Markdown (raw HTML off, only https,
mailto and tel links), which reads well as the plain-text part and becomes the HTML part.

Recipient values never pass through Markdown or placeholder filling: each ``{{ ... }}`` output
is replaced by a private-use marker while the text is localized and converted, and only then
substituted, escaped for HTML and isolated for right-to-left text. A name like ``*Ali*`` or
``{figures.x}`` therefore comes out exactly as written.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markdown_it import MarkdownIt
from markupsafe import escape
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from iombrochure.errors import ContentError
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.content import (
    DATA_FILE,
    MARKDOWN,
    META,
    TEXT,
    ContentErrors,
    ContentFile,
    check_placeholders,
    read_yaml,
    validate_against_schema,
)
from iombrochure.pipeline.i18n import (
    LRI,
    PDI,
    Localizer,
    is_allowed_link,
    isolate_latin_runs,
    strip_bidi_controls,
)
from iombrochure.pipeline.templating import BudgetedSandbox, OverBudget

CAMPAIGNS_DIR = "campaigns"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MESSAGE_SCHEMA = {"subject": TEXT, "body": MARKDOWN, "files?": META}

# Recipient values are held as characters of Unicode's plane 16 private use area, which no
# campaign text contains and which i18n's own placeholder markers (plane 15) never use.
_MARKER_BASE = 0x100000
_MARKER_RE = re.compile("[\U00100000-\U0010fffd]")
_held_values: contextvars.ContextVar[list[str]] = contextvars.ContextVar("held_values")


@dataclass(frozen=True)
class CampaignMessage:
    """One language's subject and body templates, and its attachment file names."""

    lang: str
    subject: jinja2.Template
    body: jinja2.Template
    files: dict[str, str]  # document -> file name ending in .pdf
    subject_line: int | None
    body_line: int | None


@dataclass
class Campaign:
    """A validated campaign, ready to render for any recipient."""

    name: str
    file: ContentFile
    attach: tuple[str, ...]
    variant: str
    messages: dict[str, CampaignMessage]
    data: dict[str, Any] = field(repr=False)

    @property
    def path(self) -> Path:
        return self.file.path


@dataclass(frozen=True)
class RenderedMessage:
    """What one recipient reads: the subject, the plain text and the HTML body fragment."""

    subject: str
    text: str
    html: str


def campaign_path(project: Project, name: str) -> Path:
    return project.content_dir / CAMPAIGNS_DIR / f"{name}.yaml"


def available_campaigns(project: Project) -> list[str]:
    folder = project.content_dir / CAMPAIGNS_DIR
    return sorted(path.stem for path in folder.glob("*.yaml")) if folder.is_dir() else []


def load_campaign(project: Project, name: str) -> Campaign:
    """Read, validate and compile a campaign; every problem is reported with its line."""
    path = campaign_path(project, name)
    if not NAME_RE.fullmatch(name):
        raise ContentError(
            f"campaign name {name!r} must be lower-case letters, digits, '-' or '_'",
            hint="rename the file, e.g. content/campaigns/introduction.yaml",
        )
    if not path.is_file():
        known = available_campaigns(project)
        raise ContentError(
            f"no campaign {name!r}",
            path=path,
            hint=("this project has: " + ", ".join(known)) if known else "create the file",
        )
    file = ContentFile(path=path, data=read_yaml(path, root=project.root))
    data_file = ContentFile(
        path=project.content_dir / DATA_FILE,
        data=read_yaml(project.content_dir / DATA_FILE, root=project.root),
    )
    errors: list[ContentError] = []
    if not isinstance(file.data, dict):
        raise ContentError("a campaign must be a set of fields (key: value)", path=path, line=1)
    errors.extend(_bidi_controls(file))
    schema: dict[str, Any] = {"attach?": [TEXT], "variant?": TEXT}
    schema.update({f"{code}?": MESSAGE_SCHEMA for code in project.languages})
    errors.extend(validate_against_schema(file, schema))
    errors.extend(check_placeholders(file, data_file))
    source = project.source_language
    if source not in file.data:
        errors.append(
            ContentError(
                f"the campaign has no message in the source language {source!r}",
                path=path,
                hint=f"add a '{source}:' section with subject and body",
            )
        )
    attach = _attach(project, file, errors)
    variant = _variant(file, errors)
    messages: dict[str, CampaignMessage] = {}
    if not errors:
        env = _sandbox()
        for code in project.languages:
            if isinstance(file.data.get(code), dict):
                message = _compile_message(env, file, code, attach, errors)
                if message is not None:
                    messages[code] = message
    if errors:
        raise ContentErrors(errors)
    return Campaign(
        name=name,
        file=file,
        attach=attach,
        variant=variant,
        messages=messages,
        data=dict(data_file.data or {}),
    )


def _bidi_controls(file: ContentFile) -> list[ContentError]:
    """Invisible bidi controls can make an address or link read as another: refused."""
    from iombrochure.pipeline.content import bidi_control_problem, dotted, iter_strings

    return [
        ContentError(
            f"{dotted(key_path)} {problem}",
            path=file.path,
            line=file.line_of(key_path),
            hint="delete the invisible character (retype the text around it)",
            rule="bidi-control",
        )
        for key_path, text in iter_strings(file.data)
        if (problem := bidi_control_problem(text))
    ]


def _attach(project: Project, file: ContentFile, errors: list[ContentError]) -> tuple[str, ...]:
    attach = file.data.get("attach") or []
    if not isinstance(attach, list):
        return ()
    names: list[str] = []
    for index, name in enumerate(attach):
        if name not in project.documents:
            errors.append(
                ContentError(
                    f"attach: {name!r} is not a document of this project "
                    f"(it has: {', '.join(project.documents)})",
                    path=file.path,
                    line=file.line_of(("attach", index)),
                )
            )
        elif name in names:
            errors.append(
                ContentError(
                    f"attach: {name!r} is listed twice",
                    path=file.path,
                    line=file.line_of(("attach", index)),
                )
            )
        else:
            names.append(name)
    return tuple(names)


def _variant(file: ContentFile, errors: list[ContentError]) -> str:
    from iombrochure.pipeline.jobs import VARIANTS

    variant = file.data.get("variant", "screen")
    if variant not in VARIANTS:
        errors.append(
            ContentError(
                f"variant {variant!r} is not one the build makes ({', '.join(VARIANTS)})",
                path=file.path,
                line=file.line_of(("variant",)),
            )
        )
        return "screen"
    return str(variant)


def _compile_message(
    env: SandboxedEnvironment,
    file: ContentFile,
    code: str,
    attach: tuple[str, ...],
    errors: list[ContentError],
) -> CampaignMessage | None:
    section = file.data[code]
    templates: dict[str, jinja2.Template] = {}
    lines: dict[str, int | None] = {}
    for key in ("subject", "body"):
        source = str(section[key])
        lines[key] = _first_line(file, (code, key), section[key])
        try:
            templates[key] = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            line = lines[key]
            errors.append(
                ContentError(
                    f"{code}.{key}: template error: {exc.message}",
                    path=file.path,
                    line=line + exc.lineno - 1 if line and exc.lineno else line,
                    hint="recipient fields are written {{ name }}; data as {figures.member_states}",
                )
            )
    files = _file_names(file, code, attach, errors)
    if len(templates) < 2 or files is None:
        return None
    return CampaignMessage(
        lang=code,
        subject=templates["subject"],
        body=templates["body"],
        files=files,
        subject_line=lines["subject"],
        body_line=lines["body"],
    )


def _first_line(file: ContentFile, key_path: tuple[str, str], value: Any) -> int | None:
    """The file line of a value's first line: block scalars start below their key."""
    line = file.line_of(key_path)
    if line is not None and isinstance(value, LiteralScalarString | FoldedScalarString):
        return line + 1
    return line


def _file_names(
    file: ContentFile, code: str, attach: tuple[str, ...], errors: list[ContentError]
) -> dict[str, str] | None:
    given = file.data[code].get("files") or {}
    at = (code, "files")
    if not isinstance(given, dict):
        errors.append(
            ContentError(
                f"{code}.files must map each attached document to a file name",
                path=file.path,
                line=file.line_of(at),
            )
        )
        return None
    names: dict[str, str] = {}
    ok = True
    for document, name in given.items():
        line = file.line_of((*at, document))
        if document not in attach:
            errors.append(
                ContentError(
                    f"{code}.files.{document}: {document!r} is not in attach",
                    path=file.path,
                    line=line,
                )
            )
            ok = False
            continue
        clean = safe_file_name(str(name)) if isinstance(name, str) else ""
        if not clean:
            errors.append(
                ContentError(
                    f"{code}.files.{document} must be a file name without / or \\",
                    path=file.path,
                    line=line,
                )
            )
            ok = False
            continue
        names[document] = clean
    for document in attach:
        names.setdefault(document, f"{document}-{code}.pdf")
    return names if ok else None


def safe_file_name(name: str) -> str:
    """A content-given attachment name made safe: no folders, controls or bidi marks; .pdf."""
    name = strip_bidi_controls(name).strip()
    if not name or any(ch in name for ch in "/\\") or any(ord(ch) < 32 for ch in name):
        return ""
    name = " ".join(name.split())
    if name.startswith("."):
        return ""
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name if len(name) <= 120 else ""


def _hold(value: Any) -> str:
    """Jinja's finalize: every ``{{ ... }}`` output becomes a marker until the very end."""
    held = _held_values.get()
    held.append("" if value is None else str(value))
    return chr(_MARKER_BASE + len(held) - 1)


class _MailSandbox(BudgetedSandbox):
    """The templates' sandbox and budget (pipeline/templating.py), at the size of a letter:
    untrusted text must not be able to fill the memory or stall compose."""

    max_text = 100_000
    max_output = 1_000_000
    max_range = 1000
    max_loop_iterations = 10_000
    max_seconds = 2.0


#: A campaign text is a letter: ``range()`` gives at most this many numbers.
MAX_RANGE = _MailSandbox.max_range
#: Filling one subject or body may take at most this long; a loop that runs longer is refused.
TIME_LIMIT_SECONDS = _MailSandbox.max_seconds


def _sandbox() -> SandboxedEnvironment:
    return _MailSandbox(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown, not HTML; values are escaped on the way out
        finalize=_hold,
        keep_trailing_newline=False,
    )


class _TimeLimit:
    """Stop a template that runs past ``seconds`` (a loop nested over large ranges): a timer
    signal raises in the main thread. Elsewhere only the bounds on ranges and repetition hold."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = False

    def __enter__(self) -> _TimeLimit:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    def __exit__(self, *_: Any) -> None:
        import signal

        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    def _expired(self, *_: Any) -> None:
        raise SecurityError(
            f"filling the text took more than {self.seconds:g} s: a loop runs too long"
        )


def render_message(
    campaign: Campaign, lang: str, fields: dict[str, str], localizer: Localizer
) -> RenderedMessage:
    """The recipient's subject, plain text and HTML body, in the localizer's language."""
    message = campaign.messages[lang]
    held: list[str] = []
    token = _held_values.set(held)
    try:
        subject = _render(campaign, message, "subject", fields)
        body = _render(campaign, message, "body", fields)
    finally:
        _held_values.reset(token)

    def plain(match: re.Match[str]) -> str:
        value = held[ord(match.group(0)) - _MARKER_BASE]
        return isolate_latin_runs(value) if localizer.is_rtl else value

    def html(match: re.Match[str]) -> str:
        return str(escape(plain(match)))

    subject_text = " ".join(
        strip_bidi_controls(_MARKER_RE.sub(plain, localizer.text(subject))).split()
    )
    text = _MARKER_RE.sub(plain, localizer.text(body)).strip() + "\n"
    html_body = _MARKER_RE.sub(html, _markdown(body, localizer))
    if _MARKER_RE.search(html_body) or _MARKER_RE.search(text):
        raise ContentError(
            f"{lang}.body: a recipient field is used inside a link address",
            path=campaign.path,
            line=message.body_line,
            hint="write recipient fields in the text only",
        )
    return RenderedMessage(subject=subject_text, text=text, html=html_body)


def _render(campaign: Campaign, message: CampaignMessage, key: str, fields: dict[str, str]) -> str:
    template = message.subject if key == "subject" else message.body
    line = message.subject_line if key == "subject" else message.body_line
    try:
        with _TimeLimit(TIME_LIMIT_SECONDS):
            return template.render(fields)
    except jinja2.UndefinedError as exc:
        raise ContentError(
            f"{message.lang}.{key}: {exc.message}",
            path=campaign.path,
            line=_runtime_line(exc, line),
            hint="the recipients' CSV columns are: " + ", ".join(sorted(fields)),
        ) from exc
    except OverBudget as exc:
        raise ContentError(
            f"{message.lang}.{key}: not allowed in a campaign text: {exc}",
            path=campaign.path,
            line=_runtime_line(exc, line),
            hint="campaign texts fill in fields; keep loops and arithmetic out of them",
        ) from exc
    except (SecurityError, jinja2.TemplateError, TypeError, ValueError, OverflowError) as exc:
        raise ContentError(
            f"{message.lang}.{key}: template error: {exc}",
            path=campaign.path,
            line=_runtime_line(exc, line),
            hint="campaign texts fill in fields; keep loops and arithmetic out of them",
        ) from exc
    except (MemoryError, RecursionError) as exc:
        raise ContentError(
            f"{message.lang}.{key}: the text makes too much to fill in",
            path=campaign.path,
            line=line,
            hint="campaign texts fill in fields; keep loops and arithmetic out of them",
        ) from exc


def _runtime_line(exc: Exception, first_line: int | None) -> int | None:
    """The file line of a template runtime error, from the traceback Jinja rewrites."""
    if first_line is None:
        return None
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return first_line + line - 1 if line else first_line


def _markdown(text: str, localizer: Localizer) -> str:
    """Markdown to HTML as a mail reader expects: a line break in the source is one on screen.

    E-mail addresses and the office's phone numbers (data.yaml's ``phones``) become mailto: and
    tel: links, so that a partner can tap them; a phone shown in Persian digits gets a tel:
    address in Latin digits, which is what phones dial.
    """
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    md.validateLink = is_allowed_link
    tokens = md.parse(text)
    phones = _phone_links(localizer)
    for token in tokens:
        depth = 0  # inside a link written in the campaign: no link in a link
        for child in token.children or ():
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text":
                child.content = localizer.text(child.content)
                if not depth:
                    child.type = "html_inline"
                    child.content = link_contacts(child.content, phones)
    return md.renderer.render(tokens, md.options, {}).strip()


#: An e-mail address in running text (ASCII, as SMTP carries them).
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def _phone_links(localizer: Localizer) -> dict[str, str]:
    """Each phone number as this language writes it -> its tel: address in Latin digits."""
    numbers = localizer.data.get("phones") or {}
    links: dict[str, str] = {}
    for key, value in numbers.items() if isinstance(numbers, dict) else ():
        digits = "".join(ch for ch in str(value) if ch.isascii() and ch.isdigit())
        if digits:
            links[localizer.data_value(f"phones.{key}")] = f"tel:+{digits}"
    return links


def link_contacts(text: str, phones: dict[str, str]) -> str:
    """Escaped HTML of ``text`` with e-mail addresses and known phone numbers as links."""
    patterns = [EMAIL_RE.pattern]
    patterns += [re.escape(shown) for shown in sorted(phones, key=len, reverse=True)]
    pieces: list[str] = []
    position = 0
    for match in re.finditer("|".join(f"(?:{p})" for p in patterns), text):
        found = match.group(0)
        href = phones.get(found) or f"mailto:{found}"
        start, end = match.start(), match.end()
        if text[start - 1 : start] == LRI and text[end : end + 1] == PDI:
            start, end = start - 1, end + 1  # the isolate inside the link, as for phones
        pieces.append(str(escape(text[position:start])))
        pieces.append(f'<a href="{escape(href)}">{escape(text[start:end])}</a>')
        position = end
    pieces.append(str(escape(text[position:])))
    return "".join(pieces)

"""The command line: the only place that prints and exits.

Library code raises :class:`~iombrochure.errors.IombrochureError`; here it becomes one line on
stderr and exit status 1 (a traceback only with ``-v``). Options default to None so that an
unset flag never overrides the project config. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import errno
import os
import sys
import time
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from iombrochure import __version__
from iombrochure.errors import IombrochureError


class Settings:
    """Options shared by every command: the project folder and how much to say."""

    def __init__(self, project_dir: Path | None, verbosity: int) -> None:
        self.project_dir = project_dir
        self.verbosity = verbosity

    def load_project(self):
        from iombrochure.pipeline.config import load_project

        return load_project(self.project_dir)

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message)

    def debug(self, message: str) -> None:
        if self.verbosity > 0:
            click.echo(message, err=True)

    def warn(self, message: str) -> None:
        if self.verbosity >= 0:
            click.secho(f"warning: {message}", fg="yellow", err=True)


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line and exit 1; unexpected ones likewise, unless -v."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import atexit
        import gc

        # The files are written and closed by now; at exit, Python would walk every object
        # WeasyPrint left (0.15-0.25 s after a build, 5 % of it) only to free memory the
        # operating system takes back anyway. Objects still run their clean-up when their
        # last reference goes; only the search for reference cycles is skipped.
        atexit.register(gc.freeze)
        # WeasyPrint allocates boxes by the hundred thousand, and at Python's default of a
        # collection every 700 net allocations the cycle search took 0.2 s of a four-edition
        # build; every 50,000 it takes 0.07 s, with the same peak memory (measured: 166 MB).
        gc.set_threshold(50_000)
        settings: Settings = click.get_current_context().find_object(Settings)
        root = settings.project_dir.resolve() if settings and settings.project_dir else Path.cwd()
        try:
            return command(*args, **kwargs)
        except IombrochureError as exc:
            if settings and settings.verbosity > 0:
                traceback.print_exc()
            for problem in getattr(exc, "findings", None) or [exc]:  # check's: one line each
                click.secho(f"error: {problem.format(relative_to=root)}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            _ignore_further_interrupts()
            # A build's commit puts the output folder back as it was (outputs.OutputCommit).
            click.echo("interrupted; no output was changed", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (`iombrochure check | head`): not an error of ours. Point
            # stdout at devnull so that Python's final flush does not complain either.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as exc:
            if exc.errno not in _DISK_ERRORS:
                raise
            # The machine's fault, not the program's (library code names the file and says
            # whether anything changed where it can; this is the net under the rest).
            if settings and settings.verbosity > 0:
                traceback.print_exc()
            where = f"{_relative(Path(exc.filename), root)}: " if exc.filename else ""
            reason, hint = _DISK_ERRORS[exc.errno]
            click.secho(f"error: {where}{reason} ({hint})", fg="red", err=True)
            sys.exit(1)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a bug, not the user's fault: still one line without -v
            if settings and settings.verbosity > 0:
                raise
            click.secho(
                f"error: internal error: {type(exc).__name__}: {exc} (rerun with -v for details)",
                fg="red",
                err=True,
            )
            sys.exit(2)

    return wrapper


#: OSErrors that say what is wrong with the disk or a folder: one line each, exit status 1.
_DISK_ERRORS = {
    errno.ENOSPC: ("the disk is full", "free some space, then run again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, then run again"),
    errno.EROFS: ("the disk is read-only", "use a writable folder"),
    errno.EACCES: ("permission denied", "check the folder's permissions"),
    errno.EPERM: ("permission denied", "check the folder's permissions"),
    errno.EIO: ("the disk cannot be read or written", "check the disk, then run again"),
}


def _ignore_further_interrupts() -> None:
    """After the first Ctrl-C the command is ending: a second one must not cut short its one
    line, the clean-up of the render workers at exit, or the exit status 130."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iombrochure")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(path_type=Path, readable=False),  # load_project words what is wrong
    default=None,
    help="Project folder (default: the current folder or the nearest parent with iombrochure.toml).",
)
@click.option("-v", "--verbose", count=True, help="Say more; show tracebacks.")
@click.option("-q", "--quiet", is_flag=True, default=False, help="Print only errors.")
@click.pass_context
def main(ctx: click.Context, project_dir: Path | None, verbose: int, quiet: bool) -> None:
    """Build IOM Iran's fact sheets and brochures in English and Persian."""
    ctx.obj = Settings(project_dir, -1 if quiet else verbose)


def project_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--project, -v and -q also after the subcommand: `iombrochure build --project DIR`."""

    def set_project(ctx: click.Context, _param: Any, value: Path | None) -> None:
        if value is not None:
            ctx.ensure_object(Settings).project_dir = value

    def set_verbose(ctx: click.Context, _param: Any, value: int) -> None:
        if value:
            ctx.ensure_object(Settings).verbosity = value

    def set_quiet(ctx: click.Context, _param: Any, value: bool) -> None:
        if value:
            ctx.ensure_object(Settings).verbosity = -1

    command = click.option(
        "--project",
        "project_dir",
        type=click.Path(path_type=Path, readable=False),  # load_project words what is wrong
        default=None,
        expose_value=False,
        callback=set_project,
        is_eager=True,
        help="Project folder.",
    )(command)
    command = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=set_verbose,
        is_eager=True,
        help="Say more; show tracebacks.",
    )(command)
    command = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=set_quiet,
        is_eager=True,
        help="Print only errors.",
    )(command)
    return command


def out_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--out DIR``: where a command's files go (None: the project's default)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),  # outputs.prepare_output_dir words a file in the way
        default=None,
        help=help_text,
    )


@main.command()
@project_options
@click.option("--doc", "documents", multiple=True, help="Build only this document (repeatable).")
@click.option("--lang", "languages", multiple=True, help="Build only this language (repeatable).")
@out_option("Output folder (default: the project's output_dir, dist/).")
@click.option(
    "--emit-html", is_flag=True, default=None, help="Also write dist/html/<doc>-<lang>.html."
)
@click.option("--strict", is_flag=True, default=None, help="Fail the build on any warning.")
@click.option(
    "--variant",
    type=click.Choice(["screen", "print", "all"]),
    default=None,
    help="screen (dist/), print (dist/print/: bleed, crop marks) or all (default).",
)
@click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/a-3b", "pdf/a-3u", "pdf/a-2b", "pdf/a-2u"]),
    default=None,
    help="Also make the archive variant in this PDF/A flavour: dist/archive/<doc>-<lang>.pdf.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Render this many editions at once (default: one per core).",
)
@click.option(
    "--force", is_flag=True, default=None, help="Rebuild every output, even if up to date."
)
@click.option(
    "--preview/--no-preview",
    default=None,
    help="Render PNG previews and proof sheets into dist/preview/ (default: yes).",
)
@click.pass_obj
@reports_errors
def build(
    settings: Settings,
    documents: tuple[str, ...],
    languages: tuple[str, ...],
    out_dir: Path | None,
    emit_html: bool | None,
    strict: bool | None,
    variant: str | None,
    pdf_variant: str | None,
    jobs: int | None,
    force: bool | None,
    preview: bool | None,
) -> None:
    """Render the PDFs: every document in every language, unless narrowed."""
    from iombrochure.pipeline.build import build as run_build

    started = time.perf_counter()
    project = settings.load_project()
    result = run_build(
        project,
        documents=list(documents) or None,
        languages=list(languages) or None,
        out_dir=out_dir,
        emit_html=bool(emit_html),
        strict=bool(strict),
        progress=settings.debug,
        variant=variant,
        pdf_variant=pdf_variant,
        preview=preview,
        jobs=jobs,
        force=bool(force),
    )
    for warning in result.warnings:
        settings.warn(warning)
    output_dir = (out_dir or project.output_dir).resolve()
    for output in result.outputs:
        settings.info(
            f"wrote {_shown(output_dir / output.path)} "
            f"({output.pages} page{'s' * (output.pages != 1)}, {output.bytes / 1024:.0f} KB)"
        )
    for html_path in result.html_files:
        settings.info(f"wrote {_shown(html_path)}")
    if result.previews:
        settings.info(
            f"wrote {len(result.previews)} preview(s) in {_shown(output_dir / 'preview')}"
        )
    fresh = f", {len(result.up_to_date)} up to date" if result.up_to_date else ""
    settings.info(
        f"built {len(result.outputs)} PDF(s){fresh} in {time.perf_counter() - started:.1f} s"
    )


@main.command()
@project_options
@out_option("Output folder of the build to preview (default: the project's output_dir, dist/).")
@click.pass_obj
@reports_errors
def preview(settings: Settings, out_dir: Path | None) -> None:
    """Render PNG previews of the last build's PDFs, and a proof sheet per document."""
    from iombrochure.pipeline.outputs import prepare_output_dir
    from iombrochure.pipeline.previews import preview_build

    project = settings.load_project()
    output_dir = prepare_output_dir(
        project.root, out_dir or project.output_dir, explicit=out_dir is not None
    )
    written = preview_build(project, output_dir)
    for path in written:
        settings.debug(f"wrote {_shown(path)}")
    proofs = [path for path in written if path.name.endswith("-proof.png")]
    for path in proofs:
        settings.info(f"wrote {_shown(path)}")
    settings.info(f"wrote {len(written)} preview(s) in {_shown(output_dir / 'preview')}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@main.group()
def mail() -> None:
    """Compose and send outreach e-mail campaigns (see docs/mail.md)."""


@mail.command("compose")
@project_options
@click.option(
    "--recipients",
    "recipients_path",
    type=click.Path(path_type=Path),  # a folder is said by read_recipients, exit 1
    required=True,
    help="CSV with a header: email,name,organization,lang (UTF-8).",
)
@click.option("--campaign", required=True, help="The campaign: content/campaigns/NAME.yaml.")
@out_option("Folder for the .eml files (default: outbox/<campaign>/).")
@click.pass_obj
@reports_errors
def mail_compose(
    settings: Settings, recipients_path: Path, campaign: str, out_dir: Path | None
) -> None:
    """Write one message per recipient, in their language, with their language's PDFs."""
    from iombrochure.mail.compose import compose_campaign

    project = settings.load_project()
    if out_dir is not None:  # never the file-system root, the project, a source folder
        from iombrochure.pipeline.outputs import prepare_output_dir

        prepare_output_dir(project.root, out_dir, explicit=True)
    result = compose_campaign(
        project, recipients_path, campaign, out_dir=out_dir, progress=settings.debug
    )
    for problem in result.problems:
        click.secho(f"{problem.format(relative_to=Path.cwd())}; skipped", fg="yellow", err=True)
    for note in result.notes:
        settings.info(note.format(relative_to=Path.cwd()))
    for warning in result.warnings:
        settings.warn(warning.format(relative_to=Path.cwd()))
    for text in result.setting_warnings:
        settings.warn(text)
    for recipient, where in result.opted_out:
        settings.info(
            f"{_shown(recipients_path)}:{recipient.line}: {recipient.email} "
            f"opted out ({where}); not composed"
        )
    for reason in result.rebuilt:
        settings.info(f"rebuilt {reason}")
    for path, address, why in result.removed:
        settings.info(f"removed {path.name} of an earlier compose: {address} ({why})")
    earlier = bool(result.changed("unchanged") or result.changed("changed") or result.removed)
    for kind in ("new", "changed") if earlier else ():
        for message in result.changed(kind):
            settings.info(f"{kind}: {message.recipient.email} ({message.path.name})")
    limit_mb = result.max_message_bytes / 1024 / 1024
    for message in result.oversized:
        settings.warn(
            f"{_shown(message.path)} is {_size(message.size)}, over the {limit_mb:.3g} MB "
            "limit ([mail] max_message_mb); many servers refuse messages that large"
        )
    counts = ", ".join(
        f"{len(result.changed(kind))} {kind}" for kind in ("new", "changed", "unchanged")
    )
    settings.info(
        f"composed {len(result.messages)} message(s) in {_shown(result.out_dir)} ({counts}), "
        f"skipped {len(result.problems)}, opted out {len(result.opted_out)}, removed "
        f"{len(result.removed)}; attachments {_size(result.attachment_bytes)} in total"
    )
    if result.problems:
        sys.exit(1)


@mail.command("send")
@project_options
@click.argument("outbox", type=click.Path(file_okay=False, path_type=Path))
@click.option("--smtp-host", help="The mail server (required with --send).")
@click.option(
    "--smtp-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port (default 25, 587 with --starttls, 465 with --ssl).",
)
@click.option("--starttls", "security", flag_value="starttls", help="Upgrade to TLS (port 587).")
@click.option("--ssl", "security", flag_value="ssl", help="TLS from the start (port 465).")
@click.option(
    "--user",
    default=None,
    help="Log in as USER; the password is read from the "
    "environment variable IOMBROCHURE_SMTP_PASSWORD.",
)
@click.option("--send", "really_send", is_flag=True, help="Really send (default: a dry run).")
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Send at most N messages per minute.",
)
@click.option("--retry-failed", is_flag=True, help="Try again messages the server refused.")
@click.option(
    "--test-to",
    metavar="ADDRESS",
    default=None,
    help="Send one message of each language to ADDRESS, marked as a test, and nothing else.",
)
@click.pass_obj
@reports_errors
def mail_send(
    settings: Settings,
    outbox: Path,
    smtp_host: str | None,
    smtp_port: int | None,
    security: str | None,
    user: str | None,
    really_send: bool,
    rate: float | None,
    retry_failed: bool,
    test_to: str | None,
) -> None:
    """Send an outbox; messages the journal lists as sent are never sent again."""
    import datetime as dt
    import os

    from iombrochure.mail.send import SendEvent, SendOptions, send_outbox, send_test
    from iombrochure.mail.settings import PASSWORD_VARIABLE, mail_settings
    from iombrochure.mail.signing import dkim_signer
    from iombrochure.mail.suppression import read_suppression_list

    if test_to and (really_send or retry_failed):
        from iombrochure.mail.settings import MailError

        raise MailError(
            "--test-to sends only the test messages: leave out --send and --retry-failed, "
            "and send the campaign afterwards"
        )
    config = mail_settings(settings.load_project())
    options = SendOptions(
        host=smtp_host,
        port=smtp_port,
        security=security or "none",
        user=user,
        password=os.environ.get(PASSWORD_VARIABLE) if user else None,
        send=really_send,
        rate_per_minute=rate,
        retry_failed=retry_failed,
        attempts=config.attempts,
        backoff_seconds=config.backoff_seconds,
        timeout_seconds=config.timeout_seconds,
        bcc=config.bcc.addr_spec if config.bcc else None,
        suppressed=read_suppression_list(config.suppression_list),
        envelope_from=config.envelope_from.addr_spec if config.envelope_from else None,
        rate=config.rate,
        signer=dkim_signer(config),  # checked in a dry run too: a bad key is said before sending
    )
    if test_to:
        options.send = True
        tested = send_test(outbox, options, test_to)
        for message, reply in tested.sent:
            settings.info(
                f"test sent to {test_to}: the {message.lang or 'en'} message of {message.to} "
                f"({message.path.name}): {reply}"
            )
        settings.info(
            f"sent {len(tested.sent)} test message(s) to {test_to}; nothing was sent to partners "
            "and the journal is unchanged"
        )
        return

    def show(event: SendEvent) -> None:
        message = event.message
        where = f"[{event.index}/{event.total}]"
        if event.kind == "would-send":
            settings.info(
                f"{where} would send to {message.to}: {message.subject} ({_size(message.size)})"
            )
        elif event.kind == "sent":
            settings.info(f"{where} sent to {message.to} ({_size(message.size)}): {event.detail}")
        elif event.kind == "failed":
            click.secho(f"{where} refused for {message.to}: {event.detail}", fg="red", err=True)
        else:  # retry, deferred
            settings.warn(f"{where} {message.to}: {event.detail}")

    try:
        result = send_outbox(outbox, options, progress=show)
    except KeyboardInterrupt:
        click.echo(
            "interrupted; every message sent so far is in the journal: rerun to send the rest",
            err=True,
        )
        sys.exit(130)
    journal = _shown(result.journal) if result.journal else "sent.jsonl"
    for message, where in result.opted_out:
        settings.info(f"skipped {message.to}: opted out ({where})")
    if not really_send:
        dates = [m.composed_at for m in result.would_send if m.composed_at is not None]
        if dates:
            now = dt.datetime.now().astimezone()
            settings.info(
                f"composed {_age(now - min(dates))} ago ({min(dates):%Y-%m-%d %H:%M}); "
                "each message is dated when it is sent"
            )
        server = f" via {smtp_host}:{options.effective_port}" if smtp_host else ""
        total = sum(message.size for message in result.would_send)
        settings.info(
            f"dry run: would send {len(result.would_send)} message(s) ({_size(total)}){server}; "
            f"{result.already_sent} already sent, {result.skipped_failed} refused earlier, "
            f"{len(result.opted_out)} opted out ({journal}). Nothing was sent: add --send to send."
        )
        return
    settings.info(
        f"sent {len(result.sent)}, refused {len(result.failed)}, deferred "
        f"{len(result.deferred)}, already sent {result.already_sent}, refused earlier "
        f"{result.skipped_failed}, opted out {len(result.opted_out)} ({journal})"
    )
    if result.stopped:
        click.secho(
            f"error: stopped, {len(result.not_attempted)} message(s) not sent: {result.stopped} "
            "(rerun the same command to send the rest)",
            fg="red",
            err=True,
        )
    if not result.complete:
        sys.exit(1)


def _age(delta: Any) -> str:
    """'3 days', '5 hours', '12 minutes': how long ago messages were composed."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' * (count != 1)}"
    return "less than a minute"


@mail.command("unsubscribe")
@project_options
@click.argument("addresses", nargs=-1)
@click.option("--note", default="", help="A comment kept beside the addresses (who asked, how).")
@click.option(
    "--token",
    default=None,
    help="The token of an unsubscribe link or e-mail (instead of addresses); checked with "
    "the secret in IOMBROCHURE_UNSUBSCRIBE_SECRET.",
)
@click.pass_obj
@reports_errors
def mail_unsubscribe(
    settings: Settings, addresses: tuple[str, ...], note: str, token: str | None
) -> None:
    """Add partners to the suppression list: they get no more messages."""
    from iombrochure.errors import ConfigError
    from iombrochure.mail.settings import MailError, mail_settings
    from iombrochure.mail.suppression import add_to_suppression_list

    if bool(addresses) == (token is not None):
        raise MailError(
            "give the addresses to add, or one --token, not both and not neither",
            hint="e.g. mail unsubscribe jane.doe@example.org, or mail unsubscribe --token TOKEN",
        )
    project = settings.load_project()
    config = mail_settings(project)
    if token is not None:
        from iombrochure.mail.tokens import SECRET_VARIABLE, read_token, unsubscribe_secret

        secret = unsubscribe_secret()
        if secret is None:
            raise MailError(
                f"--token needs the secret compose used, in {SECRET_VARIABLE}",
                hint=f"export {SECRET_VARIABLE} as it was when the campaign was composed",
            )
        addresses = (read_token(token, secret),)
        note = note or "unsubscribe link"
    if config.suppression_list is None:
        raise ConfigError(
            "[mail] suppression_list is not set",
            path=project.config_path,
            hint='add e.g. suppression_list = "opted-out.txt" under [mail]',
        )
    added, already = add_to_suppression_list(config.suppression_list, list(addresses), note=note)
    where = _shown(config.suppression_list)
    for address in added:
        settings.info(f"added {address} to {where}")
    for address in already:
        settings.info(f"{address} is already in {where}")
    settings.info(
        f"{len(added)} added, {len(already)} already listed; compose and send leave them out"
    )


@mail.command("bounces")
@project_options
@click.argument("source", type=click.Path(path_type=Path))
@click.pass_obj
@reports_errors
def mail_bounces(settings: Settings, source: Path) -> None:
    """Read bounce reports (an mbox file or a Maildir) and suppress addresses that are gone."""
    from iombrochure.errors import ConfigError
    from iombrochure.mail.bounces import read_bounces
    from iombrochure.mail.settings import mail_settings
    from iombrochure.mail.suppression import add_to_suppression_list

    project = settings.load_project()
    config = mail_settings(project)
    if config.suppression_list is None:
        raise ConfigError(
            "[mail] suppression_list is not set",
            path=project.config_path,
            hint='add e.g. suppression_list = "opted-out.txt" under [mail]',
        )
    report = read_bounces(source)
    where = _shown(config.suppression_list)
    added_total = already_total = 0
    for bounce in report.hard:
        added, already = add_to_suppression_list(
            config.suppression_list, [bounce.address], note=f"bounced: {bounce.reason}"
        )
        added_total, already_total = added_total + len(added), already_total + len(already)
        verdict = f"added to {where}" if added else f"already in {where}"
        settings.info(f"{bounce.where}: {bounce.address}: {bounce.reason}; {verdict}")
    for bounce in report.other:
        settings.info(
            f"{bounce.where}: {bounce.address}: {bounce.action} {bounce.reason}; not a hard "
            "bounce, not added"
        )
    settings.info(
        f"read {report.messages} message(s), {report.reports} delivery report(s): "
        f"{added_total} address(es) added to {where}, {already_total} already listed, "
        f"{len(report.other)} not hard bounces"
    )


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"


@main.command()
@project_options
@click.option("--lang", "languages", multiple=True, help="Check only this language (repeatable).")
@click.option(
    "--fix",
    is_flag=True,
    default=False,
    help="Correct Persian typography in the content files (in place; never translations' "
    "fingerprints).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per finding, or JSON for other tools.",
)
@click.option("--strict", is_flag=True, default=False, help="Exit 1 on warnings too.")
@click.pass_obj
@reports_errors
def check(
    settings: Settings,
    languages: tuple[str, ...],
    fix: bool,
    output_format: str,
    strict: bool,
) -> None:
    """Check content, translations, templates, catalogs and fonts without rendering."""
    import json

    from iombrochure.errors import ConfigError
    from iombrochure.pipeline.checks import config_failure, run_checks
    from iombrochure.pipeline.jobs import plan_jobs

    try:
        project = settings.load_project()
    except ConfigError as exc:
        if exc.path is None:  # not a project at all: nothing to report on
            raise
        report = config_failure(exc, exc.path.parent)
    else:
        plan_jobs(project, languages=list(languages) or None)  # unknown --lang is an error
        report = run_checks(project, languages=list(languages) or None, fix=fix)
    if output_format == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for path, count in report.fixed:
            settings.info(
                f"fixed {count} value{'s' * (count != 1)} in {_relative(path, report.root)}"
            )
        for finding in report.findings:
            if finding.severity == "error" or settings.verbosity >= 0:
                click.secho(
                    finding.line_text(report.root),
                    fg="red" if finding.severity == "error" else "yellow",
                )
        for summary in report.summary.values():
            settings.info(summary.text())
        errors, warnings = len(report.errors), len(report.warnings)
        settings.info(
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        )
    if report.errors or (strict and report.warnings):
        sys.exit(1)


@main.command()
@project_options
@click.option(
    "--plates",
    is_flag=True,
    default=False,
    help="Also write each page's separations (one PNG per ink) to dist/preview/print/plates/.",
)
@click.pass_obj
@reports_errors
def preflight(settings: Settings, plates: bool) -> None:
    """Check the print PDFs as a print shop's preflight would: ink, text, lines, pictures."""
    from iombrochure.pipeline.preflight import preflight_project

    project = settings.load_project()
    report = preflight_project(project, plates=plates)
    for finding in report.findings:
        if finding.severity == "error" or settings.verbosity >= 0:
            colour = {"error": "red", "warning": "yellow"}.get(finding.severity)
            click.secho(finding.line_text(project.root), fg=colour)
    if report.plates:
        settings.info(f"wrote {len(report.plates)} plate(s) in {_shown(report.plates[0].parent)}")
    errors, warnings = len(report.errors), len(report.warnings)
    settings.info(
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
        f"(ink measured by {report.method})"
    )
    if report.errors:
        sys.exit(1)


@main.command("new")
@click.argument("directory", type=click.Path(path_type=Path))  # new itself refuses a file
@click.option(
    "--languages",
    default=None,
    help="Comma-separated language codes, the source language first: en, fa (Persian), prs "
    "(Dari), ps (Pashto) (default: en,fa).",
)
@click.pass_obj
@reports_errors
def new(settings: Settings, directory: Path, languages: str | None) -> None:
    """Start a project in DIRECTORY: a one-page leaflet that builds at once.

    Config, declared fields, content in each language, templates, styles, fonts, catalogs,
    babel.cfg and .gitignore; docs/templates.md says how to make it your own.
    """
    import shlex

    from iombrochure.newproject import create_project, parse_languages
    from iombrochure.pipeline.languages import label

    codes = parse_languages(languages)
    create_project(directory, codes)
    # The folder as typed: the next line is a command to copy, from the folder the user is in.
    names = ", ".join(label(code) for code in codes)  # "Dari (prs)"
    settings.info(f"made a project in {directory}: a leaflet in {names}")
    settings.info(f"next: cd {shlex.quote(str(directory))} && iombrochure build")


@main.group()
def translations() -> None:
    """Keep translations in step with their source language: the content files, and the
    catalogs of the templates' own words (init, update)."""


@translations.command("init")
@project_options
@click.argument("lang")
@click.pass_obj
@reports_errors
def translations_init(settings: Settings, lang: str) -> None:
    """Make the catalog of the templates' words for LANG (any language code of the project,
    prs for Dari included): locales/LANG/LC_MESSAGES/messages.po, ready to translate."""
    from iombrochure.catalogs import init_catalog
    from iombrochure.pipeline.languages import label

    project = settings.load_project()
    path = init_catalog(project, lang)
    settings.info(f"made the {label(lang)} catalog {_relative(path, project.root)}")
    settings.info("next: translate each msgstr in it (Poedit opens it), then iombrochure check")


@translations.command("update")
@project_options
@click.option(
    "--lang",
    "languages",
    multiple=True,
    help="Update this language's catalog (repeatable; default: every translated language).",
)
@click.pass_obj
@reports_errors
def translations_update(settings: Settings, languages: tuple[str, ...]) -> None:
    """Bring the catalogs in step with the templates after their words changed.

    Extracts the templates' words into locales/messages.pot, adds new ones to each catalog
    untranslated, removes those no template uses any more, and keeps every translation.
    """
    from iombrochure.catalogs import update_catalogs
    from iombrochure.pipeline.languages import label

    project = settings.load_project()
    results = update_catalogs(project, list(languages) or None)
    for result in results:
        changes = []
        if result.added:
            changes.append(f"{len(result.added)} new")
        if result.removed:
            changes.append(f"{len(result.removed)} removed")
        todo = f", {result.untranslated} to translate" if result.untranslated else ""
        settings.info(
            f"{_relative(result.path, project.root)} ({label(result.lang)}): "
            f"{', '.join(changes) or 'already in step'}{todo}"
        )
    if not results:
        settings.info("updated locales/messages.pot; the project has no translated language")


@translations.command("mark-current")
@project_options
@click.option(
    "--lang",
    "languages",
    multiple=True,
    help="Mark this language's files (repeatable; default: every translated language).",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="Mark only this field, as check names it, e.g. about.mandate (repeatable).",
)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@reports_errors
def mark_current(
    settings: Settings, languages: tuple[str, ...], fields: tuple[str, ...], files: tuple[Path, ...]
) -> None:
    """Record that translations are up to date with the current source text.

    Run it after updating a translation (or checking that it still says what the source says):
    check then stops reporting the fields as stale. Only the file's translation: block changes.
    """
    from iombrochure.exchange import remember_languages
    from iombrochure.pipeline.translations import mark_files_current

    project = settings.load_project()
    results = mark_files_current(
        project, languages=list(languages) or None, files=list(files), fields=list(fields)
    )
    remember_languages(project, [path.parent.name for path, _ in results])
    for path, marked in results:
        if marked:
            settings.info(
                f"marked {len(marked)} field{'s' * (len(marked) != 1)} current in "
                f"{_relative(path, project.root)}"
            )
    if not any(marked for _, marked in results):
        settings.info(
            f"nothing to mark: {len(results)} file{'s' * (len(results) != 1)} already "
            "marked current"
        )


@translations.command("export")
@project_options
@click.option("--lang", "lang", required=True, help="The language to export, e.g. fa.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["po", "xliff", "tmx"]),
    default="po",
    show_default=True,
    help="PO (Poedit, Weblate, OmegaT), XLIFF 2 (memoQ, Trados, Phrase) or a TMX memory.",
)
@click.option(
    "--only",
    type=click.Choice(["all", "stale", "missing"]),
    default="all",
    show_default=True,
    help="Every field, or only those whose English changed, or those not yet translated.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: translations/<lang>.po, .xlf or .tmx in the project).",
)
@click.pass_obj
@reports_errors
def translations_export(
    settings: Settings, lang: str, file_format: str, only: str, output: Path | None
) -> None:
    """Write a language's content for a translation tool: the English beside each translation.

    Translate it in the tool, then bring it back with `iombrochure translations import FILE`.
    """
    from iombrochure.exchange import FORMATS, export_translations
    from iombrochure.typography import write_text_atomically

    project = settings.load_project()
    data, count = export_translations(project, lang, file_format=file_format, only=only)
    if not count:  # an empty file would only puzzle a translator (and XLIFF needs a <file>)
        reasons = {
            "stale": "no field's English changed since it was translated",
            "missing": "every field is translated",
            "all": "the content has no text to translate",
        }
        reason = "no field is translated yet" if file_format == "tmx" else reasons[only]
        settings.info(f"nothing to export for {lang}: {reason}; no file written")
        return
    target = output or project.root / "translations" / f"{lang}{FORMATS[file_format]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(b"")
    write_text_atomically(target, data)
    what = "translation pairs" if file_format == "tmx" else "segments"
    settings.info(f"wrote {count} {what} to {_relative(target, Path.cwd())}")


@translations.command("import")
@project_options
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
@reports_errors
def translations_import(settings: Settings, file: Path) -> None:
    """Bring back a PO or XLIFF file from a translation tool into the content files.

    Every finished segment is checked first; one bad segment refuses the whole file and
    nothing is written. Imported fields are marked current.
    """
    from iombrochure.exchange import import_translations

    project = settings.load_project()
    report = import_translations(project, file)
    for warning in report.warnings:
        settings.warn(warning.format(relative_to=Path.cwd()))
    for path in report.written:
        settings.info(f"updated {_relative(path, project.root)}")
    settings.info(f"imported {report.lang}: {report.text()}")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@main.command()
@project_options
@out_option("Output folder (default: the project's output_dir, dist/).")
@click.option(
    "--serve",
    is_flag=True,
    default=None,
    help="Also serve the output folder, with a page of live previews, on 127.0.0.1.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port for --serve (default: 8000; 0 picks a free one).",
)
@click.pass_obj
@reports_errors
def watch(settings: Settings, out_dir: Path | None, serve: bool | None, port: int | None) -> None:
    """Rebuild what each saved file affects, and refresh the previews in dist/preview/."""
    from iombrochure.live.watch import Rebuild, Watcher

    watcher = Watcher(settings.project_dir, out_dir=out_dir)
    root = watcher.root

    def report(rebuild: Rebuild) -> None:
        stamp = time.strftime("%H:%M:%S")
        cause = f" ({', '.join(rebuild.changed[:3])}{', ...' * (len(rebuild.changed) > 3)})"
        cause = cause if rebuild.changed else ""
        if rebuild.error is not None:
            if settings.verbosity > 0:
                traceback.print_exception(rebuild.error.__cause__ or rebuild.error)
            click.secho(
                f"{stamp} error: {rebuild.error.format(relative_to=root)}", fg="red", err=True
            )
            return
        for warning in rebuild.warnings:
            settings.warn(warning)
        if rebuild.rebuilt:
            names = ", ".join(_shown(path) for path in rebuild.rebuilt)
            line = f"{stamp} rebuilt {names} in {rebuild.seconds:.2f} s"
        else:
            line = f"{stamp} up to date ({rebuild.up_to_date} PDFs) in {rebuild.seconds:.2f} s"
        if rebuild.previews:
            line += f", previews in {rebuild.preview_seconds:.2f} s"
        settings.info(line + cause)

    server = None
    if serve:
        from iombrochure.live.serve import DEFAULT_PORT, PreviewServer

        chosen = DEFAULT_PORT if port is None else port  # 0 is a choice: any free port
        try:
            server = PreviewServer(watcher.output_dir, watcher.status, port=chosen).start()
        except OSError as exc:
            raise IombrochureError(
                f"cannot serve on 127.0.0.1:{chosen}: {exc.strerror or exc}",
                hint="choose another port with --port, or --port 0 for any free one",
            ) from exc
        settings.info(f"serving previews at {server.url}")
    try:
        watcher.run(
            report,
            on_ready=lambda: settings.info(f"watching {root} (Ctrl-C to stop)"),
        )
    except KeyboardInterrupt:
        settings.info("stopped watching")
    finally:
        if server is not None:
            server.stop()


@main.command()
@project_options
@click.pass_obj
@reports_errors
def doctor(settings: Settings) -> None:
    """Report what makes builds fast or slow here: WeasyPrint, Pango, hb-subset, fonts, cores."""
    from iombrochure.doctor import diagnose

    for finding in diagnose(settings.project_dir):
        click.secho(f"{finding.item}: {finding.text}", fg=None if finding.ok else "yellow")

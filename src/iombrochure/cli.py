"""The command line: the only place that prints and exits.

Library code raises :class:`~iombrochure.errors.IombrochureError`; here it becomes one line on
stderr and exit status 1 (a traceback only with ``-v``). Options default to None so that an
unset flag never overrides the project config. Heavy imports happen inside the commands.
"""

from __future__ import annotations

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
        from iombrochure.config import load_project

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
        settings: Settings = click.get_current_context().find_object(Settings)
        root = settings.project_dir.resolve() if settings and settings.project_dir else Path.cwd()
        try:
            return command(*args, **kwargs)
        except IombrochureError as exc:
            if settings and settings.verbosity > 0:
                traceback.print_exc()
            click.secho(f"error: {exc.format(relative_to=root)}", fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; no output was changed", err=True)
            sys.exit(130)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iombrochure")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
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
        type=click.Path(file_okay=False, path_type=Path),
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


@main.command()
@project_options
@click.option("--doc", "documents", multiple=True, help="Build only this document (repeatable).")
@click.option("--lang", "languages", multiple=True, help="Build only this language (repeatable).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the project's output_dir, dist/).",
)
@click.option(
    "--emit-html", is_flag=True, default=None, help="Also write dist/html/<doc>-<lang>.html."
)
@click.option("--strict", is_flag=True, default=None, help="Fail the build on any warning.")
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
@click.pass_obj
@reports_errors
def build(
    settings: Settings,
    documents: tuple[str, ...],
    languages: tuple[str, ...],
    out_dir: Path | None,
    emit_html: bool | None,
    strict: bool | None,
    jobs: int | None,
    force: bool | None,
) -> None:
    """Render the PDFs: every document in every language, unless narrowed."""
    from iombrochure.build import build as run_build

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
    fresh = f", {len(result.up_to_date)} up to date" if result.up_to_date else ""
    settings.info(
        f"built {len(result.outputs)} PDF(s){fresh} in {time.perf_counter() - started:.1f} s"
    )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@main.command()
@project_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the project's output_dir, dist/).",
)
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
    from iombrochure.watch import Rebuild, Watcher

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
        from iombrochure.serve import PreviewServer

        try:
            server = PreviewServer(watcher.output_dir, watcher.status, port=port or 8000).start()
        except OSError as exc:
            raise IombrochureError(
                f"cannot serve on 127.0.0.1:{port or 8000}: {exc.strerror or exc}",
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

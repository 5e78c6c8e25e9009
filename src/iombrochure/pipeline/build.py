"""The build: config -> content -> localize -> template -> render -> outputs, for each edition.

Everything is validated before the first page is laid out, and nothing is written until every
edition has rendered (see :mod:`iombrochure.pipeline.outputs`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iombrochure.errors import Interrupted, RenderError
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.jobs import (
    ARCHIVE_PDF_VARIANTS,
    SCREEN_IMAGE_DPI,
    SCREEN_JPEG_QUALITY,
    Job,
    plan_jobs,
    resolve_variants,
)
from iombrochure.pipeline.outputs import (
    MANIFEST_NAME,
    Output,
    OutputCommit,
    describe,
    manifest_bytes,
    prepare_output_dir,
    previews_done,
    read_manifest,
    recover,
)
from iombrochure.pipeline.prepress import PRINT_PDF_VARIANT, image_stylesheet

if TYPE_CHECKING:  # templating and content are imported when needed: a no-op build skips Jinja2
    from iombrochure.pipeline.content import Content
    from iombrochure.pipeline.templating import Edition


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)  # rebuilt and written, in plan order
    warnings: list[str] = field(default_factory=list)
    html_files: list[Path] = field(default_factory=list)
    previews: list[Path] = field(default_factory=list)
    up_to_date: list[Output] = field(default_factory=list)  # planned, but nothing had changed


def pdf_options(project: Project, job: Job, edition: Edition) -> dict:
    """WeasyPrint's write_pdf options for a job. Dates come from the HTML (config), not now.

    Every variant is tagged (structure, /Lang, alt text, the title shown in the title bar).
    Screen is PDF/UA-1; print is PDF/X-4 in CMYK (tagged, and PDF/UA-1 in its metadata, see
    prepress.py); the archive is PDF/A. Only screen downsamples images.
    """
    options: dict[str, Any] = {
        "pdf_tags": True,
        "pdf_variant": "pdf/ua-1",
        "uncompressed_pdf": False,
    }
    if job.variant == "screen":
        options.update(optimize_images=True, jpeg_quality=SCREEN_JPEG_QUALITY, dpi=SCREEN_IMAGE_DPI)
    elif job.variant == "print":
        options["pdf_variant"] = PRINT_PDF_VARIANT
    elif job.variant == "archive":
        options["pdf_variant"] = job.pdf_variant or ARCHIVE_PDF_VARIANTS[0]
    return options


def source_date_epoch(project: Project) -> int:
    """Seconds since 1970 at the edition date: stamps in fonts never depend on the build time."""
    return calendar.timegm(project.publication.edition_date.timetuple())


@dataclass
class BuildContext:
    """What every job of one build shares: validated content, templates and one renderer."""

    project: Project
    content: Content
    output_dir: Path
    env: Any = None
    renderer: Any = None

    @property
    def html_dir(self) -> Path:
        return self.output_dir / "html"

    def get_renderer(self) -> Any:
        if self.renderer is None:
            self.renderer = make_renderer(self.project)
        return self.renderer


def make_renderer(project: Project) -> Any:
    """The project's Renderer, with its fixed timestamps and picture size limit."""
    from iombrochure.pipeline.render import Renderer, source_date_epoch_default
    from iombrochure.pipeline.safety import max_image_pixels

    source_date_epoch_default(source_date_epoch(project))
    return Renderer(project.root, max_image_pixels=max_image_pixels(project))


@dataclass
class RenderedJob:
    """A job's finished files, not yet written: the PDF and, on request, its HTML."""

    job: Job
    output: Output
    files: dict[Path, bytes]
    warnings: list[str]


@dataclass
class PreparedJob:
    """A job templated and ready for WeasyPrint: everything a renderer (here or in a worker
    process) needs is in ``render_args``, the keyword arguments of ``Renderer.render``."""

    job: Job
    edition: Edition
    html_path: Path
    render_args: dict[str, Any]


def prepare_job(context: BuildContext, job: Job) -> PreparedJob:
    """Template one job (cheap, no WeasyPrint): the first half of :func:`render_job`."""
    from iombrochure.pipeline.state import template_bytecode_cache
    from iombrochure.pipeline.templating import make_environment, render_edition

    project = context.project
    if context.env is None:
        context.env = make_environment(project)
        context.env.bytecode_cache = template_bytecode_cache(project.root, context.env)
    edition = render_edition(
        project,
        context.content,
        project.documents[job.document],
        job.lang,
        env=context.env,
        html_dir=context.html_dir,
        variant=job.variant,
    )
    suffix = "" if job.variant == "screen" else f"-{job.variant}"
    html_path = context.html_dir / f"{job.document}-{job.lang}{suffix}.html"
    render_args = {
        "html_text": edition.html,
        "base_url": html_path,
        "label": job.label,
        "pdf_options": pdf_options(project, job, edition),
    }
    if job.variant in ("print", "archive"):  # PDF/X and PDF/A forbid /Interpolate true
        render_args["stylesheets"] = [image_stylesheet()]
    if job.variant == "print":
        render_args["press"] = project.print
    return PreparedJob(job=job, edition=edition, html_path=html_path, render_args=render_args)


def finish_job(
    context: BuildContext, prepared: PreparedJob, rendered: Any, *, emit_html: bool = False
) -> RenderedJob:
    """Check the page budget and name the files of a rendered job: the second half."""
    project = context.project
    job = prepared.job
    budget = project.documents[job.document].page_budget
    if rendered.pages > budget:
        raise RenderError(
            f"{job.label} runs to {rendered.pages} pages, over its budget of {budget} "
            f"by {rendered.pages - budget}",
            path=project.config_path,
            hint="shorten the text, or raise page_budget for this document",
        )
    warnings = list(rendered.warnings)
    screen_budget = project.documents[job.document].screen_budget_kb
    if job.variant == "screen" and screen_budget and len(rendered.pdf) > screen_budget * 1024:
        from iombrochure.pipeline.weight import heaviest_parts

        parts = ", ".join(part.describe() for part in heaviest_parts(rendered.pdf)[:3])
        warnings.append(
            f"{job.label}: {len(rendered.pdf) / 1024:.0f} KB, over its screen budget of "
            f"{screen_budget} KB; heaviest parts: {parts or 'none found'}"
        )
    pdf_path = job.pdf_path(context.output_dir)
    files = {pdf_path: rendered.pdf}
    if emit_html:
        files[prepared.html_path] = prepared.edition.html.encode("utf-8")
    output = describe(
        context.output_dir,
        pdf_path,
        document=job.document,
        lang=job.lang,
        variant=job.variant,
        pages=rendered.pages,
        data=rendered.pdf,
    )
    return RenderedJob(job=job, output=output, files=files, warnings=warnings)


def render_job(context: BuildContext, job: Job, *, emit_html: bool = False) -> RenderedJob:
    """Template and render one job in this process, and check its page budget. Writes nothing."""
    prepared = prepare_job(context, job)
    rendered = context.get_renderer().render(**prepared.render_args)
    return finish_job(context, prepared, rendered, emit_html=emit_html)


def build(
    project: Project,
    *,
    documents: list[str] | None = None,
    languages: list[str] | None = None,
    out_dir: Path | None = None,
    emit_html: bool = False,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
    variant: str | None = None,
    pdf_variant: str | None = None,
    preview: bool | None = None,
    jobs: int | None = None,
    force: bool = False,
    renderer: Any = None,
) -> BuildResult:
    """Build the requested editions (default: every document in every language, in the screen
    and print variants, with previews).

    Only outputs whose inputs changed are rendered (all of them with ``force``), by ``jobs``
    worker processes (default: one per core; 1 renders here). ``renderer`` lends a warm
    Renderer (watch mode). Whenever anything is to be rendered, ``check``'s validation runs
    first over every planned document and language; when nothing changed it has already passed
    on exactly these files, and the warnings it gave are repeated from the state.
    Every job renders before any file is written; a failure leaves the output folder as it was.
    """
    from iombrochure.pipeline.state import Tracker
    from iombrochure.pipeline.workers import RenderPool, resolve_jobs
    from iombrochure.quality.checks import check_before_build

    output_dir = prepare_output_dir(
        project.root, out_dir or project.output_dir, explicit=bool(out_dir)
    )
    recovery = recover(output_dir)  # an interrupted build's commit, undone or finished
    planned = plan_jobs(
        project,
        documents=documents,
        languages=languages,
        variants=resolve_variants(variant, pdf_variant),
        pdf_variant=pdf_variant,
    )
    tracker = Tracker(project, output_dir, force=force, emit_html=emit_html)
    stale: list[Job] = []
    for job in planned:
        reason = tracker.check(job)
        if reason is not None:
            stale.append(job)
        if progress:
            progress(f"{job.label}: {'up to date' if reason is None else 'rebuild, ' + reason}")
    workers = min(resolve_jobs(jobs), len(stale))
    pool = None
    if renderer is None and workers > 1:
        from iombrochure.pipeline.safety import max_image_pixels

        # Started first, so that the workers import WeasyPrint while this process validates.
        pool = RenderPool(
            project.root,
            workers=workers,
            epoch=source_date_epoch(project),
            max_image_pixels=max_image_pixels(project),
        )
    check_warnings: list[str] = []
    rendered: dict[Job, RenderedJob] = {}
    context: BuildContext | None = None
    try:
        # Validation before anything renders. An up-to-date output's fingerprint covers every
        # file the checks read for it (content, templates, catalogs, fonts, images, config) but
        # the source language's text its translation is checked against: when that has not
        # changed either, the checks passed on exactly these files, and their warnings are kept.
        if not stale and not tracker.validated(planned):
            _, check_warnings = check_before_build(
                project,
                documents=list(dict.fromkeys(job.document for job in planned)),
                languages=sorted({job.lang for job in planned}),
                strict=strict,
            )
            tracker.mark_validated(planned, check_warnings)
        if stale:
            content, check_warnings = check_before_build(
                project,
                documents=list(dict.fromkeys(job.document for job in planned)),
                languages=sorted({job.lang for job in planned}),
                strict=strict,
            )
            context = BuildContext(
                project=project, content=content, output_dir=output_dir, renderer=renderer
            )
            rendered = _render_jobs(
                context, stale, tracker, pool, emit_html=emit_html, progress=progress
            )
    except BaseException:
        if pool is not None:
            pool.close(abort=True)
        raise
    finally:
        if renderer is None and context is not None and context.renderer is not None:
            context.renderer.close()  # its temporary fonts; a lent (watch) renderer stays warm
    if pool is not None:
        pool.close()

    result = BuildResult(warnings=check_warnings)
    files: dict[Path, bytes] = {}
    for job in planned:
        if job in rendered:
            done = rendered[job]
            result.outputs.append(done.output)
            result.warnings.extend(_once_for_all_editions(rendered, done))
            files.update(done.files)
            result.html_files.extend(path for path in done.files if path.suffix == ".html")
        else:
            record = tracker.record(job)
            result.up_to_date.append(record.output)
            result.warnings.extend(record.warnings)
    result.warnings = list(dict.fromkeys(result.warnings))  # kept check warnings, once each
    if strict and result.warnings:
        raise RenderError(
            f"--strict: {len(result.warnings)} warning(s), first: {result.warnings[0]}",
            hint="fix the warnings, or build without --strict",
        )
    everything = [*result.outputs, *result.up_to_date]
    if result.outputs or not _manifest_lists(output_dir, everything):
        files[output_dir / MANIFEST_NAME] = manifest_bytes(output_dir, everything)
    previews = preview is None or preview
    _commit_and_preview(
        project,
        output_dir,
        files,
        result,
        pending=recovery.previews if previews else [],
        previews=previews,
        progress=progress,
        record=lambda: _record_written(tracker, rendered, check_warnings),
    )
    return result


def _record_written(tracker: Any, rendered: dict[Job, RenderedJob], warnings: list[str]) -> None:
    """The build state, written after the outputs it describes are in place."""
    for job, done in rendered.items():
        html_path = next((path for path in done.files if path.suffix == ".html"), None)
        tracker.wrote(
            job,
            output=done.output,
            warnings=[*warnings, *done.warnings],
            html_path=html_path,
            html_bytes=done.files[html_path] if html_path else None,
        )
    tracker.save()


def _commit_and_preview(
    project: Project,
    output_dir: Path,
    files: dict[Path, bytes],
    result: BuildResult,
    *,
    pending: list[str],
    previews: bool,
    progress: Callable[[str], None] | None,
    record: Callable[[], None],
) -> None:
    """Put the build's files in place all or nothing (outputs.py), record the state, then make
    the previews; the commit's journal names the outputs awaiting previews until they exist,
    so an interrupted preview step is finished by the next build. Ctrl-C after the switch
    says which outputs changed."""
    wanted = [o.path for o in result.outputs] if previews else []
    if files:
        with OutputCommit(output_dir) as commit:
            for path, data in files.items():
                commit.stage(path, data)
            commit.switch(pending_previews=dict.fromkeys([*pending, *wanted]))
    changed = [o.path for o in result.outputs]
    try:
        record()
        to_preview = [*result.outputs]
        listed = {o.path: o for o in read_manifest(output_dir)}
        to_preview += [listed[p] for p in pending if p in listed and p not in changed]
        to_preview = [o for o in to_preview if (output_dir / o.path).is_file()]
        if previews and to_preview:
            from iombrochure.live.preview import make_previews

            if progress:
                progress("rendering previews")
            result.previews = make_previews(project, output_dir, to_preview)
        if previews:
            previews_done(output_dir)
    except KeyboardInterrupt:
        if not changed:
            raise
        raise Interrupted(
            f"{len(changed)} output(s) were updated ({', '.join(changed)}); their previews "
            "are made by the next build"
        ) from None


def _render_jobs(
    context: BuildContext,
    jobs: list[Job],
    tracker: Any,
    pool: Any,
    *,
    emit_html: bool,
    progress: Callable[[str], None] | None,
) -> dict[Job, RenderedJob]:
    """Template each job here, render it here or in the pool, and finish it: in plan order."""
    prepared: list[PreparedJob] = []
    pending: list[Any] = []
    for job in jobs:
        if progress:
            progress(f"rendering {job.label}")
        ready = prepare_job(context, job)
        tracker.linked(
            job,
            html=ready.edition.html,
            html_path=ready.html_path,
            pdf_options=ready.render_args["pdf_options"],
        )
        prepared.append(ready)
        if pool is not None:
            pending.append(pool.submit(ready.render_args))
        else:
            pending.append(context.get_renderer().render(**ready.render_args))
    done: dict[Job, RenderedJob] = {}
    for ready, outcome in zip(prepared, pending, strict=True):
        pdf = pool.result(outcome) if pool is not None else outcome
        done[ready.job] = finish_job(context, ready, pdf, emit_html=emit_html)
    return done


def _once_for_all_editions(rendered: dict[Job, RenderedJob], done: RenderedJob) -> list[str]:
    """A job's warnings, but one the renderer gave for several editions (a missing library, a
    stylesheet's unknown property) only with the first of them, naming how many it concerns."""
    kept = []
    for warning in done.warnings:
        message = warning.removeprefix(f"{done.job.label}: ")
        if message == warning:
            kept.append(warning)
            continue
        editions = [
            job for job, other in rendered.items() if f"{job.label}: {message}" in other.warnings
        ]
        if editions[0] != done.job:
            continue
        others = len(editions) - 1
        also = f" and {others} other edition{'s' * (others != 1)}" if others else ""
        kept.append(f"{done.job.label}{also}: {message}")
    return kept


def _manifest_lists(output_dir: Path, outputs: list[Output]) -> bool:
    """Whether the manifest already lists exactly these entries, and only files that exist."""
    manifest = read_manifest(output_dir)
    listed = {(o.document, o.lang, o.variant): o for o in manifest}
    return all(listed.get((o.document, o.lang, o.variant)) == o for o in outputs) and all(
        (output_dir / o.path).is_file() for o in manifest
    )

"""The build: config -> content -> localize -> template -> render -> outputs, for each edition.

One pipeline in three steps, each a function that the build, ``check`` and watch mode share:

1. :func:`prepare_build`: plan the jobs, find the stale ones, run ``check`` on what changed and
   keep the HTML it filled (the pipeline stopped before WeasyPrint; each edition is templated
   once per build);
2. :func:`render_jobs`: WeasyPrint, here or in worker processes, with the page previews made
   from the PDF bytes where the PDF was made;
3. :func:`commit_build`: write the files, the manifest, the previews and the build state.

Everything is validated before the first page is laid out, and nothing is written until every
edition of a commit has rendered (see :mod:`iombrochure.pipeline.outputs`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iombrochure.errors import RenderError
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
    existing_outputs,
    manifest_bytes,
    prepare_output_dir,
    read_manifest,
    recover,
)
from iombrochure.pipeline.prepress import PRINT_PDF_VARIANT, image_stylesheet, marks_stylesheet

if TYPE_CHECKING:  # templating and content are imported when needed: a no-op build skips Jinja2
    from iombrochure.pipeline.state import Tracker
    from iombrochure.pipeline.templating import Edition


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)  # rebuilt and written, in plan order
    warnings: list[str] = field(default_factory=list)
    html_files: list[Path] = field(default_factory=list)
    previews: list[Path] = field(default_factory=list)
    up_to_date: list[Output] = field(default_factory=list)  # planned, but nothing had changed
    #: Each rebuilt output's page previews as PNG bytes (when previews were asked for).
    thumbnails: dict[Output, list[bytes]] = field(default_factory=dict)


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
    thumbnails: list[bytes] | None = None  # its pages as PNG, when previews are made


@dataclass
class PreparedJob:
    """A job templated and ready for WeasyPrint: everything a renderer (here or in a worker
    process) needs is in ``render_args``, the keyword arguments of ``Renderer.render``."""

    job: Job
    edition: Edition
    html_path: Path
    render_args: dict[str, Any]


@dataclass
class PreparedBuild:
    """The pipeline stopped before WeasyPrint: what is planned, what is stale and why, the
    checks' warnings, and each stale job's HTML, filled once by the checks."""

    project: Project
    output_dir: Path
    planned: list[Job]
    tracker: Tracker
    reasons: dict[Job, str]  # stale jobs, in plan order, and why each is rebuilt
    prepared: dict[Job, PreparedJob] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    emit_html: bool = False
    strict: bool = False
    #: Outputs an interrupted build committed but made no previews of (outputs.recover).
    pending_previews: list[str] = field(default_factory=list)
    #: Proof sheets composed while the build rendered (document -> PNG, None: none to remake).
    proof_sheets: dict[str, bytes | None] = field(default_factory=dict)

    @property
    def stale(self) -> list[Job]:
        return list(self.reasons)

    @property
    def html_dir(self) -> Path:
        return self.output_dir / "html"


def plan_build(
    project: Project,
    *,
    documents: list[str] | None = None,
    languages: list[str] | None = None,
    out_dir: Path | None = None,
    variant: str | None = None,
    pdf_variant: str | None = None,
    force: bool = False,
    emit_html: bool = False,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PreparedBuild:
    """Step 1a: the jobs and which of them are stale (hashing files only; no Jinja2)."""
    from iombrochure.pipeline.state import Tracker

    output_dir = prepare_output_dir(
        project.root, out_dir or project.output_dir, explicit=out_dir is not None
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
    reasons: dict[Job, str] = {}
    for job in planned:
        reason = tracker.check(job)
        if reason is not None:
            reasons[job] = reason
        if progress:
            progress(f"{job.label}: {'up to date' if reason is None else 'rebuild, ' + reason}")
    return PreparedBuild(
        project=project,
        output_dir=output_dir,
        planned=planned,
        tracker=tracker,
        reasons=reasons,
        emit_html=emit_html,
        strict=strict,
        pending_previews=recovery.previews,
    )


def languages_to_validate(build: PreparedBuild) -> tuple[list[str], list[Job]]:
    """The languages the checks must cover, and the up-to-date jobs whose checks are stale."""
    unvalidated = [
        job
        for job in build.planned
        if job not in build.reasons and not build.tracker.validated([job])
    ]
    return sorted({job.lang for job in [*build.stale, *unvalidated]}), unvalidated


def template_environment(project: Project) -> Any:
    """The Jinja2 environment of a build, its compiled templates kept between builds."""
    from iombrochure.pipeline.state import template_bytecode_cache
    from iombrochure.pipeline.templating import make_environment

    env = make_environment(project)
    env.bytecode_cache = template_bytecode_cache(project.root, env)
    return env


def render_arguments(project: Project, job: Job, edition: Edition, html_path: Path) -> dict:
    """``Renderer.render``'s keyword arguments for one filled edition."""
    render_args: dict[str, Any] = {
        "html_text": edition.html,
        "base_url": html_path,
        "label": job.label,
        "template": project.templates_dir / project.documents[job.document].template,
        "pdf_options": pdf_options(project, job, edition),
    }
    if job.variant in ("print", "archive"):  # PDF/X and PDF/A forbid /Interpolate true
        render_args["stylesheets"] = [image_stylesheet()]
    if job.variant == "print":
        render_args["stylesheets"].append(marks_stylesheet())
        render_args["press"] = project.print
    return render_args


def validate_and_template(
    build: PreparedBuild,
    *,
    env: Any = None,
    read: Any = None,
    filled: dict[Job, Edition] | None = None,
) -> PreparedBuild:
    """Step 1b: ``check`` over the languages whose files changed, filling the stale editions.

    An up-to-date output's fingerprint covers every file the checks read for it (content,
    templates, catalogs, fonts, images, config) but the source language's text its translation
    is checked against, so a language is checked again only when one of its outputs is stale or
    that text changed; the warnings of the others are repeated from the state. ``env``, ``read``
    and ``filled`` hand over what the caller made already (see ``run_checks``).
    """
    project, tracker = build.project, build.tracker
    stale = build.stale
    languages, unvalidated = languages_to_validate(build)
    if not languages:
        return build  # nothing changed: Jinja2 and the checks are not even imported
    from iombrochure.pipeline.checks import check_before_build
    from iombrochure.pipeline.templating import edition_html_path

    env = env or template_environment(project)
    # Nothing to render: the up-to-date editions are filled again only to be checked.
    editions = stale or [job for job in build.planned if job.lang in languages]
    validated = check_before_build(
        project,
        languages=languages,
        editions=editions,
        html_dir=build.html_dir,
        env=env,
        strict=build.strict,
        read=read,
        filled=filled,
    )
    build.warnings = validated.warnings
    if not stale:
        tracker.mark_validated(unvalidated, validated.warnings)
        return build
    for job in stale:
        edition = validated.editions[job]
        html_path = edition_html_path(build.html_dir, job.document, job.lang, job.variant)
        render_args = render_arguments(project, job, edition, html_path)
        tracker.linked(
            job, html=edition.html, html_path=html_path, pdf_options=render_args["pdf_options"]
        )
        build.prepared[job] = PreparedJob(
            job=job, edition=edition, html_path=html_path, render_args=render_args
        )
    return build


def prepare_build(project: Project, **options: Any) -> PreparedBuild:
    """Step 1: :func:`plan_build`'s options; the stale jobs checked and templated."""
    return validate_and_template(plan_build(project, **options))


def finish_job(
    build: PreparedBuild, prepared: PreparedJob, rendered: Any, thumbnails: list[bytes] | None
) -> RenderedJob:
    """Check the page budget and name the files of a rendered job."""
    project = build.project
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
    pdf_path = job.pdf_path(build.output_dir)
    files = {pdf_path: rendered.pdf}
    if build.emit_html:
        files[prepared.html_path] = prepared.edition.html.encode("utf-8")
    output = describe(
        build.output_dir,
        pdf_path,
        document=job.document,
        lang=job.lang,
        variant=job.variant,
        pages=rendered.pages,
        data=rendered.pdf,
    )
    return RenderedJob(
        job=job, output=output, files=files, warnings=warnings, thumbnails=thumbnails
    )


def render_jobs(
    build: PreparedBuild,
    jobs: list[Job] | None = None,
    *,
    renderer: Any = None,
    pool: Any = None,
    thumbnail_dpi: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[Job, RenderedJob]:
    """Step 2: render ``jobs`` (default: every stale one) with ``renderer`` in this process,
    or with ``pool``: its forked renderers render them all, or (a RenderPool, where processes
    are not forked) its workers render alongside this process, which imports WeasyPrint only
    after validating, while the workers render.

    With ``thumbnail_dpi``, each PDF's pages become PNGs where it was rendered (in this process
    by a thread that rasterises one PDF while WeasyPrint lays out the next), and each
    document's proof sheet is composed as soon as its editions are in, while the others render
    (``build.proof_sheets``). Results, and the first failure, come in plan order.
    """
    jobs = build.stale if jobs is None else jobs
    here = _RenderingHere(build, renderer, thumbnail_dpi, jobs)
    outcomes: dict[Job, Callable[[], tuple[Any, list[bytes] | None]]] = {}
    failures: dict[Job, BaseException] = {}
    try:
        if pool is None:
            for job in jobs:
                if progress:
                    progress(f"rendering {job.label}")
                outcomes[job] = here.render(job)
        else:
            if progress:
                for job in jobs:
                    progress(f"rendering {job.label}")
            _share_with_pool(build, jobs, pool, here, thumbnail_dpi, outcomes, failures)
        done: dict[Job, RenderedJob] = {}
        for job in jobs:
            if job in failures:
                raise failures[job]
            rendered, pngs = outcomes[job]()
            done[job] = finish_job(build, build.prepared[job], rendered, pngs)
        build.proof_sheets = {doc: sheet.result() for doc, sheet in here.sheets_composed.items()}
    finally:
        here.close()
    return done


class _RenderingHere:
    """Renders in this process: the Renderer made on first use (WeasyPrint imported then), the
    preview thread, and the proof sheets as their editions come in (from here or a pool)."""

    def __init__(
        self, build: PreparedBuild, renderer: Any, thumbnail_dpi: int | None, jobs: list[Job]
    ) -> None:
        import threading

        self.build = build
        self.renderer = renderer
        self.lent = renderer is not None  # a lent (watch) renderer stays warm
        self.thumbnail_dpi = thumbnail_dpi
        self.sheets = _SheetsInProgress(build, jobs) if thumbnail_dpi is not None else None
        self.previews: Any = None
        #: Proof sheets being composed in the preview thread, by document (futures).
        self.sheets_composed: dict[str, Any] = {}
        self.lock = threading.Lock()  # pool callbacks and this thread both report arrivals

    def _preview_thread(self) -> Any:
        from concurrent.futures import ThreadPoolExecutor

        with self.lock:
            if self.previews is None:
                self.previews = ThreadPoolExecutor(1, thread_name_prefix="previews")
            return self.previews

    def render(self, job: Job) -> Callable[[], tuple[Any, list[bytes] | None]]:
        """Render ``job`` now; returns the call that gives its (RenderedPdf, page PNGs)."""
        ready = self.build.prepared[job]
        if self.renderer is None:
            self.renderer = make_renderer(self.build.project)
        rendered = self.renderer.render(**ready.render_args)
        if self.thumbnail_dpi is None:
            return lambda: (rendered, None)
        from iombrochure.pipeline.previews import page_pngs

        thumbnails = self._preview_thread().submit(
            page_pngs, rendered.pdf, dpi=self.thumbnail_dpi, press=ready.render_args.get("press")
        )
        self.arrived(job, thumbnails.result)
        return lambda: (rendered, thumbnails.result())

    def arrived(self, job: Job, pages: Callable[[], list[bytes]]) -> None:
        """A job's page PNGs are (or will be) at hand: compose the sheets it completes, in the
        preview thread, after every page task handed to it before (one thread, in order)."""
        if self.sheets is None:
            return
        with self.lock:
            completed = self.sheets.arrived(job, pages)
        for document, compose in completed:
            self.sheets_composed[document] = self._preview_thread().submit(compose)

    def close(self) -> None:
        if self.previews is not None:
            self.previews.shutdown(cancel_futures=True)
        if self.renderer is not None and not self.lent:
            self.renderer.close()  # its temporary fonts


def _share_with_pool(
    build: PreparedBuild,
    jobs: list[Job],
    pool: Any,
    here: _RenderingHere,
    thumbnail_dpi: int | None,
    outcomes: dict[Job, Callable[[], tuple[Any, list[bytes] | None]]],
    failures: dict[Job, BaseException],
) -> None:
    """Render ``jobs`` in ``pool``'s workers, and in this process if the pool says it renders
    here too, each taking the heaviest edition left when it is free. Each worker is kept one
    edition busy (by a feeder thread when this process renders). After a failure no edition
    later in plan order is started, so the failure reported is always the first in plan order,
    as if they had rendered one by one."""
    import threading
    from collections import deque

    position = {job: index for index, job in enumerate(jobs)}
    queue = deque(_heaviest_first(build, jobs))
    lock = threading.Lock()
    first_failure = [len(jobs)]
    slots = threading.Semaphore(pool.workers)

    def take() -> Job | None:
        with lock:
            while queue:
                job = queue.popleft()
                if position[job] < first_failure[0]:
                    return job
            return None

    def fail(job: Job, error: BaseException) -> None:
        with lock:
            failures[job] = error
            first_failure[0] = min(first_failure[0], position[job])

    def finished(job: Job, future: Any) -> None:
        try:
            if future.cancelled():
                fail(job, RenderError(f"{job.label}: not rendered (the build was stopped)"))
            elif future.exception() is not None:
                try:
                    pool.result(future)  # a dead worker becomes a RenderError naming the way out
                except BaseException as error:  # noqa: BLE001 - reported in plan order
                    fail(job, error)
            else:
                here.arrived(job, lambda: future.result()[1])
        finally:
            slots.release()

    def submit_next() -> bool:
        slots.acquire()
        job = take()
        if job is None:
            slots.release()
            return False
        future = pool.submit(build.prepared[job].render_args, thumbnail_dpi)
        outcomes[job] = lambda future=future: pool.result(future)
        future.add_done_callback(lambda done, job=job: finished(job, done))
        return True

    def feed() -> None:
        while submit_next():
            pass

    if pool.renders_here:
        # The workers choose first: they have imported WeasyPrint while this process validated,
        # and this one still has to; the heaviest editions go to them.
        for _ in range(pool.workers):
            submit_next()
        feeder = threading.Thread(target=feed, name="iombrochure-feeder", daemon=True)
        feeder.start()
        try:
            while (job := take()) is not None:
                try:
                    outcomes[job] = here.render(job)
                except Exception as error:  # reported in plan order, after the others stop
                    fail(job, error)
        except BaseException:
            with lock:
                queue.clear()
            slots.release()  # the feeder, if waiting, finds nothing left and ends
            raise
        feeder.join()
    else:
        feed()  # the pool renders every edition; this process only hands them out
    for _ in range(pool.workers):  # each slot back: every worker's edition is in, callbacks run
        slots.acquire()


def _heaviest_first(build: PreparedBuild, jobs: list[Job]) -> list[Job]:
    """Jobs for a pool, heaviest first, so that the rendering processes finish together
    (results are still taken in plan order). The weight is the HTML's size in UTF-8 bytes: a
    Persian letter weighs two, and shaping Arabic script costs WeasyPrint more than Latin."""
    return sorted(
        jobs, key=lambda job: -len(build.prepared[job].render_args["html_text"].encode("utf-8"))
    )


class _SheetsInProgress:
    """Which rendered editions complete a document's proof sheet (of the variant it shows)."""

    def __init__(self, build: PreparedBuild, jobs: list[Job]) -> None:
        from iombrochure.pipeline.previews import proof_variant

        self.build = build
        self.jobs = jobs
        listed = existing_outputs(build.output_dir)
        self.waiting: dict[str, set[Job]] = {}
        for document in dict.fromkeys(job.document for job in jobs):
            variant = proof_variant([*listed, *jobs], document)
            self.waiting[document] = {
                job for job in jobs if job.document == document and job.variant == variant
            }
        self.pages: dict[Job, Callable[[], list[bytes]]] = {}

    def arrived(
        self, job: Job, pages: Callable[[], list[bytes]]
    ) -> list[tuple[str, Callable[[], bytes | None]]]:
        """Note a job's page PNGs (a callable giving them); the sheets it completes, each
        with the call that composes it."""
        self.pages[job] = pages
        waiting = self.waiting.get(job.document)
        if not waiting or job not in waiting:
            return []
        waiting.discard(job)
        if waiting:
            return []
        document = job.document
        members = [j for j in self.jobs if j.document == document and j in self.pages]
        return [(document, lambda: self._compose(document, members))]

    def _compose(self, document: str, members: list[Job]) -> bytes | None:
        from iombrochure.pipeline.previews import compose_proof_sheet

        fresh = {(j.document, j.lang, j.variant): self.pages[j]() for j in members}
        return compose_proof_sheet(
            self.build.project, self.build.output_dir, document, fresh, list(self.jobs)
        )


def commit_build(
    build: PreparedBuild, rendered: dict[Job, RenderedJob], *, previews: bool = False
) -> BuildResult:
    """Step 3: write the rendered jobs' files, the manifest, the previews and the state.

    Planned jobs that were neither stale nor rendered are reported up to date; stale jobs not
    in ``rendered`` (watch mode renders them later) are left for a later commit.
    """
    tracker, output_dir = build.tracker, build.output_dir
    result = BuildResult(warnings=list(build.warnings))
    files: dict[Path, bytes] = {}
    for job in build.planned:
        if job in rendered:
            done = rendered[job]
            result.outputs.append(done.output)
            result.warnings.extend(_once_for_all_editions(rendered, done))
            files.update(done.files)
            result.html_files.extend(path for path in done.files if path.suffix == ".html")
            if done.thumbnails is not None:
                result.thumbnails[done.output] = done.thumbnails
        elif job not in build.reasons:
            record = tracker.record(job)
            result.up_to_date.append(record.output)
            result.warnings.extend(record.warnings)
    result.warnings = list(dict.fromkeys(result.warnings))  # kept check warnings, once each
    if build.strict and result.warnings:
        raise RenderError(
            f"--strict: {len(result.warnings)} warning(s), first: {result.warnings[0]}",
            hint="fix the warnings, or build without --strict",
        )
    everything = [*result.outputs, *result.up_to_date]
    if result.outputs:
        # Up-to-date entries are added only where missing: a later commit of the same watch
        # round must not put back an entry that an earlier one has already replaced.
        listed = {(o.document, o.lang, o.variant) for o in read_manifest(output_dir)}
        missing = [o for o in result.up_to_date if (o.document, o.lang, o.variant) not in listed]
        files[output_dir / MANIFEST_NAME] = manifest_bytes(output_dir, [*result.outputs, *missing])
    elif not _manifest_lists(output_dir, everything):
        files[output_dir / MANIFEST_NAME] = manifest_bytes(output_dir, everything)
    _commit_and_preview(build, rendered, files, result, previews=previews)
    return result


def _commit_and_preview(
    build: PreparedBuild,
    rendered: dict[Job, RenderedJob],
    files: dict[Path, bytes],
    result: BuildResult,
    *,
    previews: bool,
) -> None:
    """Put the build's files (PDFs, HTML, manifest), the state and the previews in place as one
    commit, all or nothing (outputs.py): a full disk or Ctrl-C at any point puts back what was
    there. Previews an interrupted older build still owed are made in the same commit."""
    tracker, output_dir = build.tracker, build.output_dir
    wanted = [o.path for o in result.thumbnails] if previews else []
    pending = build.pending_previews if previews else []
    with OutputCommit(output_dir, pending_previews=pending) as commit:
        for path, data in files.items():
            commit.stage(path, data)
        commit.switch(final=False)
        for job, done in rendered.items():
            html_path = next((path for path in done.files if path.suffix == ".html"), None)
            tracker.wrote(
                job,
                output=done.output,
                warnings=[*build.warnings, *done.warnings],
                html_path=html_path,
                html_bytes=done.files[html_path] if html_path else None,
            )
        commit.protect(tracker.state.path)
        tracker.save()
        if previews and result.thumbnails:
            from iombrochure.pipeline.previews import write_previews

            result.previews = write_previews(
                build.project,
                output_dir,
                result.thumbnails,
                sheets=build.proof_sheets,
                commit=commit,
            )
        listed = {o.path: o for o in existing_outputs(output_dir)}
        left = [listed[p] for p in pending if p in listed and p not in wanted]
        if left:
            from iombrochure.pipeline.previews import make_previews

            result.previews += make_previews(build.project, output_dir, left, commit=commit)
        commit.finish()


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
    processes (default: one per core), started before the validation so that WeasyPrint is
    imported meanwhile (workers.make_render_pool). ``renderer`` lends a warm
    Renderer. ``check``'s validation runs first over every language with a changed file, and
    fills the HTML that is rendered. Every job renders before any file is written; a failure
    leaves the output folder as it was.
    """
    from iombrochure.pipeline.previews import THUMBNAIL_DPI
    from iombrochure.pipeline.workers import make_render_pool, resolve_jobs

    plan = plan_build(
        project,
        documents=documents,
        languages=languages,
        out_dir=out_dir,
        variant=variant,
        pdf_variant=pdf_variant,
        force=force,
        emit_html=emit_html,
        strict=strict,
        progress=progress,
    )
    workers = min(resolve_jobs(jobs), len(plan.stale))
    pool = None
    if renderer is None and workers > 1:
        from iombrochure.pipeline.safety import max_image_pixels

        # Started first, so that the workers import WeasyPrint while this process validates.
        pool = make_render_pool(
            project.root,
            jobs=workers,
            epoch=source_date_epoch(project),
            max_image_pixels=max_image_pixels(project),
        )
    previews = preview is None or preview
    try:
        validate_and_template(plan)
        rendered = render_jobs(
            plan,
            renderer=renderer,
            pool=pool,
            thumbnail_dpi=THUMBNAIL_DPI if previews else None,
            progress=progress,
        )
    except BaseException:
        if pool is not None:
            pool.close(abort=True)
        raise
    if pool is not None:
        pool.close()
    if progress and previews and rendered:
        progress("writing previews")
    return commit_build(plan, rendered, previews=previews)


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

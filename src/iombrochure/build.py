"""The build: config -> content -> localize -> template -> render -> outputs, for each edition.

Everything is validated before the first page is laid out, and nothing is written until every
edition has rendered (see :mod:`iombrochure.outputs`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iombrochure.config import Project
from iombrochure.content import Content
from iombrochure.errors import ConfigError, RenderError
from iombrochure.outputs import Output, commit_files, describe, write_manifest
from iombrochure.templating import Edition, make_environment, render_edition

#: Output variants. screen: dist/<doc>-<lang>.pdf, tagged PDF/UA-1 with downsampled images;
#: print: dist/print/..., bleed and crop marks, images at full resolution; archive:
#: dist/archive/..., PDF/A (tagged), made only on request with --pdf-variant.
VARIANTS = ("screen", "print", "archive")
#: What ``--variant all`` (and no --variant at all) builds.
DEFAULT_VARIANTS = ("screen", "print")
#: PDF/A flavours the archive variant can be made in; PDF/X is not offered: WeasyPrint stamps
#: it with the current time and a random id, and our outputs are byte-reproducible.
ARCHIVE_PDF_VARIANTS = ("pdf/a-3b", "pdf/a-3u", "pdf/a-2b", "pdf/a-2u")
#: Screen images: enough for a monitor or an office printer, a fraction of the print size.
SCREEN_IMAGE_DPI = 150
SCREEN_JPEG_QUALITY = 80


@dataclass(frozen=True)
class Job:
    """One output to make: a document, in a language, in a variant."""

    document: str
    lang: str
    variant: str = "screen"
    pdf_variant: str | None = None  # the archive's PDF/A flavour

    @property
    def label(self) -> str:
        return f"{self.document} ({self.lang}, {self.variant})"

    def pdf_path(self, output_dir: Path) -> Path:
        name = f"{self.document}-{self.lang}.pdf"
        return output_dir / name if self.variant == "screen" else output_dir / self.variant / name


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    html_files: list[Path] = field(default_factory=list)
    previews: list[Path] = field(default_factory=list)


def resolve_variants(variant: str | None = None, pdf_variant: str | None = None) -> list[str]:
    """The variants to build: one of VARIANTS, or all (the default) for screen and print;
    a PDF/A flavour adds the archive variant."""
    if variant in (None, "all"):
        chosen = list(DEFAULT_VARIANTS)
    elif variant in DEFAULT_VARIANTS:
        chosen = [variant]
    else:
        raise ConfigError(
            f"unknown variant {variant!r}; choose one of {', '.join(DEFAULT_VARIANTS)} or all",
            hint="the archive variant is made with --pdf-variant, e.g. --pdf-variant pdf/a-3b",
        )
    if pdf_variant is not None:
        if pdf_variant not in ARCHIVE_PDF_VARIANTS:
            raise ConfigError(
                f"unknown PDF variant {pdf_variant!r} for the archive; "
                f"choose one of {', '.join(ARCHIVE_PDF_VARIANTS)}"
            )
        chosen.append("archive")
    return chosen


def plan_jobs(
    project: Project,
    *,
    documents: list[str] | None = None,
    languages: list[str] | None = None,
    variants: list[str] | None = None,
    pdf_variant: str | None = None,
) -> list[Job]:
    """The editions to build, in a stable order; unknown names are the user's error."""
    for name in documents or ():
        if name not in project.documents:
            raise ConfigError(
                f"unknown document {name!r}; this project has: {', '.join(project.documents)}",
                path=project.config_path,
            )
    for code in languages or ():
        if code not in project.languages:
            raise ConfigError(
                f"unknown language {code!r}; this project has: {', '.join(project.languages)}",
                path=project.config_path,
            )
    return [
        Job(
            document=doc,
            lang=lang,
            variant=variant,
            pdf_variant=(pdf_variant or ARCHIVE_PDF_VARIANTS[0]) if variant == "archive" else None,
        )
        for doc in (documents or list(project.documents))
        for lang in (languages or list(project.languages))
        for variant in (variants or ["screen"])
    ]


def pdf_options(project: Project, job: Job, edition: Edition) -> dict:
    """WeasyPrint's write_pdf options for a job. Dates come from the HTML (config), not now.

    Every variant is tagged (structure, /Lang, alt text, the title shown in the title bar).
    Screen and print are PDF/UA-1; the archive is PDF/A. Only screen downsamples images.
    """
    options: dict[str, Any] = {
        "pdf_tags": True,
        "pdf_variant": "pdf/ua-1",
        "uncompressed_pdf": False,
    }
    if job.variant == "screen":
        options.update(optimize_images=True, jpeg_quality=SCREEN_JPEG_QUALITY, dpi=SCREEN_IMAGE_DPI)
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
            from iombrochure.render import Renderer, source_date_epoch_default
            from iombrochure.safety import max_image_pixels

            source_date_epoch_default(source_date_epoch(self.project))
            self.renderer = Renderer(
                self.project.root, max_image_pixels=max_image_pixels(self.project)
            )
        return self.renderer


@dataclass
class RenderedJob:
    """A job's finished files, not yet written: the PDF and, on request, its HTML."""

    job: Job
    output: Output
    files: dict[Path, bytes]
    warnings: list[str]


def render_job(context: BuildContext, job: Job, *, emit_html: bool = False) -> RenderedJob:
    """Template and render one job, and check its page budget. Writes nothing."""
    project = context.project
    if context.env is None:
        context.env = make_environment(project)
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
    rendered = context.get_renderer().render(
        edition.html,
        base_url=html_path,
        label=job.label,
        pdf_options=pdf_options(project, job, edition),
    )
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
        from iombrochure.weight import heaviest_parts

        parts = ", ".join(part.describe() for part in heaviest_parts(rendered.pdf)[:3])
        warnings.append(
            f"{job.label}: {len(rendered.pdf) / 1024:.0f} KB, over its screen budget of "
            f"{screen_budget} KB; heaviest parts: {parts or 'none found'}"
        )
    pdf_path = job.pdf_path(context.output_dir)
    files = {pdf_path: rendered.pdf}
    if emit_html:
        files[html_path] = edition.html.encode("utf-8")
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
) -> BuildResult:
    """Build the requested editions (default: every document in every language, in the screen
    and print variants, with previews).

    Every job renders before any file is written; a failure leaves the output folder as it was.
    ``check``'s validation runs first: on any error nothing is rendered (see checks.py).
    """
    from iombrochure.checks import check_before_build

    output_dir = (out_dir or project.output_dir).resolve()
    jobs = plan_jobs(
        project,
        documents=documents,
        languages=languages,
        variants=resolve_variants(variant, pdf_variant),
        pdf_variant=pdf_variant,
    )
    content, check_warnings = check_before_build(
        project,
        documents=list(dict.fromkeys(job.document for job in jobs)),
        languages=sorted({job.lang for job in jobs}),
        strict=strict,
    )
    context = BuildContext(project=project, content=content, output_dir=output_dir)
    result = BuildResult(warnings=check_warnings)
    files: dict[Path, bytes] = {}
    for job in jobs:
        if progress:
            progress(f"rendering {job.label}")
        rendered = render_job(context, job, emit_html=emit_html)
        result.outputs.append(rendered.output)
        result.warnings.extend(rendered.warnings)
        files.update(rendered.files)
        result.html_files.extend(path for path in rendered.files if path.suffix == ".html")
    if strict and result.warnings:
        raise RenderError(
            f"--strict: {len(result.warnings)} warning(s), first: {result.warnings[0]}",
            hint="fix the warnings, or build without --strict",
        )
    commit_files(files)
    write_manifest(output_dir, result.outputs)
    if preview is None or preview:
        from iombrochure.preview import make_previews

        if progress:
            progress("rendering previews")
        result.previews = make_previews(project, output_dir, result.outputs)
    return result

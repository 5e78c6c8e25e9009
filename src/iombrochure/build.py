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
from iombrochure.content import Content, load_content
from iombrochure.errors import ConfigError, RenderError
from iombrochure.outputs import Output, commit_files, describe, write_manifest
from iombrochure.templating import Edition, make_environment, render_edition

VARIANTS = ("screen",)


@dataclass(frozen=True)
class Job:
    """One output to make: a document, in a language, in a variant."""

    document: str
    lang: str
    variant: str = "screen"

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


def plan_jobs(
    project: Project,
    *,
    documents: list[str] | None = None,
    languages: list[str] | None = None,
    variants: list[str] | None = None,
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
        Job(document=doc, lang=lang, variant=variant)
        for doc in (documents or list(project.documents))
        for lang in (languages or list(project.languages))
        for variant in (variants or ["screen"])
    ]


def pdf_options(project: Project, job: Job, edition: Edition) -> dict:
    """WeasyPrint's write_pdf options for a job. Dates come from the HTML (config), not now."""
    return {"pdf_tags": True, "pdf_variant": "pdf/ua-1", "uncompressed_pdf": False}


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

            source_date_epoch_default(source_date_epoch(self.project))
            self.renderer = Renderer(self.project.root)
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
    )
    html_path = context.html_dir / f"{job.document}-{job.lang}.html"
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
    return RenderedJob(job=job, output=output, files=files, warnings=rendered.warnings)


def build(
    project: Project,
    *,
    documents: list[str] | None = None,
    languages: list[str] | None = None,
    out_dir: Path | None = None,
    emit_html: bool = False,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the requested editions (default: every document in every language).

    Every job renders before any file is written; a failure leaves the output folder as it was.
    """
    output_dir = (out_dir or project.output_dir).resolve()
    jobs = plan_jobs(project, documents=documents, languages=languages)
    content = load_content(project, languages=sorted({job.lang for job in jobs}))
    context = BuildContext(project=project, content=content, output_dir=output_dir)
    result = BuildResult()
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
    return result

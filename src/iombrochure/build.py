"""The build: config -> content -> localize -> template -> render -> outputs, for each edition.

Everything is validated before the first page is laid out, and nothing is written until every
edition has rendered (see :mod:`iombrochure.outputs`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from iombrochure.config import Project
from iombrochure.content import load_content
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
    """Build the requested editions (default: every document in every language)."""
    from iombrochure.render import Renderer, source_date_epoch_default

    output_dir = (out_dir or project.output_dir).resolve()
    jobs = plan_jobs(project, documents=documents, languages=languages)
    content = load_content(project, languages=sorted({job.lang for job in jobs}))
    env = make_environment(project)
    html_dir = output_dir / "html"
    editions = {
        job: render_edition(
            project, content, project.documents[job.document], job.lang, env=env, html_dir=html_dir
        )
        for job in jobs
    }
    source_date_epoch_default(source_date_epoch(project))
    renderer = Renderer(project.root)
    result = BuildResult()
    files: dict[Path, bytes] = {}
    for job in jobs:
        edition = editions[job]
        if progress:
            progress(f"rendering {job.label}")
        html_path = html_dir / f"{job.document}-{job.lang}.html"
        rendered = renderer.render(
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
        result.warnings.extend(rendered.warnings)
        pdf_path = job.pdf_path(output_dir)
        files[pdf_path] = rendered.pdf
        result.outputs.append(
            describe(
                output_dir,
                pdf_path,
                document=job.document,
                lang=job.lang,
                variant=job.variant,
                pages=rendered.pages,
                data=rendered.pdf,
            )
        )
        if emit_html:
            files[html_path] = edition.html.encode("utf-8")
            result.html_files.append(html_path)
    if strict and result.warnings:
        raise RenderError(
            f"--strict: {len(result.warnings)} warning(s), first: {result.warnings[0]}",
            hint="fix the warnings, or build without --strict",
        )
    commit_files(files)
    write_manifest(output_dir, result.outputs)
    return result

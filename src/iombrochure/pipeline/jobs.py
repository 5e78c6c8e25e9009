"""What a build is asked to make: jobs (a document, a language, a variant) and their plan.

Shared by the build, the build state, workers, doctor and mail, so none of them imports the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iombrochure.errors import ConfigError
from iombrochure.pipeline.config import Project

#: Output variants. screen: dist/<doc>-<lang>.pdf, tagged PDF/UA-1 with downsampled images;
#: print: dist/print/..., PDF/X-4 in CMYK for the press (prepress.py), bleed and crop marks,
#: images at full resolution; archive: dist/archive/..., PDF/A (tagged), only on request.
VARIANTS = ("screen", "print", "archive")
#: What ``--variant all`` (and no --variant at all) builds.
DEFAULT_VARIANTS = ("screen", "print")
#: PDF/A flavours the archive variant can be made in (the print variant is PDF/X-4).
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
    """The editions to build, in a stable order; unknown names are the user's error.

    A document is made only in its own languages (``languages`` under [documents.NAME]).
    """
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
    chosen = [
        (doc, lang)
        for doc in (documents or list(project.documents))
        for lang in (languages or list(project.languages))
        if lang in project.document_languages(doc)
    ]
    if not chosen:
        asked = ", ".join(documents or project.documents)
        made_in = "; ".join(
            f"{doc}: {', '.join(project.document_languages(doc))}"
            for doc in (documents or project.documents)
        )
        raise ConfigError(
            f"{asked} is not made in {', '.join(languages or ())} (languages by document: "
            f"{made_in})",
            path=project.config_path,
            hint="add the language to languages = [...] under [documents.NAME]",
        )
    return [
        Job(
            document=doc,
            lang=lang,
            variant=variant,
            pdf_variant=(pdf_variant or ARCHIVE_PDF_VARIANTS[0]) if variant == "archive" else None,
        )
        for doc, lang in chosen
        for variant in (variants or ["screen"])
    ]

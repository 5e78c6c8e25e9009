"""``iombrochure doctor``: what on this machine makes builds fast or slow, right or wrong.

Each check gives one :class:`Finding`; the CLI prints one line for each and always exits 0.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iombrochure import __version__
from iombrochure.errors import IombrochureError

HB_SUBSET_PACKAGE = "libharfbuzz-subset0"
MIN_PANGO = (1, 44)


@dataclass(frozen=True)
class Finding:
    """One line of the report; ``ok`` False marks something to act on."""

    item: str
    text: str
    ok: bool = True


def diagnose(project_dir: Path | None = None) -> list[Finding]:
    """Every check, in the order a reader wants them."""
    findings = [
        Finding("iombrochure", f"{__version__} on Python {platform.python_version()}"),
        *_weasyprint_findings(),
        _cores(),
        _ghostscript(),
    ]
    project = _project(project_dir)
    if isinstance(project, IombrochureError):
        if project.path is not None and project.path.name == "iombrochure.toml":
            # There is a project, but its config is wrong: not a fast path to anything.
            findings.append(Finding("project", f"cannot be read: {project.format()}", ok=False))
        else:
            findings.append(Finding("project", f"none here ({project.message})", ok=True))
    else:
        findings.append(_fonts(project))
        findings.append(_press(project))
        findings.append(_outputs(project))
    missing = [finding for finding in findings if not finding.ok]
    findings.append(
        Finding(
            "fast path",
            "everything in place"
            if not missing
            else "to do: " + "; ".join(f"{finding.item}" for finding in missing),
            ok=not missing,
        )
    )
    return findings


def _weasyprint_findings() -> list[Finding]:
    try:
        import weasyprint
        from weasyprint.text import ffi as weasy_ffi
    except Exception as exc:  # missing Pango is an OSError at import time
        return [
            Finding(
                "weasyprint",
                f"cannot be imported: {exc}",
                ok=False,
            )
        ]
    findings = [Finding("weasyprint", weasyprint.__version__)]
    code = weasy_ffi.pango.pango_version()
    pango = (code // 10000, code // 100 % 100, code % 100)
    findings.append(
        Finding(
            "pango",
            ".".join(map(str, pango))
            + ("" if pango[:2] >= MIN_PANGO else " (WeasyPrint needs 1.44 or newer)"),
            ok=pango[:2] >= MIN_PANGO,
        )
    )
    findings.append(Finding("harfbuzz", _harfbuzz_version()))
    # WeasyPrint's own rule (weasyprint/pdf/fonts.py): hb-subset if the library loaded and
    # HarfBuzz is 4.1.0 or newer, else the fontTools fallback.
    library = weasy_ffi.harfbuzz_subset is not None
    recent = bool(weasy_ffi.harfbuzz.hb_version_atleast(4, 1, 0))
    if library and recent:
        name = ctypes.util.find_library("harfbuzz-subset") or "libharfbuzz-subset"
        findings.append(Finding("hb-subset", f"in use ({name}): fast, reproducible font subsets"))
    else:
        why = "not installed" if not library else "HarfBuzz older than 4.1.0"
        findings.append(
            Finding(
                "hb-subset",
                f"{why}: WeasyPrint falls back to fontTools, about 10x slower PDF writing; "
                f"install it: apt-get install {HB_SUBSET_PACKAGE}",
                ok=False,
            )
        )
    return findings


def _harfbuzz_version() -> str:
    name = ctypes.util.find_library("harfbuzz")
    if not name:
        return "unknown"
    try:
        function = ctypes.CDLL(name).hb_version_string
    except (OSError, AttributeError):
        return "unknown"
    function.restype = ctypes.c_char_p
    return function().decode("ascii")


def _cores() -> Finding:
    import os

    from iombrochure.pipeline.workers import available_cores

    usable = available_cores()
    total = os.cpu_count() or usable
    text = f"{usable} usable" + (f" of {total}" if total != usable else "")
    text += f"; build renders {usable} edition{'s' * (usable != 1)} at once (--jobs)"
    return Finding("cores", text)


def _project(project_dir: Path | None) -> Any:
    from iombrochure.pipeline.config import load_project

    try:
        return load_project(project_dir)
    except IombrochureError as exc:
        return exc


def _fonts(project: Any) -> Finding:
    from fontTools.ttLib import TTFont

    from iombrochure.pipeline.render import FONT_SUFFIXES

    families: dict[str, int] = {}
    for path in sorted(project.fonts_dir.rglob("*")):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        try:
            with TTFont(path, lazy=True) as font:
                names = font["name"]
                family = names.getDebugName(16) or names.getDebugName(1) or path.stem
        except Exception:
            family = f"{path.name} (unreadable)"
        families[family] = families.get(family, 0) + 1
    if not families:
        return Finding("fonts", "no font files in fonts/: text falls back to system fonts", False)
    listed = ", ".join(
        f"{family} ({count} file{'s' * (count != 1)})" for family, count in families.items()
    )
    return Finding("fonts", f"fonts/: {listed}")


def _press(project: Any) -> Finding:
    """The press the print variant is made for, and whether its previews can be soft-proofed."""
    import shutil

    from iombrochure.pipeline.prepress import describe_press

    text = f"print variant for {describe_press(project.print)}"
    if shutil.which("pdftoppm") is None:
        return Finding(
            "press",
            f"{text}; no soft proof: print previews show uncorrected colours "
            "(install it: apt-get install poppler-utils)",
            ok=False,
        )
    return Finding("press", f"{text}; print previews soft-proofed through it")


def _ghostscript() -> Finding:
    """Ghostscript renders the separations ``iombrochure preflight`` measures ink on, as print
    shops do; without it the preflight measures poppler's CMYK render instead."""
    import shutil
    import subprocess

    gs = shutil.which("gs")
    if gs is None:
        return Finding(
            "ghostscript",
            "not installed: preflight measures ink on poppler's CMYK render, not on separations "
            "(install it: apt-get install ghostscript)",
            ok=False,
        )
    try:
        version = subprocess.run(
            [gs, "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        version = "unknown version"
    return Finding("ghostscript", f"{version}: preflight renders separations with its tiffsep")


def _outputs(project: Any) -> Finding:
    """How many outputs an incremental build would skip (no WeasyPrint work involved)."""
    from iombrochure.pipeline.jobs import plan_jobs, resolve_variants
    from iombrochure.pipeline.state import Tracker

    output_dir = project.output_dir.resolve()
    tracker = Tracker(project, output_dir)
    jobs = plan_jobs(project, variants=resolve_variants())
    stale = [job for job in jobs if tracker.check(job) is not None]
    try:
        shown = output_dir.relative_to(project.root).as_posix() + "/"
    except ValueError:
        shown = str(output_dir)
    return Finding(
        "outputs",
        f"{len(jobs) - len(stale)} of {len(jobs)} up to date in {shown}"
        + (f"; next build renders {', '.join(job.label for job in stale)}" if stale else ""),
    )

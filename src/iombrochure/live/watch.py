"""Watch mode: rebuild what a saved file affects, keep the last good PDFs, refresh previews.

The watcher keeps one warm Renderer (WeasyPrint imported, fonts loaded) for the whole session,
so saving one content file costs the layout of the editions it shapes and nothing more. What to
rebuild is the incremental build's decision (:mod:`iombrochure.pipeline.state`); a broken file is
reported and the watcher carries on, with the previous outputs untouched (a build writes nothing
until every edition has rendered).

This module prints nothing: each rebuild is handed to a callback as a :class:`Rebuild`.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iombrochure.errors import IombrochureError
from iombrochure.pipeline.outputs import atomic_write
from iombrochure.pipeline.state import is_ignored

PREVIEW_FOLDER = "preview"
PREVIEW_DPI = 60

#: Changes under these folders never alter fonts or images, so the warm renderer is kept.
RENDERER_SAFE_FOLDERS = ("content", "locales", "templates")


@dataclass
class Rebuild:
    """One round of the watcher: what changed, what was rebuilt (or the error), how long."""

    changed: list[str]
    rebuilt: list[Path] = field(default_factory=list)
    up_to_date: int = 0
    warnings: list[str] = field(default_factory=list)
    error: IombrochureError | None = None
    seconds: float = 0.0
    previews: list[Path] = field(default_factory=list)
    preview_seconds: float = 0.0


class WatchStatus:
    """What the preview page shows; shared between the watcher and the server thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self.previews: dict[str, list[str]] = {}  # PDF path -> its page images (output-relative)
        self.error: str | None = None

    def update(self, *, previews: dict[str, list[str]] | None = None, error: str | None) -> None:
        with self._lock:
            if previews is not None:
                self.previews.update(previews)
            self.error = error
            self.generation += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "generation": self.generation,
                "previews": {pdf: list(pages) for pdf, pages in sorted(self.previews.items())},
                "error": self.error,
            }


def preview_name(pdf: Path, output_dir: Path, page: int) -> str:
    """``factsheet-fa-1.png`` for dist/factsheet-fa.pdf, ``print/factsheet-fa-1.png`` for
    dist/print/factsheet-fa.pdf: the names :func:`iombrochure.live.preview.thumbnail_path` gives."""
    relative = pdf.resolve().relative_to(output_dir.resolve())
    return (relative.parent / f"{relative.stem}-{page}.png").as_posix()


def refresh_previews(
    paths: Iterable[Path], *, output_dir: Path | None = None, dpi: int = PREVIEW_DPI
) -> dict[Path, list[Path]]:
    """Render every page of each PDF to <output dir>/preview/<doc>-<lang>-<page>.png with
    pypdfium2, and remove images of pages the PDF no longer has. The output folder defaults to
    each PDF's own. Returns the images of each PDF.

    The one place watch mode makes previews: a dedicated preview stage can take its place."""
    import pypdfium2 as pdfium

    made: dict[Path, list[Path]] = {}
    for pdf_path in paths:
        base = output_dir or pdf_path.parent
        folder = base / PREVIEW_FOLDER
        images: list[Path] = []
        document = pdfium.PdfDocument(str(pdf_path))
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    image = page.render(scale=dpi / 72).to_pil()
                finally:
                    page.close()
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", compress_level=1)
                target = folder / preview_name(pdf_path, base, index + 1)
                atomic_write(target, buffer.getvalue())
                images.append(target)
        finally:
            document.close()
        first = folder / preview_name(pdf_path, base, 1)
        prefix = first.name[: -len("1.png")]
        for old in first.parent.glob(f"{prefix}*.png"):
            number = old.name[len(prefix) : -len(".png")]
            if number.isdigit() and int(number) > len(images):
                old.unlink(missing_ok=True)
        made[pdf_path] = images
    return made


def stale_previews(pdfs: Iterable[Path], output_dir: Path) -> list[Path]:
    """PDFs whose first preview image is missing or older than the PDF."""
    stale = []
    for pdf in pdfs:
        first = output_dir / PREVIEW_FOLDER / preview_name(pdf, output_dir, 1)
        try:
            if first.stat().st_mtime_ns >= pdf.stat().st_mtime_ns:
                continue
        except OSError:
            pass
        if pdf.is_file():
            stale.append(pdf)
    return stale


class Watcher:
    """Rebuilds a project whenever one of its files changes; see :func:`watch`."""

    def __init__(
        self,
        project_dir: Path | None,
        *,
        out_dir: Path | None = None,
        previews: bool = True,
        status: WatchStatus | None = None,
    ) -> None:
        from iombrochure.pipeline.config import find_project_root

        self.root = find_project_root(project_dir or Path.cwd())
        self.out_dir = out_dir
        self.previews = previews
        self.status = status or WatchStatus()
        self.renderer: Any = None
        self._output_dir = (out_dir or self.root / "dist").resolve()
        if out_dir is None:
            from iombrochure.pipeline.config import load_project

            try:
                self._output_dir = load_project(
                    self.root, search_parents=False
                ).output_dir.resolve()
            except IombrochureError:
                pass  # a broken config: the first rebuild reports it

    @property
    def output_dir(self) -> Path:
        """Where outputs go: --out, else the config's output_dir as last read successfully."""
        return self._output_dir

    def warm_up(self) -> None:
        """Import WeasyPrint and load the fonts now, not on the first save."""
        from iombrochure.pipeline.build import make_renderer
        from iombrochure.pipeline.config import load_project
        from iombrochure.pipeline.render import bundled_cmap

        project = load_project(self.root, search_parents=False)
        if self.renderer is None:
            self.renderer = make_renderer(project)
        bundled_cmap(self.renderer.fonts_dir)

    def _forget_renderer(self, changed: list[str]) -> None:
        """Drop the warm renderer when fonts, styles or images may have changed: WeasyPrint
        caches fonts and images by URL, and would keep showing the old ones."""
        if all(path.split("/", 1)[0] in RENDERER_SAFE_FOLDERS for path in changed):
            return
        from iombrochure.pipeline.render import bundled_cmap

        self.renderer = None
        bundled_cmap.cache_clear()

    def rebuild(self, changed: list[str]) -> Rebuild:
        """One incremental build, with the warm renderer; errors are reported, not raised."""
        from iombrochure.pipeline.build import build, make_renderer
        from iombrochure.pipeline.config import load_project

        report = Rebuild(changed=changed)
        started = time.perf_counter()
        if changed:
            self._forget_renderer(changed)
        try:
            project = load_project(self.root, search_parents=False)
            if self.out_dir is None:
                self._output_dir = project.output_dir.resolve()
            if self.renderer is None:
                self.renderer = make_renderer(project)
            # Watch refreshes only the rebuilt editions' pages below (no proof sheets: they
            # would re-read every edition on each save); `iombrochure preview` makes those.
            result = build(project, out_dir=self.out_dir, renderer=self.renderer, preview=False)
        except Exception as exc:  # a broken file, or a bug: either way, keep watching
            error = exc if isinstance(exc, IombrochureError) else _internal_error(exc)
            report.error = error
            report.seconds = time.perf_counter() - started
            self.status.update(error=error.format(relative_to=self.root))
            return report
        output_dir = self.output_dir
        report.rebuilt = [output_dir / output.path for output in result.outputs]
        report.up_to_date = len(result.up_to_date)
        report.warnings = result.warnings
        report.seconds = time.perf_counter() - started
        if self.previews:
            started = time.perf_counter()
            everything = [output_dir / o.path for o in [*result.outputs, *result.up_to_date]]
            wanted = [*report.rebuilt, *stale_previews(everything, output_dir)]
            made = refresh_previews(dict.fromkeys(wanted), output_dir=output_dir)
            report.previews = [image for images in made.values() for image in images]
            report.preview_seconds = time.perf_counter() - started
            listing = {
                pdf.relative_to(output_dir).as_posix(): [
                    image.relative_to(output_dir).as_posix() for image in images
                ]
                for pdf, images in made.items()
            }
            for pdf in everything:
                key = pdf.relative_to(output_dir).as_posix()
                if key not in listing and key not in self.status.previews:
                    listing[key] = _existing_previews(pdf, output_dir)
            self.status.update(previews=listing, error=None)
        else:
            self.status.update(error=None)
        return report

    def relevant(self, path: str) -> str | None:
        """The project-relative path of a change worth a rebuild, or None (outputs, hidden
        files, editor leftovers)."""
        full = Path(path)
        try:
            relative = full.relative_to(self.root)
        except ValueError:
            return None
        try:
            full.relative_to(self.output_dir)
            return None
        except ValueError:
            pass
        if any(is_ignored(part) or part == "__pycache__" for part in relative.parts):
            return None
        return relative.as_posix()

    def changed_paths(self, changes: Iterable[tuple[Any, str]]) -> list[str]:
        """The relevant paths of a batch of changes, without an editor's short-lived
        temporaries (added and gone again before the batch was delivered)."""
        from watchfiles import Change

        kinds: dict[str, set[Any]] = {}
        for kind, path in changes:
            kinds.setdefault(path, set()).add(kind)
        changed = set()
        for path, seen in kinds.items():
            relative = self.relevant(path)
            if relative is None:
                continue
            if Change.added in seen and not Path(path).exists():
                continue
            changed.add(relative)
        return sorted(changed)

    def run(
        self,
        on_rebuild: Callable[[Rebuild], None],
        *,
        on_ready: Callable[[], None] | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        """Build once, then rebuild on every change until ``stop_event`` is set or Ctrl-C."""
        import watchfiles

        on_rebuild(self.rebuild([]))
        try:
            self.warm_up()
        except IombrochureError:
            pass  # a broken config: the first build has said so; the fix will be seen
        if on_ready:
            on_ready()
        for changes in watchfiles.watch(
            self.root,
            watch_filter=None,
            debounce=400,
            step=30,
            stop_event=stop_event,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            changed = self.changed_paths(changes)
            if changed:
                on_rebuild(self.rebuild(changed))


def _internal_error(exc: Exception) -> IombrochureError:
    """A bug met while rebuilding, as one line; the original stays attached for -v."""
    error = IombrochureError(
        f"internal error: {type(exc).__name__}: {exc}", hint="rerun with -v for details"
    )
    error.__cause__ = exc
    return error


def _existing_previews(pdf: Path, output_dir: Path) -> list[str]:
    folder = output_dir / PREVIEW_FOLDER
    images = []
    page = 1
    while (folder / preview_name(pdf, output_dir, page)).is_file():
        images.append(f"{PREVIEW_FOLDER}/{preview_name(pdf, output_dir, page)}")
        page += 1
    return images

"""Watch mode: rebuild what a saved file affects, what you are looking at first.

The watcher keeps one warm Renderer (WeasyPrint imported, fonts loaded) for the whole session.
On a save, the build's pipeline (:mod:`iombrochure.pipeline.build`) checks the languages whose
files changed and fills the stale editions' HTML; the screen edition of each affected document
and language is then rendered here and replaced at once. The print editions and the previews
follow in a background worker process (forked from this warm one), so they never delay the next
save: a newer save cancels what has not started yet, renders its screen editions here while the
worker finishes what it had started, and its round renders again what is still stale. A broken
file is reported and the watcher carries on, with the previous outputs untouched (a commit
writes nothing until each of its editions has rendered).

This module prints nothing: each rebuild is handed to a callback as a :class:`Rebuild`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iombrochure.errors import IombrochureError
from iombrochure.pipeline.state import is_ignored

PREVIEW_FOLDER = "preview"

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
    #: True for the report of the work that follows a save (print editions, previews).
    follow_up: bool = False


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
    dist/print/factsheet-fa.pdf: the names :func:`iombrochure.pipeline.previews.thumbnail_path` gives."""
    relative = pdf.resolve().relative_to(output_dir.resolve())
    return (relative.parent / f"{relative.stem}-{page}.png").as_posix()


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
        #: Told about the work that follows each save (print editions, previews); set by run().
        self.on_follow_up: Callable[[Rebuild], None] | None = None
        self._output_dir = (out_dir or self.root / "dist").resolve()
        self._pool: Any = None  # one background worker: print editions and previews
        self._commit_lock = threading.Lock()  # one commit at a time writes the output folder
        self._round = 0
        self._pending: list[Any] = []  # futures of the current round's background work
        self._follow_ups: list[threading.Thread] = []
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
        """Drop the warm renderer (and the background worker's) when fonts, styles or images
        may have changed: WeasyPrint caches fonts and images by URL, and would keep showing
        the old ones."""
        if all(path.split("/", 1)[0] in RENDERER_SAFE_FOLDERS for path in changed):
            return
        from iombrochure.pipeline.render import bundled_cmap

        self.renderer = None
        bundled_cmap.cache_clear()
        self.wait()
        self.close()

    def rebuild(self, changed: list[str]) -> Rebuild:
        """One incremental round: the stale screen editions rendered and replaced now, the rest
        handed to the background. Errors are reported, not raised."""
        from iombrochure.pipeline.build import (
            commit_build,
            finish_job,
            make_renderer,
            plan_build,
            render_jobs,
            validate_and_template,
        )
        from iombrochure.pipeline.config import load_project

        report = Rebuild(changed=changed)
        started = time.perf_counter()
        self._round += 1
        # What an older save left and has not started is not needed. What the worker has
        # started, or already holds in its queue, cannot be cancelled: it stays pending, so
        # that this round renders its screen editions here instead of queueing behind it.
        self._pending = [f for f in self._pending if not f.cancel() and not f.done()]
        if changed:
            self._forget_renderer(changed)
        try:
            project = load_project(self.root, search_parents=False)
            if self.out_dir is None:
                self._output_dir = project.output_dir.resolve()
            if self.renderer is None:
                self.renderer = make_renderer(project)
            plan = plan_build(project, out_dir=self.out_dir)
            screen = [job for job in plan.stale if job.variant == "screen"]
            early = self._render_early(plan, screen)
            if early is None:
                validate_and_template(plan)
                rendered = render_jobs(plan, screen, renderer=self.renderer)
            else:
                env, read, filled, futures = early
                self._pending = list(futures.values())  # a failed check leaves the worker busy
                try:
                    validate_and_template(plan, env=env, read=read, filled=filled)
                except BaseException:
                    for future in futures.values():
                        future.cancel()
                    raise
                rendered = {}
                for job, future in futures.items():
                    pdf, _ = self._pool.result(future)
                    rendered[job] = finish_job(plan, plan.prepared[job], pdf, None)
            with self._commit_lock:
                result = commit_build(plan, rendered)
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
        later = [job for job in plan.stale if job.variant != "screen"]
        thumbnails: list[tuple[Any, bytes]] = []
        if self.previews:
            pdfs = {output_dir / o.path: o for o in [*result.outputs, *result.up_to_date]}
            wanted = [*report.rebuilt, *stale_previews(pdfs, output_dir)]
            thumbnails = [(pdfs[pdf], pdf.read_bytes()) for pdf in dict.fromkeys(wanted)]
            shown = self.status.snapshot()["previews"]
            listing = {
                pdf.relative_to(output_dir).as_posix(): _existing_previews(pdf, output_dir)
                for pdf in pdfs
                if pdf not in wanted and pdf.relative_to(output_dir).as_posix() not in shown
            }
            self.status.update(previews=listing, error=None)
        else:
            self.status.update(error=None)
        if later or thumbnails:
            self._follow_up(plan, later, thumbnails, changed)
        return report

    def _render_early(self, plan: Any, screen: list[Any]) -> tuple | None:
        """Read the content, fill the stale screen editions and start rendering them in the
        background worker, so that the rest of the checks runs while WeasyPrint lays them out.
        The PDFs are kept only if the checks pass. None when the worker is busy (the last
        round's print editions) or the content cannot be read: then the checks run first."""
        if not screen or self._pool is None or not all(f.done() for f in self._pending):
            return None
        from iombrochure.errors import IombrochureError
        from iombrochure.pipeline.build import (
            languages_to_validate,
            render_arguments,
            template_environment,
        )
        from iombrochure.pipeline.content import read_content
        from iombrochure.pipeline.templating import edition_html_path, render_edition

        project = plan.project
        languages, _ = languages_to_validate(plan)
        read = read_content(project, languages=languages)
        if read[1]:
            return None
        env = template_environment(project)
        filled = {}
        futures = {}
        for job in screen:
            try:
                edition = render_edition(
                    project,
                    read[0],
                    project.documents[job.document],
                    job.lang,
                    env=env,
                    html_dir=plan.html_dir,
                    variant=job.variant,
                )
            except IombrochureError:
                return None  # the checks say what is wrong
            filled[job] = edition
            html_path = edition_html_path(plan.html_dir, job.document, job.lang, job.variant)
            futures[job] = self._pool.submit(render_arguments(project, job, edition, html_path))
        return env, read, filled, futures

    def _background_pool(self, project: Any) -> Any:
        if self._pool is None:
            from iombrochure.pipeline.build import source_date_epoch
            from iombrochure.pipeline.safety import max_image_pixels
            from iombrochure.pipeline.workers import RenderPool

            self._pool = RenderPool(
                project.root,
                workers=1,
                epoch=source_date_epoch(project),
                max_image_pixels=max_image_pixels(project),
            )
        return self._pool

    def _follow_up(
        self, plan: Any, later: list[Any], thumbnails: list[tuple[Any, bytes]], changed: list[str]
    ) -> None:
        """Hand the round's previews (first: what you look at) and print editions to the
        background worker; a thread commits them as they come."""
        from iombrochure.pipeline.previews import THUMBNAIL_DPI

        pool = self._background_pool(plan.project)
        dpi = THUMBNAIL_DPI if self.previews else None
        previews = [
            (output, pool.submit_thumbnails(pdf, THUMBNAIL_DPI)) for output, pdf in thumbnails
        ]
        renders = [(job, pool.submit(plan.prepared[job].render_args, dpi)) for job in later]
        self._pending = [future for _, future in [*previews, *renders]]
        thread = threading.Thread(
            target=self._finish_follow_up,
            args=(plan, pool, previews, renders, changed, self._round),
            name="iombrochure-follow-up",
            daemon=True,
        )
        self._follow_ups = [t for t in self._follow_ups if t.is_alive()] + [thread]
        thread.start()

    def _finish_follow_up(
        self,
        plan: Any,
        pool: Any,
        previews: list[tuple[Any, Any]],
        renders: list[tuple[Any, Any]],
        changed: list[str],
        round_number: int,
    ) -> None:
        from concurrent.futures import CancelledError

        from iombrochure.pipeline.build import commit_build, finish_job
        from iombrochure.pipeline.previews import write_previews

        report = Rebuild(changed=changed, follow_up=True)
        started = time.perf_counter()
        output_dir = plan.output_dir
        try:
            made: list[Path] = []
            screen = {output: pool.result(future) for output, future in previews}
            with self._commit_lock:
                if screen and round_number == self._round:  # else a newer save replaced them
                    made = write_previews(plan.project, output_dir, screen)
                    self._show_previews(screen, output_dir)
            report.preview_seconds = time.perf_counter() - started
            rendered = {}
            for job, future in renders:
                pdf, pngs = pool.result(future)
                rendered[job] = finish_job(plan, plan.prepared[job], pdf, pngs)
            if rendered:
                with self._commit_lock:
                    result = commit_build(plan, rendered, previews=self.previews)
                    self._show_previews(result.thumbnails, output_dir)
                report.rebuilt = [output_dir / output.path for output in result.outputs]
                report.warnings = [w for w in result.warnings if w not in plan.warnings]
                made.extend(result.previews)
            report.previews = made
        except CancelledError:
            return  # a newer save: its round renders what is still stale
        except Exception as exc:
            if pool is not self._pool:
                return  # the worker was stopped (Ctrl-C, or new fonts): nothing went wrong
            error = exc if isinstance(exc, IombrochureError) else _internal_error(exc)
            report.error = error
            if round_number == self._round:
                self.status.update(error=error.format(relative_to=self.root))
        report.seconds = time.perf_counter() - started
        if self.on_follow_up is not None and (report.rebuilt or report.error):
            self.on_follow_up(report)

    def _show_previews(self, thumbnails: dict[Any, list[bytes]], output_dir: Path) -> None:
        """Tell the preview page about new page images (``thumbnails``: Output -> PNGs)."""
        from iombrochure.pipeline.previews import thumbnail_path

        listing = {
            output.path: [
                thumbnail_path(output_dir, output, n).relative_to(output_dir).as_posix()
                for n in range(1, len(pngs) + 1)
            ]
            for output, pngs in thumbnails.items()
        }
        if listing:
            self.status.update(previews=listing, error=self.status.snapshot()["error"])

    def wait(self, timeout: float | None = None) -> None:
        """Wait until the work that followed the last saves (print, previews) is done."""
        for thread in list(self._follow_ups):
            thread.join(timeout)

    def close(self) -> None:
        """Stop the background worker (after :meth:`wait`, or abandoning its work)."""
        for future in self._pending:
            future.cancel()
        pool, self._pool = self._pool, None  # first: the follow-up thread then knows
        if pool is not None:
            pool.close(abort=True)

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

        self.on_follow_up = on_rebuild
        try:
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
        finally:
            self.close()
            if self.renderer is not None:
                self.renderer.close()  # WeasyPrint's temporary font folder, now
                self.renderer = None


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

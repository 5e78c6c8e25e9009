"""Rendering several editions at once: a pool of worker processes, each with one Renderer.

With ``--jobs N`` the build process renders too, so the pool has N - 1 workers (build.py).

WeasyPrint's layout is pure Python, so threads would take turns; processes use every core.
Templating stays in the build process (it is cheap, and its errors come in plan order); a worker
only turns HTML into PDF bytes, and those bytes into page previews (pypdfium2) while they are at
hand, so that previews are made in parallel too and no PDF is read back from disk. Each worker
imports WeasyPrint once, in its initializer, and keeps one
:class:`~iombrochure.pipeline.render.Renderer` (FontConfiguration, parsed stylesheets) for every
edition it renders. The pool is started before the content is validated, so that the workers'
WeasyPrint import runs while the build process reads and templates the content.

On Linux workers are forked (no new interpreter to start, and the parent's imports come
free); ``IOMBROCHURE_START_METHOD=spawn`` or ``forkserver`` chooses another start method
(docs/performance.md compares them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iombrochure.errors import RenderError

if TYPE_CHECKING:
    from concurrent.futures import Future

START_METHOD_VARIABLE = "IOMBROCHURE_START_METHOD"

_renderer: Any = None  # the worker's own Renderer, made by _start_worker


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_jobs(requested: int | None) -> int:
    """``--jobs``: the number asked for, or one per available core."""
    if requested is None:
        return available_cores()
    if requested < 1:
        raise RenderError(f"--jobs must be at least 1, not {requested}")
    return requested


def start_method() -> str:
    """fork where the platform has it, unless IOMBROCHURE_START_METHOD says otherwise."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_VARIABLE, "").strip()
    if wanted:
        if wanted not in methods:
            raise RenderError(
                f"{START_METHOD_VARIABLE}={wanted!r} is not available here; "
                f"choose one of {', '.join(methods)}"
            )
        return wanted
    return "fork" if "fork" in methods else methods[0]


def _start_worker(root: str, epoch: int, max_image_pixels: int, temporary: str) -> None:
    """Worker initializer: import WeasyPrint once and make the Renderer for all its editions.

    Temporary files (WeasyPrint's ``weasyprint-*`` font folders) go to the pool's own folder:
    a worker ends without running WeasyPrint's cleanup, and the pool removes that folder.
    """
    global _renderer
    import signal
    import tempfile

    tempfile.tempdir = temporary

    # Ctrl-C reaches the whole process group; the build process handles it and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _leave_with_parent()
    from iombrochure.pipeline.render import Renderer, bundled_cmap, source_date_epoch_default

    source_date_epoch_default(epoch)
    _renderer = Renderer(Path(root), max_image_pixels=max_image_pixels)
    try:
        bundled_cmap(_renderer.fonts_dir)  # read font coverage now, while the parent templates
    except RenderError:
        pass  # a broken font: check reports it, by name, before anything renders


def _leave_with_parent(interval: float = 1.0) -> None:
    """End this worker when the process that started it is gone: a watcher killed by SIGTERM or
    SIGHUP (a closed terminal) has no chance to stop its pool, and an orphaned worker would
    wait for work, holding its memory, until the machine restarts."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="iombrochure-parent-watch", daemon=True).start()


def _ready() -> int:
    return os.getpid()


def _render(render_args: dict[str, Any], thumbnail_dpi: int | None) -> Any:
    """In a worker: one edition's PDF and, with ``thumbnail_dpi``, its pages as PNG bytes."""
    rendered = _renderer.render(**render_args)
    if thumbnail_dpi is None:
        return rendered, None
    from iombrochure.live.preview import page_pngs

    return rendered, page_pngs(rendered.pdf, dpi=thumbnail_dpi, press=render_args.get("press"))


def _thumbnails(pdf: bytes, dpi: int) -> list[bytes]:
    from iombrochure.live.preview import page_pngs

    return page_pngs(pdf, dpi=dpi)


class RenderPool:
    """Worker processes that render HTML to PDF; results come back as RenderedPdf."""

    def __init__(self, root: Path, *, workers: int, epoch: int, max_image_pixels: int) -> None:
        import multiprocessing
        import tempfile
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        #: Every temporary file of the workers, removed with the pool (see _start_worker).
        self.temporary = Path(tempfile.mkdtemp(prefix="iombrochure-workers-"))
        context = multiprocessing.get_context(start_method())
        if context.get_start_method() == "forkserver":
            # The server imports WeasyPrint once; every worker is forked from it, ready.
            context.set_forkserver_preload(["iombrochure.pipeline.render", "weasyprint"])
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(str(root), epoch, max_image_pixels, str(self.temporary)),
        )
        # Start the workers now, so that their WeasyPrint import overlaps the caller's work.
        self._warmups = [self._executor.submit(_ready) for _ in range(workers)]

    def submit(self, render_args: dict[str, Any], thumbnail_dpi: int | None = None) -> Future:
        """Render one edition; the result is (RenderedPdf, its page PNGs or None)."""
        return self._executor.submit(_render, render_args, thumbnail_dpi)

    def submit_thumbnails(self, pdf: bytes, dpi: int) -> Future:
        """A PDF's pages as PNG bytes, made in a worker."""
        return self._executor.submit(_thumbnails, pdf, dpi)

    def result(self, future: Future) -> Any:
        """A render's result; a worker that died becomes a RenderError naming the way out."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise RenderError(
                "a render worker stopped unexpectedly (out of memory?)",
                hint="build again with --jobs 1",
            ) from exc

    def close(self, *, abort: bool = False) -> None:
        """Stop the workers; with ``abort``, at once (a failed build does not wait for them)."""
        import shutil

        try:
            if abort:
                # The executor has no public way to stop workers busy in their initializer.
                for process in list(getattr(self._executor, "_processes", {}).values()):
                    if process.is_alive():
                        process.terminate()
            self._executor.shutdown(wait=True, cancel_futures=abort)
        finally:
            shutil.rmtree(self.temporary, ignore_errors=True)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.close(abort=exc_type is not None)

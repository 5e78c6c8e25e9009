"""Rendering several editions at once: worker processes, each with one Renderer.

Where processes can be forked (Linux), ``--jobs N`` gives N renderers forked from one warm
process (:class:`ForkedRenderPool`): the first renderer imports WeasyPrint while the build
process validates, then forks the others from itself, so the import is paid once and the build
process never imports WeasyPrint. Elsewhere, or with ``IOMBROCHURE_START_METHOD``, the build
process renders too, beside N - 1 workers of a :class:`RenderPool` (build.py); watch keeps a
one-worker RenderPool for its print editions.

WeasyPrint's layout is pure Python, so threads would take turns; processes use every core.
Templating stays in the build process (it is cheap, and its errors come in plan order); a worker
only turns HTML into PDF bytes, and those bytes into page previews (pypdfium2) while they are at
hand, so that previews are made in parallel too and no PDF is read back from disk. Each worker
has WeasyPrint imported once (in its initializer, or before the lead renderer forked it) and
keeps one :class:`~iombrochure.pipeline.render.Renderer` (FontConfiguration, parsed
stylesheets) for every edition it renders. The pool is started before the content is
validated, so that WeasyPrint's import runs while the build process reads and templates it.

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
#: ``executor``: render beside a ProcessPoolExecutor even where renderers could be forked.
POOL_VARIABLE = "IOMBROCHURE_RENDER_POOL"
#: The name of a pool's temporary folder begins so (WeasyPrint's font folders go inside).
TEMPORARY_PREFIX = "iombrochure-workers-"

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
    wait for work, holding its memory, until the machine restarts. The pool's temporary folder
    (``tempfile.tempdir`` here, see _start_worker), which that process could not remove, goes
    with it."""
    import shutil
    import tempfile
    import threading
    import time

    parent = os.getppid()
    temporary = tempfile.tempdir

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        if temporary and Path(temporary).name.startswith(TEMPORARY_PREFIX):
            shutil.rmtree(temporary, ignore_errors=True)
        os._exit(0)

    threading.Thread(target=watch, name="iombrochure-parent-watch", daemon=True).start()


def _ready() -> int:
    return os.getpid()


def _render(render_args: dict[str, Any], thumbnail_dpi: int | None) -> Any:
    """In a worker: one edition's PDF and, with ``thumbnail_dpi``, its pages as PNG bytes."""
    rendered = _renderer.render(**render_args)
    if thumbnail_dpi is None:
        return rendered, None
    from iombrochure.pipeline.previews import page_pngs

    return rendered, page_pngs(rendered.pdf, dpi=thumbnail_dpi, press=render_args.get("press"))


def _thumbnails(pdf: bytes, dpi: int) -> list[bytes]:
    from iombrochure.pipeline.previews import page_pngs

    return page_pngs(pdf, dpi=dpi)


def make_render_pool(
    root: Path, *, jobs: int, epoch: int, max_image_pixels: int
) -> RenderProcesses:
    """The pool for a build of ``jobs`` rendering processes (see the module's docstring).
    ``IOMBROCHURE_RENDER_POOL=executor`` takes the standard library's ProcessPoolExecutor where
    the forked renderers would be used, so that the benchmark can weigh the two."""
    if start_method() == "fork" and os.environ.get(POOL_VARIABLE, "").strip() != "executor":
        return ForkedRenderPool(
            root, renderers=jobs, epoch=epoch, max_image_pixels=max_image_pixels
        )
    return RenderPool(root, workers=jobs - 1, epoch=epoch, max_image_pixels=max_image_pixels)


class RenderProcesses:
    """What the build asks of either pool: ``workers`` slots, ``submit``, ``result``, ``close``."""

    #: Whether the build process renders beside the pool (build._share_with_pool).
    renders_here: bool
    #: How many editions the pool renders at once.
    workers: int

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

    def submit(self, render_args: dict[str, Any], thumbnail_dpi: int | None = None) -> Future:
        raise NotImplementedError

    def close(self, *, abort: bool = False) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.close(abort=exc_type is not None)


class RenderPool(RenderProcesses):
    """Worker processes that render HTML to PDF; results come back as RenderedPdf."""

    #: The build process renders too (build._share_with_pool).
    renders_here = True

    def __init__(self, root: Path, *, workers: int, epoch: int, max_image_pixels: int) -> None:
        import multiprocessing
        import tempfile
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        #: Every temporary file of the workers, removed with the pool (see _start_worker).
        self.temporary = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX))
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

    def close(self, *, abort: bool = False) -> None:
        """Stop the workers; with ``abort``, at once (a failed build does not wait for them)."""
        import shutil

        try:
            if abort:
                # The executor has no public way to stop workers busy in their initializer.
                for process in list(getattr(self._executor, "_processes", {}).values()):
                    if process.is_alive():
                        process.kill()  # SIGKILL: no Python code has to run in the worker
            self._executor.shutdown(wait=True, cancel_futures=abort)
        finally:
            shutil.rmtree(self.temporary, ignore_errors=True)


class ForkedRenderPool(RenderProcesses):
    """``renderers`` processes that render HTML to PDF, forked from one that imported WeasyPrint.

    The lead renderer is forked at once and imports WeasyPrint while the build process
    validates; it then forks the other renderers from itself, so that they start with WeasyPrint
    imported and the Renderer made (0.2 s of a ``--jobs 2`` build, docs/performance.md). A
    ProcessPoolExecutor forks every worker from the build process, hence this small pool: a
    task queue all renderers read, one results pipe they all write and one thread here reads,
    and a Future per task.

    It cannot hang, because no wait depends on Python code running in another process:

    - the build process closes its end of the results pipe for writing as soon as the lead is
      forked, so the collector's read ends (end of file) when the lead and every renderer have
      ended, however they ended, even in the middle of a message; every unfinished Future then
      fails;
    - an abort is SIGKILL to the lead, and the kernel kills the renderers the lead forked when
      the lead dies (``PR_SET_PDEATHSIG``); the lead kills them all when any of them dies;
    - a renderer whose build process is gone leaves too (_leave_with_parent);
    - closing waits for the lead with a deadline, then kills it.

    A renderer that dies (out of memory) takes the lead and the others with it; every unfinished
    Future then fails with BrokenProcessPool, which :meth:`result` words for the officer. If
    the lead cannot start (WeasyPrint cannot load Pango, say), every Future fails with that error.
    """

    #: Every edition is rendered by the pool; the build process only templates and writes.
    renders_here = False
    #: How long a normal close waits for idle renderers to end before killing them.
    CLOSE_DEADLINE = 10.0

    def __init__(self, root: Path, *, renderers: int, epoch: int, max_image_pixels: int) -> None:
        import itertools
        import multiprocessing
        import tempfile
        import threading

        context = multiprocessing.get_context("fork")
        #: How many editions render at once (the build's slots, as RenderPool.workers).
        self.workers = renderers
        #: Every temporary file of the renderers, removed with the pool (see _start_worker).
        self.temporary = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX))
        self._tasks = context.Queue()
        results, sending = context.Pipe(duplex=False)
        self._results = results
        self._futures: dict[int, Future] = {}
        self._lock = threading.Lock()
        self._task_ids = itertools.count()
        self._closing = False  # no more tasks are taken
        self._closed = False  # close() has run
        self._start_error: BaseException | None = None  # why the lead could not start
        self._lead = context.Process(
            target=_lead_renderer,
            args=(
                self._tasks,
                results,
                sending,
                context.Lock(),
                renderers,
                (str(root), epoch, max_image_pixels, str(self.temporary)),
            ),
            name="iombrochure-renderer",
        )
        try:
            self._lead.start()
        finally:
            sending.close()  # only the renderers write: their ends closed, the reader sees EOF
        self._collector = threading.Thread(
            target=self._collect, name="iombrochure-results", daemon=True
        )
        self._collector.start()

    def submit(self, render_args: dict[str, Any], thumbnail_dpi: int | None = None) -> Future:
        """Render one edition; the result is (RenderedPdf, its page PNGs or None)."""
        return self.call(_render, render_args, thumbnail_dpi)

    def call(self, function: Any, *args: Any) -> Future:
        """``function(*args)`` in the first free renderer (a module-level function)."""
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future: Future = Future()
        future.set_running_or_notify_cancel()  # sent at once: a renderer may take it now
        with self._lock:
            if self._closing:
                future.set_exception(
                    self._start_error or BrokenProcessPool("the renderers have stopped")
                )
                return future
            task_id = next(self._task_ids)
            self._futures[task_id] = future
        self._tasks.put((task_id, function, args))
        return future

    def _collect(self) -> None:
        """Results to their Futures, until every renderer has ended (then the rest fail)."""
        import pickle

        while True:
            try:
                task_id, succeeded, pickled = self._results.recv()
            except (EOFError, OSError):
                break  # every writer has ended (or close() closed the pipe after an abort)
            except Exception:  # noqa: BLE001 - a message cut short by a killed renderer
                break
            try:
                value = pickle.loads(pickled)
            except Exception as error:  # noqa: BLE001 - worded for the officer, not lost
                succeeded = False
                value = RenderError(f"a renderer's answer was unreadable: {error}")
            if task_id is None:  # the lead could not start; it is ending
                self._start_error = value
                continue
            with self._lock:
                future = self._futures.pop(task_id, None)
            if future is not None:
                future.set_result(value) if succeeded else future.set_exception(value)
        self._fail_unfinished()

    def _fail_unfinished(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        with self._lock:
            self._closing = True
            unfinished, self._futures = list(self._futures.values()), {}
        for future in unfinished:
            if not future.done():
                future.set_exception(
                    self._start_error or BrokenProcessPool("a renderer stopped unexpectedly")
                )

    def close(self, *, abort: bool = False) -> None:
        """Stop the renderers; with ``abort``, at once (a failed build does not wait for them).
        Closing again does nothing."""
        import shutil

        if self._closed:
            return
        self._closed = True
        try:
            with self._lock:
                self._closing = True
            if not abort:
                for _ in range(self.workers):
                    self._tasks.put(None)
                self._lead.join(self.CLOSE_DEADLINE)
            if self._lead.is_alive():
                self._lead.kill()  # its renderers die with it (PR_SET_PDEATHSIG)
            self._lead.join()  # SIGKILL cannot be caught: this returns
            # The collector reads until the last renderer has gone; after a kill that is at once.
            # Should one outlive its lead, its Futures fail here all the same (the collector is
            # a daemon thread and holds nothing this process waits for).
            self._collector.join(self.CLOSE_DEADLINE)
            self._fail_unfinished()
            # Tasks a dead lead left unread must not hold this process's exit.
            self._tasks.cancel_join_thread()
            self._tasks.close()
        finally:
            shutil.rmtree(self.temporary, ignore_errors=True)


def _lead_renderer(
    tasks: Any,
    results: Any,
    sending: Any,
    sending_lock: Any,
    renderers: int,
    start: tuple[Any, ...],
) -> None:
    """The first renderer: import WeasyPrint, fork the others from this warm process, render.

    The death of any renderer stops them all: the build process sees the results pipe close
    and fails what is unfinished. The lead is stopped by SIGKILL alone, which needs no Python
    code here; the renderers it forked die with it (_die_with_parent).
    """
    import multiprocessing
    import threading
    from multiprocessing.connection import wait

    results.close()  # the build process's end
    send = _Sender(sending, sending_lock)
    try:
        _start_worker(*start)
    except BaseException as error:  # noqa: BLE001 - the build process reports it, not a traceback
        send((None, False, _pickled(error)[1]))
        return
    context = multiprocessing.get_context("fork")
    lead = os.getpid()
    others = [
        context.Process(target=_forked_renderer, args=(tasks, send, lead), daemon=True)
        for _ in range(renderers - 1)
    ]

    def stop_all() -> None:
        for other in others:
            if other.pid is not None:
                other.kill()
        os._exit(1)

    for other in others:
        other.start()

    def watch_the_others() -> None:
        """Until every other renderer has ended (the only place they are waited for)."""
        running = {other.sentinel: other for other in others}
        while running:
            for sentinel in wait(list(running)):
                other = running.pop(sentinel)
                # The sentinel closes as the process exits, a moment before it can be reaped:
                # join reaps it, so that its exit code is known (not None) and no zombie is left.
                other.join()
                if other.exitcode != 0:
                    stop_all()

    watcher = threading.Thread(target=watch_the_others, name="iombrochure-renderers")
    watcher.start()
    _serve(tasks, send)
    watcher.join()  # the others end at their None


class _Sender:
    """One renderer's way to send a result: the shared pipe, one message at a time."""

    def __init__(self, connection: Any, lock: Any) -> None:
        self.connection = connection
        self.lock = lock

    def __call__(self, message: tuple[Any, bool, bytes]) -> None:
        with self.lock:
            self.connection.send(message)


def _forked_renderer(tasks: Any, send: _Sender, lead: int) -> None:
    """A renderer forked from the lead, with its WeasyPrint and Renderer."""
    _die_with_parent(lead)
    _leave_with_parent()
    _serve(tasks, send)


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when ``parent`` (the lead) dies, so that killing the
    lead stops every renderer without any Python code running in them (Linux; elsewhere
    _leave_with_parent's watch does it within a second)."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the lead died before the request took effect
        os._exit(1)


def _serve(tasks: Any, send: Any) -> None:
    """Take tasks until told to stop (None); send each result, or its error, back pickled
    (read in the build process apart from its task number, so a bad one fails only its task)."""
    while (task := tasks.get()) is not None:
        task_id, function, args = task
        try:
            succeeded, value = True, function(*args)
        except BaseException as error:  # noqa: BLE001 - the build process reports it
            succeeded, value = False, error
        sendable, pickled = _pickled(value)
        send((task_id, succeeded and sendable, pickled))


def _pickled(value: Any) -> tuple[bool, bytes]:
    """(True, ``value`` pickled), or (False, an error saying why it cannot be)."""
    import pickle

    try:
        return True, pickle.dumps(value)
    except Exception as error:  # noqa: BLE001 - a result that cannot be sent is worded
        return False, pickle.dumps(RenderError(f"{value!r}: {error}"))

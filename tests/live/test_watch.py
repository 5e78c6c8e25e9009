"""Watch mode: a real `iombrochure watch` process, a broken file, a fix, and live previews."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from watchfiles import Change

from conftest import copy_project, pdf_text
from iombrochure.live.watch import PREVIEW_FOLDER, Watcher
from iombrochure.pipeline import checks
from iombrochure.pipeline.config import load_project
from iombrochure.pipeline.outputs import read_manifest
from iombrochure.pipeline.previews import make_previews

STARTUP_TIMEOUT = 180  # first build of both editions plus WeasyPrint's import, on a busy CI box
REBUILD_TIMEOUT = 90


class WatchProcess:
    """`python -m iombrochure watch` with its stdout and stderr lines read as they come."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "iombrochure", "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        for name in ("stdout", "stderr"):
            stream = getattr(self.process, name)
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name: str, stream) -> None:
        for line in stream:
            self.lines.put((name, line.rstrip("\n")))

    def wait_for(self, stream: str, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                name, line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, f"watch exited: {self.seen}"
                continue
            self.seen.append((name, line))
            if name == stream and needle in line:
                return line
        raise AssertionError(f"no {stream} line with {needle!r} within {timeout} s: {self.seen}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@pytest.fixture
def watching(scratch_project: Path):
    watch = WatchProcess("--project", str(scratch_project), "--serve", "--port", "0")
    try:
        yield watch
    finally:
        watch.stop()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_watch_survives_a_broken_file_and_rebuilds_the_fix(scratch_project: Path, watching):
    url = watching.wait_for("stdout", "serving previews at http://127.0.0.1:", 30).split()[-1]
    assert not url.endswith(":8000/") and not url.endswith(":0/")  # --port 0: a free port
    watching.wait_for("stdout", "rebuilt", STARTUP_TIMEOUT)
    watching.wait_for("stdout", "watching", STARTUP_TIMEOUT)
    dist = scratch_project / "dist"
    pdf_fa, pdf_en = dist / "factsheet-fa.pdf", dist / "factsheet-en.pdf"
    good_fa, good_en = sha(pdf_fa), sha(pdf_en)
    state = get_json(url + "state")
    deadline = time.monotonic() + REBUILD_TIMEOUT
    while "factsheet-fa.pdf" not in state["previews"]:  # previews follow the PDFs
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
        state = get_json(url + "state")
    assert state["error"] is None
    assert state["previews"]["factsheet-fa.pdf"] == [
        "preview/factsheet-fa-1.png",
        "preview/factsheet-fa-2.png",
    ]

    content = scratch_project / "content" / "fa" / "factsheet.yaml"
    original = content.read_text()
    content.write_text(original + "\nlede: [broken\n")
    error = watching.wait_for("stderr", "error:", REBUILD_TIMEOUT)
    assert "content/fa/factsheet.yaml:" in error and "invalid YAML" in error
    assert watching.process.poll() is None
    assert sha(pdf_fa) == good_fa  # the last good PDF stays
    assert "content/fa/factsheet.yaml" in get_json(url + "state")["error"]

    preview = dist / PREVIEW_FOLDER / "factsheet-fa-1.png"
    preview_before = preview.read_bytes()
    content.write_text(original.replace("lede: >-\n  ", "lede: >-\n  پژوهشگران ", 1))
    line = watching.wait_for("stdout", "rebuilt", REBUILD_TIMEOUT)
    assert "factsheet-fa.pdf" in line and "factsheet-en.pdf" not in line
    assert "(content/fa/factsheet.yaml)" in line
    assert sha(pdf_fa) != good_fa and sha(pdf_en) == good_en
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_fa), "-"], capture_output=True, text=True
    ).stdout
    assert "پژوهشگران" in text
    # The print edition and the previews follow the screen edition, in the background.
    line = watching.wait_for("stdout", "rebuilt", REBUILD_TIMEOUT)
    assert "print/factsheet-fa.pdf" in line
    deadline = time.monotonic() + REBUILD_TIMEOUT
    while preview.read_bytes() == preview_before:
        assert time.monotonic() < deadline, "the preview was not refreshed"
        time.sleep(0.05)
    assert get_json(url + "state")["error"] is None

    with urllib.request.urlopen(url, timeout=10) as response:
        assert b"/state" in response.read()
    with urllib.request.urlopen(url + "preview/factsheet-fa-1.png", timeout=10) as response:
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"
    for hidden in (".iombrochure-state.json", "preview/"):
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + hidden, timeout=10)

    assert watching.stop() == 0


def test_previews_follow_the_page_count(built_project: Path, tmp_path: Path):
    dist = tmp_path / "dist"
    dist.mkdir()
    pdf = dist / "factsheet-en.pdf"
    shutil.copy2(built_project / "dist" / "factsheet-en.pdf", pdf)
    shutil.copy2(built_project / "dist" / "manifest.json", dist / "manifest.json")
    stale = dist / PREVIEW_FOLDER / "factsheet-en-3.png"
    stale.parent.mkdir()
    stale.write_bytes(b"left over from a longer edition")
    output = next(o for o in read_manifest(dist) if o.path == "factsheet-en.pdf")
    made = make_previews(load_project(built_project), dist, [output])
    pages = [dist / PREVIEW_FOLDER / f"factsheet-en-{n}.png" for n in range(1, output.pages + 1)]
    assert set(pages) <= set(made)
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    assert not stale.exists()


def test_a_save_replaces_the_screen_edition_first_and_the_rest_follows(
    built_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root = copy_project(built_project, tmp_path / "project")
    shutil.copytree(built_project / "dist", root / "dist")
    dist = root / "dist"
    checked: list[list[str]] = []
    check = checks.check_before_build

    def recording(project, *, languages, **options):
        checked.append(list(languages))
        return check(project, languages=languages, **options)

    monkeypatch.setattr(checks, "check_before_build", recording)
    watcher = Watcher(root)
    try:
        assert watcher.rebuild([]).rebuilt == []  # the copied build is up to date
        watcher.wait()
        assert checked == []
        files = [p for p in dist.rglob("*") if p.is_file() and p.name != ".iombrochure-state.json"]
        before = {path: sha(path) for path in files}
        content = root / "content" / "fa" / "factsheet.yaml"
        content.write_text(content.read_text().replace("lede: >-\n  ", "lede: >-\n  کارگران ", 1))
        report = watcher.rebuild(["content/fa/factsheet.yaml"])
        assert report.error is None
        assert report.rebuilt == [dist / "factsheet-fa.pdf"]  # the screen edition, at once
        assert checked == [["fa"]]  # validation covers the language that changed
        assert (
            "کارگران"
            in subprocess.run(
                ["pdftotext", "-enc", "UTF-8", str(dist / "factsheet-fa.pdf"), "-"],
                capture_output=True,
                text=True,
            ).stdout
        )
        watcher.wait()
    finally:
        watcher.close()
    changed = sorted(
        path.relative_to(dist).as_posix() for path in before if sha(path) != before[path]
    )
    assert changed == [
        "factsheet-fa.pdf",
        "manifest.json",
        "preview/factsheet-fa-1.png",  # the lede is on page 1: page 2 is the same picture
        "preview/factsheet-proof.png",  # the brochure's proof sheet is not made again
        "preview/print/factsheet-fa-1.png",
        "print/factsheet-fa.pdf",
    ]
    state = json.loads((dist / ".iombrochure-state.json").read_text())["outputs"]
    manifest = {o.path: o.sha256 for o in read_manifest(dist)}
    for key in ("factsheet/fa/screen", "factsheet/fa/print"):
        output = state[key]["output"]
        assert (
            manifest[output["path"]]
            == output["sha256"]
            == hashlib.sha256((dist / output["path"]).read_bytes()).hexdigest()
        )
    again = Watcher(root)
    try:
        assert again.rebuild([]).rebuilt == []  # screen and print were both recorded
    finally:
        again.close()


def test_outputs_and_editor_leftovers_do_not_trigger_rebuilds(scratch_project: Path):
    watcher = Watcher(scratch_project)
    root = watcher.root
    real = root / "content" / "fa" / "factsheet.yaml"
    changes = {
        (Change.modified, str(real)),
        (Change.modified, str(root / "dist" / "factsheet-fa.pdf")),
        (Change.added, str(root / "content" / "fa" / ".factsheet.yaml.swp")),
        (Change.added, str(root / "templates" / "base.html~")),
        (Change.added, str(root / "content" / "fa" / "sedAbC123")),  # sed -i's temporary
        (Change.deleted, str(root / "content" / "fa" / "sedAbC123")),
        (Change.deleted, str(root / "styles" / "old.css")),
    }
    assert watcher.changed_paths(changes) == ["content/fa/factsheet.yaml", "styles/old.css"]


def watcher_after_one_save(
    built_project: Path, tmp_path: Path
) -> tuple[Path, Watcher, list[bool], Callable[[str], None]]:
    """A copy of the built project, its Watcher after one save of the Persian fact sheet (the
    background worker started and idle), the list that records for each round whether the
    screen edition went to the worker before the checks ran, and the call that saves the lede
    with a word in front."""
    root = copy_project(built_project, tmp_path / "project")
    shutil.copytree(built_project / "dist", root / "dist")
    content = root / "content" / "fa" / "factsheet.yaml"
    original = content.read_text()

    def save_lede(word: str) -> None:
        content.write_text(original.replace("lede: >-\n  ", f"lede: >-\n  {word} ", 1))

    watcher = Watcher(root)
    early: list[bool] = []
    render_early = watcher._render_early

    def noting(plan, screen):
        started = render_early(plan, screen)
        early.append(started is not None)
        return started

    watcher._render_early = noting
    try:
        save_lede("همکاران")
        assert watcher.rebuild(["content/fa/factsheet.yaml"]).rebuilt == [
            root / "dist" / "factsheet-fa.pdf"
        ]
        watcher.wait()  # the print edition: the background worker is started and idle now
    except BaseException:
        watcher.close()
        raise
    return root, watcher, early, save_lede


def test_a_save_that_fails_the_checks_keeps_the_last_good_pdf(built_project: Path, tmp_path: Path):
    """The screen edition is rendered while the checks run; a failed check discards it."""
    root, watcher, early, save_lede = watcher_after_one_save(built_project, tmp_path)
    pdf = root / "dist" / "factsheet-fa.pdf"
    try:
        good = sha(pdf)
        save_lede("علي")  # Arabic yeh
        report = watcher.rebuild(["content/fa/factsheet.yaml"])
        assert report.error is not None and report.rebuilt == []
        assert early == [False, True]  # rendered in the worker while the checks ran
        assert "content/fa/factsheet.yaml:" in report.error.format(relative_to=root)
        watcher.wait()
        assert sha(pdf) == good
        save_lede("مهاجران")
        assert watcher.rebuild(["content/fa/factsheet.yaml"]).rebuilt == [pdf]
        assert sha(pdf) != good
    finally:
        watcher.close()


def test_a_save_while_the_worker_is_busy_renders_the_screen_edition_here(
    built_project: Path, tmp_path: Path
):
    """A second save while the first save's print edition is still rendering: the screen
    edition does not queue behind it (a started job cannot be cancelled), it is rendered at
    once in the watcher's own warm process."""
    root, watcher, early, save_lede = watcher_after_one_save(built_project, tmp_path)
    pdf = root / "dist" / "factsheet-fa.pdf"
    try:
        # The last round's work, as the worker holds it: one job running, one in its queue.
        busy = [watcher._pool._executor.submit(time.sleep, 120) for _ in range(2)]
        deadline = time.monotonic() + 30
        while not all(future.running() for future in busy):  # handed over: not cancellable
            assert time.monotonic() < deadline, "the worker did not take the jobs"
            time.sleep(0.01)
        watcher._pending.extend(busy)
        save_lede("کارگران")
        report = watcher.rebuild(["content/fa/factsheet.yaml"])
        assert report.error is None and report.rebuilt == [pdf]
        assert early == [False, False]  # the worker was busy: rendered here
        assert not any(future.done() for future in busy)  # it did not wait for them
        text = pdf_text(pdf)
        assert "کارگران" in text and "همکاران" not in text
    finally:
        watcher.close()


def test_a_stopped_watcher_leaves_no_temporary_files(scratch_project: Path, tmp_path: Path):
    """Ctrl-C: the warm renderer's and the background worker's font folders go with them."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "iombrochure", "watch", "--project", str(scratch_project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(tmpdir)},
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        for line in process.stdout:
            if line.startswith("watching") or time.monotonic() > deadline:
                break
        assert process.poll() is None, "watch exited early"
        time.sleep(1.0)  # the first round's print editions and previews, in the worker
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert sorted(p.name for p in tmpdir.iterdir()) == []

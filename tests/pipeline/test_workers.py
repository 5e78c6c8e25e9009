"""Parallel builds: the same outputs as one process, in the same order, all or nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (
    FIXTURES,
    REPO,
    copy_project,
    environment_with_tmpdir,
    modules_loaded_by,
    run_cli,
    run_python,
)
from iombrochure.pipeline.workers import available_cores, resolve_jobs


def manifest(root: Path) -> dict[tuple[str, str, str], dict]:
    entries = json.loads((root / "dist" / "manifest.json").read_text())["outputs"]
    return {(o["document"], o["lang"], o["variant"]): o for o in entries}


def trilingual(tmp_path: Path) -> Path:
    root = copy_project(FIXTURES / "trilingual", tmp_path / "tri")
    shutil.copytree(REPO / "fonts", root / "fonts")
    shutil.copy2(REPO / "styles" / "fonts.css", root / "styles" / "fonts.css")
    return root


def test_two_workers_make_the_same_pdfs_as_one_process(scratch_project: Path):
    one = run_cli(
        "build", "--no-preview", "--jobs", "1", "--force", "--project", str(scratch_project)
    )
    assert one.returncode == 0, one.stderr
    by_one = manifest(scratch_project)
    two = run_cli(
        "build", "--no-preview", "--jobs", "2", "--force", "--project", str(scratch_project)
    )
    assert two.returncode == 0, two.stderr
    assert manifest(scratch_project) == by_one
    assert one.stdout.splitlines()[:-1] == two.stdout.splitlines()[:-1]  # all but the timing


def test_spawned_workers_make_the_same_pdfs(scratch_project: Path):
    """Workers started afresh (as on macOS or Windows) re-import the main module safely."""
    env = {**os.environ, "IOMBROCHURE_START_METHOD": "spawn"}
    spawned = subprocess.run(
        [sys.executable, "-m", "iombrochure", "build", "--jobs", "2", "--project"]
        + [str(scratch_project)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert spawned.returncode == 0, spawned.stderr
    by_spawn = manifest(scratch_project)
    forked = run_cli("build", "--jobs", "2", "--force", "--project", str(scratch_project))
    assert forked.returncode == 0, forked.stderr
    assert manifest(scratch_project) == by_spawn


def test_messages_and_outputs_keep_plan_order(tmp_path: Path):
    root = trilingual(tmp_path)
    result = run_cli(
        "build", "--variant", "screen", "--no-preview", "--jobs", "2", "-v", "--project", str(root)
    )
    assert result.returncode == 0, result.stderr
    rendering = [line for line in result.stderr.splitlines() if line.startswith("rendering ")]
    assert rendering == [
        "rendering note (en, screen)",
        "rendering note (fa, screen)",
        "rendering note (ar, screen)",
    ]
    wrote = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert [Path(path).name for path in wrote] == ["note-en.pdf", "note-fa.pdf", "note-ar.pdf"]
    assert "built 3 PDF(s)" in result.stdout


def test_a_failure_in_a_worker_writes_nothing(tmp_path: Path):
    root = trilingual(tmp_path)
    assert run_cli("build", "--jobs", "2", "--project", str(root)).returncode == 0
    dist = root / "dist"
    before = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
    for lang in ("en", "ar"):  # two editions change, one of them cannot fit its page budget
        path = root / "content" / lang / "note.yaml"
        path.write_text(path.read_text().replace("title: ", "title: new ", 1))
    path = root / "content" / "fa" / "note.yaml"
    long = " ".join(["مهاجرت و توسعه در ایران."] * 900)
    path.write_text(path.read_text().replace("body: ", f"body: {long} ", 1))
    result = run_cli("build", "--jobs", "2", "--project", str(root))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "note (fa, screen) runs to" in lines[0] and "over its budget of 1" in lines[0]
    after = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
    assert after == before  # en and ar rendered fine, but nothing is written unless all are
    assert not list(dist.rglob("*.tmp"))


def test_jobs_default_to_the_usable_cores():
    assert resolve_jobs(None) == available_cores() >= 1
    assert resolve_jobs(3) == 3


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(scratch_project: Path, value: str):
    result = run_cli("build", "--jobs", value, "--project", str(scratch_project))
    assert result.returncode == 2
    assert "--jobs" in result.stderr
    assert not (scratch_project / "dist").exists()


def run_with_tmpdir(tmpdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with its temporary directory pointed at ``tmpdir``, to count what it leaves."""
    tmpdir.mkdir(exist_ok=True)
    env = environment_with_tmpdir(tmpdir)
    return subprocess.run(
        [sys.executable, "-m", "iombrochure", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_workers_leave_no_temporary_files(tmp_path: Path):
    """WeasyPrint's weasyprint-* font folders of every worker go with the pool."""
    root = trilingual(tmp_path)
    tmpdir = tmp_path / "tmp"
    result = run_with_tmpdir(tmpdir, "build", "--jobs", "2", "--project", str(root))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == []
    one = run_with_tmpdir(tmpdir, "build", "--jobs", "1", "--force", "--project", str(root))
    assert one.returncode == 0, one.stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == []


def test_a_failed_parallel_build_leaves_no_temporary_files(tmp_path: Path):
    root = trilingual(tmp_path)
    path = root / "content" / "fa" / "note.yaml"
    long = " ".join(["مهاجرت و توسعه در ایران."] * 900)
    path.write_text(path.read_text().replace("body: ", f"body: {long} ", 1))
    tmpdir = tmp_path / "tmp"
    result = run_with_tmpdir(tmpdir, "build", "--jobs", "2", "--project", str(root))
    assert result.returncode == 1 and "runs to" in result.stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == []
    assert not (root / "dist" / "note-fa.pdf").exists()


def test_ctrl_c_during_a_parallel_build_leaves_no_temporary_files(tmp_path: Path):
    """Ctrl-C while the renderers work: exit 130 with its line, no temporary folder left, and
    no output folder made."""
    import signal

    root = trilingual(tmp_path)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = environment_with_tmpdir(tmpdir)
    process = subprocess.Popen(
        [sys.executable, "-m", "iombrochure", "build", "-v", "--jobs", "2"]
        + ["--project", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # -v names each edition as it starts rendering
        if line.startswith("rendering "):
            break
    time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C reaches the process group
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    assert sorted(p.name for p in tmpdir.iterdir()) == []
    # Six editions on two renderers take seconds: the interrupt lands before the commit.
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted; no output was changed"
    dist = root / "dist"
    assert not dist.exists() or not [p for p in dist.rglob("*") if p.is_file()]


def _has_ended(pid: int) -> bool:
    """Gone, or a zombie that nobody reaps (its parent died first)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def _wait_until_ended(pids: list[int], seconds: float = 20) -> None:
    """Until every one of ``pids`` has ended, or ``seconds`` have passed: a killed process is
    gone only once the kernel has run it."""
    deadline = time.monotonic() + seconds
    while not all(map(_has_ended, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_worker_ends_when_the_process_that_started_it_is_killed(scratch_project: Path):
    """A watcher killed with SIGKILL, SIGTERM or SIGHUP (a closed terminal) cannot stop its
    pool; its render worker must not wait for work for ever."""
    import signal

    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from iombrochure.pipeline.workers import RenderPool\n"
        "pool = RenderPool(Path(sys.argv[1]), workers=1, epoch=0, max_image_pixels=10**7)\n"
        "print(pool._executor.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(120)\n"
    )
    tmpdir = scratch_project.parent / "tmp"
    tmpdir.mkdir()
    env = environment_with_tmpdir(tmpdir)
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(scratch_project)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    worker = int(process.stdout.readline())
    assert worker != process.pid and not _has_ended(worker)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    _wait_until_ended([worker])
    assert _has_ended(worker)
    assert list(tmpdir.iterdir()) == []  # the pool's folder, which the killed process left


def test_a_render_worker_loads_the_renderer_without_the_stages_before_it():
    """Every worker imports the render stage (with the text layer) on start-up, while the build
    process validates; the localize, content and template stages are the build process's."""
    earlier = ("babel", "phonenumbers", "markdown_it", "jinja2", "ruamel", "yaml", "segno")
    code = "from iombrochure.pipeline.render import Renderer"
    assert modules_loaded_by(code, earlier) == []


# The forked renderers (ForkedRenderPool): the default pool of a build on Linux.
# Each task below runs in a renderer; ``_meet`` holds every renderer at once, so that each task
# is known to be in a different process.


def _meet(folder: str, renderers: int) -> tuple[int, int, bool, bool]:
    """Wait until ``renderers`` tasks are held at once; then say who held this one."""
    from iombrochure.pipeline import workers

    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(folder)) < renderers and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid(), os.getppid(), "weasyprint" in sys.modules, workers._renderer is not None


def _meet_then_end(folder: str, renderers: int, victim: str) -> None:
    """Meet the others, then the ``victim`` renderer ("lead" or "forked") dies as if out of
    memory; the other waits until it is stopped."""
    _meet(folder, renderers)
    lead = os.getppid() == int(Path(folder).name.split("-")[-1])
    if lead == (victim == "lead"):
        os._exit(1)
    time.sleep(120)


def _unpicklable() -> object:
    return lambda: None


def _refuse() -> None:
    from iombrochure.errors import RenderError

    raise RenderError("factsheet (fa): refused", hint="edit the content")


@pytest.fixture
def forked_pool(tmp_path: Path):
    from iombrochure.pipeline.workers import ForkedRenderPool

    pool = ForkedRenderPool(REPO, renderers=2, epoch=0, max_image_pixels=10**7)
    yield pool
    pool.close(abort=True)


def test_forked_renderers_share_one_weasyprint_import(forked_pool, tmp_path: Path):
    """The lead renderer imports WeasyPrint and makes its Renderer; the second is forked from
    it, ready; the process that made the pool imported nothing of WeasyPrint for them."""
    folder = tmp_path / f"meet-{os.getpid()}"
    folder.mkdir()
    first, second = (forked_pool.call(_meet, str(folder), 2) for _ in range(2))
    held = [first.result(timeout=120), second.result(timeout=120)]
    (lead, lead_parent, *lead_ready), (forked, forked_parent, *forked_ready) = sorted(
        held,
        key=lambda who: who[1] != os.getpid(),  # the lead's parent is this process
    )
    assert lead_parent == os.getpid() and forked_parent == lead and forked != lead
    assert lead_ready == forked_ready == [True, True]


def test_a_renderers_error_and_an_unsendable_result_come_back_worded(forked_pool):
    from iombrochure.errors import RenderError

    with pytest.raises(RenderError) as refused:
        forked_pool.result(forked_pool.call(_refuse))
    assert refused.value.message == "factsheet (fa): refused"
    assert refused.value.hint == "edit the content"
    with pytest.raises(RenderError, match="pickle"):
        forked_pool.result(forked_pool.call(_unpicklable))
    assert forked_pool.call(os.getpid).result(timeout=60) != os.getpid()  # still serving


def test_a_lead_that_cannot_start_fails_every_render_with_its_reason(monkeypatch, capfd):
    """WeasyPrint that cannot load Pango (say) is reported as such, not as a dead renderer, and
    without a traceback from the renderer."""
    from iombrochure.pipeline import workers

    def cannot_start(*_: object) -> None:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(workers, "_start_worker", cannot_start)  # the lead is forked from here
    pool = workers.ForkedRenderPool(REPO, renderers=2, epoch=0, max_image_pixels=10**7)
    try:
        for future in (pool.call(os.getpid), pool.call(os.getpid)):
            with pytest.raises(OSError, match="libpango"):
                pool.result(future)
    finally:
        pool.close()
    assert "Traceback" not in capfd.readouterr().err
    assert not pool.temporary.exists()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("victim", ["lead", "forked"])
def test_a_renderer_that_dies_stops_them_all_with_the_way_out(
    forked_pool, tmp_path: Path, victim: str
):
    """Out of memory in either renderer: every unfinished render fails with the message that
    names --jobs 1, no renderer is left behind, and the pool still closes cleanly."""
    from concurrent.futures import wait

    from iombrochure.errors import RenderError

    folder = tmp_path / f"meet-{os.getpid()}"
    folder.mkdir()
    futures = [forked_pool.call(_meet_then_end, str(folder), 2, victim) for _ in range(2)]
    _, unfinished = wait(futures, timeout=60)  # the survivor sleeps for two minutes unless stopped
    assert not unfinished
    for future in futures:
        with pytest.raises(RenderError, match="out of memory") as stopped:
            forked_pool.result(future)
        assert stopped.value.hint == "build again with --jobs 1"
    renderers = [int(name) for name in os.listdir(folder)]
    _wait_until_ended(renderers)
    assert all(map(_has_ended, renderers))
    with pytest.raises(RenderError, match="out of memory"):
        forked_pool.result(forked_pool.call(os.getpid))  # a broken pool takes no more work
    forked_pool.close()
    assert not forked_pool.temporary.exists()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_an_aborted_pool_stops_busy_renderers_at_once(forked_pool, tmp_path: Path):
    import threading

    folder = tmp_path / f"meet-{os.getpid()}"
    folder.mkdir()
    futures = [forked_pool.call(_meet_then_end, str(folder), 2, "nobody") for _ in range(2)]
    while len(os.listdir(folder)) < 2:
        threading.Event().wait(0.01)
    closing = threading.Thread(target=forked_pool.close, kwargs={"abort": True})
    closing.start()
    closing.join(timeout=60)  # the renderers sleep for two minutes unless stopped
    assert not closing.is_alive()
    assert all(future.done() for future in futures)
    assert not forked_pool.temporary.exists()
    renderers = [int(name) for name in os.listdir(folder)]
    _wait_until_ended(renderers)
    assert all(map(_has_ended, renderers))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_forked_renderers_end_when_the_build_process_is_killed(tmp_path: Path):
    import signal

    folder = tmp_path / "meet"
    folder.mkdir()
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from iombrochure.pipeline.workers import ForkedRenderPool\n"
        "def meet(folder):\n"
        "    Path(folder, str(os.getpid())).touch()\n"
        "    while len(os.listdir(folder)) < 2:\n"
        "        time.sleep(0.01)\n"
        "    return os.getpid()\n"
        "pool = ForkedRenderPool(Path(sys.argv[1]), renderers=2, epoch=0, max_image_pixels=1)\n"
        "held = [pool.call(meet, sys.argv[2]) for _ in range(2)]\n"
        "print(*[future.result() for future in held], flush=True)\n"
        "time.sleep(120)\n"
    )
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = environment_with_tmpdir(tmpdir)
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(REPO), str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    renderers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(renderers) == 2 and not any(map(_has_ended, renderers))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    _wait_until_ended(renderers)
    assert all(map(_has_ended, renderers))
    assert list(tmpdir.iterdir()) == []  # the pool's folder, which the killed process left


def test_a_parallel_build_never_imports_weasyprint_in_the_build_process(scratch_project: Path):
    """With forked renderers the build process validates, templates and writes; WeasyPrint's
    import is the lead renderer's, made while this process validated."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from iombrochure.pipeline.build import build\n"
        "from iombrochure.pipeline.config import load_project\n"
        f"result = build(load_project(Path({str(scratch_project)!r})), jobs=2, force=True,"
        " variant='screen')\n"
        "print(len(result.outputs), 'weasyprint' in sys.modules)\n"
    )
    assert run_python(code).split() == ["4", "False"]


def test_a_normal_close_ends_every_renderer_cleanly(forked_pool):
    """The lead reaps each renderer it forked before judging how it ended: a renderer that had
    just ended was once taken for a dead one, and the lead then left with status 1 and an
    unreaped child behind it."""
    for _ in range(3):
        futures = [forked_pool.call(os.getpid) for _ in range(4)]
        assert all(future.result(timeout=60) != os.getpid() for future in futures)
    forked_pool.close()
    assert forked_pool._lead.exitcode == 0

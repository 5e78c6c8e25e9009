"""Parallel builds: the same outputs as one process, in the same order, all or nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, copy_project, modules_loaded_by, run_cli
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
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
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
    """Wherever the interrupt lands, the temporary folder is empty and dist/ whole or absent."""
    import signal
    import time

    root = trilingual(tmp_path)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
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
    dist = root / "dist"
    if process.returncode == 130:
        assert "interrupted;" in stderr
        assert not list(dist.rglob("*.tmp"))
        if "previews are made by the next build" not in stderr:
            assert not (dist / ".iombrochure-commit.json").exists()


def _has_ended(pid: int) -> bool:
    """Gone, or a zombie that nobody reaps (its parent died first)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_worker_ends_when_the_process_that_started_it_is_killed(scratch_project: Path):
    """A watcher killed with SIGKILL, SIGTERM or SIGHUP (a closed terminal) cannot stop its
    pool; its render worker must not wait for work for ever."""
    import signal
    import time

    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from iombrochure.pipeline.workers import RenderPool\n"
        "pool = RenderPool(Path(sys.argv[1]), workers=1, epoch=0, max_image_pixels=10**7)\n"
        "print(pool._executor.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(120)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
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
    deadline = time.monotonic() + 20
    while not _has_ended(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _has_ended(worker)


def test_a_render_worker_loads_the_renderer_without_the_stages_before_it():
    """Every worker imports the render stage (with the text layer) on start-up, while the build
    process validates; the localize, content and template stages are the build process's."""
    earlier = ("babel", "phonenumbers", "markdown_it", "jinja2", "ruamel", "yaml", "segno")
    code = "from iombrochure.pipeline.render import Renderer"
    assert modules_loaded_by(code, earlier) == []

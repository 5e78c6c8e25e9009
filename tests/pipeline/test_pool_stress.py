"""The render pool's failing-build path, a hundred times on a busy machine: it never hangs.

A build whose edition fails aborts the pool while the other renderer is rendering, or waits
for work holding the task queue's lock. An abort that needed Python code to run in a renderer
(a SIGTERM handler) could wait for ever there; this test repeats that path with both cores kept
busy by other processes, where such races show, and fails if any close takes more than a few
seconds or leaves a renderer behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, environment_with_tmpdir

ROUNDS = 100
#: A round that takes longer than this has hung (a healthy one takes well under a second).
ROUND_DEADLINE = 20.0

STRESS = r"""
import ctypes, os, sys, time
from concurrent.futures import FIRST_EXCEPTION, wait
from pathlib import Path

from iombrochure.errors import RenderError
from iombrochure.pipeline.render import bundled_cmap, import_weasyprint
from iombrochure.pipeline.workers import ForkedRenderPool

root, rounds, deadline = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
# Renderers orphaned by their lead become this process's children, so that none can hide.
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
import_weasyprint()
bundled_cmap(root / "fonts")  # as warm as the build process's fork of the lead would be

HTML = "<html><body><h1>Fact sheet</h1>" + "<p>Migration and development.</p>" * 40

def refuse():
    raise RenderError("factsheet (ps, screen): runs to 3 pages, over its budget of 2")

def render(slow):
    from iombrochure.pipeline import workers
    time.sleep(slow)
    return workers._renderer.render(HTML, base_url=root, label="note (en, screen)").pages

slowest = 0.0
for number in range(rounds):
    started = time.monotonic()
    pool = ForkedRenderPool(root, renderers=2, epoch=0, max_image_pixels=10**7)
    # Half the rounds: the other renderer is busy rendering; the rest: it waits for work.
    futures = [pool.call(refuse)]
    if number % 2:
        futures.append(pool.call(render, 0.01 * (number % 5)))
    done, _ = wait(futures, timeout=deadline, return_when=FIRST_EXCEPTION)
    assert futures[0] in done, f"round {number}: the failure never came back"
    pool.close(abort=True)
    assert all(future.done() for future in futures), f"round {number}: a render left pending"
    slowest = max(slowest, time.monotonic() - started)
    assert slowest < deadline, f"round {number} took {slowest:.1f} s"

# Every renderer of every pool has gone: reap what ended, then look for any still alive.
time.sleep(0.5)
alive = []
for _ in range(20):
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    children = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path("/proc", name, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            children.append(int(name))
    alive = children
    if not alive:
        break
    time.sleep(0.25)
print(rounds, f"{slowest:.2f}", len(alive), flush=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked renderers, /proc")
def test_an_aborted_pool_never_hangs_while_both_cores_are_busy(tmp_path: Path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = environment_with_tmpdir(tmpdir)
    busy = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        result = subprocess.run(
            [sys.executable, "-c", STRESS, str(REPO), str(ROUNDS), str(ROUND_DEADLINE)],
            capture_output=True,
            text=True,
            env=env,
            timeout=170,  # a hang fails here, within the three minutes the test may take
        )
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert result.returncode == 0, result.stderr[-3000:]
    rounds, slowest, alive = result.stdout.split()
    assert int(rounds) == ROUNDS
    assert int(alive) == 0, "a renderer outlived its aborted pool"
    assert list(tmpdir.iterdir()) == [], "a pool left its temporary folder"
    print(f"{ROUNDS} aborted pools, slowest round {slowest} s")

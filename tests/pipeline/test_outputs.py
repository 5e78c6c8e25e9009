"""Outputs stage: atomic writes, the all-or-nothing commit and the manifest."""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ONE_EDITION, REPO, copy_project, pdf_text, run_cli
from iombrochure.errors import OutputError
from iombrochure.pipeline import outputs
from iombrochure.pipeline.outputs import (
    JOURNAL_NAME,
    Output,
    OutputCommit,
    atomic_write,
    commit_files,
    previews_done,
    read_manifest,
    recover,
    write_manifest,
)


def entry(lang: str, path: str) -> Output:
    return Output("factsheet", lang, "screen", path, 2, 3, "0" * 64)


def test_atomic_write_leaves_no_temporary_and_a_normally_readable_file(tmp_path: Path):
    target = tmp_path / "dist" / "a.pdf"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["a.pdf"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_manifest_keeps_entries_of_outputs_not_rebuilt(tmp_path: Path):
    for name in ("factsheet-en.pdf", "factsheet-fa.pdf"):
        (tmp_path / name).write_bytes(b"pdf")
    write_manifest(tmp_path, [entry("en", "factsheet-en.pdf"), entry("fa", "factsheet-fa.pdf")])
    write_manifest(tmp_path, [entry("fa", "factsheet-fa.pdf")])  # a --lang fa build
    assert [o.lang for o in read_manifest(tmp_path)] == ["en", "fa"]
    (tmp_path / "factsheet-en.pdf").unlink()
    write_manifest(tmp_path, [entry("fa", "factsheet-fa.pdf")])
    assert [o.lang for o in read_manifest(tmp_path)] == ["fa"]  # a vanished file is dropped


# --------------------------------------------------------------------------------------------
# The all-or-nothing commit: fault injection at every file, Ctrl-C between renames, a process
# killed mid-switch and repaired by the next run.

NEW_FILES = {
    "factsheet-en.pdf": b"%PDF new en",
    "factsheet-fa.pdf": b"%PDF new fa",
    "print/factsheet-fa.pdf": b"%PDF new print",  # a folder that does not exist yet
    "html/factsheet-en.html": b"<html>new</html>",  # and a file that is new
    "manifest.json": b'{"outputs": ["new"]}\n',
}


def old_build(dist: Path) -> dict[str, bytes]:
    """A previous build's files; returns every file's bytes, to compare with afterwards."""
    (dist / "factsheet-en.pdf").parent.mkdir(parents=True, exist_ok=True)
    (dist / "factsheet-en.pdf").write_bytes(b"%PDF old en")
    (dist / "factsheet-fa.pdf").write_bytes(b"%PDF old fa")
    (dist / "manifest.json").write_bytes(b'{"outputs": ["old"]}\n')
    return everything(dist)


def everything(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def commit(dist: Path) -> None:
    commit_files({dist / name: data for name, data in NEW_FILES.items()}, output_dir=dist)


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch):
    """Make the commit fail just before its n-th step of a kind (a rename unless told) with the
    given exception."""

    def arm(at: int, error: BaseException, kind: str = "rename") -> None:
        seen: list[Path] = []

        def hook(step: str, target: Path) -> None:
            if step != kind:
                return
            seen.append(target)
            if len(seen) == at + 1:
                raise error

        monkeypatch.setattr(outputs, "fault_hook", hook)

    return arm


@pytest.mark.parametrize("at", range(len(NEW_FILES)))
def test_a_failure_at_any_file_of_the_commit_changes_nothing(tmp_path: Path, fault, at: int):
    dist = tmp_path / "dist"
    before = old_build(dist)
    fault(at, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OutputError, match="the disk is full; no output was changed"):
        commit(dist)
    assert everything(dist) == before  # no temporary, backup or journal left either


@pytest.mark.parametrize("at", range(len(NEW_FILES)))
def test_ctrl_c_between_renames_puts_the_old_files_back(tmp_path: Path, fault, at: int):
    dist = tmp_path / "dist"
    before = old_build(dist)
    fault(at, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        commit(dist)
    assert everything(dist) == before


def test_a_folder_where_a_file_should_go_is_refused_before_anything_moves(tmp_path: Path):
    dist = tmp_path / "dist"
    old_build(dist)
    (dist / "html" / "factsheet-en.html").mkdir(parents=True)
    before = everything(dist)
    with pytest.raises(OutputError, match="a folder of that name is in the way"):
        commit(dist)
    assert everything(dist) == before


def test_the_commit_writes_every_file_and_leaves_nothing_else(tmp_path: Path):
    dist = tmp_path / "dist"
    old_build(dist)
    commit(dist)
    assert everything(dist) == NEW_FILES


KILLED_MID_SWITCH = """
import os, sys
from pathlib import Path
from iombrochure.pipeline import outputs
dist, at = Path(sys.argv[1]), int(sys.argv[2])
seen = []
def hook(step, target):
    if step != "rename":
        return
    seen.append(target)
    if len(seen) == at + 1:
        os._exit(9)  # killed: no except, no finally, no rollback
outputs.fault_hook = hook
files = {name: data.encode() for name, data in [
    ("factsheet-en.pdf", "%PDF new en"), ("factsheet-fa.pdf", "%PDF new fa"),
    ("print/factsheet-fa.pdf", "%PDF new print"), ("manifest.json", "new manifest"),
]}
with outputs.OutputCommit(dist) as commit:
    for name, data in files.items():
        commit.stage(dist / name, data)
    commit.switch()
"""


@pytest.mark.parametrize("at", range(4))
def test_a_process_killed_mid_switch_is_rolled_back_by_the_next_run(tmp_path: Path, at: int):
    dist = tmp_path / "dist"
    before = old_build(dist)
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_SWITCH, str(dist), str(at)])
    assert killed.returncode == 9
    assert (dist / JOURNAL_NAME).is_file()  # the interrupted commit is on record
    recovery = recover(dist)
    assert len(recovery.rolled_back) == at
    assert everything(dist) == before


def test_pending_previews_stay_on_record_until_made(tmp_path: Path):
    dist = tmp_path / "dist"
    old_build(dist)
    with OutputCommit(dist) as commit:
        commit.stage(dist / "factsheet-en.pdf", b"%PDF newer")
        commit.switch(pending_previews=["factsheet-en.pdf"])
    assert recover(dist).previews == ["factsheet-en.pdf"]  # interrupted before the previews
    assert recover(dist).previews == ["factsheet-en.pdf"]  # still, until they are made
    previews_done(dist)
    assert recover(dist).previews == []
    assert not (dist / JOURNAL_NAME).exists()


def test_ctrl_c_during_previews_puts_the_build_back_and_the_next_build_makes_it(
    scratch_project: Path, fault
):
    """A real build, interrupted while its previews move into place: its PDF, manifest and
    state go back too, so the folder is the last build's and the next build is not "up to
    date"."""
    from iombrochure.pipeline.build import build
    from iombrochure.pipeline.config import load_project

    options = dict(documents=["factsheet"], languages=["en"], variant="screen", jobs=1)
    build(load_project(scratch_project), **options)
    dist = scratch_project / "dist"
    before = everything(dist)
    retitle(scratch_project)
    project = load_project(scratch_project)
    fault(0, KeyboardInterrupt(), kind="finish")  # every file of the build has moved by then
    with pytest.raises(KeyboardInterrupt):
        build(project, **options)
    assert everything(dist) == before
    assert NEW_TITLE not in pdf_text(dist / "factsheet-en.pdf")

    outputs.fault_hook = None
    again = build(project, **options)
    assert [o.path for o in again.outputs] == ["factsheet-en.pdf"]
    assert [p.name for p in again.previews] == [
        "factsheet-en-1.png",
        "factsheet-en-2.png",
        "factsheet-proof.png",
    ]
    assert NEW_TITLE in pdf_text(dist / "factsheet-en.pdf")
    assert not (dist / JOURNAL_NAME).exists()
    assert build(project, **options).outputs == []  # and now, nothing is left to do


NEW_TITLE = "IOM in Iran, this week"


def retitle(project: Path) -> None:
    """Change the English fact sheet's title, so that a build writes a different PDF."""
    content = project / "content" / "en" / "factsheet.yaml"
    text = content.read_text(encoding="utf-8")
    assert "\ntitle: " in text
    content.write_text(
        re.sub(r"(?m)^title: .*$", f"title: {NEW_TITLE}", text, count=1), encoding="utf-8"
    )


# --------------------------------------------------------------------------------------------
# A build's commit held open: its files, the state it writes itself, then its previews, all in
# one commit. A full disk or Ctrl-C at any of its steps leaves the folder as it was.

STATE = ".iombrochure-state.json"


def old_build_with_previews(dist: Path) -> dict[str, bytes | None]:
    old_build(dist)
    (dist / STATE).write_bytes(b'{"state": "old"}\n')
    (dist / "preview").mkdir()
    (dist / "preview" / "factsheet-en-1.png").write_bytes(b"old page 1")
    (dist / "preview" / "factsheet-en-2.png").write_bytes(b"old page 2")
    return tree(dist)


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None) under ``folder``: what a rollback restores."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def held_commit(dist: Path) -> None:
    """What a build does: PDFs and manifest; then the state; then its previews, one page fewer
    than before and in a folder that is new."""
    with OutputCommit(dist) as commit:
        for name, data in NEW_FILES.items():
            commit.stage(dist / name, data)
        commit.switch(final=False)
        commit.protect(dist / STATE)
        atomic_write(dist / STATE, b'{"state": "new"}\n')
        commit.stage(dist / "preview" / "factsheet-en-1.png", b"new page 1")
        commit.stage(dist / "preview" / "print" / "factsheet-fa-1.png", b"new print page 1")
        commit.remove(dist / "preview" / "factsheet-en-2.png")
        commit.switch(final=False)
        commit.finish()


def steps_of(commit: Callable[[Path], None], folder: Path) -> list[tuple[str, str]]:
    """Every fault point a commit passes, in order, as (step, file name)."""
    steps: list[tuple[str, str]] = []
    outputs.fault_hook = lambda step, path: steps.append((step, path.name))
    try:
        commit(folder)
    finally:
        outputs.fault_hook = None
    return steps


def failing_at(index: int, error: BaseException) -> Callable[[str, Path], None]:
    """A fault hook that raises ``error`` at the index-th fault point a commit passes."""
    passed: list[str] = []

    def hook(step: str, path: Path) -> None:
        passed.append(step)
        if len(passed) == index + 1:
            raise error

    return hook


def test_a_full_disk_or_ctrl_c_at_any_step_of_a_build_commit_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    rehearsal = tmp_path / "rehearsal"
    old_build_with_previews(rehearsal)
    steps = steps_of(held_commit, rehearsal)
    assert {step for step, _ in steps} >= {
        "stage", "folder", "journal", "write", "backup", "rename", "protect", "finish"
    }  # fmt: skip
    dist = tmp_path / "dist"
    before = old_build_with_previews(dist)
    failures = [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), "the disk is read-only"),
        (KeyboardInterrupt(), None),
    ]
    for index, (step, name) in enumerate(steps):
        for error, reason in failures:
            monkeypatch.setattr(outputs, "fault_hook", failing_at(index, error))
            expected = OutputError if isinstance(error, OSError) else KeyboardInterrupt
            with pytest.raises(expected) as caught:
                held_commit(dist)
            if reason is not None:
                assert f"{reason}; no output was changed" in str(caught.value), step
            assert tree(dist) == before, f"{error!r} before {step} of {name}"
    monkeypatch.setattr(outputs, "fault_hook", None)
    held_commit(dist)
    assert everything(dist) == {
        **NEW_FILES,
        STATE: b'{"state": "new"}\n',
        "preview/factsheet-en-1.png": b"new page 1",
        "preview/print/factsheet-fa-1.png": b"new print page 1",
    }


def test_a_commit_into_a_new_output_folder_leaves_no_folder_when_it_fails(tmp_path: Path, fault):
    dist = tmp_path / "out" / "dist"
    fault(2, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OutputError, match="the disk is full"):
        commit(dist)
    assert not (tmp_path / "out").exists()


def test_recover_leaves_a_commit_under_way_in_this_process_alone(tmp_path: Path):
    """A watcher plans its next round (and recovers) while a thread of it commits."""
    dist = tmp_path / "dist"
    old_build(dist)
    with OutputCommit(dist) as commit:
        commit.stage(dist / "factsheet-en.pdf", b"%PDF newer")
        commit.switch(final=False)
        assert recover(dist).rolled_back == []
        assert (dist / "factsheet-en.pdf").read_bytes() == b"%PDF newer"
        commit.finish()
    assert (dist / "factsheet-en.pdf").read_bytes() == b"%PDF newer"
    assert sorted(everything(dist)) == ["factsheet-en.pdf", "factsheet-fa.pdf", "manifest.json"]


def test_recover_removes_temporary_files_no_running_process_owns(tmp_path: Path):
    dist = tmp_path / "dist"
    old_build(dist)
    (dist / "preview").mkdir()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    left = [
        dist / "preview" / ".brochure-en-2.png.k2x9_q0a.tmp",  # by an older version
        dist / f".factsheet-en.pdf.{ended.stdout.strip()}-abcd1234.tmp",  # by a killed build
    ]
    ours = dist / f".factsheet-fa.pdf.{os.getpid()}-abcd1234.tmp"  # this process is writing it
    theirs = [dist / ".notes.tmp", dist / "draft.tmp"]  # not of this naming
    for path in [*left, ours, *theirs]:
        path.write_bytes(b"partial")
    recover(dist)
    assert not any(path.exists() for path in left)
    assert ours.exists() and all(path.exists() for path in theirs)


def test_an_output_folder_behind_a_link_loop_is_refused_before_anything_is_written(
    tmp_path: Path,
):
    from iombrochure.pipeline.outputs import prepare_output_dir

    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for out in (tmp_path / "loop", tmp_path / "loop" / "dist"):
        with pytest.raises(OutputError, match="a link in its path leads back to itself"):
            prepare_output_dir(root, out, explicit=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop", "project"]


def test_the_command_line_refuses_a_link_loop_as_out_in_one_line(scratch_project: Path):
    loop = scratch_project.parent / "loop"
    loop.symlink_to(loop)
    result = run_cli("build", *ONE_EDITION, "--project", str(scratch_project), "--out", str(loop))
    assert (result.returncode, result.stderr.strip()) == (
        1,
        f"error: {loop}: the output folder {loop} cannot be used: a link in its path leads back "
        "to itself (remove or fix that link, or choose another folder with --out DIR)",
    )
    assert not (scratch_project / "dist").exists()


# --------------------------------------------------------------------------------------------
# The command line, on a real build: one line, exit status 1 or 130, the folder as it was.

FAULTY_BUILD = """
import atexit, errno, os, signal, sys
from iombrochure.pipeline import outputs
from iombrochure.cli import main
step, name, error = sys.argv[1:4]
def hook(at, path):
    if (at, path.name) == (step, name):
        outputs.fault_hook = None
        if error == "ENOSPC":
            raise OSError(errno.ENOSPC, "No space left on device")
        if error == "SIGINT twice":  # the second as the render workers are stopped at exit
            atexit.register(os.kill, os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the terminal sends it
outputs.fault_hook = hook
sys.argv = ["iombrochure", *sys.argv[4:]]
main()
"""

ONE_EDITION_WITH_PREVIEWS = ("--lang", "en", "--doc", "factsheet", "--variant", "screen")


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English fact sheet built once, with its previews: the folder a build must keep."""
    root = copy_project(REPO, tmp_path_factory.mktemp("built-once") / "project")
    result = run_cli("build", *ONE_EDITION_WITH_PREVIEWS, "--project", str(root))
    assert result.returncode == 0, result.stderr
    return root


def faulty_build(project: Path, step: str, name: str, error: str) -> subprocess.CompletedProcess:
    paths = [str(REPO / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return subprocess.run(
        [sys.executable, "-c", FAULTY_BUILD, step, name, error, "build",
         *ONE_EDITION_WITH_PREVIEWS, "--project", str(project)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("step", "name", "error", "status", "line"),
    [
        ("stage", "factsheet-proof.png", "ENOSPC", 1,
         "error: dist/preview/factsheet-proof.png: cannot write dist/preview/factsheet-proof.png:"
         " the disk is full; no output was changed (free some space, then build again)"),
        ("write", STATE, "ENOSPC", 1,
         f"error: dist/{STATE}: cannot write dist/{STATE}: the disk is full; no output was"
         " changed (free some space, then build again)"),
        ("rename", "factsheet-en-2.png", "SIGINT", 130, "interrupted; no output was changed"),
        ("backup", "manifest.json", "SIGINT twice", 130, "interrupted; no output was changed"),
    ],
    ids=["full-disk-at-proof-sheet", "full-disk-at-state", "ctrl-c-at-page-2", "ctrl-c-twice"],
)  # fmt: skip
def test_a_build_that_fails_writing_says_so_in_one_line_and_changes_nothing(
    built_once: Path, tmp_path: Path, step: str, name: str, error: str, status: int, line: str
):
    project = tmp_path / "project"
    shutil.copytree(built_once, project)  # dist/ too, its times kept: the build is up to date
    dist = project / "dist"
    before = tree(dist)
    retitle(project)
    result = faulty_build(project, step, name, error)
    assert (result.returncode, result.stderr.strip()) == (status, line), result.stdout
    assert tree(dist) == before
    assert NEW_TITLE not in pdf_text(dist / "factsheet-en.pdf")


UNREADABLE_JOURNAL = """
import errno, sys
from iombrochure.pipeline import build
def recover(output_dir):
    raise OSError(errno.EIO, "Input/output error", str(output_dir / ".iombrochure-commit.json"))
build.recover = recover
from iombrochure.cli import main
sys.argv = ["iombrochure", *sys.argv[1:]]
main()
"""


def test_a_disk_error_outside_the_commit_is_one_line_not_an_internal_error(
    scratch_project: Path,
):
    paths = [str(REPO / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    result = subprocess.run(
        [sys.executable, "-c", UNREADABLE_JOURNAL, "build", "--project", str(scratch_project)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (result.returncode, result.stderr.strip()) == (
        1,
        f"error: dist/{JOURNAL_NAME}: the disk cannot be read or written "
        "(check the disk, then run again)",
    )


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 3 MB file system, where this machine lets us mount one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs is not allowed here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_build_onto_a_full_small_disk_changes_nothing(small_disk: Path, tmp_path: Path):
    """The PDFs fit on the disk, their previews do not."""
    project = copy_project(REPO, tmp_path / "project")
    result = run_cli("build", "--project", str(project), "--out", str(small_disk / "dist"))
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "the disk is full; no output was changed" in result.stderr
    assert list(small_disk.iterdir()) == []


def test_a_build_onto_a_read_only_disk_says_so_and_changes_nothing(
    small_disk: Path, tmp_path: Path
):
    project = copy_project(REPO, tmp_path / "project")
    dist = small_disk / "dist"
    first = run_cli("build", *ONE_EDITION, "--project", str(project), "--out", str(dist))
    assert first.returncode == 0, first.stderr
    before = tree(dist)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    retitle(project)
    result = run_cli("build", *ONE_EDITION, "--project", str(project), "--out", str(dist))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        f"error: {dist}: the output folder {dist} is not writable "
        "(fix its permissions, or choose another with --out DIR)"
    )
    assert tree(dist) == before


def test_a_folder_of_the_output_that_links_out_is_never_written_through(tmp_path: Path):
    dist = tmp_path / "dist"
    before = old_build(dist)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (dist / "print").symlink_to(elsewhere)  # e.g. shipped inside a project's dist/
    with pytest.raises(OutputError, match="its folder is a link out of the output folder"):
        commit(dist)
    assert list(elsewhere.iterdir()) == []
    assert {k: v for k, v in everything(dist).items() if k != "print"} == before


def test_a_journal_cannot_make_recover_write_outside(tmp_path: Path):
    dist = tmp_path / "dist"
    old_build(dist)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me")
    (dist / "link").symlink_to(elsewhere)
    (dist / "evil").write_text("overwrite")
    (dist / JOURNAL_NAME).write_text(
        '{"phase": "switch", "files": ['
        '{"target": "link/precious.txt", "temporary": "gone", "backup": "evil"},'
        '{"target": "../outside.txt", "temporary": "gone", "backup": "evil"}]}'
    )
    recover(dist)
    assert (elsewhere / "precious.txt").read_text() == "keep me"
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize(
    ("where", "explicit", "why"),
    [
        ("/", True, "is the root of the file system"),
        (".", True, "is the project folder itself"),
        ("..", True, "holds the project folder"),
        ("content", True, "is inside a folder of sources"),
        ("fonts/out", True, "is inside a folder of sources"),
        ("../elsewhere", False, "is outside the project (use --out to write there)"),
        ("notes.txt", True, "is a file, not a folder"),
        ("notes.txt/dist", True, "cannot be made"),
    ],
)
def test_output_folders_a_build_must_not_write_into(
    tmp_path: Path, where: str, explicit: bool, why: str
):
    from iombrochure.pipeline.outputs import prepare_output_dir

    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "notes.txt").write_text("mine")
    target = Path(where) if where.startswith("/") else root / where
    with pytest.raises(OutputError, match=re.escape(why)):
        prepare_output_dir(root, target, explicit=explicit)
    assert not (root / "dist").exists()


def test_an_output_folder_that_is_not_writable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """As root every folder is writable, so the permission is what os.access answers."""
    from iombrochure.pipeline.outputs import prepare_output_dir

    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(OutputError, match="is not writable"):
        prepare_output_dir(root, root / "dist", explicit=False)


def test_a_good_output_folder_is_not_made_until_the_commit(tmp_path: Path):
    from iombrochure.pipeline.outputs import prepare_output_dir

    root = tmp_path / "project"
    root.mkdir()
    assert prepare_output_dir(root, root / "dist", explicit=False) == (root / "dist").resolve()
    assert not (root / "dist").exists()
    assert prepare_output_dir(root, tmp_path / "out", explicit=True) == (tmp_path / "out")

"""Outputs stage: atomic writes, the all-or-nothing commit and the manifest."""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

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
    """Make the switch fail just before the n-th rename with the given exception."""

    def arm(at: int, error: BaseException) -> None:
        seen: list[Path] = []

        def hook(target: Path) -> None:
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
def hook(target):
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


def test_ctrl_c_during_previews_says_what_changed_and_the_next_build_makes_them(
    scratch_project: Path, monkeypatch: pytest.MonkeyPatch
):
    """A real build, interrupted after its PDFs are in place: never "up to date" with stale
    previews, and the message names the outputs that did change."""
    from iombrochure.errors import Interrupted
    from iombrochure.live import preview
    from iombrochure.pipeline.build import build
    from iombrochure.pipeline.config import load_project

    project = load_project(scratch_project)
    options = dict(documents=["factsheet"], languages=["en"], variant="screen", jobs=1)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(preview, "write_previews", interrupted)
        with pytest.raises(Interrupted) as caught:
            build(project, **options)
    assert "1 output(s) were updated (factsheet-en.pdf)" in caught.value.what_changed
    dist = scratch_project / "dist"
    assert (dist / "factsheet-en.pdf").is_file() and not (dist / "preview").exists()

    again = build(project, **options)
    assert again.outputs == [] and len(again.up_to_date) == 1  # the PDF itself is current
    assert [p.name for p in again.previews] == [
        "factsheet-en-1.png",
        "factsheet-en-2.png",
        "factsheet-proof.png",
    ]
    assert not (dist / JOURNAL_NAME).exists()
    assert build(project, **options).previews == []  # and now, nothing is left to do


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

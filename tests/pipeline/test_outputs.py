"""Outputs stage: atomic writes and the manifest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from iombrochure.pipeline.outputs import Output, atomic_write, read_manifest, write_manifest


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

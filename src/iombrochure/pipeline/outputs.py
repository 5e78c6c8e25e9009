"""Stage 6: outputs. Atomic writes and the manifest that lists every output.

A build writes nothing until every edition has rendered: each file is written to a temporary
name in its own folder and renamed into place, so a failed build leaves the previous outputs
byte-identical, and a reader (a mail client, a print shop) never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Output:
    """One file of a build, as listed in dist/manifest.json."""

    document: str
    lang: str
    variant: str
    path: str  # relative to the output folder, with forward slashes
    pages: int
    bytes: int
    sha256: str


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old one or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); an output is as readable as any new file.
        os.chmod(temporary, _new_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    """0666 less the process's umask: what open() would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def describe(
    output_dir: Path, path: Path, *, document: str, lang: str, variant: str, pages: int, data: bytes
) -> Output:
    return Output(
        document=document,
        lang=lang,
        variant=variant,
        path=path.relative_to(output_dir).as_posix(),
        pages=pages,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_manifest(output_dir: Path) -> list[Output]:
    """The outputs of the last build, or nothing if there is no readable manifest."""
    try:
        raw = json.loads((output_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        return [Output(**entry) for entry in raw.get("outputs", [])]
    except (OSError, ValueError, TypeError):
        return []


def write_manifest(output_dir: Path, outputs: list[Output]) -> None:
    """Merge ``outputs`` into the manifest: entries of outputs not rebuilt this time are kept
    while their files still exist, so a partial build (--doc, --lang) keeps it complete."""
    fresh = {(o.document, o.lang, o.variant): o for o in outputs}
    kept = [
        o
        for o in read_manifest(output_dir)
        if (o.document, o.lang, o.variant) not in fresh and (output_dir / o.path).is_file()
    ]
    merged = sorted([*kept, *fresh.values()], key=lambda o: (o.document, o.lang, o.variant))
    text = json.dumps({"outputs": [asdict(o) for o in merged]}, ensure_ascii=False, indent=2)
    atomic_write(output_dir / MANIFEST_NAME, (text + "\n").encode("utf-8"))


def commit_files(files: dict[Path, bytes]) -> None:
    """Write several files, each atomically; all are rendered before the first is written."""
    for path, data in files.items():
        atomic_write(path, data)

"""Stage 6: outputs. The all-or-nothing commit, and the manifest that lists every output.

A build writes nothing until every edition has rendered. Then :func:`commit_files` (or an
:class:`OutputCommit` for a build) puts its files in place in two phases:

1. **Stage**: each file is written to a temporary name beside its target (``.name.XXXX.tmp``)
   and flushed to disk. A failure here (disk full, a folder where a PDF should go, a folder
   that is not writable) removes every temporary file: no output was changed.
2. **Switch**: a journal, ``.iombrochure-commit.json`` in the output folder, lists every
   target; each old file is kept under a backup name, then each temporary file is renamed
   over its target. A failure or Ctrl-C between two renames puts the backups back, so the
   folder holds the old outputs again; the journal is removed last (the commit point).

If the process dies mid-switch (killed, power cut), the journal is still there, and the next
build calls :func:`recover` first, which rolls the switch back the same way. A build's journal
then says which outputs still need previews, until they are made: an interrupted preview
step is finished by the next run, never reported "up to date". The manifest is part of the
same switch, and the build state is written after it, so both describe what is on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from iombrochure.errors import OutputError

MANIFEST_NAME = "manifest.json"
JOURNAL_NAME = ".iombrochure-commit.json"
#: Commits other than a build's own (previews, mail) keep their journal apart, so that they
#: never overwrite the build's record of previews still to be made.
OTHER_JOURNAL_NAME = ".iombrochure-commit-files.json"
BACKUP_SUFFIX = ".iombrochure-old"


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


def _fill_temporary(handle: int, temporary: str, data: bytes) -> None:
    """Write ``data`` into a file mkstemp opened, on disk before it is moved into place, with
    the usual file mode: mkstemp makes it private (0600), and an output is as readable as any
    new file."""
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(temporary, _new_file_mode())


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old one or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _fill_temporary(handle, temporary, data)
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


def existing_outputs(output_dir: Path) -> list[Output]:
    """The manifest's outputs whose PDF is still there (someone may have deleted one)."""
    return [o for o in read_manifest(output_dir) if (output_dir / o.path).is_file()]


def write_manifest(output_dir: Path, outputs: list[Output]) -> None:
    """Merge ``outputs`` into the manifest (see :func:`manifest_bytes`) and write it."""
    atomic_write(output_dir / MANIFEST_NAME, manifest_bytes(output_dir, outputs))


def manifest_bytes(output_dir: Path, outputs: list[Output]) -> bytes:
    """The manifest with ``outputs`` merged in: entries of outputs not rebuilt this time are
    kept while their files still exist, so a partial build (--doc, --lang) keeps it complete."""
    fresh = {(o.document, o.lang, o.variant): o for o in outputs}
    kept = [
        o
        for o in read_manifest(output_dir)
        if (o.document, o.lang, o.variant) not in fresh and (output_dir / o.path).is_file()
    ]
    merged = sorted([*kept, *fresh.values()], key=lambda o: (o.document, o.lang, o.variant))
    text = json.dumps({"outputs": [asdict(o) for o in merged]}, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


#: Project folders that hold sources: an output folder may never be, or be inside, one of them.
SOURCE_FOLDERS = ("content", "templates", "styles", "fonts", "images", "locales")


def prepare_output_dir(project_root: Path, output_dir: Path, *, explicit: bool) -> Path:
    """The output folder, once it is known to be safe to write into (made by the commit).

    Never the file-system root, the project folder, a folder that holds the project or one of
    its source folders; outside the project only when given explicitly (``--out``).
    """
    from iombrochure.pipeline.safety import is_within

    root = Path(project_root).resolve()
    resolved = Path(output_dir).resolve()
    shown = str(output_dir)
    why = None
    if resolved == Path(resolved.anchor):
        why = "is the root of the file system"
    elif resolved == root:
        why = "is the project folder itself"
    elif is_within(root, resolved):
        why = "holds the project folder"
    elif any(is_within(resolved, root / folder) for folder in SOURCE_FOLDERS):
        why = "is inside a folder of sources"
    elif not explicit and not is_within(resolved, root):
        why = "is outside the project (use --out to write there)"
    elif resolved.exists() and not resolved.is_dir():
        why = "is a file, not a folder"
    if why:
        raise OutputError(
            f"the output folder {shown} {why}: a build replaces files there",
            hint='choose a folder of its own, e.g. output_dir = "dist" or --out DIR',
            rule="output",
        )
    existing = next(folder for folder in (resolved, *resolved.parents) if folder.exists())
    if not existing.is_dir():
        raise OutputError(
            f"the output folder {shown} cannot be made: {existing} is a file",
            hint="choose another folder with --out DIR, or output_dir in iombrochure.toml",
            rule="output",
        )
    if not os.access(existing, os.W_OK | os.X_OK):  # made by the commit, not before it
        raise OutputError(
            f"the output folder {shown} is not writable",
            path=existing,
            hint="fix its permissions, or choose another with --out DIR",
            rule="output",
        )
    return resolved


def commit_files(
    files: dict[Path, bytes], *, output_dir: Path | None = None, journal: str = OTHER_JOURNAL_NAME
) -> None:
    """Write several files all or nothing (see the module's docstring)."""
    if not files:
        return
    folder = output_dir or Path(os.path.commonpath([str(path.parent) for path in files]))
    with OutputCommit(folder, journal=journal) as commit:
        for path, data in files.items():
            commit.stage(path, data)
        commit.switch()


@dataclass
class _Entry:
    target: Path
    temporary: Path
    backup: Path | None = None
    switched: bool = False


class OutputCommit:
    """One all-or-nothing commit of files into an output folder (see the module docstring).

    ``stage`` every file, then ``switch``; leaving the ``with`` block without a switch (an error,
    Ctrl-C) removes what was staged. ``pending_previews`` keeps the journal after the switch,
    naming the outputs whose previews are still to be made; :func:`previews_done` ends it.
    """

    def __init__(self, output_dir: Path, *, journal: str = JOURNAL_NAME) -> None:
        self.output_dir = Path(output_dir)
        self.journal_name = journal
        self.entries: list[_Entry] = []
        self.switched = False

    def __enter__(self) -> OutputCommit:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if not self.switched:
            self._remove_staged()

    @property
    def journal(self) -> Path:
        return self.output_dir / self.journal_name

    def stage(self, path: Path, data: bytes) -> None:
        """Write ``data`` beside ``path`` under a temporary name; OutputError naming the file."""
        shown = _shown(path, self.output_dir)
        if path.is_dir():
            raise OutputError(
                f"cannot write {shown}: a folder of that name is in the way; no output was changed",
                path=path,
                hint="remove or rename that folder",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not _stays_in(path.parent, self.output_dir):
                raise OutputError(
                    f"cannot write {shown}: its folder is a link out of the output folder; "
                    "no output was changed",
                    path=path.parent,
                    hint="remove the link; the build makes the folder itself",
                    rule="output",
                )
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
            )
        except OSError as exc:
            raise _write_error(shown, path, exc) from None
        entry = _Entry(target=path, temporary=Path(temporary))
        self.entries.append(entry)
        try:
            _fill_temporary(handle, temporary, data)
        except OSError as exc:
            raise _write_error(shown, path, exc) from None

    def switch(self, *, pending_previews: Iterable[str] = ()) -> None:
        """Move every staged file into place; on any failure or Ctrl-C, put the old ones back."""
        self._write_journal("switch", [])
        try:
            for entry in self.entries:
                if entry.target.is_file():
                    entry.backup = entry.target.with_name(entry.target.name + BACKUP_SUFFIX)
                    _keep_copy(entry.target, entry.backup)
                _fault_point(entry.target)
                os.replace(entry.temporary, entry.target)
                entry.switched = True
        except BaseException as exc:
            self._roll_back()
            if isinstance(exc, OSError):
                raise _write_error(
                    _shown(entry.target, self.output_dir), entry.target, exc
                ) from None
            raise
        self.switched = True
        previews = list(pending_previews)
        if previews:
            self._write_journal("previews", previews)
        else:
            self.journal.unlink(missing_ok=True)
        for entry in self.entries:
            if entry.backup is not None:
                entry.backup.unlink(missing_ok=True)

    def _roll_back(self) -> None:
        for entry in reversed(self.entries):
            if entry.switched:
                if entry.backup is not None:
                    os.replace(entry.backup, entry.target)
                else:
                    entry.target.unlink(missing_ok=True)
            elif entry.backup is not None:
                entry.backup.unlink(missing_ok=True)
        self._remove_staged()
        self.journal.unlink(missing_ok=True)

    def _remove_staged(self) -> None:
        for entry in self.entries:
            entry.temporary.unlink(missing_ok=True)

    def _write_journal(self, phase: str, previews: list[str]) -> None:
        entries = [
            {
                "target": _relative(entry.target, self.output_dir),
                "temporary": _relative(entry.temporary, self.output_dir),
                "backup": _relative(
                    entry.target.with_name(entry.target.name + BACKUP_SUFFIX), self.output_dir
                ),
            }
            for entry in self.entries
        ]
        text = json.dumps({"phase": phase, "files": entries, "previews": previews}, indent=1)
        try:
            atomic_write(self.journal, (text + "\n").encode("utf-8"))
        except OSError as exc:
            raise _write_error(self.journal_name, self.journal, exc) from None


@dataclass
class Recovery:
    """What :func:`recover` found of an interrupted commit."""

    rolled_back: list[str]  # targets put back as they were before the interrupted build
    previews: list[str]  # outputs (paths in the manifest) still waiting for their previews


def recover(output_dir: Path) -> Recovery:
    """Undo the switch of a commit that was interrupted (the old outputs come back), or name
    the outputs whose previews an interrupted build did not make. Nothing to do: empty."""
    other = _recover_journal(Path(output_dir), Path(output_dir) / OTHER_JOURNAL_NAME)
    own = _recover_journal(Path(output_dir), Path(output_dir) / JOURNAL_NAME)
    return Recovery(other.rolled_back + own.rolled_back, own.previews)


def _recover_journal(output_dir: Path, journal: Path) -> Recovery:
    try:
        raw = json.loads(journal.read_text(encoding="utf-8"))
        files = raw.get("files", []) if isinstance(raw, dict) else []
    except FileNotFoundError:
        return Recovery([], [])
    except (OSError, ValueError):
        raw, files = {}, []  # a journal cut short: nothing had been switched yet
    previews = raw.get("previews", []) if raw.get("phase") == "previews" else []
    for entry in files if previews else []:  # switched; a backup may be left over
        backup = _inside(output_dir, entry.get("backup"))
        if backup is not None:
            backup.unlink(missing_ok=True)
    rolled_back: list[str] = []
    for entry in files if raw.get("phase") == "switch" else []:
        target, temporary, backup = (
            _inside(output_dir, entry.get(key)) for key in ("target", "temporary", "backup")
        )
        if target is None or temporary is None or backup is None:
            continue
        if temporary.exists():  # never switched: the target is the old file
            temporary.unlink()
            backup.unlink(missing_ok=True)
        elif backup.exists():  # switched: put the old file back
            os.replace(backup, target)
            rolled_back.append(entry["target"])
        elif target.exists():  # switched, and new in that build: remove it
            target.unlink()
            rolled_back.append(entry["target"])
    if not previews:
        journal.unlink(missing_ok=True)
    return Recovery(rolled_back, [p for p in previews if isinstance(p, str)])


def previews_done(output_dir: Path) -> None:
    """The pending previews are made: the last trace of the build's commit goes."""
    (Path(output_dir) / JOURNAL_NAME).unlink(missing_ok=True)


#: Tests set this to make the switch fail just before a given file is renamed (fault injection).
fault_hook: Callable[[Path], None] | None = None


def _fault_point(target: Path) -> None:
    if fault_hook is not None:
        fault_hook(target)


def _keep_copy(path: Path, backup: Path) -> None:
    """The old output under a backup name, without a moment where the target is missing."""
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)


def _inside(output_dir: Path, relative: object) -> Path | None:
    """A path named by the journal, only if it lies in the output folder, links followed (a
    journal is a file like any other: it must not make recover write anywhere else)."""
    if not isinstance(relative, str) or not relative or Path(relative).is_absolute():
        return None
    if ".." in Path(relative).parts:
        return None
    path = Path(output_dir) / relative
    return path if _stays_in(path.parent, Path(output_dir)) else None


def _stays_in(folder: Path, output_dir: Path) -> bool:
    """Whether ``folder``, links followed, is the output folder or lies below it."""
    try:
        resolved, base = folder.resolve(), output_dir.resolve()
    except (RuntimeError, OSError):
        return False
    return resolved == base or base in resolved.parents


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()


def _shown(path: Path, folder: Path) -> str:
    try:
        return (Path(folder.name) / path.relative_to(folder)).as_posix()
    except ValueError:
        return str(path)


def _write_error(shown: str, path: Path, exc: OSError) -> OutputError:
    import errno

    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.EISDIR: "a folder of that name is in the way",
        errno.ENOTDIR: "a file is in the way of its folder",
        errno.EEXIST: "a file is in the way of its folder",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    hints = {
        errno.ENOSPC: "free some space, then build again",
        errno.EDQUOT: "free some space, then build again",
        errno.ENOTDIR: "remove or rename that file",
        errno.EEXIST: "remove or rename that file",
        errno.EISDIR: "remove or rename that folder",
    }
    return OutputError(
        f"cannot write {shown}: {reason}; no output was changed",
        path=path,
        hint=hints.get(exc.errno or 0, "check the folder's permissions, or use --out DIR"),
        rule="output",
    )

"""Stage 6: outputs. The all-or-nothing commit, and the manifest that lists every output.

A build writes nothing until every edition has rendered. Then :func:`commit_files` (or an
:class:`OutputCommit` for a build) puts its files in place in two phases:

1. **Stage**: each file is written to a temporary name beside its target
   (``.name.<pid>-XXXXXXXX.tmp``) and flushed to disk. A failure here (disk full, a folder where
   a PDF should go, a folder that is not writable) removes every temporary file and every folder
   the commit made: no output was changed.
2. **Switch**: a journal, ``.iombrochure-commit.json`` in the output folder, lists every
   target; each old file is kept under a backup name, then each temporary file is renamed
   over its target. A failure or Ctrl-C between two renames puts the backups back, so the
   folder holds the old outputs again; the journal is removed last (the commit point).

A build holds its commit open after the switch (``switch(final=False)``) while it writes the
build state (:meth:`OutputCommit.protect`) and stages and switches the previews into the same
commit; only then does :meth:`OutputCommit.finish` make it final. So a full disk or Ctrl-C
while the previews are written puts back the PDFs, the manifest and the state too: a build
changes the whole output folder or nothing of it, and "no output was changed" is true.

If the process dies mid-commit (killed, power cut), the journal is still there, and the next
build calls :func:`recover` first, which rolls the commit back the same way and removes the
temporary files a dead process of this naming left. A journal may also say which outputs
still need previews (``finish(pending_previews=...)``), until they are made: an interrupted
preview step is finished by the next run, never reported "up to date".
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

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


#: A temporary file of this module: ``.<target name>.<pid>-XXXXXXXX.tmp`` (mkstemp's eight
#: letters); older versions wrote ``.<target name>.XXXXXXXX.tmp``, without the process id.
TEMPORARY_NAME = re.compile(r"^\.(?P<target>.+)\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.tmp$")


def _open_temporary(path: Path) -> tuple[IO[bytes], Path]:
    """A new temporary file beside ``path``, named after this process so that :func:`recover`
    of another process never removes it while this one is alive."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent
    )
    return os.fdopen(handle, "wb"), Path(temporary)


def _fill_temporary(stream: IO[bytes], temporary: Path, data: bytes) -> None:
    """Write ``data`` into a temporary file, on disk before it is moved into place, with
    the usual file mode: mkstemp makes it private (0600), and an output is as readable as any
    new file."""
    with stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(temporary, _new_file_mode())


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either the old one or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary: Path | None = None
    try:
        with _interrupts_deferred():  # a Ctrl-C must not come between the file and its name
            stream, temporary = _open_temporary(path)
        _fault_point("write", path)
        _fill_temporary(stream, temporary, data)
        os.replace(temporary, path)
    except BaseException as exc:
        if temporary is not None:
            stream.close()
            temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a failed write() names no file; the user needs it
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
    shown = str(output_dir)
    try:
        resolved = Path(output_dir).resolve()
    except (RuntimeError, OSError) as exc:  # RuntimeError: Python < 3.13's "Symlink loop"
        looping = isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP
        why = "a link in its path leads back to itself" if looping else exc.strerror
        raise OutputError(
            f"the output folder {shown} cannot be used: {why}",
            path=output_dir,
            hint="remove or fix that link, or choose another folder with --out DIR",
            rule="output",
        ) from exc
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
    """One file the commit changes: written (``temporary`` set), removed or protected."""

    target: Path
    temporary: Path | None = None
    backup: Path | None = None  # set once the old file is kept under its backup name
    switched: bool = False  # the target is no longer the old file (or may not be)
    kind: str = "write"  # "write", "remove" or "protect"
    existed: bool = True  # for "protect": whether there was an old file to put back


#: The commits open in this process, by journal token: :func:`recover` in another thread (a
#: watcher planning its next round) must not roll back a commit that is still under way.
_LIVE_COMMITS: set[str] = set()


class OutputCommit:
    """One all-or-nothing commit of files into an output folder (see the module docstring).

    ``stage`` every file, then ``switch``; leaving the ``with`` block before the commit is final
    (an error, Ctrl-C) puts back every file it changed and removes what it staged and the
    folders it made. ``switch(final=False)`` keeps the commit open for more: ``protect`` a file
    written by other code (the build state), ``stage``/``remove`` and ``switch`` again (the
    previews), then ``finish``. ``pending_previews`` keeps the journal after the commit, naming
    the outputs whose previews are still to be made; :func:`previews_done` ends it.
    """

    def __init__(
        self,
        output_dir: Path,
        *,
        journal: str = JOURNAL_NAME,
        pending_previews: Iterable[str] = (),
    ) -> None:
        self.output_dir = Path(output_dir)
        self.journal_name = journal
        self.entries: list[_Entry] = []
        self.made_folders: list[Path] = []
        self.finished = False
        #: Previews an earlier build still owes (from :func:`recover`): back on record if this
        #: commit is rolled back, since its journal took the place of the one that named them.
        self.owed_previews = list(pending_previews)
        self.token = uuid.uuid4().hex
        self.wrote_journal = False  # else a journal there is another's, e.g. previews owed

    def __enter__(self) -> OutputCommit:
        _LIVE_COMMITS.add(self.token)
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, *_: object) -> None:
        try:
            if not self.finished:
                self._roll_back()
        finally:
            _LIVE_COMMITS.discard(self.token)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            # Something written inside the commit (the build state) failed: all is put back.
            raise _write_error(*self._named(exc), exc) from exc

    @property
    def journal(self) -> Path:
        return self.output_dir / self.journal_name

    def stage(self, path: Path, data: bytes) -> None:
        """Write ``data`` beside ``path`` under a temporary name; OutputError naming the file."""
        shown = _shown(path, self.output_dir)
        if any(entry.target == path for entry in self.entries):
            raise ValueError(f"{shown} is already part of this commit")
        if path.is_dir():
            raise OutputError(
                f"cannot write {shown}: a folder of that name is in the way; no output was changed",
                path=path,
                hint="remove or rename that folder",
            )
        try:
            self._make_folder(path.parent)
            if not _stays_in(path.parent, self.output_dir):
                raise OutputError(
                    f"cannot write {shown}: its folder is a link out of the output folder; "
                    "no output was changed",
                    path=path.parent,
                    hint="remove the link; the build makes the folder itself",
                    rule="output",
                )
            with _interrupts_deferred():  # the temporary file is on record once it exists
                stream, temporary = _open_temporary(path)
                self.entries.append(_Entry(target=path, temporary=temporary))
            try:
                _fault_point("stage", path)
                _fill_temporary(stream, temporary, data)
            finally:
                stream.close()
        except OSError as exc:
            raise _write_error(shown, path, exc) from None

    def remove(self, path: Path) -> None:
        """Remove ``path`` at the next switch (a page an edition no longer has), or put it back
        with the rest if the commit is rolled back."""
        if path.is_file() and not any(entry.target == path for entry in self.entries):
            self.entries.append(_Entry(target=path, kind="remove"))

    def protect(self, path: Path) -> None:
        """Keep the old ``path`` (or its absence) to put back if the commit is rolled back: for
        a file that other code rewrites while the commit is open, such as the build state.
        Until a file has changed, there is nothing to protect it against: rewritten alone, it
        still describes the outputs as they are (a build with nothing to do writes no journal)."""
        if any(entry.target == path for entry in self.entries):
            return
        if not any(entry.switched for entry in self.entries):
            return
        entry = _Entry(target=path, kind="protect", existed=path.is_file(), switched=True)
        self.entries.append(entry)
        self._write_journal("switch", [])  # on record before the old file is touched
        if entry.existed:
            try:
                _fault_point("protect", path)
                entry.backup = _backup_name(path)
                _keep_copy(path, entry.backup)
            except OSError as exc:
                raise _write_error(_shown(path, self.output_dir), path, exc) from None

    def switch(self, *, pending_previews: Iterable[str] = (), final: bool = True) -> None:
        """Move every staged file into place (and remove what is to go). On any failure or
        Ctrl-C the ``with`` block puts the old ones back. ``final``: also :meth:`finish`."""
        moving = [e for e in self.entries if not e.switched and e.kind != "protect"]
        if moving:
            self._write_journal("switch", [])
        entry: _Entry | None = None
        try:
            for entry in moving:
                if entry.target.is_file():
                    _fault_point("backup", entry.target)
                    entry.backup = _backup_name(entry.target)
                    _keep_copy(entry.target, entry.backup)
                _fault_point("rename", entry.target)
                entry.switched = True  # from here the target may be the new file
                if entry.kind == "remove":
                    entry.target.unlink(missing_ok=True)
                elif entry.temporary is not None:
                    os.replace(entry.temporary, entry.target)
        except OSError as exc:
            target = entry.target if entry is not None else self.journal
            raise _write_error(_shown(target, self.output_dir), target, exc) from None
        if final:
            self.finish(pending_previews=pending_previews)

    def finish(self, *, pending_previews: Iterable[str] = ()) -> None:
        """The commit point: the journal goes (or names the previews still to be made), then
        the backups of the old files."""
        _fault_point("finish", self.journal)
        previews = list(pending_previews)
        with _interrupts_deferred():
            if previews:
                self._write_journal("previews", previews)
            elif self.wrote_journal or self.owed_previews:  # owed ones are made by now
                self.journal.unlink(missing_ok=True)
            self.finished = True
            for entry in self.entries:
                if entry.backup is not None:
                    entry.backup.unlink(missing_ok=True)

    def _make_folder(self, folder: Path) -> None:
        """Make ``folder`` and its missing parents, remembering them to remove on rollback."""
        missing = []
        for parent in (folder, *folder.parents):
            if parent.exists() or parent.is_symlink():
                break
            missing.append(parent)
        for parent in reversed(missing):
            _fault_point("folder", parent)
            with _interrupts_deferred():
                parent.mkdir(exist_ok=True)
                self.made_folders.append(parent)

    def _roll_back(self) -> None:
        """Put every changed file back, remove what was staged and the folders this commit
        made; the journal goes last. What cannot be put back stays on record for
        :func:`recover` (the journal stays), and the error says so."""
        failed: list[_Entry] = []
        with _interrupts_deferred():
            for entry in reversed(self.entries):
                try:
                    _undo(entry)
                except OSError:
                    failed.append(entry)
            self.entries = failed[::-1]
            if failed:
                try:  # the journal names only what is left to put back
                    self._write_journal("switch", [])
                except OutputError:
                    pass
                shown = ", ".join(_shown(entry.target, self.output_dir) for entry in failed)
                raise OutputError(
                    f"cannot put back {shown} as it was before this build",
                    path=self.journal,
                    hint="free some space or fix the permissions, then build again: "
                    "the next build puts it back first",
                    rule="output",
                )
            if self.wrote_journal:
                self.journal.unlink(missing_ok=True)
            if self.owed_previews and self.wrote_journal:
                try:
                    self._write_journal("previews", self.owed_previews, entries=False)
                except OutputError:
                    pass  # the next build makes every preview anyway when none are on disk
            for folder in reversed(self.made_folders):
                _remove_empty_folder(folder)
            self.made_folders = []

    def _named(self, exc: OSError) -> tuple[str, Path]:
        """The file an OSError is about, as the user knows it (a temporary file by its target)."""
        path = Path(exc.filename) if exc.filename else self.output_dir
        match = TEMPORARY_NAME.match(path.name)
        if match:
            path = path.with_name(match["target"])
        return _shown(path, self.output_dir), path

    def _write_journal(self, phase: str, previews: list[str], *, entries: bool = True) -> None:
        listed = [
            {
                "kind": entry.kind,
                "target": _relative(entry.target, self.output_dir),
                "temporary": _relative(entry.temporary, self.output_dir)
                if entry.temporary is not None
                else None,
                "backup": _relative(_backup_name(entry.target), self.output_dir),
                "existed": entry.existed,
            }
            for entry in (self.entries if entries else [])
        ]
        folders = [_relative(folder, self.output_dir) for folder in self.made_folders]
        record = {
            "phase": phase,
            "token": self.token,
            "files": listed,
            "folders": folders if entries else [],
            "previews": previews,
        }
        _fault_point("journal", self.journal)
        self.wrote_journal = True
        try:
            atomic_write(self.journal, (json.dumps(record, indent=1) + "\n").encode("utf-8"))
        except OSError as exc:
            raise _write_error(self.journal_name, self.journal, exc) from None


def _backup_name(target: Path) -> Path:
    return target.with_name(target.name + BACKUP_SUFFIX)


def _undo(entry: _Entry) -> None:
    """Put one entry of a commit back as it was: the old file, or no file at all."""
    if entry.temporary is not None:
        entry.temporary.unlink(missing_ok=True)
        entry.temporary = None
    if not entry.switched:
        if entry.backup is not None:
            entry.backup.unlink(missing_ok=True)
    elif entry.backup is not None:
        _put_back(entry.backup, entry.target)
    elif entry.kind == "write" or (entry.kind == "protect" and not entry.existed):
        entry.target.unlink(missing_ok=True)
    entry.backup, entry.switched = None, False


def _put_back(backup: Path, target: Path) -> bool:
    """The old file back under its name; whether the target had changed. A backup is a hard
    link of the old file, and rename() of a link onto its twin does nothing: drop it then."""
    try:
        same = os.path.samefile(backup, target)
    except OSError:
        same = False
    if same:
        backup.unlink()
    else:
        os.replace(backup, target)
    return not same


def _remove_empty_folder(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # something else is in it now: it stays


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C until the block is done: between making a temporary file and putting its
    name on record, or while putting the old outputs back, a KeyboardInterrupt would leave
    litter or a half-restored folder. Outside the main thread, signals do not arrive anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None or previous in (signal.SIG_IGN, signal.SIG_DFL):
        yield
        return
    caught: list[Any] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        previous(signal.SIGINT, caught[0])  # Python's own handler raises KeyboardInterrupt


@dataclass
class Recovery:
    """What :func:`recover` found of an interrupted commit."""

    rolled_back: list[str]  # targets put back as they were before the interrupted build
    previews: list[str]  # outputs (paths in the manifest) still waiting for their previews


def recover(output_dir: Path) -> Recovery:
    """Undo the switch of a commit that was interrupted (the old outputs come back), name the
    outputs whose previews an interrupted build did not make, and remove the temporary files
    that a process no longer running left. Nothing to do: empty."""
    other = _recover_journal(Path(output_dir), Path(output_dir) / OTHER_JOURNAL_NAME)
    own = _recover_journal(Path(output_dir), Path(output_dir) / JOURNAL_NAME)
    remove_stale_temporaries(Path(output_dir))
    return Recovery(other.rolled_back + own.rolled_back, own.previews)


def _recover_journal(output_dir: Path, journal: Path) -> Recovery:
    try:
        raw = json.loads(journal.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raw = {}
    except FileNotFoundError:
        return Recovery([], [])
    except (OSError, ValueError):
        raw = {}  # a journal cut short: nothing had been switched yet
    if raw.get("token") in _LIVE_COMMITS:
        return Recovery([], [])  # this process's own commit, under way in another thread
    files = raw.get("files", [])
    files = [entry for entry in files if isinstance(entry, dict)] if isinstance(files, list) else []
    previews = raw.get("previews", []) if raw.get("phase") == "previews" else []
    for entry in files if previews else []:  # switched; a backup may be left over
        backup = _inside(output_dir, entry.get("backup"))
        if backup is not None:
            backup.unlink(missing_ok=True)
    rolled_back: list[str] = []
    for entry in reversed(files) if raw.get("phase") == "switch" else []:
        if _recover_entry(output_dir, entry):
            rolled_back.append(entry["target"])
    if raw.get("phase") == "switch":
        for folder in reversed(raw.get("folders") or []):
            path = _inside(output_dir, folder)
            if path is not None and path != output_dir:
                _remove_empty_folder(path)
    if not previews:
        journal.unlink(missing_ok=True)
    return Recovery(rolled_back[::-1], [p for p in previews if isinstance(p, str)])


def _recover_entry(output_dir: Path, entry: dict[str, object]) -> bool:
    """Put one file of an interrupted commit back; whether it had changed."""
    target, backup = (_inside(output_dir, entry.get(key)) for key in ("target", "backup"))
    if target is None or backup is None:
        return False
    kind = entry.get("kind", "write")
    temporary = _inside(output_dir, entry.get("temporary")) if kind == "write" else None
    if kind == "write" and temporary is None:
        return False
    if temporary is not None and temporary.exists():  # never switched: the target is the old
        temporary.unlink()
        backup.unlink(missing_ok=True)
        return False
    if backup.exists():  # switched (or removed, or rewritten): put the old file back
        return _put_back(backup, target)
    new = kind == "write" or (kind == "protect" and entry.get("existed") is False)
    if new and target.exists():  # switched, and new in that commit: remove it
        target.unlink()
        return True
    return False


def remove_stale_temporaries(output_dir: Path) -> list[Path]:
    """Remove the temporary files of this module's naming that no running process owns (one
    killed, or interrupted by older versions of this tool); returns them."""
    removed = []
    for folder, _, names in os.walk(output_dir):  # links to folders are not followed
        for name in names:
            match = TEMPORARY_NAME.match(name)
            if match and not _process_alive(match["pid"]):
                path = Path(folder) / name
                try:
                    path.unlink()
                except OSError:
                    continue
                removed.append(path)
    return removed


def _process_alive(pid: str | None) -> bool:
    """Whether the process named by a temporary file still runs (no id: an older version's
    file, whose process cannot be told; it has long ended, or is this very run's)."""
    if pid is None:
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def previews_done(output_dir: Path) -> None:
    """The pending previews are made: the last trace of the build's commit goes."""
    (Path(output_dir) / JOURNAL_NAME).unlink(missing_ok=True)


#: Tests set this to make a commit fail at a given step (fault injection): it is called with
#: the step ("stage", "write", "folder", "journal", "protect", "backup", "rename", "finish")
#: and the file, just before the step, and may raise OSError or KeyboardInterrupt.
fault_hook: Callable[[str, Path], None] | None = None


def _fault_point(step: str, path: Path) -> None:
    if fault_hook is not None:
        fault_hook(step, path)


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
        errno.EROFS: "choose a writable folder with --out DIR",
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

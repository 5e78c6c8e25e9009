"""Incremental builds: which outputs are already up to date, and why the others are not.

Every output (a :class:`~iombrochure.pipeline.jobs.Job`: document, language, variant) is keyed by a
fingerprint of everything that shapes it: the config file, ``content/data.yaml`` and the
document's content files in its language, all of ``templates/``, the stylesheets and images its
HTML links to (and what those stylesheets import or refer to), ``fonts/``, ``images/``, the
language's catalogs under ``locales/<lang>/``, the names of the files in ``styles/`` (optional
sheets are picked by existence), the variant and WeasyPrint options, the iombrochure code and
WeasyPrint's version. An output is rebuilt when its fingerprint changes or its file is no longer
the one the last build wrote.

The last build's fingerprints live in ``<output dir>/.iombrochure-state.json``, written after
the PDFs and the manifest: a build interrupted half-way is simply redone next time.

Which files an edition links to is read from the HTML of its last render, so checking needs no
templating: a build with nothing to do hashes files and stops, without importing WeasyPrint or
Jinja2. That is sound because the links are a function of inputs the fingerprint covers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from iombrochure import __version__
from iombrochure.pipeline.outputs import Output, atomic_write

if TYPE_CHECKING:
    from iombrochure.pipeline.config import Project
    from iombrochure.pipeline.jobs import Job

STATE_NAME = ".iombrochure-state.json"
STATE_FORMAT = 1

#: Editor swap files, backups and half-written temporary files never shape an output.
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".bak", ".orig")

#: A file modified this recently may be modified again within the same timestamp tick, so its
#: digest is not cached by (size, mtime): it is hashed again next time (git's "racy clean").
RACY_NS = 2_000_000_000

_DIGESTS: dict[str, tuple[int, int, str]] = {}


def file_digest(path: Path) -> str:
    """BLAKE2b of a file's bytes, cached by (path, size, mtime_ns) within this process."""
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return "absent"
    key = str(path)
    cached = _DIGESTS.get(key)
    if cached is not None and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
        return cached[2]
    hasher = hashlib.blake2b(digest_size=16)
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(chunk)
    digest = hasher.hexdigest()
    if time.time_ns() - stat.st_mtime_ns > RACY_NS:
        _DIGESTS[key] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


def project_digest(path: Path, root: Path) -> str:
    """:func:`file_digest` of a regular file inside the project, links followed; a marker for
    anything else. A link out of the project, a pipe or a device is never opened here (a pipe
    would block, /dev/zero never ends): the checks refuse it, by name, before anything renders.
    """
    import stat as stat_module

    from iombrochure.pipeline.safety import is_within, trusted_roots

    try:
        resolved = path.resolve()
        mode = resolved.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "absent"
    except (RuntimeError, OSError):
        return "unreadable"
    if not any(is_within(resolved, folder) for folder in trusted_roots(root)):
        return "outside"
    if not stat_module.S_ISREG(mode):
        return "not-a-file"
    return file_digest(path)


def is_ignored(name: str) -> bool:
    """Hidden files, editor leftovers and atomic-write temporaries."""
    return name.startswith((".", "#")) or name.endswith(IGNORED_SUFFIXES)


def tree_files(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` that could shape an output, in a stable order."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    # Links to folders are not followed: one out of the project, or back up the tree (a loop),
    # is refused by the checks, never walked here.
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not is_ignored(d))
        found.extend(Path(current) / name for name in sorted(files) if not is_ignored(name))
    return found


@cache
def code_digest() -> str:
    """The iombrochure code itself: a changed stage (in a checkout) rebuilds everything."""
    package = Path(__file__).resolve().parent.parent
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        hasher.update(name.encode() + b"\0" + file_digest(path).encode())
    return f"{__version__}+{hasher.hexdigest()[:16]}"


@cache
def weasyprint_version() -> str:
    """WeasyPrint's version, without importing WeasyPrint (or importlib.metadata, which alone
    costs a tenth of a no-op build): the name of its .dist-info folder, plus a digest of its
    ``__init__.py`` for a source checkout whose metadata lags behind."""
    from importlib.util import find_spec

    spec = find_spec("weasyprint")
    if spec is None or spec.origin is None:
        return "absent"
    package = Path(spec.origin).parent
    versions = sorted(
        entry.name[len("weasyprint-") : -len(".dist-info")]
        for entry in os.scandir(package.parent)
        if entry.name.lower().startswith("weasyprint-") and entry.name.endswith(".dist-info")
    )
    if not versions:
        from importlib.metadata import PackageNotFoundError, version

        try:
            versions = [version("weasyprint")]
        except PackageNotFoundError:
            versions = ["unknown"]
    return f"{'/'.join(versions)}+{file_digest(Path(spec.origin))[:16]}"


def user_cache_folder(kind: str, key: str) -> Path | None:
    """``$XDG_CACHE_HOME/iombrochure/<kind>/<digest of key>``, made if need be; None if it cannot
    be made. What a build remembers between runs lives here, never in the project (whose files
    may come from anyone) nor in the output folder (a failed build must leave that untouched)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "iombrochure"
    folder = base / kind / hashlib.sha256(key.encode()).hexdigest()[:24]
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return folder


def template_bytecode_cache(project_root: Path, environment: Any = None) -> Any:
    """Jinja2's compiled templates, kept between builds: compiling the templates is a third of
    templating. Entries are keyed by each template's source checksum.

    One folder per project and kind of environment in the user's cache (``user_cache_folder``):
    a compiled template is Python code that is loaded, and a project that comes by e-mail must
    not be able to bring its own. None (no cache) if the folder cannot be made."""
    import jinja2
    from jinja2 import FileSystemBytecodeCache

    kind = type(environment).__qualname__ if environment is not None else "Environment"
    folder = user_cache_folder(
        "templates", f"{Path(project_root).resolve()}\0{kind}\0{jinja2.__version__}"
    )
    return FileSystemBytecodeCache(str(folder)) if folder is not None else None


# --------------------------------------------------------------------------------------------
# What an edition's HTML and stylesheets refer to

_HTML_REF_RE = re.compile(
    r"""<(?P<tag>link|img|base|image|source)\b[^>]*?\b(?P<attr>href|src|srcset)\s*=\s*"""
    r"""(?P<q>["'])(?P<url>.*?)(?P=q)""",
    re.IGNORECASE | re.DOTALL,
)
_CSS_REF_RE = re.compile(
    r"""@import\s+(?:url\(\s*)?(?P<q1>["']?)(?P<imp>[^"')\s;]+)(?P=q1)"""
    r"""|url\(\s*(?P<q2>["']?)(?P<url>[^"')]+?)(?P=q2)\s*\)""",
    re.IGNORECASE,
)


def _local_path(url: str, root: Path) -> Path | None:
    """The project file a resolved ``file:`` URL names, or None (data:, other schemes, outside)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path))
    try:
        path.relative_to(root)
    except ValueError:
        return None
    return path if path.is_file() else None


def html_references(html: str, html_path: Path, root: Path) -> list[Path]:
    """Project files an HTML document links to (stylesheets, images), resolved as WeasyPrint
    resolves them: relative to ``<base href>`` if there is one, else to the HTML file."""
    base = html_path.resolve().as_uri()
    found: list[Path] = []
    for match in _HTML_REF_RE.finditer(html):
        url = match.group("url").strip()
        if match.group("tag").lower() == "base":
            base = urljoin(base, url)
            continue
        if match.group("attr").lower() == "srcset":
            url = url.split(",")[0].strip().split(" ")[0]
        path = _local_path(urljoin(base, url), root)
        if path is not None and path not in found:
            found.append(path)
    for style in re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.IGNORECASE | re.DOTALL):
        for url in _css_urls(style):
            path = _local_path(urljoin(base, url), root)
            if path is not None and path not in found:
                found.append(path)
    return found


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [m.group("imp") or m.group("url") for m in _CSS_REF_RE.finditer(css)]


def with_css_dependencies(paths: list[Path], root: Path) -> list[Path]:
    """``paths`` plus whatever their stylesheets import or refer to with url(), recursively."""
    found = list(paths)
    queue = [path for path in paths if path.suffix.lower() == ".css"]
    while queue:
        sheet = queue.pop(0)
        try:
            css = sheet.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for url in _css_urls(css):
            path = _local_path(urljoin(sheet.as_uri(), url), root)
            if path is not None and path not in found:
                found.append(path)
                if path.suffix.lower() == ".css":
                    queue.append(path)
    return found


# --------------------------------------------------------------------------------------------
# Fingerprints


def options_text(options: dict[str, Any]) -> str:
    """WeasyPrint options as canonical JSON, for the fingerprint and the state file."""
    return json.dumps(options, sort_keys=True, ensure_ascii=False, default=str)


def job_key(job: Job) -> str:
    return f"{job.document}/{job.lang}/{job.variant}"


def validation_inputs(project: Project, job: Job) -> dict[str, str]:
    """The source language's content files of the job's document, as {name: digest}: a
    translation is checked against them, so a change there means the checks must run again."""
    document = project.documents[job.document]
    source = project.content_dir / project.source_language
    return {
        _relative(source / f"{name}.yaml", project.root): project_digest(
            source / f"{name}.yaml", project.root
        )
        for name in document.content
    }


class PlanMemo:
    """Digests and folder listings taken once per plan: a build's jobs share most of their
    inputs (config, fonts, templates, styles), and a no-op rebuild is mostly this."""

    def __init__(self) -> None:
        self._digests: dict[tuple[Path, Path], str] = {}
        self._trees: dict[Path, list[Path]] = {}

    def digest(self, path: Path, root: Path) -> str:
        key = (path, root)
        if key not in self._digests:
            self._digests[key] = project_digest(path, root)
        return self._digests[key]

    def tree(self, folder: Path) -> list[Path]:
        if folder not in self._trees:
            self._trees[folder] = tree_files(folder)
        return self._trees[folder]


def base_inputs(project: Project, job: Job, memo: PlanMemo | None = None) -> dict[str, str]:
    """Everything that shapes one output but the files its HTML links to, as {name: digest}.

    Files are named relative to the project; names starting with "@" are not files. Digests are
    taken before the files are read for rendering: a file saved during a build then shows up as
    changed next time, never the other way round.
    """
    memo = memo or PlanMemo()
    root = project.root
    document = project.documents[job.document]
    inputs = {
        "@job": job_key(job),
        "@iombrochure": code_digest(),
        "@weasyprint": weasyprint_version(),
        "@styles-listing": "\n".join(
            path.relative_to(project.styles_dir).as_posix()
            for path in memo.tree(project.styles_dir)
        ),
    }
    paths = [
        project.config_path,
        project.content_dir / "data.yaml",
        project.content_dir / "fields.yaml",  # a field's kind changes how it is printed
        *(project.content_dir / job.lang / f"{name}.yaml" for name in document.content),
        *memo.tree(project.templates_dir),
        *memo.tree(project.fonts_dir),
        *memo.tree(root / "images"),
        *memo.tree(project.locales_dir / job.lang),
    ]
    if job.variant == "print":  # the press profile: colours, pictures and the output intent
        paths.append(project.print.profile)
        inputs["@press-condition"] = project.print.press_condition
    for path in paths:
        inputs[_relative(path, root)] = memo.digest(path, root)
    return inputs


def linked_inputs(
    root: Path, references: list[str], pdf_options: str, memo: PlanMemo | None = None
) -> dict[str, str]:
    """The files an edition's HTML links to (and their digests), and its WeasyPrint options."""
    memo = memo or PlanMemo()
    inputs = {"@references": "\n".join(references), "@pdf-options": pdf_options}
    for ref in references:
        inputs[ref] = memo.digest(root / ref, root)
    return inputs


def fingerprint(inputs: dict[str, str]) -> str:
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --------------------------------------------------------------------------------------------
# The state file


@dataclass
class OutputRecord:
    """What the last build of one output wrote, and from what."""

    fingerprint: str
    output: Output
    mtime_ns: int
    inputs: dict[str, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    pdf_options: str = "{}"
    warnings: list[str] = field(default_factory=list)
    html: str | None = None  # path of the emitted HTML, relative to the output folder
    html_sha256: str | None = None
    #: The source-language files a translated edition was last validated against: not inputs
    #: of its PDF (an English edit must not rebuild Persian), but of the checks a build runs.
    validated: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "output": asdict(self.output)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> OutputRecord:
        return cls(**{**raw, "output": Output(**raw["output"])})


class BuildState:
    """The fingerprints of the last build of each output in one output folder."""

    def __init__(self, output_dir: Path, records: dict[str, OutputRecord] | None = None) -> None:
        self.output_dir = output_dir
        self.records: dict[str, OutputRecord] = records or {}

    @property
    def path(self) -> Path:
        return self.output_dir / STATE_NAME

    @classmethod
    def load(cls, output_dir: Path) -> BuildState:
        """The saved state; an unreadable or foreign one counts as none (everything rebuilds)."""
        try:
            raw = json.loads((output_dir / STATE_NAME).read_text(encoding="utf-8"))
            if raw.get("format") != STATE_FORMAT:
                return cls(output_dir)
            records = {key: OutputRecord.from_json(value) for key, value in raw["outputs"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(output_dir)
        return cls(output_dir, records)

    def to_text(self) -> str:
        outputs = {key: self.records[key].to_json() for key in sorted(self.records)}
        text = json.dumps({"format": STATE_FORMAT, "outputs": outputs}, indent=1)
        return text + "\n"

    def save(self) -> None:
        """Write the state atomically, and only if it changed (a no-op build writes nothing)."""
        text = self.to_text()
        try:
            if self.path.read_text(encoding="utf-8") == text:
                return
        except OSError:
            pass
        atomic_write(self.path, text.encode("utf-8"))

    def forget_missing(self) -> None:
        """Drop records of outputs whose files are gone (a document removed from the config)."""
        self.records = {
            key: record
            for key, record in self.records.items()
            if (self.output_dir / record.output.path).is_file()
        }


def output_intact(path: Path, *, size: int, mtime_ns: int, sha256: str) -> bool:
    """Whether the file is still the one a build wrote: same size and mtime, or same bytes."""
    try:
        stat = path.stat()
    except OSError:
        return False
    if stat.st_size != size:
        return False
    if stat.st_mtime_ns == mtime_ns:
        return True
    return hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def stale_reason(
    base: dict[str, str],
    record: OutputRecord | None,
    root: Path,
    output_dir: Path,
    *,
    emit_html: bool = False,
    memo: PlanMemo | None = None,
) -> str | None:
    """None if the output is up to date; else why it must be rebuilt (shown with -v)."""
    if record is None:
        return "not built before"
    inputs = {**base, **linked_inputs(root, record.references, record.pdf_options, memo)}
    if fingerprint(inputs) != record.fingerprint:
        changed = sorted(
            key for key in {*inputs, *record.inputs} if inputs.get(key) != record.inputs.get(key)
        )
        shown = ", ".join(changed[:4]) + (
            f" and {len(changed) - 4} more" if len(changed) > 4 else ""
        )
        return f"changed: {shown}" if changed else "changed"
    output = record.output
    if not output_intact(
        output_dir / output.path, size=output.bytes, mtime_ns=record.mtime_ns, sha256=output.sha256
    ):
        return f"{output.path} is missing or was changed"
    if emit_html:
        if record.html is None or record.html_sha256 is None:
            return "its HTML was not written before"
        try:
            html_sha = hashlib.sha256((output_dir / record.html).read_bytes()).hexdigest()
        except OSError:
            return f"{record.html} is missing"
        if html_sha != record.html_sha256:
            return f"{record.html} was changed"
    return None


class Tracker:
    """One build's bookkeeping: which jobs are up to date, and the records of those rebuilt.

    ``check`` every planned job before content is read, ``linked`` each rebuilt job after
    templating and before rendering, ``wrote`` it after its files are committed, then ``save``.
    """

    def __init__(
        self, project: Project, output_dir: Path, *, force: bool = False, emit_html: bool = False
    ) -> None:
        self.project = project
        self.output_dir = output_dir
        self.force = force
        self.emit_html = emit_html
        self.state = BuildState.load(output_dir)
        self._base: dict[str, dict[str, str]] = {}
        self._linked: dict[str, tuple[list[str], dict[str, str], str]] = {}
        self._touched: set[str] = set()  # records this build wrote or re-validated
        self._memo = PlanMemo()

    def check(self, job: Job) -> str | None:
        """None if ``job``'s output is up to date, else the reason to rebuild it."""
        key = job_key(job)
        self._base[key] = base_inputs(self.project, job, self._memo)
        if self.force:
            return "--force"
        return stale_reason(
            self._base[key],
            self.state.records.get(key),
            self.project.root,
            self.output_dir,
            emit_html=self.emit_html,
            memo=self._memo,
        )

    def record(self, job: Job) -> OutputRecord:
        return self.state.records[job_key(job)]

    def linked(self, job: Job, *, html: str, html_path: Path, pdf_options: dict[str, Any]) -> None:
        """Note the files the job's HTML links to, before WeasyPrint reads them."""
        root = self.project.root
        files = with_css_dependencies(html_references(html, html_path, root), root)
        references = [_relative(path, root) for path in files]
        options = options_text(pdf_options)
        self._linked[job_key(job)] = (
            references,
            linked_inputs(root, references, options, self._memo),
            options,
        )

    def wrote(
        self,
        job: Job,
        *,
        output: Output,
        warnings: list[str],
        html_path: Path | None = None,
        html_bytes: bytes | None = None,
    ) -> None:
        """Record an output whose files were just committed."""
        key = job_key(job)
        self._touched.add(key)
        references, linked, options = self._linked[key]
        inputs = {**self._base[key], **linked}
        self.state.records[key] = OutputRecord(
            fingerprint=fingerprint(inputs),
            output=output,
            mtime_ns=(self.output_dir / output.path).stat().st_mtime_ns,
            inputs=inputs,
            references=references,
            pdf_options=options,
            warnings=list(warnings),
            html=html_path.relative_to(self.output_dir).as_posix() if html_path else None,
            html_sha256=hashlib.sha256(html_bytes).hexdigest() if html_bytes is not None else None,
            validated=validation_inputs(self.project, job),
        )

    def validated(self, jobs: list[Job]) -> bool:
        """Whether the checks already passed on today's files for these up-to-date jobs."""
        return all(
            self.record(job).validated == validation_inputs(self.project, job) for job in jobs
        )

    def mark_validated(self, jobs: list[Job], warnings: list[str]) -> None:
        """After the checks passed again without a rebuild: remember it, and their warnings."""
        for job in jobs:
            record = self.record(job)
            self._touched.add(job_key(job))
            record.validated = validation_inputs(self.project, job)
            rendering = [w for w in record.warnings if w.startswith(f"{job.label}:")]
            record.warnings = list(dict.fromkeys([*warnings, *rendering]))

    def save(self) -> None:
        """Write this build's records over the state as it is on disk now: watch mode commits
        the screen and the print editions of one save separately, each with its own Tracker."""
        current = BuildState.load(self.output_dir)
        current.records.update({key: self.state.records[key] for key in self._touched})
        current.forget_missing()
        current.save()
        self.state = current

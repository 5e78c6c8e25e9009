"""``iombrochure check``: everything a build needs, validated without rendering a page.

The people who edit content are communications officers and translators. Each problem becomes
one :class:`Finding` that names the file and line to fix and says how; ``build`` runs the same
checks first and refuses to render while any error remains (warnings count under ``--strict``).

The checks, in order (rule ids in brackets; docs/checks.md has an example and the fix for each):

1. the config (``config``);
2. every content file: YAML syntax and safety, schema, shape of translations, placeholders
   (content.py's validation, collected instead of raised);
3. every template compiles (``template-syntax``);
4. gettext catalogs: untranslated, fuzzy and missing entries (``catalog-*``);
5. Typography in languages with a rule set (``typography = "persian"`` or ``"pashto"``);
6. stale translations: fingerprints of the source text (translations.py);
7. prose: links (``link``), pictures in prose (``prose-image``), raw HTML (``raw-html``);
8. file fields (PATH kind): inside the project, present, a sane image, alt text (``image-*``);
9. each edition filled from its template (``template-error``), with the resources it would make
   the renderer read (``resource-*``, ``image-*``) and the characters no bundled font can draw
   (``font-coverage``).

This is the build's pipeline stopped before WeasyPrint: the editions filled in step 9 are kept
in :attr:`CheckReport.editions`, and ``build`` renders exactly that HTML, so each edition is
templated once per build.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from iombrochure.errors import (
    ContentError,
    FetchRefused,
    IombrochureError,
    TemplateError,
    relative_to_project,
)
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.content import (
    MARKDOWN,
    PATH,
    PLACEHOLDER_RE,
    TEXT,
    Content,
    ContentFile,
    content_names,
    dotted,
    iter_strings,
    read_content,
    read_yaml,
)
from iombrochure.pipeline.languages import label as language_label
from iombrochure.pipeline.safety import (
    DEFAULT_MAX_IMAGE_PIXELS,
    MAX_TEXT_FILE_BYTES,
    Reference,
    css_references,
    html_references,
    inspect_image,
    is_picture_name,
    is_svg,
    link_problem,
    max_image_pixels,
    svg_references,
    toml_key_line,
)
from iombrochure.pipeline.translations import is_translatable, stale_fields, translatable_fields

if TYPE_CHECKING:
    from iombrochure.pipeline.jobs import Job
    from iombrochure.pipeline.templating import Edition

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: the file (and line) to fix, how bad it is, what it is and how to fix it."""

    path: Path | None
    line: int | None
    severity: str
    rule: str
    message: str
    hint: str | None = None

    @classmethod
    def from_error(
        cls, error: IombrochureError, *, rule: str = "content", severity: str = ERROR
    ) -> Finding:
        return cls(error.path, error.line, severity, error.rule or rule, error.message, error.hint)

    def at(self, path: Path | None, line: int | None) -> Finding:
        """The same finding, named at ``path:line`` (where the user fixes it)."""
        return replace(self, path=path, line=line)

    def relative_path(self, root: Path | None) -> str | None:
        if self.path is None:
            return None
        if root is not None:
            # The path as written first: a link is named as the link, not by its target.
            return relative_to_project(self.path, root)
        return str(self.path)

    def location(self, root: Path | None = None) -> str:
        path = self.relative_path(root)
        if path is None:
            return ""
        return f"{path}:{self.line}" if self.line else path

    def format(self, relative_to: Path | None = None) -> str:
        """``file:line: message (hint)``, like :meth:`IombrochureError.format`."""
        where = self.location(relative_to)
        text = f"{where}: {self.message}" if where else self.message
        return text + (f" ({self.hint})" if self.hint else "")

    def line_text(self, root: Path | None = None) -> str:
        """``file:line: error: message (hint)``: what ``check`` prints."""
        where = self.location(root)
        text = f"{self.severity}: {self.message}" + (f" ({self.hint})" if self.hint else "")
        return f"{where}: {text}" if where else text

    def as_json(self, root: Path | None = None) -> dict[str, Any]:
        return {
            "path": self.relative_path(root),
            "line": self.line,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class LanguageSummary:
    """How complete one language is: content fields, catalog entries, fingerprints."""

    lang: str
    source: bool
    fields: int = 0
    translated: int = 0
    catalog_total: int | None = None
    catalog_translated: int | None = None
    stale: int | None = None  # None: no fingerprints recorded

    def text(self) -> str:
        if self.source:
            return f"{self.lang}: source language, {self.fields} fields"
        parts = [f"{self.lang}: {self.translated}/{self.fields} fields translated"]
        if self.catalog_total is not None:
            parts.append(f"catalog {self.catalog_translated}/{self.catalog_total}")
        if self.stale is None:
            parts.append("fingerprints not recorded")
        else:
            parts.append(f"{self.stale} stale")
        return ", ".join(parts)


@dataclass
class CheckReport:
    """What ``check`` found, per-language completeness, and what ``--fix`` changed."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, LanguageSummary] = field(default_factory=dict)
    fixed: list[tuple[Path, int]] = field(default_factory=list)
    content: Content | None = None
    #: Each edition filled from its template, by job: the HTML the build hands to WeasyPrint.
    editions: dict[Job, Edition] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def add(self, finding: Finding) -> None:
        if finding not in self.findings:
            self.findings.append(finding)

    def as_json(self) -> dict[str, Any]:
        return {
            "findings": [f.as_json(self.root) for f in self.findings],
            "summary": {lang: asdict(s) for lang, s in self.summary.items()},
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "fixed": [{"path": _relative(p, self.root), "values": n} for p, n in self.fixed],
        }


class CheckFailed(IombrochureError):
    """``build`` found errors before rendering; ``findings`` holds every one of them."""

    def __init__(self, errors: list[Finding]) -> None:
        super().__init__(**self.headlining(errors))
        self.findings = errors


def config_failure(error: IombrochureError, root: Path) -> CheckReport:
    """The report of a project whose config cannot be read: nothing else can be checked."""
    report = CheckReport(root=root)
    report.add(Finding.from_error(error, rule="config"))
    return report


# --------------------------------------------------------------------------------------------
# Running the checks


def run_checks(
    project: Project,
    *,
    documents: list[str] | None = None,
    languages: list[str] | None = None,
    fix: bool = False,
    editions: list[Job] | None = None,
    html_dir: Path | None = None,
    env: Any = None,
    read: tuple[Content, list[ContentError]] | None = None,
    filled: dict[Job, Edition] | None = None,
) -> CheckReport:
    """Run every check on the project (or on some documents and languages of it).

    ``read`` is ``read_content``'s result for ``languages`` and ``filled`` editions already
    filled from it with ``env``, when the caller has them (watch mode renders the screen
    edition while the checks run): they are checked, not made again.

    ``editions`` are the jobs whose HTML is filled and checked (default: every document in
    every checked language, on screen and for print, as a build makes them); the HTML is kept
    in ``report.editions``, made for ``html_dir`` (default: the project's output folder's
    html/) with ``env`` (default: a new Jinja2 environment), as the build would make it.
    """
    from iombrochure.pipeline.jobs import DEFAULT_VARIANTS, Job

    report = CheckReport(root=project.root)
    documents = documents or list(project.documents)
    languages = languages or list(project.languages)
    if editions is None:  # what a build makes: every edition, on screen and for print
        editions = [
            Job(document, lang, variant)
            for document in documents
            for lang in languages
            if lang in project.document_languages(document)
            for variant in DEFAULT_VARIANTS
        ]
    source = project.source_language
    try:
        pixel_limit = max_image_pixels(project)
    except IombrochureError as error:
        report.add(Finding.from_error(error, rule="config"))
        pixel_limit = DEFAULT_MAX_IMAGE_PIXELS
    if fix:
        report.fixed = fix_typography(project, languages)

    content, errors = read if read is not None else read_content(project, languages=languages)
    report.content = content
    for error in errors:
        report.add(Finding.from_error(error))

    env, template_ok = _check_templates(project, report, env)
    catalogs = {
        lang: _check_catalog(project, lang, report, template_ok, env=env)
        for lang in languages
        if lang != source and project.documents_in(lang)
    }
    if not content.declared:
        _check_declarations(project, content, report)
    for lang in languages:
        typography = project.languages[lang].typography
        for file in content.files.get(lang, {}).values():
            if typography != "none":
                _check_typography(file, typography, report)
            _check_prose(file, report)
            _check_money_signs(file, content.data, project.languages[lang].code, report)
            _check_file_fields(project, file, report, pixel_limit)
    for lang in languages:
        report.summary[lang] = _summarise(project, content, lang, catalogs.get(lang), report)

    # Every edition whose own files read cleanly is filled, so that template problems show
    # with the content ones; filling one from half-read content would only repeat them.
    broken = {error.path for error in errors if error.path is not None}
    data_broken = content.data.path in broken
    if template_ok:
        html_dir = html_dir or project.output_dir / "html"
        for job in editions:
            if job.lang not in project.document_languages(job.document):
                continue
            if catalogs.get(job.lang, True) is None:
                continue  # the catalog cannot be read: already reported
            names = project.documents[job.document].content
            files = content.files.get(job.lang, {})
            if data_broken or any(
                name not in files or files[name].path in broken for name in names
            ):
                continue
            edition = _check_edition(
                project, content, env, job, html_dir, report, pixel_limit, (filled or {}).get(job)
            )
            if edition is not None:
                report.editions[job] = edition
        _check_template_variables(project, env, documents, report)
    report.findings.sort(key=_finding_order)
    return report


def _check_template_variables(
    project: Project, env: Any, documents: list[str], report: CheckReport
) -> None:
    """Names a document's templates use that no edition gives them, also in branches no
    edition took while filling: said as filling them would say it (one finding, not two)."""
    from iombrochure.pipeline.templating import undefined_variables

    for name in documents:
        for error in undefined_variables(env, project.documents[name]):
            report.add(Finding.from_error(error, rule="template-error"))


def _check_declarations(project: Project, content: Content, report: CheckReport) -> None:
    """A project without content/fields.yaml (an earlier release's): its bundled-publication
    files keep their fields; any other file is plain text, which the user should know."""
    for name in content_names(project):
        if name in content.schemas:
            continue
        report.add(
            Finding(
                project.content_dir / "fields.yaml",
                None,
                WARNING,
                "undeclared-file",
                f"the fields of content file {name!r} are not declared: every field is printed "
                "as plain text (Markdown too)",
                f"create content/fields.yaml with a '{name}:' section (see docs/content.md)",
            )
        )


@dataclass
class Validated:
    """What the checks hand to the build: content, filled editions and the warnings."""

    content: Content
    editions: dict[Job, Edition]
    warnings: list[str]
    env: Any


def check_before_build(
    project: Project,
    *,
    languages: list[str],
    editions: list[Job],
    html_dir: Path,
    env: Any = None,
    strict: bool = False,
    read: tuple[Content, list[ContentError]] | None = None,
    filled: dict[Job, Edition] | None = None,
) -> Validated:
    """The checks ``build`` runs first, over ``languages``, filling ``editions``: what the
    build renders next, or CheckFailed. Under ``strict`` a warning fails too, before any page
    is laid out. ``read`` and ``filled``: see :func:`run_checks`."""
    report = run_checks(
        project,
        documents=list(dict.fromkeys(job.document for job in editions)) or None,
        languages=languages,
        editions=editions,
        html_dir=html_dir,
        env=env,
        read=read,
        filled=filled,
    )
    failing = report.errors
    if strict:
        failing = [
            f if f.severity == ERROR else replace(f, message=f"--strict: warning: {f.message}")
            for f in report.findings
        ]
    if failing:
        raise CheckFailed(failing)
    assert report.content is not None
    content = report.content
    content.files = {lang: content.files[lang] for lang in languages}
    return Validated(
        content=content,
        editions=report.editions,
        warnings=[finding.format(project.root) for finding in report.warnings],
        env=env,
    )


def _finding_order(finding: Finding) -> tuple:
    return (str(finding.path or ""), finding.line or 0, finding.severity != ERROR, finding.rule)


# --------------------------------------------------------------------------------------------
# Typography


def _is_prose(file: ContentFile) -> Callable[[tuple], bool]:
    stem = file.path.stem
    return lambda key_path: is_translatable(stem, key_path, file.fields)


def _check_typography(file: ContentFile, typography: str, report: CheckReport) -> None:
    from iombrochure.typography import check_yaml_document, rule_set

    results = check_yaml_document(file.data, rule_set(typography), is_prose=_is_prose(file))
    for line, key_path, finding in results:
        report.add(
            Finding(
                file.path,
                line,
                finding.severity,
                finding.rule,
                f"{dotted(key_path)}: {finding.message}",
                "iombrochure check --fix corrects it" if finding.fixable else None,
            )
        )


def fix_typography(project: Project, languages: list[str]) -> list[tuple[Path, int]]:
    """Apply the safe typography fixes to the content files of languages that have a rule set.

    A file that cannot be read safely (bad YAML, aliases, not UTF-8) is left untouched; ``check``
    reports why. Translations' fingerprints are never touched.
    """
    from iombrochure.pipeline.content import field_kinds
    from iombrochure.typography import fix_yaml_file, rule_set

    fixed = []
    schemas, _ = field_kinds(project)
    for lang in languages:
        typography = project.languages[lang].typography
        if typography == "none":
            continue
        for name in content_names(project, lang):
            path = project.content_dir / lang / f"{name}.yaml"
            try:
                read_yaml(path)  # refuse what content validation refuses, before touching it
                count = fix_yaml_file(
                    path,
                    rule_set(typography),
                    is_prose=lambda key_path, stem=name: is_translatable(
                        stem, key_path, schemas.get(stem)
                    ),
                )
            except ContentError:
                continue
            if count:
                fixed.append((path, count))
    return fixed


# --------------------------------------------------------------------------------------------
# Templates and catalogs


def _check_templates(project: Project, report: CheckReport, env: Any = None) -> tuple[Any, bool]:
    """Compile every template; return the environment (``env``, or a new one) and whether all
    compiled."""
    import jinja2

    from iombrochure.pipeline.templating import make_environment

    env = env or make_environment(project)
    ok = True
    for name in env.list_templates():
        if any(part.startswith(".") for part in Path(name).parts):
            continue
        try:
            # Syntax only: filters such as `digits` are bound per edition, when it is filled.
            source, filename, _ = env.loader.get_source(env, name)
            env.parse(source, name, filename)
        except jinja2.TemplateSyntaxError as exc:
            ok = False
            report.add(
                Finding(
                    Path(exc.filename) if exc.filename else project.templates_dir / name,
                    exc.lineno,
                    ERROR,
                    "template-syntax",
                    f"template syntax error: {exc.message}",
                    "check the {% ... %} and {{ ... }} tags on that line",
                )
            )
        except UnicodeDecodeError:
            ok = False
            report.add(
                Finding(
                    project.templates_dir / name,
                    None,
                    ERROR,
                    "template-syntax",
                    "the template is not UTF-8 text",
                    "save it as UTF-8",
                )
            )
        except TemplateError as exc:  # a link out of the project, a file too large
            ok = False
            report.add(Finding.from_error(exc, rule="read-outside"))
    return env, ok


@dataclass
class _CatalogState:
    total: int | None
    translated: int | None


def document_templates(project: Project, env: Any, documents: list[str]) -> set[Path]:
    """The template files the documents use: their own, and what they extend or include."""
    from jinja2 import meta

    found: set[Path] = set()
    pending = [project.documents[name].template for name in documents]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, filename, _ = env.loader.get_source(env, name)
            tree = env.parse(source, name, filename)
        except Exception:  # missing or broken: reported by the template checks
            continue
        if filename:
            found.add(Path(filename).resolve())
        pending.extend(ref for ref in meta.find_referenced_templates(tree) if ref)
    return found


_MESSAGES: dict[tuple, dict[str, tuple[Path, int]]] = {}
#: Bumped when what _extract_template_messages finds, or how it is stored, changes.
_MESSAGES_FORMAT = 1


def template_messages(project: Project) -> dict[str, tuple[Path, int]]:
    """Every msgid the templates use, with the first place it is used (Babel's extractor).

    Remembered by the digests of the templates and babel.cfg: in this process, for watch mode,
    which checks the catalogs on each save, and in the user's cache folder, for the next build
    (extracting costs a cold build about 0.1 s). Only files under templates/ are read (links out
    of the project refused, as everywhere), whatever the patterns of babel.cfg say; ContentError
    if babel.cfg cannot be read."""
    from iombrochure.pipeline.state import project_digest, tree_files

    config = project.root / "babel.cfg"
    key = (
        str(project.root),
        project_digest(config, project.root),
        *(
            (str(path), project_digest(path, project.root))
            for path in tree_files(project.templates_dir)
        ),
    )
    if key not in _MESSAGES:
        messages = _remembered_messages(project.root, key)
        if messages is None:
            messages = _extract_template_messages(project)
            _remember_messages(project.root, key, messages)
        _MESSAGES.clear()
        _MESSAGES[key] = messages
    return dict(_MESSAGES[key])


def _messages_file(root: Path) -> Path | None:
    from iombrochure.pipeline.state import user_cache_folder

    folder = user_cache_folder("messages", str(root.resolve()))
    return folder / "messages.json" if folder is not None else None


def _messages_stamp(key: tuple) -> str:
    import json

    import babel
    import jinja2

    return json.dumps([_MESSAGES_FORMAT, babel.__version__, jinja2.__version__, key])


def _remembered_messages(root: Path, key: tuple) -> dict[str, tuple[Path, int]] | None:
    """The messages the last extraction found for exactly these files; None if there is none
    (or it cannot be read: a cache is never a reason to fail)."""
    import json

    path = _messages_file(root)
    try:
        if path is None or path.stat().st_size > MAX_TEXT_FILE_BYTES:
            return None
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("stamp") != _messages_stamp(key):
            return None
        messages = {}
        for msgid, (relative, line) in stored["messages"].items():
            if not isinstance(msgid, str) or not isinstance(line, int):
                return None
            messages[msgid] = (root / relative, line)
        return messages
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return None


def _remember_messages(root: Path, key: tuple, messages: dict[str, tuple[Path, int]]) -> None:
    import json

    from iombrochure.pipeline.outputs import atomic_write

    path = _messages_file(root)
    if path is None:
        return
    try:
        stored = {
            "stamp": _messages_stamp(key),
            "messages": {
                msgid: [where.relative_to(root).as_posix(), line]
                for msgid, (where, line) in messages.items()
            },
        }
        atomic_write(path, json.dumps(stored, ensure_ascii=False).encode("utf-8"))
    except (OSError, ValueError):  # not remembered: the next build extracts again
        pass


def _extract_template_messages(project: Project) -> dict[str, tuple[Path, int]]:
    from babel.messages.extract import extract_from_file
    from babel.messages.frontend import parse_mapping_cfg
    from babel.util import pathmatch

    from iombrochure.pipeline.safety import files_below, read_inside

    config = project.root / "babel.cfg"
    if config.is_file() or config.is_symlink():
        try:
            text = read_inside(project.root, config, what="file", limit=MAX_TEXT_FILE_BYTES)
            method_map, options_map = parse_mapping_cfg(
                io.StringIO(text.decode("utf-8")), filename=str(config)
            )
        except IombrochureError as exc:
            raise ContentError(exc.message, path=config, hint=exc.hint, rule=exc.rule) from None
        except Exception as exc:  # configparser's errors, a bad encoding
            raise ContentError(
                f"babel.cfg cannot be read: {str(exc).splitlines()[0]}",
                path=config,
                hint="it holds sections such as [jinja2: templates/**.html]",
                rule="catalog-syntax",
            ) from None
    else:
        method_map = [("templates/**.html", "jinja2")]
        options_map = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    messages: dict[str, tuple[Path, int]] = {}
    for path in files_below(project.root, project.templates_dir, what="template"):
        relative = path.relative_to(project.root).as_posix()
        for pattern, method in method_map:
            if not pathmatch(pattern, relative):
                continue
            if method != "ignore":
                for lineno, message, _comments, _context in extract_from_file(
                    method, str(path), options=options_map.get(pattern, {})
                ):
                    msgid = message[0] if isinstance(message, tuple) else message
                    if msgid:
                        messages.setdefault(msgid, (path, lineno))
            break
    return messages


_PO_KEYWORD_LINE = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)(?:\s+(.*))?$")
_PO_STRING = re.compile(r'^"(?:[^"\\]|\\.)*"$')


def po_syntax_problems(path: Path) -> list[tuple[int, str]]:
    """Lines of a .po file that Babel would misread without a word.

    Babel's reader is lenient: ``msgstr "نشانی`` (no closing quote) silently loses the last
    letter, and ``msgid Address`` becomes "ddres". gettext's own tools refuse such lines, and so
    does check.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        return [(1, f"the file is not UTF-8 text ({exc.reason})")]
    problems = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("#~"):
            line = line[2:].strip()
        elif not line or line.startswith("#"):
            continue
        keyword = _PO_KEYWORD_LINE.match(line)
        if keyword:
            text = (keyword.group(2) or "").strip()
            if not _PO_STRING.match(text):
                problems.append(
                    (
                        number,
                        f"the text after {keyword.group(1)} is not one quoted string: {text!r}",
                    )
                )
        elif not _PO_STRING.match(line):
            problems.append((number, f"a line that gettext cannot read: {line[:40]!r}"))
    return problems


def _check_catalog(
    project: Project, lang: str, report: CheckReport, templates_ok: bool, *, env: Any = None
) -> _CatalogState | None:
    """Untranslated, fuzzy and missing entries of one language's catalog. None if unreadable.

    A language needs the messages of the templates of its own documents only.
    """
    from babel.messages.pofile import read_po

    from iombrochure.pipeline.i18n import catalog_path

    path = catalog_path(project, lang)
    if not path.is_file():
        steps = f"iombrochure translations init {lang}"
        if not (project.root / "babel.cfg").is_file():
            steps = "copy babel.cfg from a project made by iombrochure new, then run: " + steps
        report.add(
            Finding(
                path,
                None,
                ERROR,
                "catalog-missing",
                f"no translation catalog for language {lang!r}",
                f"create it with: {steps}",
            )
        )
        return None
    from iombrochure.pipeline.i18n import (
        catalog_charset_problem,
        catalog_placeholder_problems,
    )
    from iombrochure.pipeline.safety import read_inside

    try:
        raw = read_inside(project.root, path, what="translation catalog", limit=MAX_TEXT_FILE_BYTES)
    except IombrochureError as exc:
        report.add(Finding.from_error(exc, rule="catalog-syntax"))
        return None
    charset = catalog_charset_problem(raw)
    if charset is not None:
        report.add(
            Finding(
                path,
                charset[0],
                ERROR,
                "catalog-charset",
                charset[1],
                'save it as UTF-8 with "Content-Type: text/plain; charset=UTF-8"',
            )
        )
        return None
    problems = po_syntax_problems(path)
    for line, problem in problems:
        report.add(
            Finding(
                path,
                line,
                ERROR,
                "catalog-syntax",
                f"cannot read the translation catalog: {problem}",
                'write msgid "..." and msgstr "..." with both quotes, on one line each',
            )
        )
    if problems:
        return None
    try:
        catalog = read_po(io.BytesIO(raw), abort_invalid=True)
    except Exception as exc:  # Babel's PoFileError: the file is broken
        line = getattr(exc, "lineno", None)
        report.add(
            Finding(
                path,
                line + 1 if isinstance(line, int) else None,
                ERROR,
                "catalog-syntax",
                f"cannot read the translation catalog: {exc}",
                "check the quotes of msgid and msgstr on that line",
            )
        )
        return None
    for line, problem in catalog_placeholder_problems(catalog):
        report.add(
            Finding(
                path,
                line,
                ERROR,
                "catalog-placeholder",
                problem,
                "copy each {name} from the msgid as it is",
            )
        )
    typography = project.languages[lang].typography
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        shown = message.id[0] if isinstance(message.id, tuple) else message.id
        if not all(strings):
            report.add(
                Finding(
                    path,
                    message.lineno,
                    ERROR,
                    "catalog-untranslated",
                    f"{shown!r} is not translated: the {language_label(lang)} edition would "
                    f"show it in {language_label(project.source_language)}",
                    "write the translation in its msgstr",
                )
            )
        elif message.fuzzy:
            report.add(
                Finding(
                    path,
                    message.lineno,
                    ERROR,
                    "catalog-fuzzy",
                    f"{shown!r} is marked fuzzy (a guess to review): it is not used until the "
                    "fuzzy flag is removed",
                    "check the msgstr, then delete the '#, fuzzy' line above it",
                )
            )
        if typography != "none":
            from iombrochure.typography import check_text

            for text in strings:
                for problem in check_text(text or "", typography):
                    report.add(
                        Finding(
                            path,
                            message.lineno,
                            problem.severity,
                            problem.rule,
                            f"translation of {shown!r}: {problem.message}",
                        )
                    )
    if not templates_ok:
        return _CatalogState(total=None, translated=None)  # cannot tell what the templates use
    try:
        used = template_messages(project)
    except IombrochureError as exc:
        report.add(Finding.from_error(exc, rule="catalog-syntax"))
        return _CatalogState(total=None, translated=None)
    if env is not None:
        needed = document_templates(project, env, project.documents_in(lang))
        used = {msgid: where for msgid, where in used.items() if where[0].resolve() in needed}
    if used and not any(message.id for message in catalog):
        report.add(
            Finding(
                path,
                None,
                ERROR,
                "catalog-untranslated",
                f"the catalog has no entries: the {language_label(lang)} edition would show "
                f"every heading in {language_label(project.source_language)}",
                "update the catalogs: iombrochure translations update",
            )
        )
        return _CatalogState(total=len(used), translated=0)
    translated = 0
    for msgid, (template, line) in used.items():
        entry = catalog.get(msgid)
        if entry is None:
            shown_at = f"{_relative(template, project.root)}:{line}"
            report.add(
                Finding(
                    path,
                    None,
                    ERROR,
                    "catalog-missing-entry",
                    f"{msgid!r} (used in {shown_at}) is not in the catalog",
                    "update the catalogs: iombrochure translations update, and translate it",
                )
            )
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if all(strings) and not entry.fuzzy:
            translated += 1
    return _CatalogState(total=len(used), translated=translated)


# --------------------------------------------------------------------------------------------
# Prose: links, pictures and raw HTML


_RAW_HTML = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|!--)>?")


def _kinds(file: ContentFile) -> Iterator[tuple[tuple, Any, str]]:
    """(key path, value, kind) of every leaf of a content file, kinds from its schema."""
    schema = file.fields

    def walk(value: Any, sub: Any, key_path: tuple) -> Iterator[tuple[tuple, Any, str]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if not key_path and key == "translation":
                    continue
                child = sub.get(key, sub.get(f"{key}?")) if isinstance(sub, dict) else None
                yield from walk(item, child if schema is not None else TEXT, (*key_path, key))
        elif isinstance(value, list):
            child = sub[0] if isinstance(sub, list) else (TEXT if schema is None else None)
            for index, item in enumerate(value):
                yield from walk(item, child, (*key_path, index))
        elif isinstance(sub, str):
            yield key_path, value, sub

    yield from walk(file.data, schema if schema is not None else TEXT, ())


def _markdown_parser() -> Any:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.validateLink = lambda url: True  # see every link, to report the ones not allowed
    return parser


def _check_prose(file: ContentFile, report: CheckReport) -> None:
    parser = None
    for key_path, value, kind in _kinds(file):
        if kind not in (TEXT, MARKDOWN) or not isinstance(value, str):
            continue
        line = file.line_of(key_path)
        name = dotted(key_path)
        tag = _RAW_HTML.search(value)
        if tag:
            report.add(
                Finding(
                    file.path,
                    line,
                    WARNING,
                    "raw-html",
                    f"{name}: HTML such as {tag.group(0)!r} is printed as text, not applied",
                    "remove it; in prose use Markdown: **bold**, *italic*, [text](https://...)",
                )
            )
        if kind != MARKDOWN:
            continue
        parser = parser or _markdown_parser()
        for token in parser.parseInline(value) if "\n\n" not in value else parser.parse(value):
            for child in token.children or ():
                if child.type == "image":
                    report.add(
                        Finding(
                            file.path,
                            line,
                            ERROR,
                            "prose-image",
                            f"{name}: pictures cannot be placed in prose "
                            f"({child.attrGet('src')!r})",
                            "remove the ![...](...) and use the document's picture fields",
                        )
                    )
                elif child.type == "link_open":
                    problem = link_problem(str(child.attrGet("href") or ""))
                    if problem:
                        report.add(
                            Finding(
                                file.path,
                                line,
                                ERROR,
                                "link",
                                f"{name}: {problem}",
                                "links may be https://, mailto: or tel: (never fetched, only "
                                "written into the PDF)",
                            )
                        )


def _check_money_signs(
    file: ContentFile, data: ContentFile, lang: str, report: CheckReport
) -> None:
    """A currency sign typed beside a placeholder («؋{figures.cash_grant}», «{figures.fee}
    USD»): it is not written the edition's way, and a right-to-left sign such as ؋ pulls the
    number to its other side ("10,000؋" in English). The fix is a money fact in data.yaml."""
    from iombrochure.pipeline.calendars import babel_locale
    from iombrochure.pipeline.i18n import (
        currency_of_sign,
        signs_beside_placeholders,
        text_direction,
    )

    locale, left_to_right = babel_locale(lang), text_direction(lang) == "ltr"
    for key_path, value, kind in _kinds(file):
        if kind not in (TEXT, MARKDOWN) or not isinstance(value, str) or "{" not in value:
            continue
        for sign, placeholder, side in signs_beside_placeholders(value, locale):
            section, _, key = placeholder.strip("{}").partition(".")
            name = dotted(key_path)
            if section == "money":
                message = f"{name}: {sign!r} is typed beside {placeholder}, which writes its own"
                hint = f"write {placeholder} alone"
            else:
                amount = (data.data.get(section) or {}).get(key, 10000)
                currency = currency_of_sign(sign, locale) or "<its ISO code: AFN, IRR, USD...>"
                if sign.lower() in ("تومان", "toman", "tomans") and isinstance(amount, int):
                    amount, currency = amount * 10, "IRR"  # a toman is ten rials
                message = f"{name}: the sign {sign!r} is typed by hand beside {placeholder}"
                rtl_sign = unicodedata.bidirectional(sign[0]) in ("R", "AL")
                if left_to_right and side == "before" and rtl_sign:
                    shown = f"{amount:,}" if isinstance(amount, int | float) else "10,000"
                    message += (
                        f": a left-to-right edition prints it after the number ({shown}{sign})"
                    )
                hint = (
                    f"store it in content/data.yaml as money: {key}: {{amount: {amount}, "
                    f"currency: {currency}}} and write {{money.{key}}} without the sign: each "
                    "edition writes it its own way (docs/content.md, Money)"
                )
            report.add(
                Finding(file.path, file.line_of(key_path), WARNING, "money-sign", message, hint)
            )


# --------------------------------------------------------------------------------------------
# File fields (PATH kind): pictures and other files named in content


def _check_file_fields(
    project: Project, file: ContentFile, report: CheckReport, pixel_limit: int
) -> None:
    from iombrochure.pipeline.render import safe_resource_path

    for key_path, value, kind in _kinds(file):
        if kind != PATH:
            continue
        line = file.line_of(key_path)
        name = dotted(key_path)
        text = str(value).strip()

        def add(rule: str, message: str, hint: str | None = None) -> None:
            report.add(Finding(file.path, line, ERROR, rule, f"{name}: {message}", hint))  # noqa: B023

        if urlsplit(text).scheme or text.startswith("//"):
            add(
                "image-outside",
                f"{text!r} is a web address: pictures must be files inside the project",
                "download it into images/ (if its licence allows) and write images/<name>",
            )
            continue
        if Path(text).is_absolute():
            add("image-outside", f"{text!r} is an absolute path", "write a path like images/x.png")
            continue
        candidate = project.root / text
        try:
            path = safe_resource_path(candidate.resolve().as_uri(), project.root)
        except FetchRefused as exc:
            add("image-outside", f"{text!r}: {exc.message}", exc.hint)
            continue
        if not path.is_file():
            add("image-missing", f"{text!r} does not exist", "check the spelling and the folder")
        else:
            _inspect_file(path, project, report, pixel_limit, file.path, line, prefix=f"{name}: ")
        _check_alt(file, key_path, report, line)


def _check_alt(file: ContentFile, key_path: tuple, report: CheckReport, line: int | None) -> None:
    """A picture needs a sibling ``alt`` (or ``<field>_alt``) text, in every language."""
    parent: Any = file.data
    for key in key_path[:-1]:
        parent = parent[key]
    if not isinstance(parent, dict):
        return
    field_name = key_path[-1]
    for alt_key in ("alt", f"{field_name}_alt"):
        alt = parent.get(alt_key)
        if isinstance(alt, str) and alt.strip():
            return
    report.add(
        Finding(
            file.path,
            line,
            ERROR,
            "image-alt",
            f"{dotted(key_path)}: the picture has no alt text",
            f"add 'alt:' next to it, saying in {file.path.parent.name} what the picture shows "
            "(screen readers read it aloud)",
        )
    )


def _inspect_file(
    path: Path,
    project: Project,
    report: CheckReport,
    pixel_limit: int,
    where: Path,
    line: int | None,
    *,
    prefix: str = "",
    seen: set[Path] | None = None,
) -> None:
    """Measure a picture (see safety.py); an SVG's own references are followed too."""
    shown = path.relative_to(project.root.resolve()).as_posix()
    data = path.read_bytes()
    try:
        inspect_image(
            data, limit=pixel_limit, name=shown, must_be_picture=is_picture_name(path.name)
        )
    except FetchRefused as exc:
        report.add(
            Finding(
                where, line, ERROR, exc.rule or "image-unreadable", prefix + exc.message, exc.hint
            )
        )
        return
    if is_svg(data):
        _check_nested(project, path, report, pixel_limit, set() if seen is None else seen)


# --------------------------------------------------------------------------------------------
# Editions: templates filled, resources and fonts


def _check_edition(
    project: Project,
    content: Content,
    env: Any,
    job: Job,
    html_dir: Path,
    report: CheckReport,
    pixel_limit: int,
    edition: Edition | None = None,
) -> Edition | None:
    """Fill one edition's template (unless ``edition`` is it, filled already) and check what it
    would make WeasyPrint read and draw."""
    from iombrochure.pipeline.templating import edition_html_path, render_edition

    document = project.documents[job.document]
    lang = job.lang
    try:
        edition = edition or render_edition(
            project, content, document, lang, env=env, html_dir=html_dir, variant=job.variant
        )
    except TemplateError as error:
        report.add(Finding.from_error(error, rule="template-error"))
        return None
    except ContentError as error:
        report.add(Finding.from_error(error))
        return None
    template = project.templates_dir / document.template
    sources = _Sources(project, content, lang, document.content)
    html_path = edition_html_path(html_dir, job.document, lang, job.variant)
    html_url = html_path.resolve().as_uri()
    _check_page(project, edition.html, html_path, template, pixel_limit, report)
    base, references = html_references(edition.html)
    page_url = urljoin(html_url, base) if base else html_url
    stylesheets: list[Path] = []
    for reference in references:
        path = _check_reference(
            project, reference, page_url, report, pixel_limit, sources, template
        )
        if path is not None and reference.where == "link href":
            stylesheets.append(path)
    seen: set[Path] = set()
    for sheet in stylesheets:
        _check_nested(project, sheet, report, pixel_limit, seen)
    _check_fonts(project, edition.html, lang, sources, template, report)
    _check_font_families(project, lang, stylesheets, report)
    if job.variant == "print":
        templates = [template, *sorted(document_templates(project, env, [job.document]))]
        _check_for_the_press(
            project, edition.html, page_url, stylesheets, sources, templates, report
        )
    return edition


def _check_page(
    project: Project,
    html_text: str,
    html_path: Path,
    template: Path,
    pixel_limit: int,
    report: CheckReport,
) -> None:
    """What the renderer refuses in the page it is handed, before layout, in its words: a
    ``local()`` font in a ``<style>``, a ``data:`` URL that is not what it says. (A resource
    outside the project is reported by :func:`_check_reference`, with the file it names.)"""
    from iombrochure.pipeline.render import page_reference_refusal

    refusal = page_reference_refusal(html_text, html_path, project.root, pixel_limit, template)
    if refusal is not None and refusal.rule != "resource-outside":
        report.add(Finding.from_error(refusal, rule="resource-data"))


def _check_for_the_press(
    project: Project,
    html_text: str,
    page_url: str,
    stylesheets: list[Path],
    sources: _Sources,
    templates: list[Path],
    report: CheckReport,
) -> None:
    """What the press finisher would refuse once the print edition is laid out, found in its
    HTML and stylesheets before: links, and pictures placed in RGB (not by picture_uri, which
    converts them). Worded by the finisher's own functions (prepress.py)."""
    from iombrochure.pipeline.prepress import (
        print_links_refusal,
        rgb_picture,
        rgb_pictures_refusal,
    )
    from iombrochure.pipeline.render import FONT_SUFFIXES, safe_resource_path

    links = _link_targets(html_text)
    if links:
        path, line = _unguarded_link(templates) or (templates[0], None)
        report.add(
            Finding.from_error(print_links_refusal(len(links)), rule="print-link").at(path, line)
        )
    pictures: list[tuple[str, Path, int | None]] = []  # url, where it is named, line
    _, references = html_references(html_text)
    for reference in references:
        if reference.where != "link href" and not reference.url.startswith("data:"):
            places = sources.locate(reference.url) or [(templates[0], None)]
            pictures.extend((urljoin(page_url, reference.url), *place) for place in places[:1])
    pending, read = list(stylesheets), set()
    while pending:
        sheet = pending.pop()
        if sheet in read:
            continue
        read.add(sheet)
        try:
            text = sheet.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported by _check_nested
        for reference in css_references(text):
            url = urljoin(sheet.as_uri(), reference.url.strip())
            line = text.count("\n", 0, reference.offset) + 1
            if reference.where == "@import":
                try:
                    pending.append(safe_resource_path(url, project.root))
                except FetchRefused:
                    pass
            else:
                pictures.append((url, sheet, line))
    for url, where, line in pictures:
        if url.startswith("data:"):
            continue
        try:
            path = safe_resource_path(url, project.root)
        except FetchRefused:
            continue  # reported with the resources
        if path.suffix.lower() in FONT_SUFFIXES or not path.is_file():
            continue
        if rgb_picture(path.read_bytes()):
            report.add(
                Finding.from_error(rgb_pictures_refusal(1), rule="print-picture").at(where, line)
            )


_UNGUARDED_HREF = re.compile(r"<a\b(?:(?!\{%-?\s*if\s+links\b)[^>])*?\shref\s*=")


def _unguarded_link(templates: list[Path]) -> tuple[Path, int] | None:
    """The first template line with an ``<a href`` not written under ``{% if links %}``."""
    for path in templates:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = _UNGUARDED_HREF.search(text)
        if match:
            return path, text.count("\n", 0, match.start()) + 1
    return None


def _link_targets(html_text: str) -> list[str]:
    """The href of every ``<a>`` of an edition: each becomes a link annotation in the PDF."""
    import html.parser

    found: list[str] = []

    class Links(html.parser.HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a" and any(name == "href" for name, _ in attrs):
                found.append(next(value or "" for name, value in attrs if name == "href"))

    parser = Links(convert_charrefs=True)
    parser.feed(html_text)
    parser.close()
    return found


@dataclass
class _Sources:
    """Where a piece of text in an edition may come from: for naming file and line."""

    project: Project
    content: Content
    lang: str
    names: tuple[str, ...]

    def field_at(self, path: Path, line: int | None, needle: str) -> str | None:
        """The dotted name of the content field at ``path:line`` that holds ``needle``."""
        files = [*self.content.files.get(self.lang, {}).values(), self.content.data]
        for file in files:
            if file.path != path:
                continue
            for key_path, text in iter_strings(file.data):
                if needle in text and file.line_of(key_path) == line:
                    return dotted(key_path)
        return None

    def locate(self, needle: str) -> list[tuple[Path, int | None]]:
        found: list[tuple[Path, int | None]] = []
        files = [
            self.content.files[self.lang][n]
            for n in self.names
            if n in self.content.files.get(self.lang, {})
        ]
        for file in [*files, self.content.data]:
            for key_path, text in iter_strings(file.data):
                if key_path and key_path[0] == "translation":
                    continue
                if needle in text:
                    found.append((file.path, file.line_of(key_path)))
        if found:
            return found
        from iombrochure.pipeline.i18n import catalog_path

        for path in [
            catalog_path(self.project, self.lang),
            *sorted(self.project.templates_dir.rglob("*")),
        ]:
            if not path.is_file():
                continue
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for number, line in enumerate(lines, 1):
                if needle in line:
                    found.append((path, number))
        return found


def _check_reference(
    project: Project,
    reference: Reference,
    base_url: str,
    report: CheckReport,
    pixel_limit: int,
    sources: _Sources,
    template: Path,
) -> Path | None:
    """Whether the renderer could fetch ``reference``; the local file if it may."""
    from iombrochure.pipeline.render import safe_resource_path

    url = reference.url.strip()
    places = sources.locate(reference.url) or [(template, None)]
    # A picture a content field names (kind "file") was checked at that field's line: one
    # mistake, one line, not a second one for the template that shows it.
    checked = {(f.path, f.line) for f in report.findings if f.rule.startswith("image-")}
    places = [place for place in places if place not in checked]
    if reference.alt is not None and not reference.alt.strip():
        for path, line in places:
            report.add(
                Finding(
                    path,
                    line,
                    WARNING,
                    "image-alt",
                    f"picture {url!r} has no alt text (tagged PDFs need one for screen readers)",
                    'add alt="..." saying what the picture shows',
                )
            )
    if not url or url.startswith(("data:", "#")):
        return None
    absolute = urljoin(base_url, url)

    def add(rule: str, message: str, hint: str | None) -> None:
        for path, line in places:
            report.add(Finding(path, line, ERROR, rule, message, hint))

    escape = _link_out_of_project(project, absolute)
    if escape is not None:  # named at the link, as the loaders name it: one line, not two
        report.add(Finding.from_error(escape))
        return None
    try:
        path = safe_resource_path(absolute, project.root)
    except FetchRefused as exc:
        add("resource-outside", f"{reference.where} {url!r}: {exc.message}", exc.hint)
        return None
    if not path.is_file():
        shown = _shown(path, project)
        add(
            "resource-missing",
            f"{reference.where} {url!r}: {shown} does not exist",
            "check the spelling and the folder",
        )
        return None
    if reference.where != "link href":
        for where, line in places:
            _inspect_file(path, project, report, pixel_limit, where, line)
    return path


def _check_nested(
    project: Project,
    container: Path,
    report: CheckReport,
    pixel_limit: int,
    seen: set[Path],
    chain: tuple[Path, ...] = (),
) -> None:
    """The resources a stylesheet or SVG picture refers to, relative to it, with its lines;
    ``chain`` the stylesheets whose @import led here (a loop is an error: WeasyPrint would
    recurse until it gives up, and drop the stylesheet)."""
    from iombrochure.pipeline.render import FONT_SUFFIXES, safe_resource_path

    if container in seen:
        return
    seen.add(container)
    try:
        text = container.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        report.add(
            Finding(container, None, ERROR, "resource-missing", "cannot read the file as text")
        )
        return
    svg = is_svg(text.encode("utf-8"))
    if not svg:
        from iombrochure.pipeline.safety import refuse_machine_fonts

        try:  # the renderer's own refusal of a font of this computer, in its words
            refuse_machine_fonts(text, container)
        except FetchRefused as exc:
            report.add(Finding.from_error(exc, rule="font-local"))
    for reference in svg_references(text) if svg else css_references(text):
        url = reference.url.strip()
        if not url or url.startswith(("data:", "#")):
            continue
        line = text.count("\n", 0, reference.offset) + 1
        escape = _link_out_of_project(project, urljoin(container.as_uri(), url))
        if escape is not None:  # named at the link, as the loaders name it: one line, not two
            report.add(Finding.from_error(escape))
            continue
        try:
            path = safe_resource_path(urljoin(container.as_uri(), url), project.root)
        except FetchRefused as exc:
            report.add(
                Finding(
                    container,
                    line,
                    ERROR,
                    "resource-outside",
                    f"{reference.where} {url!r}: {exc.message}",
                    exc.hint,
                )
            )
            continue
        if not path.is_file() and _fonts_missing_already_said(project, path):
            continue
        if not path.is_file():
            report.add(
                Finding(
                    container,
                    line,
                    ERROR,
                    "resource-missing",
                    f"{reference.where} {url!r}: {_shown(path, project)} does not exist",
                    "check the spelling and the folder",
                )
            )
        elif reference.where == "@import" and path in (*chain, container):
            report.add(
                Finding(
                    container,
                    line,
                    ERROR,
                    "resource-loop",
                    f"@import {url!r}: the stylesheet imports itself (through "
                    f"{' -> '.join(_shown(p, project) for p in (*chain, container, path))})",
                    "remove the @import that closes the loop",
                )
            )
        elif reference.where == "@import":
            _check_nested(project, path, report, pixel_limit, seen, (*chain, container))
        elif path.suffix.lower() not in FONT_SUFFIXES:
            _inspect_file(path, project, report, pixel_limit, container, line, seen=seen)


def _fonts_missing_already_said(project: Project, path: Path) -> bool:
    """A font file missing from a fonts/ folder that holds no font at all: _check_fonts says
    that once, rather than once for every @font-face."""
    from iombrochure.pipeline.render import FONT_SUFFIXES, bundled_cmap
    from iombrochure.pipeline.safety import is_within

    if path.suffix.lower() not in FONT_SUFFIXES:
        return False
    if not is_within(path, project.fonts_dir.resolve()):
        return False
    try:
        return not bundled_cmap(project.fonts_dir)
    except IombrochureError:
        return True  # a font that cannot be read: said by _check_fonts


def _link_out_of_project(project: Project, url: str) -> IombrochureError | None:
    """The error for a file URL inside the project that is a link leading out of it, worded
    as the loader of its kind words it (font, picture, stylesheet); else None."""
    from iombrochure.errors import ReadRefused
    from iombrochure.pipeline.render import FONT_SUFFIXES
    from iombrochure.pipeline.safety import resolve_inside

    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    lexical = Path(os.path.normpath(unquote(parts.path)))
    try:
        lexical.relative_to(project.root.absolute())
    except ValueError:
        return None
    suffix = lexical.suffix.lower()
    what = "font" if suffix in FONT_SUFFIXES else "stylesheet" if suffix == ".css" else "picture"
    try:
        resolve_inside(project.root, lexical, what=what)
    except ReadRefused as exc:
        return exc
    return None


def _shown(path: Path, project: Project) -> str:
    try:
        return path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return unquote(str(path))


#: The family an @font-face rule declares: ``@font-face { font-family: "Vazirmatn"; ... }``.
_FONT_FACE_FAMILY = re.compile(
    r"@font-face\s*\{[^}]*?font-family\s*:\s*(['\"]?)([^;'\"}]+?)\1\s*[;}]", re.I | re.S
)


def _check_font_families(
    project: Project, lang: str, stylesheets: list[Path], report: CheckReport
) -> None:
    """``[languages.<code>] fonts`` naming a family no @font-face of the edition's stylesheets
    declares: WeasyPrint would print the text in another font, without a word."""
    configured = project.section("languages").get(lang, {})
    if not isinstance(configured, dict) or "fonts" not in configured:
        return  # the defaults: the starter's fonts.css declares them
    declared: dict[str, str] = {}
    for sheet in stylesheets:
        try:
            text = sheet.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # said by the stylesheet checks
        for match in _FONT_FACE_FAMILY.finditer(text):
            declared.setdefault(match.group(2).strip().casefold(), match.group(2).strip())
    missing = [name for name in project.languages[lang].fonts if name.casefold() not in declared]
    if not missing:
        return
    line = toml_key_line(project.config_path, "fonts", table=f"languages.{lang}")
    known = ", ".join(f'"{name}"' for name in sorted(declared.values())) or "none"
    report.add(
        Finding(
            project.config_path,
            line,
            ERROR,
            "font-family",
            f"[languages.{lang}] fonts: no @font-face of the {language_label(lang)} edition's "
            f"stylesheets declares {', '.join(repr(name) for name in missing)}: its text would "
            "print in another font",
            f"name fonts the project declares ({known}), or add the font's files to fonts/ and "
            "its @font-face to styles/fonts.css",
        )
    )


def _check_fonts(
    project: Project,
    html_text: str,
    lang: str,
    sources: _Sources,
    template: Path,
    report: CheckReport,
) -> None:
    from iombrochure.pipeline.render import bundled_cmap, uncovered_characters

    try:
        covered = bundled_cmap(project.fonts_dir)
    except IombrochureError as error:  # not a font, or a link out of the project
        report.add(Finding.from_error(error, rule="font-unreadable"))
        return
    if not covered:
        report.add(
            Finding(
                project.fonts_dir,
                None,
                ERROR,
                "font-coverage",
                "no font files (.ttf, .otf, .woff, .woff2) in the project's fonts/ folder: every "
                "character would print with a system font",
                "copy the bundled fonts/ folder (with its licences) into the project",
            )
        )
        return
    for char in uncovered_characters(html_text, project.fonts_dir):
        name = unicodedata.name(char, "unnamed character")
        places = sources.locate(char) or [(template, None)]
        for path, line in places:
            field = sources.field_at(path, line, char)
            report.add(
                Finding(
                    path,
                    line,
                    WARNING,  # the PDF is made, with □ in its place (never a system font)
                    "font-coverage",
                    f"{field + ': ' if field else ''}no bundled font has {char!r} "
                    f"(U+{ord(char):04X} {name}): the PDF shows □ in its place",
                    "remove or replace the character, or add a font that has it to fonts/ "
                    "and to styles/fonts.css (see docs/templates.md)",
                )
            )


# --------------------------------------------------------------------------------------------
# Completeness and stale translations


def _summarise(
    project: Project,
    content: Content,
    lang: str,
    catalog: _CatalogState | None,
    report: CheckReport,
) -> LanguageSummary:
    source = project.source_language
    summary = LanguageSummary(lang=lang, source=lang == source)
    source_files = content.files.get(source, {})
    files = content.files.get(lang, {})
    stale_total: int | None = 0
    for name in content_names(project, lang):
        if name not in source_files:
            continue
        fields = list(translatable_fields(source_files[name]))
        summary.fields += len(fields)
        if lang == source:
            continue
        translation = files.get(name)
        if translation is None:
            continue
        translated = {f.key_path: f.text for f in translatable_fields(translation)}
        copied = [
            f.name
            for f in fields
            if f.key_path in translated and _is_copy(f.text, translated[f.key_path])
        ]
        summary.translated += sum(1 for f in fields if f.key_path in translated) - len(copied)
        if copied:
            shown = ", ".join(copied[:5]) + (
                f" and {len(copied) - 5} more" if len(copied) > 5 else ""
            )
            report.add(
                Finding(
                    translation.path,
                    translation.line_of(_key_path_of(fields, copied[0])),
                    WARNING,
                    "untranslated-copy",
                    f"{len(copied)} field(s) are the source text, not a translation: {shown}",
                    f"translate them (they are not counted as translated); the source is "
                    f"{_relative(source_files[name].path, project.root)}",
                )
            )
        stale = stale_fields(source_files[name], translation)
        if stale is None:
            stale_total = None
            report.add(
                Finding(
                    translation.path,
                    None,
                    WARNING,
                    "translation-fingerprints",
                    "no translation: block records which source text was translated, so "
                    "changes to the source cannot be noticed",
                    f"after checking the translation, run: iombrochure translations mark-current "
                    f"--lang {lang} {_relative(translation.path, project.root)}",
                )
            )
            continue
        if stale_total is not None:
            stale_total += len(stale)
        source_path = _relative(source_files[name].path, project.root)
        for item in stale:
            if item.recorded is None:
                message = (
                    f"{item.field.name}: no fingerprint recorded for this translation, so a "
                    f"change to its source ({source_path}:{item.source_line}) would go unnoticed"
                )
            else:
                message = (
                    f"{item.field.name} may be out of date: its source text changed since it was "
                    f"translated (see {source_path}:{item.source_line})"
                )
            report.add(
                Finding(
                    translation.path,
                    item.translated_line,
                    WARNING,
                    "stale-translation",
                    message,
                    f"update the translation, then run: iombrochure translations mark-current "
                    f"--lang {lang} --field {item.field.name} {_relative(translation.path, project.root)}",
                )
            )
    if lang != source:
        summary.stale = stale_total
        if catalog is not None:
            summary.catalog_total = catalog.total
            summary.catalog_translated = catalog.translated
    return summary


_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_copy(source_text: str, translated_text: str) -> bool:
    """A translation that is its source word for word: a copied file, not translated yet.
    A name or an acronym of one word (IOM), or a bare {placeholder}, is the same in every
    language, so it is not one."""
    return (
        " ".join(source_text.split()) == " ".join(translated_text.split())
        and len(_WORD.findall(PLACEHOLDER_RE.sub(" ", source_text))) >= 2
    )


def _key_path_of(fields: list, name: str) -> tuple:
    return next((f.key_path for f in fields if f.name == name), ())


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)

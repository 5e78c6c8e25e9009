"""Stage 2: load and validate the content of every language before anything is rendered.

Content lives in ``content/``:

- ``content/data.yaml`` holds language-neutral data (figures, years, months, phone numbers,
  links, codes), stored once and formatted per locale by the localize stage;
- ``content/<lang>/<name>.yaml`` holds what one edition says, field by field.

Files are parsed by libyaml into ruamel.yaml's round-trip objects (pipeline/yamlparse.py), so
that every value keeps its line number, and every problem can be reported as ``file:line``. YAML
anchors, aliases and tags are refused before the file is built into objects: content is
untrusted input, and aliases are how a "billion laughs" file explodes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from iombrochure.errors import ContentError
from iombrochure.pipeline.config import Project, calendar_problem
from iombrochure.pipeline.scripts import bidi_control_problem

DATA_FILE = "data.yaml"
#: Where a project declares the fields of each content file and their kinds (docs/content.md).
FIELDS_FILE = "fields.yaml"
#: Content is a few levels deep; a file nested deeper is a mistake or an attack on the parser.
MAX_DEPTH = 20

#: Sections of data.yaml and how their values are written.
DATA_SECTIONS = {
    "figures": "number",  # counts: 370000 -> 370,000 / ۳۷۰٬۰۰۰
    "years": "year",  # 1951 -> 1951 / ۱۹۵۱ (no grouping)
    "months": "month",  # 1990-07 -> July 1990 / ژوئیهٔ ۱۹۹۰ میلادی (never one Hijri month)
    "dates": "date",  # 2026-11-28 -> 28 November 2026 / ۷ آذر ۱۴۰۵
    "phones": "phone",  # "+98 21 8804 3377": international form, written per edition, LTR
    "links": "link",  # e-mail addresses and web sites, never translated
    "codes": "code",  # house numbers, postal codes: digits localized, no grouping
    "money": "money",  # {amount: 10000, currency: AFN}: ؋10,000 / ؋ ۱۰٬۰۰۰, sign and all
}

#: How a money fact shows its currency: "symbol" (default) the sign each edition's readers
#: know (؋, $, ریال), "code" the ISO code (AFN), "name" the currency's name (Afghan Afghanis).
MONEY_SIGNS = ("symbol", "code", "name")
#: The keys of a money fact in data.yaml.
MONEY_KEYS = ("amount", "currency", "sign")

PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")

# Field kinds used in schemas.
TEXT = "text"  # one line of plain text; placeholders allowed
MARKDOWN = "markdown"  # prose; Markdown inline and block syntax, placeholders allowed
REF = "ref"  # a reference into data.yaml, e.g. "years.founded"
PATH = "path"  # a file inside the project, e.g. an image
META = "meta"  # free-form bookkeeping that is never rendered (e.g. translation fingerprints)
DATE = "date"  # a date (2026-11-28) written in the edition's calendar and digits

#: The kinds content/fields.yaml may name, and what each becomes. "prose" is Markdown, "fact"
#: a value of data.yaml, "file" a file inside the project; the older names are kept as aliases.
FIELD_KINDS = {
    "text": TEXT,
    "prose": MARKDOWN,
    "markdown": MARKDOWN,
    "fact": REF,
    "ref": REF,
    "file": PATH,
    "path": PATH,
    "date": DATE,
    "meta": META,
}

#: The fields of the bundled publication's content files, for a project made with an earlier
#: release, which has no content/fields.yaml: there, these three names get these fields and a
#: file of any other name is read as plain text (check says to declare it). A project with
#: content/fields.yaml (the bundled one, and every project ``iombrochure new`` makes) declares
#: all of its files there instead. A key ending in "?" is optional; a one-item list means "a
#: list of these".
SCHEMAS: dict[str, Any] = {
    "iom": {
        "organization": {"name": TEXT, "acronym": TEXT, "wordmark?": TEXT},
        "about": {
            "mandate": MARKDOWN,
            "reach": MARKDOWN,
            "sectors_intro": TEXT,
            "sectors": [TEXT],
            "areas_intro": TEXT,
            "areas": [{"name": TEXT, "topics?": [TEXT]}],
        },
        "iran": {
            "intro": MARKDOWN,
            "timeline": [{"when": REF, "title": TEXT, "text": MARKDOWN}],
        },
        "priorities": {"intro": MARKDOWN, "activities": [TEXT]},
        "un_note": MARKDOWN,
        "contact": {"address": [TEXT], "office": TEXT},
    },
    "factsheet": {
        "title": TEXT,
        "subject": TEXT,
        "keywords": [TEXT],
        "lede": MARKDOWN,
        "key_figures": [{"value": TEXT, "label": TEXT}],
    },
    "brochure": {
        "title": TEXT,
        "subject": TEXT,
        "keywords": [TEXT],
        "welcome": TEXT,  # the line of welcome under the title on the cover
        "glance": [{"value": TEXT, "label": TEXT}],  # the flap: key figures
        "what_we_do": {"areas": [TEXT]},  # one line per principal area of iom.about.areas
        "working_with_us": {"intro": MARKDOWN, "ways": [{"who": TEXT, "how": TEXT}]},
        "reach_us": TEXT,  # the line above the contact block on the back panel
        "pictures": {"cover": TEXT, "qr_code": TEXT},  # alt texts
    },
}

#: Lists that go item by item with a list of another content file: (file, key path) pairs.
PARALLEL_LISTS = [
    (("brochure", ("what_we_do", "areas")), ("iom", ("about", "areas"))),
]

#: Top-level keys every content file may carry besides its schema.
COMMON_OPTIONAL = {"translation?": META}


@dataclass
class ContentFile:
    """One parsed YAML file, with the line of every key and list item."""

    path: Path
    data: Any
    #: The declared fields (from content/fields.yaml); None: undeclared, every value is text.
    schema: Any = None

    def line_of(self, key_path: tuple[str | int, ...]) -> int | None:
        return line_of(self.data, key_path)

    @property
    def fields(self) -> Any:
        """The declared fields, or for a file read without them, the bundled publication's
        declaration of a file of that name (None: every value is text)."""
        return self.schema if self.schema is not None else SCHEMAS.get(self.path.stem)


@dataclass
class Content:
    """Everything the later stages read: neutral data plus each language's files."""

    data: ContentFile
    files: dict[str, dict[str, ContentFile]] = field(default_factory=dict)  # lang -> name -> file
    #: Content file name -> its declared fields; ``declared`` says whether fields.yaml exists.
    schemas: dict[str, Any] = field(default_factory=dict)
    declared: bool = False

    def file(self, lang: str, name: str) -> ContentFile:
        return self.files[lang][name]


class ContentErrors(ContentError):
    """Several problems found at once; the first one is the headline."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__(**self.headlining(errors))
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Reading YAML safely, with line numbers


def read_yaml(path: Path, *, root: Path | None = None) -> Any:
    """Parse a YAML file into ruamel's commented containers, refusing aliases and tags.

    The file must lie, links followed, inside the project (``root``, by default the nearest
    folder above it that holds iombrochure.toml), and be at most 2 MB: a larger one is refused
    before it is read, as content is a few KB.
    """
    from iombrochure.errors import ReadRefused
    from iombrochure.pipeline.safety import MAX_TEXT_FILE_BYTES, resolve_inside

    root = root if root is not None else _project_root_of(path)
    try:
        resolved = resolve_inside(root, path, what="content file") if root else path
        if resolved.exists() and not resolved.is_file() and not resolved.is_dir():
            raise ContentError(
                "not a regular file (a device or a pipe)", path=path, rule="file-type"
            )
        size = resolved.stat().st_size
        if size > MAX_TEXT_FILE_BYTES:
            raise ContentError(
                f"the file is {size / 1024 / 1024:.1f} MB, over the limit of "
                f"{MAX_TEXT_FILE_BYTES // 1024 // 1024} MB for a content file: refused unread",
                path=path,
                hint="content files are a few KB of text; is it the right file?",
                rule="file-too-large",
            )
        text = resolved.read_bytes().decode("utf-8")
    except ReadRefused as exc:
        raise ContentError(exc.message, path=path, hint=exc.hint, rule=exc.rule) from None
    except FileNotFoundError as exc:
        raise ContentError("file not found", path=path, rule="file-missing") from exc
    except IsADirectoryError as exc:
        raise ContentError(
            "a folder where a file should be", path=path, rule="file-missing"
        ) from exc
    except OSError as exc:
        raise ContentError(
            f"cannot read the file: {exc.strerror or exc}", path=path, rule="file-unreadable"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ContentError(
            "the file is not UTF-8 text",
            path=path,
            hint="save it as UTF-8 in your editor",
            rule="yaml-syntax",
        ) from exc
    return parse_yaml(text.removeprefix("\ufeff"), path=path)


def _project_root_of(path: Path) -> Path | None:
    """The nearest folder above ``path`` (lexically, links not followed) holding the config."""
    from iombrochure.pipeline.config import CONFIG_NAME

    for folder in Path(os.path.abspath(path)).parents:
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


#: Parsed YAML by (path, text), for a long-lived process: watch mode re-reads every content
#: file on each save, and only the saved one has changed. Copies are handed out.
_PARSED: dict[tuple[str, str], Any] = {}
_PARSED_LIMIT = 64


def parse_yaml(text: str, *, path: Path) -> Any:
    """Parse YAML text (of the file at ``path``), refusing aliases and tags before building it.

    The same text of the same file is parsed once per process; each call gets its own copy."""
    import copy

    key = (str(path), text)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = _parse_yaml(text, path=path)
    return copy.deepcopy(_PARSED[key])


def _parse_yaml(text: str, *, path: Path) -> Any:
    from iombrochure.pipeline.yamlparse import BadYaml, UnsafeYaml, parse_round_trip

    try:
        return parse_round_trip(text, name=str(path), max_depth=MAX_DEPTH)
    except UnsafeYaml as exc:
        raise ContentError(
            exc.message, path=path, line=exc.line, hint=exc.hint, rule="yaml-unsafe"
        ) from None
    except BadYaml as exc:
        raise ContentError(
            f"invalid YAML: {exc.problem}",
            path=path,
            line=exc.line,
            hint="check the indentation and quotes on that line" if exc.line else None,
            rule="yaml-syntax",
        ) from exc
    except RecursionError:
        raise ContentError(
            "the YAML is nested too deeply to be content",
            path=path,
            hint="content is a few levels of fields and lists; look for runs of [ or {",
            rule="yaml-unsafe",
        ) from None
    except (ValueError, OverflowError) as exc:  # e.g. a number of thousands of digits
        raise ContentError(
            f"invalid YAML: a value cannot be read ({str(exc)[:80]})",
            path=path,
            hint="look for a very long number",
            rule="yaml-syntax",
        ) from exc


def line_of(node: Any, key_path: tuple[str | int, ...]) -> int | None:
    """1-based line of the value at ``key_path`` inside a ruamel tree, or of its nearest parent."""
    line: int | None = None
    for key in key_path:
        if isinstance(node, CommentedMap) and key in node:
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, TypeError):
                pass
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            try:
                line = node.lc.item(key)[0] + 1
            except (KeyError, TypeError):
                pass
            node = node[key]
        else:
            break
    return line


def dotted(key_path: tuple[str | int, ...]) -> str:
    """``("about", "areas", 2, "name")`` -> ``about.areas[2].name`` (as an editor reads it)."""
    text = ""
    for key in key_path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "(top level)"


# --------------------------------------------------------------------------------------------
# Loading and validating a project's content


def load_content(project: Project, *, languages: list[str] | None = None) -> Content:
    """Load data.yaml and each language's files for every document, validating all first."""
    content, errors = read_content(project, languages=languages)
    if errors:
        raise ContentErrors(errors)
    if languages is not None:
        content.files = {lang: content.files[lang] for lang in languages}
    return content


def read_content(
    project: Project, *, languages: list[str] | None = None
) -> tuple[Content, list[ContentError]]:
    """Load and validate like :func:`load_content`, but return the problems instead of raising.

    ``check`` reports every problem at once; files that could not be read are left out of the
    returned content (the source language is always included, for comparison).
    """
    errors: list[ContentError] = []
    unreadable = _unreadable_folder(project.content_dir)
    if unreadable is not None:  # one line for the folder: nothing in it can be read
        nothing = ContentFile(project.content_dir / DATA_FILE, CommentedMap())
        return Content(data=nothing, declared=True), [unreadable]
    data_file = _load_data(project, errors)
    # One mistake, one line: if data.yaml cannot be read, every placeholder would seem unknown.
    data_readable = not errors
    schemas, declared = field_kinds(project, errors)
    content = Content(data=data_file, schemas=schemas, declared=declared)
    wanted = languages or list(project.languages)
    source = project.source_language
    for name in content_names(project):
        if declared and name not in schemas:
            errors.append(
                ContentError(
                    f"the fields of content file {name!r} are not declared"
                    f"{_did_you_mean(name, list(schemas))}",
                    path=project.content_dir / FIELDS_FILE,
                    hint=f"add a '{name}:' section listing its fields and their kinds "
                    "(see docs/content.md)",
                    rule="undeclared-file",
                )
            )
    for lang in dict.fromkeys([source, *wanted]):
        content.files[lang] = {}
        if lang not in project.languages:
            continue
        folder_problem = _language_folder_problem(project, lang)
        if folder_problem is not None:  # one line for the folder, not one per file in it
            errors.append(folder_problem)
            continue
        for name in content_names(project, lang):
            path = project.content_dir / lang / f"{name}.yaml"
            source_path = project.content_dir / source / f"{name}.yaml"
            if lang != source and not _can_see(source_path):
                continue  # reported once, for the source language
            if not path.exists() and not path.is_symlink():  # else read_yaml says what it is
                if lang == source:
                    hint = (
                        f"write it: the fields of {name!r} are declared in content/{FIELDS_FILE}"
                        if declared and name in schemas
                        else "write it with the fields the document's template uses"
                    )
                    rule = "file-missing"
                else:
                    hint = f"copy content/{source}/{name}.yaml and translate it"
                    rule = "untranslated"
                errors.append(
                    ContentError(
                        f"missing content file for language {lang!r}",
                        path=path,
                        hint=hint,
                        rule=rule,
                    )
                )
                continue
            try:
                content.files[lang][name] = ContentFile(
                    path=path, data=read_yaml(path, root=project.root), schema=schemas.get(name)
                )
            except ContentError as exc:
                errors.append(exc)
    for lang in content.files:
        # Persian and Pashto have the typography rule bidi-control (typography/),
        # which refuses the controls that reorder text and allows balanced isolates and marks.
        language = project.languages.get(lang)
        rule_set = language is not None and language.typography != "none"
        for name, file in content.files[lang].items():
            errors.extend(empty_values(file))
            errors.extend(hidden_characters(file, bidi=not rule_set))
            compared = lang != source and name in content.files[source]
            schema = file.schema
            if schema is not None:
                errors.extend(
                    error
                    for error in validate_against_schema(file, schema)
                    # A field missing from a translation is "untranslated", one it has that
                    # the source lacks is "extra" (compare_shape): each said once.
                    if not (compared and error.rule in ("missing-field", "unknown-field"))
                )
            if compared:
                errors.extend(compare_shape(content.files[source][name], file, schema))
            if data_readable:
                errors.extend(check_placeholders(file, data_file))
        errors.extend(check_parallel_lists(content.files[lang]))
    return content, errors


def _language_folder_problem(project: Project, lang: str) -> ContentError | None:
    """Why content/<lang>/ cannot hold the language's files (missing, a file, a link out)."""
    from iombrochure.errors import ReadRefused
    from iombrochure.pipeline.safety import resolve_inside

    folder = project.content_dir / lang
    try:
        resolve_inside(project.root, folder, what="folder")
    except ReadRefused as exc:
        return ContentError(exc.message, path=exc.path, hint=exc.hint, rule=exc.rule)
    if folder.is_dir():
        return _unreadable_folder(folder)
    source = project.source_language
    return ContentError(
        f"no content folder for language {lang!r}" + (": it is a file" if folder.exists() else ""),
        path=folder,
        hint=f"copy content/{source}/ to content/{lang}/ and translate its files"
        if lang != source
        else "create it, with one .yaml file per document",
        rule="untranslated",
    )


def _can_see(path: Path) -> bool:
    """Whether ``path`` exists and its folder may be looked into (else said for the folder)."""
    try:
        return path.exists()
    except OSError:
        return False


def _unreadable_folder(folder: Path) -> ContentError | None:
    """A folder whose files cannot be listed or opened (its permissions deny it), as one
    error; None if it can be read, or does not exist (said elsewhere, with what to write)."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                entry.stat(follow_symlinks=False)  # needs the folder's search permission
                break
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return ContentError(
            f"cannot open the folder: {exc.strerror or exc}",
            path=folder,
            hint="make the folder and its files readable by your user",
            rule="file-unreadable",
        )
    return None


def content_names(project: Project, lang: str | None = None) -> list[str]:
    """Every content file name the project's documents use (those made in ``lang``, if given),
    in a stable order."""
    names: list[str] = []
    for document in project.documents.values():
        if lang is not None and lang not in project.document_languages(document.name):
            continue
        for name in document.content:
            if name not in names:
                names.append(name)
    return names


def field_kinds(
    project: Project, errors: list[ContentError] | None = None
) -> tuple[dict[str, Any], bool]:
    """Each content file's declared fields, from content/fields.yaml, and whether it exists.

    Without the file (a project made with an earlier release) the bundled publication's
    declarations apply (SCHEMAS). Problems in the file are appended to ``errors``.
    """
    errors = errors if errors is not None else []
    path = project.content_dir / FIELDS_FILE
    if not path.is_file():
        return dict(SCHEMAS), False
    try:
        file = ContentFile(path=path, data=read_yaml(path, root=project.root))
    except ContentError as exc:
        errors.append(exc)
        return {}, True
    if not isinstance(file.data, dict):
        errors.append(
            ContentError(
                "fields.yaml must map each content file's name to its fields",
                path=path,
                line=1,
                hint="e.g. leaflet: {title: text, intro: prose}",
                rule="fields",
            )
        )
        return {}, True
    schemas: dict[str, Any] = {}
    for name, tree in file.data.items():
        schemas[str(name)] = _declared_schema(file, tree, (name,), errors)
    return schemas, True


def _declared_schema(file: ContentFile, tree: Any, key_path: tuple, errors: list) -> Any:
    """A fields.yaml subtree as a schema: kinds by name, mappings and one-item lists."""

    def problem(message: str, hint: str | None = None) -> None:
        errors.append(
            ContentError(
                message, path=file.path, line=file.line_of(key_path), hint=hint, rule="fields"
            )
        )

    if isinstance(tree, dict):
        if not tree:
            problem(f"{dotted(key_path)}: declare at least one field")
        return {
            str(key): _declared_schema(file, value, (*key_path, key), errors)
            for key, value in tree.items()
        }
    if isinstance(tree, list):
        if len(tree) != 1:
            problem(
                f"{dotted(key_path)}: a list is declared with one item, the kind of every entry",
                hint="e.g. keywords: [text], or steps: [{title: text, text: prose}]",
            )
            return [TEXT]
        return [_declared_schema(file, tree[0], (*key_path, 0), errors)]
    if isinstance(tree, str) and tree in FIELD_KINDS:
        return FIELD_KINDS[tree]
    kinds = ", ".join(dict.fromkeys(k for k in FIELD_KINDS if k not in ("markdown", "ref", "path")))
    problem(
        f"{dotted(key_path)}: unknown field kind {tree!r}"
        f"{_did_you_mean(str(tree), list(FIELD_KINDS))}",
        hint=f"kinds are {kinds}",
    )
    return TEXT


def _load_data(project: Project, errors: list[ContentError]) -> ContentFile:
    path = project.content_dir / DATA_FILE
    try:
        file = ContentFile(path=path, data=read_yaml(path, root=project.root))
    except ContentError as exc:
        errors.append(exc)
        return ContentFile(path=path, data=CommentedMap())
    if not isinstance(file.data, dict):
        errors.append(
            ContentError("data.yaml must be a mapping of sections", path=path, line=1, rule="data")
        )
        file.data = CommentedMap()
        return file
    for section, values in file.data.items():
        line = file.line_of((section,))
        if section not in DATA_SECTIONS:
            errors.append(
                ContentError(
                    f"unknown data section {section!r}{_did_you_mean(section, DATA_SECTIONS)}",
                    path=path,
                    line=line,
                    hint="sections are " + ", ".join(DATA_SECTIONS),
                    rule="data",
                )
            )
            continue
        if not isinstance(values, dict):
            errors.append(
                ContentError(f"{section} must be a mapping", path=path, line=line, rule="data")
            )
            continue
        for key, value in values.items():
            if value is None:
                problem = "is empty: write its value after the colon, or delete the line"
            else:
                problem = _data_value_problem(DATA_SECTIONS[section], value)
            if problem:
                errors.append(
                    ContentError(
                        f"{section}.{key}: {problem}",
                        path=path,
                        line=file.line_of((section, key)),
                        rule="data",
                    )
                )
    return file




#: Line breaks, as Python's str.splitlines sees them: YAML's "\n" and those pasted from Word.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def hidden_characters(file: ContentFile, *, bidi: bool = True) -> list[ContentError]:
    """Characters a reader of the file cannot see but the PDF obeys: an invisible bidi control
    in any text (U+202E shows "Tehran" as "narheT"), and a line break inside a field that is
    one line of text (a title, a label), which would break the line in the PDF, the PDF's
    metadata or an e-mail's subject. Each field is reported once, at its line."""
    errors: list[ContentError] = []
    for key_path, value, kind in _text_leaves(file):
        if bidi and (problem := bidi_control_problem(value)):
            rule = "bidi-control"
            hint = "retype the text around it: each edition's direction is set for you"
        elif kind == TEXT and any(char in LINE_BREAKS for char in value.strip()):
            problem = "is one line of text but holds a line break"
            hint, rule = "write it on one line; only prose fields have paragraphs", "line-break"
        else:
            continue
        errors.append(
            ContentError(
                f"{dotted(key_path)} {problem}",
                path=file.path,
                line=file.line_of(key_path),
                hint=hint,
                rule=rule,
            )
        )
    return errors


def _text_leaves(file: ContentFile) -> Iterator[tuple[tuple, str, str | None]]:
    """(key path, text, kind) of every text a content file prints: TEXT and MARKDOWN fields,
    or every string of an undeclared file (kind None). Bookkeeping (``translation:``), facts'
    names and file paths are not printed as written and are left out."""
    schema = file.fields

    def walk(value: Any, sub: Any, key_path: tuple) -> Iterator[tuple[tuple, str, str | None]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if not key_path and key == "translation":
                    continue
                child = sub.get(key, sub.get(f"{key}?")) if isinstance(sub, dict) else None
                yield from walk(item, child, (*key_path, key))
        elif isinstance(value, list):
            child = sub[0] if isinstance(sub, list) and sub else None
            for index, item in enumerate(value):
                yield from walk(item, child, (*key_path, index))
        elif isinstance(value, str) and (schema is None or sub in (TEXT, MARKDOWN)):
            yield key_path, value, sub if schema is not None else None

    yield from walk(file.data, schema, ())


def empty_values(file: ContentFile) -> list[ContentError]:
    """A field written with no value (``lede:``) would print as "None": refuse it."""
    errors: list[ContentError] = []

    def walk(node: Any, key_path: tuple) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*key_path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*key_path, index))
        elif node is None and key_path and key_path[0] != "translation":
            errors.append(
                ContentError(
                    f"{dotted(key_path)} is empty",
                    path=file.path,
                    line=file.line_of(key_path),
                    hint="write its text after the colon, or delete the line",
                    rule="empty-field",
                )
            )

    walk(file.data, ())
    return errors


def _data_value_problem(kind: str, value: Any) -> str | None:
    if isinstance(value, str) and (problem := bidi_control_problem(value)):
        return problem
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and not math.isfinite(value):
            return f"{value} is not a number that can be printed, e.g. 370000"
        return None if ok else "must be a number, e.g. 370000"
    if kind == "year":
        ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999
        return None if ok else "must be a year, e.g. 1951"
    if kind == "month":
        if isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            return calendar_problem(dt.date.fromisoformat(value + "-01"))
        return 'must be a month written "YYYY-MM" in quotes, e.g. "1990-07"'
    if kind == "date":
        if isinstance(value, dt.date):
            return calendar_problem(value)
        return "must be a date, e.g. 2026-11-28"
    if kind == "phone":
        from iombrochure.pipeline.phones import parse_phone

        try:
            parse_phone(str(value))
        except ValueError:
            return 'must be a phone number in international form, e.g. "+98 21 8804 3377"'
        return None
    if kind == "money":
        return money_problem(value)
    if kind == "code":
        ok = isinstance(value, str | int) and not isinstance(value, bool)
        return None if ok else 'must be text, e.g. "19936"'
    if kind == "link":
        if not isinstance(value, str) or not value.strip():
            return "must be an address"
        text = value.strip()
        scheme = text.split(":", 1)[0].lower() if ":" in text else ""
        if any(char.isspace() for char in text) or scheme not in ("", "https", "mailto"):
            return (
                f"{text!r} is not an e-mail address or a web address "
                "(e.g. iomtehran@iom.int, www.iom.int)"
            )
        return None
    return None


def money_problem(value: Any) -> str | None:
    """Why a money fact of data.yaml cannot be printed, or None. The amount is never rounded:
    a currency written without decimals (AFN, IRR) takes whole amounts only."""
    from babel.numbers import get_currency_precision, is_currency, list_currencies

    example = "e.g. {amount: 10000, currency: AFN}"
    if not isinstance(value, dict):
        return f"must be an amount and its currency, {example}"
    unknown = [str(key) for key in value if key not in MONEY_KEYS]
    if unknown:
        return f"has {unknown[0]!r}, but a money fact has only " + ", ".join(MONEY_KEYS)
    amount, currency = value.get("amount"), value.get("currency")
    if amount is None or currency is None:
        return f"needs both amount and currency, {example}"
    if not isinstance(amount, int | float) or isinstance(amount, bool):
        return f"amount must be a number written without a sign or separators, {example}"
    if not math.isfinite(amount) or amount < 0:
        return f"amount {amount} is not an amount that can be printed, {example}"
    if not isinstance(currency, str) or not is_currency(currency):
        return (
            f"currency {currency!r} is not an ISO 4217 currency code"
            f"{_did_you_mean(str(currency).upper(), list_currencies())}, e.g. AFN, IRR, USD"
        )
    decimals = get_currency_precision(currency)
    if round(amount, decimals) != amount:
        places = f"{decimals} decimals" if decimals else "no decimals"
        return f"amount {amount} has more decimals than {currency} is written with ({places})"
    sign = value.get("sign", "symbol")
    if sign not in MONEY_SIGNS:
        return f"sign {sign!r} is not one of " + ", ".join(MONEY_SIGNS)
    return None


def validate_against_schema(file: ContentFile, schema: Any) -> list[ContentError]:
    """Every required field present, of the right type; unknown keys named with a suggestion."""
    errors: list[ContentError] = []
    full = {**schema, **COMMON_OPTIONAL} if isinstance(schema, dict) else schema
    _validate(file, file.data, full, (), errors)
    return errors


def _validate(
    file: ContentFile, value: Any, schema: Any, key_path: tuple, errors: list[ContentError]
) -> None:
    def report(
        message: str, hint: str | None = None, at: tuple = key_path, rule: str = "field-type"
    ) -> None:
        errors.append(
            ContentError(message, path=file.path, line=file.line_of(at), hint=hint, rule=rule)
        )

    if isinstance(schema, dict):
        if not isinstance(value, dict):
            report(f"{dotted(key_path)} must be a set of fields (key: value)")
            return
        fields = {key.rstrip("?"): key.endswith("?") for key in schema}
        for key in value:
            if key not in fields:
                report(
                    f"unknown field {dotted((*key_path, key))!r}"
                    f"{_did_you_mean(str(key), list(fields))}",
                    at=(*key_path, key),
                    rule="unknown-field",
                )
        for key, optional in fields.items():
            sub_schema = schema[key + "?" if optional else key]
            if key in value and value[key] is None:
                continue  # reported once, by empty_values
            if key not in value:
                if not optional:
                    report(
                        f"missing field {dotted((*key_path, key))!r}",
                        hint="add it (see docs/content.md)",
                        rule="missing-field",
                    )
                continue
            _validate(file, value[key], sub_schema, (*key_path, key), errors)
    elif isinstance(schema, list):
        if not isinstance(value, list):
            report(f"{dotted(key_path)} must be a list (lines starting with '- ')")
            return
        if not value:
            report(f"{dotted(key_path)} must not be empty")
        for index, item in enumerate(value):
            _validate(file, item, schema[0], (*key_path, index), errors)
    elif schema == META:
        return
    elif schema == DATE:
        if not isinstance(value, dt.date):
            report(f"{dotted(key_path)} must be a date, e.g. 2026-11-28")
    elif schema == REF:
        if not isinstance(value, str) or not re.fullmatch(r"[a-z_]+\.[A-Za-z0-9_]+", value):
            report(
                f"{dotted(key_path)} must name a value in data.yaml, e.g. years.founded",
            )
    elif not isinstance(value, str) or not value.strip():
        report(f"{dotted(key_path)} must be text", hint="put the text in quotes if it is a number")


def compare_shape(
    source: ContentFile, translation: ContentFile, schema: Any = None
) -> list[ContentError]:
    """A translation has exactly the source's fields and list lengths: nothing missing or extra.

    With the file's ``schema``, a source field the schema does not know is left to the schema
    check, which reports it once, in the source (one mistake, one line); a translation's field
    that the source lacks is reported here, as extra, and not again by the schema check."""
    errors: list[ContentError] = []

    def walk(src: Any, tr: Any, key_path: tuple) -> None:
        if isinstance(src, dict) and isinstance(tr, dict):
            known = _schema_fields(schema, key_path)
            for key in src:
                if key == "translation" or (known is not None and key not in known):
                    continue
                if key not in tr:
                    errors.append(
                        ContentError(
                            f"untranslated: field {dotted((*key_path, key))!r} is missing "
                            f"(it is in {source.path.parent.name}/{source.path.name}, "
                            f"line {source.line_of((*key_path, key))})",
                            path=translation.path,
                            line=translation.line_of(key_path) if key_path else None,
                            hint="translate it",
                            rule="untranslated",
                        )
                    )
                else:
                    walk(src[key], tr[key], (*key_path, key))
            for key in tr:
                if key not in src and key != "translation":
                    errors.append(
                        ContentError(
                            f"extra field {dotted((*key_path, key))!r} is not in the source "
                            f"language's {source.path.name}",
                            path=translation.path,
                            line=translation.line_of((*key_path, key)),
                            hint="remove it, or add it to the source language first",
                            rule="extra-field",
                        )
                    )
        elif isinstance(src, list) and isinstance(tr, list):
            if len(src) != len(tr):
                errors.append(
                    ContentError(
                        f"{dotted(key_path)} has {len(tr)} items but the source has {len(src)}",
                        path=translation.path,
                        line=translation.line_of(key_path),
                        hint="translate every item, in the same order",
                        rule="list-length",
                    )
                )
            for index, (s_item, t_item) in enumerate(zip(src, tr, strict=False)):
                walk(s_item, t_item, (*key_path, index))

    walk(source.data, translation.data, ())
    return errors


def _schema_fields(schema: Any, key_path: tuple) -> set[Any] | None:
    """The field names a schema allows at ``key_path`` (list indexes step into the item's
    schema); None where there is no schema or it does not describe a set of fields."""
    node = schema
    if isinstance(node, dict):
        node = {**node, **COMMON_OPTIONAL}
    for key in key_path:
        if isinstance(node, list) and isinstance(key, int):
            node = node[0] if node else None
        elif isinstance(node, dict):
            node = next((v for k, v in node.items() if k.rstrip("?") == key), None)
        else:
            return None
    if not isinstance(node, dict):
        return None
    return {k.rstrip("?") for k in node} | ({"translation"} if not key_path else set())


def iter_strings(node: Any, key_path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string value in a content tree, with its key path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from iter_strings(value, (*key_path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_strings(value, (*key_path, index))
    elif isinstance(node, str):
        yield key_path, node


def check_placeholders(file: ContentFile, data: ContentFile) -> list[ContentError]:
    """Every ``{section.key}`` placeholder and ``when:`` reference names a value in data.yaml."""
    errors: list[ContentError] = []
    for key_path, text in iter_strings(file.data):
        if key_path and key_path[0] == "translation":
            continue
        refs = [m.group(1) + "." + m.group(2) for m in PLACEHOLDER_RE.finditer(text)]
        if key_path and key_path[-1] == "when":
            refs.append(text)
        for ref in refs:
            if not data_has(data.data, ref):
                errors.append(
                    ContentError(
                        f"{dotted(key_path)} refers to {ref!r}, which content/data.yaml does "
                        f"not define{_did_you_mean(ref, list(_all_refs(data.data)))}",
                        path=file.path,
                        line=file.line_of(key_path),
                        rule="placeholder",
                    )
                )
    return errors


def check_parallel_lists(files: dict[str, ContentFile]) -> list[ContentError]:
    """A list that describes another file's list item by item has as many items as it."""
    errors: list[ContentError] = []
    for (name, key_path), (other_name, other_path) in PARALLEL_LISTS:
        if name not in files or other_name not in files:
            continue
        items, others = _get(files[name].data, key_path), _get(files[other_name].data, other_path)
        if isinstance(items, list) and isinstance(others, list) and len(items) != len(others):
            other = files[other_name].path
            errors.append(
                ContentError(
                    f"{dotted(key_path)} has {len(items)} items but {dotted(other_path)} in "
                    f"{other.parent.name}/{other.name} has {len(others)}: they go item by item",
                    path=files[name].path,
                    line=files[name].line_of(key_path),
                    hint="write one line for each item, in the same order",
                    rule="list-length",
                )
            )
    return errors


def _get(node: Any, key_path: tuple) -> Any:
    for key in key_path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def data_has(data: Any, ref: str) -> bool:
    section, _, key = ref.partition(".")
    return isinstance(data, dict) and isinstance(data.get(section), dict) and key in data[section]


def _all_refs(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for section, values in data.items():
            if isinstance(values, dict):
                for key in values:
                    yield f"{section}.{key}"


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

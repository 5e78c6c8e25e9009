"""Stale translations: remember which source text each translated field was made from.

Each translated content file carries a top-level ``translation:`` block (a META field, never
rendered) with a short fingerprint of the source-language text of every field, taken when the
translator last marked the file (or field) as up to date::

    translation:
      source: en
      fingerprints:
        "about.mandate": "3f9a0c1e"
        "about.areas[4].topics[0]": "b04d2a77"

When the source text changes, its fingerprint no longer matches and ``check`` names the
translated field (and the source line that changed). ``iombrochure translations mark-current``
records the current fingerprints; nothing else writes them, so a fix of typography or layout
never makes a translation look current.

Fingerprints are of the *normalised* source: Unicode NFC, runs of whitespace as one space, ends
trimmed. Re-wrapping a paragraph does not make its translations stale; changing a word does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iombrochure.errors import ConfigError, ContentError
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.content import (
    MARKDOWN,
    SCHEMAS,
    TEXT,
    ContentFile,
    content_names,
    dotted,
    field_kinds,
    parse_yaml,
    read_yaml,
)

BLOCK_KEY = "translation"
FINGERPRINT_LENGTH = 8
HEADER = (
    "# Which source text each translation was made from (see docs/checks.md, stale translations).\n"
    "# Written by `iombrochure translations mark-current`: do not edit by hand.\n"
)

_BLOCK_START = re.compile(rf"^{BLOCK_KEY}\s*:")
_TOP_LEVEL_LINE = re.compile(r"^\S")  # a key or a comment at column 0 ends the block


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def fingerprint(text: str) -> str:
    """A short hash of the normalised text: enough to notice a change, short enough to read."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


@dataclass(frozen=True)
class Field:
    """One translatable string of a content file: where it is and what it says."""

    key_path: tuple[str | int, ...]
    text: str

    @property
    def name(self) -> str:
        return dotted(self.key_path)


def translatable_fields(file: ContentFile) -> Iterator[Field]:
    """Every string a translator translates (text and prose; not references, paths or META)."""
    schema = file.fields
    yield from _walk(file.data, schema, (), unknown_is_text=schema is None)


def _walk(value: Any, schema: Any, key_path: tuple, *, unknown_is_text: bool) -> Iterator[Field]:
    if isinstance(value, dict):
        for key, item in value.items():
            if not key_path and key == BLOCK_KEY:
                continue
            sub = schema.get(key, schema.get(f"{key}?")) if isinstance(schema, dict) else None
            if sub is None and not unknown_is_text:
                continue
            yield from _walk(item, sub, (*key_path, key), unknown_is_text=unknown_is_text)
    elif isinstance(value, list):
        sub = schema[0] if isinstance(schema, list) else None
        for index, item in enumerate(value):
            yield from _walk(item, sub, (*key_path, index), unknown_is_text=unknown_is_text)
    elif isinstance(value, str) and (schema in (TEXT, MARKDOWN) or unknown_is_text):
        yield Field(key_path, str(value))


def is_translatable(file_stem: str, key_path: tuple, schema: Any = None) -> bool:
    """Whether a key path of a content file holds text or prose (for typography rules).

    ``schema``: the file's declared fields; by default the bundled publication's (SCHEMAS).
    """
    if key_path and key_path[0] == BLOCK_KEY:
        return False
    if schema is None:
        schema = SCHEMAS.get(file_stem)
    if schema is None:
        return True
    return declared_kind(schema, key_path) in (TEXT, MARKDOWN)


def declared_kind(schema: Any, key_path: tuple) -> Any:
    """The kind ``fields.yaml`` declares for a key path of a content file (``text``,
    ``markdown``, ...), or None where the path leaves the declared fields."""
    for key in key_path:
        if isinstance(schema, dict):
            schema = schema.get(key, schema.get(f"{key}?"))
        elif isinstance(schema, list) and isinstance(key, int):
            schema = schema[0]
        else:
            return None
    return schema


def recorded_fingerprints(translation: ContentFile) -> dict[str, str] | None:
    """The fingerprints stored in a translated file, or None if it has no block (or a bad one)."""
    data = translation.data
    block = data.get(BLOCK_KEY) if isinstance(data, dict) else None
    if not isinstance(block, dict):
        return None
    prints = block.get("fingerprints")
    if not isinstance(prints, dict):
        return None
    return {str(key): str(value) for key, value in prints.items()}


@dataclass(frozen=True)
class Staleness:
    """One translated field whose source changed, or whose fingerprint was never recorded."""

    field: Field
    translated_line: int | None
    source_line: int | None
    recorded: str | None


def stale_fields(source: ContentFile, translation: ContentFile) -> list[Staleness] | None:
    """Translated fields older than their source. None when the file records no fingerprints."""
    prints = recorded_fingerprints(translation)
    if prints is None:
        return None
    stale = []
    for field in translatable_fields(source):
        if not _present(translation, field):
            continue  # untranslated: content validation reports it
        recorded = prints.get(field.name)
        if recorded != fingerprint(field.text):
            stale.append(
                Staleness(
                    field=field,
                    translated_line=translation.line_of(field.key_path),
                    source_line=source.line_of(field.key_path),
                    recorded=recorded,
                )
            )
    return stale


def _present(file: ContentFile, field: Field) -> bool:
    node: Any = file.data
    for key in field.key_path:
        in_map = isinstance(node, dict) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_map or in_list):
            return False
        node = node[key]
    return isinstance(node, str)


def mark_current(
    source: ContentFile,
    translation: ContentFile,
    *,
    source_language: str,
    fields: list[str] | None = None,
) -> list[str]:
    """Record the source's current fingerprints in the translated file; return the fields whose
    recorded fingerprint changed (empty, and the file untouched, when all were current).

    With ``fields`` (dotted names such as ``about.mandate``), only those are marked and the other
    recorded fingerprints are kept. Everything in the file but the ``translation:`` block stays
    byte for byte; the file is written atomically and re-read to prove nothing else changed.
    """
    current = {
        field.name: fingerprint(field.text)
        for field in translatable_fields(source)
        if _present(translation, field)
    }
    if fields:
        unknown = [name for name in fields if name not in current]
        if unknown:
            raise ContentError(
                f"no translated field {unknown[0]!r} in this file"
                + _close_match(unknown[0], list(current)),
                path=translation.path,
                hint="name fields as check prints them, e.g. about.mandate",
                rule="stale-translation",
            )
        prints = dict(recorded_fingerprints(translation) or {})
        prints = {name: value for name, value in prints.items() if name in current}
        prints.update({name: current[name] for name in fields})
        marked = list(fields)
    else:
        prints = current
        marked = list(current)
    ordered = {name: prints[name] for name in current if name in prints}
    block = translation.data.get(BLOCK_KEY) if isinstance(translation.data, dict) else None
    recorded = recorded_fingerprints(translation)
    if (
        recorded == ordered
        and list(recorded) == list(ordered)
        and isinstance(block, dict)
        and block.get("source") == source_language
    ):
        return []
    _write_block(translation.path, source_language, ordered)
    recorded = recorded or {}
    return [name for name in marked if recorded.get(name) != ordered.get(name)]


def _close_match(word: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def render_block(source_language: str, prints: dict[str, str]) -> str:
    lines = [f"{BLOCK_KEY}:\n", f"  source: {source_language}\n", "  fingerprints:\n"]
    lines += [f'    "{name}": "{value}"\n' for name, value in prints.items()]
    return "".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with its top-level ``translation:`` block replaced by ``block`` (or appended)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _BLOCK_START.match(line)), None)
    if start is None:
        if not text.strip():
            return HEADER + block
        separator = "" if text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
        return text + separator + HEADER + block
    end = start + 1
    while end < len(lines) and not _TOP_LEVEL_LINE.match(lines[end]):
        end += 1
    # Blank lines and comments that end the block belong to what follows it.
    while end - 1 > start and not lines[end - 1].strip():
        end -= 1
    return "".join([*lines[:start], block, *lines[end:]])


def _write_block(path: Path, source_language: str, prints: dict[str, str]) -> None:
    from iombrochure.typography import write_text_atomically

    raw = path.read_bytes()
    has_bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8").removeprefix("\ufeff")
    crlf = "\r\n" in text
    new_text = replace_block(text.replace("\r\n", "\n"), render_block(source_language, prints))
    if crlf:
        new_text = new_text.replace("\n", "\r\n")
    new_raw = ("\ufeff" if has_bom else "").encode("utf-8") + new_text.encode("utf-8")
    if new_raw == raw:
        return
    _prove_only_block_changed(path, raw, new_raw, source_language, prints)
    write_text_atomically(path, new_raw)


def _prove_only_block_changed(
    path: Path, old: bytes, new: bytes, source_language: str, prints: dict[str, str]
) -> None:
    def plain(node: Any) -> Any:
        if isinstance(node, dict):
            return {str(k): plain(v) for k, v in node.items()}
        if isinstance(node, list):
            return [plain(v) for v in node]
        return node

    before = plain(parse_yaml(old.decode("utf-8").removeprefix("\ufeff"), path=path))
    after = plain(parse_yaml(new.decode("utf-8").removeprefix("\ufeff"), path=path))
    expected_block = {"source": source_language, "fingerprints": prints}
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise ContentError("the file is not a set of fields", path=path, rule="field-type")
    before.pop(BLOCK_KEY, None)
    block = after.pop(BLOCK_KEY, None)
    if before != after or block != expected_block:
        raise ContentError(
            "cannot update the translation: block without changing other content",
            path=path,
            hint="move the translation: block to the end of the file, unindented, and retry",
            rule="stale-translation",
        )


def mark_files_current(
    project: Project,
    *,
    languages: list[str] | None = None,
    files: list[Path] | None = None,
    fields: list[str] | None = None,
) -> list[tuple[Path, list[str]]]:
    """Mark translated files (all of some languages, or the ones named) as current. The
    caller adds what is current to the translation memory (exchange.remember_languages)."""
    source = project.source_language
    names = content_names(project)
    schemas, _ = field_kinds(project)
    for code in languages or ():
        if code not in project.languages:
            raise ConfigError(
                f"unknown language {code!r}; this project has: {', '.join(project.languages)}",
                path=project.config_path,
            )
        if code == source:
            raise ConfigError(
                f"{code!r} is the source language: only translations are marked current",
                hint="name a translated language, e.g. --lang "
                + next((c for c in project.languages if c != source), "fa"),
            )
    targets: list[tuple[str, str]] = []
    for given in files or ():
        targets.append(_content_file_of(project, given, names))
    if not files:
        wanted = languages or [code for code in project.languages if code != source]
        targets = [(code, name) for code in wanted for name in content_names(project, code)]
    elif languages:
        targets = [(code, name) for code, name in targets if code in languages]
    if fields and len(targets) != 1:
        raise ConfigError(
            "--field marks fields of one file: name that file too",
            hint="e.g. iombrochure translations mark-current --field about.mandate "
            "content/fa/iom.yaml",
        )
    results = []
    for code, name in targets:
        schema = schemas.get(name)
        source_file = ContentFile(project.content_dir / source / f"{name}.yaml", None, schema)
        translation = ContentFile(project.content_dir / code / f"{name}.yaml", None, schema)
        source_file.data = read_yaml(source_file.path)
        translation.data = read_yaml(translation.path)
        marked = mark_current(source_file, translation, source_language=source, fields=fields)
        results.append((translation.path, marked))
    return results


def _content_file_of(project: Project, given: Path, names: list[str]) -> tuple[str, str]:
    """(language, content name) of a path the user typed, relative to here or the project."""
    here = Path.cwd().resolve()
    inside = here == project.root or project.root in here.parents
    candidates = [given, project.root / given] if inside else [project.root / given, given]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        raise ContentError("file not found", path=given, hint="name a file under content/<lang>/")
    path = path.resolve()
    try:
        relative = path.relative_to(project.content_dir.resolve())
    except ValueError:
        relative = None
    if relative is None or len(relative.parts) != 2 or path.suffix != ".yaml":
        raise ContentError(
            "not a content file of this project", path=path, hint="name content/<lang>/<name>.yaml"
        )
    code, name = relative.parts[0], path.stem
    if code == project.source_language:
        raise ContentError(
            "this is the source language: only its translations are marked current", path=path
        )
    if code not in project.languages or name not in names:
        raise ContentError(
            "no document of this project uses this file", path=path, hint="check iombrochure.toml"
        )
    return code, name

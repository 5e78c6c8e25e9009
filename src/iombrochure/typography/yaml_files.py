"""Checking and fixing the text values of YAML content files, keeping everything else as it is.

A fix rewrites only the string scalars that change: comments, key order, quoting, block styles
and every line without a change stay byte for byte, and the file is replaced atomically.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from itertools import product
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from iombrochure.errors import ContentError
from iombrochure.typography.shared import RuleSet, TypographyFinding

KeyPath = tuple[str | int, ...]

_YAML_WIDTH = sys.maxsize  # never re-wrap lines
# (mapping, sequence, offset) indentations tried to reproduce a file's own layout.
_INDENT_STYLES = [
    (mapping, sequence, offset)
    for mapping, offset, sequence in product((2, 4, 3), (0, 2, 4), (2, 4, 6))
    if sequence >= offset + 2
]


@dataclass
class _StringScalar:
    """A string scalar in a loaded YAML document and how to reach it."""

    key_path: KeyPath
    value: str
    container: CommentedMap | CommentedSeq | None
    key: Any
    line: int  # 1-based line of the scalar (of its indicator for block scalars)


def _new_yaml(indent: tuple[int, int, int] = (2, 2, 0)) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _YAML_WIDTH
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _read_yaml_text(path: Path) -> tuple[str, bool, bool]:
    """The file's text with LF line ends, whether it had a BOM, and whether it used CRLF."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentError("file is not valid UTF-8", path=path, line=line) from error
    has_bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    uses_crlf = "\r\n" in text
    return text.replace("\r\n", "\n"), has_bom, uses_crlf


def _load_yaml(yaml: YAML, text: str, path: Path) -> Any:
    try:
        return yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        raise ContentError(f"cannot parse YAML: {problem}", path=path, line=line) from error
    except YAMLError as error:
        raise ContentError(f"cannot parse YAML: {error}", path=path) from error


def _key_part(key: Any) -> str | int:
    if isinstance(key, int) and not isinstance(key, bool):
        return int(key)
    return str(key)


def _iter_string_scalars(document: Any) -> Iterator[_StringScalar]:
    """Every string value (never a key) with its key path and line, each node visited once."""
    seen: set[int] = set()

    def walk(node: Any, key_path: KeyPath) -> Iterator[_StringScalar]:
        if isinstance(node, CommentedMap):
            if id(node) in seen:
                return
            seen.add(id(node))
            for key, value in node.non_merged_items():
                line = node.lc.value(key)[0] + 1
                yield from visit(value, (*key_path, _key_part(key)), node, key, line)
        elif isinstance(node, CommentedSeq):
            if id(node) in seen:
                return
            seen.add(id(node))
            for index, value in enumerate(node):
                line = node.lc.item(index)[0] + 1
                yield from visit(value, (*key_path, index), node, index, line)

    def visit(value: Any, key_path: KeyPath, container: Any, key: Any, line: int) -> Iterator:
        if isinstance(value, str):
            yield _StringScalar(key_path, value, container, key, line)
        else:
            yield from walk(value, key_path)

    if isinstance(document, str):
        yield _StringScalar((), document, None, None, 1)
    else:
        yield from walk(document, ())


def _finding_line(scalar: _StringScalar, offset: int) -> int:
    """The source line of ``offset`` in a scalar: exact for literal blocks, else the first line."""
    if isinstance(scalar.value, LiteralScalarString):
        return scalar.line + 1 + scalar.value.count("\n", 0, offset)
    if isinstance(scalar.value, FoldedScalarString):
        return scalar.line + 1
    return scalar.line


def check_yaml_file(
    path: Path, rules: RuleSet, *, is_prose: Callable[[KeyPath], bool] | None = None
) -> list[tuple[int, KeyPath, TypographyFinding]]:
    """(line, key path, finding) for every problem in the file's string values.

    ``is_prose(key_path)`` returning False skips a field (URLs, e-mails, hashes); by default every
    string value is checked. Lines are exact inside literal (``|``) blocks; for other multi-line
    scalars they point at the scalar's first line. Raises ContentError if the file cannot be read.
    """
    path = Path(path)
    text, _, _ = _read_yaml_text(path)
    document = _load_yaml(_new_yaml(), text, path)
    return check_yaml_document(document, rules, is_prose=is_prose)


def check_yaml_document(
    document: Any, rules: RuleSet, *, is_prose: Callable[[KeyPath], bool] | None = None
) -> list[tuple[int, KeyPath, TypographyFinding]]:
    """Like :func:`check_yaml_file`, for a document ruamel (round-trip) already loaded."""
    results = []
    for scalar in _iter_string_scalars(document):
        if is_prose is not None and not is_prose(scalar.key_path):
            continue
        for finding in rules.check(str(scalar.value)):
            results.append((_finding_line(scalar, finding.offset), scalar.key_path, finding))
    return results


def _moved_fold_positions(old: str, new: str, fold_positions: list[int]) -> list[int]:
    """Fold positions of a folded scalar carried over to its fixed text, where still valid."""
    moved = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for old_start, new_start, size in matcher.get_matching_blocks():
        for position in fold_positions:
            if old_start <= position < old_start + size:
                moved.append(position - old_start + new_start)
    return [
        position
        for position in sorted(set(moved))
        if 0 < position < len(new) - 1
        and new[position] == " "
        and not new[position - 1].isspace()
        and not new[position + 1].isspace()
    ]


def _with_text(old: str, new_text: str) -> str:
    """``new_text`` as the same scalar type as ``old``: same quoting, block style and anchor."""
    if type(old) is str:
        return new_text
    new = type(old)(new_text)
    anchor = old.yaml_anchor() if hasattr(old, "yaml_anchor") else None
    if anchor is not None and anchor.value is not None:
        new.yaml_set_anchor(anchor.value, always_dump=anchor.always_dump)
    if hasattr(old, "comment") and getattr(old, "comment", None) is not None:
        new.comment = old.comment
    if isinstance(old, FoldedScalarString) and getattr(old, "fold_pos", None):
        new.fold_pos = _moved_fold_positions(str(old), new_text, old.fold_pos)
    return new


def _to_plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {_to_plain(key): _to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_to_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    return node


def _dump(yaml: YAML, document: Any) -> str:
    stream = StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def _matching_lines(first: list[str], second: list[str]) -> int:
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _closest_layout(document: Any, source: str) -> tuple[YAML, str]:
    """The indentation style whose output is closest to the file, and that output."""
    source_lines = source.splitlines(keepends=True)
    best_score = -1
    for indent in _INDENT_STYLES:
        yaml = _new_yaml(indent)
        output = _dump(yaml, document)
        if output == source:
            return yaml, output
        score = _matching_lines(source_lines, output.splitlines(keepends=True))
        if score > best_score:
            best_score, best_yaml, best_output = score, yaml, output
    return best_yaml, best_output


def _merge_changed_lines(source: str, baseline: str, changed: str) -> str | None:
    """Carry the lines that differ between two dumps over to the source, leaving the rest as is.

    ruamel does not reproduce every file byte for byte (for example comments before ``---``), so
    only the lines that hold changed scalars are taken from its output. Returns None if a changed
    line cannot be placed in the source.
    """
    source_lines = source.splitlines(keepends=True)
    baseline_lines = baseline.splitlines(keepends=True)
    changed_lines = changed.splitlines(keepends=True)
    baseline_to_source: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, source_lines, baseline_lines, autojunk=False)
    for tag, source_start, source_end, baseline_start, _ in matcher.get_opcodes():
        if tag == "equal":
            for index in range(source_end - source_start):
                baseline_to_source[baseline_start + index] = source_start + index
    replacements = []
    matcher = difflib.SequenceMatcher(None, baseline_lines, changed_lines, autojunk=False)
    for tag, start, end, changed_start, changed_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        if start < end:
            mapped = [baseline_to_source.get(index) for index in range(start, end)]
            if None in mapped or mapped != list(range(mapped[0], mapped[0] + len(mapped))):
                return None
            source_start, source_end = mapped[0], mapped[-1] + 1
        elif start in baseline_to_source:
            source_start = source_end = baseline_to_source[start]
        elif start - 1 in baseline_to_source:
            source_start = source_end = baseline_to_source[start - 1] + 1
        else:
            return None
        replacements.append((source_start, source_end, changed_lines[changed_start:changed_end]))
    for source_start, source_end, lines in reversed(replacements):
        source_lines[source_start:source_end] = lines
    return "".join(source_lines)


def _loads_as(candidate: str | None, expected: Any) -> bool:
    """Whether ``candidate`` is YAML holding exactly ``expected``: a guard before writing."""
    if candidate is None:
        return False
    try:
        return _to_plain(_new_yaml().load(candidate)) == expected
    except YAMLError:
        return False


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so readers never see half a file.

    A symlinked content file is written through to its target, so the link survives.
    """
    path = path.resolve()
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: For other modules that rewrite content files: the same atomic, symlink-preserving write.
write_text_atomically = _write_atomically


def fix_yaml_file(
    path: Path, rules: RuleSet, *, is_prose: Callable[[KeyPath], bool] | None = None
) -> int:
    """Rewrite string scalars of a YAML file in place with ``rules.fix``; return the count.

    Keys are never changed; ``is_prose(key_path)`` returning False skips a field (default: every
    string value). Comments, key order, quoting and block styles are kept, and lines without a
    changed scalar stay byte-identical. The file is written atomically and only if something
    changed. If it cannot be parsed, ContentError is raised and the file is not touched.
    """
    path = Path(path)
    source, has_bom, uses_crlf = _read_yaml_text(path)
    document = _load_yaml(_new_yaml(), source, path)
    yaml, baseline = _closest_layout(document, source)

    replacements: dict[int, str] = {}
    for scalar in _iter_string_scalars(document):
        if is_prose is not None and not is_prose(scalar.key_path):
            continue
        if id(scalar.value) in replacements:
            new_value = replacements[id(scalar.value)]
        else:
            fixed = rules.fix(str(scalar.value))
            if fixed == str(scalar.value):
                continue
            new_value = _with_text(scalar.value, fixed)
            replacements[id(scalar.value)] = new_value
        if scalar.container is None:
            document = new_value
        else:
            scalar.container[scalar.key] = new_value
    if not replacements:
        return 0

    changed = _dump(yaml, document)
    expected = _to_plain(document)
    candidates = (_merge_changed_lines(source, baseline, changed), changed)
    output = next((text for text in candidates if _loads_as(text, expected)), None)
    if output is None:
        raise ContentError("cannot rewrite the file without changing its meaning", path=path)
    if uses_crlf:
        output = output.replace("\n", "\r\n")
    _write_atomically(path, (("\ufeff" if has_bom else "") + output).encode("utf-8"))
    return len(replacements)

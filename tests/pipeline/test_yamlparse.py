"""libyaml parses content into the same ruamel objects, lines included, as ruamel's own parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from iombrochure.pipeline.yamlparse import BadYaml, UnsafeYaml, parse_round_trip

REPO = Path(__file__).resolve().parents[2]
CONTENT_FILES = sorted(
    [*(REPO / "content").rglob("*.yaml"), *(REPO / "src/iombrochure/starter").rglob("*.yaml")]
)


def same_tree(fast: object, slow: object, where: str = "") -> list[str]:
    """Differences between two ruamel trees: types, values, and the line of every key/item."""
    if type(fast) is not type(slow):
        return [f"{where}: {type(fast).__name__} != {type(slow).__name__}"]
    if isinstance(slow, CommentedMap):
        if list(fast) != list(slow):
            return [f"{where}: keys {list(fast)} != {list(slow)}"]
        problems = [
            f"{where}.{key}: line {fast.lc.key(key)} != {slow.lc.key(key)}"
            for key in slow
            if (fast.lc.key(key), fast.lc.value(key)) != (slow.lc.key(key), slow.lc.value(key))
        ]
        for key in slow:
            problems += same_tree(fast[key], slow[key], f"{where}.{key}")
        return problems
    if isinstance(slow, CommentedSeq):
        if len(fast) != len(slow):
            return [f"{where}: {len(fast)} items != {len(slow)}"]
        problems = [
            f"{where}[{i}]: line {fast.lc.item(i)} != {slow.lc.item(i)}"
            for i in range(len(slow))
            if fast.lc.item(i) != slow.lc.item(i)
        ]
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            problems += same_tree(a, b, f"{where}[{i}]")
        return problems
    return [] if fast == slow else [f"{where}: {fast!r} != {slow!r}"]


@pytest.mark.parametrize("path", CONTENT_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_the_office_content_parses_as_ruamel_parses_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert same_tree(parse_round_trip(text, name=path.name, max_depth=20), YAML().load(text)) == []


def test_there_is_content_to_compare() -> None:
    assert len(CONTENT_FILES) >= 10


def test_scalars_are_read_as_yaml_1_2_reads_them() -> None:
    data = parse_round_trip(
        "answer: no\ncount: 010\nday: 2026-11-28\nmonth: 1990-07\nempty:\nratio: .5\n",
        name="x.yaml",
        max_depth=20,
    )
    assert data == {
        "answer": "no",  # YAML 1.1 would make this False: a country code, a word
        "count": 10,
        "day": dt.date(2026, 11, 28),
        "month": "1990-07",
        "empty": None,
        "ratio": 0.5,
    }


def test_a_version_directive_is_honoured() -> None:
    assert parse_round_trip("%YAML 1.1\n---\nanswer: no\n", name="x", max_depth=20) == {
        "answer": False
    }


def test_block_scalars_keep_their_style_and_lines() -> None:
    data = parse_round_trip(
        "title: Fact sheet\nlede: >-\n  one\n  two\n\n  three\nbody: |\n  a\n  b\nitems:\n  - x\n  - y\n",
        name="x.yaml",
        max_depth=20,
    )
    assert isinstance(data["lede"], FoldedScalarString) and data["lede"] == "one two\nthree"
    assert isinstance(data["body"], LiteralScalarString) and data["body"] == "a\nb\n"
    assert data.lc.key("body")[0] == 6 and data["items"].lc.item(1)[0] == 11


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: &x 1\nb: *x\n", 1, "anchors and aliases"),
        ("a: 1\nb: !!python/object:os.system x\n", 2, "tags"),
        ("a: !!str 12\n", 1, "tags"),
        ("a:\n  b: " + "[" * 25 + "]" * 25 + "\n", 2, "nested more than 20"),
    ],
)
def test_unsafe_yaml_is_refused_with_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(UnsafeYaml) as refused:
        parse_round_trip(text, name="x.yaml", max_depth=20)
    assert refused.value.line == line and words in refused.value.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\na: 2\n", 2, "duplicate key"),
        ("a: 1\n---\nb: 2\n", 2, "single document"),
        ("a:\n\tb: 1\n", 2, "cannot start any token"),
        # Where the mistake starts, not where the parser gave up:
        ("a: 'open\n", 1, "a quote opened on this line is never closed"),
        ('a: 1\ntitle: "IOM in Iran\nb: 2\nc: 3\n', 2, "never closed"),
        ('title: "IOM in Iran\nb: 2\nc: "x"\nd: 4\n', 1, "runs on to line 3"),
        ("a: 1\nsubject Migration\nkeywords:\n  - x\n", 2, "has no colon (:) after it"),
        ("a:\n  b: 1\n  c 2\n", 3, "has no colon (:) after it"),
        ("k:\n  - [IOM\n  - y\nz: 1\n", 2, "in the [ ... ] list that starts on this line"),
        # A value quoted over two lines is fine: a later mistake is named at its own line.
        ('a: "one\n  two"\nb 3\nc: 1\n', 3, "has no colon"),
    ],
)
def test_bad_yaml_names_its_line(text: str, line: int, words: str) -> None:
    with pytest.raises(BadYaml) as bad:
        parse_round_trip(text, name="x.yaml", max_depth=20)
    assert bad.value.line == line and words in bad.value.problem


def test_empty_files_are_none() -> None:
    assert parse_round_trip("", name="x", max_depth=20) is None
    assert parse_round_trip("# a comment\n", name="x", max_depth=20) is None


def test_separators_pasted_from_a_word_processor_stay_text_as_in_yaml_1_2() -> None:
    """libyaml (YAML 1.1) would break the line at NEL, LS and PS; such files go to ruamel's own
    parser, and are still checked for anchors and tags."""
    text = "title: Fact\u2028sheet\nlede: one\x85two\n"
    assert parse_round_trip(text, name="x.yaml", max_depth=20) == YAML().load(text)
    with pytest.raises(UnsafeYaml) as refused:
        parse_round_trip("a: x\u2029y\nb: &q 1\n", name="x.yaml", max_depth=20)
    assert refused.value.line == 2

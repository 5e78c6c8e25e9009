"""Parse content YAML fast, into ruamel.yaml's round-trip objects.

ruamel.yaml's scanner and parser are pure Python: they took a quarter of a second of every
build for a few KB of content. libyaml (PyYAML's C parser) reads the same text in a few
milliseconds. This module lets libyaml scan and parse, composes its events into ruamel nodes,
and hands them to ruamel's round-trip constructor, so that the rest of the pipeline gets what it
always got: ``CommentedMap`` and ``CommentedSeq`` carrying every key's and item's line, YAML 1.2
scalars (``no`` is text, not false; ``010`` is ten), duplicate keys refused, ``|`` and ``>``
blocks kept as such.

Content is untrusted, so anchors, aliases, explicit tags and deep nesting are refused while the
events stream by, before anything is built. Where PyYAML was installed without libyaml, its
pure-Python parser gives the same events, only slower.

libyaml reads YAML 1.1, where NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR break lines; in YAML
1.2 (ruamel) they are text. Text pasted from a word processor may hold them, so a file that
does is left to ruamel's own parser, whose events are checked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.error import StreamMark
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

#: libyaml's parser where PyYAML has it (it normally does), else PyYAML's own.
_LOADER = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
#: Line breaks to YAML 1.1 (libyaml) and text to YAML 1.2 (ruamel): NEL, LS, PS.
YAML_1_1_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
NODE_EVENTS = ("ScalarEvent", "MappingStartEvent", "SequenceStartEvent")


@dataclass
class UnsafeYaml(Exception):
    """What content may not contain (an anchor, an alias, a tag, deep nesting), and where."""

    message: str
    hint: str
    line: int  # 1-based


@dataclass
class BadYaml(Exception):
    """A YAML syntax or structure error, with its 1-based line where known."""

    problem: str
    line: int | None


def parse_round_trip(text: str, *, name: str, max_depth: int) -> Any:
    """The single YAML document in ``text`` as ruamel round-trip objects (None when empty).

    Raises UnsafeYaml for anchors, aliases, tags and nesting over ``max_depth``; BadYaml for
    syntax errors, several documents and duplicate keys.
    """
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    loader = YAML(typ="rt")
    events = (
        loader.parse(text)
        if any(mark in text for mark in YAML_1_1_LINE_BREAKS)
        else pyyaml.parse(text, Loader=_LOADER)
    )
    try:
        root = _compose(events, name=name, max_depth=max_depth, loader=loader)
        return None if root is None else loader.constructor.construct_document(root)
    except (pyyaml.MarkedYAMLError, MarkedYAMLError) as exc:
        raise _where_it_starts(text, exc) from exc
    except (pyyaml.YAMLError, YAMLError) as exc:
        raise BadYaml(str(exc), None) from exc


#: Parser contexts whose mark is where the mistake began: a quote that never ended, a key
#: without its colon, a bracket that was never closed. Other contexts mark the start of what
#: holds the mistake ("while parsing a block mapping": the whole mapping; "while scanning a
#: plain scalar": the value before a tab), which says nothing.
_CONTEXTS_MARKING_THE_START = (
    "while scanning a quoted scalar",
    "while scanning a simple key",
    "while parsing a flow",
)


def _where_it_starts(text: str, exc: Any) -> BadYaml:
    """The error at the line where the mistake starts, not where the parser gave up.

    An unclosed quote is noticed at the end of the file, or at the next quote further down; a
    key without its colon on the line after it. An officer looks at the line we name, so it
    must be the line to fix.
    """
    context = exc.context or ""
    problem = exc.problem or context or "invalid YAML"
    if exc.context_mark is not None and context.startswith(_CONTEXTS_MARKING_THE_START):
        start = exc.context_mark.line + 1
        if "quoted scalar" in context:
            return BadYaml("a quote opened on this line is never closed", start)
        if "simple key" in context:
            return BadYaml("the key on this line has no colon (:) after it", start)
        if "flow sequence" in context:
            return BadYaml(f"{problem} in the [ ... ] list that starts on this line", start)
        if "flow mapping" in context:
            return BadYaml(f"{problem} in the {{ ... }} fields that start on this line", start)
        return BadYaml(problem, start)
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    # libyaml breaks lines where ruamel does not (see above): its lines would not be ours.
    same_lines = not any(mark in text for mark in YAML_1_1_LINE_BREAKS)
    opened = _quote_running_to(text, line) if line and same_lines else None
    if opened is not None:
        return BadYaml(
            f"a quote opened on this line runs on to line {line}, where the YAML breaks",
            opened,
        )
    return BadYaml(problem, line)


def _quote_running_to(text: str, line: int) -> int | None:
    """The line of a quoted value that spans several lines and ends on ``line`` (1-based):
    the quote that was left open and was closed, by accident, by the next quote below."""
    found: int | None = None
    try:
        for token in pyyaml.scan(text, Loader=_LOADER):
            start, end = token.start_mark.line + 1, token.end_mark.line + 1
            if start > line:
                break
            quoted = getattr(token, "style", None) in ('"', "'")
            if quoted and start < end == line:
                found = start
    except pyyaml.YAMLError:
        pass  # the scanner stops where the text breaks; what it saw before is enough
    return found


def _compose(events: Any, *, name: str, max_depth: int, loader: YAML) -> Any:
    """Parser events (libyaml's or ruamel's), checked one by one, composed into one ruamel
    node tree."""
    resolver = loader.resolver

    def mark(event_mark: Any) -> StreamMark:
        return StreamMark(name, event_mark.index, event_mark.line, event_mark.column)

    documents = 0
    root: Any = None
    stack: list[Any] = []  # open collections; a mapping's pending key rides along
    pending_key: list[Any] = []
    for event in events:
        line = event.start_mark.line + 1
        kind = type(event).__name__  # the same event names in PyYAML and ruamel.yaml
        if kind == "AliasEvent" or getattr(event, "anchor", None) is not None:
            raise UnsafeYaml(
                "YAML anchors and aliases (& and *) are not allowed in content",
                "write the value out in full",
                line,
            )
        if kind in NODE_EVENTS and event.tag is not None:
            implicit = event.implicit
            if not (implicit[0] if isinstance(implicit, tuple) else implicit):
                raise UnsafeYaml(
                    f"YAML tags ({event.tag}) are not allowed in content", "remove the tag", line
                )
        if kind == "DocumentStartEvent":
            documents += 1
            if documents > 1:
                raise BadYaml("expected a single document in the file, found a second one", line)
            if event.version:  # "%YAML 1.1": its scalars (yes, no, 010) are read as 1.1 reads them
                loader.version = event.version
            continue
        if kind == "ScalarEvent":
            tag = resolver.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(
                tag, event.value, mark(event.start_mark), mark(event.end_mark), style=event.style
            )
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            if len(stack) >= max_depth:
                raise UnsafeYaml(
                    f"the YAML is nested more than {max_depth} levels deep",
                    "content is a few levels of fields and lists; look for runs of [ or {",
                    line,
                )
            node_class = MappingNode if kind == "MappingStartEvent" else SequenceNode
            node = node_class(
                resolver.resolve(node_class, None, event.implicit),
                [],
                mark(event.start_mark),
                None,
                flow_style=event.flow_style,
            )
            _attach(stack, pending_key, node)
            stack.append(node)
            pending_key.append(None)
            if root is None:
                root = node
            continue
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            done = stack.pop()
            pending_key.pop()
            done.end_mark = mark(event.end_mark)
            continue
        else:
            continue  # stream start and end, document end
        if not stack:
            root = node
        else:
            _attach(stack, pending_key, node)
    return root


def _attach(stack: list[Any], pending_key: list[Any], node: Any) -> None:
    """Put ``node`` in the innermost open collection: a mapping takes keys and values in turn."""
    if not stack:
        return
    parent = stack[-1]
    if isinstance(parent, SequenceNode):
        parent.value.append(node)
    elif pending_key[-1] is None:
        pending_key[-1] = node
    else:
        parent.value.append((pending_key[-1], node))
        pending_key[-1] = None

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
        mark = exc.problem_mark or exc.context_mark
        raise BadYaml(
            exc.problem or exc.context or "invalid YAML", mark.line + 1 if mark else None
        ) from exc
    except (pyyaml.YAMLError, YAMLError) as exc:
        raise BadYaml(str(exc), None) from exc


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

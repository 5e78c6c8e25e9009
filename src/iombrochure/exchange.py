"""Translators work in their own tools: content exported to PO or XLIFF 2, imported back.

A translator never opens YAML. ``export`` writes one file per language with every translatable
field of every content file (the English, the current translation, a stable id, the field's
kind, the documents that show it and the English line), marks a translation whose English
changed since it was made as needing review (with the English it was made from, when the
translation memory knows it), and protects placeholders and Markdown links. ``import`` checks
every finished segment with the project's own rules (placeholders, links, bidi controls, the
language's typography) and refuses the whole file if one segment is bad; otherwise it writes
the translations into the YAML, keeping comments, order and layout (ruamel round trip), and
marks them current (translations.py).

The template catalog (locales/<lang>/LC_MESSAGES/messages.po) is already a PO file that these
tools open as it is, so only content is exported: one file per language, one kind of words.

The translation memory (translations/memory/<lang>.tmx, TMX 1.4, which every CAT tool imports)
keeps every English text and translation that was ever current, so an English sentence that
comes back after an edit, or appears again elsewhere, is offered from earlier translations, and
a stale translation shows the English it was made from.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from iombrochure.errors import ConfigError, ContentError, IombrochureError
from iombrochure.pipeline.config import Project
from iombrochure.pipeline.content import (
    LINE_BREAKS,
    MARKDOWN,
    TEXT,
    ContentFile,
    bidi_control_problem,
    content_names,
    field_kinds,
    parse_yaml,
    read_yaml,
)
from iombrochure.pipeline.translations import (
    Field,
    declared_kind,
    fingerprint,
    recorded_fingerprints,
    render_block,
    replace_block,
    translatable_fields,
)

FORMATS = {"po": ".po", "xliff": ".xlf", "tmx": ".tmx"}
SELECTIONS = ("all", "stale", "missing")
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
#: Inline codes a translator must keep: placeholders, and the parts of a Markdown link that are
#: not words ("[" and "](https://...)"); the link's words are translated.
PLACEHOLDER_TOKEN = re.compile(r"\{[^{}\n]*\}")
MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\[\]\n]*)\]\(([^()\s]+)\)")
MOVED_PLACEHOLDERS = (
    "The translation places the {...} placeholders otherwise than the English (as the "
    "language needs): keep them as the translation has them."
)
KIND_NAMES = {TEXT: "text (one line)", MARKDOWN: "prose (Markdown)"}


class ImportRefused(ContentError):
    """Segments of an imported file break the rules: nothing was written; ``findings`` has
    one error per refused segment, each naming the segment's id and its line in the file."""

    def __init__(self, problems: list[IombrochureError]) -> None:
        super().__init__(**self.headlining(problems))
        self.findings = problems


@dataclass
class Segment:
    """One translatable field of a content file, as a translator's tool shows it."""

    name: str  # the content file, e.g. "iom"
    field: Field  # the English field: key path and text
    kind: str
    target: str | None  # the current translation (None: not translated yet)
    state: str  # "current", "stale" or "missing"
    source_line: int | None
    documents: list[str]
    #: The English file's comment on the field or the nearest part holding it ("The cover:
    #: one line of welcome under the title."): where it is shown, for the translator.
    where: str | None = None
    previous_source: str | None = None  # the English the stale translation was made from
    suggestion: str | None = None  # from the memory, for a field without a current translation

    @property
    def id(self) -> str:
        return f"{self.name}:{self.field.name}"


# --------------------------------------------------------------------------------------------
# Segments: what the project's content holds


def _check_language(project: Project, lang: str) -> None:
    if lang not in project.languages:
        raise ConfigError(
            f"unknown language {lang!r}; this project has: {', '.join(project.languages)}",
            path=project.config_path,
        )
    if lang == project.source_language:
        raise ConfigError(
            f"{lang!r} is the source language: only translations are exported and imported",
            hint="name a translated language, e.g. --lang "
            + next((c for c in project.languages if c != lang), "fa"),
        )


def _kind_at(schema: Any, key_path: tuple) -> str:
    """A segment's kind for the translator: prose (Markdown) or plain text."""
    kind = declared_kind(schema, key_path)
    return kind if kind in (TEXT, MARKDOWN) else TEXT


def _value_at(data: Any, key_path: tuple) -> str | None:
    node = data
    for key in key_path:
        in_map = isinstance(node, dict) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_map or in_list):
            return None
        node = node[key]
    return str(node) if isinstance(node, str) else None


def _files(project: Project, lang: str) -> Iterator[tuple[str, ContentFile, ContentFile | None]]:
    """(name, English file, translated file or None) of every content file of the language."""
    schemas, _ = field_kinds(project)
    source = project.source_language
    for name in content_names(project, lang):
        schema = schemas.get(name)
        english_path = project.content_dir / source / f"{name}.yaml"
        english = ContentFile(english_path, read_yaml(english_path, root=project.root), schema)
        path = project.content_dir / lang / f"{name}.yaml"
        translated = None
        if path.exists():
            translated = ContentFile(path, read_yaml(path, root=project.root), schema)
        yield name, english, translated


def collect_segments(project: Project, lang: str) -> list[Segment]:
    """Every translatable field of the language's content, with its state and the memory's
    help: the English a stale translation was made from, and earlier translations of the same
    English for a field without a current one."""
    _check_language(project, lang)
    memory = read_memory(memory_path(project, lang), lang)
    segments = []
    for name, english, translated in _files(project, lang):
        prints = (recorded_fingerprints(translated) if translated else None) or {}
        documents = [d for d, doc in project.documents.items() if name in doc.content]
        english_lines = english.path.read_text(encoding="utf-8-sig").splitlines()
        for english_field in translatable_fields(english):
            if not english_field.text.strip():
                continue
            target = _value_at(translated.data, english_field.key_path) if translated else None
            recorded = prints.get(english_field.name)
            if target is None:
                state = "missing"
            elif recorded == fingerprint(english_field.text):
                state = "current"
            else:
                state = "stale"
            segment = Segment(
                name=name,
                field=english_field,
                kind=_kind_at(english.fields, english_field.key_path),
                target=target,
                state=state,
                source_line=english.line_of(english_field.key_path),
                documents=documents,
                where=_comment_above(english, english_lines, english_field.key_path),
            )
            if state == "stale" and recorded:
                segment.previous_source = memory.english_of(recorded)
            if state != "current":
                segment.suggestion = memory.translation_of(english_field.text)
            segments.append(segment)
    # The project's own current pairs are memory too: the same English elsewhere.
    current = {
        fingerprint(s.field.text): s.target for s in segments if s.state == "current" and s.target
    }
    for segment in segments:
        if segment.state != "current" and segment.suggestion is None:
            segment.suggestion = current.get(fingerprint(segment.field.text))
    return segments


def _comment_above(file: ContentFile, lines: list[str], key_path: tuple) -> str | None:
    """The comment lines right above the field, or above the nearest part that holds it."""
    for depth in range(len(key_path), 0, -1):
        line = file.line_of(key_path[:depth])
        if not line:
            continue
        comment: list[str] = []
        index = line - 2
        while index >= 0 and lines[index].strip().startswith("#"):
            comment.insert(0, lines[index].strip().lstrip("#").strip())
            index -= 1
        # A blank line ends the comment: the file's opening comment is about the whole file.
        if comment and " ".join(comment).strip():
            return " ".join(comment)
    return None


def selected(segments: list[Segment], only: str) -> list[Segment]:
    if only == "all":
        return segments
    return [segment for segment in segments if segment.state == only]


# --------------------------------------------------------------------------------------------
# Export


def export_translations(
    project: Project, lang: str, *, file_format: str = "po", only: str = "all"
) -> tuple[bytes, int]:
    """The language's exchange file (PO, XLIFF 2 or TMX) and how many segments it holds."""
    segments = collect_segments(project, lang)
    # What is current now is remembered, so that a later edit of the English can show it.
    memory = read_memory(memory_path(project, lang), lang)
    memory.add_current(segments)
    memory.save(memory_path(project, lang), project.source_language, lang)
    if file_format == "tmx":
        return memory.to_tmx(project.source_language, lang), len(memory.pairs)
    segments = selected(segments, only)
    if file_format == "xliff":
        return write_xliff(segments, project.source_language, lang), len(segments)
    return write_po(project, segments, lang), len(segments)


def _location(project: Project, segment: Segment) -> str:
    return f"content/{project.source_language}/{segment.name}.yaml"


def write_po(project: Project, segments: list[Segment], lang: str) -> bytes:
    """A gettext PO file: msgctxt the field's id, fuzzy with ``#| msgid`` when stale."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po as babel_write_po

    from iombrochure import __version__

    catalog = Catalog(
        locale=lang,
        project="iombrochure content",
        version=__version__,
        fuzzy=False,
        header_comment=(
            f"# The content of this project's publications, in {lang}.\n"
            "# Translate each msgstr; keep every {placeholder} and every link's address.\n"
            "# A fuzzy entry is not imported: its English changed since it was translated, or\n"
            "# the translation was suggested by the memory. Review it and clear the fuzzy flag.\n"
            "# Then: iombrochure translations import THIS-FILE"
        ),
    )
    for segment in segments:
        flags = []
        target = segment.target or ""
        comments = [f"{KIND_NAMES[segment.kind]}; shown in: {', '.join(segment.documents)}"]
        if segment.where:
            comments.append(segment.where)
        if PLACEHOLDER_TOKEN.search(segment.field.text):
            if segment.target is None or _same_placeholders(segment.field.text, target):
                flags.append("python-brace-format")  # msgfmt --check and editors guard them
            else:
                comments.append(MOVED_PLACEHOLDERS)
        if segment.state == "stale":
            flags.append("fuzzy")
            comments.append("The English changed since this was translated: review it.")
            if segment.previous_source is None:
                comments.append("(The English it was translated from is not in the memory.)")
        elif segment.state == "missing" and segment.suggestion:
            flags.append("fuzzy")
            target = segment.suggestion
            comments.append("Suggested by the translation memory: the same English elsewhere.")
        if segment.kind == MARKDOWN and MARKDOWN_LINK.search(segment.field.text):
            comments.append("Keep each [words](address): translate the words, not the address.")
        message = catalog.add(
            segment.field.text,
            target,
            locations=[(_location(project, segment), segment.source_line or 0)],
            flags=flags,
            auto_comments=comments,
            context=segment.id,
        )
        if "python-brace-format" not in flags:  # Babel guesses it from the English
            message.flags.discard("python-brace-format")
            if PLACEHOLDER_TOKEN.search(segment.field.text):
                message.flags.add("no-python-brace-format")
    stream = BytesIO()
    babel_write_po(stream, catalog, width=0, sort_output=False)
    return _with_previous_msgids(stream.getvalue().decode("utf-8"), segments).encode("utf-8")


def _with_previous_msgids(text: str, segments: list[Segment]) -> str:
    """The PO text with ``#| msgid`` (the English a stale translation was made from) before
    each stale entry. Babel's own include_previous wraps these lines at 76 columns through
    the middle of the quoted string, which gettext cannot read; here they are one line each."""
    from babel.messages.pofile import escape as po_quote

    for segment in segments:
        if segment.state != "stale" or not segment.previous_source:
            continue
        context_line = f"msgctxt {po_quote(segment.id)}\n"
        previous = (
            f"#| msgctxt {po_quote(segment.id)}\n#| msgid {po_quote(segment.previous_source)}\n"
        )
        text = text.replace(context_line, previous + context_line, 1)
    return text


@dataclass
class _Codes:
    """The inline codes of one unit: each distinct original text has one data id."""

    data: dict[str, str] = field(default_factory=dict)  # original text -> data id

    def ref(self, original: str) -> str:
        if original not in self.data:
            self.data[original] = f"d{len(self.data) + 1}"
        return self.data[original]


def _inline(text: str, codes: _Codes, ids: Counter, prefer: list[tuple[str, str]]) -> str:
    """Text as XLIFF inline content: placeholders as <ph/>, Markdown links as <pc>.

    ``prefer``: (original, id) pairs of the source's codes, so that the target's same codes
    take the same ids (a tool then knows which is which)."""

    def code_id(original: str) -> str:
        for index, (known, known_id) in enumerate(prefer):
            if known == original:
                del prefer[index]
                return known_id
        ids["next"] += 1
        return str(ids["next"])

    def placeholders(part: str) -> str:
        out, last = [], 0
        for match in PLACEHOLDER_TOKEN.finditer(part):
            out.append(escape(part[last : match.start()]))
            original = match.group(0)
            out.append(f'<ph id="{code_id(original)}" dataRef="{codes.ref(original)}"/>')
            last = match.end()
        out.append(escape(part[last:]))
        return "".join(out)

    out, last = [], 0
    for match in MARKDOWN_LINK.finditer(text):
        out.append(placeholders(text[last : match.start()]))
        start, end = codes.ref("["), codes.ref(f"]({match.group(2)})")
        pc_id = code_id(f"[]({match.group(2)})")
        out.append(
            f'<pc id="{pc_id}" dataRefStart="{start}" dataRefEnd="{end}">'
            f"{placeholders(match.group(1))}</pc>"
        )
        last = match.end()
    out.append(placeholders(text[last:]))
    return "".join(out)


def _code_order(text: str) -> list[str]:
    """The codes of a text in the order _inline numbers them."""
    order: list[str] = []
    last = 0
    for match in MARKDOWN_LINK.finditer(text):
        order += PLACEHOLDER_TOKEN.findall(text[last : match.start()])
        order.append(f"[]({match.group(2)})")
        order += PLACEHOLDER_TOKEN.findall(match.group(1))
        last = match.end()
    return order + PLACEHOLDER_TOKEN.findall(text[last:])


def _xml_id(segment_id: str) -> str:
    """An XML NMTOKEN from a field id: iom:about.areas[4].name -> iom:about.areas.4.name."""
    return re.sub(r"[^\w.:-]", "", segment_id.replace("[", ".")).replace("..", ".")


def write_xliff(segments: list[Segment], source_lang: str, lang: str) -> bytes:
    """XLIFF 2.0: one <file> per content file, one <unit> per field (its id in ``name``)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<xliff xmlns="{XLIFF_NS}" version="2.0" srcLang="{source_lang}" trgLang="{lang}">',
    ]
    names = list(dict.fromkeys(segment.name for segment in segments))
    for name in names:
        original = f"content/{source_lang}/{name}.yaml"
        lines.append(f"  <file id={quoteattr(name)} original={quoteattr(original)}>")
        for segment in (s for s in segments if s.name == name):
            lines += _xliff_unit(segment, original)
        lines.append("  </file>")
    lines.append("</xliff>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xliff_unit(segment: Segment, original: str) -> list[str]:
    codes, ids = _Codes(), Counter()
    source_xml = _inline(segment.field.text, codes, ids, [])
    numbered = _code_order(segment.field.text)
    prefer = [(code, str(index + 1)) for index, code in enumerate(numbered)]
    target = segment.target
    state = "translated" if segment.state == "current" else "initial"
    notes = [
        ("location", f"{original}:{segment.source_line or 0}"),
        ("kind", KIND_NAMES[segment.kind]),
        ("shown-in", ", ".join(segment.documents)),
    ]
    if segment.where:
        notes.append(("description", segment.where))
    sub_state = ""
    if segment.state == "stale":
        sub_state = ' subState="iombrochure:stale"'
        notes.append(("comment", "The English changed since this was translated: review it."))
        if segment.previous_source:
            notes.append(("previous-source", segment.previous_source))
    elif segment.state == "missing" and segment.suggestion:
        target = segment.suggestion
        sub_state = ' subState="iombrochure:suggested"'
        notes.append(("comment", "Suggested by the translation memory: review it."))
    if segment.target is not None and not _same_placeholders(segment.field.text, segment.target):
        notes.append(("comment", MOVED_PLACEHOLDERS))
    target_xml = _inline(target, codes, ids, list(prefer)) if target is not None else None
    out = [f"    <unit id={quoteattr(_xml_id(segment.id))} name={quoteattr(segment.id)}>"]
    out.append("      <notes>")
    for category, text in notes:
        out.append(f"        <note category={quoteattr(category)}>{escape(text)}</note>")
    out.append("      </notes>")
    if codes.data:
        out.append("      <originalData>")
        for text, data_id in codes.data.items():
            out.append(f'        <data id="{data_id}">{escape(text)}</data>')
        out.append("      </originalData>")
    out.append(f'      <segment state="{state}"{sub_state}>')
    out.append(f"        <source>{source_xml}</source>")
    if target_xml is not None:
        out.append(f"        <target>{target_xml}</target>")
    out.append("      </segment>")
    out.append("    </unit>")
    return out


# --------------------------------------------------------------------------------------------
# Reading what a translator's tool wrote


@dataclass
class Incoming:
    """One segment of an imported file."""

    id: str
    source: str  # the English the translator saw
    target: str
    line: int | None
    finished: bool  # not fuzzy (PO), translated/reviewed/final (XLIFF)


def read_exchange_file(path: Path) -> tuple[str, list[Incoming]]:
    """(language, segments) of a PO or XLIFF file, refusing what cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ContentError("file not found", path=path, hint="name the file to import") from None
    if path.suffix.lower() in (".xlf", ".xliff") or raw.lstrip().startswith(b"<"):
        return _read_xliff(path, raw)
    return _read_po(path, raw)


def _read_po(path: Path, raw: bytes) -> tuple[str, list[Incoming]]:
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(BytesIO(raw), abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        raise ContentError(
            f"cannot read this PO file: {exc}",
            path=path,
            hint="save it again from your translation tool, or check it with msgfmt --check",
        ) from exc
    lang = str(catalog.locale) if catalog.locale else ""
    context_lines = _context_lines(raw)
    twice = [
        ContentError(
            f"{context}: the segment is in the file twice (also at line {lines[0]})",
            path=path,
            line=lines[1],
            hint="keep one of them",
        )
        for context, lines in context_lines.items()
        if len(lines) > 1
    ]
    if twice:  # Babel keeps the first one: which is meant cannot be known
        raise ImportRefused(twice)
    segments = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue  # the header; plural forms are never exported
        string = message.string if isinstance(message.string, str) else ""
        segments.append(
            Incoming(
                id=message.context or "",
                source=message.id,
                target=string,
                line=context_lines.get(message.context or "", [message.lineno])[0],
                finished=not message.fuzzy and bool(string.strip()),
            )
        )
    return lang, segments


def _context_lines(raw: bytes) -> dict[str, list[int]]:
    """The lines of each entry's ``msgctxt "<id>"``: where a translator sees the id (Babel
    gives the msgid's line)."""
    from babel.messages.pofile import unescape

    lines: dict[str, list[int]] = {}
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if line.startswith('msgctxt "') and line.rstrip().endswith('"'):
            lines.setdefault(unescape(line[len("msgctxt ") :].rstrip()), []).append(number)
    return lines


def _unit_lines(raw: bytes) -> list[int]:
    """The line of each <unit> start tag, in order (ElementTree does not keep lines)."""
    import xml.parsers.expat

    lines: list[int] = []
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def start(name: str, _attributes: Any) -> None:
        if name == f"{XLIFF_NS} unit":
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.Parse(raw, True)
    return lines


def _read_xliff(path: Path, raw: bytes) -> tuple[str, list[Incoming]]:
    import xml.etree.ElementTree as ET
    import xml.parsers.expat

    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ContentError(
            "this XLIFF file declares a DOCTYPE or entities, which XLIFF 2 never needs",
            path=path,
            hint="export it again from your translation tool",
        )
    try:
        root = ET.fromstring(raw)
        unit_lines = _unit_lines(raw)
    except (ET.ParseError, xml.parsers.expat.ExpatError) as exc:
        line = getattr(exc, "position", (None,))[0] or getattr(exc, "lineno", None)
        raise ContentError(
            f"cannot read this XLIFF file: {exc}", path=path, line=line, hint="save it again"
        ) from exc
    ns = {"x": XLIFF_NS}
    if root.tag != f"{{{XLIFF_NS}}}xliff" or not str(root.get("version", "")).startswith("2."):
        raise ContentError(
            "not an XLIFF 2 file (this project exchanges XLIFF 2.0 or 2.1)",
            path=path,
            hint="export XLIFF 2 from your tool, or use the PO file",
        )
    segments = []
    for unit, line in zip(root.iterfind(".//x:unit", ns), unit_lines, strict=False):
        unit_id = unit.get("name") or unit.get("id") or ""
        data = {d.get("id"): d.text or "" for d in unit.iterfind("x:originalData/x:data", ns)}
        # A tool may split a unit into sentences, with the spaces between them <ignorable>.
        parts = [p for p in unit if p.tag in (f"{{{XLIFF_NS}}}segment", f"{{{XLIFF_NS}}}ignorable")]
        sentences = [p for p in parts if p.tag == f"{{{XLIFF_NS}}}segment"]
        sources = [p.find("x:source", ns) for p in parts]
        # A target code without its data reference is the source code of the same id.
        source_codes = {
            code.get("id"): code for part in sources if part is not None for code in part.iter()
        }
        read = _Reader(data, source_codes, path, line, unit_id)
        source = "".join(read.plain(part) for part in sources)
        target = "".join(read.plain(_target_of(part)) for part in parts)
        finished = bool(sentences) and all(
            p.get("state", "initial") in ("translated", "reviewed", "final")
            and p.find("x:target", ns) is not None
            for p in sentences
        )
        segments.append(Incoming(unit_id, source, target, line, finished and bool(target.strip())))
    return str(root.get("trgLang") or ""), segments


def _target_of(part: Any) -> Any:
    """A segment's target; an <ignorable>'s target, or its source (spaces are not translated)."""
    target = part.find(f"{{{XLIFF_NS}}}target")
    if target is None and part.tag == f"{{{XLIFF_NS}}}ignorable":
        return part.find(f"{{{XLIFF_NS}}}source")
    return target


@dataclass
class _Reader:
    """Turns an XLIFF source or target of one unit back into the text it stands for."""

    data: dict[str, str]
    source_codes: dict[str | None, Any]
    path: Path
    line: int | None
    unit_id: str

    def original(self, code: Any, attribute: str) -> str:
        ref = code.get(attribute)
        if ref is None and code.get("id") in self.source_codes:
            ref = self.source_codes[code.get("id")].get(attribute)
        if ref not in self.data:
            raise ContentError(
                f"{self.unit_id}: an inline code refers to {ref!r}, which the unit does not define",
                path=self.path,
                line=self.line,
                hint="keep the codes your tool shows as tags; do not type them",
                rule="placeholder",
            )
        return self.data[ref]

    def plain(self, element: Any) -> str:
        if element is None:
            return ""
        out = [element.text or ""]
        for child in element:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "ph":
                out.append(self.original(child, "dataRef"))
            elif tag == "pc":
                out.append(self.original(child, "dataRefStart"))
                out.append(self.plain(child))
                out.append(self.original(child, "dataRefEnd"))
            else:
                raise ContentError(
                    f"{self.unit_id}: <{tag}> is not an inline code this project exchanges",
                    path=self.path,
                    line=self.line,
                    hint="keep the codes as the exported file has them (<ph/> and <pc>)",
                )
            out.append(child.tail or "")
        return "".join(out)


# --------------------------------------------------------------------------------------------
# Import


@dataclass
class ImportReport:
    """What an import did, counted by segment."""

    lang: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    confirmed: int = 0  # unchanged text, now marked current (it was stale)
    unfinished: int = 0  # fuzzy or untranslated: left as they were
    obsolete: int = 0  # fields the English no longer has
    written: list[Path] = field(default_factory=list)
    #: Typography warnings on imported text (``check`` shows them too; --fix corrects most).
    warnings: list[IombrochureError] = field(default_factory=list)

    def text(self) -> str:
        parts = [f"{self.new} new", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.confirmed:
            parts[-1] += f" ({self.confirmed} of them now marked current)"
        parts.append("0 refused")
        if self.unfinished:
            parts.append(f"{self.unfinished} not finished (fuzzy or empty), left as they were")
        if self.obsolete:
            parts.append(f"{self.obsolete} no longer in the English, left out")
        return ", ".join(parts)


def _same_placeholders(first: str, second: str) -> bool:
    return Counter(PLACEHOLDER_TOKEN.findall(first)) == Counter(PLACEHOLDER_TOKEN.findall(second))


def segment_problems(
    english: str, kind: str, target: str, typography: str, current: str | None = None
) -> list[tuple[str, str]]:
    """(problem, what to do) for a translation of ``english``: the rules ``check`` applies to
    content (placeholders, Markdown, bidi controls, line breaks, the language's typography),
    and that its placeholders and links are the English's.

    ``current``: the translation in the content now. Where it already places the placeholders
    otherwise than the English (an address whose lines go in another order), the new text may
    keep them as it has them."""
    problems = []
    moved = current is not None and not _same_placeholders(english, current)
    if moved and _same_placeholders(current, target):
        english = _with_placeholders_of(english, current)
    wanted, got = (
        Counter(PLACEHOLDER_TOKEN.findall(english)),
        Counter(PLACEHOLDER_TOKEN.findall(target)),
    )
    for missing in sorted((wanted - got).elements()):
        problems.append(
            (f"the placeholder {missing} is missing", "keep every {...} exactly as in the English")
        )
    for extra in sorted((got - wanted).elements()):
        problems.append(
            (f"the placeholder {extra} is not in the English", "keep the placeholders as they are")
        )
    if kind == MARKDOWN:
        links, target_links = _links(english), _links(target)
        for missing in sorted((links - target_links).elements()):
            problems.append(
                (
                    f"the link to {missing} is missing",
                    "keep each [words](address): translate the words, not the address",
                )
            )
        for extra in sorted((target_links - links).elements()):
            problems.append((f"the link to {extra} is not in the English", "remove it"))
        if _paragraphs(english) != _paragraphs(target):
            problems.append(
                (
                    f"it has {_paragraphs(target)} paragraphs, the English {_paragraphs(english)}",
                    "keep the blank lines between paragraphs as in the English",
                )
            )
    # The bidi rule check applies: a language with typography rules has its own (balanced
    # isolates and marks allowed, as in its content files); any other language has none at all.
    if typography == "none" and (problem := bidi_control_problem(target)):
        problems.append((problem, "retype the text around it"))
    if kind == TEXT and any(char in LINE_BREAKS for char in target.strip()):
        problems.append(("is one line of text but holds a line break", "write it on one line"))
    if typography != "none":
        from iombrochure.typography import rule_set

        for finding in rule_set(typography).check(target):
            if finding.severity != "error":
                continue
            hint = (
                "retype the text around it"
                if finding.rule == "bidi-control"
                else (f"write {finding.suggestion!r}")
            )
            problems.append((finding.message, hint))
    return list(dict.fromkeys(problems))  # one line for a letter typed twice


def _with_placeholders_of(english: str, current: str) -> str:
    """The English with its placeholders replaced by the current translation's (for the
    placeholder comparison only; links and paragraphs stay the English's)."""
    words = PLACEHOLDER_TOKEN.sub("", english)
    return words + " " + " ".join(PLACEHOLDER_TOKEN.findall(current))


def _typography_warnings(text: str, typography: str) -> list[Any]:
    if typography == "none":
        return []
    from iombrochure.typography import rule_set

    return [f for f in rule_set(typography).check(text) if f.severity != "error"]


def _links(text: str) -> Counter:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False})
    parser.validateLink = lambda url: True
    hrefs: Counter = Counter()
    for token in parser.parse(text):
        for child in token.children or ():
            if child.type == "link_open":
                hrefs[str(child.attrGet("href") or "")] += 1
    return hrefs


def _paragraphs(text: str) -> int:
    return len([part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()])


def import_translations(project: Project, path: Path) -> ImportReport:
    """Write the finished segments of a PO or XLIFF file into the content, all or nothing."""
    lang, incoming = read_exchange_file(path)
    lang = lang.replace("_", "-")
    if lang not in project.languages and lang.split("-")[0] in project.languages:
        lang = lang.split("-")[0]  # fa-IR, fa_IR: as tools write the language of a country
    if lang not in project.languages:
        raise ContentError(
            f"this file is for language {lang or 'not named'!r}; this project has: "
            f"{', '.join(project.languages)}",
            path=path,
            hint="set the file's target language in your tool (PO: Language header; "
            "XLIFF: trgLang)",
        )
    _check_language(project, lang)
    typography = project.languages[lang].typography
    files = {name: (english, translated) for name, english, translated in _files(project, lang)}
    report = ImportReport(lang=lang)
    refused: list[IombrochureError] = []
    changes: dict[str, dict[tuple, tuple[str, str]]] = {}  # name -> key path -> (text, print)
    first_line: dict[str, int | None] = {}
    for segment in incoming:
        if segment.id in first_line:  # which of the two is meant cannot be known
            refused.append(
                ContentError(
                    f"{segment.id}: the segment is in the file twice (also at line "
                    f"{first_line[segment.id]})",
                    path=path,
                    line=segment.line,
                    hint="keep one of them",
                )
            )
            continue
        first_line[segment.id] = segment.line
        name, _, field_name = segment.id.partition(":")
        english_file = files.get(name, (None, None))[0]
        fields = {f.name: f for f in translatable_fields(english_file)} if english_file else {}
        english_field = fields.get(field_name)
        if english_field is None:
            # Not the translator's mistake: the English lost the field since the export.
            report.obsolete += 1
            report.warnings.append(
                ContentError(
                    f"{segment.id or '(no id)'}: the English no longer has this field: left out",
                    path=path,
                    line=segment.line,
                )
            )
            continue
        if not segment.finished:
            report.unfinished += 1
            continue
        if fingerprint(segment.source) != fingerprint(english_field.text):
            report.warnings.append(
                ContentError(
                    f"{segment.id}: the English changed since this file was exported: imported, "
                    "and still shown as stale",
                    path=path,
                    line=segment.line,
                    hint="export again to translate the new English",
                )
            )
        kind = _kind_at(english_file.fields, english_field.key_path)
        translated = files[name][1]
        current = _value_at(translated.data, english_field.key_path) if translated else None
        if segment.target != current:  # what the content has now, check has already judged
            problems = segment_problems(segment.source, kind, segment.target, typography, current)
            for problem, hint in problems:
                refused.append(
                    ContentError(
                        f"{segment.id}: {problem}", path=path, line=segment.line, hint=hint
                    )
                )
            report.warnings += [
                ContentError(f"{segment.id}: {finding.message}", path=path, line=segment.line)
                for finding in _typography_warnings(segment.target, typography)
            ]
        # The translation is of the English the translator saw: if that changed since the
        # export, the field stays stale (its fingerprint is of what was translated).
        changes.setdefault(name, {})[english_field.key_path] = (
            segment.target,
            fingerprint(segment.source),
        )
    if refused:
        count = len({problem.line for problem in refused})
        summary = ContentError(
            f"{count} of {len(incoming)} segment{'s' * (len(incoming) != 1)} refused; nothing "
            "was written",
            path=path,
            hint="correct them in your translation tool and import the file again",
        )
        raise ImportRefused([*refused, summary])
    writes: list[tuple[Path, bytes, bytes | None]] = []
    for name, fields_changed in changes.items():
        english, translated = files[name]
        path_out = project.content_dir / lang / f"{name}.yaml"
        old = path_out.read_bytes() if path_out.exists() else None
        new = _updated_file(english, translated, path_out, fields_changed, project, report)
        if new is not None and new != old:
            writes.append((path_out, new, old))
    _write_all(writes)
    report.written = [target for target, _, _ in writes]
    if writes:
        remember_current(project, lang)
    return report


def remember_languages(project: Project, languages: list[str]) -> None:
    """What is current now goes into the translation memory (translations/memory/), so that
    when the English changes, an export can show the English the translation was made from.
    The memory helps translators; a memory that cannot be read or written never stops this."""
    from iombrochure.errors import IombrochureError

    for code in dict.fromkeys(languages):
        try:
            remember_current(project, code)
        except (IombrochureError, OSError):
            continue


def remember_current(project: Project, lang: str) -> None:
    """Add the language's current pairs to its translation memory."""
    memory = read_memory(memory_path(project, lang), lang)
    memory.add_current(collect_segments(project, lang))
    memory.save(memory_path(project, lang), project.source_language, lang)


def _updated_file(
    english: ContentFile,
    translated: ContentFile | None,
    path: Path,
    changed: dict[tuple, tuple[str, str]],
    project: Project,
    report: ImportReport,
) -> bytes | None:
    """The translated file's new bytes with ``changed`` written and marked current, or None."""
    from iombrochure.typography import yaml_files as yf

    if translated is not None:
        source, has_bom, uses_crlf = yf._read_yaml_text(path)
    else:
        source, has_bom, uses_crlf = "", False, False
    document = yf._load_yaml(yf._new_yaml(), source, path) if source.strip() else None
    if document is None:
        from ruamel.yaml.comments import CommentedMap

        document = CommentedMap()
    yaml, baseline = yf._closest_layout(document, source)
    prints = dict((recorded_fingerprints(translated) if translated else None) or {})
    marked = False
    values_changed = False
    for key_path, (text, english_print) in changed.items():
        name = Field(key_path, text).name
        current = _value_at(document, key_path)
        if current is None:
            _insert(document, english.data, key_path, text, path)
            report.new += 1
            values_changed = True
        elif current != text:
            _set(document, key_path, text)
            report.updated += 1
            values_changed = True
        else:
            report.unchanged += 1
            if prints.get(name) != english_print:
                report.confirmed += 1
        if prints.get(name) != english_print:
            prints[name] = english_print
            marked = True
    if not values_changed and not marked:
        return None
    output = source
    if values_changed:
        changed_text = yf._dump(yaml, document)
        expected = yf._to_plain(document)
        candidates = (yf._merge_changed_lines(source, baseline, changed_text), changed_text)
        output = next((t for t in candidates if yf._loads_as(t, expected)), None)
        if output is None:
            raise ContentError(
                "cannot write the translations without changing the file's other content",
                path=path,
                hint="check the file with iombrochure check, then import again",
            )
    present = [
        f.name for f in translatable_fields(english) if _value_at(document, f.key_path) is not None
    ]
    ordered = {name: prints[name] for name in present if name in prints}
    output = replace_block(output, render_block(project.source_language, ordered))
    parse_yaml(output, path=path)  # never write what cannot be read back
    if uses_crlf:
        output = output.replace("\n", "\r\n")
    return (("\ufeff" if has_bom else "") + output).encode("utf-8")


def _set(document: Any, key_path: tuple, text: str) -> None:
    from iombrochure.typography import yaml_files as yf

    node = document
    for key in key_path[:-1]:
        node = node[key]
    node[key_path[-1]] = yf._with_text(node[key_path[-1]], text)


def _insert(document: Any, english: Any, key_path: tuple, text: str, path: Path) -> None:
    """Add a field the translation lacks, where the English has it (maps keep its order)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node, english_node = document, english
    for depth, key in enumerate(key_path):
        last = depth == len(key_path) - 1
        english_child = english_node[key]
        if last:
            value: Any = text
        elif isinstance(english_child, dict):
            value = CommentedMap()
        else:
            value = CommentedSeq()
        if isinstance(node, dict):
            if key not in node:
                english_keys = list(english_node)
                position = sum(1 for k in node if k in english_keys[: english_keys.index(key)])
                last_key = list(node)[-1] if node and position == len(node) else None
                node.insert(position, key, value)
                _move_trailing_comment(node, last_key, key)
        elif isinstance(node, list) and key >= len(node):
            if key != len(node):
                raise ContentError(
                    f"{Field(key_path, text).name}: cannot add item {key} of a list that has "
                    f"{len(node)} items",
                    path=path,
                    hint="translate the items before it first",
                )
            node.append(value)
            _move_trailing_comment(node, key - 1, key)
        if not last:
            node, english_node = node[key], english_child


def _move_trailing_comment(node: Any, previous: Any, added: Any) -> None:
    """The blank lines and comment that followed the last item now follow the added one
    (ruamel keeps them with the item before them: they introduce what comes next)."""
    comments = getattr(node, "ca", None)
    if previous is None or comments is None or previous not in comments.items:
        return
    comments.items[added] = comments.items.pop(previous)


def _write_all(writes: list[tuple[Path, bytes, bytes | None]]) -> None:
    """Write every file or none: a failure puts back the ones already written."""
    from iombrochure.typography import write_text_atomically

    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, new, old in writes:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_bytes(b"")
            write_text_atomically(path, new)
            done.append((path, old))
    except BaseException:
        for path, old in reversed(done):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                write_text_atomically(path, old)
        raise


# --------------------------------------------------------------------------------------------
# The translation memory (TMX 1.4)


def memory_path(project: Project, lang: str) -> Path:
    return project.root / "translations" / "memory" / f"{lang}.tmx"


@dataclass
class Memory:
    """English texts and their translations that were current at some time."""

    pairs: dict[tuple[str, str], str] = field(default_factory=dict)  # (en, target) -> field id

    def english_of(self, recorded: str) -> str | None:
        """The English whose fingerprint a translation recorded (what it was made from)."""
        for english, _ in self.pairs:
            if fingerprint(english) == recorded:
                return english
        return None

    def translation_of(self, english: str) -> str | None:
        """The latest translation of this English (by normalised text), if any."""
        wanted = fingerprint(english)
        found = [t for (e, t) in self.pairs if fingerprint(e) == wanted]
        return found[-1] if found else None

    def add_current(self, segments: list[Segment]) -> None:
        for segment in segments:
            if segment.state == "current" and segment.target:
                self.pairs.setdefault((segment.field.text, segment.target), segment.id)

    def to_tmx(self, source_lang: str, lang: str) -> bytes:
        from iombrochure import __version__

        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<tmx version="1.4">',
            f'  <header creationtool="iombrochure" creationtoolversion="{__version__}" '
            f'segtype="paragraph" o-tmf="iombrochure" adminlang="en" srclang="{source_lang}" '
            'datatype="plaintext"/>',
            "  <body>",
        ]
        for (english, target), field_id in self.pairs.items():
            lines += [
                "    <tu>",
                f'      <prop type="x-field">{escape(field_id)}</prop>',
                f'      <tuv xml:lang="{source_lang}"><seg>{escape(english)}</seg></tuv>',
                f'      <tuv xml:lang="{lang}"><seg>{escape(target)}</seg></tuv>',
                "    </tu>",
            ]
        lines += ["  </body>", "</tmx>"]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def save(self, path: Path, source_lang: str, lang: str) -> None:
        from iombrochure.typography import write_text_atomically

        data = self.to_tmx(source_lang, lang)
        if path.exists() and path.read_bytes() == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(b"")
        write_text_atomically(path, data)


def read_memory(path: Path, lang: str) -> Memory:
    """The memory in a TMX file (empty if there is none)."""
    import xml.etree.ElementTree as ET

    memory = Memory()
    if not path.is_file():
        return memory
    raw = path.read_bytes()
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ContentError("the translation memory declares a DOCTYPE", path=path)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ContentError(
            f"cannot read the translation memory: {exc}",
            path=path,
            hint="delete it: the next import makes it again from the current translations",
        ) from exc
    lang_key = "{http://www.w3.org/XML/1998/namespace}lang"
    for unit in root.iterfind("body/tu"):
        texts = {
            str(tuv.get(lang_key) or tuv.get("lang") or "").lower(): "".join(
                tuv.find("seg").itertext()
            )
            for tuv in unit.iterfind("tuv")
            if tuv.find("seg") is not None
        }
        prop = unit.find("prop")
        target = texts.get(lang.lower())
        english = next((t for code, t in texts.items() if code != lang.lower()), None)
        if english is not None and target:
            memory.pairs[(english, target)] = prop.text if prop is not None and prop.text else ""
    return memory

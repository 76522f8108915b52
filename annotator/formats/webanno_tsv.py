"""WebAnno TSV 3.3, INCEpTION's own text format (many annotated corpora are distributed in it).

    #FORMAT=WebAnno TSV 3.3
    #T_SP=webanno.custom.Framing|label|intensity
    <two blank lines>
    #Text=Mayor 😡 resigns.
    1-1<TAB>0-5<TAB>Mayor<TAB>Conflict[1]<TAB>2[1]<TAB>
    1-2<TAB>6-8<TAB>😡<TAB>Conflict[1]<TAB>2[1]<TAB>

One line per token (`sentence-token`, and sub-tokens `1-2.1` for annotations inside a token),
a column per feature of each span layer (`#T_SP=type|feature…`), `_` for no annotation, `*`
for an annotation without a value, `value[N]` where annotation N covers several tokens or is
stacked with others (stacked values joined by `|`). Offsets count UTF-16 code units (Java
strings): they are converted to and from code points here, at the edge, and nowhere else.

Read as INCEpTION reads it: the text is rebuilt from the `#Text=` lines (a line break after
each; a sentence starting right after the previous one's end takes that line break back;
a gap before a sentence is filled with spaces). INCEpTION's built-in span layers (named
entity…) become layers named as for XMI, `webanno.custom.*` layers layers named after the
type, the `label` feature (or the first feature with a value, or the type's name) the label,
other features attributes. A relation layer (`#T_RL=type|features…|BT_<span layer>`) over a
span layer read gives relations (issue 16): each written on its dependent's first token line,
the last column naming the governor's token (`1-3`, and `[gov_dep]` disambiguation ids when
an end is stacked or covers several tokens), the features attributes; the import adds a type the
codebook lacks with --add-labels, else counts it (ops/import_links.py). Relations between
tokens, chains (`#T_CH`) and slot features are counted for the import report, not read.

Written: one file per document and annotator, `<annotator>/NNNN-title.tsv`, with a
README.txt naming the annotators (and the layer, relation type and attribute behind each
UIMA name, so our own export comes back under its names). The project's tokens are cut where
a span edge falls inside one, so every span starts and ends on a token; each TSV "sentence"
runs up to the next one, so the text comes back exactly. A relation type whose rule joins
spans of one span layer becomes a relation layer attached to it, as in INCEpTION; relations
of other types (and relation notes and ids) are counted in the export report.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import ImportedSpan, ReadOptions
from annotator.formats.interchange import (
    PROGRAM,
    ExportContext,
    ExportDocument,
    OutputFiles,
    utf16_offsets,
)
from annotator.formats.text_io import (
    ReadDocument,
    check_length,
    decode_bytes,
    first_line_title,
    normalise_with_offsets,
    read_file_bytes,
)
from annotator.formats.xmi import BUILTIN_SPAN_LAYERS

FORMAT_LINE = "#FORMAT=WebAnno TSV 3.3"
MARKER = f"Written by {PROGRAM}"
NOT_READ = "WebAnno TSV layers not read"
_VALUE_ESCAPES = (("\\", "\\\\"), ("[", "\\["), ("]", "\\]"), ("|", "\\|"), ("_", "\\_"), ("->", "\\->"),
                  (";", "\\;"), ("\t", "\\t"), ("\n", "\\n"), ("*", "\\*"))
_TEXT_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\f": "\f", "\\r": "\r", "\\b": "\b", "\\\\": "\\"}
_STACK = re.compile(r"(?<!\\)\|")
_ID_SUFFIX = re.compile(r"^(.*?)\[(\d+)\]$", re.S)
_REFERENCE = re.compile(r"(\d+-\d+(?:\.\d+)?)(?:\[(\d+)_(\d+)\])?")
RELATIONS = "WebAnno TSV relations"


def escape_value(value: str) -> str:
    """A feature value escaped as TSV 3.3 writes it."""
    pattern = re.compile("|".join(re.escape(raw) for raw, _ in _VALUE_ESCAPES))
    table = dict(_VALUE_ESCAPES)
    return pattern.sub(lambda match: table[match.group(0)], value)


def unescape_value(value: str) -> str:
    """A feature value read back (the reverse of escape_value)."""
    table = {escaped: raw for raw, escaped in _VALUE_ESCAPES}
    pattern = re.compile("|".join(re.escape(escaped) for _, escaped in _VALUE_ESCAPES))
    return pattern.sub(lambda match: table[match.group(0)], value)


def escape_text(text: str) -> str:
    """A line of sentence text escaped as TSV 3.3 writes it (control characters, backslash)."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char in "\t\f\r\b":
            out.append({"\t": "\\t", "\f": "\\f", "\r": "\\r", "\b": "\\b"}[char])
        elif ord(char) < 32 and not 8 <= ord(char) <= 13:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def unescape_text(text: str) -> str:
    """A `#Text=` line read back (TSV 3.2 and later escapes)."""
    return re.sub(r"\\(.)", lambda m: _TEXT_ESCAPES.get(m.group(0), m.group(1)), text, flags=re.S)


# ----- reading ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Column:
    """One annotation column of the schema."""

    type_name: str
    kind: str  # "SP", "RL" or "CH"
    feature: str  # "" for a layer's placeholder column
    slot: bool = False


@dataclass(slots=True)
class _Annotation:
    """A span annotation being read: its unit range (UTF-16) and feature values."""

    type_name: str
    begin: int
    end: int
    values: dict[str, str | None] = field(default_factory=dict)
    read: ImportedSpan | None = None  # the span it became


@dataclass(slots=True)
class _Link:
    """A relation being read: on the line of its dependent's first token, its governor's token
    address (with `[gov_dep]` ids) and its feature values."""

    line: int
    type_name: str
    attached: str  # the span layer (type) both ends belong to
    unit: str  # the dependent's token
    reference: str
    values: dict[str, str | None]


@dataclass(slots=True)
class _Read:
    """What the token lines hold: span annotations by key, the keys at each (type, token), the
    relations, and the token addresses seen."""

    found: dict[tuple[Any, ...], _Annotation] = field(default_factory=dict)
    at_unit: dict[tuple[str, str], list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))
    links: list[_Link] = field(default_factory=list)
    units: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Names:
    """The names behind the UIMA names of a folder this program exported (its README.txt)."""

    annotator: str | None = None
    layers: dict[str, str] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)
    features: dict[str, str] = field(default_factory=dict)  # "type|feature" -> attribute


@dataclasses.dataclass(slots=True)
class TsvDocument(ReadDocument):
    """A TSV file read: a ReadDocument with the relations its relation layers give between its
    spans (ends by the spans' ids; "lenient": the import counts what it cannot store)."""

    relations: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def read_webanno_tsv(path: Path, options: ReadOptions | None = None) -> list[ReadDocument]:
    """Read one WebAnno TSV 3.x file as one document."""
    options = options or ReadOptions()
    path = Path(path)
    content = decode_bytes(read_file_bytes(path), path)
    lines = [line.removesuffix("\r") for line in content.split("\n")]
    if not lines[0].startswith("#FORMAT=WebAnno TSV 3"):
        raise BadInputError(path, 'is not WebAnno TSV 3 (its first line is not "#FORMAT=WebAnno TSV 3.x")', line=1)
    columns, number = _schema(path, lines)
    document = TsvDocument(text="", origin=str(path))
    state = _content(path, lines, number, columns, document)
    annotations = list(state.found.values())
    names = _exported_names(path)
    units = utf16_offsets(document.text)
    position = {unit: index for index, unit in enumerate(units)}
    text = document.text
    if text.endswith("\n") and all(item.end < len(units) - 1 for item in annotations):
        text = text[:-1]  # the line break the format puts after the last sentence
    label_features = _label_features(columns, annotations)
    spans = []
    for item in annotations:
        start, end = position.get(item.begin), position.get(item.end)
        if start is None or end is None:
            raise BadInputError(path, f"an annotation at {item.begin}–{item.end} (UTF-16) splits a character")
        if start >= end:
            document.not_carried["WebAnno TSV zero-width annotations: not carried"] += 1
            continue
        item.read = _span(item, start, end, label_features.get(item.type_name, ""), names)
        spans.append(item.read)
    _relations(path, state, document, names)
    document.text, document.spans = normalise_with_offsets(text, spans)
    if not document.text.strip():
        raise BadInputError(path, "has no text")
    check_length(document.text, path)
    annotator = options.default_annotator or names.annotator
    for span in document.spans:
        span.annotator = span.annotator or annotator
    document.title = first_line_title(document.text)
    return [document]


def _schema(path: Path, lines: list[str]) -> tuple[list[_Column], int]:
    """The columns the `#T_SP/#T_RL/#T_CH` lines declare, and the index of the first line after them."""
    columns: list[_Column] = []
    number = 1
    while number < len(lines) and lines[number].startswith(("#T_SP=", "#T_RL=", "#T_CH=")):
        kind, _, rest = lines[number][3:].partition("=")
        fields = rest.split("|")
        if not fields[0]:
            raise BadInputError(path, "a layer line names no type", line=number + 1)
        features = fields[1:] or [""]
        slot = False
        for feature in features:
            slot = feature.startswith("ROLE_") or (slot and "." in feature)
            columns.append(_Column(fields[0], kind, feature, slot))
        number += 1
    return columns, number


def _content(path: Path, lines: list[str], number: int, columns: list[_Column],
             document: ReadDocument) -> _Read:
    """Rebuild the text (UTF-16 offsets as INCEpTION counts them) and collect the span
    annotations and relations."""
    parts: list[str] = []
    length = 0  # of the text so far, in UTF-16 code units
    pending: list[str] = []
    previous = "space"
    state = _Read()
    for index in range(number, len(lines)):
        line = lines[index]
        if line.startswith("#") and previous in ("space", "header"):
            if line.startswith("#Text="):
                pending.append(unescape_text(line[6:]) + "\n")
            previous = "header"
            continue
        if not line.strip():
            previous = "space"
            continue
        fields = line.split("\t")
        if len(fields) < len(columns) + 3:
            raise BadInputError(path, f"has {len(fields)} columns; the layers declared need {len(columns) + 3}",
                                line=index + 1)
        match = re.fullmatch(r"(\d+)-(\d+)", fields[1])
        if not re.fullmatch(r"\d+-\d+(\.\d+)?", fields[0]) or match is None:
            raise BadInputError(path, f"is not a token line (id, begin-end, token, columns): {line[:60]!r}",
                                line=index + 1)
        begin, end = int(match.group(1)), int(match.group(2))
        if previous == "header":  # the first token of a sentence: place the sentence's text
            if length > begin:
                if length != begin + 1 or not parts or not parts[-1].endswith("\n"):
                    raise BadInputError(path, f"sentence starts at {begin}, inside the text before it",
                                        line=index + 1)
                parts[-1] = parts[-1][:-1]
                length -= 1
            if length < begin:
                parts.append(" " * (begin - length))
                length = begin
            for piece in pending:
                parts.append(piece)
                length += len(piece.encode("utf-16-le")) // 2
            pending = []
        elif previous == "space":
            raise BadInputError(path, "a token line before its sentence's #Text= line", line=index + 1)
        previous = "token"
        if not begin <= end <= length:
            raise BadInputError(path, f"token offsets {begin}-{end} lie outside its sentence's text", line=index + 1)
        state.units.add(fields[0])
        _annotations(fields, columns, begin, end, index + 1, state, document)
    document.text = "".join(parts)
    return state


def _annotations(fields: list[str], columns: list[_Column], begin: int, end: int, line: int, state: _Read,
                 document: ReadDocument) -> None:
    """Add the values of one token line to the annotations and relations they belong to."""
    unit = fields[0]
    relation_values: dict[str, dict[str, list[str]]] = defaultdict(dict)  # type -> feature -> stacked
    for position, column in enumerate(columns):
        raw = fields[position + 3]
        if raw == "_" or raw == "":
            continue
        stacked = _STACK.split(raw)
        if column.kind == "RL":
            relation_values[column.type_name][column.feature] = stacked
            continue
        if column.kind != "SP" or column.slot:
            if column.kind == "CH" and column.feature == "referenceType" \
                    or column.slot and column.feature.startswith("ROLE_"):
                what = "chain links" if column.kind == "CH" else "slot features (links)"
                short = column.type_name.rsplit(".", 1)[-1]
                document.not_carried[f"{NOT_READ}\t{short} ({what})"] += len(stacked)
            continue
        for stack, value in enumerate(stacked):
            ident = None
            matched = _ID_SUFFIX.match(value)
            if matched and not value.endswith("\\]"):
                value, ident = matched.group(1), int(matched.group(2))
            key = (column.type_name, ident) if ident is not None else (column.type_name, unit, stack)
            item = state.found.get(key)
            if item is None:
                item = state.found[key] = _Annotation(column.type_name, begin, end)
            item.begin, item.end = min(item.begin, begin), max(item.end, end)
            if key not in state.at_unit[column.type_name, unit]:
                state.at_unit[column.type_name, unit].append(key)
            if column.feature:
                item.values[column.feature] = None if value == "*" else unescape_value(value)
    for type_name, values in relation_values.items():
        reference = next((name for name in reversed(values) if name.startswith("BT_")), None)  # the last column
        if reference is None:
            continue
        for stack, address in enumerate(values[reference]):
            features = {name: (stacked[stack] if stack < len(stacked) else None)
                        for name, stacked in values.items() if name != reference}
            state.links.append(_Link(line, type_name, reference[3:], unit, address, {
                name: None if value in ("*", "_", None) else unescape_value(value)
                for name, value in features.items()}))


def _label_features(columns: list[_Column], annotations: list[_Annotation]) -> dict[str, str]:
    """Per type, the feature that holds the label, the same for every annotation of the type:
    a built-in layer's value feature, else `label`, else the first declared feature with a value."""
    chosen: dict[str, str] = {}
    for column in columns:
        name = column.type_name
        if name in BUILTIN_SPAN_LAYERS:
            chosen[name] = BUILTIN_SPAN_LAYERS[name][1]
        elif column.feature == "label":
            chosen[name] = "label"
    for column in columns:
        if column.type_name not in chosen and column.feature and any(
                item.values.get(column.feature) for item in annotations if item.type_name == column.type_name):
            chosen[column.type_name] = column.feature
    return chosen


def _span(item: _Annotation, start: int, end: int, feature: str, names: _Names) -> ImportedSpan:
    """The span of an annotation: layer as for XMI (or as our README names it), label from
    `feature` (the type's name when it has no value there), the other features attributes."""
    short = item.type_name.rsplit(".", 1)[-1]
    layer = BUILTIN_SPAN_LAYERS[item.type_name][0] if item.type_name in BUILTIN_SPAN_LAYERS else short
    label = item.values.get(feature) if feature else None
    attributes = {names.features.get(f"{item.type_name}|{name}", name): value
                  for name, value in item.values.items() if name != feature and value}
    return ImportedSpan(start, end, label or short, names.layers.get(item.type_name, layer), None, attributes)


def _relations(path: Path, state: _Read, document: TsvDocument, names: _Names) -> None:
    """The relations between the spans read (ends by the spans' ids, given here); a relation
    layer over tokens, or a relation whose end is not at the token it names, is counted."""
    span_types = {type_name for type_name, _ in state.at_unit}
    for link in state.links:
        matched = _REFERENCE.fullmatch(link.reference)
        if matched is None:
            raise BadInputError(path, f"relation reference {link.reference[:40]!r} is not a token address "
                                      "(like 1-3 or 1-3[1_2])", line=link.line)
        if matched.group(1) not in state.units:
            raise BadInputError(path, f"a relation names token {matched.group(1)}, which the file does not hold",
                                line=link.line)
        short = link.type_name.rsplit(".", 1)[-1]
        if link.attached not in span_types:
            what = "relations between tokens" if link.attached.endswith(".Token") else "relations over no span read"
            document.not_carried[f"{NOT_READ}\t{short} ({what})"] += 1
            continue
        governor = _end(state, link.attached, matched.group(1), int(matched.group(2) or 0))
        dependent = _end(state, link.attached, link.unit, int(matched.group(3) or 0))
        if governor is None or dependent is None:
            document.not_carried[f"{NOT_READ}\t{short} (relations whose end is not at the token named)"] += 1
            continue
        if governor.read is None or dependent.read is None:
            document.not_carried[f"{NOT_READ}\t{short} (relations with a zero-width end)"] += 1
            continue
        for end in (governor.read, dependent.read):
            end.id = end.id or str(uuid.uuid4())
        attributes = {names.features.get(f"{link.type_name}|{name}", name): value
                      for name, value in link.values.items() if value is not None}
        document.relations.append({
            "type": names.relations.get(link.type_name, short), "from": governor.read.id, "to": dependent.read.id,
            "attributes": attributes, "note": "", "number": link.line, "lenient": RELATIONS})


def _end(state: _Read, type_name: str, unit: str, ident: int) -> _Annotation | None:
    """The annotation of `type_name` at token `unit` a relation names: the one with disambiguation
    id `ident`, or for 0 the only one there (None when absent or ambiguous)."""
    keys = state.at_unit.get((type_name, unit), [])
    if ident:
        return state.found[type_name, ident] if (type_name, ident) in keys else None
    return state.found[keys[0]] if len(keys) == 1 else None


def _exported_names(path: Path) -> _Names:
    """The annotator, layer, relation type and attribute names behind a file in a folder this
    program exported (`<annotator>/NNNN-title.tsv`, README.txt beside the folders)."""
    readme = path.parent.parent / "README.txt"
    try:
        if not readme.is_file() or readme.stat().st_size > 1_000_000:
            return _Names()
        content = readme.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return _Names()
    if MARKER not in content:
        return _Names()
    found: dict[str, dict[str, str]] = {kind: dict(re.findall(rf"^{kind} (\S+) = (.+)$", content, flags=re.M))
                                        for kind in ("annotator", "layer", "relation", "attribute")}
    return _Names(found["annotator"].get(path.parent.name, path.parent.name), found["layer"], found["relation"],
                  found["attribute"])


def write_webanno_tsv(documents: Iterator[ExportDocument], context: ExportContext, out: Path,
                      files: OutputFiles) -> None:
    """Write the folder `out`: `<annotator>/NNNN-title.tsv` per document, and README.txt
    (annotator/formats/webanno_tsv_writer.py)."""
    from annotator.formats.webanno_tsv_writer import write_folder

    write_folder(documents, context, out, files)

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
other features attributes. Relations (`#T_RL`), chains (`#T_CH`) and slot features are
counted for the import report, not read.

Written: one file per document and annotator, `<annotator>/NNNN-title.tsv`, with a
README.txt naming the annotators. The project's tokens are cut where a span edge falls
inside one, so every span starts and ends on a token; each TSV "sentence" runs up to the
next one, so the text comes back exactly.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
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
    covering_pieces,
    safe_name,
    unique_names,
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
from annotator.formats.xmi import BUILTIN_SPAN_LAYERS, _feature_names, _type_names

FORMAT_LINE = "#FORMAT=WebAnno TSV 3.3"
MARKER = f"Written by {PROGRAM}"
NOT_READ = "WebAnno TSV layers not read"
_VALUE_ESCAPES = (("\\", "\\\\"), ("[", "\\["), ("]", "\\]"), ("|", "\\|"), ("_", "\\_"), ("->", "\\->"),
                  (";", "\\;"), ("\t", "\\t"), ("\n", "\\n"), ("*", "\\*"))
_TEXT_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\f": "\f", "\\r": "\r", "\\b": "\b", "\\\\": "\\"}
_STACK = re.compile(r"(?<!\\)\|")
_ID_SUFFIX = re.compile(r"^(.*?)\[(\d+)\]$", re.S)


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


def read_webanno_tsv(path: Path, options: ReadOptions | None = None) -> list[ReadDocument]:
    """Read one WebAnno TSV 3.x file as one document."""
    options = options or ReadOptions()
    path = Path(path)
    content = decode_bytes(read_file_bytes(path), path)
    lines = [line.removesuffix("\r") for line in content.split("\n")]
    if not lines[0].startswith("#FORMAT=WebAnno TSV 3"):
        raise BadInputError(path, 'is not WebAnno TSV 3 (its first line is not "#FORMAT=WebAnno TSV 3.x")', line=1)
    columns, number = _schema(path, lines)
    document = ReadDocument(text="", origin=str(path))
    annotations = _content(path, lines, number, columns, document)
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
        spans.append(_span(item, start, end, label_features.get(item.type_name, "")))
    document.text, document.spans = normalise_with_offsets(text, spans)
    if not document.text.strip():
        raise BadInputError(path, "has no text")
    check_length(document.text, path)
    annotator = options.default_annotator or _exported_annotator(path)
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
             document: ReadDocument) -> list[_Annotation]:
    """Rebuild the text (UTF-16 offsets as INCEpTION counts them) and collect the span annotations."""
    parts: list[str] = []
    length = 0  # of the text so far, in UTF-16 code units
    pending: list[str] = []
    previous = "space"
    found: dict[tuple[Any, ...], _Annotation] = {}
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
        _annotations(fields, columns, begin, end, fields[0], found, document)
    document.text = "".join(parts)
    return list(found.values())


def _annotations(fields: list[str], columns: list[_Column], begin: int, end: int, unit: str,
                 found: dict[tuple[Any, ...], _Annotation], document: ReadDocument) -> None:
    """Add the values of one token line to the annotations they belong to."""
    for position, column in enumerate(columns):
        raw = fields[position + 3]
        if raw == "_" or raw == "":
            continue
        stacked = _STACK.split(raw)
        if column.kind != "SP" or column.slot:
            if column.feature.startswith("BT_") or column.kind == "CH" and column.feature == "referenceType" \
                    or column.slot and column.feature.startswith("ROLE_"):
                what = {"RL": "relations", "CH": "chain links"}.get(column.kind, "slot features (links)")
                short = column.type_name.rsplit(".", 1)[-1]
                document.not_carried[f"{NOT_READ}\t{short} ({what})"] += len(stacked)
            continue
        for stack, value in enumerate(stacked):
            ident = None
            matched = _ID_SUFFIX.match(value)
            if matched and not value.endswith("\\]"):
                value, ident = matched.group(1), int(matched.group(2))
            key = (column.type_name, ident) if ident is not None else (column.type_name, unit, stack)
            item = found.get(key)
            if item is None:
                item = found[key] = _Annotation(column.type_name, begin, end)
            item.begin, item.end = min(item.begin, begin), max(item.end, end)
            if column.feature:
                item.values[column.feature] = None if value == "*" else unescape_value(value)


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


def _span(item: _Annotation, start: int, end: int, feature: str) -> ImportedSpan:
    """The span of an annotation: layer as for XMI, label from `feature` (the type's name when
    it has no value there), the other features attributes."""
    short = item.type_name.rsplit(".", 1)[-1]
    layer = BUILTIN_SPAN_LAYERS[item.type_name][0] if item.type_name in BUILTIN_SPAN_LAYERS else short
    label = item.values.get(feature) if feature else None
    attributes = {name: value for name, value in item.values.items() if name != feature and value}
    return ImportedSpan(start, end, label or short, layer, None, attributes)


def _exported_annotator(path: Path) -> str | None:
    """The annotator of a file in a folder this program exported (`<annotator>/NNNN-title.tsv`)."""
    readme = path.parent.parent / "README.txt"
    try:
        if not readme.is_file() or readme.stat().st_size > 1_000_000:
            return None
        content = readme.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if MARKER not in content:
        return None
    names = dict(re.findall(r"^annotator (\S+) = (.+)$", content, flags=re.M))
    return names.get(path.parent.name, path.parent.name)


# ----- writing ----------------------------------------------------------------------------------


def write_webanno_tsv(documents: Iterator[ExportDocument], context: ExportContext, out: Path,
                      files: OutputFiles) -> None:
    """Write the folder `out`: `<annotator>/NNNN-title.tsv` per document, and README.txt."""
    folder = files.folder(out)
    layers = tuple(layer for layer in context.layers if layer.kind == "span")
    types = _type_names(layers)
    features = {layer.name: _feature_names(layer) for layer in layers}
    header = [FORMAT_LINE] + [
        f"#T_SP={types[layer.name]}|label" + "".join(f"|{features[layer.name][a.name]}" for a in layer.attributes)
        for layer in layers]
    folders = unique_names([a.name for a in context.annotators], safe_name)
    for number, item in enumerate(documents, start=1):
        stem = f"{number:04d}-{safe_name(item.document.title, fallback='document')[:40]}"
        context.not_carried("document-level labels (WebAnno TSV has no document annotations)", len(item.labels))
        context.not_carried("notes and annotation ids of spans", sum(1 for span in item.spans if span.note))
        for annotator in context.annotators:
            spans = [span for span in item.spans if span.annotator == annotator.name]
            target = folder / folders[annotator.name]
            target.mkdir(exist_ok=True)
            body = _document_lines(item, spans, layers, features, context)
            (target / f"{stem}.tsv").write_text("\n".join(header) + "\n\n" + body, encoding="utf-8", newline="\n")
    readme = [f"WebAnno TSV 3.3 files, one per document and annotator. {MARKER}.",
              *(f"annotator {name} = {person}" for person, name in folders.items())]
    (folder / "README.txt").write_text("\n".join(readme) + "\n", encoding="utf-8", newline="\n")


def _document_lines(item: ExportDocument, spans: list[Any], layers: tuple[Any, ...],
                    features: dict[str, dict[str, str]], context: ExportContext) -> str:
    """The sentences and token lines of one document as one annotator coded it."""
    text = item.text
    assert item.segmentation is not None
    starts = {span.start for span in spans}
    ends = {span.end for span in spans}
    pieces = [(a, b) for a, b in covering_pieces(text, item.segmentation.tokens, starts | ends)
              if text[a:b].strip() or a in starts or b in ends]
    if not pieces:
        context.not_carried("documents of white space only", 1)
        return ""
    if text[:pieces[0][0]].strip(" "):
        context.not_carried("line breaks before the first word (written as spaces)", 1)
    units16 = utf16_offsets(text)
    sentence_starts = sorted({pieces[0][0], *(start for start, _ in item.segmentation.sentences)})
    groups: list[list[tuple[int, int]]] = []
    cursor = 0
    for start, end in pieces:
        while cursor + 1 < len(sentence_starts) and sentence_starts[cursor + 1] <= start:
            cursor += 1
            groups.append([])
        if not groups:
            groups.append([])
        groups[-1].append((start, end))
    groups = [group for group in groups if group]
    covering = _covering(pieces, spans)
    ids = _disambiguation_ids(covering)
    out: list[str] = []
    for number, group in enumerate(groups, start=1):
        begin = group[0][0]
        finish = groups[number][0][0] if number < len(groups) else len(text)
        out.append("")
        out += [f"#Text={escape_text(line)}" for line in text[begin:finish].split("\n")]
        for index, (start, end) in enumerate(group, start=1):
            form = re.sub(r"[\t\n\r]", " ", text[start:end])
            cells = [f"{number}-{index}", f"{units16[start]}-{units16[end]}", form]
            for layer in layers:
                here = [span for span in covering.get((start, end), []) if span.layer == layer.name]
                names = ["label", *(a.name for a in layer.attributes)]
                for name in names:
                    if not here:
                        cells.append("_")
                        continue
                    values = []
                    for span in here:
                        raw = span.label if name == "label" else span.attributes.get(name)
                        word = "*" if raw is None or raw == "" else escape_value(
                            ("true" if raw else "false") if isinstance(raw, bool) else str(raw))
                        values.append(word + (f"[{ids[span.id]}]" if span.id in ids else ""))
                    cells.append("|".join(values))
            out.append("\t".join(cells) + "\t")
    return "\n".join(out) + "\n"


def _covering(pieces: list[tuple[int, int]], spans: list[Any]) -> dict[tuple[int, int], list[Any]]:
    """The spans covering each token, in a stable stacking order."""
    covering: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.label, s.id)):
        for piece in pieces:
            if span.start <= piece[0] and piece[1] <= span.end:
                covering[piece].append(span)
    return covering


def _disambiguation_ids(covering: dict[tuple[int, int], list[Any]]) -> dict[str, int]:
    """By annotation id, a number for every span over several tokens or stacked with another
    of its layer, as INCEpTION writes them."""
    tokens: Counter[str] = Counter()
    stacked: set[str] = set()
    for here in covering.values():
        per_layer: Counter[str] = Counter(span.layer for span in here)
        for span in here:
            tokens[span.id] += 1
            if per_layer[span.layer] > 1:
                stacked.add(span.id)
    ids: dict[str, int] = {}
    for piece in sorted(covering):
        for span in covering[piece]:
            if span.id not in ids and (tokens[span.id] > 1 or span.id in stacked):
                ids[span.id] = len(ids) + 1
    return ids

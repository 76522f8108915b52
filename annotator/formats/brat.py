"""brat standoff: a .txt and an .ann per document, annotation.conf and visual.conf.

Offsets: brat's server reads the .txt as a Python string and slices it with the offsets
in the .ann, so offsets count code points, the same as this program (brat's own docs say
"character offsets"). A span that crosses a line break is written as fragments without
the line breaks ("T1<tab>Type 0 5;6 9"), as brat itself does; reading joins the fragments.

Layout written: `annotation.conf` and `visual.conf` at the top (entity types grouped under
their layer, with the real label names as display names), one folder per annotator, and in
it `NNNN-title.txt` / `.ann`. Attributes become A lines (brat attributes take one word, so a
value with white space is not carried); notes become `#` AnnotatorNotes lines (one line).
Relations become R lines ("R1<tab>Target Arg1:T3 Arg2:T5", declared under [relations] in
annotation.conf); their attributes and notes are not carried. Document-level labels,
annotation ids and document metadata have no place in brat.

Read: text-bound annotations (T), attributes and modifications (A, M), notes (#), and event
triggers (the T line an E line names) as spans. What this program cannot hold is counted
for the import report, never dropped unsaid: event arguments (E), equivalences (*), normalisations (N), notes on anything but a span, and
discontinuous spans (fragments with text between them), which are imported as one span
from the first fragment's start to the last one's end. Fragments separated only by line
breaks (how brat writes a span across lines, and how this program exports one) are one span.
Entity types under no layer of our own annotation.conf name no layer: the import's
--layer, or a layer --add-labels creates, takes them. A type's name is its label: visual.conf
display names ("GPE | Geo-political entity", several types shown as "P") are only for the eye,
and are read back as label names only from this program's own export (marked in its configs),
which writes the real label names there. brat reads the .txt as UTF-8 keeping a byte-order
mark, so a BOM is character 0 of brat's offsets: they are moved back by one, as for CRLF. An
empty span (start = end) is counted, not imported.

R lines ("R1<tab>Type Arg1:T3 Arg2:T5") between two imported T spans come back as relations
of the spans' annotator (the import stores them once both ends are stored; a type the
codebook lacks is added with --add-labels, else counted as not carried, as is a relation
whose end was not imported or that the type's rule forbids). An R line naming an
annotation the file does not hold refuses the file; one joining events or empty spans is
counted.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ImportedSpan, ReadOptions
from annotator.formats.interchange import (
    PROGRAM,
    ExportContext,
    ExportDocument,
    OutputFiles,
    iter_lines,
    safe_name,
    unique_names,
)
from annotator.formats.text_io import (
    ReadDocument,
    check_length,
    decode_bytes,
    first_line_title,
    normalise_with_offsets,
    read_file_bytes,
)
from annotator.model import Layer

MARKER = f"# Written by {PROGRAM}"
_TYPE_NAME = re.compile(r"^[A-Za-z0-9_\-.]+$")


# ----- writing ----------------------------------------------------------------------------------


def _type_names(layers: tuple[Layer, ...]) -> dict[tuple[str, str], str]:
    """brat type name of each (layer, label) and of each layer (label ""), all distinct."""
    keys = [(layer.name, "") for layer in layers] + [(layer.name, label.name) for layer in layers
                                                      for label in layer.labels]
    names = unique_names([f"{layer}\x00{label}" for layer, label in keys],
                         lambda key: safe_name(key.split("\x00")[1] or key.split("\x00")[0]))
    return {key: names[f"{key[0]}\x00{key[1]}"] for key in keys}


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) split at line breaks, dropping them (brat spans stay on one line)."""
    pieces = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        pieces.append((start + match.start(), start + match.end()))
    return pieces


def _one_line(value: str) -> str:
    return " ".join(value.splitlines())


def write_brat(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the brat folder `out`."""
    folder = files.folder(out)
    span_layers = tuple(layer for layer in context.layers if layer.kind == "span")
    types = _type_names(span_layers)
    attribute_names = unique_names(
        dict.fromkeys(a.name for layer in span_layers for a in layer.attributes), safe_name)
    values: dict[str, set[str]] = defaultdict(set)
    folders = unique_names([a.name for a in context.annotators], safe_name)
    relation_names = unique_names([kind.name for kind in context.codebook.relations], safe_name)
    links_by_document = context.option("relations", {})
    for number, item in enumerate(documents, start=1):
        stem = f"{number:04d}-{safe_name(item.document.title, fallback='document')[:40]}"
        by_annotator: dict[str, list[Any]] = defaultdict(list)
        for span in item.spans:
            by_annotator[span.annotator].append(span)
        context.not_carried("document-level labels (brat has no document annotations)", len(item.labels))
        context.not_carried("annotation ids (brat numbers annotations T1, T2, ...)", len(item.spans))
        context.not_carried("document metadata other than the text (title only in the file name)", 1)
        for annotator in context.annotators:
            target = folder / folders[annotator.name]
            target.mkdir(exist_ok=True)
            (target / f"{stem}.txt").write_text(item.text, encoding="utf-8", newline="\n")
            mine = by_annotator.get(annotator.name, [])
            lines = _ann_lines(item.text, mine, types, attribute_names, values, context)
            lines += _relation_lines(item.text, mine, [link for link in links_by_document.get(item.document.id, [])
                                                       if link["annotator"] == annotator.name], relation_names, context)
            (target / f"{stem}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8",
                                                newline="\n")
    conf = _annotation_conf(span_layers, types, attribute_names, values)
    conf = conf.replace("[relations]\n", "[relations]\n" + "".join(
        f"{name}\tArg1:<ENTITY>, Arg2:<ENTITY>\n" + (f"# relation {name} = {original}\n" if name != original else "")
        for original, name in relation_names.items()), 1)
    conf += "".join(f"# annotator {folder_name} = {name}\n" for name, folder_name in folders.items()
                    if folder_name != name)
    (folder / "annotation.conf").write_text(conf, encoding="utf-8", newline="\n")
    (folder / "visual.conf").write_text(_visual_conf(span_layers, types), encoding="utf-8", newline="\n")


def _ann_lines(text: str, spans: list[Any], types: dict[tuple[str, str], str], attribute_names: dict[str, str],
               values: dict[str, set[str]], context: ExportContext) -> list[str]:
    lines: list[str] = []
    attribute_count = note_count = 0
    for number, span in enumerate(spans, start=1):
        pieces = _fragments(text, span.start, span.end)
        if not pieces:
            context.not_carried("spans of line breaks only", 1)
            continue
        where = ";".join(f"{s} {e}" for s, e in pieces)
        covered = " ".join(text[s:e] for s, e in pieces)
        lines.append(f"T{number}\t{types[(span.layer, span.label)]} {where}\t{covered}")
        for name, value in span.attributes.items():
            word = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if not word or any(char.isspace() for char in word):
                context.not_carried("attribute values with white space (brat values are one word)", 1)
                continue
            attribute_count += 1
            values[attribute_names[name]].add(word)
            lines.append(f"A{attribute_count}\t{attribute_names[name]} T{number} {word}")
        if span.note:
            note_count += 1
            if "\n" in span.note:
                context.not_carried("line breaks in notes (brat notes are one line; made spaces)", 1)
            lines.append(f"#{note_count}\tAnnotatorNotes T{number}\t{_one_line(span.note)}")
    return lines


def _relation_lines(text: str, spans: list[Any], links: list[dict[str, Any]], names: dict[str, str],
                    context: ExportContext) -> list[str]:
    """R lines ("R1<tab>Target Arg1:T3 Arg2:T5") for the relations whose two ends were written."""
    numbers = {span.id: number for number, span in enumerate(spans, start=1) if _fragments(text, span.start, span.end)}
    lines: list[str] = []
    for link in links:
        if link["from"] not in numbers or link["to"] not in numbers:
            context.not_carried("relations with an end not exported (another layer, or line breaks only)", 1)
            continue
        lines.append(f"R{len(lines) + 1}\t{names[link['type']]} Arg1:T{numbers[link['from']]} Arg2:T{numbers[link['to']]}")
        if link.get("attributes") or link.get("note"):
            context.not_carried("attributes and notes of relations (brat R lines carry type and ends)", 1)
    return lines


def _annotation_conf(layers: tuple[Layer, ...], types: dict[tuple[str, str], str], attribute_names: dict[str, str],
                     values: dict[str, set[str]]) -> str:
    lines = [MARKER, "# Entity types: one per label, under its layer (the layer itself is not used).",
             "[entities]"]
    for layer in layers:
        lines.append(f"!{types[(layer.name, '')]}")
        children: dict[str | None, list[str]] = defaultdict(list)
        for label in layer.labels:
            children[label.parent].append(label.name)

        def add(parent: str | None, depth: int) -> None:
            """Write the labels under `parent`, indented one tab per level."""
            for name in children.get(parent, []):
                lines.append("\t" * depth + types[(layer.name, name)])
                add(name, depth + 1)

        add(None, 1)
    lines += ["", "[relations]", "", "[events]", "", "[attributes]"]
    for original, name in attribute_names.items():
        found = sorted(values.get(name, ())) or ["true", "false"]
        lines.append(f"{name}\tArg:<ENTITY>, Value:{'|'.join(found)}")
        if original != name:
            lines.append(f"# attribute {name} = {original}")
    return "\n".join(lines) + "\n"


def _visual_conf(layers: tuple[Layer, ...], types: dict[tuple[str, str], str]) -> str:
    lines = [MARKER, "[labels]"]
    for layer in layers:
        lines.append(f"{types[(layer.name, '')]} | {layer.name}")
        lines += [f"{types[(layer.name, label.name)]} | {label.name}" for label in layer.labels]
    lines += ["", "[drawing]"]
    for layer in layers:
        lines += [f"{types[(layer.name, label.name)]}\tbgColor:{label.colour}" for label in layer.labels]
    return "\n".join(lines) + "\n"


# ----- reading ----------------------------------------------------------------------------------


class _Config:
    """What annotation.conf / visual.conf say: layer and real name of each type."""

    def __init__(self) -> None:
        self.layer_of: dict[str, str] = {}
        self.display: dict[str, str] = {}
        self.attributes: dict[str, str] = {}
        self.annotators: dict[str, str] = {}  # folder name -> annotator, where they differ
        self.ours = False
        self.folder: Path | None = None


def _find_config(start: Path) -> _Config:
    """Read the nearest annotation.conf (this folder or up to two above), as brat does."""
    config = _Config()
    for folder in (start, start.parent, start.parent.parent):
        conf = folder / "annotation.conf"
        if conf.is_file():
            config.folder = folder
            _read_annotation_conf(conf, config)
            visual = folder / "visual.conf"
            if visual.is_file():
                _read_visual_conf(visual, config)
            break
    return config


def _read_annotation_conf(path: Path, config: _Config) -> None:
    content = decode_bytes(read_file_bytes(path, 4 * 1024 * 1024), path)
    section = ""
    stack: list[tuple[int, str, bool]] = []  # (depth, type, abstract) of the open ancestors
    for _, line in iter_lines(content):
        if line.startswith(MARKER):
            config.ours = True
        found = re.match(r"# (attribute|annotator) (\S+) = (.+)$", line)
        if found:
            names = config.attributes if found.group(1) == "attribute" else config.annotators
            names[found.group(2)] = found.group(3)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.strip().startswith("["):
            section = line.strip()
            continue
        if section != "[entities]":
            continue
        depth = len(line) - len(line.lstrip("\t"))
        entry = line.strip().split()[0]
        name = entry.lstrip("!")
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack and stack[0][2]:  # under an abstract top type: that type is the layer
            config.layer_of[name] = stack[0][1]
        stack.append((depth, name, entry.startswith("!") and depth == 0))


def _read_visual_conf(path: Path, config: _Config) -> None:
    content = decode_bytes(read_file_bytes(path, 4 * 1024 * 1024), path)
    section = ""
    for _, line in iter_lines(content):
        if line.strip().startswith("["):
            section = line.strip()
        elif section == "[labels]" and "|" in line and not line.lstrip().startswith("#"):
            parts = [part.strip() for part in line.split("|")]
            config.display[parts[0]] = parts[1]


@dataclasses.dataclass(slots=True)
class BratDocument(ReadDocument):
    """A brat document: a ReadDocument with the relations its R lines give between its spans
    (ends by the spans' ids; "lenient": the import counts what it cannot store instead of refusing)."""

    relations: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def read_brat(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read one brat document from its .ann (and the .txt beside it), or every pair in a folder.

    A .txt with an .ann beside it gives nothing, as the pair is read through its .ann (a
    folder import lists both files).
    """
    options = options or ReadOptions()
    path = Path(path)
    if path.is_dir():
        found: list[ImportedDocument] = []
        for ann in sorted(path.rglob("*.ann")):
            found += read_brat(ann, options)
        if not found:
            raise BadInputError(path, "has no brat .ann files")
        return found
    ann, txt = path.with_suffix(".ann"), path.with_suffix(".txt")
    if path.suffix.lower() == ".txt" and ann.is_file():
        return []  # a folder import lists both files of a pair: the pair is read through its .ann
    if not txt.is_file():
        raise BadInputError(ann, f"has no text file beside it ({txt.name})")
    if not ann.is_file():
        raise BadInputError(txt, f"has no brat annotation file beside it ({ann.name})")
    data = read_file_bytes(txt)
    raw_text = decode_bytes(data, txt)
    config = _find_config(ann.parent)
    annotator = options.default_annotator
    if annotator is None and config.ours and config.folder == ann.parent.parent:
        annotator = config.annotators.get(ann.parent.name, ann.parent.name)
    document = BratDocument(text=raw_text, origin=str(ann))
    if data.startswith(codecs.BOM_UTF8):
        spans = _read_ann_after_bom(ann, raw_text, config, annotator, document)
    else:
        spans = _read_ann(ann, raw_text, config, annotator, document)
    text, spans = normalise_with_offsets(raw_text, spans)
    check_length(text, txt)
    document.text, document.spans, document.title = text, spans, first_line_title(text)
    return [document]


def _read_ann_after_bom(ann: Path, text: str, config: _Config, annotator: str | None,
                        document: ReadDocument) -> list[ImportedSpan]:
    """The spans of an .ann whose .txt starts with a UTF-8 BOM, on `text` (the BOM removed).

    brat counts the BOM as character 0, so its offsets are one more than ours; a file whose
    offsets (checked against the covered text) fit only the text without the BOM is read as is.
    """
    try:
        spans = _read_ann(ann, "\ufeff" + text, config, annotator, document)
    except BadInputError as counted:
        try:
            retry = BratDocument(text=text, origin=document.origin)
            spans = _read_ann(ann, text, config, annotator, retry)
        except BadInputError:
            raise counted from None
        document.not_carried.update(retry.not_carried)
        if isinstance(document, BratDocument):
            document.relations = retry.relations
        return spans
    kept = []
    for span in spans:
        if span.end <= 1:  # the BOM alone
            document.not_carried["brat spans of the byte-order mark alone"] += 1
            continue
        span.start, span.end = max(span.start - 1, 0), span.end - 1
        kept.append(span)
    return kept


# What each kind of brat line this program cannot hold is called in the import report (under
# the heading "not carried").
_NOT_CARRIED = {
    "E": "brat event arguments (E lines; the trigger is imported as a span)",
    "*": "brat equivalences (* lines)",
    "N": "brat normalisations (N lines)",
}


def _read_ann(ann: Path, text: str, config: _Config, annotator: str | None,
              document: ReadDocument) -> list[ImportedSpan]:
    """The spans of an .ann file; what they cannot hold is counted in `document.not_carried`."""
    data = read_file_bytes(ann)
    content = decode_bytes(data, ann) if data.strip() else ""  # an empty .ann: no annotations
    spans: dict[str, ImportedSpan] = {}
    others: set[str] = set()  # ids of annotations that are not spans (relations, events, …)
    links: list[tuple[int, str, str, str]] = []  # (line, type, Arg1, Arg2) of the R lines
    for number, line in iter_lines(content):
        if not line.strip():
            continue
        kind = line[0]
        fields = line.split("\t")
        if kind == "T":
            span, discontinuous = _text_bound(ann, number, fields, text, config, annotator)
            if span is None:
                others.add(fields[0])
                document.not_carried["brat empty spans (start = end)"] += 1
                continue
            spans[fields[0]] = span
            if discontinuous:
                document.not_carried["brat discontinuous spans: imported as one span from the first "
                                     "fragment to the last"] += 1
        elif kind in "AM":
            parts = fields[1].split(" ") if len(fields) > 1 else []
            if len(parts) not in (2, 3) or (parts[1] not in spans and parts[1] not in others):
                raise BadInputError(ann, f"attribute line is not 'A<n><tab>Name T<n> [Value]': {line[:60]!r}",
                                    line=number)
            if parts[1] not in spans:
                document.not_carried["brat attributes of relations, events or empty spans"] += 1
                continue
            name = config.attributes.get(parts[0], parts[0])
            spans[parts[1]].attributes[name] = parts[2] if len(parts) == 3 else True
        elif kind == "#":
            parts = fields[1].split(" ") if len(fields) > 1 else []
            if len(fields) < 3 or len(parts) != 2 or (parts[1] not in spans and parts[1] not in others):
                raise BadInputError(ann, f"note line is not '#<n><tab>AnnotatorNotes T<n><tab>text': {line[:60]!r}",
                                    line=number)
            if parts[1] not in spans:
                document.not_carried["brat notes on relations, events or empty spans"] += 1
                continue
            note = "\t".join(fields[2:])
            target = spans[parts[1]]
            target.note = f"{target.note}\n{note}" if target.note else note
        elif kind == "R":
            others.add(fields[0])
            links.append(_relation_line(ann, number, fields, line))
        elif kind in _NOT_CARRIED:
            others.add(fields[0])
            document.not_carried[_NOT_CARRIED[kind]] += 1
        else:
            raise BadInputError(ann, f"is not a brat annotation line: {line[:60]!r}", line=number)
    _relations(ann, links, spans, others, document)
    return list(spans.values())


def _relation_line(ann: Path, number: int, fields: list[str], line: str) -> tuple[int, str, str, str]:
    """(line, type, Arg1, Arg2) of an R line "R1<tab>Type Arg1:T3 Arg2:T5"."""
    parts = fields[1].split() if len(fields) > 1 else []
    if len(parts) != 3 or not all(":" in part for part in parts[1:]):
        raise BadInputError(ann, f"relation line is not 'R<n><tab>Type Arg1:T<n> Arg2:T<n>': {line[:60]!r}",
                            line=number)
    return number, parts[0], parts[1].split(":", 1)[1], parts[2].split(":", 1)[1]


def _relations(ann: Path, links: list[tuple[int, str, str, str]], spans: dict[str, ImportedSpan],
               others: set[str], document: ReadDocument) -> None:
    """Give the spans that R lines join an id, and the document the relations between them."""
    for number, kind, source, target in links:
        missing = [end for end in (source, target) if end not in spans and end not in others]
        if missing:
            raise BadInputError(ann, f"relation line names {missing[0]}, which the file does not hold", line=number)
        if source not in spans or target not in spans or not isinstance(document, BratDocument):
            document.not_carried["brat relations between events or empty spans"] += 1
            continue
        ends = [spans[source], spans[target]]
        for end in ends:
            end.id = end.id or str(uuid.uuid4())
        document.relations.append({"type": kind, "from": ends[0].id, "to": ends[1].id, "attributes": {},
                                   "note": "", "number": number, "lenient": "brat relations"})


def _text_bound(ann: Path, number: int, fields: list[str], text: str, config: _Config,
                annotator: str | None) -> tuple[ImportedSpan | None, bool]:
    """The span of a T line (None if it is empty), and whether its fragments have text (not
    only line breaks) between them."""
    if len(fields) < 2:
        raise BadInputError(ann, "text-bound line is not 'T<n><tab>Type start end<tab>text'", line=number)
    head = fields[1].split(" ", 1)
    if len(head) != 2:
        raise BadInputError(ann, f"text-bound line has no offsets: {fields[1][:60]!r}", line=number)
    type_name, where = head
    try:
        pieces = [tuple(int(value) for value in piece.split()) for piece in where.split(";")]
    except ValueError:
        raise BadInputError(ann, f"offsets {where!r} are not numbers", line=number) from None
    if any(len(piece) != 2 for piece in pieces):
        raise BadInputError(ann, f"offsets {where!r} are not 'start end' pairs", line=number)
    if any(not 0 <= piece[0] <= piece[1] <= len(text) for piece in pieces):
        problem = "end before they start" if all(0 <= p[1] < p[0] <= len(text) for p in pieces) else \
            f"are outside the text (0–{len(text)} characters)"
        raise BadInputError(ann, f"offsets {where!r} {problem}", line=number)
    pieces = [piece for piece in pieces if piece[0] < piece[1]]
    if not pieces:
        return None, False
    if len(fields) > 2:
        expected = " ".join(text[s:e] for s, e in pieces)
        if fields[2] != expected and fields[2].strip() != expected.strip():
            raise BadInputError(
                ann, f"offsets {where} cover {expected[:30]!r}, not {fields[2][:30]!r} "
                "(brat offsets count characters, i.e. code points)", line=number)
    ordered = sorted(pieces)
    discontinuous = any(text[a[1]:b[0]].strip() for a, b in zip(ordered, ordered[1:]))
    start, end = min(p[0] for p in pieces), max(p[1] for p in pieces)
    # Display names are label names only in our own export; elsewhere they are for the eye
    # (brat's tutorial shows GPE as "Geo-political entity", TDT shows several types as "P").
    display = config.display if config.ours else {}
    layer = config.layer_of.get(type_name)
    span = ImportedSpan(start=start, end=end, label=display.get(type_name, type_name),
                        layer=display.get(layer, layer) if layer is not None else None, annotator=annotator)
    return span, discontinuous

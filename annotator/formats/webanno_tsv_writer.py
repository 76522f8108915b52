"""Writing WebAnno TSV 3.3 (the format is described in annotator/formats/webanno_tsv.py): one
file per document and annotator with the span layers as `#T_SP` columns, and the relation
types that join one span layer as `#T_RL` relation layers attached to it (issue 16)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.formats.interchange import (
    ExportContext,
    ExportDocument,
    OutputFiles,
    covering_pieces,
    safe_name,
    unique_names,
    utf16_offsets,
)
from annotator.formats.webanno_tsv import FORMAT_LINE, MARKER, escape_text, escape_value
from annotator.formats.xmi import _feature_names, _relation_type_names, _type_names
from annotator.model import Layer, RelationType

NOT_ONE_LAYER = ("relations of a type whose rule does not join spans of one exported span layer (a WebAnno TSV "
                 "relation layer is attached to one span layer)")


def write_folder(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the folder `out`: `<annotator>/NNNN-title.tsv` per document, and README.txt."""
    folder = files.folder(out)
    layers = tuple(layer for layer in context.layers if layer.kind == "span")
    types = _type_names(layers)
    features = {layer.name: _feature_names(layer) for layer in layers}
    kinds = _attached(context.codebook.relations, {layer.name for layer in layers})
    relation_types = _relation_type_names(tuple(kinds), set(types.values()))
    relation_features = {kind.name: _feature_names(Layer(kind.name, attributes=kind.attributes)) for kind in kinds}
    header = [FORMAT_LINE] + [
        f"#T_SP={types[layer.name]}|label" + "".join(f"|{features[layer.name][a.name]}" for a in layer.attributes)
        for layer in layers] + [
        f"#T_RL={relation_types[kind.name]}" + "".join(f"|{relation_features[kind.name][a.name]}"
                                                       for a in kind.attributes) + f"|BT_{types[layer]}"
        for kind, layer in kinds.items()]
    spec = _RelationColumns(kinds, relation_features)
    links_by_document = context.option("relations", {})
    folders = unique_names([a.name for a in context.annotators], safe_name)
    for number, item in enumerate(documents, start=1):
        stem = f"{number:04d}-{safe_name(item.document.title, fallback='document')[:40]}"
        context.not_carried("document-level labels (WebAnno TSV has no document annotations)", len(item.labels))
        context.not_carried("notes and annotation ids of spans", sum(1 for span in item.spans if span.note))
        links = links_by_document.get(item.document.id, [])
        context.not_carried(NOT_ONE_LAYER, sum(1 for link in links if link["type"] not in spec.names))
        context.not_carried("notes and ids of relations", sum(1 for link in links if link.get("note")))
        for annotator in context.annotators:
            spans = [span for span in item.spans if span.annotator == annotator.name]
            mine = [link for link in links if link["annotator"] == annotator.name and link["type"] in spec.names]
            target = folder / folders[annotator.name]
            target.mkdir(exist_ok=True)
            body = _document_lines(item, spans, layers, features, context, (spec, mine))
            (target / f"{stem}.tsv").write_text("\n".join(header) + "\n\n" + body, encoding="utf-8", newline="\n")
    readme = [f"WebAnno TSV 3.3 files, one per document and annotator. {MARKER}.",
              *(f"annotator {name} = {person}" for person, name in folders.items()),
              *(f"layer {types[layer.name]} = {layer.name}" for layer in layers),
              *(f"relation {relation_types[kind.name]} = {kind.name}" for kind in kinds),
              *(f"attribute {types[layer.name]}|{features[layer.name][a.name]} = {a.name}"
                for layer in layers for a in layer.attributes if features[layer.name][a.name] != a.name),
              *(f"attribute {relation_types[kind.name]}|{relation_features[kind.name][a.name]} = {a.name}"
                for kind in kinds for a in kind.attributes if relation_features[kind.name][a.name] != a.name)]
    (folder / "README.txt").write_text("\n".join(readme) + "\n", encoding="utf-8", newline="\n")


@dataclass(slots=True)
class _RelationColumns:
    """The relation layers written: the span layer of each relation type (in header order) and
    the feature name of each of its attributes."""

    kinds: dict[RelationType, str]
    features: dict[str, dict[str, str]]
    names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.names = {kind.name for kind in self.kinds}


def _attached(kinds: tuple[RelationType, ...], span_layers: set[str]) -> dict[RelationType, str]:
    """The relation types whose rule joins spans of one exported span layer, with that layer
    (a TSV relation layer is attached to one span layer, as in INCEpTION)."""
    attached = {}
    for kind in kinds:
        joined = set(kind.source_layers) | set(kind.target_layers)
        if kind.source_layers and kind.target_layers and len(joined) == 1 and joined <= span_layers:
            attached[kind] = next(iter(joined))
    return attached


def _document_lines(item: ExportDocument, spans: list[Any], layers: tuple[Any, ...],
                    features: dict[str, dict[str, str]], context: ExportContext,
                    relations: tuple[_RelationColumns, list[dict[str, Any]]]) -> str:
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
    address = {piece: f"{number}-{index}" for number, group in enumerate(groups, start=1)
               for index, piece in enumerate(group, start=1)}
    on_line = _relations_by_line(covering, address, ids, *relations, context)
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
            cells += on_line.get((start, end)) or _empty_relation_cells(relations[0])
            out.append("\t".join(cells) + "\t")
    return "\n".join(out) + "\n"


def _empty_relation_cells(spec: _RelationColumns) -> list[str]:
    """The relation columns of a token line no relation ends on."""
    return ["_"] * sum(len(kind.attributes) + 1 for kind in spec.kinds)


def _relations_by_line(covering: dict[tuple[int, int], list[Any]], address: dict[tuple[int, int], str],
                       ids: dict[str, int], spec: _RelationColumns, links: list[dict[str, Any]],
                       context: ExportContext) -> dict[tuple[int, int], list[str]]:
    """The relation cells of each token line a relation is written on: its dependent's first token,
    features stacked with "|", the governor's first token and `[gov_dep]` ids in the last column."""
    first: dict[str, tuple[int, int]] = {}
    layer_of: dict[str, str] = {}
    for piece in sorted(covering):
        for span in covering[piece]:
            first.setdefault(span.id, piece)
            layer_of[span.id] = span.layer
    here: dict[tuple[tuple[int, int], str], list[dict[str, Any]]] = defaultdict(list)
    layers = {kind.name: layer for kind, layer in spec.kinds.items()}
    for link in links:
        if layer_of.get(link["from"]) != layers[link["type"]] or layer_of.get(link["to"]) != layers[link["type"]]:
            context.not_carried("relations with an end not exported (another layer, or white space only)", 1)
            continue
        here[first[link["to"]], link["type"]].append(link)
    cells: dict[tuple[int, int], list[str]] = {}
    for piece in {piece for piece, _ in here}:
        row: list[str] = []
        for kind in spec.kinds:
            stacked = sorted(here.get((piece, kind.name), []),  # in text order of their governors
                             key=lambda link: (first[link["from"]], ids.get(link["from"], 0), link["id"]))
            for attribute in kind.attributes:
                row.append("|".join(_relation_value(link["attributes"].get(attribute.name)) for link in stacked)
                           or "_")
            row.append("|".join(_reference(link, first, address, ids) for link in stacked) or "_")
        cells[piece] = row
    return cells


def _relation_value(raw: Any) -> str:
    """A relation's feature value as TSV writes it (`*` for none)."""
    if raw is None or raw == "":
        return "*"
    return escape_value(("true" if raw else "false") if isinstance(raw, bool) else str(raw))


def _reference(link: dict[str, Any], first: dict[str, tuple[int, int]], address: dict[tuple[int, int], str],
               ids: dict[str, int]) -> str:
    """The governor column of a relation: the governor's first token, with `[gov_dep]` when either
    end carries a disambiguation id."""
    governor, dependent = link["from"], link["to"]
    suffix = f"[{ids.get(governor, 0)}_{ids.get(dependent, 0)}]" if governor in ids or dependent in ids else ""
    return address[first[governor]] + suffix


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

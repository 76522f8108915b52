"""A Parquet dataset of the corpus (pyarrow): the path for questions that outgrow the desktop.

A folder of five tables that DuckDB reads on one machine and Spark, Polars or any Arrow
engine on a cluster, with no engine of ours:

- `documents.parquet`: id, title, source, author, date, url, language, meta (the free keys
  as a JSON object), text, length (code points);
- `annotations.parquet`: id, document_id, annotator, layer, label, start, end (code points,
  end exclusive, null for a document label), text (what the span covers), attributes (JSON)
  and one typed column per attribute the codebook defines (`attr_<name>`: int64, bool or
  string), note, created, updated (UTC timestamps) and origin (manual or the suggestion
  accepted) when the project records it;
- `status.parquet`: document_id, annotator, status (not started / in progress / done), updated;
- `codebook.parquet`: layer, kind, granularity, label, description, colour, key, position
  (of the label within its layer);
- `relations.parquet`: id, document_id, annotator, type, source_id, target_id (ids of rows of
  annotations.parquet), attributes (JSON), note.

Offsets are Python string indices, as everywhere in the project: `substr(text, start + 1,
end - start)` in DuckDB gives the span's text (its strings count code points too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from annotator.formats.interchange import ExportContext, ExportDocument, OutputFiles, safe_name
from annotator.model import AttributeDef

# What ops/exporting.py hands a dataset format in ExportContext.options["dataset"]:
# {"annotations": (ids, created, updated, origin) as four parallel sequences, "statuses":
# [(document_id, annotator, status, updated)], "origin": whether the project records where
# annotations came from}.
DATASET_OPTION = "dataset"
_DOCUMENT_COLUMNS = ("id", "title", "source", "author", "date", "url", "language", "meta", "text", "length")
_STATUS_WORDS = {"not_started": "not started", "in_progress": "in progress", "done": "done"}


def write_parquet(documents: Iterator[ExportDocument], context: ExportContext, out: Path,
                  files: OutputFiles) -> None:
    """Write the Parquet folder `out` (documents, annotations, status, codebook)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = files.folder(out)
    extra: Mapping[str, Any] = context.option(DATASET_OPTION, None) or {}
    attributes = _attribute_columns(context)
    # Rows as tuples (ExportAnnotation is one), turned into columns at the end: the loop does
    # as little per annotation as it can, so 200,000 of them take about a second.
    document_rows: list[tuple[Any, ...]] = []
    span_rows: list[tuple[Any, ...]] = []
    covered: list[str | None] = []
    for item in documents:
        meta, text = item.document, item.text
        document_rows.append((meta.id, meta.title, meta.source, meta.author, meta.date, meta.url, meta.language,
                              json.dumps(meta.meta, ensure_ascii=False) if meta.meta else "{}", text, len(text)))
        span_rows.extend(item.annotations)
        covered.extend([None if span[5] is None else text[span[5]:span[6]] for span in item.annotations])
    string, number = pa.string(), pa.int64()
    document_columns = list(zip(*document_rows)) or [()] * len(_DOCUMENT_COLUMNS)
    document_table = pa.table({name: pa.array(values, number if name == "length" else string)
                               for name, values in zip(_DOCUMENT_COLUMNS, document_columns)})
    span_columns = list(zip(*span_rows)) or [()] * 10
    ids, values = span_columns[0], span_columns[7]
    columns: dict[str, Any] = {}
    for index, name in enumerate(("id", "document_id", "annotator", "layer", "label")):
        columns[name] = pa.array(span_columns[index], string)
    columns["start"] = pa.array(span_columns[5], number)
    columns["end"] = pa.array(span_columns[6], number)
    columns["text"] = pa.array(covered, string)
    columns["attributes"] = pa.array(
        ["{}" if not given else json.dumps(given, ensure_ascii=False, sort_keys=True) for given in values], string)
    columns.update(_typed_columns(attributes, [(row, given) for row, given in enumerate(values) if given], len(ids)))
    columns["note"] = pa.array(span_columns[8], string)
    columns.update(_times(pa.array(ids, string), extra, span_columns[9] if len(span_columns) > 9 else ()))
    annotation_table = pa.table(columns)
    document_ids = set(document_columns[0])
    status_table = _status_table(extra.get("statuses"), context, document_ids)
    codebook_table = pa.table({
        "layer": pa.array([layer.name for layer in context.layers for _ in layer.labels], string),
        "kind": pa.array([layer.kind for layer in context.layers for _ in layer.labels], string),
        "granularity": pa.array([layer.granularity for layer in context.layers for _ in layer.labels], string),
        "label": pa.array([label.name for layer in context.layers for label in layer.labels], string),
        "description": pa.array([label.description for layer in context.layers for label in layer.labels], string),
        "colour": pa.array([label.colour for layer in context.layers for label in layer.labels], string),
        "key": pa.array([label.key for layer in context.layers for label in layer.labels], string),
        "position": pa.array([index for layer in context.layers for index, _ in enumerate(layer.labels)], number),
    })
    exported = set(ids)
    pairs = [(document_id, link) for document_id in sorted(document_ids)
             for link in context.option("relations", {}).get(document_id, [])
             if link["from"] in exported and link["to"] in exported]
    links = [link for _, link in pairs]
    relation_table = pa.table({
        "id": pa.array([link["id"] for link in links], string),
        "document_id": pa.array([document_id for document_id, _ in pairs], string),
        "annotator": pa.array([link["annotator"] for link in links], string),
        "type": pa.array([link["type"] for link in links], string),
        "source_id": pa.array([link["from"] for link in links], string),
        "target_id": pa.array([link["to"] for link in links], string),
        "attributes": pa.array([json.dumps(link["attributes"], ensure_ascii=False, sort_keys=True) for link in links],
                               string),
        "note": pa.array([link["note"] for link in links], string),
    })
    for name, table in (("documents", document_table), ("annotations", annotation_table),
                        ("status", status_table), ("codebook", codebook_table), ("relations", relation_table)):
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    for name, (column, _, renamed) in attributes.items():
        if renamed:
            context.remark(f'attribute "{name}" is the column {column}')


def _arrow_type(kind: str) -> Any:
    """The Arrow type of an attribute column of this kind."""
    import pyarrow as pa

    return {"int": pa.int64(), "bool": pa.bool_()}.get(kind, pa.string())


def _attribute_columns(context: ExportContext) -> dict[str, tuple[str, str, bool]]:
    """attribute name -> (column, kind: int/bool/text, whether the column name differs from
    `attr_<name>`); an attribute defined with different types in two layers is text."""
    kinds: dict[str, str] = {}
    for layer in context.layers:
        for definition in layer.attributes:
            kind = _kind(definition)
            kinds[definition.name] = kind if kinds.get(definition.name, kind) == kind else "text"
    columns: dict[str, tuple[str, str, bool]] = {}
    used: set[str] = set()
    for name, kind in kinds.items():
        base = f"attr_{safe_name(name, keep='_', fallback='attribute')}"
        column, number = base, 2
        while column.lower() in used:
            column, number = f"{base}_{number}", number + 1
        used.add(column.lower())
        columns[name] = (column, kind, column != f"attr_{name}")
    return columns


def _typed_columns(attributes: Mapping[str, tuple[str, str, bool]], with_values: Sequence[tuple[int, dict[str, Any]]],
                   rows: int) -> dict[str, Any]:
    """One typed column per attribute: its value where an annotation has one, else null."""
    import pyarrow as pa

    columns: dict[str, Any] = {}
    for name, (column, kind, _) in attributes.items():
        values: list[Any] = [None] * rows
        for row, given in with_values:
            value = given.get(name)
            if value is not None:
                values[row] = _typed(value, kind)
        columns[column] = pa.array(values, _arrow_type(kind))
    return columns


def _kind(definition: AttributeDef) -> str:
    return definition.type if definition.type in ("int", "bool") else "text"


def _typed(value: Any, kind: str) -> Any:
    """An attribute value in its column's type (None if it is missing or does not fit)."""
    if value is None:
        return None
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _times(ids: Any, extra: Mapping[str, Any], created: Sequence[str]) -> dict[str, Any]:
    """The created, updated (and origin) columns of the annotations `ids`, looked up in the
    dataset rows ops/exporting.py hands over (vectorised: index_in, take)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    known = extra.get("annotations")
    if not known:  # no dataset rows: the creation time every format gets
        return {"created": _timestamps([value or None for value in created] if created else [None] * len(ids)),
                "updated": _timestamps([None] * len(ids))}
    known_ids, known_created, known_updated, known_origin = known
    where = pc.index_in(ids, value_set=pa.array(known_ids, pa.string()))
    columns = {"created": pc.take(_timestamps(known_created), where),
               "updated": pc.take(_timestamps(known_updated), where)}
    if extra.get("origin"):
        origin = pc.take(pa.array(known_origin, pa.string()), where)
        columns["origin"] = pc.if_else(pc.equal(origin, ""), "manual", origin)
    return columns


def _timestamps(values: Sequence[str | None]) -> Any:
    """ISO 8601 strings as UTC timestamps (milliseconds); one that does not parse is null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = pa.timestamp("ms", tz="UTC")
    try:
        return pc.cast(pa.array([value or None for value in values], pa.string()), kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = []
        for value in values:
            try:
                parsed.append(datetime.fromisoformat(value) if value else None)
            except ValueError:
                parsed.append(None)
        return pa.array(parsed, kind)


def _status_table(rows: Sequence[tuple[str, str, str, str]] | None, context: ExportContext,
                  documents: set[str]) -> Any:
    """Each selected annotator's status on each exported document they have one for."""
    import pyarrow as pa

    if rows is None:  # no dataset rows handed over: the statuses every format gets, without times
        rows = [(document_id, annotator, _STATUS_WORDS.get(status, status), "")
                for document_id, by in context.statuses.items() for annotator, status in by.items()
                if status != "not_started"]
    kept = [row for row in rows if row[0] in documents]
    return pa.table({
        "document_id": pa.array([row[0] for row in kept], pa.string()),
        "annotator": pa.array([row[1] for row in kept], pa.string()),
        "status": pa.array([row[2] for row in kept], pa.string()),
        "updated": _timestamps([row[3] or None for row in kept]),
    })

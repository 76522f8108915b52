"""Write the native JSONL: one document per line with its spans, document labels and each
annotator's status on it (done / in_progress / not_started: "done with nothing marked" is a
coding, not a missing one); the first line also carries the codebook and the annotators."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from ..codebooks import relation_type_to_dict
from ..model import Annotation, Document
from .interchange import ExportContext, ExportDocument, OutputFiles, codebook_to_dict

# The key, in the first record of a native JSONL export, of the codebook and annotators.
JSONL_HEADER_KEY = "discourse_annotator"


def document_record(document: Document, text: str, annotations: Iterable[Annotation],
                    status: Mapping[str, str] | None = None,
                    relations: Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The native JSONL object of one document (see DESIGN.md, "Native interchange"), with
    `status` (annotator → done / in_progress / not_started) when given, and the `relations`
    ({"id", "type", "from", "to", "annotator", "attributes", "note"}) whose two ends are among
    its spans."""
    meta: dict[str, Any] = {
        "title": document.title, "source": document.source, "author": document.author,
        "date": document.date, "url": document.url, "language": document.language,
    }
    meta = {key: value for key, value in meta.items() if value}
    meta.update(document.meta)
    spans, labels = [], []
    for item in annotations:
        entry: dict[str, Any] = {"id": item.id}
        if item.is_span:
            entry.update(start=item.start, end=item.end)
        entry.update(layer=item.layer, label=item.label, annotator=item.annotator, attributes=item.attributes)
        if item.note:
            entry["note"] = item.note
        if item.origin:  # began as an accepted suggestion
            entry["origin"] = item.origin
        (spans if item.is_span else labels).append(entry)
    record = {"id": document.id, "text": text, "meta": meta, "spans": spans, "labels": labels}
    if relations is not None:
        ends = {entry["id"] for entry in spans}
        record["relations"] = [{key: value for key, value in link.items() if key != "note" or value}
                               for link in relations if link["from"] in ends and link["to"] in ends]
    if status is not None:
        record["status"] = dict(status)
    return record


def write_record(handle: IO[str], record: dict[str, Any]) -> None:
    """Write one record as one line of UTF-8 JSON."""
    handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    handle.write("\n")


def jsonl_header(context: ExportContext) -> dict[str, Any]:
    """What the first record of a native JSONL export carries besides its document, under
    JSONL_HEADER_KEY: the codebook and the annotators with their roles."""
    return {
        "version": 1,
        "codebook": codebook_to_dict(context.codebook),
        "relation_types": [relation_type_to_dict(kind) for kind in context.codebook.relations],
        "annotators": [{"name": a.name, "role": a.role.value} for a in context.annotators],
    }


def write_jsonl(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Native JSONL: one document per line; the first also carries codebook and annotators
    (a key other JSONL readers, this program's included, pass over)."""
    first = bool(context.option("header", True))
    everyone = [person.name for person in context.annotators]
    with files.file(out).open("w", encoding="utf-8", newline="\n") as handle:
        for item in documents:
            status = context.statuses.get(item.document.id, {name: "not_started" for name in everyone})
            record = document_record(item.document, item.text, item.annotations, status,
                                     context.option("relations", {}).get(item.document.id, []))
            if first:
                record[JSONL_HEADER_KEY] = jsonl_header(context)
                first = False
            write_record(handle, record)
    if first and context.option("header", True):
        context.not_carried("codebook and annotators (they ride on the first document; none was selected)", 1)

"""Write the native JSONL: one document per line with its spans and document labels."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from ..model import Annotation, Document


def document_record(document: Document, text: str, annotations: Iterable[Annotation]) -> dict[str, Any]:
    """The native JSONL object of one document (see DESIGN.md, "Native interchange")."""
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
        (spans if item.is_span else labels).append(entry)
    return {"id": document.id, "text": text, "meta": meta, "spans": spans, "labels": labels}


def write_record(handle: IO[str], record: dict[str, Any]) -> None:
    """Write one record as one line of UTF-8 JSON."""
    handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    handle.write("\n")

"""CSV for spreadsheets, R, SPSS and pandas: one row per annotation with document metadata
and context, and a document x label count matrix.

Options: `formula_guard` (on by default) neutralises formula-like cells; turn it off for
programs that read the text column back. `excel` writes UTF-8 with a byte-order mark, by
which Excel knows the file is UTF-8 (without it, it reads accents and emoji as the local
code page)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.formats.interchange import ExportContext, ExportDocument, OutputFiles

META_COLUMNS = ("title", "source", "author", "date", "url", "language")
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google
# Sheets (OWASP, "CSV Injection"); such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell made safe for spreadsheets; numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_cell(value: Any) -> Any:
    """As `neutralise`, but text that is a number ("-0.25", "+3") is kept as it is: for tables of
    figures (analysis, agreement) whose numbers are written as text with every digit."""
    if isinstance(value, str) and value.startswith(("-", "+")):
        try:
            float(value)
        except ValueError:
            return neutralise(value)
        return value
    return neutralise(value)


def matrix_path(out: Path) -> Path:
    """Where the document x label matrix of an export to `out` goes."""
    return out.with_name(f"{out.stem}.matrix.csv")


def relations_path(out: Path) -> Path:
    """Where the relations of an export to `out` go (one row per relation, both ends described)."""
    return out.with_name(f"{out.stem}.relations.csv")


RELATION_COLUMNS = ("document_id", "relation_id", "type", "annotator", "source_id", "source_layer", "source_label",
                    "source_start", "source_end", "source_text", "target_id", "target_layer", "target_label",
                    "target_start", "target_end", "target_text", "attributes", "note")


def write_csv(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the annotation rows to `out` and the count matrix beside it."""
    width = int(context.option("context_chars", 60))
    guard = neutralise if context.option("formula_guard", True) else _as_is
    encoding = "utf-8-sig" if context.option("excel", False) else "utf-8"
    attribute_names = list(dict.fromkeys(a.name for layer in context.layers for a in layer.attributes))
    label_columns = [(layer.name, label.name) for layer in context.layers for label in layer.labels]
    label_index = {key: index for index, key in enumerate(label_columns)}
    rows_path = files.file(out)
    matrix_file = files.file(matrix_path(out))  # asked for first: a refused name stops the export before any work
    links = context.option("relations", {})
    relations_file = files.file(relations_path(out)) if any(links.values()) else None
    relation_rows: list[list[Any]] = []
    matrix_rows: list[list[Any]] = []
    with rows_path.open("w", encoding=encoding, newline="") as handle:
        rows = csv.writer(handle)
        header = ["document_id", *META_COLUMNS, "meta", "annotation_id", "annotator", "layer", "label",
                  "start", "end", "text", "left_context", "right_context",
                  *(f"attribute:{name}" for name in attribute_names), "note", "origin"]
        rows.writerow(header)
        for item in documents:
            document, text = item.document, item.text
            counts = [0] * len(label_columns)
            meta = json.dumps(document.meta, ensure_ascii=False, sort_keys=True) if document.meta else ""
            for annotation in item.annotations:
                counts[label_index[(annotation.layer, annotation.label)]] += 1
                if annotation.is_span:
                    start, end = annotation.start, annotation.end
                    covered = text[start:end]
                    left, right = text[max(0, start - width) : start], text[end : end + width]
                else:
                    start = end = None
                    covered = left = right = ""
                values = [document.id, *(getattr(document, name) for name in META_COLUMNS), meta,
                          annotation.id, annotation.annotator, annotation.layer, annotation.label,
                          "" if start is None else start, "" if end is None else end, covered, left, right,
                          *(_cell(annotation.attributes.get(name)) for name in attribute_names), annotation.note,
                          annotation.origin]
                rows.writerow([guard(value) for value in values])
            matrix_rows.append([document.id, document.title, *counts])
            spans = {annotation.id: annotation for annotation in item.annotations if annotation.is_span}
            for link in links.get(document.id, []):
                ends = [spans.get(link["from"]), spans.get(link["to"])]
                if ends[0] is None or ends[1] is None:
                    context.not_carried("relations with an end not exported (another layer)", 1)
                    continue
                described = [value for end in ends for value in (end.id, end.layer, end.label, end.start, end.end,
                                                                  text[end.start:end.end])]
                relation_rows.append([document.id, link["id"], link["type"], link["annotator"], *described,
                                      json.dumps(link["attributes"], ensure_ascii=False, sort_keys=True)
                                      if link["attributes"] else "", link["note"]])
    with matrix_file.open("w", encoding=encoding, newline="") as handle:
        matrix = csv.writer(handle)
        matrix.writerow(["document_id", "title", *(f"{layer}: {label}" for layer, label in label_columns)])
        for row in matrix_rows:
            matrix.writerow([guard(value) for value in row])
    if relations_file is not None:
        with relations_file.open("w", encoding=encoding, newline="") as handle:
            table = csv.writer(handle)
            table.writerow(RELATION_COLUMNS)
            for row in relation_rows:
                table.writerow([guard(value) for value in row])


def _as_is(value: Any) -> Any:
    """A cell written as it is (the formula guard turned off)."""
    return value


def _cell(value: Any) -> Any:
    """An attribute value as a CSV cell: booleans as true/false, missing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value

"""Copying a colleague's annotations: most in one INSERT … SELECT, the rest judged row by row.

Files to merge hold hundreds of thousands of annotations, so judging each in Python is
too slow; but the rules between annotations (an id used twice, the same content under
another id, a layer's overlap rule, one label per document) depend on order. So rows that
nothing else can affect (valid, new id, used once in their file, content not already here
or repeated there, no overlap or one-label rule in play) are copied by one statement,
rows identical to ours are counted by one query, and only the rest are judged one by one,
in their file's order: the outcome is the one of judging every row that way.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from operator import itemgetter
from typing import Any

from ..errors import AnnotatorError
from ..model import Layer
from ..project import Project
from ..project.annotations import check_attributes
from ..project.history import now
from ..span_rules import overlap_clash
from .merge_apply import Merger
from .merge_checks import int_or_none, is_id, parsed_json, their_error
from .merge_read import OTHER
from .merge_report import Conflict

_MAPPED = (
    f"FROM {OTHER}.annotations AS a NOT INDEXED "
    "JOIN temp.merge_documents AS d ON d.their = a.document_id "
    "JOIN temp.merge_annotators AS p ON p.their = a.annotator_id "
    "JOIN temp.merge_labels AS l ON l.their = a.label_id "
)
_ATTRIBUTES = "LEFT JOIN temp.merge_attributes AS x ON x.label = a.label_id AND x.raw = a.attributes "


# What AnnotationCopy._annotation accepts, for rows that map to our documents, annotators and labels
# and whose id is not in merge_excluded_ids (ids is_id refuses are listed there).
_VALID = (
    "typeof(a.id) = 'text' AND NOT EXISTS (SELECT 1 FROM temp.merge_excluded_ids AS r WHERE r.id = a.id) "
    "AND typeof(a.document_id) = 'text' AND typeof(a.annotator_id) = 'integer' AND typeof(a.label_id) = 'integer' "
    "AND typeof(a.note) = 'text' AND typeof(a.attributes) = 'text' AND (a.attributes = '{}' OR x.cleaned IS NOT NULL) "
    "AND CASE WHEN l.span THEN typeof(a.span_start) = 'integer' AND typeof(a.span_end) = 'integer' "
    "AND 0 <= a.span_start AND a.span_start < a.span_end AND a.span_end <= d.length "
    "ELSE a.span_start IS NULL AND a.span_end IS NULL END"
)
# A new row nothing else in either file can affect (its id is used once in their file: see
# merge_excluded_ids; its content is not here and not repeated there; no rule between
# annotations applies to it) is kind 1 in merge_rows, added by one INSERT … SELECT. A row
# we already have, identical, is kind 2, skipped. Every other row is left to
# AnnotationCopy._copy_one_by_one. (Sorting first, then inserting, spares SQLite from staging the
# whole SELECT, which it does when a SELECT reads the table it inserts into.)
_SORT = (
    "INSERT INTO temp.merge_rows (seq, kind) SELECT a.rowid, CASE WHEN o.id IS NULL THEN 1 ELSE 2 END "
    f"{_MAPPED}{_ATTRIBUTES}LEFT JOIN main.annotations AS o ON o.id = a.id WHERE {_VALID} AND CASE WHEN o.id IS NULL "
    "THEN NOT EXISTS (SELECT 1 FROM temp.merge_repeated_keys AS k WHERE k.doc = d.ours AND k.annotator = p.ours "
    "AND k.label = l.label AND k.span_start IS a.span_start AND k.span_end IS a.span_end) "
    "AND NOT EXISTS (SELECT 1 FROM main.annotations AS c WHERE c.document_id = d.ours AND c.annotator_id = p.ours "
    "AND +c.label_id = l.label AND c.span_start IS a.span_start AND c.span_end IS a.span_end) "
    "AND (a.span_start IS NULL OR l.free) "
    "AND (a.span_start IS NOT NULL OR NOT l.single OR ("
    "NOT EXISTS (SELECT 1 FROM temp.merge_repeated_singles AS s WHERE s.doc = d.ours AND s.annotator = p.ours "
    "AND s.layer = l.layer) "
    "AND NOT EXISTS (SELECT 1 FROM main.annotations AS c WHERE c.document_id = d.ours AND c.annotator_id = p.ours "
    "AND +c.layer_id = l.layer AND c.span_start IS NULL))) "
    "ELSE o.document_id = d.ours AND o.annotator_id = p.ours AND o.label_id = l.label "
    "AND o.span_start IS a.span_start AND o.span_end IS a.span_end "
    "AND o.attributes = COALESCE(x.cleaned, a.attributes) AND o.note = a.note END"
)
_INSERT_NEW = (
    "INSERT INTO main.annotations (id, document_id, annotator_id, layer_id, label_id, span_start, span_end, "
    "attributes, note, created_at, updated_at, origin) "
    "SELECT a.id, d.ours, p.ours, l.layer, l.label, a.span_start, a.span_end, COALESCE(x.cleaned, a.attributes), "
    "a.note, CASE typeof(a.created_at) WHEN 'text' THEN a.created_at ELSE :stamp END, "
    "CASE typeof(a.updated_at) WHEN 'text' THEN a.updated_at ELSE :stamp END, "
    "CASE typeof(a.origin) WHEN 'text' THEN a.origin ELSE '' END "
    f"FROM temp.merge_rows AS f JOIN {OTHER}.annotations AS a NOT INDEXED ON a.rowid = f.seq "
    "JOIN temp.merge_documents AS d ON d.their = a.document_id "
    "JOIN temp.merge_annotators AS p ON p.their = a.annotator_id "
    f"JOIN temp.merge_labels AS l ON l.their = a.label_id {_ATTRIBUTES}"
    "WHERE f.kind = 1 ORDER BY d.ours, f.seq"  # in document order: the document index is written in order
)
_SELECT_REST = (
    f"SELECT {{columns}} FROM {OTHER}.annotations NOT INDEXED WHERE rowid NOT IN (SELECT seq FROM temp.merge_rows) "
    "ORDER BY rowid"
)
_REPEATED = (
    f"INSERT INTO temp.merge_repeated_keys SELECT d.ours, p.ours, l.label, a.span_start, a.span_end {_MAPPED}"
    "GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1",
    f"INSERT INTO temp.merge_repeated_singles SELECT d.ours, p.ours, l.layer {_MAPPED}WHERE a.span_start IS NULL "
    "GROUP BY 1, 2, 3 HAVING count(*) > 1",
)
_ANNOTATION_COLUMNS = ("id, document_id, annotator_id, label_id, span_start, span_end, attributes, note, created_at, "
                       "updated_at, origin")


def copy_annotations(merger: Merger) -> None:
    """Add their annotations by id once the merger has matched documents, annotators and labels."""
    AnnotationCopy(merger).run()


class AnnotationCopy:
    """One merge's copy of their annotations, with the merger's id mappings (inside its transaction)."""

    def __init__(self, merger: Merger) -> None:
        self.project = merger.project
        self.db = merger.db
        self.other = merger.other
        self.report = merger.report
        self.label_ids = merger.label_ids
        self.layers = merger.layers
        self.annotator_ids = merger.annotator_ids
        self.documents = merger.documents
        self.their_rows = merger.their_rows
        self.stored_by_id = merger.stored_by_id

    def run(self) -> None:
        """Add annotations by id; skip identical ones; list conflicts and invalid rows.

        Rows that nothing else can affect (valid, new id, used once in their file, content
        not already here or elsewhere in theirs, no overlap or one-label rule in play) are
        copied by one INSERT … SELECT; rows identical to ours are counted by one query; the
        rest are looked at one by one, in their file's order, as they always were.
        """
        tally, conn = self.report.annotations, self.db.conn
        stamp = now()
        self._check_ids_and_text()
        self._check_attribute_values()
        for statement in _REPEATED:
            conn.execute(statement)
        conn.execute(_SORT)
        tally.added += conn.execute(_INSERT_NEW, {"stamp": stamp}).rowcount
        tally.skipped += conn.execute("SELECT count(*) FROM temp.merge_rows WHERE kind = 2").fetchone()[0]
        remaining = self.their_rows(_SELECT_REST.format(columns=_ANNOTATION_COLUMNS))
        if remaining:
            self._copy_one_by_one(remaining, stamp)

    def _check_ids_and_text(self) -> None:
        """Read their ids, times and notes once: text that is not UTF-8 is refused here, as reading every row
        always did; ids is_id refuses or that occur twice go to merge_excluded_ids (left to one-by-one)."""
        counts: Counter[Any] = Counter()
        cursor = self.db.conn.execute(
            f"SELECT id, created_at, updated_at, nullif(note, '') FROM {OTHER}.annotations NOT INDEXED")
        first = itemgetter(0)
        try:
            while batch := cursor.fetchmany(20_000):
                counts.update(map(first, batch))
        except sqlite3.Error as error:
            raise their_error(self.other.path, error) from error
        finally:
            cursor.close()
        excluded = [(ident,) for ident, count in counts.items() if count > 1 or not is_id(ident)]
        self.db.conn.executemany("INSERT INTO temp.merge_excluded_ids (id) VALUES (?)", excluded)

    def _check_attribute_values(self) -> None:
        """Fill merge_attributes with each distinct (label, attributes) their rows use that checks out."""
        checked = []
        for label, raw in self.their_rows(
            f"SELECT DISTINCT label_id, attributes FROM {OTHER}.annotations NOT INDEXED "
            "WHERE typeof(label_id) = 'integer' AND typeof(attributes) = 'text' AND attributes != '{}'"
        ):
            if label not in self.layers:
                continue
            values = parsed_json(raw, dict)
            if values is None:
                continue
            try:
                cleaned = check_attributes(self.layers[label], values)
            except AnnotatorError:
                continue
            checked.append((label, raw, json.dumps(cleaned, ensure_ascii=False, sort_keys=True)))
        self.db.conn.executemany("INSERT INTO temp.merge_attributes (label, raw, cleaned) VALUES (?, ?, ?)", checked)

    def _copy_one_by_one(self, rows: list[tuple[Any, ...]], stamp: str) -> None:
        """The rows the bulk copy left, each checked against ours and the ones before it (in file order)."""
        tally = self.report.annotations
        ours = self.stored_by_id([row[0] for row in rows if isinstance(row[0], str)])
        accepted: set[str] = set()  # ids added here (bulk-copied ids never occur among these rows)
        stored: dict[str, tuple[set[tuple[Any, ...]], dict[tuple[int, int], int]]] = {}
        spans: dict[tuple[str, int, int], list[tuple[int, int]]] = {}  # for layers with overlap rules
        out = []
        for ident, their_doc, their_annotator, their_label, start, end, attributes, note, created, updated, origin in rows:
            problem, row = self._annotation(ident, their_doc, their_annotator, their_label, start, end, attributes,
                                            note)
            if problem:
                tally.invalid.append(f"annotation {ident!r}: {problem}")
                continue
            doc, annotator, layer, label, cleaned = row
            if ident in accepted:
                tally.invalid.append(f"annotation {ident!r}: its id appears twice in the file")
                continue
            if ident in ours:
                theirs = (doc, annotator, label, start, end, cleaned, note)
                reason = "" if ours[ident] == theirs else _difference(ours[ident], theirs, self.project)
                if reason:
                    tally.conflicts.append(Conflict("annotation", ident, doc, reason))
                else:
                    tally.skipped += 1
                continue
            if doc not in stored:
                stored[doc] = self._stored_in(doc)
            content, single = stored[doc]
            key = (annotator, label, start, end)
            if key in content:
                self.report.duplicates += 1
                tally.skipped += 1
                continue
            if start is None and not layer.multiple:
                held = single.get((annotator, layer.id))
                if held is not None:
                    tally.conflicts.append(Conflict(
                        "annotation", ident, doc,
                        f'layer "{layer.name}" takes one label per document and the annotator already has '
                        f'"{self.project.codebook.label_name(held)[1]}" there'))
                    continue
                single[(annotator, layer.id)] = label
            if start is not None and layer.overlap != "allow":
                clash = self._overlap(spans, doc, annotator, layer, start, end)
                if clash:
                    tally.conflicts.append(Conflict("annotation", ident, doc, clash))
                    continue
            content.add(key)
            accepted.add(ident)
            out.append((ident, doc, annotator, layer.id, label, start, end, cleaned, note,
                        created if isinstance(created, str) else stamp, updated if isinstance(updated, str) else stamp,
                        origin if isinstance(origin, str) else ""))
        out.sort(key=lambda r: r[1])  # in document order: the document index is written in order
        self.db.conn.executemany(
            "INSERT INTO annotations (id, document_id, annotator_id, layer_id, label_id, span_start, span_end, "
            "attributes, note, created_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out)
        tally.added += len(out)


    def _stored_in(self, doc: str) -> tuple[set[tuple[Any, ...]], dict[tuple[int, int], int]]:
        """What this document already holds: (annotator, label, start, end) of every annotation, and the
        label of each (annotator, layer) with a document-level annotation."""
        content, single = set(), {}
        for annotator, layer_id, label, start, end in self.db.execute(
            "SELECT annotator_id, layer_id, label_id, span_start, span_end FROM main.annotations "
            "WHERE document_id = ? ORDER BY rowid", [doc]
        ):
            content.add((annotator, label, start, end))
            if start is None:
                single[(annotator, layer_id)] = label
        return content, single

    def _annotation(
        self, ident: Any, doc: Any, annotator: Any, label: Any, start: Any, end: Any, attributes: Any, note: Any
    ) -> tuple[str, Any]:
        """(problem, None) or ("", (our doc id, our annotator id, our layer, our label id, attributes JSON))."""
        if not is_id(ident):
            return "invalid id", None
        if doc not in self.documents:
            return "its document was not merged", None
        if annotator not in self.annotator_ids:
            return "its annotator is unknown", None
        if label not in self.label_ids:
            return "its label is unknown", None
        layer = self.layers[label]
        our_doc, length = self.documents[doc]
        if layer.kind == "document":
            if start is not None or end is not None:
                return f'layer "{layer.name}" labels documents but the annotation has offsets', None
        elif not (int_or_none(start) is not None and int_or_none(end) is not None and 0 <= start < end <= length):
            return f"span {start!r}–{end!r} is not inside the text (0–{length})", None
        if not isinstance(note, str):
            return "its note is not text", None
        if attributes == "{}":
            encoded = attributes
        else:
            values = parsed_json(attributes, dict)
            if values is None:
                return "its attributes are not a JSON object", None
            try:
                cleaned = check_attributes(layer, values)
            except AnnotatorError as error:
                return str(error), None
            encoded = json.dumps(cleaned, ensure_ascii=False, sort_keys=True)
        return "", (our_doc, self.annotator_ids[annotator], layer, self.label_ids[label], encoded)

    def _overlap(
        self, spans: dict[tuple[str, int, int], list[tuple[int, int]]], doc: str, annotator: int, layer: Layer,
        start: int, end: int,
    ) -> str:
        """Why the span breaks the layer's overlap rule (span_rules) for this annotator ('' if it does not)."""
        key = (doc, annotator, layer.id or 0)
        if key not in spans:
            spans[key] = [tuple(r) for r in self.db.execute(  # type: ignore[misc]
                "SELECT span_start, span_end FROM annotations WHERE document_id = ? AND annotator_id = ? "
                "AND layer_id = ?", [doc, annotator, layer.id])]
        clash = overlap_clash(layer.overlap, spans[key], start, end)
        if clash is not None:
            return f'layer "{layer.name}" does not allow it to overlap the span at {clash[0]}–{clash[1]}'
        spans[key].append((start, end))
        return ""


def _difference(ours: tuple[Any, ...], theirs: tuple[Any, ...], project: Project) -> str:
    """How their version of an annotation differs from ours ('' if it does not)."""
    doc, annotator, label, start, end, attributes, note = ours
    t_doc, t_annotator, t_label, t_start, t_end, t_attributes, t_note = theirs
    parts = []
    if doc != t_doc:
        parts.append("on another document")
    if annotator != t_annotator:
        parts.append("by another annotator")
    if label != t_label:
        parts.append(f'label "{project.codebook.label_name(label)[1]}" here, '
                     f'"{project.codebook.label_name(t_label)[1]}" there')
    if (start, end) != (t_start, t_end):
        parts.append(f"span {start}–{end} here, {t_start}–{t_end} there")
    if json.loads(attributes) != json.loads(t_attributes):
        parts.append("other attribute values")
    if note != t_note:
        parts.append("another note")
    return "; ".join(parts)

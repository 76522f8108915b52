"""Annotations: queries, and the undoable operations that add, change and remove them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import Any

import sqlite_utils

from ..errors import AnnotationError
from ..model import Annotation, AttributeDef, Layer, Status
from ..span_rules import overlap_clash
from .annotators import AnnotatorStore
from .codebook import CodebookStore
from .documents import DocumentStore
from .history import ChangeSet, History, Operation, RowChange, now

_COLUMNS = (
    "id, document_id, annotator_id, layer_id, label_id, span_start, span_end, attributes, "
    "note, created_at, updated_at, origin"
)
_NAMES = _COLUMNS.split(", ")

# Opening a document reads a thousand annotations at once, and a frozen dataclass's __init__
# (one object.__setattr__ per field) was the largest part of that. The same record is made
# about twice as fast by setting each slot directly; Annotation checks nothing in __init__, so
# the records are identical. Should the model gain a field or a __post_init__, the ordinary
# constructor is used again.
_FIELDS = ("id", "document_id", "annotator", "layer", "label", "start", "end", "attributes", "note",
           "created_at", "updated_at", "origin")
_SETTERS: tuple[Callable[[Any, Any], None], ...] = tuple(
    getattr(Annotation, name).__set__ for name in _FIELDS) if (
    tuple(item.name for item in fields(Annotation)) == _FIELDS and not hasattr(Annotation, "__post_init__")
    and hasattr(Annotation, "__slots__")) else ()


def _record(values: tuple[Any, ...]) -> Annotation:
    """An Annotation of `values` in _FIELDS order."""
    if not _SETTERS:
        return Annotation(*values)
    made = object.__new__(Annotation)
    for setter, value in zip(_SETTERS, values):
        setter(made, value)
    return made


def check_attributes(layer: Layer, values: dict[str, Any]) -> dict[str, Any]:
    """Validate attribute values against the layer's definitions; returns them cleaned."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        definition = layer.attribute(name)
        if definition is None:
            known = ", ".join(a.name for a in layer.attributes) or "none"
            raise AnnotationError(f'layer "{layer.name}" has no attribute "{name}" (attributes: {known})')
        if value is None or value == "":
            continue
        cleaned[name] = _check_value(layer, definition, value)
    return cleaned


def _check_value(layer: Layer, definition: AttributeDef, value: Any) -> Any:
    where = f'attribute "{definition.name}" of layer "{layer.name}"'
    if definition.type == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise AnnotationError(f"{where} takes a whole number, not {value!r}")
        try:
            number = int(value)
        except ValueError:
            raise AnnotationError(f"{where} takes a whole number, not {value!r}") from None
        low, high = definition.minimum, definition.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise AnnotationError(f"{where} must lie between {low} and {high}, not {number}")
        return number
    if definition.type == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "1"):
            return True
        if str(value).lower() in ("false", "no", "0"):
            return False
        raise AnnotationError(f"{where} takes true or false, not {value!r}")
    if definition.type == "choice":
        if str(value) not in definition.choices:
            raise AnnotationError(f"{where} takes one of {', '.join(definition.choices)}, not {value!r}")
        return str(value)
    return str(value)


class AnnotationStore:
    """Queries over annotations and undoable operations on them."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        documents: DocumentStore,
        codebook: CodebookStore,
        annotators: AnnotatorStore,
        history: History,
    ) -> None:
        self._db = db
        self._documents = documents
        self._codebook = codebook
        self._annotators = annotators
        self._history = history

    # ----- reading -------------------------------------------------------------------

    def _annotation(self, row: Sequence[Any]) -> Annotation:
        layer, label = self._codebook.label_name(row[4])
        if row[7] == "{}":  # most annotations have no attributes: no JSON parse for them
            attributes: Any = {}
        else:
            try:
                attributes = json.loads(row[7])
            except (TypeError, ValueError):
                attributes = None
        if not isinstance(attributes, dict):
            raise self._documents.damaged(f"annotation {row[0]}: attributes that are not a JSON object")
        start, end = row[5], row[6]
        if (start is not None or end is not None) and not (type(start) is int and type(end) is int and 0 <= start < end):
            raise self._documents.damaged(f"document {row[1]}: annotation {row[0]} with a span outside the text")
        return _record((row[0], row[1], self._annotators.name(row[2]), layer, label, start, end, attributes,
                        row[8], row[9], row[10], row[11]))

    def _select(self, where: str, params: list[Any], document_id: str | None = None) -> list[Annotation]:
        """Annotations matching `where`, each checked to lie inside its text (a span past the
        end can only come from outside the program: ProjectDamagedError). The text's stored
        length comes with each row in the same statement (no second query on the hot path);
        with `document_id` (every row of that document) the loaded text's length is used instead."""
        loaded = len(self._documents.text(document_id)) if document_id is not None else None
        length_of = "NULL" if loaded is not None else \
            "(SELECT length FROM documents WHERE documents.id = annotations.document_id)"
        sql = f"SELECT {_COLUMNS}, {length_of} FROM annotations WHERE {where} ORDER BY document_id, span_start, span_end, id"
        found = []
        for row in self._db.execute(sql, params):
            item = self._annotation(row)
            length = loaded if loaded is not None and item.document_id == document_id else row[-1]
            if item.end is not None and (length is None or item.end > length):
                raise self._documents.damaged(
                    f"document {item.document_id}: annotation {item.id} with a span outside the text")
            found.append(item)
        return found

    def get(self, annotation_id: str) -> Annotation:
        """One annotation by id."""
        found = self._select("id = ?", [annotation_id])
        if not found:
            raise AnnotationError(f"no annotation with id {annotation_id}")
        return found[0]

    def for_document(
        self, document_id: str, annotator: str | None = None, layer: str | None = None, spans: bool | None = None
    ) -> list[Annotation]:
        """A document's annotations, optionally of one annotator and/or layer; `spans=False` only
        its document labels (no span records made: a view of the labels reads a few rows, not 1,000),
        `spans=True` only its spans."""
        where, params = ["document_id = ?"], [document_id]
        if annotator is not None:
            where.append("annotator_id = ?")
            params.append(self._annotators.id(annotator))
        if layer is not None:
            where.append("layer_id = ?")
            params.append(self._codebook.layer_id(layer))
        if spans is not None:
            where.append("span_start IS NOT NULL" if spans else "span_start IS NULL")
        return self._select(" AND ".join(where), params, document_id)

    def by_annotator(self, annotator: str) -> list[Annotation]:
        """Every annotation of one annotator."""
        return self._select("annotator_id = ?", [self._annotators.id(annotator)])

    def by_layer(self, layer: str) -> list[Annotation]:
        """Every annotation in one layer."""
        return self._select("layer_id = ?", [self._codebook.layer_id(layer)])

    def all(self) -> list[Annotation]:
        """Every annotation of the project."""
        return self._select("1", [])

    def count(self) -> int:
        """Number of annotations in the project."""
        return self._db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]

    def counts_by_label(self) -> list[tuple[str, str, int]]:
        """(layer, label, count) for every label used at least once."""
        rows = self._db.execute("SELECT label_id, COUNT(*) FROM annotations GROUP BY label_id").fetchall()
        counts = [(*self._codebook.label_name(label_id), n) for label_id, n in rows]
        return sorted(counts)

    def exists(self, annotation_id: str) -> bool:
        """True if an annotation with this id is stored."""
        return self._db.execute("SELECT 1 FROM annotations WHERE id = ?", [annotation_id]).fetchone() is not None

    # ----- operations ----------------------------------------------------------------

    def _row(self, annotation_id: str) -> dict[str, Any]:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", [annotation_id]).fetchone()
        if row is None:
            raise AnnotationError(f"no annotation with id {annotation_id}")
        return dict(zip(_NAMES, row))

    def _checked_span(
        self, document_id: str, layer: Layer, start: int | None, end: int | None, snap: bool
    ) -> tuple[int | None, int | None]:
        if layer.kind == "document":
            if start is not None or end is not None:
                raise AnnotationError(f'layer "{layer.name}" labels whole documents; it takes no offsets')
            return None, None
        if start is None or end is None:
            raise AnnotationError(f'layer "{layer.name}" labels spans; give start and end offsets')
        length = len(self._documents.text(document_id))
        if not (0 <= start < end <= length):
            raise AnnotationError(f"span {start}–{end} is not inside the text (0–{length}) or is empty")
        if snap:
            snapped = self._documents.segmentation(document_id).snap(start, end, layer.granularity)
            if snapped is None:
                raise AnnotationError(f"the selection {start}–{end} holds no {layer.granularity}")
            start, end = snapped
        return start, end

    def _check_overlap(
        self, document_id: str, annotator_id: int, layer: Layer, start: int, end: int, ignore: str | None
    ) -> None:
        """Refuse a span the layer's overlap rule (span_rules) forbids beside this annotator's others."""
        if layer.overlap == "allow":
            return
        rows = self._db.execute(
            "SELECT id, span_start, span_end FROM annotations WHERE document_id = ? AND annotator_id = ? "
            "AND layer_id = ? AND span_start < ? AND span_end > ?",
            [document_id, annotator_id, layer.id, end, start],
        ).fetchall()
        clash = overlap_clash(layer.overlap, [(s, e) for ident, s, e in rows if ident != ignore], start, end)
        if clash is not None:
            raise AnnotationError(
                f'layer "{layer.name}" does not allow this span to overlap the one at {clash[0]}–{clash[1]}'
            )

    def _status_change(self, document_id: str, annotator_id: int) -> list[RowChange]:
        """Mark the document in progress for this annotator if it was not started."""
        row = self._db.execute(
            "SELECT document_id, annotator_id, status, updated_at FROM document_status "
            "WHERE document_id = ? AND annotator_id = ?",
            [document_id, annotator_id],
        ).fetchone()
        if row is not None and row[2] != Status.NOT_STARTED.value:
            return []
        before = dict(zip(("document_id", "annotator_id", "status", "updated_at"), row)) if row else None
        after = {"document_id": document_id, "annotator_id": annotator_id,
                 "status": Status.IN_PROGRESS.value, "updated_at": now()}
        return [RowChange("document_status", (document_id, annotator_id), before, after)]

    def add(
        self,
        document_id: str,
        annotator: str,
        layer: str,
        label: str,
        start: int | None = None,
        end: int | None = None,
        attributes: dict[str, Any] | None = None,
        note: str = "",
        snap: bool = True,
        annotation_id: str | None = None,
        origin: str = "",
    ) -> ChangeSet:
        """Add one annotation (snapped to the layer's granularity) in one transaction; `origin`
        is the source of the suggestion it began as ('' when typed by hand)."""
        found = self._codebook.layer(layer)
        label_id = self._codebook.label_id(layer, label)
        annotator_id = self._annotators.id(annotator)
        self._documents.get(document_id)
        start, end = self._checked_span(document_id, found, start, end, snap)
        values = check_attributes(found, attributes or {})
        if start is not None and end is not None:
            self._check_overlap(document_id, annotator_id, found, start, end, None)
            duplicate = self._db.execute(
                "SELECT 1 FROM annotations WHERE document_id = ? AND annotator_id = ? AND label_id = ? "
                "AND span_start = ? AND span_end = ?",
                [document_id, annotator_id, label_id, start, end],
            ).fetchone()
            if duplicate:
                raise AnnotationError(f'"{label}" is already on {start}–{end}')
        else:
            existing = self._db.execute(
                "SELECT id, label_id FROM annotations WHERE document_id = ? AND annotator_id = ? AND layer_id = ?",
                [document_id, annotator_id, found.id],
            ).fetchall()
            if any(row[1] == label_id for row in existing):
                raise AnnotationError(f'the document already has "{label}" in layer "{layer}"')
            if existing and not found.multiple:
                raise AnnotationError(f'layer "{layer}" takes one label per document; relabel the existing one')
        stamp = now()
        ident = annotation_id or str(uuid.uuid4())
        row = {
            "id": ident, "document_id": document_id, "annotator_id": annotator_id, "layer_id": found.id,
            "label_id": label_id, "span_start": start, "span_end": end,
            "attributes": json.dumps(values, ensure_ascii=False, sort_keys=True), "note": note,
            "created_at": stamp, "updated_at": stamp, "origin": origin,
        }
        changes = [RowChange("annotations", (ident,), None, row), *self._status_change(document_id, annotator_id)]
        where = f"{start}–{end}" if start is not None else "document"
        result = self._history.apply(Operation(f"add {label} ({where})", annotator, tuple(changes)))
        result.primary = ident
        return result

    def _update(self, annotation_id: str, description: str, **values: Any) -> ChangeSet:
        before = self._row(annotation_id)
        after = {**before, **values, "updated_at": now()}
        actor = self._annotators.name(before["annotator_id"])
        result = self._history.apply(
            Operation(description, actor, (RowChange("annotations", (annotation_id,), before, after),))
        )
        result.primary = annotation_id
        return result

    def relabel(self, annotation_id: str, label: str) -> ChangeSet:
        """Give an annotation another label of the same layer."""
        current = self.get(annotation_id)
        label_id = self._codebook.label_id(current.layer, label)
        if current.is_span:
            assert current.start is not None and current.end is not None
            duplicate = self._db.execute(
                "SELECT 1 FROM annotations WHERE document_id = ? AND annotator_id = ? AND label_id = ? "
                "AND span_start = ? AND span_end = ? AND id != ?",
                [current.document_id, self._annotators.id(current.annotator), label_id,
                 current.start, current.end, annotation_id],
            ).fetchone()
            if duplicate:
                raise AnnotationError(f'"{label}" is already on {current.start}–{current.end}')
        return self._update(annotation_id, f"relabel {current.label} → {label}", label_id=label_id)

    def resize(self, annotation_id: str, start: int, end: int, snap: bool = True) -> ChangeSet:
        """Move a span's boundaries (snapped to the layer's granularity)."""
        current = self.get(annotation_id)
        layer = self._codebook.layer(current.layer)
        new_start, new_end = self._checked_span(current.document_id, layer, start, end, snap)
        assert new_start is not None and new_end is not None
        self._check_overlap(
            current.document_id, self._annotators.id(current.annotator), layer, new_start, new_end, annotation_id
        )
        return self._update(
            annotation_id, f"resize {current.label} to {new_start}–{new_end}", span_start=new_start, span_end=new_end
        )

    def set_attributes(self, annotation_id: str, attributes: dict[str, Any]) -> ChangeSet:
        """Replace an annotation's attribute values (validated against the layer)."""
        current = self.get(annotation_id)
        values = check_attributes(self._codebook.layer(current.layer), attributes)
        return self._update(
            annotation_id, f"set attributes of {current.label}",
            attributes=json.dumps(values, ensure_ascii=False, sort_keys=True),
        )

    def set_note(self, annotation_id: str, note: str) -> ChangeSet:
        """Replace an annotation's note."""
        current = self.get(annotation_id)
        return self._update(annotation_id, f"note on {current.label}", note=note)

    def delete(self, annotation_ids: Iterable[str]) -> ChangeSet:
        """Remove annotations in one undoable transaction."""
        rows = [self._row(ident) for ident in annotation_ids]
        if not rows:
            return ChangeSet(description="delete nothing")
        actor = self._annotators.name(rows[0]["annotator_id"])
        # Their comment threads go with them (and come back on undo), before the rows
        # themselves so that undo restores the annotations first.
        marks = ", ".join("?" * len(rows))
        cursor = self._db.execute(
            f"SELECT * FROM comments WHERE annotation_id IN ({marks}) ORDER BY created_at, id",
            [row["id"] for row in rows],
        )
        names = [column[0] for column in cursor.description]
        comments = [dict(zip(names, values)) for values in cursor.fetchall()]
        from .relations import relation_rows_using  # (relations.py builds on this module)

        # The relations that use them go too, first, so that undo brings the spans back before them.
        links = relation_rows_using(self._db, [row["id"] for row in rows])
        changes = (
            *(RowChange("relations", (link["id"],), link, None) for link in links),
            *(RowChange("comments", (comment["id"],), comment, None) for comment in comments),
            *(RowChange("annotations", (row["id"],), row, None) for row in rows),
        )
        noun = "annotation" if len(rows) == 1 else f"{len(rows)} annotations"
        if links:
            noun += f" and {'its relation' if len(links) == 1 else f'{len(links)} relations'}"
        return self._history.apply(Operation(f"delete {noun}", actor, changes))

    def set_document_label(self, document_id: str, annotator: str, layer: str, label: str) -> ChangeSet:
        """Give a document a label of a single-label document layer, replacing the old one."""
        found = self._codebook.layer(layer)
        existing = self.for_document(document_id, annotator, layer)
        if found.kind != "document":
            raise AnnotationError(f'layer "{layer}" labels spans, not documents')
        if existing and not found.multiple:
            return self.relabel(existing[0].id, label)
        return self.add(document_id, annotator, layer, label)

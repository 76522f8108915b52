"""Relations between spans: typed links (a Stance span → its Target) and their undoable operations.

A relation joins two span annotations of the same annotator in the same document, with a
type the codebook defines and whose rule (the layers and labels it may connect) is checked
on every way in: the editor, an import, a script. Like every change it is one Operation
through `History`, so it is undone, redone, logged and announced on the change bus (the
ChangeSet's `tables["relations"]` names the relation ids; `documents` the document).
Deleting a span that relations use deletes them with it (AnnotationStore.delete).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from ..errors import AnnotationError, AnnotatorError
from ..model import Annotation, Layer, Relation, RelationType
from .annotations import AnnotationStore, check_attributes
from .annotators import AnnotatorStore
from .codebook import CodebookStore
from .documents import DocumentStore
from .history import ChangeSet, History, Operation, RowChange, now

# Relations are rows an Operation writes, keyed by id (see history.KEYS).

COLUMNS = ("id", "document_id", "annotator_id", "type_id", "source_id", "target_id", "attributes", "note",
           "created_at", "updated_at")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM relations"


def relation_rows_using(db: sqlite_utils.Database, annotation_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The stored rows of every relation with an end among `annotation_ids`."""
    if not annotation_ids:
        return []
    marks = ", ".join("?" * len(annotation_ids))
    ids = list(annotation_ids)
    cursor = db.execute(f"{_SELECT} WHERE source_id IN ({marks}) OR target_id IN ({marks}) ORDER BY created_at, id",
                        ids + ids)
    return [dict(zip(COLUMNS, row)) for row in cursor.fetchall()]


def check_relation_attributes(kind: RelationType, values: dict[str, Any]) -> dict[str, Any]:
    """Validate attribute values against the relation type's definitions; returns them cleaned."""
    try:
        return check_attributes(Layer(kind.name, attributes=kind.attributes), values)
    except AnnotationError as error:
        raise AnnotationError(str(error).replace(f'layer "{kind.name}"', f'relation type "{kind.name}"')) from None


class RelationStore:
    """Queries over relations and the undoable operations that add, change and delete them."""

    def __init__(self, db: sqlite_utils.Database, documents: DocumentStore, codebook: CodebookStore,
                 annotators: AnnotatorStore, annotations: AnnotationStore, history: History) -> None:
        self._db = db
        self._documents = documents
        self._codebook = codebook
        self._annotators = annotators
        self._annotations = annotations
        self._history = history

    # ----- reading -------------------------------------------------------------------

    def _relation(self, row: Sequence[Any]) -> Relation:
        try:
            attributes = json.loads(row[6])
        except (TypeError, ValueError):
            attributes = None
        if not isinstance(attributes, dict):
            raise self._documents.damaged(f"relation {row[0]}: attributes that are not a JSON object")
        return Relation(id=row[0], document_id=row[1], annotator=self._annotators.name(row[2]),
                        type=self._codebook.relation_name(row[3]), source=row[4], target=row[5],
                        attributes=attributes, note=row[7], created_at=row[8], updated_at=row[9])

    def _select(self, where: str, params: list[Any]) -> list[Relation]:
        rows = self._db.execute(f"{_SELECT} WHERE {where} ORDER BY document_id, created_at, id", params).fetchall()
        return [self._relation(row) for row in rows]

    def get(self, relation_id: str) -> Relation:
        """One relation by id."""
        found = self._select("id = ?", [relation_id])
        if not found:
            raise AnnotationError(f"no relation with id {relation_id}")
        return found[0]

    def for_document(self, document_id: str, annotator: str | None = None, type: str | None = None) -> list[Relation]:
        """A document's relations, optionally of one annotator and/or type."""
        where, params = ["document_id = ?"], [document_id]
        if annotator is not None:
            where.append("annotator_id = ?")
            params.append(self._annotators.id(annotator))
        if type is not None:
            where.append("type_id = ?")
            params.append(self._codebook.relation_id(type))
        return self._select(" AND ".join(where), params)

    def using(self, annotation_ids: Iterable[str]) -> list[Relation]:
        """Every relation with an end among `annotation_ids`."""
        return [self._relation([row[c] for c in COLUMNS]) for row in relation_rows_using(self._db, list(annotation_ids))]

    def by_annotator(self, annotator: str) -> list[Relation]:
        """Every relation of one annotator."""
        return self._select("annotator_id = ?", [self._annotators.id(annotator)])

    def all(self) -> list[Relation]:
        """Every relation of the project."""
        return self._select("1", [])

    def count(self) -> int:
        """Number of relations in the project."""
        return self._db.execute("SELECT COUNT(*) FROM relations").fetchone()[0]

    def counts_by_type(self) -> dict[str, int]:
        """How many relations each type has (types never used are left out)."""
        rows = self._db.execute("SELECT type_id, COUNT(*) FROM relations GROUP BY type_id").fetchall()
        return {self._codebook.relation_name(type_id): n for type_id, n in rows}

    def exists(self, relation_id: str) -> bool:
        """True if a relation with this id is stored."""
        return self._db.execute("SELECT 1 FROM relations WHERE id = ?", [relation_id]).fetchone() is not None

    def export_rows(self, annotators: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
        """Relations as the exports write them ({"id", "type", "from", "to", "annotator",
        "attributes", "note"}), by document, of the given annotators (None: everyone's)."""
        names = {person.id: person.name for person in self._annotators.list()}
        wanted = None if annotators is None else set(annotators)
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in self._db.execute(f"{_SELECT} ORDER BY document_id, created_at, id"):
            record = dict(zip(COLUMNS, row))
            annotator = names[record["annotator_id"]]
            if wanted is not None and annotator not in wanted:
                continue
            grouped.setdefault(record["document_id"], []).append({
                "id": record["id"], "type": self._codebook.relation_name(record["type_id"]),
                "from": record["source_id"], "to": record["target_id"], "annotator": annotator,
                "attributes": json.loads(record["attributes"]), "note": record["note"]})
        return grouped

    def insert_imported(self, links: Iterable[dict[str, Any]], origin: str) -> int:
        """Store relations read from a file (inside the caller's import transaction, outside the
        undo history like the import itself); a link the codebook's rule forbids, or one whose
        end is not stored, raises AnnotationError naming `origin` and the relation. Returns how
        many were added (a relation already stored with the same id and content counts none; the same
        id with other content raises AnnotationError: an id names one relation)."""
        added = 0
        for link in links:
            name = f"relation {link.get('number', '?')} ({link['type']})"
            try:
                kind = self._codebook.relation(link["type"])
                source, target = self._annotations.get(link["from"]), self._annotations.get(link["to"])
            except AnnotatorError as error:
                raise AnnotationError(f"{origin}: {name}: {error}") from None
            if (problem := self.refusal(kind.name, source, target)) is not None:
                raise AnnotationError(f"{origin}: {name}: {problem}")
            try:
                values = check_relation_attributes(kind, link.get("attributes") or {})
            except AnnotationError as error:
                raise AnnotationError(f"{origin}: {name}: {error}") from None
            ident = link.get("id") or str(uuid.uuid4())
            stored = self._db.execute("SELECT type_id, source_id, target_id, attributes, note FROM relations "
                                      "WHERE id = ?", [ident]).fetchone()
            if stored is not None:
                incoming = (kind.id, source.id, target.id, json.dumps(values, ensure_ascii=False, sort_keys=True),
                            link.get("note", ""))
                if tuple(stored) == incoming:
                    continue  # the same relation, imported before
                raise AnnotationError(f"{origin}: {name}: its id {ident} is the project's id of another relation "
                                      "(other type, ends, attributes or note); the file was not imported")
            stamp = now()
            self._db.execute(
                f"INSERT INTO relations ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [ident, source.document_id, self._annotators.id(source.annotator), kind.id, source.id, target.id,
                 json.dumps(values, ensure_ascii=False, sort_keys=True), link.get("note", ""), stamp, stamp])
            added += 1
        return added

    # ----- rules ---------------------------------------------------------------------

    def allowed_types(self, source: Annotation, target: Annotation) -> list[RelationType]:
        """The codebook's relation types that may link `source` to `target` (in that direction)."""
        return [kind for kind in self._codebook.get().relations
                if kind.refusal((source.layer, source.label), (target.layer, target.label)) is None]

    def refusal(self, type: str, source: Annotation, target: Annotation) -> str | None:
        """Why a relation of `type` may not link `source` to `target` (None: it may)."""
        kind = self._codebook.relation(type)
        if not source.is_span or not target.is_span:
            return "relations link spans, not document labels"
        if source.id == target.id:
            return "a relation links two different spans"
        if source.document_id != target.document_id:
            return "both ends of a relation must be in the same document"
        if source.annotator != target.annotator:
            return (f"both ends of a relation must be spans of the same annotator "
                    f"({source.annotator}'s and {target.annotator}'s are not)")
        return kind.refusal((source.layer, source.label), (target.layer, target.label))

    # ----- operations ----------------------------------------------------------------

    def add(self, type: str, source_id: str, target_id: str, attributes: dict[str, Any] | None = None,
            note: str = "", relation_id: str | None = None) -> ChangeSet:
        """Link span `source_id` to span `target_id` with a relation of `type`, in one undoable step.
        The annotator and document are the spans'; a link the codebook's rule forbids is refused."""
        kind = self._codebook.relation(type)
        source, target = self._annotations.get(source_id), self._annotations.get(target_id)
        if (problem := self.refusal(type, source, target)) is not None:
            raise AnnotationError(problem)
        values = check_relation_attributes(kind, attributes or {})
        pairs = [(source_id, target_id)] + ([] if kind.directed else [(target_id, source_id)])
        for one, other in pairs:
            if self._db.execute("SELECT 1 FROM relations WHERE type_id = ? AND source_id = ? AND target_id = ?",
                                [kind.id, one, other]).fetchone():
                raise AnnotationError(f'these spans are already linked by "{type}"')
        if relation_id is not None and self.exists(relation_id):
            raise AnnotationError(f"a relation with id {relation_id} already exists")
        stamp = now()
        ident = relation_id or str(uuid.uuid4())
        row = {"id": ident, "document_id": source.document_id, "annotator_id": self._annotators.id(source.annotator),
               "type_id": kind.id, "source_id": source_id, "target_id": target_id,
               "attributes": json.dumps(values, ensure_ascii=False, sort_keys=True), "note": note,
               "created_at": stamp, "updated_at": stamp}
        result = self._history.apply(Operation(f"link {source.label} → {target.label} ({type})", source.annotator,
                                               (RowChange("relations", (ident,), None, row),)))
        result.primary = ident
        return result

    def _row(self, relation_id: str) -> dict[str, Any]:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", [relation_id]).fetchone()
        if row is None:
            raise AnnotationError(f"no relation with id {relation_id}")
        return dict(zip(COLUMNS, row))

    def _update(self, relation_id: str, description: str, **values: Any) -> ChangeSet:
        before = self._row(relation_id)
        after = {**before, **values, "updated_at": now()}
        actor = self._annotators.name(before["annotator_id"])
        result = self._history.apply(Operation(description, actor, (RowChange("relations", (relation_id,), before, after),)))
        result.primary = relation_id
        return result

    def set_attributes(self, relation_id: str, attributes: dict[str, Any]) -> ChangeSet:
        """Replace a relation's attribute values (validated against its type)."""
        current = self.get(relation_id)
        values = check_relation_attributes(self._codebook.relation(current.type), attributes)
        return self._update(relation_id, f"set attributes of {current.type}",
                            attributes=json.dumps(values, ensure_ascii=False, sort_keys=True))

    def set_note(self, relation_id: str, note: str) -> ChangeSet:
        """Replace a relation's note."""
        return self._update(relation_id, f"note on {self.get(relation_id).type}", note=note)

    def delete(self, relation_ids: Iterable[str]) -> ChangeSet:
        """Remove relations (their spans stay) in one undoable step."""
        rows = [self._row(ident) for ident in relation_ids]
        if not rows:
            return ChangeSet(description="delete nothing")
        actor = self._annotators.name(rows[0]["annotator_id"])
        noun = "relation" if len(rows) == 1 else f"{len(rows)} relations"
        return self._history.apply(Operation(f"delete {noun}", actor,
                                             tuple(RowChange("relations", (row["id"],), row, None) for row in rows)))

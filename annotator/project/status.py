"""Each annotator's progress per document: not started, in progress, done."""

from __future__ import annotations

import sqlite_utils

from ..model import Status
from .annotators import AnnotatorStore
from .history import ChangeSet, History, Operation, RowChange, now

_FIELDS = ("document_id", "annotator_id", "status", "updated_at")


class StatusStore:
    """Reads and (undoably) sets document status per annotator."""

    def __init__(self, db: sqlite_utils.Database, annotators: AnnotatorStore, history: History) -> None:
        self._db = db
        self._annotators = annotators
        self._history = history

    def get(self, document_id: str, annotator: str) -> Status:
        """The annotator's status on a document (not started if never touched)."""
        row = self._db.execute(
            "SELECT status FROM document_status WHERE document_id = ? AND annotator_id = ?",
            [document_id, self._annotators.id(annotator)],
        ).fetchone()
        return Status(row[0]) if row else Status.NOT_STARTED

    def for_annotator(self, annotator: str) -> dict[str, Status]:
        """document id → status for every document the annotator has touched."""
        rows = self._db.execute(
            "SELECT document_id, status FROM document_status WHERE annotator_id = ?",
            [self._annotators.id(annotator)],
        )
        return {document_id: Status(status) for document_id, status in rows}

    def done_by(self, annotator: str) -> set[str]:
        """Ids of the documents the annotator marked done."""
        return {d for d, s in self.for_annotator(annotator).items() if s is Status.DONE}

    def set(self, document_id: str, annotator: str, status: Status) -> ChangeSet:
        """Set the annotator's status on a document (undoable, one transaction)."""
        annotator_id = self._annotators.id(annotator)
        row = self._db.execute(
            "SELECT document_id, annotator_id, status, updated_at FROM document_status "
            "WHERE document_id = ? AND annotator_id = ?",
            [document_id, annotator_id],
        ).fetchone()
        before = dict(zip(_FIELDS, row)) if row else None
        after = {"document_id": document_id, "annotator_id": annotator_id, "status": status.value, "updated_at": now()}
        change = RowChange("document_status", (document_id, annotator_id), before, after)
        return self._history.apply(Operation(f"mark {status.value}", annotator, (change,)))

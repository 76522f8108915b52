"""Every mutation as a list of row changes: applied in one transaction, logged, undoable."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from ..errors import AnnotationError
from .changes import ChangeBus, ChangeSet

__all__ = ["CODEBOOK_TABLES", "KEYS", "ChangeSet", "History", "Operation", "RowChange", "now", "write_row"]

# Tables whose rows operations change, with their key columns.
KEYS: dict[str, tuple[str, ...]] = {
    "annotations": ("id",),
    "document_status": ("document_id", "annotator_id"),
    "comments": ("id",),
    "curation_log": ("id",),
    "layers": ("id",),
    "labels": ("id",),
    "attributes": ("id",),
    "documents": ("id",),  # a metadata edit (ops/metadata.py) writes the whole row
    "suggestion_decisions": ("id",),  # an accepted or rejected suggestion (ops/suggesting.py)
    "assignments": ("document_id", "annotator_id"),  # who codes which document (ops/assignments.py)
    "assignment_draws": ("id",),  # the design of each draw of the double-coding sample
    "rounds": ("name",),  # reliability rounds (ops/rounds.py)
    "relations": ("id",),  # a link between two spans (project/relations.py)
}
# Codebook tables (changed by deleting a layer). SQLite hands their integer ids out again
# after a delete, so a row an undo or redo step brings back is inserted, never merged
# into a newer row that took its id: the step fails and is dropped instead.
CODEBOOK_TABLES = frozenset({"layers", "labels", "attributes"})
# Why an undo or redo cannot remove a row of a table that something made later refers to
# (the step stays in the history: it applies again once that is undone or deleted).
_STILL_USED = {
    "layers": "labels or annotations made since use it",
    "labels": "annotations made since use it",
    "attributes": "annotations made since use it",
    "annotations": "comments or relations made since refer to it",
}


class _StillUsed(Exception):
    """A row an undo or redo would remove is referred to by a row made later (by `who`)."""

    def __init__(self, table: str, who: list[str] | None = None) -> None:
        super().__init__(table)
        self.table = table
        self.who = who or []


# Who made the rows that still use a row of each table (named in the refusal).
_USERS_SQL = {
    "layers": "SELECT DISTINCT p.name FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
              "WHERE a.layer_id = ? ORDER BY p.name",
    "labels": "SELECT DISTINCT p.name FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
              "WHERE a.label_id = ? ORDER BY p.name",
    "annotations": "SELECT DISTINCT author FROM comments WHERE annotation_id = ?1 UNION "
                   "SELECT p.name FROM relations r JOIN annotators p ON p.id = r.annotator_id "
                   "WHERE r.source_id = ?1 OR r.target_id = ?1 ORDER BY 1",
}


def now() -> str:
    """The current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row of one table before and after an operation (None: the row does not exist)."""

    table: str
    key: tuple[Any, ...]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Operation:
    """A named, undoable group of row changes made by one actor."""

    description: str
    actor: str
    changes: tuple[RowChange, ...]
    # Called after the rows are written, undone or redone (e.g. to forget a cached codebook).
    refresh: Callable[[], None] | None = field(default=None, compare=False)


def write_row(
    db: sqlite_utils.Database, table: str, key: tuple[Any, ...], row: dict[str, Any] | None, create: bool = False
) -> None:
    """Make the row with `key` equal `row`, deleting it when `row` is None; with `create`,
    a row already holding the key is an error (sqlite3.IntegrityError), not overwritten."""
    key_columns = KEYS[table]
    where = " AND ".join(f"{column} = ?" for column in key_columns)
    if row is None:
        db.execute(f"DELETE FROM {table} WHERE {where}", list(key))
        return
    columns = list(row)
    if create:
        db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [row[c] for c in columns],
        )
        return
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key_columns)
    db.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}",
        [row[c] for c in columns],
    )


def _keys(operation: Operation) -> set[tuple[str, tuple[Any, ...]]]:
    """The (table, key) of every row an operation writes."""
    return {(change.table, change.key) for change in operation.changes}


def _summarise(changes: Sequence[RowChange], description: str, undo: bool, actor: str = "",
               db: sqlite_utils.Database | None = None) -> ChangeSet:
    """What rows written by `changes` (reverted when `undo`) mean to the views."""
    result = ChangeSet(description=description, actor=actor)
    for change in changes:
        before, after = (change.after, change.before) if undo else (change.before, change.after)
        row = after or before
        assert row is not None
        result.tables.setdefault(change.table, set()).add(change.key)
        if change.table in CODEBOOK_TABLES:
            result.codebook = True
        elif change.table == "annotations":
            ident = change.key[0]
            if before is None:
                result.added.add(ident)
            elif after is None:
                result.removed.add(ident)
            else:
                result.changed.add(ident)
            result.documents.add(row["document_id"])
        elif change.table == "curation_log":
            result.documents.add(row["document_id"])
            result.curation.add(row["document_id"])
        elif change.table == "document_status":
            result.statuses.add((row["document_id"], row["annotator_id"]))
            result.documents.add(row["document_id"])
        elif change.table == "relations":
            result.documents.add(row["document_id"])
        elif change.table == "comments":
            result.comments.add(row["annotation_id"])
            found = db.execute("SELECT document_id FROM annotations WHERE id = ?",
                               [row["annotation_id"]]).fetchone() if db is not None else None
            if found is not None:
                result.documents.add(found[0])
    return result


class History:
    """Applies operations in one transaction each, logs them, and undoes / redoes them."""

    def __init__(self, db: sqlite_utils.Database, events: ChangeBus | None = None, limit: int = 1000) -> None:
        self._db = db
        self.events = events if events is not None else ChangeBus()
        # What the undo history cannot go back past ("import of 3 files"): steps before an
        # import or a merge may refer to rows it changed, so they are forgotten ('' if none).
        self.barrier = ""
        self._depth = 0  # open transaction() / group() blocks: their emissions wait for the commit
        self._pending: list[ChangeSet] = []
        self._undo: list[Operation] = []
        self._redo: list[Operation] = []
        self._limit = limit
        self._grouped: list[Operation] | None = None

    def apply(self, operation: Operation, undoable: bool = True) -> ChangeSet:
        """Write the operation's rows and its audit entry in one transaction."""
        try:
            with self._db.atomic():
                self._write(operation, undo=False, action=operation.description)
        finally:
            if operation.refresh is not None:
                operation.refresh()
        if undoable and self._grouped is not None:
            self._grouped.append(operation)
        if undoable:
            self._undo.append(operation)
            del self._undo[: -self._limit]
            # A new step ends the redo of its own actor; another actor's undone step stays
            # redoable unless this one wrote the same rows (then it could not apply cleanly).
            touched = _keys(operation)
            self._redo = [
                step for step in self._redo if step.actor != operation.actor and not (_keys(step) & touched)
            ]
        return self._announce(_summarise(operation.changes, operation.description, False, operation.actor, self._db))

    def _announce(self, changes: ChangeSet) -> ChangeSet:
        """Emit `changes` on the bus now, or when the enclosing transaction has committed."""
        if self._depth:
            self._pending.append(changes)
        else:
            self.events.emit(changes)
        return changes

    def _flush(self, description: str = "") -> None:
        """After the outermost transaction committed: one emission for what it wrote."""
        if self._depth or not self._pending:
            return
        batch, self._pending = self._pending, []
        combined = batch[0] if len(batch) == 1 and not description else ChangeSet(
            description=description or batch[0].description, actor=batch[0].actor)
        if combined is not batch[0]:
            for each in batch:
                combined.merge(each)
        self.events.emit(combined)

    def _write(self, operation: Operation, undo: bool, action: str, replay: bool = False) -> None:
        changes = reversed(operation.changes) if undo else operation.changes
        for change in changes:
            row, other = (change.before, change.after) if undo else (change.after, change.before)
            create = change.table in CODEBOOK_TABLES and other is None
            if replay and row is None:
                self._remove(change)
            else:
                write_row(self._db, change.table, change.key, row, create=create)
        targets = sorted({str(change.key[0]) for change in operation.changes})
        self._db.execute(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            [
                now(),
                operation.actor,
                action,
                ",".join(targets[:20]),
                json.dumps(
                    [{"table": c.table, "before": c.before, "after": c.after} for c in operation.changes[:200]],
                    ensure_ascii=False,
                ),
            ],
        )

    def _remove(self, change: RowChange) -> None:
        """Delete a row on undo / redo, refusing (_StillUsed) when a row made since refers to it:
        a foreign key, or a comment that deleting its annotation would silently take along."""
        if change.table == "annotations" and self._db.execute(
            "SELECT 1 FROM comments WHERE annotation_id = ? LIMIT 1", list(change.key)
        ).fetchone():
            raise _StillUsed(change.table, self._users(change))
        try:
            write_row(self._db, change.table, change.key, None)
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" not in str(error):
                raise
            raise _StillUsed(change.table, self._users(change)) from error

    def _users(self, change: RowChange) -> list[str]:
        """The people whose later rows use the row `change` would remove ([] if unknown)."""
        sql = _USERS_SQL.get(change.table)
        return [row[0] for row in self._db.execute(sql, list(change.key[:1]))] if sql else []

    @staticmethod
    def _last(stack: list[Operation], actor: str | None) -> int | None:
        """Index of the newest step of `actor` (of anyone when None) in `stack`."""
        for index in range(len(stack) - 1, -1, -1):
            if actor is None or stack[index].actor == actor:
                return index
        return None

    def undo_step(self, actor: str | None = None) -> Operation | None:
        """The step `undo(actor)` would revert: the newest one `actor` made (None: anyone's)."""
        index = self._last(self._undo, actor)
        return None if index is None else self._undo[index]

    def redo_step(self, actor: str | None = None) -> Operation | None:
        """The step `redo(actor)` would repeat."""
        index = self._last(self._redo, actor)
        return None if index is None else self._redo[index]

    @property
    def can_undo(self) -> bool:
        """True when there is an operation to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone operation to redo."""
        return bool(self._redo)

    @property
    def undo_text(self) -> str:
        """Description of the operation undo would revert ('' if none)."""
        return self._undo[-1].description if self._undo else ""

    @property
    def redo_text(self) -> str:
        """Description of the operation redo would repeat ('' if none)."""
        return self._redo[-1].description if self._redo else ""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around several operations (e.g. a curation decision and its log
        row): if it rolls back, the undo steps recorded inside it are forgotten too."""
        undo_length, redo, pending = len(self._undo), list(self._redo), len(self._pending)
        self._depth += 1
        try:
            with self._db.atomic():
                yield
        except BaseException:
            del self._undo[undo_length:]
            self._redo[:] = redo
            del self._pending[pending:]  # rolled back: nothing to announce
            raise
        finally:
            self._depth -= 1
        self._flush()

    @contextmanager
    def group(self, description: str, actor: str) -> Iterator[None]:
        """Several operations in one transaction that undo and redo as one step named
        `description` (e.g. a curation decision: its gold annotation and its log row)."""
        outer, self._grouped = self._grouped, []
        pending = len(self._pending)
        self._depth += 1  # the group's operations are announced once, as one change
        try:
            with self.transaction():
                yield
            steps = self._grouped
        finally:
            self._grouped = outer
            self._depth -= 1
        if len(self._pending) > pending:
            inner, self._pending[pending:] = self._pending[pending:], []
            combined_changes = ChangeSet(description=description, actor=actor)
            for each in inner:
                combined_changes.merge(each)
            self._pending.append(combined_changes)
        if steps:
            kept = {id(step) for step in steps}
            self._undo = [step for step in self._undo if id(step) not in kept]
            refreshes = [step.refresh for step in steps if step.refresh is not None]

            def refresh() -> None:
                for each in refreshes:
                    each()

            combined = Operation(description, actor, tuple(c for step in steps for c in step.changes),
                                 refresh if refreshes else None)
            self._undo.append(combined)
            if outer is not None:
                outer[:] = [step for step in outer if id(step) not in kept] + [combined]
        # Announced once the combined step is on the stack: a view that reads the Undo text
        # when it hears of the change quotes this step, not the last operation inside it.
        self._flush()

    def _replay(self, operation: Operation, undo: bool) -> None:
        verb = "undo" if undo else "redo"
        try:
            with self._db.atomic():
                self._write(operation, undo=undo, action=f"{verb}: {operation.description}", replay=True)
        except _StillUsed as used:
            # Rolled back; the step stays, to apply once what uses its rows is gone.
            by = f" (by {', '.join(used.who)})" if used.who else ""
            raise AnnotationError(
                f'cannot {verb} "{operation.description}": '
                f'{_STILL_USED.get(used.table, "rows made since use it")}{by}; undo or delete that first'
            ) from None
        except sqlite3.Error as error:
            # The rows it would restore refer to something removed since (a deleted label):
            # the step can never apply again, so it is dropped with a message.
            self.clear()
            raise AnnotationError(
                f"cannot {verb} \"{operation.description}\": {error}; the undo history was cleared"
            ) from None
        finally:
            if operation.refresh is not None:
                operation.refresh()

    def undo(self, actor: str | None = None) -> ChangeSet | None:
        """Revert the newest operation of `actor` (of anyone when None) in one transaction;
        None if there is nothing to undo. A step whose rows someone changed later is refused."""
        index = self._last(self._undo, actor)
        if index is None:
            return None
        operation = self._undo[index]
        touched = _keys(operation)
        for later in self._undo[index + 1:]:
            if _keys(later) & touched:
                raise AnnotationError(
                    f'cannot undo "{operation.description}": {later.actor} changed the same '
                    f'{"annotation" if "annotations" in {t for t, _ in touched} else "rows"} '
                    f'since ("{later.description}")'
                )
        self._replay(operation, undo=True)
        del self._undo[index]
        self._redo.append(operation)
        return self._announce(_summarise(operation.changes, operation.description, True, operation.actor, self._db))

    def redo(self, actor: str | None = None) -> ChangeSet | None:
        """Repeat the newest undone operation of `actor` (of anyone when None)."""
        index = self._last(self._redo, actor)
        if index is None:
            return None
        operation = self._redo[index]
        self._replay(operation, undo=False)
        del self._redo[index]
        self._undo.append(operation)
        return self._announce(_summarise(operation.changes, operation.description, False, operation.actor, self._db))

    def pending_keys(self, table: str) -> set[tuple[Any, ...]]:
        """Keys of `table` rows that an undo or redo step may write back (new rows must avoid them)."""
        return {c.key for operation in (*self._undo, *self._redo) for c in operation.changes if c.table == table}

    def clear(self) -> None:
        """Forget every undo and redo step (a step that can never apply again)."""
        self._undo.clear()
        self._redo.clear()

    def set_barrier(self, description: str, documents: Iterable[str] = (), actor: str = "") -> ChangeSet:
        """Record a change made outside the undo history (an import, a merge): the steps before
        it are forgotten, `barrier` names it for the Undo menu ("Cannot undo past: …"), and a
        ChangeSet with reset=True (and the `documents` added) is announced on the bus."""
        self.clear()
        self.barrier = description
        return self._announce(ChangeSet(description=description, documents=set(documents), reset=True,
                                        actor=actor))

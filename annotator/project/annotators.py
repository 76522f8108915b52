"""Annotators (people and the curator) of a project."""

from __future__ import annotations

import sqlite_utils

from ..errors import AnnotatorError
from ..model import Annotator, Role
from .history import now


class AnnotatorStore:
    """Named annotators; names are unique and compared exactly."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}

    def list(self) -> list[Annotator]:
        """Every annotator, in order of creation."""
        rows = self._db.execute("SELECT name, role, id FROM annotators ORDER BY id").fetchall()
        return [Annotator(name, Role(role), ident) for name, role, ident in rows]

    def get(self, name: str) -> Annotator | None:
        """The annotator called `name`, or None."""
        row = self._db.execute("SELECT name, role, id FROM annotators WHERE name = ?", [name]).fetchone()
        return Annotator(row[0], Role(row[1]), row[2]) if row else None

    def id(self, name: str) -> int:
        """Database id of an existing annotator."""
        if name not in self._ids:
            annotator = self.get(name)
            if annotator is None:
                raise AnnotatorError(f'no annotator "{name}" in this project')
            assert annotator.id is not None
            self._ids[name] = annotator.id
            self._names[annotator.id] = name
        return self._ids[name]

    def name(self, annotator_id: int) -> str:
        """Name of an annotator id."""
        if annotator_id not in self._names:
            row = self._db.execute("SELECT name FROM annotators WHERE id = ?", [annotator_id]).fetchone()
            if row is None:
                raise AnnotatorError(f"no annotator with id {annotator_id}")
            self._names[annotator_id] = row[0]
            self._ids[row[0]] = annotator_id
        return self._names[annotator_id]

    def ensure(self, name: str, role: Role = Role.ANNOTATOR) -> Annotator:
        """The annotator called `name`, created (in one transaction) if missing."""
        name = name.strip()
        if not name:
            raise AnnotatorError("an annotator needs a name")
        found = self.get(name)
        if found is not None:
            return found
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO annotators (name, role, created_at) VALUES (?, ?, ?)", [name, role.value, now()]
            )
            self._db.execute(
                "INSERT INTO audit_log (at, actor, action, target) VALUES (?, ?, 'add annotator', ?)",
                [now(), name, name],
            )
        created = self.get(name)
        assert created is not None
        return created

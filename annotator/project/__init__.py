"""The project: one SQLite file with documents, codebook, annotators and annotations."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from ..errors import ProjectFileError
from ..model import Codebook
from ..store.database import (
    ProjectLock,
    close_database,
    create_database,
    explain_sqlite_error,
    open_database,
    register_open,
    unregister_open,
)
from .annotations import AnnotationStore
from .annotators import AnnotatorStore
from .codebook import CodebookStore
from .documents import DocumentStore
from .history import History, now
from .status import StatusStore

PROJECT_SUFFIX = ".annot"


class Project:
    """A typed facade over a project file: `documents`, `codebook`, `annotators`,
    `annotations`, `status` and the undo `history`."""

    def __init__(self, path: Path, db: sqlite_utils.Database, lock: ProjectLock | None, readonly: bool) -> None:
        self.path = path
        self.db = db
        self.readonly = readonly
        self._lock = lock
        self._registered = True
        register_open(path)
        self.history = History(db)
        self.documents = DocumentStore(db)
        self.codebook = CodebookStore(db)
        self.annotators = AnnotatorStore(db)
        self.annotations = AnnotationStore(db, self.documents, self.codebook, self.annotators, self.history)
        self.status = StatusStore(db, self.annotators, self.history)

    # ----- life cycle ---------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, codebook: Codebook | str = "news-discourse", language: str = "en") -> Project:
        """Create a new project file with a codebook (a bundled name or a Codebook)."""
        from ..codebooks import load_bundled
        from ..nlp import check_language

        path = Path(path)
        book = load_bundled(codebook) if isinstance(codebook, str) else codebook
        check_language(language)
        lock = ProjectLock(path)
        db = create_database(path)
        lock.acquire()
        project = cls(path, db, lock, readonly=False)
        try:
            with db.atomic():
                for key, value in (("created_at", now()), ("language", language), ("app_version", _version())):
                    db.execute("INSERT OR REPLACE INTO project (key, value) VALUES (?, ?)", [key, value])
                project.codebook.write_initial(book)
        except sqlite3.Error as error:
            project.close()
            path.unlink(missing_ok=True)
            raise explain_sqlite_error(path, error) from error
        return project

    @classmethod
    def open(cls, path: str | Path, readonly: bool = False, lock: bool = True) -> Project:
        """Open a project file; refuses files that are not projects, corrupt, newer or locked.

        `lock=False` is for a second connection of the program that holds the lock
        (a worker thread of the GUI); SQLite itself serialises the writes.
        """
        path = Path(path)
        lock = None if readonly or not lock else ProjectLock(path)  # type: ignore[assignment]
        if lock is not None:
            if not path.exists():
                raise ProjectFileError(path, "does not exist")
            lock.acquire()
        project = None
        try:
            db = open_database(path, readonly=readonly)
            project = cls(path, db, lock, readonly)
            project.codebook.get()
        except BaseException as error:
            if project is not None:
                project._registered = False
                unregister_open(path)
                project.db.close()
            if lock is not None:
                lock.release()
            if isinstance(error, sqlite3.Error):
                raise explain_sqlite_error(path, error) from error
            raise
        return project

    def close(self) -> None:
        """Checkpoint and close the file, releasing the lock."""
        try:
            close_database(self.db, self.readonly)
        finally:
            if self._registered:
                self._registered = False
                unregister_open(self.path)
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- facts --------------------------------------------------------------------

    def setting(self, key: str, default: str = "") -> str:
        """A value of the project table (language, created_at, codebook, …)."""
        row = self.db.execute("SELECT value FROM project WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    @property
    def language(self) -> str:
        """The project's language code (spaCy's), used when importing."""
        return self.setting("language", "en")

    def info(self) -> dict[str, Any]:
        """A summary of the project for `annotator info`."""
        db = self.db
        docs, tokens, sentences, chars = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(n_tokens), 0), COALESCE(SUM(n_sentences), 0), COALESCE(SUM(length), 0) "
            "FROM documents"
        ).fetchone()
        per_annotator = dict(
            db.execute(
                "SELECT annotators.name, COUNT(annotations.id) FROM annotators LEFT JOIN annotations "
                "ON annotations.annotator_id = annotators.id GROUP BY annotators.id ORDER BY annotators.id"
            ).fetchall()
        )
        done = dict(
            db.execute(
                "SELECT annotators.name, COUNT(*) FROM document_status JOIN annotators "
                "ON annotators.id = document_status.annotator_id WHERE status = 'done' GROUP BY annotators.id"
            ).fetchall()
        )
        counts = {(layer, label): n for layer, label, n in self.annotations.counts_by_label()}
        book = self.codebook.get()
        return {
            "path": str(self.path),
            "language": self.language,
            "created_at": self.setting("created_at"),
            "documents": docs,
            "characters": chars,
            "tokens": tokens,
            "sentences": sentences,
            "annotators": [
                {"name": a.name, "role": a.role.value, "annotations": per_annotator.get(a.name, 0),
                 "documents_done": done.get(a.name, 0)}
                for a in self.annotators.list()
            ],
            "annotations": self.annotations.count(),
            "codebook": {
                "name": book.name,
                "title": book.title,
                "layers": [
                    {
                        "name": layer.name, "kind": layer.kind, "granularity": layer.granularity,
                        "annotations": sum(counts.get((layer.name, label.name), 0) for label in layer.labels),
                        "labels": [
                            {"name": label.name, "key": label.key, "colour": label.colour,
                             "annotations": counts.get((layer.name, label.name), 0)}
                            for label in layer.labels
                        ],
                        "attributes": [a.name for a in layer.attributes],
                    }
                    for layer in book.layers
                ],
            },
        }


def _version() -> str:
    from .. import __version__

    return __version__

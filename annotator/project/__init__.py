"""The project: one SQLite file with documents, codebook, annotators and annotations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, ProjectFileError
from ..model import Codebook
from ..store.database import (
    ProjectLock,
    as_project_error,
    check_project_path,
    close_database,
    create_database,
    explain_sqlite_error,
    open_database,
    rolling_backup_due,
    unwritable_reason,
)
from ..store.backup import RollingBackup
from ..store.files import register_open, unregister_open
from ..store.side_files import SQLITE_SIDE_SUFFIXES, existing_side_files, remove_unused_side_files

import sqlite_utils  # noqa: E402,I001  after store.database, which imports it without numpy's type mapping
from .annotations import AnnotationStore
from .annotators import AnnotatorStore
from .changes import ChangeBus, ChangeSet
from .codebook import CodebookStore
from .documents import DocumentStore
from .history import History, now
from .relations import RelationStore
from .status import StatusStore

__all__ = ["BACKUP_ENV", "BACKUP_SETTING", "PROJECT_SUFFIX", "ChangeBus", "ChangeSet", "Project"]

PROJECT_SUFFIX = ".annot"
# Set to 0 to make no rolling backup (`<name>.annot.bak`) when a project is opened for writing.
BACKUP_ENV = "ANNOTATOR_BACKUP"
# Project setting ("off" turns the rolling backup off for this project).
BACKUP_SETTING = "rolling_backup"


class Project:
    """A typed facade over a project file: `documents`, `codebook`, `annotators`,
    `annotations`, `status`, the undo `history` and the change bus `events`."""

    def __init__(self, path: Path, db: sqlite_utils.Database, lock: ProjectLock | None, readonly: bool) -> None:
        self.path = path
        self.db = db
        self.readonly = readonly
        # Why a project opened with allow_readonly=True is read-only ("" otherwise): a
        # short phrase for the window's banner, e.g. "the folder is read-only".
        self.readonly_reason = ""
        # The rolling backup being written on a thread of its own (store/backup.py), if one was due.
        self._backup: RollingBackup | None = None
        self._lock = lock
        # The -wal/-shm that existed before a read-only open (set by _open): those it made,
        # it removes at close if nothing needs them (see remove_unused_side_files).
        self._side_files_before = frozenset(SQLITE_SIDE_SUFFIXES)
        self._registered = True
        register_open(path)
        # The change bus: every operation (and its undo / redo, an import, a merge) is
        # announced here with what it touched, for the views to refresh just that.
        self.events = ChangeBus()
        self.history = History(db, self.events)
        self.documents = DocumentStore(db)
        self.codebook = CodebookStore(db)
        self.annotators = AnnotatorStore(db)
        self.annotations = AnnotationStore(db, self.documents, self.codebook, self.annotators, self.history)
        self.status = StatusStore(db, self.annotators, self.history)
        self.relations = RelationStore(db, self.documents, self.codebook, self.annotators, self.annotations,
                                       self.history)

    # ----- life cycle ---------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, codebook: Codebook | str = "news-discourse", language: str = "en") -> Project:
        """Create a new project file with a codebook (a bundled name or a Codebook)."""
        from ..codebooks import load_bundled
        from ..nlp import check_language

        path = Path(path)
        if path.name.endswith((".lock", "-wal", "-shm", "-journal", ".bak")):
            raise ProjectFileError(path, "is named like a file kept beside a project (.lock, -wal, -shm, "
                                         "-journal, .bak); choose a name ending in .annot")
        book = load_bundled(codebook) if isinstance(codebook, str) else codebook
        check_language(language)
        if path.exists() or path.is_symlink():
            raise ProjectFileError(path, "already exists; choose another name or open it")
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise ProjectFileError(path, f"{wal.name} beside it holds changes (of a project moved away?); "
                                         "move it elsewhere first, or choose another name")
        lock = ProjectLock(path)
        lock.acquire()  # first: a lock file that is a link is refused before any file is made
        try:
            db = create_database(path)
        except BaseException:
            lock.release()
            raise
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
    def open(cls, path: str | Path, readonly: bool = False, lock: bool = True,
             allow_readonly: bool = False) -> Project:
        """Open a project file; refuses files that are not projects, damaged, newer or locked.

        `lock=False` is for a second connection of the program that holds the lock
        (a worker thread of the GUI); SQLite itself serialises the writes.
        `allow_readonly=True`: a project this process cannot write (read-only file, folder
        or disk, another user's file) opens read-only instead of failing, with
        `readonly_reason` saying why. Opening for writing runs SQLite's quick_check and
        keeps the rolling backup `<name>.bak` (at most a day old; ANNOTATOR_BACKUP=0 or
        the project setting rolling_backup=off turn it off).
        """
        path = Path(path)
        check_project_path(path)
        reason = ""
        if not readonly:
            # Empty -wal/-shm a read-only reader left read-only (killed, or an older version)
            # would refuse every write; nothing needs them, so they go (never one with changes).
            remove_unused_side_files(path, only_if_unwritable=True)
            reason = unwritable_reason(path)
            if reason and not allow_readonly:
                raise ProjectFileError(path, f"cannot be written ({reason}); it can be opened read-only")
        try:
            project = cls._open(path, readonly or bool(reason), lock)
        except ProjectFileError as error:
            if readonly or reason or not allow_readonly or "cannot be written" not in error.problem:
                raise
            reason = "the project file cannot be written"  # SQLite knew better than os.access
            project = cls._open(path, True, lock)
        project.readonly_reason = reason
        return project

    @classmethod
    def _open(cls, path: Path, readonly: bool, lock: bool) -> Project:
        holder = ProjectLock(path) if not readonly and lock else None
        if holder is not None:
            holder.acquire()
        db = project = None
        before = existing_side_files(path) if readonly else frozenset(SQLITE_SIDE_SUFFIXES)
        try:
            # The program's own writer checks the file once, before anything is written to it.
            db = open_database(path, readonly=readonly, check=holder is not None)
            project = cls(path, db, holder, readonly)
            project._side_files_before = before
            project.codebook.get()
            if holder is not None:
                project._keep_rolling_backup()
        except BaseException as error:
            if project is not None:
                project._registered = False
                unregister_open(path)
            if db is not None:
                db.close()
            if holder is not None:
                holder.release()
            _tidy_side_files(path, before)
            if isinstance(error, (sqlite3.Error, UnicodeDecodeError, ValueError, KeyError)):
                raise as_project_error(path, error) from error
            raise
        return project

    def _keep_rolling_backup(self) -> None:
        """Write `<name>.bak` from this connection if it is missing or older than a day."""
        if os.environ.get(BACKUP_ENV, "1").strip().lower() in ("0", "off", "no", "false"):
            return
        if self.setting(BACKUP_SETTING, "on").strip().lower() in ("0", "off", "no", "false"):
            return
        if not rolling_backup_due(self.path):
            return
        # Off this thread: the full integrity check and the copy take seconds on a large
        # project, once a day; the window is usable meanwhile.
        self._backup = RollingBackup(self.path).start()

    @property
    def backup_problem(self) -> str:
        """Why the rolling backup due at open could not be written ("" when it was, or was not
        due); waits for it to end."""
        return self._backup.wait() if self._backup is not None else ""

    def when_backup_finished(self, listener: Callable[[str], None]) -> None:
        """Call `listener(problem)` when the rolling backup due at open has ended ("" when it was
        written, or none was due): at once if it has, else on the backup's thread."""
        if self._backup is None:
            listener("")
        else:
            self._backup.when_finished(listener)

    def close(self) -> None:
        """Checkpoint and close the file, releasing the lock.

        If the checkpoint fails (a full disk), everything is still closed and the lock
        released; then a ProjectFileError says the latest changes are kept in the -wal.
        """
        problem: ProjectFileError | None = None
        if self._backup is not None:
            self._backup.wait()  # never end the process halfway through a copy
        try:
            close_database(self.db, self.readonly, self.path)
        except ProjectFileError as error:
            problem = error
        finally:
            if self._registered:
                self._registered = False
                unregister_open(self.path)
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            _tidy_side_files(self.path, self._side_files_before)
        if problem is not None:
            raise problem

    def __enter__(self) -> Project:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            self.close()
        except ProjectFileError as closing:
            if exc is None:
                raise
            # Both matter to the user: what stopped the work, and where its changes now are.
            exc.args = (f"{exc}; {closing.problem}",)
            if isinstance(exc, AnnotatorError) and hasattr(exc, "problem"):
                exc.problem = f"{exc.problem}; {closing.problem}"  # type: ignore[attr-defined]

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Hold one read transaction for the whole block, so that every query sees the file
        as it was at the block's first read, whatever another process commits meanwhile (a
        label renamed or deleted between two queries of an export would otherwise look like a
        row pointing at nothing). Nothing is opened when the connection is already in a
        transaction; the codebook is read again inside the snapshot."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            self.codebook.invalidate()  # cached when the project was opened, maybe edited since
            yield
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    # ----- facts --------------------------------------------------------------------

    def setting(self, key: str, default: str = "") -> str:
        """A value of the project table (language, created_at, codebook, …)."""
        row = self.db.execute("SELECT value FROM project WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Store a project setting (e.g. `rolling_backup` = "off"); not an undoable edit."""
        if self.readonly:
            raise ProjectFileError(self.path, "is open read-only; settings cannot be changed")
        with self.db.atomic():
            self.db.execute("INSERT OR REPLACE INTO project (key, value) VALUES (?, ?)", [key, value])

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
        models = [  # suggestion models (ops/models.py), newest first; their weights are not read
            {"id": row[0], "layer": row[1], "trained_from": row[2], "created_at": row[3], "kind": row[4],
             "spacy_version": row[5], "n_train": row[6], "n_test": row[7], "active": bool(row[8])}
            for row in db.execute("SELECT id, layer, trained_from, created_at, kind, spacy_version, n_train, n_test, "
                                  "active FROM models ORDER BY created_at DESC, id")
        ]
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
            "relations": self.relations.count(),
            "relations_by_type": self.relations.counts_by_type(),
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
            "models": models,
        }


def _tidy_side_files(path: Path, before: frozenset[str]) -> None:
    """Remove the -wal/-shm a read-only opening made (not in `before`) if nothing needs them."""
    made = tuple(suffix for suffix in SQLITE_SIDE_SUFFIXES if suffix not in before)
    if made:
        try:
            remove_unused_side_files(path, made)
        except OSError:
            pass  # tidying only: what stays is what SQLite would have left


def _version() -> str:
    from .. import __version__

    return __version__

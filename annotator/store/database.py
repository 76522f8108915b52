"""Opening, creating, locking, migrating and closing a project's SQLite file."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import sqlite_utils

from ..errors import ProjectDamagedError, ProjectFileError
from .schema import APPLICATION_ID, MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"


def explain_sqlite_error(path: Path, error: sqlite3.Error) -> ProjectFileError:
    """Turn an sqlite3 error into a message a user can act on."""
    text = str(error).lower()
    if "disk is full" in text or "disk i/o" in text:
        problem = "the disk is full or failing; nothing was changed"
    elif "locked" in text or "busy" in text:
        problem = "the project is busy in another program; try again when it is closed"
    elif "malformed" in text or "not a database" in text or "corrupt" in text:
        problem = "the project file is corrupt (SQLite reports: " + str(error) + ")"
    elif "readonly" in text or "read-only" in text:
        problem = "the project file cannot be written (read-only file or folder)"
    else:
        problem = f"database error: {error}"
    return ProjectFileError(path, problem)


# Project files this process has open (resolved paths), so that no output of ours is
# ever written over one of them or over its -wal/-shm/.lock.
_OPEN_PROJECTS: dict[Path, int] = {}
PROJECT_SIDE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock")


def register_open(path: Path) -> None:
    """Record that this process has `path` open (counted: several connections may)."""
    key = Path(os.path.realpath(path))
    _OPEN_PROJECTS[key] = _OPEN_PROJECTS.get(key, 0) + 1


def unregister_open(path: Path) -> None:
    """Forget one opening of `path`."""
    key = Path(os.path.realpath(path))
    count = _OPEN_PROJECTS.get(key, 0) - 1
    if count > 0:
        _OPEN_PROJECTS[key] = count
    else:
        _OPEN_PROJECTS.pop(key, None)


def open_project_files() -> frozenset[Path]:
    """Resolved paths of the project files open in this process."""
    return frozenset(_OPEN_PROJECTS)


def project_file_family(path: Path) -> list[Path]:
    """The project file and the files SQLite and we keep beside it (-wal, -shm, .lock)."""
    real = Path(os.path.realpath(path))
    return [real.with_name(real.name + suffix) for suffix in PROJECT_SIDE_SUFFIXES]


def check_integrity(conn: sqlite3.Connection | sqlite_utils.Database, path: Path) -> None:
    """Run SQLite's quick_check; raise ProjectDamagedError naming the file if it fails."""
    execute = conn.execute
    try:
        rows = [row[0] for row in execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as error:
        raise ProjectDamagedError(path, str(error)) from error
    if rows != ["ok"]:
        raise ProjectDamagedError(path, "SQLite's integrity check: " + "; ".join(str(r) for r in rows[:2]))


class ProjectLock:
    """An exclusive advisory lock on `<project>.lock`, held while a program has it open."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._handle: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise ProjectFileError naming the holder."""
        try:
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return  # read-only folder: locking is advisory, opening proceeds
        try:
            _lock_handle(handle)
        except OSError:
            try:
                holder = os.read(handle, 64).decode("ascii", "replace").strip()
            finally:
                os.close(handle)
            who = f" (process {holder})" if holder else ""
            raise ProjectFileError(
                self.path.with_suffix(""),
                f"is open in another running Annotator{who}; close it there first",
            ) from None
        os.ftruncate(handle, 0)
        os.write(handle, str(os.getpid()).encode())
        self._handle = handle

    def release(self) -> None:
        """Release the lock and remove the lock file."""
        if self._handle is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
        os.close(self._handle)
        self._handle = None


def _lock_handle(handle: int) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows builds only
        import msvcrt

        msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _configure(conn: sqlite3.Connection, readonly: bool) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 3000")
    if not readonly:
        # WAL survives a killed process with every committed transaction; NORMAL sync
        # in WAL mode loses nothing on a crash of the program (only on power loss).
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")


def create_database(path: Path) -> sqlite_utils.Database:
    """Create a new project file at `path` with the current schema."""
    if path.exists():
        raise ProjectFileError(path, "already exists; choose another name or open it")
    if not path.parent.is_dir():
        raise ProjectFileError(path, f"folder {path.parent} does not exist")
    try:
        conn = sqlite3.connect(path)
        _configure(conn, readonly=False)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _migrate(db, 0)
    except sqlite3.Error as error:
        raise explain_sqlite_error(path, error) from error
    return db


def open_database(path: Path, readonly: bool = False) -> sqlite_utils.Database:
    """Open an existing project file, checking it is one of ours, and migrate it."""
    if not path.exists():
        raise ProjectFileError(path, "does not exist")
    if path.is_dir():
        raise ProjectFileError(path, "is a folder, not a project file")
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise ProjectFileError(path, "is not an Annotator project (not an SQLite file)")
    try:
        if readonly:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            conn = sqlite3.connect(path)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as error:
        raise explain_sqlite_error(path, error) from error
    if version > SCHEMA_VERSION:
        conn.close()
        raise ProjectFileError(
            path,
            f"was written by a newer Annotator (schema version {version}; this version "
            f"reads up to {SCHEMA_VERSION}); update the application",
        )
    if version == 0 or "project" not in tables:
        conn.close()
        raise ProjectFileError(path, "is an SQLite file but not an Annotator project")
    try:
        application = conn.execute("SELECT value FROM project WHERE key = 'application'").fetchone()
    except sqlite3.Error as error:
        conn.close()
        raise explain_sqlite_error(path, error) from error
    if application is None or application[0] != APPLICATION_ID:
        conn.close()
        raise ProjectFileError(path, "is an SQLite file but not an Annotator project")
    try:
        _configure(conn, readonly)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        if version < SCHEMA_VERSION:
            if readonly:
                raise ProjectFileError(path, "uses an older schema; open it for writing to upgrade it")
            conn.close()
            backup = backup_before_migration(path, version)
            conn = sqlite3.connect(path)
            _configure(conn, readonly)
            db = sqlite_utils.Database(conn, execute_plugins=False)
            try:
                _migrate(db, version)
            except sqlite3.Error as error:
                raise ProjectFileError(path, f"upgrade failed ({error}); the original is kept at {backup}") from error
        missing = REQUIRED_TABLES - set(db.table_names())
        if missing:
            raise ProjectFileError(path, f"is damaged: tables missing: {', '.join(sorted(missing))}")
    except sqlite3.Error as error:
        conn.close()
        raise explain_sqlite_error(path, error) from error
    return db


def backup_before_migration(path: Path, version: int) -> Path:
    """Copy the project file (after a checkpoint) to `<name>.v<version>.bak` before upgrading."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    backup = path.with_name(f"{path.name}.v{version}.bak")
    shutil.copy2(path, backup)
    return backup


def _migrate(db: sqlite_utils.Database, version: int) -> None:
    """Apply the migrations from `version` up to SCHEMA_VERSION, each in one transaction."""
    for target in range(version, SCHEMA_VERSION):
        with db.atomic():
            for statement in MIGRATIONS[target]:
                db.execute(statement)
            if target == 0:
                db.execute("INSERT INTO project (key, value) VALUES ('application', ?)", [APPLICATION_ID])
            db.execute(f"PRAGMA user_version = {target + 1}")


def close_database(db: sqlite_utils.Database, readonly: bool = False) -> None:
    """Checkpoint the WAL into the main file (so a copied file is complete) and close."""
    try:
        if not readonly:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass
    finally:
        db.close()

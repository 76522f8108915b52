"""Opening, creating, locking, migrating and closing a project's SQLite file."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import sys
import time
from pathlib import Path

from ..errors import ProjectDamagedError, ProjectFileError
from .files import open_project_member
from .schema import APPLICATION_ID, MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION

# sqlite-utils imports numpy and pandas only to map their scalar types to column types when it
# creates or alters a table from Python values; ours are made by SQL (schema.py) and written with
# db.execute. So it is imported with both left out if they are not loaded yet (numpy alone is
# ~0.1 s of the desktop app's start); afterwards they import normally (agreement, spaCy, export).
_LEFT_OUT = [name for name in ("numpy", "pandas") if name not in sys.modules]
sys.modules.update(dict.fromkeys(_LEFT_OUT))  # type: ignore[arg-type]  # meanwhile: ImportError
try:
    import sqlite_utils
finally:
    for _name in _LEFT_OUT:
        if _name in sys.modules and sys.modules[_name] is None:
            del sys.modules[_name]

BACKUP_SUFFIX = ".bak"
BACKUP_MAX_AGE_S = 24 * 3600
CHECK_MMAP_BYTES = 1 << 30
NOT_A_PROJECT = "is not an Annotator project (not an SQLite file)"

# Nothing in this module opens a project file with anything but SQLite: on POSIX, closing
# any other descriptor of a file drops every lock SQLite holds on it in this process, and
# another program may then delete the WAL under our connection (sqlite.org/howtocorrupt,
# section 2.2). Sizes and kinds come from os.stat; the header is read by SQLite.


def explain_sqlite_error(path: Path, error: sqlite3.Error) -> ProjectFileError:
    """Turn an sqlite3 error into a message a user can act on."""
    text = str(error).lower()
    if "disk is full" in text or "disk i/o" in text:
        problem = "the disk is full or failing; nothing was changed"
    elif "locked" in text or "busy" in text:
        problem = "the project is busy in another program; try again when it is closed"
    elif "malformed" in text or "not a database" in text or "corrupt" in text:
        return ProjectDamagedError(path, f"SQLite reports: {error}")
    elif "decode to utf-8" in text:  # SQLite's message quotes the whole undecodable text
        return ProjectDamagedError(path, "stored text is not valid UTF-8")
    elif "readonly" in text or "read-only" in text:
        problem = "the project file cannot be written (read-only file or folder)"
    else:
        detail = " ".join(str(error).split())
        problem = f"database error: {detail[:117] + '…' if len(detail) > 120 else detail}"
    return ProjectFileError(path, problem)


_NOT_DAMAGE = ("disk is full", "disk i/o", "locked", "busy", "readonly", "read-only", "unable to open",
               "interrupted", "out of memory")


def as_project_error(path: Path, error: BaseException) -> ProjectFileError:
    """The one-line error for an exception met while reading project `path`: a full disk,
    a lock or a read-only file are said as such; anything else that comes from reading
    the file (SQLite's "malformed", text that is not UTF-8, JSON that does not parse, a
    row that points nowhere) means the file is damaged. The detail is one short line:
    SQLite quotes the whole undecodable text, which is an article, not a reason."""
    if isinstance(error, ProjectFileError):
        return error
    text = str(error).lower()
    if isinstance(error, sqlite3.Error) and any(marker in text for marker in _NOT_DAMAGE):
        return explain_sqlite_error(path, error)
    if isinstance(error, UnicodeDecodeError) or (isinstance(error, sqlite3.Error) and "decode to utf-8" in text):
        column = re.search(r"column '([^']{1,40})'", str(error))
        detail = "stored text is not valid UTF-8" + (f" (column {column.group(1)})" if column else "")
    elif isinstance(error, json.JSONDecodeError):
        detail = f"a stored value is not valid JSON: {error.msg}"
    elif isinstance(error, KeyError):
        detail = f"a row refers to something missing ({_short(str(error))})"
    elif isinstance(error, sqlite3.Error):
        detail = f"SQLite reports: {_short(str(error))}"
    else:
        detail = f"{type(error).__name__}: {_short(str(error))}"
    return ProjectDamagedError(path, detail)


def _short(text: str, limit: int = 120) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_integrity(
    conn: sqlite3.Connection | sqlite_utils.Database, path: Path, full: bool = False, advice: str | None = None
) -> None:
    """Run SQLite's quick_check (with `full`, integrity_check, which also compares every
    index with its table); raise ProjectDamagedError naming the file if it fails.

    quick_check finds damaged pages and records; only the full check finds an index entry
    that no longer matches its row, through which a lookup would silently miss the row.
    SQLite's report spans lines ("*** in database main ***", then one line a problem): it
    is said here on one line, as every message of ours is. `advice` replaces the rolling-
    backup advice for a file that is not one of our projects (a colleague's, being merged).
    """
    pragma = "integrity_check" if full else "quick_check"
    try:
        # The check reads every page once: memory-mapped reads make it about twice as fast
        # (a larger cache_size does not help a single pass); the map is dropped after.
        conn.execute(f"PRAGMA mmap_size = {CHECK_MMAP_BYTES}").fetchall()
        try:
            rows = [row[0] for row in conn.execute(f"PRAGMA {pragma}(5)").fetchall()]
        finally:
            conn.execute("PRAGMA mmap_size = 0").fetchall()
    except sqlite3.DatabaseError as error:
        raise ProjectDamagedError(path, " ".join(str(error).split()), advice) from error
    if rows != ["ok"]:
        found = " ".join(str(row) for row in rows[:3]).replace("*** in database main ***", "").split()
        raise ProjectDamagedError(path, "SQLite's integrity check: " + " ".join(found), advice)


# Lock files (resolved) whose lock this process holds: a second opening here is said as such.
_HELD_LOCKS: set[Path] = set()
_OPEN_HERE = "is already open in this program (in another window?); use that window, or close the project there first"

_NOT_A_LOCK = ("is not an Annotator lock file (a link, or a file with content of its own); "
               "move it away, then open the project again")


class ProjectLock:
    """An exclusive advisory lock on `<project>.lock`, held while a program has it open.

    The lock file is never removed: a process that opened it a moment before another
    unlinked it would lock the old inode while a third created a new file, and both would
    think they hold the project. On release the holder's process id is cleared instead.
    """

    def __init__(self, path: Path) -> None:
        # Beside the real file: a symlink to the project must meet the same lock.
        real = Path(os.path.realpath(path))
        self.path = real.with_name(real.name + ".lock")
        self._handle: int | None = None
        self._writable = False
        self._held = Path(os.path.realpath(self.path))

    def acquire(self) -> None:
        """Take the lock or raise ProjectFileError naming the holder."""
        writable = True
        nofollow = getattr(os, "O_NOFOLLOW", 0)  # a link named like the lock is never followed
        try:
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT | nofollow, 0o644)
        except OSError:
            try:  # someone else's lock file: flock needs only a read descriptor
                handle = os.open(self.path, os.O_RDONLY | nofollow)
                writable = False
            except OSError:
                if os.path.islink(self.path):
                    raise ProjectFileError(self.path, _NOT_A_LOCK) from None
                return  # no lock file and none can be made: the folder cannot be written either
        try:
            found = os.fstat(handle)
            if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1 or found.st_size > 64:
                raise ProjectFileError(self.path, _NOT_A_LOCK)  # never truncate what is not ours
        except BaseException:
            os.close(handle)
            raise
        try:
            _lock_handle(handle)
        except OSError:
            if self._held in _HELD_LOCKS:  # flock conflicts between two descriptors of one process too
                os.close(handle)
                raise ProjectFileError(self.path.with_suffix(""), _OPEN_HERE) from None
            try:
                holder = os.read(handle, 64).decode("ascii", "replace").strip()
            finally:
                os.close(handle)
            who = f" (process {holder})" if holder else ""
            raise ProjectFileError(
                self.path.with_suffix(""),
                f"is open in another running Annotator{who}; close it there first",
            ) from None
        if writable:
            try:
                os.ftruncate(handle, 0)
                os.pwrite(handle, str(os.getpid()).encode(), 0)
            except OSError:
                pass  # a full disk: the lock holds, only the holder's id is missing
        self._handle = handle
        self._writable = writable
        _HELD_LOCKS.add(self._held)

    def release(self) -> None:
        """Release the lock, clearing the holder's id; the file stays (see the class docstring)."""
        if self._handle is None:
            return
        try:
            if self._writable:
                os.ftruncate(self._handle, 0)
        except OSError:
            pass
        finally:
            os.close(self._handle)
            self._handle = None
            _HELD_LOCKS.discard(self._held)


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


def check_project_path(path: Path) -> os.stat_result:
    """Refuse a missing path, a folder or an empty file (SQLite would take it for a new database)."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise ProjectFileError(path, "does not exist") from None
    except OSError as error:
        raise ProjectFileError(path, f"cannot be read ({error.strerror})") from None
    if os.path.isdir(path):
        raise ProjectFileError(path, "is a folder, not a project file")
    if found.st_size == 0:
        raise ProjectFileError(path, NOT_A_PROJECT)
    return found


def unwritable_reason(path: Path) -> str:
    """Why this process cannot write the project at `path` ("" if it can): SQLite needs the
    file and, for its -wal and -shm, the folder."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if os.statvfs(path).f_flag & getattr(os, "ST_RDONLY", 1):
            return "the disk is read-only"
    except (OSError, AttributeError):
        pass
    if not os.access(path, os.W_OK):
        try:
            owner = os.stat(path).st_uid
        except OSError:
            owner = None
        if hasattr(os, "geteuid") and owner is not None and owner != os.geteuid():
            return "the project file belongs to another user"
        return "the project file is read-only"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "the folder is read-only"
    try:
        if os.stat(path).st_nlink > 1:  # each name would get its own lock and -wal
            return "the project file has another name (a hard link), so two programs could write it at once"
    except OSError:
        pass
    for side in ("-wal", "-shm"):
        other = path.with_name(path.name + side)
        if other.exists() and not os.access(other, os.W_OK):
            return f"{other.name} beside it is read-only"
    return ""


def read_only_uri(path: Path) -> str:
    """The URI that reads `path` without writing anything.

    `mode=ro` sees every committed change, including those still in the -wal, but must be
    able to create or use the -shm beside the file. In a folder this process cannot write,
    a file with no pending -wal is read `immutable` (SQLite then needs no -shm and takes no
    locks); one with a pending -wal is still read `mode=ro`, which works when its -shm is
    there and fails, with a message, when it is not (immutable would silently skip the
    changes in the -wal).
    """
    uri = path.resolve().as_uri()
    folder = path.parent if str(path.parent) else Path(".")
    if os.access(folder, os.W_OK | os.X_OK):
        return f"{uri}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return f"{uri}?mode=ro"
    return f"{uri}?mode=ro&immutable=1"


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(read_only_uri(path), uri=True)
    return sqlite3.connect(path)


def _header_error(path: Path, error: sqlite3.Error, readonly: bool) -> ProjectFileError:
    text = str(error).lower()
    if "not a database" in text:
        return ProjectFileError(path, NOT_A_PROJECT)
    if readonly and "unable to open" in text:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return ProjectFileError(
                path, f"has changes in {wal.name} that cannot be read in a folder this program cannot "
                "write (its -shm is missing); copy the project with its -wal to a writable folder")
    return as_project_error(path, error)


def open_database(path: Path, readonly: bool = False, check: bool = False) -> sqlite_utils.Database:
    """Open an existing project file, checking it is one of ours, and migrate it.

    With `check` (the program's own writer), SQLite's quick_check runs before anything is
    written, so a file refused as damaged is left exactly as it was (not even switched to
    WAL mode). The file is only ever opened by SQLite (see the note at the top of this module).
    """
    check_project_path(path)
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    existed = [side.exists() for side in sidecars]
    try:
        conn = _connect(path, readonly)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as error:
        try:
            conn.close()
        except UnboundLocalError:
            pass
        raise _header_error(path, error, readonly) from error
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
        raise as_project_error(path, error) from error
    if application is None or application[0] != APPLICATION_ID:
        conn.close()
        raise ProjectFileError(path, "is an SQLite file but not an Annotator project")
    if check and not readonly:
        try:
            check_integrity(conn, path)
        except BaseException:
            conn.close()
            raise
    try:
        _configure(conn, readonly)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        if version < SCHEMA_VERSION:
            if readonly:
                conn.close()
                _remove_new_sidecars(sidecars, existed)
                raise ProjectFileError(path, f"uses an older schema (version {version}); upgrade it with: "
                                             f"annotator upgrade {path}")
            backup = backup_before_migration(conn, path, version)
            db.migration_backup = backup  # type: ignore[attr-defined]  # where `annotator upgrade` says it is
            try:
                _migrate(db, version)
            except sqlite3.Error as error:
                raise ProjectFileError(path, f"upgrade failed ({error}); the original is kept at {backup}") from error
        missing = REQUIRED_TABLES - set(db.table_names())
        if missing:
            raise ProjectFileError(path, f"is damaged: tables missing: {', '.join(sorted(missing))}")
    except sqlite3.Error as error:
        conn.close()
        raise as_project_error(path, error) from error
    except BaseException:
        conn.close()
        raise
    return db


def _remove_new_sidecars(sidecars: list[Path], existed: list[bool]) -> None:
    """Remove the -wal and -shm a refused read-only open made (an empty -wal, and its -shm); ones
    that were there before, or a -wal holding changes, are left alone."""
    wal, shm = sidecars
    if existed[0] or (wal.exists() and wal.stat().st_size):
        return
    for side, was_there in zip(sidecars, existed):
        if not was_there:
            try:
                side.unlink()
            except OSError:
                pass


def _refuse_live_target(target: Path) -> None:
    """A backup is never written over a project in use: one open in this process, or one
    whose -wal holds changes not yet in the file (someone opened the backup to recover)."""
    if target.is_symlink():
        raise ProjectFileError(target, "is a link, not a backup of ours; the backup was not written over it")
    if open_project_member(target) is not None:
        raise ProjectFileError(target, "is open in this program; the backup was not written over it")
    try:
        pending = os.stat(target.with_name(target.name + "-wal")).st_size
    except OSError:
        pending = 0
    if pending:
        raise ProjectFileError(target, "has changes of its own in its -wal (was it opened?); "
                                       "the backup was not written over it")


def write_backup(conn: sqlite3.Connection, target: Path) -> Path:
    """Write a consistent snapshot of `conn`'s database to `target` with SQLite's backup API,
    atomically: into a temporary file beside it, then renamed over it (never over a project
    in use)."""
    _refuse_live_target(target)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        copy = sqlite3.connect(temporary)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        os.replace(temporary, target)
    except BaseException:
        for leftover in (temporary, *(temporary.with_name(temporary.name + suffix)
                                      for suffix in ("-journal", "-wal", "-shm"))):
            try:
                leftover.unlink()
            except OSError:
                pass
        raise
    return target


def backup_before_migration(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the project (through SQLite: every committed change, WAL included) to
    `<name>.v<version>.bak` before upgrading it, or, when that exists (it may hold work someone
    restored), to `<name>.v<version>-2.bak`, `-3`…: an existing backup is never replaced."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    number = 1
    while os.path.lexists(target):
        number += 1
        target = path.with_name(f"{path.name}.v{version}-{number}.bak")
    return write_backup(conn, target)


def rolling_backup_path(path: Path) -> Path:
    """Where the rolling backup of a project is kept: `<name>.annot.bak` beside it."""
    return path.with_name(path.name + BACKUP_SUFFIX)


def rolling_backup_due(path: Path, now: float | None = None) -> bool:
    """Whether the rolling backup is missing or older than a day."""
    try:
        # lstat: a .bak that is a link (to the project itself, say) has a fresh time of its
        # own target's and would never be due; its own time makes it due, and writing it
        # then says why it cannot be.
        made = os.lstat(rolling_backup_path(path)).st_mtime
    except OSError:
        return True
    return (time.time() if now is None else now) - made > BACKUP_MAX_AGE_S


def _migrate(db: sqlite_utils.Database, version: int) -> None:
    """Apply the migrations from `version` up to SCHEMA_VERSION, each in one transaction."""
    for target in range(version, SCHEMA_VERSION):
        with db.atomic():
            for statement in MIGRATIONS[target]:
                db.execute(statement)
            if target == 0:
                db.execute("INSERT INTO project (key, value) VALUES ('application', ?)", [APPLICATION_ID])
            db.execute(f"PRAGMA user_version = {target + 1}")


def wal_kept_message(path: Path, cause: str) -> str:
    """What to tell a user whose latest changes are only in the project's -wal."""
    return (f"could not finish writing the project file ({cause}); its latest changes are kept in "
            f"{path.name}-wal, which must stay beside it (copy the two together), or reopen the project "
            "when there is space")


def close_database(db: sqlite_utils.Database, readonly: bool = False, path: Path | None = None) -> None:
    """Checkpoint the WAL into the main file (so a copied file is complete) and close.

    The connection is closed whatever happens; if the checkpoint failed (a full disk), a
    ProjectFileError then says where the changes are (when `path` is given).
    """
    failure: sqlite3.Error | None = None
    try:
        if not readonly:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.ProgrammingError:
        pass  # closed already: nothing left to write
    except sqlite3.Error as error:
        failure = error
    finally:
        db.close()
    if failure is not None and path is not None:
        cause = explain_sqlite_error(path, failure).problem.split(";")[0]
        raise ProjectFileError(path, wal_kept_message(path, cause)) from failure

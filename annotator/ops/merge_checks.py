"""The checks a colleague's project file must pass before a merge reads anything from it.

A file to merge is an import from someone else, so it meets an import's limits: it must be
an intact SQLite file of this schema version (SQLite's own integrity check), no text may be
longer than MAX_DOCUMENT_CHARS, ids must be UUIDs, and a document we copy must carry token
and sentence offsets that are sorted, non-empty and inside its text. Every refusal is one
line naming their file, before anything is written. Gathered here, apart from the copying,
so that what "acceptable" means for their file can be read (and extended) in one place.

Two refusals protect our own files: a project open in this process (or one of its working
files) is refused before Python's open() reads its header, because on POSIX closing any
descriptor of a file drops every lock SQLite holds on it; and a project is never merged
into itself. A damaged file of theirs is said to be theirs to replace (THEIR_ADVICE): it
has no rolling backup here, unlike ours.

The small coercions of their values (`parsed_json`, `as_text`, `is_id`…) live here too:
they are the row-level form of the same distrust, used while reading and copying.
"""

from __future__ import annotations

import json
import os
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ProjectDamagedError, ProjectFileError
from ..formats.base import MAX_DOCUMENT_CHARS, is_uuid, is_whole_number
from ..project import Project
from ..store.database import check_integrity, explain_sqlite_error
from ..store.files import SQLITE_HEADER, open_project_member, project_file_family
from ..store.schema import APPLICATION_ID, MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION

MAX_ID = 100  # longest id accepted from another file (ours are 36-character UUIDs)
# What to do about a damaged file of theirs (ours would be restored from its rolling backup).
THEIR_ADVICE = "ask its owner for a fresh copy"


@lru_cache(maxsize=1)
def expected_columns() -> dict[str, frozenset[str]]:
    """Columns each table of the current schema has (built once in memory from the migrations)."""
    conn = sqlite3.connect(":memory:")
    try:
        for statements in MIGRATIONS:
            for statement in statements:
                conn.execute(statement)
        return {
            table: frozenset(row[1] for row in conn.execute(f'PRAGMA table_info("{table}")'))
            for table in sorted(REQUIRED_TABLES) if table != "document_search"
        }
    finally:
        conn.close()


def check_file(path: Path) -> None:
    """Refuse a missing path, a folder, a project file open in this process or a file that is not SQLite.

    The header is read with Python's open() only once no connection of this process can have
    the file open: on POSIX, closing any descriptor of a file drops every lock SQLite holds on
    it, so a project open here (or its -wal/-shm) is refused before anything touches it.
    """
    if open_project_member(path) is not None:  # by path, link or inode (a hard link too)
        raise ProjectFileError(path, "is a project file open in this app (or one of its working files); "
                                     "choose a colleague's file, or close that project first")
    if not path.exists():
        raise ProjectFileError(path, "does not exist")
    if path.is_dir():
        raise ProjectFileError(path, "is a folder, not a project file")
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise ProjectFileError(path, "is not an Annotator project (not an SQLite file)")


def check_other(conn: sqlite3.Connection, path: Path, schema: str = "main") -> None:
    """Refuse a foreign, newer, older, corrupt or incomplete project file (attached as `schema`); on a
    connection of its own (schema main) also a damaged one and what an import would refuse."""
    version = conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ProjectFileError(path, f"was written by a newer Annotator (schema version {version}; this version "
                                     f"reads up to {SCHEMA_VERSION}); update the application to merge it")
    tables = {row[0] for row in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")}
    if version == 0 or "project" not in tables:
        raise ProjectFileError(path, "is an SQLite file but not an Annotator project")
    application = conn.execute(f"SELECT value FROM {schema}.project WHERE key = 'application'").fetchone()
    if application is None or application[0] != APPLICATION_ID:
        raise ProjectFileError(path, "is an SQLite file but not an Annotator project")
    if version < SCHEMA_VERSION:
        raise ProjectFileError(path, f"was written by an older Annotator (schema version {version}); open it once "
                                     "in this version to upgrade it, then merge")
    if schema == "main":  # SQLite's quick_check, its report on one line; damage is for their owner to mend
        check_integrity(conn, path, full=True, advice=THEIR_ADVICE)
    missing_tables = REQUIRED_TABLES - tables
    if missing_tables:
        raise ProjectFileError(path, f"is damaged: tables missing: {', '.join(sorted(missing_tables))}")
    for table, columns in expected_columns().items():
        have = {row[1] for row in conn.execute(f'PRAGMA {schema}.table_info("{table}")')}
        missing = columns - have
        if missing:
            raise ProjectFileError(path, f"is damaged: table {table} lacks columns {', '.join(sorted(missing))}")
    if schema == "main":  # the file on a connection of its own (open_other), not what was attached after it
        _check_limits(conn, path, schema)


# Columns that hold ids this application writes as UUIDs (NULL allowed where `True`).
_UUID_COLUMNS = (("documents", "id", "document", False), ("annotations", "id", "annotation", False),
                 ("comments", "id", "comment", False),
                 ("curation_log", "source_annotation_id", "curation log entry's annotation", True),
                 ("curation_log", "gold_annotation_id", "curation log entry's gold annotation", True))
_HEX = "[0-9a-fA-F]"
_CANONICAL_UUID = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))  # a GLOB pattern


def _check_limits(conn: sqlite3.Connection, path: Path, schema: str) -> None:
    """Refuse what an import would refuse: a text over MAX_DOCUMENT_CHARS, an id that is not a UUID."""
    long = conn.execute(
        f"SELECT document_id, length(text) FROM {schema}.document_content NOT INDEXED WHERE length(text) > ? LIMIT 1",
        [MAX_DOCUMENT_CHARS]).fetchone()
    if long is not None:
        raise ProjectFileError(path, f"document {_shown(long[0])} has {long[1]:,} characters; one document may have "
                                     f"at most {MAX_DOCUMENT_CHARS:,} (as on import), so nothing was merged")
    for table, column, what, nullable in _UUID_COLUMNS:
        cursor = conn.execute(
            f"SELECT {column} FROM {schema}.{table} NOT INDEXED WHERE typeof({column}) != 'text' "
            f"OR {column} NOT GLOB '{_CANONICAL_UUID}'")
        try:
            while batch := cursor.fetchmany(1000):
                for (value,) in batch:
                    if not (nullable and value is None) and not is_uuid(value):
                        raise ProjectFileError(path, f"{what} id {_shown(value)} is not a UUID (the file was altered "
                                                     "outside Annotator), so nothing was merged")
        finally:
            cursor.close()



def _shown(value: Any) -> str:
    """A value from their file, quoted on one short line for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def segmentation_counts(
    tokens: Any, sentences: Any, length: int, path: Path, ident: str, title: Any
) -> tuple[int, int]:
    """(tokens, sentences) counts of a document's stored blobs, or ProjectFileError saying which is damaged."""
    for name, blob in (("tokens", tokens), ("sentences", sentences)):
        problem = _pairs_problem(blob, length)
        if problem:
            raise ProjectFileError(path, f"document {_shown(ident)} ({_shown(as_text(title)[:40])}) has damaged {name} "
                                         f"({problem}), so nothing was merged")
    return len(tokens) // 8, len(sentences) // 8


def _pairs_problem(blob: Any, length: int) -> str:
    """Why stored tokens or sentences are damaged ('' if they are not): they must be uint32 (start, end)
    pairs, each non-empty and inside the text, in order without overlap, and some if the text is not empty."""
    import numpy as np

    if not isinstance(blob, bytes):
        return "not stored as bytes"
    if len(blob) % 8:
        return "not whole (start, end) pairs"
    if not blob:
        return "none, for a text that is not empty" if length else ""
    pairs = np.frombuffer(blob, dtype="<u4").reshape(-1, 2).astype(np.int64)
    starts, ends = pairs[:, 0], pairs[:, 1]
    if (starts >= ends).any():
        return "one is empty or reversed"
    if ends.max() > length:
        return f"one ends after the text ({length:,} characters)"
    if (starts[1:] < ends[:-1]).any():
        return "out of order or overlapping"
    return ""


def parsed_json(value: Any, kind: type) -> Any:
    """`value` parsed as JSON if it is text holding a value of `kind`, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, kind) else None


def int_or_none(value: Any) -> int | None:
    """`value` if it is an integer (not a bool), else None."""
    return value if is_whole_number(value) else None


def is_id(value: Any) -> bool:
    """True for an id we can store: printable text of 1 to MAX_ID characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable()


def as_text(value: Any) -> str:
    """`value` if it is text, else ''."""
    return value if isinstance(value, str) else ""


def their_error(path: Path, error: sqlite3.Error) -> ProjectFileError:
    """The one-line error for an SQLite error met reading their file `path`: as for ours, but a
    damaged file of theirs is for its owner to replace."""
    explained = explain_sqlite_error(path, error)
    if isinstance(explained, ProjectDamagedError):
        return ProjectDamagedError(path, explained.detail, THEIR_ADVICE)
    return explained


def check_target(project: Project, other_path: Path) -> None:
    """Refuse to merge into a project open read-only, or to merge a project into itself."""
    if project.readonly:
        raise ProjectFileError(project.path, "is open read-only; open it for writing to merge into it")
    member = open_project_member(other_path)
    if Path(os.path.realpath(other_path)) in project_file_family(Path(project.path)) or (
            member is not None and member in project_file_family(Path(project.path))):
        raise ProjectFileError(other_path, "is this project itself (or one of its working files); "
                                           "choose a colleague's file")

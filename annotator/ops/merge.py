"""Merge a colleague's project file into this one, in one transaction, never writing theirs.

Matching rules (what "the same" means):

- documents by the SHA-256 of their text (a new one is copied with its metadata and its
  stored tokens and sentences, so no spaCy is needed);
- annotators by name, after `annotator_map` renames theirs ({"Ann": "ann.smith"});
- codebook labels by (layer, label), after `label_map`; labels their annotations use and
  ours lacks are added (and listed) or, with `add_unknown_labels=False`, the merge is refused;
- annotations and comments by id: same id and same content is skipped; same id and other
  content is a conflict (listed, ours kept, never overwritten); a new id is added, pointing
  at our copy of the document;
- document status per (document, annotator): the more advanced one wins
  (not started < in progress < done), since either copy can only be behind, and a
  "done" declared in either copy is the annotator's own word;
- curation log entries by (at, curator, source annotation, gold annotation, decision).

Merging the same file twice changes nothing the second time (not even the audit log).
The project's undo history is cleared after a merge, as after an import.

Their file is an import from someone else, so it meets an import's limits and checks first,
on a connection of its own (`open_other`): SQLite's integrity check, no text over
MAX_DOCUMENT_CHARS, ids that are UUIDs, and (for each document copied) token and sentence
offsets that are sorted, non-empty and inside the text. Any failure refuses the whole file
in one line naming it; the project is unchanged. A project file open in this process (ours
or another, or its -wal/-shm) is refused before anything touches it: on POSIX, closing any
descriptor of a file drops every lock SQLite holds on it.

How: their file is attached to our connection read-only (`attached_other`) and checked;
annotations nothing else can affect are copied by one INSERT … SELECT through temporary
id-mapping tables, identical ones are counted in SQL, and only the rest (conflicts,
duplicates, damaged rows, overlap and one-label rules) are judged row by row in Python,
in their file's order, so the outcome is the one of judging every row that way.

One annotator's work can also travel as a small JSONL package, without a project file:
`annotator export THEIRS.annot --annotator NAME --out pkg.jsonl` writes their documents
with that annotator's spans and labels (with their ids), and `annotator import
OURS.annot pkg.jsonl` matches the texts by hash and adds the annotations whose ids we do
not have yet (re-importing the package adds nothing).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, ProjectDamagedError, ProjectFileError
from ..formats.base import MAX_DOCUMENT_CHARS
from ..model import ATTRIBUTE_TYPES, GRANULARITIES, LAYER_KINDS, OVERLAP_RULES, AttributeDef, Label, Layer
from ..project import Project
from ..project.annotations import check_attributes
from ..project.history import now
from ..segmentation import Segmentation
from ..store.database import (
    SQLITE_HEADER, check_integrity, explain_sqlite_error, open_project_files, project_file_family,
)
from ..store.schema import APPLICATION_ID, MIGRATIONS, REQUIRED_TABLES, SCHEMA_VERSION
from .importing import text_hash

Progress = Callable[[int, int, str], None]
LabelKey = tuple[str, str]
STATUS_RANK = {"not started": 0, "in progress": 1, "done": 2}
ROLES = ("annotator", "curator")
MAX_ID = 100  # longest id accepted from another file (ours are 36-character UUIDs)
OTHER = "merge_other"  # schema name of the other file while it is attached
_PHASES = ("reading", "codebook", "annotators", "documents", "annotations", "status", "comments", "curation log")


class MergeRefused(AnnotatorError):
    """The merge was refused before anything was written (unknown labels, clashing layers)."""

    def __init__(self, message: str, unknown_labels: tuple[LabelKey, ...] = ()) -> None:
        super().__init__(message)
        self.unknown_labels = unknown_labels


class MergeCancelled(AnnotatorError):
    """The merge was cancelled; the project is unchanged."""


@dataclass(frozen=True, slots=True)
class Conflict:
    """An item with the same id in both files but different content; ours was kept."""

    kind: str
    id: str
    document_id: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"kind": self.kind, "id": self.id, "document_id": self.document_id, "reason": self.reason}


@dataclass(slots=True)
class Tally:
    """What happened to one kind of item: added, skipped (already here), updated, in conflict, invalid."""

    added: int = 0
    skipped: int = 0
    updated: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"added": self.added, "skipped": self.skipped, "updated": self.updated,
                "conflicts": [c.as_dict() for c in self.conflicts], "invalid": list(self.invalid)}


KINDS = ("documents", "annotators", "labels", "annotations", "statuses", "comments", "curation")
SINGULAR = {"documents": "document", "annotators": "annotator", "labels": "label", "annotations": "annotation",
            "statuses": "status", "comments": "comment", "curation": "curation decision"}


@dataclass(slots=True)
class MergeReport:
    """What a merge added, skipped and found in conflict, per kind of item."""

    source: str
    documents: Tally = field(default_factory=Tally)
    annotators: Tally = field(default_factory=Tally)
    labels: Tally = field(default_factory=Tally)
    annotations: Tally = field(default_factory=Tally)
    statuses: Tally = field(default_factory=Tally)
    comments: Tally = field(default_factory=Tally)
    curation: Tally = field(default_factory=Tally)
    added_annotators: list[str] = field(default_factory=list)
    mapped_annotators: dict[str, str] = field(default_factory=dict)
    added_labels: list[str] = field(default_factory=list)
    mapped_labels: list[str] = field(default_factory=list)
    duplicates: int = 0  # annotations with a new id but the same content as one of ours
    seconds: float = 0.0

    def tally(self, kind: str) -> Tally:
        """The tally of one kind ("documents", "annotations", …)."""
        return getattr(self, kind)

    @property
    def changed(self) -> bool:
        """True if the merge wrote anything."""
        return any(self.tally(k).added or self.tally(k).updated for k in KINDS)

    @property
    def conflicts(self) -> list[Conflict]:
        """Every conflict of every kind."""
        return [c for k in KINDS for c in self.tally(k).conflicts]

    def counts(self) -> dict[str, Any]:
        """Only the numbers per kind, plus what was added to the codebook and the annotators (for the audit log)."""
        data: dict[str, Any] = {
            kind: {"added": t.added, "skipped": t.skipped, "updated": t.updated, "conflicts": len(t.conflicts),
                   "invalid": len(t.invalid)}
            for kind, t in ((kind, self.tally(kind)) for kind in KINDS)
        }
        data.update(added_annotators=self.added_annotators, added_labels=self.added_labels)
        return data

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        data: dict[str, Any] = {"source": self.source}
        data.update({kind: self.tally(kind).as_dict() for kind in KINDS})
        data.update(added_annotators=self.added_annotators, mapped_annotators=self.mapped_annotators,
                    added_labels=self.added_labels, mapped_labels=self.mapped_labels,
                    duplicates=self.duplicates, seconds=round(self.seconds, 3))
        return data

    def summary(self) -> str:
        """A few lines for a person: counts per kind, then every conflict and invalid item."""
        lines = [f"merged {self.source}"]
        for kind in KINDS:
            tally = self.tally(kind)
            extra = f", {tally.updated} updated" if tally.updated else ""
            extra += f", {len(tally.conflicts)} in conflict" if tally.conflicts else ""
            extra += f", {len(tally.invalid)} invalid" if tally.invalid else ""
            lines.append(f"  {kind:<12} {tally.added} added, {tally.skipped} already here{extra}")
        if self.duplicates:
            lines.append(f"  {self.duplicates} annotations skipped: same content as ours under another id")
        if self.added_annotators:
            lines.append("  annotators added: " + ", ".join(self.added_annotators))
        if self.mapped_annotators:
            lines.append("  annotators mapped: " + ", ".join(f"{a} → {b}" for a, b in self.mapped_annotators.items()))
        if self.added_labels:
            lines.append("  labels added to the codebook: " + "; ".join(self.added_labels))
        if self.mapped_labels:
            lines.append("  labels mapped: " + "; ".join(self.mapped_labels))
        for conflict in self.conflicts:
            lines.append(f"  conflict ({conflict.kind} {conflict.id}): {conflict.reason}; ours kept")
        for kind in KINDS:
            lines += [f"  invalid {SINGULAR[kind]}: {p}" for p in self.tally(kind).invalid]
        if not self.changed:
            lines.append("  nothing new: the project is unchanged")
        return "\n".join(lines)


# ----- opening the other file (untrusted) ---------------------------------------------


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


def _check_file(path: Path) -> None:
    """Refuse a missing path, a folder, a project file open in this process or a file that is not SQLite.

    The header is read with Python's open() only once no connection of this process can have
    the file open: on POSIX, closing any descriptor of a file drops every lock SQLite holds on
    it, so a project open here (or its -wal/-shm) is refused before anything touches it.
    """
    real = Path(os.path.realpath(path))
    if any(real in project_file_family(open_file) for open_file in open_project_files()):
        raise ProjectFileError(path, "is a project file open in this app (or one of its working files); "
                                     "choose a colleague's file, or close that project first")
    if not path.exists():
        raise ProjectFileError(path, "does not exist")
    if path.is_dir():
        raise ProjectFileError(path, "is a folder, not a project file")
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise ProjectFileError(path, "is not an Annotator project (not an SQLite file)")


def _read_only_uri(path: Path) -> str:
    """A URI that opens `path` without ever writing it or creating files beside it.

    A file with no pending write-ahead log is opened `immutable`, so SQLite creates no
    -wal/-shm files beside it (a colleague's folder or a read-only stick stays as it was);
    with a pending log (the file is open elsewhere, or was not closed) it is read `mode=ro`.
    """
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    return f"{path.resolve().as_uri()}?{'mode=ro' if pending else 'immutable=1'}"


def open_other(path: str | Path) -> sqlite3.Connection:
    """Open another project file read-only after checking it is an intact project of this version."""
    path = Path(path)
    _check_file(path)
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
    except sqlite3.Error as error:
        raise explain_sqlite_error(path, error) from error
    try:
        conn.execute("PRAGMA query_only = ON")
        _check_other(conn, path)
    except sqlite3.Error as error:
        conn.close()
        raise explain_sqlite_error(path, error) from error
    except BaseException:
        conn.close()
        raise
    return conn


def _check_other(conn: sqlite3.Connection, path: Path, schema: str = "main") -> None:
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
    if schema == "main":
        _check_integrity(conn, path)
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


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick_check on their file (a connection of its own), its report kept to one line."""
    try:
        check_integrity(conn, path)
    except ProjectDamagedError as error:  # SQLite's report can span lines ("*** in database main ***\n…")
        error.problem = " ".join(error.problem.split())
        error.args = (f"{error.path}: {error.problem}",)
        raise


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
                    if not (nullable and value is None) and not _is_uuid(value):
                        raise ProjectFileError(path, f"{what} id {_shown(value)} is not a UUID (the file was altered "
                                                     "outside Annotator), so nothing was merged")
        finally:
            cursor.close()


def _is_uuid(value: Any) -> bool:
    """True for a UUID in any spelling an import accepts."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _shown(value: Any) -> str:
    """A value from their file, quoted on one short line for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(slots=True)
class _Other:
    """The other file's annotators and codebook, read once; its bulk rows are read while merging."""

    path: Path
    annotators: dict[int, tuple[str, str]]  # id → (name, role)
    layers: dict[int, Layer]
    labels: dict[int, tuple[int, Label]]  # id → (layer id, label)
    used_labels: set[Any]  # label ids their annotations use (as stored, whatever their type)


def _read_other(conn: sqlite3.Connection, path: Path, schema: str = "main") -> _Other:
    annotators = {}
    for ident, name, role in conn.execute(f"SELECT id, name, role FROM {schema}.annotators ORDER BY id"):
        if isinstance(name, str) and name.strip():
            annotators[ident] = (name.strip(), role if role in ROLES else "annotator")
    attributes: dict[int, list[AttributeDef]] = {}
    for layer_id, name, kind, choices, low, high, desc in conn.execute(
        f"SELECT layer_id, name, type, choices, minimum, maximum, description FROM {schema}.attributes "
        "ORDER BY layer_id, position, id"
    ):
        values = _json(choices, list)
        if isinstance(name, str) and kind in ATTRIBUTE_TYPES and values is not None:
            attributes.setdefault(layer_id, []).append(
                AttributeDef(name, kind, tuple(str(v) for v in values), _int_or_none(low), _int_or_none(high), str(desc)))
    layers = {}
    for ident, name, kind, granularity, overlap, multiple, desc in conn.execute(
        f"SELECT id, name, kind, granularity, overlap, multiple, description FROM {schema}.layers"
    ):
        if isinstance(name, str) and kind in LAYER_KINDS and granularity in GRANULARITIES and overlap in OVERLAP_RULES:
            layers[ident] = Layer(name, kind, granularity, overlap, bool(multiple), str(desc),
                                  attributes=tuple(attributes.get(ident, ())))
    labels = {}
    for ident, layer_id, name, desc, inc, exc, colour in conn.execute(
        f"SELECT id, layer_id, name, description, include_note, exclude_note, colour FROM {schema}.labels"
    ):
        if isinstance(name, str) and name and layer_id in layers:
            colour = colour if isinstance(colour, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", colour) else ""
            labels[ident] = (layer_id, Label(name, str(desc), str(inc), str(exc), colour=colour or "#BBBBBB"))
    # NOT INDEXED: their indexes are not trusted to match their table (quick_check does not compare them).
    used = {row[0] for row in conn.execute(f"SELECT DISTINCT label_id FROM {schema}.annotations NOT INDEXED")}
    return _Other(path, annotators, layers, labels, used)


def _json(value: Any, kind: type) -> Any:
    """`value` parsed as JSON if it is text holding a value of `kind`, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, kind) else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def read_other(path: str | Path) -> _Other:
    """Check and read another project file's annotators and codebook (read-only), or raise ProjectFileError."""
    path = Path(path)
    conn = open_other(path)
    try:
        return _read_other(conn, path)
    except sqlite3.Error as error:
        raise explain_sqlite_error(path, error) from error
    finally:
        conn.close()


def _honours_uri_names(conn: sqlite3.Connection) -> bool:
    """True if ATTACH takes URI file names here: SQLite built with SQLITE_USE_URI (our connection is not
    opened with SQLITE_OPEN_URI, the other way to enable them)."""
    return any(row[0] == "USE_URI" for row in conn.execute("PRAGMA compile_options"))


@contextmanager
def attached_other(conn: sqlite3.Connection, path: Path, copy: bool | None = None) -> Iterator[_Other]:
    """Attach another project file to `conn` as schema OTHER, read-only and checked; yield what it holds.

    Where SQLite honours URI file names in ATTACH the file itself is attached `immutable`
    or `mode=ro` (see `_read_only_uri`); elsewhere, or with `copy=True`, a snapshot is taken
    with SQLite's backup API (from a read-only connection) into a private temporary file and
    that is attached. Either way nothing is written to or beside their file. Detached on exit,
    which must be outside any transaction.
    """
    if any(row[1] == OTHER for row in conn.execute("PRAGMA database_list")):
        conn.execute(f"DETACH DATABASE {OTHER}")  # left by a merge that was killed (before their file is touched)
    copy = not _honours_uri_names(conn) if copy is None else copy
    with tempfile.TemporaryDirectory(prefix="annotator-merge-") as folder:
        snapshot = Path(folder) / "other.annot"
        try:
            source = open_other(path)  # every check, SQLite's integrity check included, on a connection of its own
            try:
                if copy:
                    target = sqlite3.connect(snapshot)
                    try:
                        source.backup(target)
                    finally:
                        target.close()
            finally:
                source.close()
            conn.execute(f"ATTACH DATABASE ? AS {OTHER}", [str(snapshot) if copy else _read_only_uri(path)])
        except sqlite3.Error as error:
            if "unable to open" in str(error):  # SQLite could not read it as a database at all
                raise ProjectFileError(path, "the project file is corrupt or unreadable") from None
            raise explain_sqlite_error(path, error) from error
        try:
            try:
                if not copy:
                    _check_other(conn, path, OTHER)
                other = _read_other(conn, path, OTHER)
            except sqlite3.Error as error:
                raise explain_sqlite_error(path, error) from error
            yield other
        finally:
            try:
                conn.execute(f"DETACH DATABASE {OTHER}")
            except sqlite3.Error:
                pass  # a statement on it is still open after an error: detached before the next merge


# ----- mapping annotators and labels ------------------------------------------------


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\W_]+", name.casefold()) if w]


def suggest_annotator_map(project: Project, other_path: str | Path) -> dict[str, str]:
    """Their annotator names not in our project that plausibly mean one of ours.

    A suggestion is made when exactly one of our names matches, ignoring case, spaces
    and punctuation ("Ann Smith" ~ "ann.smith"), or when one name is the other's first
    word ("Ann" ~ "ann.smith"). For the GUI's mapping step; nothing is written.
    """
    other = read_other(other_path)
    ours = [a.name for a in project.annotators.list()]
    suggestions: dict[str, str] = {}
    for name, _role in other.annotators.values():
        if name in ours:
            continue
        words = _name_words(name)
        if not words:
            continue
        candidates = []
        for mine in ours:
            my_words = _name_words(mine)
            if not my_words:
                continue
            same = "".join(words) == "".join(my_words)
            prefix = (len(words) == 1 and words[0] == my_words[0]) or (len(my_words) == 1 and my_words[0] == words[0])
            if same or prefix:
                candidates.append(mine)
        if len(candidates) == 1:
            suggestions[name] = candidates[0]
    return suggestions


def unknown_labels(
    project: Project, other_path: str | Path, label_map: dict[LabelKey, LabelKey] | None = None
) -> list[LabelKey]:
    """(layer, label) pairs the other file's annotations use that our codebook lacks (after `label_map`)."""
    other = read_other(other_path)
    used = other.used_labels
    book = project.codebook.get()
    missing = set()
    for label_id in used:
        if label_id not in other.labels:
            continue
        layer_id, label = other.labels[label_id]
        key = (other.layers[layer_id].name, label.name)
        layer, name = (label_map or {}).get(key, key)
        found = book.layer(layer)
        if found is None or found.label(name) is None:
            missing.add(key)
    return sorted(missing)


# ----- the merge ----------------------------------------------------------------------

# Temporary tables of one merge (dropped at its end): their ids → ours, and the rows to
# copy in bulk. Their annotations are read with NOT INDEXED: their indexes are not trusted
# to match their table (quick_check does not compare the two).
_TEMP_TABLES = {
    "merge_documents": "(their TEXT PRIMARY KEY, ours TEXT NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID",
    "merge_annotators": "(their INTEGER PRIMARY KEY, ours INTEGER NOT NULL)",
    "merge_labels": "(their INTEGER PRIMARY KEY, label INTEGER NOT NULL, layer INTEGER NOT NULL, "
                    "span INTEGER NOT NULL, single INTEGER NOT NULL, free INTEGER NOT NULL)",
    "merge_attributes": "(label INTEGER NOT NULL, raw TEXT NOT NULL, cleaned TEXT NOT NULL, "
                        "PRIMARY KEY (label, raw)) WITHOUT ROWID",
    "merge_excluded_ids": "(id)",
    "merge_repeated_keys": "(doc, annotator, label, span_start, span_end)",
    "merge_repeated_singles": "(doc, annotator, layer)",
    "merge_rows": "(seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL)",
}
_TEMP_INDEXES = (
    "CREATE INDEX temp.merge_excluded_ids_by_id ON merge_excluded_ids (id)",
    "CREATE INDEX temp.merge_repeated_keys_by_key ON merge_repeated_keys (doc, annotator, label)",
    "CREATE INDEX temp.merge_repeated_singles_by_key ON merge_repeated_singles (doc, annotator, layer)",
)
_MAPPED = (
    f"FROM {OTHER}.annotations AS a NOT INDEXED "
    "JOIN temp.merge_documents AS d ON d.their = a.document_id "
    "JOIN temp.merge_annotators AS p ON p.their = a.annotator_id "
    "JOIN temp.merge_labels AS l ON l.their = a.label_id "
)
_ATTRIBUTES = "LEFT JOIN temp.merge_attributes AS x ON x.label = a.label_id AND x.raw = a.attributes "


# What _Merger._annotation accepts, for rows that map to our documents, annotators and labels
# and whose id is not in merge_excluded_ids (ids _is_id refuses are listed there).
_VALID = (
    "typeof(a.id) = 'text' AND NOT EXISTS (SELECT 1 FROM temp.merge_excluded_ids AS r WHERE r.id = a.id) "
    "AND typeof(a.document_id) = 'text' AND typeof(a.annotator_id) = 'integer' AND typeof(a.label_id) = 'integer' "
    "AND typeof(a.note) = 'text' AND typeof(a.attributes) = 'text' AND (a.attributes = '{}' OR x.cleaned IS NOT NULL) "
    "AND CASE WHEN l.span THEN typeof(a.span_start) = 'integer' AND typeof(a.span_end) = 'integer' "
    "AND 0 <= a.span_start AND a.span_start < a.span_end AND a.span_end <= d.length "
    "ELSE a.span_start IS NULL AND a.span_end IS NULL END"
)
# A new row nothing else in either file can affect (its id is used once in their file: see
# merge_excluded_ids; its content is not here and not repeated there; no rule between
# annotations applies to it) is kind 1 in merge_rows, added by one INSERT … SELECT. A row
# we already have, identical, is kind 2, skipped. Every other row is left to
# _Merger._copy_one_by_one. (Sorting first, then inserting, spares SQLite from staging the
# whole SELECT, which it does when a SELECT reads the table it inserts into.)
_SORT = (
    "INSERT INTO temp.merge_rows (seq, kind) SELECT a.rowid, CASE WHEN o.id IS NULL THEN 1 ELSE 2 END "
    f"{_MAPPED}{_ATTRIBUTES}LEFT JOIN main.annotations AS o ON o.id = a.id WHERE {_VALID} AND CASE WHEN o.id IS NULL "
    "THEN NOT EXISTS (SELECT 1 FROM temp.merge_repeated_keys AS k WHERE k.doc = d.ours AND k.annotator = p.ours "
    "AND k.label = l.label AND k.span_start IS a.span_start AND k.span_end IS a.span_end) "
    "AND NOT EXISTS (SELECT 1 FROM main.annotations AS c WHERE c.document_id = d.ours AND c.annotator_id = p.ours "
    "AND +c.label_id = l.label AND c.span_start IS a.span_start AND c.span_end IS a.span_end) "
    "AND (a.span_start IS NULL OR l.free) "
    "AND (a.span_start IS NOT NULL OR NOT l.single OR ("
    "NOT EXISTS (SELECT 1 FROM temp.merge_repeated_singles AS s WHERE s.doc = d.ours AND s.annotator = p.ours "
    "AND s.layer = l.layer) "
    "AND NOT EXISTS (SELECT 1 FROM main.annotations AS c WHERE c.document_id = d.ours AND c.annotator_id = p.ours "
    "AND +c.layer_id = l.layer AND c.span_start IS NULL))) "
    "ELSE o.document_id = d.ours AND o.annotator_id = p.ours AND o.label_id = l.label "
    "AND o.span_start IS a.span_start AND o.span_end IS a.span_end "
    "AND o.attributes = COALESCE(x.cleaned, a.attributes) AND o.note = a.note END"
)
_INSERT_NEW = (
    "INSERT INTO main.annotations (id, document_id, annotator_id, layer_id, label_id, span_start, span_end, "
    "attributes, note, created_at, updated_at) "
    "SELECT a.id, d.ours, p.ours, l.layer, l.label, a.span_start, a.span_end, COALESCE(x.cleaned, a.attributes), "
    "a.note, CASE typeof(a.created_at) WHEN 'text' THEN a.created_at ELSE :stamp END, "
    "CASE typeof(a.updated_at) WHEN 'text' THEN a.updated_at ELSE :stamp END "
    f"FROM temp.merge_rows AS f JOIN {OTHER}.annotations AS a NOT INDEXED ON a.rowid = f.seq "
    "JOIN temp.merge_documents AS d ON d.their = a.document_id "
    "JOIN temp.merge_annotators AS p ON p.their = a.annotator_id "
    f"JOIN temp.merge_labels AS l ON l.their = a.label_id {_ATTRIBUTES}"
    "WHERE f.kind = 1 ORDER BY d.ours, f.seq"  # in document order: the document index is written in order
)
_SELECT_REST = (
    f"SELECT {{columns}} FROM {OTHER}.annotations NOT INDEXED WHERE rowid NOT IN (SELECT seq FROM temp.merge_rows) "
    "ORDER BY rowid"
)
_REPEATED = (
    f"INSERT INTO temp.merge_repeated_keys SELECT d.ours, p.ours, l.label, a.span_start, a.span_end {_MAPPED}"
    "GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1",
    f"INSERT INTO temp.merge_repeated_singles SELECT d.ours, p.ours, l.layer {_MAPPED}WHERE a.span_start IS NULL "
    "GROUP BY 1, 2, 3 HAVING count(*) > 1",
)
_ANNOTATION_COLUMNS = ("id, document_id, annotator_id, label_id, span_start, span_end, attributes, note, created_at, "
                       "updated_at")


class _Merger:
    """Writes the other file's rows into the project (inside the caller's transaction)."""

    def __init__(
        self, project: Project, other: _Other, report: MergeReport, annotator_map: dict[str, str],
        label_map: dict[LabelKey, LabelKey], add_unknown_labels: bool,
    ) -> None:
        self.project = project
        self.db = project.db
        self.other = other
        self.report = report
        self.annotator_map = annotator_map
        self.label_map = label_map
        self.add_unknown_labels = add_unknown_labels
        self.label_ids: dict[int, int] = {}  # their label id → ours
        self.layers: dict[int, Layer] = {}  # their label id → our layer
        self.annotator_ids: dict[int, int] = {}  # their annotator id → ours
        self.documents: dict[str, tuple[str, int]] = {}  # their document id → (our id, text length)

    def name(self, name: str) -> str:
        """Our name for one of their annotators (after the map)."""
        return self.annotator_map.get(name, name).strip()

    def their_rows(self, sql: str, parameters: Any = ()) -> list[tuple[Any, ...]]:
        """Rows read from their file only (an error names their file)."""
        try:
            return self.db.conn.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise explain_sqlite_error(self.other.path, error) from error

    def create_tables(self) -> None:
        """The temporary tables of this merge (see _TEMP_TABLES)."""
        for table, columns in _TEMP_TABLES.items():
            self.db.execute(f"DROP TABLE IF EXISTS temp.{table}")
            self.db.execute(f"CREATE TEMP TABLE {table} {columns}")
        for statement in _TEMP_INDEXES:
            self.db.execute(statement)

    def drop_tables(self) -> None:
        """Drop the temporary tables (inside the transaction, so a rollback also removes them)."""
        for table in _TEMP_TABLES:
            self.db.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def codebook(self) -> None:
        """Resolve every label their annotations use; add unknown ones or refuse."""
        other, store, report = self.other, self.project.codebook, self.report
        unknown: list[tuple[LabelKey, Layer, Label]] = []
        resolved: dict[int, LabelKey] = {}
        for label_id in sorted(label for label in other.used_labels if label in other.labels):
            layer_id, label = other.labels[label_id]
            their_layer = other.layers[layer_id]
            key = (their_layer.name, label.name)
            target = self.label_map.get(key, key)
            ours = store.get().layer(target[0])
            if ours is not None and ours.kind != their_layer.kind:
                raise MergeRefused(
                    f'{other.path}: layer "{target[0]}" labels {ours.kind}s here but "{key[0]}" labels '
                    f"{their_layer.kind}s there; map its labels to another layer")
            if ours is not None and ours.label(target[1]) is not None:
                resolved[label_id] = target
                report.labels.skipped += 1
                if target != key:
                    report.mapped_labels.append(f"{key[0]}: {key[1]} → {target[0]}: {target[1]}")
            elif key in self.label_map:
                raise MergeRefused(f'the label map sends "{key[0]}: {key[1]}" to "{target[0]}: {target[1]}", '
                                   "which is not in the codebook")
            else:
                unknown.append((key, their_layer, label))
                resolved[label_id] = key
        if unknown and not self.add_unknown_labels:
            names = "; ".join(f"{layer}: {label}" for (layer, label), _, _ in unknown)
            raise MergeRefused(f"{other.path} uses labels our codebook lacks ({names}); map them or allow adding them",
                               tuple(key for key, _, _ in unknown))
        for (layer_name, label_name), their_layer, label in unknown:
            if store.get().layer(layer_name) is None:
                store.add_layer(Layer(layer_name, their_layer.kind, their_layer.granularity, their_layer.overlap,
                                      their_layer.multiple, their_layer.description,
                                      attributes=their_layer.attributes))
            store.add_label(layer_name, Label(label.name, label.description, label.include, label.exclude,
                                              colour=label.colour))
            report.labels.added += 1
            report.added_labels.append(f"{layer_name}: {label_name}")
        for label_id, (layer_name, label_name) in resolved.items():
            self.label_ids[label_id] = store.label_id(layer_name, label_name)
            self.layers[label_id] = store.layer(layer_name)
        self.db.conn.executemany(
            "INSERT INTO temp.merge_labels (their, label, layer, span, single, free) VALUES (?, ?, ?, ?, ?, ?)",
            [(their, ours, layer.id, layer.kind == "span", not layer.multiple, layer.overlap == "allow")
             for their, ours in self.label_ids.items() for layer in (self.layers[their],)])

    def annotators(self) -> None:
        """Match their annotators by (mapped) name; add the ones we lack."""
        ours = {name: ident for ident, name in self.db.execute("SELECT id, name FROM annotators")}
        for their_id, (name, role) in self.other.annotators.items():
            mine = self.name(name)
            if not mine:
                self.report.annotators.invalid.append(f'"{name}" is mapped to an empty name')
                continue
            if mine != name:
                self.report.mapped_annotators[name] = mine
            if mine in ours:
                self.report.annotators.skipped += 1
            else:
                cursor = self.db.execute("INSERT INTO annotators (name, role, created_at) VALUES (?, ?, ?)",
                                         [mine, role, now()])
                ours[mine] = cursor.lastrowid
                self.report.annotators.added += 1
                self.report.added_annotators.append(mine)
            self.annotator_ids[their_id] = ours[mine]
        self.db.conn.executemany("INSERT INTO temp.merge_annotators (their, ours) VALUES (?, ?)",
                                 [(their, ours) for their, ours in self.annotator_ids.items()
                                  if isinstance(their, int)])

    def copy_documents(self) -> None:
        """Match documents by text hash; copy new ones with metadata and segmentation."""
        store, tally = self.project.documents, self.report.documents
        hashes = store.hashes()
        taken = set(store.ids())
        position = store.next_position()
        stamp = now()
        documents, contents = [], []
        for row in self.their_rows(
            "SELECT d.id, d.title, d.source, d.author, d.date, d.url, d.language, d.meta, d.tokenizer, d.origin, "
            f"d.imported_at, c.text, c.tokens, c.sentences FROM {OTHER}.documents d "
            f"LEFT JOIN {OTHER}.document_content c ON c.document_id = d.id ORDER BY d.position"
        ):
            their_id, title, source, author, date, url, language, meta, tokenizer, origin, imported, text, tokens, sentences = row
            if not _is_id(their_id):
                tally.invalid.append(f"a document has an invalid id {their_id!r}")
                continue
            if not isinstance(text, str) or not text:
                tally.invalid.append(f"document {their_id} has no text")
                continue
            digest = text_hash(text)
            if digest in hashes:
                self.documents[their_id] = (hashes[digest], len(text))
                tally.skipped += 1
                continue
            segmentation = _segmentation(tokens, sentences, len(text), self.other.path, their_id, title)
            values = _json(meta, dict)
            if values is None:
                tally.invalid.append(f"document {their_id} ({_text(title)[:60]}) has damaged metadata")
                continue
            ident = their_id if their_id not in taken else str(uuid.uuid4())
            documents.append((
                ident, position, digest, _text(title), _text(source), _text(author), _text(date), _text(url),
                _text(language) or self.project.language, json.dumps(values, ensure_ascii=False), len(text),
                segmentation[0], segmentation[1], _text(tokenizer), _text(origin) or str(self.other.path),
                _text(imported) or stamp,
            ))
            contents.append((ident, text, tokens, sentences))
            position += 1
            taken.add(ident)
            hashes[digest] = ident
            self.documents[their_id] = (ident, len(text))
        # The same columns DocumentStore.insert writes, in bulk.
        self.db.conn.executemany(
            "INSERT INTO documents (id, position, sha256, title, source, author, date, url, language, meta, length, "
            "n_tokens, n_sentences, tokenizer, origin, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)", documents)
        self.db.conn.executemany(
            "INSERT INTO document_content (document_id, text, tokens, sentences) VALUES (?, ?, ?, ?)", contents)
        tally.added += len(documents)
        self.db.conn.executemany("INSERT INTO temp.merge_documents (their, ours, length) VALUES (?, ?, ?)",
                                 [(their, ours, length) for their, (ours, length) in self.documents.items()])

    def copy_annotations(self) -> None:
        """Add annotations by id; skip identical ones; list conflicts and invalid rows.

        Rows that nothing else can affect (valid, new id, used once in their file, content
        not already here or elsewhere in theirs, no overlap or one-label rule in play) are
        copied by one INSERT … SELECT; rows identical to ours are counted by one query; the
        rest are looked at one by one, in their file's order, as they always were.
        """
        tally, conn = self.report.annotations, self.db.conn
        stamp = now()
        self._check_ids_and_text()
        self._check_attribute_values()
        for statement in _REPEATED:
            conn.execute(statement)
        conn.execute(_SORT)
        tally.added += conn.execute(_INSERT_NEW, {"stamp": stamp}).rowcount
        tally.skipped += conn.execute("SELECT count(*) FROM temp.merge_rows WHERE kind = 2").fetchone()[0]
        remaining = self.their_rows(_SELECT_REST.format(columns=_ANNOTATION_COLUMNS))
        if remaining:
            self._copy_one_by_one(remaining, stamp)

    def _check_ids_and_text(self) -> None:
        """Read their ids, times and notes once: text that is not UTF-8 is refused here, as reading every row
        always did; ids _is_id refuses or that occur twice go to merge_excluded_ids (left to one-by-one)."""
        counts: Counter[Any] = Counter()
        cursor = self.db.conn.execute(
            f"SELECT id, created_at, updated_at, nullif(note, '') FROM {OTHER}.annotations NOT INDEXED")
        first = itemgetter(0)
        try:
            while batch := cursor.fetchmany(20_000):
                counts.update(map(first, batch))
        except sqlite3.Error as error:
            raise explain_sqlite_error(self.other.path, error) from error
        finally:
            cursor.close()
        excluded = [(ident,) for ident, count in counts.items() if count > 1 or not _is_id(ident)]
        self.db.conn.executemany("INSERT INTO temp.merge_excluded_ids (id) VALUES (?)", excluded)

    def _check_attribute_values(self) -> None:
        """Fill merge_attributes with each distinct (label, attributes) their rows use that checks out."""
        checked = []
        for label, raw in self.their_rows(
            f"SELECT DISTINCT label_id, attributes FROM {OTHER}.annotations NOT INDEXED "
            "WHERE typeof(label_id) = 'integer' AND typeof(attributes) = 'text' AND attributes != '{}'"
        ):
            if label not in self.layers:
                continue
            values = _json(raw, dict)
            if values is None:
                continue
            try:
                cleaned = check_attributes(self.layers[label], values)
            except AnnotatorError:
                continue
            checked.append((label, raw, json.dumps(cleaned, ensure_ascii=False, sort_keys=True)))
        self.db.conn.executemany("INSERT INTO temp.merge_attributes (label, raw, cleaned) VALUES (?, ?, ?)", checked)

    def _copy_one_by_one(self, rows: list[tuple[Any, ...]], stamp: str) -> None:
        """The rows the bulk copy left, each checked against ours and the ones before it (in file order)."""
        tally = self.report.annotations
        ours = self._stored_by_id([row[0] for row in rows if isinstance(row[0], str)])
        accepted: set[str] = set()  # ids added here (bulk-copied ids never occur among these rows)
        stored: dict[str, tuple[set[tuple[Any, ...]], dict[tuple[int, int], int]]] = {}
        spans: dict[tuple[str, int, int], list[tuple[int, int]]] = {}  # for layers with overlap rules
        out = []
        for ident, their_doc, their_annotator, their_label, start, end, attributes, note, created, updated in rows:
            problem, row = self._annotation(ident, their_doc, their_annotator, their_label, start, end, attributes,
                                            note)
            if problem:
                tally.invalid.append(f"annotation {ident!r}: {problem}")
                continue
            doc, annotator, layer, label, cleaned = row
            if ident in accepted:
                tally.invalid.append(f"annotation {ident!r}: its id appears twice in the file")
                continue
            if ident in ours:
                theirs = (doc, annotator, label, start, end, cleaned, note)
                reason = "" if ours[ident] == theirs else _difference(ours[ident], theirs, self.project)
                if reason:
                    tally.conflicts.append(Conflict("annotation", ident, doc, reason))
                else:
                    tally.skipped += 1
                continue
            if doc not in stored:
                stored[doc] = self._stored_in(doc)
            content, single = stored[doc]
            key = (annotator, label, start, end)
            if key in content:
                self.report.duplicates += 1
                tally.skipped += 1
                continue
            if start is None and not layer.multiple:
                held = single.get((annotator, layer.id))
                if held is not None:
                    tally.conflicts.append(Conflict(
                        "annotation", ident, doc,
                        f'layer "{layer.name}" takes one label per document and the annotator already has '
                        f'"{self.project.codebook.label_name(held)[1]}" there'))
                    continue
                single[(annotator, layer.id)] = label
            if start is not None and layer.overlap != "allow":
                clash = self._overlap(spans, doc, annotator, layer, start, end)
                if clash:
                    tally.conflicts.append(Conflict("annotation", ident, doc, clash))
                    continue
            content.add(key)
            accepted.add(ident)
            out.append((ident, doc, annotator, layer.id, label, start, end, cleaned, note,
                        created if isinstance(created, str) else stamp, updated if isinstance(updated, str) else stamp))
        out.sort(key=lambda r: r[1])  # in document order: the document index is written in order
        self.db.conn.executemany(
            "INSERT INTO annotations (id, document_id, annotator_id, layer_id, label_id, span_start, span_end, "
            "attributes, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out)
        tally.added += len(out)

    def _stored_by_id(self, ids: list[str]) -> dict[str, tuple[Any, ...]]:
        """Our annotations with these ids: id → (doc, annotator, label, start, end, attributes, note)."""
        found: dict[str, tuple[Any, ...]] = {}
        unique = list(dict.fromkeys(ids))
        for first in range(0, len(unique), 500):
            chunk = unique[first:first + 500]
            for ident, *rest in self.db.execute(
                "SELECT id, document_id, annotator_id, label_id, span_start, span_end, attributes, note "
                f"FROM main.annotations WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            ):
                found[ident] = tuple(rest)
        return found

    def _stored_in(self, doc: str) -> tuple[set[tuple[Any, ...]], dict[tuple[int, int], int]]:
        """What this document already holds: (annotator, label, start, end) of every annotation, and the
        label of each (annotator, layer) with a document-level annotation."""
        content, single = set(), {}
        for annotator, layer_id, label, start, end in self.db.execute(
            "SELECT annotator_id, layer_id, label_id, span_start, span_end FROM main.annotations "
            "WHERE document_id = ? ORDER BY rowid", [doc]
        ):
            content.add((annotator, label, start, end))
            if start is None:
                single[(annotator, layer_id)] = label
        return content, single

    def _annotation(
        self, ident: Any, doc: Any, annotator: Any, label: Any, start: Any, end: Any, attributes: Any, note: Any
    ) -> tuple[str, Any]:
        """(problem, None) or ("", (our doc id, our annotator id, our layer, our label id, attributes JSON))."""
        if not _is_id(ident):
            return "invalid id", None
        if doc not in self.documents:
            return "its document was not merged", None
        if annotator not in self.annotator_ids:
            return "its annotator is unknown", None
        if label not in self.label_ids:
            return "its label is unknown", None
        layer = self.layers[label]
        our_doc, length = self.documents[doc]
        if layer.kind == "document":
            if start is not None or end is not None:
                return f'layer "{layer.name}" labels documents but the annotation has offsets', None
        elif not (_int_or_none(start) is not None and _int_or_none(end) is not None and 0 <= start < end <= length):
            return f"span {start!r}–{end!r} is not inside the text (0–{length})", None
        if not isinstance(note, str):
            return "its note is not text", None
        if attributes == "{}":
            encoded = attributes
        else:
            values = _json(attributes, dict)
            if values is None:
                return "its attributes are not a JSON object", None
            try:
                cleaned = check_attributes(layer, values)
            except AnnotatorError as error:
                return str(error), None
            encoded = json.dumps(cleaned, ensure_ascii=False, sort_keys=True)
        return "", (our_doc, self.annotator_ids[annotator], layer, self.label_ids[label], encoded)

    def _overlap(
        self, spans: dict[tuple[str, int, int], list[tuple[int, int]]], doc: str, annotator: int, layer: Layer,
        start: int, end: int,
    ) -> str:
        """Why the span breaks the layer's overlap rule for this annotator ('' if it does not)."""
        key = (doc, annotator, layer.id or 0)
        if key not in spans:
            spans[key] = [tuple(r) for r in self.db.execute(  # type: ignore[misc]
                "SELECT span_start, span_end FROM annotations WHERE document_id = ? AND annotator_id = ? "
                "AND layer_id = ?", [doc, annotator, layer.id])]
        for other_start, other_end in spans[key]:
            if other_start < end and start < other_end:
                nested = (other_start <= start and end <= other_end) or (start <= other_start and other_end <= end)
                if layer.overlap == "forbid" or not nested:
                    return f'layer "{layer.name}" does not allow it to overlap the span at {other_start}–{other_end}'
        spans[key].append((start, end))
        return ""

    def statuses(self) -> None:
        """Keep the more advanced status of each (document, annotator)."""
        tally = self.report.statuses
        ours = {(d, a): s for d, a, s in self.db.execute("SELECT document_id, annotator_id, status FROM document_status")}
        for doc, annotator, status, updated in self.their_rows(
            f"SELECT document_id, annotator_id, status, updated_at FROM {OTHER}.document_status"
        ):
            if doc not in self.documents or annotator not in self.annotator_ids or status not in STATUS_RANK:
                tally.invalid.append(f"status {status!r} of document {doc!r}")
                continue
            key = (self.documents[doc][0], self.annotator_ids[annotator])
            mine = ours.get(key)
            if mine is not None and STATUS_RANK[mine] >= STATUS_RANK[status]:
                tally.skipped += 1
                continue
            self.db.execute(
                "INSERT INTO document_status (document_id, annotator_id, status, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (document_id, annotator_id) DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at", [*key, status, _text(updated) or now()])
            ours[key] = status
            if mine is None:
                tally.added += 1
            else:
                tally.updated += 1

    def copy_comments(self) -> None:
        """Add comments by id; identical ones are skipped, different ones are conflicts."""
        tally = self.report.comments
        ours = {row[0]: row[1:] for row in self.db.execute("SELECT id, annotation_id, author, body FROM comments")}
        theirs = self.their_rows(
            f"SELECT id, annotation_id, author, body, created_at FROM {OTHER}.comments ORDER BY rowid")
        present = set(self._stored_by_id([row[1] for row in theirs if isinstance(row[1], str)]))
        for ident, annotation, author, body, created in theirs:
            if not _is_id(ident) or not isinstance(body, str) or not isinstance(author, str):
                tally.invalid.append(f"comment {ident!r} is damaged")
                continue
            if annotation not in present:  # ours, or merged just now
                tally.invalid.append(f"comment {ident} is on annotation {annotation!r}, which was not merged")
                continue
            author = self.name(author) if author in self.annotator_map else author
            if ident in ours:
                if ours[ident] == (annotation, author, body):
                    tally.skipped += 1
                else:
                    tally.conflicts.append(Conflict("comment", ident, "", "same comment id, different author, "
                                                    "annotation or text"))
                continue
            self.db.execute("INSERT INTO comments (id, annotation_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
                            [ident, annotation, author, body, _text(created) or now()])
            ours[ident] = (annotation, author, body)
            tally.added += 1

    def copy_curation(self) -> None:
        """Add curation decisions not yet logged here (same time, curator, source, gold and decision)."""
        tally = self.report.curation
        seen = set(self.db.execute(
            "SELECT at, curator, source_annotation_id, gold_annotation_id, decision FROM curation_log").fetchall())
        for at, curator, doc, source, gold, decision, reason, detail in self.their_rows(
            "SELECT at, curator, document_id, source_annotation_id, gold_annotation_id, decision, reason, detail "
            f"FROM {OTHER}.curation_log ORDER BY id"
        ):
            if not (isinstance(at, str) and isinstance(curator, str) and isinstance(decision, str)) \
                    or doc not in self.documents or _json(detail, dict) is None:
                tally.invalid.append(f"curation decision {decision!r} of {at!r} is damaged")
                continue
            curator = self.name(curator) if curator in self.annotator_map else curator
            key = (at, curator, source, gold, decision)
            if key in seen:
                tally.skipped += 1
                continue
            self.db.execute(
                "INSERT INTO curation_log (at, curator, document_id, source_annotation_id, gold_annotation_id, "
                "decision, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [at, curator, self.documents[doc][0], source if _is_id(source) else None,
                 gold if _is_id(gold) else None, decision, _text(reason), detail])
            seen.add(key)
            tally.added += 1


def _segmentation(tokens: Any, sentences: Any, length: int, path: Path, ident: str, title: Any) -> tuple[int, int]:
    """(tokens, sentences) counts of a document's stored blobs, or ProjectFileError saying which is damaged."""
    for name, blob in (("tokens", tokens), ("sentences", sentences)):
        problem = _pairs_problem(blob, length)
        if problem:
            raise ProjectFileError(path, f"document {_shown(ident)} ({_shown(_text(title)[:40])}) has damaged {name} "
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


def _difference(ours: tuple[Any, ...], theirs: tuple[Any, ...], project: Project) -> str:
    """How their version of an annotation differs from ours ('' if it does not)."""
    doc, annotator, label, start, end, attributes, note = ours
    t_doc, t_annotator, t_label, t_start, t_end, t_attributes, t_note = theirs
    parts = []
    if doc != t_doc:
        parts.append("on another document")
    if annotator != t_annotator:
        parts.append("by another annotator")
    if label != t_label:
        parts.append(f'label "{project.codebook.label_name(label)[1]}" here, '
                     f'"{project.codebook.label_name(t_label)[1]}" there')
    if (start, end) != (t_start, t_end):
        parts.append(f"span {start}–{end} here, {t_start}–{t_end} there")
    if json.loads(attributes) != json.loads(t_attributes):
        parts.append("other attribute values")
    if note != t_note:
        parts.append("another note")
    return "; ".join(parts)


def merge_project(
    project: Project,
    other_path: str | Path,
    annotator_map: dict[str, str] | None = None,
    label_map: dict[LabelKey, LabelKey] | None = None,
    add_unknown_labels: bool = True,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MergeReport:
    """Merge another project file into `project` in one transaction (see the module docstring)."""
    started = time.perf_counter()
    other_path = Path(other_path)
    if project.readonly:
        raise ProjectFileError(project.path, "is open read-only; open it for writing to merge into it")
    if Path(os.path.realpath(other_path)) in project_file_family(Path(project.path)):
        raise ProjectFileError(other_path, "is this project itself (or one of its working files); "
                                           "choose a colleague's file")
    steps = iter(range(len(_PHASES)))

    def tick(phase: str) -> None:
        if cancelled is not None and cancelled():
            raise MergeCancelled("merge cancelled; the project is unchanged")
        if progress is not None:
            progress(next(steps), len(_PHASES), phase)

    tick("reading")
    conn = project.db.conn
    with attached_other(conn, other_path) as other:
        report = MergeReport(str(other_path))
        merger = _Merger(project, other, report, dict(annotator_map or {}), dict(label_map or {}),
                         add_unknown_labels)
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute("PRAGMA cache_size = -131072")  # 128 MiB while merging: index writes stay in memory
        conn.execute("PRAGMA temp_store = MEMORY")  # the merge's temporary tables and sorts
        try:
            with project.db.atomic():
                merger.create_tables()
                for phase, action in zip(_PHASES[1:], (merger.codebook, merger.annotators, merger.copy_documents,
                                                       merger.copy_annotations, merger.statuses,
                                                       merger.copy_comments, merger.copy_curation)):
                    tick(phase)
                    action()
                if cancelled is not None and cancelled():
                    raise MergeCancelled("merge cancelled; the project is unchanged")
                merger.drop_tables()
                if report.changed:
                    project.db.execute(
                        "INSERT INTO audit_log (at, actor, action, target, detail) "
                        "VALUES (?, 'merge', 'merge project', ?, ?)",
                        [now(), str(other_path), json.dumps(report.counts(), ensure_ascii=False)])
        except sqlite3.Error as error:
            raise explain_sqlite_error(project.path, error) from error
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")
            conn.execute(f"PRAGMA temp_store = {int(temp_store)}")
            project.codebook.invalidate()
    if report.documents.added:
        project.documents.index_for_search()
    if report.changed:
        project.history.clear()
    if progress is not None:
        progress(len(_PHASES), len(_PHASES), "")
    report.seconds = time.perf_counter() - started
    return report


# ----- benchmark ----------------------------------------------------------------------


def _build_bench_project(path: Path, n_documents: int, n_annotations: int, annotator: str, seed: int) -> None:
    """A project with `n_documents` short texts and `n_annotations` spans spread over them (no spaCy)."""
    import random

    from ..bench import make_articles

    texts = make_articles(n_documents, chars=600, seed=3)
    rng = random.Random(seed)
    with Project.create(path) as project:
        annotator_id = project.annotators.ensure(annotator).id
        layers = [project.codebook.layer(name) for name in ("Framing", "Stance", "Rhetorical device")]
        stamp = now()
        documents, contents, rows = [], [], []
        per_document = max(1, n_annotations // n_documents)
        for position, text in enumerate(texts):
            tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
            sentences = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]?", text) if m.group().strip()]
            segmentation = Segmentation.from_pairs(tokens, sentences)
            ident = str(uuid.UUID(int=position + 1))
            documents.append((ident, position, text_hash(text), f"Article {position}", "Bench Herald", "", "2026-01-01",
                              "", "en", "{}", len(text), len(tokens), len(sentences), "regex", "bench", stamp))
            contents.append((ident, text, segmentation.token_blob(), segmentation.sentence_blob()))
            count = per_document if position < n_documents - 1 else n_annotations - per_document * (n_documents - 1)
            for _ in range(max(0, count)):
                layer = layers[rng.randrange(3)]
                label = layer.labels[rng.randrange(len(layer.labels))]
                first = rng.randrange(len(tokens) - 10)
                rows.append((str(uuid.UUID(int=rng.getrandbits(128))), ident, annotator_id, layer.id, label.id,
                             tokens[first][0], tokens[first + rng.randint(0, 8)][1], "{}", "", stamp, stamp))
        with project.db.atomic():
            project.db.conn.executemany(
                "INSERT INTO documents (id, position, sha256, title, source, author, date, url, language, meta, "
                "length, n_tokens, n_sentences, tokenizer, origin, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", documents)
            project.db.conn.executemany("INSERT INTO document_content VALUES (?, ?, ?, ?)", contents)
            project.db.conn.executemany("INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)


def benchmark(n_documents: int = 10_000, n_annotations: int = 200_000) -> dict[str, Any]:
    """Time merging a project of `n_documents` documents and `n_annotations` annotations into
    another that shares a tenth of its documents (target: under 10 s), then merging it again."""
    with tempfile.TemporaryDirectory() as folder:
        theirs, ours = Path(folder) / "theirs.annot", Path(folder) / "ours.annot"
        started = time.perf_counter()
        _build_bench_project(theirs, n_documents, n_annotations, "ben", seed=11)
        _build_bench_project(ours, max(1, n_documents // 10), n_annotations // 10, "ada", seed=12)
        built = time.perf_counter() - started
        with Project.open(ours) as project:
            first = merge_project(project, theirs)
            second = merge_project(project, theirs)
            total = project.annotations.count()
        return {
            "documents": n_documents, "annotations": n_annotations, "build_s": round(built, 2),
            "other_file_mb": round(theirs.stat().st_size / 1e6, 1),
            "merge_s": round(first.seconds, 2), "merge_again_s": round(second.seconds, 2),
            "documents_added": first.documents.added, "documents_matched": first.documents.skipped,
            "annotations_added": first.annotations.added, "annotations_after": total,
            "second_merge_changed": second.changed, "target_s": 10.0,
        }


__all__ = ["Conflict", "MergeCancelled", "MergeRefused", "MergeReport", "Tally", "attached_other", "benchmark",
           "merge_project", "open_other", "read_other", "suggest_annotator_map", "unknown_labels"]

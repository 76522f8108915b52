"""Opening a colleague's project file read-only, reading its annotators and codebook, and
mapping them onto ours.

Their file is never written, nor is anything created beside it (no -wal or -shm in a
colleague's folder or on a read-only stick): it is opened `immutable` or `mode=ro`, or
copied with SQLite's backup API where ATTACH cannot take such a URI. Every check of
merge_checks runs on a connection of its own before the file is attached to ours. The
mapping helpers (`suggest_annotator_map`, `unknown_labels`) read only, for the dialog
and the command line to ask the user before a merge writes anything.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ProjectFileError
from ..model import ATTRIBUTE_TYPES, GRANULARITIES, LAYER_KINDS, OVERLAP_RULES, AttributeDef, Label, Layer
from ..project import Project
from .merge_checks import check_file, check_other, int_or_none, parsed_json, their_error

LabelKey = tuple[str, str]  # (layer name, label name)
ROLES = ("annotator", "curator")
OTHER = "merge_other"  # schema name of the other file while it is attached


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
    check_file(path)
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
    except sqlite3.Error as error:
        raise their_error(path, error) from error
    try:
        conn.execute("PRAGMA query_only = ON")
        check_other(conn, path)
    except sqlite3.Error as error:
        conn.close()
        raise their_error(path, error) from error
    except BaseException:
        conn.close()
        raise
    return conn


@dataclass(slots=True)
class OtherFile:
    """The other file's annotators and codebook, read once; its bulk rows are read while merging."""

    path: Path
    annotators: dict[int, tuple[str, str]]  # id → (name, role)
    layers: dict[int, Layer]
    labels: dict[int, tuple[int, Label]]  # id → (layer id, label)
    used_labels: set[Any]  # label ids their annotations use (as stored, whatever their type)


def _read_other(conn: sqlite3.Connection, path: Path, schema: str = "main") -> OtherFile:
    annotators = {}
    for ident, name, role in conn.execute(f"SELECT id, name, role FROM {schema}.annotators ORDER BY id"):
        if isinstance(name, str) and name.strip():
            annotators[ident] = (name.strip(), role if role in ROLES else "annotator")
    attributes: dict[int, list[AttributeDef]] = {}
    for layer_id, name, kind, choices, low, high, desc in conn.execute(
        f"SELECT layer_id, name, type, choices, minimum, maximum, description FROM {schema}.attributes "
        "ORDER BY layer_id, position, id"
    ):
        values = parsed_json(choices, list)
        if isinstance(name, str) and kind in ATTRIBUTE_TYPES and values is not None:
            attributes.setdefault(layer_id, []).append(
                AttributeDef(name, kind, tuple(str(v) for v in values), int_or_none(low), int_or_none(high), str(desc)))
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
    return OtherFile(path, annotators, layers, labels, used)


def read_other(path: str | Path) -> OtherFile:
    """Check and read another project file's annotators and codebook (read-only), or raise ProjectFileError."""
    path = Path(path)
    conn = open_other(path)
    try:
        return _read_other(conn, path)
    except sqlite3.Error as error:
        raise their_error(path, error) from error
    finally:
        conn.close()


def _honours_uri_names(conn: sqlite3.Connection) -> bool:
    """True if ATTACH takes URI file names here: SQLite built with SQLITE_USE_URI (our connection is not
    opened with SQLITE_OPEN_URI, the other way to enable them)."""
    return any(row[0] == "USE_URI" for row in conn.execute("PRAGMA compile_options"))


@contextmanager
def attached_other(conn: sqlite3.Connection, path: Path, copy: bool | None = None) -> Iterator[OtherFile]:
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
            raise their_error(path, error) from error
        try:
            try:
                if not copy:
                    check_other(conn, path, OTHER)
                other = _read_other(conn, path, OTHER)
            except sqlite3.Error as error:
                raise their_error(path, error) from error
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

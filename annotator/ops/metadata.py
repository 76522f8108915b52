"""Editing documents' metadata (title, source, author, date, URL, free keys) as one undoable
operation, from the GUI (a table cell, the properties dialog) or a CSV (`annotator meta`).

Grouping by outlet and month is only as good as the metadata, which imports often leave
thin: a file name for a title, no outlet, a date in whatever form the site printed. So the
metadata can be edited after import, one document at a time or from a spreadsheet keyed by
id, title or original file name. Every edit goes through the undo history like an
annotation (rows before and after, one transaction, announced on the change bus); the title
is also what corpus search finds, and the full-text index follows it (a trigger in the
schema, so undo and redo keep it too). Dates are stored as ISO (annotator/dates.py).

A CSV is all or nothing: a date that cannot be read, a column that cannot be set, a key
matching several documents refuses the whole file and leaves the project as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dates import DateError, parse_date
from ..errors import AnnotatorError, BadInputError
from ..formats.text_io import META_ALIASES, decode_bytes, normalise_newlines, read_file_bytes
from ..project import Project
from ..project.changes import ChangeSet
from ..project.documents import EDITABLE_FIELDS
from ..project.history import Operation, RowChange

__all__ = ["EDITABLE_FIELDS", "MATCH_KEYS", "MetadataEdit", "MetadataError", "MetadataReport", "edit_document",
           "read_metadata_csv", "set_metadata", "set_metadata_from_csv"]

MATCH_KEYS = ("id", "title", "file")
# Columns of a metadata CSV that name what no edit may change (or that a key would shadow).
_FIXED = {"text": "a document's text never changes", "language": "the language was used to segment the text",
          "lang": "the language was used to segment the text", "length": "it is counted from the text",
          "sha256": "it is computed from the text", "meta": "name each key in a column of its own",
          "id": "ids never change", "file": "the file a document came from never changes"}
_DELIMITERS = ",;\t|"
_QUOTE_CHARS = 30


class MetadataError(AnnotatorError):
    """A metadata value that cannot be stored (a date not understood, an empty key)."""


@dataclass(frozen=True, slots=True)
class MetadataEdit:
    """New values for one document: `fields` of EDITABLE_FIELDS, and `meta` keys (None removes one)."""

    document_id: str
    fields: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


def clean_fields(fields: Mapping[str, str], day_first: bool | None = None) -> dict[str, str]:
    """Field values as stored: one line each, the date as ISO (MetadataError if unreadable)."""
    cleaned: dict[str, str] = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise MetadataError(f'"{name}" is not a document field that can be edited ({", ".join(EDITABLE_FIELDS)})')
        text = " ".join(str(value).split())
        if name == "date":
            try:
                text = parse_date(text, day_first)
            except DateError as error:
                raise MetadataError(str(error)) from None
        cleaned[name] = text
    return cleaned


def clean_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Free metadata keys as stored: a key is one non-empty line that is not a field's name."""
    cleaned: dict[str, Any] = {}
    for key, value in meta.items():
        name = " ".join(str(key).split())
        if not name:
            raise MetadataError("a metadata key cannot be empty")
        if name.lower() in (*EDITABLE_FIELDS, "language", "text"):
            raise MetadataError(f'"{name}" is a document field, not a free metadata key')
        cleaned[name] = value.strip() if isinstance(value, str) else value
    return cleaned


def set_metadata(project: Project, edits: Sequence[MetadataEdit], actor: str, description: str = "",
                 day_first: bool | None = None) -> ChangeSet:
    """Apply metadata edits to several documents as one undoable operation (nothing if no
    value differs from what is stored). Views hear of it on the change bus: the documents
    touched are the keys of `changes.tables["documents"]`."""
    changes: list[RowChange] = []
    for edit in edits:
        change = project.documents.metadata_change(edit.document_id, clean_fields(edit.fields, day_first),
                                                   clean_meta(edit.meta))
        if change is not None:
            changes.append(change)
    if not changes:
        return ChangeSet(description="no metadata changed", actor=actor)
    if not description:
        description = _describe(changes)
    return project.history.apply(Operation(description, actor, tuple(changes)))


def edit_document(project: Project, document_id: str, actor: str, fields: Mapping[str, str] | None = None,
                  meta: Mapping[str, Any] | None = None, day_first: bool | None = None) -> ChangeSet:
    """Set some fields and meta keys (None removes a key) of one document, undoably."""
    return set_metadata(project, [MetadataEdit(document_id, fields or {}, meta or {})], actor, day_first=day_first)


def _describe(changes: Sequence[RowChange]) -> str:
    """The Undo menu's words: "edit title of “Council votes…”", or how many documents."""
    if len(changes) > 1:
        return f"edit metadata of {len(changes)} documents"
    before, after = changes[0].before or {}, changes[0].after or {}
    names = [name for name in (*EDITABLE_FIELDS, "meta") if before.get(name) != after.get(name)]
    what = ", ".join("metadata" if name == "meta" else name for name in names)
    return f"edit {what} of “{_shorten(before.get('title') or '(untitled)')}”"


def _shorten(text: str) -> str:
    return text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


# ----- from a CSV ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetadataRow:
    """One data row of a metadata CSV: its row number, its key, and the values it sets."""

    number: int
    key: str
    fields: dict[str, str]
    meta: dict[str, str]


@dataclass(slots=True)
class MetadataReport:
    """What `annotator meta` did: rows matched (and whether they changed anything), rows unmatched."""

    path: str
    match: str
    matched: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        return {"path": self.path, "match": self.match, "matched": self.matched, "unmatched": self.unmatched,
                "documents_changed": self.changed}

    def as_text(self) -> str:
        """A few lines for people."""
        lines = [f"{self.path}: {len(self.matched)} rows matched a document by {self.match}, "
                 f"{len(self.unmatched)} matched none; metadata changed on {self.changed} documents"]
        lines += [f"  unmatched: row {item['row']}: {self.match} {item['key']!r}" for item in self.unmatched]
        return "\n".join(lines)


def read_metadata_csv(path: str | Path, match: str, day_first: bool | None = None) -> list[MetadataRow]:
    """The rows of a metadata CSV keyed by `match` (id, title or file): a column of that name,
    then any of title/source/author/date/url (outlet, publication, link… also read as those)
    and other columns as free metadata keys. An empty cell leaves a value as it is. Dates are
    checked here: BadInputError names the row of one that cannot be read, or the column that
    cannot be set."""
    if match not in MATCH_KEYS:
        raise AnnotatorError(f"--match takes {', '.join(MATCH_KEYS)}, not {match!r}")
    path = Path(path)
    text = normalise_newlines(decode_bytes(read_file_bytes(path), path))
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count) if any(d in first_line for d in _DELIMITERS) else ","
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise BadInputError(path, f"is not a readable CSV ({error})") from None
    if not records:
        raise BadInputError(path, "is empty")
    columns = _columns(path, records[0], match)
    rows: list[MetadataRow] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            raise BadInputError(f"{path}, row {number}", f"has {len(cells)} cells but the header has {len(columns)} "
                                                         "columns")
        key, fields, meta = "", {}, {}
        for (kind, name), cell in zip(columns, cells):
            value = cell.strip()
            if kind == "key":
                key = " ".join(value.split())
            elif value and kind == "field":
                fields[name] = value
            elif value:
                meta[name] = value
        try:
            fields = clean_fields(fields, day_first)
        except MetadataError as error:
            raise BadInputError(f"{path}, row {number}", f"column date: {error}") from None
        rows.append(MetadataRow(number, key, fields, meta))
    return rows


def _columns(path: Path, header: Sequence[str], match: str) -> list[tuple[str, str]]:
    """What each column is: ("key", match), ("field", name) or ("meta", key); BadInputError
    naming a column that cannot be set, a duplicate, or a missing key column."""
    columns: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(header, start=1):
        name = " ".join(raw.split())
        lowered = name.lower()
        if not name:
            raise BadInputError(path, f"column {index} of the header has no name; name every column")
        canonical = META_ALIASES.get(lowered, lowered)
        if lowered == match:
            kind, canonical = "key", match
        elif canonical in EDITABLE_FIELDS:
            kind = "field"
        elif canonical in _FIXED:
            raise BadInputError(path, f'column "{name}" cannot be set: {_FIXED[canonical]} '
                                      f"(match documents with --match {match}; columns: "
                                      f"{', '.join(EDITABLE_FIELDS)} or any other metadata key)")
        else:
            kind, canonical = "meta", name
        if canonical.lower() in seen:
            raise BadInputError(path, f'column "{name}" appears twice in the header')
        seen.add(canonical.lower())
        columns.append((kind, canonical))
    if not any(kind == "key" for kind, _ in columns):
        raise BadInputError(path, f'has no "{match}" column to match documents by '
                                  f"(columns: {', '.join(' '.join(h.split()) for h in header)})")
    return columns


def _file_name(origin: str) -> str:
    """The file name of a document's origin ("/in/a.txt" → "a.txt"; "t.csv, row 2" stays)."""
    return re.split(r"[\\/]", origin)[-1]


def _lookup(project: Project, match: str) -> dict[str, list[str]]:
    """Document ids by the value a CSV row gives for `match` (titles compared without case)."""
    found: dict[str, list[str]] = {}
    for ident, title, origin in project.db.execute("SELECT id, title, origin FROM documents ORDER BY position"):
        if match == "id":
            keys = {ident}
        elif match == "title":
            keys = {" ".join(title.split()).casefold()}
        else:
            keys = {origin, _file_name(origin)}
        for key in keys:
            found.setdefault(key, []).append(ident)
    return found


def set_metadata_from_csv(project: Project, path: str | Path, match: str, day_first: bool | None = None,
                          actor: str = "meta", rows: Sequence[MetadataRow] | None = None) -> MetadataReport:
    """Set metadata from a CSV (see read_metadata_csv) in one operation; rows matching no
    document are reported. Refused whole (BadInputError, nothing changed) when a row's key
    matches several documents or two rows name the same document."""
    path = Path(path)
    if rows is None:
        rows = read_metadata_csv(path, match, day_first)
    lookup = _lookup(project, match)
    report = MetadataReport(str(path), match)
    edits: list[MetadataEdit] = []
    claimed: dict[str, int] = {}
    for row in rows:
        key = row.key.casefold() if match == "title" else row.key
        ids = lookup.get(key, []) if row.key else []
        if len(ids) > 1:
            raise BadInputError(f"{path}, row {row.number}", f'{match} "{row.key}" matches {len(ids)} documents; '
                                                             "match by id or file instead")
        if not ids:
            report.unmatched.append({"row": row.number, "key": row.key})
            continue
        if ids[0] in claimed:
            raise BadInputError(f"{path}, row {row.number}", f"names the same document as row {claimed[ids[0]]}")
        claimed[ids[0]] = row.number
        edits.append(MetadataEdit(ids[0], row.fields, row.meta))
        report.matched.append({"row": row.number, "key": row.key, "document_id": ids[0]})
    try:
        result = set_metadata(project, edits, actor, f"set metadata from {path.name}")
    except MetadataError as error:
        raise BadInputError(path, str(error)) from None
    touched = {key[0] for key in result.tables.get("documents", set())}
    for item in report.matched:
        item["changed"] = item["document_id"] in touched
    report.changed = len(touched)
    return report


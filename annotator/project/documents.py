"""Documents in a project: metadata rows, immutable texts and their segmentation."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils

from ..errors import AnnotatorError, ProjectDamagedError
from ..model import Document
from ..nlp.segmentation import Segmentation
from .history import RowChange

_COLUMNS = (
    "id, sha256, title, source, author, date, url, language, meta, length, n_tokens, "
    "n_sentences, tokenizer, origin, imported_at, position"
)
_NAMES = _COLUMNS.split(", ")
_TEXT_FIELDS = (0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14)  # columns that must be str
_INT_FIELDS = (9, 10, 11, 15)
# What a user may change after import (the text, its language and segmentation never change).
EDITABLE_FIELDS = ("title", "source", "author", "date", "url")

# One query per chunk of documents finds what a program other than ours may have left in
# their rows (DB Browser stores an edited text as a BLOB; a script writes a span past the
# end): the text's type and length, the blobs' sizes and last ends, spans off the text.
# Only `length(text)` reads the texts; typeof() and length() of a blob read no content.
_CONTENT_CHECK = (
    "SELECT documents.id, documents.length, typeof(c.text), length(c.text), "
    "typeof(c.tokens), length(c.tokens), substr(c.tokens, -4), "
    "typeof(c.sentences), length(c.sentences), substr(c.sentences, -4) "
    "FROM documents LEFT JOIN document_content AS c ON c.document_id = documents.id "
    "WHERE documents.id IN ({marks})"
)
_SPAN_CHECK = (
    "SELECT a.document_id, a.id FROM annotations AS a JOIN documents ON documents.id = a.document_id "
    "WHERE a.document_id IN ({marks}) AND NOT ("
    "(a.span_start IS NULL AND a.span_end IS NULL) OR "
    "(typeof(a.span_start) = 'integer' AND typeof(a.span_end) = 'integer' "
    "AND 0 <= a.span_start AND a.span_start < a.span_end AND a.span_end <= documents.length)"
    ") LIMIT 1"
)


class DamagedRow(ValueError):
    """A row that our program cannot have written; the message says which and why (short)."""


def document_from_row(row: Sequence[Any]) -> Document:
    """A Document from a `documents` row (columns as in _COLUMNS); DamagedRow if it is not
    one our program wrote."""
    values = list(row)
    for index in _TEXT_FIELDS:
        if not isinstance(values[index], str):
            raise DamagedRow(f"document {str(values[0])[:40]}: {_NAMES[index]} stored as "
                             f"{type(values[index]).__name__}, not as text")
    for index in _INT_FIELDS:
        if type(values[index]) is not int:
            raise DamagedRow(f"document {values[0]}: {_NAMES[index]} that is not a whole number")
    try:
        meta = json.loads(values[8])
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise DamagedRow(f"document {values[0]}: meta that is not a JSON object")
    values[8] = meta
    return Document(*values)


class DocumentStore:
    """Read access to documents; texts and segmentations are cached for a few documents."""

    def __init__(self, db: sqlite_utils.Database, cache_size: int = 8) -> None:
        self._db = db
        self._content: OrderedDict[str, tuple[str, Segmentation]] = OrderedDict()
        self._cache_size = cache_size

    def damaged(self, detail: str) -> ProjectDamagedError:
        """The error naming this project file as damaged, with a short `detail`."""
        path = next((row[2] for row in self._db.execute("PRAGMA database_list") if row[1] == "main"), "")
        return ProjectDamagedError(path or "the project file", detail)

    def _document(self, row: Sequence[Any]) -> Document:
        try:
            return document_from_row(row)
        except DamagedRow as error:
            raise self.damaged(str(error)) from None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def ids(self) -> list[str]:
        """Every document id in corpus order."""
        return [row[0] for row in self._db.execute("SELECT id FROM documents ORDER BY position")]

    def get(self, document_id: str) -> Document:
        """Metadata of one document, or AnnotatorError if there is none with that id."""
        row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE id = ?", [document_id]).fetchone()
        if row is None:
            raise AnnotatorError(f"no document with id {document_id}")
        return self._document(row)

    def many(self, document_ids: Sequence[str]) -> list[Document]:
        """Metadata of several documents, in the order asked, after checking their stored
        contents (what exports and agreement read next): ProjectDamagedError if damaged."""
        found: dict[str, Document] = {}
        for start in range(0, len(document_ids), 500):
            chunk = list(document_ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE id IN ({marks})", chunk):
                found[row[0]] = self._document(row)
            self.check_contents(chunk)
        return [found[i] for i in document_ids if i in found]

    def _text_problem(self, document_id: str) -> str | None:
        """'not valid UTF-8' if the document's text cannot be decoded (SQLite counts such a
        text's characters differently from Python), else None."""
        try:
            self._db.execute("SELECT text FROM document_content WHERE document_id = ?", [document_id]).fetchone()
        except sqlite3.OperationalError as error:
            if "decode" in str(error).lower():
                return "text that is not valid UTF-8"
            raise
        return None

    def check_contents(self, document_ids: Sequence[str]) -> None:
        """Raise ProjectDamagedError if the stored text, token and sentence blobs or span
        offsets of these documents (at most a few hundred) are not what our program writes.

        Cheap enough for every export chunk: two queries, no blob decoded (their last end
        is read; Segmentation.from_blobs checks the order of what it decodes).
        """
        if not document_ids:
            return
        marks = ", ".join("?" * len(document_ids))
        for row in self._db.execute(_CONTENT_CHECK.format(marks=marks), list(document_ids)):
            problem = _content_problem(*row[1:])
            if problem is None:
                continue
            if row[2] == "text" and row[3] != row[1]:  # SQLite counts undecodable text differently
                problem = self._text_problem(row[0]) or problem
            raise self.damaged(f"document {row[0]}: {problem}")
        bad = self._db.execute(_SPAN_CHECK.format(marks=marks), list(document_ids)).fetchone()
        if bad is not None:
            raise self.damaged(f"document {bad[0]}: annotation {bad[1]} with a span outside the text")

    def list(self, offset: int = 0, limit: int | None = None) -> list[Document]:
        """Documents in corpus order, a page at a time."""
        sql = f"SELECT {_COLUMNS} FROM documents ORDER BY position LIMIT ? OFFSET ?"
        return [self._document(row) for row in self._db.execute(sql, [-1 if limit is None else limit, offset])]

    def find_by_hash(self, sha256: str) -> str | None:
        """Id of the document whose text has this SHA-256, if any."""
        row = self._db.execute("SELECT id FROM documents WHERE sha256 = ?", [sha256]).fetchone()
        return row[0] if row else None

    def hashes(self) -> dict[str, str]:
        """SHA-256 → document id for every document (duplicate detection)."""
        return dict(self._db.execute("SELECT sha256, id FROM documents").fetchall())

    def text(self, document_id: str) -> str:
        """The immutable text of a document."""
        return self._load(document_id)[0]

    def segmentation(self, document_id: str) -> Segmentation:
        """Token and sentence offsets of a document."""
        return self._load(document_id)[1]

    def _load(self, document_id: str) -> tuple[str, Segmentation]:
        cached = self._content.get(document_id)
        if cached is not None:
            self._content.move_to_end(document_id)
            return cached
        try:
            row = self._db.execute(
                "SELECT c.text, c.tokens, c.sentences, documents.length, documents.n_tokens, "
                "documents.n_sentences FROM document_content AS c "
                "JOIN documents ON documents.id = c.document_id WHERE c.document_id = ?", [document_id]
            ).fetchone()
        except sqlite3.OperationalError as error:
            if "decode" not in str(error).lower():
                raise
            raise self.damaged(f"document {document_id}: text that is not valid UTF-8") from None
        if row is None:
            raise AnnotatorError(f"no document with id {document_id}")
        text, tokens, sentences, length, n_tokens, n_sentences = row
        if not isinstance(text, str):
            raise self.damaged(f"document {document_id}: text stored as {type(text).__name__}, not as text")
        if len(text) != length:
            raise self.damaged(f"document {document_id}: text of {len(text)} characters, not {length}")
        try:
            loaded = (text, Segmentation.from_blobs(tokens, sentences, length, (n_tokens, n_sentences)))
        except ValueError as error:
            raise self.damaged(f"document {document_id}: {error}") from None
        self._content[document_id] = loaded
        if len(self._content) > self._cache_size:
            self._content.popitem(last=False)
        return loaded

    def stored_row(self, document_id: str) -> dict[str, Any]:
        """A document's `documents` row as stored, every column (an operation's before/after)."""
        row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE id = ?", [document_id]).fetchone()
        if row is None:
            raise AnnotatorError(f"no document with id {document_id}")
        self._document(row)  # a row our program cannot have written is named, not edited
        return dict(zip(_NAMES, row))

    def metadata_change(self, document_id: str, fields: Mapping[str, str],
                        meta: Mapping[str, Any] | None = None) -> RowChange | None:
        """The row change that sets `fields` (of EDITABLE_FIELDS) and the `meta` keys given
        (None removes a key) on one document; None when it would change nothing."""
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise AnnotatorError(f"{', '.join(sorted(unknown))}: not a document field that can be edited "
                                 f"({', '.join(EDITABLE_FIELDS)})")
        before = self.stored_row(document_id)
        after = {**before, **fields}
        if meta:
            stored = json.loads(before["meta"])
            merged = dict(stored)
            for key, value in meta.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            if merged != stored:
                after["meta"] = json.dumps(merged, ensure_ascii=False)
        return None if after == before else RowChange("documents", (document_id,), before, after)

    def next_position(self) -> int:
        """Position the next imported document gets."""
        return self._db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM documents").fetchone()[0]

    def insert(self, document: Document, text: str, segmentation: Segmentation | tuple[bytes, bytes]) -> None:
        """Store a new document (inside the caller's transaction); its segmentation may
        come as the two blobs stored (what an import has at hand)."""
        if isinstance(segmentation, Segmentation):
            segmentation = (segmentation.token_blob(), segmentation.sentence_blob())
        self._db.execute(
            f"INSERT INTO documents ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
            [document.id, document.sha256, document.title, document.source, document.author,
             document.date, document.url, document.language,
             json.dumps(document.meta, ensure_ascii=False), document.length, document.n_tokens,
             document.n_sentences, document.tokenizer, document.origin, document.imported_at,
             document.position],
        )
        self._db.execute(
            "INSERT INTO document_content (document_id, text, tokens, sentences) VALUES (?, ?, ?, ?)",
            [document.id, text, *segmentation],
        )

    def index_for_search(self) -> int:
        """Add documents not yet in the full-text index, in one transaction; returns how many.

        Indexing in bulk writes one FTS5 segment instead of one per imported file, so the
        import calls this once at its end; a search also calls it, which catches up after
        an import that was killed before its end.
        """
        indexed = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM document_search").fetchone()[0]
        try:
            pending = self._db.execute(
                "SELECT documents.rowid, documents.title, document_content.text FROM documents "
                "JOIN document_content ON document_content.document_id = documents.id "
                "WHERE documents.rowid > ? ORDER BY documents.rowid",
                [indexed],
            ).fetchall()
        except sqlite3.OperationalError as error:
            if "decode" not in str(error).lower():
                raise
            ids = [row[0] for row in self._db.execute("SELECT id FROM documents WHERE rowid > ?", [indexed])]
            bad = next((i for i in ids if self._text_problem(i)), "")
            raise self.damaged(f"document {bad}: title or text that is not valid UTF-8") from None
        if pending:
            with self._db.atomic():
                self._db.conn.executemany(
                    "INSERT INTO document_search (rowid, title, text) VALUES (?, ?, ?)", pending
                )
        return len(pending)

    def search(self, query: str, limit: int = 200) -> list[str]:
        """Ids of documents whose title or text holds every word of `query` (any case, accents
        ignored), best matches first; words are taken literally, not as FTS5 syntax."""
        words = [w for w in re.findall(r"\w+", query) if w]
        if not words:
            return []
        expression = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        try:
            self.index_for_search()
        except sqlite3.OperationalError:
            pass  # a read-only project: search what is indexed
        rows = self._db.execute(
            "SELECT documents.id FROM document_search JOIN documents ON documents.rowid = document_search.rowid "
            "WHERE document_search MATCH ? ORDER BY rank LIMIT ?",
            [expression, limit],
        )
        return [row[0] for row in rows]


def _content_problem(length: Any, text_type: str | None, text_length: Any, token_type: str | None,
                     token_bytes: Any, token_last: Any, sentence_type: str | None, sentence_bytes: Any,
                     sentence_last: Any) -> str | None:
    """What _CONTENT_CHECK found wrong with one document's content row, or None."""
    if text_type is None:
        return "no text stored"
    if text_type != "text":
        return f"text stored as {'a BLOB' if text_type == 'blob' else text_type}, not as text"
    if text_length != length:
        return f"text of {text_length} characters, not {length}"
    for what, kind, size, last in (("tokens", token_type, token_bytes, token_last),
                                   ("sentences", sentence_type, sentence_bytes, sentence_last)):
        if kind != "blob":
            return f"{what} stored as {kind}, not as a blob"
        if size % 8:
            return f"{what} blob of {size} bytes, not whole (start, end) pairs"
        if size and int.from_bytes(last, "little") > length:
            return f"{what} reaching character {int.from_bytes(last, 'little')}, past the end of the text ({length})"
    return None

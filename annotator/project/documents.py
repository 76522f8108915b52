"""Documents in a project: metadata rows, immutable texts and their segmentation."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from ..errors import AnnotatorError
from ..model import Document
from ..segmentation import Segmentation

_COLUMNS = (
    "id, sha256, title, source, author, date, url, language, meta, length, n_tokens, "
    "n_sentences, tokenizer, origin, imported_at, position"
)


def _document(row: Sequence[Any]) -> Document:
    values = list(row)
    values[8] = json.loads(values[8])
    return Document(*values)


class DocumentStore:
    """Read access to documents; texts and segmentations are cached for a few documents."""

    def __init__(self, db: sqlite_utils.Database, cache_size: int = 8) -> None:
        self._db = db
        self._content: OrderedDict[str, tuple[str, Segmentation]] = OrderedDict()
        self._cache_size = cache_size

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
        return _document(row)

    def many(self, document_ids: Sequence[str]) -> list[Document]:
        """Metadata of several documents, in the order asked."""
        found: dict[str, Document] = {}
        for start in range(0, len(document_ids), 500):
            chunk = list(document_ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE id IN ({marks})", chunk):
                found[row[0]] = _document(row)
        return [found[i] for i in document_ids if i in found]

    def list(self, offset: int = 0, limit: int | None = None) -> list[Document]:
        """Documents in corpus order, a page at a time."""
        sql = f"SELECT {_COLUMNS} FROM documents ORDER BY position LIMIT ? OFFSET ?"
        return [_document(row) for row in self._db.execute(sql, [-1 if limit is None else limit, offset])]

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
        row = self._db.execute(
            "SELECT text, tokens, sentences FROM document_content WHERE document_id = ?", [document_id]
        ).fetchone()
        if row is None:
            raise AnnotatorError(f"no document with id {document_id}")
        loaded = (row[0], Segmentation.from_blobs(row[1], row[2]))
        self._content[document_id] = loaded
        if len(self._content) > self._cache_size:
            self._content.popitem(last=False)
        return loaded

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
        pending = self._db.execute(
            "SELECT documents.rowid, documents.title, document_content.text FROM documents "
            "JOIN document_content ON document_content.document_id = documents.id "
            "WHERE documents.rowid > ? ORDER BY documents.rowid",
            [indexed],
        ).fetchall()
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

"""The project file's schema, one list of statements per schema version.

`MIGRATIONS[n]` takes a file from version n to version n + 1; version 0 is an empty
file. `PRAGMA user_version` records the version a file is at.
"""

from __future__ import annotations

APPLICATION_ID = "discourse-annotator"

_V1 = [
    # Key/value facts about the project: application, creation time, language, codebook.
    """CREATE TABLE project (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # Document metadata, small rows so that listing 10,000 documents reads little.
    """CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        position INTEGER NOT NULL UNIQUE,
        sha256 TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        author TEXT NOT NULL DEFAULT '',
        date TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT 'en',
        meta TEXT NOT NULL DEFAULT '{}',
        length INTEGER NOT NULL,
        n_tokens INTEGER NOT NULL,
        n_sentences INTEGER NOT NULL,
        tokenizer TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL
    )""",
    # The immutable text and its segmentation: uint32 (start, end) pairs, little endian.
    """CREATE TABLE document_content (
        document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        tokens BLOB NOT NULL,
        sentences BLOB NOT NULL
    )""",
    """CREATE TABLE layers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('span', 'document')),
        granularity TEXT NOT NULL CHECK (granularity IN ('token', 'character', 'sentence')),
        overlap TEXT NOT NULL CHECK (overlap IN ('allow', 'nested', 'forbid')),
        multiple INTEGER NOT NULL DEFAULT 1,
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL
    )""",
    """CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        layer_id INTEGER NOT NULL REFERENCES layers(id),
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        include_note TEXT NOT NULL DEFAULT '',
        exclude_note TEXT NOT NULL DEFAULT '',
        examples TEXT NOT NULL DEFAULT '[]',
        colour TEXT NOT NULL,
        key TEXT NOT NULL DEFAULT '',
        parent_id INTEGER REFERENCES labels(id),
        position INTEGER NOT NULL,
        UNIQUE (layer_id, name)
    )""",
    """CREATE TABLE attributes (
        id INTEGER PRIMARY KEY,
        layer_id INTEGER NOT NULL REFERENCES layers(id),
        name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('text', 'choice', 'int', 'bool')),
        choices TEXT NOT NULL DEFAULT '[]',
        minimum INTEGER,
        maximum INTEGER,
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL,
        UNIQUE (layer_id, name)
    )""",
    """CREATE TABLE annotators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL DEFAULT 'annotator' CHECK (role IN ('annotator', 'curator')),
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE annotations (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        layer_id INTEGER NOT NULL REFERENCES layers(id),
        label_id INTEGER NOT NULL REFERENCES labels(id),
        span_start INTEGER,
        span_end INTEGER,
        attributes TEXT NOT NULL DEFAULT '{}',
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((span_start IS NULL) = (span_end IS NULL)),
        CHECK (span_start IS NULL OR (span_start >= 0 AND span_end > span_start))
    )""",
    "CREATE INDEX annotations_by_document ON annotations (document_id, annotator_id)",
    "CREATE INDEX annotations_by_annotator ON annotations (annotator_id)",
    "CREATE INDEX annotations_by_layer ON annotations (layer_id)",
    "CREATE INDEX annotations_by_label ON annotations (label_id)",
    "CREATE INDEX labels_by_layer ON labels (layer_id)",
    "CREATE INDEX attributes_by_layer ON attributes (layer_id)",
    """CREATE TABLE document_status (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        status TEXT NOT NULL CHECK (status IN ('not started', 'in progress', 'done')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (document_id, annotator_id)
    )""",
    "CREATE INDEX document_status_by_annotator ON document_status (annotator_id)",
    # Every change, who made it and when: the audit trail a methods section can cite.
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX audit_log_by_target ON audit_log (target)",
    # Review: a comment thread on any annotation; travels with merges (matched by id).
    """CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX comments_by_annotation ON comments (annotation_id)",
    # Adjudication: every curator decision (accept, reject with reason, edit, add, …).
    """CREATE TABLE curation_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        curator TEXT NOT NULL,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        source_annotation_id TEXT,
        gold_annotation_id TEXT,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX curation_log_by_document ON curation_log (document_id)",
    "CREATE INDEX curation_log_by_source ON curation_log (source_annotation_id)",
    # Full-text index of titles and texts (rowid = documents.rowid); contentless, since
    # the texts are stored once already in document_content.
    """CREATE VIRTUAL TABLE document_search USING fts5(
        title, text, content='', tokenize='unicode61 remove_diacritics 2'
    )""",
]

MIGRATIONS: list[list[str]] = [_V1]
SCHEMA_VERSION = len(MIGRATIONS)
REQUIRED_TABLES = frozenset(
    {"project", "documents", "document_content", "layers", "labels", "attributes",
     "annotators", "annotations", "document_status", "audit_log", "document_search",
     "comments", "curation_log"}
)

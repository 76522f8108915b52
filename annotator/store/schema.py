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

# Version 2: assisted annotation (issue 14) and what came with it. Each statement also
# upgrades a version-1 file (new columns carry a DEFAULT).
_V2 = [
    # Where an annotation began: '' typed by hand, else the accepted suggestion's source
    # ("rule:<label>:<pattern>" or "model:<model id>").
    "ALTER TABLE annotations ADD COLUMN origin TEXT NOT NULL DEFAULT ''",
    # A label's rule patterns: a JSON array of strings (a phrase, or a spaCy Matcher token
    # pattern written as a JSON array).
    "ALTER TABLE labels ADD COLUMN patterns TEXT NOT NULL DEFAULT '[]'",
    # Independence: suggestions from a model trained on others' or gold coding, per layer (off).
    "ALTER TABLE layers ADD COLUMN shared_suggestions INTEGER NOT NULL DEFAULT 0",
    # Every suggestion accepted or rejected, by whom: the acceptance rate of each rule and model.
    """CREATE TABLE suggestion_decisions (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        layer TEXT NOT NULL,
        label TEXT NOT NULL,
        span_start INTEGER,
        span_end INTEGER,
        source TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
        annotator TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX suggestion_decisions_by_document ON suggestion_decisions (document_id, annotator)",
    "CREATE INDEX suggestion_decisions_by_layer ON suggestion_decisions (layer, source)",
    # Suggestion models trained on the project's own coding (the spaCy pipeline's bytes), with
    # what they were trained on and their held-out evaluation: they travel with the file.
    """CREATE TABLE models (
        id TEXT PRIMARY KEY,
        layer TEXT NOT NULL,
        trained_from TEXT NOT NULL,
        created_at TEXT NOT NULL,
        data_hash TEXT NOT NULL,
        spacy_version TEXT NOT NULL,
        kind TEXT NOT NULL,
        evaluation TEXT NOT NULL DEFAULT '{}',
        n_train INTEGER NOT NULL,
        n_test INTEGER NOT NULL,
        blob BLOB NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    )""",
    "CREATE INDEX models_by_layer ON models (layer, active)",
    # Titles are searched too: when a metadata edit, or its undo or redo, changes the title of
    # a document already in the full-text index, the index follows (a contentless FTS5 table
    # forgets a row only when given the values it indexed; the text never changes).
    """CREATE TRIGGER documents_title_searched AFTER UPDATE OF title ON documents
    WHEN old.title IS NOT new.title
        AND old.rowid <= (SELECT COALESCE(MAX(rowid), 0) FROM document_search)
    BEGIN
        INSERT INTO document_search (document_search, rowid, title, text) VALUES ('delete', old.rowid,
            old.title, (SELECT text FROM document_content WHERE document_id = old.id));
        INSERT INTO document_search (rowid, title, text) VALUES (new.rowid, new.title,
            (SELECT text FROM document_content WHERE document_id = new.id));
    END""",
    # Reliability studies (issue 17). A draw of the double-coding sample: its design (share or
    # number, stratum key, seed, coders per sampled document, annotators, strata) as JSON.
    """CREATE TABLE assignment_draws (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        design TEXT NOT NULL DEFAULT '{}'
    )""",
    # Which annotator codes which document (sampled = 1: in the double-coding sample), as the
    # newest draw left it.
    """CREATE TABLE assignments (
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        sampled INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (document_id, annotator_id)
    )""",
    "CREATE INDEX assignments_by_annotator ON assignments (annotator_id)",
    # Reliability rounds: a document set and the codebook version frozen while the round is
    # open (closed_at ''), with a copy of that codebook's layers and labels for the report.
    """CREATE TABLE rounds (
        name TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        documents TEXT NOT NULL DEFAULT '[]',
        codebook_version INTEGER NOT NULL,
        codebook_fingerprint TEXT NOT NULL,
        codebook TEXT NOT NULL DEFAULT '[]',
        started_at TEXT NOT NULL,
        started_by TEXT NOT NULL,
        closed_at TEXT NOT NULL DEFAULT '',
        closed_by TEXT NOT NULL DEFAULT ''
    )""",
    # Relations between spans (issue 16): the codebook's relation types, the layers and labels
    # each may connect (JSON arrays of names, [] = any) and its attribute definitions (JSON).
    """CREATE TABLE relation_types (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        include_note TEXT NOT NULL DEFAULT '',
        exclude_note TEXT NOT NULL DEFAULT '',
        examples TEXT NOT NULL DEFAULT '[]',
        source_layers TEXT NOT NULL DEFAULT '[]',
        target_layers TEXT NOT NULL DEFAULT '[]',
        source_labels TEXT NOT NULL DEFAULT '[]',
        target_labels TEXT NOT NULL DEFAULT '[]',
        directed INTEGER NOT NULL DEFAULT 1,
        colour TEXT NOT NULL DEFAULT '#444444',
        key TEXT NOT NULL DEFAULT '',
        attributes TEXT NOT NULL DEFAULT '[]',
        position INTEGER NOT NULL
    )""",
    # A link from one span to another of the same annotator and document. No cascade from the
    # spans: deleting a span deletes its relations in the same undoable operation.
    """CREATE TABLE relations (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        type_id INTEGER NOT NULL REFERENCES relation_types(id),
        source_id TEXT NOT NULL REFERENCES annotations(id),
        target_id TEXT NOT NULL REFERENCES annotations(id),
        attributes TEXT NOT NULL DEFAULT '{}',
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (source_id != target_id)
    )""",
    "CREATE INDEX relations_by_document ON relations (document_id, annotator_id)",
    "CREATE INDEX relations_by_source ON relations (source_id)",
    "CREATE INDEX relations_by_target ON relations (target_id)",
    "CREATE INDEX relations_by_type ON relations (type_id)",
    # The draw (assignment_draws.id) a round was started from, so that its methods report
    # states that draw's sample and seed after a later re-draw ('' for a round without one).
    "ALTER TABLE rounds ADD COLUMN draw_id TEXT NOT NULL DEFAULT ''",
]

MIGRATIONS: list[list[str]] = [_V1, _V2]
SCHEMA_VERSION = len(MIGRATIONS)
REQUIRED_TABLES = frozenset(
    {"project", "documents", "document_content", "layers", "labels", "attributes",
     "annotators", "annotations", "document_status", "audit_log", "document_search",
     "comments", "curation_log", "suggestion_decisions", "models", "assignment_draws", "assignments",
     "rounds", "relation_types", "relations"}
)

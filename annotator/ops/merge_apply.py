"""Writing a colleague's codebook labels, annotators, documents, statuses, comments and
curation log into our project, inside the merge's one transaction.

`Merger` holds what one merge has matched so far (their ids → ours for labels,
annotators and documents), which every later step needs; the steps run in that order
(merge.merge_project) and the annotations, the bulk of any file, are copied between them
by merge_annotations. Their rows are read through the attached schema OTHER, their ids
mapped through temporary tables, and nothing of ours is ever overwritten: the same id
with other content is a conflict, listed in the report.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from ..errors import AnnotatorError
from ..model import Label, Layer
from ..project import Project
from ..project.history import now
from .importing import text_hash
from .merge_checks import as_text, is_id, parsed_json, segmentation_counts, their_error
from .merge_read import OTHER, LabelKey, OtherFile
from .merge_report import Conflict, MergeReport

STATUS_RANK = {"not started": 0, "in progress": 1, "done": 2}


class MergeRefused(AnnotatorError):
    """The merge was refused before anything was written (unknown labels, clashing layers)."""

    def __init__(self, message: str, unknown_labels: tuple[LabelKey, ...] = ()) -> None:
        super().__init__(message)
        self.unknown_labels = unknown_labels


# Temporary tables of one merge (dropped at its end): their ids → ours, and the rows to
# copy in bulk (see merge_annotations). Their annotations are read with NOT INDEXED: their
# indexes are not trusted to match their table (quick_check does not compare the two).
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


class Merger:
    """Writes the other file's rows into the project (inside the caller's transaction)."""

    def __init__(
        self, project: Project, other: OtherFile, report: MergeReport, annotator_map: dict[str, str],
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
            raise their_error(self.other.path, error) from error

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
            (their_id, title, source, author, date, url, language, meta, tokenizer, origin, imported, text, tokens,
             sentences) = row
            if not is_id(their_id):
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
            segmentation = segmentation_counts(tokens, sentences, len(text), self.other.path, their_id, title)
            values = parsed_json(meta, dict)
            if values is None:
                tally.invalid.append(f"document {their_id} ({as_text(title)[:60]}) has damaged metadata")
                continue
            ident = their_id if their_id not in taken else str(uuid.uuid4())
            documents.append((
                ident, position, digest, as_text(title), as_text(source), as_text(author), as_text(date), as_text(url),
                as_text(language) or self.project.language, json.dumps(values, ensure_ascii=False), len(text),
                segmentation[0], segmentation[1], as_text(tokenizer), as_text(origin) or str(self.other.path),
                as_text(imported) or stamp,
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

    def stored_by_id(self, ids: list[str]) -> dict[str, tuple[Any, ...]]:
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

    def statuses(self) -> None:
        """Keep the more advanced status of each (document, annotator)."""
        tally = self.report.statuses
        ours = {(d, a): s
                for d, a, s in self.db.execute("SELECT document_id, annotator_id, status FROM document_status")}
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
                "updated_at = excluded.updated_at", [*key, status, as_text(updated) or now()])
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
        present = set(self.stored_by_id([row[1] for row in theirs if isinstance(row[1], str)]))
        for ident, annotation, author, body, created in theirs:
            if not is_id(ident) or not isinstance(body, str) or not isinstance(author, str):
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
                            [ident, annotation, author, body, as_text(created) or now()])
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
                    or doc not in self.documents or parsed_json(detail, dict) is None:
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
                [at, curator, self.documents[doc][0], source if is_id(source) else None,
                 gold if is_id(gold) else None, decision, as_text(reason), detail])
            seen.add(key)
            tally.added += 1

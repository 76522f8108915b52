"""Import files into a project: read, check, segment with spaCy, store one file per transaction.

What an import did and how it ends early are in import_report.py; how labels find their
layers, import_resolver.py; relations between imported spans, import_links.py."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from collections import Counter, deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, BadInputError, ProjectDamagedError, ProjectFileError
from ..formats.base import ImportedDocument, ImportedLabel, ImportedSpan, ReadOptions
from ..model import Document, Role
from ..nlp import Segmented
from ..nlp.segmenter import make_segmenter
from ..project import Project
from ..project.annotations import check_attributes
from ..project.history import now
from ..span_rules import overlap_clash
from .import_links import storable_links, stored_id
from .import_report import INDEX_STEP, ImportCancelled, ImportInterrupted, ImportReport, ImportStopped
from .import_resolver import Resolver, check_document, off_boundaries, store_status
from ..store.database import as_project_error
from ..store.files import open_project_files, project_file_family

Progress = Callable[[int, int, str], None]
DEFAULT_ANNOTATOR = "imported"


def text_hash(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes: how duplicates and merges match documents."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Layers --add-labels creates for labels that name none (when --layer names no layer).
def _annotation_row(
    project: Project, document_id: str, item: ImportedSpan | ImportedLabel, options: ReadOptions, origin: str
) -> dict[str, Any]:
    assert item.layer is not None
    layer = project.codebook.layer(item.layer)
    annotator = item.annotator or options.default_annotator or DEFAULT_ANNOTATOR
    annotator_id = project.annotators.ensure(annotator, Role.CURATOR if annotator == "curator" else Role.ANNOTATOR).id
    try:
        attributes = check_attributes(layer, item.attributes) if item.attributes else {}
    except AnnotatorError as error:
        raise BadInputError(origin, str(error)) from None
    stamp = now()
    return {
        "id": item.id or str(uuid.uuid4()),
        "document_id": document_id,
        "annotator_id": annotator_id,
        "layer_id": layer.id,
        "label_id": project.codebook.label_id(item.layer, item.label),
        "span_start": item.start if isinstance(item, ImportedSpan) else None,
        "span_end": item.end if isinstance(item, ImportedSpan) else None,
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True),
        "note": item.note or "",
        "origin": item.origin or "",
        "created_at": stamp,
        "updated_at": stamp,
    }


def _overlap_clash(project: Project, row: dict[str, Any], item: ImportedSpan | ImportedLabel) -> str:
    """Why the layer's overlap rule refuses this imported span beside the same annotator's
    spans (stored, or imported earlier from this file): the rule annotating applies ('' if none)."""
    if row["span_start"] is None or item.layer is None:
        return ""
    layer = project.codebook.layer(item.layer)
    if layer.overlap == "allow":
        return ""
    start, end = row["span_start"], row["span_end"]
    others = project.db.execute(
        "SELECT span_start, span_end FROM annotations WHERE document_id = ? AND annotator_id = ? AND layer_id = ? "
        "AND span_start < ? AND span_end > ?",
        [row["document_id"], row["annotator_id"], layer.id, end, start],
    ).fetchall()
    clash = overlap_clash(layer.overlap, [(a, b) for a, b in others], start, end)
    if clash is None:
        return ""
    return f'annotation {row["id"]} ({item.label} at {start}–{end}): layer "{layer.name}" does not allow it to ' \
           f"overlap the span at {clash[0]}–{clash[1]}"


def _store_file(
    project: Project,
    path: Path,
    documents: list[ImportedDocument],
    segmentations: list[Segmented],
    known: dict[str, str],
    options: ReadOptions,
    add_labels: bool,
    report: ImportReport,
    language: str,
) -> None:
    """Store every document of one file, or none of them (one transaction); `language`
    is the project's, for documents that do not name theirs."""
    db = project.db
    resolver = Resolver(project, add_labels, report, options.default_layer)
    new_ids: list[str] = []
    duplicates: list[str] = []
    conflicts: list[str] = []
    added = skipped = repeated = statuses = 0
    not_carried: Counter[str] = Counter()
    off_edges: Counter[str] = Counter()
    inserted: set[str] = set()  # ids of the annotations stored from this file
    labels_before = len(report.added_labels)
    layers_before = len(report.created_layers)
    stamp = now()  # one time for the file: its documents and its audit entry
    try:
        with db.atomic():
            position = project.documents.next_position()
            for doc, segmented in zip(documents, segmentations):
                pairs = check_document(doc, resolver)
                for layer, label, kind in pairs:
                    resolver.ensure(layer, label, kind, doc.origin)
                for item in [*doc.spans, *doc.labels]:
                    resolver.attributes(item, doc.origin)
                not_carried.update(getattr(doc, "not_carried", None) or {})
                digest = text_hash(doc.text)
                document_id = known.get(digest)
                if document_id is not None:
                    duplicates.append(f"{doc.origin}: same text as document already in the project; skipped")
                else:
                    document_id = doc.id if doc.id and project.db.execute(
                        "SELECT 1 FROM documents WHERE id = ?", [doc.id]).fetchone() is None else str(uuid.uuid4())
                    extra = dict(doc.extra)
                    project.documents.insert(
                        Document(
                            id=document_id, sha256=digest, title=doc.title or _title_from(doc.text),
                            source=doc.source, author=doc.author, date=doc.date, url=doc.url,
                            language=doc.language or language, meta=extra, length=len(doc.text),
                            n_tokens=segmented.n_tokens, n_sentences=segmented.n_sentences,
                            tokenizer=segmented.tokenizer, origin=doc.origin, imported_at=stamp, position=position,
                        ),
                        doc.text,
                        (segmented.tokens, segmented.sentences),
                    )
                    position += 1
                    known[digest] = document_id
                    new_ids.append(document_id)
                restored, differing = store_status(project, document_id, getattr(doc, "status", None) or {},
                                                    doc.origin)
                statuses += restored
                conflicts += differing
                edges: dict[str, tuple[set[int], set[int]]] = {}  # this text's token/sentence edges
                stored_as: dict[str, str] = {}  # a read span's id -> the annotation that stands for it
                for item in [*doc.spans, *doc.labels]:
                    row = _annotation_row(project, document_id, item, options, doc.origin)
                    verdict = _existing(project, row, item, doc.origin, inserted)
                    if verdict in ("repeated", "same") and item.id:
                        stored_as[item.id] = stored_id(project, row)
                    if verdict == "repeated":
                        repeated += 1
                        continue
                    if verdict == "same":
                        skipped += 1
                        continue
                    if verdict:
                        conflicts.append(verdict)
                        continue
                    clash = _overlap_clash(project, row, item)
                    if clash:
                        conflicts.append(f"{doc.origin}: {clash}; not imported")
                        continue
                    columns = list(row)
                    db.execute(
                        f"INSERT INTO annotations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [row[c] for c in columns],
                    )
                    added += 1
                    inserted.add(row["id"])
                    stored_as[item.id or row["id"]] = row["id"]
                    off = off_boundaries(project, row["span_start"], row["span_end"], item.layer, segmented, edges)
                    if off:
                        off_edges[off] += 1
                # Links between the record's spans (ends by span id), stored once both ends are;
                # a native one the codebook forbids refuses the file, brat's are counted (import_links).
                links = storable_links(project, getattr(doc, "relations", None) or [], stored_as, add_labels,
                                       report.added_labels, not_carried)
                project.relations.insert_imported(links, doc.origin)
            db.execute(
                "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, 'import', 'import file', ?, ?)",
                [stamp, str(path), json.dumps({"documents": new_ids, "annotations": added})],
            )
    except KeyboardInterrupt:
        if _committed(project, stamp, path):  # Ctrl+C just after the commit: the file is stored
            _stored_file(report, path, new_ids, duplicates, conflicts, added, skipped, repeated, statuses,
                         not_carried, off_edges)
        else:
            _forget(project, report, known, new_ids, labels_before, layers_before)
        raise
    except BaseException:
        _forget(project, report, known, new_ids, labels_before, layers_before)
        raise
    _stored_file(report, path, new_ids, duplicates, conflicts, added, skipped, repeated, statuses, not_carried,
                 off_edges)


def _committed(project: Project, stamp: str, path: Path) -> bool:
    """True if the transaction storing `path` (its audit entry at `stamp`) was committed."""
    try:
        return project.db.execute("SELECT 1 FROM audit_log WHERE at = ? AND target = ? AND action = 'import file'",
                                  [stamp, str(path)]).fetchone() is not None
    except sqlite3.Error:
        return False


def _forget(project: Project, report: ImportReport, known: dict[str, str], new_ids: list[str],
            labels_before: int, layers_before: int) -> None:
    """Roll back what the report and `known` say of a file whose transaction was rolled back."""
    for document_id in new_ids:
        for digest, ident in list(known.items()):
            if ident == document_id:
                del known[digest]
    del report.added_labels[labels_before:]
    del report.created_layers[layers_before:]
    project.codebook.invalidate()


def _stored_file(report: ImportReport, path: Path, new_ids: list[str], duplicates: list[str], conflicts: list[str],
                 added: int, skipped: int, repeated: int, statuses: int, not_carried: Counter[str],
                 off_boundaries: Counter[str]) -> None:
    """Count a committed file in the report."""
    report.stored_files.append(str(path))
    report.imported.extend(new_ids)
    report.duplicates.extend(duplicates)
    report.conflicts.extend(conflicts)
    report.annotations += added
    report.annotations_skipped += skipped
    report.annotations_repeated += repeated
    report.off_boundaries.update(off_boundaries)
    report.statuses += statuses
    report.not_carried.update(not_carried)


_COMPARED = ("document_id", "annotator_id", "label_id", "span_start", "span_end", "attributes", "note")


def _existing(project: Project, row: dict[str, Any], item: ImportedSpan | ImportedLabel, origin: str,
              inserted: set[str]) -> str:
    """How an incoming annotation relates to what is stored: "repeated" (stored from this file
    already: skip it), "same" (in the project before: skip it), a conflict message (keep ours),
    or "" (new). Refuses a second label in a one-label document layer."""
    db = project.db
    stored = db.execute(f"SELECT {', '.join(_COMPARED)} FROM annotations WHERE id = ?", [row["id"]]).fetchone()
    if stored is not None:
        if tuple(stored) == tuple(row[c] for c in _COMPARED):
            return "repeated" if row["id"] in inserted else "same"
        return f"{origin}: annotation {row['id']} ({item.label}) differs from the one in the project; kept the project's"
    same = db.execute(
        "SELECT id FROM annotations WHERE document_id = ? AND annotator_id = ? AND label_id = ? "
        "AND span_start IS ? AND span_end IS ?",
        [row["document_id"], row["annotator_id"], row["label_id"], row["span_start"], row["span_end"]],
    ).fetchall()
    if same:  # the same code on the same text by the same person (a file without ids)
        return "repeated" if all(ident in inserted for (ident,) in same) else "same"
    layer = project.codebook.layer(item.layer or "")
    if layer.kind == "document" and not layer.multiple:
        other = db.execute(
            "SELECT label_id FROM annotations WHERE document_id = ? AND annotator_id = ? AND layer_id = ?",
            [row["document_id"], row["annotator_id"], row["layer_id"]],
        ).fetchone()
        if other is not None:
            raise BadInputError(
                origin, f'layer "{layer.name}" takes one label per document, but this gives '
                f'{project.annotators.name(row["annotator_id"])} both "{project.codebook.label_name(other[0])[1]}" '
                f'and "{item.label}"',
            )
    return ""


def _check_readable(documents: list[ImportedDocument]) -> None:
    """Refuse text SQLite cannot store: a lone surrogate (from a JSON escape) is not
    valid Unicode. (An unknown language is refused when the text is segmented.)"""
    for doc in documents:
        strings = [doc.text, doc.title, doc.source, doc.author, doc.date, doc.url]
        try:
            for value in strings:
                if value:
                    value.encode("utf-8")
            if doc.extra or doc.spans or doc.labels:
                fields = [doc.extra,
                          [(s.label, s.layer, s.annotator, s.note, s.attributes) for s in doc.spans],
                          [(d.label, d.layer, d.annotator, d.note, d.attributes) for d in doc.labels]]
                json.dumps(fields, ensure_ascii=False, default=str).encode("utf-8")
        except UnicodeEncodeError:
            raise BadInputError(doc.origin, "holds text that is not valid Unicode (a lone surrogate)") from None


def _title_from(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


# Files read ahead of the one being stored, counted in documents: their texts are being
# segmented (in batches) while earlier files are stored.
LOOKAHEAD_DOCUMENTS = 96
# Stored documents between two updates of the full-text index.
INDEX_EVERY = 256


def _record_failure(report: ImportReport, path: Path, error: AnnotatorError) -> None:
    """List `path` as failed with the error's reason, the file named once (a document's origin,
    "X, line 3", becomes "line 3: …" after the file)."""
    if isinstance(error, BadInputError) and error.path == str(path):
        reason = f"line {error.line}: {error.problem}" if error.line is not None else error.problem
    else:
        reason = str(error)
        for lead in (f"{path}: ", f"{path}, "):
            if reason.startswith(lead):
                reason = reason[len(lead):]
                break
    report.failed.append((str(path), reason))


def _refuse_project_files(project: Project, files: list[Path], report: ImportReport) -> list[Path]:
    """Drop (as failed) any input that is this project's file, one of the files SQLite keeps
    beside it, or another project file open in this process: reading one with Python's
    open() and closing it would drop SQLite's locks on it (and it is not an article).

    Matched as open_project_member does (by resolved path, or for files that exist by device
    and inode: a link of any kind), with the project files looked up once for the whole
    import: one stat() per input instead of a dozen system calls."""
    own = set(project_file_family(project.path))
    members = {member for root in open_project_files() for member in project_file_family(root)} | own
    inodes: dict[tuple[int, int], Path] = {}
    for member in members:
        try:
            found = os.stat(member)
        except OSError:
            continue
        inodes.setdefault((found.st_dev, found.st_ino), member)
    kept = []
    for path in files:
        try:
            found = os.stat(path)
        except (OSError, ValueError):  # not there: only its resolved path can name a member
            real = Path(os.path.realpath(path))
            member = real if real in members else None
        else:  # a file that is a member (by any name) shares its inode
            member = inodes.get((found.st_dev, found.st_ino))
        if member in own:
            report.failed.append((str(path), "is the project file itself (or a file SQLite keeps beside it); "
                                             "not imported"))
        elif member is not None:
            report.failed.append((str(path), "is a project file open in this program (or a file SQLite keeps "
                                             "beside one); to bring in its work, merge it"))
        else:
            kept.append(path)
    return kept


def _stopped(project: Project, error: sqlite3.Error, at: str, report: ImportReport, remaining: int,
             atomic: bool) -> ProjectFileError:
    """The error for a project that could not be written part way through an import."""
    explained = as_project_error(project.path, error)
    if atomic or isinstance(explained, ProjectDamagedError):  # the whole import is one transaction, rolled back: nothing was changed
        return explained
    cause = explained.problem.split(";")[0]
    return ImportStopped(project.path, cause, at, report, remaining)


def _input_bytes(files: Sequence[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass  # reported when the file is read
    return total


def import_paths(
    project: Project,
    paths: Sequence[str | Path],
    fmt: str = "auto",
    options: ReadOptions | None = None,
    add_labels: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    atomic: bool = False,
    segment_worker: bool | None = None,
    _inside_transaction: bool = False,
) -> ImportReport:
    """Import files and folders; each file is stored whole or not at all.

    A file that fails is listed with its reason and the others go on; texts already in
    the project (same SHA-256) are skipped, though new annotations they carry are added.
    With `atomic` the whole import is one transaction and cancelling it (via
    `cancelled`) raises ImportCancelled with the project unchanged; without it each
    finished file stays imported (what the command line wants: a killed import keeps
    every finished file).

    Texts are segmented by spaCy in a worker process beside this one when the import is
    large and the machine has two cores or more (see segmenter.use_worker), so that reading
    and storing overlap with spaCy; `segment_worker` forces the choice either way.
    """
    if atomic:
        try:
            with project.db.atomic():
                report = import_paths(project, paths, fmt, options, add_labels, progress, cancelled,
                                      segment_worker=segment_worker, _inside_transaction=True)
                if report.cancelled:
                    raise ImportCancelled("import cancelled; the project is unchanged")
        finally:
            project.codebook.invalidate()
        _set_barrier(project, report)  # once committed
        return report
    from ..formats.readers import expand_inputs, read_documents

    options = options or ReadOptions()
    report = ImportReport()
    atomic_outside = _inside_transaction
    files = expand_inputs([Path(p) for p in paths])
    report.files = len(files)
    files = _refuse_project_files(project, files, report)
    known = project.documents.hashes()
    language = project.language
    segmenter = make_segmenter(_input_bytes(files), worker=segment_worker)
    # Files are read and handed to the segmenter as they come, and stored (one
    # transaction each, in order) once their texts are segmented and enough files are
    # read ahead to keep spaCy busy.
    ahead: deque[tuple[Path, list[ImportedDocument], int]] = deque()
    waiting = unindexed = 0

    def store_oldest() -> None:
        nonlocal waiting, unindexed
        path, documents, ticket = ahead.popleft()
        waiting -= len(documents)
        results = segmenter.result(ticket)
        failed = next(((doc, r.error) for doc, r in zip(documents, results) if r.error), None)
        if failed is not None:
            _record_failure(report, path, BadInputError(failed[0].origin, failed[1]))
            return
        try:
            _store_file(project, path, documents, results,
                        known, options, add_labels, report, language)
        except AnnotatorError as error:
            _record_failure(report, path, error)
            return
        except sqlite3.Error as error:
            remaining = len(files) - files.index(path) - 1
            raise _stopped(project, error, str(path), report, remaining, atomic_outside) from error
        unindexed += len(documents)
        if unindexed >= INDEX_EVERY:
            try:
                project.documents.index_for_search()
            except sqlite3.Error as error:
                remaining = len(files) - files.index(path) - 1
                raise _stopped(project, error, INDEX_STEP, report, remaining, atomic_outside) from error
            unindexed = 0

    try:
        for done, path in enumerate(files):
            if cancelled is not None and cancelled():
                report.cancelled = True
                break
            if progress is not None:
                progress(done, len(files), str(path))
            try:
                documents = read_documents(path, fmt, options)
                _check_readable(documents)
            except AnnotatorError as error:
                _record_failure(report, path, error)
                continue
            except Exception as error:  # noqa: BLE001 - untrusted input: a reader's bug must not stop the rest
                _record_failure(report, path, BadInputError(path, f"cannot be read ({type(error).__name__}: {error})"))
                continue
            ticket = segmenter.submit([(doc.language or language, doc.text) for doc in documents])
            ahead.append((path, documents, ticket))
            waiting += len(documents)
            while waiting > LOOKAHEAD_DOCUMENTS:
                store_oldest()
        while ahead:
            store_oldest()
    except BaseException as error:  # an error or Ctrl+C: a worker with work in hand is ended
        segmenter.abandon()
        if isinstance(error, KeyboardInterrupt) and not _inside_transaction:
            raise ImportInterrupted(report) from error  # says how many files were stored
        raise
    segmenter.close()
    report.spacy_worker = segmenter.worker_batches > 0
    if report.imported:
        try:
            project.documents.index_for_search()
        except sqlite3.Error as error:
            raise _stopped(project, error, INDEX_STEP, report, 0, atomic_outside) from error
    if progress is not None and not report.cancelled:
        progress(len(files), len(files), "")
    if not _inside_transaction:
        _set_barrier(project, report)
    return report


def import_description(report: ImportReport) -> str:
    """How the Undo menu names an import it cannot go back past: "import of 3 files"."""
    files = len(report.stored_files) or report.files
    return f"import of {files:,} file{'' if files == 1 else 's'}"


def _set_barrier(project: Project, report: ImportReport) -> None:
    """An import is not an undo step: the steps before it are forgotten (they may refer to rows
    it changed), the Undo menu names it, and the bus announces the documents it added."""
    if report.imported or report.annotations or report.added_labels or report.statuses:
        project.history.set_barrier(import_description(report), report.imported, actor="import")

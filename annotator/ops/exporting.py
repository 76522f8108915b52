"""Export a project (or part of it) to one of the exchange formats, with a report of what
the format could not carry.

Outputs (the report included) are written under temporary names beside their final place
and moved there only when all of them are written: a failed, cancelled or disk-full export
leaves nothing. No output may be a project file open in this process, nor a file SQLite
keeps beside one (ExportTargets): replacing it would silently lose every later annotation.
A project whose rows cannot be read is named as damaged, never exported in part.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import string
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, ProjectDamagedError, ProjectFileError
from ..formats.interchange import (
    ExportAnnotation,
    ExportContext,
    ExportDocument,
    OutputFiles,
)
from ..model import Annotator, Role, Status
from ..project import Project
from ..nlp.segmentation import Segmentation
from ..store.database import check_integrity
from ..store.files import open_project_files, project_file_family, refuse_foreign_target

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]
Writer = Callable[[Iterator[ExportDocument], ExportContext, Path, OutputFiles], None]
CHUNK = 500


class ExportCancelled(AnnotatorError):
    """The export was cancelled; nothing was written."""


@dataclass(frozen=True, slots=True)
class Exporter:
    """One export format: its name, what it writes, its options and where its writer lives."""

    name: str
    description: str
    suffix: str
    writer: str  # "module:function" under annotator.formats, imported when used
    needs_tokens: bool = False
    folder: bool = False  # writes a folder of files rather than one file
    options: Mapping[str, Any] = field(default_factory=dict)
    statuses: bool = False  # carries each annotator's document status (ExportContext.statuses)
    # A dataset (Parquet): also gets each annotation's times and origin and the statuses with
    # their times, in ExportContext.options["dataset"] (see dataset_rows).
    dataset: bool = False

    def load(self) -> Writer:
        """The writer function (imports its library only now)."""
        module, function = self.writer.split(":")
        return getattr(importlib.import_module(f"annotator.formats.{module}"), function)


EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        Exporter("jsonl", "native JSON Lines, lossless (codebook and annotators in the first record)", ".jsonl",
                 "jsonl_writer:write_jsonl", options={"header": True}, statuses=True),
        Exporter("csv", "one row per annotation, plus a document x label count matrix (<out>.matrix.csv)",
                 ".csv", "csv_export:write_csv", options={"context_chars": 60, "excel": False, "formula_guard": True}),
        Exporter("spacy", "spaCy DocBin: a SpanGroup per layer in doc.spans, document labels in doc.cats",
                 ".spacy", "spacy_docbin:write_docbin", needs_tokens=True),
        Exporter("brat", "brat standoff folder: .txt + .ann per document, annotation.conf, visual.conf",
                 "", "brat:write_brat", folder=True),
        Exporter("xmi", "UIMA CAS XMI zip with TypeSystem.xml, for INCEpTION (dkpro-cassis)", ".zip",
                 "xmi:write_xmi"),
        Exporter("qdpx", "REFI-QDA project (MAXQDA, ATLAS.ti, NVivo, QualCoder)", ".qdpx",
                 "refi_qda:write_qdpx"),
        Exporter("qdc", "REFI-QDA codebook only", ".qdc", "refi_qda:write_qdc"),
        Exporter("conll", "CoNLL-style BIO columns per layer and annotator, token level", ".conll",
                 "conll:write_conll", needs_tokens=True),
        Exporter("conllu", "CoNLL-U (10 columns, one sentence per block), each span layer's BIO tags in MISC",
                 ".conllu", "conllu:write_conllu", needs_tokens=True),
        Exporter("webanno", "WebAnno TSV 3.3 folder for INCEpTION: <annotator>/NNNN-title.tsv per document",
                 "", "webanno_tsv:write_webanno_tsv", needs_tokens=True, folder=True),
        Exporter("parquet", "Parquet dataset folder for DuckDB, Spark, Arrow: documents, annotations (a typed "
                 "column per attribute), status, codebook", "", "parquet:write_parquet", folder=True, dataset=True),
    )
}
FORMATS: tuple[str, ...] = tuple(EXPORTERS)


@dataclass(slots=True)
class ExportReport:
    """What an export wrote, and what the format could not carry."""

    path: str
    format: str
    documents: int = 0
    annotations: int = 0
    not_carried: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    report_path: str = ""
    remarks: list[str] = field(default_factory=list)  # how the format carried things (renamings, stand-ins)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        return {"path": self.path, "format": self.format, "documents": self.documents,
                "annotations": self.annotations, "not_carried": self.not_carried,
                "outputs": self.outputs, "report_path": self.report_path, "remarks": self.remarks}

    def as_text(self) -> str:
        """The report as a few lines for people (what is saved in <out>.report.txt)."""
        lines = [f"Export to {self.format}: {self.documents} documents, {self.annotations} annotations.",
                 *(f"Wrote {path}" for path in self.outputs)]
        if self.remarks:
            lines.append("How this format carries them:")
            lines += [f"- {item}" for item in self.remarks]
        if self.not_carried:
            lines.append("Not carried by this format (what / how many):")
            lines += [f"- {item}" for item in self.not_carried]
        else:
            lines.append("Everything selected was carried by this format.")
        return "\n".join(lines) + "\n"


# ----- where an export may write -----------------------------------------------------------------

# Errors that reading a project's rows raises when the file holds what we never write there
# (JSON that does not parse, text that is not UTF-8, a row another one refers to missing).
DAMAGE_ERRORS = (sqlite3.DatabaseError, ValueError, KeyError)
_PART_ALPHABET = string.ascii_lowercase + string.digits
# A leftover of a killed run on a system where we cannot ask whether its process lives.
_STALE_AFTER_S = 24 * 3600


class ExportTargets:
    """The files no export may write: this project's and those of every project open in this
    process, each with the -wal, -shm, -journal and .lock beside it; matched by resolved path
    (symlinks, "..") and, for files that exist, by device and inode (hard links)."""

    def __init__(self, project_path: Path) -> None:
        self.own = Path(os.path.realpath(project_path))
        roots = {self.own, *open_project_files()}
        self.members = {member: root for root in roots for member in project_file_family(root)}
        self.inodes: dict[tuple[int, int], Path] = {}
        for member in self.members:
            found = _stat(member)
            if found is not None:
                self.inodes[(found.st_dev, found.st_ino)] = member

    def hit(self, path: Path) -> Path | None:
        """The project file (or side file) that `path` is, if it is one."""
        real = Path(os.path.realpath(path))
        if real in self.members:
            return real
        found = _stat(path)
        return None if found is None else self.inodes.get((found.st_dev, found.st_ino))

    def check(self, path: Path, what: str = "export", folder: bool = False) -> None:
        """Raise ProjectFileError if writing `path` would write a project file, or (a file
        output) replace what is no output of ours: another project, a backup, a device."""
        member = self.hit(path)
        if member is None:
            if not folder:  # a folder output must be an empty folder (SafeOutputFiles.folder)
                refuse_foreign_target(Path(path), what)
            return
        root = self.members[member]
        if member != root:
            which = f" ({member.name}, kept beside {root.name})"
        else:
            which = "" if Path(path).name == root.name else f" ({root.name}, by another name)"
        where = "this project itself" if root == self.own else "a project open in this program"
        raise ProjectFileError(path, f"is {where}{which}; choose another name for the {what}")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


class SafeOutputFiles(OutputFiles):
    """OutputFiles that refuse project files, create outputs with the user's normal mode and
    name their temporaries `.<name>.<pid>-<8 random>.part`, so that a later export to the
    same output removes what a killed one left (and only that)."""

    def __init__(self, targets: ExportTargets) -> None:
        super().__init__()
        self.targets = targets
        self.started = time.time()

    def file(self, final: Path) -> Path:
        """A new temporary file (mode 0666 less the umask, as open() makes) for `final`."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        return self._new(final, lambda name: os.close(os.open(name, flags, 0o666)), False)

    def folder(self, final: Path) -> Path:
        """A new temporary folder (mode 0777 less the umask) that ends up at `final`."""
        self.targets.check(final, folder=True)
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            raise AnnotatorError(f"{final}: exists and is not an empty folder; choose a new folder")
        return self._new(final, lambda name: os.mkdir(name, 0o777), True)

    def _new(self, final: Path, make: Callable[[Path], None], is_folder: bool) -> Path:
        """Create a temporary by `make` under a name no file has (O_EXCL, mkdir: never an
        existing file or a symlink to one, so never a project file)."""
        self._prepare(final, is_folder)
        while True:
            token = "".join(secrets.choice(_PART_ALPHABET) for _ in range(8))
            name = final.with_name(f".{final.name}.{os.getpid()}-{token}.part")
            try:
                make(name)
            except FileExistsError:
                continue
            self._planned.append((name, final, is_folder))
            return name

    def _prepare(self, final: Path, folder: bool = False) -> None:
        """Refuse a project file; remove the temporaries of `final` that killed runs left."""
        self.targets.check(final, folder=folder)
        pattern = re.compile(re.escape(f".{final.name}.") + r"(\d{1,10})-[a-z0-9]{8}\.part")
        try:
            entries = list(os.scandir(final.parent))
        except OSError:
            return
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match is None:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if (info.st_mtime >= self.started or stat.S_ISLNK(info.st_mode)
                    or _running(int(match[1]), info.st_mtime) or self.targets.hit(Path(entry.path))):
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif stat.S_ISREG(info.st_mode):
                with suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int, modified: float) -> bool:
    """Whether the process that named a temporary `pid` may still be writing it."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return time.time() - modified < _STALE_AFTER_S
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # alive, someone else's
        pass
    return True


@contextmanager
def reading(project: Project) -> Iterator[None]:
    """Turn what reading a damaged project's rows raises into ProjectDamagedError."""
    try:
        yield
    except DAMAGE_ERRORS as error:
        detail = f"a row it refers to is missing ({error})" if isinstance(error, KeyError) else str(error)
        detail = " ".join(detail.split())  # one line, and short: SQLite quotes the whole bad text
        detail = detail if len(detail) <= 160 else detail[:157] + "..."
        raise ProjectDamagedError(project.path, f"cannot read it for export: {detail}") from error


@dataclass(slots=True)
class _Selection:
    """The documents (ids, in corpus order), their annotations and the annotators chosen."""

    ids: list[str]
    grouped: dict[str, list[ExportAnnotation]]
    annotators: list[Annotator]


def _selected(project: Project, annotator: str | None, layer: str | None, done_only: bool,
              gold: bool = False) -> _Selection:
    """The documents and annotations an export covers."""
    if gold and annotator is not None:
        raise AnnotatorError("choose either an annotator or the gold (curator) annotations, not both")
    everyone = project.annotators.list()
    if annotator is not None:
        project.annotators.id(annotator)  # raises if unknown
        chosen = [a for a in everyone if a.name == annotator]
    elif gold:
        chosen = [a for a in everyone if a.role == Role.CURATOR]
        if not chosen:
            raise AnnotatorError("the project has no curator, so no gold annotations to export")
    else:
        chosen = everyone
    if layer is not None:
        project.codebook.layer(layer)
    ids = project.documents.ids()
    if done_only:
        if annotator is None and not gold:
            raise AnnotatorError("--done-only needs --annotator or --gold (whose done documents?)")
        done: set[str] = set()
        for person in chosen:
            done |= project.status.done_by(person.name)
        ids = [i for i in ids if i in done]
    every = len(chosen) == len(everyone)
    return _Selection(ids, _annotations(project, [p.id for p in chosen], layer, every), chosen)


def _annotations(project: Project, annotator_ids: list[Any], layer: str | None,
                 every_annotator: bool = False) -> dict[str, list[ExportAnnotation]]:
    """The chosen annotators' annotations (of one layer), grouped by document, in text order
    (document labels first).

    One query, tuples rather than dataclasses and sorting per document in Python: an export
    of 200,000 annotations must take seconds, not tens of seconds.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if not every_annotator:
        clauses.append(f"annotator_id IN ({', '.join('?' * len(annotator_ids))})")
        params += annotator_ids
    if layer is not None:
        clauses.append("layer_id = ?")
        params.append(project.codebook.layer_id(layer))
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    project.codebook.get()
    labels: dict[int, tuple[str, str]] = {}
    names = {person.id: person.name for person in project.annotators.list()}
    grouped: dict[str, list[ExportAnnotation]] = {}
    rows = project.db.execute(
        "SELECT id, document_id, annotator_id, label_id, span_start, span_end, attributes, note, created_at, origin "
        f"FROM annotations {where}",
        params)
    for ident, document_id, annotator_id, label_id, start, end, attributes, note, created, origin in rows:
        pair = labels.get(label_id)
        if pair is None:
            pair = labels[label_id] = project.codebook.label_name(label_id)
        for offset in (start, end):
            if offset is not None and type(offset) is not int:
                raise ValueError(f"annotation {ident} has a span offset stored as {type(offset).__name__}, "
                                 "not a position in its text")
        values = {} if attributes == "{}" else json.loads(attributes)
        if not isinstance(values, dict):
            raise ValueError(f"annotation {ident} has attributes that are not a JSON object")
        item = ExportAnnotation(ident, document_id, names[annotator_id], pair[0], pair[1], start, end, values, note,
                                created, origin)
        found = grouped.get(document_id)
        if found is None:
            grouped[document_id] = [item]
        else:
            found.append(item)
    for items in grouped.values():
        items.sort(key=_text_order)
    return grouped


def _statuses(project: Project, selection: _Selection) -> dict[str, dict[str, str]]:
    """Every selected annotator's status on every selected document (done, in_progress,
    not_started), for the formats that carry it."""
    names = {person.id: person.name for person in selection.annotators}
    found: dict[str, dict[str, str]] = {}
    for document_id, annotator_id, status in project.db.execute(
            "SELECT document_id, annotator_id, status FROM document_status"):
        if annotator_id in names:
            found.setdefault(document_id, {})[names[annotator_id]] = Status(status).name.lower()
    return {document_id: {name: found.get(document_id, {}).get(name, "not_started") for name in names.values()}
            for document_id in selection.ids}


def dataset_rows(project: Project, selection: _Selection) -> dict[str, Any]:
    """What a dataset format carries beyond documents and annotations: every annotation's id,
    created, updated and origin (four parallel sequences), the selected annotators' statuses
    with the time each was set."""
    origin = "origin" in {column.name for column in project.db["annotations"].columns}
    chosen = "origin" if origin else "''"
    rows = project.db.execute(f"SELECT id, created_at, updated_at, {chosen} FROM annotations").fetchall()
    times = tuple(zip(*rows)) or ((), (), (), ())
    names = {person.id: person.name for person in selection.annotators}
    statuses = [(document_id, names[annotator_id], status, updated) for document_id, annotator_id, status, updated
                in project.db.execute("SELECT document_id, annotator_id, status, updated_at FROM document_status "
                                      "ORDER BY document_id, annotator_id") if annotator_id in names]
    return {"annotations": times, "statuses": statuses, "origin": origin}


def _text_order(item: ExportAnnotation) -> tuple[int, int, str]:
    return (-1 if item.start is None else item.start, -1 if item.end is None else item.end, item.id)


def _documents(project: Project, selection: _Selection, tokens: bool, report: ExportReport,
               progress: Progress | None, cancelled: Cancelled | None) -> Iterator[ExportDocument]:
    """The selected documents with text (and tokens), counting them and honouring cancel;
    a row that cannot be read raises ProjectDamagedError."""
    ids = selection.ids
    total = len(ids)
    columns = "document_id, text, tokens, sentences" if tokens else "document_id, text"
    for start in range(0, total, CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        with reading(project):
            rows = {row[0]: row for row in project.db.execute(
                f"SELECT {columns} FROM document_content WHERE document_id IN ({marks})", chunk)}
            documents = project.documents.many(chunk)
            if len(documents) != len(chunk):
                raise KeyError(next(i for i in chunk if i not in {d.id for d in documents}))
        for done, document in enumerate(documents, start=start):
            if cancelled is not None and cancelled():
                raise ExportCancelled("export cancelled; nothing was written")
            with reading(project):
                row = rows[document.id]
                segmentation = (Segmentation.from_blobs(row[2], row[3], document.length,
                                                        (document.n_tokens, document.n_sentences))
                                if tokens else None)
            annotations = selection.grouped.get(document.id, [])
            report.documents += 1
            report.annotations += len(annotations)
            yield ExportDocument(document, row[1], annotations, segmentation)
            if progress is not None and done % 50 == 0:
                progress(done + 1, total, document.title)
    if progress is not None:
        progress(total, total, "")


def export_project(
    project: Project,
    fmt: str,
    out: str | Path,
    annotator: str | None = None,
    layer: str | None = None,
    done_only: bool = False,
    progress: Progress | None = None,
    gold: bool = False,
    options: Mapping[str, Any] | None = None,
    cancelled: Cancelled | None = None,
    save_report: bool = True,
) -> ExportReport:
    """Write the selected documents and annotations to `out` in format `fmt`.

    Selection: every annotator, one `annotator`, or the `gold` set (annotators whose role is
    curator); optionally one `layer` and only documents marked done. `options` are the
    format's own (see EXPORTERS[fmt].options). Safe to run off the GUI thread on its own
    Project connection: `progress(done, total, title)` reports, `cancelled()` is polled per
    document and stops with ExportCancelled, leaving no output. The report of what the
    format could not carry is also saved as `<out>.report.txt`.

    Refused with ProjectFileError (nothing written) if an output would be a project file
    open in this process or one beside it; ProjectDamagedError if the project cannot be
    read; a write error (disk full) removes every output and says so in one line.
    """
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise AnnotatorError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")
    unknown = set(options or {}) - set(exporter.options)
    if unknown:
        known = ", ".join(exporter.options) or "none"
        raise AnnotatorError(f"format {fmt} has no option {', '.join(sorted(unknown))} (options: {known})")
    out = Path(out)
    if not out.parent.is_dir():
        raise AnnotatorError(f"{out}: folder {out.parent} does not exist")
    report_path = out.with_name(out.name + ".report.txt")
    targets = ExportTargets(project.path)
    targets.check(out, folder=exporter.folder)
    if save_report:
        targets.check(report_path, "export's report")
    with project.read_snapshot():
        return _export(project, exporter, out, report_path, targets, annotator, layer, done_only, progress,
                       gold, options, cancelled, save_report)


def _export(project: Project, exporter: Exporter, out: Path, report_path: Path, targets: ExportTargets,
            annotator: str | None, layer: str | None, done_only: bool, progress: Progress | None, gold: bool,
            options: Mapping[str, Any] | None, cancelled: Cancelled | None, save_report: bool) -> ExportReport:
    """export_project inside its read snapshot."""
    fmt = exporter.name
    # The full check: quick_check misses damage confined to an index, which can drop rows.
    check_integrity(project.db, project.path, full=True)
    with reading(project):
        selection = _selected(project, annotator, layer, done_only, gold)
        book = project.codebook.get()
        statuses = _statuses(project, selection) if exporter.statuses else {}
    context = ExportContext(
        codebook=book,
        annotators=selection.annotators,
        layers=tuple(item for item in book.layers if layer is None or item.name == layer),
        options={**exporter.options, **(options or {})},
        project_name=project.path.stem,
        statuses=statuses,
    )
    if exporter.dataset:
        with reading(project):
            context.options = {**context.options, "dataset": dataset_rows(project, selection)}
    with reading(project):  # relations of the selected annotators, by document (issue 16)
        context.options = {**context.options,
                           "relations": project.relations.export_rows(p.name for p in selection.annotators)}
    report = ExportReport(str(out), fmt)
    writer = exporter.load()
    files = SafeOutputFiles(targets)
    writing = out
    try:
        writer(_documents(project, selection, exporter.needs_tokens, report, progress, cancelled),
               context, out, files)
        report.outputs = [str(path) for path in files.finals]
        report.not_carried = context.notes()
        report.remarks = list(context.remarks)
        if save_report:  # written before anything is moved into place: all or nothing
            writing = report_path
            report.report_path = str(report_path)
            files.file(report_path).write_text(report.as_text(), encoding="utf-8")
    except OSError as error:
        files.discard()
        what = "the export's report" if writing == report_path else "the export"
        raise AnnotatorError(f"{writing}: cannot write {what} ({error.strerror or error}); "
                             "nothing was written") from None
    except BaseException:
        files.discard()
        raise
    try:
        files.commit()
    except OSError as error:
        files.discard()
        raise AnnotatorError(f"{out}: cannot move the export into place ({error.strerror or error})") from None
    return report

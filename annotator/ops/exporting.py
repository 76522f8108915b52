"""Export a project (or part of it) to one of the exchange formats, with a report of what
the format could not carry; outputs are written under temporary names, then moved."""

from __future__ import annotations

import importlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, BadInputError
from ..formats.interchange import (
    ExportAnnotation,
    ExportContext,
    ExportDocument,
    OutputFiles,
    codebook_from_dict,
    codebook_to_dict,
)
from ..formats.jsonl_writer import document_record, write_record
from ..model import Annotator, Role
from ..project import Project
from ..segmentation import Segmentation

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]
Writer = Callable[[Iterator[ExportDocument], ExportContext, Path, OutputFiles], None]
CHUNK = 500
# The key, in the first record of a native JSONL export, of the codebook and annotators.
JSONL_HEADER_KEY = "discourse_annotator"


class ExportCancelled(AnnotatorError):
    """The export was cancelled; nothing was written."""


@dataclass(frozen=True, slots=True)
class Exporter:
    """One export format: its name, what it writes, its options and where its writer lives."""

    name: str
    description: str
    suffix: str
    writer: str  # "module:function" under annotator.formats, imported when used ("" = native)
    needs_tokens: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> Writer:
        """The writer function (imports its library only now)."""
        module, function = self.writer.split(":")
        return getattr(importlib.import_module(f"annotator.formats.{module}"), function)


EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        Exporter("jsonl", "native JSON Lines, lossless (codebook and annotators in the first record)", ".jsonl",
                 "", options={"header": True}),
        Exporter("csv", "one row per annotation, plus a document x label count matrix (<out>.matrix.csv)",
                 ".csv", "csv_export:write_csv", options={"context_chars": 60}),
        Exporter("spacy", "spaCy DocBin: a SpanGroup per layer in doc.spans, document labels in doc.cats",
                 ".spacy", "spacy_docbin:write_docbin", needs_tokens=True),
        Exporter("brat", "brat standoff folder: .txt + .ann per document, annotation.conf, visual.conf",
                 "", "brat:write_brat"),
        Exporter("xmi", "UIMA CAS XMI zip with TypeSystem.xml, for INCEpTION (dkpro-cassis)", ".zip",
                 "xmi:write_xmi"),
        Exporter("qdpx", "REFI-QDA project (MAXQDA, ATLAS.ti, NVivo, QualCoder)", ".qdpx",
                 "refi_qda:write_qdpx"),
        Exporter("qdc", "REFI-QDA codebook only", ".qdc", "refi_qda:write_qdc"),
        Exporter("conll", "CoNLL-style BIO columns per layer and annotator, token level", ".conll",
                 "conll:write_conll", needs_tokens=True),
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

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        return {"path": self.path, "format": self.format, "documents": self.documents,
                "annotations": self.annotations, "not_carried": self.not_carried,
                "outputs": self.outputs, "report_path": self.report_path}

    def as_text(self) -> str:
        """The report as a few lines for people (what is saved in <out>.report.txt)."""
        lines = [f"Export to {self.format}: {self.documents} documents, {self.annotations} annotations.",
                 *(f"Wrote {path}" for path in self.outputs)]
        if self.not_carried:
            lines.append("Not carried by this format (what / how many):")
            lines += [f"- {item}" for item in self.not_carried]
        else:
            lines.append("Everything selected was carried by this format.")
        return "\n".join(lines) + "\n"


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
        "SELECT id, document_id, annotator_id, label_id, span_start, span_end, attributes, note "
        f"FROM annotations {where}",
        params)
    for ident, document_id, annotator_id, label_id, start, end, attributes, note in rows:
        pair = labels.get(label_id)
        if pair is None:
            pair = labels[label_id] = project.codebook.label_name(label_id)
        item = ExportAnnotation(ident, document_id, names[annotator_id], pair[0], pair[1], start, end,
                                {} if attributes == "{}" else json.loads(attributes), note)
        found = grouped.get(document_id)
        if found is None:
            grouped[document_id] = [item]
        else:
            found.append(item)
    for items in grouped.values():
        items.sort(key=_text_order)
    return grouped


def _text_order(item: ExportAnnotation) -> tuple[int, int, str]:
    return (-1 if item.start is None else item.start, -1 if item.end is None else item.end, item.id)


def _documents(project: Project, selection: _Selection, tokens: bool, report: ExportReport,
               progress: Progress | None, cancelled: Cancelled | None) -> Iterator[ExportDocument]:
    """The selected documents with text (and tokens), counting them and honouring cancel."""
    ids = selection.ids
    total = len(ids)
    columns = "document_id, text, tokens, sentences" if tokens else "document_id, text"
    for start in range(0, total, CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = {row[0]: row for row in project.db.execute(
            f"SELECT {columns} FROM document_content WHERE document_id IN ({marks})", chunk)}
        for done, document in enumerate(project.documents.many(chunk), start=start):
            if cancelled is not None and cancelled():
                raise ExportCancelled("export cancelled; nothing was written")
            row = rows[document.id]
            segmentation = Segmentation.from_blobs(row[2], row[3]) if tokens else None
            annotations = selection.grouped.get(document.id, [])
            report.documents += 1
            report.annotations += len(annotations)
            yield ExportDocument(document, row[1], annotations, segmentation)
            if progress is not None and done % 50 == 0:
                progress(done + 1, total, document.title)
    if progress is not None:
        progress(total, total, "")


def jsonl_header(context: ExportContext) -> dict[str, Any]:
    """What the first record of a native JSONL export carries besides its document, under
    JSONL_HEADER_KEY: the codebook and the annotators with their roles."""
    return {
        "version": 1,
        "codebook": codebook_to_dict(context.codebook),
        "annotators": [{"name": a.name, "role": a.role.value} for a in context.annotators],
    }


def _write_jsonl(documents: Iterator[ExportDocument], context: ExportContext, out: Path,
                 files: OutputFiles) -> None:
    """Native JSONL: one document per line; the first also carries codebook and annotators
    (a key other JSONL readers, this program's included, pass over)."""
    first = bool(context.option("header", True))
    with files.file(out).open("w", encoding="utf-8", newline="\n") as handle:
        for item in documents:
            record = document_record(item.document, item.text, item.annotations)
            if first:
                record[JSONL_HEADER_KEY] = jsonl_header(context)
                first = False
            write_record(handle, record)
    if first and context.option("header", True):
        context.not_carried("codebook and annotators (they ride on the first document; none was selected)", 1)


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
    selection = _selected(project, annotator, layer, done_only, gold)
    book = project.codebook.get()
    context = ExportContext(
        codebook=book,
        annotators=selection.annotators,
        layers=tuple(item for item in book.layers if layer is None or item.name == layer),
        options={**exporter.options, **(options or {})},
        project_name=project.path.stem,
    )
    report = ExportReport(str(out), fmt)
    writer = exporter.load() if exporter.writer else _write_jsonl
    files = OutputFiles()
    try:
        writer(_documents(project, selection, exporter.needs_tokens, report, progress, cancelled),
               context, out, files)
        report.outputs = [str(path) for path in files.finals]
        files.commit()
    except OSError as error:
        files.discard()
        raise AnnotatorError(f"{out}: cannot write ({error.strerror or error})") from None
    except BaseException:
        files.discard()
        raise
    report.not_carried = context.notes()
    if save_report:
        report_path = out.with_name(out.name + ".report.txt")
        report.report_path = str(report_path)
        report_path.write_text(report.as_text(), encoding="utf-8")
    return report


# ----- native JSONL header on import (to move into ops/importing.py when wired there) --------


def read_jsonl_header(path: str | Path) -> dict[str, Any] | None:
    """The codebook (as a Codebook) and annotators carried by the first record of a native
    JSONL export, or None if the file has none."""
    path = Path(path)
    number = 0
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                break
        else:
            return None
    if JSONL_HEADER_KEY not in line:
        return None
    try:
        record = json.loads(line)
    except ValueError as error:
        raise BadInputError(path, f"is not valid JSON ({error})", line=number) from None
    header = record.get(JSONL_HEADER_KEY) if isinstance(record, dict) else None
    if not isinstance(header, dict):
        return None
    header = dict(header)
    header["codebook"] = codebook_from_dict(header.get("codebook"), f"{path}, line {number}")
    people = header.get("annotators", [])
    if not isinstance(people, list) or not all(isinstance(p, dict) and isinstance(p.get("name"), str)
                                               and p.get("role", "annotator") in ("annotator", "curator")
                                               for p in people):
        raise BadInputError(path, f'"{JSONL_HEADER_KEY}" annotators must be {{"name", "role"}} records',
                            line=number)
    return header


def apply_jsonl_header(project: Project, header: Mapping[str, Any]) -> list[str]:
    """Add the header's annotators (with roles) and the layers, labels and attributes of its
    codebook that the project lacks; returns what was added."""
    added: list[str] = []
    book = header["codebook"]
    with project.db.atomic():
        for layer in book.layers:
            mine = project.codebook.get().layer(layer.name)
            if mine is None:
                project.codebook.add_layer(layer)
                added.append(f"layer {layer.name}")
                continue
            for label in layer.labels:
                if mine.label(label.name) is None:
                    project.codebook.add_label(layer.name, label)
                    added.append(f"label {layer.name}: {label.name}")
        for person in header.get("annotators", ()):
            if project.annotators.get(person["name"]) is None:
                project.annotators.ensure(person["name"], Role(person.get("role", "annotator")))
                added.append(f"annotator {person['name']}")
    project.codebook.invalidate()
    return added


def import_native_jsonl(project_path: str | Path, jsonl: str | Path, **import_options: Any) -> Project:
    """Create a project from a native JSONL export: its codebook, annotators (with roles),
    documents and annotations. Nothing is left behind if the file is refused."""
    from .importing import import_paths

    jsonl = Path(jsonl)
    header = read_jsonl_header(jsonl)
    if header is None:
        raise BadInputError(jsonl, "carries no codebook (not a native export of this program)")
    project = Project.create(project_path, codebook=header["codebook"])
    try:
        apply_jsonl_header(project, header)
        result = import_paths(project, [jsonl], "jsonl", atomic=True, **import_options)
        if result.failed:
            raise BadInputError(jsonl, "; ".join(reason for _, reason in result.failed))
    except BaseException:
        project.close()
        Path(project_path).unlink(missing_ok=True)
        raise
    return project


# ----- benchmark -------------------------------------------------------------------------------


def benchmark(n_documents: int = 10_000, n_annotations: int = 200_000) -> dict[str, float]:
    """Time JSONL and DocBin exports of a quickly built project of `n_documents` documents
    with `n_annotations` annotations spread over them (wall-clock and CPU seconds; the CPU
    figure is the one to trust on a busy machine)."""
    import random
    import uuid

    from ..bench import build_large_project
    from ..project.history import now

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bench.annot")
        started = time.perf_counter()
        build_large_project(path, n_documents, 0)
        with Project.open(path) as project:
            rng = random.Random(11)
            layers = [project.codebook.layer(name) for name in ("Framing", "Stance", "Rhetorical device")]
            annotator_id = project.annotators.id("ada")
            stamp = now()
            rows = []
            ids = project.documents.ids()
            per_document = max(1, n_annotations // len(ids))
            for document_id in ids:
                segmentation = project.documents.segmentation(document_id)
                count = len(segmentation.token_starts)
                for _ in range(per_document):
                    if len(rows) >= n_annotations:
                        break
                    layer = rng.choice(layers)
                    label = rng.choice(layer.labels)
                    first = rng.randrange(count - 6)
                    rows.append((str(uuid.uuid4()), document_id, annotator_id, layer.id, label.id,
                                 segmentation.token_starts[first], segmentation.token_ends[first + rng.randint(0, 5)],
                                 "{}", "", stamp, stamp))
            with project.db.atomic():
                project.db.conn.executemany("INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            built = time.perf_counter() - started
            figures: dict[str, float] = {"documents": len(ids), "annotations": project.annotations.count(),
                                         "build_s": round(built, 2)}
            for fmt, suffix in (("jsonl", ".jsonl"), ("spacy", ".spacy")):
                started, cpu = time.perf_counter(), time.process_time()
                export_project(project, fmt, Path(folder, "out" + suffix), save_report=False)
                figures[f"{fmt}_s"] = round(time.perf_counter() - started, 2)
                figures[f"{fmt}_cpu_s"] = round(time.process_time() - cpu, 2)
    return figures

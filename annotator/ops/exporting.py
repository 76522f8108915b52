"""Export a project (or part of it) to a file; written to a temporary file, then moved."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError
from ..formats.jsonl_writer import document_record, write_record
from ..model import Annotation
from ..project import Project

FORMATS = ("jsonl",)
Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class ExportReport:
    """What an export wrote, and what the format could not carry."""

    path: str
    format: str
    documents: int = 0
    annotations: int = 0
    not_carried: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        return {"path": self.path, "format": self.format, "documents": self.documents,
                "annotations": self.annotations, "not_carried": self.not_carried}


def _selected(project: Project, annotator: str | None, layer: str | None, done_only: bool) -> tuple[list[str], dict[str, list[Annotation]]]:
    if annotator is not None:
        project.annotators.id(annotator)  # raises if unknown
    if layer is not None:
        project.codebook.layer(layer)
    ids = project.documents.ids()
    if done_only:
        if annotator is None:
            raise AnnotatorError("--done-only needs --annotator (whose done documents?)")
        done = project.status.done_by(annotator)
        ids = [i for i in ids if i in done]
    if annotator is not None:
        source = project.annotations.by_annotator(annotator)
    elif layer is not None:
        source = project.annotations.by_layer(layer)
    else:
        source = project.annotations.all()
    grouped: dict[str, list[Annotation]] = {}
    for item in source:
        if layer is not None and item.layer != layer:
            continue
        grouped.setdefault(item.document_id, []).append(item)
    return ids, grouped


def export_project(
    project: Project,
    fmt: str,
    out: str | Path,
    annotator: str | None = None,
    layer: str | None = None,
    done_only: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the selected documents and annotations to `out` in format `fmt`."""
    if fmt not in FORMATS:
        raise AnnotatorError(f"unknown export format {fmt!r}; formats: {', '.join(FORMATS)}")
    out = Path(out)
    if not out.parent.is_dir():
        raise AnnotatorError(f"{out}: folder {out.parent} does not exist")
    ids, grouped = _selected(project, annotator, layer, done_only)
    report = ExportReport(str(out), fmt)
    handle_fd, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle_fd, "w", encoding="utf-8", newline="\n") as handle:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for document in project.documents.many(chunk):
                    annotations = grouped.get(document.id, [])
                    text = project.db.execute(
                        "SELECT text FROM document_content WHERE document_id = ?", [document.id]
                    ).fetchone()[0]
                    write_record(handle, document_record(document, text, annotations))
                    report.documents += 1
                    report.annotations += len(annotations)
                if progress is not None:
                    progress(min(start + 500, len(ids)), len(ids), "")
        os.replace(temporary, out)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise AnnotatorError(f"{out}: cannot write ({error.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return report

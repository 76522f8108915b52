"""Coding from the concordance: tag many hits with one label in one undoable step (CATMA's
"annotate from KWIC").

Each hit goes in the way a selection in the editor does: `project.annotations.add` snaps it
to the layer's granularity (tokens or sentences; characters as they are) and applies the
layer's overlap rule. A hit already carrying the label (a span of the same annotator with
that label sharing a character with the snapped hit), one the overlap rule refuses, one
that holds only spaces or lies outside its text is skipped and counted, never an error: the
user selected many rows and wants the others coded. Everything added is one step of the
undo history (History.group) and one ChangeSet on the bus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import AnnotationError, AnnotatorError, ProjectFileError
from ..project import Project


@dataclass(frozen=True, slots=True)
class CodingResult:
    """What coding a set of hits did."""

    added: int
    skipped: int  # already carrying the label (same annotator, overlapping after snapping), or refused
    annotation_ids: list[str]

    def message(self, label: str) -> str:
        """The status line a window shows: "Coded 12 hits as Economic; 3 skipped (already coded or refused)."""
        skipped = f"; {self.skipped} skipped (already {label} or refused by the layer)" if self.skipped else ""
        return f"Coded {self.added} hit{'s' if self.added != 1 else ''} as {label}{skipped}."


def code_hits(project: Project, hits: Sequence[tuple[str, int, int]], layer: str, label: str,
              annotator: str) -> CodingResult:
    """Code every (document_id, start, end) as `annotator` with `layer`:`label`, in ONE undoable
    operation, each span snapped as the editor snaps a selection; already-coded hits skipped."""
    if project.readonly:
        raise ProjectFileError(project.path, "is open read-only; nothing can be coded")
    book = project.codebook.get()
    found = book.layer(layer)
    if found is None:
        raise AnnotatorError(f'no layer "{layer}" in the codebook')
    if found.kind != "span":
        raise AnnotatorError(f'layer "{layer}" labels whole documents, not the hits of a concordance')
    wanted = found.label(label)
    if wanted is None or wanted.id is None:
        raise AnnotatorError(f'layer "{layer}" has no label "{label}"')
    annotator_id = project.annotators.id(annotator)
    added: list[str] = []
    skipped = 0
    description = f"code {len(hits)} concordance hit{'s' if len(hits) != 1 else ''} as {label}"
    with project.history.group(description, annotator):
        for document_id, start, end in dict.fromkeys(hits):  # the same row twice is coded once
            try:
                text = project.documents.text(document_id)
            except AnnotatorError:
                skipped += 1
                continue
            snapped = (project.documents.segmentation(document_id).snap(start, end, found.granularity)
                       if 0 <= start < end <= len(text) and text[start:end].strip() else None)
            if snapped is None or _carries(project, document_id, annotator_id, int(wanted.id), *snapped):
                skipped += 1
                continue
            try:
                changes = project.annotations.add(document_id, annotator, layer, label, start, end)
            except AnnotationError:  # the layer's overlap rule refused it
                skipped += 1
                continue
            if changes.primary is not None:
                added.append(changes.primary)
    return CodingResult(len(added), skipped, added)


def _carries(project: Project, document_id: str, annotator_id: int, label_id: int, start: int, end: int) -> bool:
    """Whether the annotator already has a span with this label sharing a character with start–end."""
    return project.db.execute(
        "SELECT 1 FROM annotations WHERE document_id = ? AND annotator_id = ? AND label_id = ? "
        "AND span_start < ? AND span_end > ? LIMIT 1", [document_id, annotator_id, label_id, end, start],
    ).fetchone() is not None

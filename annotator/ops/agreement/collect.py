"""Gather what an agreement computation needs: one query over the layer, as numpy columns."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import AnnotatorError, ProjectDamagedError
from ...model import Document, Layer, Role, Status
from ...project import Project
from .request import AgreementRequest

PARTICIPATION_RULE_SPANS = (
    "an annotator coded a document when they marked it in progress or done, or put at least "
    "one annotation of the layer on it; for other annotators the document's units are missing "
    "values, not 'none'"
)
PARTICIPATION_RULE_DOCUMENTS = (
    "an annotator coded a document when they gave it at least one label of the layer; "
    "otherwise their value is missing"
)
FEWER_THAN_TWO = "fewer than two of the selected annotators coded it"
NOT_DONE = "not marked done by every selected annotator"
MANUAL_ONLY_RULE = (
    "manual only: annotations that began as suggestions (accepted from a codebook rule or a model) are "
    "left out as if they had never been made, before deciding who coded which document"
)


@dataclass(frozen=True)
class SuggestionCounts:
    """Per annotator: the annotations compared, how many of them began as accepted suggestions
    (origin "rule:…" or "model:…"), and how many such annotations `manual_only` left out."""

    manual_only: bool
    compared: dict[str, int]
    from_suggestions: dict[str, int]
    left_out: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"manual_only", "per_annotator": {name: {"compared", "from_suggestions", "left_out"}}}."""
        return {"manual_only": self.manual_only, "per_annotator": {
            name: {"compared": self.compared[name], "from_suggestions": self.from_suggestions[name],
                   "left_out": self.left_out[name]} for name in self.compared}}

    def note(self) -> str:
        """One line for the report's notes."""
        if self.manual_only:
            return (MANUAL_ONLY_RULE + ": " + ", ".join(f"{n} of {name}'s" for name, n in self.left_out.items())
                    + " left out")
        said = ", ".join(f"{name} {self.from_suggestions[name]} of {n}" for name, n in self.compared.items())
        return ("compared annotations that began as suggestions (accepted from a codebook rule or a model): "
                + said + "; --manual-only leaves them out")


@dataclass
class Corpus:
    """The selected documents and annotators, and their annotations of the layer as columns.

    Row r is one annotation with a selected label: document `doc[r]` (index into
    `documents`), annotator `coder[r]` (index into `annotators`), `label[r]` (index into
    `labels`), `start[r]`/`end[r]` (-1 for document labels); rows are sorted by document,
    annotator and start.  `took_part[i, d]` says whether annotator i coded document d.
    `offsets[d]` is where document d starts when the documents are laid end to end.
    """

    layer: Layer
    labels: tuple[str, ...]
    annotators: tuple[str, ...]
    documents: list[Document]
    took_part: np.ndarray
    doc: np.ndarray
    coder: np.ndarray
    label: np.ndarray
    start: np.ndarray
    end: np.ndarray
    attributes: list[dict[str, Any]] | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    suggestions: SuggestionCounts | None = None

    @property
    def participation_rule(self) -> str:
        """How the corpus decided who coded which document."""
        return PARTICIPATION_RULE_DOCUMENTS if self.layer.kind == "document" else PARTICIPATION_RULE_SPANS

    @property
    def offsets(self) -> np.ndarray:
        """Start of each document (and the total length last) with documents laid end to end."""
        return np.concatenate(([0], np.cumsum([d.length for d in self.documents]))).astype(np.int64)

    def rows_of(self, d: int) -> slice:
        """The rows of document d."""
        first, last = np.searchsorted(self.doc, [d, d + 1])
        return slice(int(first), int(last))

    def count_labels(self) -> np.ndarray:
        """labels x annotators: how many annotations of each label each annotator made."""
        flat = np.bincount(self.label * len(self.annotators) + self.coder,
                           minlength=len(self.labels) * len(self.annotators))
        return flat.reshape(len(self.labels), len(self.annotators))


def collect(project: Project, request: AgreementRequest, labels: tuple[str, ...]) -> Corpus:
    """Load the layer's annotations once and pick documents and annotators as `request` says."""
    layer = project.codebook.layer(request.layer)
    with_attributes = request.attribute is not None
    packed = None if with_attributes else _layer_columns(project, layer)
    if packed is None:
        rows = _layer_rows(project, layer, with_attributes)
        columns = list(zip(*rows)) if rows else [()] * 7
        document_ids: Any = columns[0]
    else:  # the same rows, read as numbers (document ids expanded from their groups below)
        rows, columns = [], [()] * 7
        document_ids, integers = packed
    annotator_ids = np.asarray(columns[1], dtype=np.int64) if packed is None else integers[0]
    annotators = _annotators(project, request, set(np.unique(annotator_ids).tolist()))

    candidates = _candidate_documents(project, request)
    left_out: dict[str, int] = {}
    if request.done_only:
        done = [project.status.done_by(name) for name in annotators]
        kept = [d for d in candidates if all(d in s for s in done)]
        if len(kept) < len(candidates):
            left_out[NOT_DONE] = len(candidates) - len(kept)
        candidates = kept

    position = {document_id: k for k, document_id in enumerate(candidates)}
    if packed is None:
        doc = np.asarray([position.get(d, -1) for d in document_ids], dtype=np.int64)
    else:
        group_ids, group_sizes = document_ids
        doc = np.repeat(np.asarray([position.get(d, -1) for d in group_ids], dtype=np.int64), group_sizes)
    coder = _lookup({project.annotators.id(n): i for i, n in enumerate(annotators)}, annotator_ids)
    wanted = set(labels)
    label_index = {label.id: labels.index(label.name) for label in layer.labels if label.name in wanted}
    label = _lookup(label_index, np.asarray(columns[2], dtype=np.int64) if packed is None else integers[1])
    suggested = np.asarray(columns[6], dtype=bool) if packed is None else integers[4].astype(bool)
    left_by_suggestion = _per_annotator(annotators, coder[(doc >= 0) & (coder >= 0) & (label >= 0) & suggested])
    ours = (doc >= 0) & (coder >= 0)
    if request.manual_only:
        ours &= ~suggested
    took_part = np.zeros((len(annotators), len(candidates)), dtype=bool)
    took_part[coder[ours], doc[ours]] = True
    if layer.kind == "span":
        for i, name in enumerate(annotators):
            for document_id, status in project.status.for_annotator(name).items():
                if status is not Status.NOT_STARTED and document_id in position:
                    took_part[i, position[document_id]] = True

    enough = took_part.sum(axis=0) >= 2
    if not enough.all():
        left_out[FEWER_THAN_TWO] = int(np.count_nonzero(~enough))
    renumber = np.full(len(candidates) + 1, -1, dtype=np.int64)
    renumber[np.flatnonzero(enough)] = np.arange(int(enough.sum()))
    doc = renumber[doc]  # -1 stays -1 (index -1 is the extra last entry)
    keep = ours & (label >= 0) & (doc >= 0)
    if packed is None:
        start, end = _offsets(project, rows, columns[3]), _offsets(project, rows, columns[4])
        order = np.flatnonzero(keep)
        order = order[np.lexsort((start[order], coder[order], doc[order]))]
    else:  # ties in the order of the one-query read: by rowid, as the layer index returns them
        start, end = integers[2], integers[3]
        order = np.flatnonzero(keep)
        order = order[np.lexsort((integers[5][order], start[order], coder[order], doc[order]))]
    if layer.kind == "span" and len(order) and int(start[order].min()) < 0:  # a span with no offsets
        first = int(order[np.argmin(start[order])])
        where = candidates[int(np.flatnonzero(renumber == doc[first])[0])] if doc[first] >= 0 else "?"
        raise ProjectDamagedError(project.path, f"document {where}: an annotation of the span layer "
                                                f"{layer.name!r} with no start or end in the text")
    attributes = None
    if with_attributes:
        attributes = [json.loads(columns[5][r]) if columns[5][r] else {} for r in order.tolist()]
    kept_ids = [candidates[k] for k in np.flatnonzero(enough)]
    suggestions = SuggestionCounts(
        manual_only=request.manual_only, compared=_per_annotator(annotators, coder[keep]),
        from_suggestions=_per_annotator(annotators, coder[keep & suggested]),
        left_out=left_by_suggestion if request.manual_only else dict.fromkeys(annotators, 0))
    return Corpus(
        layer=layer, labels=labels, annotators=annotators,
        documents=project.documents.many(kept_ids), took_part=took_part[:, enough],
        doc=doc[order], coder=coder[order], label=label[order], start=start[order], end=end[order],
        attributes=attributes, left_out=left_out, suggestions=suggestions,
    )


def _per_annotator(annotators: tuple[str, ...], coders: np.ndarray) -> dict[str, int]:
    """How many rows each annotator has among `coders` (their indexes), by name."""
    counts = np.bincount(coders, minlength=len(annotators)) if len(coders) else np.zeros(len(annotators), int)
    return {name: int(counts[i]) for i, name in enumerate(annotators)}


def _offsets(project: Project, rows: list[tuple[Any, ...]], column: tuple[Any, ...]) -> np.ndarray:
    """Span offsets as integers, -1 for the None of document labels; an offset that is not
    a whole number (written by another program) names the project as damaged."""
    try:
        return np.asarray(column, dtype=np.int64)
    except (TypeError, ValueError):
        pass
    try:
        return np.asarray([-1 if value is None else value for value in column], dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        for row in rows:
            for value in row[3:5]:
                if value is not None and (type(value) is not int or not 0 <= value < 2**31):
                    raise ProjectDamagedError(project.path, f"document {row[0]}: a span offset that is not "
                                                            f"a position in its text ({type(value).__name__})") from None
        raise


def _lookup(mapping: dict[int, int], keys: np.ndarray) -> np.ndarray:
    """mapping[key] for every key, -1 where the key is not mapped."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    table = np.full(int(max(keys.max(), max(mapping, default=0))) + 1, -1, dtype=np.int64)
    for key, value in mapping.items():
        table[key] = value
    return table[keys]


def _layer_rows(project: Project, layer: Layer, with_attributes: bool) -> list[tuple[Any, ...]]:
    """(document, annotator id, label id, start, end, attributes JSON or None, 1 when the
    annotation began as an accepted suggestion else 0): one query.

    Lighter than AnnotationStore.by_layer (no Annotation records; attributes read and decoded
    only when an attribute is compared), which keeps a 180,000-annotation layer fast.
    """
    attributes = "attributes" if with_attributes else "NULL"
    return project.db.execute(
        f"SELECT document_id, annotator_id, label_id, span_start, span_end, {attributes}, origin != '' "
        "FROM annotations WHERE layer_id = ?",
        [project.codebook.layer_id(layer.name)],
    ).fetchall()


_PACKED = (
    "SELECT document_id, count(*), group_concat(annotator_id), group_concat(label_id), "
    "group_concat(coalesce(span_start, -1)), group_concat(coalesce(span_end, -1)), "
    "group_concat(origin != ''), group_concat(rowid), "
    "sum(typeof(annotator_id) != 'integer' OR typeof(label_id) != 'integer' "
    "OR typeof(span_start) NOT IN ('integer', 'null') OR typeof(span_end) NOT IN ('integer', 'null')) "
    "FROM annotations WHERE layer_id = ? GROUP BY document_id"
)


def _layer_columns(project: Project, layer: Layer) -> tuple[tuple[list[str], np.ndarray], list[np.ndarray]] | None:
    """The rows of _layer_rows (without attributes) as ((document ids, rows per document),
    [annotator id, label id, start, end, from a suggestion, rowid] columns), or None when a
    value is not an integer (written by another program: _layer_rows and _offsets name it).

    One row per document with its values joined by commas and parsed by numpy: a
    180,000-annotation layer would otherwise make 1.3 million Python objects.
    """
    found = project.db.execute(_PACKED, [project.codebook.layer_id(layer.name)]).fetchall()
    if any(row[8] for row in found):
        return None
    sizes = np.asarray([row[1] for row in found], dtype=np.int64)
    columns = []
    for k in range(2, 8):
        text = ",".join([row[k] for row in found])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy warns (and stops) at a value it cannot parse
                values = np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)
        except (ValueError, DeprecationWarning):
            return None
        if len(values) != int(sizes.sum()):
            return None
        columns.append(values)
    return ([row[0] for row in found], sizes), columns


def _annotators(project: Project, request: AgreementRequest, used_ids: set[int]) -> tuple[str, ...]:
    """The named annotators (checked), or everyone with annotations in the layer but the curator."""
    if request.annotators:
        for name in request.annotators:
            if project.annotators.get(name) is None:
                known = ", ".join(a.name for a in project.annotators.list()) or "none"
                raise AnnotatorError(f'no annotator "{name}" in this project (annotators: {known})')
        if len(set(request.annotators)) < len(request.annotators):
            raise AnnotatorError("an annotator is named twice")
        return request.annotators
    return tuple(
        a.name for a in project.annotators.list() if a.id in used_ids and a.role is not Role.CURATOR
    )


def _candidate_documents(project: Project, request: AgreementRequest) -> list[str]:
    """The requested documents (checked) in corpus order, or every document."""
    every = project.documents.ids()
    if not request.documents:
        return every
    known = set(every)
    for document_id in request.documents:
        if document_id not in known:
            raise AnnotatorError(f"no document with id {document_id}")
    wanted = set(request.documents)
    return [d for d in every if d in wanted]

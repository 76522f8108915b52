"""Turn a corpus's annotations into coders x units values (documents, sentences or tokens)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...model import AttributeDef
from ...nlp.segmentation import blob_problem
from ...project import Project
from ...stats import COVER_RULE, NONE_LABEL, TIE_RULE, unit_labels
from .collect import Corpus
from .fast import presence_row, span_cover_ranges, unit_label_codes

ABSENT, PRESENT = "absent", "present"
MULTI_LABEL_RULE = (
    "the layer allows several labels per document, so each (document, label) pair is one "
    "unit with the value present or absent"
)
ATTRIBUTE_RULE = (
    "a unit takes the {attribute} of the annotator's span covering it (ties as for labels); "
    "units an annotator left uncovered, or covered with no {attribute}, are missing, so only "
    "units that two or more annotators covered are compared"
)
_UNCOVERED = "\x00uncovered"


@dataclass
class UnitTable:
    """Coders x units values: `values[i, u]` indexes `categories`, NaN where missing.

    `document_of_unit[u]` indexes the corpus documents; `presence` maps each label to a
    coders x units matrix of 1 / 0 / NaN (the per-label present/absent variant);
    `numeric` holds each category's number when the categories are numbers; `unit_starts` and
    `unit_ends` are the sentence or token offsets with the documents laid end to end.
    """

    values: np.ndarray
    categories: tuple[Hashable, ...]
    document_of_unit: np.ndarray
    name: str
    presence: dict[str, np.ndarray] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    numeric: np.ndarray | None = None
    span_ranges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    missing: np.ndarray | None = None
    labels: tuple[str, ...] = ()
    unit_starts: np.ndarray | None = None
    unit_ends: np.ndarray | None = None

    def presence_of(self, label: str) -> np.ndarray:
        """Coders x units: 1.0 where a span with `label` covers the unit, 0.0 where not, NaN missing."""
        if label in self.presence:
            return self.presence[label]
        assert self.span_ranges is not None and self.missing is not None
        k = self.labels.index(label)
        rows = [presence_row(first[code == k], stop[code == k], self.n_units)
                for first, stop, code in self.span_ranges]
        matrix = np.vstack(rows) if rows else np.zeros((0, self.n_units))
        matrix[self.missing] = np.nan
        return matrix

    @property
    def n_units(self) -> int:
        """Number of units."""
        return int(self.values.shape[1])

    def numeric_values(self) -> np.ndarray:
        """The values as numbers (for interval alpha); NaN where missing."""
        assert self.numeric is not None
        codes = np.nan_to_num(self.values, nan=0).astype(np.int64)
        return np.where(np.isnan(self.values), np.nan, self.numeric[codes])


def build_units(
    project: Project, corpus: Corpus, unit: str, attribute: AttributeDef | None,
    tick: Callable[[], None] = lambda: None,
) -> UnitTable:
    """The unit table for `unit` ("document", "sentence" or "token")."""
    if unit == "document":
        return _document_units(corpus, attribute)
    return _span_units(project, corpus, unit, attribute, tick)


def _span_units(
    project: Project, corpus: Corpus, unit: str, attribute: AttributeDef | None,
    tick: Callable[[], None],
) -> UnitTable:
    """Sentences or tokens of every document, laid end to end so one projection call does all."""
    offsets = corpus.offsets
    pairs, counts = [], []
    for d, blob in enumerate(_segmentation_blobs(project, corpus, unit)):
        pairs.append(np.frombuffer(blob, dtype="<u4"))
        counts.append(len(blob) // 8)
        tick()
    flat = np.concatenate(pairs).astype(np.int64) if pairs else np.zeros(0, dtype=np.int64)
    doc_index = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    unit_starts, unit_ends = flat[0::2] + offsets[doc_index], flat[1::2] + offsets[doc_index]
    span_start, span_end = corpus.start + offsets[corpus.doc], corpus.end + offsets[corpus.doc]
    missing = ~corpus.took_part[:, doc_index]
    name = f"{unit} ({len(unit_starts):,} {unit}s in {len(corpus.documents):,} documents)"
    if attribute is not None:
        assert corpus.attributes is not None
        value = [row.get(attribute.name) for row in corpus.attributes]
        categories = attribute_categories(attribute, [v for v in value if v is not None])
        by_coder: dict[Hashable, list[tuple[int, int, Hashable]]] = {n: [] for n in corpus.annotators}
        for r, v in enumerate(value):
            if v is not None:
                by_coder[corpus.annotators[corpus.coder[r]]].append((int(span_start[r]), int(span_end[r]), v))
        projected = unit_labels(unit_starts, unit_ends, by_coder, categories, _UNCOVERED)
        values = projected.values.copy()
        values[(values == len(categories)) | missing] = np.nan
        rule = ATTRIBUTE_RULE.format(attribute=f'attribute "{attribute.name}"')
        return UnitTable(values, tuple(categories), doc_index, name, {}, [COVER_RULE, TIE_RULE, rule],
                         _numbers(categories), unit_starts=unit_starts, unit_ends=unit_ends)
    none_code = len(corpus.labels)
    rows = []
    for i in range(len(corpus.annotators)):
        mine = corpus.coder == i
        rows.append(unit_label_codes(unit_starts, unit_ends, span_start[mine], span_end[mine],
                                     corpus.label[mine], none_code))
    values = np.vstack(rows) if rows else np.zeros((0, len(unit_starts)))
    values[missing] = np.nan
    ranges = []
    for i in range(len(corpus.annotators)):
        mine = corpus.coder == i
        first, stop = span_cover_ranges(unit_starts, unit_ends, span_start[mine], span_end[mine])
        ranges.append((first, stop, corpus.label[mine]))
    return UnitTable(values, (*corpus.labels, NONE_LABEL), doc_index, name, {}, [COVER_RULE, TIE_RULE],
                     span_ranges=ranges, missing=missing, labels=corpus.labels,
                     unit_starts=unit_starts, unit_ends=unit_ends)


def _segmentation_blobs(project: Project, corpus: Corpus, unit: str) -> list[bytes]:
    """The stored sentence or token blob of each corpus document, in corpus order, read a few
    hundred documents per query instead of one query (and one decoded text) per document.

    Each blob is checked as DocumentStore.segmentation checks it (the texts themselves were
    checked when the corpus was collected): a damaged one names the project file as damaged.
    """
    ids = [document.id for document in corpus.documents]
    found: dict[str, tuple[Any, Any, int]] = {}
    for first in range(0, len(ids), 500):
        chunk = ids[first:first + 500]
        marks = ", ".join("?" * len(chunk))
        found.update((row[0], row[1:]) for row in project.db.execute(
            "SELECT c.document_id, c.tokens, c.sentences, documents.length FROM document_content AS c "
            f"JOIN documents ON documents.id = c.document_id WHERE c.document_id IN ({marks})", chunk))
    blobs = []
    for document_id in ids:
        if document_id not in found:
            raise project.documents.damaged(f"document {document_id}: no text stored")
        tokens, sentences, length = found[document_id]
        problem = blob_problem(tokens, length, "tokens") or blob_problem(sentences, length, "sentences")
        if problem is not None:
            raise project.documents.damaged(f"document {document_id}: {problem}")
        blobs.append(sentences if unit == "sentence" else tokens)
    return blobs


def _document_units(corpus: Corpus, attribute: AttributeDef | None) -> UnitTable:
    """One unit per document (or per document and label for multi-label layers)."""
    n_coders, n_docs = len(corpus.annotators), len(corpus.documents)
    doc_index = np.arange(n_docs, dtype=np.int64)
    backwards = slice(None, None, -1)  # assigning in reverse order lets each first row win
    if attribute is not None:
        assert corpus.attributes is not None
        value = [row.get(attribute.name) for row in corpus.attributes]
        categories = attribute_categories(attribute, [v for v in value if v is not None])
        position = {v: k for k, v in enumerate(categories)}
        has = np.asarray([v is not None for v in value], dtype=bool)
        code = np.asarray([position.get(v, -1) if v is not None else -1 for v in value], dtype=float)
        values = np.full((n_coders, n_docs), np.nan)
        values[corpus.coder[has][backwards], corpus.doc[has][backwards]] = code[has][backwards]
        rule = (f'the value is the attribute "{attribute.name}" of the annotator\'s (first) label '
                "on the document; missing when there is none")
        return UnitTable(values, tuple(categories), doc_index, f"document ({n_docs:,} documents)", {},
                         [rule], _numbers(categories))
    labels = corpus.labels
    missing = ~corpus.took_part
    given = np.zeros((len(labels), n_coders, n_docs))
    given[corpus.label, corpus.coder, corpus.doc] = 1.0
    given[:, missing] = np.nan
    presence = {label: given[k] for k, label in enumerate(labels)}
    if corpus.layer.multiple:
        values = np.concatenate([given[k] for k in range(len(labels))], axis=1)
        name = (f"document x label ({n_docs:,} documents x {len(labels)} labels = "
                f"{n_docs * len(labels):,} units)")
        return UnitTable(values, (ABSENT, PRESENT), np.tile(doc_index, len(labels)), name, presence,
                         [MULTI_LABEL_RULE])
    categories: tuple[Hashable, ...] = labels
    rules = []
    values = np.full((n_coders, n_docs), np.nan)
    values[corpus.coder[backwards], corpus.doc[backwards]] = corpus.label[backwards]
    if set(labels) != {label.name for label in corpus.layer.labels}:
        categories = (*labels, NONE_LABEL)
        rules.append(f"a document labelled outside the chosen labels counts as '{NONE_LABEL}'")
        values[np.isnan(values) & ~missing] = float(len(labels))
    return UnitTable(values, categories, doc_index, f"document ({n_docs:,} documents)", presence, rules)


def attribute_categories(attribute: AttributeDef, observed: Sequence[Any]) -> list[Hashable]:
    """The ordered category list of an attribute: its choices, its int range, or the values seen."""
    seen = list(dict.fromkeys(observed))
    if attribute.type == "choice":
        base: list[Hashable] = list(attribute.choices)
    elif attribute.type == "bool":
        base = [False, True]
    elif attribute.type == "int" and attribute.minimum is not None and attribute.maximum is not None:
        base = list(range(attribute.minimum, attribute.maximum + 1))
    else:
        try:
            return sorted(seen)
        except TypeError:
            return seen
    extra = [v for v in seen if v not in base]
    return base + extra


def _numbers(categories: Sequence[Hashable]) -> np.ndarray | None:
    """Each category as a float when every category is a number."""
    if categories and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in categories):
        return np.asarray(categories, dtype=float)
    return None

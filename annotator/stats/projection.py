"""Project annotators' spans onto units (sentences, tokens) to get coders x units data."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Span = tuple[int, int, Hashable]  # (start, end, label), end exclusive
NONE_LABEL = "none"
COVER_RULE = "a span covers a unit when they share at least one character"
TIE_RULE = (
    "when spans with different labels cover a unit, the unit takes the label of the span "
    "sharing the most characters with it; ties go to the span that starts first, then to "
    "the label listed first"
)


@dataclass(frozen=True)
class UnitValues:
    """Coders x units values: `values[i, u]` indexes `labels`; NaN where coder i is missing."""

    values: np.ndarray
    labels: tuple[Hashable, ...]
    coders: tuple[Hashable, ...]

    def label_of(self, coder: int, unit: int) -> Hashable | None:
        """The label coder number `coder` gave unit `unit`, or None when missing."""
        value = self.values[coder, unit]
        return None if np.isnan(value) else self.labels[int(value)]


def unit_labels(
    unit_starts: Sequence[int] | np.ndarray,
    unit_ends: Sequence[int] | np.ndarray,
    spans_by_coder: Mapping[Hashable, Iterable[Span] | None],
    labels: Sequence[Hashable] | None = None,
    none_label: Hashable = NONE_LABEL,
) -> UnitValues:
    """One label per coder and unit: the label of a covering span, or `none_label`.

    Units must be sorted and must not overlap (sentences or tokens of one document).
    A coder mapped to None did not code the document: the row is missing (NaN).
    COVER_RULE and TIE_RULE state how spans become unit values.
    """
    starts, ends = _checked_units(unit_starts, unit_ends)
    label_list = _label_list(spans_by_coder, labels)
    if none_label in label_list:
        raise ValueError(f"the label {none_label!r} is reserved for units no span covers")
    rank = {label: i for i, label in enumerate(label_list)}
    coders = tuple(spans_by_coder)
    values = np.full((len(coders), len(starts)), float(len(label_list)))
    for row, coder in enumerate(coders):
        spans = spans_by_coder[coder]
        if spans is None:
            values[row] = np.nan
            continue
        span_start, span_end, span_label = _span_arrays(spans, rank)
        unit, span = _covering_pairs(starts, ends, span_start, span_end)
        if len(unit) == 0:
            continue
        shared = np.minimum(ends[unit], span_end[span]) - np.maximum(starts[unit], span_start[span])
        order = np.lexsort((span_label[span], span_start[span], -shared, unit))
        unit, span = unit[order], span[order]
        first = np.concatenate(([True], unit[1:] != unit[:-1]))
        values[row, unit[first]] = span_label[span[first]]
    return UnitValues(values, (*label_list, none_label), coders)


def unit_presence(
    unit_starts: Sequence[int] | np.ndarray,
    unit_ends: Sequence[int] | np.ndarray,
    spans_by_coder: Mapping[Hashable, Iterable[Span] | None],
    labels: Sequence[Hashable] | None = None,
) -> dict[Hashable, np.ndarray]:
    """Per label, coders x units of 1.0 (a span with that label covers the unit) or 0.0.

    The per-label present/absent variant of unit_labels: no tie rule is needed.  Rows
    of coders mapped to None are NaN (missing).  Row order follows `spans_by_coder`.
    """
    starts, ends = _checked_units(unit_starts, unit_ends)
    label_list = _label_list(spans_by_coder, labels)
    rank = {label: i for i, label in enumerate(label_list)}
    result = {label: np.zeros((len(spans_by_coder), len(starts))) for label in label_list}
    for row, coder in enumerate(spans_by_coder):
        spans = spans_by_coder[coder]
        if spans is None:
            for matrix in result.values():
                matrix[row] = np.nan
            continue
        span_start, span_end, span_label = _span_arrays(spans, rank)
        first = np.searchsorted(ends, span_start, side="right")
        stop = np.maximum(np.searchsorted(starts, span_end, side="left"), first)
        for label, matrix in result.items():
            mine = span_label == rank[label]
            edges = np.zeros(len(starts) + 1)
            np.add.at(edges, first[mine], 1.0)
            np.add.at(edges, stop[mine], -1.0)
            matrix[row] = (np.cumsum(edges[:-1]) > 0).astype(float)
    return result


def _checked_units(
    unit_starts: Sequence[int] | np.ndarray, unit_ends: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit bounds as int arrays; sorted, non-empty and not overlapping."""
    starts = np.asarray(unit_starts, dtype=np.int64).ravel()
    ends = np.asarray(unit_ends, dtype=np.int64).ravel()
    if starts.shape != ends.shape:
        raise ValueError("unit starts and ends differ in number")
    if np.any(ends <= starts):
        raise ValueError("every unit needs start < end")
    if np.any(starts[1:] < ends[:-1]):
        raise ValueError("units must be sorted and must not overlap")
    return starts, ends


def _label_list(
    spans_by_coder: Mapping[Hashable, Iterable[Span] | None], labels: Sequence[Hashable] | None
) -> list[Hashable]:
    """The labels in tie-break order: as given, else the labels seen, sorted when possible."""
    if labels is not None:
        return list(dict.fromkeys(labels))
    seen = list(
        dict.fromkeys(
            span[2] for spans in spans_by_coder.values() if spans is not None for span in spans
        )
    )
    try:
        seen.sort()
    except TypeError:
        pass
    return seen


def _span_arrays(
    spans: Iterable[Span], rank: Mapping[Hashable, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end and label-rank arrays of one coder's spans."""
    rows: list[tuple[int, int, int]] = []
    for span in spans:
        start, end, label = _unpack(span)
        if label not in rank:
            raise ValueError(f"span label {label!r} is not in the label list")
        rows.append((start, end, rank[label]))
    array = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
    return array[:, 0], array[:, 1], array[:, 2]


def _unpack(span: Any) -> tuple[int, int, Hashable]:
    """(start, end, label) with a clear error for anything else."""
    try:
        start, end, label = span
    except (TypeError, ValueError):
        raise ValueError(f"a span is (start, end, label), got {span!r}") from None
    if int(end) <= int(start):
        raise ValueError(f"span [{start}, {end}) is empty")
    return int(start), int(end), label


def _covering_pairs(
    starts: np.ndarray, ends: np.ndarray, span_start: np.ndarray, span_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All (unit, span) index pairs sharing at least one character, via np.searchsorted."""
    first = np.searchsorted(ends, span_start, side="right")
    count = np.maximum(np.searchsorted(starts, span_end, side="left") - first, 0)
    span = np.repeat(np.arange(len(span_start)), count)
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(first, count) + offsets, span

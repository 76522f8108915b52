"""Span precision, recall and F1 between two annotators, with exact or overlap matching."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import Literal

import numpy as np

from annotator.stats.result import NO_SPANS, Figure, defined, undefined

Span = tuple[int, int, Hashable]  # (start, end, label), end exclusive
Matching = Literal["exact", "overlap"]
MEASURE = "span_f1"
EXACT_RULE = "exact: same start, same end{label}; each span matched at most once"
OVERLAP_RULE = (
    "overlap: at least one shared character{label}; one-to-one, with the largest possible "
    "number of matched pairs (maximum bipartite matching), so the counts do not depend on "
    "which annotator is the reference"
)
_BLOCK = 1024


def span_agreement(
    reference: Iterable[Span],
    candidate: Iterable[Span],
    matching: Matching = "exact",
    ignore_labels: bool = False,
) -> Figure:
    """F1 of `candidate` spans against `reference` spans of one document (value = F1).

    Precision = matched / candidate spans, recall = matched / reference spans; F1 is
    symmetric, so for two annotators either may be the reference.  The matching rule
    is written into details["rule"].  Undefined when neither marked any span.
    """
    ref, cand = _checked(reference), _checked(candidate)
    if matching == "exact":
        matched = _exact_matches(ref, cand, ignore_labels)
    elif matching == "overlap":
        matched = _overlap_matches(ref, cand, ignore_labels)
    else:
        raise ValueError(f"unknown matching {matching!r}; use 'exact' or 'overlap'")
    return prf_figure(matched, len(ref), len(cand), matching, ignore_labels)


def pool_span_agreement(figures: Iterable[Figure]) -> Figure:
    """Micro-average per-document span figures: add up matches and span counts, then P/R/F1."""
    figure_list = list(figures)
    if not figure_list:
        raise ValueError("nothing to pool")
    rules = {(f.details["matching"], f.details["ignore_labels"]) for f in figure_list}
    if len(rules) > 1:
        raise ValueError("cannot pool span figures computed with different matching rules")
    matching, ignore_labels = rules.pop()
    return prf_figure(
        sum(int(f.details["matched"]) for f in figure_list),
        sum(int(f.details["n_reference"]) for f in figure_list),
        sum(int(f.details["n_candidate"]) for f in figure_list),
        matching,
        ignore_labels,
        documents=len(figure_list),
    )


def prf_figure(
    matched: int,
    n_reference: int,
    n_candidate: int,
    matching: Matching,
    ignore_labels: bool,
    **extra: object,
) -> Figure:
    """The Figure for `matched` pairs out of `n_reference` and `n_candidate` spans."""
    template = EXACT_RULE if matching == "exact" else OVERLAP_RULE
    rule = template.format(label="" if ignore_labels else " and the same label")
    details = {
        "rule": rule,
        "matching": matching,
        "ignore_labels": ignore_labels,
        "matched": matched,
        "n_reference": n_reference,
        "n_candidate": n_candidate,
        "precision": matched / n_candidate if n_candidate else None,
        "recall": matched / n_reference if n_reference else None,
        **extra,
    }
    total = n_reference + n_candidate
    if total == 0:
        return undefined(MEASURE, NO_SPANS, 0, 2, **details)
    return defined(MEASURE, 2.0 * matched / total, total, 2, **details)


def _checked(spans: Iterable[Span]) -> list[Span]:
    """Validate (start, end, label) spans."""
    result = []
    for span in spans:
        try:
            start, end, label = span
        except (TypeError, ValueError):
            raise ValueError(f"a span is (start, end, label), got {span!r}") from None
        if not 0 <= int(start) < int(end):
            raise ValueError(f"span [{start}, {end}) is empty or has a negative offset")
        result.append((int(start), int(end), label))
    return result


def _exact_matches(ref: Sequence[Span], cand: Sequence[Span], ignore_labels: bool) -> int:
    """Matched pairs with identical offsets (and label): a multiset intersection."""

    def key(span: Span) -> tuple[object, ...]:
        return span[:2] if ignore_labels else span

    return sum((Counter(map(key, ref)) & Counter(map(key, cand))).values())


def _overlap_matches(ref: Sequence[Span], cand: Sequence[Span], ignore_labels: bool) -> int:
    """Size of a maximum one-to-one matching between overlapping spans."""
    if not ref or not cand:
        return 0
    ref_start = np.asarray([s[0] for s in ref], dtype=np.int64)
    ref_end = np.asarray([s[1] for s in ref], dtype=np.int64)
    cand_start = np.asarray([s[0] for s in cand], dtype=np.int64)
    cand_end = np.asarray([s[1] for s in cand], dtype=np.int64)
    labels = {label: i for i, label in enumerate(dict.fromkeys([s[2] for s in [*ref, *cand]]))}
    ref_label = np.asarray([labels[s[2]] for s in ref], dtype=np.int64)
    cand_label = np.asarray([labels[s[2]] for s in cand], dtype=np.int64)
    neighbours: list[list[int]] = [[] for _ in ref]
    for block in range(0, len(ref), _BLOCK):
        rows = slice(block, block + _BLOCK)
        overlap = np.minimum(ref_end[rows, None], cand_end[None, :]) - np.maximum(
            ref_start[rows, None], cand_start[None, :]
        )
        allowed = overlap > 0
        if not ignore_labels:
            allowed &= ref_label[rows, None] == cand_label[None, :]
        r, c = np.nonzero(allowed)
        order = np.lexsort((c, -overlap[r, c], r))  # per reference span: largest overlap first
        for i, j in zip((r[order] + block).tolist(), c[order].tolist()):
            neighbours[i].append(j)
    return maximum_matching(neighbours, len(cand))


def maximum_matching(neighbours: Sequence[Sequence[int]], n_right: int) -> int:
    """Size of a maximum matching of a bipartite graph (Kuhn's augmenting paths, iterative)."""
    match_left = [-1] * len(neighbours)
    match_right = [-1] * n_right
    for left, options in enumerate(neighbours):
        for right in options:
            if match_right[right] == -1:
                match_left[left], match_right[right] = right, left
                break
    for root in range(len(neighbours)):
        if match_left[root] != -1:
            continue
        reached_from: dict[int, int] = {}
        stack, free = [root], -1
        while stack and free == -1:
            left = stack.pop()
            for right in neighbours[left]:
                if right in reached_from:
                    continue
                reached_from[right] = left
                if match_right[right] == -1:
                    free = right
                    break
                stack.append(match_right[right])
        right = free
        while right != -1:
            left = reached_from[right]
            previous = match_left[left]
            match_left[left], match_right[right] = right, left
            right = previous
    return sum(1 for right in match_left if right != -1)

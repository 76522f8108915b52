"""Fast paths for large corpora, each equal to the stats function it stands for (tests check it).

- Units with identical values are collapsed into patterns with counts, so alpha and percent
  agreement per label and per document run on a few thousand patterns instead of hundreds of
  thousands of units (alpha through stats' own weighted alpha_from_pairs).
- Per-label presence of spans on units in one pass per annotator (= stats.unit_presence).
- Exact span matching as a multiset intersection of integer keys (= stats.span_agreement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ...stats import Figure, encode
from ...stats.alpha import alpha_from_pairs, category_scale
from ...stats.alpha import MEASURE as ALPHA
from ...stats.pairs import pair_table
from ...stats.percent import MEASURE as PERCENT
from ...stats.percent import RULE as PERCENT_RULE
from ...stats.result import NO_PAIRABLE_UNITS, NO_VARIATION_ALPHA, SINGLE_CODER, defined, undefined
from ...stats.spans import maximum_matching, prf_figure

_KEY_LIMIT = 2**62


def compress(values: np.ndarray, groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(patterns: coders x P, counts: P, group of each pattern: P) for coders x units `values`.

    Units in the same group with the same values (NaN = missing) become one pattern; the
    patterns come sorted by group.
    """
    n_coders, n_units = values.shape
    group = np.zeros(n_units, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    codes = np.where(np.isnan(values), 0, values + 1).astype(np.int64)
    base = int(codes.max()) + 1 if codes.size else 1
    n_groups = int(group.max()) + 1 if n_units else 1
    if base**n_coders * n_groups < _KEY_LIMIT:
        key = group.copy()
        for row in codes:
            key = key * base + row
        _, first, counts = np.unique(key, return_index=True, return_counts=True)
    else:
        stacked = np.vstack([group[None, :], codes])
        _, first, counts = np.unique(stacked, axis=1, return_index=True, return_counts=True)
    return values[:, first], counts, group[first]


def weighted_alpha(patterns: np.ndarray, counts: np.ndarray, level: str,
                   categories: Sequence[float] | None) -> Figure:
    """Krippendorff's alpha of the units the patterns stand for (stats' alpha_from_pairs with weights)."""
    coded = encode(np.asarray(patterns, dtype=float), categories)
    if coded.n_coders < 2:
        return undefined(ALPHA, SINGLE_CODER, 0, coded.n_coders, level=level)
    table = pair_table(coded)
    pairable = (coded.codes >= 0).sum(axis=0) >= 2
    weights = np.asarray(counts, dtype=float)[pairable]
    figure = alpha_from_pairs(table, level, category_scale(coded, level), weights)  # type: ignore[arg-type]
    if table.n_pairable_units:
        figure = replace(figure, n_units=int(weights.sum()))
    return figure


def percent_by_group(patterns: np.ndarray, counts: np.ndarray, group: np.ndarray, n_groups: int) -> list[Figure]:
    """Percent agreement (as stats.percent_agreement) of each group of patterns."""
    n_coders = patterns.shape[0]
    if n_coders < 2:
        return [undefined(PERCENT, SINGLE_CODER, 0, n_coders, rule=PERCENT_RULE)] * n_groups
    present = ~np.isnan(patterns)
    m = present.sum(axis=0).astype(float)
    agree = np.zeros(patterns.shape[1])
    for i in range(n_coders):
        for j in range(i + 1, n_coders):
            agree += present[i] & present[j] & (patterns[i] == patterns[j])
    pairs = m * (m - 1) / 2
    keep = m >= 2
    weight = np.where(keep, counts, 0).astype(float)
    share = np.divide(agree, pairs, out=np.zeros_like(agree), where=keep)

    def per_group(x: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=x, minlength=n_groups)

    units, total = per_group(weight), per_group(weight * share)
    agreeing, all_pairs = per_group(weight * agree), per_group(weight * pairs)
    coders = np.zeros((n_groups, n_coders), dtype=bool)
    for i in range(n_coders):
        np.logical_or.at(coders[:, i], group[keep & present[i]], True)
    figures = []
    for g in range(n_groups):
        if units[g] == 0:
            figures.append(undefined(PERCENT, NO_PAIRABLE_UNITS, 0, 0, rule=PERCENT_RULE))
            continue
        figures.append(defined(PERCENT, total[g] / units[g], int(units[g]), int(coders[g].sum()),
                               rule=PERCENT_RULE, agreeing_pairs=int(round(agreeing[g])),
                               pairs=int(round(all_pairs[g]))))
    return figures


def span_cover_ranges(unit_starts: np.ndarray, unit_ends: np.ndarray, span_starts: np.ndarray,
                      span_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each span, the range [first, stop) of sorted units sharing a character with it."""
    first = np.searchsorted(unit_ends, span_starts, side="right")
    stop = np.maximum(np.searchsorted(unit_starts, span_ends, side="left"), first)
    return first, stop


def presence_row(first: np.ndarray, stop: np.ndarray, n_units: int) -> np.ndarray:
    """1.0 for units inside at least one [first, stop) range, else 0.0 (as stats.unit_presence)."""
    edges = np.bincount(first, minlength=n_units + 1) - np.bincount(stop, minlength=n_units + 1)
    return (np.cumsum(edges[:-1]) > 0).astype(float)


def presence_patterns_by_label(span_ranges: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                               missing: np.ndarray, n_labels: int, n_units: int,
                               block: int = 4_000_000) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """compress(presence matrix of label k)[:2] for every label k, in one pass over the units.

    Each coder's value on a unit is 0 (missing), 1 (absent) or 2 (present), so a unit's pattern
    is a base-3 number read coder by coder: counting those numbers per label gives the patterns
    in compress's (lexicographic) order with its counts, without a coders x units matrix and a
    sort per label.  Labels go a block at a time (at most `block` label x unit cells).  None when
    the patterns would not fit in an integer key (very many coders): use compress then.
    """
    n_coders = len(span_ranges)
    n_patterns = 3**n_coders
    if n_coders == 0 or n_units == 0 or n_patterns * max(n_labels, 1) >= 2**40:
        return None
    place = [3 ** (n_coders - 1 - i) for i in range(n_coders)]
    missing_code = np.zeros(n_units, dtype=np.int64)
    for i in range(n_coders):
        missing_code += np.where(missing[i], 0, place[i])  # absent until a span says present
    counts = np.zeros((n_labels, n_patterns), dtype=np.int64)
    step = max(1, block // (n_units + 1))
    for low in range(0, n_labels, step):
        high = min(n_labels, low + step)
        code = np.broadcast_to(missing_code, (high - low, n_units)).copy()
        for i, (first, stop, label) in enumerate(span_ranges):
            mine = (label >= low) & (label < high)
            where = (label[mine] - low) * (n_units + 1)
            edges = (np.bincount(where + first[mine], minlength=(high - low) * (n_units + 1))
                     - np.bincount(where + stop[mine], minlength=(high - low) * (n_units + 1)))
            covered = np.cumsum(edges.reshape(high - low, n_units + 1)[:, :-1], axis=1) > 0
            code += (covered & ~missing[i]) * place[i]
        offset = np.arange(high - low, dtype=np.int64)[:, None] * n_patterns
        counts[low:high] = np.bincount((code + offset).ravel(), minlength=(high - low) * n_patterns).reshape(
            high - low, n_patterns)
    digits = np.asarray([(np.arange(n_patterns) // p) % 3 for p in place])
    values = np.where(digits == 0, np.nan, digits - 1.0)
    result = []
    for k in range(n_labels):
        used = np.flatnonzero(counts[k])
        result.append((values[:, used], counts[k, used]))
    return result


def exact_f1(first: tuple[np.ndarray, np.ndarray, np.ndarray],
             second: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Figure:
    """Span F1 with exact matching of (start, end, label) arrays (as stats.span_agreement)."""
    def keys(spans: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        start, end, label = (np.asarray(a, dtype=np.int64) for a in spans)
        return np.unique((start * (limit + 1) + end) * n_labels + label, return_counts=True)

    everything = [a for spans in (first, second) for a in spans[:2]]
    limit = int(max((int(a.max()) for a in everything if len(a)), default=0))
    n_labels = int(max((int(s[2].max()) for s in (first, second) if len(s[2])), default=0)) + 1
    (a_keys, a_counts), (b_keys, b_counts) = keys(first), keys(second)
    _, ia, ib = np.intersect1d(a_keys, b_keys, assume_unique=True, return_indices=True)
    matched = int(np.minimum(a_counts[ia], b_counts[ib]).sum())
    return prf_figure(matched, len(first[0]), len(second[0]), "exact", False)


def overlap_f1(first: tuple[np.ndarray, np.ndarray, np.ndarray],
               second: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Figure:
    """Span F1 with one-to-one overlap matching (as stats.span_agreement), pairs found by sorting.

    Candidate pairs share a label and at least one character; they are found with
    np.searchsorted on (label, start) keys instead of comparing every span with every span.
    Pairs that are each other's only candidate are counted directly; stats' maximum_matching
    gives the largest one-to-one matching of the rest (only its size matters).
    """
    a_start, a_end, a_label = (np.asarray(x, dtype=np.int64) for x in first)
    b_start, b_end, b_label = (np.asarray(x, dtype=np.int64) for x in second)
    if not len(a_start) or not len(b_start):
        return prf_figure(0, len(a_start), len(b_start), "overlap", False)
    big = int(max(a_end.max(), b_end.max())) + 2
    longest = int((b_end - b_start).max())
    order = np.lexsort((b_start, b_label))
    key = b_label[order] * big + b_start[order]
    lo = np.searchsorted(key, a_label * big + np.maximum(a_start - longest, -1), side="right")
    hi = np.maximum(np.searchsorted(key, a_label * big + a_end, side="left"), lo)
    count = hi - lo
    a_index = np.repeat(np.arange(len(a_start)), count)
    b_index = order[np.repeat(lo, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)]
    shared = np.minimum(a_end[a_index], b_end[b_index]) - np.maximum(a_start[a_index], b_start[b_index])
    ok = (shared > 0) & (a_label[a_index] == b_label[b_index])
    a_index, b_index, shared = a_index[ok], b_index[ok], shared[ok]
    # A pair of spans that are each other's only candidate is matched in every maximum matching
    # and touches no other pair: count those here, leave the rest to maximum_matching.
    lone = (np.bincount(a_index)[a_index] == 1) & (np.bincount(b_index)[b_index] == 1)
    a_index, b_index, shared = a_index[~lone], b_index[~lone], shared[~lone]
    ranked = np.lexsort((b_index, -shared, a_index))  # per span: largest overlap first
    a_index, b_index = a_index[ranked], b_index[ranked]
    cuts = np.flatnonzero(np.diff(a_index, prepend=-1, append=len(a_start))).tolist()
    targets = b_index.tolist()
    neighbours = [targets[begin:stop] for begin, stop in zip(cuts, cuts[1:])]
    matched = int(lone.sum()) + maximum_matching(neighbours, len(b_start))
    return prf_figure(matched, len(a_start), len(b_start), "overlap", False)


def nominal_alpha_by_group(patterns: np.ndarray, counts: np.ndarray, group: np.ndarray,
                           n_groups: int) -> list[Figure]:
    """Nominal alpha (as stats.krippendorff_alpha) of each group of patterns, all groups at once.

    With n_uc the number of values c on unit u (m_u values in all), nominal alpha is
    1 - (n - 1) * sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1) / (n^2 - sum_c n_c^2)
    (Krippendorff 2011), summed here per group with bincount.
    """
    n_coders, n_patterns = patterns.shape
    if n_coders < 2:
        return [undefined(ALPHA, SINGLE_CODER, 0, n_coders, level="nominal")] * n_groups
    present = ~np.isnan(patterns)
    m = present.sum(axis=0).astype(float)
    keep = m >= 2
    codes = np.where(present, patterns, 0).astype(np.int64)
    size = int(codes.max()) + 1 if codes.size else 1
    per_category = np.zeros((n_patterns, size))
    for row, mask in zip(codes, present):
        per_category[np.flatnonzero(mask), row[mask]] += 1.0
    weight = np.where(keep, counts, 0).astype(float)
    unit_term = np.divide(m**2 - (per_category**2).sum(axis=1), m - 1, out=np.zeros(n_patterns), where=keep)
    observed = np.bincount(group, weights=weight * unit_term, minlength=n_groups)
    n_c = np.zeros((n_groups, size))
    np.add.at(n_c, group, per_category * weight[:, None])
    n = n_c.sum(axis=1)
    units = np.bincount(group, weights=weight, minlength=n_groups)
    coders = np.zeros((n_groups, n_coders), dtype=bool)
    for i in range(n_coders):
        np.logical_or.at(coders[:, i], group[keep & present[i]], True)
    figures = []
    for g in range(n_groups):
        used = int(np.count_nonzero(n_c[g]))
        raters = int(coders[g].sum())
        if units[g] == 0:
            figures.append(undefined(ALPHA, NO_PAIRABLE_UNITS, 0, raters, level="nominal"))
        elif used < 2:
            figures.append(undefined(ALPHA, NO_VARIATION_ALPHA, int(units[g]), raters, level="nominal",
                                     n_pairable_values=int(round(n[g])), observed_disagreement=0.0,
                                     expected_disagreement=0.0))
        else:
            d_o = observed[g] / n[g]
            d_e = (n[g] ** 2 - float(np.dot(n_c[g], n_c[g]))) / (n[g] * (n[g] - 1.0))
            figures.append(defined(ALPHA, 1.0 - d_o / d_e, int(units[g]), raters, level="nominal",
                                   observed_disagreement=d_o, expected_disagreement=d_e,
                                   n_pairable_values=int(round(n[g])), n_categories_used=used))
    return figures


def unit_label_codes(unit_starts: np.ndarray, unit_ends: np.ndarray, span_starts: np.ndarray,
                     span_ends: np.ndarray, span_labels: np.ndarray, none_code: int) -> np.ndarray:
    """One annotator's label code per unit, `none_code` where no span covers it (as stats.unit_labels).

    Same cover and tie rules as stats.projection (COVER_RULE, TIE_RULE) on integer arrays,
    without building a tuple per span.
    """
    first, stop = span_cover_ranges(unit_starts, unit_ends, span_starts, span_ends)
    count = stop - first
    span = np.repeat(np.arange(len(span_starts)), count)
    unit = np.repeat(first, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    row = np.full(len(unit_starts), float(none_code))
    if not len(unit):
        return row
    # A unit only one span covers takes its label; the tie rule sorts the units several cover.
    alone = np.bincount(unit, minlength=len(unit_starts))[unit] == 1
    row[unit[alone]] = span_labels[span[alone]]
    unit, span = unit[~alone], span[~alone]
    if not len(unit):
        return row
    shared = np.minimum(unit_ends[unit], span_ends[span]) - np.maximum(unit_starts[unit], span_starts[span])
    order = np.lexsort((span_labels[span], span_starts[span], -shared, unit))
    unit, span = unit[order], span[order]
    winner = np.concatenate(([True], unit[1:] != unit[:-1]))
    row[unit[winner]] = span_labels[span[winner]]
    return row

"""Krippendorff's unitizing alpha (alpha_U) over a continuum of character offsets.

Definition: Krippendorff, K. (1995). On the reliability of unitizing continuous data.
Sociological Methodology 25: 47-76; Krippendorff, K. (2004). Content Analysis, 2nd ed.,
pp. 251-256 (worked example p. 254).  This is the 1995/2004 alpha_U as implemented by
DKPro Agreement (KrippendorffAlphaUnitizingAgreement; Meyer, Mieskes, Stab & Gurevych 2014,
COLING demos), not Krippendorff's 2016 revision.

For one category c, each coder's continuum [B, B + L) is cut into that coder's units of c
and the gaps between them.  Two coders' segments that share at least one position differ by

- unit vs unit:                  (b1 - b2)^2 + (e1 - e2)^2   (b = begin, e = end)
- unit vs a gap containing it:   length of the unit, squared
- anything else:                 0

D_o(c) = 2 / (R (R - 1) L^2) * sum over coder pairs of the summed differences.
D_e(c) = (2 / L) * sum over units u of c [ (N_c - 1) (2 l^3 - 3 l^2 + l) / 3
         + l^2 * sum over gaps g of c (any coder) with g >= l of (g - l + 1) ]
         / (R L (R L - 1) - sum over units of c of l (l - 1)),  l = length of u.
alpha_U(c) = 1 - D_o(c) / D_e(c); the overall alpha_U = 1 - mean_c D_o(c) / mean_c D_e(c).

Every sum runs over unit boundaries (np.searchsorted over sorted units), never over
characters.  A coder's overlapping units of one category (which the definition does not
allow) are merged into their union first; details["merged_overlaps"] counts them.

alpha_unitizing_many computes the same figures for many independent continua (e.g. every
document of a corpus) in one pass: each (continuum, category) is a group, positions are
shifted so that groups follow one another on one number line, and the per-group sums are
taken with np.bincount instead of one Python call per continuum.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from annotator.stats.result import (
    NO_UNITS,
    NO_VARIATION,
    SINGLE_CODER,
    Figure,
    defined,
    undefined,
)

MEASURE = "krippendorff_alpha_unitizing"
Unit = tuple[Hashable, int, int, Hashable]  # (coder, start, end, category)


@dataclass(frozen=True)
class _CoderUnits:
    """One coder's units of one category: sorted, non-overlapping start and end arrays."""

    starts: np.ndarray
    ends: np.ndarray


def alpha_unitizing(
    units: Iterable[Unit],
    continuum: int | tuple[int, int],
    coders: Sequence[Hashable] | None = None,
    categories: Sequence[Hashable] | None = None,
) -> Figure:
    """Krippendorff's alpha_U for `units` = (coder, start, end, category) on a continuum.

    `continuum` is its length (starting at 0) or (begin, end).  `coders` lists every coder
    taking part, including those who marked nothing (default: the coders seen in `units`).
    `categories` chooses the categories reported per category (default: those marked).
    details["per_category"] maps each category to its own Figure.
    """
    begin, end = (0, continuum) if isinstance(continuum, (int, np.integer)) else continuum
    begin, end = int(begin), int(end)
    length = end - begin
    if length <= 0:
        raise ValueError(f"the continuum [{begin}, {end}) is empty")
    unit_list = [_checked_unit(u, begin, end) for u in units]
    coder_list = list(dict.fromkeys(coders if coders is not None else [u[0] for u in unit_list]))
    unknown = {u[0] for u in unit_list} - set(coder_list)
    if unknown:
        raise ValueError(f"units from coders not in the coder list: {sorted(map(str, unknown))}")
    marked = list(dict.fromkeys(u[3] for u in unit_list))
    reported = list(dict.fromkeys(categories)) if categories is not None else marked
    n_raters = len(coder_list)
    base = {"continuum": [begin, end]}
    if n_raters < 2:
        return undefined(MEASURE, SINGLE_CODER, len(unit_list), n_raters, **base)
    if not unit_list:
        return undefined(MEASURE, NO_UNITS, 0, n_raters, **base)

    per_category: dict[Hashable, Figure] = {}
    observed_total = expected_total = 0.0
    merged_total = 0
    groups = _group(unit_list)
    for category in list(dict.fromkeys(marked + reported)):
        by_coder, merged = _units_of(groups, coder_list, category)
        merged_total += merged
        n_c = sum(len(c.starts) for c in by_coder)
        if n_c == 0:
            per_category[category] = undefined(MEASURE, NO_UNITS, 0, n_raters, category=category)
            continue
        observed = _observed(by_coder, length)
        expected = _expected(by_coder, begin, end)
        observed_total += observed  # only marked categories get here
        expected_total += expected
        per_category[category] = _figure(observed, expected, n_c, n_raters, category=category)
    n_units = len(unit_list)
    shown = {c: per_category[c] for c in reported}
    return _figure(
        observed_total / len(marked),
        expected_total / len(marked),
        n_units,
        n_raters,
        per_category=shown,
        merged_overlaps=merged_total,
        **base,
    )


def concatenate_documents(
    documents: Iterable[tuple[int, Iterable[Unit]]],
) -> tuple[int, list[Unit]]:
    """Lay documents end to end as one continuum: (total length, units with shifted offsets).

    This is how a corpus is pooled for alpha_U: each document's units keep their place
    inside that document, and the gaps at document edges stay gaps.
    """
    offset = 0
    shifted: list[Unit] = []
    for length, units in documents:
        for coder, start, end, category in units:
            if not 0 <= start < end <= length:
                raise ValueError(
                    f"unit [{start}, {end}) lies outside its document of length {length}"
                )
            shifted.append((coder, start + offset, end + offset, category))
        offset += int(length)
    return offset, shifted


def _figure(
    observed: float, expected: float, n_units: int, n_raters: int, **details: Any
) -> Figure:
    """alpha_U = 1 - D_o / D_e, undefined when D_e is zero."""
    details = {"observed_disagreement": observed, "expected_disagreement": expected, **details}
    if expected <= 0:
        return undefined(MEASURE, NO_VARIATION, n_units, n_raters, **details)
    return defined(MEASURE, 1.0 - observed / expected, n_units, n_raters, **details)


def _checked_unit(unit: Unit, begin: int, end: int) -> Unit:
    """Validate one (coder, start, end, category) tuple against the continuum."""
    try:
        coder, start, stop, category = unit
    except (TypeError, ValueError):
        raise ValueError(f"a unit is (coder, start, end, category), got {unit!r}") from None
    start, stop = int(start), int(stop)
    if not begin <= start < stop <= end:
        raise ValueError(
            f"unit [{start}, {stop}) of coder {coder!r} is empty or outside the continuum "
            f"[{begin}, {end})"
        )
    return coder, start, stop, category


def _group(units: list[Unit]) -> dict[tuple[Hashable, Hashable], list[tuple[int, int]]]:
    """The (start, end) pairs of each (coder, category)."""
    groups: dict[tuple[Hashable, Hashable], list[tuple[int, int]]] = {}
    for coder, start, end, category in units:
        groups.setdefault((coder, category), []).append((start, end))
    return groups


def _units_of(
    groups: dict[tuple[Hashable, Hashable], list[tuple[int, int]]],
    coders: list[Hashable],
    category: Hashable,
) -> tuple[list[_CoderUnits], int]:
    """Each coder's units of `category`, sorted, overlaps merged; and how many merges that took."""
    result, merged = [], 0
    for coder in coders:
        spans = np.asarray(sorted(groups.get((coder, category), [])), dtype=np.int64).reshape(-1, 2)
        starts, ends = spans[:, 0], spans[:, 1]
        if len(starts) > 1:
            reach = np.maximum.accumulate(ends)
            opens = np.concatenate(([True], starts[1:] >= reach[:-1]))
            first = np.flatnonzero(opens)
            merged += len(starts) - len(first)
            starts, ends = starts[first], np.maximum.reduceat(ends, first)
        result.append(_CoderUnits(starts, ends))
    return result, merged


def _observed(by_coder: list[_CoderUnits], length: int) -> float:
    """D_o(c): pairwise differences of coders' segmentations, normalised by R (R - 1) L^2."""
    total = 0.0
    n_raters = len(by_coder)
    for i in range(n_raters):
        for j in range(i + 1, n_raters):
            total += _pair_difference(by_coder[i], by_coder[j])
            total += _unmatched_square(by_coder[j], by_coder[i])
    return 2.0 * total / (n_raters * (n_raters - 1) * float(length) ** 2)


def _overlap_ranges(a: _CoderUnits, b: _CoderUnits) -> tuple[np.ndarray, np.ndarray]:
    """For each unit of a, the index range [lo, hi) of b's units that share a position with it."""
    lo = np.searchsorted(b.ends, a.starts, side="right")
    hi = np.searchsorted(b.starts, a.ends, side="left")
    return lo, np.maximum(hi, lo)


def _pair_difference(a: _CoderUnits, b: _CoderUnits) -> float:
    """Unit-vs-unit differences for overlapping pairs, plus a's units lying in b's gaps."""
    lo, hi = _overlap_ranges(a, b)
    count = hi - lo
    lengths = (a.ends - a.starts).astype(float)
    alone = float(np.sum(lengths[count == 0] ** 2))
    if not count.any():
        return alone
    a_index = np.repeat(np.arange(len(a.starts)), count)
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    b_index = np.repeat(lo, count) + offsets
    begin_diff = (a.starts[a_index] - b.starts[b_index]).astype(float)
    end_diff = (a.ends[a_index] - b.ends[b_index]).astype(float)
    return alone + float(np.sum(begin_diff**2 + end_diff**2))


def _unmatched_square(a: _CoderUnits, b: _CoderUnits) -> float:
    """Squared lengths of a's units sharing no position with b's units (they lie in a gap)."""
    lo, hi = _overlap_ranges(a, b)
    lengths = (a.ends - a.starts).astype(float)
    return float(np.sum(lengths[hi == lo] ** 2))


def _expected(by_coder: list[_CoderUnits], begin: int, end: int) -> float:
    """D_e(c) from the unit lengths and all coders' gap lengths (Krippendorff 2004, p. 253)."""
    n_raters, length = len(by_coder), end - begin
    lengths = np.concatenate([c.ends - c.starts for c in by_coder]).astype(float)
    gaps = np.sort(np.concatenate([_gaps(c, begin, end) for c in by_coder]).astype(float))
    n_c = len(lengths)
    # For every unit length l: sum over gaps g >= l of (g - l + 1).
    first_fit = np.searchsorted(gaps, lengths, side="left")
    tail_sum = np.concatenate((np.cumsum(gaps[::-1])[::-1], [0.0]))
    fitting = len(gaps) - first_fit
    placements = tail_sum[first_fit] - (lengths - 1.0) * fitting
    within = (n_c - 1.0) * (2.0 * lengths**3 - 3.0 * lengths**2 + lengths) / 3.0
    numerator = float(np.sum(within + lengths**2 * placements)) * 2.0 / length
    total = float(n_raters) * length
    denominator = total * (total - 1.0) - float(np.sum(lengths * (lengths - 1.0)))
    return numerator / denominator


def _gaps(units: _CoderUnits, begin: int, end: int) -> np.ndarray:
    """Lengths of the non-empty stretches of [begin, end) that this coder left unmarked."""
    gap_starts = np.concatenate(([begin], units.ends))
    gap_ends = np.concatenate((units.starts, [end]))
    gaps = gap_ends - gap_starts
    return gaps[gaps > 0]


def alpha_unitizing_many(
    continua: ArrayLike,
    continuum: ArrayLike,
    coder: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    category: ArrayLike,
    n_coders: int,
    categories: Sequence[int] | None = None,
    names: Sequence[Hashable] | None = None,
) -> list[Figure]:
    """alpha_U of many independent continua in one vectorised pass: one Figure per continuum.

    `continua` holds each continuum's length (starting at 0) or its (begin, end).  Unit r lies
    on continuum `continuum[r]`, was marked by coder `coder[r]` (0 .. n_coders - 1; every coder
    takes part in every continuum) and has the integer category `category[r]` (>= 0), reported
    as names[category[r]] when `names` is given.  Figure k equals alpha_unitizing(the units of
    continuum k in their given order, continua[k], range(n_coders), categories), categories
    named alike.
    """
    begins, lengths = _continua(continua)
    columns = [np.asarray(x, dtype=np.int64).ravel() for x in (continuum, coder, start, end, category)]
    if len({len(x) for x in columns}) > 1:
        raise ValueError("continuum, coder, start, end and category must have the same length")
    where, who, first, last, cat = columns
    _check_many(where, who, first, last, cat, begins, lengths, n_coders)
    chosen = list(categories) if categories is not None else []
    if names is not None and max([int(cat.max(initial=-1)), *chosen]) >= len(names):
        raise ValueError(f"category codes must be below the {len(names)} names given")
    n_continua = len(lengths)
    n_units = np.bincount(where, minlength=n_continua).tolist()
    spans = [[b, b + n] for b, n in zip(begins.tolist(), lengths.tolist())]
    if n_coders < 2 or not len(where):
        reason = SINGLE_CODER if n_coders < 2 else NO_UNITS
        return [undefined(MEASURE, reason, n_units[k], n_coders, continuum=spans[k])
                for k in range(n_continua)]
    groups = _GroupSums.compute(where, who, first - begins[where], last - begins[where], cat,
                                lengths, n_coders)

    def named(codes: Iterable[int]) -> list[Hashable]:
        return list(codes) if names is None else [names[c] for c in codes]

    reported = named(dict.fromkeys(categories)) if categories is not None else None
    unmarked = {c: undefined(MEASURE, NO_UNITS, 0, n_coders, category=c) for c in reported or ()}
    # Groups in each continuum's order of first appearance, as alpha_unitizing loops over them.
    order = np.lexsort((groups.first_seen, groups.continuum))
    g_cont = groups.continuum[order]
    observed_total = np.bincount(g_cont, weights=groups.observed[order], minlength=n_continua)
    expected_total = np.bincount(g_cont, weights=groups.expected[order], minlength=n_continua)
    n_marked = np.bincount(g_cont, minlength=n_continua).tolist()
    merged = np.bincount(g_cont, weights=groups.merged[order], minlength=n_continua).tolist()
    bounds = np.searchsorted(g_cont, np.arange(n_continua + 1)).tolist()
    per_group = list(zip(named(groups.category[order].tolist()), groups.observed[order].tolist(),
                         groups.expected[order].tolist(), groups.n_units[order].tolist()))
    figures = []
    for k in range(n_continua):
        if not n_units[k]:
            figures.append(undefined(MEASURE, NO_UNITS, 0, n_coders, continuum=spans[k]))
            continue
        marked = {c: _figure(o, e, n, n_coders, category=c)
                  for c, o, e, n in per_group[bounds[k]:bounds[k + 1]]}
        shown = marked if reported is None else {c: marked.get(c, unmarked[c]) for c in reported}
        figures.append(_figure(
            float(observed_total[k]) / n_marked[k], float(expected_total[k]) / n_marked[k],
            n_units[k], n_coders, per_category=shown, merged_overlaps=int(merged[k]),
            continuum=spans[k],
        ))
    return figures


def _continua(continua: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(begins, lengths) of continua given as lengths or as (begin, end) rows; refuse empty ones."""
    bounds = np.asarray(continua, dtype=np.int64)
    if bounds.ndim == 1:
        bounds = np.stack([np.zeros_like(bounds), bounds], axis=1)
    bounds = bounds.reshape(-1, 2)
    lengths = bounds[:, 1] - bounds[:, 0]
    empty = np.flatnonzero(lengths <= 0)
    if len(empty):
        begin, end = bounds[empty[0]].tolist()
        raise ValueError(f"the continuum [{begin}, {end}) is empty")
    return bounds[:, 0], lengths


def _check_many(where: np.ndarray, who: np.ndarray, first: np.ndarray, last: np.ndarray,
                cat: np.ndarray, begins: np.ndarray, lengths: np.ndarray, n_coders: int) -> None:
    """Refuse units on unknown continua, by unknown coders, empty or outside their continuum."""
    if len(where) and (where.min() < 0 or where.max() >= len(lengths)):
        raise ValueError(f"a unit lies on a continuum outside 0 .. {len(lengths) - 1}")
    if len(who) and (who.min() < 0 or who.max() >= n_coders):
        raise ValueError(f"units from coders not in the coder list 0 .. {n_coders - 1}")
    if len(cat) and cat.min() < 0:
        raise ValueError("categories must be non-negative integer codes")
    begin = begins[where]
    bad = np.flatnonzero((first < begin) | (last <= first) | (last > begin + lengths[where]))
    if len(bad):
        r = int(bad[0])
        low, high = int(begin[r]), int(begin[r] + lengths[where[r]])
        raise ValueError(f"unit [{first[r]}, {last[r]}) of coder {who[r]} is empty or outside the "
                         f"continuum [{low}, {high})")


@dataclass(frozen=True)
class _GroupSums:
    """D_o and D_e of every (continuum, category) group that has units, computed together."""

    continuum: np.ndarray
    category: np.ndarray
    first_seen: np.ndarray  # index of the group's first unit in the input
    n_units: np.ndarray  # after merging overlaps
    merged: np.ndarray
    observed: np.ndarray
    expected: np.ndarray

    @classmethod
    def compute(cls, where: np.ndarray, who: np.ndarray, first: np.ndarray, last: np.ndarray,
                cat: np.ndarray, lengths: np.ndarray, n_coders: int) -> _GroupSums:
        """Group the units (offsets relative to their continuum's begin) and sum per group."""
        n_categories = int(cat.max()) + 1
        keys, first_seen, group = np.unique(where * n_categories + cat, return_index=True,
                                            return_inverse=True)
        group = group.ravel()
        g_len = lengths[keys // n_categories]
        order = np.lexsort((last, first, who, group))
        units = _merged_runs(group[order], who[order], first[order], last[order], g_len, n_coders)
        n_groups = len(keys)
        n_c = np.bincount(units.group, minlength=n_groups)
        merged = np.bincount(group, minlength=n_groups) - n_c
        return cls(keys // n_categories, keys % n_categories, first_seen, n_c, merged,
                   _observed_many(units, g_len, n_coders), _expected_many(units, g_len, n_coders))


@dataclass(frozen=True)
class _MergedUnits:
    """Units of all groups, sorted by (group, coder, start), overlaps of a coder merged.

    `shift[g]` places group g on one shared number line: positions of group g become
    shift[g] + [0, length of g], and no two groups' stretches touch.
    """

    group: np.ndarray
    coder: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    shift: np.ndarray


def _merged_runs(group: np.ndarray, who: np.ndarray, first: np.ndarray, last: np.ndarray,
                 g_len: np.ndarray, n_coders: int) -> _MergedUnits:
    """Merge each coder's overlapping units within a group (input sorted by group, coder, start)."""
    shift = np.concatenate(([0], np.cumsum(g_len + 1)[:-1]))
    run = group * n_coders + who
    new_run = np.concatenate(([True], run[1:] != run[:-1]))
    # A running maximum of the ends that restarts at every run: each run gets its own stretch.
    run_shift = np.cumsum(new_run) * (int(g_len.max()) + 1)
    reach = np.maximum.accumulate(last + run_shift)
    opens = new_run.copy()
    opens[1:] |= first[1:] + run_shift[1:] >= reach[:-1]
    heads = np.flatnonzero(opens)
    return _MergedUnits(group[heads], who[heads], first[heads], np.maximum.reduceat(last, heads), shift)


def _observed_many(units: _MergedUnits, g_len: np.ndarray, n_coders: int) -> np.ndarray:
    """D_o of every group: the pairwise segment differences of its coders (see _observed)."""
    n_groups = len(g_len)
    starts = units.starts + units.shift[units.group]
    ends = units.ends + units.shift[units.group]
    squares = (units.ends - units.starts) ** 2
    by_coder = [np.flatnonzero(units.coder == i) for i in range(n_coders)]
    total = np.zeros(n_groups)
    for i in range(n_coders):
        for j in range(i + 1, n_coders):
            a, b = by_coder[i], by_coder[j]
            lo = np.searchsorted(ends[b], starts[a], side="right")
            hi = np.maximum(np.searchsorted(starts[b], ends[a], side="left"), lo)
            count = hi - lo
            a_index = np.repeat(a, count)
            b_index = b[np.repeat(lo, count) + np.arange(int(count.sum()))
                        - np.repeat(np.cumsum(count) - count, count)]
            pair = (units.starts[a_index] - units.starts[b_index]) ** 2 + (
                units.ends[a_index] - units.ends[b_index]) ** 2
            a_alone = a[count == 0]
            b_alone = b[np.bincount(b_index, minlength=len(units.group))[b] == 0]
            alone = np.concatenate((a_alone, b_alone))
            total += np.bincount(units.group[a_index], weights=pair, minlength=n_groups)
            total += np.bincount(units.group[alone], weights=squares[alone], minlength=n_groups)
    return 2.0 * total / (n_coders * (n_coders - 1) * g_len.astype(float) ** 2)


def _expected_many(units: _MergedUnits, g_len: np.ndarray, n_coders: int) -> np.ndarray:
    """D_e of every group from its unit lengths and its coders' gap lengths (see _expected)."""
    n_groups = len(g_len)
    group = units.group
    new_run = np.concatenate(([True], (group[1:] != group[:-1]) | (units.coder[1:] != units.coder[:-1])))
    last_of_run = np.concatenate((new_run[1:], [True]))
    previous_end = np.concatenate(([0], units.ends[:-1]))
    previous_end[new_run] = 0
    coders_marking = np.bincount(group[new_run], minlength=n_groups)
    silent = n_coders - coders_marking  # each coder who marked nothing leaves one whole gap
    gaps = np.concatenate((units.starts - previous_end, g_len[group[last_of_run]] - units.ends[last_of_run],
                           np.repeat(g_len, silent)))
    gap_group = np.concatenate((group, group[last_of_run], np.repeat(np.arange(n_groups), silent)))
    kept = gaps > 0
    gaps, gap_group = gaps[kept], gap_group[kept]
    placed = units.shift[gap_group] + gaps
    order = np.argsort(placed, kind="stable")
    keys = placed[order]
    tail = np.concatenate(([0], np.cumsum(gaps[order])))
    group_end = np.searchsorted(keys, units.shift + g_len, side="right")
    lengths = (units.ends - units.starts).astype(float)
    # For every unit length l: sum over its group's gaps g >= l of (g - l + 1).
    first_fit = np.searchsorted(keys, units.shift[group] + units.ends - units.starts, side="left")
    stop = group_end[group]
    fitting = (stop - first_fit).astype(float)
    placements = (tail[stop] - tail[first_fit]).astype(float) - (lengths - 1.0) * fitting
    n_c = np.bincount(group, minlength=n_groups).astype(float)
    within = (n_c[group] - 1.0) * (2.0 * lengths**3 - 3.0 * lengths**2 + lengths) / 3.0
    numerator = np.bincount(group, weights=within + lengths**2 * placements, minlength=n_groups) * 2.0 / g_len
    total = float(n_coders) * g_len
    denominator = total * (total - 1.0) - np.bincount(group, weights=lengths * (lengths - 1.0),
                                                       minlength=n_groups)
    return numerator / denominator

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
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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

"""Krippendorff's alpha for reliability data with missing values, at four levels of measurement.

Definition: Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
Annenberg School for Communication, University of Pennsylvania, departmental paper 43;
also Krippendorff, K. (2004). Content Analysis, 2nd ed., ch. 11.3.

    alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck

o_ck is the coincidence matrix over pairable values (units with at least two values),
n_c its marginals and n = sum n_c.  Difference functions delta_ck:

- nominal:  0 if c == k else 1
- ordinal:  (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, which equals (M_c - M_k)^2 with the
  mid-rank M_c = (n_1 + ... + n_{c-1}) + n_c / 2 in the given category order
- interval: (c - k)^2
- ratio:    ((c - k) / (c + k))^2

Computation: the observed part sums delta over the coder pairs of every unit (vectorised,
see pairs.py); the expected part uses closed forms (nominal, ordinal, interval) or a
blockwise V x V sum (ratio), so memory stays linear in the number of values.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np

from annotator.stats.coding import CodedData, encode
from annotator.stats.pairs import PairTable, pair_table
from annotator.stats.result import (
    NO_PAIRABLE_UNITS,
    NO_VARIATION_ALPHA,
    SINGLE_CODER,
    Figure,
    defined,
    undefined,
)

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
MEASURE = "krippendorff_alpha"
_RATIO_BLOCK = 1024


def krippendorff_alpha(
    data: Any, level: Level = "nominal", categories: Sequence[Hashable] | None = None
) -> Figure:
    """Krippendorff's alpha (Krippendorff 2011) of coders x units data; None / NaN = missing.

    `categories` fixes the order for ordinal data (default: sorted values); interval
    and ratio data need numeric values.  Units with fewer than two values are not
    pairable and are left out, as the definition says.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}; use one of {LEVELS}")
    coded = encode(data, categories)
    scale = category_scale(coded, level)
    if coded.n_coders < 2:
        return undefined(MEASURE, SINGLE_CODER, 0, coded.n_coders, level=level)
    table = pair_table(coded)
    return alpha_from_pairs(table, level, scale)


def category_scale(coded: CodedData, level: Level) -> np.ndarray | None:
    """The numeric value of each category for interval and ratio data (None otherwise)."""
    if level not in ("interval", "ratio"):
        return None
    try:
        scale = np.asarray([float(c) for c in coded.categories], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{level} alpha needs numeric values") from None
    if level == "ratio" and np.any(scale < 0):
        raise ValueError("ratio alpha needs values that are zero or positive")
    return scale


def alpha_from_pairs(
    table: PairTable,
    level: Level,
    scale: np.ndarray | None,
    unit_weights: np.ndarray | None = None,
) -> Figure:
    """Alpha from a pair table; `unit_weights` gives each pairable unit a multiplicity."""
    n_c = table.marginals(unit_weights)
    n = float(n_c.sum())
    n_units = table.n_pairable_units
    if unit_weights is not None:
        n_units = int(np.count_nonzero(unit_weights))
    if table.n_pairable_units == 0 or n == 0:
        return undefined(MEASURE, NO_PAIRABLE_UNITS, 0, table.n_coders_with_pairs, level=level)
    used = int(np.count_nonzero(n_c))
    if used < 2:
        return undefined(
            MEASURE,
            NO_VARIATION_ALPHA,
            n_units,
            table.n_coders_with_pairs,
            level=level,
            n_pairable_values=int(round(n)),
            observed_disagreement=0.0,
            expected_disagreement=0.0,
        )
    pair_weight = table.weight if unit_weights is None else table.weight * unit_weights[table.unit]
    observed_sum = 2.0 * float(np.dot(pair_weight, _pair_delta(table, level, scale, n_c)))
    expected_sum = _expected_sum(n_c, level, scale)
    observed = observed_sum / n
    expected = expected_sum / (n * (n - 1.0))
    value = 1.0 - observed / expected
    return defined(
        MEASURE,
        value,
        n_units,
        table.n_coders_with_pairs,
        level=level,
        observed_disagreement=observed,
        expected_disagreement=expected,
        n_pairable_values=int(round(n)),
        n_categories_used=used,
    )


def ordinal_midranks(n_c: np.ndarray) -> np.ndarray:
    """M_c = n_1 + ... + n_{c-1} + n_c / 2, so that delta_ordinal(c, k) = (M_c - M_k)^2."""
    return np.cumsum(n_c) - n_c / 2.0


def difference_matrix(
    level: Level, n_c: np.ndarray, scale: np.ndarray | None = None
) -> np.ndarray:
    """The full V x V matrix of delta_ck (for reports and tests; alpha itself avoids it)."""
    if level == "nominal":
        return 1.0 - np.eye(len(n_c))
    if level == "ordinal":
        mid = ordinal_midranks(np.asarray(n_c, dtype=float))
        return (mid[:, None] - mid[None, :]) ** 2
    if scale is None:
        raise ValueError(f"{level} differences need the numeric value of each category")
    if level == "interval":
        return (scale[:, None] - scale[None, :]) ** 2
    return _ratio_delta(scale[:, None], scale[None, :])


def _pair_delta(
    table: PairTable, level: Level, scale: np.ndarray | None, n_c: np.ndarray
) -> np.ndarray:
    """delta(first, second) for every pair."""
    if level == "nominal":
        return (table.first != table.second).astype(float)
    if level == "ordinal":
        mid = ordinal_midranks(n_c)
        return (mid[table.first] - mid[table.second]) ** 2
    assert scale is not None
    if level == "interval":
        return (scale[table.first] - scale[table.second]) ** 2
    return _ratio_delta(scale[table.first], scale[table.second])


def _expected_sum(n_c: np.ndarray, level: Level, scale: np.ndarray | None) -> float:
    """sum_ck n_c n_k delta_ck without materialising the V x V matrix when a closed form exists."""
    n = n_c.sum()
    if level == "nominal":
        return float(n * n - np.dot(n_c, n_c))
    if level in ("ordinal", "interval"):
        score = ordinal_midranks(n_c) if level == "ordinal" else scale
        assert score is not None
        mean = np.dot(n_c, score) / n
        return float(2.0 * n * np.dot(n_c, (score - mean) ** 2))
    assert scale is not None
    used = np.flatnonzero(n_c)
    weights, values = n_c[used], scale[used]
    total = 0.0
    for start in range(0, len(used), _RATIO_BLOCK):
        block = slice(start, start + _RATIO_BLOCK)
        delta = _ratio_delta(values[block, None], values[None, :])
        total += float(weights[block] @ delta @ weights)
    return total


def _ratio_delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """((a - b) / (a + b))^2, with 0 where a + b == 0 (both values zero)."""
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = ((a - b) / total) ** 2
    return np.where(total == 0, 0.0, delta)

"""Cohen's kappa (Cohen 1960), weighted kappa (Cohen 1968) and Fleiss' kappa (Fleiss 1971)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np

from annotator.stats.coding import encode
from annotator.stats.result import (
    NO_PAIRABLE_UNITS,
    NO_VARIATION,
    SINGLE_CODER,
    Figure,
    defined,
    undefined,
)

Weights = Literal["linear", "quadratic"]
FLEISS_RULE = (
    "units rated by fewer than two raters are left out; with n_i raters on unit i, "
    "P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1)), P-bar = mean P_i, p_j = sum_i n_ij / "
    "sum_i n_i, P_e = sum_j p_j^2 (Fleiss 1971 when every n_i is equal)"
)


def cohen_kappa(
    first: Sequence[Any], second: Sequence[Any], categories: Sequence[Hashable] | None = None
) -> Figure:
    """Cohen's (1960) kappa of two coders' values per unit; units either left empty are dropped.

    kappa = (p_o - p_e) / (1 - p_e), p_o the share of units with the same value, p_e the
    sum over categories of the product of the two coders' marginal shares.
    """
    table, dropped = _contingency(first, second, categories)
    return cohen_kappa_from_table(table).with_details(units_missing_a_value=dropped)


def cohen_kappa_from_table(table: Any) -> Figure:
    """Cohen's (1960) kappa from a k x k table (rows: first coder, columns: second coder)."""
    counts = _square_table(table)
    n = float(counts.sum())
    measure = "cohen_kappa"
    if n == 0:
        return undefined(measure, NO_PAIRABLE_UNITS, 0, 2)
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    if _single_shared_category(rows, cols):
        return undefined(measure, NO_VARIATION, int(n), 2, observed_agreement=1.0)
    observed = float(np.trace(counts)) / n
    expected = float(np.dot(rows, cols)) / (n * n)
    value = (observed - expected) / (1.0 - expected)
    return defined(
        measure, value, int(round(n)), 2, observed_agreement=observed, expected_agreement=expected
    )


def weighted_kappa(
    first: Sequence[Any],
    second: Sequence[Any],
    categories: Sequence[Hashable],
    weights: Weights | Any = "linear",
) -> Figure:
    """Cohen's (1968) weighted kappa over the explicit ordered `categories`.

    kappa_w = 1 - sum w_ij p_ij / sum w_ij p_i. p_.j with disagreement weights
    w_ij = |i - j| / (k - 1) ("linear") or ((i - j) / (k - 1))^2 ("quadratic"), i and j
    being positions in `categories`; a k x k array gives the weights directly.
    Units either coder left empty are dropped.
    """
    table, dropped = _contingency(first, second, categories)
    return weighted_kappa_from_table(table, weights).with_details(units_missing_a_value=dropped)


def weighted_kappa_from_table(table: Any, weights: Weights | Any = "linear") -> Figure:
    """Cohen's (1968) weighted kappa from a k x k table whose categories are in scale order."""
    counts = _square_table(table)
    size = counts.shape[0]
    weight_matrix, weight_name = _disagreement_weights(size, weights)
    measure = "weighted_kappa"
    n = float(counts.sum())
    if n == 0:
        return undefined(measure, NO_PAIRABLE_UNITS, 0, 2, weights=weight_name)
    expected_table = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    observed = float((weight_matrix * counts).sum()) / n
    expected = float((weight_matrix * expected_table).sum()) / n
    if expected == 0:
        return undefined(measure, NO_VARIATION, int(round(n)), 2, weights=weight_name)
    return defined(
        measure,
        1.0 - observed / expected,
        int(round(n)),
        2,
        weights=weight_name,
        observed_disagreement=observed,
        expected_disagreement=expected,
    )


def fleiss_kappa(counts: Any) -> Figure:
    """Fleiss' (1971) kappa from a units x categories matrix of how many raters chose each.

    Fleiss assumes the same number of raters n on every unit.  When the numbers differ
    this computes the usual generalisation (see FLEISS_RULE in the details): per-unit
    agreement over that unit's own rater pairs, chance agreement from the pooled
    category shares; it equals Fleiss' kappa whenever the numbers are equal.  Per-category
    kappas (Fleiss 1971, kappa for a single category) are in details["per_category"], keyed by column index.
    """
    matrix = np.asarray(counts, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("Fleiss' kappa needs a units x categories matrix of counts")
    if np.any(matrix < 0) or not np.all(np.isfinite(matrix)):
        raise ValueError("rating counts must be finite and not negative")
    unit, category = np.nonzero(matrix)
    return _fleiss(unit, category, matrix[unit, category], matrix.shape[0], matrix.shape[1])


def fleiss_kappa_from_data(data: Any, categories: Sequence[Hashable] | None = None) -> Figure:
    """Fleiss' kappa of coders x units data (None / NaN = missing); coder identity is ignored."""
    coded = encode(data, categories)
    if coded.n_coders < 2:
        return undefined("fleiss_kappa", SINGLE_CODER, 0, coded.n_coders, rule=FLEISS_RULE)
    present = coded.codes >= 0
    size = len(coded.categories)
    unit_of_value = np.broadcast_to(np.arange(coded.n_units), coded.codes.shape)[present]
    keys, count = np.unique(unit_of_value * size + coded.codes[present], return_counts=True)
    figure = _fleiss(keys // size, keys % size, count.astype(float), coded.n_units, size)
    per_category = figure.details.get("per_category")
    if per_category:
        named = {coded.categories[int(j)]: v for j, v in per_category.items()}
        figure = figure.with_details(per_category=named)
    return figure


def _fleiss(
    unit: np.ndarray, category: np.ndarray, count: np.ndarray, n_units: int, n_categories: int
) -> Figure:
    """Fleiss' kappa from the non-zero cells (unit, category, count) of the count matrix."""
    measure = "fleiss_kappa"
    raters = np.bincount(unit, weights=count, minlength=n_units)
    keep = raters[unit] >= 2
    unit, category, count = unit[keep], category[keep], count[keep]
    rated = raters >= 2
    n_rated = int(np.count_nonzero(rated))
    max_raters = int(raters.max()) if n_units else 0
    if n_rated == 0:
        return undefined(measure, NO_PAIRABLE_UNITS, 0, max_raters, rule=FLEISS_RULE)
    unit_raters = raters[unit]
    agreeing = np.bincount(unit, weights=count * (count - 1), minlength=n_units)[rated]
    per_unit = agreeing / (raters[rated] * (raters[rated] - 1))
    observed = float(per_unit.mean())
    totals = np.bincount(category, weights=count, minlength=n_categories)
    shares = totals / totals.sum()
    expected = float(np.dot(shares, shares))
    equal = bool(np.all(raters[rated] == raters[rated][0]))
    details: dict[str, Any] = {
        "rule": FLEISS_RULE,
        "raters_per_unit": int(raters[rated][0]) if equal else "varying",
        "units_left_out": int(n_units - n_rated),
    }
    if np.count_nonzero(totals) < 2:
        return undefined(measure, NO_VARIATION, n_rated, max_raters, **details)
    disagreement = np.bincount(
        category, weights=count * (unit_raters - count) / (unit_raters - 1), minlength=n_categories
    )
    spread = totals.sum() * shares * (1.0 - shares)
    per_category = {
        int(j): float(1.0 - disagreement[j] / spread[j]) for j in np.flatnonzero(spread > 0)
    }
    return defined(
        measure,
        (observed - expected) / (1.0 - expected),
        n_rated,
        max_raters,
        observed_agreement=observed,
        expected_agreement=expected,
        per_category=per_category,
        **details,
    )


def _contingency(
    first: Sequence[Any], second: Sequence[Any], categories: Sequence[Hashable] | None
) -> tuple[np.ndarray, int]:
    """The k x k table of two coders' values over units both coded, and how many were dropped."""
    first_list, second_list = list(first), list(second)
    if len(first_list) != len(second_list):
        raise ValueError(
            f"the two coders have {len(first_list)} and {len(second_list)} units; "
            "give one entry per unit (None for a missing value)"
        )
    coded = encode([first_list, second_list], categories)
    a, b = coded.codes
    both = (a >= 0) & (b >= 0)
    size = len(coded.categories)
    table = np.bincount(a[both] * size + b[both], minlength=size * size).reshape(size, size)
    return table, int(np.count_nonzero(~both))


def _square_table(table: Any) -> np.ndarray:
    """Validate a k x k contingency table of non-negative counts."""
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"a contingency table must be square, got shape {counts.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("contingency counts must be finite and not negative")
    return counts


def _single_shared_category(rows: np.ndarray, cols: np.ndarray) -> bool:
    """True when both coders used one and the same category for every unit (p_e = 1)."""
    used_rows, used_cols = np.flatnonzero(rows), np.flatnonzero(cols)
    return len(used_rows) == 1 and len(used_cols) == 1 and used_rows[0] == used_cols[0]


def _disagreement_weights(size: int, weights: Weights | Any) -> tuple[np.ndarray, str]:
    """The k x k disagreement weights and a name to print for them."""
    if isinstance(weights, str):
        if weights not in ("linear", "quadratic"):
            raise ValueError(f"unknown weights {weights!r}; use 'linear', 'quadratic' or a matrix")
        position = np.arange(size, dtype=float)
        distance = np.abs(position[:, None] - position[None, :]) / max(size - 1, 1)
        return (distance if weights == "linear" else distance**2), weights
    matrix = np.asarray(weights, dtype=float)
    if matrix.shape != (size, size):
        raise ValueError(f"the weight matrix must be {size} x {size}, got {matrix.shape}")
    return matrix, "custom"

"""Pairable values of reliability data: each unit's coder pairs, found without a loop over units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.stats.coding import CodedData


@dataclass(frozen=True)
class PairTable:
    """Every unordered pair of values two coders gave the same unit (units with >= 2 values).

    `first[p]`, `second[p]` are the two codes of pair p, `weight[p]` is 1 / (m_u - 1)
    for its unit u with m_u values, and `unit[p]` numbers the unit among the pairable
    units.  `value_code` / `value_unit` list every pairable value.  Krippendorff's
    coincidence o_ck is the weighted count of ordered pairs (c, k), i.e. of unordered
    pairs counted in both directions.
    """

    first: np.ndarray
    second: np.ndarray
    weight: np.ndarray
    unit: np.ndarray
    value_code: np.ndarray
    value_unit: np.ndarray
    n_pairable_units: int
    n_categories: int
    n_coders_with_pairs: int

    def marginals(self, unit_weights: np.ndarray | None = None) -> np.ndarray:
        """n_c: how many pairable values are c (optionally with a multiplicity per unit)."""
        weights = None if unit_weights is None else unit_weights[self.value_unit]
        return np.bincount(self.value_code, weights=weights, minlength=self.n_categories).astype(
            float
        )


def pair_table(data: CodedData) -> PairTable:
    """Collect the pairable values of `data`, looping over coder pairs only."""
    codes = data.codes
    present = codes >= 0
    values_per_unit = present.sum(axis=0)
    pairable = values_per_unit >= 2
    sub = codes[:, pairable]
    sub_present = present[:, pairable]
    unit_weight = 1.0 / (values_per_unit[pairable] - 1.0)
    unit_index = np.arange(sub.shape[1], dtype=np.int64)
    firsts, seconds, weights, units = [], [], [], []
    for i in range(sub.shape[0]):
        for j in range(i + 1, sub.shape[0]):
            both = sub_present[i] & sub_present[j]
            if not both.any():
                continue
            firsts.append(sub[i, both])
            seconds.append(sub[j, both])
            weights.append(unit_weight[both])
            units.append(unit_index[both])
    coders_with_pairs = int(np.count_nonzero(sub_present.any(axis=1)))

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    return PairTable(
        first=joined(firsts, np.int64),
        second=joined(seconds, np.int64),
        weight=joined(weights, np.float64),
        unit=joined(units, np.int64),
        value_code=sub[sub_present],
        value_unit=np.broadcast_to(unit_index, sub.shape)[sub_present],
        n_pairable_units=int(sub.shape[1]),
        n_categories=len(data.categories),
        n_coders_with_pairs=coders_with_pairs,
    )


def coincidence_matrix(data: CodedData) -> np.ndarray:
    """Krippendorff's (2011) coincidence matrix o_ck (V x V), built with np.bincount."""
    table = pair_table(data)
    size = table.n_categories
    flat = np.bincount(
        table.first * size + table.second, weights=table.weight, minlength=size * size
    ).reshape(size, size)
    return flat + flat.T

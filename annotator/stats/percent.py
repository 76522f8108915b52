"""Percent agreement: the share of agreeing coder pairs, averaged over units."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from annotator.stats.coding import encode
from annotator.stats.pairs import pair_table
from annotator.stats.result import NO_PAIRABLE_UNITS, SINGLE_CODER, Figure, defined, undefined

MEASURE = "percent_agreement"
RULE = (
    "for each unit with two or more values, the share of coder pairs that gave the same "
    "value; averaged over those units, each unit counting once"
)


def percent_agreement(data: Any, categories: Sequence[Hashable] | None = None) -> Figure:
    """Pairwise percent agreement of coders x units data (None / NaN = missing), as a proportion.

    For unit u with m_u >= 2 values, P_u = (agreeing coder pairs) / (m_u (m_u - 1) / 2);
    the figure is the mean of P_u.  With every coder coding every unit this is Fleiss'
    (1971) mean observed agreement P-bar; for two coders it is the share of units on
    which they agree.  Units with fewer than two values are left out.
    """
    coded = encode(data, categories)
    if coded.n_coders < 2:
        return undefined(MEASURE, SINGLE_CODER, 0, coded.n_coders, rule=RULE)
    table = pair_table(coded)
    if table.n_pairable_units == 0:
        return undefined(MEASURE, NO_PAIRABLE_UNITS, 0, table.n_coders_with_pairs, rule=RULE)
    size = table.n_pairable_units
    pairs = np.bincount(table.unit, minlength=size)
    agreeing = np.bincount(
        table.unit, weights=(table.first == table.second).astype(float), minlength=size
    )
    per_unit = agreeing / pairs
    return defined(
        MEASURE,
        float(per_unit.mean()),
        size,
        table.n_coders_with_pairs,
        rule=RULE,
        agreeing_pairs=int(agreeing.sum()),
        pairs=int(pairs.sum()),
    )

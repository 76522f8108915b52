"""Bootstrap confidence interval for Krippendorff's alpha, resampling units."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from annotator.stats.alpha import Level, alpha_from_pairs, category_scale, krippendorff_alpha
from annotator.stats.coding import encode
from annotator.stats.pairs import pair_table
from annotator.stats.result import Figure

DEFAULT_SEED = 20240229
METHOD = (
    "percentile bootstrap: pairable units drawn with replacement (as many as there are), "
    "alpha recomputed on each resample; resamples where alpha is undefined are left out "
    "and counted"
)


def bootstrap_alpha(
    data: Any,
    level: Level = "nominal",
    categories: Sequence[Hashable] | None = None,
    n_resamples: int = 1000,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> Figure:
    """Krippendorff's alpha with a percentile bootstrap interval over units (seed reported).

    The value is alpha of the full data; details hold ci_low, ci_high, confidence, seed,
    n_resamples and n_undefined_resamples.  The same seed gives the same interval.  Each
    resample costs about one alpha computation (some 20 ms for 5 coders x 100,000 units).
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie strictly between 0 and 1")
    coded = encode(data, categories)
    point = krippendorff_alpha(coded, level)
    settings = {
        "method": METHOD,
        "seed": seed,
        "n_resamples": n_resamples,
        "confidence": confidence,
    }
    if not point.is_defined:
        return point.with_details(**settings, ci_low=None, ci_high=None)
    table = pair_table(coded)
    scale = category_scale(coded, level)
    rng = np.random.default_rng(seed)
    size = table.n_pairable_units
    estimates = []
    for _ in range(n_resamples):
        multiplicity = np.bincount(rng.integers(0, size, size), minlength=size).astype(float)
        figure = alpha_from_pairs(table, level, scale, multiplicity)
        if figure.value is not None:
            estimates.append(figure.value)
    tail = (1.0 - confidence) / 2.0
    low, high = (None, None)
    if estimates:
        low, high = np.quantile(np.asarray(estimates), [tail, 1.0 - tail]).tolist()
    return point.with_details(
        **settings,
        ci_low=low,
        ci_high=high,
        n_undefined_resamples=n_resamples - len(estimates),
    )

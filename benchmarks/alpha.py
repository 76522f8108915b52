"""Time and memory of Krippendorff's alpha on a large random data set (numpy only, no project)."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import numpy as np

from annotator.stats.alpha import Level, krippendorff_alpha


def random_reliability_data(
    n_coders: int, n_units: int, n_values: int, missing_share: float = 0.1, seed: int = 7
) -> np.ndarray:
    """Coders x units floats: values 0..n_values-1, mostly agreeing, NaN for a share of cells."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_values, n_units)
    noise = rng.integers(0, n_values, (n_coders, n_units))
    data = np.where(rng.random((n_coders, n_units)) < 0.7, truth, noise).astype(float)
    data[rng.random((n_coders, n_units)) < missing_share] = np.nan
    return data


def bench_alpha(
    n_coders: int = 5, n_units: int = 100_000, n_values: int = 200, level: Level = "nominal"
) -> dict[str, Any]:
    """Seconds (best of 3, without tracing) and peak traced MB of one alpha computation."""
    data = random_reliability_data(n_coders, n_units, n_values)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        figure = krippendorff_alpha(data, level)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        krippendorff_alpha(data, level)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "measure": figure.measure,
        "level": level,
        "n_coders": n_coders,
        "n_units": n_units,
        "n_values": n_values,
        "alpha": figure.value,
        "seconds": min(timings),
        "peak_mb": peak / 2**20,
        "input_mb": data.nbytes / 2**20,
    }

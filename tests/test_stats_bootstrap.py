"""Bootstrap confidence interval for Krippendorff's alpha."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.stats import NO_VARIATION_ALPHA, bootstrap_alpha, krippendorff_alpha
from benchmarks.alpha import random_reliability_data

# Krippendorff (2011), worked example: 4 observers x 12 units, nominal alpha = .743.
N = None
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_interval_brackets_the_estimate_and_reports_its_settings() -> None:
    figure = bootstrap_alpha(KRIPPENDORFF_2011, n_resamples=500, seed=11)
    assert figure.value == pytest.approx(0.743, abs=0.0005)
    details = figure.details
    assert details["ci_low"] <= figure.value <= details["ci_high"]
    assert details["ci_low"] < details["ci_high"] <= 1.0
    assert details["seed"] == 11 and details["n_resamples"] == 500
    assert details["confidence"] == 0.95
    assert "units" in details["method"]
    assert details["n_undefined_resamples"] >= 0


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    first = bootstrap_alpha(KRIPPENDORFF_2011, n_resamples=200, seed=3).details
    again = bootstrap_alpha(KRIPPENDORFF_2011, n_resamples=200, seed=3).details
    other = bootstrap_alpha(KRIPPENDORFF_2011, n_resamples=200, seed=4).details
    assert (first["ci_low"], first["ci_high"]) == (again["ci_low"], again["ci_high"])
    assert (first["ci_low"], first["ci_high"]) != (other["ci_low"], other["ci_high"])


def test_interval_narrows_with_more_units() -> None:
    small = bootstrap_alpha(random_reliability_data(3, 40, 4, seed=1), n_resamples=300)
    large = bootstrap_alpha(random_reliability_data(3, 4000, 4, seed=1), n_resamples=300)
    width = lambda f: f.details["ci_high"] - f.details["ci_low"]  # noqa: E731
    assert width(large) < width(small) / 3


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_every_level_is_bootstrapped(level: str) -> None:
    figure = bootstrap_alpha(KRIPPENDORFF_2011, level=level, n_resamples=200)
    assert figure.value == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011, level).value)
    assert figure.details["ci_low"] < figure.details["ci_high"]


def test_resample_with_all_units_once_reproduces_alpha() -> None:
    # The multiplicity machinery must give the plain estimate when every unit counts once.
    from annotator.stats.alpha import alpha_from_pairs, category_scale
    from annotator.stats.coding import encode
    from annotator.stats.pairs import pair_table

    coded = encode(KRIPPENDORFF_2011)
    table = pair_table(coded)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ones = np.ones(table.n_pairable_units)
        twice = 2 * ones
        plain = krippendorff_alpha(KRIPPENDORFF_2011, level).value
        scale = category_scale(coded, level)
        assert alpha_from_pairs(table, level, scale, ones).value == pytest.approx(plain)
        # doubling every unit is not the same data: alpha's (n - 1) small-sample factor moves
        assert alpha_from_pairs(table, level, scale, twice).value != pytest.approx(plain, abs=1e-6)


def test_undefined_point_estimate_has_no_interval() -> None:
    figure = bootstrap_alpha([["a", "a"], ["a", "a"]], n_resamples=50)
    assert figure.value is None and figure.undefined_reason == NO_VARIATION_ALPHA
    assert figure.details["ci_low"] is None and figure.details["ci_high"] is None


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_alpha(KRIPPENDORFF_2011, n_resamples=0)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_alpha(KRIPPENDORFF_2011, confidence=95)

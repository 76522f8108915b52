"""The Hayes & Krippendorff (2007) bootstrap of alpha, checked against its definition.

Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a standard reliability measure
for coding data. Communication Methods and Measures 1(1), 77-89; the algorithm as Krippendorff
specifies it ("Algorithm for bootstrapping a distribution of alpha", 2006, revised 2011) and the
KALPHA macro runs it: M = min(25 Q, n..(m - 1) / 2) pairs drawn from the coincidences, alpha_b =
1 - sum(delta) / (M D_e) with D_e fixed.  Its draws are independent, so the mean of alpha_b is
alpha and its variance Var(delta) / (M D_e^2): the tests check those, not a random interval.
"""

from __future__ import annotations

import numpy as np
import pytest

from annotator.stats import bootstrap_alpha, coincidence_matrix, encode, krippendorff_alpha

# Krippendorff (2011), example C: four observers, twelve units; nominal alpha .743.
C_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_draws_per_resample_follow_the_published_rule() -> None:
    figure = bootstrap_alpha(C_DATA, "nominal", n_resamples=200, method="hayes")
    coincidences = coincidence_matrix(encode(C_DATA))
    n = coincidences.sum()  # 40 pairable values
    q = np.count_nonzero(coincidences)
    assert n == pytest.approx(40)
    assert figure.details["draws_per_resample"] == min(25 * q, round(n * (4 - 1) / 2)) == 60
    assert figure.details["bootstrap_method"] == "hayes"
    assert "Hayes & Krippendorff (2007)" in figure.details["bootstrap_definition"]


def test_distribution_centres_on_alpha_with_the_spread_the_definition_gives() -> None:
    resamples = 20000
    for level in ("nominal", "interval"):
        point = krippendorff_alpha(C_DATA, level)
        figure = bootstrap_alpha(C_DATA, level, n_resamples=resamples, seed=3, method="hayes")
        assert figure.value == point.value  # the point estimate is alpha of the data
        coded = encode(C_DATA)
        o = coincidence_matrix(coded)
        values = np.asarray(coded.categories, dtype=float)
        delta = (values[:, None] != values[None, :]).astype(float) if level == "nominal" else (
            (values[:, None] - values[None, :]) ** 2)
        p = o / o.sum()
        d_o, d_e = float((p * delta).sum()), point.details["expected_disagreement"]
        sd = np.sqrt((float((p * delta**2).sum()) - d_o**2) / figure.details["draws_per_resample"]) / d_e
        assert figure.details["bootstrap_mean"] == pytest.approx(point.value, abs=4 * sd / np.sqrt(resamples) + 0.002)
        # a 95 % interval of a near-normal distribution spans about 2 x 1.96 standard deviations
        width = figure.details["ci_high"] - figure.details["ci_low"]
        assert width == pytest.approx(2 * 1.96 * sd, rel=0.12)


def test_named_method_differs_from_the_unit_resample_and_repeats_with_its_seed() -> None:
    hayes = bootstrap_alpha(C_DATA, n_resamples=500, seed=7, method="hayes")
    again = bootstrap_alpha(C_DATA, n_resamples=500, seed=7, method="hayes")
    units = bootstrap_alpha(C_DATA, n_resamples=500, seed=7, method="units")
    assert (hayes.details["ci_low"], hayes.details["ci_high"]) == (again.details["ci_low"], again.details["ci_high"])
    assert units.details["bootstrap_method"] == "units"
    assert (units.details["ci_low"], units.details["ci_high"]) != (hayes.details["ci_low"], hayes.details["ci_high"])
    assert set(hayes.details["p_below_minimum"]) == {"0.667", "0.800"}
    assert 0.0 <= hayes.details["p_below_minimum"]["0.800"] <= 1.0


def test_alpha_below_minus_one_is_truncated_and_an_unknown_method_refused() -> None:
    # Systematic disagreement: alpha is far below 0 and many resamples would fall under -1.
    figure = bootstrap_alpha([[1, 2, 1, 2], [2, 1, 2, 1]], n_resamples=300, method="hayes")
    assert figure.value < -0.5 and figure.details["ci_low"] >= -1.0
    with pytest.raises(ValueError, match="unknown bootstrap method"):
        bootstrap_alpha(C_DATA, method="jackknife")

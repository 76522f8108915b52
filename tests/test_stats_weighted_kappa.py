"""Weighted Cohen's kappa (Cohen 1968) with linear and quadratic weights, against published figures."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.stats import cohen_kappa_from_table, weighted_kappa, weighted_kappa_from_table

# Cohen, J. (1968). Weighted kappa. Psychological Bulletin 70(4), 213-220: the worked example
# (proportions of 200 cases, disagreement weights 1, 3, 6), reprinted in the documentation of
# R's psych::cohen.kappa: "cohen reports .492 and .348", and .353 with the non-symmetric weights.
COHEN_1968 = np.array([[0.44, 0.07, 0.09], [0.05, 0.20, 0.05], [0.01, 0.03, 0.06]]) * 200
COHEN_WEIGHTS = np.array([[0, 1, 3], [1, 0, 6], [3, 6, 0]])
COHEN_ASYMMETRIC = np.array([[0, 1, 4], [1, 0, 6], [2, 2, 0]])


def test_cohen_1968_worked_example() -> None:
    assert cohen_kappa_from_table(COHEN_1968).value == pytest.approx(0.492, abs=5e-4)
    weighted = weighted_kappa_from_table(COHEN_1968, COHEN_WEIGHTS)
    assert weighted.value == pytest.approx(0.348, abs=5e-4)
    assert weighted.details["weights"] == "custom"
    assert weighted_kappa_from_table(COHEN_1968, COHEN_ASYMMETRIC).value == pytest.approx(0.353, abs=5e-4)


def test_linear_and_quadratic_equal_scikit_learn() -> None:
    rng = np.random.default_rng(11)
    order = [1, 2, 3, 4, 5]
    first = rng.integers(1, 6, 300)
    second = np.clip(first + rng.integers(-1, 2, 300), 1, 5)
    for weights in ("linear", "quadratic"):
        ours = weighted_kappa(first.tolist(), second.tolist(), order, weights)
        theirs = cohen_kappa_score(first, second, labels=order, weights=weights)
        assert ours.value == pytest.approx(theirs, abs=1e-12)
        assert ours.details["weights"] == weights


def test_weights_follow_the_given_category_order_not_the_alphabet() -> None:
    # Labels in codebook order (low < medium < high): a low/high confusion costs the most.
    first = ["low", "low", "medium", "high", "high", "medium"]
    second = ["low", "medium", "medium", "high", "low", "medium"]
    ordered = weighted_kappa(first, second, ["low", "medium", "high"], "linear")
    alphabetical = weighted_kappa(first, second, ["high", "low", "medium"], "linear")
    assert ordered.value != pytest.approx(alphabetical.value)
    codes = {"low": 0, "medium": 1, "high": 2}
    expected = cohen_kappa_score([codes[v] for v in first], [codes[v] for v in second], weights="linear")
    assert ordered.value == pytest.approx(expected)


def test_no_variation_is_undefined_with_its_reason() -> None:
    figure = weighted_kappa([2, 2, 2], [2, 2, 2], [1, 2, 3], "quadratic")
    assert figure.value is None and "no variation" in figure.undefined_reason

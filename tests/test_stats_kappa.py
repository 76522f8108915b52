"""Cohen's, weighted and Fleiss' kappa against published examples, scikit-learn and nltk."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score

from annotator.stats import (
    NO_PAIRABLE_UNITS,
    NO_VARIATION,
    SINGLE_CODER,
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_kappa,
    fleiss_kappa_from_data,
    weighted_kappa,
    weighted_kappa_from_table,
)


def test_cohen_1960_example() -> None:
    # Cohen (1960), Educational and Psychological Measurement 20(1), p. 45: 200 units,
    # p_o = .70, p_c = .41, kappa = .492 (table as in DKPro's Cohen1960Test.createExample2).
    table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    figure = cohen_kappa_from_table(table)
    assert figure.value == pytest.approx(0.492, abs=0.001)
    assert figure.details["observed_agreement"] == pytest.approx(0.70)
    assert figure.details["expected_agreement"] == pytest.approx(0.41)
    assert figure.n_units == 200


def test_krippendorff_2004_kappa_example() -> None:
    # Krippendorff (2004), Content Analysis, p. 246: kappa = .258 for the second table
    # (same marginal disagreement, different marginals) vs .186 for the first.
    first = [[12, 9, 9], [9, 14, 9], [9, 9, 20]]
    second = [[12, 18, 18], [0, 14, 18], [0, 0, 20]]
    assert cohen_kappa_from_table(first).value == pytest.approx(0.186, abs=0.001)
    assert cohen_kappa_from_table(second).value == pytest.approx(0.258, abs=0.001)


def test_cohen_kappa_from_two_coders_drops_units_with_a_missing_value() -> None:
    a = ["frame", "frame", "stance", None, "device", "stance"]
    b = ["frame", "stance", "stance", "frame", "device", None]
    figure = cohen_kappa(a, b)
    same = cohen_kappa(
        ["frame", "frame", "stance", "device"], ["frame", "stance", "stance", "device"]
    )
    assert figure.value == pytest.approx(same.value)
    assert figure.details["units_missing_a_value"] == 2
    assert figure.n_units == 4


# SAS PROC FREQ output for this table (Cicchetti-Allison, i.e. linear, weights), as
# reproduced in statsmodels' stats/tests/test_inter_rater.py: kappa .4842, weighted .4701.
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_weighted_kappa_sas_example() -> None:
    assert cohen_kappa_from_table(SAS_TABLE).value == pytest.approx(0.4842, abs=5e-5)
    assert weighted_kappa_from_table(SAS_TABLE, "linear").value == pytest.approx(0.4701, abs=5e-5)


# R package irr, data(anxiety), raters 2 and 3 (irr::kappa2 drops the unused level 5, so
# the ordered categories are 1, 2, 3, 4, 6); values from irr as recorded in statsmodels'
# test_inter_rater.py: unweighted -0.006289308, "equal" (linear) 0.1459075, squared 0.2520325.
ANXIETY = [  # irr's data(anxiety), 20 subjects x 3 raters, column by column
    3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3,
    3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4,
    2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2,
]
ANXIETY_RATER2, ANXIETY_RATER3 = ANXIETY[20:40], ANXIETY[40:60]


def test_weighted_kappa_irr_anxiety_example() -> None:
    order = [1, 2, 3, 4, 6]
    a, b = ANXIETY_RATER2, ANXIETY_RATER3
    assert cohen_kappa(a, b).value == pytest.approx(-0.006289308, abs=1e-8)
    assert weighted_kappa(a, b, order, "linear").value == pytest.approx(0.1459075, abs=1e-7)
    assert weighted_kappa(a, b, order, "quadratic").value == pytest.approx(0.2520325, abs=1e-7)


def test_weighted_kappa_order_matters_and_matrix_weights_work() -> None:
    a = ["low", "mid", "high", "mid", "low", "high"]
    b = ["mid", "mid", "high", "low", "low", "mid"]
    scale = weighted_kappa(a, b, ["low", "mid", "high"], "linear")
    scrambled = weighted_kappa(a, b, ["high", "low", "mid"], "linear")
    assert scale.value != pytest.approx(scrambled.value)
    nominal = weighted_kappa(a, b, ["low", "mid", "high"], 1 - np.eye(3))
    assert nominal.value == pytest.approx(cohen_kappa(a, b).value)


# Fleiss (1971), Psychological Bulletin 76(5), p. 379: 30 patients, 6 psychiatrists,
# 5 diagnoses; kappa = .430 with P-bar = .556 and P-bar_e = .220, and
# per-category kappas .248 .248 .517 .470 .565 (as asserted, +-0.005, in DKPro's Fleiss1971Test).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]


def test_fleiss_1971_example() -> None:
    figure = fleiss_kappa_from_data(np.array(FLEISS_1971).T)
    assert figure.value == pytest.approx(0.430, abs=0.001)
    assert figure.details["observed_agreement"] == pytest.approx(0.556, abs=0.001)
    assert figure.details["expected_agreement"] == pytest.approx(0.220, abs=0.001)
    assert figure.details["raters_per_unit"] == 6
    per_category = figure.details["per_category"]
    for diagnosis, published in zip(range(1, 6), [0.248, 0.248, 0.517, 0.470, 0.565]):
        assert per_category[diagnosis] == pytest.approx(published, abs=0.005)


def test_fleiss_wikipedia_example() -> None:
    # en.wikipedia.org "Fleiss' kappa", worked example: 10 subjects, 14 raters,
    # 5 categories, kappa = 0.210 (also statsmodels' test_fleiss_kappa).
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    figure = fleiss_kappa(counts)
    assert figure.value == pytest.approx(0.210, abs=0.0005)
    assert figure.details["observed_agreement"] == pytest.approx(0.378, abs=0.0005)
    assert figure.details["expected_agreement"] == pytest.approx(0.213, abs=0.0005)


def test_fleiss_with_varying_raters_says_so_and_reduces_to_fleiss_when_equal() -> None:
    varying = fleiss_kappa([[3, 0], [1, 1], [0, 4], [2, 1], [1, 0]])  # last unit: 1 rater
    assert varying.is_defined
    assert varying.details["raters_per_unit"] == "varying"
    assert varying.details["units_left_out"] == 1
    assert "n_i" in varying.details["rule"]


def test_kappa_undefined_cases() -> None:
    same = cohen_kappa(["a", "a", "a"], ["a", "a", "a"])
    assert same.value is None and same.undefined_reason == NO_VARIATION
    nothing = cohen_kappa(["a", None], [None, "b"])
    assert nothing.value is None and nothing.undefined_reason == NO_PAIRABLE_UNITS
    flat = weighted_kappa([1, 1], [1, 1], [1, 2, 3], "quadratic")
    assert flat.value is None and flat.undefined_reason == NO_VARIATION
    one_category = fleiss_kappa([[3, 0], [3, 0]])
    assert one_category.value is None and one_category.undefined_reason == NO_VARIATION
    one_coder = fleiss_kappa_from_data([["a", "b"]])
    assert one_coder.value is None and one_coder.undefined_reason == SINGLE_CODER
    lonely = fleiss_kappa([[1, 0], [0, 1]])
    assert lonely.value is None and lonely.undefined_reason == NO_PAIRABLE_UNITS


def test_kappa_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="units"):
        cohen_kappa(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="square"):
        cohen_kappa_from_table([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="negative"):
        fleiss_kappa([[1, -1]])
    with pytest.raises(ValueError, match="weights"):
        weighted_kappa([1], [1], [1, 2], "cubic")


@st.composite
def two_coders(draw: st.DrawFn) -> tuple[list[int], list[int], int]:
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 40))
    values = st.integers(0, k - 1)
    return draw(st.lists(values, min_size=n, max_size=n)), draw(
        st.lists(values, min_size=n, max_size=n)
    ), k


@settings(max_examples=100, deadline=None)
@given(two_coders())
def test_cohen_and_weighted_kappa_match_sklearn(case: tuple[list[int], list[int], int]) -> None:
    a, b, k = case
    labels = list(range(k))
    for weights in (None, "linear", "quadratic"):
        ours = (
            cohen_kappa(a, b, labels) if weights is None else weighted_kappa(a, b, labels, weights)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn warns about degenerate tables
            theirs = cohen_kappa_score(a, b, labels=labels, weights=weights)
        if ours.value is None:
            assert ours.undefined_reason == NO_VARIATION
            assert not np.isfinite(theirs) or theirs in (0.0, 1.0)
        else:
            assert ours.value == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(two_coders())
def test_cohen_kappa_matches_nltk(case: tuple[list[int], list[int], int]) -> None:
    a, b, _ = case
    ours = cohen_kappa(a, b)
    if ours.value is None:
        return
    triples = [("a", i, v) for i, v in enumerate(a)] + [("b", i, v) for i, v in enumerate(b)]
    assert ours.value == pytest.approx(AnnotationTask(triples).kappa(), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 5), st.integers(1, 15), st.integers(2, 4), st.data())
def test_fleiss_kappa_matches_nltk_multi_pi(
    n_coders: int, n_units: int, k: int, data: st.DataObject
) -> None:
    # nltk's pi() is Scott's pi generalised to many coders (Siegel & Castellan's K),
    # which is Fleiss' kappa when every coder codes every unit.
    rows = [data.draw(st.lists(st.integers(0, k - 1), min_size=n_units, max_size=n_units))
            for _ in range(n_coders)]
    ours = fleiss_kappa_from_data(rows)
    if ours.value is None:
        return
    triples = [(f"c{i}", u, v) for i, row in enumerate(rows) for u, v in enumerate(row)]
    assert ours.value == pytest.approx(AnnotationTask(triples).pi(), abs=1e-9)

"""Krippendorff's alpha against published worked examples and against nltk."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import interval_distance

from annotator.stats import (
    NO_PAIRABLE_UNITS,
    NO_VARIATION_ALPHA,
    SINGLE_CODER,
    coincidence_matrix,
    difference_matrix,
    encode,
    krippendorff_alpha,
)
from benchmarks.alpha import bench_alpha, random_reliability_data

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (Annenberg School
# departmental paper 43): the worked example of 4 observers x 12 units with missing values;
# the same data are in Krippendorff (2004), Content Analysis, p. 230.  Published there:
# nominal .743, ordinal .815, interval .849, ratio .797.
N = None
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_published_values(level: str, published: float) -> None:
    figure = krippendorff_alpha(KRIPPENDORFF_2011, level)
    assert figure.value == pytest.approx(published, abs=0.0005)
    # Unit 12 has a single value: not pairable, so 11 units and 40 pairable values.
    assert figure.n_units == 11
    assert figure.details["n_pairable_values"] == 40


def test_krippendorff_2011_disagreements() -> None:
    # D_o and D_e as asserted in DKPro Agreement's coding/Krippendorff2004Test.java for
    # the same data (Krippendorff 2004, p. 230): nominal .200 / .779, interval .433 / 2.872.
    nominal = krippendorff_alpha(KRIPPENDORFF_2011, "nominal").details
    interval = krippendorff_alpha(KRIPPENDORFF_2011, "interval").details
    assert nominal["observed_disagreement"] == pytest.approx(0.200, abs=0.001)
    assert nominal["expected_disagreement"] == pytest.approx(0.779, abs=0.001)
    assert interval["observed_disagreement"] == pytest.approx(0.433, abs=0.001)
    assert interval["expected_disagreement"] == pytest.approx(2.872, abs=0.001)


def test_krippendorff_2011_with_labels_instead_of_numbers() -> None:
    # The 2004 book codes the same units with symbols; nominal alpha cannot depend on names.
    names = {1: "book", 2: "letter", 3: "phone", 4: "computer", 5: "folder"}
    labelled = [[None if v is None else names[v] for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(labelled).value == pytest.approx(0.743, abs=0.0005)


def test_krippendorff_2004_two_coder_examples() -> None:
    # Krippendorff (2004, p. 224): binary data of two coders, alpha = .095;
    # (p. 227): three categories, alpha = .734.  Data as in DKPro's Krippendorff2004Test.
    binary = [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]]
    assert krippendorff_alpha(binary).value == pytest.approx(0.095, abs=0.001)
    three = [list("aabbbbbccccc"), list("abbbbbcccccc")]
    assert krippendorff_alpha(three).value == pytest.approx(0.734, abs=0.001)


def test_ordinal_follows_the_given_category_order() -> None:
    ordered = ["low", "mid", "high"]
    data = [["low", "mid", "high", "high", "low"], ["mid", "mid", "high", "low", "low"]]
    as_numbers = [[ordered.index(v) for v in row] for row in data]
    by_name = krippendorff_alpha(data, "ordinal", categories=ordered)
    assert by_name.value == pytest.approx(krippendorff_alpha(as_numbers, "ordinal").value)
    # Sorted alphabetically the order would be high < low < mid: a different figure.
    alphabetical = krippendorff_alpha(data, "ordinal")
    assert alphabetical.value != pytest.approx(by_name.value)


def test_alpha_equals_textbook_formula_on_coincidence_matrix() -> None:
    coded = encode(KRIPPENDORFF_2011)
    o = coincidence_matrix(coded)
    # Krippendorff (2011), same example: the coincidence matrix has n = 40 pairable values
    # and n_c = 9, 13, 10, 5, 3 for the values 1..5.
    assert o.sum() == pytest.approx(40)
    assert o.sum(axis=1) == pytest.approx([9, 13, 10, 5, 3])
    n_c = o.sum(axis=1)
    n = n_c.sum()
    scale = np.asarray(coded.categories, dtype=float)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        delta = difference_matrix(level, n_c, scale)
        textbook = 1 - (n - 1) * (o * delta).sum() / (np.outer(n_c, n_c) * delta).sum()
        assert krippendorff_alpha(KRIPPENDORFF_2011, level).value == pytest.approx(textbook)


def test_nan_and_none_both_mean_missing() -> None:
    as_nan = np.array([[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011])
    assert krippendorff_alpha(as_nan).value == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_2011).value
    )


def test_undefined_with_one_coder() -> None:
    figure = krippendorff_alpha([[1, 2, 3]])
    assert figure.value is None and figure.undefined_reason == SINGLE_CODER


def test_undefined_without_pairable_units() -> None:
    figure = krippendorff_alpha([[1, None, 2], [None, 3, None]])
    assert figure.value is None and figure.undefined_reason == NO_PAIRABLE_UNITS


def test_undefined_when_everyone_uses_one_value() -> None:
    for level in ("nominal", "ordinal", "interval", "ratio"):
        figure = krippendorff_alpha([[2, 2, 2, None], [2, 2, 2, 5]], level)
        # the lone 5 is not pairable; every pairable value is 2
        assert figure.value is None and figure.undefined_reason == NO_VARIATION_ALPHA


def test_bad_input_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], "interval")
    with pytest.raises(ValueError, match="not in the category list"):
        krippendorff_alpha([["a", "b"], ["a", "c"]], categories=["a", "b"])
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")
    with pytest.raises(ValueError, match="zero or positive"):
        krippendorff_alpha([[1, -2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="2-dimensional"):
        krippendorff_alpha(np.array([1.0, 2.0]))


def test_scaling_smoke_runs_on_5_by_20000() -> None:
    data = random_reliability_data(5, 20_000, 200)
    figure = krippendorff_alpha(data)
    assert figure.is_defined and 0.3 < figure.value < 0.7  # 70 % copies of a true value
    report = bench_alpha(n_coders=3, n_units=2_000, n_values=20)
    assert report["seconds"] > 0 and report["peak_mb"] > 0 and report["alpha"] is not None


def _reliability_matrix(draw: st.DrawFn, max_value: int) -> list[list[int | None]]:
    n_coders = draw(st.integers(2, 4))
    n_units = draw(st.integers(1, 12))
    cell = st.one_of(st.none(), st.integers(0, max_value))
    return [[draw(cell) for _ in range(n_units)] for _ in range(n_coders)]


@st.composite
def reliability_data(draw: st.DrawFn) -> list[list[int | None]]:
    return _reliability_matrix(draw, draw(st.integers(1, 5)))


def _nltk_task(data: list[list[int | None]], distance=None) -> AnnotationTask:
    triples = [
        (f"c{i}", f"u{u}", v)
        for i, row in enumerate(data)
        for u, v in enumerate(row)
        if v is not None
    ]
    return AnnotationTask(triples) if distance is None else AnnotationTask(triples, distance)


@settings(max_examples=150, deadline=None)
@given(reliability_data())
def test_nominal_alpha_matches_nltk(data: list[list[int | None]]) -> None:
    ours = krippendorff_alpha(data)
    if ours.value is None:
        return  # nltk returns 1 or raises for these cases; ours says why it is undefined
    assert ours.value == pytest.approx(_nltk_task(data).alpha(), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(reliability_data())
def test_interval_alpha_matches_nltk(data: list[list[int | None]]) -> None:
    ours = krippendorff_alpha(data, "interval")
    if ours.value is None:
        return
    theirs = _nltk_task(data, interval_distance).alpha()
    assert ours.value == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(reliability_data())
def test_alpha_never_exceeds_one_and_is_finite(data: list[list[int | None]]) -> None:
    for level in ("nominal", "ordinal", "interval", "ratio"):
        figure = krippendorff_alpha(data, level)
        if figure.value is not None:
            assert math.isfinite(figure.value) and figure.value <= 1 + 1e-12
        else:
            assert figure.undefined_reason

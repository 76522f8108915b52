"""Krippendorff's unitizing alpha against DKPro Agreement's test cases and a direct reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.stats import NO_UNITS, NO_VARIATION, SINGLE_CODER, alpha_unitizing
from annotator.stats.unitizing import alpha_unitizing_many, concatenate_documents

# Krippendorff (2004), Content Analysis, p. 254: two observers on the continuum
# [150, 450), categories c and k.  Data and expected values from DKPro Agreement,
# dkpro-statistics-agreement/src/test/java/org/dkpro/statistics/agreement/unitizing/
# Krippendorff2004Test.java: alpha_U = .8591 (+-.0005); for c D_o = .0144, D_e = .0532,
# alpha = .7286; for k D_o = 0, D_e = .0490, alpha = 1 (each +-.0001).
KRIPPENDORFF_2004 = [
    ("i", 225, 295, "c"), ("i", 370, 400, "c"),
    ("j", 220, 300, "c"), ("j", 355, 375, "c"), ("j", 400, 420, "c"),
    ("i", 180, 240, "k"), ("i", 300, 350, "k"),
    ("j", 180, 240, "k"), ("j", 300, 350, "k"),
]


def test_krippendorff_2004_example() -> None:
    figure = alpha_unitizing(KRIPPENDORFF_2004, (150, 450))
    assert figure.value == pytest.approx(0.8591, abs=0.0005)
    c = figure.details["per_category"]["c"]
    k = figure.details["per_category"]["k"]
    assert c.details["observed_disagreement"] == pytest.approx(0.0144, abs=0.0001)
    assert c.details["expected_disagreement"] == pytest.approx(0.0532, abs=0.0001)
    assert c.value == pytest.approx(0.7286, abs=0.0001)
    assert k.details["observed_disagreement"] == pytest.approx(0.0, abs=0.0001)
    assert k.details["expected_disagreement"] == pytest.approx(0.0490, abs=0.0001)
    assert k.value == pytest.approx(1.0, abs=0.0001)
    assert figure.n_units == 9 and figure.n_coders == 2


def krippendorff_1995(stretch: float, categories: str = "ABCD") -> list[tuple[int, int, int, str]]:
    """Krippendorff (1995: p. 57) example as built by DKPro's Krippendorff1995Test.createExample:
    (start, length) scaled by `stretch` and truncated to int, on the continuum [0, 24 * stretch)."""
    rows = [
        (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
        (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
        (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
        (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"),
        (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
        (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
        (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
    ]
    scaled = [
        (coder, int(start * stretch), int(start * stretch) + int(length * stretch), category)
        for start, length, coder, category in rows
        if category in categories
    ]
    return scaled


def test_krippendorff_1995_observed_disagreement() -> None:
    # DKPro Krippendorff1995Test.testAgreement: D_o per category, +-.00001.
    figure = alpha_unitizing(krippendorff_1995(1), 24)
    expected = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
    for category, value in expected.items():
        observed = figure.details["per_category"][category].details["observed_disagreement"]
        assert observed == pytest.approx(value, abs=0.00001)


def test_krippendorff_1995_expected_disagreement_and_alpha() -> None:
    # DKPro Krippendorff1995Test.testAgreement with stretch 1,200,000 / 24: D_e +-.005 and
    # alpha_U per category +-.02 (DKPro notes an error in the paper's D_e).
    per_category = alpha_unitizing(krippendorff_1995(50_000), 1_200_000).details["per_category"]
    expected_d_e = {"A": 0.06990, "B": 1.17731, "C": 0.08642, "D": 0.41445}
    expected_alpha = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
    for category in "ABCD":
        figure = per_category[category]
        assert figure.details["expected_disagreement"] == pytest.approx(
            expected_d_e[category], abs=0.005
        )
        assert figure.value == pytest.approx(expected_alpha[category], abs=0.02)


@pytest.mark.parametrize(
    ("stretch", "d_e", "d_e_tolerance", "alpha"),
    [
        (12 / 24, 0.05494, 0.00001, 0.494),
        (120 / 24, 0.08234, 0.005, 0.663),
        (1200 / 24, 0.08600, 0.005, 0.677),
        (12000 / 24, 0.08638, 0.005, 0.678),
    ],
)
def test_krippendorff_1995_varying_lengths(
    stretch: float, d_e: float, d_e_tolerance: float, alpha: float
) -> None:
    # DKPro Krippendorff1995Test.testVaryingLengths, category C only (D_o +-.00001,
    # alpha +-.02).  At stretch 1/2 other categories would have empty units.
    figure = alpha_unitizing(krippendorff_1995(stretch, "C"), int(24 * stretch))
    c = figure.details["per_category"]["C"]
    assert c.details["observed_disagreement"] == pytest.approx(0.02777, abs=0.00001)
    assert c.details["expected_disagreement"] == pytest.approx(d_e, abs=d_e_tolerance)
    assert c.value == pytest.approx(alpha, abs=0.02)


def test_dkpro_unitizing_agreement_test_example() -> None:
    # DKPro UnitizingAgreementTest.testAgreement: r0 -11111111-, r1 --1-1-1---;
    # D_o = .9100, D_e = .5351, alpha = -.7003 (+-.0001).
    units = [(0, 1, 9, "A"), (1, 2, 3, "A"), (1, 4, 5, "A"), (1, 6, 7, "A")]
    a = alpha_unitizing(units, 10).details["per_category"]["A"]
    assert a.details["observed_disagreement"] == pytest.approx(0.9100, abs=0.0001)
    assert a.details["expected_disagreement"] == pytest.approx(0.5351, abs=0.0001)
    assert a.value == pytest.approx(-0.7003, abs=0.0001)


def test_single_unit_among_three_coders_gives_zero() -> None:
    # DKPro UnitizingAgreementTest.testSingleAnnotationUnit: 3 raters, length 20, one unit.
    figure = alpha_unitizing([(0, 0, 1, "X")], 20, coders=[0, 1, 2])
    assert figure.value == pytest.approx(0.0, abs=1e-12)


def test_undefined_cases() -> None:
    # DKPro's testEmptyAnnotationSet returns NaN; here the reason is explicit.
    empty = alpha_unitizing([], 20, coders=["ada", "ben", "cy"])
    assert empty.value is None and empty.undefined_reason == NO_UNITS
    alone = alpha_unitizing([("ada", 0, 3, "frame")], 20)
    assert alone.value is None and alone.undefined_reason == SINGLE_CODER
    whole = alpha_unitizing([("ada", 0, 1, "frame"), ("ben", 0, 1, "frame")], 1)
    assert whole.value is None and whole.undefined_reason == NO_VARIATION


def test_a_coder_who_marked_nothing_lowers_agreement() -> None:
    units = [("ada", 2, 6, "frame"), ("ben", 2, 6, "frame")]
    assert alpha_unitizing(units, 20).value == pytest.approx(1.0)
    with_silent = alpha_unitizing(units, 20, coders=["ada", "ben", "cy"])
    assert with_silent.value < 0.5


def test_requested_category_nobody_marked_is_reported_undefined() -> None:
    figure = alpha_unitizing(KRIPPENDORFF_2004, (150, 450), categories=["c", "k", "irony"])
    assert figure.details["per_category"]["irony"].undefined_reason == NO_UNITS
    assert figure.value == pytest.approx(0.8591, abs=0.0005)


def test_overlapping_units_of_one_coder_are_merged_and_counted() -> None:
    split = [("ada", 2, 6, "frame"), ("ada", 4, 9, "frame"), ("ben", 2, 9, "frame")]
    figure = alpha_unitizing(split, 20)
    assert figure.value == pytest.approx(1.0)
    assert figure.details["merged_overlaps"] == 1
    # adjacent units stay two units (Krippendorff's John/Jill example has them)
    adjacent = alpha_unitizing([("ada", 2, 6, "f"), ("ada", 6, 9, "f"), ("ben", 2, 9, "f")], 20)
    assert adjacent.details["merged_overlaps"] == 0 and adjacent.value < 1.0


def test_units_outside_the_continuum_are_refused() -> None:
    with pytest.raises(ValueError, match="outside the continuum"):
        alpha_unitizing([("ada", 5, 25, "frame"), ("ben", 0, 3, "frame")], 20)
    with pytest.raises(ValueError, match="empty"):
        alpha_unitizing([("ada", 5, 5, "frame"), ("ben", 0, 3, "frame")], 20)
    with pytest.raises(ValueError, match="coder list"):
        alpha_unitizing([("ada", 1, 5, "frame")], 20, coders=["ben", "cy"])


def test_documents_laid_end_to_end() -> None:
    first = [("ada", 0, 4, "frame"), ("ben", 1, 4, "frame")]
    second = [("ada", 2, 5, "frame"), ("ben", 2, 5, "frame")]
    length, units = concatenate_documents([(10, first), (6, second)])
    assert length == 16
    assert ("ada", 12, 15, "frame") in units
    pooled = alpha_unitizing(units, length)
    assert pooled.is_defined and pooled.value < 1.0


def test_shifting_the_continuum_changes_nothing() -> None:
    shifted = [(c, s - 150, e - 150, k) for c, s, e, k in KRIPPENDORFF_2004]
    assert alpha_unitizing(shifted, 300).value == pytest.approx(
        alpha_unitizing(KRIPPENDORFF_2004, (150, 450)).value
    )


# --- Direct reference: the definition applied segment by segment ------------------------


def _segments(units: list[tuple[int, int]], length: int) -> list[tuple[int, int, bool]]:
    """A coder's continuum cut into (start, end, is_unit) segments."""
    result, position = [], 0
    for start, end in sorted(units):
        if start > position:
            result.append((position, start, False))
        result.append((start, end, True))
        position = end
    if position < length:
        result.append((position, length, False))
    return result


def _difference(a: tuple[int, int, bool], b: tuple[int, int, bool]) -> int:
    (s1, e1, unit1), (s2, e2, unit2) = a, b
    if unit1 and unit2:
        return (s1 - s2) ** 2 + (e1 - e2) ** 2
    if unit1 and not unit2 and s2 <= s1 and e1 <= e2:
        return (e1 - s1) ** 2
    if unit2 and not unit1 and s1 <= s2 and e2 <= e1:
        return (e2 - s2) ** 2
    return 0


def _reference(by_coder: list[list[tuple[int, int]]], length: int) -> tuple[float, float]:
    """D_o and D_e for one category by plain loops over segments, units and gaps."""
    r = len(by_coder)
    segments = [_segments(u, length) for u in by_coder]
    observed = 0
    for i in range(r):
        for j in range(i + 1, r):
            for a in segments[i]:
                for b in segments[j]:
                    if min(a[1], b[1]) > max(a[0], b[0]):
                        observed += _difference(a, b)
    d_o = 2 * observed / (r * (r - 1) * length**2)
    lengths = [e - s for units in by_coder for s, e in units]
    gaps = [e - s for seg in segments for s, e, unit in seg if not unit]
    n_c = len(lengths)
    total = 0.0
    for ell in lengths:
        total += (n_c - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3
        total += ell**2 * sum(g - ell + 1 for g in gaps if g >= ell)
    d_e = total * 2 / length / (r * length * (r * length - 1) - sum(x * (x - 1) for x in lengths))
    return d_o, d_e


@st.composite
def segmentations(draw: st.DrawFn) -> tuple[list[list[tuple[int, int]]], int]:
    length = draw(st.integers(2, 40))
    coders = []
    for _ in range(draw(st.integers(2, 4))):
        cuts = sorted(draw(st.sets(st.integers(0, length), max_size=8)))
        pairs = list(zip(cuts[::2], cuts[1::2]))
        coders.append([(s, e) for s, e in pairs if e > s])
    return coders, length


@settings(max_examples=300, deadline=None)
@given(segmentations())
def test_vectorised_computation_matches_the_direct_reference(
    case: tuple[list[list[tuple[int, int]]], int],
) -> None:
    by_coder, length = case
    if not any(by_coder):
        return
    units = [(i, s, e, "x") for i, coder in enumerate(by_coder) for s, e in coder]
    figure = alpha_unitizing(units, length, coders=list(range(len(by_coder))))
    d_o, d_e = _reference(by_coder, length)
    x = figure.details["per_category"]["x"]
    assert x.details["observed_disagreement"] == pytest.approx(d_o, abs=1e-12)
    assert x.details["expected_disagreement"] == pytest.approx(d_e, abs=1e-12)


# --- Many continua at once: the same figures as one alpha_unitizing call per continuum ----


Row = tuple[int, int, int, int, int]  # (continuum, coder, start, end, category)


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int, list[Row]]:
    """A few continua (some shifted, some empty of units), 2-4 coders, overlapping units."""
    bounds = []
    for _ in range(draw(st.integers(1, 5))):
        begin = draw(st.integers(-5, 20))
        bounds.append((begin, begin + draw(st.integers(1, 30))))
    n_coders = draw(st.integers(2, 4))
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        k = draw(st.integers(0, len(bounds) - 1))
        begin, end = bounds[k]
        start = draw(st.integers(begin, end - 1))
        rows.append((k, draw(st.integers(0, n_coders - 1)), start, draw(st.integers(start + 1, end)),
                     draw(st.integers(0, 3))))
    return bounds, n_coders, rows


NAMES = ["economic", "moral", "conflict", "human interest", "irony", "hedge", "quote", "other"]


def _many(bounds: list[tuple[int, int]], n_coders: int, rows: list[Row], categories=None,
          names=None) -> list:
    columns = [[row[k] for row in rows] for k in range(5)]
    return alpha_unitizing_many(bounds, *columns, n_coders=n_coders, categories=categories, names=names)


def _one_by_one(bounds: list[tuple[int, int]], n_coders: int, rows: list[Row], categories=None,
                names=None) -> list:
    def name(code: int) -> object:
        return code if names is None else names[code]

    chosen = None if categories is None else [name(c) for c in categories]
    return [
        alpha_unitizing([(c, s, e, name(g)) for k2, c, s, e, g in rows if k2 == k], bounds[k],
                        range(n_coders), chosen)
        for k in range(len(bounds))
    ]


@settings(max_examples=150, deadline=None)
@given(corpora(), st.sampled_from([None, [2, 0, 7]]), st.sampled_from([None, NAMES]))
def test_many_continua_at_once_equal_one_call_per_continuum(
    corpus: tuple[list[tuple[int, int]], int, list[Row]], categories: list[int] | None,
    names: list[str] | None,
) -> None:
    bounds, n_coders, rows = corpus
    # Equal Figures: value, reason, counts and every detail, per category too, in the same order.
    many = _many(bounds, n_coders, rows, categories, names)
    one_by_one = _one_by_one(bounds, n_coders, rows, categories, names)
    assert many == one_by_one
    for ours, theirs in zip(many, one_by_one):
        assert list(ours.details.get("per_category", {})) == list(theirs.details.get("per_category", {}))


def test_many_continua_edge_cases_each_keep_their_own_figure() -> None:
    # Continuum 0: identical codings; 1: coder 2 marked nothing; 2: nobody marked anything;
    # 3: units on a shifted continuum [100, 130).
    rows = [
        (0, 0, 2, 6, 0), (0, 1, 2, 6, 0), (0, 2, 2, 6, 0), (0, 0, 10, 12, 1), (0, 1, 10, 12, 1),
        (0, 2, 10, 12, 1),
        (1, 0, 3, 9, 0), (1, 1, 3, 8, 0),
        (3, 0, 101, 110, 1), (3, 1, 104, 110, 1), (3, 2, 120, 125, 0),
    ]
    bounds = [(0, 20), (0, 20), (0, 15), (100, 130)]
    identical, silent, nothing, shifted = _many(bounds, 3, rows)
    assert identical.value == pytest.approx(1.0)
    assert silent.is_defined and silent.value < 0.5
    assert silent.n_coders == 3 and silent.n_units == 2
    assert nothing.value is None and nothing.undefined_reason == NO_UNITS
    assert nothing.details["continuum"] == [0, 15]
    assert shifted.details["continuum"] == [100, 130]
    assert [identical, silent, nothing, shifted] == _one_by_one(bounds, 3, rows)


def test_many_continua_reproduce_krippendorff_2004_next_to_other_continua() -> None:
    codes = {"i": 0, "j": 1, "c": 0, "k": 1}
    rows = [(1, codes[c], s, e, codes[k]) for c, s, e, k in KRIPPENDORFF_2004]
    rows += [(0, 0, 1, 4, 0), (0, 1, 2, 4, 1), (2, 1, 0, 2, 0)]
    figures = _many([(0, 10), (150, 450), (0, 5)], 2, rows, names=["c", "k"])
    assert figures[1].value == pytest.approx(0.8591, abs=0.0005)
    assert figures[1].details["per_category"]["c"].value == pytest.approx(0.7286, abs=0.0001)
    assert figures[1].details["per_category"]["k"].details["category"] == "k"


def test_many_continua_undefined_cases_and_refusals() -> None:
    alone = _many([10, 10], 1, [(0, 0, 1, 3, 0)])
    assert [f.undefined_reason for f in alone] == [SINGLE_CODER, SINGLE_CODER]
    assert alone[0].n_units == 1
    whole = _many([1], 2, [(0, 0, 0, 1, 0), (0, 1, 0, 1, 0)])[0]
    assert whole.value is None and whole.undefined_reason == NO_VARIATION
    with pytest.raises(ValueError, match="outside the continuum"):
        _many([(0, 20), (30, 40)], 2, [(1, 0, 25, 35, 0)])
    with pytest.raises(ValueError, match="empty"):
        _many([20], 2, [(0, 0, 5, 5, 0)])
    with pytest.raises(ValueError, match="coder list"):
        _many([20], 2, [(0, 2, 1, 5, 0)])
    with pytest.raises(ValueError, match="is empty"):
        _many([(5, 5)], 2, [])
    with pytest.raises(ValueError, match="continuum outside"):
        _many([20], 2, [(1, 0, 1, 5, 0)])
    with pytest.raises(ValueError, match="2 names"):
        _many([20], 2, [(0, 0, 1, 5, 2)], names=["frame", "stance"])

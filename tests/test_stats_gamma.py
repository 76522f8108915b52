"""Mathet, Widlöcher & Métivier's (2015) gamma, against the paper's and pygamma-agreement's examples.

pygamma-agreement (Titeux & Riad 2021, bootphon/pygamma-agreement, MIT) publishes these figures
in its tests: tests/test_dissimilarity.py (the paper's figure 10), tests/test_alignement.py
(a best alignment of three annotators) and tests/test_gammas.py (AlexPaulSuzan.csv).
"""

from __future__ import annotations

import numpy as np
import pytest

from annotator.stats import SINGLE_CODER, gamma_agreement
from annotator.stats.gamma import (
    Continuum,
    Dissimilarity,
    _assign_two,
    _search_groups,
    best_alignment,
)

# tests/data/AlexPaulSuzan.csv of pygamma-agreement: annotator, category, start, end.
ALEX_PAUL_SUZAN = """Alex,1,2,9 Alex,2,11,17 Alex,5,24,30 Alex,6,32,36 Alex,6,36,44 Alex,7,44,60
Paul,1,2,9 Paul,3,11,17 Paul,5,19,25 Paul,6,32,44
Suzan,1,2,9 Suzan,4,11,17 Suzan,5,21,27 Suzan,6,32,36 Suzan,6,36,40 Suzan,6,40,44"""


def aps_units() -> list[tuple[str, float, float, str]]:
    rows = [item.split(",") for item in ALEX_PAUL_SUZAN.split()]
    return [(who, float(start), float(end), category) for who, category, start, end in rows]


def continuum(rows: list[tuple[str, float, float, str]], categories: list[str]) -> Continuum:
    names = list(dict.fromkeys(r[0] for r in rows))
    return Continuum(np.asarray([names.index(r[0]) for r in rows]), np.asarray([r[1] for r in rows]),
                     np.asarray([r[2] for r in rows]), np.asarray([categories.index(r[3]) for r in rows]),
                     len(names), (0.0, max(r[2] for r in rows)))


def test_positional_dissimilarity_of_the_papers_figure_10() -> None:
    # Mathet et al. (2015), figure 10, as pygamma checks it (to 10 %): 22.2, 0, 3.2, 1, 0.11, 0.22.
    positional = Dissimilarity(alpha=1.0, beta=0.0)
    cases = {((4, 14), (40, 44)): 22.2, ((4, 14), (4, 14)): 0.0, ((4, 14), (20, 25)): 3.2,
             ((4, 14), (14, 24)): 1.0, ((20, 30), (20, 25)): 0.11, ((20, 25), (14, 24)): 0.22}
    for ((s1, e1), (s2, e2)), value in cases.items():
        d = positional.between(np.float64(s1), np.float64(e1), np.int64(0), np.float64(s2), np.float64(e2),
                               np.int64(1))
        assert float(d) == pytest.approx(value, rel=0.1, abs=1e-9)


def test_best_alignment_of_three_annotators_with_a_category_matrix() -> None:
    # pygamma's test_best_alignment: delta_empty 0.5, alpha 3, categorical distances given
    # (categories in alphabetical order); published disorder 0.43478875578596043.
    rows = [("liza", 1, 5, "Carol"), ("liza", 6, 8, "Bob"), ("liza", 12, 18, "Carol"), ("liza", 7, 20, "Alice"),
            ("pierrot", 2, 6, "Carol"), ("pierrot", 7, 8, "Bob"), ("pierrot", 12, 18, "Alice"),
            ("pierrot", 8, 10, "Alice"), ("pierrot", 7, 19, "Jeremy"),
            ("hadrien", 1, 6, "Carol"), ("hadrien", 8, 10, "Alice"), ("hadrien", 7, 19, "Jeremy"),
            ("hadrien", 19, 20, "Alice")]
    matrix = np.array([[0, 0.5, 0.3, 0.7], [0.5, 0.0, 0.6, 0.4], [0.3, 0.6, 0.0, 0.7], [0.7, 0.4, 0.7, 0.0]])
    found = best_alignment(continuum(rows, ["Alice", "Bob", "Carol", "Jeremy"]),
                           Dissimilarity(alpha=3.0, beta=1.0, delta_empty=0.5, category_distance=matrix))
    assert found.disorder == pytest.approx(0.43478875578596043, rel=1e-6)
    assert sorted(u for group in found.groups for u in group) == list(range(len(rows)))


def test_gamma_of_alex_paul_suzan() -> None:
    # pygamma's test_gamma_alexpaulsuzan (alpha 3, beta 1, the paper's shuffle sampler): best
    # disorder 0.96 (to 1 %), gamma between 0.44 and 0.47.
    figure = gamma_agreement(aps_units(), alpha=3.0, beta=1.0, n_samples=300, seed=1)
    assert figure.details["observed_disorder"] == pytest.approx(0.96, rel=0.01)
    assert 0.44 <= figure.value <= 0.47
    assert figure.n_coders == 3 and figure.n_units == 16
    # pygamma counts 6 unitary alignments: Alex's 44-60 unit alone or with Suzan's 40-44 costs
    # the same (3 x 1 + 1 = 4 = twice the empty cost), so 6 and 7 are equally best.
    assert figure.details["unitary_alignments"] in (6, 7)
    assert figure.details["seed"] == 1 and figure.details["n_samples"] == 300
    assert "section 5.2" in figure.details["rule"]


def test_same_seed_same_gamma_and_perfect_agreement_is_one() -> None:
    units = aps_units()
    assert gamma_agreement(units, n_samples=20, seed=5).value == gamma_agreement(units, n_samples=20, seed=5).value
    same = [("a", 0, 10, "X"), ("b", 0, 10, "X"), ("a", 20, 30, "Y"), ("b", 20, 30, "Y")]
    assert gamma_agreement(same, n_samples=5).value == 1.0


def test_long_chains_are_assigned_exactly() -> None:
    # Adjacent spans chain every unit into one group: the assignment (used for large groups)
    # must find the same least cost as the exhaustive search.
    rows = [("a", 10 * k, 10 * k + 10, "XY"[k % 2]) for k in range(7)]
    rows += [("b", 10 * k + 3, 10 * k + 12, "XY"[(k // 2) % 2]) for k in range(7)]
    chain = continuum(rows, ["X", "Y"])
    measure = Dissimilarity()
    from annotator.stats.gamma import _close_pairs

    edges = _close_pairs(chain, measure, 2.0)
    everyone = list(range(len(rows)))
    assigned = _assign_two(everyone, chain, measure)[1]
    searched = _search_groups(everyone, chain, measure, edges, 1)[1]
    assert assigned == pytest.approx(searched)


def test_undefined_without_two_annotators_or_with_an_empty_unit_refused() -> None:
    figure = gamma_agreement([("a", 0, 5, "X")], n_samples=3)
    assert figure.value is None and figure.undefined_reason == SINGLE_CODER
    with pytest.raises(ValueError, match="empty or reversed"):
        gamma_agreement([("a", 5, 5, "X"), ("b", 0, 5, "X")])

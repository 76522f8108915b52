"""Krippendorff's alpha at the ratio level, against Krippendorff's (2011) worked example."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.stats import difference_matrix, krippendorff_alpha

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, example C: four
# observers, twelve units, values 1-5, missing data. Published: ratio alpha = .797 (and
# nominal .743, ordinal .815, interval .849 on the same data).
C_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_ratio_alpha_of_krippendorffs_example_c() -> None:
    figure = krippendorff_alpha(C_DATA, "ratio")
    assert figure.value == pytest.approx(0.797, abs=5e-4)
    assert figure.details["level"] == "ratio" and figure.n_units == 11


def test_ratio_differences_are_krippendorffs() -> None:
    # delta_ratio(c, k) = ((c - k) / (c + k))^2 (Krippendorff 2011, p. 6): 1 vs 3 -> 0.25, 2 vs 4 -> 1/9.
    delta = difference_matrix("ratio", np.ones(5), np.arange(1.0, 6.0))
    assert delta[0, 2] == pytest.approx(0.25) and delta[1, 3] == pytest.approx(1 / 9)
    assert np.allclose(np.diag(delta), 0) and np.allclose(delta, delta.T)


def test_ratio_alpha_ignores_the_unit_but_not_the_zero_point() -> None:
    data = np.array(C_DATA, dtype=float)
    ratio, interval = krippendorff_alpha(data, "ratio").value, krippendorff_alpha(data, "interval").value
    assert krippendorff_alpha(data * 10, "ratio").value == pytest.approx(ratio)
    # Moving the zero changes ratio differences, not interval ones.
    assert krippendorff_alpha(data + 10, "ratio").value != pytest.approx(ratio, abs=1e-3)
    assert krippendorff_alpha(data + 10, "interval").value == pytest.approx(interval)


def test_negative_values_are_refused_for_ratio_data() -> None:
    with pytest.raises(ValueError, match="zero or positive"):
        krippendorff_alpha([[1, -1], [1, 2]], "ratio")

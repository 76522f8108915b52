"""Percent agreement and the Figure result type."""

from __future__ import annotations

import json

import numpy as np
import pytest

from annotator.stats import (
    NO_PAIRABLE_UNITS,
    SINGLE_CODER,
    Figure,
    alpha_unitizing,
    krippendorff_alpha,
    percent_agreement,
)


def test_percent_agreement_fleiss_1971_p_bar() -> None:
    # Fleiss (1971, example of p. 379): mean observed agreement P-bar = .556 for the 30 x 6 example
    # (first four patients here: P_i = 1, .4, .4, 1 -> mean .7).
    rows = [[4, 2, 2, 5], [4, 2, 3, 5], [4, 2, 3, 5], [4, 5, 3, 5], [4, 5, 3, 5], [4, 5, 5, 5]]
    figure = percent_agreement(rows)
    assert figure.value == pytest.approx((1 + 0.4 + 0.4 + 1) / 4)
    assert figure.n_units == 4 and figure.n_coders == 6


def test_percent_agreement_two_coders_is_share_of_agreeing_units() -> None:
    # Krippendorff (2004, p. 224): the two coders agree on 6 of 10 units (60 %).
    binary = [[1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]]
    assert percent_agreement(binary).value == pytest.approx(0.6)


def test_percent_agreement_skips_units_with_one_value_and_weighs_units_equally() -> None:
    data = [["x", "x", None, "y"], ["x", "y", "z", None], [None, "y", None, None]]
    figure = percent_agreement(data)
    # unit 0: 1 pair agreeing of 1; unit 1: 1 of 3 pairs; units 2 and 3 have one value.
    assert figure.value == pytest.approx((1 + 1 / 3) / 2)
    assert figure.n_units == 2
    assert "each unit counting once" in figure.details["rule"]


def test_percent_agreement_undefined_cases() -> None:
    assert percent_agreement([["a", "b"]]).undefined_reason == SINGLE_CODER
    nothing = percent_agreement([["a", None], [None, "b"]])
    assert nothing.value is None and nothing.undefined_reason == NO_PAIRABLE_UNITS


def test_perfect_agreement_is_100_percent_but_alpha_is_undefined() -> None:
    data = [["frame"] * 5, ["frame"] * 5]
    assert percent_agreement(data).value == 1.0
    assert krippendorff_alpha(data).value is None


def test_figure_is_json_ready_including_nested_figures() -> None:
    figure = alpha_unitizing(
        [("ada", 0, 5, "frame"), ("ben", 1, 5, "frame"), ("ben", 7, 9, "stance")], 12
    ).with_details(unit_of_analysis="character continuum")
    text = json.dumps(figure.to_dict())
    loaded = json.loads(text)
    assert loaded["details"]["unit_of_analysis"] == "character continuum"
    assert loaded["details"]["per_category"]["frame"]["measure"] == figure.measure
    assert loaded["value"] == pytest.approx(figure.value)


def test_figure_refuses_a_value_together_with_a_reason_or_nan() -> None:
    with pytest.raises(ValueError):
        Figure("x", 0.5, "no variation")
    with pytest.raises(ValueError):
        Figure("x", None, None)
    with pytest.raises(ValueError):
        Figure("x", float(np.nan))

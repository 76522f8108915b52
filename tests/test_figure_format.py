"""One rounding rule for every agreement figure a reader sees; every digit where one asks for it."""

from __future__ import annotations

import math

import pytest

from annotator.ops.agreement.report import exact, rounded


@pytest.mark.parametrize(("value", "digits", "shown"), [
    (-0.0004, 3, "0.000"),  # a kappa just below zero: no minus sign on a zero
    (-3.3306690738754706e-16, 3, "0.000"),  # a zero with floating-point noise
    (-0.0, 3, "0.000"),
    (-0.00004, 4, "0.0000"),
    (-0.0006, 3, "-0.001"),  # a negative figure that survives rounding keeps its sign
    (-0.572265, 3, "-0.572"),
    (0.66666, 3, "0.667"),
    (1.0, 3, "1.000"),
    (-1.0, 3, "-1.000"),
])
def test_rounded_never_shows_a_negative_zero(value: float, digits: int, shown: str) -> None:
    assert rounded(value, digits) == shown


def test_rounded_leaves_odd_values_alone() -> None:
    assert rounded(math.nan) == "nan"
    assert rounded(-math.inf) == "-inf"


def test_exact_keeps_every_digit_and_the_sign() -> None:
    assert exact(-0.0004808848280836988) == "-0.0004808848280836988"
    assert float(exact(-3.3306690738754706e-16)) == -3.3306690738754706e-16
    assert exact(0.25) == "0.25"

"""The result of an agreement measure: a value, or an explicit reason why there is none."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

# Reasons a figure is undefined.  Short sentences a user can read as they are.
SINGLE_CODER = "fewer than two coders"
NO_PAIRABLE_UNITS = "no unit has values from two or more coders"
NO_VARIATION = "no variation: every value is the same, so chance agreement is perfect"
# Alpha when every pairable value is the same: D_o = D_e = 0.  Krippendorff calls alpha
# indeterminate there (1 - 0/0; "Algorithm for bootstrapping a distribution of alpha", 2006/2011,
# which is why that algorithm resets such resamples); DKPro Agreement's DisagreementMeasure
# returns 0 whenever D_O == D_E.  We say undefined and why, and name DKPro's 0 for comparison.
NO_VARIATION_ALPHA = (
    NO_VARIATION + "; observed and expected disagreement are both 0, and alpha = 1 - 0/0 is "
    "indeterminate (Krippendorff); DKPro Agreement reports 0 here"
)
NO_UNITS = "no units were marked"
NO_SPANS = "neither annotator marked a span"


@dataclass(frozen=True)
class Figure:
    """One agreement figure as a report should print it.

    `value` is None exactly when the measure is undefined for the data, and then
    `undefined_reason` says why (never a silent 0 or 1).  `n_units` counts the units
    that entered the computation, `n_coders` the coders that did.  `details` holds the
    ingredients (observed and expected agreement or disagreement, the rule used, …)
    as plain Python values.
    """

    measure: str
    value: float | None
    undefined_reason: str | None = None
    n_units: int = 0
    n_coders: int = 0
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.value is None) == (self.undefined_reason is None):
            raise ValueError("a Figure has either a value or an undefined_reason, not both")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"{self.measure}: value {self.value!r} is not a finite number")

    @property
    def is_defined(self) -> bool:
        """True when the figure has a value."""
        return self.value is not None

    def with_details(self, **extra: Any) -> Figure:
        """A copy with `extra` added to the details (e.g. the unit of analysis)."""
        return replace(self, details={**self.details, **extra})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (numpy scalars and arrays become Python numbers and lists)."""
        return {
            "measure": self.measure,
            "value": self.value,
            "undefined_reason": self.undefined_reason,
            "n_units": self.n_units,
            "n_coders": self.n_coders,
            "details": _plain(dict(self.details)),
        }


def defined(
    measure: str, value: float, n_units: int, n_coders: int, **details: Any
) -> Figure:
    """A figure with a value."""
    return Figure(measure, float(value), None, int(n_units), int(n_coders), details)


def undefined(
    measure: str, reason: str, n_units: int = 0, n_coders: int = 0, **details: Any
) -> Figure:
    """A figure without a value, saying why."""
    return Figure(measure, None, reason, int(n_units), int(n_coders), details)


def _plain(obj: Any) -> Any:
    """Turn numpy values, tuples and nested Figures into JSON-ready Python values."""
    if isinstance(obj, Figure):
        return obj.to_dict()
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj

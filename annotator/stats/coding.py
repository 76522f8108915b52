"""Reliability data (coders x units, missing values allowed) turned into integer codes."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MISSING = -1


@dataclass(frozen=True)
class CodedData:
    """Reliability data as codes: `codes[i, u]` indexes `categories`, or is -1 (missing)."""

    codes: np.ndarray
    categories: tuple[Any, ...]

    @property
    def n_coders(self) -> int:
        """Number of coders (rows)."""
        return int(self.codes.shape[0])

    @property
    def n_units(self) -> int:
        """Number of units (columns)."""
        return int(self.codes.shape[1])


def is_missing(value: object) -> bool:
    """True for the two spellings of a missing value: None and a float NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def encode(data: Any, categories: Sequence[Hashable] | None = None) -> CodedData:
    """Map a coders x units array-like of values (None / NaN = missing) to integer codes.

    With `categories`, code i means `categories[i]` (the order matters for ordinal data)
    and a value outside the list is an error.  Without it, the categories are the
    distinct values, sorted when they can be sorted, else in order of appearance.
    Numeric numpy input takes a vectorised path (NaN = missing).
    """
    if isinstance(data, CodedData):
        return data
    array = data if isinstance(data, np.ndarray) else _as_array(data)
    if array.ndim != 2:
        raise ValueError(
            f"reliability data must be 2-dimensional (coders x units), got shape {array.shape}"
        )
    if array.dtype.kind in "biuf":
        return _encode_numeric(array, categories)
    return _encode_objects(array, categories)


def _as_array(data: Any) -> np.ndarray:
    """Build an array without letting numpy turn None into NaN or strings into bytes."""
    rows = [list(row) for row in data]
    if rows and len({len(row) for row in rows}) > 1:
        raise ValueError("every coder needs one entry per unit (use None for a missing value)")
    flat = [value for row in rows for value in row]
    numeric = all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in flat
        if v is not None
    )
    if numeric:
        floats = np.array([np.nan if v is None else float(v) for v in flat], dtype=float)
        return floats.reshape(len(rows), len(rows[0]) if rows else 0)
    array = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        array[i, :] = row
    return array


def _encode_numeric(array: np.ndarray, categories: Sequence[Hashable] | None) -> CodedData:
    """Vectorised encoding of a numeric array; NaN marks a missing value."""
    values = array.astype(float, copy=False)
    present = ~np.isnan(values)
    codes = np.full(values.shape, MISSING, dtype=np.int64)
    if categories is None:
        unique, inverse = np.unique(values[present], return_inverse=True)
        codes[present] = inverse
        return CodedData(codes, tuple(_python_number(v) for v in unique))
    wanted = np.asarray([float(c) for c in categories], dtype=float)
    if len(np.unique(wanted)) != len(wanted):
        raise ValueError("the category list contains a value twice")
    order = np.argsort(wanted, kind="stable")
    sorted_wanted = wanted[order]
    found = values[present]
    position = np.clip(np.searchsorted(sorted_wanted, found), 0, max(len(wanted) - 1, 0))
    if len(wanted) == 0 or not np.all(sorted_wanted[position] == found):
        unknown = sorted(set(found.tolist()) - set(wanted.tolist()))[:5]
        raise ValueError(f"values not in the category list: {unknown}")
    codes[present] = order[position]
    return CodedData(codes, tuple(categories))


def _encode_objects(array: np.ndarray, categories: Sequence[Hashable] | None) -> CodedData:
    """Encoding of arbitrary hashable values; None and NaN mark a missing value."""
    flat = array.ravel().tolist()
    if categories is None:
        seen = list(dict.fromkeys(v for v in flat if not is_missing(v)))
        try:
            seen.sort()
        except TypeError:
            pass
        categories = seen
    index = {value: i for i, value in enumerate(categories)}
    if len(index) != len(categories):
        raise ValueError("the category list contains a value twice")
    try:
        codes_list = [MISSING if is_missing(v) else index[v] for v in flat]
    except KeyError as error:
        raise ValueError(f"value not in the category list: {error.args[0]!r}") from None
    codes = np.asarray(codes_list, dtype=np.int64).reshape(array.shape)
    return CodedData(codes, tuple(categories))


def _python_number(value: float) -> int | float:
    """A category value as the Python number a user typed (3 rather than 3.0)."""
    return int(value) if float(value).is_integer() else float(value)

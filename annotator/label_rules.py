"""The rules a label's colour and shortcut key follow, in one place for every way in.

The TOML codebook loader and the codebook editor both ask here, so a key or colour the
editor accepts is one a codebook file may hold, and the other way round. Plain functions
at the bottom of the layers (beside model.py), so the codebook loader below the project
can use them without importing up.
"""

from __future__ import annotations

import re

_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_DIGITS = "0123456789"


def colour_problem(colour: str) -> str | None:
    """What is wrong with a label colour (None: it is "#RRGGBB" in hexadecimal)."""
    if _COLOUR.fullmatch(colour):
        return None
    return f'colour "{colour}" is not of the form #RRGGBB (like "#88CCEE")'


def key_problem(key: str) -> str | None:
    """What is wrong with a label's shortcut key (None: one letter or one digit 0-9; "" is
    "no key" and is checked by the caller). Digits outside 0-9 ("²", "½", "٣") are refused:
    no keyboard types them with one key press."""
    if len(key) == 1 and (key.isalpha() or key in _DIGITS):
        return None
    return f'shortcut key "{key}" must be a single letter or digit'

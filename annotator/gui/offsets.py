"""The one conversion between stored offsets (code points) and Qt positions (UTF-16 units).

Python indexes a string by code point; Qt counts UTF-16 code units, so every character
above U+FFFF (emoji, some CJK, historic scripts) takes two Qt positions and one Python
index. Combining marks, non-breaking spaces and every other BMP character take one of each.
Everything in the GUI that moves an offset between Qt and the project goes through here.
"""

from __future__ import annotations

import re
from bisect import bisect_left

_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


class OffsetMap:
    """Converts offsets of one text both ways; built once per text, O(log n) per lookup."""

    __slots__ = ("_astral", "_qt_starts", "_length")

    def __init__(self, text: str) -> None:
        # Code-point indices of the astral characters, and where each one starts in UTF-16.
        self._astral: list[int] = [match.start() for match in _ASTRAL.finditer(text)]
        self._qt_starts: list[int] = [index + rank for rank, index in enumerate(self._astral)]
        self._length = len(text)

    @property
    def py_length(self) -> int:
        """Length of the text in code points."""
        return self._length

    @property
    def qt_length(self) -> int:
        """Length of the text in UTF-16 code units."""
        return self._length + len(self._astral)

    def to_qt(self, py_index: int) -> int:
        """The Qt (UTF-16) position of a code-point offset (0..len(text))."""
        if not 0 <= py_index <= self._length:
            raise ValueError(f"offset {py_index} is outside the text (0–{self._length})")
        return py_index + bisect_left(self._astral, py_index)

    def to_py(self, qt_index: int) -> int:
        """The code-point offset of a Qt position; inside a surrogate pair: that character's start."""
        if not 0 <= qt_index <= self.qt_length:
            raise ValueError(f"Qt position {qt_index} is outside the text (0–{self.qt_length})")
        before = bisect_left(self._qt_starts, qt_index)  # astral characters starting before it
        if before and qt_index == self._qt_starts[before - 1] + 1:
            return self._astral[before - 1]
        return qt_index - before


def py_to_qt(text: str, py_index: int) -> int:
    """The Qt (UTF-16) position of code-point offset `py_index` in `text`."""
    return OffsetMap(text).to_qt(py_index)


def qt_to_py(text: str, qt_index: int) -> int:
    """The code-point offset of Qt position `qt_index` in `text` (a pair's middle: its start)."""
    return OffsetMap(text).to_py(qt_index)

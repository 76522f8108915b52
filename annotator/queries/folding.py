"""Case and accent folding with a map back to the text's own offsets (code points).

Corpus search and the concordance both find words "case and accents ignored": the text is
folded (NFD, combining marks dropped, casefolded) one character at a time, the query is
folded the same way, and a match in the folded text is mapped back to code points of the
stored text through `origin`. Folding is per character, so an ASCII stretch folds to its
lower case and keeps its offsets; only the other characters go through unicodedata
(cached), which keeps a concordance over thousands of articles fast.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from functools import lru_cache

_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character without accents, case folded ("É" → "e", "ß" → "ss", a combining mark → "")."""
    return "".join(part.casefold() for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part))


@lru_cache(maxsize=4096)
def _folds_to_itself(char: str) -> bool:
    """Whether `char` folds to its own lower case, one character (so str.lower() folds it)."""
    lower = char.lower()
    return char != "\u03a3" and len(lower) == 1 and fold_char(char) == lower  # Σ lowers by context (ς)


class Origin:
    """For each character of a folded text, the offset of the character of the source it came
    from; kept as runs (an ASCII stretch maps one to one), looked up by bisection."""

    __slots__ = ("_folded_starts", "_source_starts", "_widths", "_length")

    def __init__(self, folded_starts: array, source_starts: array, widths: array, length: int) -> None:
        self._folded_starts = folded_starts  # where each run starts in the folded text
        self._source_starts = source_starts  # ... and in the source
        self._widths = widths  # 0: a run copied one to one; n > 0: one source character folded to n
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> int:
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        run = bisect_right(self._folded_starts, index) - 1
        if self._widths[run]:
            return self._source_starts[run]
        return self._source_starts[run] + index - self._folded_starts[run]


def fold(text: str) -> tuple[str, Origin]:
    """The text in lower case without accents, and for each folded character its source offset."""
    if text.isascii() or all(_folds_to_itself(char) for char in set(text) if char > "\x7f"):
        # Curly quotes, dashes, no-break spaces: nothing moves (the common case in news text).
        return text.lower(), Origin(array("l", [0]), array("l", [0]), array("l", [0]), len(text))
    parts: list[str] = []
    folded_starts, source_starts, widths = array("l"), array("l"), array("l")
    size = position = 0
    for run in _NOT_ASCII.finditer(text):
        if run.start() > position:
            parts.append(text[position : run.start()].lower())
            folded_starts.append(size)
            source_starts.append(position)
            widths.append(0)
            size += run.start() - position
        for index in range(run.start(), run.end()):
            folded = fold_char(text[index])
            if folded:
                parts.append(folded)
                folded_starts.append(size)
                source_starts.append(index)
                widths.append(len(folded))
                size += len(folded)
        position = run.end()
    if position < len(text):
        parts.append(text[position:].lower())
        folded_starts.append(size)
        source_starts.append(position)
        widths.append(0)
        size += len(text) - position
    return "".join(parts), Origin(folded_starts, source_starts, widths, size)


def fold_words(text: str) -> str:
    """The folded text alone (for sort keys and query words)."""
    return text.lower() if text.isascii() else "".join(fold_char(char) for char in text)


def source_span(text: str, origin: Origin, start: int, end: int) -> tuple[int, int]:
    """Code-point offsets in `text` of the folded stretch start–end, combining marks after
    its last character included."""
    first = origin[start]
    last = origin[end - 1] + 1
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return first, last

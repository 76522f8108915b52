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
from functools import lru_cache

_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character without accents, case folded ("É" → "e", "ß" → "ss", a combining mark → "")."""
    return "".join(part.casefold() for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part))


def fold(text: str) -> tuple[str, array]:
    """The text in lower case without accents, and for each folded character its source offset."""
    if text.isascii():
        return text.lower(), array("l", range(len(text)))
    parts: list[str] = []
    origin = array("l")
    position = 0
    for run in _NOT_ASCII.finditer(text):
        if run.start() > position:
            parts.append(text[position : run.start()].lower())
            origin.extend(range(position, run.start()))
        for index in range(run.start(), run.end()):
            folded = fold_char(text[index])
            parts.append(folded)
            origin.extend([index] * len(folded))
        position = run.end()
    if position < len(text):
        parts.append(text[position:].lower())
        origin.extend(range(position, len(text)))
    return "".join(parts), origin


def fold_words(text: str) -> str:
    """The folded text alone (for sort keys and query words)."""
    return text.lower() if text.isascii() else "".join(fold_char(char) for char in text)


def source_span(text: str, origin: array, start: int, end: int) -> tuple[int, int]:
    """Code-point offsets in `text` of the folded stretch start–end, combining marks after
    its last character included."""
    first = origin[start]
    last = origin[end - 1] + 1
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return first, last

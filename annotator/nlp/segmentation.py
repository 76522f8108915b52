"""Token and sentence boundaries of a document, stored compactly, and span snapping."""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import lt
from typing import Any

# No numpy here: opening a document decodes its blobs, and the desktop app's first window must
# not wait for numpy (~0.1 s to import) to check a few thousand offsets.


def blob_problem(blob: object, length: int | None, what: str) -> str | None:
    """Why `blob` is not a stored segmentation (sorted, non-empty, non-overlapping uint32
    (start, end) pairs, inside a text of `length` characters), or None if it is one.

    Reading a project checks every blob it decodes: a blob damaged outside the program
    must be named as damage, not fail later inside spaCy or an agreement measure.
    """
    return _decoded(blob, length, what)[0]


def _decoded(blob: object, length: int | None, what: str) -> tuple[str | None, array, array]:
    """(why `blob` is not a stored segmentation or None, its starts, its ends)."""
    if not isinstance(blob, bytes):
        return f"{what} stored as {type(blob).__name__}, not as a blob", array("I"), array("I")
    if len(blob) % 8:
        return f"{what} blob of {len(blob)} bytes, not whole (start, end) pairs", array("I"), array("I")
    pairs = _pairs(blob)
    if blob and not _goes_up(blob):  # say what is wrong, value by value
        flat = pairs.tolist()
        if not all(map(lt, flat[0::2], flat[1::2])):
            return f"an empty or reversed {what[:-1]} in the {what} blob", array("I"), array("I")
        if flat != sorted(flat):  # each start is before its end: the pairs overlap or are out of order
            return f"{what} out of order or overlapping", array("I"), array("I")
    if length is not None and blob and pairs[-1] > length:
        return f"{what} reaching character {pairs[-1]}, past the end of the text ({length})", array("I"), array("I")
    return None, pairs[0::2], pairs[1::2]


def _goes_up(blob: bytes) -> bool:
    """Whether the little-endian uint32 values start, end, start, end … of `blob` go up as they
    must (each start before its end, each end at or before the next start) — False also when a
    value is 2**31 or more, left to the caller to judge value by value.

    All values are compared at once, as 32-bit lanes of one Python integer X: lane k of
    (X >> 32) + 2**31 - X - (1 under each start) is 2**31 + x[k+1] - x[k] (- 1 after a start),
    whose top bit is set exactly when that step goes up as it must; with every value below 2**31
    each lane stays between 0 and 2**32, so no lane borrows from its neighbour.
    """
    count = len(blob) // 4
    values = int.from_bytes(blob, "little")
    under_starts = int.from_bytes(b"\1\0\0\0\0\0\0\0" * (count // 2), "little")  # 1 in each start's lane
    tops = (under_starts << 31) | (under_starts << 63)  # 2**31 in every lane
    if values & tops:
        return False
    steps = (values >> 32) + tops - values - under_starts
    checked = tops ^ (1 << (32 * count - 1))  # not the last lane: the last value has no next one
    return steps & checked == checked


def _pack(starts: array, ends: array) -> bytes:
    pairs = array("I", bytes(8 * len(starts)))
    pairs[0::2] = starts
    pairs[1::2] = ends
    if sys.byteorder == "big":  # pragma: no cover - stored little endian everywhere
        pairs.byteswap()
    return pairs.tobytes()


def _pairs(blob: bytes) -> array:
    """The stored little-endian uint32 values start, end, start, end …"""
    pairs = array("I")
    pairs.frombytes(blob)
    if sys.byteorder == "big":  # pragma: no cover
        pairs.byteswap()
    return pairs


@dataclass(frozen=True, slots=True)
class Segmentation:
    """Sorted token and sentence (start, end) offsets of one text, whitespace excluded."""

    token_starts: array
    token_ends: array
    sentence_starts: array
    sentence_ends: array

    @classmethod
    def from_pairs(
        cls, tokens: list[tuple[int, int]], sentences: list[tuple[int, int]]
    ) -> Segmentation:
        """Build from lists of (start, end) pairs."""
        return cls(
            array("I", (s for s, _ in tokens)),
            array("I", (e for _, e in tokens)),
            array("I", (s for s, _ in sentences)),
            array("I", (e for _, e in sentences)),
        )

    @classmethod
    def from_numpy(cls, token_starts: Any, token_ends: Any, sentence_starts: Any, sentence_ends: Any) -> Segmentation:
        """Build from four numpy integer arrays (what the spaCy step produces)."""
        def convert(values: Any) -> array:
            out = array("I")
            out.frombytes(values.astype("<u4").tobytes())
            if sys.byteorder == "big":  # pragma: no cover
                out.byteswap()
            return out

        return cls(convert(token_starts), convert(token_ends), convert(sentence_starts), convert(sentence_ends))

    @classmethod
    def from_blobs(cls, tokens: bytes, sentences: bytes, length: int | None = None,
                   counts: tuple[int, int] | None = None) -> Segmentation:
        """Decode the two blobs stored in the project file (of a text of `length` characters,
        and of the (tokens, sentences) `counts` its document row records, when given);
        ValueError saying what is wrong if either is damaged (a blob emptied or cut short
        still decodes: only the counts show it)."""
        problem, token_starts, token_ends = _decoded(tokens, length, "tokens")
        if problem is None:
            problem, sentence_starts, sentence_ends = _decoded(sentences, length, "sentences")
        if problem is None and counts is not None and (len(token_starts), len(sentence_starts)) != tuple(counts):
            problem = (f"{len(token_starts)} tokens and {len(sentence_starts)} sentences stored, not the "
                       f"{counts[0]} and {counts[1]} it was imported with")
        if problem is not None:
            raise ValueError(problem)
        return cls(token_starts, token_ends, sentence_starts, sentence_ends)

    def token_blob(self) -> bytes:
        """Tokens as stored: uint32 (start, end) pairs, little endian."""
        return _pack(self.token_starts, self.token_ends)

    def sentence_blob(self) -> bytes:
        """Sentences as stored: uint32 (start, end) pairs, little endian."""
        return _pack(self.sentence_starts, self.sentence_ends)

    @property
    def tokens(self) -> list[tuple[int, int]]:
        """Token offsets as (start, end) pairs."""
        return list(zip(self.token_starts, self.token_ends))

    @property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence offsets as (start, end) pairs."""
        return list(zip(self.sentence_starts, self.sentence_ends))

    def snap(self, start: int, end: int, granularity: str) -> tuple[int, int] | None:
        """Widen [start, end) to whole tokens or sentences; None if it touches none.

        A unit is included when the selection shares at least one character with it;
        `character` granularity keeps the offsets as they are.
        """
        if granularity == "character":
            return (start, end) if end > start else None
        if granularity == "sentence":
            starts, ends = self.sentence_starts, self.sentence_ends
        else:
            starts, ends = self.token_starts, self.token_ends
        first = bisect_right(ends, start)  # first unit ending after `start`
        last = bisect_left(starts, end) - 1  # last unit starting before `end`
        if first > last:
            return None
        return starts[first], ends[last]

    def token_at(self, position: int) -> tuple[int, int] | None:
        """The token containing `position`, or None in whitespace."""
        index = bisect_right(self.token_starts, position) - 1
        if index >= 0 and position < self.token_ends[index]:
            return self.token_starts[index], self.token_ends[index]
        return None

    def sentence_at(self, position: int) -> tuple[int, int] | None:
        """The sentence containing `position`, or None between sentences."""
        index = bisect_right(self.sentence_starts, position) - 1
        if index >= 0 and position < self.sentence_ends[index]:
            return self.sentence_starts[index], self.sentence_ends[index]
        return None

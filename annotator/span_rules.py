"""The overlap rule of a span layer, in one place for every way a span gets in.

A layer's `overlap` setting (model.OVERLAP_RULES, documented in the shipped codebooks)
says whether one annotator's new span may share characters with their other spans in the
same layer: "allow" (freely), "nested" (one may lie inside the other, the same stretch
included, but they may not cross) or "forbid" (not at all). Spans that only touch
(one ends where the other starts) share no character and never clash. Annotating,
resizing, merging a colleague's file and accepting agreement into the gold set all ask
here, so none of them lets in a span another would refuse. Plain Python at the bottom of
the layers (beside model.py), so every layer above may use it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import OVERLAP_RULES


def overlap_clash(rule: str, spans: Iterable[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The first of `spans` (the same annotator's, in the same layer) that a new span start–end
    may not overlap under the layer's overlap `rule`; None if it may go in."""
    if rule not in OVERLAP_RULES:
        raise ValueError(f'overlap rule "{rule}" is not one of {", ".join(OVERLAP_RULES)}')
    if rule == "allow":
        return None
    for other_start, other_end in spans:
        if other_start < end and start < other_end:  # at least one shared character
            nested = (other_start <= start and end <= other_end) or (start <= other_start and other_end <= end)
            if rule == "forbid" or not nested:
                return other_start, other_end
    return None

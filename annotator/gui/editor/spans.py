"""The editor's in-memory render model: spans by paragraph, how each is drawn, and lanes.

Nothing here touches Qt or the database: the highlighter, the underline painter, the
coding-stripes margin and the hover tooltip all read this one model, so what the tests
ask it is what the screen shows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from ...model import Annotation, Codebook

# How a span is drawn: a background (the annotator's own spans of the active layer), a
# solid coloured underline (own spans of the other visible layers) or a dashed underline
# (another annotator's span, read-only).
BACKGROUND = "background"
UNDERLINE = "underline"
OTHERS = "others"

BACKGROUND_ALPHA = 0.42  # each nested background adds this much of its colour


class Mark(NamedTuple):
    """One visible span as drawn: role, colour, and its lanes in the underline and stripe stacks.

    A named tuple, not a dataclass: a thousand are made each time a document opens, and a
    tuple is made several times faster than a frozen dataclass."""

    annotation: Annotation
    role: str
    colour: str
    underline_lane: int
    stripe_lane: int
    start: int  # code points, as the annotation's
    end: int


class Segment(NamedTuple):
    """A stretch of text [start, end) (code points) with one background colour."""

    start: int
    end: int
    background: str


def blend(colours: Iterable[str], alpha: float = BACKGROUND_ALPHA, base: str = "#ffffff") -> str:
    """Composite colours in order, each at `alpha`, over `base`; '#rrggbb'."""
    red, green, blue = (int(base[i : i + 2], 16) for i in (1, 3, 5))
    for colour in colours:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        red = round(red * (1 - alpha) + r * alpha)
        green = round(green * (1 - alpha) + g * alpha)
        blue = round(blue * (1 - alpha) + b * alpha)
    return f"#{red:02x}{green:02x}{blue:02x}"


@lru_cache(maxsize=4096)
def blend_cached(colours: tuple[str, ...], base: str = "#ffffff") -> str:
    """`blend` of a tuple of colours at the default alpha over `base`, remembered."""
    return blend(colours, base=base)


def assign_lanes(spans: Iterable[tuple[int, int, str]]) -> dict[str, int]:
    """Greedy interval colouring: overlapping spans get different lanes, lowest first."""
    lanes: dict[str, int] = {}
    _greedy(sorted((start, -end, ident) for start, end, ident in spans), lanes)
    return lanes


# Lanes are kept per sorted order of (start, -end, id) keys: the order assign_lanes colours in.
LaneKey = tuple[int, int, str]


def _greedy(keys: Iterable[LaneKey], lanes: dict[str, int]) -> set[str]:
    """Colour `keys` (sorted, starting where no earlier span is still open) into `lanes`;
    returns the ids whose lane is new or different."""
    changed: set[str] = set()
    lane_ends: list[int] = []
    for start, negative_end, ident in keys:
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                lane_ends[lane] = -negative_end
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(-negative_end)
        if lanes.get(ident) != lane:
            lanes[ident] = lane
            changed.add(ident)
    return changed


def _cluster(order: list[LaneKey], index: int) -> tuple[int, int]:
    """[first, past) of the run of overlapping spans holding order[index]: first is where no
    earlier span is still open, past the next such place. The greedy colouring starts afresh at
    each such place, so a change inside the run changes no lane outside it."""
    first, reach = 0, None
    for position, (start, negative_end, _) in enumerate(order):
        if reach is None or start >= reach:
            if position > index:
                return first, position
            first = position
            reach = -negative_end
        elif -negative_end > reach:
            reach = -negative_end
    return first, len(order)


def _insert_lane(order: list[LaneKey], lanes: dict[str, int], key: LaneKey) -> set[str]:
    """Add one span to a lane order; returns the ids whose lane changed (the new one included)."""
    insort(order, key)
    first, past = _cluster(order, bisect_left(order, key))
    return _greedy(order[first:past], lanes)


def _delete_lane(order: list[LaneKey], lanes: dict[str, int], key: LaneKey) -> set[str]:
    """Drop one span from a lane order; returns the ids whose lane changed."""
    index = bisect_left(order, key)
    if index >= len(order) or order[index] != key:
        return set()
    first, past = _cluster(order, index)
    del order[index]
    lanes.pop(key[2], None)
    return _greedy(order[first:past - 1], lanes)


class SpanIndex:
    """The spans of the open document, indexed by paragraph (block), with their drawing roles."""

    def __init__(self, block_starts: list[int], length: int) -> None:
        self._block_starts = block_starts
        self._length = length
        self._spans: dict[str, Annotation] = {}
        self._blocks: dict[int, set[str]] = {}
        self._colours: dict[tuple[str, str], str] = {}
        self.annotator = ""
        self.active_layer = ""
        self.hidden_layers: set[str] = set()
        self.show_others = False
        self.base = "#ffffff"  # the page colour backgrounds are blended over (dark themes too)
        self._marks: dict[str, Mark] | None = None
        # Kept with the marks so that an add or a removal recolours only its run of overlapping
        # spans (see _cluster) instead of every span of the document.
        self._stripe_order: list[LaneKey] = []
        self._stripe_lanes: dict[str, int] = {}
        self._under_order: list[LaneKey] = []
        self._under_lanes: dict[str, int] = {}
        self._marks_for: tuple[object, ...] = ()

    # ----- configuration -------------------------------------------------------------

    def set_codebook(self, codebook: Codebook) -> None:
        """Take label colours from the codebook."""
        self._colours = {(layer.name, label.name): label.colour.lower() if len(label.colour) == 7 else "#bbbbbb"
                         for layer in codebook.layers for label in layer.labels}
        self._marks = None

    def colour(self, layer: str, label: str) -> str:
        """The label's colour ('#rrggbb'), grey for a label no longer in the codebook."""
        return self._colours.get((layer, label), "#bbbbbb")

    def invalidate(self) -> None:
        """Forget the computed marks (after a change of active layer, visibility or colours)."""
        self._marks = None

    # ----- spans ---------------------------------------------------------------------

    def blocks_of(self, start: int, end: int) -> range:
        """Indices of the blocks that the code-point range [start, end) touches."""
        first = bisect_right(self._block_starts, start) - 1
        last = bisect_right(self._block_starts, max(start, end - 1)) - 1
        return range(max(first, 0), max(last, 0) + 1)

    def block_start(self, block: int) -> int:
        """Code-point offset where a block starts."""
        return self._block_starts[block]

    def reset(self, annotations: Iterable[Annotation]) -> None:
        """Replace every span with `annotations` (document labels are ignored)."""
        self._marks = None
        spans, blocks, starts = self._spans, self._blocks, self._block_starts
        spans.clear()
        blocks.clear()
        for annotation in annotations:  # put() without its bookkeeping: nothing is drawn yet
            start, end = annotation.start, annotation.end
            if start is None or end is None:
                continue
            ident = annotation.id
            if ident in spans:
                self.remove(ident)
            spans[ident] = annotation
            first = bisect_right(starts, start) - 1
            last = bisect_right(starts, max(start, end - 1)) - 1
            for block in range(max(first, 0), max(last, 0) + 1):
                found = blocks.get(block)
                if found is None:
                    blocks[block] = {ident}
                else:
                    found.add(ident)

    def put(self, annotation: Annotation) -> set[int]:
        """Add or replace one span; returns the blocks whose drawing changes."""
        touched = self.remove(annotation.id)
        if annotation.start is None or annotation.end is None:
            return touched
        self._spans[annotation.id] = annotation
        for block in self.blocks_of(annotation.start, annotation.end):
            self._blocks.setdefault(block, set()).add(annotation.id)
            touched.add(block)
        self._mark_added(annotation)
        return touched

    def remove(self, annotation_id: str) -> set[int]:
        """Drop one span if present; returns the blocks it was in."""
        old = self._spans.pop(annotation_id, None)
        if old is None or old.start is None or old.end is None:
            return set()
        touched = set(self.blocks_of(old.start, old.end))
        for block in touched:
            self._blocks.get(block, set()).discard(annotation_id)
        self._mark_removed(old)
        return touched

    def get(self, annotation_id: str) -> Annotation | None:
        """The span with this id, if loaded."""
        return self._spans.get(annotation_id)

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, annotation_id: object) -> bool:
        return annotation_id in self._spans

    def blocks_with_layer(self, layer: str) -> set[int]:
        """Blocks holding at least one span of a layer."""
        return {block for block, ids in self._blocks.items() if any(self._spans[i].layer == layer for i in ids)}

    # ----- drawing -------------------------------------------------------------------

    def role(self, annotation: Annotation) -> str | None:
        """How a span is drawn now, or None when it is hidden."""
        if annotation.layer in self.hidden_layers:
            return None
        if annotation.annotator != self.annotator:
            return OTHERS if self.show_others else None
        return BACKGROUND if annotation.layer == self.active_layer else UNDERLINE

    def _drawing(self) -> tuple[object, ...]:
        """What the roles depend on besides the spans: marks made under other settings are stale."""
        return (self.annotator, self.active_layer, frozenset(self.hidden_layers), self.show_others)

    def marks(self) -> dict[str, Mark]:
        """Every visible span as drawn, by id (recomputed only after a change)."""
        if self._marks is not None and self._marks_for != self._drawing():
            self._marks = None  # a setting changed without invalidate(): draw everything anew
        if self._marks is None:
            roles: dict[str, str] = {}
            stripe_order: list[LaneKey] = []
            under_order: list[LaneKey] = []
            hidden, me, others, active = self.hidden_layers, self.annotator, self.show_others, self.active_layer
            for ident, a in self._spans.items():  # self.role(a), inline: it runs for every span
                if a.layer in hidden:
                    continue
                if a.annotator != me:
                    if not others:
                        continue
                    role = OTHERS
                else:
                    role = BACKGROUND if a.layer == active else UNDERLINE
                roles[ident] = role
                key = (a.start or 0, -(a.end or 0), ident)
                stripe_order.append(key)
                if role != BACKGROUND:
                    under_order.append(key)
            stripe_order.sort()
            under_order.sort()
            self._stripe_lanes, self._under_lanes = {}, {}
            _greedy(stripe_order, self._stripe_lanes)
            _greedy(under_order, self._under_lanes)
            self._stripe_order, self._under_order = stripe_order, under_order
            self._marks_for = self._drawing()
            spans, colour, under, stripe = self._spans, self.colour, self._under_lanes, self._stripe_lanes
            marks: dict[str, Mark] = {}
            for ident, role in roles.items():
                a = spans[ident]
                marks[ident] = Mark(a, role, colour(a.layer, a.label), under.get(ident, 0), stripe[ident],
                                    a.start or 0, a.end or 0)
            self._marks = marks
        return self._marks

    def _mark(self, annotation: Annotation, role: str) -> Mark:
        ident = annotation.id
        return Mark(annotation, role, self.colour(annotation.layer, annotation.label), self._under_lanes.get(ident, 0),
                    self._stripe_lanes[ident], annotation.start or 0, annotation.end or 0)

    def _remark(self, changed: set[str]) -> None:
        """Make the marks of spans whose lanes changed again."""
        assert self._marks is not None
        for ident in changed:
            mark = self._marks.get(ident)
            if mark is not None:
                self._marks[ident] = self._mark(mark.annotation, mark.role)

    def _mark_added(self, annotation: Annotation) -> None:
        """Keep the computed marks after a span was stored: lanes of its overlapping run only."""
        if self._marks is None:
            return
        if self._marks_for != self._drawing():
            self._marks = None
            return
        role = self.role(annotation)
        if role is None:
            return
        key = (annotation.start or 0, -(annotation.end or 0), annotation.id)
        changed = _insert_lane(self._stripe_order, self._stripe_lanes, key)
        if role != BACKGROUND:
            changed |= _insert_lane(self._under_order, self._under_lanes, key)
        self._marks[annotation.id] = self._mark(annotation, role)
        self._remark(changed)

    def _mark_removed(self, annotation: Annotation) -> None:
        """Keep the computed marks after a span was dropped: lanes of its overlapping run only."""
        if self._marks is None:
            return
        if self._marks_for != self._drawing():
            self._marks = None
            return
        mark = self._marks.pop(annotation.id, None)
        if mark is None:
            return
        key = (mark.start, -mark.end, annotation.id)
        changed = _delete_lane(self._stripe_order, self._stripe_lanes, key)
        if mark.role != BACKGROUND:
            changed |= _delete_lane(self._under_order, self._under_lanes, key)
        self._remark(changed)

    def marks_in_block(self, block: int) -> list[Mark]:
        """Visible spans touching one block, outermost first."""
        marks = self.marks()
        found = [marks[i] for i in self._blocks.get(block, ()) if i in marks]
        found.sort(key=lambda m: (m.start, -m.end, m.annotation.id))
        return found

    def marks_between(self, start: int, end: int) -> list[Mark]:
        """Visible spans overlapping [start, end) (code points), found through their blocks."""
        marks = self.marks()
        ids: set[str] = set()
        for block in self.blocks_of(start, end):
            ids |= self._blocks.get(block, set())
        return [marks[i] for i in ids if i in marks and marks[i].start < end and marks[i].end > start]

    def marks_at(self, position: int) -> list[Mark]:
        """Visible spans covering a code-point offset, outermost first."""
        if not 0 <= position < self._length:
            return []
        block = bisect_right(self._block_starts, position) - 1
        return [m for m in self.marks_in_block(block) if m.start <= position < m.end]

    def segments(self, block: int, block_end: int) -> list[Segment]:
        """Background stretches of one block: active-layer spans blended where they nest."""
        start = self._block_starts[block]
        backgrounds = [m for m in self.marks_in_block(block) if m.role == BACKGROUND]
        if not backgrounds:
            return []
        cuts = sorted({start, block_end, *(max(m.start, start) for m in backgrounds),
                       *(min(m.end, block_end) for m in backgrounds)})
        result: list[Segment] = []
        for left, right in zip(cuts, cuts[1:]):
            if left >= right:
                continue
            covering = [m for m in backgrounds if m.start <= left and right <= m.end]
            if not covering:
                continue
            covering.sort(key=lambda m: (-(m.end - m.start), m.start))  # outer spans first
            colour = blend_cached(tuple(m.colour for m in covering), self.base)
            if result and result[-1].end == left and result[-1].background == colour:
                result[-1] = Segment(result[-1].start, right, colour)
            else:
                result.append(Segment(left, right, colour))
        return result

    def stripe_lanes(self) -> int:
        """Number of stripe lanes in use."""
        marks = self.marks()
        return 1 + max((m.stripe_lane for m in marks.values()), default=-1)

    def visible_ids_in_order(self) -> list[str]:
        """Ids of the annotator's own visible spans, in text order (for next / previous)."""
        own = [m for m in self.marks().values() if m.role != OTHERS]
        own.sort(key=lambda m: (m.start, m.end, m.annotation.id))
        return [m.annotation.id for m in own]

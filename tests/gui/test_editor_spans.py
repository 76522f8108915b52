"""The editor's render model without Qt: blocks, roles, nesting colours, lanes."""

from __future__ import annotations

from annotator.gui.editor.spans import BACKGROUND, OTHERS, UNDERLINE, SpanIndex, assign_lanes, blend
from annotator.model import Annotation, Codebook, Label, Layer

# Two paragraphs (blocks): "Tax 😡 rise\n" (11 code points) and "Buses run late."
TEXT = "Tax \U0001F621 rise\nBuses run late."
BLOCK_STARTS = [0, 11]
BOOK = Codebook(
    name="t",
    layers=(
        Layer("Framing", labels=(Label("Economic", colour="#44AA99"), Label("Political", colour="#882255"))),
        Layer("Stance", labels=(Label("Against", colour="#D55E00"),)),
    ),
)


def span(
    ident: str, start: int, end: int, layer: str = "Framing", label: str = "Economic", who: str = "ada"
) -> Annotation:
    """A span annotation on TEXT."""
    return Annotation(ident, "doc", who, layer, label, start, end)


def index_with(*annotations: Annotation) -> SpanIndex:
    """An index over TEXT for ada, Framing active."""
    index = SpanIndex(BLOCK_STARTS, len(TEXT))
    index.set_codebook(BOOK)
    index.annotator = "ada"
    index.active_layer = "Framing"
    index.reset(annotations)
    return index


def test_nested_backgrounds_blend_and_differ_from_either_alone() -> None:
    index = index_with(span("outer", 0, 10), span("inner", 4, 5, label="Political"))
    segments = index.segments(0, 10)
    assert [(s.start, s.end) for s in segments] == [(0, 4), (4, 5), (5, 10)]
    outer = blend(["#44aa99"])
    assert segments[0].background == outer == segments[2].background
    assert segments[1].background == blend(["#44aa99", "#882255"])
    assert segments[1].background not in (outer, blend(["#882255"]))


def test_roles_follow_active_layer_annotator_and_visibility() -> None:
    index = index_with(span("f", 0, 3), span("s", 0, 3, "Stance", "Against"), span("b", 0, 3, who="ben"))
    assert {m.annotation.id: m.role for m in index.marks_at(1)} == {"f": BACKGROUND, "s": UNDERLINE}
    index.show_others = True
    index.invalidate()
    assert index.marks()["b"].role == OTHERS
    index.hidden_layers = {"Framing"}
    index.invalidate()
    assert [m.annotation.id for m in index.marks_at(1)] == ["s"]


def test_spans_are_indexed_by_every_block_they_touch() -> None:
    index = index_with()
    assert index.put(span("across", 8, 16)) == {0, 1}
    assert index.put(span("second", 11, 16)) == {1}
    assert [m.annotation.id for m in index.marks_in_block(0)] == ["across"]
    assert index.remove("across") == {0, 1}
    assert index.marks_in_block(0) == []
    assert index.blocks_of(11, 12) == range(1, 2)


def test_overlapping_spans_get_different_lanes_and_disjoint_ones_share() -> None:
    lanes = assign_lanes([(0, 10, "a"), (5, 12, "b"), (11, 14, "c"), (20, 25, "d")])
    assert lanes["a"] != lanes["b"]
    assert lanes["c"] == lanes["a"] == lanes["d"] == 0
    index = index_with(span("a", 0, 10), span("b", 4, 9, "Stance", "Against"))
    assert index.stripe_lanes() == 2


def test_unknown_label_is_drawn_grey() -> None:
    index = index_with(span("x", 0, 3, label="Renamed away"))
    assert index.marks()["x"].colour == "#bbbbbb"

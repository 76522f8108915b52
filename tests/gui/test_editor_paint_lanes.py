"""Lanes kept up to date span by span (an add or an undo recolours only the overlapping run it
falls in) stay exactly the lanes a freshly opened document draws: stripes and underlines."""

from __future__ import annotations

import random

from annotator.gui.editor.spans import SpanIndex
from annotator.model import Annotation, Codebook, Label, Layer

LAYERS = ("Framing", "Stance", "Device")


def codebook() -> Codebook:
    """Three span layers with two labels each."""
    colours = iter(["#aa0000", "#00aa00", "#0000aa", "#aaaa00", "#00aaaa", "#aa00aa"])
    return Codebook(name="test", layers=tuple(Layer(name=name, kind="span", labels=tuple(Label(name=f"{name}-{n}", colour=next(colours))
                                                                 for n in (1, 2))) for name in LAYERS))


def fresh(spans: dict[str, Annotation], active: str, hidden: set[str], others: bool) -> SpanIndex:
    """An index made from scratch, as opening the document makes it."""
    index = SpanIndex(list(range(0, 2000, 100)), 2000)
    index.set_codebook(codebook())
    index.annotator, index.active_layer, index.hidden_layers, index.show_others = "ada", active, hidden, others
    index.reset(spans.values())
    return index


def test_lanes_after_adds_and_removals_match_a_freshly_opened_document() -> None:
    rng = random.Random(7)
    for _ in range(40):
        active, others = rng.choice(LAYERS), rng.random() < 0.5
        hidden = {rng.choice(LAYERS)} if rng.random() < 0.3 else set()
        spans: dict[str, Annotation] = {}
        live = fresh(spans, active, set(hidden), others)
        live.marks()  # computed once, as the first paint does; kept up to date from here on
        for step in range(120):
            if spans and rng.random() < 0.35:
                ident = rng.choice(sorted(spans))
                del spans[ident]
                live.remove(ident)
            else:
                start = rng.randrange(0, 1900)
                layer = rng.choice(LAYERS)
                ident = f"a{step:03d}" if rng.random() < 0.8 or not spans else rng.choice(sorted(spans))
                spans[ident] = Annotation(id=ident, document_id="d", annotator=rng.choice(["ada", "ada", "ben"]),
                                          layer=layer, label=f"{layer}-{rng.choice((1, 2))}", start=start,
                                          end=start + rng.randint(1, 90))
                live.put(spans[ident])
            expected = fresh(spans, active, set(hidden), others)
            assert live.marks() == expected.marks(), f"lanes differ after step {step}"
            assert live.stripe_lanes() == expected.stripe_lanes()


def test_a_setting_changed_without_invalidate_still_draws_every_span_anew() -> None:
    spans = {f"s{n}": Annotation(id=f"s{n}", document_id="d", annotator="ada", layer=LAYERS[n % 3],
                                 label=f"{LAYERS[n % 3]}-1", start=n * 10, end=n * 10 + 35) for n in range(30)}
    index = fresh(spans, "Framing", set(), False)
    index.marks()
    index.active_layer = "Stance"  # no invalidate(): the next add must not mix old and new roles
    extra = Annotation(id="zz", document_id="d", annotator="ada", layer="Device", label="Device-1", start=5, end=50)
    spans["zz"] = extra
    index.put(extra)
    assert index.marks() == fresh(spans, "Stance", set(), False).marks()

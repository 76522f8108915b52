"""Span precision/recall/F1 and the projection of spans onto sentence or token units."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.stats import (
    NO_SPANS,
    NONE_LABEL,
    krippendorff_alpha,
    pool_span_agreement,
    span_agreement,
    unit_labels,
    unit_presence,
)

# Written for these tests: CRLF input (normalised to \n before offsets exist, as at
# import), an emoji (astral), a combining accent and a non-breaking space.
RAW = (
    "Mayor Zoe\u0301 called the plan \u201ca tax grab\u201d \U0001F4B8.\r\n"
    "Critics say 7\u00a0000 jobs are at risk.\r\n"
    "Supporters expect cleaner air."
)
TEXT = RAW.replace("\r\n", "\n")


def span_of(phrase: str, label: str) -> tuple[int, int, str]:
    """(start, end, label) of the first occurrence of `phrase` in TEXT, in code points."""
    start = TEXT.index(phrase)
    return start, start + len(phrase), label


def sentence_bounds() -> tuple[list[int], list[int]]:
    """Sentence units: one per line of TEXT."""
    starts, ends, position = [], [], 0
    for line in TEXT.split("\n"):
        starts.append(position)
        ends.append(position + len(line))
        position += len(line) + 1
    return starts, ends


def token_bounds() -> tuple[list[int], list[int]]:
    """Token units: runs of non-space characters (the NBSP separates tokens too)."""
    matches = list(re.finditer(r"\S+", TEXT))
    return [m.start() for m in matches], [m.end() for m in matches]


ADA = [
    span_of("\u201ca tax grab\u201d \U0001F4B8", "framing"),
    span_of("7\u00a0000 jobs", "stance"),
]
BEN = [span_of("a tax grab", "framing"), span_of("7\u00a0000 jobs are at risk", "stance"),
       span_of("cleaner air", "framing")]


def test_offsets_count_code_points_after_the_emoji() -> None:
    start, end, _ = span_of("7\u00a0000 jobs", "stance")
    assert TEXT[start:end] == "7\u00a0000 jobs"
    assert TEXT.index("\U0001F4B8") < start  # the astral character precedes the span


def test_exact_matching() -> None:
    figure = span_agreement(ADA, BEN, "exact")
    assert figure.value == 0.0
    same = span_agreement(ADA, ADA, "exact")
    assert same.value == 1.0 and same.details["precision"] == 1.0


def test_overlap_matching_with_and_without_labels() -> None:
    figure = span_agreement(ADA, BEN, "overlap")
    assert figure.details["matched"] == 2
    assert figure.details["precision"] == pytest.approx(2 / 3)
    assert figure.details["recall"] == pytest.approx(1.0)
    assert figure.value == pytest.approx(2 * 2 / 5)
    assert "same label" in figure.details["rule"] and "maximum" in figure.details["rule"]
    relabelled = [(s, e, "other") for s, e, _ in BEN]
    assert span_agreement(ADA, relabelled, "overlap").details["matched"] == 0
    ignoring = span_agreement(ADA, relabelled, "overlap", ignore_labels=True)
    assert ignoring.details["matched"] == 2
    assert "same label" not in ignoring.details["rule"]


def test_one_to_one_matching_takes_the_largest_possible_number_of_pairs() -> None:
    # Greedy by largest overlap would pair the long reference span with the first
    # candidate and leave the short reference span unmatched; the maximum matching
    # pairs both.
    reference = [(0, 10, "f"), (0, 3, "f")]
    candidate = [(0, 9, "f"), (8, 20, "f")]
    assert span_agreement(reference, candidate, "overlap").details["matched"] == 2
    # each span is used at most once
    many = span_agreement([(0, 10, "f")], [(0, 2, "f"), (3, 5, "f"), (6, 9, "f")], "overlap")
    assert many.details["matched"] == 1


def test_exact_duplicates_are_matched_once_each() -> None:
    figure = span_agreement([(0, 4, "f"), (0, 4, "f")], [(0, 4, "f")], "exact")
    assert figure.details["matched"] == 1
    assert figure.details["recall"] == 0.5


def test_no_spans_at_all_is_undefined_and_one_side_empty_is_zero() -> None:
    nothing = span_agreement([], [], "overlap")
    assert nothing.value is None and nothing.undefined_reason == NO_SPANS
    one_sided = span_agreement(ADA, [], "exact")
    assert one_sided.value == 0.0 and one_sided.details["precision"] is None


def test_pooling_adds_counts_over_documents() -> None:
    first = span_agreement(ADA, BEN, "overlap")
    second = span_agreement([(0, 4, "f")], [(0, 4, "f")], "overlap")
    pooled = pool_span_agreement([first, second])
    assert pooled.details["matched"] == 3
    assert pooled.details["n_reference"] == 3 and pooled.details["n_candidate"] == 4
    assert pooled.value == pytest.approx(2 * 3 / 7)
    with pytest.raises(ValueError, match="different matching"):
        pool_span_agreement([first, span_agreement(ADA, BEN, "exact")])


def test_bad_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        span_agreement([(5, 5, "f")], [], "exact")
    with pytest.raises(ValueError, match="matching"):
        span_agreement(ADA, BEN, "fuzzy")  # type: ignore[arg-type]


span_lists = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 8), st.sampled_from("ab")).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(span_lists, span_lists, st.sampled_from(["exact", "overlap"]), st.booleans())
def test_f1_does_not_depend_on_who_is_the_reference(a, b, matching, ignore_labels) -> None:
    forward = span_agreement(a, b, matching, ignore_labels)
    backward = span_agreement(b, a, matching, ignore_labels)
    assert forward.value == backward.value
    assert forward.details["precision"] == backward.details["recall"]


# --- projection onto units ------------------------------------------------------------


def test_sentence_labels_from_spans() -> None:
    starts, ends = sentence_bounds()
    projected = unit_labels(starts, ends, {"ada": ADA, "ben": BEN, "cy": None})
    assert projected.coders == ("ada", "ben", "cy")
    assert [projected.label_of(0, u) for u in range(3)] == ["framing", "stance", NONE_LABEL]
    assert [projected.label_of(1, u) for u in range(3)] == ["framing", "stance", "framing"]
    assert projected.label_of(2, 0) is None  # cy did not code this document
    alpha = krippendorff_alpha(projected.values)
    assert alpha.n_units == 3 and alpha.n_coders == 2


def test_token_labels_cover_tokens_touching_the_span() -> None:
    starts, ends = token_bounds()
    tokens = [TEXT[s:e] for s, e in zip(starts, ends)]
    projected = unit_labels(starts, ends, {"ada": ADA})
    labelled = [tokens[u] for u in range(len(tokens)) if projected.label_of(0, u) == "framing"]
    assert labelled == ["\u201ca", "tax", "grab\u201d", "\U0001F4B8."]
    stance = [tokens[u] for u in range(len(tokens)) if projected.label_of(0, u) == "stance"]
    assert stance == ["7", "000", "jobs"]  # the NBSP splits "7 000"


def test_tie_rule_prefers_largest_overlap_then_earliest_start_then_label_order() -> None:
    starts, ends = [0, 10], [10, 20]
    bigger = unit_labels(starts, ends, {"a": [(0, 3, "x"), (2, 10, "y")]})
    assert bigger.label_of(0, 0) == "y"
    earlier = unit_labels(starts, ends, {"a": [(4, 8, "y"), (6, 10, "x")]})
    assert earlier.label_of(0, 0) == "y"
    listed = unit_labels(starts, ends, {"a": [(0, 5, "x"), (0, 5, "y")]}, labels=["y", "x"])
    assert listed.label_of(0, 0) == "y"
    assert listed.label_of(0, 1) == NONE_LABEL


def test_presence_per_label() -> None:
    starts, ends = sentence_bounds()
    presence = unit_presence(starts, ends, {"ada": ADA, "ben": BEN, "cy": None})
    assert presence["framing"][:2].tolist() == [[1, 0, 0], [1, 0, 1]]
    assert presence["stance"][:2].tolist() == [[0, 1, 0], [0, 1, 0]]
    assert np.isnan(presence["framing"][2]).all()
    # per-label alpha: ada and ben agree on stance everywhere
    assert krippendorff_alpha(presence["stance"]).value == pytest.approx(1.0)


def test_projection_refuses_overlapping_units_and_unknown_labels() -> None:
    with pytest.raises(ValueError, match="overlap"):
        unit_labels([0, 5], [8, 10], {"a": []})
    with pytest.raises(ValueError, match="label list"):
        unit_labels([0], [5], {"a": [(0, 2, "x")]}, labels=["y"])
    with pytest.raises(ValueError, match="reserved"):
        unit_labels([0], [5], {"a": [(0, 2, "none")]})


@settings(max_examples=150, deadline=None)
@given(span_lists)
def test_projection_matches_a_character_by_character_reference(spans) -> None:
    starts, ends = list(range(0, 40, 4)), list(range(3, 43, 4))  # units with 1-char gaps
    projected = unit_labels(starts, ends, {"a": spans}, labels=["a", "b"])
    presence = unit_presence(starts, ends, {"a": spans}, labels=["a", "b"])
    for u, (s, e) in enumerate(zip(starts, ends)):
        covering = [(min(e, se) - max(s, ss), ss, ["a", "b"].index(lab), lab)
                    for ss, se, lab in spans if min(e, se) > max(s, ss)]
        expected = min(covering, key=lambda c: (-c[0], c[1], c[2]))[3] if covering else NONE_LABEL
        assert projected.label_of(0, u) == expected
        for label in "ab":
            assert presence[label][0, u] == float(any(c[3] == label for c in covering))

"""Co-occurrence (queries/analysis/cooccurrence.py), every figure checked against a brute-force
count in plain Python over the JSONL export and the stored sentence offsets."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from annotator.errors import BadInputError
from annotator.project import Project
from annotator.queries.analysis import Scope, cooccurrence, cooccurring_segments
from tests.test_analysis_kwic import TEXTS, _at, build_corpus, exported

EVERYONE = Scope(everyone=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("cooccurrence")
    project = Project.open(build_corpus(folder))
    yield project, exported(project, folder)
    project.close()


def _units(project: Project, record: dict[str, Any], within: str) -> list[tuple[int, int]]:
    text = record["text"]
    if within == "sentence":
        return project.documents.segmentation(record["id"]).sentences  # the stored offsets
    if within == "paragraph":
        return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    return [(0, len(text))]


def brute_force(project: Project, records: list[dict[str, Any]], first: str, second: str,
                within: str) -> dict[tuple[str, str], tuple[int, int, float, float]]:
    """(a, b) → (count, documents, jaccard, observed/expected), the long way round."""
    book = project.codebook.get()
    order = {f"{layer.name}:{label.name}": i for layer in book.layers for i, label in enumerate(layer.labels)}
    same = first == second
    holders: dict[str, set[Any]] = defaultdict(set)  # code → units (or characters) holding it
    both: dict[tuple[str, str], set[Any]] = defaultdict(set)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    documents: dict[tuple[str, str], set[str]] = defaultdict(set)
    total = 0
    for record in records:
        by_annotator: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for span in record["spans"]:
            if span["layer"] in (first, second):
                by_annotator[span["annotator"]].append(span)
        for who, spans in by_annotator.items():
            units = _units(project, record, within) if within != "overlap" else []
            total += len(record["text"]) if within == "overlap" else len(units)
            for span in spans:
                code = f"{span['layer']}:{span['label']}"
                if within == "overlap":
                    holders[code] |= {(who, record["id"], i) for i in range(span["start"], span["end"])}
                else:
                    holders[code] |= {(who, record["id"], k) for k, (s, e) in enumerate(units)
                                      if s < span["end"] and span["start"] < e}
            for x in spans:
                for y in spans:
                    if x["layer"] != first or y["layer"] != second:
                        continue
                    a, b = f"{x['layer']}:{x['label']}", f"{y['layer']}:{y['label']}"
                    if same and not order[a] < order[b]:
                        continue
                    if within == "overlap":
                        if x["start"] < y["end"] and y["start"] < x["end"]:
                            pairs[(a, b)] += 1
                            documents[(a, b)].add(record["id"])
                            both[(a, b)] |= {(who, record["id"], i) for i in
                                             range(max(x["start"], y["start"]), min(x["end"], y["end"]))}
                        continue
                    shared = {(who, record["id"], k) for k, (s, e) in enumerate(units)
                              if s < x["end"] and x["start"] < e and s < y["end"] and y["start"] < e}
                    if shared:
                        both[(a, b)] |= shared
                        documents[(a, b)].add(record["id"])
    found = {}
    for key, units_with_both in both.items():
        a, b = key
        count = pairs[key] if within == "overlap" else len(units_with_both)
        either = len(holders[a] | holders[b])
        expected = len(holders[a]) * len(holders[b]) / total
        found[key] = (count, len(documents[key]), len(units_with_both) / either, len(units_with_both) / expected)
    return found


def _table(table: Any) -> dict[tuple[str, str], tuple[int, int, float, float]]:
    return {(p.a, p.b): (p.count, p.documents, p.jaccard, p.observed_expected) for p in table.pairs}


@pytest.mark.parametrize("within", ["sentence", "paragraph", "document", "overlap"])
@pytest.mark.parametrize("layers", [("Framing", "Rhetorical device"), ("Framing", "Framing"), ("Stance", "Framing")])
def test_counts_and_association_match_a_brute_force_count(corpus: tuple[Project, list[dict[str, Any]]],
                                                            within: str, layers: tuple[str, str]) -> None:
    project, records = corpus
    expected = brute_force(project, records, *layers, within)
    found = _table(cooccurrence(project, layers=layers, within=within, scope=EVERYONE))
    assert expected, "the corpus must hold co-occurrences for this test to mean anything"
    assert found.keys() == expected.keys()
    for key, figures in expected.items():
        assert found[key] == pytest.approx(figures), key


def test_sentences_are_the_stored_ones(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, _ = corpus
    table = cooccurrence(project, layers=("Framing", "Rhetorical device"), within="sentence",
                         scope=Scope(annotator="ada"))
    found = _table(table)
    # "Critics said the Tax was unfair." is one sentence holding Fairness and Loaded language.
    assert found[("Framing:Fairness and equality", "Rhetorical device:Loaded language")][:2] == (1, 1)
    # ada's Economic "taxes and the levy" and "No tax!" + Slogans: the latter share a sentence.
    assert found[("Framing:Economic", "Rhetorical device:Slogans")][:2] == (1, 1)
    assert "sentence" in table.association and "Jaccard" in table.association


def test_another_annotators_code_is_not_a_cooccurrence(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, _ = corpus
    # ben's Morality and ada's Slogans cover the same words "Taxation is theft".
    found = _table(cooccurrence(project, layers=("Framing", "Rhetorical device"), within="overlap", scope=EVERYONE))
    assert ("Framing:Morality", "Rhetorical device:Slogans") not in found


def test_one_layer_against_itself_gives_each_pair_once(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, _ = corpus
    table = cooccurrence(project, layers=("Framing", "Framing"), within="sentence", scope=EVERYONE)
    keys = [(p.a, p.b) for p in table.pairs]
    assert all(a != b for a, b in keys)
    assert len({frozenset(k) for k in keys}) == len(keys)


def test_the_segments_behind_a_cell(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, _ = corpus
    hits = cooccurring_segments(project, a=("Framing", "Economic"), b=("Stance", "Against"), within="overlap",
                                scope=Scope(annotator="ada"), context=10)
    start, _ = _at("d1", "council's tax on workers")
    _, end = _at("d1", "tax on workers hurt")
    assert [(h.start, h.end, h.match) for h in hits] == [(start, end, TEXTS["d1"][start:end])]
    assert hits[0].codes == ("Framing:Economic", "Framing:Quality of life", "Stance:Against")
    sentence = cooccurring_segments(project, a=("Framing", "Economic"), b=("Rhetorical device", "Slogans"),
                                    within="sentence", scope=Scope(annotator="ada"))
    assert [h.match for h in sentence] == ["No tax!"]
    table = cooccurrence(project, layers=("Framing", "Rhetorical device"), within="paragraph", scope=EVERYONE)
    for pair in table.pairs:
        behind = cooccurring_segments(project, a=tuple(pair.a.split(":")), b=tuple(pair.b.split(":")),  # type: ignore[arg-type]
                                      within="paragraph", scope=EVERYONE)
        assert len({h.document_id for h in behind}) == pair.documents


@pytest.mark.parametrize(("arguments", "message"), [
    ({"layers": ("Framing", "Nope")}, 'no layer "Nope"'),
    ({"layers": ("Framing", "Stance"), "within": "clause"}, 'within "clause"'),
    ({"layers": ("Dominant frame", "Stance"), "within": "sentence"}, "labels whole documents"),
    ({"layers": ("Framing", "Stance"), "scope": Scope(gold=True)}, "no gold set"),
])
def test_bad_input_is_one_line(corpus: tuple[Project, list[dict[str, Any]]], arguments: dict[str, Any],
                               message: str) -> None:
    project, _ = corpus
    with pytest.raises(BadInputError, match=re.escape(message)) as caught:
        cooccurrence(project, **{"scope": EVERYONE, **arguments})
    assert "\n" not in str(caught.value)


def test_an_empty_project_is_refused(tmp_path: Path) -> None:
    with Project.create(tmp_path / "empty.annot") as project:
        with pytest.raises(BadInputError, match="no documents"):
            cooccurrence(project, layers=("Framing", "Stance"), scope=EVERYONE)

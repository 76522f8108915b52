"""Label frequencies (queries/analysis/frequencies.py), each count checked against plain
Python over the project's native JSONL export."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from annotator.errors import BadInputError
from annotator.project import Project
from annotator.queries.analysis import Scope, cell_scope, frequencies, kwic
from tests.test_analysis_kwic import build_corpus, exported

EVERYONE = Scope(everyone=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("frequencies")
    project = Project.open(build_corpus(folder))
    yield project, exported(project, folder)
    project.close()


def _spans(records: list[dict[str, Any]], layer: str, annotators: set[str] | None = None) -> list[tuple[dict, dict]]:
    return [(r, s) for r in records for s in r["spans"]
            if s["layer"] == layer and (annotators is None or s["annotator"] in annotators)]


def _cells(table: Any) -> dict[tuple[str, str], float]:
    return {(row.group, row.label): row.count for row in table.rows}


def test_spans_by_source_and_label(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, records = corpus
    expected = Counter((r["meta"]["source"], s["label"]) for r, s in _spans(records, "Framing"))
    table = frequencies(project, layer="Framing", by="source", scope=EVERYONE)
    assert _cells(table) == dict(expected)
    assert table.groups == ["Courier", "Herald"]
    assert table.labels[:3] == ["Economic", "Capacity and resources", "Morality"]  # codebook order
    assert all(row.count > 0 for row in table.rows)


def test_spans_by_month_with_undated_documents_last(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, records = corpus
    expected = Counter((r["meta"].get("date", "")[:7] or "(no date)", s["label"])
                       for r, s in _spans(records, "Framing", {"ada"}))
    table = frequencies(project, layer="Framing", by="date:month", scope=Scope(annotator="ada"))
    assert _cells(table) == dict(expected)
    assert table.groups == ["2026-03", "2026-04", "(no date)"]
    quarters = frequencies(project, layer="Framing", by="date:quarter", scope=Scope(annotator="ada"))
    assert quarters.groups == ["2026-Q1", "2026-Q2", "(no date)"]
    years = frequencies(project, layer="Framing", by="date:year", scope=Scope(annotator="ada"))
    assert years.count_of("2026", "Economic") == expected[("2026-03", "Economic")] + expected[("2026-04", "Economic")]


def test_documents_with_at_least_one_span_by_annotator(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, records = corpus
    documents: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r, s in _spans(records, "Rhetorical device"):
        documents[(s["annotator"], s["label"])].add(r["id"])
    table = frequencies(project, layer="Rhetorical device", by="annotator", count="documents", scope=EVERYONE)
    assert _cells(table) == {key: len(ids) for key, ids in documents.items()}
    assert table.groups == ["ada", "ben"]


def test_share_of_characters_counts_overlapping_spans_once(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, records = corpus
    covered: dict[str, set[int]] = defaultdict(set)
    for r, s in _spans(records, "Framing", {"ada"}):
        covered[s["label"]] |= {(r["id"], i) for i in range(s["start"], s["end"])}  # type: ignore[arg-type]
    total = sum(len(r["text"]) for r in records)
    table = frequencies(project, layer="Framing", count="characters", scope=Scope(annotator="ada"))
    assert table.groups == ["all"]
    assert _cells(table) == pytest.approx({("all", label): len(chars) / total for label, chars in covered.items()})


def test_by_document_and_by_a_free_metadata_key(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, records = corpus
    by_title = Counter((r["meta"]["title"], s["label"]) for r, s in _spans(records, "Stance"))
    table = frequencies(project, layer="Stance", by="document", scope=EVERYONE)
    assert _cells(table) == dict(by_title)
    assert table.groups == ["Rents", "Cafés", "José", "Parks"]  # document order, all of them
    section = Counter((r["meta"].get("section") or "(none)", s["label"]) for r, s in _spans(records, "Stance"))
    by_section = frequencies(project, layer="Stance", by="section", scope=EVERYONE)
    assert _cells(by_section) == dict(section)
    assert by_section.groups == ["business", "city", "(none)"]


def test_a_cell_leads_to_the_segments_behind_it(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, _ = corpus
    scope = Scope(annotator="ada")
    for by in ("source", "date:month", "document", "section"):
        table = frequencies(project, layer="Framing", by=by, scope=scope)
        for row in table.rows:
            if row.group == "(no date)":
                continue
            hits = kwic(project, label=("Framing", row.label), scope=cell_scope(table, row.group, scope))
            assert hits.total == row.count, (by, row)


def test_no_annotations_is_said_not_shown_as_zeros(corpus: tuple[Project, list[dict[str, Any]]]) -> None:
    project, _ = corpus
    table = frequencies(project, layer="Dominant frame", by="source", scope=EVERYONE)
    assert table.rows == [] and table.groups == ["Courier", "Herald"]


@pytest.mark.parametrize(("arguments", "message"), [
    ({"layer": "Frames"}, 'no layer "Frames"'),
    ({"layer": "Framing", "by": "outlet_code"}, 'no document has the metadata key "outlet_code"'),
    ({"layer": "Framing", "by": "date:week"}, 'cannot group by "date:week"'),
    ({"layer": "Framing", "count": "words"}, 'cannot count "words"'),
    ({"layer": "Framing", "scope": Scope(annotator="zed")}, 'no annotator "zed"'),
])
def test_bad_input_is_one_line(corpus: tuple[Project, list[dict[str, Any]]], arguments: dict[str, Any],
                               message: str) -> None:
    project, _ = corpus
    with pytest.raises(BadInputError, match=re.escape(message)) as caught:
        frequencies(project, **{"scope": EVERYONE, **arguments})
    assert "\n" not in str(caught.value)


def test_an_empty_project_is_refused(tmp_path: Path) -> None:
    with Project.create(tmp_path / "empty.annot") as project:
        with pytest.raises(BadInputError, match="no documents"):
            frequencies(project, layer="Framing", scope=EVERYONE)

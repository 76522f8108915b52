"""Adjudication: disagreements found with the right kinds, curator decisions, gold set, log, CSV."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.model import Role
from annotator.ops.curation import (
    accept,
    accept_all_agreeing,
    add_gold,
    adjudicated_documents,
    disagreements,
    edit_and_accept,
    export_decisions_csv,
    reject,
    unresolved_count,
)
from annotator.ops.merge import merge_project
from annotator.project import Project

from test_merge import PORT_TEXT, WATER_TEXT, doc_with, make_project, span

CODERS = ["ada", "ben", "cat"]


@pytest.fixture
def study(tmp_path: Path) -> Iterator[Project]:
    """One article coded by ada, ben and cat with one agreement and each kind of disagreement."""
    project = make_project(tmp_path / "study.annot", {"port.txt": PORT_TEXT, "water.txt": WATER_TEXT})
    for name in CODERS:
        project.annotators.ensure(name)
    port = doc_with(project, "port strike")
    add = project.annotations.add
    for name in CODERS:  # agreed by all three
        add(port, name, "Framing", "Economic", *span(project, port, "empty shelves"))
    add(port, "ada", "Rhetorical device", "Loaded language", *span(project, port, "back down"))  # label
    add(port, "ben", "Rhetorical device", "Metaphor", *span(project, port, "back down"))
    add(port, "ada", "Stance", "Against", *span(project, port, "We will not back down."))  # boundaries
    add(port, "ben", "Stance", "Against", *span(project, port, "will not back down"))
    add(port, "cat", "Framing", "Political", *span(project, port, "union leader"))  # missing
    add(port, "ada", "Overall stance", "Against")  # document-level label
    add(port, "ben", "Overall stance", "Against")
    add(port, "cat", "Overall stance", "Neutral")
    yield project
    project.close()


def _mine(project: Project, annotator: str, layer: str) -> str:
    return project.annotations.for_document(doc_with(project, "port strike"), annotator, layer)[0].id


def _log(project: Project) -> list[tuple]:
    conn = sqlite3.connect(project.path)
    try:
        return conn.execute("SELECT curator, source_annotation_id, gold_annotation_id, decision, reason "
                            "FROM curation_log ORDER BY id").fetchall()
    finally:
        conn.close()


def _gold(project: Project) -> list[tuple]:
    port = doc_with(project, "port strike")
    text = project.documents.text(port)
    return sorted((a.layer, a.label, text[a.start:a.end] if a.is_span else None)
                  for a in project.annotations.for_document(port, "curator"))


def test_disagreements_are_listed_with_their_kinds_in_text_order(study: Project) -> None:
    port = doc_with(study, "port strike")
    text = study.documents.text(port)
    found = disagreements(study, port, CODERS)
    described = [(d.kind, d.layer, text[d.start:d.end] if d.start is not None else None, d.labels) for d in found]
    assert described == [
        ("label", "Overall stance", None, ("Against", "Neutral")),
        ("missing", "Framing", "union leader", ("Political",)),
        ("boundaries", "Stance", "We will not back down.", ("Against",)),
        ("label", "Rhetorical device", "back down", ("Loaded language", "Metaphor")),
    ]
    label = found[3]
    assert label.sources == (_mine(study, "ada", "Rhetorical device"), _mine(study, "ben", "Rhetorical device"))
    assert label.annotators == ("ada", "ben") and label.missing == ("cat",)
    assert found[1].annotators == ("cat",) and found[1].missing == ("ada", "ben")
    assert not any(d.resolved for d in found)
    assert [d.key for d in disagreements(study, port, CODERS)] == [d.key for d in found]  # stable
    assert [d.layer for d in disagreements(study, port, CODERS, layer="Stance")] == ["Stance"]
    assert unresolved_count(study, port, CODERS) == 4


def test_only_the_compared_coders_count(study: Project) -> None:
    port = doc_with(study, "port strike")
    assert disagreements(study, port, ["ada", "ada"]) == []  # one coder compared with herself
    assert [d.kind for d in disagreements(study, port, ["ada", "ben"])] == ["boundaries", "label"]


def test_the_curation_flow_settles_every_disagreement(study: Project, tmp_path: Path) -> None:
    port = doc_with(study, "port strike")
    assert adjudicated_documents(study, CODERS) == set()
    agreed = accept_all_agreeing(study, port, CODERS)
    assert agreed is not None and len(agreed.added) == 1
    assert study.annotators.get("curator").role is Role.CURATOR
    assert _gold(study) == [("Framing", "Economic", "empty shelves")]
    assert accept_all_agreeing(study, port, CODERS) is None  # nothing more to do

    loaded = _mine(study, "ada", "Rhetorical device")
    accepted = accept(study, port, loaded, "curator")
    gold = study.annotations.get(accepted.primary)
    assert (gold.annotator, gold.label, gold.start, gold.end) == ("curator", "Loaded language", *span(study, port, "back down"))
    rows = len(_log(study))
    accept(study, port, loaded, "curator")  # twice: no duplicate, no second log entry
    assert len(study.annotations.for_document(port, "curator", "Rhetorical device")) == 1
    assert len(_log(study)) == rows

    reject(study, _mine(study, "cat", "Framing"), "curator", "the union leader is not framed politically")
    start, end = span(study, port, "We will not back down")
    edited = edit_and_accept(study, _mine(study, "ben", "Stance"), "curator", start=start, end=end)
    assert study.documents.text(port)[slice(*_span_of(study, edited.primary))] == "We will not back down"
    accept(study, port, _mine(study, "ada", "Overall stance"), "curator")

    assert unresolved_count(study, port, CODERS) == 0
    assert all(d.resolved for d in disagreements(study, port, CODERS))
    assert adjudicated_documents(study, CODERS) == {port}
    assert _gold(study) == [
        ("Framing", "Economic", "empty shelves"), ("Overall stance", "Against", None),
        ("Rhetorical device", "Loaded language", "back down"), ("Stance", "Against", "We will not back down"),
    ]
    decisions = [row[3] for row in _log(study)]
    assert decisions == ["accept-agreeing"] * 3 + ["accept", "reject", "edit", "accept"]

    out = tmp_path / "decisions.csv"
    assert export_decisions_csv(study, out) == 7
    with open(out, encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [row["decision"] for row in table] == decisions
    rejected = table[4]
    assert (rejected["source_annotator"], rejected["label"], rejected["reason"]) == (
        "cat", "Political", "the union leader is not framed politically")
    assert rejected["curator"] == "curator" and rejected["at"] and rejected["gold_annotation_id"] == ""
    assert table[5]["gold_label"] == "Against" and table[5]["gold_present"] == "yes"


def _span_of(project: Project, annotation_id: str) -> tuple[int, int]:
    found = project.annotations.get(annotation_id)
    assert found.start is not None and found.end is not None
    return found.start, found.end


def test_undoing_an_accept_reopens_the_disagreement(study: Project) -> None:
    port = doc_with(study, "port strike")
    accept(study, port, _mine(study, "cat", "Framing"), "curator")
    assert unresolved_count(study, port, CODERS) == 3
    study.history.undo()
    assert study.annotations.for_document(port, "curator") == []
    assert unresolved_count(study, port, CODERS) == 4
    again = accept(study, port, _mine(study, "cat", "Framing"), "curator")  # accepting again works
    assert again.added and unresolved_count(study, port, CODERS) == 3


def test_rejecting_an_accepted_annotation_removes_its_gold_copy(study: Project) -> None:
    port = doc_with(study, "port strike")
    political = _mine(study, "cat", "Framing")
    accept(study, port, political, "curator")
    removed = reject(study, political, "curator", "on second thought, no")
    assert removed is not None and removed.removed
    assert _gold(study) == []
    assert [row[3] for row in _log(study)] == ["accept", "reject"]
    assert unresolved_count(study, port, CODERS) == 3  # a rejection settles a missing span too


def test_accept_all_agreeing_with_a_quorum(study: Project) -> None:
    port = doc_with(study, "port strike")
    accept_all_agreeing(study, port, CODERS, min_agree=2)
    assert _gold(study) == [("Framing", "Economic", "empty shelves"), ("Overall stance", "Against", None)]
    kinds = {d.kind: d.resolved for d in disagreements(study, port, CODERS)}
    assert kinds["label"] is False  # the rhetorical-device one is still open
    overall = next(d for d in disagreements(study, port, CODERS) if d.layer == "Overall stance")
    assert overall.resolved
    with pytest.raises(AnnotatorError, match="min_agree"):
        accept_all_agreeing(study, port, CODERS, min_agree=4)


def test_the_curator_adds_a_missing_span_and_it_is_logged(study: Project) -> None:
    port = doc_with(study, "port strike")
    added = add_gold(study, port, "curator", "Rhetorical device", "Appeal to fear or prejudice",
                     *span(study, port, "empty shelves"))
    assert study.annotations.get(added.primary).annotator == "curator"
    assert _log(study) == [("curator", None, added.primary, "add", "")]
    study.history.undo()  # gold additions are ordinary undoable operations
    assert study.annotations.for_document(port, "curator") == []


def test_decisions_need_a_reason_and_a_real_curator(study: Project) -> None:
    political = _mine(study, "cat", "Framing")
    with pytest.raises(AnnotatorError, match="reason"):
        reject(study, political, "curator", "  ")
    with pytest.raises(AnnotatorError, match="not a curator"):
        accept(study, doc_with(study, "port strike"), political, "ada")
    assert _log(study) == []


def test_free_text_that_looks_like_a_formula_is_neutralised_in_the_csv(study: Project, tmp_path: Path) -> None:
    reject(study, _mine(study, "cat", "Framing"), "curator", "=HYPERLINK(\"http://x\")")
    out = tmp_path / "d.csv"
    export_decisions_csv(study, out)
    with open(out, encoding="utf-8", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["reason"] == "'=HYPERLINK(\"http://x\")"


def test_curation_decisions_travel_with_merges_once(study: Project, tmp_path: Path) -> None:
    port = doc_with(study, "port strike")
    study.close()
    copy = tmp_path / "reviewer.annot"
    shutil.copy(study.path, copy)
    with Project.open(copy) as reviewer:  # the reviewer adjudicates on her own laptop
        accept_all_agreeing(reviewer, port, CODERS)
        reject(reviewer, _mine(reviewer, "cat", "Framing"), "curator", "not political")
    with Project.open(study.path) as project:
        report = merge_project(project, copy)
        assert (report.curation.added, report.annotations.added) == (4, 1)
        assert _gold(project) == [("Framing", "Economic", "empty shelves")]
        assert unresolved_count(project, port, CODERS) == 3
        again = merge_project(project, copy)
        assert again.curation.added == 0 and again.curation.skipped == 4
        assert len(_log(project)) == 4


def test_a_one_label_document_layer_keeps_one_gold_label(study: Project) -> None:
    port = doc_with(study, "port strike")
    first = accept(study, port, _mine(study, "ada", "Overall stance"), "curator")
    second = accept(study, port, _mine(study, "cat", "Overall stance"), "curator")  # the curator changes her mind
    assert second.primary == first.primary and second.changed == {first.primary}
    assert _gold(study) == [("Overall stance", "Neutral", None)]


def test_each_decision_undoes_as_one_step_with_its_log_entry(study: Project) -> None:
    """A user found Undo in the review skipping a Reject and leaving "accepted" in the log
    after the acceptance itself was undone: a decision and its log row are one step."""
    port = doc_with(study, "port strike")
    loaded, against = _mine(study, "ada", "Rhetorical device"), _mine(study, "ada", "Stance")
    accept(study, port, loaded, "curator", decided_by="zoe")
    reject(study, against, "curator", "too long", decided_by="zoe")
    assert study.history.undo_step("curator").description == "reject Against from ada"
    assert study.history.undo_step("ada") is not None  # ada's coding is hers, not the curator's
    study.history.undo("curator")
    assert [row[3] for row in _log(study)] == ["accept"]  # the rejection is gone from the log
    assert unresolved_count(study, port, CODERS) == 3
    study.history.undo("curator")
    assert _log(study) == [] and study.annotations.for_document(port, "curator") == []
    assert unresolved_count(study, port, CODERS) == 4
    study.history.redo("curator")
    study.history.redo("curator")
    assert [row[3] for row in _log(study)] == ["accept", "reject"]
    reject(study, _mine(study, "ben", "Stance"), "curator", "too short")  # a new id, not a reused one
    ids = [row[0] for row in sqlite3.connect(study.path).execute("SELECT id FROM curation_log")]
    assert len(set(ids)) == 3

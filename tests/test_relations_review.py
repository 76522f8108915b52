"""Relations in adjudication: the annotators' relations compared by type and ends, accepted into
gold only between gold ends (accepted with them, or refused naming the end), rejected with a
reason, every decision in the curation log and undone as one step."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.errors import AnnotatorError
from annotator.ops import curation
from annotator.project import Project


def _span(project: Project, annotator: str, layer: str, label: str, words: str) -> str:
    doc = project.documents.ids()[0]
    start = project.documents.text(doc).index(words)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(words)).primary


def _log(project: Project) -> list[tuple]:
    with sqlite3.connect(project.path) as db:
        return db.execute("SELECT decision, reason, json_extract(detail, '$.relation') FROM curation_log "
                          "ORDER BY id").fetchall()


@pytest.fixture
def linked(project: Project) -> tuple[Project, str, str]:
    """ada and ben both link Stance "Critics called it" → "congestion charge"; ben also links a second."""
    ids = {}
    for who in ("ada", "ben"):
        stance = _span(project, who, "Stance", "Against", "Critics called it")
        target = _span(project, who, "Framing", "Economic", "congestion charge")
        ids[who] = project.relations.add("Target", stance, target).primary
    extra_source = _span(project, "ben", "Stance", "Favour", "Supporters expect")
    extra_target = _span(project, "ben", "Framing", "Health and safety", "cleaner air")
    ids["extra"] = project.relations.add("Target", extra_source, extra_target).primary
    return project, ids["ada"], ids["extra"]


def test_relations_are_compared_by_type_and_ends(linked) -> None:
    project, ada_link, extra = linked
    found = curation.relation_comparison(project, project.documents.ids()[0], ["ada", "ben"])
    assert [(c.type, c.agreed, c.missing) for c in found] == [("Target", True, ()), ("Target", False, ("ada",))]
    assert found[0].relations["ada"] == ada_link and found[1].relations == {"ben": extra}


def test_a_relation_whose_ends_are_not_in_gold_is_refused_naming_the_end(linked) -> None:
    project, ada_link, _extra = linked
    before = project.path.read_bytes()
    with pytest.raises(AnnotatorError, match="accept the source span first: Stance Against «Critics called it» "
                                             "is not in the gold set"):
        curation.accept_relation(project, ada_link, decided_by="ada")
    assert project.path.read_bytes() == before and _log(project) == []


def test_accepting_with_its_ends_builds_gold_logs_and_undoes_as_one_step(linked) -> None:
    project, ada_link, _extra = linked
    doc = project.documents.ids()[0]
    changes = curation.accept_relation(project, ada_link, decided_by="ada", with_ends=True)
    (gold,) = project.relations.for_document(doc, "curator")
    assert changes.primary == gold.id and gold.type == "Target"
    ends = [project.annotations.get(gold.source), project.annotations.get(gold.target)]
    assert [(e.annotator, e.layer, e.label) for e in ends] == [("curator", "Stance", "Against"),
                                                               ("curator", "Framing", "Economic")]
    assert _log(project) == [("accept", "", None), ("accept", "", None), ("accept", "", "Target")]
    comparison = curation.relation_comparison(project, doc, ["ada", "ben"])
    assert comparison[0].in_gold and comparison[0].decision == "accept"
    project.history.undo("curator")
    assert project.relations.for_document(doc, "curator") == []
    assert project.annotations.for_document(doc, "curator") == [] and _log(project) == []


def test_rejecting_needs_a_reason_and_takes_the_gold_copy_away(linked) -> None:
    project, ada_link, extra = linked
    doc = project.documents.ids()[0]
    with pytest.raises(AnnotatorError, match="give a reason for rejecting the relation"):
        curation.reject_relation(project, extra, "curator", "  ")
    curation.accept_relation(project, ada_link, with_ends=True)
    curation.reject_relation(project, ada_link, "curator", "the target is the tax, not the charge")
    assert project.relations.for_document(doc, "curator") == []
    assert _log(project)[-1] == ("reject", "the target is the tax, not the charge", "Target")
    assert curation.relation_comparison(project, doc, ["ada", "ben"])[0].decision == "reject"

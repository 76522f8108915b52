"""Agreement on relations: type and both ends must match; exact or overlapping ends; the rule printed."""

from __future__ import annotations

import json

import pytest

from annotator.project import Project


def _span(project: Project, annotator: str, layer: str, label: str, word: str, cut: int = 0) -> str:
    doc = project.documents.ids()[0]
    start = project.documents.text(doc).index(word)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(word) - cut).primary


@pytest.fixture
def coded(project: Project) -> Project:
    """ada and ben link the same stance to the same target; ben's target is one word shorter,
    and ben adds a second link that ada lacks."""
    for who, cut in (("ada", 0), ("ben", 7)):
        stance = _span(project, who, "Stance", "Against", "Critics called it")
        target = _span(project, who, "Framing", "Economic", "congestion charge", cut)
        project.relations.add("Target", stance, target)
    other = _span(project, "ben", "Framing", "Political", "council voted")
    stance = next(a.id for a in project.annotations.for_document(project.documents.ids()[0], "ben", "Stance"))
    project.relations.add("Target", stance, other)
    project.close()
    return project


def test_exact_matching_finds_no_shared_relation(coded: Project, cli) -> None:
    ran = cli("agreement", str(coded.path), "--relations", "--json")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    (pair,) = data["pairs"]
    assert pair["pooled"] == {"reference": 1, "other": 2, "matched": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert "both ends match" in data["rule"] and "with the same start and end" in data["rule"]
    assert pair["per_type"]["Evokes"]["undefined"] == "neither annotator made a relation of this kind"


def test_overlap_matching_counts_the_shared_link(coded: Project, cli) -> None:
    ran = cli("agreement", str(coded.path), "--relations", "--matching", "overlap")
    assert ran.returncode == 0, ran.stderr
    assert "Rule: a relation matches when its type is the same and both ends match" in ran.stdout
    assert "sharing at least one character" in ran.stdout
    assert ("ada (reference) vs ben: F1 0.667, precision 0.500, recall 1.000 (1 matched of 1 and 2)"
            in ran.stdout)
    assert "  Target               F1 0.667" in ran.stdout


def test_relations_and_a_layer_together_are_refused(coded: Project, cli) -> None:
    ran = cli("agreement", str(coded.path), "--relations", "--layer", "Framing")
    assert ran.returncode == 2
    assert ran.stderr == "annotator agreement: --relations compares relations of every type; leave out --layer\n"

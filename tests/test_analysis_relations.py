"""The concordance shows the relations of its hits: each relation whose end overlaps a hit, as
"Type → Layer:Label «other end»" (or ← from the target's side), scope-filtered like the codes;
in the query's KwicHit, the CLI's JSON and CSV, and the concordance window's table and CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.project import Project
from annotator.queries.analysis import Scope, kwic

TO_TARGET = "Target → Framing:Economic «congestion charge»"
FROM_STANCE = "Target ← Stance:Against «Critics called it»"


def _span(project: Project, annotator: str, layer: str, label: str, words: str) -> str:
    doc = project.documents.ids()[0]
    start = project.documents.text(doc).index(words)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(words)).primary


@pytest.fixture
def linked(project: Project) -> Project:
    """ada links Stance «Critics called it» → Framing «congestion charge»; ben links «Supporters
    expect» → «cleaner air»."""
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    project.relations.add("Target", stance, _span(project, "ada", "Framing", "Economic", "congestion charge"))
    theirs = _span(project, "ben", "Stance", "Favour", "Supporters expect")
    project.relations.add("Target", theirs, _span(project, "ben", "Framing", "Health and safety", "cleaner air"))
    return project


def test_hits_carry_the_relations_of_the_spans_they_touch(linked: Project) -> None:
    ada = Scope(annotator="ada")
    (critics,) = kwic(linked, query="critics", scope=ada).hits
    assert critics.relations == (TO_TARGET,)
    (charge,) = kwic(linked, query="congestion", scope=ada).hits
    assert charge.relations == (FROM_STANCE,)
    assert kwic(linked, query="robbery", scope=ada).hits[0].relations == ()
    assert kwic(linked, query="critics", scope=Scope(annotator="ben")).hits[0].relations == ()  # ada's, not ben's
    (air,) = kwic(linked, query="cleaner", scope=Scope(everyone=True)).hits
    assert air.relations == ("Target ← Stance:Favour «Supporters expect»",)
    (coded,) = kwic(linked, label=("Stance", "Against"), scope=ada).hits  # a code's concordance too
    assert coded.relations == (TO_TARGET,)


def test_the_command_line_prints_them_in_json_and_csv(linked: Project, cli, tmp_path: Path) -> None:
    linked.close()
    ran = cli("analyze", "kwic", str(linked.path), "--query", "critics", "--annotator", "ada", "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["hits"][0]["relations"] == [TO_TARGET]
    out = tmp_path / "kwic.csv"
    ran = cli("analyze", "kwic", str(linked.path), "--query", "congestion", "--csv", str(out))
    assert ran.returncode == 0, ran.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["relations"] == FROM_STANCE and row["codes"] == "Framing:Economic"
    ran = cli("analyze", "kwic", str(linked.path), "--query", "critics")
    assert TO_TARGET in ran.stdout

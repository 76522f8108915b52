"""Relations in the other formats: CSV writes them to <out>.relations.csv; spaCy DocBin, CoNLL and
REFI-QDA say in their report that they do not carry them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.project import Project


def _span(project: Project, annotator: str, layer: str, label: str, word: str) -> str:
    doc = project.documents.ids()[0]
    start = project.documents.text(doc).index(word)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(word)).primary


@pytest.fixture
def linked(project: Project) -> tuple[Project, str, str, str]:
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    relation = project.relations.add("Target", stance, target, note="=the charge").primary
    project.close()
    return project, stance, target, relation


def test_csv_export_writes_the_relations_beside_the_rows(linked, tmp_path: Path, cli) -> None:
    project, stance, target, relation = linked
    out = tmp_path / "corpus.csv"
    ran = cli("export", str(project.path), "--format", "csv", "--out", str(out), "--json")
    assert ran.returncode == 0, ran.stderr
    written = tmp_path / "corpus.relations.csv"
    assert str(written) in json.loads(ran.stdout)["outputs"]
    with written.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["relation_id"], r["type"], r["annotator"], r["source_id"], r["source_text"], r["target_id"],
             r["target_layer"], r["target_text"], r["note"]) for r in rows] == [
        (relation, "Target", "ada", stance, "Critics called it", target, "Framing", "congestion charge",
         "'=the charge")]


def test_csv_export_of_a_project_without_relations_writes_no_relations_file(project: Project, tmp_path: Path,
                                                                            cli) -> None:
    project.close()
    assert cli("export", str(project.path), "--format", "csv", "--out", str(tmp_path / "c.csv")).returncode == 0
    assert not (tmp_path / "c.relations.csv").exists()


@pytest.mark.parametrize(("fmt", "name"), [("spacy", "out.spacy"), ("conll", "out.conll"), ("qdpx", "out.qdpx")])
def test_formats_without_links_say_the_relations_are_not_carried(linked, tmp_path: Path, cli, fmt: str,
                                                                 name: str) -> None:
    project, *_ = linked
    ran = cli("export", str(project.path), "--format", fmt, "--out", str(tmp_path / name), "--json")
    assert ran.returncode == 0, ran.stderr
    not_carried = json.loads(ran.stdout)["not_carried"]
    assert [note for note in not_carried if note.startswith("relations")] == [
        "relations between spans (the format has no links; JSONL, CSV, brat and Parquet carry them): 1"]

"""brat R lines come back as relations: between the imported T spans, with the codebook's type
(added with --add-labels, else counted as not carried), a relation whose end was not imported
counted too; a malformed R line refuses the file naming the line, the project unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project

TEXT = "Critics called it a tax \U0001F621 on the congestion charge.\nSupporters expect cleaner air."


def _pair(folder: Path, ann: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "a.ann").write_text(ann, encoding="utf-8")
    return folder / "a.ann"


def _t(number: int, kind: str, words: str) -> str:
    start = TEXT.index(words)
    return f"T{number}\t{kind} {start} {start + len(words)}\t{words}\n"


ANN = (_t(1, "Against", "Critics called it") + _t(2, "Economic", "congestion charge")
       + _t(3, "Favour", "Supporters expect") + _t(4, "Health_and_safety", "cleaner air")
       + "R1\tTarget Arg1:T1 Arg2:T2\n" + "R2\tEvidence Arg1:T3 Arg2:T4\n")


def _relations(project: Project) -> list[tuple]:
    with sqlite3.connect(project.path) as db:
        return db.execute(
            "SELECT t.name, s.span_start, s.span_end, g.span_start, g.span_end, n.name FROM relations r "
            "JOIN relation_types t ON t.id = r.type_id JOIN annotations s ON s.id = r.source_id "
            "JOIN annotations g ON g.id = r.target_id JOIN annotators n ON n.id = r.annotator_id "
            "ORDER BY s.span_start").fetchall()


@pytest.fixture
def empty(tmp_path: Path) -> Project:
    created = Project.create(tmp_path / "b.annot")
    yield created
    created.close()


def _at(words: str) -> tuple[int, int]:
    start = TEXT.index(words)
    return start, start + len(words)


def test_r_lines_between_imported_spans_become_relations(empty: Project, tmp_path: Path) -> None:
    ann = _pair(tmp_path / "in", ANN.replace("Health_and_safety", "Economic"))
    report = import_paths(empty, [ann], "brat", add_labels=True)
    assert _relations(empty) == [("Target", *_at("Critics called it"), *_at("congestion charge"), "imported"),
                                 ("Evidence", *_at("Supporters expect"), *_at("cleaner air"), "imported")]
    assert "relation type Evidence" in report.added_labels
    assert not any("relation" in what for what in report.not_carried)


def test_a_type_the_codebook_lacks_is_counted_without_add_labels(project: Project, tmp_path: Path) -> None:
    ann = _pair(tmp_path / "in2", ANN.replace("Health_and_safety", "Economic"))
    report = import_paths(project, [ann], "brat")
    assert [row[0] for row in _relations(project)] == ["Target"]
    assert report.not_carried["brat relations of a type the codebook lacks (--add-labels adds it): Evidence"] == 1


def test_a_malformed_r_line_refuses_the_file(project: Project, tmp_path: Path) -> None:
    ann = _pair(tmp_path / "bad", ANN.replace("Health_and_safety", "Economic") + "R3\tTarget Arg1:T1 Arg2:T9\n")
    before = project.path.read_bytes()
    report = import_paths(project, [ann], "brat", add_labels=True)
    assert [entry["reason"] for entry in report.as_dict()["failed"]] == [
        "line 7: relation line names T9, which the file does not hold"]
    assert project.path.read_bytes() == before


def test_relations_survive_a_brat_round_trip(project: Project, tmp_path: Path) -> None:
    doc = project.documents.ids()[0]
    text = project.documents.text(doc)

    def span(layer: str, label: str, words: str) -> str:
        start = text.index(words)
        return project.annotations.add(doc, "ada", layer, label, start, start + len(words)).primary

    project.relations.add("Target", span("Stance", "Against", "Critics called it"),
                          span("Framing", "Economic", "congestion charge"))
    out = tmp_path / "brat"
    export_project(project, "brat", out)
    fresh = Project.create(tmp_path / "fresh.annot")
    try:
        import_paths(fresh, [out], "brat")
        ((kind, s0, s1, t0, t1, who),) = _relations(fresh)
        assert (kind, who) == ("Target", "ada")
        fresh_doc = fresh.documents.ids()[0]
        fresh_text = fresh.documents.text(fresh_doc)
        assert (fresh_text[s0:s1], fresh_text[t0:t1]) == ("Critics called it", "congestion charge")
    finally:
        fresh.close()

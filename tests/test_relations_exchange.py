"""Relations leave and come back: native JSONL, brat R lines, `annotator info`, Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.project import Project


def _span(project: Project, annotator: str, layer: str, label: str, word: str) -> str:
    doc = project.documents.ids()[0]
    text = project.documents.text(doc)
    start = text.index(word)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(word)).primary


@pytest.fixture
def linked(project: Project) -> tuple[Project, str, str, str]:
    """ada's Stance span linked to its target; ben has a span of his own and no relation."""
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    _span(project, "ben", "Framing", "Political", "council voted")
    relation = project.relations.add("Target", stance, target).primary
    project.relations.set_note(relation, "the charge, not the council")
    return project, stance, target, relation


def test_native_jsonl_carries_relations_and_reads_them_back(linked, tmp_path: Path, cli) -> None:
    project, stance, target, relation = linked
    out = tmp_path / "out.jsonl"
    project.close()
    assert cli("export", str(project.path), "--format", "jsonl", "--out", str(out)).returncode == 0
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert record["relations"] == [{"id": relation, "type": "Target", "from": stance, "to": target,
                                    "annotator": "ada", "attributes": {}, "note": "the charge, not the council"}]
    copy = tmp_path / "copy.annot"
    ran = cli("new", str(copy), "--from", str(out))
    assert ran.returncode == 0, ran.stderr
    with Project.open(copy, readonly=True) as again:
        (back,) = again.relations.all()
        assert (back.id, back.type, back.source, back.target, back.note) == (
            relation, "Target", stance, target, "the charge, not the council")
    ran = cli("info", str(copy))
    assert "relations    1  (Target: 1)" in ran.stdout


def _edited_export(linked, tmp_path: Path, cli, edit) -> tuple[Path, object]:
    project, *_ = linked
    out = tmp_path / "out.jsonl"
    project.close()
    cli("export", str(project.path), "--format", "jsonl", "--out", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    edit(record)
    lines[0] = json.dumps(record, ensure_ascii=False)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy = tmp_path / "copy.annot"
    return copy, cli("new", str(copy), "--from", str(out))


def test_a_relation_whose_end_is_missing_refuses_the_file(linked, tmp_path: Path, cli) -> None:
    def drop_target(record: dict) -> None:
        record["spans"] = [span for span in record["spans"] if span["id"] != record["relations"][0]["to"]]

    copy, ran = _edited_export(linked, tmp_path, cli, drop_target)
    assert ran.returncode == 2
    assert "line 1: relation 1 (Target): its \"to\" end" in ran.stderr and "is not a span of this record" in ran.stderr
    assert not copy.exists()


def test_a_relation_breaking_the_codebook_rule_refuses_the_file(linked, tmp_path: Path, cli) -> None:
    def reverse(record: dict) -> None:
        link = record["relations"][0]
        link["from"], link["to"] = link["to"], link["from"]

    copy, ran = _edited_export(linked, tmp_path, cli, reverse)
    assert ran.returncode == 2
    assert 'relation 1 (Target): relation "Target" goes from a Stance span, not Framing "Economic"' in ran.stderr
    assert ran.stderr.count("\n") == 1 and not copy.exists()


def test_a_relation_between_two_annotators_spans_refuses_the_file(linked, tmp_path: Path, cli) -> None:
    def to_ben(record: dict) -> None:
        record["relations"][0]["to"] = next(s["id"] for s in record["spans"] if s["annotator"] == "ben")

    copy, ran = _edited_export(linked, tmp_path, cli, to_ben)
    assert ran.returncode == 2
    assert "relation 1 (Target): its ends and annotator are not one annotator's (ada, ben)" in ran.stderr


def test_brat_gets_r_lines_between_the_t_lines_of_the_ends(linked, tmp_path: Path, cli) -> None:
    project, *_ = linked
    project.close()
    out = tmp_path / "brat"
    ran = cli("export", str(project.path), "--format", "brat", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    (ann,) = (out / "ada").glob("0001-*.ann")
    lines = ann.read_text(encoding="utf-8").splitlines()
    numbers = {line.split("\t")[2]: line.split("\t")[0] for line in lines if line.startswith("T")}
    assert f"R1\tTarget Arg1:{numbers['Critics called it']} Arg2:{numbers['congestion charge']}" in lines
    assert "Target\tArg1:<ENTITY>, Arg2:<ENTITY>" in (out / "annotation.conf").read_text(encoding="utf-8")
    (theirs,) = (out / "ben").glob("0001-*.ann")
    assert "R1" not in theirs.read_text(encoding="utf-8")


def test_parquet_dataset_has_a_relations_table(linked, tmp_path: Path, cli) -> None:
    duckdb = pytest.importorskip("duckdb")
    project, stance, target, relation = linked
    project.close()
    out = tmp_path / "data"
    assert cli("export", str(project.path), "--format", "parquet", "--out", str(out)).returncode == 0
    rows = duckdb.sql(f"SELECT r.type, s.text, t.text FROM '{out}/relations.parquet' r "
                      f"JOIN '{out}/annotations.parquet' s ON s.id = r.source_id "
                      f"JOIN '{out}/annotations.parquet' t ON t.id = r.target_id").fetchall()
    assert rows == [("Target", "Critics called it", "congestion charge")]


def test_annotator_import_of_native_jsonl_brings_the_relations_into_another_project(
    linked, tmp_path: Path, cli
) -> None:
    project, stance, target, relation = linked
    out = tmp_path / "out.jsonl"
    project.close()
    assert cli("export", str(project.path), "--format", "jsonl", "--out", str(out)).returncode == 0
    other = tmp_path / "other.annot"
    assert cli("new", str(other)).returncode == 0
    ran = cli("import", str(other), str(out))
    assert ran.returncode == 0, ran.stderr
    with Project.open(other, readonly=True) as again:
        (back,) = again.relations.all()
        assert (back.id, back.source, back.target) == (relation, stance, target)
    assert cli("import", str(other), str(out)).returncode == 0  # twice: nothing new
    with Project.open(other, readonly=True) as again:
        assert again.relations.count() == 1

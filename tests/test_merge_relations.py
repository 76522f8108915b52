"""A colleague's relations come with a merge: ends mapped through the merged annotations,
a relation whose ends did not arrive or that breaks our codebook's rule listed as invalid,
the same id with other content a conflict (ours kept), counted in the report (text and JSON)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.project import Project

TEXT = "The mayor defended the toll. Critics called it a tax on workers."


def _span(project: Project, annotator: str, layer: str, label: str, words: str) -> str:
    doc = project.documents.ids()[0]
    start = TEXT.index(words)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(words)).primary


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our project: one short article and the annotators ada and ben, nothing coded."""
    from annotator.ops.importing import import_paths

    folder = tmp_path_factory.mktemp("merge_relations")
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    with Project.create(folder / "base.annot") as project:
        import_paths(project, [folder / "a.txt"])
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
    return folder / "base.annot"


@pytest.fixture
def pair(base: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """(ours, theirs, ids): theirs is ours plus ada's Stance span linked to its Framing target."""
    ours, theirs = tmp_path / "ours.annot", tmp_path / "theirs.annot"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    with Project.open(theirs) as project:
        stance = _span(project, "ada", "Stance", "Against", "Critics called it")
        target = _span(project, "ada", "Framing", "Economic", "a tax on workers")
        relation = project.relations.add("Target", stance, target).primary
        project.relations.set_note(relation, "the toll")
    return ours, theirs, {"stance": stance, "target": target, "relation": relation}


def _relations(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, source_id, target_id, note FROM relations ORDER BY id").fetchall()


def test_their_relation_comes_across_with_its_ends_and_is_counted(pair, cli) -> None:
    ours, theirs, ids = pair
    ran = cli("merge", str(ours), str(theirs))
    assert ran.returncode == 0, ran.stderr
    assert "  relations    1 added, 0 already here" in ran.stdout.splitlines()
    assert _relations(ours) == [(ids["relation"], ids["stance"], ids["target"], "the toll")]
    before = ours.read_bytes()
    ran = cli("merge", str(ours), str(theirs), "--json")
    report = json.loads(ran.stdout)
    assert (report["relations"]["added"], report["relations"]["skipped"]) == (0, 1)
    assert ours.read_bytes() == before


def test_the_same_relation_id_with_another_note_is_a_conflict_and_ours_is_kept(pair, cli) -> None:
    ours, theirs, ids = pair
    assert cli("merge", str(ours), str(theirs)).returncode == 0
    with Project.open(ours) as project:
        project.relations.set_note(ids["relation"], "ours")
    ran = cli("merge", str(ours), str(theirs), "--json")
    report = json.loads(ran.stdout)
    assert [c["id"] for c in report["relations"]["conflicts"]] == [ids["relation"]]
    assert _relations(ours)[0][3] == "ours"
    ran = cli("merge", str(ours), str(theirs))
    assert f"conflict (relation {ids['relation']})" in ran.stdout


def test_a_relation_whose_end_did_not_arrive_is_invalid_and_the_rest_is_merged(pair, cli) -> None:
    ours, theirs, ids = pair
    with Project.open(ours) as project:  # ours holds their target's id with another label: a conflict
        doc = project.documents.ids()[0]
        start = TEXT.index("a tax on workers")
        project.db.execute("INSERT INTO annotations (id, document_id, annotator_id, layer_id, label_id, span_start, "
                           "span_end, attributes, note, created_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, "
                           "'{}', '', 'x', 'x', 'manual')",
                           [ids["target"], doc, project.annotators.id("ada"), project.codebook.layer("Framing").id,
                            project.codebook.label_id("Framing", "Political"), start, start + 16])
    ran = cli("merge", str(ours), str(theirs), "--json")
    report = json.loads(ran.stdout)
    assert report["relations"]["added"] == 0
    [problem] = report["relations"]["invalid"]
    assert ids["relation"] in problem and "did not arrive" in problem
    assert report["annotations"]["added"] == 1  # the stance span came
    assert _relations(ours) == []


def test_a_relation_our_codebook_forbids_is_invalid(pair, cli) -> None:
    ours, theirs, ids = pair
    with sqlite3.connect(ours) as conn:  # here Target may only go to a Stance span
        conn.execute("UPDATE relation_types SET target_layers = '[\"Stance\"]' WHERE name = 'Target'")
    ran = cli("merge", str(ours), str(theirs))
    assert ran.returncode == 0, ran.stderr
    line = next(line for line in ran.stdout.splitlines() if line.startswith("  invalid relation"))
    assert ids["relation"] in line and 'goes to a Stance span' in line
    assert _relations(ours) == []

"""Suggestion models travel with a merge: row and weights carried as they are (never loaded while
merging), counted in the report; bad rows refused one by one, named; merging twice adds nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.ops import merge_models
from annotator.ops.merge import merge_project
from annotator.ops.models import list_models, model_suggestions, train
from annotator.project import Project
from benchmarks.suggest import LAYER, build_topic_project

MODEL_SQL = "SELECT id, layer, trained_from, created_at, data_hash, spacy_version, kind, evaluation, n_train, " \
            "n_test, blob, active FROM models ORDER BY created_at, id"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ada's copy, where she coded 10 generated articles and trained a model, and the lead's
    project with the same texts and no model."""
    folder = tmp_path_factory.mktemp("models")
    build_topic_project(folder / "ada.annot", 12, 10, sentences=4, seed=7, coder="ada")
    build_topic_project(folder / "lead.annot", 12, 0, sentences=4, seed=7, coder="ada")
    with Project.open(folder / "ada.annot") as ada:
        train(ada, LAYER, "ada")
    return {"ada": folder / "ada.annot", "lead": folder / "lead.annot"}


def copies(files: dict[str, Path], tmp_path: Path) -> tuple[Path, Path]:
    """Fresh copies of (lead, ada) for one test."""
    lead, ada = tmp_path / "lead.annot", tmp_path / "ada.annot"
    shutil.copy(files["lead"], lead)
    shutil.copy(files["ada"], ada)
    return lead, ada


def rows(path: Path, sql: str = MODEL_SQL, params: tuple = ()) -> list[tuple]:
    """Rows read with a plain connection."""
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_model_comes_across_whole_and_suggests_the_same(files, tmp_path: Path) -> None:
    lead, ada = copies(files, tmp_path)
    with Project.open(lead) as project:
        report = merge_project(project, ada)
        assert (report.models.added, report.models.skipped, report.models.invalid) == (1, 0, [])
        assert report.as_dict()["models"]["added"] == 1
        assert "  models       1 added, 0 already here" in report.summary().splitlines()
        assert rows(lead) == rows(ada)  # every column, the weights byte for byte
        [info] = list_models(project, LAYER)
        documents = project.documents.ids()
        here = model_suggestions(project, LAYER, documents)
    with Project.open(ada) as theirs:
        assert here == model_suggestions(theirs, LAYER, theirs.documents.ids())
    assert here and info.trained_from == "ada"
    before = lead.read_bytes()
    with Project.open(lead) as project:
        again = merge_project(project, ada)
    assert (again.models.added, again.models.skipped) == (0, 1)
    assert lead.read_bytes() == before


def test_weights_that_are_not_a_pipeline_are_carried_unread_and_refused_when_used(files, tmp_path: Path) -> None:
    lead, ada = copies(files, tmp_path)
    with sqlite3.connect(ada) as conn:
        conn.execute("UPDATE models SET blob = ?", [b"\x00not a spaCy pipeline"])
    with Project.open(lead) as project:
        report = merge_project(project, ada)
        assert report.models.added == 1
        with pytest.raises(AnnotatorError) as refused:
            model_suggestions(project, LAYER, project.documents.ids()[:1])
    assert "\n" not in str(refused.value) and LAYER in str(refused.value)


BAD_ROWS = [
    ("layer = 'No such layer'", 'layer "No such layer", which this codebook lacks'),
    ("kind = 'pickle'", 'kind "pickle"'),
    ("evaluation = '[1, 2]'", "evaluation"),
    ("blob = x''", "has no weights"),
    ("n_train = -3", "n_train"),
    ("id = 'x' || char(10) || 'y'", "id"),
]


@pytest.mark.parametrize(("change", "named"), BAD_ROWS)
def test_a_bad_model_row_is_refused_by_itself_and_named(files, tmp_path: Path, change: str, named: str) -> None:
    lead, ada = copies(files, tmp_path)
    with sqlite3.connect(ada) as conn:
        conn.execute(f"UPDATE models SET {change}")
    with Project.open(lead) as project:
        report = merge_project(project, ada)
    assert report.models.added == 0 and len(report.models.invalid) == 1
    assert named in report.models.invalid[0]
    assert report.documents.skipped == 12  # the rest of the merge went through
    assert rows(lead) == []
    assert "invalid model: " in report.summary()


def test_weights_over_the_limit_are_refused(files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lead, ada = copies(files, tmp_path)
    size = rows(ada, "SELECT length(blob) FROM models")[0][0]
    monkeypatch.setattr(merge_models, "MAX_MODEL_BYTES", size - 1)
    with Project.open(lead) as project:
        report = merge_project(project, ada)
    assert report.models.added == 0
    assert f"{size:,} bytes of weights" in report.models.invalid[0]


def test_the_same_id_with_other_weights_is_a_conflict_and_ours_is_kept(files, tmp_path: Path) -> None:
    lead, ada = copies(files, tmp_path)
    with Project.open(lead) as project:
        merge_project(project, ada)
    with sqlite3.connect(lead) as conn:
        conn.execute("UPDATE models SET blob = CAST(blob || x'00' AS BLOB), data_hash = 'ours'")
    ours = rows(lead)
    with Project.open(lead) as project:
        report = merge_project(project, ada)
    [conflict] = report.models.conflicts
    assert conflict.kind == "model" and "ours kept" in report.summary()
    assert rows(lead) == ours


def test_the_newer_model_of_a_layer_and_source_is_the_active_one(files, tmp_path: Path) -> None:
    lead, ada = copies(files, tmp_path)
    [(ident,)] = rows(ada, "SELECT id FROM models")
    with sqlite3.connect(lead) as conn, sqlite3.connect(ada) as theirs:
        row = list(theirs.execute(MODEL_SQL).fetchone())
        row[0], row[3] = "0b7e3c55-6a4f-4d6b-9a3f-2c8c0e0f1a11", "2000-01-01T00:00:00+00:00"
        conn.execute(f"INSERT INTO models VALUES ({', '.join('?' * len(row))})", row)
    with Project.open(lead) as project:
        report = merge_project(project, ada, annotator_map={})
        active = [m.id for m in list_models(project, LAYER, active_only=True)]
    assert active == [ident]
    assert report.models.updated == 1  # ours was superseded (its row and weights stay)
    assert rows(lead, "SELECT active, length(blob) > 0 FROM models WHERE created_at LIKE '2000%'") == [(0, 1)]


def test_a_mapped_annotator_trained_it(files, tmp_path: Path) -> None:
    lead, ada = copies(files, tmp_path)
    with Project.open(lead) as project:
        merge_project(project, ada, annotator_map={"ada": "ada.lovelace"})
        [info] = list_models(project, LAYER)
    assert info.trained_from == "ada.lovelace"

"""The bundled demo project and the native JSONL round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.ops.demo import build_demo, ensure_demo
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.annot")


def test_demo_has_articles_two_annotators_and_their_codes(demo: Path) -> None:
    with Project.open(demo, readonly=True) as project:
        assert len(project.documents) == 5
        names = {a.name for a in project.annotators.list()}
        assert {"ada", "ben"} <= names
        ada = project.annotations.by_annotator("ada")
        ben = project.annotations.by_annotator("ben")
        assert len(ada) > 40 and len(ben) > 40
        assert {a.layer for a in ada} >= {"Framing", "Stance", "Rhetorical device", "Dominant frame"}
        assert len(project.status.done_by("ada")) == 3
        for item in ada + ben:  # every demo span sits on token boundaries of the stored text
            if item.is_span:
                seg = project.documents.segmentation(item.document_id)
                assert project.documents.segmentation(item.document_id).snap(item.start, item.end, "token") == (
                    item.start, item.end), item
                assert item.start in seg.token_starts and item.end in seg.token_ends


def test_ensure_demo_builds_once_in_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = ensure_demo()
    assert path.is_relative_to(tmp_path) and path.exists()
    stamp = path.stat().st_mtime_ns
    assert ensure_demo() == path and path.stat().st_mtime_ns == stamp


def test_jsonl_export_then_import_reproduces_the_annotations(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    with Project.open(demo, readonly=True) as project:
        report = export_project(project, "jsonl", out)
        original = {(a.id, a.annotator, a.layer, a.label, a.start, a.end, json.dumps(a.attributes), a.note)
                    for a in project.annotations.all()}
        texts = {project.documents.text(i) for i in project.documents.ids()}
    assert report.documents == 5 and report.annotations == len(original)
    with Project.create(tmp_path / "copy.annot") as copy:
        result = import_paths(copy, [out])
        assert not result.failed
        again = {(a.id, a.annotator, a.layer, a.label, a.start, a.end, json.dumps(a.attributes), a.note)
                 for a in copy.annotations.all()}
        assert again == original
        assert {copy.documents.text(i) for i in copy.documents.ids()} == texts


def test_export_for_one_annotator_and_layer(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "ada.jsonl"
    with Project.open(demo, readonly=True) as project:
        export_project(project, "jsonl", out, annotator="ada", layer="Stance", done_only=True)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3
    spans = [s for line in lines for s in line["spans"]]
    assert spans and {(s["annotator"], s["layer"]) for s in spans} == {("ada", "Stance")}
    assert all(line["labels"] == [] for line in lines)

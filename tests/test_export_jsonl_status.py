"""Native JSONL carries every annotator's document status: "done with nothing marked" is a
coding, and a JSONL-only workflow must not lose it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.model import Status
from annotator.project import Project


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """Two documents; ada is done with the first (marking nothing) and in progress on the
    second; ben never opened either; the curator is done with the second."""
    from annotator.ops.importing import import_paths
    from annotator.model import Role

    folder = tmp_path_factory.mktemp("status")
    (folder / "a.txt").write_text("Nothing to code here \U0001F600.", encoding="utf-8")
    (folder / "b.txt").write_text("The toll is a tax on workers.\r\nSo they say.", encoding="utf-8")
    path = folder / "study.annot"
    with Project.create(path) as project:
        assert len(import_paths(project, [folder / "a.txt", folder / "b.txt"]).imported) == 2
        for name in ("ada", "ben"):
            project.annotators.ensure(name)
        project.annotators.ensure("curator", Role.CURATOR)
        first, second = project.documents.ids()
        project.annotations.add(second, "ada", "Framing", "Economic", 4, 8)
        project.status.set(first, "ada", Status.DONE)
        project.status.set(second, "ada", Status.IN_PROGRESS)
        project.status.set(second, "curator", Status.DONE)
    return path


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_document_record_carries_every_annotators_status(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    assert cli("export", str(study), "--format", "jsonl", "--out", str(out)).returncode == 0
    first, second = _records(out)
    assert first["status"] == {"ada": "done", "ben": "not_started", "curator": "not_started"}
    assert second["status"] == {"ada": "in_progress", "ben": "not_started", "curator": "done"}
    assert first["spans"] == [] and first["labels"] == []  # done, with nothing marked: still said


def test_one_annotators_export_carries_only_their_status(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "ada.jsonl"
    assert cli("export", str(study), "--format", "jsonl", "--annotator", "ada", "--out", str(out)).returncode == 0
    assert [record["status"] for record in _records(out)] == [{"ada": "done"}, {"ada": "in_progress"}]


def test_new_from_the_export_gives_the_statuses_back(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    assert cli("export", str(study), "--format", "jsonl", "--out", str(out)).returncode == 0
    copy = tmp_path / "copy.annot"
    ran = cli("new", str(copy), "--from", str(out))
    assert ran.returncode == 0, ran.stderr
    with Project.open(study, readonly=True) as original, Project.open(copy, readonly=True) as project:
        for name in ("ada", "ben", "curator"):
            assert project.status.for_annotator(name) == original.status.for_annotator(name)
        assert project.status.done_by("ada") == original.status.done_by("ada") != set()

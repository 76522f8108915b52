"""The change bus: every operation, group, undo, redo, import and merge is announced once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.model import Status
from annotator.ops import comments, curation
from annotator.ops.importing import import_paths
from annotator.ops.merge import merge_project
from annotator.project import ChangeBus, ChangeSet, Project
from annotator.project.history import ChangeSet as HistoryChangeSet


def _listen(project: Project) -> list[ChangeSet]:
    heard: list[ChangeSet] = []
    project.events.subscribe(heard.append)
    return heard


def test_subscribe_and_unsubscribe() -> None:
    bus = ChangeBus()
    heard: list[str] = []
    stop = bus.subscribe(lambda changes: heard.append(changes.description))
    bus.emit(ChangeSet(description="one"))
    stop()
    bus.emit(ChangeSet(description="two"))
    assert heard == ["one"]
    assert bus.subscribers == 0
    assert HistoryChangeSet is ChangeSet  # the old import path still works


def test_a_failing_subscriber_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = ChangeBus()
    heard: list[str] = []

    def broken(changes: ChangeSet) -> None:
        raise RuntimeError("a view's bug")

    bus.subscribe(broken)
    bus.subscribe(lambda changes: heard.append(changes.description))
    bus.emit(ChangeSet(description="tagged"))
    assert heard == ["tagged"]
    assert "a change subscriber failed on tagged" in caplog.text


def test_one_emission_per_operation_with_what_it_touched(project: Project) -> None:
    heard = _listen(project)
    first, _ = project.documents.ids()
    made = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    project.status.set(first, "ada", Status.DONE)
    assert [c.description for c in heard] == [heard[0].description, "mark done"]
    assert heard[0].added == {made} and heard[0].documents == {first} and heard[0].actor == "ada"
    assert heard[0].tables["annotations"] == {(made,)}
    assert heard[1].statuses and heard[1].documents == {first}


def test_undo_and_redo_are_announced(project: Project) -> None:
    first, _ = project.documents.ids()
    made = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    heard = _listen(project)
    project.history.undo("ada")
    project.history.redo("ada")
    assert [(c.removed, c.added) for c in heard] == [({made}, set()), (set(), {made})]


def test_a_group_is_announced_once_after_its_commit(project: Project) -> None:
    first, _ = project.documents.ids()
    source = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    heard = _listen(project)
    seen_inside: list[int] = []
    project.events.subscribe(lambda changes: seen_inside.append(project.db.conn.in_transaction))
    curation.accept(project, first, source)
    assert len(heard) == 1, [c.description for c in heard]
    assert heard[0].description.startswith("accept Economic from ada")
    assert heard[0].curation == {first} and len(heard[0].added) == 1
    assert seen_inside == [False]  # subscribers read committed rows


def test_a_rolled_back_transaction_announces_nothing(project: Project) -> None:
    first, _ = project.documents.ids()
    heard = _listen(project)
    with pytest.raises(sqlite3.IntegrityError), project.history.transaction():
        project.annotations.add(first, "ada", "Framing", "Economic", 4, 11)
        project.db.execute("INSERT INTO annotators (id, name) VALUES (1, 'clash')")
    assert heard == []


def test_a_comment_names_its_annotation_and_document(project: Project) -> None:
    first, _ = project.documents.ids()
    made = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    heard = _listen(project)
    comments.add_comment(project, made, "ben", "why economic?")
    assert len(heard) == 1 and heard[0].comments == {made} and heard[0].documents == {first}


def test_an_import_is_a_named_barrier_announced_as_a_reset(project: Project, tmp_path: Path) -> None:
    first, _ = project.documents.ids()
    project.annotations.add(first, "ada", "Framing", "Economic", 4, 11)
    heard = _listen(project)
    folder = tmp_path / "more"
    folder.mkdir()
    for name in ("x", "y", "z"):
        (folder / f"{name}.txt").write_text(f"Article {name} about the budget.", encoding="utf-8")
    report = import_paths(project, sorted(folder.iterdir()))
    assert project.history.barrier == "import of 3 files"
    assert project.history.undo_step("ada") is None  # never a silent clear: the barrier names it
    assert len(heard) == 1 and heard[0].reset and heard[0].documents == set(report.imported)


def test_a_merge_is_a_named_barrier(project: Project, tmp_path: Path) -> None:
    other_path = tmp_path / "colleague.annot"
    with Project.create(other_path) as other:
        import_paths(other, [tmp_path / "in"])
        other.annotators.ensure("cy")
        other.annotations.add(other.documents.ids()[0], "cy", "Framing", "Economic", 4, 11)
    heard = _listen(project)
    merge_project(project, other_path)
    assert project.history.barrier == "merge of colleague.annot"
    assert [c.reset for c in heard] == [True]

"""Undo and redo per person: one window's Undo reverts only what its user did."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.errors import AnnotationError
from annotator.project import Project


def _stored_ids(project: Project) -> set[str]:
    with sqlite3.connect(project.path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM annotations")}


def test_undo_for_one_annotator_skips_another_persons_later_step(project: Project) -> None:
    first, second = project.documents.ids()
    mine = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    theirs = project.annotations.add(second, "ben", "Framing", "Political", 0, 1).primary
    assert project.history.undo_step("ada").description.startswith("add Economic")
    assert project.history.undo_step("ben").description.startswith("add Political")
    changes = project.history.undo("ada")
    assert changes is not None and changes.removed == {mine}
    assert _stored_ids(project) == {theirs}  # ben's later step is untouched
    assert project.history.undo_step("ada") is None
    assert project.history.redo_step("ben") is None
    assert project.history.redo("ada").added == {mine}
    assert _stored_ids(project) == {mine, theirs}


def test_a_step_whose_rows_someone_changed_since_is_refused(project: Project) -> None:
    from annotator.ops.codebook_edit import delete_layer

    first = project.documents.ids()[0]
    kept = project.annotations.add(first, "ada", "Stance", "Against", 4, 11).primary
    project.annotations.add(first, "ada", "Framing", "Economic", 4, 11)
    delete_layer(project, "Framing", actor="ben")  # removes ada's Framing annotation too
    with pytest.raises(AnnotationError, match='cannot undo "add Economic.*ben changed the same annotation'):
        project.history.undo("ada")
    assert _stored_ids(project) == {kept}  # nothing was reverted, and the refusal is not a crash
    project.history.undo("ben")  # the layer comes back; now ada's step applies again
    assert project.history.undo("ada").description.startswith("add Economic")
    assert _stored_ids(project) == {kept}


def test_a_new_step_keeps_another_persons_redo(project: Project) -> None:
    first, second = project.documents.ids()
    mine = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    project.history.undo("ada")
    project.annotations.add(second, "ben", "Framing", "Political", 0, 1)
    assert project.history.redo_step("ada") is not None  # ben's work does not end ada's redo
    project.annotations.add(second, "ada", "Framing", "Political", 2, 5)
    assert project.history.redo_step("ada") is None  # ada's own new step does
    assert mine not in _stored_ids(project)


def test_a_grouped_step_is_on_the_stack_when_its_change_is_heard(project: Project) -> None:
    """A view refreshes its Undo text when it hears of a change: for a group (a curation
    decision, coding from the concordance, accepting suggestions) it must read the group's
    step, not the last operation inside it."""
    first, _second = project.documents.ids()
    heard: list[str] = []
    project.events.subscribe(lambda changes: heard.append(project.history.undo_text))
    with project.history.group("code 2 hits as Framing:Economic", "ada"):
        project.annotations.add(first, "ada", "Framing", "Economic", 0, 3)
        project.annotations.add(first, "ada", "Framing", "Economic", 4, 11)
    assert heard == ["code 2 hits as Framing:Economic"]

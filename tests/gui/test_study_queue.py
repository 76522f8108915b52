"""The annotator's queue in the documents panel: "My queue" lists the documents assigned to
them and not done, follows assignments and statuses as they change, and Next document / Ctrl+J
walk the queue, saying so in the status bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from annotator.model import Status
from annotator.ops.assignments import assigned_documents, draw_assignments, queue
from annotator.ops.importing import import_paths
from annotator.project import Project


@pytest.fixture
def study_window(qtbot, settings, project: Project, tmp_path: Path):
    """The main window as ada on four documents; no assignments yet."""
    from annotator.gui.main_window import MainWindow

    more = tmp_path / "more"
    more.mkdir()
    (more / "c.txt").write_text("Third article on the tram \U0001F68B line.", encoding="utf-8")
    (more / "d.txt").write_text("Fourth article: cafe\u0301 owners\u00a0react.", encoding="utf-8")
    import_paths(project, [more])
    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.set_project(project, annotator="ada")
    main.show()
    qtbot.waitExposed(main)
    return main


def _listed(window) -> list[str]:
    model = window.documents_panel.model
    return [model.document_id(row) for row in range(model.rowCount())]


def _tick(qtbot, box) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def test_my_queue_lists_assigned_not_done_and_follows_changes(qtbot, study_window) -> None:
    window, project = study_window, study_window.project
    box = window.documents_panel.queue_box
    assert not box.isVisible()  # nothing assigned to ada: no queue to filter by
    draw_assignments(project, 2, ["ada", "ben"], coders=2, seed=7)  # announced on the change bus
    mine = queue(project, "ada")
    assert len(mine) == 3 and len(project.documents.ids()) == 4
    assert box.isVisible() and box.text() == "My queue (3 left)"
    _tick(qtbot, box)
    assert box.isChecked()
    assert _listed(window) == mine
    # Marking one done (the menu action, on the document shown) takes it out of the queue.
    window.documents_panel.select_document(mine[0])
    window.actions_by_name["mark_done"].trigger()
    assert project.status.get(mine[0], "ada") is Status.DONE
    assert _listed(window) == mine[1:]
    assert box.text() == "My queue (2 left)"
    # Its undo puts it back.
    window.actions_by_name["undo"].trigger()
    assert _listed(window) == mine and box.text() == "My queue (3 left)"
    _tick(qtbot, box)
    assert _listed(window) == project.documents.ids()


def test_next_document_and_ctrl_j_follow_the_queue(qtbot, study_window) -> None:
    window, project = study_window, study_window.project
    draw_assignments(project, 2, ["ada", "ben"], coders=2, seed=7)
    mine = queue(project, "ada")
    other = next(d for d in project.documents.ids() if d not in mine)
    window.documents_panel.select_document(mine[0])
    seen = []
    for _ in range(3):
        window.actions_by_name["next"].trigger()
        seen.append(window.document_id)
        assert "Next in your queue" in window.statusBar().currentMessage()
    assert other not in seen  # never the document assigned to someone else
    assert seen == [mine[1], mine[2], mine[0]]  # in list order, wrapping
    # Done documents leave the queue: Ctrl+J (next not done) skips them too.
    window.documents_panel.select_document(mine[1])
    window.actions_by_name["mark_done"].trigger()
    window.documents_panel.select_document(mine[0])
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id == mine[2]
    assert window.statusBar().currentMessage().endswith("(2 of 3 left)")


def test_queue_finished_is_said_and_without_assignments_next_walks_the_list(qtbot, study_window) -> None:
    window, project = study_window, study_window.project
    ids = project.documents.ids()
    window.documents_panel.select_document(ids[0])
    window.actions_by_name["next"].trigger()
    assert window.document_id == ids[1]  # no assignments: the whole list, as before
    draw_assignments(project, 2, ["ada", "ben"], coders=2, seed=7)
    for document in assigned_documents(project, "ada"):
        project.status.set(document, "ada", Status.DONE)
    window.actions_by_name["next_not_done"].trigger()
    assert window.statusBar().currentMessage() == (
        "Your queue is empty: all 3 documents assigned to you are marked done.")
    assert not window.documents_panel.queue_box.isChecked()
    assert window.documents_panel.queue_box.text() == "My queue (0 left)"

"""What the documents table paints in each cell (text, alignment, text colour, tooltip) stays
the project's current values after scrolling pages, a tag, a status change, an edit in place
and their undo: the table keeps each row's answers until the row is re-read."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem, QTableView

from annotator.gui.events import ProjectEvents
from annotator.gui.panels.documents import DocumentsPanel
from annotator.model import Status
from annotator.project import Project

GREEN, ORANGE, GREY = "#2e7d32", "#b26a00", "#757575"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def painted(view: QTableView, row: int) -> list[tuple[str, Any, str]]:
    """Per column of `row`: the text, alignment and text colour Qt's delegate paints it with."""
    model = view.model()
    cells = []
    for column in range(model.columnCount()):
        index = model.index(row, column)
        option = QStyleOptionViewItem()
        option.initFrom(view)
        view.itemDelegateForIndex(index).initStyleOption(option, index)
        cells.append((option.text, option.displayAlignment, option.palette.color(QPalette.ColorRole.Text).name()))
    return cells


def tooltip(view: QTableView, row: int, column: int) -> str:
    """The tooltip the view shows over a cell."""
    return view.model().index(row, column).data(Qt.ItemDataRole.ToolTipRole)


def visible_rows(view: QTableView) -> range:
    """The rows on screen now."""
    first = view.rowAt(0)
    last = view.rowAt(view.viewport().height() - 1)
    return range(first, (last if last >= 0 else view.model().rowCount() - 1) + 1)


def test_each_row_on_screen_shows_its_document_after_scrolling_and_a_change(
        qtbot: Any, tmp_path: Path, big_project_path: Path) -> None:
    copy = tmp_path / "big.annot"
    shutil.copy2(big_project_path, copy)
    with Project.open(copy) as project:
        events = ProjectEvents()
        events.set_project(project)
        panel = DocumentsPanel()
        qtbot.addWidget(panel)
        panel.resize(420, 600)
        panel.set_project(project, "ada")
        panel.follow(events)
        panel.show()
        qtbot.waitExposed(panel)
        view = panel.view
        default_colour = view.palette().color(QPalette.ColorRole.Text).name()
        for value in (3000, 3150, 7321):  # pages 15 and 16 (page boundary at 3200), then page 36
            view.verticalScrollBar().setValue(value)
            qtbot.wait(10)
            rows = visible_rows(view)
            assert len(rows) > 10
            for row in rows:
                number = row  # import order: row n shows doc-0000n
                cells = painted(view, row)
                assert [text for text, _, _ in cells][:2] == [f"Article {number:05d}",
                                                              ("Gazette", "Herald", "Courier")[number % 3]]
                assert cells[4] == ("not started", cells[4][1], GREY)
                assert cells[5][0] == "0" and cells[5][1] == RIGHT and cells[5][2] == default_colour
                assert tooltip(view, row, 0) == f"Article {number:05d}"
        rows = visible_rows(view)
        changed = rows[3]
        project.status.set(f"doc-{changed:05d}", "ada", Status.DONE)
        assert painted(view, changed)[4] == ("done", painted(view, changed)[4][1], GREEN)
        assert painted(view, changed + 1)[4][0::2] == ("not started", GREY)
        assert painted(view, changed - 1)[0][0] == f"Article {changed - 1:05d}"
        project.history.undo()
        assert painted(view, changed)[4][0::2] == ("not started", GREY)
        project.status.set(f"doc-{changed:05d}", "ada", Status.IN_PROGRESS)
        assert painted(view, changed)[4][0::2] == ("in progress", ORANGE)
        events.set_project(None)


def test_a_tag_a_status_an_edit_in_place_and_their_undo_show_in_the_row(qtbot: Any, window: Any,
                                                                      project: Project) -> None:
    view = window.documents_panel.view
    row = window.documents_panel.current_row()
    assert row is not None
    title = painted(view, row)[0][0]
    assert painted(view, row)[5][0] == "0"
    editor = window.editor
    editor.set_selection(4, 11)
    editor.view.setFocus()
    qtbot.keyClick(editor.view, "1")  # a Framing span
    assert painted(view, row)[5][0] == "1"
    assert painted(view, row)[4][0::2] == ("in progress", ORANGE)
    window.actions_by_name["mark_done"].trigger()
    assert painted(view, row)[4][0::2] == ("done", GREEN)
    window.actions_by_name["undo"].trigger()
    assert painted(view, row)[4][0::2] == ("in progress", ORANGE)
    window.actions_by_name["undo"].trigger()
    assert painted(view, row)[5][0] == "0"
    assert painted(view, row)[4][0::2] == ("not started", GREY)

    # The title typed into its cell (a click on the selected document's title) is shown and stored.
    index = view.model().index(row, 0)
    rect = view.visualRect(index)
    if not view.selectionModel().isSelected(index):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.wait(QApplication.doubleClickInterval() + 50)  # two clicks, not a double click
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    box = QApplication.focusWidget()
    box.selectAll()
    qtbot.keyClicks(box, "Renamed article")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)  # the delegate commits on a queued call
    assert painted(view, row)[0][0] == "Renamed article"
    assert tooltip(view, row, 0) == "Renamed article"
    with sqlite3.connect(project.path) as conn:
        stored = conn.execute("SELECT title FROM documents WHERE id = ?", (window.document_id,)).fetchone()
    assert stored == ("Renamed article",)
    window.actions_by_name["undo"].trigger()
    assert painted(view, row)[0][0] == title
    assert view.model().index(row, 0).data(Qt.ItemDataRole.EditRole) == title
    assert not view.model().flags(QModelIndex()) & Qt.ItemFlag.ItemIsEditable
    assert view.model().flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not view.model().flags(view.model().index(row, 4)) & Qt.ItemFlag.ItemIsEditable

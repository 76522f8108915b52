"""Editing document metadata in the documents table and in Document → Properties…, undone from Edit → Undo."""

from __future__ import annotations

import json

from conftest import on_modal, stored
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox


def _meta(window) -> tuple:
    return stored(window.project.path, "SELECT title, source, author, date, url, meta FROM documents "
                                       "WHERE position = 0")[0]


def _edit_cell(qtbot, panel, row: int, column: int, text: str) -> None:
    """Click the cell of the selected document (first selecting it with a click, if it is not) and
    type `text` over what is there, then Enter, as a user renames a file."""
    view = panel.view
    index = panel.model.index(row, column)
    rect = view.visualRect(index)
    if not view.selectionModel().isSelected(index):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.wait(QApplication.doubleClickInterval() + 50)  # two clicks, not a double click
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)  # the delegate commits on a queued call


def test_a_title_typed_in_the_table_is_stored_and_undone(qtbot, window) -> None:
    panel = window.documents_panel
    _edit_cell(qtbot, panel, 0, 0, "Council backs the charge")
    assert _meta(window)[0] == "Council backs the charge"
    assert panel.model.index(0, 0).data() == "Council backs the charge"
    undo = window.actions_by_name["undo"]
    assert "edit title of “A”" in undo.text()
    undo.trigger()
    assert _meta(window)[0] == "A"
    assert panel.model.index(0, 0).data() == "A"


def test_a_date_typed_in_the_table_is_stored_as_iso_or_refused(qtbot, window) -> None:
    panel = window.documents_panel
    menu = panel.column_menu()
    next(action for action in menu.actions() if action.text() == "Date").trigger()  # show the Date column
    _edit_cell(qtbot, panel, 0, 2, "2 December 2026")
    assert _meta(window)[3] == "2026-12-02"
    assert panel.model.index(0, 2).data() == "2026-12-02"
    view = panel.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(panel.model.index(0, 2)).center())
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Decembre 2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # refused beside the cell, no modal box: the text stays
    assert view.state() == view.State.EditingState and editor.text() == "Decembre 2"
    assert 'Cannot read "Decembre 2" as a date' in editor.toolTip()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert _meta(window)[3] == "2026-12-02"


def _open_properties(qtbot, window):
    window.actions_by_name["document_properties"].trigger()
    dialog = window.dialog
    assert dialog is not None and dialog.objectName() == "document_properties"
    qtbot.waitExposed(dialog)
    return dialog


def _type(qtbot, box: QLineEdit, text: str) -> None:
    box.selectAll()
    qtbot.keyClicks(box, text)


def _ok(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def test_the_properties_dialog_stores_fields_and_keys_as_one_undoable_edit(qtbot, window) -> None:
    dialog = _open_properties(qtbot, window)
    _type(qtbot, dialog.fields["title"], "Council backs the charge")
    _type(qtbot, dialog.fields["source"], "The Herald")
    _type(qtbot, dialog.fields["author"], "R. Ortega")
    _type(qtbot, dialog.fields["date"], "December 2, 2026")
    _type(qtbot, dialog.fields["url"], "https://example.org/council")
    for key, value in (("section", "City"), ("page", "4")):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # opens the new key's cell
        qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
        qtbot.keyClicks(QApplication.focusWidget(), key)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # on to the value's cell, open for typing
        qtbot.waitUntil(lambda: dialog.meta_table.currentColumn() == 1
                        and isinstance(QApplication.focusWidget(), QLineEdit))
        qtbot.keyClicks(QApplication.focusWidget(), value)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.meta_table.state() != dialog.meta_table.State.EditingState)
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    title, source, author, date, url, meta = _meta(window)
    assert (title, source, author, date, url) == ("Council backs the charge", "The Herald", "R. Ortega",
                                                   "2026-12-02", "https://example.org/council")
    assert json.loads(meta) == {"section": "City", "page": "4"}
    assert window.documents_panel.model.index(0, 1).data() == "The Herald"

    dialog = _open_properties(qtbot, window)  # remove a key, change another
    table = dialog.meta_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "page")
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 0)).center())
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    _ok(qtbot, dialog)
    assert json.loads(_meta(window)[5]) == {"section": "City"}

    window.actions_by_name["undo"].trigger()
    assert json.loads(_meta(window)[5]) == {"section": "City", "page": "4"}
    window.actions_by_name["undo"].trigger()
    assert _meta(window) == ("A", "", "", "", "", "{}")
    assert window.documents_panel.model.index(0, 1).data() == ""


def test_a_date_the_dialog_cannot_read_keeps_it_open_and_the_file_unchanged(qtbot, window) -> None:
    dialog = _open_properties(qtbot, window)
    _type(qtbot, dialog.fields["source"], "The Herald")
    _type(qtbot, dialog.fields["date"], "12/02/2026")
    seen: list[str] = []
    on_modal(QMessageBox, lambda box: (seen.append(box.text()), box.accept()))
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: bool(seen))
    assert "day-first or month-first" in seen[0]
    assert dialog.isVisible() and _meta(window)[1:4] == ("", "", "")
    dialog.date_order.setCurrentIndex(1)  # as a choice in the combo box: day first
    _ok(qtbot, dialog)
    assert _meta(window)[1:4] == ("The Herald", "", "2026-02-12")

"""The main window used as an annotator would: keys and clicks, checked in the project file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox

from annotator.model import Status
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import stored

def _spans(path: Path) -> list[tuple[str, str, str, int, int]]:
    """(annotator, layer, label, start, end) of every span annotation in the file."""
    return stored(
        path,
        "SELECT annotators.name, layers.name, labels.name, span_start, span_end FROM annotations "
        "JOIN annotators ON annotators.id = annotator_id JOIN layers ON layers.id = annotations.layer_id "
        "JOIN labels ON labels.id = label_id WHERE span_start IS NOT NULL ORDER BY span_start",
    )


def _tag(qtbot, window, start: int, end: int, key: str) -> None:
    """Select [start, end) in the text and press a label key, as a user would."""
    window.editor.view.setFocus()
    window.editor.set_selection(start, end)
    qtbot.keyClick(window.editor.view, key)


def _first_doc_with_sample(window) -> str:
    project = window.project
    return next(i for i in project.documents.ids() if project.documents.text(i) == SAMPLE_TEXT)


def test_documents_panel_lists_documents_with_my_status(window, project: Project) -> None:
    model = window.documents_panel.model
    assert model.rowCount() == 2
    titles = {model.index(row, 0).data() for row in range(2)}
    assert titles == {d.title for d in project.documents.list()}
    assert {model.index(row, 4).data() for row in range(2)} == {"not started"}
    assert window.editor.document_id == model.document_id(0)
    assert "Document 1 / 2" in window.position_label.text()
    assert "ada" in window.annotator_label.text()

    # Keyboard navigation in the list shows the other document.
    window.documents_panel.view.setFocus()
    qtbot_click_down(window)
    assert window.editor.document_id == model.document_id(1)
    assert window.editor.text == project.documents.text(model.document_id(1))
    assert "Document 2 / 2" in window.position_label.text()


def qtbot_click_down(window) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClick(window.documents_panel.view, Qt.Key.Key_Down)


def test_label_key_tags_the_selection_and_lists_it(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    start = SAMPLE_TEXT.index("tax on workers")
    qtbot.keyClick(window.editor.view, Qt.Key.Key_F1)  # Framing
    assert window.active_layer == "Framing"
    _tag(qtbot, window, start, start + len("tax on workers \U0001F621"), "1")  # Economic

    spans = _spans(project.path)
    assert spans == [("ada", "Framing", "Economic", start, start + len("tax on workers \U0001F621"))]
    rows = window.annotations_panel.model
    assert rows.rowCount() == 1
    assert rows.index(0, 0).data() == "Economic"
    assert rows.index(0, 1).data() == "tax on workers \U0001F621"
    assert window.documents_panel.model.index(window.documents_panel.current_row(), 4).data() == "in progress"
    assert window.documents_panel.model.index(window.documents_panel.current_row(), 5).data() == "1"


def test_undo_and_redo_by_keyboard(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    start = SAMPLE_TEXT.index("council")
    _tag(qtbot, window, start, start + 7, "1")
    assert len(_spans(project.path)) == 1

    qtbot.keyClick(window.editor.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _spans(project.path) == []
    assert window.annotations_panel.model.rowCount() == 0
    assert window.editor.highlighted_ranges() == []

    qtbot.keyClick(window.editor.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert _spans(project.path) == [("ada", "Framing", "Economic", start, start + 7)]
    assert window.annotations_panel.model.rowCount() == 1
    assert [r[:2] for r in window.editor.highlighted_ranges()] == [(start, start + 7)]


def test_undo_switches_to_the_document_it_changes(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    other = next(i for i in project.documents.ids() if i != doc)
    window.documents_panel.select_document(doc)
    start = SAMPLE_TEXT.index("Critics")
    _tag(qtbot, window, start, start + 7, "3")  # Morality
    window.documents_panel.select_document(other)
    assert window.editor.document_id == other

    window.actions_by_name["undo"].trigger()
    assert window.editor.document_id == doc
    assert _spans(project.path) == []
    assert window.annotations_panel.model.rowCount() == 0


def test_delete_from_the_annotations_panel(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    _tag(qtbot, window, 4, 11, "1")
    _tag(qtbot, window, 12, 17, "2")
    assert len(_spans(project.path)) == 2

    view = window.annotations_panel.view
    view.setFocus()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(view.model().index(0, 1)).center())
    assert window.editor.selected_annotation() == window.annotations_panel.model.annotation(0).id
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)

    assert [s[3:] for s in _spans(project.path)] == [(12, 17)]
    assert window.annotations_panel.model.rowCount() == 1
    assert [r[:2] for r in window.editor.highlighted_ranges()] == [(12, 17)]


def test_note_edited_in_place(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    _tag(qtbot, window, 4, 11, "1")
    view = window.annotations_panel.view
    index = view.model().index(0, 3)
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not view, editor
    qtbot.keyClicks(editor, "see the vote")
    editor.insert(" caf\u00e9 \U0001F5F3")  # typed through an input method: QTest types ASCII only
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event-loop turn
    qtbot.waitUntil(lambda: stored(project.path, "SELECT note FROM annotations") != [("",)], timeout=2000)
    assert stored(project.path, "SELECT note FROM annotations") == [("see the vote caf\u00e9 \U0001F5F3",)]
    assert window.annotations_panel.model.index(0, 3).data() == "see the vote caf\u00e9 \U0001F5F3"


def test_switching_annotator_is_blind(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    _tag(qtbot, window, 4, 11, "1")
    assert window.annotations_panel.model.rowCount() == 1

    window.switch_annotator("ben")
    assert "ben" in window.annotator_label.text()
    assert window.annotations_panel.model.rowCount() == 0
    assert window.editor.highlighted_ranges() == []
    assert window.documents_panel.model.index(window.documents_panel.current_row(), 4).data() == "not started"

    window.actions_by_name["show_others"].setChecked(True)
    listed = window.annotations_panel.model
    assert listed.rowCount() == 1 and listed.index(0, 4).data() == "ada"
    window.actions_by_name["show_others"].setChecked(False)
    assert listed.rowCount() == 0


def test_mark_done_and_move_to_the_next_not_done(qtbot, window, project: Project) -> None:
    first = window.documents_panel.model.document_id(0)
    second = window.documents_panel.model.document_id(1)
    window.editor.view.setFocus()
    qtbot.keyClick(window.editor.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert project.status.get(first, "ada") is Status.DONE
    assert stored(project.path, "SELECT status FROM document_status") == [("done",)]
    assert window.documents_panel.model.index(0, 4).data() == "done"
    assert "Done: 1 / 2" in window.done_label.text()

    qtbot.keyClick(window.editor.view, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.document_id == second
    qtbot.keyClick(window.editor.view, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.document_id == second  # the only one not done

    window.documents_panel.select_document(first)
    window.actions_by_name["reopen"].trigger()
    assert project.status.get(first, "ada") is Status.IN_PROGRESS
    window.actions_by_name["undo"].trigger()
    assert project.status.get(first, "ada") is Status.DONE


def test_document_label_chosen_in_the_panel_is_stored(qtbot, window, project: Project) -> None:
    combo = window.labels_panel.choosers["Dominant frame"]
    assert isinstance(combo, QComboBox)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    rows = stored(
        project.path,
        "SELECT labels.name, span_start, annotators.name FROM annotations JOIN labels ON labels.id = label_id "
        "JOIN annotators ON annotators.id = annotator_id",
    )
    assert rows == [("Capacity and resources", None, "ada")]

    qtbot.mouseClick(window.labels_panel.clear_buttons["Dominant frame"], Qt.MouseButton.LeftButton)
    assert stored(project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]
    assert combo.currentIndex() == 0


def test_codebook_panel_click_applies_the_label(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    start = SAMPLE_TEXT.index("robbery")
    window.editor.set_selection(start, start + 7)
    tree = window.codebook_panel.tree
    item = window.codebook_panel.label_item("Rhetorical device", "Loaded language")
    tree.scrollToItem(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    assert window.active_layer == "Rhetorical device"
    assert _spans(project.path) == [("ada", "Rhetorical device", "Loaded language", start, start + 7)]
    assert "Loaded language" in window.codebook_panel.details.toPlainText()


def test_layer_keys_and_visibility(qtbot, window) -> None:
    qtbot.keyClick(window.editor.view, Qt.Key.Key_F2)
    assert window.active_layer == "Stance" and window.editor.active_layer == "Stance"
    qtbot.keyClick(window.editor.view, Qt.Key.Key_F3)
    assert window.active_layer == "Rhetorical device"
    window.visibility_actions["Stance"].setChecked(False)
    assert not window.editor.is_layer_visible("Stance")
    qtbot.keyClick(window.editor.view, Qt.Key.Key_F2)  # making a hidden layer active shows it again
    assert window.editor.is_layer_visible("Stance") and window.visibility_actions["Stance"].isChecked()


def test_corpus_search_finds_a_word_and_jumps_to_it(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    other = next(i for i in project.documents.ids() if i != doc)
    window.documents_panel.select_document(other)
    window.search_corpus()
    dialog = window.dialog
    qtbot.keyClicks(dialog.query_box, "supporters")
    qtbot.keyClick(dialog.query_box, Qt.Key.Key_Return)
    assert [hit[0] for hit in dialog.hits()] == [doc]
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)

    assert window.editor.document_id == doc
    start = SAMPLE_TEXT.index("Supporters")
    assert window.editor.selection() == (start, start + len("Supporters"))


def test_find_in_document_opens_the_find_bar(qtbot, window) -> None:
    qtbot.keyClick(window.editor.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.find_bar.isVisible()


def test_shortcuts_listed_for_every_action(qtbot, window) -> None:
    keys = [action.shortcut().toString() for action in window.actions_by_name.values()]
    assert all(keys), [a.text() for a in window.actions_by_name.values() if not a.shortcut().toString()]
    assert len(set(keys)) == len(keys)  # no two actions share a key
    window.show_shortcuts()
    rows = window.dialog.rows()
    shown = {keys for _where, keys, _what in rows}
    assert {action.shortcut().toString() for action in window.actions_by_name.values()} <= shown
    assert any(what.startswith("Tag the selected text") for _w, _k, what in rows)  # the editor's keys
    assert ("Layers", "F1", "Active layer: Framing") in rows


def test_font_and_layout_remembered(qtbot, settings, project: Project) -> None:
    from annotator.gui.main_window import MainWindow

    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.set_project(project, annotator="ada")
    size = first.editor.reading_font().pointSizeF()
    first.actions_by_name["zoom_in"].trigger()
    first.docks["annotations"].hide()
    first.close()

    second = MainWindow(settings)
    qtbot.addWidget(second)
    assert second.editor.reading_font().pointSizeF() == size + 1
    assert second.settings.last_project == project.path.resolve()
    assert second.open_project(project.path)  # annotator remembered: no question asked
    assert second.annotator == "ada"
    assert second.docks["annotations"].isHidden()


def test_attributes_edited_in_place_are_checked(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    window.documents_panel.select_document(doc)
    qtbot.keyClick(window.editor.view, Qt.Key.Key_F2)  # Stance: target, intensity 1–3
    _tag(qtbot, window, 4, 11, "a")
    QApplication.processEvents()
    ident = window.annotations_panel.model.annotation(0).id
    model = window.annotations_panel.model
    index = model.index(0, 2)
    assert not model.setData(index, "intensity=5")  # out of range: refused, said in the status bar
    assert "between 1 and 3" in window.statusBar().currentMessage()
    assert model.setData(index, "target=the council; intensity=2")
    assert project.annotations.get(ident).attributes == {"intensity": 2, "target": "the council"}
    assert model.index(0, 2).data() == "intensity=2; target=the council"


def test_next_and_previous_document_by_keyboard(qtbot, window) -> None:
    ids = window.documents_panel.model.ids()
    window.editor.view.setFocus()
    qtbot.keyClick(window.editor.view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.document_id == ids[1]
    qtbot.keyClick(window.editor.view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.document_id == ids[1]
    assert "last document" in window.statusBar().currentMessage()
    qtbot.keyClick(window.editor.view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.document_id == ids[0]


def test_codebook_filter_and_guidelines(qtbot, window) -> None:
    panel = window.codebook_panel
    qtbot.keyClicks(panel.filter_box, "overdue")  # a word of an example of Stance: Favour
    visible = [
        panel.tree.topLevelItem(i).child(j).text(0)
        for i in range(panel.tree.topLevelItemCount())
        for j in range(panel.tree.topLevelItem(i).childCount())
        if not panel.tree.topLevelItem(i).isHidden() and not panel.tree.topLevelItem(i).child(j).isHidden()
    ]
    assert visible == ["Favour"]
    item = panel.label_item("Stance", "Favour")
    panel.tree.setCurrentItem(item)
    details = panel.details.toPlainText()
    assert "Include:" in details and "long overdue" in details
    assert "Exclude:" in item.toolTip(0)


def test_blind_coding_is_restored_for_the_next_annotator(qtbot, window, project: Project) -> None:
    doc = _first_doc_with_sample(window)
    project.annotations.add(doc, "ben", "Framing", "Political", 4, 11)
    window.documents_panel.select_document(doc)
    window.show_others_action.setChecked(True)
    assert any(label == "Political" for *_, label in window.editor.highlighted_ranges())
    window.switch_annotator("cleo")
    assert not window.show_others_action.isChecked()
    assert not any(label == "Political" for *_, label in window.editor.highlighted_ranges())


def test_ctrl_equal_zooms_in_as_ctrl_plus_does(qtbot, window) -> None:
    from PySide6.QtGui import QKeySequence

    shortcuts = window.actions_by_name["zoom_in"].shortcuts()
    assert QKeySequence("Ctrl+=") in shortcuts and QKeySequence("Ctrl++") in shortcuts


def test_closing_the_project_closes_the_windows_that_use_it(qtbot, window) -> None:
    window.search_corpus()
    dialog = window.dialog
    assert dialog.isVisible()
    window.close_project()
    assert not dialog.isVisible()


def test_status_bar_position_follows_sorting_and_filtering(qtbot, demo_path, settings) -> None:
    from annotator.gui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.open_project(demo_path, annotator="ada")
    panel = main.documents_panel
    panel.select_document(panel.model.document_id(1))
    assert main.position_label.text().startswith("Document 2 / 5")
    panel.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    row = panel.current_row()
    assert row is not None and row != 1  # the current article moved
    assert main.position_label.text().startswith(f"Document {row + 1} / 5")

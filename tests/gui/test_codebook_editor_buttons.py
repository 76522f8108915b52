"""Every button and field of the codebook editor, driven as a user would, checked in the project file."""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QWidget,
)

from annotator.gui.dialogs.codebook_editor import AttributeDialog, CodebookEditorDialog
from annotator.gui.panels.codebook import LABEL_ROLE, LAYER_ROLE
from annotator.project import Project
from tests.gui.conftest import on_modal, stored

LABELS_SQL = ("SELECT l.name FROM labels l JOIN layers y ON y.id = l.layer_id WHERE y.name = ? "
              "ORDER BY l.position")


def click(qtbot, button: QPushButton) -> None:
    """A left click on a button."""
    assert button.isEnabled() and button.isVisible(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def ok_button(dialog: QWidget) -> QPushButton:
    """The OK button of a dialog's button box."""
    box = dialog.findChild(QDialogButtonBox)
    return box.button(QDialogButtonBox.StandardButton.Ok)


def type_and_ok(qtbot, text: str) -> Callable[[QWidget], None]:
    """An answer to a QInputDialog: type the text (or pick the item) and click OK."""

    def answer(dialog: QWidget) -> None:
        field = dialog.findChild(QLineEdit)
        combo = dialog.findChild(QComboBox)
        if combo is not None and combo.isVisible():
            combo.setFocus()
            index = combo.findText(text)
            assert index >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
            while combo.currentIndex() != index:  # arrow keys, as a user would
                key = Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up
                qtbot.keyClick(combo, key)
        else:
            field.selectAll()
            qtbot.keyClicks(field, text)
        click(qtbot, ok_button(dialog))

    return answer


def button(dialog: QWidget, text: str) -> QPushButton:
    """The push button with this text."""
    return next(b for b in dialog.findChildren(QPushButton) if b.text() == text)


def click_tree_item(qtbot, tree: QTreeWidget, layer: str, label: str | None = None) -> None:
    """Click a layer or label in the editor's tree."""
    for row in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(row)
        item = top
        if top.data(0, LAYER_ROLE) != layer:
            continue
        if label is not None:
            item = next(top.child(n) for n in range(top.childCount()) if top.child(n).data(0, LABEL_ROLE) == label)
        tree.scrollToItem(item)
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
        return
    raise AssertionError(f"no layer {layer}")


def fail_on_any_modal(opened: list[str]) -> QTimer:
    """Record and close any modal dialog that opens (none should)."""
    timer = QTimer()

    def check() -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None and not isinstance(modal, CodebookEditorDialog):
            opened.append(modal.windowTitle())
            modal.close()

    timer.timeout.connect(check)
    timer.start(20)
    return timer


def open_editor(qtbot, project: Project, actor: str = "ada") -> CodebookEditorDialog:
    dialog = CodebookEditorDialog(project, actor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_add_label_button_asks_for_the_name_and_stores_the_label(qtbot, window, project: Project) -> None:
    seen: list[str] = []
    result: dict[str, object] = {}

    def use_editor(dialog: CodebookEditorDialog) -> None:
        click_tree_item(qtbot, dialog.tree, "Stance")
        on_modal(QInputDialog, type_and_ok(qtbot, "Sceptical"), seen)
        click(qtbot, dialog.add_label_button)
        result["current"] = dialog.current()
        result["message"] = dialog.message.text()
        click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close))

    on_modal(CodebookEditorDialog, use_editor)
    window.actions_by_name["codebook_editor"].trigger()  # Tools → Codebook editor…

    assert seen == ["Add label"]
    assert result == {"current": ("Stance", "Sceptical"), "message": ""}
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Favour",), ("Against",), ("Neutral",), ("Sceptical",)]
    assert window.codebook_panel.label_item("Stance", "Sceptical") is not None  # the window followed
    assert stored(project.path, "SELECT actor FROM audit_log ORDER BY id DESC LIMIT 1") == [("ada",)]


def test_add_label_cancelled_or_blank_adds_nothing(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Stance", "Neutral")  # a label selected: the label goes to its layer
    on_modal(QInputDialog, lambda box: box.reject())
    click(qtbot, dialog.add_label_button)
    on_modal(QInputDialog, type_and_ok(qtbot, "   "))
    click(qtbot, dialog.add_label_button)
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Favour",), ("Against",), ("Neutral",)]
    assert dialog.message.text() == ""


def test_enter_in_the_key_field_saves_the_key_and_adds_no_layer(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    layers_before = stored(project.path, "SELECT name FROM layers ORDER BY position")
    click_tree_item(qtbot, dialog.tree, "Stance", "Favour")
    opened: list[str] = []
    guard = fail_on_any_modal(opened)
    qtbot.mouseClick(dialog.key_box, Qt.MouseButton.LeftButton)
    dialog.key_box.selectAll()
    qtbot.keyClicks(dialog.key_box, "z")
    qtbot.keyClick(dialog.key_box, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.key_box, Qt.Key.Key_Enter)
    qtbot.wait(150)
    guard.stop()

    assert opened == []  # no "Add layer" question
    assert dialog.isVisible()  # nor did Enter close the editor
    assert stored(project.path, "SELECT key FROM labels WHERE name = 'Favour' AND layer_id = "
                  "(SELECT id FROM layers WHERE name = 'Stance')") == [("z",)]
    assert stored(project.path, "SELECT name FROM layers ORDER BY position") == layers_before


def test_enter_in_the_name_fields_renames(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    opened: list[str] = []
    guard = fail_on_any_modal(opened)
    click_tree_item(qtbot, dialog.tree, "Stance", "Neutral")
    dialog.name_box.selectAll()
    qtbot.keyClicks(dialog.name_box, "Undecided")
    qtbot.keyClick(dialog.name_box, Qt.Key.Key_Return)
    click_tree_item(qtbot, dialog.tree, "Rhetorical device")
    dialog.layer_name_box.selectAll()
    qtbot.keyClicks(dialog.layer_name_box, "Device")
    qtbot.keyClick(dialog.layer_name_box, Qt.Key.Key_Return)
    qtbot.wait(150)
    guard.stop()

    assert opened == []
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Favour",), ("Against",), ("Undecided",)]
    assert ("Device",) in stored(project.path, "SELECT name FROM layers")
    assert dialog.current() == ("Device", None)


def test_delete_layer_button_confirms_then_deletes(qtbot, project: Project) -> None:
    """Adding a layer through its one dialog is tested in test_user_review_polish.py."""
    from annotator.ops.codebook_edit import add_layer

    add_layer(project, "Evidence", "span", "sentence", multiple=True, actor="ada")
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Evidence")
    assert dialog.current() == ("Evidence", None)
    confirm: list[str] = []
    on_modal(QMessageBox, lambda box: click(qtbot, button(box, "Delete layer")), confirm)
    click(qtbot, dialog.delete_layer_button)
    assert confirm == ["Delete layer"]
    assert stored(project.path, "SELECT COUNT(*) FROM layers WHERE name = 'Evidence'") == [(0,)]


def test_move_up_and_down(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Stance", "Neutral")
    click(qtbot, dialog.up_button)
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Favour",), ("Neutral",), ("Against",)]
    click(qtbot, dialog.up_button)
    click(qtbot, dialog.up_button)  # at the top already: nothing happens
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Neutral",), ("Favour",), ("Against",)]
    click(qtbot, dialog.down_button)
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Favour",), ("Neutral",), ("Against",)]
    assert dialog.current() == ("Stance", "Neutral")


def test_delete_label_unused_and_used(qtbot, project: Project) -> None:
    doc = project.documents.ids()[0]
    project.annotations.add(doc, "ada", "Stance", "Neutral", 0, 3)
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Stance", "Favour")
    click(qtbot, dialog.delete_button)  # unused: no question
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Against",), ("Neutral",)]

    click_tree_item(qtbot, dialog.tree, "Stance", "Neutral")
    seen: list[str] = []

    def move(box: QWidget) -> None:
        on_modal(QInputDialog, type_and_ok(qtbot, "Against"), seen)
        click(qtbot, button(box, "Move them to another label…"))

    on_modal(QMessageBox, move, seen)
    click(qtbot, dialog.delete_button)

    assert seen == ["Delete label", "Move annotations"]
    assert stored(project.path, LABELS_SQL, ("Stance",)) == [("Against",)]
    assert stored(project.path, "SELECT l.name FROM annotations a JOIN labels l ON l.id = a.label_id") == [
        ("Against",)]


def test_colour_button(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Stance", "Against")

    def choose(box: QWidget) -> None:
        assert isinstance(box, QColorDialog)
        box.setCurrentColor("#123456")
        click(qtbot, ok_button(box))

    on_modal(QColorDialog, choose)
    click(qtbot, dialog.colour_button)

    assert stored(project.path, "SELECT colour FROM labels WHERE name = 'Against' AND layer_id = "
                  "(SELECT id FROM layers WHERE name = 'Stance')") == [("#123456",)]
    assert dialog.colour_button.text() == "#123456"


def test_save_guidelines_button(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Stance", "Against")
    for box, text in ((dialog.description_box, "Opposes the target"), (dialog.include_box, "open criticism"),
                      (dialog.exclude_box, "reported speech"), (dialog.examples_box, "We reject it\nNo way")):
        box.selectAll()
        qtbot.keyClicks(box, text.split("\n")[0])
        if "\n" in text:
            qtbot.keyClick(box, Qt.Key.Key_Return)
            qtbot.keyClicks(box, text.split("\n")[1])
    click(qtbot, button(dialog, "Save guidelines"))

    row = stored(project.path, "SELECT description, include_note, exclude_note, examples FROM labels "
                 "WHERE name = 'Against' AND layer_id = (SELECT id FROM layers WHERE name = 'Stance')")[0]
    assert row[:3] == ("Opposes the target", "open criticism", "reported speech")
    assert json.loads(row[3]) == ["We reject it", "No way"]


def test_save_layer_description_and_add_attribute(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    click_tree_item(qtbot, dialog.tree, "Framing")
    dialog.layer_description_box.selectAll()
    qtbot.keyClicks(dialog.layer_description_box, "How the issue is framed")
    click(qtbot, button(dialog, "Save description"))
    assert stored(project.path, "SELECT description FROM layers WHERE name = 'Framing'") == [
        ("How the issue is framed",)]

    def attribute(form: QWidget) -> None:
        assert isinstance(form, AttributeDialog)
        qtbot.keyClicks(form.name_box, "certainty")
        form.type_box.setFocus()
        while form.type_box.currentText() != "int":
            qtbot.keyClick(form.type_box, Qt.Key.Key_Down)
        for spin, value in ((form.minimum_box, "0"), (form.maximum_box, "5")):
            spin.selectAll()
            qtbot.keyClicks(spin, value)
        qtbot.keyClicks(form.description_box, "how sure")
        click(qtbot, ok_button(form))

    on_modal(AttributeDialog, attribute)
    click(qtbot, button(dialog, "Add attribute…"))

    assert stored(project.path, "SELECT name, type, minimum, maximum, description FROM attributes WHERE layer_id = "
                  "(SELECT id FROM layers WHERE name = 'Framing')") == [("certainty", "int", 0, 5, "how sure")]
    assert "certainty (int)" in dialog.attributes_label.text()


def test_close_button_closes(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project)
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    click(qtbot, close)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


# ----- the review window's decision buttons: the log says who decided, not only "curator" -----

from tests.gui.conftest import click_row, row_of_kind  # noqa: E402


def test_review_decisions_record_who_decided(qtbot, review, demo_file, tmp_path) -> None:
    import csv

    from PySide6.QtWidgets import QFileDialog

    click_row(qtbot, review.disagreement_list, row_of_kind(review, "label"))
    accepted = review.selected_source()
    click(qtbot, review.accept_button)
    click_row(qtbot, review.disagreement_list, row_of_kind(review, "missing"))
    rejected = review.selected_source()
    qtbot.keyClicks(review.reason_field, "not in the text")
    click(qtbot, review.reject_button)
    assert review.source_list.headerItem().text(5) == "Decided by"
    assert review.source_list.topLevelItem(0).text(5) == "ada"  # the rejected source, shown selected

    rows = stored(demo_file, "SELECT source_annotation_id, curator, json_extract(detail, '$.decided_by') "
                  "FROM curation_log ORDER BY id")
    assert rows == [(accepted, "curator", "ada"), (rejected, "curator", "ada")]

    target = tmp_path / "decisions.csv"

    def save_as(box: QWidget) -> None:
        box.selectFile(str(target))
        box.accept()

    on_modal(QFileDialog, save_as)
    click(qtbot, review.export_button)
    with open(target, encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["decision"], r["curator"], r["decided_by"]) for r in table] == [
        ("accept", "curator", "ada"), ("reject", "curator", "ada")]

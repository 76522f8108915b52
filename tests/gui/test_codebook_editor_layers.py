"""Deleting a layer in the codebook editor: a confirmation with the counts, then every view follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
from annotator.gui.panels.codebook import LAYER_ROLE
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import on_modal, stored


def click(button) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def button_named(box: QMessageBox, text: str):
    return next(button for button in box.buttons() if button.text() == text)


def editor_layers(dialog: CodebookEditorDialog) -> list[str]:
    return [dialog.tree.topLevelItem(i).data(0, LAYER_ROLE) for i in range(dialog.tree.topLevelItemCount())]


def panel_layers(window) -> list[str]:
    tree = window.codebook_panel.tree
    return [tree.topLevelItem(i).data(0, LAYER_ROLE) for i in range(tree.topLevelItemCount())]


def _stance_work(project: Project) -> str:
    """Stance annotations by ada and ben on the sample text, a comment on one; returns the document."""
    from annotator.ops.comments import add_comment

    doc = next(d for d in project.documents.ids() if project.documents.text(d) == SAMPLE_TEXT)
    start = SAMPLE_TEXT.index("tax on workers")
    project.annotations.add(doc, "ada", "Stance", "Against", start, start + len("tax on workers \U0001F621"),
                            attributes={"target": "the charge"})
    ben = project.annotations.add(doc, "ben", "Stance", "Favour", 0, 3).primary
    project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
    add_comment(project, ben, "ada", "Really Favour? 🤔")
    return doc


def test_confirmation_counts_and_the_main_window_follows(qtbot, window, project: Project) -> None:
    doc = _stance_work(project)
    window.show_document(doc)  # the work was added behind the window's back
    assert "Stance" in panel_layers(window) and window.annotations_panel.model.rowCount() == 2
    seen: dict[str, str] = {}

    def confirm(box: QMessageBox) -> None:
        seen["question"], seen["details"] = box.text(), box.informativeText()
        assert box.defaultButton() is button_named(box, "Cancel")
        box.grab().save("/tmp/layer_delete_confirm.png")
        click(button_named(box, "Delete layer"))

    def use_editor(dialog: CodebookEditorDialog) -> None:
        dialog.select("Stance")
        assert dialog.delete_layer_button.isEnabled()
        on_modal(QMessageBox, confirm)
        click(dialog.delete_layer_button)
        seen["editor"] = ",".join(editor_layers(dialog))
        seen["selected"] = str(dialog.current())
        dialog.grab().save("/tmp/layer_delete_editor.png")
        dialog.reject()

    on_modal(CodebookEditorDialog, use_editor)
    window.edit_codebook()  # the menu's path: the editor's sig_codebook_changed reaches the window

    assert seen["question"] == "Delete the layer “Stance”?"
    assert seen["details"] == (
        "This removes its 3 labels and 2 attributes, and 2 annotations by 2 annotators (ada, ben) in every "
        "document, with 1 comment on them.\n\nYou can bring it all back with Edit\u00a0→\u00a0Undo."
    )
    assert seen["editor"] == "Framing,Dominant frame,Overall stance,Rhetorical device"
    assert seen["selected"] == "('Overall stance', None)"  # the next layer is selected
    assert stored(project.path, "SELECT COUNT(*) FROM layers WHERE name = 'Stance'") == [(0,)]
    assert stored(project.path, "SELECT COUNT(*) FROM comments") == [(0,)]
    assert panel_layers(window) == ["Framing", "Dominant frame", "Overall stance", "Rhetorical device"]
    assert window.codebook_panel.label_item("Stance", "Favour") is None
    assert [action.text() for action in window.layer_actions] == ["Framing", "Rhetorical device"]
    assert window.annotations_panel.model.rowCount() == 1  # ada's Framing span is left

    window.undo()  # Edit → Undo, as the confirmation promised
    assert stored(project.path, "SELECT COUNT(*) FROM annotations WHERE layer_id = "
                  "(SELECT id FROM layers WHERE name = 'Stance')") == [(2,)]
    assert stored(project.path, "SELECT body FROM comments") == [("Really Favour? 🤔",)]
    assert "Stance" in panel_layers(window)  # the panels show the layer again
    assert window.codebook_panel.label_item("Stance", "Favour") is not None
    assert "Stance" in [action.text() for action in window.layer_actions]
    assert window.annotations_panel.model.rowCount() == 2  # ada's Framing and Stance spans

    window.redo()
    assert "Stance" not in panel_layers(window)
    assert window.codebook_panel.label_item("Stance", "Favour") is None


def test_cancel_keeps_the_layer(qtbot, project: Project) -> None:
    _stance_work(project)
    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    changed: list[bool] = []
    dialog.sig_codebook_changed.connect(lambda: changed.append(True))
    dialog.select("Stance")
    on_modal(QMessageBox, lambda box: click(button_named(box, "Cancel")))
    click(dialog.delete_layer_button)

    assert "Stance" in editor_layers(dialog) and not changed
    assert stored(project.path, "SELECT COUNT(*) FROM annotations") == [(3,)]


def test_the_button_acts_on_layers_and_refuses_the_last_one(qtbot, project: Project) -> None:
    from annotator.ops import codebook_edit as edit

    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    dialog.select("Stance", "Favour")
    assert not dialog.delete_layer_button.isEnabled()  # a label is selected, not a layer
    for name in ("Framing", "Dominant frame", "Stance", "Overall stance"):
        edit.delete_layer(project, name)
    dialog.reload("Rhetorical device")
    assert dialog.delete_layer_button.isEnabled()

    click(dialog.delete_layer_button)  # no confirmation: the refusal is shown at once

    assert '"Rhetorical device" is the only layer of the codebook' in dialog.message.text()
    assert editor_layers(dialog) == ["Rhetorical device"]
    assert stored(project.path, "SELECT name FROM layers") == [("Rhetorical device",)]


def test_an_unused_layer_says_so(qtbot, project: Project) -> None:
    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    dialog.select("Dominant frame")
    seen: list[str] = []

    def confirm(box: QMessageBox) -> None:
        seen.append(box.informativeText())
        click(button_named(box, "Delete layer"))

    on_modal(QMessageBox, confirm)
    click(dialog.delete_layer_button)

    assert seen[0].startswith("This removes its ") and "No annotation uses the layer." in seen[0]
    assert "Dominant frame" not in editor_layers(dialog)
    assert dialog.current() == ("Stance", None)

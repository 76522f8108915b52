"""The panels beside the editor follow a tag and its undo while showing the document labels
chosen: the document-label panel reads only document labels, and still shows them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from annotator.project import Project


def test_document_label_stays_shown_while_spans_are_tagged_and_undone(qtbot: Any, window: Any,
                                                                      project: Project) -> None:
    combo = window.labels_panel.choosers["Dominant frame"]
    assert isinstance(combo, QComboBox)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == "Capacity and resources"
    editor = window.editor
    word = editor.text.index(next(w for w in editor.text.split() if len(w) > 4))
    editor.set_selection(word, word + 4)
    editor.view.setFocus()
    qtbot.keyClick(editor.view, "1")  # a span of Framing
    spans = project.annotations.for_document(editor.document_id, "ada", spans=True)
    labels = project.annotations.for_document(editor.document_id, "ada", spans=False)
    assert [a.label for a in labels] == ["Capacity and resources"] and len(spans) == 1
    assert combo.currentText() == "Capacity and resources"
    assert window.labels_panel.clear_buttons["Dominant frame"].isEnabled()
    window.actions_by_name["undo"].trigger()  # the span goes; the document label stays chosen
    assert project.annotations.for_document(editor.document_id, "ada", spans=True) == []
    assert combo.currentText() == "Capacity and resources"
    window.actions_by_name["undo"].trigger()  # then the two choices of the document label
    window.actions_by_name["undo"].trigger()
    assert combo.currentIndex() == 0
    assert not window.labels_panel.clear_buttons["Dominant frame"].isEnabled()

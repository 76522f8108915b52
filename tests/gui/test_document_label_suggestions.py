"""Document-layer suggestions in the document labels panel: shown apart from the labels chosen
(italic, dashed frame, score), accepted or rejected with a button or the editor's keys, one undo step."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.ops import codebook_edit
from annotator.project import Project
from tests.gui.conftest import stored

LAYER = "Dominant frame"
ORIGIN_SQL = ("SELECT l.name, a.origin FROM annotations a JOIN labels l ON l.id = a.label_id "
              "JOIN layers y ON y.id = a.layer_id WHERE y.name = ?")
DECISIONS_SQL = "SELECT layer, label, decision, annotator, span_start FROM suggestion_decisions"


def suggesting_panel(qtbot, window, project: Project):
    """The panel with Dominant frame's suggestions switched on for the first document (ada)."""
    codebook_edit.set_label_patterns(project, LAYER, "Economic", ["congestion charge"], actor="ada")
    panel = window.labels_panel
    button = panel.suggest_buttons[LAYER]
    assert button.isEnabled() and not button.isChecked()
    assert panel.suggestion_chips(LAYER) == []
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.suggestion_chips(LAYER)) == 1, timeout=20_000)
    return panel


def test_a_suggested_label_is_shown_apart_and_accepted_with_its_button(qtbot, window, project: Project) -> None:
    panel = suggesting_panel(qtbot, window, project)
    chip = panel.suggestion_chips(LAYER)[0]
    assert chip.text.text() == "Economic  1.00"
    assert chip.text.font().italic()
    assert "dashed" in chip.styleSheet()
    assert "rule “congestion charge”" in chip.toolTip()
    assert panel.labels(LAYER) == []  # a suggestion is not a label until accepted
    qtbot.mouseClick(chip.accept_button, Qt.MouseButton.LeftButton)
    assert stored(project.path, ORIGIN_SQL, (LAYER,)) == [("Economic", "rule:Economic:congestion charge")]
    assert panel.labels(LAYER) == ["Economic"]
    assert panel.suggestion_chips(LAYER) == []
    window.actions_by_name["undo"].trigger()
    assert stored(project.path, ORIGIN_SQL, (LAYER,)) == []
    assert panel.labels(LAYER) == []
    assert len(panel.suggestion_chips(LAYER)) == 1


def test_ctrl_delete_rejects_and_ctrl_enter_accepts_as_in_the_editor(qtbot, window, project: Project) -> None:
    panel = suggesting_panel(qtbot, window, project)
    chip = panel.suggestion_chips(LAYER)[0]
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert stored(project.path, DECISIONS_SQL) == [(LAYER, "Economic", "reject", "ada", None)]
    assert panel.suggestion_chips(LAYER) == []
    assert stored(project.path, ORIGIN_SQL, (LAYER,)) == []
    window.actions_by_name["undo"].trigger()
    assert stored(project.path, DECISIONS_SQL) == []
    chip = panel.suggestion_chips(LAYER)[0]
    chip.setFocus()
    qtbot.keyClick(chip, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert stored(project.path, ORIGIN_SQL, (LAYER,)) == [("Economic", "rule:Economic:congestion charge")]


def test_switching_off_hides_them_and_another_document_has_its_own(qtbot, window, project: Project) -> None:
    panel = suggesting_panel(qtbot, window, project)
    second = project.documents.ids()[1]
    window.show_document(second)
    qtbot.waitUntil(lambda: panel.suggestion_status(LAYER) == "no suggestions for this document", timeout=20_000)
    assert panel.suggestion_chips(LAYER) == []
    window.show_document(project.documents.ids()[0])
    qtbot.waitUntil(lambda: len(panel.suggestion_chips(LAYER)) == 1, timeout=20_000)
    qtbot.mouseClick(panel.suggest_buttons[LAYER], Qt.MouseButton.LeftButton)
    assert panel.suggestion_chips(LAYER) == []

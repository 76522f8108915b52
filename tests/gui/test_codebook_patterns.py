"""The codebook editor's suggestion settings: a label's patterns (typed, or taken from its
examples) and a layer's sharing of model suggestions, saved as undoable edits; the codebook
panel shows how often each label's suggestions were accepted."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
from annotator.gui.panels.codebook import RATE_COLUMN
from annotator.ops.suggesting import accept, reject, suggest
from annotator.project import Project
from tests.gui.conftest import stored

PATTERNS_SQL = "SELECT patterns FROM labels WHERE name = ? AND layer_id = (SELECT id FROM layers WHERE name = ?)"


def click(qtbot, button: QPushButton) -> None:
    """A left click on a button."""
    assert button.isEnabled() and button.isVisible(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_editor(qtbot, project: Project, layer: str, label: str | None = None) -> CodebookEditorDialog:
    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.select(layer, label)
    return dialog


def test_patterns_are_typed_and_saved_and_undone(qtbot, window, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing", "Morality")
    box = dialog.patterns_box.text
    box.setFocus()
    qtbot.keyClicks(box, "duty of care")
    click(qtbot, dialog.patterns_box.save_button)
    assert json.loads(stored(project.path, PATTERNS_SQL, ("Morality", "Framing"))[0][0]) == ["duty of care"]
    window.actions_by_name["undo"].trigger()
    assert json.loads(stored(project.path, PATTERNS_SQL, ("Morality", "Framing"))[0][0]) == []


def test_a_pattern_that_does_not_parse_is_named_and_nothing_is_saved(qtbot, window, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing", "Morality")
    box = dialog.patterns_box.text
    box.setFocus()
    qtbot.keyClicks(box, "duty")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClicks(box, '[{"LOWER": "wrong", "OP": "++"}]')
    before = project.path.read_bytes()
    click(qtbot, dialog.patterns_box.save_button)
    assert dialog.message.text().startswith('label "Morality", line 2 of its patterns: pattern [{"LOWER": '
                                            '"wrong", "OP": "++"}]: operator "++" is not one of')
    assert json.loads(stored(project.path, PATTERNS_SQL, ("Morality", "Framing"))[0][0]) == []
    assert project.path.read_bytes() == before


def test_use_examples_as_phrases_adds_the_examples_and_saves(qtbot, window, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing", "Morality")
    examples = list(project.codebook.layer("Framing").label("Morality").examples)
    click(qtbot, dialog.patterns_box.examples_button)
    assert json.loads(stored(project.path, PATTERNS_SQL, ("Morality", "Framing"))[0][0]) == examples
    assert dialog.patterns_box.patterns() == examples
    click(qtbot, dialog.patterns_box.examples_button)  # twice: nothing is added twice
    assert json.loads(stored(project.path, PATTERNS_SQL, ("Morality", "Framing"))[0][0]) == examples


def test_the_layer_page_shares_model_suggestions(qtbot, window, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing")
    assert not dialog.shared_box.isChecked()
    qtbot.mouseClick(dialog.shared_box, Qt.MouseButton.LeftButton)
    assert stored(project.path, "SELECT shared_suggestions FROM layers WHERE name = 'Framing'") == [(1,)]
    assert dialog.shared_box.isChecked()
    window.actions_by_name["undo"].trigger()
    assert stored(project.path, "SELECT shared_suggestions FROM layers WHERE name = 'Framing'") == [(0,)]


def test_the_codebook_panel_shows_how_often_suggestions_were_accepted(qtbot, window, project: Project) -> None:
    panel = window.codebook_panel
    assert panel.tree.isColumnHidden(RATE_COLUMN)  # nothing decided yet: no column
    found = suggest(project, "Framing", project.documents.ids(), "rules", "ada")
    (tax,) = [s for s in found if s.label == "Economic"]
    accept(project, [tax], "ada")
    project.annotators.ensure("ben")
    reject(project, [tax], "ben")
    item = panel.label_item("Framing", "Economic")
    assert not panel.tree.isColumnHidden(RATE_COLUMN)
    assert item.text(RATE_COLUMN) == "50 %"
    assert "1 of 2 accepted" in item.toolTip(RATE_COLUMN) and "rule “[{" in item.toolTip(RATE_COLUMN)

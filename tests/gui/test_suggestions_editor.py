"""Suggestions in the editor: switched on per layer from the Tools menu, computed off the GUI
thread, drawn as dashed outlines (never as annotations), accepted or rejected with a key,
undone from Edit → Undo."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage

from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import stored

TAX = (SAMPLE_TEXT.index("tax"), SAMPLE_TEXT.index("tax") + 3)
ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


def switch_on(qtbot, window) -> None:
    """Tools → Show suggestions for the active layer, then wait for the worker's answer."""
    action = window.actions_by_name["suggest"]
    action.trigger()
    assert action.isChecked()
    qtbot.waitUntil(lambda: bool(window.editor.suggestions()), timeout=20000)


def viewport(window) -> QImage:
    window.editor.view.viewport().repaint()
    return window.editor.view.viewport().grab().toImage()


def point_of(window, position: int) -> QPoint:
    rect = window.editor._geometry().range_rects(position, position + 1)[0]
    return rect.center().toPoint()


def test_a_rule_suggestion_is_drawn_dashed_not_as_an_annotation(qtbot, window) -> None:
    editor = window.editor
    assert window.active_layer == "Framing"
    before = viewport(window)
    window.actions_by_name["suggest"].trigger()
    assert editor.suggestions() == []  # not computed on the GUI thread: it arrives later
    qtbot.waitUntil(lambda: bool(editor.suggestions()), timeout=20000)
    (suggestion,) = [s for s in editor.suggestions() if (s.start, s.end) == TAX]
    assert (suggestion.label, suggestion.score) == ("Economic", 1.0)
    assert editor.highlighted_ranges() == []  # not an annotation
    assert stored(window.project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]
    assert viewport(window) != before  # the outline is drawn
    tip = editor.tooltip_at(point_of(window, TAX[0] + 1))
    assert "Suggested" in tip and "<b>Economic</b>" in tip and "score 1.00" in tip and "Ctrl+Enter accepts" in tip


def test_next_suggestion_then_ctrl_enter_accepts_it_with_its_origin_and_undo_takes_it_back(qtbot, window) -> None:
    switch_on(qtbot, window)
    editor, view = window.editor, window.editor.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT_SHIFT)
    assert editor.selection() == TAX
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    rows = stored(window.project.path, "SELECT span_start, span_end, origin FROM annotations")
    assert rows == [(TAX[0], TAX[1], "rule:Economic:[{\"LOWER\": {\"IN\": [\"tax\", \"taxes\", \"levy\", "
                                      "\"wages\", \"prices\"]}}]")]
    assert (TAX[0], TAX[1], "Framing", "Economic") in editor.highlighted_ranges()
    assert TAX not in [(s.start, s.end) for s in editor.suggestions()]
    assert "Accepted 1 suggestion" in window.statusBar().currentMessage()
    undo = window.actions_by_name["undo"]
    assert "accept suggestion Economic" in undo.text()
    undo.trigger()
    assert stored(window.project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]
    assert TAX in [(s.start, s.end) for s in editor.suggestions()]


def test_ctrl_delete_rejects_the_suggestion_at_the_cursor(qtbot, window) -> None:
    switch_on(qtbot, window)
    editor, view = window.editor, window.editor.view
    editor.set_selection(TAX[0] + 1, TAX[0] + 1)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert stored(window.project.path, "SELECT label, decision, annotator FROM suggestion_decisions") == [
        ("Economic", "reject", "ada")]
    assert TAX not in [(s.start, s.end) for s in editor.suggestions()]
    assert stored(window.project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]
    window.actions_by_name["undo"].trigger()
    assert stored(window.project.path, "SELECT COUNT(*) FROM suggestion_decisions") == [(0,)]
    assert TAX in [(s.start, s.end) for s in editor.suggestions()]


def test_suggestions_are_switched_on_per_layer(qtbot, window) -> None:
    switch_on(qtbot, window)
    action = window.actions_by_name["suggest"]
    window.set_active_layer("Stance")
    assert not action.isChecked()  # Stance's suggestions are off
    assert window.editor.suggestions() == []  # only the active layer's are shown (Framing's are kept)
    window.set_active_layer("Framing")
    assert action.isChecked()
    assert window.editor.suggestions()  # Framing's again, without computing them anew
    action.trigger()
    assert window.editor.suggestions() == []


def test_keys_say_what_to_do_when_there_is_no_suggestion(qtbot, window) -> None:
    view = window.editor.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT_SHIFT)
    assert window.statusBar().currentMessage() == "Suggestions are off: Tools → Show suggestions."
    switch_on(qtbot, window)
    window.editor.set_selection(0, 3)  # "The": no suggestion inside
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.statusBar().currentMessage().startswith("No suggestion here")
    assert stored(window.project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]

"""Relations made in the text like a user makes them: Shift+R, Alt+Left / Alt+Right or a click,
Enter (a popup when several types fit), Esc; a Ctrl+Alt drag; arcs drawn only where asked; the
docked Relations panel; deleting a span that relations use asks first; the heading follows a
metadata edit and its undo."""

from __future__ import annotations

from conftest import on_modal, stored
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QTabBar

from annotator.gui.offsets import OffsetMap

ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _span(window, annotator: str, layer: str, label: str, words: str) -> str:
    project = window.project
    doc = window.document_id
    start = project.documents.text(doc).index(words)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(words)).primary


def _point(editor, position: int) -> QPoint:
    """Viewport point in the middle of the character at a code-point offset."""
    offsets = OffsetMap(editor.text)
    cursor = QTextCursor(editor.view.document())
    cursor.setPosition(offsets.to_qt(position))
    left = editor.view.cursorRect(cursor)
    cursor.setPosition(offsets.to_qt(position + 1))
    right = editor.view.cursorRect(cursor)
    return QPoint((left.left() + right.left()) // 2, left.center().y())


def _click(qtbot, window, words: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    editor = window.editor
    qtbot.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, modifier,
                     _point(editor, editor.text.index(words) + 2))


def _stored_relations(window) -> list[tuple]:
    return stored(window.project.path,
                  "SELECT t.name, r.source_id, r.target_id, a.name FROM relations r "
                  "JOIN relation_types t ON t.id = r.type_id JOIN annotators a ON a.id = r.annotator_id "
                  "ORDER BY r.created_at")


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.editor.view, key, modifier)


def _arc_pixels(window, source: str, target: str, colour: str) -> int:
    """How many pixels of the relation colour lie near the middle of the arc drawn between two spans."""
    editor = window.editor
    editor.view.viewport().repaint()
    image = editor.view.viewport().grab().toImage()
    path = editor.arc_path(editor._geometry(), source, target)
    assert path is not None
    middle = path.pointAtPercent(0.5).toPoint()
    wanted = QColor(colour)
    found = 0
    for dx in range(-30, 31):
        for dy in range(-12, 13):
            pixel = image.pixelColor(middle.x() + dx, middle.y() + dy)
            if abs(pixel.red() - wanted.red()) + abs(pixel.green() - wanted.green()) + abs(
                    pixel.blue() - wanted.blue()) < 60:
                found += 1
    return found


def test_shift_r_alt_left_and_enter_link_two_spans_drawn_as_an_arc_and_undone(qtbot, window) -> None:
    stance = _span(window, "ada", "Stance", "Against", "Critics called it")
    target = _span(window, "ada", "Framing", "Economic", "congestion charge")
    editor = window.editor
    _click(qtbot, window, "Critics called it")
    assert editor.selected_annotation() == stance
    _press(qtbot, window, Qt.Key.Key_R, SHIFT)
    assert "Relation from «Critics called it»" in window.statusBar().currentMessage()
    _press(qtbot, window, Qt.Key.Key_Left, ALT)  # the span before: "congestion charge"
    assert editor.linking() == (stance, target)
    assert _stored_relations(window) == []
    _press(qtbot, window, Qt.Key.Key_Return)
    assert _stored_relations(window) == [("Target", stance, target, "ada")]
    assert window.statusBar().currentMessage() == "Target: «Critics called it» → «congestion charge»."
    assert editor.linking() is None and editor.selected_annotation() == stance
    assert editor.arcs() == [("Target", stance, target, "#0072B2", True)]
    assert _arc_pixels(window, stance, target, "#0072B2") > 10
    assert [window.relations_panel.list.item(i).text() for i in range(window.relations_panel.list.count())] == [
        "Target: «Critics called it» → «congestion charge»"]
    window.actions_by_name["undo"].trigger()
    assert _stored_relations(window) == [] and editor.arcs() == []
    assert window.relations_panel.list.count() == 0


def test_arcs_are_drawn_only_for_the_selected_span_or_the_one_under_the_pointer(qtbot, window) -> None:
    stance = _span(window, "ada", "Stance", "Against", "Critics called it")
    target = _span(window, "ada", "Framing", "Economic", "congestion charge")
    other = _span(window, "ada", "Stance", "Favour", "Supporters expect")
    air = _span(window, "ada", "Framing", "Health and safety", "cleaner air")
    window.project.relations.add("Target", stance, target)
    window.project.relations.add("Target", other, air)
    editor = window.editor
    assert editor.arcs() == []  # nothing selected, nothing under the pointer: no clutter
    assert _arc_pixels(window, stance, target, "#0072B2") == 0
    qtbot.mouseMove(editor.view.viewport(), _point(editor, editor.text.index("cleaner air") + 3))
    assert [arc[1:3] for arc in editor.arcs()] == [(other, air)]
    _click(qtbot, window, "Critics called it")
    assert {arc[1:3] for arc in editor.arcs()} == {(stance, target), (other, air)}
    qtbot.mouseMove(editor.view.viewport(), _point(editor, editor.text.index("council") + 2))
    assert [arc[1:3] for arc in editor.arcs()] == [(stance, target)]
    _press(qtbot, window, Qt.Key.Key_Escape)
    assert editor.arcs() == []
    show_all = window.actions_by_name["show_all_relations"]
    assert show_all.text().replace("&", "") == "Show all relations in the paragraph"
    cursor = editor.view.textCursor()
    cursor.setPosition(0)
    editor.view.setTextCursor(cursor)  # the first paragraph: one relation there
    show_all.trigger()
    assert [arc[1:3] for arc in editor.arcs()] == [(stance, target)]
    show_all.trigger()
    assert editor.arcs() == []


def test_two_fitting_types_give_a_popup_and_its_key_chooses(qtbot, window) -> None:
    analogy = _span(window, "ada", "Rhetorical device", "Historical analogy", "This is robbery.")
    frame = _span(window, "ada", "Framing", "Economic", "congestion charge")
    editor = window.editor
    _click(qtbot, window, "This is robbery.")
    _press(qtbot, window, Qt.Key.Key_R, SHIFT)
    qtbot.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=_point(editor, editor.text.index("congestion charge") + 3))  # a click picks the other end
    assert editor.linking() == (analogy, frame)
    _press(qtbot, window, Qt.Key.Key_Return)
    menu = editor.type_menu
    assert menu is not None
    qtbot.waitExposed(menu)
    assert [a.text() for a in menu.actions()] == ["A&pplied to", "&Evokes"]
    qtbot.keyClick(menu, Qt.Key.Key_E)
    qtbot.waitUntil(lambda: bool(_stored_relations(window)))
    assert _stored_relations(window) == [("Evokes", analogy, frame, "ada")]


def test_a_refused_link_names_the_rule_and_stores_nothing(qtbot, window) -> None:
    _span(window, "ada", "Stance", "Against", "Critics called it")
    _span(window, "ada", "Framing", "Economic", "congestion charge")
    before = window.project.path.read_bytes()
    _click(qtbot, window, "congestion charge")
    _press(qtbot, window, Qt.Key.Key_R, SHIFT)
    _press(qtbot, window, Qt.Key.Key_Right, ALT)
    _press(qtbot, window, Qt.Key.Key_Return)
    message = window.statusBar().currentMessage()
    assert message.startswith("No relation: ")
    assert 'relation "Target" goes from a Stance span, not Framing "Economic"' in message
    assert _stored_relations(window) == []
    _press(qtbot, window, Qt.Key.Key_Escape)
    assert window.editor.linking() is None and window.statusBar().currentMessage() == "No relation made."
    assert window.project.path.read_bytes() == before


def test_shift_r_without_a_selected_span_says_what_to_do(qtbot, window) -> None:
    _press(qtbot, window, Qt.Key.Key_R, SHIFT)
    assert window.statusBar().currentMessage() == (
        "Click one of your spans first, then press Shift+R to link it to another.")
    assert window.editor.linking() is None


def test_a_ctrl_alt_drag_from_one_span_to_another_links_them(qtbot, window) -> None:
    stance = _span(window, "ada", "Stance", "Against", "Critics called it")
    target = _span(window, "ada", "Framing", "Economic", "congestion charge")
    editor = window.editor
    viewport = editor.view.viewport()
    both = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    start = _point(editor, editor.text.index("Critics") + 2)
    end = _point(editor, editor.text.index("congestion") + 4)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, both, start)
    qtbot.mouseMove(viewport, end)
    assert editor.linking() == (stance, target)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, both, end)
    assert _stored_relations(window) == [("Target", stance, target, "ada")]
    assert editor.selection() != (0, len(editor.text))  # no sentence selected by the Ctrl+Alt press


def test_deleting_a_span_with_relations_asks_first(qtbot, window) -> None:
    stance = _span(window, "ada", "Stance", "Against", "Critics called it")
    target = _span(window, "ada", "Framing", "Economic", "congestion charge")
    other = _span(window, "ada", "Framing", "Political", "council")
    window.project.relations.add("Target", stance, target)
    window.project.relations.add("Target", stance, other)
    _click(qtbot, window, "Critics called it")
    seen: list[str] = []
    on_modal(QMessageBox, lambda box: (seen.append(box.text()), box.button(QMessageBox.StandardButton.No).click()))
    _press(qtbot, window, Qt.Key.Key_Delete)
    assert seen == ["Delete the span and its 2 relations?"]
    assert len(_stored_relations(window)) == 2 and window.project.annotations.exists(stance)
    on_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    _press(qtbot, window, Qt.Key.Key_Delete)
    assert _stored_relations(window) == [] and not window.project.annotations.exists(stance)
    window.actions_by_name["undo"].trigger()
    assert len(_stored_relations(window)) == 2 and window.project.annotations.exists(stance)
    free = _span(window, "ada", "Framing", "Health and safety", "cleaner air")
    _click(qtbot, window, "cleaner air")  # a span no relation uses goes without a question
    _press(qtbot, window, Qt.Key.Key_Delete)
    assert not window.project.annotations.exists(free) and len(_stored_relations(window)) == 2


def test_blind_coding_hides_others_relations_until_others_are_shown(qtbot, window) -> None:
    mine = _span(window, "ada", "Stance", "Against", "Critics called it")
    my_target = _span(window, "ada", "Framing", "Economic", "congestion charge")
    theirs = _span(window, "ben", "Stance", "Favour", "Supporters expect")
    their_target = _span(window, "ben", "Framing", "Health and safety", "cleaner air")
    window.project.relations.add("Target", mine, my_target)
    window.project.relations.add("Target", theirs, their_target)
    editor, panel = window.editor, window.relations_panel
    assert [(r.source, r.annotator) for r in editor.relations_shown()] == [(mine, "ada")]
    assert panel.list.count() == 1
    qtbot.mouseMove(editor.view.viewport(), _point(editor, editor.text.index("cleaner air") + 3))
    assert editor.arcs() == []
    window.actions_by_name["show_others"].trigger()
    assert {r.annotator for r in editor.relations_shown()} == {"ada", "ben"}
    assert panel.list.count() == 2
    qtbot.mouseMove(editor.view.viewport(), _point(editor, editor.text.index("council") + 2))
    qtbot.mouseMove(editor.view.viewport(), _point(editor, editor.text.index("cleaner air") + 3))
    assert [arc[1:3] for arc in editor.arcs()] == [(theirs, their_target)]


def test_the_docked_panel_click_selects_the_source_and_draws_the_arc(qtbot, window) -> None:
    stance = _span(window, "ada", "Stance", "Against", "Critics called it")
    target = _span(window, "ada", "Framing", "Economic", "congestion charge")
    window.project.relations.add("Target", stance, target)
    bar = next(bar for bar in window.findChildren(QTabBar)
               if "Relations" in [bar.tabText(i) for i in range(bar.count())])
    index = [bar.tabText(i) for i in range(bar.count())].index("Relations")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    panel = window.relations_panel
    qtbot.waitUntil(panel.isVisible)
    item = panel.list.item(0)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())
    assert window.editor.selected_annotation() == stance
    assert window.editor.arcs() == [("Target", stance, target, "#0072B2", True)]
    assert window.statusBar().currentMessage() == "Target: Against → Economic"
    assert window.actions_by_name["panel_relations"].text().replace("&", "") == "Relations panel"


def test_help_lists_the_relation_keys_and_they_clash_with_no_other_shortcut(window) -> None:
    rows = window.shortcut_rows()
    keys = [keys for _where, keys, _what in rows]
    assert "Shift+R" in keys and "Ctrl+Alt+drag from a span to another" in keys
    menu_keys = [keys for where, keys, _what in rows if where != "Text" and keys]
    assert len(menu_keys) == len(set(menu_keys)), sorted(k for k in menu_keys if menu_keys.count(k) > 1)
    for layer in window.project.codebook.get().layers:  # Shift+R is no label key: those are plain keys
        assert all(label.key != "R" for label in layer.labels)


def test_the_heading_follows_a_title_edit_and_its_undo(qtbot, window) -> None:
    editor = window.editor
    assert ">A<" in editor.header.text()
    window.actions_by_name["document_properties"].trigger()
    dialog = window.dialog
    qtbot.waitExposed(dialog)
    dialog.fields["title"].selectAll()
    qtbot.keyClicks(dialog.fields["title"], "Council backs the charge")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert "Council backs the charge" in editor.header.text()
    window.actions_by_name["undo"].trigger()
    assert "Council backs the charge" not in editor.header.text() and ">A<" in editor.header.text()
    QApplication.processEvents()

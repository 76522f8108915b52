"""The annotation editor driven like a user: select, press keys, click; checked in the project file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from annotator.gui.editor import EDITOR_SHORTCUTS, AnnotationEditor
from annotator.gui.editor.spans import BACKGROUND, OTHERS, UNDERLINE, blend
from annotator.gui.offsets import OffsetMap
from annotator.project import Project


def stored_rows(path: Path) -> list[tuple[Any, ...]]:
    """(start, end, layer, label, annotator, attributes) rows read straight from the project file."""
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT a.span_start, a.span_end, layers.name, labels.name, annotators.name, a.attributes "
            "FROM annotations a JOIN labels ON labels.id = a.label_id JOIN layers ON layers.id = a.layer_id "
            "JOIN annotators ON annotators.id = a.annotator_id ORDER BY a.span_start, layers.name"
        ).fetchall()


@pytest.fixture
def editor(qtbot: Any, project: Project) -> AnnotationEditor:
    """An editor on the sample article (emoji, combining accent, NBSP), coding as ada."""
    widget = AnnotationEditor()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.set_project(project)
    widget.set_document(first_document(project), "ada")
    widget.show()
    qtbot.waitExposed(widget)
    widget.view.setFocus()
    return widget


def first_document(project: Project) -> str:
    """The id of the sample article (the one with the emoji)."""
    for ident in project.documents.ids():
        if "\U0001F621" in project.documents.text(ident):
            return ident
    raise AssertionError("sample article not imported")


def select_qt(editor: AnnotationEditor, qt_start: int, qt_end: int) -> None:
    """Select by Qt (UTF-16) positions through the view's cursor, as a drag would."""
    cursor = editor.view.textCursor()
    cursor.setPosition(qt_start)
    cursor.setPosition(qt_end, QTextCursor.MoveMode.KeepAnchor)
    editor.view.setTextCursor(cursor)


def point_of(editor: AnnotationEditor, position: int) -> QPoint:
    """Viewport point in the middle of the character at a code-point offset."""
    offsets = OffsetMap(editor.text)
    cursor = QTextCursor(editor.view.document())
    cursor.setPosition(offsets.to_qt(position))
    left = editor.view.cursorRect(cursor)
    cursor.setPosition(offsets.to_qt(position + 1))
    right = editor.view.cursorRect(cursor)
    return QPoint((left.left() + right.left()) // 2, left.center().y())


def layout_background_at(editor: AnnotationEditor, position: int) -> QColor | None:
    """The background colour the block's QTextLayout paints at a code-point offset."""
    qt = OffsetMap(editor.text).to_qt(position)
    block = editor.view.document().findBlock(qt)
    for fmt in block.layout().formats():
        if fmt.start <= qt - block.position() < fmt.start + fmt.length and fmt.format.hasProperty(
            fmt.format.Property.BackgroundBrush
        ):
            return fmt.format.background().color()
    return None



def _tag_stance(editor: AnnotationEditor, qtbot: Any, word: str, key: str) -> int:
    """Select `word` in the article, press a Stance label's key; returns where the word starts."""
    editor.set_active_layer("Stance")
    start = editor.text.index(word)
    editor.set_selection(start, start + len(word))
    editor.activateWindow()
    qtbot.keyClick(editor.view, key)
    return start

def test_label_key_after_an_emoji_stores_and_highlights_exact_offsets(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    text = editor.text
    start = text.index("Ortega")
    assert text.index("\U0001F621") < start
    select_qt(editor, start + 1, start + 1 + len("Ortega"))  # one emoji before: +1 UTF-16 unit
    qtbot.keyClick(editor.view, "1")  # Framing → Economic
    rows = stored_rows(project.path)
    assert rows == [(start, start + 6, "Framing", "Economic", "ada", "{}")]
    assert editor.highlighted_ranges() == [(start, start + 6, "Framing", "Economic")]
    assert text[start : start + 6] == "Ortega"
    colour = project.codebook.layer("Framing").label("Economic").colour
    assert layout_background_at(editor, start) == QColor(blend([colour.lower()]))
    assert layout_background_at(editor, start + 5) == QColor(blend([colour.lower()]))
    assert layout_background_at(editor, start - 1) is None
    assert layout_background_at(editor, start + 6) is None
    assert editor.selection() == (start, start + 6)


def test_selection_snaps_to_whole_tokens(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    inside = text.index("ritic")  # inside "Critics", before the emoji
    editor.set_selection(inside, inside + 3)
    qtbot.keyClick(editor.view, "3")  # Morality
    word = text.index("Critics")
    assert stored_rows(project.path)[0][:2] == (word, word + len("Critics"))
    assert editor.selection() == (word, word + len("Critics"))  # the snapped span is shown selected
    assert editor.selected_annotation() is not None


def test_keyboard_selection_in_the_read_only_view(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    start = text.index("robbery")
    cursor = editor.view.textCursor()
    cursor.setPosition(OffsetMap(text).to_qt(start))
    editor.view.setTextCursor(cursor)
    for _ in range(len("robbery")):
        qtbot.keyClick(editor.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert editor.selection() == (start, start + 7)
    qtbot.keyClick(editor.view, "e")  # Framing → Political
    assert stored_rows(project.path) == [(start, start + 7, "Framing", "Political", "ada", "{}")]


def test_clicked_span_is_relabelled_by_its_key(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    start = text.index("congestion charge")
    changes = project.annotations.add(editor.document_id, "ada", "Framing", "Economic", start, start + 17)
    editor.apply_changes(changes)
    qtbot.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=point_of(editor, start + 3))
    assert editor.selected_annotation() == changes.primary
    qtbot.keyClick(editor.view, "5")  # Legality, constitutionality and jurisprudence
    rows = stored_rows(project.path)
    assert rows == [(start, start + 17, "Framing", "Legality, constitutionality and jurisprudence", "ada", "{}")]
    assert editor.highlighted_ranges() == [(start, start + 17, "Framing", rows[0][3])]


def test_delete_key_removes_the_selected_span(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    start = text.index("workers")
    changes = project.annotations.add(editor.document_id, "ada", "Framing", "Economic", start, start + 7)
    editor.apply_changes(changes)
    editor.select_annotation(changes.primary)
    assert editor.selection() == (start, start + 7)
    with qtbot.waitSignal(editor.sig_changed):
        qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    assert stored_rows(project.path) == []
    assert editor.highlighted_ranges() == []
    assert layout_background_at(editor, start) is None


def test_keyboard_resize_moves_edges_by_one_token(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    start = text.index("tax on")
    changes = project.annotations.add(editor.document_id, "ada", "Framing", "Economic", start, start + 3)
    editor.apply_changes(changes)
    editor.select_annotation(changes.primary)
    qtbot.keyClick(editor.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # end → "on"
    qtbot.keyClick(editor.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # end → "workers"
    after_workers = text.index("workers") + len("workers")
    assert stored_rows(project.path)[0][:2] == (start, after_workers)
    qtbot.keyClick(editor.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # end → the emoji
    emoji = text.index("\U0001F621")
    assert stored_rows(project.path)[0][:2] == (start, emoji + 1)
    qtbot.keyClick(editor.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)  # back to "workers"
    modifiers = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(editor.view, Qt.Key.Key_Left, modifiers)  # start → "a tax"
    assert stored_rows(project.path)[0][:2] == (text.index("a tax"), after_workers)
    assert editor.highlighted_ranges() == [(text.index("a tax"), after_workers, "Framing", "Economic")]


def test_undo_then_apply_changes_removes_only_that_highlight(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    text = editor.text
    first, second = text.index("council"), text.index("Supporters")
    editor.set_selection(first, first + 7)
    qtbot.keyClick(editor.view, "1")
    editor.set_selection(second, second + 10)
    qtbot.keyClick(editor.view, "2")
    assert len(editor.highlighted_ranges()) == 2
    highlighted_before = editor.blocks_highlighted
    changes = project.history.undo()
    assert changes is not None
    editor.apply_changes(changes)
    assert editor.highlighted_ranges() == [(first, first + 7, "Framing", "Economic")]
    assert layout_background_at(editor, second) is None
    assert editor.blocks_highlighted - highlighted_before == 1  # one paragraph re-highlighted, not all
    editor.apply_changes(project.history.redo())
    assert len(editor.highlighted_ranges()) == 2


def test_blind_mode_hides_other_annotators_and_shows_them_read_only(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    text = editor.text
    start = text.index("robbery")
    project.annotations.add(editor.document_id, "ben", "Framing", "Morality", start, start + 7)
    editor.set_document(editor.document_id, "ada")
    assert editor.highlighted_ranges() == []
    editor.show_others(True)
    assert editor.highlighted_ranges() == [(start, start + 7, "Framing", "Morality")]
    assert [m.role for m in editor.marks_at(start)] == [OTHERS]
    assert editor.codes_at(start) == ["Framing: Morality (ben)"]
    assert layout_background_at(editor, start) is None  # not drawn like ada's own spans
    qtbot.mouseClick(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=point_of(editor, start + 2))
    assert editor.selected_annotation() is None  # read-only: cannot be selected for editing
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    assert len(stored_rows(project.path)) == 1
    editor.show_others(False)
    assert editor.highlighted_ranges() == []
    editor.set_document(editor.document_id, "ben")
    assert editor.highlighted_ranges() == [(start, start + 7, "Framing", "Morality")]


def test_two_layers_overlapping_are_both_drawn(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    phrase = text.index("congestion charge")
    word = text.index("charge")
    doc = editor.document_id
    editor.apply_changes(project.annotations.add(doc, "ada", "Framing", "Economic", phrase, phrase + 17))
    editor.apply_changes(project.annotations.add(doc, "ada", "Stance", "Against", word, word + 6))
    roles = sorted(m.role for m in editor.marks_at(word + 2))
    assert roles == [BACKGROUND, UNDERLINE]
    framing = project.codebook.layer("Framing").label("Economic").colour.lower()
    assert layout_background_at(editor, word + 2) == QColor(blend([framing]))
    # The underline is really painted: pixels of the Stance colour just below the word.
    qtbot.wait(20)
    image = editor.view.viewport().grab().toImage()
    stance = QColor(project.codebook.layer("Stance").label("Against").colour).darker(115)
    left, right = point_of(editor, word), point_of(editor, word + 5)
    line_top = point_of(editor, word).y()
    found = [
        (x, y)
        for x in range(left.x(), right.x())
        for y in range(line_top, line_top + 30)
        if _close(image.pixelColor(x, y), stance)
    ]
    assert found, "no Stance underline under the shared word"
    # Switching the active layer swaps the roles at the same position.
    editor.set_active_layer("Stance")
    assert {m.annotation.layer: m.role for m in editor.marks_at(word + 2)} == {
        "Framing": UNDERLINE, "Stance": BACKGROUND,
    }
    assert layout_background_at(editor, phrase) is None


def _close(colour: QColor, wanted: QColor, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in (
        (colour.red(), wanted.red()), (colour.green(), wanted.green()), (colour.blue(), wanted.blue())
    ))


def test_stripes_margin_has_one_stripe_per_visible_annotation(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    text = editor.text
    doc = editor.document_id
    spans = [("Framing", "Economic", "congestion charge"), ("Stance", "Against", "charge"),
             ("Rhetorical device", "Loaded language", "robbery")]
    for layer, label, words in spans:
        start = text.index(words)
        editor.apply_changes(project.annotations.add(doc, "ada", layer, label, start, start + len(words)))
    stripes = editor.stripes()
    assert len(stripes) == 3
    lanes = {ident: lane for ident, lane, _ in stripes}
    overlapping = [ident for ident, _, _ in stripes[:2]]
    assert lanes[overlapping[0]] != lanes[overlapping[1]]
    qtbot.wait(20)
    margin = editor.view.margin.grab().toImage()
    for _, _, colour in stripes:
        wanted = QColor(colour)
        assert any(
            _close(margin.pixelColor(x, y), wanted, 12)
            for x in range(margin.width()) for y in range(margin.height())
        ), f"no stripe painted in {colour}"
    editor.set_layer_visible("Stance", False)
    assert len(editor.stripes()) == 2
    assert [r[2] for r in editor.highlighted_ranges()] == ["Framing", "Rhetorical device"]


def test_attribute_form_by_keyboard_stores_attributes(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    start = _tag_stance(editor, qtbot, "robbery", "a")
    form = editor.attribute_editor
    assert form.isVisible()
    assert QApplication.focusWidget() is form.field("target")
    qtbot.keyClicks(QApplication.focusWidget(), "congestion charge")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.field("intensity")
    qtbot.keyClicks(QApplication.focusWidget(), "2")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.field("note")
    qtbot.keyClicks(QApplication.focusWidget(), "quoted speech")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.field("target")  # Tab cycles inside the form
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert not form.isVisible()
    rows = stored_rows(project.path)
    assert rows == [(start, start + 7, "Stance", "Against", "ada",
                     '{"intensity": 2, "target": "congestion charge"}')]
    stored = project.annotations.for_document(editor.document_id)[0]
    assert stored.attributes == {"intensity": 2, "target": "congestion charge"}
    assert stored.note == "quoted speech"
    assert "target = congestion charge" in editor.tooltip_at(point_of(editor, start + 2))


def test_attribute_form_is_skippable_with_escape(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    _tag_stance(editor, qtbot, "Critics", "f")
    assert editor.attribute_editor.isVisible()
    qtbot.keyClicks(QApplication.focusWidget(), "ignored")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not editor.attribute_editor.isVisible()
    assert stored_rows(project.path)[0][3:] == ("Favour", "ada", "{}")


def test_find_bar_finds_a_word_after_the_emoji(editor: AnnotationEditor, qtbot: Any) -> None:
    text = editor.text
    editor.find_in_document()
    assert editor.find_bar.isVisible()
    qtbot.keyClicks(editor.find_bar.field, "ortega")
    start = text.index("Ortega")
    assert editor.find_hits() == [(start, start + 6)]
    assert editor.selection() == (start, start + 6)
    assert editor.view.textCursor().selectedText() == "Ortega"
    editor.find_bar.field.setText("the")
    hits = editor.find_hits()
    assert [text[a:b].lower() for a, b in hits] == ["the"] * len(hits) and len(hits) >= 2
    first = editor.selection()
    qtbot.keyClick(editor.find_bar.field, Qt.Key.Key_Return)
    second = editor.selection()
    assert second != first and second in hits
    qtbot.keyClick(editor.find_bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert editor.selection() == first
    assert "of" in editor.find_bar.count.text()
    qtbot.keyClick(editor.find_bar.field, Qt.Key.Key_Escape)
    assert not editor.find_bar.isVisible()


def test_double_click_selects_a_token_and_ctrl_click_a_sentence(editor: AnnotationEditor, qtbot: Any) -> None:
    text = editor.text
    word = text.index("robbery")
    qtbot.mouseDClick(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=point_of(editor, word + 3))
    assert editor.selection() == (word, word + 7)
    target = text.index("expect")
    qtbot.mouseClick(
        editor.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
        point_of(editor, target + 1),
    )
    sentence_start = text.index("Supporters")
    assert editor.selection() == (sentence_start, len(text))


def test_bad_selections_give_a_hint_and_store_nothing(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    messages: list[str] = []
    editor.sig_message.connect(messages.append)
    qtbot.keyClick(editor.view, "1")  # no selection
    assert "Select some text" in messages[-1]
    gap = editor.text.index("\n\n")
    editor.set_selection(gap, gap + 2)
    qtbot.keyClick(editor.view, "1")
    assert "only spaces" in messages[-1]
    assert stored_rows(project.path) == []


def test_document_layer_keys_label_the_whole_document(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    editor.set_active_layer("Dominant frame")
    qtbot.keyClick(editor.view, "1")
    assert stored_rows(project.path) == [(None, None, "Dominant frame", "Economic", "ada", "{}")]
    assert editor.highlighted_ranges() == []


def test_function_keys_reach_the_window(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    seen: list[int] = []

    class Host(QWidget):
        def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
            seen.append(event.key())

    host = Host()
    qtbot.addWidget(host)
    QVBoxLayout(host).addWidget(editor)
    qtbot.keyClick(editor.view, Qt.Key.Key_F2)
    editor.setParent(None)  # the fixture still owns the editor
    assert seen == [Qt.Key.Key_F2]


def test_zoom_changes_the_font_and_reports_it(editor: AnnotationEditor, qtbot: Any) -> None:
    size = editor.reading_font().pointSizeF()
    with qtbot.waitSignal(editor.font_changed) as blocker:
        editor.zoom_in()
    assert blocker.args[0].pointSizeF() == size + 1
    assert editor.view.document().defaultFont().pointSizeF() == size + 1
    editor.zoom_out()
    assert editor.reading_font().pointSizeF() == size


def test_hover_lists_every_code_at_the_position(editor: AnnotationEditor, project: Project) -> None:
    text = editor.text
    phrase, word = text.index("congestion charge"), text.index("charge")
    doc = editor.document_id
    editor.apply_changes(project.annotations.add(doc, "ada", "Framing", "Economic", phrase, phrase + 17))
    changes = project.annotations.add(doc, "ada", "Stance", "Against", word, word + 6,
                                      attributes={"target": "the charge"})
    editor.apply_changes(changes)
    tip = editor.tooltip_at(point_of(editor, word + 1))
    assert "Economic" in tip and "Against" in tip and "target = the charge" in tip
    assert editor.tooltip_at(point_of(editor, text.index("Critics"))) == ""


def test_shortcut_list_names_the_resize_keys() -> None:
    keys = " ".join(key for key, _ in EDITOR_SHORTCUTS)
    assert "Alt+Right" in keys and "Delete" in keys and "Double-click" in keys


def test_dragging_an_edge_resizes_the_span(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    start = text.index("called it")
    changes = project.annotations.add(editor.document_id, "ada", "Framing", "Economic", start, start + 6)
    editor.apply_changes(changes)
    editor.select_annotation(changes.primary)
    offsets = OffsetMap(text)
    cursor = QTextCursor(editor.view.document())
    cursor.setPosition(offsets.to_qt(start + 6))
    edge = editor.view.cursorRect(cursor)
    grab = QPoint(edge.left(), edge.center().y())
    assert editor.edge_at(grab) == "end"
    target = point_of(editor, text.index("tax") + 1)  # drop inside "tax": snaps to its end
    qtbot.mousePress(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(editor.view.viewport(), target)
    qtbot.mouseRelease(editor.view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    end = text.index("tax") + 3
    assert stored_rows(project.path)[0][:2] == (start, end)
    assert editor.highlighted_ranges() == [(start, end, "Framing", "Economic")]
    assert editor.selection() == (start, end)


def test_a_locked_project_file_gives_a_message_not_a_crash(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    messages: list[str] = []
    editor.sig_message.connect(messages.append)
    project.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(project.path)
    other.execute("BEGIN EXCLUSIVE")
    try:
        start = editor.text.index("Critics")
        editor.set_selection(start, start + 7)
        qtbot.keyClick(editor.view, "1")
    finally:
        other.rollback()
        other.close()
    assert messages and "Not saved" in messages[-1] and "busy" in messages[-1]
    assert editor.highlighted_ranges() == []
    qtbot.keyClick(editor.view, "1")  # the same key works once the other program lets go
    assert stored_rows(project.path)[0][:2] == (start, start + 7)


def test_painting_runs_no_sql_and_a_refresh_reads_only_the_named_annotation(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    text = editor.text
    doc = editor.document_id
    for words, label in (("council", "Economic"), ("congestion charge", "Political"), ("robbery", "Morality")):
        start = text.index(words)
        editor.apply_changes(project.annotations.add(doc, "ada", "Framing", label, start, start + len(words)))
    statements: list[str] = []
    project.db.conn.set_trace_callback(statements.append)
    try:
        editor.view.viewport().repaint()
        editor.view.margin.repaint()
        editor.tooltip_at(point_of(editor, text.index("robbery")))
        assert statements == []
        start = text.index("Supporters")
        changes = project.annotations.add(doc, "ada", "Framing", "Economic", start, start + 10)
        statements.clear()
        editor.apply_changes(changes)
        editor.view.viewport().repaint()
    finally:
        project.db.conn.set_trace_callback(None)
    assert statements and all("annotations" in s and changes.primary in s for s in statements), statements


def test_crlf_article_with_emoji_in_several_paragraphs(
    editor: AnnotationEditor, project: Project, qtbot: Any, tmp_path: Path
) -> None:
    from annotator.ops.importing import import_paths

    source = tmp_path / "crlf" / "c.txt"
    source.parent.mkdir()
    raw = "Fans \U0001F389 cheered.\r\n\r\nThe mayor\u00a0said \U0001F600 no.\r\nLast line by Jose\u0301 here."
    source.write_bytes(raw.encode("utf-8"))
    report = import_paths(project, [source])
    editor.set_document(report.imported[0], "ada")
    text = editor.text
    assert "\r" not in text
    for word, key, label in (("mayor", "1", "Economic"), ("here", "3", "Morality")):
        start = text.index(word)
        editor.set_selection(start, start + len(word))
        qtbot.keyClick(editor.view, key)
        assert editor.view.textCursor().selectedText() == word
    rows = [row[:4] for row in stored_rows(project.path)]
    assert rows == [
        (text.index("mayor"), text.index("mayor") + 5, "Framing", "Economic"),
        (text.index("here"), text.index("here") + 4, "Framing", "Morality"),
    ]
    assert layout_background_at(editor, text.index("here")) is not None
    assert layout_background_at(editor, text.index("here") - 1) is None


def test_highlights_survive_reflow_by_resize_and_zoom(editor: AnnotationEditor, project: Project, qtbot: Any) -> None:
    text = editor.text
    start = text.index("Supporters")
    editor.apply_changes(project.annotations.add(editor.document_id, "ada", "Framing", "Economic", start, start + 10))
    colour = QColor(blend([project.codebook.layer("Framing").label("Economic").colour.lower()]))
    editor.resize(520, 600)
    qtbot.wait(150)  # the reading column is re-fitted once the resize settles
    assert layout_background_at(editor, start + 3) == colour
    editor.zoom_in()
    qtbot.wait(20)
    assert layout_background_at(editor, start + 3) == colour
    image = editor.view.viewport().grab().toImage()
    where = point_of(editor, start + 3)
    assert any(
        _close(image.pixelColor(where.x() + dx, where.y() + dy), colour, 6) for dx in range(-4, 5) for dy in range(-6, 7)
    ), "the background is not painted after the reflow"


def test_what_was_typed_in_the_form_is_kept_when_the_document_changes(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    _tag_stance(editor, qtbot, "robbery", "a")
    qtbot.keyClicks(QApplication.focusWidget(), "the mayor")
    other = next(i for i in project.documents.ids() if i != editor.document_id)
    editor.set_document(other, "ada")  # leaves without pressing Enter
    assert not editor.attribute_editor.isVisible()
    assert stored_rows(project.path)[0][3:] == ("Against", "ada", '{"target": "the mayor"}')


def test_the_form_closes_when_undo_removes_its_annotation(
    editor: AnnotationEditor, project: Project, qtbot: Any
) -> None:
    _tag_stance(editor, qtbot, "Critics", "f")
    assert editor.attribute_editor.isVisible()
    editor.apply_changes(project.history.undo())
    assert not editor.attribute_editor.isVisible()
    assert stored_rows(project.path) == []

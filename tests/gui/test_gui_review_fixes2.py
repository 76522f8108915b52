"""Second round of findings from a reviewer on a real screen: the codebook editor keeps what is
typed (and the reading position), tables fit their contents, Document → Properties' key column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
from annotator.project import Project
from tests.gui.conftest import on_modal, stored

GUIDELINES_SQL = ("SELECT description FROM labels WHERE name = ? "
                  "AND layer_id = (SELECT id FROM layers WHERE name = ?)")
PATTERNS_SQL = "SELECT patterns FROM labels WHERE name = ? AND layer_id = (SELECT id FROM layers WHERE name = ?)"
SHOTS = Path("/tmp/review_fixes2")


def shoot(widget, name: str) -> None:
    """Keep a picture of a widget to look at (never asserted)."""
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def click(qtbot, button: QPushButton) -> None:
    """A left click on a button that a user can see and press."""
    assert button.isEnabled() and button.isVisible(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def close_button(dialog) -> QPushButton:
    """The Close button at the bottom of the codebook editor."""
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)


def open_editor(qtbot, project: Project, layer: str, label: str | None = None) -> CodebookEditorDialog:
    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.select(layer, label)
    return dialog


def type_into(qtbot, box, text: str) -> None:
    """Click at the end of a text box and type."""
    box.setFocus()
    box.moveCursor(box.textCursor().MoveOperation.End)
    qtbot.keyClicks(box, text)


# ----- A. codebook editor -----------------------------------------------------------------


def test_closing_the_codebook_editor_saves_typed_guidelines_and_patterns(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing", "Morality")
    type_into(qtbot, dialog.description_box, " Also duties to strangers.")
    type_into(qtbot, dialog.patterns_box.text, "duty of care")
    click(qtbot, close_button(dialog))
    assert not dialog.isVisible()
    assert stored(project.path, GUIDELINES_SQL, ("Morality", "Framing"))[0][0].endswith("Also duties to strangers.")
    assert json.loads(stored(project.path, PATTERNS_SQL, ("Morality", "Framing"))[0][0]) == ["duty of care"]


def test_escape_and_choosing_another_item_save_the_typing_too(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing")
    type_into(qtbot, dialog.layer_description_box, " Typed, never saved by a button.")
    stance = next(dialog.tree.topLevelItem(n) for n in range(dialog.tree.topLevelItemCount())
                  if dialog.tree.topLevelItem(n).text(0).startswith("Stance"))
    dialog.tree.scrollToItem(stance)
    qtbot.mouseClick(dialog.tree.viewport(), Qt.MouseButton.LeftButton, pos=dialog.tree.visualItemRect(stance).center())
    assert dialog.current() == ("Stance", None)
    assert stored(project.path, "SELECT description FROM layers WHERE name = 'Framing'")[0][0].endswith(
        "Typed, never saved by a button.")
    type_into(qtbot, dialog.layer_description_box, " Stance too.")
    qtbot.keyClick(dialog.layer_description_box, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert stored(project.path, "SELECT description FROM layers WHERE name = 'Stance'")[0][0].endswith("Stance too.")


def test_a_pattern_that_cannot_be_saved_keeps_the_editor_open_once(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Framing", "Morality")
    type_into(qtbot, dialog.patterns_box.text, '[{"LOWER": "tidal"')
    before = project.path.read_bytes()
    click(qtbot, close_button(dialog))
    assert dialog.isVisible()  # the reason is shown where it can be fixed
    assert dialog.message.text().startswith('Not saved: label "Morality", line 1 of its patterns')
    assert "do the same again to leave it unsaved" in dialog.message.text()
    click(qtbot, close_button(dialog))  # the second time: the user leaves it unsaved
    assert not dialog.isVisible()
    assert project.path.read_bytes() == before


def test_the_header_tells_how_changes_are_saved_and_the_patterns_box_is_tall(qtbot, project: Project) -> None:
    dialog = open_editor(qtbot, project, "Rhetorical device", "Metaphor")
    assert "Every change is saved in the project at once" not in dialog.intro.text()
    assert "when you click Save, choose another item or close the editor" in dialog.intro.text()
    line = dialog.patterns_box.text.fontMetrics().lineSpacing()
    qtbot.wait(50)
    assert dialog.patterns_box.text.height() >= 6 * line
    shoot(dialog, "codebook_editor")
    dialog.resize(1000, 600)  # a 1024×640 screen
    qtbot.wait(50)
    assert dialog.patterns_box.text.height() >= 6 * line  # the settings scroll instead
    shoot(dialog, "codebook_editor_small")


@pytest.fixture
def long_document(project: Project, tmp_path: Path) -> str:
    """A third document, long enough to scroll; its id."""
    from annotator.ops.importing import import_paths

    folder = tmp_path / "long"
    folder.mkdir()
    text = "\n\n".join(f"Paragraph {n}: the council debated the congestion charge once more." for n in range(120))
    (folder / "long.txt").write_text(text, encoding="utf-8")
    report = import_paths(project, [folder])
    return report.imported[0]


def test_closing_the_codebook_editor_keeps_the_reading_position(qtbot, long_document: str, window) -> None:
    window.documents_panel.select_document(long_document)
    view = window.editor.view
    view.setFocus()
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key.Key_PageDown)
    qtbot.wait(50)
    scrolled, cursor = view.verticalScrollBar().value(), view.textCursor().position()
    assert scrolled > 0

    def edit_and_close(dialog: CodebookEditorDialog) -> None:
        dialog.select("Framing", "Morality")
        type_into(qtbot, dialog.description_box, " Edited.")
        click(qtbot, close_button(dialog))

    on_modal(CodebookEditorDialog, edit_and_close)
    window.actions_by_name["codebook_editor"].trigger()
    qtbot.wait(50)
    assert stored(window.project.path, GUIDELINES_SQL, ("Morality", "Framing"))[0][0].endswith("Edited.")
    assert window.editor.document_id == long_document
    assert view.verticalScrollBar().value() == scrolled
    assert view.textCursor().position() == cursor


# ----- B. layout --------------------------------------------------------------------------


def header_fits(header, column: int) -> bool:
    """Whether a column is wide enough for its header text and sort arrow."""
    text = header.model().headerData(column, Qt.Orientation.Horizontal)
    return header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(text) + 20


def show_column_from_menu(panel, title: str) -> None:
    """Tick a column in the header's right-click menu, as a user does."""
    menu = panel.column_menu()
    action = next(a for a in menu.actions() if a.text() == title)
    action.trigger()
    menu.deleteLater()


@pytest.mark.parametrize("size", [(1400, 900), (1024, 640)])
def test_documents_table_columns_fit_their_contents_and_the_title_keeps_room(qtbot, window, size) -> None:
    from annotator.gui.panels.documents import COLUMNS, TITLE

    window.resize(*size)
    qtbot.wait(50)
    panel = window.documents_panel
    header = panel.view.horizontalHeader()
    show_column_from_menu(panel, "Date")
    panel.view.setFocus()
    qtbot.wait(100)
    metrics = panel.view.fontMetrics()
    shown = [c for c in range(len(COLUMNS)) if not header.isSectionHidden(c)]
    assert COLUMNS.index("Date") in shown
    for column in shown:
        if column != TITLE:
            assert header_fits(header, column), COLUMNS[column]
    date = COLUMNS.index("Date")
    assert header.sectionSize(date) >= metrics.horizontalAdvance("2018-07-16") + 8
    assert header.sectionSize(TITLE) >= metrics.averageCharWidth() * 14  # "Trump meets Put…", not "Tr…"
    # Every column is on screen or reachable: the last one is not cut by the panel's edge.
    last = max(shown, key=header.visualIndex)
    right = header.sectionViewportPosition(last) + header.sectionSize(last)
    scroll = panel.view.horizontalScrollBar()
    assert right <= panel.view.viewport().width() or scroll.maximum() > 0
    shoot(window, f"documents_{size[0]}")


def names_are_readable(grid, cap_rows: int = 300, cap_columns: int = 150) -> None:
    """Row names get the room they need (up to a cap); column names too; a longer one ends in
    "…" (never cut on both sides) and is whole in its tooltip."""
    rows, columns = grid.verticalHeader(), grid.horizontalHeader()
    for header in (rows, columns):
        assert header.textElideMode() == Qt.TextElideMode.ElideRight
    labels = [grid.verticalHeaderItem(r).text() for r in range(grid.rowCount())]
    widest = max(rows.fontMetrics().horizontalAdvance(text) for text in labels)
    assert rows.width() >= min(widest + 8, cap_rows), (rows.width(), widest)
    for column in range(grid.columnCount()):
        item = grid.horizontalHeaderItem(column)
        assert item.toolTip() == item.text()
        need = columns.fontMetrics().horizontalAdvance(item.text()) + 8
        assert columns.sectionSize(column) >= min(need, cap_columns), item.text()


# Whole label names in the frequencies and co-occurrence tables (names_are_readable above) are
# checked in the windows those modules' tests already open: test_analysis_frequencies_window.py::
# test_counts_by_source_exports_and_a_cell_or_bar_opens_the_concordance and
# test_analysis_cooccurrence_window.py::test_the_matrix_names_its_unit_and_association_a_cell_lists_its_segments_and_screenshots.


def test_add_key_opens_the_new_key_for_typing_in_a_readable_column(qtbot, window) -> None:
    from PySide6.QtWidgets import QLineEdit

    window.actions_by_name["document_properties"].trigger()
    dialog = window.dialog
    qtbot.waitExposed(dialog)
    table = dialog.meta_table
    metrics = table.fontMetrics()
    assert table.columnWidth(0) >= metrics.horizontalAdvance("publication") + 16
    assert table.columnWidth(1) >= table.columnWidth(0)  # the value keeps the larger part
    dialog.activateWindow()
    click(qtbot, dialog.add_button)
    editor = dialog.focusWidget()
    assert isinstance(editor, QLineEdit) and table.isAncestorOf(editor)
    assert editor.width() >= metrics.horizontalAdvance("publication")
    assert not table.selectionModel().isSelected(table.model().index(table.currentRow(), 1))  # only the key looks chosen
    shoot(dialog, "properties_add_key")
    qtbot.keyClicks(editor, "section")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # on to the value
    qtbot.wait(20)
    assert isinstance(dialog.focusWidget(), QLineEdit) and table.isAncestorOf(dialog.focusWidget())
    qtbot.keyClicks(dialog.focusWidget(), "Politics")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    qtbot.wait(20)  # the delegate commits the typed value from the event loop
    assert ("section", "Politics") in dialog.meta_rows()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    document = window.project.documents.get(window.document_id)
    assert document.meta.get("section") == "Politics"


# ----- settings: the "Learn from" of Train suggestions, through the public API -------------


def test_learn_from_is_remembered_per_project_through_the_settings_api(qtbot, window, settings) -> None:
    from annotator.gui.dialogs.train_dialog import TrainDialog

    def open_train() -> TrainDialog:
        window.actions_by_name["train_model"].trigger()
        dialog = window.findChild(TrainDialog, "train_dialog")
        assert dialog is not None and dialog.isVisible()
        qtbot.waitExposed(dialog)
        return dialog

    dialog = open_train()
    box = dialog.source
    assert settings.train_source_for(window.project.path) == ""
    wanted = box.findData("ben")
    assert wanted >= 0
    box.setFocus()
    while box.currentIndex() != wanted:  # arrow keys, as a user would
        qtbot.keyClick(box, Qt.Key.Key_Down if box.currentIndex() < wanted else Qt.Key.Key_Up)
    assert settings.train_source_for(window.project.path) == "ben"
    dialog.close()
    dialog.deleteLater()
    qtbot.wait(10)
    again = open_train()
    assert again.source.currentData() == "ben"
    settings.set_train_source_for(window.project.path, "ada")
    assert settings.train_source_for(window.project.path) == "ada"

"""Fixes from a new user's session on a real screen: the analysis windows follow who annotates,
undo and redo from the concordance, jumps to the text, suggestions of the active layer only,
dates typed in the documents table, wording and defaults. Every test drives the widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.gui.analysis.concordance import ConcordanceWindow
from annotator.gui.analysis.kwic_table import CODES, MATCH
from annotator.gui.dialogs.identity import AnnotatorDialog
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import on_modal, stored

CODED = ("SELECT a.span_start, a.span_end, l.name FROM annotations AS a JOIN labels AS l ON l.id = a.label_id "
         "JOIN annotators AS n ON n.id = a.annotator_id WHERE n.name = ?")


def switch_to(qtbot, window, name: str) -> None:
    """Annotator → Switch annotator…, type the name, OK."""
    def answer(dialog: AnnotatorDialog) -> None:
        dialog.name_box.setText(name)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    on_modal(AnnotatorDialog, answer)
    window.actions_by_name["switch_annotator"].trigger()
    assert window.annotator == name


def open_concordance(qtbot, window) -> ConcordanceWindow:
    """Analyze → Concordance."""
    window.actions_by_name["concordance"].trigger()
    found = window.findChild(ConcordanceWindow, "concordance_window")
    assert found is not None and found.isVisible()
    qtbot.waitExposed(found)
    return found


def search(qtbot, concordance: ConcordanceWindow, text: str, mode: str = "words") -> None:
    """Type a query and press Search; wait for the worker."""
    concordance.mode.setCurrentIndex(concordance.mode.findData(mode))
    concordance.query.clear()
    qtbot.keyClicks(concordance.query, text)
    qtbot.mouseClick(concordance.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not concordance.runner.running, timeout=10000)


def codes_at(concordance: ConcordanceWindow, row: int) -> str:
    return concordance.view.model().index(row, CODES).data()


# ----- 1. "me" follows Annotator → Switch annotator ------------------------------------------------


def test_concordance_codes_of_me_follow_a_switch_of_annotator(qtbot, window) -> None:
    """ada codes "tax"; bob, after the switch, must see "me (bob)" and none of ada's codes."""
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "tax")
    concordance.view.selectRow(0)
    qtbot.keyClick(concordance.view, Qt.Key.Key_1)  # Framing:Economic, as ada
    assert "Framing:Economic" in codes_at(concordance, 0)
    assert concordance.scope_bar.whose.currentText() == "me (ada)"
    switch_to(qtbot, window, "bob")
    assert concordance.scope_bar.whose.currentText() == "me (bob)"
    qtbot.waitUntil(lambda: not concordance.runner.running and concordance.result is not None, timeout=10000)
    assert concordance.view.model().rowCount() == 1
    assert codes_at(concordance, 0) == ""  # ada's code is not shown to bob
    assert not concordance.stale_banner.isVisible()
    assert "bob's codes" in concordance.message.message


def test_frequencies_count_the_new_annotators_codes_after_a_switch(qtbot, window) -> None:
    from annotator.gui.analysis.frequencies import FrequenciesWindow

    document = window.document_id
    window.project.annotations.add(document, "ada", "Framing", "Economic", 0, 11)
    window.actions_by_name["frequencies"].trigger()
    frequencies = window.findChild(FrequenciesWindow, "frequencies_window")
    qtbot.waitUntil(lambda: frequencies.table is not None and not frequencies.runner.running, timeout=10000)
    assert frequencies.value("all documents", "Economic") == 1 or sum(r.count for r in frequencies.table.rows) == 1
    switch_to(qtbot, window, "bob")
    assert frequencies.scope_bar.whose.currentText() == "me (bob)"
    qtbot.waitUntil(lambda: not frequencies.runner.running and "bob" in frequencies.heading.text(), timeout=10000)
    assert sum(r.count for r in frequencies.table.rows) == 0
    assert "ada" not in frequencies.heading.text()


# ----- 2. undo and redo from the concordance, the rows follow both -----------------------------------


def test_undo_and_redo_pressed_in_the_concordance_update_the_rows_codes(qtbot, window) -> None:
    path = Path(window.project.path)
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, r"\b(tax|robbery)\b", mode="regex")
    concordance.view.selectAll()
    qtbot.keyClick(concordance.view, Qt.Key.Key_1)
    assert "Framing:Economic" in codes_at(concordance, 0)
    assert len(stored(path, CODED, ("ada",))) == 2
    qtbot.keyClick(concordance.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(path, CODED, ("ada",)) == []
    assert codes_at(concordance, 0) == "" and codes_at(concordance, 1) == ""
    assert not concordance.stale_banner.isVisible()
    assert concordance.message.message.startswith("Undo")
    qtbot.keyClick(concordance.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert sorted(SAMPLE_TEXT[s:e] for s, e, _l in stored(path, CODED, ("ada",))) == ["robbery", "tax"]
    assert codes_at(concordance, 0) == "Framing:Economic" and codes_at(concordance, 1) == "Framing:Economic"
    assert not concordance.stale_banner.isVisible()
    assert concordance.message.message.startswith("Redo")
    qtbot.keyClick(concordance.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert concordance.message.message == "Nothing to redo."


def test_a_code_added_in_the_main_text_shows_at_the_concordance_row(qtbot, window) -> None:
    """Coding elsewhere (here the annotations API, as the editor's operation) refreshes the codes."""
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "robbery")
    start = SAMPLE_TEXT.index("robbery")
    window.project.annotations.add(window.document_id, "ada", "Stance", "Against", start, start + 7)
    assert codes_at(concordance, 0) == "Stance:Against"
    assert not concordance.stale_banner.isVisible()


# ----- 3. a jump to the text puts the place in the middle, not on the last visible line -------------

LONG_PARAGRAPH = "Filler words about the weather and the sea, nothing to look for here at all today."
NEEDLE = "The needle sits beside a tax on the harbour."
ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def long_window(qtbot, settings, tmp_path: Path):
    """The main window (1024×640) on a project of one long article with one "needle" far down."""
    from annotator.gui.main_window import MainWindow
    from annotator.ops.importing import import_paths
    from annotator.project import Project

    (tmp_path / "long").mkdir()
    paragraphs = [LONG_PARAGRAPH] * 120
    paragraphs[90] = NEEDLE
    (tmp_path / "long" / "long.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    project = Project.create(tmp_path / "long.annot")
    import_paths(project, [tmp_path / "long"])
    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.set_project(project, annotator="ada")
    main.resize(1024, 640)
    main.show()
    qtbot.waitExposed(main)
    return main


def selection_height_share(window) -> float:
    """Where the selection's start is in the text view: 0 top, 1 bottom."""
    view = window.editor.view
    from PySide6.QtGui import QTextCursor

    cursor = QTextCursor(view.textCursor())
    cursor.setPosition(cursor.selectionStart())
    return view.cursorRect(cursor).center().y() / view.viewport().height()


def test_double_click_in_the_concordance_centres_the_hit_in_the_text(qtbot, long_window) -> None:
    concordance = open_concordance(qtbot, long_window)
    search(qtbot, concordance, "needle")
    rect = concordance.view.visualRect(concordance.view.model().index(0, MATCH))
    qtbot.mouseClick(concordance.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(concordance.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text = long_window.project.documents.text(long_window.document_id)
    start, end = long_window.editor.selection()
    assert text[start:end] == "needle"
    assert 0.3 < selection_height_share(long_window) < 0.7


def test_next_suggestion_centres_it_and_names_its_rule_readably(qtbot, long_window) -> None:
    window = long_window
    window.actions_by_name["suggest"].trigger()  # Framing: its rules find "tax"
    qtbot.waitUntil(lambda: bool(window.editor.suggestions()), timeout=20000)
    view = window.editor.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT_SHIFT)
    start, end = window.editor.selection()
    assert window.project.documents.text(window.document_id)[start:end] == "tax"
    assert 0.3 < selection_height_share(window) < 0.7
    message = window.statusBar().currentMessage()
    assert "rule “tax, taxes, levy, wages, prices”" in message
    assert "{" not in message and "[" not in message


# ----- 4. suggestions of the active layer only; 13. a rejected one leaves no selection ----------------


def test_only_the_active_layers_suggestions_are_shown_and_gone_to(qtbot, window) -> None:
    window.actions_by_name["suggest"].trigger()  # Framing
    qtbot.waitUntil(lambda: bool(window.editor.suggestions()), timeout=20000)
    layer = next(a for a in window.layer_actions if a.text() == "Stance")
    layer.trigger()
    assert window.editor.suggestions() == []  # Framing's are not shown under Stance
    window.actions_by_name["suggest"].trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("0 suggestions in Stance"), timeout=20000)
    message = window.statusBar().currentMessage()
    assert "Framing" not in message
    assert len(message) <= 90, message  # fits the status bar; the reason in full is its tooltip
    assert "rule patterns" in window.statusBar().toolTip()
    window.editor.view.setFocus()
    qtbot.keyClick(window.editor.view, Qt.Key.Key_Down, ALT_SHIFT)
    assert window.statusBar().currentMessage() == "No suggestions in Stance in this document."
    assert window.editor.selection() is None
    next(a for a in window.layer_actions if a.text() == "Framing").trigger()
    assert window.editor.suggestions()  # Framing's again, computed before


def test_a_rejected_suggestion_leaves_no_selection(qtbot, window) -> None:
    window.actions_by_name["suggest"].trigger()
    qtbot.waitUntil(lambda: bool(window.editor.suggestions()), timeout=20000)
    view = window.editor.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down, ALT_SHIFT)
    assert window.editor.selection() is not None
    qtbot.keyClick(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert stored(window.project.path, "SELECT decision FROM suggestion_decisions") == [("reject",)]
    assert window.editor.selection() is None


# ----- 6. an ambiguous date typed in the documents table ------------------------------------------


def test_an_ambiguous_date_in_the_table_is_said_beside_the_cell_and_stays_typed(qtbot, window) -> None:
    from PySide6.QtWidgets import QApplication, QLineEdit

    panel = window.documents_panel
    next(a for a in panel.column_menu().actions() if a.text() == "Date").trigger()
    view = panel.view
    rect = view.visualRect(panel.model.index(0, 2))
    if not view.selectionModel().isSelected(panel.model.index(0, 2)):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.wait(QApplication.doubleClickInterval() + 50)  # two clicks, not a double click
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    editor = QApplication.focusWidget()
    assert editor.placeholderText() == "YYYY-MM-DD" and "2013-09-12" in editor.toolTip()
    qtbot.keyClicks(editor, "12/09/2013")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert QApplication.activeModalWidget() is None  # no question a cell cannot answer
    assert view.state() == view.State.EditingState and editor.text() == "12/09/2013"
    assert "ambiguous: type 2013-09-12 or use Document → Properties… to choose day-first" in editor.toolTip()
    assert stored(window.project.path, "SELECT date FROM documents WHERE position = 0") == [("",)]
    editor.selectAll()
    qtbot.keyClicks(editor, "25/12/2013")  # one reading only: stored as ISO
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != view.State.EditingState)
    assert stored(window.project.path, "SELECT date FROM documents WHERE position = 0") == [("2013-12-25",)]


# ----- 11. "Hide empty" with no co-occurrence at all --------------------------------------------------


def test_hide_empty_hides_every_all_zero_row_and_column(qtbot, window) -> None:
    """Framing codes but no Stance codes: every row and column is zero, so none is shown."""
    from annotator.gui.analysis.cooccurrence import CooccurrenceWindow

    window.project.annotations.add(window.document_id, "ada", "Framing", "Economic", 0, 11)
    window.actions_by_name["cooccurrence"].trigger()
    cooccurrence = window.findChild(CooccurrenceWindow, "cooccurrence_window")
    qtbot.waitUntil(lambda: not cooccurrence.runner.running, timeout=10000)
    cooccurrence.layer_a.setCurrentIndex(cooccurrence.layer_a.findText("Framing"))
    cooccurrence.layer_b.setCurrentIndex(cooccurrence.layer_b.findText("Stance"))
    qtbot.waitUntil(lambda: not cooccurrence.runner.running and cooccurrence.table is not None
                    and cooccurrence.table.layers == ("Framing", "Stance"), timeout=10000)
    assert cooccurrence.hide_empty.isChecked()
    assert (cooccurrence.grid.rowCount(), cooccurrence.grid.columnCount()) == (0, 0)
    qtbot.mouseClick(cooccurrence.hide_empty, Qt.MouseButton.LeftButton)
    assert cooccurrence.grid.rowCount() == len(cooccurrence.table.labels_a) > 0


# ----- 12. windows start on the active layer; the train dialog remembers "Learn from" -----------------


def test_concordance_codes_with_the_active_layer_at_first(qtbot, window) -> None:
    next(a for a in window.layer_actions if a.text() == "Stance").trigger()
    concordance = open_concordance(qtbot, window)
    assert concordance.code_layer.currentText() == "Stance"


def test_train_dialog_starts_on_the_active_layer_and_remembers_learn_from(qtbot, window) -> None:
    from annotator.gui.dialogs.train_dialog import TrainDialog

    next(a for a in window.layer_actions if a.text() == "Stance").trigger()
    window.actions_by_name["train_model"].trigger()
    dialog = window.findChild(TrainDialog, "train_dialog")
    assert dialog.layer.currentText() == "Stance"
    assert dialog.source.currentData() == "gold"
    dialog.source.setFocus()
    while dialog.source.currentData() != "ben":
        qtbot.keyClick(dialog.source, Qt.Key.Key_Down)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(TrainDialog, "train_dialog") is None, timeout=3000)
    window.actions_by_name["train_model"].trigger()
    again = window.findChild(TrainDialog, "train_dialog")
    assert again.source.currentData() == "ben"
    qtbot.mouseClick(again.close_button, Qt.MouseButton.LeftButton)


# ----- 7. agreement levels and weighted kappa's scale, worded for the window ---------------------------


def test_interval_and_ratio_are_offered_only_for_an_int_attribute(qtbot, window) -> None:
    from PySide6.QtGui import QStandardItemModel

    from annotator.gui.agreement import AgreementDashboard

    window.actions_by_name["agreement"].trigger()
    dashboard = window.findChildren(AgreementDashboard)[0]
    controls = dashboard.controls
    controls.set_layer("Stance")
    model = controls.level_box.model()
    assert isinstance(model, QStandardItemModel)

    def offered(level: str) -> bool:
        return model.item(controls.level_box.findText(level)).isEnabled()

    assert not offered("interval") and not offered("ratio") and offered("ordinal")
    controls.attribute_box.setCurrentIndex(controls.attribute_box.findData("intensity"))  # int 1–3
    assert offered("interval") and offered("ratio")
    controls.level_box.setCurrentIndex(controls.level_box.findText("interval"))
    assert controls.problem() == ""
    controls.attribute_box.setCurrentIndex(controls.attribute_box.findData(None))  # back to the labels
    assert controls.level_box.currentText() == "ordinal"
    qtbot.mouseClick(controls.measure_boxes["weighted_kappa"], Qt.MouseButton.LeftButton)
    assert controls.measure_boxes["weighted_kappa"].isChecked()
    assert "codebook order as the scale" in controls.note.text()
    dashboard.close()


def test_the_train_dialog_says_no_command_line_option(qtbot, window) -> None:
    from annotator.gui.dialogs.train_dialog import TrainDialog

    window.actions_by_name["train_model"].trigger()
    dialog = window.findChild(TrainDialog, "train_dialog")
    assert dialog.source.currentData() == "gold"  # the project has no curator
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10000)
    text = dialog.status.text()
    assert "no curator" in text and "--" not in text and "choose an annotator under Learn from" in text
    assert stored(window.project.path, "SELECT COUNT(*) FROM models") == [(0,)]
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)


# ----- 8. the frequencies chart over months --------------------------------------------------------


def test_months_chart_is_a_time_axis_with_whole_number_ticks_and_exports_readable(qtbot, window, tmp_path) -> None:
    import os

    from annotator.gui.analysis.frequencies import FrequenciesWindow
    from annotator.ops.metadata import edit_document

    project = window.project
    first, second = window.documents_panel.model.ids()[:2]
    edit_document(project, first, "ada", {"date": "2024-01-05"})
    edit_document(project, second, "ada", {"date": "2024-04-10"})
    for document in (first, second):  # two labels with the same counts: their lines coincide
        project.annotations.add(document, "ada", "Framing", "Economic", 0, 1)
        project.annotations.add(document, "ada", "Framing", "Morality", 2, 5)
    window.actions_by_name["frequencies"].trigger()
    frequencies = window.findChild(FrequenciesWindow, "frequencies_window")
    qtbot.waitUntil(lambda: frequencies.table is not None and not frequencies.runner.running, timeout=10000)
    frequencies.by.setCurrentIndex(frequencies.by.findData("date:month"))
    frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("lines"))
    qtbot.waitUntil(lambda: frequencies.table.by == "date:month" and not frequencies.runner.running, timeout=10000)
    axes = frequencies.chart.figure.axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert all(float(tick).is_integer() for tick in axes.get_yticks())
    lines = [line for line in axes.get_lines() if line.get_linestyle() != "None"]
    assert len(lines) == 2 and lines[0].get_marker() != lines[1].get_marker()
    assert list(lines[0].get_xdata()) != list(lines[1].get_xdata())  # nudged apart: both visible
    written = frequencies.export_chart(tmp_path / "months.png")
    mask = os.umask(0)
    os.umask(mask)
    assert written is not None and (written.stat().st_mode & 0o777) == 0o666 & ~mask

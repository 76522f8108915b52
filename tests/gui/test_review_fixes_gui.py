"""Fixes from a new user's session on a real screen: the analysis windows follow who annotates,
undo and redo from the concordance, jumps to the text, suggestions of the active layer only,
dates typed in the documents table, wording and defaults. Every test drives the widgets."""

from __future__ import annotations

from pathlib import Path

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

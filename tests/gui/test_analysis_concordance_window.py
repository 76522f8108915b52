"""Analyze → Concordance driven like a user: type, search, select rows, press a label's key,
double-click, export; what is shown and what is stored in the project file are asserted."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel

from annotator.gui.analysis.concordance import ConcordanceWindow
from annotator.gui.analysis.kwic_table import LEFT, MATCH
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import stored

CODED = ("SELECT a.span_start, a.span_end, l.name FROM annotations AS a JOIN labels AS l ON l.id = a.label_id "
         "JOIN annotators AS n ON n.id = a.annotator_id WHERE n.name = ?")


def open_concordance(qtbot, window) -> ConcordanceWindow:
    """Analyze → Concordance from the main window's action."""
    window.actions_by_name["concordance"].trigger()
    found = window.findChild(ConcordanceWindow, "concordance_window")
    assert found is not None and found.isVisible()
    qtbot.waitExposed(found)
    return found


def search(qtbot, concordance: ConcordanceWindow, text: str, mode: str = "words") -> None:
    """Choose the mode, type the query and press Search; wait for the worker to report."""
    concordance.mode.setCurrentIndex(concordance.mode.findData(mode))
    concordance.query.clear()
    qtbot.keyClicks(concordance.query, text)
    qtbot.mouseClick(concordance.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not concordance.runner.running, timeout=10000)


def click_row(qtbot, concordance: ConcordanceWindow, row: int, double: bool = False) -> None:
    view = concordance.view
    rect = view.visualRect(view.model().index(row, MATCH))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if double:  # a view reports a double click on the row the press was on
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_word_is_found_in_context_aligned_on_the_match(qtbot, window) -> None:
    """One row per hit; offsets are code points of the text (an emoji and NBSP come before)."""
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "robbery")
    model = concordance.view.model()
    assert model.rowCount() == 1
    hit = concordance.view.kwic.hits[0]
    assert SAMPLE_TEXT[hit.start:hit.end] == "robbery"
    assert hit.start == SAMPLE_TEXT.index("robbery")
    assert model.index(0, MATCH).data() == "robbery"
    assert model.index(0, LEFT).data().endswith("This is ")
    assert model.index(0, LEFT).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert concordance.message.message.startswith("1 hits of “robbery”") or "1 hit" in concordance.message.message
    search(qtbot, concordance, "CAFÉ*")  # accents and case ignored, * at a word's end: nothing here
    assert model.rowCount() == 0 and concordance.message.message.startswith("No hits")


def test_bad_regex_and_empty_query_are_messages_in_the_window(qtbot, window) -> None:
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "(unclosed", mode="regex")
    assert concordance.message.is_error
    assert "regular expression" in concordance.message.message
    assert concordance.view.model().rowCount() == 0
    concordance.query.clear()
    qtbot.mouseClick(concordance.search_button, Qt.MouseButton.LeftButton)
    assert concordance.message.message == "Type a regular expression to find."
    qtbot.keyClicks(concordance.scope_bar.where, "outlet")  # not KEY=VALUE
    search(qtbot, concordance, "tax", mode="regex")
    assert concordance.message.is_error and "KEY=VALUE" in concordance.message.message


def test_rows_are_coded_by_a_label_key_skipped_when_coded_and_undone_from_edit_undo(qtbot, window) -> None:
    path = Path(window.project.path)
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, r"\b(tax|robbery)\b", mode="regex")
    assert concordance.view.model().rowCount() == 2
    concordance.view.selectAll()
    qtbot.keyClick(concordance.view, Qt.Key.Key_1)  # Framing: "1" is Economic
    said = "Coded 2 hits as Framing:Economic (0 already had it)"
    assert concordance.message.message.startswith(said)
    assert window.statusBar().currentMessage() == said
    rows = stored(path, CODED, ("ada",))
    assert sorted((SAMPLE_TEXT[s:e], label) for s, e, label in rows) == [("robbery", "Economic"), ("tax", "Economic")]
    assert "Framing:Economic" in concordance.view.model().index(0, 6).data()
    assert not concordance.stale_banner.isVisible()  # our own coding: the rows stay current
    click_row(qtbot, concordance, 1)
    qtbot.keyClick(concordance.view, Qt.Key.Key_1)
    assert concordance.message.message.startswith("Coded 0 hits as Framing:Economic (1 already had it)")
    assert len(stored(path, CODED, ("ada",))) == 2
    undo = window.actions_by_name["undo"]
    assert undo.isEnabled()
    undo.trigger()  # Edit → Undo in the main window takes the two back in one step
    assert stored(path, CODED, ("ada",)) == []
    assert not concordance.stale_banner.isVisible()  # the rows' codes follow the undo at once
    assert concordance.view.model().index(0, 6).data() == ""


def test_a_key_no_label_has_and_no_selection_are_said(qtbot, window) -> None:
    path = Path(window.project.path)
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "tax")
    qtbot.keyClick(concordance.view, Qt.Key.Key_Z)
    assert concordance.message.is_error and "key “z”" in concordance.message.message
    concordance.view.clearSelection()
    qtbot.mouseClick(concordance.code_button, Qt.MouseButton.LeftButton)
    assert concordance.message.message == "Select the rows to code first."
    assert stored(path, CODED, ("ada",)) == []


def test_double_click_shows_the_hit_selected_in_the_main_window(qtbot, window) -> None:
    concordance = open_concordance(qtbot, window)
    window.show_document(window.documents_panel.model.document_id(1))  # the other document
    search(qtbot, concordance, "Supporters")
    hit = concordance.view.kwic.hits[0]
    click_row(qtbot, concordance, 0, double=True)
    assert window.document_id == hit.document_id
    assert window.editor.selection() == (hit.start, hit.end)
    assert window.editor.view.textCursor().selectedText() == "Supporters"


def test_everyone_and_colleagues_only_when_not_coding_blind(qtbot, window) -> None:
    concordance = open_concordance(qtbot, window)
    whose = concordance.scope_bar.whose
    model = whose.model()
    assert isinstance(model, QStandardItemModel)
    offered = {whose.itemText(n): model.item(n).isEnabled() for n in range(whose.count())}
    assert offered == {"me (ada)": True, "ben": False, "everyone": False, "the gold set": True}
    window.actions_by_name["show_others"].trigger()  # View → Show other annotators
    assert all(model.item(n).isEnabled() for n in range(whose.count()))
    whose.setCurrentIndex(whose.findText("everyone"))
    window.actions_by_name["show_others"].trigger()  # blind again: back to my own codes
    assert whose.currentText() == "me (ada)"


def test_rows_export_to_csv_but_never_over_the_project(qtbot, window, tmp_path: Path) -> None:
    path = Path(window.project.path)
    concordance = open_concordance(qtbot, window)
    search(qtbot, concordance, "the")
    written = concordance.export_csv(tmp_path / "hits.csv")
    lines = written.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "document_id,title,source,date,start,end,left,match,right,codes,relations"
    assert len(lines) == 1 + concordance.view.model().rowCount()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    assert concordance.export_csv(path) is None
    assert concordance.message.is_error and "project file" in concordance.message.message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.fixture
def big_window(qtbot, settings, big_project_path: Path, tmp_path: Path):
    """The main window on a copy of the 10,000-document project."""
    from annotator.gui.main_window import MainWindow

    copy = tmp_path / "big.annot"
    shutil.copy2(big_project_path, copy)
    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.set_project(Project.open(copy), annotator="ada")
    main.show()
    yield main
    for found in main.findChildren(ConcordanceWindow):
        found.stop()


def test_a_slow_regex_runs_off_the_gui_thread_and_cancel_stops_it(qtbot, big_window) -> None:
    concordance = open_concordance(qtbot, big_window)
    concordance.mode.setCurrentIndex(concordance.mode.findData("regex"))
    qtbot.keyClicks(concordance.query, r"(\w+\s?)+!")  # backtracks on every document
    qtbot.mouseClick(concordance.search_button, Qt.MouseButton.LeftButton)
    assert concordance.runner.running and concordance.progress.isVisible()
    assert concordance.message.message == "Searching…"
    qtbot.mouseClick(concordance.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not concordance.runner.running, timeout=10000)
    assert concordance.message.message.startswith("Cancelled")
    assert concordance.view.model().rowCount() == 0 and not concordance.progress.isVisible()

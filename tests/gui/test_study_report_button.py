"""Analyze → Study progress…: the Methods report… button writes the selected round's report
through a file dialog (refusing the project's own files), stating the share of compared
annotations that began as suggestions; the α-per-label-by-round tab shows `round table`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget

from annotator.ops.rounds import close_round, start_round
from tests.gui.conftest import on_modal

LAYER = "Dominant frame"


def _open(window):
    from annotator.gui.dialogs.study_progress import StudyProgressWindow

    window.actions_by_name["study_progress"].trigger()
    dialog = window.dialog
    assert isinstance(dialog, StudyProgressWindow)
    return dialog


def _code(project, ben_second: str = "Political") -> None:
    """ada and ben give each article a dominant frame; ada's first began as a rule's suggestion."""
    first, second = project.documents.ids()
    project.annotations.add(first, "ada", LAYER, "Economic", origin="rule:Economic")
    project.annotations.add(first, "ben", LAYER, "Economic")
    project.annotations.add(second, "ada", LAYER, "Morality")
    project.annotations.add(second, "ben", LAYER, ben_second)


def _save_as(qtbot, path: Path) -> None:
    """Type `path` into the next file dialog and press Enter."""

    def choose(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        name.setText(str(path))
        qtbot.keyClick(name, Qt.Key.Key_Return)

    on_modal(QFileDialog, choose)


def _click_row(qtbot, table, row: int) -> None:
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_methods_report_button_writes_the_selected_rounds_report(qtbot, window, tmp_path: Path) -> None:
    project = window.project
    _code(project)
    start_round(project, "pilot", scope="all")
    close_round(project, "pilot")
    start_round(project, "second", scope="all")
    dialog = _open(window)
    _click_row(qtbot, dialog.rounds_table, 0)  # the first round, not the latest
    out = tmp_path / "pilot report.md"
    _save_as(qtbot, out)
    qtbot.mouseClick(dialog.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: out.exists())
    text = out.read_text(encoding="utf-8")
    assert text.startswith('# Methods report: round "pilot"')
    assert ("began as suggestions: 1 of the 4 annotations compared (25.0%) began as suggestions accepted from a "
            "codebook rule or a model (ada 1 of 2, ben 0 of 2)") in text
    assert f'Methods report of round "pilot" written to {out}.' in dialog.report_message.text()

    page = tmp_path / "second.html"  # with no row chosen again: the selected one; choose the latest
    _click_row(qtbot, dialog.rounds_table, 1)
    _save_as(qtbot, page)
    qtbot.mouseClick(dialog.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.exists())
    assert "<h1>Methods report: round &quot;second&quot;</h1>" in page.read_text(encoding="utf-8")


def test_methods_report_refuses_the_project_and_its_side_files(qtbot, window, tmp_path: Path) -> None:
    project = window.project
    _code(project)
    start_round(project, "pilot", scope="all")
    path = Path(project.path)
    before = sqlite3.connect(path).execute("SELECT COUNT(*), MAX(id) FROM audit_log").fetchone()
    dialog = _open(window)
    side = path.with_name(path.name + "-journal")
    _save_as(qtbot, side)
    qtbot.mouseClick(dialog.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "is a project file" in dialog.report_message.text())
    assert str(side) in dialog.report_message.text() and "choose another name for the report" in \
        dialog.report_message.text()
    assert not side.exists()
    plain = tmp_path / "report.txt"
    _save_as(qtbot, plain)
    qtbot.mouseClick(dialog.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "name a .md or .html file" in dialog.report_message.text())
    assert not plain.exists()
    assert sqlite3.connect(path).execute("SELECT COUNT(*), MAX(id) FROM audit_log").fetchone() == before


def test_alpha_by_round_tab_shows_each_label_and_whether_reliability_is_reached(qtbot, window) -> None:
    project = window.project
    _code(project)
    start_round(project, "pilot", scope="all")
    close_round(project, "pilot")
    start_round(project, "second", scope="all")
    dialog = _open(window)
    dialog.tabs.setCurrentIndex(1)
    dialog.alpha_layer_box.setCurrentText(LAYER)
    qtbot.mouseClick(dialog.alpha_button, Qt.MouseButton.LeftButton)
    table = dialog.alpha_table
    header = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert header == ["Label", "pilot", "second"]
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in (1, 2)] for r in range(table.rowCount())}
    assert rows["Economic"] == ["1.000", "1.000"] and rows["Morality"] == ["0.000", "0.000"]
    assert rows["pooled α"] == ["0.400", "0.400"]
    assert rows["reliability reached (α ≥ 0.8)"] == ["no", "no"]
    # ben recodes the second article as Morality: the table is out of date, then reached.
    close_round(project, "second")
    second = project.documents.ids()[1]
    ben = next(a for a in project.annotations.for_document(second, "ben"))
    project.annotations.delete([ben.id])
    project.annotations.add(second, "ben", LAYER, "Morality")
    assert "Out of date" in dialog.alpha_message.text()
    dialog.threshold_box.setCurrentIndex(1)  # 0.667
    qtbot.mouseClick(dialog.alpha_button, Qt.MouseButton.LeftButton)
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in (1, 2)] for r in range(table.rowCount())}
    assert rows["reliability reached (α ≥ 0.667)"] == ["yes", "yes"]
    assert "Out of date" not in dialog.alpha_message.text()

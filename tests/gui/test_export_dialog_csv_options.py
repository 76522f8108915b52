"""File → Export… with CSV: the Excel and formula-guard options, shown only for CSV."""

from __future__ import annotations

import codecs
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox

from annotator.gui.dialogs.export_dialog import ExportDialog


def _dialog(window, qtbot) -> ExportDialog:
    window.actions_by_name["export"].trigger()
    dialog = window.dialog
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    return dialog


def _choose_csv(dialog: ExportDialog, qtbot) -> None:
    """Choose CSV and wait until the dialog has laid out the rows it shows for it."""
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    qtbot.waitUntil(lambda: dialog.done_only.y() < dialog.excel.y() < dialog.formula_guard.y() < dialog.out.y())


def _tick(qtbot, box: QCheckBox) -> None:
    """Click the check box's square, as a person does (the widget is as wide as the form)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(box.height() // 2, box.height() // 2))


def _export(dialog: ExportDialog, qtbot, out: Path) -> None:
    dialog.out.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)


def test_csv_options_show_only_for_csv(window, qtbot) -> None:
    dialog = _dialog(window, qtbot)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("jsonl"))
    assert not dialog.excel.isVisible() and not dialog.formula_guard.isVisible()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    assert dialog.excel.isVisible() and dialog.formula_guard.isVisible()
    assert not dialog.excel.isChecked() and dialog.formula_guard.isChecked()  # the guard is on by default


def test_ticking_excel_and_unticking_the_guard_reach_the_file(window, qtbot, tmp_path: Path) -> None:
    doc = window.project.documents.ids()[0]
    window.project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11, note="=1+1")
    dialog = _dialog(window, qtbot)
    _choose_csv(dialog, qtbot)
    _tick(qtbot, dialog.excel)
    _tick(qtbot, dialog.formula_guard)
    assert dialog.excel.isChecked() and not dialog.formula_guard.isChecked()
    out = tmp_path / "for-excel.csv"
    _export(dialog, qtbot, out)
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert ",=1+1" in data.decode("utf-8-sig") and "'=1+1" not in data.decode("utf-8-sig")


def test_by_default_the_csv_is_guarded_and_has_no_byte_order_mark(window, qtbot, tmp_path: Path) -> None:
    doc = window.project.documents.ids()[0]
    window.project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11, note="=1+1")
    dialog = _dialog(window, qtbot)
    _choose_csv(dialog, qtbot)
    out = tmp_path / "plain.csv"
    _export(dialog, qtbot, out)
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("document_id,") and "'=1+1" in text

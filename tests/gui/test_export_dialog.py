"""File → Export… as a user drives it: choose a format, export, read what was written."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.gui.dialogs.export_dialog import GOLD, ExportDialog


def _dialog(window, qtbot) -> ExportDialog:
    window.actions_by_name["export"].trigger()
    dialog = window.dialog
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    return dialog


def test_export_jsonl_of_one_annotator_from_the_menu(window, qtbot, tmp_path: Path) -> None:
    doc = window.project.documents.ids()[0]
    window.project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
    window.project.annotations.add(doc, "ben", "Framing", "Political", 4, 11)
    dialog = _dialog(window, qtbot)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("jsonl"))
    dialog.who.setCurrentText("ada")
    out = tmp_path / "ada.jsonl"
    dialog.out.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    spans = [s for line in lines for s in line["spans"]]
    assert [(s["annotator"], s["label"]) for s in spans] == [("ada", "Economic")]
    assert "Export finished" in dialog.status.text() and "2 documents" in dialog.results.toPlainText()


def test_export_reports_what_the_format_cannot_carry(window, qtbot, tmp_path: Path) -> None:
    doc = window.project.documents.ids()[0]
    window.project.annotations.set_document_label(doc, "ada", "Dominant frame", "Economic")
    dialog = _dialog(window, qtbot)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("brat"))
    out = tmp_path / "brat-out"
    dialog.out.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    assert out.is_dir() and any(out.rglob("*.ann"))
    assert "document" in dialog.results.toPlainText().lower()  # document labels are not carried by brat
    assert Path(dialog.report.report_path).exists()


def test_gold_export_with_no_curator_says_so_and_writes_nothing(window, qtbot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot)
    dialog.who.setCurrentText(GOLD)
    out = tmp_path / "gold.jsonl"
    dialog.out.setText(str(out))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "no curator" in dialog.status.text(), timeout=15000)
    assert dialog.report is None and not out.exists()
    assert dialog.export_button.isEnabled()

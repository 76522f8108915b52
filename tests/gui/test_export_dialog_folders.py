"""File → Export… for formats that write a folder (brat, WebAnno, Parquet): the suggested
name says the format, and "Choose…" opens a folder picker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit, QPushButton, QWidget

from annotator.gui.dialogs.export_dialog import ExportDialog
from tests.gui.conftest import on_modal


def _dialog(window, qtbot) -> ExportDialog:
    window.actions_by_name["export"].trigger()
    dialog = window.dialog
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    return dialog


def _pick(dialog: ExportDialog, fmt: str) -> None:
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(fmt))


def _choose_button(dialog: ExportDialog) -> QPushButton:
    return next(b for b in dialog.findChildren(QPushButton) if b.text() == "Choose…")


def _type_into(qtbot, box: QWidget, path: Path) -> None:
    """Type a path into the file dialog's name field and press Return, as a person does."""
    name = box.findChild(QLineEdit, "fileNameEdit")
    name.setText(str(path))
    qtbot.keyClick(name, Qt.Key.Key_Return)


def test_folder_formats_suggest_a_name_that_says_the_format(window, qtbot) -> None:
    dialog = _dialog(window, qtbot)
    stem = window.project.path.with_suffix("")
    seen = []
    for fmt in ("parquet", "webanno", "brat", "jsonl", "parquet", "csv", "webanno"):
        _pick(dialog, fmt)
        seen.append(dialog.out.text())
    assert seen == [f"{stem}-parquet", f"{stem}-webanno", f"{stem}-brat", f"{stem}.jsonl", f"{stem}-parquet",
                    f"{stem}.csv", f"{stem}-webanno"]


def test_parquet_export_goes_into_a_folder_named_parquet(window, qtbot) -> None:
    dialog = _dialog(window, qtbot)
    _pick(dialog, "parquet")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    folder = window.project.path.with_name(window.project.path.stem + "-parquet")
    assert folder.is_dir() and any(folder.rglob("*.parquet"))
    assert not window.project.path.with_name(window.project.path.stem + "-brat").exists()


def test_choose_opens_a_folder_picker_for_a_folder_format(window, qtbot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot)
    _pick(dialog, "parquet")
    empty = tmp_path / "exports"
    empty.mkdir()
    modes: list[QFileDialog.FileMode] = []

    def choose(box: QWidget) -> None:
        modes.append(box.fileMode())
        _type_into(qtbot, box, empty)

    on_modal(QFileDialog, choose)
    qtbot.mouseClick(_choose_button(dialog), Qt.MouseButton.LeftButton)
    assert modes == [QFileDialog.FileMode.Directory]
    assert dialog.out.text() == str(empty)  # an empty folder is written into as it is


def test_choosing_a_folder_with_files_writes_into_a_new_subfolder(window, qtbot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot)
    _pick(dialog, "webanno")
    busy = tmp_path / "papers"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")

    def choose(box: QWidget) -> None:
        _type_into(qtbot, box, busy)

    on_modal(QFileDialog, choose)
    qtbot.mouseClick(_choose_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.out.text() == str(busy / f"{window.project.path.stem}-webanno")


def test_choose_opens_a_file_picker_for_a_file_format(window, qtbot, tmp_path: Path) -> None:
    dialog = _dialog(window, qtbot)
    _pick(dialog, "jsonl")
    modes: list[QFileDialog.FileMode] = []
    target = tmp_path / "out.jsonl"

    def choose(box: QWidget) -> None:
        modes.append(box.fileMode())
        _type_into(qtbot, box, target)

    on_modal(QFileDialog, choose)
    qtbot.mouseClick(_choose_button(dialog), Qt.MouseButton.LeftButton)
    assert modes == [QFileDialog.FileMode.AnyFile]
    assert dialog.out.text() == str(target)

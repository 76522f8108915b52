"""File → Export…: format, selection, destination; runs in a worker thread with progress and Cancel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...ops.exporting import EXPORTERS, ExportCancelled, ExportReport, export_project
from ...project import Project
from ..workers import TaskRunner, TaskWorker

if TYPE_CHECKING:  # pragma: no cover
    from ..context import AppContext

ALL, GOLD = "All annotators", "Gold (curator)"


def export_task(project_path: Path, fmt: str, out: Path, annotator: str | None, gold: bool, layer: str | None,
                done_only: bool, options: Mapping[str, Any] | None = None) -> Callable[[TaskWorker], ExportReport]:
    """The export as a worker task, on its own read-only connection."""

    def task(worker: TaskWorker) -> ExportReport:
        with Project.open(project_path, readonly=True) as project:
            return export_project(project, fmt, out, annotator=annotator, layer=layer, done_only=done_only,
                                  gold=gold, options=options, progress=worker.progress,
                                  cancelled=worker.cancel_requested.is_set)

    return task


class ExportDialog(QDialog):
    """Choose a format, whose annotations, a layer and where; then export with progress."""

    def __init__(self, project: Project, annotator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.project_path = project.path
        self.report: ExportReport | None = None
        self.runner = TaskRunner(self)
        self.format_box = QComboBox(self)
        for name, exporter in EXPORTERS.items():
            self.format_box.addItem(f"{name} — {exporter.description}", name)
        self.who = QComboBox(self)
        self.who.addItems([ALL, GOLD, *[a.name for a in project.annotators.list()]])
        self.layer = QComboBox(self)
        self.layer.addItems(["All layers", *[layer.name for layer in project.codebook.get().layers]])
        self.done_only = QCheckBox("Only documents the chosen annotator (or the curator) marked done", self)
        self.excel = QCheckBox("For Excel (UTF-8 with a byte-order mark)", self)
        self.excel.setToolTip("Without the mark, Excel reads the file in the local code page: accents and emoji "
                              "come out garbled.")
        self.formula_guard = QCheckBox("Guard against formulas (' before cells starting with = + - @)", self)
        self.formula_guard.setToolTip("Keeps spreadsheets from running cell text as a formula. Untick for "
                                      "programs (R, pandas) that read the text back as it is.")
        self.formula_guard.setChecked(True)
        self.out = QLineEdit(self)
        self.out.setPlaceholderText("File (or folder for brat, WebAnno, Parquet) to write")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._choose)
        self.format_box.currentIndexChanged.connect(self._suggest_name)
        self.format_box.currentIndexChanged.connect(self._show_options)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.results = QTextBrowser(self)
        self.results.setVisible(False)
        buttons = QDialogButtonBox(self)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.cancel)
        where = QHBoxLayout()
        where.addWidget(self.out, 1)
        where.addWidget(browse)
        form = self.form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("Annotations of:", self.who)
        form.addRow("Layer:", self.layer)
        form.addRow("", self.done_only)
        form.addRow("CSV:", self.excel)
        form.addRow("", self.formula_guard)
        form.addRow("Write to:", where)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.results)
        layout.addWidget(buttons)
        self._suggest_name()
        self._show_options()
        self.resize(680, 260)

    def fmt(self) -> str:
        """The chosen format's name."""
        return str(self.format_box.currentData())

    def options(self) -> dict[str, Any]:
        """The chosen format's options set in the dialog (CSV: excel, formula_guard)."""
        if self.fmt() != "csv":
            return {}
        return {"excel": self.excel.isChecked(), "formula_guard": self.formula_guard.isChecked()}

    def _show_options(self) -> None:
        """Show the CSV options only while CSV is chosen."""
        for box in (self.excel, self.formula_guard):
            self.form.setRowVisible(box, self.fmt() == "csv")

    def _writes_folder(self) -> bool:
        """True when the chosen format writes a folder (brat, WebAnno, Parquet), not one file."""
        return not EXPORTERS[self.fmt()].suffix

    def _suggest_name(self) -> None:
        """Put the format in the name: `demo.jsonl`, `demo-parquet`; switching formats replaces it."""
        current = Path(self.out.text()) if self.out.text() else self.project_path.with_name(self.project_path.stem)
        self.out.setText(str(_named_for(current, self.fmt())))

    def _choose(self) -> None:
        """A folder picker for folder formats, a save-file picker for the others."""
        current = Path(self.out.text().strip()) if self.out.text().strip() else self.project_path
        if self._writes_folder():
            chosen = QFileDialog.getExistingDirectory(self, f"Folder to write the {self.fmt()} export into",
                                                      str(current.parent))
            if chosen:
                folder = Path(chosen)
                empty = folder.is_dir() and not any(folder.iterdir())
                self.out.setText(str(folder if empty else folder / _named_for(current, self.fmt()).name))
            return
        chosen, _ = QFileDialog.getSaveFileName(self, "Export to", self.out.text())
        if chosen:
            self.out.setText(chosen)

    def is_running(self) -> bool:
        """True while the worker thread runs."""
        return self.runner.running

    def start(self) -> None:
        """Start exporting in a worker thread."""
        if self.is_running():
            return
        if not self.out.text().strip():
            self.status.setText("Choose where to write the export first.")
            return
        who = self.who.currentText()
        annotator = None if who in (ALL, GOLD) else who
        layer = None if self.layer.currentIndex() == 0 else self.layer.currentText()
        task = export_task(self.project_path, self.fmt(), Path(self.out.text().strip()), annotator, who == GOLD,
                           layer, self.done_only.isChecked(), self.options())
        self.export_button.setEnabled(False)
        self.close_button.setText("Cancel")
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText("Exporting…")
        self.results.setVisible(False)
        self.runner.start(TaskWorker(task, (ExportCancelled,), what="the export"), self._finished, self._stopped,
                          lambda: self._stopped("Export cancelled; nothing was written."), self._progressed)

    def cancel(self) -> None:
        """Cancel a running export (nothing is written), or close the dialog."""
        if self.is_running():
            self.runner.cancel()
            self.status.setText("Cancelling…")
            return
        self.reject()

    def _progressed(self, done: int, total: int, _phase: str = "") -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(f"{done} / {total} documents")

    def _idle(self) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.close_button.setText("Close")

    def _finished(self, report: object) -> None:
        assert isinstance(report, ExportReport)
        self._idle()
        self.report = report
        self.status.setText("Export finished.")
        self.results.setPlainText(report.as_text())
        self.results.setVisible(True)

    def _stopped(self, message: str) -> None:
        self._idle()
        self.status.setText(message)

    def reject(self) -> None:
        """Closing while exporting cancels first."""
        if self.is_running():
            self.cancel()
            return
        super().reject()


def _without_format(path: Path) -> Path:
    """The path without a folder format's tag (`-brat`, `-parquet`) or a file suffix (`.jsonl`)."""
    for name, exporter in EXPORTERS.items():
        if not exporter.suffix and path.name.endswith(f"-{name}") and len(path.name) > len(name) + 1:
            return path.with_name(path.name[: -len(name) - 1])
    return path.with_suffix("") if path.suffix else path


def _named_for(path: Path, fmt: str) -> Path:
    """The path named for a format: `demo.jsonl` for a file format, `demo-parquet` for a folder one."""
    base = _without_format(path)
    return base.with_name(base.name + (EXPORTERS[fmt].suffix or f"-{fmt}"))


def run_export_dialog(window: AppContext) -> None:
    """Open the Export dialog for the window's project."""
    if window.project is None:
        window.show_message("Open a project first.")
        return
    from PySide6.QtCore import Qt

    dialog = ExportDialog(window.project, window.annotator, window.host())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.dialog = dialog
    dialog.show()

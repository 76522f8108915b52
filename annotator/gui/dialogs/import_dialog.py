"""The Import dialog: files or a folder, format options, a worker thread, progress and Cancel."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
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
    QListWidget,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...formats.base import ReadOptions
from ...ops.importing import ImportCancelled, ImportReport, import_paths
from ...project import Project
from ..settings import AppSettings
from ..workers import TaskRunner, TaskWorker


def import_report_html(report: ImportReport) -> str:
    """A short HTML account of an import: counts, duplicates and every file that failed."""
    parts = [f"<p><b>{len(report.imported)}</b> document(s) imported from {report.files} file(s)"]
    if report.annotations:
        parts.append(f", with {report.annotations} annotation(s)")
    parts.append(".</p>")
    if report.created_layers:
        parts.append("<p>Layers created: " + html.escape("; ".join(report.created_layers)) + "</p>")
    if report.added_labels:
        parts.append("<p>Labels added to the codebook: " + html.escape(", ".join(report.added_labels)) + "</p>")
    if report.statuses:
        parts.append(f"<p>Document statuses restored: {report.statuses}</p>")
    notes = report.notes()
    if report.annotations_repeated:
        parts.append(f"<p>Annotations given twice or more in one file (stored once): {report.annotations_repeated}</p>")
    for line in notes:  # spans kept where the file put them, off the layer's tokens or sentences
        if " boundaries of layer " in line:
            parts.append(f"<p>{html.escape(line[0].upper() + line[1:])}.</p>")
    if report.not_carried:
        items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in notes[notes.index(
            "not carried (what / how many):") + 1:])
        parts.append(f"<p>Not carried (what / how many):</p><ul>{items}</ul>")
    if report.duplicates:
        parts.append(f"<p>{len(report.duplicates)} duplicate text(s) skipped.</p>")
    if report.failed:
        items = "".join(
            f"<li><b>{html.escape(Path(name).name)}</b>: {html.escape(reason)}</li>" for name, reason in report.failed
        )
        parts.append(f"<p style='color:#B00020'>{len(report.failed)} file(s) not imported:</p><ul>{items}</ul>")
    return "".join(parts)


def _layer_names(project_path: Path) -> list[str]:
    """The codebook's layer names, for the layer choice (none if the project cannot be read now)."""
    try:
        with Project.open(project_path, readonly=True, lock=False) as project:
            return [layer.name for layer in project.codebook.get().layers]
    except (AnnotatorError, OSError, sqlite3.Error):
        return []


def import_task(project_path: Path, paths: list[Path], fmt: str, options: ReadOptions,
                add_labels: bool) -> Callable[[TaskWorker], ImportReport]:
    """The import as a worker task: its own connection, one transaction, undone on Cancel."""

    def task(worker: TaskWorker) -> ImportReport:
        with Project.open(project_path, lock=False) as project:
            return import_paths(project, paths, fmt, options, add_labels, progress=worker.progress,
                                cancelled=worker.cancel_requested.is_set, atomic=True)

    return task


class ImportDialog(QDialog):
    """Choose files, options, run the import with progress; lists per-file errors at the end."""

    sig_imported = Signal(object)
    """The ImportReport after documents were imported (the project changed)."""

    def __init__(self, project_path: Path, parent: QWidget | None = None, settings: AppSettings | None = None) -> None:
        super().__init__(parent)
        from ...formats.readers import FORMATS

        self.setWindowTitle("Import documents")
        self.project_path = project_path
        # Where the file dialogs start is remembered in the app's settings (the main window's
        # when it opened the dialog); without them: the home folder, not the working folder.
        found = settings if settings is not None else getattr(parent, "settings", None)
        self.settings: AppSettings | None = found if isinstance(found, AppSettings) else None
        self.report: ImportReport | None = None
        self.outcome = ""  # "imported", "cancelled" or "failed" once done
        self.runner = TaskRunner(self)
        self.paths = QListWidget(self)
        self.paths.setAccessibleName("Files to import")
        add_files = QPushButton("Add files…", self)
        add_folder = QPushButton("Add folder…", self)
        remove = QPushButton("Remove", self)
        add_files.clicked.connect(self._add_files)
        add_folder.clicked.connect(self._add_folder)
        remove.clicked.connect(lambda: [self.paths.takeItem(self.paths.row(i)) for i in self.paths.selectedItems()])
        self.format_box = QComboBox(self)
        self.format_box.addItems(["auto", *FORMATS])
        self.format_box.setToolTip("auto: by file extension (.txt, .md, .html, .docx, .csv, .tsv, .jsonl)")
        self.text_column = QLineEdit(self)
        self.text_column.setPlaceholderText("text (CSV/TSV only)")
        self.add_labels = QCheckBox("Add missing labels and layers to the codebook "
                                    "(a new layer keeps the file's offsets exactly)", self)
        self.layer_box = QComboBox(self)
        self.layer_box.setEditable(True)
        self.layer_box.setAccessibleName("Layer for labels that name none")
        self.layer_box.addItem("")
        self.layer_box.addItems(_layer_names(project_path))
        self.layer_box.setCurrentIndex(0)
        line = self.layer_box.lineEdit()
        assert line is not None
        line.setPlaceholderText("none: such labels must be in the codebook")
        self.layer_box.setToolTip("doccano, Prodigy, brat and CoNLL labels name no layer: they go to this one "
                                  "(type a new name and tick the box below to create it)")
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.progress_label = QLabel(self)
        self.results = QTextBrowser(self)
        self.results.setVisible(False)
        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        side = QVBoxLayout()
        for button in (add_files, add_folder, remove):
            side.addWidget(button)
        side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.paths, 1)
        top.addLayout(side)
        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("Text column:", self.text_column)
        form.addRow("Layer for labels that name none:", self.layer_box)
        form.addRow("", self.add_labels)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Files and folders to import (folders: every supported file in them):", self))
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.results)
        layout.addWidget(self.buttons)
        self.resize(620, 440)

    # ----- choosing ------------------------------------------------------------------

    def add_paths(self, paths: list[Path]) -> None:
        """Add files or folders to the list."""
        present = {self.paths.item(i).text() for i in range(self.paths.count())}
        for path in paths:
            if str(path) not in present:
                self.paths.addItem(str(path))

    def chosen_paths(self) -> list[Path]:
        """The files and folders listed."""
        return [Path(self.paths.item(i).text()) for i in range(self.paths.count())]

    def start_folder(self) -> Path:
        """Where the file dialogs start: the folder of the last import, else the home folder."""
        return self.settings.import_folder() if self.settings is not None else Path.home()

    def _remember(self, chosen: Path) -> None:
        """Remember the folder something was chosen in (a chosen folder's parent: its siblings are next)."""
        if self.settings is not None:
            self.settings.set_import_folder(chosen.parent)

    def _add_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(
            self, "Files to import", str(self.start_folder()),
            "Articles and annotated corpora (*.txt *.md *.html *.htm *.docx *.csv *.tsv *.jsonl *.json *.ann "
            "*.xmi *.zip *.conll *.qdpx *.spacy);;All (*)",
        )
        if chosen:
            self._remember(Path(chosen[0]))
        self.add_paths([Path(p) for p in chosen])

    def _add_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder to import", str(self.start_folder()))
        if chosen:
            self._remember(Path(chosen))
            self.add_paths([Path(chosen)])

    # ----- running -------------------------------------------------------------------

    def is_running(self) -> bool:
        """True while the worker thread runs."""
        return self.runner.running

    def start(self) -> None:
        """Start importing in a worker thread."""
        paths = self.chosen_paths()
        if not paths or self.is_running():
            self.progress_label.setText("Add files or a folder first." if not paths else self.progress_label.text())
            return
        options = ReadOptions(text_column=self.text_column.text().strip() or None,
                              default_layer=self.layer_box.currentText().strip() or None)
        task = import_task(self.project_path, paths, self.format_box.currentText(), options,
                           self.add_labels.isChecked())
        self.import_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Starting…")
        self.results.setVisible(False)
        self.runner.start(TaskWorker(task, (ImportCancelled,), what="the import"), self._finished, self._failed,
                          self._cancelled, self._progressed)

    def cancel(self) -> None:
        """Cancel a running import (nothing is kept), or close the dialog."""
        if self.is_running():
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling… nothing will be kept.")
            return
        self.reject()

    def _progressed(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(f"{done} / {total}  {Path(name).name}" if name else f"{done} / {total}")

    def _stop_thread(self) -> None:
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.progress.setVisible(False)

    def _finished(self, report: object) -> None:
        assert isinstance(report, ImportReport)
        self._stop_thread()
        self.report = report
        self.outcome = "imported"
        self.progress_label.setText("Import finished.")
        self.results.setHtml(import_report_html(report))
        self.results.setVisible(True)
        self.import_button.setEnabled(True)
        if report.imported or report.annotations or report.added_labels:
            self.sig_imported.emit(report)

    def _cancelled(self) -> None:
        self._stop_thread()
        self.outcome = "cancelled"
        self.import_button.setEnabled(True)
        self.progress_label.setText("Import cancelled: the project is unchanged.")

    def _failed(self, message: str) -> None:
        self._stop_thread()
        self.outcome = "failed"
        self.import_button.setEnabled(True)
        self.progress_label.setText("Import failed; the project is unchanged.")
        self.results.setPlainText(message)
        self.results.setVisible(True)

    def reject(self) -> None:
        """Closing while importing cancels first."""
        if self.is_running():
            self.cancel()
            return
        super().reject()

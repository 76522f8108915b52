"""File → Merge project…: choose a colleague's file, map names and labels, merge in a worker, show the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import ProjectFileError
from ...ops.merge import LabelKey, MergeCancelled, MergeReport, merge_description, merge_project, read_other, suggest_annotator_map
from ...ops.merge import unknown_labels as find_unknown_labels
from ...project import PROJECT_SUFFIX, Project
from ..workers import TaskRunner, TaskWorker

if TYPE_CHECKING:
    from ..context import AppContext

ADD_LABEL = "Add to our codebook"
MAP_PREFIX = "Map to: "
NEW_SUFFIX = " (new)"
ERROR_STYLE = "color: #B00020;"


@dataclass(slots=True)
class Inspection:
    """What the other file holds that needs a decision before merging."""

    their_annotators: list[tuple[str, str]]  # (name, role)
    suggestions: dict[str, str]
    unknown: list[LabelKey]
    our_labels: dict[str, list[str]] = field(default_factory=dict)  # our layer → its label names


def describe_error(error: Exception) -> str:
    """A clear message for a refused file or a failed merge."""
    if isinstance(error, ProjectFileError):
        return f"{error.path}\n{error.problem}"
    return str(error)


def inspect_other(project_path: Path, other_path: Path) -> Inspection:
    """Read the other file (refusing a corrupt or foreign one) with a connection of this thread."""
    project = Project.open(project_path, readonly=True)
    try:
        other = read_other(other_path)
        names = sorted(set(other.annotators.values()))
        book = project.codebook.get()
        return Inspection(
            their_annotators=names,
            suggestions=suggest_annotator_map(project, other_path),
            unknown=find_unknown_labels(project, other_path),
            our_labels={layer.name: [label.name for label in layer.labels] for layer in book.layers},
        )
    finally:
        project.close()


class MergeDialog(QDialog):
    """Choose the other file; map their annotators and unknown labels; merge; read the report."""

    sig_merged = Signal(object)
    """The MergeReport of a merge that changed the project."""

    def __init__(self, project_path: Path, our_annotators: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge project")
        self.project_path = project_path
        self.our_annotators = our_annotators
        self.inspection: Inspection | None = None
        self.report: MergeReport | None = None
        self.outcome = ""  # "merged", "unchanged", "refused", "failed" or "cancelled"
        self.runner = TaskRunner(self)
        self._purpose = ""

        self.path_field = QLineEdit(self)
        self.path_field.setPlaceholderText(f"A colleague's project file (*{PROJECT_SUFFIX})")
        self.path_field.setAccessibleName("Project file to merge")
        self.path_field.returnPressed.connect(lambda: self.set_path(Path(self.path_field.text().strip())))
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self._choose)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.annotator_table = QTableWidget(0, 3, self)
        self.annotator_table.setHorizontalHeaderLabels(["Their annotator", "Becomes in this project", "Here"])
        self._setup_table(self.annotator_table)
        self.label_table = QTableWidget(0, 3, self)
        self.label_table.setHorizontalHeaderLabels(["Layer", "Their label (not in our codebook)", "What to do"])
        self._setup_table(self.label_table)
        self.label_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.label_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.labels_title = QLabel("Labels their annotations use that our codebook lacks:", self)

        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.progress_label = QLabel(self)
        self.report_view = QPlainTextEdit(self)
        self.report_view.setReadOnly(True)
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setVisible(False)
        self.report_view.setAccessibleName("Merge report")

        self.buttons = QDialogButtonBox(self)
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setEnabled(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button.clicked.connect(self.start_merge)
        self.close_button.clicked.connect(self.cancel)

        top = QHBoxLayout()
        top.addWidget(self.path_field, 1)
        top.addWidget(choose)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            "Documents are matched by their text, annotators by name and labels by layer and name. "
            "Their file is only read, never changed; merging the same file twice adds nothing.", self))
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Their annotators (choose one of ours where a name means the same person):", self))
        layout.addWidget(self.annotator_table, 2)
        layout.addWidget(self.labels_title)
        layout.addWidget(self.label_table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.report_view, 3)
        layout.addWidget(self.buttons)
        self.labels_title.setVisible(False)
        self.label_table.setVisible(False)
        self.resize(720, 560)

    @staticmethod
    def _setup_table(table: QTableWidget) -> None:
        table.verticalHeader().setVisible(False)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

    # ----- choosing the file -------------------------------------------------------------

    def _choose(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Project to merge", str(self.project_path.parent),
            f"Annotator projects (*{PROJECT_SUFFIX});;All files (*)")
        if chosen:
            self.set_path(Path(chosen))

    def set_path(self, path: Path) -> None:
        """Read the chosen file in a worker thread, then show its annotators and unknown labels."""
        if self.is_running() or not str(path).strip():
            return
        self.path_field.setText(str(path))
        self.inspection = None
        self.outcome = ""
        self.merge_button.setEnabled(False)
        self.annotator_table.setRowCount(0)
        self.label_table.setRowCount(0)
        self.report_view.setVisible(False)
        self._set_message("Reading the file…")
        project_path = self.project_path
        self._run("inspect", lambda _worker: inspect_other(project_path, path))

    def other_path(self) -> Path:
        """The file chosen to merge."""
        return Path(self.path_field.text().strip())

    def _set_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")

    def _show_inspection(self, inspection: Inspection) -> None:
        self.inspection = inspection
        self.annotator_table.setRowCount(len(inspection.their_annotators))
        for row, (name, role) in enumerate(inspection.their_annotators):
            item = QTableWidgetItem(name + (" (curator)" if role == "curator" else ""))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.annotator_table.setItem(row, 0, item)
            box = QComboBox(self.annotator_table)
            box.setEditable(True)
            box.setAccessibleName(f"Map {name} to")
            targets = [name] + [ours for ours in self.our_annotators if ours != name]
            box.addItems(targets)
            box.setCurrentText(inspection.suggestions.get(name, name))
            box.currentTextChanged.connect(lambda _text, row=row: self._update_annotator_row(row))
            self.annotator_table.setCellWidget(row, 1, box)
            self.annotator_table.setItem(row, 2, QTableWidgetItem(""))
            self._update_annotator_row(row)
        self.label_table.setRowCount(len(inspection.unknown))
        for row, (layer, label) in enumerate(inspection.unknown):
            self.label_table.setItem(row, 0, QTableWidgetItem(layer))
            self.label_table.setItem(row, 1, QTableWidgetItem(label))
            box = QComboBox(self.label_table)
            box.setAccessibleName(f"What to do with {layer}: {label}")
            box.addItem(ADD_LABEL)
            box.addItems([MAP_PREFIX + ours for ours in inspection.our_labels.get(layer, [])])
            self.label_table.setCellWidget(row, 2, box)
        self.labels_title.setVisible(bool(inspection.unknown))
        self.label_table.setVisible(bool(inspection.unknown))
        suggested = len(inspection.suggestions)
        lines = [f"{len(inspection.their_annotators)} annotator(s) in their file"]
        if suggested:
            lines.append(f"{suggested} name(s) matched to one of ours — check the mapping")
        if inspection.unknown:
            lines.append(f"{len(inspection.unknown)} label(s) unknown here: map each to one of ours or add it")
        self._set_message("; ".join(lines) + ".")
        self.merge_button.setEnabled(True)

    def _update_annotator_row(self, row: int) -> None:
        box = self.annotator_table.cellWidget(row, 1)
        note = self.annotator_table.item(row, 2)
        if not isinstance(box, QComboBox) or note is None:
            return
        target = box.currentText().strip()
        note.setText("ours" if target in self.our_annotators else "new" if target else "—")

    # ----- the mapping the user chose ----------------------------------------------------

    def annotator_box(self, their_name: str) -> QComboBox:
        """The combo box choosing what one of their annotators becomes."""
        for row in range(self.annotator_table.rowCount()):
            if self.annotator_table.item(row, 0).data(Qt.ItemDataRole.UserRole) == their_name:
                box = self.annotator_table.cellWidget(row, 1)
                assert isinstance(box, QComboBox)
                return box
        raise KeyError(their_name)

    def annotator_map(self) -> dict[str, str]:
        """Their name → our name, for every annotator whose name changes."""
        mapping = {}
        for row in range(self.annotator_table.rowCount()):
            theirs = self.annotator_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            box = self.annotator_table.cellWidget(row, 1)
            target = box.currentText().strip() if isinstance(box, QComboBox) else theirs
            if target and target != theirs:
                mapping[theirs] = target
        return mapping

    def label_map(self) -> dict[LabelKey, LabelKey]:
        """(layer, their label) → (layer, our label) for the unknown labels mapped to ours."""
        mapping = {}
        for row in range(self.label_table.rowCount()):
            layer, label = self.label_table.item(row, 0).text(), self.label_table.item(row, 1).text()
            box = self.label_table.cellWidget(row, 2)
            choice = box.currentText() if isinstance(box, QComboBox) else ADD_LABEL
            if choice.startswith(MAP_PREFIX):
                mapping[(layer, label)] = (layer, choice[len(MAP_PREFIX):])
        return mapping

    # ----- merging -----------------------------------------------------------------------

    def is_running(self) -> bool:
        """True while the worker thread reads or merges."""
        return self.runner.running

    def start_merge(self) -> None:
        """Merge in a worker thread with its own connection to our project file."""
        if self.inspection is None or self.is_running():
            return
        project_path, other = self.project_path, self.other_path()
        annotators, labels = self.annotator_map(), self.label_map()

        def merge(worker: TaskWorker) -> MergeReport:
            project = Project.open(project_path, lock=False)
            try:
                return merge_project(project, other, annotators, labels, add_unknown_labels=True,
                                     progress=worker.progress, cancelled=worker.cancel_requested.is_set)
            finally:
                project.close()

        self.outcome = ""
        self.merge_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.progress_label.setText("Merging…")
        self._run("merge", merge)

    def _run(self, purpose: str, task: Callable[[TaskWorker], Any]) -> None:
        self._purpose = purpose
        worker = TaskWorker(task, (MergeCancelled,), describe_error, what="the merge")
        self.close_button.setText("Cancel")
        self.runner.start(worker, self._finished, self._failed, self._cancelled, self._progressed)

    def _stop_thread(self) -> str:
        purpose = self._purpose
        self._purpose = ""
        self.progress.setVisible(False)
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        return purpose

    def _progressed(self, step: int, steps: int, phase: str) -> None:
        self.progress.setRange(0, max(steps, 1))
        self.progress.setValue(step)
        self.progress_label.setText(f"Merging: {phase}…" if phase else "Finishing…")

    def _finished(self, result: object) -> None:
        if self._stop_thread() == "inspect":
            assert isinstance(result, Inspection)
            self._show_inspection(result)
            return
        assert isinstance(result, MergeReport)
        self.report = result
        self.outcome = "merged" if result.changed else "unchanged"
        self.progress_label.setText(
            f"Merged in {result.seconds:.1f} s." if result.changed else "Nothing new: the project is unchanged.")
        self.report_view.setPlainText(result.summary())
        self.report_view.setVisible(True)
        self.merge_button.setEnabled(True)
        if result.changed:
            self.sig_merged.emit(result)

    def _failed(self, message: str) -> None:
        purpose = self._stop_thread()
        if purpose == "inspect":
            self.outcome = "refused"
            self._set_message(f"This file cannot be merged:\n{message}", error=True)
            return
        self.outcome = "failed"
        self.progress_label.setText("The merge failed; the project is unchanged.")
        self.report_view.setPlainText(message)
        self.report_view.setVisible(True)
        self.merge_button.setEnabled(self.inspection is not None)

    def _cancelled(self) -> None:
        self._stop_thread()
        self.outcome = "cancelled"
        self.progress_label.setText("Merge cancelled: the project is unchanged.")
        self.merge_button.setEnabled(self.inspection is not None)

    def cancel(self) -> None:
        """Cancel a running merge (nothing is kept), or close the dialog."""
        if self.runner.running and self._purpose == "merge":
            self.runner.cancel()
            self.close_button.setEnabled(False)
            self.progress_label.setText("Cancelling… nothing will be kept.")
            return
        if self.is_running():
            return  # reading the file is quick; closing waits for it
        self.reject()

    def reject(self) -> None:
        """Closing while merging cancels first."""
        if self.is_running():
            self.cancel()
            return
        super().reject()


def refresh_after_merge(window: AppContext, report: MergeReport) -> None:
    """Bring the main window up to date with what a merge wrote (documents, codebook, undo)."""
    project = window.project
    if project is None:
        return
    window.documents_changed(merge_description(report.source))  # written with another connection
    added = report.documents.added
    window.show_message(f"Merged {Path(report.source).name}: {added} document(s) and "
                        f"{report.annotations.added} annotation(s) added.")


def run_merge_dialog(window: AppContext) -> MergeDialog | None:
    """Open the Merge dialog for the window's project (non-modal); returns it."""
    project = window.project
    if project is None:
        window.show_message("Open a project first.")
        return None
    if project.readonly:
        window.show_error("Cannot merge", f"{project.path}\n\nis open read-only; open it for writing to merge into it.")
        return None
    names = [annotator.name for annotator in project.annotators.list()]
    dialog = MergeDialog(Path(project.path), names, window.host())
    dialog.sig_merged.connect(lambda report: refresh_after_merge(window, report))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.dialog = dialog
    dialog.show()
    return dialog

"""Tools → Train suggestions model…: layer and source, training in a worker process with
progress and Cancel, and the per-label quality table of the layer's model.

The training data are read on a worker thread (its own read-only connection), spaCy trains
in a separate process (annotator/nlp/training.py: fit_in_worker), and the trained model is
stored by the window's own connection when it comes back, so the change bus announces it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Role
from ...nlp.training import MIN_EXAMPLES, TrainingCancelled
from ...ops.models import GOLD, ModelInfo, list_models, prepare, quality_floor, store_model
from ...project import ChangeSet, Project
from ..workers import TaskRunner, TaskWorker

if TYPE_CHECKING:  # pragma: no cover
    from ..context import AppContext

GOLD_TEXT = "Gold set (curator)"
COLUMNS = ("Label", "Precision", "Recall", "F1", "Support")


# What the operations say in command-line words, as this window says it.
WINDOW_WORDS = (("(--from NAME)", "(choose an annotator under Learn from)"),
                ("--from NAME", "an annotator under Learn from"))


def for_window(message: str) -> str:
    """A message of the operations with its command-line options put in the window's words."""
    for cli, window in WINDOW_WORDS:
        message = message.replace(cli, window)
    return message


def train_task(project_path: Path, layer: str, trained_from: str) -> Callable[[TaskWorker], Any]:
    """Read the training data on the worker thread and fit in a worker process; the window stores the result."""

    def task(worker: TaskWorker) -> Any:
        from ...nlp.training import fit_in_worker

        with Project.open(project_path, readonly=True) as project:
            prepared = prepare(project, layer, trained_from)
        worker.progress(0, 1, "starting spaCy in a worker process")
        fitted = fit_in_worker(prepared.data, progress=worker.progress, cancelled=worker.cancel_requested.is_set)
        return prepared, fitted

    return task


class TrainDialog(QDialog):
    """Choose a layer and what to learn from; train; read each label's held-out quality."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("train_dialog")
        self.setWindowTitle("Train suggestions model")
        self.context = context
        project = context.project
        assert project is not None
        self.project_path = project.path
        self.runner = TaskRunner(self)
        self.layer = QComboBox(self)
        self.layer.addItems([layer.name for layer in project.codebook.get().layers])
        self.layer.setCurrentIndex(max(self.layer.findText(getattr(context, "active_layer", "") or ""), 0))
        self.source = QComboBox(self)
        self.source.addItem(GOLD_TEXT, GOLD)
        for person in project.annotators.list():
            if person.role is not Role.CURATOR:
                self.source.addItem(f"{person.name}'s documents marked done", person.name)
        self.source.setCurrentIndex(max(self.source.findData(self._remembered_source()), 0))
        self.source.currentIndexChanged.connect(lambda _index: self._remember_source())
        explain = QLabel(
            "Learns which labels a sentence carries (span layers) or a document carries (document layers) "
            "from the chosen coding, with spaCy on this computer: nothing is downloaded or sent. One document "
            "in five is held out to measure each label's quality.", self)
        explain.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("quality_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(self)
        self.train_button = buttons.addButton("Train", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.train_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.cancel)
        form = QFormLayout()
        form.addRow("Layer:", self.layer)
        form.addRow("Learn from:", self.source)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.layer.currentIndexChanged.connect(self.show_model)
        self.source.currentIndexChanged.connect(self.show_model)
        if context.readonly:
            self.train_button.setEnabled(False)
            self.status.setText("The project is open read-only: a model cannot be stored in it.")
        context.events.sig_changed.connect(self._changed)
        self.show_model()
        self.resize(640, 460)

    # ----- the "Learn from" remembered per project ------------------------------------

    def _remembered_source(self) -> str:
        """The "Learn from" chosen last with this project (app settings; '' if never)."""
        return self.context.settings.train_source_for(Path(self.project_path))

    def _remember_source(self) -> None:
        self.context.settings.set_train_source_for(Path(self.project_path), str(self.source.currentData()))

    # ----- the quality table ----------------------------------------------------------

    def chosen(self) -> tuple[str, str]:
        """(layer, source) chosen."""
        return self.layer.currentText(), str(self.source.currentData())

    def show_model(self) -> None:
        """Show the stored model of the chosen layer and source, if any."""
        project = self.context.project
        if project is None:
            return
        layer, source = self.chosen()
        found = [m for m in list_models(project, layer, active_only=True) if m.trained_from == source]
        self._show(found[0] if found else None, quality_floor(project))

    def _show(self, model: ModelInfo | None, floor: float) -> None:
        self.table.setRowCount(0)
        if model is None:
            self.summary.setText("No model of this layer from this source yet.")
            return
        evaluation = model.evaluation
        unit = "sentences" if evaluation.get("unit") == "sentence" else "documents"
        source = "the gold set" if model.trained_from == GOLD else f"{model.trained_from}'s coding"
        muted = model.muted(floor)
        self.summary.setText(
            f"Model of {model.layer} from {source}, trained {model.created_at[:16].replace('T', ' ')} on "
            f"{model.n_train} documents; quality measured on {model.n_test} documents held out "
            f"(by {unit[:-1]}; seed {evaluation.get('seed', 0)}). "
            + (f"Labels under F1 {floor:.2f} are muted (greyed): never suggested." if muted else
               f"Every label reaches F1 {floor:.2f}: all are suggested."))
        per_label = evaluation.get("per_label", {})
        too_few = evaluation.get("too_few", {})
        grey = QBrush(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        for label, figures in [*per_label.items(), *((label, None) for label in too_few)]:
            row = self.table.rowCount()
            self.table.insertRow(row)
            if figures is None:
                cells = [f"{label} — not learned ({too_few[label]} {unit}; {MIN_EXAMPLES} needed)", "", "", "", ""]
            else:
                cells = [label + (" (muted)" if label in muted else ""), f"{figures['precision']:.2f}",
                         f"{figures['recall']:.2f}", f"{figures['f1']:.2f}", str(figures["support"])]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if figures is None or label in muted:
                    item.setForeground(grey)
                    font = QFont(item.font())
                    font.setItalic(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)

    def muted_labels(self) -> list[str]:
        """The labels the table shows as muted (greyed)."""
        return [self.table.item(row, 0).text().removesuffix(" (muted)") for row in range(self.table.rowCount())
                if self.table.item(row, 0).text().endswith(" (muted)")]

    def _changed(self, changes: ChangeSet) -> None:
        if "models" in changes.tables and not self.runner.running:
            self.show_model()

    # ----- training -------------------------------------------------------------------

    def is_running(self) -> bool:
        """True while training runs."""
        return self.runner.running

    def start(self) -> None:
        """Train the chosen layer from the chosen source, off the GUI thread."""
        if self.is_running() or self.context.readonly:
            return
        layer, source = self.chosen()
        self.train_button.setEnabled(False)
        self.layer.setEnabled(False)
        self.source.setEnabled(False)
        self.close_button.setText("Cancel")
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText(f"Reading the coding of {layer}…")
        self.runner.start(TaskWorker(train_task(self.project_path, layer, source), (TrainingCancelled,),
                                     what="training"),
                          self._finished, self._stopped,
                          lambda: self._stopped("Training cancelled; nothing was stored."), self._progressed)

    def cancel(self) -> None:
        """Cancel training (the worker process is ended, nothing stored), or close the dialog."""
        if self.is_running():
            self.runner.cancel()
            self.status.setText("Cancelling…")
            return
        self.reject()

    def _progressed(self, step: int, steps: int, what: str) -> None:
        self.progress.setRange(0, max(steps, 1))
        self.progress.setValue(step)
        self.status.setText(what[:1].upper() + what[1:] + "…")

    def _idle(self) -> None:
        self.progress.setVisible(False)
        self.train_button.setEnabled(not self.context.readonly)
        self.layer.setEnabled(True)
        self.source.setEnabled(True)
        self.close_button.setText("Close")

    def _finished(self, outcome: object) -> None:
        self._idle()
        project = self.context.project
        if project is None or Path(project.path) != Path(self.project_path):
            self.status.setText("The project was closed; the model was not stored.")
            return
        prepared, fitted = outcome  # type: ignore[misc]
        try:
            result = store_model(project, prepared, fitted)
        except AnnotatorError as error:
            self.status.setText(str(error))
            return
        self.status.setText(f"Trained in {result.seconds:.1f} s and stored in the project.")
        self.show_model()

    def _stopped(self, message: str) -> None:
        self._idle()
        self.status.setText(for_window(message))

    def reject(self) -> None:
        """Closing while training cancels first."""
        if self.is_running():
            self.cancel()
            return
        super().reject()


def run_train_dialog(context: AppContext) -> TrainDialog | None:
    """Open the Train suggestions model dialog for the context's project."""
    if context.project is None:
        context.show_message("Open a project first.")
        return None
    dialog = TrainDialog(context, context.host())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    context.dialog = dialog
    dialog.show()
    return dialog

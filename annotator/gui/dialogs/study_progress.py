"""Analyze → Study progress…: how far a reliability study has come, and how each coder holds
to the gold set.

Three parts, read through the same operations as the command line: done / assigned per
annotator and the overlap the double-coding sample has reached (ops/assignments.py), the
rounds with their frozen codebook version and state (ops/rounds.py) — both re-read live
whenever a change touches assignments, statuses or rounds, since they are a few counts — and
drift against gold (ops/drift.py, `annotator drift`), computed on request as a table and a
line chart of F1 per period, with an "out of date" banner once the project changes after it
was computed (as the agreement dashboard does). matplotlib is imported when the first chart is
drawn, never with the main window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...ops.assignments import latest_design, progress
from ...ops.rounds import list_rounds
from ...project.changes import ChangeSet

if TYPE_CHECKING:
    from ..analysis.charts import ChartCanvas
    from ..context import AppContext

STUDY_TABLES = frozenset({"assignments", "assignment_draws", "rounds"})
DRIFT_TABLES = frozenset({"annotations", "curation_log", "rounds"})
STALE_TEXT = "<b>Drift figures are out of date</b> — the project changed after they were computed."
DRIFT_COLUMNS = ("Annotator", "Period", "Docs", "Precision", "Recall", "F1", "κ")


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _table(parent: QWidget, headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]], numeric_from: int = 1) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c >= numeric_from:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class StudyProgressWindow(QDialog):
    """Progress per annotator, the sample's overlap, the rounds, and drift against gold."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context.host())
        self.context = context
        assert context.project is not None
        self.project_path = Path(context.project.path)
        self.setWindowTitle(f"Study progress — {self.project_path.name}")
        self.setModal(False)
        self.drift_result: dict[str, Any] | None = None
        self.chart: ChartCanvas | None = None
        self.stale = False

        self.design_label = QLabel(self)
        self.design_label.setWordWrap(True)
        self.design_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        progress_box = QGroupBox("Coding progress", self)
        self.progress_table = _table(progress_box, ("Annotator", "Done", "Assigned", "Done %"), "progress_table")
        self.overlap_label = QLabel(progress_box)
        self.overlap_label.setWordWrap(True)
        box_layout = QVBoxLayout(progress_box)
        box_layout.addWidget(self.progress_table)
        box_layout.addWidget(self.overlap_label)
        rounds_box = QGroupBox("Rounds", self)
        self.rounds_table = _table(rounds_box, ("Round", "Documents", "Codebook version", "State"), "rounds_table")
        rounds_layout = QVBoxLayout(rounds_box)
        rounds_layout.addWidget(self.rounds_table)
        top = QHBoxLayout()
        top.addWidget(progress_box, 1)
        top.addWidget(rounds_box, 1)

        drift_box = QGroupBox("Drift against the gold set", self)
        self.layer_box = QComboBox(drift_box)
        self.layer_box.setAccessibleName("Layer")
        self.by_box = QComboBox(drift_box)
        self.by_box.addItem("by week", "week")
        self.by_box.addItem("by order of coding (blocks of 10)", "order")
        self.by_box.setAccessibleName("Periods")
        self.round_box = QComboBox(drift_box)
        self.round_box.setAccessibleName("Round")
        self.compute_button = QPushButton("&Compute drift", drift_box)
        self.compute_button.clicked.connect(self.compute_drift)
        controls = QHBoxLayout()
        for text, widget in (("Layer:", self.layer_box), ("Periods:", self.by_box), ("Documents:", self.round_box)):
            label = QLabel(text, drift_box)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.compute_button)
        self.stale_banner = QFrame(drift_box)
        self.stale_banner.setObjectName("stale_banner")
        self.stale_banner.setStyleSheet("QFrame#stale_banner { background: #fde2e1; border: 1px solid #d08080; "
                                        "border-radius: 3px; }")
        self.stale_label = QLabel(STALE_TEXT, self.stale_banner)
        self.recompute_button = QPushButton("&Recompute", self.stale_banner)
        self.recompute_button.clicked.connect(self.compute_drift)
        stale_row = QHBoxLayout(self.stale_banner)
        stale_row.setContentsMargins(8, 4, 8, 4)
        stale_row.addWidget(self.stale_label, 1)
        stale_row.addWidget(self.recompute_button)
        self.stale_banner.setVisible(False)
        self.drift_message = QLabel("Choose a layer and compute: each annotator's precision, recall, F1 and κ "
                                    "against the curator's gold set, period by period.", drift_box)
        self.drift_message.setWordWrap(True)
        self.drift_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.drift_table = _table(drift_box, DRIFT_COLUMNS, "drift_table")
        self.chart_holder = QWidget(drift_box)
        QVBoxLayout(self.chart_holder).setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal, drift_box)
        split.addWidget(self.drift_table)
        split.addWidget(self.chart_holder)
        split.setSizes([420, 420])
        drift_layout = QVBoxLayout(drift_box)
        drift_layout.addLayout(controls)
        drift_layout.addWidget(self.stale_banner)
        drift_layout.addWidget(self.drift_message)
        drift_layout.addWidget(split, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.design_label)
        layout.addLayout(top, 2)
        layout.addWidget(drift_box, 3)
        self.resize(980, 720)
        self._fill_choices()
        self.refresh()
        context.events.sig_changed.connect(self._project_changed)

    # ----- reading ---------------------------------------------------------------------

    def _project(self) -> Any:
        project = self.context.project
        if project is None or Path(project.path) != self.project_path:
            return None
        return project

    def _fill_choices(self) -> None:
        """The layers and rounds to choose from (keeping the choice)."""
        project = self._project()
        if project is None:
            return
        layer, chosen_round = self.layer_box.currentText(), self.round_box.currentData()
        self.layer_box.clear()
        self.layer_box.addItems([layer.name for layer in project.codebook.get().layers])
        if layer:
            self.layer_box.setCurrentText(layer)
        self.round_box.clear()
        self.round_box.addItem("all documents with gold", None)
        for each in list_rounds(project):
            self.round_box.addItem(f"round {each.name}", each.name)
        index = self.round_box.findData(chosen_round)
        self.round_box.setCurrentIndex(max(index, 0))

    def refresh(self) -> None:
        """Re-read progress, overlap and rounds (a few counts: done at once)."""
        project = self._project()
        if project is None:
            return
        state = progress(project)
        design = latest_design(project)
        if design is None:
            self.design_label.setText("No documents are assigned yet: draw a double-coding sample with "
                                      "<tt>annotator assign PROJECT --sample 0.2 --annotators ada,ben</tt>.")
        else:
            by = f", stratified by {design['by']}" if design.get("by") else ""
            self.design_label.setText(
                f"Double-coding sample: {design['sample_size']} of {design['documents']} documents{by}, "
                f"{design['coders']} coders each, seed {design['seed']}; the other documents one coder each.")
        _fill(self.progress_table, [
            (name, str(done), str(assigned), f"{100 * done / assigned:.0f} %" if assigned else "–")
            for name, (done, assigned) in state.per_annotator.items()])
        if state.sampled:
            self.overlap_label.setText(f"Overlap achieved: {state.overlap_done} of {state.sampled} sampled documents "
                                       f"marked done by {state.coders} or more of their coders.")
        else:
            self.overlap_label.setText("Overlap: no double-coding sample drawn yet.")
        _fill(self.rounds_table, [
            (r.name, str(len(r.documents)), f"{r.codebook_version} ({r.codebook_fingerprint})",
             "open: codebook frozen" if r.is_open else f"closed {r.closed_at[:10]}")
            for r in list_rounds(project)])

    # ----- drift -----------------------------------------------------------------------

    def compute_drift(self) -> None:
        """Compute drift for the chosen layer, periods and documents; show the table and chart."""
        project = self._project()
        if project is None or not self.layer_box.currentText():
            return
        from ...ops.drift import drift

        try:
            result = drift(project, self.layer_box.currentText(), self.by_box.currentData(),
                           round_name=self.round_box.currentData())
        except AnnotatorError as error:
            self.drift_result = None
            self.drift_message.setText(str(error)[:1].upper() + str(error)[1:] + ".")
            self.drift_table.setRowCount(0)
            self._set_stale(False)
            if self.chart is not None:
                self.chart.clear("No drift to chart")
            return
        self.drift_result = result
        rows: list[tuple[str, ...]] = []
        for name, data in result["annotators"].items():
            for period in [*data["periods"], {"period": "all", **data["overall"]}]:
                rows.append((name, period["period"], str(period["documents"]), _number(period["precision"]),
                             _number(period["recall"]), _number(period["f1"]), _number(period["kappa"])))
        _fill(self.drift_table, rows, numeric_from=2)
        scope = f' in round "{result["round"]}"' if result["round"] else ""
        self.drift_message.setText(
            f'Layer "{result["layer"]}"{scope}: {result["gold_documents"]} documents with gold; κ per '
            f'{result["unit"]}; {result["matching"]} matching, gold as the reference. "–": undefined.')
        self.drift_message.setToolTip(result["rule"])
        self._draw_chart(result)
        self._set_stale(False)

    def _draw_chart(self, result: dict[str, Any]) -> None:
        """F1 per period, one line per annotator (matplotlib loaded now)."""
        if self.chart is None:
            from ..analysis.charts import ChartCanvas

            self.chart = ChartCanvas(self.chart_holder)
            self.chart_holder.layout().addWidget(self.chart)
        periods = sorted({p["period"] for data in result["annotators"].values() for p in data["periods"]},
                         key=lambda text: (len(text), text) if result["by"] == "order" else text)
        values = {(p["period"], name): p["f1"] for name, data in result["annotators"].items() for p in data["periods"]}

        def value(period: str, name: str) -> float:
            found = values.get((period, name))
            return float("nan") if found is None else found

        self.chart.draw_bars(f'F1 against gold, {result["layer"]}', periods, list(result["annotators"]), value, {},
                             kind="lines", axis_label="F1")

    def _set_stale(self, stale: bool) -> None:
        self.stale = stale
        self.stale_banner.setVisible(stale)

    # ----- following changes -----------------------------------------------------------

    def _project_changed(self, changes: ChangeSet) -> None:
        """Progress and rounds are re-read at once; drift figures are marked out of date."""
        if self._project() is None:
            return
        tables = set(changes.tables)
        if changes.reset or changes.codebook or "rounds" in tables:
            self._fill_choices()
        if changes.reset or changes.statuses or tables & STUDY_TABLES:
            self.refresh()
        if self.drift_result is not None and (changes.reset or changes.annotations or changes.curation
                                              or changes.codebook or tables & DRIFT_TABLES):
            self._set_stale(True)

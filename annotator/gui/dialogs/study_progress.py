"""Analyze → Study progress…: how far a reliability study has come, and how each coder holds
to the gold set.

Read through the same operations as the command line: done / assigned per annotator and the
overlap the double-coding sample has reached (ops/assignments.py), the rounds with their frozen
codebook version and state (ops/rounds.py) — both re-read live whenever a change touches
assignments, statuses or rounds, since they are a few counts — with a "Methods report…" button
writing the selected round's report as `annotator report` does (ops/methods_report.py; a project
file or one kept beside it is refused). Two tabs computed on request: drift against gold
(ops/drift.py, `annotator drift`) as a table and a line chart of F1 per period, with an "out of
date" banner once the project changes after it was computed (as the agreement dashboard does);
and alpha per label round by round with "reliability reached" at a chosen threshold, as
`annotator round table` gives it. matplotlib is imported when the first chart is drawn, never
with the main window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...ops.assignments import latest_design, progress
from ...ops.rounds import DEFAULT_THRESHOLD, TENTATIVE_THRESHOLD, list_rounds
from ...project.changes import ChangeSet

if TYPE_CHECKING:
    from ..analysis.charts import ChartCanvas
    from ..context import AppContext

STUDY_TABLES = frozenset({"assignments", "assignment_draws", "rounds"})
DRIFT_TABLES = frozenset({"annotations", "curation_log", "rounds"})
STALE_TEXT = "<b>Drift figures are out of date</b> — the project changed after they were computed."
ALPHA_STALE = "Out of date — the project changed after this table was computed; press Show α by round again."
REPORT_SUFFIXES = (".md", ".markdown", ".html", ".htm")
PASSED, FAILED = QColor("#dff0d8"), QColor("#f8dcdc")
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
        self.report_button = QPushButton("&Methods report…", rounds_box)
        self.report_button.setToolTip("Write the methods report of the selected round (or the latest) as Markdown "
                                      "or HTML, as annotator report does")
        self.report_button.clicked.connect(self.write_report)
        self.report_message = QLabel("Select a round, then write its methods report.", rounds_box)
        self.report_message.setWordWrap(True)
        self.report_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        report_row = QHBoxLayout()
        report_row.addWidget(self.report_message, 1)
        report_row.addWidget(self.report_button)
        rounds_layout = QVBoxLayout(rounds_box)
        rounds_layout.addWidget(self.rounds_table)
        rounds_layout.addLayout(report_row)
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

        self.tabs = QTabWidget(self)
        drift_box.setTitle("")
        drift_box.setFlat(True)
        self.tabs.addTab(drift_box, "&Drift against the gold set")
        self.tabs.addTab(self._alpha_tab(), "α per label by rou&nd")
        layout = QVBoxLayout(self)
        layout.addWidget(self.design_label)
        layout.addLayout(top, 2)
        layout.addWidget(self.tabs, 3)
        self.resize(980, 720)
        self._fill_choices()
        self.refresh()
        context.events.sig_changed.connect(self._project_changed)

    def _alpha_tab(self) -> QWidget:
        """Krippendorff's alpha per label, round by round, as `annotator round table` gives it."""
        tab = QWidget(self)
        self.alpha_layer_box = QComboBox(tab)
        self.alpha_layer_box.setAccessibleName("Layer")
        self.threshold_box = QComboBox(tab)
        self.threshold_box.setAccessibleName("Threshold")
        self.threshold_box.addItem(f"α ≥ {DEFAULT_THRESHOLD:g} (reliable)", DEFAULT_THRESHOLD)
        self.threshold_box.addItem(f"α ≥ {TENTATIVE_THRESHOLD:g} (tentative conclusions)", TENTATIVE_THRESHOLD)
        self.alpha_button = QPushButton("&Show α by round", tab)
        self.alpha_button.clicked.connect(self.compute_alpha_table)
        controls = QHBoxLayout()
        for text, widget in (("Layer:", self.alpha_layer_box), ("Reached at:", self.threshold_box)):
            label = QLabel(text, tab)
            label.setBuddy(widget)
            controls.addWidget(label)
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.alpha_button)
        self.alpha_message = QLabel("Krippendorff's alpha of each label (present or absent on the unit) on each "
                                    "round's documents, and whether every label reached the threshold "
                                    "(Krippendorff 2004).", tab)
        self.alpha_message.setWordWrap(True)
        self.alpha_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.alpha_table = _table(tab, ("Label",), "alpha_table")
        self.alpha_table.horizontalHeader().setStretchLastSection(False)
        self.alpha_result: dict[str, Any] | None = None
        layout = QVBoxLayout(tab)
        layout.addLayout(controls)
        layout.addWidget(self.alpha_message)
        layout.addWidget(self.alpha_table, 1)
        return tab

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
        chosen_round = self.round_box.currentData()
        layers = [layer.name for layer in project.codebook.get().layers]
        for box in (self.layer_box, self.alpha_layer_box):
            chosen = box.currentText()
            box.clear()
            box.addItems(layers)
            if chosen:
                box.setCurrentText(chosen)
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
        self.report_button.setEnabled(self.rounds_table.rowCount() > 0)

    # ----- the methods report and alpha across rounds ----------------------------------

    def _chosen_round(self) -> str | None:
        """The round selected in the rounds table, or the latest one (None: no rounds)."""
        rows = self.rounds_table.selectionModel().selectedRows()
        row = rows[0].row() if rows else self.rounds_table.rowCount() - 1
        item = self.rounds_table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    def write_report(self) -> Path | None:
        """Ask for a .md or .html file and write the chosen round's methods report to it, as
        `annotator report` does; a project file or one kept beside it is refused."""
        project = self._project()
        name = self._chosen_round()
        if project is None or name is None:
            return None
        safe = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").lower() or "round"
        suggested = self.project_path.with_name(f"{self.project_path.stem}-methods-{safe}.md")
        chosen, _ = QFileDialog.getSaveFileName(self, f'Methods report of round "{name}"', str(suggested),
                                                "Markdown (*.md);;Web page (*.html)")
        if not chosen:
            return None
        path = Path(chosen)
        from ...ops.methods_report import methods_report, render_html, render_markdown
        from ...store.files import refuse_project_output

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            refuse_project_output(path, (self.project_path,), "report")
            if path.suffix.lower() not in REPORT_SUFFIXES:
                raise AnnotatorError(f"{path}: name a .md or .html file")
            with project.read_snapshot():
                report = methods_report(project, name)
            html = path.suffix.lower() in (".html", ".htm")
            path.write_text(render_html(report) if html else render_markdown(report), encoding="utf-8")
        except AnnotatorError as error:
            self._report_said(str(error), error=True)
            return None
        except OSError as error:
            self._report_said(f"{path}: cannot write ({error.strerror or error})", error=True)
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self._report_said(f'Methods report of round "{name}" written to {path}.')
        return path

    def _report_said(self, text: str, error: bool = False) -> None:
        from html import escape

        said = escape(text, quote=False)
        self.report_message.setText(f"<span style='color:#a02020'>{said}</span>" if error else said)

    def compute_alpha_table(self) -> None:
        """Alpha per label round by round for the chosen layer and threshold (ops/rounds.py)."""
        project = self._project()
        layer = self.alpha_layer_box.currentText()
        if project is None or not layer:
            return
        from ...ops.rounds import rounds_table

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            with project.read_snapshot():
                result = rounds_table(project, layer, self.threshold_box.currentData())
        except AnnotatorError as error:
            self.alpha_result = None
            self.alpha_table.setRowCount(0)
            self.alpha_message.setText(str(error)[:1].upper() + str(error)[1:] + ".")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.alpha_result = result
        self._fill_alpha(result)

    def _fill_alpha(self, result: dict[str, Any]) -> None:
        """One row per label, then pooled, codebook version and reached; one column per round."""
        rounds, threshold = result["rounds"], result["threshold"]
        self.alpha_table.clear()
        self.alpha_table.setColumnCount(1 + len(rounds))
        self.alpha_table.setHorizontalHeaderLabels(["Label", *(r["name"] for r in rounds)])
        rows: list[tuple[str, list[Any]]] = [
            (label, [r["alpha_per_label"].get(label, "unused") for r in rounds]) for label in result["labels"]]
        rows += [("pooled α", [r["alpha"] for r in rounds]),
                 ("codebook version", [str(r["codebook_version"]) for r in rounds]),
                 (f"reliability reached (α ≥ {threshold:g})", ["yes" if r["reached"] else "no" for r in rounds])]
        self.alpha_table.setRowCount(len(rows))
        for r, (name, values) in enumerate(rows):
            self.alpha_table.setItem(r, 0, QTableWidgetItem(name))
            for c, value in enumerate(values, 1):
                text = value if isinstance(value, str) else _number(value) if value is not None else "undefined"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if isinstance(value, float) and r < len(result["labels"]):
                    item.setBackground(QBrush(PASSED if value >= threshold else FAILED))
                elif text in ("yes", "no"):
                    item.setBackground(QBrush(PASSED if text == "yes" else FAILED))
                self.alpha_table.setItem(r, c, item)
        if not rounds:
            self.alpha_message.setText("No rounds yet: start one with annotator round start PROJECT NAME.")
        else:
            rule = result["rule"][:1].upper() + result["rule"][1:]
            self.alpha_message.setText(f'Layer "{result["layer"]}", unit: {rounds[0]["unit"]}. {rule}.')

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
        if self.alpha_result is not None and (changes.reset or changes.annotations or changes.codebook
                                              or changes.statuses or "rounds" in tables):
            self.alpha_message.setText(f"<b>{ALPHA_STALE}</b>")

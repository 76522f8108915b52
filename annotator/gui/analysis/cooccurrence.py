"""Analyze → Co-occurrence: a label × label matrix (one layer against itself or two layers) of
codes found together in the same span overlap, sentence, paragraph or document — a table
and a heatmap (MAXQDA's Code Relations Browser). The association figure is named in the
heading; clicking a cell lists the co-occurring segments in context below, and a double
click on one shows it in the main window.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...project.changes import ChangeSet
from ...queries.analysis import CooccurrencePair, CooccurrenceTable, KwicHit, Scope, cooccurrence, cooccurring_segments
from .charts import EXPORT_FILTER, ChartCanvas
from .common import MessageLine, StaleBanner, code_name, export_file, show_in_text, write_csv
from .frequencies import readable_headers
from .kwic_table import KwicView
from .scope_bar import ScopeBar
from .worker import AnalysisRunner

if TYPE_CHECKING:
    from ..context import AppContext

WITHIN = (("sentence", "the same sentence"), ("paragraph", "the same paragraph"), ("overlap", "overlapping spans"),
          ("document", "the same document"))
FIGURES = (("jaccard", "Jaccard"), ("observed_expected", "observed / expected"), ("count", "count"),
           ("documents", "documents"))


def figure_of(pair: CooccurrencePair, figure: str) -> float:
    """One figure of a pair (NaN when observed/expected is undefined)."""
    value = getattr(pair, figure)
    return float("nan") if value is None else float(value)


def figure_text(pair: CooccurrencePair, figure: str) -> str:
    """A figure as a cell shows it."""
    if figure in ("count", "documents"):
        return f"{getattr(pair, figure):,}"
    value = getattr(pair, figure)
    return "–" if value is None else f"{value:.2f}"


class CooccurrenceWindow(QDialog):
    """Non-modal window: the co-occurrence matrix, its heatmap and the segments behind a cell."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context.host())
        assert context.project is not None
        self.context = context
        self.project_path = Path(context.project.path)
        self.setObjectName("cooccurrence_window")
        self.setWindowTitle(f"Co-occurrence — {self.project_path.name}")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.table: CooccurrenceTable | None = None
        self.scope: Scope | None = None
        self.cells: dict[tuple[str, str], CooccurrencePair] = {}
        self.stale = False
        self._changed_while_running = False
        self._again = False
        self._asked: tuple[Scope, str] | None = None
        self._described = ""
        self.runner = AnalysisRunner(self, self.project_path)
        self.segment_runner = AnalysisRunner(self, self.project_path)

        self.layer_a = QComboBox(self)
        self.layer_a.setObjectName("layer_a_box")
        self.layer_b = QComboBox(self)
        self.layer_b.setObjectName("layer_b_box")
        self.within = QComboBox(self)
        self.within.setObjectName("within_box")
        for value, text in WITHIN:
            self.within.addItem(text, value)
        self.within.setToolTip("Paragraph: a line break ends one (blank lines or not). Sentence: as split at import. "
                               "Overlapping spans: segments sharing at least one character.")
        self.figure = QComboBox(self)
        self.figure.setObjectName("figure_box")
        for value, text in FIGURES:
            self.figure.addItem(text, value)
        self.hide_empty = QCheckBox("&Hide empty", self)
        self.hide_empty.setObjectName("hide_empty_box")
        self.hide_empty.setChecked(True)
        self.hide_empty.setToolTip("Hide the rows and columns that are all zero: labels that co-occur with none "
                                   "of the other layer's")
        self.count_button = QPushButton("&Count", self)
        self.count_button.setDefault(True)
        self.count_button.clicked.connect(self.compute)
        row = QHBoxLayout()
        for text, box in (("&Rows:", self.layer_a), ("Co&lumns:", self.layer_b), ("&Within:", self.within),
                          ("Colour b&y:", self.figure)):
            row.addWidget(QLabel(text, self, buddy=box))
            row.addWidget(box)
        row.addWidget(self.hide_empty)
        row.addStretch(1)
        row.addWidget(self.count_button)
        self.scope_bar = ScopeBar(context, self)
        self.heading = QLabel(self)
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stale_banner = StaleBanner(self)
        self.stale_banner.sig_refresh.connect(self.compute)

        self.grid = QTableWidget(self)
        self.grid.setObjectName("cooccurrence_table")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.cellClicked.connect(self._cell_clicked)
        self.heatmap = ChartCanvas(self)
        self.heatmap.setObjectName("cooccurrence_heatmap")
        self.heatmap.sig_clicked.connect(self.show_segments)
        top = QSplitter(self)
        top.addWidget(self.grid)
        top.addWidget(self.heatmap)
        top.setSizes([480, 620])
        self.segments_heading = QLabel("Click a cell to list the segments where its two codes occur together.", self)
        self.segments_heading.setObjectName("segments_heading")
        self.segments_heading.setWordWrap(True)
        self.segments = KwicView(self)
        self.segments.setObjectName("segments_view")
        self.segments.doubleClicked.connect(lambda index: self.open_hit(index.row()))
        below = QWidget(self)
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.segments_heading)
        below_layout.addWidget(self.segments, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(below)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.export_chart_button = QPushButton("Export c&hart…", self)
        self.export_chart_button.clicked.connect(lambda: self.export_chart())
        self.export_csv_button = QPushButton("Export C&SV…", self)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.message = MessageLine("", self)
        self.message.setObjectName("message_line")
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.export_chart_button)
        bottom.addWidget(self.export_csv_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.scope_bar)
        layout.addWidget(self.stale_banner)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.fill_layers()
        for box in (self.layer_a, self.layer_b, self.within):
            box.currentIndexChanged.connect(lambda _index: self.compute())
        self.figure.currentIndexChanged.connect(lambda _index: self.draw())
        self.hide_empty.toggled.connect(lambda _on: self.draw())
        self.scope_bar.sig_changed.connect(self.compute)
        context.events.sig_changed.connect(self._project_changed)
        self._set_exports(False)
        self.resize(1200, 800)
        self.compute()

    def fill_layers(self) -> None:
        """Span layers (and document layers, which co-occur within documents) from the codebook."""
        project = self.context.project
        if project is None:
            return
        layers = [layer.name for layer in project.codebook.get().layers]
        spans = [layer.name for layer in project.codebook.get().layers if layer.kind == "span"]
        for n, box in enumerate((self.layer_a, self.layer_b)):
            chosen = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(layers)
            default = spans[min(n, len(spans) - 1)] if spans else ""
            box.setCurrentIndex(max(box.findText(chosen or default), 0))
            box.blockSignals(False)

    # ----- counting ------------------------------------------------------------------------

    def compute(self) -> None:
        """Count in a worker thread; bad input is said in the window."""
        if self.runner.running:
            self._again = True
            return
        if not self.layer_a.currentText() or not self.layer_b.currentText():
            self._failed("The codebook has no layer to count.")
            return
        try:
            scope = self.scope_bar.scope()
        except AnnotatorError as error:
            self._failed(str(error))
            return
        layers = (self.layer_a.currentText(), self.layer_b.currentText())
        within = self.within.currentData()
        self._asked = (scope, self.scope_bar.describe())
        self._changed_while_running = False
        self.count_button.setEnabled(False)
        self.message.say("Counting…")
        self.runner.run(lambda project, _c: cooccurrence(project, layers=layers, within=within, scope=scope),
                        self._finished, self._failed, lambda: self._failed("Cancelled."))

    def _finished(self, result: object) -> None:
        self.count_button.setEnabled(True)
        assert isinstance(result, CooccurrenceTable) and self._asked is not None
        self.show_table(result, *self._asked)
        self.stale = self._changed_while_running
        self.stale_banner.setVisible(self.stale)
        self._run_again()

    def _failed(self, message: str) -> None:
        self.count_button.setEnabled(True)
        self.table, self.cells = None, {}
        self.grid.clear()
        self.grid.setRowCount(0)
        self.grid.setColumnCount(0)
        self.heatmap.clear(message)
        self.heading.setText("")
        self.segments.kwic.set_hits([])
        self.stale = False
        self.stale_banner.setVisible(False)
        self._set_exports(False)
        self.message.error(message)
        self._run_again()

    def _run_again(self) -> None:
        if self._again:
            self._again = False
            self.compute()

    def _set_exports(self, enabled: bool) -> None:
        self.export_chart_button.setEnabled(enabled)
        self.export_csv_button.setEnabled(enabled)

    # ----- showing ------------------------------------------------------------------------

    def describe(self) -> str:
        """What the matrix counts, in words."""
        table = self.table
        if table is None:
            return ""
        within = dict(WITHIN)[table.within]
        return f"{table.layers[0]} × {table.layers[1]}: co-occurrences within {within} — {self._described}"

    def show_table(self, table: CooccurrenceTable, scope: Scope, described: str) -> None:
        """Show a co-occurrence table and draw its heatmap."""
        self.table, self.scope, self._described = table, scope, described
        first, second = table.layers
        self.cells = {}
        for pair in table.pairs:
            a, b = pair.a[len(first) + 1:], pair.b[len(second) + 1:]
            self.cells[(a, b)] = pair
            if first == second:
                self.cells[(b, a)] = pair  # one layer against itself: each pair once, shown both ways
        self._set_exports(bool(table.labels_a and table.labels_b))
        total = sum(pair.count for pair in table.pairs)
        if not table.pairs:
            self.message.say("No co-occurrences in the scope.")
        else:
            self.message.say(f"{len(table.pairs)} pair(s) of codes co-occur ({total:,} in all). "
                             "Click a cell to list the segments.")
        self.segments.kwic.set_hits([])
        self.draw()

    def shown_labels(self) -> tuple[list[str], list[str]]:
        """The rows' and the columns' labels shown (without those that co-occur with none, if so chosen)."""
        table = self.table
        if table is None:
            return [], []
        if not self.hide_empty.isChecked():
            return list(table.labels_a), list(table.labels_b)
        rows = {a for a, _b in self.cells}
        columns = {b for _a, b in self.cells}
        return [a for a in table.labels_a if a in rows], [b for b in table.labels_b if b in columns]

    def _fill_grid(self) -> None:
        table = self.table
        if table is None:
            return
        figure = self.figure.currentData()
        rows, columns = self.shown_labels()
        grid = self.grid
        grid.clear()
        grid.setRowCount(len(rows))
        grid.setColumnCount(len(columns))
        grid.setVerticalHeaderLabels(rows)
        grid.setHorizontalHeaderLabels(columns)
        grey = QBrush(QColor("#9a9a9a"))
        for r, a in enumerate(rows):
            for c, b in enumerate(columns):
                pair = self.cells.get((a, b))
                if pair is None:
                    text = "" if table.layers[0] == table.layers[1] and a == b else "0"
                elif figure == "count":
                    text = f"{pair.count:,}"
                else:
                    text = f"{pair.count:,} · {figure_text(pair, figure)}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.UserRole, (a, b))
                if pair is None:
                    item.setForeground(grey)
                else:
                    expected = "undefined" if pair.observed_expected is None else f"{pair.observed_expected:.3f}"
                    item.setToolTip(f"{pair.a} with {pair.b}: {pair.count:,} co-occurrence(s) in "
                                    f"{pair.documents:,} document(s); Jaccard {pair.jaccard:.3f}; "
                                    f"observed/expected {expected}. Click to list the segments.")
                grid.setItem(r, c, item)
        readable_headers(grid)

    def draw(self) -> None:
        """Draw the heatmap coloured by the chosen figure (and fill the table's second figure)."""
        table = self.table
        if table is None:
            return
        self._fill_grid()
        counted = ("pairs of overlapping segments" if table.within == "overlap"
                   else f"{table.within}s holding both codes")
        figure = "" if self.figure.currentData() == "count" else f" · {self.figure.currentText()}"
        self.heading.setText(f"<b>{html.escape(self.describe(), quote=False)}</b><br>Cells: {counted}{html.escape(figure)}. "
                             f"Association {html.escape(table.association)}.")
        if not table.pairs:
            self.heatmap.clear("No co-occurrences to draw.")
            return
        figure = self.figure.currentData()
        rows, columns = self.shown_labels()
        values = np.full((len(rows), len(columns)), np.nan)
        texts = np.full(values.shape, "", dtype=object)
        for r, a in enumerate(rows):
            for c, b in enumerate(columns):
                pair = self.cells.get((a, b))
                if pair is not None:
                    values[r, c] = figure_of(pair, figure)
                    texts[r, c] = f"{pair.count}" if figure == "count" else f"{pair.count}\n{figure_text(pair, figure)}"
        self.heatmap.draw_heatmap(f"{table.layers[0]} × {table.layers[1]} (within {table.within})",
                                  rows, columns, values, texts, self.figure.currentText())

    # ----- the segments behind a cell ---------------------------------------------------

    def _cell_clicked(self, row: int, column: int) -> None:
        item = self.grid.item(row, column)
        if item is not None:
            self.show_segments(*item.data(Qt.ItemDataRole.UserRole))

    def show_segments(self, a: str, b: str) -> None:
        """List the places where label `a` (rows' layer) and `b` (columns' layer) co-occur."""
        table, scope = self.table, self.scope
        if table is None or scope is None:
            return
        if (a, b) not in self.cells:
            self.segments.kwic.set_hits([])
            self.segments_heading.setText(f"{a} and {b} do not co-occur here.")
            return
        if self.segment_runner.running:
            self.segment_runner.cancel()
            self.segment_runner.stop()
        first, second = table.layers
        within = table.within
        self.segments_heading.setText(f"Finding where {code_name(first, a)} and {code_name(second, b)} co-occur…")

        def query(project, _cancelled):  # type: ignore[no-untyped-def]
            return cooccurring_segments(project, a=(first, a), b=(second, b), within=within, scope=scope)

        def shown(hits: object) -> None:
            assert isinstance(hits, list)
            self.segments.kwic.set_hits(hits)
            self.segments.fit_columns()
            unit = "overlapping" if within == "overlap" else f"within the same {within}"
            self.segments_heading.setText(f"<b>{len(hits):,}</b> place(s) where {html.escape(code_name(first, a))} "
                                          f"and {html.escape(code_name(second, b))} co-occur ({unit}); "
                                          "double-click one to see it in the text.")

        def failed(message: str) -> None:
            self.segments.kwic.set_hits([])
            self.segments_heading.setText(f"<span style='color:#a02020'>{html.escape(message)}</span>")

        self.segment_runner.run(query, shown, failed, lambda: None)

    def open_hit(self, row: int) -> None:
        """Show a segment in the main window, selected."""
        context = self.context
        if context.project is None or Path(context.project.path) != self.project_path:
            self.message.error("The main window shows another project now.")
            return
        hit: KwicHit = self.segments.kwic.hits[row]
        show_in_text(context, hit.document_id, hit.start, hit.end)
        context.show_message(f"Co-occurrence: {hit.title} (characters {hit.start}–{hit.end})")

    # ----- the project changed ---------------------------------------------------------

    def _project_changed(self, changes: ChangeSet) -> None:
        if self.context.project is None or Path(self.context.project.path) != self.project_path:
            return
        if changes.codebook or changes.reset:
            self.fill_layers()
            self.scope_bar.refresh_people()
        if self.runner.running:
            self._changed_while_running = True
        elif self.table is not None:
            self.stale = True
            self.stale_banner.setVisible(True)

    # ----- export -----------------------------------------------------------------------------

    def _suggested(self, suffix: str) -> Path:
        return self.project_path.with_name(f"{self.project_path.stem}-cooccurrence.{suffix}")

    def export_chart(self, path: str | Path | None = None) -> Path | None:
        """Write the heatmap as PNG, SVG or PDF (asks for a file name when `path` is None)."""
        if self.table is None:
            return None
        return export_file(self, self.message, path, "Export the heatmap", self._suggested("png"), EXPORT_FILTER,
                           self.heatmap.export, "Heatmap written to {path}.")

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the non-zero cells as CSV (asks for a file name when `path` is None)."""
        table = self.table
        if table is None:
            return None
        rows = ((p.a, p.b, table.within, p.count, p.documents, p.jaccard,
                 "" if p.observed_expected is None else p.observed_expected) for p in table.pairs)
        columns = ("a", "b", "within", "count", "documents", "jaccard", "observed_expected")
        return export_file(self, self.message, path, "Export the matrix", self._suggested("csv"), "CSV (*.csv)",
                           lambda out: write_csv(out, columns, rows, "co-occurrence CSV"), "Matrix written to {path}.")

    # ----- life cycle ----------------------------------------------------------------------

    def stop(self) -> None:
        """Cancel and wait for running queries."""
        self._again = False
        for runner in (self.runner, self.segment_runner):
            runner.cancel()
            runner.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Closing stops running queries first."""
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        """Escape closes."""
        self.stop()
        super().reject()

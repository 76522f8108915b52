"""Analyze → Frequencies: how often each label of a layer occurs, grouped by document, metadata,
date or annotator — a table and a chart, each cell and bar one click from its segments.

Counts are spans, documents with at least one span, or the share of characters covered.
The chart (matplotlib, charts.py) draws bars, stacked bars or a line per label; it exports as
PNG, SVG or PDF, the table as CSV. Clicking a cell or a bar opens the concordance on the
segments behind it (the code, in the group's documents).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...errors import AnnotatorError
from ...project.changes import ChangeSet
from ...queries.analysis import FrequencyTable, Scope, cell_scope, frequencies, meta_keys
from .charts import EXPORT_FILTER, ChartCanvas
from .common import MessageLine, StaleBanner, export_file, fit_headers, write_csv
from .scope_bar import ScopeBar
from .worker import AnalysisRunner

if TYPE_CHECKING:
    from ..context import AppContext

GROUPINGS = (("label", "nothing (all documents)"), ("document", "document"), ("annotator", "annotator"),
             ("date:month", "month"), ("date:quarter", "quarter"), ("date:year", "year"), ("source", "source"),
             ("author", "author"), ("language", "language"))
COUNTS = (("spans", "spans"), ("documents", "documents with the label"), ("characters", "share of characters"))
CHARTS = (("bars", "bars"), ("stacked", "stacked bars"), ("lines", "a line per label"))


_PERIOD = {"date:month": re.compile(r"(\d{4})-(\d{2})"), "date:quarter": re.compile(r"(\d{4})-Q([1-4])"),
           "date:year": re.compile(r"(\d{4})()")}


def time_axis(groups: list[str], by: str) -> list[str]:
    """Groups by month, quarter or year as a time axis: every period from the first to the
    last, those without documents included (they count 0), undated ones at the end."""
    pattern = _PERIOD.get(by)
    if pattern is None:
        return list(groups)
    dated = [(int(m[1]), int(m[2] or 0)) for g in groups if (m := pattern.fullmatch(g))]
    if not dated:
        return list(groups)
    steps = {"date:month": 12, "date:quarter": 4, "date:year": 1}[by]
    first, last = min(dated), max(dated)
    periods = []
    year, part = first
    while (year, part) <= last and len(periods) < 1200:
        periods.append(f"{year}-{part:02d}" if by == "date:month" else f"{year}-Q{part}" if by == "date:quarter"
                       else f"{year}")
        if steps == 1:
            year += 1
        else:
            year, part = (year + 1, 1) if part == steps else (year, part + 1)
    return periods + [g for g in groups if not pattern.fullmatch(g)]



COLUMN_HEADER_WIDTH = 170  # a column's name beyond this width ends in "…" (whole in its tooltip)
ROW_HEADER_WIDTH = 330  # as wide as the codebook's longer label names ("Legality, constitutionality…")


def readable_headers(grid: QTableWidget) -> None:
    """Columns fit their contents and names up to COLUMN_HEADER_WIDTH, row names up to
    ROW_HEADER_WIDTH; a longer name is elided at its end (never cut on both sides) and whole
    in its tooltip."""
    fit_headers(grid, widest=COLUMN_HEADER_WIDTH, row_header=ROW_HEADER_WIDTH)
    for header in (grid.horizontalHeader(), grid.verticalHeader()):
        header.setTextElideMode(Qt.TextElideMode.ElideRight)  # a header's default is to cut the text

class FrequenciesWindow(QDialog):
    """Non-modal window: label counts as a table and a chart."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context.host())
        assert context.project is not None
        self.context = context
        self.project_path = Path(context.project.path)
        self.setObjectName("frequencies_window")
        self.setWindowTitle(f"Frequencies — {self.project_path.name}")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.table: FrequencyTable | None = None
        self.scope: Scope | None = None  # the scope the table was counted in
        self.stale = False
        self._changed_while_running = False
        self._again = False
        self._cells: dict[tuple[str, str], float] = {}
        self._described = ""
        self._asked: tuple[Scope, str] | None = None
        self.runner = AnalysisRunner(self, self.project_path)

        self.layer = QComboBox(self)
        self.layer.setObjectName("layer_box")
        self.by = QComboBox(self)
        self.by.setObjectName("by_box")
        self.count = QComboBox(self)
        self.count.setObjectName("count_box")
        for value, text in COUNTS:
            self.count.addItem(text, value)
        self.chart_kind = QComboBox(self)
        self.chart_kind.setObjectName("chart_box")
        for value, text in CHARTS:
            self.chart_kind.addItem(text, value)
        self.show_button = QPushButton("&Count", self)
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.compute)
        row = QHBoxLayout()
        for text, box in (("&Layer:", self.layer), ("&Group by:", self.by), ("Coun&t:", self.count),
                          ("C&hart:", self.chart_kind)):
            row.addWidget(QLabel(text, self, buddy=box))
            row.addWidget(box)
        row.addStretch(1)
        row.addWidget(self.show_button)
        self.scope_bar = ScopeBar(context, self)
        self.heading = QLabel(self)
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stale_banner = StaleBanner(self)
        self.stale_banner.sig_refresh.connect(self.compute)

        self.grid = QTableWidget(self)
        self.grid.setObjectName("frequency_table")
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.cellClicked.connect(self._cell_clicked)
        self.chart = ChartCanvas(self)
        self.chart.setObjectName("frequency_chart")
        self.chart.sig_clicked.connect(self.open_segments)
        splitter = QSplitter(self)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 700])

        self.export_chart_button = QPushButton("Export c&hart…", self)
        self.export_chart_button.clicked.connect(lambda: self.export_chart())
        self.export_csv_button = QPushButton("Export &CSV…", self)
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

        self.fill_choices()
        for box in (self.layer, self.by, self.count):
            box.currentIndexChanged.connect(lambda _index: self.compute())
        self.scope_bar.sig_changed.connect(self.compute)
        self.chart_kind.currentIndexChanged.connect(lambda _index: self.draw_chart())
        context.events.sig_changed.connect(self._project_changed)
        self._set_exports(False)
        self.resize(1200, 800)
        self.compute()

    # ----- choices ---------------------------------------------------------------------------

    def fill_choices(self) -> None:
        """Layers from the codebook; groupings: the fixed ones and every free metadata key."""
        project = self.context.project
        if project is None:
            return
        for box in (self.layer, self.by):
            box.blockSignals(True)
        chosen_layer, chosen_by = self.layer.currentText(), self.by.currentData()
        self.layer.clear()
        for layer in project.codebook.get().layers:
            self.layer.addItem(layer.name)
        self.layer.setCurrentIndex(max(self.layer.findText(chosen_layer), 0))
        self.by.clear()
        for value, text in GROUPINGS:
            self.by.addItem(text, value)
        fixed = {value for value, _text in GROUPINGS}
        for key in meta_keys(project):
            if key not in fixed:
                self.by.addItem(f"{key} (metadata)", key)
        self.by.setCurrentIndex(max(self.by.findData(chosen_by), 0))
        for box in (self.layer, self.by):
            box.blockSignals(False)

    # ----- counting ------------------------------------------------------------------------

    def compute(self) -> None:
        """Count in a worker thread with the options shown; bad input is said in the window."""
        if self.runner.running:
            self._again = True
            return
        if not self.layer.currentText():
            self._failed("The codebook has no layer to count.")
            return
        try:
            scope = self.scope_bar.scope()
        except AnnotatorError as error:
            self._failed(str(error))
            return
        layer, by, count = self.layer.currentText(), self.by.currentData(), self.count.currentData()
        self._asked = (scope, self.scope_bar.describe())
        self._changed_while_running = False
        self.show_button.setEnabled(False)
        self.message.say("Counting…")
        self.runner.run(lambda project, _cancelled: frequencies(project, layer=layer, by=by, count=count, scope=scope),
                        self._finished, self._failed, lambda: self._failed("Cancelled."))

    def _finished(self, result: object) -> None:
        self.show_button.setEnabled(True)
        assert isinstance(result, FrequencyTable) and self._asked is not None
        self.show_table(result, *self._asked)
        self.stale = self._changed_while_running
        self.stale_banner.setVisible(self.stale)
        self._run_again()

    def _failed(self, message: str) -> None:
        self.show_button.setEnabled(True)
        self.table = None
        self.grid.clear()
        self.grid.setRowCount(0)
        self.grid.setColumnCount(0)
        self.chart.clear(message)
        self.heading.setText("")
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

    # ----- showing ----------------------------------------------------------------------------

    def value(self, group: str, label: str) -> float:
        """The count of a cell (0 when the table has no row for it)."""
        return self._cells.get((group, label), 0.0)

    def text_of(self, value: float) -> str:
        """A count as the table shows it (a share as a percentage)."""
        if self.table is not None and self.table.count == "characters":
            return f"{value * 100:.1f} %" if value else "0"
        return f"{value:,.0f}"

    def describe(self) -> str:
        """What the table counts, in words."""
        table = self.table
        if table is None:
            return ""
        counted = dict(COUNTS)[table.count]
        by = dict(GROUPINGS).get(table.by, table.by)
        grouped = "" if table.by == "label" else f", by {by}"
        return f"{table.layer}: {counted}{grouped} — {self._described}"

    def show_table(self, table: FrequencyTable, scope: Scope, described: str) -> None:
        """Show a frequency table and draw its chart."""
        self.table, self.scope, self._described = table, scope, described
        self._cells = {(row.group, row.label): row.count for row in table.rows}
        self.heading.setText(f"<b>{html.escape(self.describe(), quote=False)}</b>")
        grid = self.grid  # labels down (the codebook's order), groups across (MAXQDA's code matrix)
        grid.clear()
        grid.setRowCount(len(table.labels))
        grid.setColumnCount(len(table.groups))
        grid.setVerticalHeaderLabels(table.labels)
        grid.setHorizontalHeaderLabels(table.groups)
        grey = QBrush(QColor("#9a9a9a"))
        for c, group in enumerate(table.groups):
            for r, label in enumerate(table.labels):
                value = self.value(group, label)
                item = QTableWidgetItem(self.text_of(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setData(Qt.ItemDataRole.UserRole, (group, label))
                item.setToolTip(f"{label} in {group}: {self.text_of(value)} — click to list the segments")
                if not value:
                    item.setForeground(grey)
                grid.setItem(r, c, item)
        readable_headers(grid)
        total = sum(row.count for row in table.rows)
        self._set_exports(bool(table.groups and table.labels))
        if not table.rows:
            self.message.say("Nothing counted: no annotations of this layer in the scope.")
        elif table.count == "characters":
            self.message.say(f"{len(table.groups)} group(s) × {len(table.labels)} label(s). "
                             "Click a cell or a bar to list its segments.")
        else:
            self.message.say(f"{total:,.0f} in all over {len(table.groups)} group(s) × {len(table.labels)} label(s). "
                             "Click a cell or a bar to list its segments.")
        self.draw_chart()

    def draw_chart(self) -> None:
        """Draw the table as the chosen chart."""
        table = self.table
        if table is None:
            return
        if not table.rows:
            self.chart.clear("Nothing to chart.")
            return
        project = self.context.project
        layer = project.codebook.get().layer(table.layer) if project is not None else None
        colours = {label.name: label.colour for label in layer.labels} if layer is not None else {}
        axis = {"spans": "spans", "documents": "documents", "characters": "share of characters"}[table.count]
        counted = [label for label in table.labels if any(self.value(g, label) for g in table.groups)]
        self.chart.draw_bars(self.describe(), time_axis(table.groups, table.by), counted, self.value, colours,
                             self.chart_kind.currentData(), axis, integer=table.count != "characters")

    # ----- the segments behind a number ----------------------------------------------------

    def _cell_clicked(self, row: int, column: int) -> None:
        item = self.grid.item(row, column)
        if item is not None:
            self.open_segments(*item.data(Qt.ItemDataRole.UserRole))

    def segments_scope(self, group: str) -> Scope | None:
        """The scope of one group's segments: the table's scope narrowed to the group."""
        if self.table is None or self.scope is None:
            return None
        return cell_scope(self.table, group, self.scope)

    def open_segments(self, group: str, label: str) -> None:
        """Open the concordance on the segments behind one cell or bar."""
        table = self.table
        if table is None:
            return
        if not self.value(group, label):
            self.message.say(f"No segments: {label} counts 0 in {group}.")
            return
        scope = self.segments_scope(group)
        if scope is None:
            return
        from . import show_concordance

        window = show_concordance(self.context)
        if window is not None:
            heading = label if table.by == "label" else f"{group}"
            window.show_segments((table.layer, label), scope, heading)

    # ----- the project changed ---------------------------------------------------------

    def _project_changed(self, changes: ChangeSet) -> None:
        if self.context.project is None or Path(self.context.project.path) != self.project_path:
            return
        if changes.codebook or changes.reset:
            self.fill_choices()
            self.scope_bar.refresh_people()
        if self.runner.running:
            self._changed_while_running = True
        elif self.table is not None:
            self.stale = True
            self.stale_banner.setVisible(True)

    # ----- export ----------------------------------------------------------------------------

    def _suggested(self, suffix: str) -> Path:
        layer = self.table.layer if self.table is not None else "layer"
        safe = "".join(ch if ch.isalnum() else "-" for ch in layer).strip("-").lower() or "layer"
        return self.project_path.with_name(f"{self.project_path.stem}-frequencies-{safe}.{suffix}")

    def export_chart(self, path: str | Path | None = None) -> Path | None:
        """Write the chart as PNG, SVG or PDF (asks for a file name when `path` is None)."""
        if self.table is None:
            return None
        return export_file(self, self.message, path, "Export the chart", self._suggested("png"), EXPORT_FILTER,
                           self.chart.export, "Chart written to {path}.")

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the table as CSV, one row per cell (asks for a file name when `path` is None)."""
        table = self.table
        if table is None:
            return None
        rows = ((table.layer, group, label, table.count, self.value(group, label))
                for group in table.groups for label in table.labels)
        columns = ("layer", table.by if table.by != "label" else "group", "label", "count_of", "count")
        return export_file(self, self.message, path, "Export the table", self._suggested("csv"), "CSV (*.csv)",
                           lambda out: write_csv(out, columns, rows, "frequency CSV"), "Table written to {path}.")

    # ----- life cycle ----------------------------------------------------------------------

    def stop(self) -> None:
        """Cancel and wait for a running count."""
        self._again = False
        self.runner.cancel()
        self.runner.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Closing stops a running count first."""
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        """Escape closes."""
        self.stop()
        super().reject()

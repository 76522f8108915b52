"""The Pairwise and Per document tabs: annotators x annotators, and documents worst first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...ops.agreement import AgreementReport, DocumentRow
from ...ops.agreement.report import FIGURE_NAMES, exact, rounded
from .charts import UNDEFINED_COLOUR
from .overview import figure_item, read_only_table

PAIR_KEYS = ("cohen", "weighted", "weighted_kappa", "f1_overlap", "f1_exact")
DOCUMENT_KEYS = ("alpha_u", "alpha", "percent", "f1_overlap")


def shade(value: float) -> QColor:
    """A pale background from red (≤ 0) through yellow to green (1) for a figure's cell."""
    share = min(max(value, 0.0), 1.0)
    return QColor.fromHsvF(share / 3.0, 0.28, 1.0)


class PairwiseTab(QWidget):
    """Annotators x annotators: Cohen's kappa or span F1 of each pair."""

    sig_pair_chosen = Signal(str, str)
    """A pair's cell was double-clicked: (row annotator, column annotator)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: AgreementReport | None = None
        self.measure_box = QComboBox(self)
        self.measure_box.setAccessibleName("Pairwise measure")
        self.measure_box.currentIndexChanged.connect(self._fill)
        self.matrix = read_only_table(self, [])
        self.matrix.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.matrix.verticalHeader().setVisible(True)
        self.matrix.cellDoubleClicked.connect(self._double_clicked)
        self.caption = QLabel("Double-click a pair to see its confusion matrix.", self)
        self.caption.setWordWrap(True)
        self.pairs = read_only_table(self, [])
        self.pairs.cellDoubleClicked.connect(self._pair_row_double_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel("Measure:", self))
        top.addWidget(self.measure_box)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.matrix, 2)
        layout.addWidget(self.caption)
        layout.addWidget(QLabel("<b>Every pair</b>", self))
        layout.addWidget(self.pairs, 1)

    def show_report(self, report: AgreementReport) -> None:
        """Offer the pair measures the report has and show the matrix."""
        self.report = report
        keys = [k for k in PAIR_KEYS if any(k in p.figures for p in report.pairs)]
        self.measure_box.blockSignals(True)
        self.measure_box.clear()
        for key in keys:
            self.measure_box.addItem(FIGURE_NAMES[key], key)
        self.measure_box.blockSignals(False)
        self._fill_pairs(report, keys)
        self._fill()

    def _fill_pairs(self, report: AgreementReport, keys: list[str]) -> None:
        """One row per pair with every pair figure and the units it rests on."""
        headers = ["Annotator A", "Annotator B", *(FIGURE_NAMES[k] for k in keys), "Units (kappa)", "Spans (F1)"]
        self.pairs.clear()
        self.pairs.setColumnCount(len(headers))
        self.pairs.setHorizontalHeaderLabels(headers)
        self.pairs.setRowCount(len(report.pairs))
        for row, pair in enumerate(report.pairs):
            self.pairs.setItem(row, 0, QTableWidgetItem(pair.first))
            self.pairs.setItem(row, 1, QTableWidgetItem(pair.second))
            for column, key in enumerate(keys, 2):
                self.pairs.setItem(row, column, figure_item(pair.figures.get(key)))
            kappa = pair.figures.get("cohen")
            spans = pair.figures.get("f1_overlap")
            self.pairs.setItem(row, len(keys) + 2, QTableWidgetItem(f"{kappa.n_units:,}" if kappa else ""))
            self.pairs.setItem(row, len(keys) + 3, QTableWidgetItem(f"{spans.n_units:,}" if spans else ""))
        self.pairs.resizeColumnsToContents()
        self.pairs.horizontalHeader().setStretchLastSection(True)

    def _pair_row_double_clicked(self, row: int, _column: int) -> None:
        if self.report is not None:
            pair = self.report.pairs[row]
            self.sig_pair_chosen.emit(pair.first, pair.second)

    def set_measure(self, key: str) -> None:
        """Show another pair measure ("cohen", "weighted", "f1_overlap", "f1_exact")."""
        index = self.measure_box.findData(key)
        if index >= 0:
            self.measure_box.setCurrentIndex(index)

    def cell_text(self, first: str, second: str) -> str:
        """What the matrix shows for two annotators."""
        assert self.report is not None
        names = list(self.report.annotators)
        item = self.matrix.item(names.index(first), names.index(second))
        return item.text() if item is not None else ""

    def _fill(self) -> None:
        report = self.report
        if report is None:
            return
        names = list(report.annotators)
        key = self.measure_box.currentData()
        self.matrix.clear()
        self.matrix.setRowCount(len(names))
        self.matrix.setColumnCount(len(names))
        self.matrix.setHorizontalHeaderLabels(names)
        self.matrix.setVerticalHeaderLabels(names)
        for r, first in enumerate(names):
            for c, second in enumerate(names):
                if r == c:
                    item = QTableWidgetItem("—")
                    item.setForeground(QColor("#909090"))
                else:
                    figure = report.pair(first, second).figures.get(key) if key else None
                    item = figure_item(figure)
                    if figure is not None and figure.value is not None:
                        item.setBackground(shade(figure.value))
                        item.setToolTip(f"{first} – {second}: {FIGURE_NAMES[key]} {exact(figure.value)} "
                                        f"over {figure.n_units:,} units")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.matrix.setItem(r, c, item)
        header = self.matrix.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(90)
        if not key:
            self.caption.setText("No pairwise measure: choose two or more annotators and Cohen's kappa or span F1.")
        else:
            self.caption.setText(f"{FIGURE_NAMES[key]} of each pair of annotators (the matrix is symmetric). "
                                 "Double-click a pair to see its confusion matrix.")

    def _double_clicked(self, row: int, column: int) -> None:
        if self.report is not None and row != column:
            self.sig_pair_chosen.emit(self.report.annotators[row], self.report.annotators[column])


class DocumentTableModel(QAbstractTableModel):
    """The report's per-document rows, in the report's order (worst first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[DocumentRow] = []
        self.keys: list[str] = []
        self.annotators: list[str] = []
        self.show_values = False
        self._cells: dict[int, list[list[Any]]] = {}

    def set_report(self, report: AgreementReport) -> None:
        """Show the report's documents."""
        self.beginResetModel()
        self.rows = list(report.per_document)
        self.keys = [k for k in DOCUMENT_KEYS if any(k in r.figures for r in self.rows)]
        self.annotators = list(report.annotators)
        self.show_values = any(r.values is not None for r in self.rows)
        self._cells = self._fill_cells()
        self.endResetModel()

    def _fill_cells(self) -> dict[int, list[list[Any]]]:
        """Text, colours and alignment of every cell, made once per report: sizing the columns to
        their contents asks for each of them (8 roles x every row), and a lookup answers that
        faster than working each one out again."""
        display, foreground, background, alignment = [], [], [], []
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        n_values = len(self.annotators) if self.show_values else 0
        for number, row in enumerate(self.rows, 1):
            figures = [row.figures.get(key) for key in self.keys]
            shown = [("" if figure is None else rounded(figure.value) if figure.value is not None else "undefined")
                     for figure in figures]
            values = [(row.values or {}).get(name) for name in self.annotators[:n_values]]
            display.append([number, row.title, f"{row.n_units:,}", *shown,
                            *(value if value is not None else "—" for value in values)])
            foreground.append([None, None, None, *(UNDEFINED_COLOUR if figure is not None and figure.value is None
                                                   else None for figure in figures), *[None] * n_values])
            background.append([None, None, None, *(shade(figure.value) if figure is not None and figure.value is not None
                                                   else None for figure in figures), *[None] * n_values])
            alignment.append([right, None, right, *[right] * len(figures), *[None] * n_values])
        return {int(Qt.ItemDataRole.DisplayRole.value): display,
                int(Qt.ItemDataRole.ForegroundRole.value): foreground,
                int(Qt.ItemDataRole.BackgroundRole.value): background,
                int(Qt.ItemDataRole.TextAlignmentRole.value): alignment}

    def columns(self) -> list[str]:
        """Column titles."""
        values = [f"{a}'s label" for a in self.annotators] if self.show_values else []
        return ["#", "Document", "Units", *(FIGURE_NAMES[k] for k in self.keys), *values]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        """Number of documents."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        """Number of columns."""
        return 0 if parent.isValid() else 3 + len(self.keys) + (len(self.annotators) if self.show_values else 0)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns()[section]
        return None

    def document_id(self, row: int) -> str:
        """The id of the document on a row."""
        return self.rows[row].document_id

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, colours and tooltips."""
        if not index.isValid():
            return None
        cells = self._cells.get(role)
        if cells is not None:
            return cells[index.row()][index.column()]
        row, column = self.rows[index.row()], index.column()
        figure_column = column - 3
        figure = row.figures.get(self.keys[figure_column]) if 0 <= figure_column < len(self.keys) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if figure is not None and figure.value is None:
                return f"undefined: {figure.undefined_reason}"
            if figure is not None and figure.value is not None:
                return exact(figure.value)
            if column == 1:
                return f"{row.title}\nannotators: {', '.join(row.annotators)}\ndouble-click to open it"
        return None


class DocumentsTab(QWidget):
    """Documents worst first; double-clicking one opens it at its first disagreement."""

    sig_document_chosen = Signal(str)
    """A document id to open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DocumentTableModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(False)
        # activated: a double-click or Enter (or a single click where the platform says so)
        self.view.activated.connect(lambda index: self.sig_document_chosen.emit(self.model.document_id(index.row())))
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)

    def show_report(self, report: AgreementReport) -> None:
        """Fill the table from a report."""
        self.model.set_report(report)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        order = (f"worst first by {FIGURE_NAMES.get(report.sort_measure, report.sort_measure)}; "
                 "documents whose figure is undefined come last" if report.sort_measure else "in corpus order")
        opens = ("opens the document in the main window" if report.unit == "document" else
                 "opens a document in the main window with every annotator's spans, at its first disagreement")
        self.caption.setText(f"{len(report.per_document):,} documents, {order}. Double-click (or Enter) {opens}.")

"""The Confusion tab: one pair's confusion-matrix heatmap and the documents behind a cell."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...ops.agreement import AgreementReport
from .charts import ConfusionHeatmap
from .locate import DisagreementIndex

PLACE_ROLE = Qt.ItemDataRole.UserRole


class ConfusionTab(QWidget):
    """Choose a pair; click a cell to list where one said the row and the other the column."""

    sig_open = Signal(str, object, object)
    """(document id, start or None, end or None): open the document at that unit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: AgreementReport | None = None
        self.index: DisagreementIndex | None = None
        self.pair_box = QComboBox(self)
        self.pair_box.setAccessibleName("Pair of annotators")
        self.pair_box.currentIndexChanged.connect(self._pair_changed)
        self.heatmap = ConfusionHeatmap(self)
        self.heatmap.sig_cell_clicked.connect(self.list_cell)
        self.cell_title = QLabel("Click a cell to list the documents behind it.", self)
        self.cell_title.setWordWrap(True)
        self.places = QListWidget(self)
        self.places.setWordWrap(True)
        self.places.setAccessibleName("Documents behind the cell")
        self.places.itemActivated.connect(self._open_item)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.cell_title)
        side_layout.addWidget(self.places, 1)
        splitter = QSplitter(self)
        splitter.addWidget(self.heatmap)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([700, 240])
        top = QHBoxLayout()
        top.addWidget(QLabel("Pair:", self))
        top.addWidget(self.pair_box)
        top.addStretch(1)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.caption)

    def show_report(self, report: AgreementReport, index: DisagreementIndex | None) -> None:
        """Offer the report's pairs and show the first one."""
        self.report, self.index = report, index
        self.pair_box.blockSignals(True)
        self.pair_box.clear()
        for pair in report.pairs:
            self.pair_box.addItem(f"{pair.first} (rows) × {pair.second} (columns)", (pair.first, pair.second))
        self.pair_box.blockSignals(False)
        self._pair_changed()

    def set_pair(self, first: str, second: str) -> None:
        """Show the matrix of two annotators (in either order)."""
        for row in range(self.pair_box.count()):
            if set(self.pair_box.itemData(row)) == {first, second}:
                self.pair_box.setCurrentIndex(row)
                return

    def pair(self) -> tuple[str, str] | None:
        """The pair shown."""
        return self.pair_box.currentData()

    def _pair_changed(self) -> None:
        self.places.clear()
        self.cell_title.setText("Click a cell to list the documents behind it.")
        report, pair = self.report, self.pair()
        if report is None or pair is None:
            self.heatmap.set_matrix(None, [], "", "", "")
            self.caption.setText("No pair of annotators to compare.")
            return
        result = report.pair(*pair)
        unit = report.unit if report.unit != "char" else "character"
        self.heatmap.set_matrix(result.confusion, [str(c) for c in report.categories], pair[0], pair[1], unit)
        self.caption.setText(
            f"Each cell counts the {unit}s {pair[0]} gave the row's value and {pair[1]} the column's "
            "(units both coded). Blue: agreement, red: disagreement; colour grows with log(1 + count). "
            "Values neither annotator used are left out."
        )

    def list_cell(self, row: int, column: int) -> None:
        """List the documents where the pair gave (row, column); double-click one to open it there."""
        self.places.clear()
        report, pair = self.report, self.pair()
        if report is None or pair is None:
            return
        self.heatmap.selected = (row, column)
        self.heatmap.update()
        names = [str(c) for c in report.categories]
        count = int(report.pair(*pair).confusion[row, column]) if report.pair(*pair).confusion is not None else 0
        self.cell_title.setText(f"{pair[0]}: <b>{names[row]}</b>, {pair[1]}: <b>{names[column]}</b> — "
                                f"{count:,} {report.unit}(s). Double-click a document to open it there.")
        if self.index is None:
            return
        for place in self.index.cell_documents(pair[0], pair[1], row, column):
            item = QListWidgetItem(f"{place.count:,} × {place.title}")
            item.setData(PLACE_ROLE, (place.document_id, place.start, place.end))
            item.setToolTip(f"{place.count:,} {report.unit}(s) in this document")
            self.places.addItem(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        document_id, start, end = item.data(PLACE_ROLE)
        self.sig_open.emit(document_id, start, end)

"""KWIC rows in a table: left context right-aligned against the match, the match, right context,
then title, source, date, the codes at the hit and the relations of the spans there. Used by the concordance and by the
co-occurrence window's list of segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableView, QWidget

from ...queries.analysis import KwicHit
from .common import write_csv

COLUMNS = ("Left context", "Match", "Right context", "Title", "Source", "Date", "Codes", "Relations")
LEFT, MATCH, RIGHT, TITLE, SOURCE, DATE, CODES, RELATIONS = range(len(COLUMNS))
CSV_COLUMNS = ("document_id", "title", "source", "date", "start", "end", "left", "match", "right", "codes",
               "relations")

Index = QModelIndex | QPersistentModelIndex


class KwicModel(QAbstractTableModel):
    """A thin adapter over a list of KwicHit (the query's result is the source of truth)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hits: list[KwicHit] = []
        self.extra_codes: dict[int, tuple[str, ...]] = {}  # row -> codes added from this window since
        self.read_codes: dict[int, tuple[str, ...]] = {}  # row -> codes read again after a change
        self._bold = QFont()
        self._bold.setBold(True)

    def set_hits(self, hits: list[KwicHit]) -> None:
        """Show these hits."""
        self.beginResetModel()
        self.hits = list(hits)
        self.extra_codes = {}
        self.read_codes = {}
        self.endResetModel()

    def set_codes(self, codes: dict[int, tuple[str, ...]]) -> None:
        """Show these codes at these rows (read again after a change, an undo or a redo)."""
        for row, found in codes.items():
            self.read_codes[row] = found
            self.extra_codes.pop(row, None)
            index = self.index(row, CODES)
            self.dataChanged.emit(index, index)

    def add_code(self, rows: list[int], code: str) -> None:
        """Show `code` at these rows (just coded from the concordance)."""
        for row in rows:
            if code not in self.codes(row):
                self.extra_codes[row] = (*self.extra_codes.get(row, ()), code)
                index = self.index(row, CODES)
                self.dataChanged.emit(index, index)

    def codes(self, row: int) -> tuple[str, ...]:
        """The codes shown at a row."""
        return (*self.read_codes.get(row, self.hits[row].codes), *self.extra_codes.get(row, ()))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        """Rows: one per hit."""
        return 0 if parent.isValid() else len(self.hits)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        """Columns: the context, the match and the document's metadata."""
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text, alignment and tooltips of a cell."""
        if not index.isValid():
            return None
        hit, column = self.hits[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (hit.left, hit.match, hit.right, hit.title, hit.source, hit.date,
                    ", ".join(self.codes(index.row())), "; ".join(hit.relations))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column == LEFT else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == MATCH:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (LEFT, MATCH, RIGHT):
                return f"{hit.left}[{hit.match}]{hit.right}\n{hit.title} · characters {hit.start}–{hit.end}"
            if column == CODES:
                return "\n".join(self.codes(index.row())) or "no codes here"
            if column == RELATIONS:
                return "\n".join(hit.relations) or "no relations here"
            return (hit.left, hit.match, hit.right, hit.title, hit.source, hit.date)[column]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column names; rows are numbered."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return COLUMNS[section] if orientation == Qt.Orientation.Horizontal else section + 1

    def write_csv(self, path: str | Path) -> Path:
        """Every row (all columns, offsets in code points) as a CSV file."""
        rows = ((h.document_id, h.title, h.source, h.date, h.start, h.end, h.left, h.match, h.right,
                 "; ".join(self.codes(n)), "; ".join(h.relations)) for n, h in enumerate(self.hits))
        return write_csv(path, CSV_COLUMNS, rows, "concordance CSV")


class _LeftContextDelegate(QStyledItemDelegate):
    """The left context is cut at its start ("…the tax on"), so that its end touches the match."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:  # noqa: N802 - Qt API
        """Elide on the left."""
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class KwicView(QTableView):
    """The KWIC table: whole rows selected, a label key pressed on it is reported."""

    sig_key = Signal(str)
    """A plain key (letter or digit, no Ctrl/Alt) pressed while the table has the focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kwic = KwicModel(self)
        self.setModel(self.kwic)
        self.setObjectName("kwic_view")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setItemDelegateForColumn(LEFT, _LeftContextDelegate(self))
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((LEFT, 320), (MATCH, 130), (RIGHT, 320), (TITLE, 170), (SOURCE, 110), (DATE, 84)):
            self.setColumnWidth(column, width)

    def fit_columns(self) -> None:
        """Share the width: the match as wide as its longest text (within bounds), the two
        contexts the same width, so that every match starts at the same place."""
        width = self.viewport().width()
        if width <= 0:
            return
        metrics = self.fontMetrics()
        longest = max((metrics.horizontalAdvance(hit.match) for hit in self.kwic.hits[:500]), default=60)
        match = max(80, min(longest + 24, width // 5))
        narrow = width < 1100
        for column, wide, small in ((TITLE, 170, 130), (SOURCE, 110, 80), (DATE, 84, 80), (CODES, 130, 90)):
            self.setColumnWidth(column, small if narrow else wide)
        meta = sum(self.columnWidth(column) for column in (TITLE, SOURCE, DATE, CODES)) + (90 if narrow else 130)
        side = max(120, (width - meta - match) // 2)
        self.setColumnWidth(LEFT, side)
        self.setColumnWidth(MATCH, match)
        self.setColumnWidth(RIGHT, side)

    def selected_rows(self) -> list[int]:
        """The selected rows, top to bottom."""
        return sorted({index.row() for index in self.selectionModel().selectedRows()})

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """A letter or digit is a label key; every other key moves as in any table."""
        text = event.text()
        modifiers = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        if len(text) == 1 and text.isalnum() and modifiers == Qt.KeyboardModifier.NoModifier:
            self.sig_key.emit(text)
            event.accept()
            return
        super().keyPressEvent(event)

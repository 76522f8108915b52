"""The documents table's model: rows over document ids, read a page at a time, sorted and
filtered in SQL; title, source and date edited in place (one undoable metadata edit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Status
from ...ops.metadata import edit_document
from ...project import Project
from ...queries.documents import DocumentRow, curators, document_ids, document_rows, queue_counts


PAGE_SIZE = 200
COLUMNS = ("Title", "Source", "Date", "Length", "My status", "Mine", "Adjudicated")
TITLE, SOURCE = 0, 1  # the title is always shown and stretches to fill the width
# Cells edited in place (a click on the selected document's cell): the document field each one sets.
EDITABLE = {0: "title", 1: "source", 2: "date"}
HIDDEN_AT_FIRST = (2, 3)  # date and length: shown from the header's context menu
ADJUDICATED = 6  # shown once the project has a curator (a gold set), unless the user hid it
DEFAULT_WIDTHS = {1: 100, 2: 78, 3: 50, 4: 76, 5: 40, ADJUDICATED: 82}
MIN_WIDTH, MAX_WIDTH = 32, 4000  # a restored width outside these is taken for a damaged state
TABLE_NAME = "documents"  # its key in the app settings
_STATUS_COLOURS = {Status.DONE: "#2E7D32", Status.IN_PROGRESS: "#B26A00", Status.NOT_STARTED: "#757575"}
# Roles as the plain ints Qt passes to data() (a table asks each cell for several roles on every
# paint: comparing ints, not enum members, keeps scrolling within a frame).
_DISPLAY, _EDIT, _TOOLTIP, _ALIGNMENT, _FOREGROUND, _USER = (int(role.value) for role in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.UserRole))
# A loaded row's answers, made once: per column, the value of each role below _ROLE_SLOTS (display,
# decoration, edit, tooltip, status tip, what's this, font, alignment, background, foreground) in
# one tuple indexed by the role. A paint asks ~7 roles of every cell: each is then one lookup.
_ROLE_SLOTS = int(Qt.ItemDataRole.CheckStateRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter.value)
_ALIGNMENTS = {3: _RIGHT, 5: _RIGHT, ADJUDICATED: _CENTRE}
_BRUSHES: dict[str, QBrush] = {}  # one brush per status colour (a cell's value is copied out by Qt)
# What QAbstractTableModel.flags gives a valid cell, and that plus editable (combined once: enum
# arithmetic on every cell of every paint is not free).
_CELL_FLAGS: list[Qt.ItemFlag] = []

Index = QModelIndex | QPersistentModelIndex

MIN_PANEL_WIDTH = 200


class DocumentTableModel(QAbstractTableModel):
    """Document ids in the chosen order; row contents are loaded lazily, one query per page."""

    sig_gold_set = Signal(bool)
    """Whether the project has a curator (its "Adjudicated" column is worth showing), when that changes."""
    sig_edit_refused = Signal(str)
    """Why a value typed into a cell was not stored (a date that cannot be read)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._annotator = ""
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._pages: dict[int, dict[str, DocumentRow]] = {}
        self._shown: dict[int, tuple[tuple[Any, ...], ...]] = {}  # row -> its cells' answers (see _ROLE_SLOTS)
        self._filter = ""
        self._queue_only = False  # only the annotator's queue (assigned to them, not done)
        self._sort: tuple[int | None, bool] = (None, False)
        self.page_queries = 0
        self.has_curator = False

    # ----- feeding -----------------------------------------------------------------

    def set_project(self, project: Project | None, annotator: str) -> None:
        """Show the documents of `project` with `annotator`'s status and counts."""
        self._project = project
        self._annotator = annotator
        self.reload()

    def set_filter(self, text: str) -> None:
        """Keep only documents whose title or source contains `text`."""
        self._filter = text
        self.reload()

    def set_queue_only(self, on: bool) -> None:
        """Keep only the annotator's queue: documents assigned to them and not marked done."""
        self._queue_only = on
        self.reload()

    @property
    def queue_only(self) -> bool:
        """Whether only the annotator's queue is listed."""
        return self._queue_only

    def queue_counts(self) -> tuple[int, int]:
        """(documents in the annotator's queue, documents assigned to them)."""
        return (0, 0) if self._project is None else queue_counts(self._project, self._annotator)

    def reload(self) -> None:
        """Re-read the ids (and forget cached rows)."""
        self.beginResetModel()
        if self._project is None:
            self._ids = []
        else:
            column, descending = self._sort
            self._ids = document_ids(self._project, self._annotator, self._filter, column, descending,
                                     self._queue_only)
        self._row_of = {ident: row for row, ident in enumerate(self._ids)}
        self._pages.clear()
        self._shown.clear()
        self.endResetModel()
        self._check_curator()

    def _check_curator(self) -> None:
        has = self._project is not None and bool(curators(self._project))
        if has != self.has_curator:
            self.has_curator = has
            self.sig_gold_set.emit(has)

    def refresh_documents(self, ids: Iterable[str]) -> None:
        """Re-read the rows of these documents (after their status or annotations changed)."""
        self._check_curator()
        for ident in ids:
            row = self._row_of.get(ident)
            if row is None:
                continue
            page = row // PAGE_SIZE
            self._pages.pop(page, None)  # the page is read again, each of its rows made again
            for reread in range(page * PAGE_SIZE, (page + 1) * PAGE_SIZE):
                self._shown.pop(reread, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # ----- reading -------------------------------------------------------------------

    def document_id(self, row: int) -> str | None:
        """The id shown in `row`, if the row exists."""
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, document_id: str) -> int | None:
        """The row showing `document_id`, or None if it is filtered out."""
        return self._row_of.get(document_id)

    def ids(self) -> list[str]:
        """Every id in the current order."""
        return list(self._ids)

    def row_data(self, row: int) -> DocumentRow | None:
        """The loaded contents of `row` (loading its page if needed)."""
        if not 0 <= row < len(self._ids) or self._project is None:
            return None
        page = row // PAGE_SIZE
        cached = self._pages.get(page)
        if cached is None:
            chunk = self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            cached = document_rows(self._project, self._annotator, chunk)
            self._pages[page] = cached
            self.page_queries += 1
        return cached.get(self._ids[row])

    def sort_key(self) -> tuple[int, bool]:
        """The column the ids are ordered by (-1 for import order) and whether descending."""
        column, descending = self._sort
        return (-1 if column is None else column), descending

    def loaded_rows(self) -> int:
        """How many rows are held in memory now (for tests of the lazy loading)."""
        return sum(len(page) for page in self._pages.values())

    # ----- QAbstractTableModel -------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of documents shown."""
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents, loaded lazily."""
        row = index.row()
        cells = self._shown.get(row)
        if cells is None:
            if not index.isValid():
                return None
            cells = self._shape(row)
            if cells is None:
                return self.document_id(row) if int(role) == _USER else None
        role = int(role)
        if role < _ROLE_SLOTS:
            return cells[index.column()][role]
        return self._ids[row] if role == _USER else None

    def _shape(self, row_number: int) -> tuple[tuple[Any, ...], ...] | None:
        """Every answer of a row's cells (None if the row is not there), kept until the row is re-read."""
        row = self.row_data(row_number)
        if row is None:
            return None
        curated = row.adjudication
        values = (row.title, row.source, row.date, f"{row.length:,}", row.status.value, str(row.annotations),
                  curated.text() if curated is not None else "")
        colours = {4: _STATUS_COLOURS[row.status],
                   ADJUDICATED: _STATUS_COLOURS[Status.DONE if row.adjudicated else Status.IN_PROGRESS]}
        cells = []
        for column, value in enumerate(values):
            answers: list[Any] = [None] * _ROLE_SLOTS
            answers[_DISPLAY] = value
            answers[_EDIT] = value if column in EDITABLE else None
            if column == 0:
                answers[_TOOLTIP] = row.title
            elif column == ADJUDICATED:
                answers[_TOOLTIP] = (curated.tooltip() if curated is not None
                                     else "No curator decision on this document yet")
            else:
                answers[_TOOLTIP] = value
            answers[_ALIGNMENT] = _ALIGNMENTS.get(column)
            colour = colours.get(column)
            if colour is not None:
                brush = _BRUSHES.get(colour)
                if brush is None:
                    brush = _BRUSHES[colour] = QBrush(QColor(colour))
                answers[_FOREGROUND] = brush
            cells.append(tuple(answers))
        shaped = self._shown[row_number] = tuple(cells)
        return shaped

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Title, source and date cells are editable while the project may be changed."""
        if not _CELL_FLAGS:
            if not index.isValid():
                return super().flags(index)
            plain = super().flags(index)
            _CELL_FLAGS.extend((plain, plain | Qt.ItemFlag.ItemIsEditable))
        column = index.column()
        if column < 0:  # an invalid index
            return super().flags(index)
        project = self._project
        return _CELL_FLAGS[column in EDITABLE and project is not None and not project.readonly]

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Store a typed title, source or date as one undoable edit by the annotator (the row
        is re-read when the change comes back on the bus); a refusal is said on sig_edit_refused."""
        ident = self.document_id(index.row()) if index.isValid() else None
        field = EDITABLE.get(index.column())
        if role != Qt.ItemDataRole.EditRole or ident is None or field is None or self._project is None:
            return False
        try:
            edit_document(self._project, ident, self._annotator, {field: str(value)})
        except AnnotatorError as error:
            self.sig_edit_refused.emit(str(error))
            return False
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the documents by a column (in SQL, so it stays fast with many rows)."""
        self._sort = (column, order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [self.document_id(index.row()) for index in persistent]
        if self._project is not None:
            column_, descending = self._sort
            self._ids = document_ids(self._project, self._annotator, self._filter, column_, descending,
                                     self._queue_only)
        self._row_of = {ident: row for row, ident in enumerate(self._ids)}
        self._pages.clear()
        self._shown.clear()
        moved = []
        for index, ident in zip(persistent, kept):
            row = self._row_of.get(ident) if ident is not None else None
            moved.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

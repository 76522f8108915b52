"""The documents panel: a table over document ids whose rows are read a page at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Status
from ...ops.metadata import edit_document
from ...project import Project
from ...project.changes import ChangeSet
from ...queries.documents import DocumentRow, curators, document_ids, document_rows, queue_counts
from ..events import ProjectEvents
from ..settings import AppSettings
from .date_cell import DateCellDelegate
from .documents_columns import fit_columns, fit_title

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
_ROLES = frozenset((_DISPLAY, _EDIT, _TOOLTIP, _ALIGNMENT, _FOREGROUND, _USER))
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter.value)
_EDITABLE_FLAGS: dict[Qt.ItemFlag, Qt.ItemFlag] = {}

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
        self._cells: dict[str, tuple[str, ...]] = {}  # each loaded row's shown texts, made once
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
        self._cells.clear()
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
            self._cells.pop(ident, None)
            for reread in self._pages.pop(row // PAGE_SIZE, {}):
                self._cells.pop(reread, None)
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
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        if role == _USER:
            return self.document_id(index.row())
        row = self.row_data(index.row())
        if row is None:
            return None
        column = index.column()
        if role == _ALIGNMENT:
            if column in (3, 5):
                return _RIGHT
            if column == ADJUDICATED:
                return _CENTRE
            return None
        if role == _FOREGROUND:
            if column == ADJUDICATED:
                return QBrush(QColor(_STATUS_COLOURS[Status.DONE if row.adjudicated else Status.IN_PROGRESS]))
            return QBrush(QColor(_STATUS_COLOURS[row.status])) if column == 4 else None
        curated = row.adjudication
        if role == _TOOLTIP and column == ADJUDICATED:
            return curated.tooltip() if curated is not None else "No curator decision on this document yet"
        values = self._cells.get(row.id)
        if values is None:
            values = (row.title, row.source, row.date, f"{row.length:,}", row.status.value, str(row.annotations),
                      curated.text() if curated is not None else "")
            self._cells[row.id] = values
        if role == _TOOLTIP:
            return row.title if column == 0 else values[column]
        if role == _EDIT:
            return values[column] if column in EDITABLE else None
        return values[column]

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Title, source and date cells are editable while the project may be changed."""
        flags = super().flags(index)
        if index.isValid() and index.column() in EDITABLE and self._project is not None and not self._project.readonly:
            editable = _EDITABLE_FLAGS.get(flags)
            if editable is None:  # combined once: enum arithmetic on every cell of every paint is not free
                editable = _EDITABLE_FLAGS[flags] = flags | Qt.ItemFlag.ItemIsEditable
            return editable
        return flags

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
        self._cells.clear()
        moved = []
        for index, ident in zip(persistent, kept):
            row = self._row_of.get(ident) if ident is not None else None
            moved.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


class DocumentsPanel(QWidget):
    """A filter box over the documents table; emits the document the user moves to.

    With `settings`, the table's column widths, order, hidden columns and sort are
    remembered between sessions (per application, like the window layout).
    """

    sig_document_selected = Signal(str)
    """The id of the document the user selected."""

    def __init__(self, parent: QWidget | None = None, settings: AppSettings | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(MIN_PANEL_WIDTH)  # titles stay readable however small the window was
        self._settings = settings
        self._restoring = False
        self._fitting = False  # True while the title's width is being fitted (it resizes sections)
        self._adjudicated_wanted = True  # False once the user hides that column themselves
        self.model = DocumentTableModel(self)
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText("Filter by title or source…")
        self.filter_box.setClearButtonEnabled(True)
        # The annotator's queue (documents assigned to them and not done), shown once they have assignments.
        self.queue_box = QCheckBox("My queue", self)
        self.queue_box.setToolTip("Only the documents assigned to you that you have not marked done")
        self.queue_box.setVisible(False)
        self.queue_box.toggled.connect(self._queue_toggled)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.date_delegate = DateCellDelegate(self.view)  # an ambiguous date stays typed, with the reason
        self.view.setItemDelegateForColumn(2, self.date_delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # A click on the cell of the selected document edits its title, source or date, as a file is
        # renamed in a file manager (F2 makes a layer active; a double click still goes to the text).
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.SelectedClicked)
        self.model.sig_edit_refused.connect(self._edit_refused)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        self._apply_header_rules()
        for column, width in DEFAULT_WIDTHS.items():
            header.resizeSection(column, width)
        for column in (*HIDDEN_AT_FIRST, ADJUDICATED):
            header.hideSection(column)
        fit_columns(self.view, floors=DEFAULT_WIDTHS)  # a header never clipped ("ly statu")
        self.model.sig_gold_set.connect(self._gold_set_changed)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_column_menu)
        header.setToolTip("Click to sort, drag to reorder; right-click to choose the columns")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_box, 1)
        top.addWidget(self.queue_box)
        layout.addLayout(top)
        layout.addWidget(self.view)
        self.filter_box.textChanged.connect(self._filter_changed)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self._current: str | None = None
        if settings is not None:
            self.restore_layout()
            # Connected only now: the defaults set above must not overwrite what was saved.
            header.sectionResized.connect(self._save_layout)
            header.sectionMoved.connect(self._save_layout)
            header.sortIndicatorChanged.connect(self._save_layout)
        header.sectionResized.connect(self._fit_title)
        # The visible width of the table changes without the panel resizing (a scroll bar
        # comes or goes, the window is laid out after a saved layout was restored).
        self.view.viewport().installEventFilter(self)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """The title takes the width the other columns leave."""
        super().resizeEvent(event)
        self._fit_title()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Refit the title when the table's visible width changes."""
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_title()
        return super().eventFilter(watched, event)

    def _fit_title(self, *_changed: object) -> None:
        if not self._fitting:
            self._fitting = True
            try:
                fit_title(self, self.view, MIN_PANEL_WIDTH)
            finally:
                self._fitting = False

    def set_project(self, project: Project | None, annotator: str) -> None:
        """Show a project's documents for an annotator, keeping the current document."""
        current = self._current
        self.model.set_project(project, annotator)
        fit_columns(self.view, [SOURCE], only_narrower=True)  # this project's outlets
        self._update_queue_box()
        if current is not None and project is not None:
            self.select_document(current, emit=False)

    def _update_queue_box(self) -> None:
        """Show "My queue (n of m)" while the annotator has assignments; off (all documents) otherwise."""
        left, assigned = self.model.queue_counts()
        self.queue_box.setText(f"My queue ({left} left)" if assigned else "My queue")
        self.queue_box.setToolTip(f"Only the {left} document(s) assigned to you that you have not marked done "
                                  f"({assigned - left} of {assigned} done)" if assigned else
                                  "No documents are assigned to you")
        self.queue_box.setVisible(bool(assigned))
        if not assigned and self.queue_box.isChecked():
            self.queue_box.setChecked(False)

    def _queue_toggled(self, on: bool) -> None:
        self.model.set_queue_only(on)
        self._reselect_current()

    def follow(self, events: ProjectEvents) -> None:
        """Refresh from the project's change bus (see annotator/gui/events.py)."""
        events.sig_changed.connect(self._project_changed)

    def _project_changed(self, changes: ChangeSet) -> None:
        """Re-read the rows of the documents a change names; after an import, a merge or a
        codebook edit, every row (keeping the current document)."""
        queue_touched = bool(changes.statuses) or "assignments" in changes.tables
        if queue_touched or changes.reset:
            self._update_queue_box()
        if changes.reset or changes.codebook:
            current = self._current
            self.model.reload()
            if current is not None:
                self.select_document(current, emit=False)
        elif queue_touched and self.model.queue_only:  # a document done (or undone) leaves (or joins) the queue
            self.model.reload()
            self._reselect_current()
        else:
            edited = {key[0] for key in changes.tables.get("documents", ())}  # metadata edits and their undo
            self.model.refresh_documents(changes.documents | edited)

    def _edit_refused(self, reason: str) -> None:
        """Say why a typed value was not stored (the cell keeps what is stored)."""
        QMessageBox.warning(self, "Not changed", reason[:1].upper() + reason[1:] + ".")

    def current_document(self) -> str | None:
        """The document selected in the table."""
        return self._current

    def select_document(self, document_id: str, emit: bool = True) -> bool:
        """Select a document's row (clearing the filter if it hides it)."""
        row = self.model.row_of(document_id)
        if row is None and self.filter_box.text():
            self.filter_box.clear()
            row = self.model.row_of(document_id)
        if row is None and self.queue_box.isChecked():  # a document outside the queue: show them all
            self.queue_box.setChecked(False)
            row = self.model.row_of(document_id)
        if row is None:
            return False
        self._current = document_id if not emit else self._current
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index)
        return True

    def current_row(self) -> int | None:
        """Row of the current document in the table's order."""
        return None if self._current is None else self.model.row_of(self._current)

    # ----- columns: choosing, remembering ---------------------------------------------

    def column_menu(self) -> QMenu:
        """The header's right-click menu: a checkable entry per column (the title cannot be hidden)."""
        header = self.view.horizontalHeader()
        menu = QMenu(self)
        for column, title in enumerate(COLUMNS):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(column != TITLE)
            action.toggled.connect(lambda shown, column=column: self.set_column_shown(column, shown))
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset_layout).setToolTip(
            "Default widths, order and columns, in import order")
        return menu

    def reset_layout(self) -> None:
        """Put back the default columns, widths and order, and the import order of rows."""
        header = self.view.horizontalHeader()
        self._restoring = True
        try:
            for column in range(len(COLUMNS)):
                header.moveSection(header.visualIndex(column), column)
                header.setSectionHidden(column, column in HIDDEN_AT_FIRST)
            for column, width in DEFAULT_WIDTHS.items():
                header.resizeSection(column, width)
            fit_columns(self.view, floors=DEFAULT_WIDTHS)
            self._adjudicated_wanted = True
            header.setSectionHidden(ADJUDICATED, not self.model.has_curator)
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            if self.model.sort_key() != (-1, False):
                self.model.sort(-1, Qt.SortOrder.AscendingOrder)
            self._apply_header_rules()
        finally:
            self._restoring = False
        if self._settings is not None:
            self._settings.set_table_column_wanted(TABLE_NAME, COLUMNS[ADJUDICATED], True)
        self._save_layout()

    def set_column_shown(self, column: int, shown: bool) -> None:
        """Show or hide a column (never the title), as its entry in the header menu does."""
        if column == TITLE or not 0 <= column < len(COLUMNS):
            return
        header = self.view.horizontalHeader()
        header.setSectionHidden(column, not shown)
        if shown:  # it fits its header and contents; the title keeps its room
            fit_columns(self.view, [column], floors=DEFAULT_WIDTHS)
            self._fit_title()
        if column == ADJUDICATED:
            self._adjudicated_wanted = shown
            if self._settings is not None:
                self._settings.set_table_column_wanted(TABLE_NAME, COLUMNS[ADJUDICATED], shown)
        self._save_layout()

    def restore_layout(self) -> None:
        """Apply the widths, order, hidden columns and sort saved by an earlier session; a
        saved layout made for other columns, or one that would leave the table unusable, is ignored."""
        if self._settings is None:
            return
        header = self.view.horizontalHeader()
        defaults = header.saveState()
        self._restoring = True
        try:
            state = self._settings.table_header_state(TABLE_NAME, COLUMNS)
            if state is not None and not (header.restoreState(state) and self._header_is_usable()):
                header.restoreState(defaults)
            self._apply_header_rules()
            fit_columns(self.view, only_narrower=True)  # a width saved when headers were cut is widened
            self._fit_title()  # a saved title width never replaces the title's share of the table
            self._adjudicated_wanted = self._settings.table_column_wanted(TABLE_NAME, COLUMNS[ADJUDICATED])
            header.setSectionHidden(ADJUDICATED, not (self.model.has_curator and self._adjudicated_wanted))
            title, descending = self._settings.table_sort(TABLE_NAME)
            column = COLUMNS.index(title) if title in COLUMNS else -1
            order = Qt.SortOrder.DescendingOrder if descending and column >= 0 else Qt.SortOrder.AscendingOrder
            # The view passes this on to the model, which orders its ids in SQL (rows stay unloaded).
            header.setSortIndicator(column, order)
            if self.model.sort_key() != (column, order == Qt.SortOrder.DescendingOrder):
                self.model.sort(column, order)
        finally:
            self._restoring = False

    def _header_is_usable(self) -> bool:
        """Whether a restored header shows the title and gives every shown column a sane width."""
        header = self.view.horizontalHeader()
        if header.count() != len(COLUMNS) or header.isSectionHidden(TITLE):
            return False
        return all(
            header.isSectionHidden(column) or header.minimumSectionSize() <= header.sectionSize(column) <= MAX_WIDTH
            for column in range(len(COLUMNS))
            if column != TITLE
        )

    def _apply_header_rules(self) -> None:
        """What the header always does, whatever a saved state says (restoreState sets these too)."""
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setCascadingSectionResizes(False)
        header.setMinimumSectionSize(MIN_WIDTH)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionHidden(TITLE, False)

    def _save_layout(self, *_changed: object) -> None:
        """Remember the header (widths, order, hidden columns) and the sort, as they are now."""
        if self._settings is None or self._restoring:
            return
        header = self.view.horizontalHeader()
        self._settings.save_table_header_state(TABLE_NAME, COLUMNS, header.saveState())
        column = header.sortIndicatorSection()
        title = COLUMNS[column] if 0 <= column < len(COLUMNS) else ""
        descending = bool(title) and header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        self._settings.set_table_sort(TABLE_NAME, title, descending)

    def _gold_set_changed(self, has_gold_set: bool) -> None:
        shown = has_gold_set and self._adjudicated_wanted
        header = self.view.horizontalHeader()
        appears = shown and header.isSectionHidden(ADJUDICATED)
        header.setSectionHidden(ADJUDICATED, not shown)
        if appears:  # the column comes by itself with the first decision: make room for it
            fit_columns(self.view, [ADJUDICATED], floors=DEFAULT_WIDTHS)
            self._fit_title()
        self._save_layout()

    def _show_column_menu(self, point: QPoint) -> None:
        menu = self.column_menu()
        menu.exec(self.view.horizontalHeader().mapToGlobal(point))
        menu.deleteLater()

    def _filter_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._reselect_current()

    def _reselect_current(self) -> None:
        """Select the current document's row again after the rows changed (without announcing it)."""
        if self._current is not None and (row := self.model.row_of(self._current)) is not None:
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.view.selectionModel().blockSignals(True)
            self.view.selectionModel().setCurrentIndex(index, flags)
            self.view.selectionModel().blockSignals(False)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        ident = self.model.document_id(current.row()) if current.isValid() else None
        if ident is None or ident == self._current:
            return
        self._current = ident
        self.sig_document_selected.emit(ident)

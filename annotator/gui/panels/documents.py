"""The documents panel: the filter, the queue box and the table (its model is document_table.py),
its columns' layout kept between sessions, and the current document."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QResizeEvent
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

from ...project import Project
from ...project.changes import ChangeSet
from ..events import ProjectEvents
from ..settings import AppSettings
from .date_cell import DateCellDelegate
from .document_table import (
    ADJUDICATED,
    COLUMNS,
    DEFAULT_WIDTHS,
    HIDDEN_AT_FIRST,
    MAX_WIDTH,
    MIN_PANEL_WIDTH,
    MIN_WIDTH,
    PAGE_SIZE,
    SOURCE,
    TABLE_NAME,
    TITLE,
    DocumentTableModel,
)
from .documents_columns import fit_columns, fit_title

__all__ = ["COLUMNS", "PAGE_SIZE", "DocumentTableModel", "DocumentsPanel"]


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

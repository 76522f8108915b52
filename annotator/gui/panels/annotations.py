"""The annotations panel: the current document's spans, editable note and attributes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMessageBox, QTableView, QVBoxLayout, QWidget

from ...errors import AnnotatorError, ProjectFileError
from ...model import Annotation
from ...project import Project
from ...project.changes import ChangeSet
from ...store.database import explain_sqlite_error
from ..events import ProjectEvents
from .codebook import swatch

COLUMNS = ("Label", "Text", "Attributes", "Note", "Annotator")
ATTRIBUTES_COLUMN = 2
NOTE_COLUMN = 3
Index = QModelIndex | QPersistentModelIndex
EDIT_TRIGGERS = (QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                 | QAbstractItemView.EditTrigger.AnyKeyPressed)


def format_attributes(values: dict[str, Any]) -> str:
    """Attribute values as the panel shows and edits them: `name=value; name=value`."""
    return "; ".join(f"{name}={json.dumps(value) if isinstance(value, bool) else value}"
                     for name, value in values.items())


def parse_attributes(text: str) -> dict[str, str]:
    """Read `name=value; name=value` back (values stay text; the project checks the types)."""
    values: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise AnnotatorError(f'write attributes as name=value; "{part.strip()}" has no "="')
        values[name.strip()] = value.strip()
    return values


def _sort_key(annotation: Annotation) -> tuple[int, int, str]:
    return (annotation.start or 0, annotation.end or 0, annotation.id)


class AnnotationTableModel(QAbstractTableModel):
    """A document's span annotations, updated row by row from ChangeSets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.annotator = ""
        self.show_others = False
        self.document_id: str | None = None
        self._rows: list[Annotation] = []
        self._text = ""
        self.edit_handler: Callable[[Index, Any, int], bool] | None = None

    def load(self, project: Project | None, document_id: str | None, annotator: str, show_others: bool) -> None:
        """Show a document's annotations: the annotator's own, and others' if asked."""
        self.beginResetModel()
        self.project, self.document_id, self.annotator, self.show_others = project, document_id, annotator, show_others
        self._rows = []
        self._text = ""
        if project is not None and document_id is not None:
            self._text = project.documents.text(document_id)
            who = None if show_others else annotator
            self._rows = [a for a in project.annotations.for_document(document_id, who) if a.is_span]
        self.endResetModel()

    def annotation(self, row: int) -> Annotation | None:
        """The annotation in `row`."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, annotation_id: str) -> int | None:
        """The row of an annotation, if listed."""
        for row, annotation in enumerate(self._rows):
            if annotation.id == annotation_id:
                return row
        return None

    def apply_changes(self, changes: ChangeSet) -> None:
        """Re-read only the annotations a ChangeSet names."""
        if self.project is None or self.document_id not in changes.documents:
            return
        for ident in sorted(changes.changed):
            row = self.row_of(ident)
            if row is None or not self.project.annotations.exists(ident):
                continue
            updated = self.project.annotations.get(ident)
            before, after = self.annotation(row - 1) if row > 0 else None, self.annotation(row + 1)
            if (before is None or _sort_key(before) <= _sort_key(updated)) and (
                after is None or _sort_key(updated) <= _sort_key(after)
            ):
                self._rows[row] = updated
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                continue
            self._remove(row)
            self._insert(updated)
        for ident in changes.removed:
            row = self.row_of(ident)
            if row is not None:
                self._remove(row)
        for ident in changes.added:
            if self.row_of(ident) is not None:
                continue
            if not self.project.annotations.exists(ident):
                continue
            annotation = self.project.annotations.get(ident)
            if annotation.document_id != self.document_id or not annotation.is_span:
                continue
            if not self.show_others and annotation.annotator != self.annotator:
                continue
            self._insert(annotation)

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    def _insert(self, annotation: Annotation) -> None:
        row = next((i for i, a in enumerate(self._rows) if _sort_key(a) > _sort_key(annotation)), len(self._rows))
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, annotation)
        self.endInsertRows()

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Hand an in-place edit of note or attributes to the panel, which stores it."""
        if self.edit_handler is None:
            return False
        return self.edit_handler(index, value, role)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of annotations listed."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def _covered(self, annotation: Annotation) -> str:
        text = self._text[annotation.start : annotation.end].replace("\n", " ⏎ ")
        return text if len(text) <= 90 else text[:60] + " … " + text[-25:]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents."""
        annotation = self.annotation(index.row()) if index.isValid() else None
        if annotation is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (
                f"{annotation.label}",
                self._covered(annotation),
                format_attributes(annotation.attributes),
                annotation.note,
                annotation.annotator,
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return f"{annotation.layer}: {annotation.label} ({annotation.start}–{annotation.end})"
            if column == 1:
                return self._text[annotation.start : annotation.end]
            if column in (ATTRIBUTES_COLUMN, NOTE_COLUMN) and self._editable(annotation):
                return "Double-click or F2 to edit" + (" (name=value; name=value)" if column == 2 else "")
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 0 and self.project is not None:
            layer = self.project.codebook.get().layer(annotation.layer)
            label = layer.label(annotation.label) if layer else None
            return swatch(label.colour) if label else None
        if role == Qt.ItemDataRole.ForegroundRole and annotation.annotator != self.annotator:
            return QColor("#777777")
        if role == Qt.ItemDataRole.UserRole:
            return annotation.id
        return None

    def _editable(self, annotation: Annotation) -> bool:
        return annotation.annotator == self.annotator

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Note and attributes of one's own annotations are editable in place."""
        base = super().flags(index)
        annotation = self.annotation(index.row()) if index.isValid() else None
        if annotation is not None and index.column() in (ATTRIBUTES_COLUMN, NOTE_COLUMN) and self._editable(annotation):
            return base | Qt.ItemFlag.ItemIsEditable
        return base


class AnnotationTable(QTableView):
    """The list's view: F2 edits the current cell here, before the window's layer key sees it."""

    def event(self, event: QEvent) -> bool:
        """Claim F2 (edit in place) from the window's shortcuts while the list has focus."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_F2
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()
            return True
        return super().event(event)


class AnnotationsPanel(QWidget):
    """Lists the current document's annotations; selecting, deleting and editing them."""

    sig_annotation_clicked = Signal(str)
    """An annotation the user selected in the list (scroll the text to it)."""

    sig_changed = Signal(object)
    """A ChangeSet after the panel changed something (delete, note, attributes)."""

    sig_message = Signal(str)
    """A message for the status bar (e.g. why an edit was refused)."""

    sig_write_failed = Signal(str)
    """A change could not be saved in the project file: the reason, for the window's message box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._readonly = ""
        self.model = AnnotationTableModel(self)
        self.model.edit_handler = self._set_data
        self.view = AnnotationTable(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(EDIT_TRIGGERS)
        self.view.verticalHeader().setVisible(False)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 170), (2, 170), (3, 170), (4, 70)):
            header.resizeSection(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        self.view.clicked.connect(self._clicked)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self._quiet = False

    def set_readonly(self, reason: str) -> None:
        """Refuse deleting and editing in place, saying `reason`; '' allows them again."""
        self._readonly = reason
        triggers = QAbstractItemView.EditTrigger
        self.view.setEditTriggers(triggers.NoEditTriggers if reason else EDIT_TRIGGERS)

    @property
    def readonly(self) -> bool:
        """True while the panel refuses changes (the project cannot be written)."""
        return bool(self._readonly)

    def _refused(self) -> bool:
        if self._readonly:
            self.sig_message.emit(f"Read-only: changes cannot be saved — {self._readonly}")
        return bool(self._readonly)

    def _failed(self, error: BaseException) -> None:
        """Say why a change was refused: file trouble in a message box (as the editor), the rest in the status bar."""
        project = self.model.project
        if isinstance(error, sqlite3.Error):
            error = explain_sqlite_error(project.path if project is not None else Path("project"), error)
        self.sig_message.emit(f"Not saved: {error}" if isinstance(error, ProjectFileError) else str(error))
        if isinstance(error, ProjectFileError) and "busy" not in error.problem:
            self.sig_write_failed.emit(str(error))

    def load(self, project: Project | None, document_id: str | None, annotator: str, show_others: bool) -> None:
        """Show a document's annotations."""
        self.model.load(project, document_id, annotator, show_others)

    def apply_changes(self, changes: ChangeSet) -> None:
        """Update the rows a ChangeSet names."""
        self.model.apply_changes(changes)

    def follow(self, events: ProjectEvents) -> None:
        """Update the rows each change on the bus names (see annotator/gui/events.py); after a
        codebook edit or an import the window shows the document afresh."""
        events.sig_changed.connect(lambda changes: None if changes.codebook or changes.reset
                                   else self.apply_changes(changes))

    def select_annotation(self, annotation_id: str) -> None:
        """Select an annotation's row without asking the text to follow."""
        row = self.model.row_of(annotation_id) if annotation_id else None
        self._quiet = True
        try:
            if row is None:
                self.view.clearSelection()
                return
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.view.selectionModel().setCurrentIndex(index, flags)
            self.view.scrollTo(index)
        finally:
            self._quiet = False

    def selected_ids(self) -> list[str]:
        """Ids of the selected rows."""
        rows = sorted({index.row() for index in self.view.selectionModel().selectedRows()})
        return [a.id for row in rows if (a := self.model.annotation(row)) is not None]

    def delete_selected(self) -> None:
        """Delete the selected annotations (only one's own)."""
        project = self.model.project
        if self._refused():
            return
        own = [i for i in self.selected_ids() if (a := self.model.annotation(self.model.row_of(i) or 0))
               and a.annotator == self.model.annotator]
        if project is None or not own:
            self.sig_message.emit("Select one of your own annotations in the list to delete it.")
            return
        row = min(self.model.row_of(i) or 0 for i in own)
        try:
            if not self._confirm_relations_go(project, own):
                self.sig_message.emit("Nothing deleted.")
                return
            changes = project.annotations.delete(own)
        except (AnnotatorError, sqlite3.Error) as error:
            self._failed(error)
            return
        self.sig_changed.emit(changes)
        if self.model.rowCount():
            index = self.model.index(min(row, self.model.rowCount() - 1), 0)
            self.view.setCurrentIndex(index)

    def _confirm_relations_go(self, project: Project, ids: list[str]) -> bool:
        """Ask before deleting spans that relations use (they go with them); True to go ahead."""
        count = len(project.relations.using(ids))
        if not count:
            return True
        what = "its relation" if count == 1 else f"its {count} relations"
        spans = "the span" if len(ids) == 1 else f"the {len(ids)} spans"
        if len(ids) > 1:
            what = what.replace("its", "their")
        box = QMessageBox(QMessageBox.Icon.Question, "Delete span", f"Delete {spans} and {what}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("delete_span_with_relations")
        box.setInformativeText("Edit → Undo brings them back.")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _set_data(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        annotation = self.model.annotation(index.row())
        project = self.model.project
        if role != Qt.ItemDataRole.EditRole or annotation is None or project is None or self._refused():
            return False
        try:
            if index.column() == NOTE_COLUMN:
                if str(value) == annotation.note:
                    return False
                changes = project.annotations.set_note(annotation.id, str(value))
            elif index.column() == ATTRIBUTES_COLUMN:
                values = parse_attributes(str(value))
                if values == {k: str(v) for k, v in annotation.attributes.items()}:
                    return False
                changes = project.annotations.set_attributes(annotation.id, values)
            else:
                return False
        except (AnnotatorError, sqlite3.Error) as error:
            self._failed(error)
            return False
        self.sig_changed.emit(changes)
        return True

    def _clicked(self, index: QModelIndex) -> None:
        annotation = self.model.annotation(index.row())
        if annotation is not None:
            self.sig_annotation_clicked.emit(annotation.id)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet or not current.isValid():
            return
        annotation = self.model.annotation(current.row())
        if annotation is not None and not self.view.hasFocus():
            return
        if annotation is not None:
            self.sig_annotation_clicked.emit(annotation.id)

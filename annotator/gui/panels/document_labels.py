"""The document labels panel: one chooser per document-level layer (e.g. the dominant frame)."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError, ProjectFileError
from ...model import Layer
from ...project import Project
from ...project.changes import ChangeSet
from ...store.database import explain_sqlite_error
from ..events import ProjectEvents
from .codebook import guidelines_html, swatch

NO_LABEL = "—"

MIN_PANEL_WIDTH = 240


class DocumentLabelsPanel(QWidget):
    """Chooses the current annotator's label(s) of each document layer for the current document."""

    sig_changed = Signal(object)
    """A ChangeSet after the panel set or cleared a document label."""

    sig_message = Signal(str)
    """A message for the status bar."""

    sig_write_failed = Signal(str)
    """A change could not be saved in the project file: the reason, for the window's message box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(MIN_PANEL_WIDTH)  # a label name fits in its chooser
        self._project: Project | None = None
        self._document: str | None = None
        self._annotator = ""
        self._filling = False
        self._readonly = ""
        self.choosers: dict[str, QComboBox | QListWidget] = {}
        self.clear_buttons: dict[str, QToolButton] = {}
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._empty = QLabel("This codebook has no document-level layers.", self)
        self._empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._form)
        layout.addWidget(self._empty)
        layout.addStretch(1)

    def set_project(self, project: Project | None) -> None:
        """Build one chooser per document layer of the project's codebook."""
        self._project = project
        while self._form.rowCount():
            self._form.removeRow(0)
        self.choosers.clear()
        self.clear_buttons.clear()
        layers = [] if project is None else [l for l in project.codebook.get().layers if l.kind == "document"]
        for layer in layers:
            chooser = self._make_chooser(layer)
            clear = QToolButton(self)
            clear.setText("✕")
            clear.setToolTip(f"Clear {layer.name}")
            clear.setAccessibleName(f"Clear {layer.name}")
            clear.clicked.connect(lambda _=False, name=layer.name: self.clear_layer(name))
            row = QHBoxLayout()
            row.addWidget(chooser, 1)
            row.addWidget(clear)
            title = QLabel(layer.name + ":", self)
            title.setToolTip(guidelines_html(layer, None))
            self._form.addRow(title, row)
            self.choosers[layer.name] = chooser
            self.clear_buttons[layer.name] = clear
        self._empty.setVisible(project is not None and not layers)
        self._refresh()

    def _make_chooser(self, layer: Layer) -> QComboBox | QListWidget:
        if layer.multiple:
            box = QListWidget(self)
            for label in layer.labels:
                item = QListWidgetItem(swatch(label.colour), label.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setToolTip(guidelines_html(layer, label))
                box.addItem(item)
            box.setMaximumHeight(120)
            box.itemChanged.connect(lambda item, name=layer.name: self._checked(name, item))
            return box
        combo = QComboBox(self)
        # As wide as the panel allows: a long label name is cut short here (the list shows it
        # whole), rather than the combo pushing its ✕ out of a narrow panel.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.addItem(NO_LABEL)
        for label in layer.labels:
            combo.addItem(swatch(label.colour), label.name)
            combo.setItemData(combo.count() - 1, guidelines_html(layer, label), Qt.ItemDataRole.ToolTipRole)
        combo.setAccessibleName(layer.name)
        combo.currentIndexChanged.connect(lambda index, name=layer.name: self._chosen(name, index))
        return combo

    def set_readonly(self, reason: str) -> None:
        """Show the labels but refuse changing them (`reason` says why); '' allows them again."""
        self._readonly = reason
        self.setEnabled(not reason)  # the labels chosen stay readable, greyed
        self.setToolTip(f"Read-only: {reason}" if reason else "")
        self._refresh()

    @property
    def readonly(self) -> bool:
        """True while the panel refuses changes (the project cannot be written)."""
        return bool(self._readonly)

    def show_document(self, document_id: str | None, annotator: str) -> None:
        """Show the annotator's document labels of a document."""
        self._document = document_id
        self._annotator = annotator
        self._refresh()

    def apply_changes(self, changes: ChangeSet) -> None:
        """Re-read the choices if the ChangeSet touched the current document."""
        if self._document in changes.documents:
            self._refresh()

    def follow(self, events: ProjectEvents) -> None:
        """Refresh from the project's change bus (see annotator/gui/events.py)."""
        events.sig_changed.connect(self._project_changed)

    def _project_changed(self, changes: ChangeSet) -> None:
        if changes.codebook or changes.reset:
            self.set_project(self._project)  # new layers or labels: new choosers
            self.show_document(self._document, self._annotator)
        else:
            self.apply_changes(changes)

    def labels(self, layer: str) -> list[str]:
        """The labels chosen for a layer, as shown."""
        chooser = self.choosers[layer]
        if isinstance(chooser, QComboBox):
            text = chooser.currentText()
            return [] if text == NO_LABEL else [text]
        return [chooser.item(row).text() for row in range(chooser.count())
                if chooser.item(row).checkState() == Qt.CheckState.Checked]

    def _current(self) -> dict[str, list[tuple[str, str]]]:
        """layer → [(label, annotation id)] of the annotator on the current document."""
        found: dict[str, list[tuple[str, str]]] = {}
        if self._project is None or self._document is None or not self._annotator:
            return found
        if self._project.annotators.get(self._annotator) is None:
            return found
        for annotation in self._project.annotations.for_document(self._document, self._annotator):
            if not annotation.is_span:
                found.setdefault(annotation.layer, []).append((annotation.label, annotation.id))
        return found

    def _refresh(self) -> None:
        current = self._current()
        enabled = self._document is not None and not self._readonly
        self._filling = True
        try:
            for layer, chooser in self.choosers.items():
                chosen = [label for label, _ in current.get(layer, [])]
                chooser.setEnabled(enabled)
                self.clear_buttons[layer].setEnabled(enabled and bool(chosen))
                if isinstance(chooser, QComboBox):
                    index = chooser.findText(chosen[0]) if chosen else 0
                    chooser.setCurrentIndex(max(index, 0))
                else:
                    for row in range(chooser.count()):
                        item = chooser.item(row)
                        state = Qt.CheckState.Checked if item.text() in chosen else Qt.CheckState.Unchecked
                        item.setCheckState(state)
        finally:
            self._filling = False

    def _run(self, action: str, layer: str, label: str = "") -> None:
        project, document = self._project, self._document
        if self._filling or project is None or document is None:
            return
        if self._readonly:
            self.sig_message.emit(f"Read-only: changes cannot be saved — {self._readonly}")
            self._refresh()
            return
        try:
            if action == "set":
                changes = project.annotations.set_document_label(document, self._annotator, layer, label)
            else:
                ids = [ident for name, ident in self._current().get(layer, []) if action == "clear" or name == label]
                if not ids:
                    self._refresh()
                    return
                changes = project.annotations.delete(ids)
        except (AnnotatorError, sqlite3.Error) as error:
            if isinstance(error, sqlite3.Error):
                error = explain_sqlite_error(project.path, error)
            if isinstance(error, ProjectFileError):
                self.sig_message.emit(f"Not saved: {error}")
                if "busy" not in error.problem:  # as the editor: file trouble gets a message box
                    self.sig_write_failed.emit(str(error))
            else:
                self.sig_message.emit(str(error))
            self._refresh()
            return
        self._refresh()
        self.sig_changed.emit(changes)

    def _chosen(self, layer: str, index: int) -> None:
        chooser = self.choosers[layer]
        if index <= 0:
            self._run("clear", layer)
        else:
            self._run("set", layer, chooser.itemText(index))

    def _checked(self, layer: str, item: QListWidgetItem) -> None:
        if item.checkState() == Qt.CheckState.Checked:
            self._run("set", layer, item.text())
        else:
            self._run("remove", layer, item.text())

    def clear_layer(self, layer: str) -> None:
        """Remove the annotator's labels of a layer from the current document."""
        self._run("clear", layer)

"""The document labels panel: one chooser per document-level layer (e.g. the dominant frame).

Each layer can show its suggestions (the Suggest button beside it): the codebook rules' and
the model's labels for the document, found on a worker thread with a connection of its own
(as the editor finds span suggestions), drawn apart from the labels chosen — italic, in a
dashed frame of the label's colour, with the score — and accepted (✓, Ctrl+Enter) or
rejected (✕, Ctrl+Delete) through ops.suggesting, one undo step each.
"""

from __future__ import annotations

import sqlite3

from html import escape
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError, ProjectFileError
from ...model import Layer, Suggestion
from ...ops import suggesting
from ...project import Project
from ...project.changes import ChangeSet
from ...store.database import explain_sqlite_error
from ..events import ProjectEvents
from ..workers import TaskRunner, TaskWorker
from .codebook import guidelines_html, swatch

NO_LABEL = "—"

MIN_PANEL_WIDTH = 240
ACCEPT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # with Ctrl, as in the editor
REJECT_KEYS = (Qt.Key.Key_Delete,)
NONE_FOUND = "no suggestions for this document"


def _find(project_path: Any, document_id: str, layers: list[str], annotator: str) -> tuple[list[Suggestion],
                                                                                               list[str]]:
    """The document-level suggestions of some layers for one document (run in the worker thread)."""
    with Project.open(project_path, readonly=True) as project:
        found: list[Suggestion] = []
        notes: list[str] = []
        for layer in layers:
            if project.codebook.get().layer(layer) is None:
                continue
            result = suggesting.suggest_report(project, layer, [document_id], "all", annotator)
            found += [s for s in result.suggestions if s.start is None]
            notes += [note for note in result.notes if "no trained model" not in note]
        return found, notes


class SuggestionChip(QFrame):
    """One suggested document label: italic in a dashed frame of the label's colour, with its
    score, ✓ to accept and ✕ to reject (Ctrl+Enter and Ctrl+Delete when it has the focus)."""

    def __init__(self, suggestion: Suggestion, colour: str, panel: DocumentLabelsPanel) -> None:
        super().__init__(panel)
        self.suggestion = suggestion
        self._panel = panel
        self.setObjectName("suggestionChip")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(f"QFrame#suggestionChip {{ border: 1px dashed {colour}; border-radius: 3px; }}"
                           f"QFrame#suggestionChip:focus {{ border: 2px dashed {colour}; }}")
        source = suggesting.describe_source(suggestion.source)
        self.setToolTip(f"<i>Suggested</i> {escape(suggestion.layer)}: <b>{escape(suggestion.label)}</b> — score "
                        f"{suggestion.score:.2f} ({escape(source)})<br><span style='color:#666'>✓ or Ctrl+Enter "
                        "accepts, ✕ or Ctrl+Delete rejects</span>")
        self.setAccessibleName(f"Suggested {suggestion.label}, score {suggestion.score:.2f}, {source}")
        self.text = QLabel(f"{suggestion.label}  {suggestion.score:.2f}", self)
        font = self.text.font()
        font.setItalic(True)
        self.text.setFont(font)
        self.accept_button = QToolButton(self)
        self.accept_button.setText("✓")
        self.accept_button.setToolTip(f"Accept the suggestion {suggestion.label} (Ctrl+Enter)")
        self.accept_button.setAccessibleName(f"Accept {suggestion.label}")
        self.accept_button.clicked.connect(lambda: panel.decide(self.suggestion, "accept"))
        self.reject_button = QToolButton(self)
        self.reject_button.setText("✕")
        self.reject_button.setToolTip(f"Reject the suggestion {suggestion.label} (Ctrl+Delete)")
        self.reject_button.setAccessibleName(f"Reject {suggestion.label}")
        self.reject_button.clicked.connect(lambda: panel.decide(self.suggestion, "reject"))
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 1, 1, 1)
        row.addWidget(swatch_label(colour, self))
        row.addWidget(self.text, 1)
        row.addWidget(self.accept_button)
        row.addWidget(self.reject_button)
        self.setMinimumHeight(self.sizeHint().height())  # a short dock never squashes it unreadable

    def _decision(self, event: QKeyEvent) -> str:
        """"accept", "reject" or "" for a key press."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier != Qt.KeyboardModifier.ControlModifier:
            return ""
        key = event.key()
        return "accept" if key in ACCEPT_KEYS else "reject" if key in REJECT_KEYS else ""

    def event(self, event: QEvent) -> bool:  # noqa: D401 - Qt API
        """Claim Ctrl+Enter and Ctrl+Delete before any window shortcut does."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and self._decision(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Ctrl+Enter accepts, Ctrl+Delete rejects (the editor's keys)."""
        decision = self._decision(event)
        if decision:
            self._panel.decide(self.suggestion, decision)
            return
        super().keyPressEvent(event)


def swatch_label(colour: str, parent: QWidget) -> QLabel:
    """A small square of the label's colour."""
    icon = QLabel(parent)
    icon.setPixmap(swatch(colour).pixmap(10, 10))
    return icon


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
        self.suggest_buttons: dict[str, QToolButton] = {}
        self._suggestion_areas: dict[str, QWidget] = {}
        self._suggestion_status: dict[str, QLabel] = {}
        self._suggesting: set[str] = set()
        self._raw_suggestions: list[Suggestion] = []
        self._found_for: tuple[str | None, str, tuple[str, ...]] | None = None
        self._notes: list[str] = []
        self._chips: dict[str, list[SuggestionChip]] = {}
        self._runner: TaskRunner | None = None
        self._search_again = False
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._empty = QLabel("This codebook has no document-level layers.", self)
        self._empty.setWordWrap(True)
        inner = QWidget(self)  # scrolls when suggestions make it taller than a short dock
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._form)
        layout.addWidget(self._empty)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def set_project(self, project: Project | None) -> None:
        """Build one chooser per document layer of the project's codebook."""
        if project is not self._project:
            self.stop_suggesting()
            self._suggesting.clear()
            self._raw_suggestions, self._found_for = [], None
        self._project = project
        while self._form.rowCount():
            self._form.removeRow(0)
        self.choosers.clear()
        self.clear_buttons.clear()
        self.suggest_buttons.clear()
        self._suggestion_areas.clear()
        self._chips.clear()
        self._suggestion_status.clear()
        layers = [] if project is None else [l for l in project.codebook.get().layers if l.kind == "document"]
        for layer in layers:
            chooser = self._make_chooser(layer)
            clear = QToolButton(self)
            clear.setText("✕")
            clear.setToolTip(f"Clear {layer.name}")
            clear.setAccessibleName(f"Clear {layer.name}")
            clear.clicked.connect(lambda _=False, name=layer.name: self.clear_layer(name))
            suggest = QToolButton(self)
            suggest.setText("Suggest")
            suggest.setCheckable(True)
            suggest.setChecked(layer.name in self._suggesting)
            suggest.setToolTip(f"Show suggested labels of {layer.name} for this document (from the codebook's "
                               "rules and a trained model)")
            suggest.setAccessibleName(f"Suggest {layer.name}")
            suggest.toggled.connect(lambda on, name=layer.name: self.set_suggesting(name, on))
            row = QHBoxLayout()
            row.addWidget(chooser, 1)
            row.addWidget(clear)
            row.addWidget(suggest)
            title = QLabel(layer.name + ":", self)
            title.setToolTip(guidelines_html(layer, None))
            self._form.addRow(title, row)
            area = QWidget(self)
            area.setAccessibleName(f"Suggested {layer.name}")
            column = QVBoxLayout(area)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            status = QLabel(area)
            status.setWordWrap(True)
            status.setStyleSheet("color: palette(mid);")
            column.addWidget(status)
            area.setVisible(layer.name in self._suggesting)
            self._form.addRow(area)
            self.choosers[layer.name] = chooser
            self.clear_buttons[layer.name] = clear
            self.suggest_buttons[layer.name] = suggest
            self._suggestion_areas[layer.name] = area
            self._suggestion_status[layer.name] = status
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
        self._find_suggestions()

    def apply_changes(self, changes: ChangeSet) -> None:
        """Re-read the choices if the ChangeSet touched the current document."""
        if self._document in changes.documents:
            self._refresh()

    def follow(self, events: ProjectEvents) -> None:
        """Refresh from the project's change bus (see annotator/gui/events.py)."""
        events.sig_changed.connect(self._project_changed)

    def _project_changed(self, changes: ChangeSet) -> None:
        if changes.codebook or changes.reset:
            self.set_project(self._project)  # new layers or labels (or patterns): new choosers
            self._found_for = None  # and suggestions found anew
            self.show_document(self._document, self._annotator)
        elif "suggestion_decisions" in changes.tables and self._document not in changes.documents:
            self._show_suggestions()
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
        for annotation in self._project.annotations.for_document(self._document, self._annotator, spans=False):
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
        self._show_suggestions(current)

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

    # ----- suggestions ------------------------------------------------------------------

    def set_suggesting(self, layer: str, on: bool) -> None:
        """Show (find) or hide a document layer's suggested labels."""
        if on == (layer in self._suggesting):
            return
        if on:
            self._suggesting.add(layer)
        else:
            self._suggesting.discard(layer)
        button = self.suggest_buttons.get(layer)
        if button is not None and button.isChecked() != on:
            button.setChecked(on)
        self._find_suggestions()

    def suggestion_chips(self, layer: str) -> list[SuggestionChip]:
        """The suggested labels shown for a layer, in order."""
        area = self._suggestion_areas.get(layer)
        if area is None or area.isHidden():
            return []
        return list(self._chips.get(layer, []))

    def suggestion_status(self, layer: str) -> str:
        """What the panel says under a layer about its suggestions ("" when it shows some)."""
        status = self._suggestion_status.get(layer)
        return status.text() if status is not None and not status.isHidden() else ""

    def stop_suggesting(self) -> None:
        """Wait for a running search to end (closing the project or the window)."""
        if self._runner is not None:
            self._runner.stop()

    def _find_suggestions(self) -> None:
        """Find the switched-on layers' suggestions for the document on the worker thread."""
        layers = tuple(sorted(self._suggesting))
        wanted = (self._document, self._annotator, layers)
        if self._project is None or self._document is None or not layers or not self._annotator:
            self._raw_suggestions, self._found_for = [], None
            self._show_suggestions()
            return
        if wanted == self._found_for:
            self._show_suggestions()
            return
        if self._runner is not None and self._runner.running:
            self._search_again = True
            return
        self._raw_suggestions, self._found_for = [], None
        for layer in layers:
            if layer in self._suggestion_status:
                self._suggestion_status[layer].setText("looking for suggestions…")
        self._show_suggestions()
        path, document, annotator = self._project.path, self._document, self._annotator
        worker = TaskWorker(lambda _worker: (wanted, _find(path, document, list(layers), annotator)),
                            what="finding suggestions")
        if self._runner is None:
            self._runner = TaskRunner(self)
        self._runner.start(worker, self._found, self._not_found, lambda: None)

    def _found(self, result: object) -> None:
        wanted, (found, notes) = result  # type: ignore[misc]
        if self._search_again or wanted != (self._document, self._annotator, tuple(sorted(self._suggesting))):
            self._search_again = False
            self._find_suggestions()
            return
        self._raw_suggestions, self._found_for = list(found), wanted
        self._notes = list(notes)
        self._show_suggestions()

    def _not_found(self, message: str) -> None:
        self._search_again = False
        self._raw_suggestions, self._found_for = [], None
        self.sig_message.emit(f"No suggestions: {message}")
        for layer in self._suggesting:
            if layer in self._suggestion_status:
                self._suggestion_status[layer].setText(f"no suggestions: {message}")

    def _show_suggestions(self, current: dict[str, list[tuple[str, str]]] | None = None) -> None:
        """Draw the open suggestions of each switched-on layer: not coded, not rejected, and none
        for a one-label layer that already has its label."""
        project = self._project
        if project is None:
            return
        shown: list[Suggestion] = []
        if self._raw_suggestions and self._found_for is not None and self._found_for[0] == self._document:
            try:
                shown = suggesting.pending(project, self._raw_suggestions, self._annotator)
            except (AnnotatorError, sqlite3.Error):
                shown = []
        current = self._current() if current is None else current
        searching = self._runner is not None and self._runner.running
        for layer, area in self._suggestion_areas.items():
            on = layer in self._suggesting and self._document is not None
            area.setVisible(on)
            for chip in self._chips.pop(layer, []):
                chip.hide()
                chip.deleteLater()
            if not on:
                continue
            found = project.codebook.get().layer(layer)
            mine = [s for s in shown if s.layer == layer]
            if found is not None and not found.multiple and current.get(layer):
                mine = []
            colours = {label.name: label.colour for label in found.labels} if found is not None else {}
            for suggestion in mine:
                chip = SuggestionChip(suggestion, colours.get(suggestion.label, "#888888"), self)
                chip.setEnabled(not self._readonly)
                area.layout().addWidget(chip)
                chip.show()
                self._chips.setdefault(layer, []).append(chip)
            status = self._suggestion_status[layer]
            if searching and self._found_for is None:
                status.setText("looking for suggestions…")
            elif not mine:
                notes = [n for n in self._notes if f'"{layer}"' in n]
                status.setText(NONE_FOUND if not notes else f"{NONE_FOUND} ({notes[0]})")
            status.setVisible(searching and self._found_for is None or not mine)

    def decide(self, suggestion: Suggestion, decision: str) -> None:
        """Accept or reject a suggested label as the annotator (one undoable step)."""
        project = self._project
        if project is None:
            return
        if self._readonly:
            self.sig_message.emit(f"Read-only: changes cannot be saved — {self._readonly}")
            return
        try:
            if decision == "accept":
                suggesting.accept(project, [suggestion], self._annotator)
                said = f"Accepted the suggested {suggestion.layer}: {suggestion.label}."
            else:
                suggesting.reject(project, [suggestion], self._annotator)
                said = f"Rejected the suggested {suggestion.layer}: {suggestion.label}."
        except (AnnotatorError, sqlite3.Error) as error:
            if isinstance(error, sqlite3.Error):
                error = explain_sqlite_error(project.path, error)
            self.sig_message.emit(f"Not saved: {error}" if isinstance(error, ProjectFileError) else str(error))
            if isinstance(error, ProjectFileError) and "busy" not in error.problem:
                self.sig_write_failed.emit(str(error))
            return
        self._refresh()
        self.sig_message.emit(said)

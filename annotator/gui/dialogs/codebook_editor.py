"""The codebook editor: labels and layers edited in place. Names, keys and colours are saved as
they change; descriptions, guidelines and patterns with their Save button, or when the user
chooses another item or closes the editor (every edit is undoable: nothing typed is dropped)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Label
from ...ops import codebook_edit as edit
from ...project import Project
from ..panels.codebook import LABEL_ROLE, LAYER_ROLE, swatch
from .codebook_forms import AddLayerDialog, AttributeDialog
from .codebook_suggestions import PatternsBox, shared_suggestions_box

__all__ = ["AddLayerDialog", "AttributeDialog", "CodebookEditorDialog", "layer_deletion_text"]

EMPTY_PAGE, LAYER_PAGE, LABEL_PAGE = 0, 1, 2
UNDO_HINT = "You can bring it all back with Edit\u00a0→\u00a0Undo."  # kept on one line
INTRO = ("Every change is saved in the project: names, keys and colours as you change them; descriptions, "
         "guidelines and patterns when you click Save, choose another item or close the editor. "
         "Edit\u00a0→\u00a0Undo takes any change back. Annotations follow renamed labels.")


def lines_high(box: QPlainTextEdit, lines: int) -> int:
    """The height of a text box showing this many lines of its font."""
    return box.fontMetrics().lineSpacing() * lines + 2 * box.frameWidth() + 8


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def layer_deletion_text(layer: str, usage: edit.LayerUsage) -> tuple[str, str]:
    """The question and the details of the confirmation shown before deleting a layer."""
    parts = [_count(usage.labels, "label")]
    if usage.attributes:
        parts.append(_count(usage.attributes, "attribute"))
    removed = " and ".join(parts)
    if usage.annotations:
        names = ", ".join(usage.annotators[:5]) + (", …" if len(usage.annotators) > 5 else "")
        work = (f"{_count(usage.annotations, 'annotation')} by {_count(len(usage.annotators), 'annotator')} "
                f"({names}) in every document")
        if usage.comments:
            work += f", with {_count(usage.comments, 'comment')} on them"
        details = f"This removes its {removed}, and {work}."
    else:
        details = f"This removes its {removed}. No annotation uses the layer."
    return f"Delete the layer “{layer}”?", f"{details}\n\n{UNDO_HINT}"


class CodebookEditorDialog(QDialog):
    """Tree of layers and labels on the left, the selected one's settings on the right."""

    sig_codebook_changed = Signal()
    """The codebook in the project file changed (views should re-read it)."""

    def __init__(self, project: Project, actor: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Codebook editor")
        self.project = project
        self.actor = actor
        self._new_layer = ""  # the name the last Add layer stored
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Layers and labels", "Key"])
        self.tree.setColumnWidth(0, 240)
        self.tree.currentItemChanged.connect(self._selected)
        self.add_layer_button = QPushButton("Add layer…", self)
        self.delete_layer_button = QPushButton("Delete layer…", self)
        self.delete_layer_button.setToolTip("Delete the selected layer with its labels and annotations")
        self.add_label_button = QPushButton("Add label…", self)
        self.up_button = QPushButton("Move up", self)
        self.down_button = QPushButton("Move down", self)
        self.delete_button = QPushButton("Delete label…", self)
        self.add_layer_button.clicked.connect(self.add_layer)
        self.delete_layer_button.clicked.connect(self.delete_layer)
        self.add_label_button.clicked.connect(lambda _checked=False: self.add_label())
        self.up_button.clicked.connect(lambda: self.move_label(-1))
        self.down_button.clicked.connect(lambda: self.move_label(1))
        self.delete_button.clicked.connect(self.delete_label)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B00020")

        # Label page.
        self.name_box = QLineEdit(self)
        self.name_box.editingFinished.connect(self.rename)
        self.colour_button = QPushButton("Colour…", self)
        self.colour_button.clicked.connect(self.choose_colour)
        self.key_box = QLineEdit(self)
        self.key_box.setMaxLength(1)
        self.key_box.setMaximumWidth(40)
        self.key_box.setToolTip("One letter or digit, unique in the layer (ignoring case)")
        self.key_box.textEdited.connect(self.set_key)
        self.description_box = QPlainTextEdit(self)
        self.include_box = QPlainTextEdit(self)
        self.exclude_box = QPlainTextEdit(self)
        self.examples_box = QPlainTextEdit(self)
        self.examples_box.setPlaceholderText("One example per line")
        for box in (self.description_box, self.include_box, self.exclude_box, self.examples_box):
            box.setTabChangesFocus(True)
            box.setMinimumHeight(lines_high(box, 3))
        save = QPushButton("Save guidelines", self)
        save.clicked.connect(self.save_guidelines)
        self.patterns_box = PatternsBox(self)
        self.patterns_box.save_button.clicked.connect(self.save_patterns)
        self.patterns_box.examples_button.clicked.connect(self.use_examples_as_phrases)
        label_page = QWidget(self)
        label_form = QFormLayout(label_page)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_box)
        key_row.addWidget(self.colour_button)
        key_row.addStretch(1)
        label_form.addRow("Name:", self.name_box)
        label_form.addRow("Key, colour:", key_row)
        label_form.addRow("Description:", self.description_box)
        label_form.addRow("Include:", self.include_box)
        label_form.addRow("Exclude:", self.exclude_box)
        label_form.addRow("Examples:", self.examples_box)
        label_form.addRow("", save)
        label_form.addRow("Patterns:", self.patterns_box)

        # Layer page.
        self.layer_name_box = QLineEdit(self)
        self.layer_name_box.editingFinished.connect(self.rename_layer)
        self.layer_info = QLabel(self)
        self.layer_description_box = QPlainTextEdit(self)
        self.layer_description_box.setTabChangesFocus(True)
        self.attributes_label = QLabel(self)
        self.attributes_label.setWordWrap(True)
        policy = self.attributes_label.sizePolicy()  # no height-for-width: the settings would then be sized
        policy.setHeightForWidth(False)  # by the text boxes' large size hints and always scroll
        self.attributes_label.setSizePolicy(policy)
        self.attributes_label.setMinimumHeight(self.attributes_label.fontMetrics().lineSpacing() * 2)
        save_layer = QPushButton("Save description", self)
        save_layer.clicked.connect(self.save_layer_description)
        add_attribute = QPushButton("Add attribute…", self)
        add_attribute.clicked.connect(self.add_attribute)
        layer_page = QWidget(self)
        layer_form = QFormLayout(layer_page)
        layer_form.addRow("Name:", self.layer_name_box)
        layer_form.addRow("", self.layer_info)
        layer_form.addRow("Description:", self.layer_description_box)
        layer_form.addRow("", save_layer)
        layer_form.addRow("Attributes:", self.attributes_label)
        layer_form.addRow("", add_attribute)
        self.shared_box = shared_suggestions_box(self)
        self.shared_box.clicked.connect(self.set_shared_suggestions)
        layer_form.addRow("Suggestions:", self.shared_box)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(QLabel("Select a layer or a label.", self))
        self.pages.addWidget(layer_page)
        self.pages.addWidget(label_page)
        scroller = QScrollArea(self)  # a small screen scrolls the settings instead of squashing them
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(self.pages)
        details = QGroupBox("Settings", self)
        QVBoxLayout(details).addWidget(scroller)

        buttons = QHBoxLayout()
        for button in (self.add_layer_button, self.delete_layer_button, self.add_label_button, self.up_button,
                       self.down_button, self.delete_button):
            buttons.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        close.rejected.connect(self.reject)
        self._shown: tuple[str | None, str | None] = (None, None)  # whose settings the page shows
        self._refused: tuple[object, ...] | None = None  # the typing last refused on leaving
        body = QHBoxLayout()
        body.addWidget(self.tree, 2)
        body.addWidget(details, 3)
        layout = QVBoxLayout(self)
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.intro = intro
        layout.addLayout(body)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(980, 760)
        self.reload()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter in a field only finishes the field (it is saved then): it never clicks
        the dialog's first button ("Add layer…") nor closes the dialog."""
        focused = self.focusWidget()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(focused, QPushButton):
            event.accept()
            return
        super().keyPressEvent(event)

    # ----- tree ----------------------------------------------------------------------

    def reload(self, layer: str | None = None, label: str | None = None) -> None:
        """Re-read the codebook and select a layer or label."""
        if layer is None and (current := self.tree.currentItem()) is not None:
            layer, label = current.data(0, LAYER_ROLE), current.data(0, LABEL_ROLE)
        self.tree.blockSignals(True)
        self.tree.clear()
        chosen: QTreeWidgetItem | None = None
        for item_layer in self.project.codebook.get().layers:
            top = QTreeWidgetItem([f"{item_layer.name}  ({item_layer.kind})", ""])
            top.setData(0, LAYER_ROLE, item_layer.name)
            self.tree.addTopLevelItem(top)
            if item_layer.name == layer and label is None:
                chosen = top
            for item_label in item_layer.labels:
                child = QTreeWidgetItem([item_label.name, item_label.key])
                child.setIcon(0, swatch(item_label.colour))
                child.setData(0, LAYER_ROLE, item_layer.name)
                child.setData(0, LABEL_ROLE, item_label.name)
                top.addChild(child)
                if item_layer.name == layer and item_label.name == label:
                    chosen = child
            top.setExpanded(True)
        self.tree.blockSignals(False)
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        self._selected(self.tree.currentItem())

    def _reselect(self, layer: str | None, label: str | None) -> None:
        """Select an item again without refilling the page (it still shows the typing refused)."""
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            items = [top] + [top.child(number) for number in range(top.childCount())]
            for item in items:
                if item.data(0, LAYER_ROLE) == layer and item.data(0, LABEL_ROLE) == label:
                    self.tree.blockSignals(True)
                    self.tree.setCurrentItem(item)
                    self.tree.blockSignals(False)
                    return

    def pending_edits(self, with_name: bool = True) -> list[tuple[str, Callable[[], object]]]:
        """The edits the settings page holds typed but not saved, as (what, edit), in saving order."""
        layer_name, label_name = self._shown
        book = self.project.codebook.get()
        layer = book.layer(layer_name) if layer_name else None
        if layer is None or not layer_name:
            return []
        actor, project = self.actor, self.project
        edits: list[tuple[str, Callable[[], object]]] = []
        if not label_name:
            text = self.layer_description_box.toPlainText()
            if text != layer.description:
                edits.append(("description", lambda: edit.set_layer_description(project, layer_name, text, actor)))
            new = self.layer_name_box.text().strip()
            if with_name and new and new != layer_name:
                edits.append(("name", lambda: edit.rename_layer(project, layer_name, new, actor)))
            return edits
        label = layer.label(label_name)
        if label is None:
            return []
        texts = (self.description_box.toPlainText(), self.include_box.toPlainText(), self.exclude_box.toPlainText())
        examples = [line for line in self.examples_box.toPlainText().splitlines() if line.strip()]
        if texts != (label.description, label.include, label.exclude) or examples != list(label.examples):
            edits.append(("guidelines", lambda: edit.set_label_guidelines(
                project, layer_name, label_name, *texts, examples, actor)))
        patterns = self.patterns_box.patterns()
        if patterns != list(label.patterns):
            edits.append(("patterns", lambda: edit.set_label_patterns(project, layer_name, label_name, patterns, actor)))
        new = self.name_box.text().strip()
        if with_name and new and new != label_name:
            edits.append(("name", lambda: edit.rename_label(project, layer_name, label_name, new, actor)))
        return edits

    def save_typed(self, with_name: bool = True) -> bool:
        """Save what is typed and not saved yet; False (the reason shown in red) when an edit is
        refused, unless the same typing was refused just before: then it is left unsaved."""
        edits = self.pending_edits(with_name)
        saved = False
        for what, run in edits:
            try:
                run()
            except AnnotatorError as error:
                typed = (self._shown, what, self.patterns_box.text.toPlainText(), self.name_box.text(),
                         self.layer_name_box.text())
                if saved:
                    self.sig_codebook_changed.emit()
                if self._refused == typed:  # the second try: the user leaves it unsaved
                    self._refused = None
                    self.message.clear()
                    return True
                self._refused = typed
                self.message.setText(f"Not saved: {error}. Fix it, or do the same again to leave it unsaved.")
                return False
            saved = True
        self._refused = None
        if saved:
            self.message.clear()
            self.sig_codebook_changed.emit()
        return True

    def select(self, layer: str, label: str | None = None) -> None:
        """Select a layer or label in the tree."""
        self.reload(layer, label)

    def current(self) -> tuple[str | None, str | None]:
        """(layer, label) selected; label None when a layer is selected."""
        item = self.tree.currentItem()
        if item is None:
            return None, None
        return item.data(0, LAYER_ROLE), item.data(0, LABEL_ROLE)

    def reject(self) -> None:
        """Close, after saving what is typed and not saved yet (a refused edit keeps the editor open once)."""
        try:
            saved = self.save_typed()
        except sqlite3.ProgrammingError:  # the project was closed under the editor: nothing to save into
            saved = True
        if saved:
            super().reject()

    def _selected(self, item: QTreeWidgetItem | None, previous: QTreeWidgetItem | None = None) -> None:
        layer_name, label_name = (item.data(0, LAYER_ROLE), item.data(0, LABEL_ROLE)) if item else (None, None)
        if not self.save_typed(with_name=False):  # stay on what was being edited, so the reason can be acted on
            if previous is not None and previous is not item:
                keys = self._shown
                QTimer.singleShot(0, self, lambda: self._reselect(*keys))
                return
            if (layer_name, label_name) == self._shown:
                return
        self._shown = (layer_name, label_name)
        for button in (self.up_button, self.down_button, self.delete_button):
            button.setEnabled(bool(label_name))
        self.add_label_button.setEnabled(bool(layer_name))
        self.delete_layer_button.setEnabled(bool(layer_name) and not label_name)
        if not layer_name:
            self.pages.setCurrentIndex(EMPTY_PAGE)
            return
        layer = self.project.codebook.layer(layer_name)
        if not label_name:
            self.pages.setCurrentIndex(LAYER_PAGE)
            self.layer_name_box.setText(layer.name)
            granularity = f", snaps to {layer.granularity}s" if layer.kind == "span" else ""
            self.layer_info.setText(f"Labels {layer.kind}s{granularity}; overlap: {layer.overlap}")
            self.layer_description_box.setPlainText(layer.description)
            self.attributes_label.setText(
                ", ".join(f"{a.name} ({a.type})" for a in layer.attributes) or "none"
            )
            self.shared_box.setChecked(layer.shared_suggestions)
            return
        label = layer.label(label_name)
        if label is None:
            return
        self.pages.setCurrentIndex(LABEL_PAGE)
        self.name_box.setText(label.name)
        self.key_box.setText(label.key)
        self.key_box.setStyleSheet("")
        self.colour_button.setIcon(swatch(label.colour, 16))
        self.colour_button.setText(label.colour)
        self.description_box.setPlainText(label.description)
        self.include_box.setPlainText(label.include)
        self.exclude_box.setPlainText(label.exclude)
        self.examples_box.setPlainText("\n".join(label.examples))
        self.patterns_box.set_patterns(label.patterns)

    # ----- edits ---------------------------------------------------------------------

    def _run(self, operation: Callable[[], object], layer: str | None, label: str | None) -> bool:
        """Run one edit; show a refusal in red, or re-read and announce the change."""
        try:
            operation()
        except AnnotatorError as error:
            self.message.setText(str(error))
            return False
        self.message.clear()
        self.sig_codebook_changed.emit()
        if layer is not None:
            self.reload(layer, label)
        return True

    def rename(self) -> None:
        """Rename the selected label to the name typed."""
        layer, label = self.current()
        new = self.name_box.text().strip()
        if layer and label and new and new != label and self.save_typed(with_name=False):
            self._run(lambda: edit.rename_label(self.project, layer, label, new, self.actor), layer, new)

    def set_key(self, key: str) -> None:
        """Give the selected label the key typed (a clash is shown, not saved)."""
        layer, label = self.current()
        if not (layer and label):
            return
        holder = edit.key_holder(self.project, layer, key, ignore=label) if key.strip() else None
        if holder is not None:
            self.key_box.setStyleSheet("background: #FFD6D6")
            self.message.setText(f'Key "{key}" is already used by "{holder}" in layer "{layer}".')
            return
        self.key_box.setStyleSheet("")
        if self._run(lambda: edit.set_label_key(self.project, layer, label, key, self.actor), None, None):
            item = self.tree.currentItem()
            if item is not None:
                item.setText(1, key)

    def choose_colour(self) -> None:
        """Pick the selected label's colour."""
        layer, label = self.current()
        if not (layer and label):
            return
        found = self.project.codebook.layer(layer).label(label)
        colour = QColorDialog.getColor(QColor(found.colour if found else "#BBBBBB"), self, f"Colour of {label}")
        if colour.isValid():
            self.set_colour(colour.name())

    def set_colour(self, colour: str) -> None:
        """Give the selected label a colour."""
        layer, label = self.current()
        if layer and label:
            self._run(lambda: edit.recolour_label(self.project, layer, label, colour, self.actor), layer, label)

    def save_guidelines(self) -> None:
        """Store the description, notes and examples of the selected label."""
        layer, label = self.current()
        if not (layer and label):
            return
        examples = [line for line in self.examples_box.toPlainText().splitlines() if line.strip()]
        self._run(
            lambda: edit.set_label_guidelines(
                self.project, layer, label, self.description_box.toPlainText(), self.include_box.toPlainText(),
                self.exclude_box.toPlainText(), examples, self.actor,
            ),
            layer, label,
        )

    def save_patterns(self) -> None:
        """Store the selected label's rule patterns (a bad one is named, nothing is saved)."""
        layer, label = self.current()
        if layer and label:
            patterns = self.patterns_box.patterns()
            self._run(lambda: edit.set_label_patterns(self.project, layer, label, patterns, self.actor), layer, label)

    def use_examples_as_phrases(self) -> None:
        """Add the label's examples (as stored) to its patterns as phrases, and save."""
        layer, label = self.current()
        found = self.project.codebook.layer(layer).label(label) if layer and label else None
        if found is None or not (layer and label):
            return
        if not found.examples:
            self.message.setText(f'"{label}" has no examples yet: add some above and save the guidelines.')
            return
        patterns = self.patterns_box.with_examples(found.examples)
        self.patterns_box.set_patterns(patterns)  # shown first: the page then holds nothing unsaved
        self._run(lambda: edit.set_label_patterns(self.project, layer, label, patterns, self.actor), layer, label)

    def set_shared_suggestions(self, shared: bool) -> None:
        """Share (or stop sharing) the layer's model suggestions trained on others' or gold coding."""
        layer, label = self.current()
        if layer and not label:
            self._run(lambda: edit.set_shared_suggestions(self.project, layer, shared, self.actor), layer, None)

    def move_label(self, step: int) -> None:
        """Move the selected label up or down in its layer."""
        layer, label = self.current()
        if not (layer and label):
            return
        names = [item.name for item in self.project.codebook.layer(layer).labels]
        index = names.index(label) + step
        if 0 <= index < len(names):
            self._run(lambda: edit.move_label(self.project, layer, label, index, self.actor), layer, label)

    def add_label(self, name: str | None = None) -> None:
        """Add a label to the selected layer (asks its name unless given)."""
        layer, _label = self.current()
        if not layer:
            return
        if not isinstance(name, str):  # also a stray clicked(bool) from a button
            name, ok = QInputDialog.getText(self, "Add label", f"Name of the new label in {layer}:")
            if not ok or not name.strip():
                return
        self._run(lambda: edit.add_label(self.project, layer, Label(name.strip()), self.actor), layer, name.strip())

    def add_layer(self) -> None:
        """Add a layer: name, kind and granularity in one dialog; the new layer then has the focus."""
        dialog = AddLayerDialog(self._try_add_layer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.message.clear()
        self.sig_codebook_changed.emit()
        self.reload(self._new_layer or dialog.added, None)
        self.tree.setFocus()  # Enter now acts on the tree, not on "Add layer…" again

    def _try_add_layer(self, name: str, kind: str, granularity: str) -> str | None:
        """Add a layer as the Add layer dialog asked; the reason it cannot be added, or None."""
        try:
            added = edit.add_layer(self.project, name, kind, granularity, multiple=kind == "span", actor=self.actor)
        except AnnotatorError as error:
            return str(error)
        self._new_layer = added.name
        return None

    def rename_layer(self) -> None:
        """Rename the selected layer to the name typed."""
        layer, label = self.current()
        new = self.layer_name_box.text().strip()
        if layer and not label and new and new != layer and self.save_typed(with_name=False):
            self._run(lambda: edit.rename_layer(self.project, layer, new, self.actor), new, None)

    def save_layer_description(self) -> None:
        """Store the selected layer's description."""
        layer, label = self.current()
        if layer and not label:
            text = self.layer_description_box.toPlainText()
            self._run(lambda: edit.set_layer_description(self.project, layer, text, self.actor), layer, None)

    def add_attribute(self) -> None:
        """Add an attribute to the selected layer."""
        layer, _label = self.current()
        if not layer:
            return
        dialog = AttributeDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            attribute = dialog.attribute()
            self._run(lambda: edit.add_attribute(self.project, layer, attribute, self.actor), layer, None)

    def delete_label(self) -> None:
        """Delete the selected label; if annotations use it, ask whether to move or delete them."""
        layer, label = self.current()
        if not (layer and label):
            return
        count = edit.label_usage(self.project, layer, label)
        if count == 0:
            self._run(lambda: edit.delete_label(self.project, layer, label, actor=self.actor), layer, None)
            return
        others = [item.name for item in self.project.codebook.layer(layer).labels if item.name != label]
        box = QMessageBox(QMessageBox.Icon.Question, "Delete label",
                          f'{count} annotation(s) use "{label}". What should happen to them?', parent=self)
        move = box.addButton("Move them to another label…", QMessageBox.ButtonRole.AcceptRole)
        move.setEnabled(bool(others))
        remove = box.addButton("Delete them", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is move:
            target, ok = QInputDialog.getItem(self, "Move annotations", f'Give the annotations of "{label}" the label:',
                                              others, 0, False)
            if ok:
                self._run(lambda: edit.delete_label(self.project, layer, label, move_to=target, actor=self.actor),
                          layer, target)
        elif box.clickedButton() is remove:
            self._run(lambda: edit.delete_label(self.project, layer, label, delete_annotations=True, actor=self.actor),
                      layer, None)

    def delete_layer(self) -> None:
        """Delete the selected layer after a confirmation saying what goes with it."""
        layer, label = self.current()
        if not layer or label:
            return
        names = [item.name for item in self.project.codebook.get().layers]
        if len(names) == 1:
            self._run(lambda: edit.delete_layer(self.project, layer, self.actor), None, None)  # shows why not
            return
        if not self.confirm_layer_deletion(layer, edit.layer_usage(self.project, layer)):
            return
        index = names.index(layer)
        neighbour = names[index + 1] if index + 1 < len(names) else names[index - 1]
        self._run(lambda: edit.delete_layer(self.project, layer, self.actor), neighbour, None)

    def confirm_layer_deletion(self, layer: str, usage: edit.LayerUsage) -> bool:
        """Ask before deleting a layer; Cancel is the default answer."""
        question, details = layer_deletion_text(layer, usage)
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete layer", question, parent=self)
        box.setInformativeText(details)
        delete = box.addButton("Delete layer", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.exec()
        return box.clickedButton() is delete

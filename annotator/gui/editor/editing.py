"""Changing the project from the editor: label keys, relabel, delete, resize, attributes."""

from __future__ import annotations

import sqlite3
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QMessageBox

from ...errors import AnnotatorError, ProjectFileError
from ...model import Annotation
from ...project.history import ChangeSet
from ...store.database import explain_sqlite_error
from .state import EditorState

_NO_MODIFIERS = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
_ALT = Qt.KeyboardModifier.AltModifier
_ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
_CTRL = Qt.KeyboardModifier.ControlModifier


class EditingMixin(EditorState):
    """Keys and operations that change annotations, for AnnotationEditor."""


    # ----- keys ----------------------------------------------------------------------

    def wants_key(self, event: QKeyEvent) -> bool:
        """True for keys the editor acts on, so window shortcuts do not take them."""
        return self._key_action(event) is not None

    def handle_key(self, event: QKeyEvent) -> bool:
        """Act on a key press in the text view; False lets the view handle it."""
        action = self._key_action(event)
        if action is None:
            return False
        action()
        return True

    def _key_action(self, event: QKeyEvent) -> Any:
        key, modifiers = event.key(), event.modifiers()
        plain = modifiers in _NO_MODIFIERS
        selected = self._own(self._selected)
        if self._readonly:  # reading only: label keys, Delete, Enter and resizing change nothing
            if plain and (self._label_for_key(event.text()) is not None
                          or key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
                return self._say_readonly
            selected = None
        suggestion_key = self._suggestion_key(key, modifiers)
        if suggestion_key is not None:
            return suggestion_key
        relation_key = self._relation_key(key, modifiers)  # type: ignore[attr-defined]
        if relation_key is not None:
            return relation_key
        if plain:
            label = self._label_for_key(event.text())
            if label is not None:
                return lambda: self.apply_label(label)
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and selected is not None:
                return self.delete_selected
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and selected is not None:
                return self.edit_selected
            if key == Qt.Key.Key_Escape and (selected is not None or self.view.textCursor().hasSelection()):
                return self.clear_selection
        if modifiers == _ALT and key == Qt.Key.Key_Down:
            return lambda: self.select_neighbour(+1)
        if modifiers == _ALT and key == Qt.Key.Key_Up:
            return lambda: self.select_neighbour(-1)
        if selected is not None and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = 1 if key == Qt.Key.Key_Right else -1
            if modifiers == _ALT:
                return lambda: self.move_edge("end", step)
            if modifiers == _ALT_SHIFT:
                return lambda: self.move_edge("start", step)
        return None

    def _suggestion_key(self, key: int, modifiers: Any) -> Any:
        """Ctrl+Enter accepts, Ctrl+Delete rejects the suggestion here; Alt+Shift+Down / Up go
        to the next / previous one (keys no label, menu or other editor key uses)."""
        ctrl = modifiers in (_CTRL, _CTRL | Qt.KeyboardModifier.KeypadModifier)
        if ctrl and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._suggesting:  # type: ignore[attr-defined]
            return self.accept_suggestions  # type: ignore[attr-defined]
        if ctrl and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._suggesting:  # type: ignore[attr-defined]
            return self.reject_suggestions  # type: ignore[attr-defined]
        if modifiers == _ALT_SHIFT and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            return lambda: self.next_suggestion(step)  # type: ignore[attr-defined]
        return None

    def clear_selection(self) -> None:
        """Deselect the text and the selected span."""
        cursor = self.view.textCursor()
        cursor.clearSelection()
        self._quiet += 1
        try:
            self.view.setTextCursor(cursor)
        finally:
            self._quiet -= 1
        self._set_selected(None)

    def select_neighbour(self, step: int) -> None:
        """Select the next (+1) or previous (-1) own span after / before the cursor or selection."""
        order = self._index.visible_ids_in_order()
        if not order:
            self.sig_message.emit("No annotations in this document yet.")
            return
        if self._selected in order:
            index = (order.index(self._selected) + step) % len(order)
        else:
            position = self._offsets.to_py(self.view.textCursor().position())
            starts = [self._index.get(i).start or 0 for i in order]  # type: ignore[union-attr]
            index = bisect_left(starts, position) if step > 0 else bisect_left(starts, position) - 1
            index %= len(order)
        self.select_annotation(order[index])

    def _write_failed(self, error: ProjectFileError) -> None:
        """Say that a change was not saved: in the status bar, and (unless the file is only
        busy for a moment) in a message box the window shows."""
        self.sig_message.emit(f"Not saved: {error}")
        if "busy" not in error.problem:
            self.sig_write_failed.emit(str(error))

    def _say_readonly(self) -> None:
        self.sig_message.emit(f"Read-only: changes cannot be saved — {self._readonly}")

    # ----- operations ----------------------------------------------------------------

    def _run(self, operation: Any, *args: Any, **kwargs: Any) -> ChangeSet | None:
        """Run a project operation; refresh, announce, or report the refusal (file trouble in a message box)."""
        if self._readonly:
            self._say_readonly()
            return None
        try:
            changes: ChangeSet = operation(*args, **kwargs)
        except ProjectFileError as error:
            self._write_failed(error)
            return None
        except AnnotatorError as error:
            self.sig_message.emit(str(error))
            return None
        except sqlite3.Error as error:
            path = self._project.path if self._project is not None else Path("project")
            self._write_failed(explain_sqlite_error(path, error))
            return None
        self.apply_changes(changes)
        self.sig_changed.emit(changes)
        return changes

    def apply_label(self, label_name: str) -> None:
        """Tag the selection (or relabel the selected span) with a label of the active layer."""
        project, document_id = self._project, self._document_id
        if project is None or document_id is None:
            self.sig_message.emit("Open a document first.")
            return
        layer = self._layer(self._active_layer)
        if layer is None:
            self.sig_message.emit("Choose a layer first.")
            return
        if layer.kind == "document":
            if self._run(project.annotations.set_document_label, document_id, self._annotator, layer.name, label_name):
                self.sig_message.emit(f"Document labelled {layer.name}: {label_name}.")
            return
        selection = self.selection()
        selected = self._own(self._selected)
        if selected is not None and selection in (None, (selected.start, selected.end)):
            if selected.layer == layer.name:
                if selected.label == label_name:
                    self.sig_message.emit(f"The span is already {label_name}.")
                elif self._run(project.annotations.relabel, selected.id, label_name):
                    self.sig_message.emit(f"Relabelled as {label_name}.")
                return
            selection = (selected.start or 0, selected.end or 0)
        if selection is None:
            self.sig_message.emit("Select some text first, then press a label key.")
            return
        start, end = selection
        if not self._text[start:end].strip():
            self.sig_message.emit("The selection holds only spaces: select a word or more.")
            return
        changes = self._run(
            project.annotations.add, document_id, self._annotator, layer.name, label_name, start, end
        )
        if changes is None or changes.primary is None:
            return
        added = self._index.get(changes.primary)
        if added is None or added.start is None or added.end is None:
            return
        self._select_range(added.start, added.end)
        self._set_selected(added.id)
        self.sig_message.emit(f"{layer.name}: {label_name} on “{_snippet(self._text[added.start:added.end])}”.")
        if layer.attributes:
            self.edit_selected()

    def delete_selected(self) -> None:
        """Delete the selected annotation (yours only)."""
        selected = self._own(self._selected)
        if selected is None or self._project is None:
            self.sig_message.emit("Click one of your spans first, then press Delete.")
            return
        if not self._readonly and not self._confirm_relations_go(selected):
            self.sig_message.emit("Nothing deleted.")
            return
        if self._run(self._project.annotations.delete, [selected.id]):
            self.clear_selection()
            self.sig_message.emit(f"Deleted {selected.layer}: {selected.label}.")

    def _confirm_relations_go(self, annotation: Annotation) -> bool:
        """Ask before deleting a span that relations use (they go with it); True to go ahead."""
        count = self.relation_count_using(annotation.id)  # type: ignore[attr-defined]
        if not count:
            return True
        what = "its relation" if count == 1 else f"its {count} relations"
        box = QMessageBox(QMessageBox.Icon.Question, "Delete span", f"Delete the span and {what}?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.view)
        box.setObjectName("delete_span_with_relations")
        words = _snippet(self._text[annotation.start or 0: annotation.end or 0])
        box.setInformativeText(f"{annotation.layer}: {annotation.label} “{words}” — Edit → Undo brings both back.")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def move_edge(self, edge: str, step: int) -> None:
        """Move the selected span's start or end by one token (one sentence on sentence layers)."""
        selected = self._own(self._selected)
        if selected is None or self._project is None or self._segmentation is None:
            self.sig_message.emit("Click one of your spans first.")
            return
        layer = self._layer(selected.layer)
        granularity = layer.granularity if layer is not None else "token"
        start, end = selected.start or 0, selected.end or 0
        segmentation = self._segmentation
        if granularity == "sentence":
            starts, ends = segmentation.sentence_starts, segmentation.sentence_ends
        else:
            starts, ends = segmentation.token_starts, segmentation.token_ends
        moved = _move(starts, ends, start, end, edge, step)
        if moved is None:
            self.sig_message.emit("The span cannot move further that way.")
            return
        had_text_selection = self.view.textCursor().hasSelection()
        if self._run(self._project.annotations.resize, selected.id, *moved, snap=granularity != "character"):
            now = self._index.get(selected.id)
            if now is not None and had_text_selection:
                self._select_range(now.start or 0, now.end or 0)

    def grow_start(self) -> None:
        """Move the selected span's start one token to the left."""
        self.move_edge("start", -1)

    def shrink_start(self) -> None:
        """Move the selected span's start one token to the right."""
        self.move_edge("start", +1)

    def grow_end(self) -> None:
        """Move the selected span's end one token to the right."""
        self.move_edge("end", +1)

    def shrink_end(self) -> None:
        """Move the selected span's end one token to the left."""
        self.move_edge("end", -1)

    def edit_selected(self) -> None:
        """Open the inline form for the selected annotation's attributes and note."""
        if self._readonly:
            self._say_readonly()
            return
        selected = self._own(self._selected)
        layer = self._layer(selected.layer) if selected is not None else None
        if selected is None or layer is None:
            return
        self.attribute_editor.open_for(selected, layer, self._text[selected.start or 0 : selected.end or 0])
        self._place_form(selected)

    def _place_form(self, annotation: Annotation) -> None:
        cursor = QTextCursor(self.view.document())
        cursor.setPosition(self._offsets.to_qt(annotation.end or 0))
        rect = self.view.cursorRect(cursor)
        form = self.attribute_editor
        below = self.view.viewport().mapTo(self, rect.bottomLeft() + QPoint(0, 8))
        x = max(8, min(below.x() - 40, self.width() - form.width() - 8))
        y = below.y()
        if y + form.height() > self.height() - 8:
            y = max(8, self.view.viewport().mapTo(self, rect.topLeft()).y() - form.height() - 8)
        form.move(x, y)

    def _save_attributes(self, ident: str, values: dict[str, Any], note: str) -> None:
        if self._project is None:
            return
        if self._readonly:
            self.attribute_editor.close_form()
            self._say_readonly()
            return
        try:
            current = self._project.annotations.get(ident)
            batches = []
            if values != current.attributes:
                batches.append(self._project.annotations.set_attributes(ident, values))
            if note != current.note:
                batches.append(self._project.annotations.set_note(ident, note))
        except ProjectFileError as error:
            self._write_failed(error)
            return
        except AnnotatorError as error:
            self.attribute_editor.show_problem(str(error))
            return
        except sqlite3.Error as error:
            self._write_failed(explain_sqlite_error(self._project.path, error))
            return
        for changes in batches:
            self.apply_changes(changes)
            self.sig_changed.emit(changes)
        self.attribute_editor.close_form()
        if batches:
            self.sig_message.emit("Saved.")


def _snippet(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _move(starts: Any, ends: Any, start: int, end: int, edge: str, step: int) -> tuple[int, int] | None:
    """New (start, end) after moving one edge by one unit, None when it cannot move."""
    if edge == "end":
        if step > 0:
            index = bisect_right(ends, end)
            return (start, ends[index]) if index < len(ends) else None
        index = bisect_left(ends, end) - 1
        return (start, ends[index]) if index >= 0 and ends[index] > start else None
    if step < 0:
        index = bisect_left(starts, start) - 1
        return (starts[index], end) if index >= 0 else None
    index = bisect_right(starts, start)
    return (starts[index], end) if index < len(starts) and starts[index] < end else None

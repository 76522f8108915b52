"""The small inline form under a span for its attribute values and note (keyboard only)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...model import Annotation, AttributeDef, Layer

UNSET = "–"
HINT = "Enter saves · Tab next field · Esc skips"


class AttributeEditor(QFrame):
    """Asks for a span's attribute values and note; Enter saves, Esc skips, Tab moves on."""

    sig_saved = Signal(str, dict, str)
    """(annotation id, attribute values without the empty ones, note) when the user saves."""
    sig_closed = Signal()
    """The form was closed (saved or skipped)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("attributeEditor")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#attributeEditor { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }"
        )
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(10, 8, 10, 8)
        self._title = QLabel()
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._hint = QLabel(HINT)
        self._hint.setStyleSheet("color: palette(placeholder-text);")
        self._layout.addWidget(self._title)
        self._layout.addLayout(self._form)
        self._layout.addWidget(self._hint)
        self._fields: dict[str, tuple[AttributeDef, QWidget]] = {}
        self._note = QLineEdit()
        self._annotation_id = ""
        self.hide()

    @property
    def annotation_id(self) -> str:
        """The annotation being edited ('' when closed)."""
        return self._annotation_id

    def field(self, name: str) -> QWidget:
        """The input widget of an attribute, or of the note for 'note'."""
        return self._note if name == "note" else self._fields[name][1]

    def open_for(self, annotation: Annotation, layer: Layer, covered: str) -> None:
        """Fill the form for an annotation and focus its first field (saving what was typed
        for the previous one, if the form was still open)."""
        if self._annotation_id and self._annotation_id != annotation.id:
            self.save()
        while self._form.rowCount():
            self._form.removeRow(0)
        self._fields.clear()
        self._annotation_id = annotation.id
        snippet = covered if len(covered) <= 48 else covered[:45] + "…"
        self._title.setText(f"<b>{layer.name}: {annotation.label}</b> — “{_escape(snippet)}”")
        for definition in layer.attributes:
            widget = _input_for(definition, annotation.attributes.get(definition.name))
            widget.installEventFilter(self)
            self._fields[definition.name] = (definition, widget)
            self._form.addRow(f"{definition.name}:", widget)
        self._note = QLineEdit(annotation.note)
        self._note.setPlaceholderText("optional note")
        self._note.installEventFilter(self)
        self._form.addRow("note:", self._note)
        self._hint.setText(HINT)
        self._hint.setStyleSheet("color: palette(placeholder-text);")
        self.adjustSize()
        self.show()
        self.raise_()
        first = next(iter(self._fields.values()))[1] if self._fields else self._note
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_problem(self, message: str) -> None:
        """Keep the form open and say what is wrong."""
        self._hint.setText(message)
        self._hint.setStyleSheet("color: #b00020;")
        self.adjustSize()

    def values(self) -> dict[str, Any]:
        """The attribute values entered, leaving out the empty ones."""
        values: dict[str, Any] = {}
        for name, (definition, widget) in self._fields.items():
            value = _value_of(definition, widget)
            if value is not None and value != "":
                values[name] = value
        return values

    def note(self) -> str:
        """The note entered."""
        return self._note.text().strip()

    def save(self) -> None:
        """Report the values (the editor stores them and closes the form)."""
        if self._annotation_id:
            self.sig_saved.emit(self._annotation_id, self.values(), self.note())

    def close_form(self) -> None:
        """Hide without saving."""
        self._annotation_id = ""
        self.hide()
        self.sig_closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Enter saves and Esc skips from any field."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if isinstance(watched, QComboBox) and watched.view().isVisible():
                    return False
                self.save()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_form()
                return True
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and isinstance(watched, QWidget):
                self._step_focus(watched, -1 if event.key() == Qt.Key.Key_Backtab else 1)
                return True
        return super().eventFilter(watched, event)

    def _step_focus(self, current: QWidget, step: int) -> None:
        """Tab and Shift+Tab cycle through the form's fields without leaving it."""
        order = [widget for _, widget in self._fields.values()] + [self._note]
        index = order.index(current) if current in order else 0
        following = order[(index + step) % len(order)]
        following.setFocus(Qt.FocusReason.TabFocusReason)
        if isinstance(following, QLineEdit):
            following.selectAll()
        elif isinstance(following, QSpinBox):
            following.selectAll()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _input_for(definition: AttributeDef, current: Any) -> QWidget:
    """An input widget suited to the attribute's type, showing the current value."""
    if definition.type == "int":
        spin = QSpinBox()
        low = definition.minimum if definition.minimum is not None else 0
        high = definition.maximum if definition.maximum is not None else 1_000_000
        spin.setRange(low - 1, high)
        spin.setSpecialValueText(UNSET)  # the value below the minimum means "not given"
        spin.setValue(int(current) if isinstance(current, int) else low - 1)
        spin.setToolTip(definition.description or f"{low}–{high}")
        return spin
    if definition.type in ("choice", "bool"):
        combo = QComboBox()
        options = list(definition.choices) if definition.type == "choice" else ["yes", "no"]
        combo.addItems([UNSET, *options])
        if definition.type == "bool" and isinstance(current, bool):
            combo.setCurrentText("yes" if current else "no")
        elif current is not None and str(current) in options:
            combo.setCurrentText(str(current))
        combo.setToolTip(definition.description)
        return combo
    line = QLineEdit("" if current is None else str(current))
    line.setPlaceholderText(definition.description[:60] if definition.description else "")
    line.setMinimumWidth(220)
    return line


def _value_of(definition: AttributeDef, widget: QWidget) -> Any:
    """The value a widget holds, None when not given."""
    if isinstance(widget, QSpinBox):
        return None if widget.value() < widget.minimum() + 1 else widget.value()
    if isinstance(widget, QComboBox):
        text = widget.currentText()
        if text == UNSET:
            return None
        return (text == "yes") if definition.type == "bool" else text
    assert isinstance(widget, QLineEdit)
    return widget.text().strip()

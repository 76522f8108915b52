"""The codebook editor's small forms: a new attribute, a new layer."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ...model import ATTRIBUTE_TYPES, GRANULARITIES, AttributeDef


class AttributeDialog(QDialog):
    """Asks for a new attribute: name, type, choices or range, description."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add attribute")
        self.name_box = QLineEdit(self)
        self.type_box = QComboBox(self)
        self.type_box.addItems(list(ATTRIBUTE_TYPES))
        self.choices_box = QLineEdit(self)
        self.choices_box.setPlaceholderText("for choice: values separated by commas")
        self.minimum_box = QSpinBox(self)
        self.maximum_box = QSpinBox(self)
        for box, value in ((self.minimum_box, 1), (self.maximum_box, 3)):
            box.setRange(-1000, 1000)
            box.setValue(value)
        self.description_box = QLineEdit(self)
        form = QFormLayout(self)
        form.addRow("Name:", self.name_box)
        form.addRow("Type:", self.type_box)
        form.addRow("Choices:", self.choices_box)
        form.addRow("Minimum (int):", self.minimum_box)
        form.addRow("Maximum (int):", self.maximum_box)
        form.addRow("Description:", self.description_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def attribute(self) -> AttributeDef:
        """The attribute described by the form."""
        kind = self.type_box.currentText()
        choices = tuple(c.strip() for c in self.choices_box.text().split(",") if c.strip()) if kind == "choice" else ()
        low, high = (self.minimum_box.value(), self.maximum_box.value()) if kind == "int" else (None, None)
        description = self.description_box.text()
        return AttributeDef(self.name_box.text(), kind, choices, low, high, description)  # type: ignore[arg-type]


KIND_CHOICES = (("spans of text", "span"), ("whole documents", "document"))
GRANULARITY_CHOICES = {"token": "whole words (tokens)", "character": "any character", "sentence": "whole sentences"}


class AddLayerDialog(QDialog):
    """One small form for a new layer: its name, what it labels and what spans snap to."""

    def __init__(self, submit: Callable[[str, str, str], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add layer")
        self._submit = submit
        self.added = ""  # the new layer's name once added
        self.name_box = QLineEdit(self)
        self.name_box.setObjectName("layer_name")
        self.name_box.setPlaceholderText("e.g. Evidence")
        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("layer_kind")
        for text, kind in KIND_CHOICES:
            self.kind_box.addItem(text, kind)
        self.granularity_box = QComboBox(self)
        self.granularity_box.setObjectName("layer_granularity")
        for granularity in GRANULARITIES:
            self.granularity_box.addItem(GRANULARITY_CHOICES.get(granularity, granularity), granularity)
        self.granularity_box.setToolTip("Where a selection's ends are moved to when you code it")
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add layer")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Name:", self.name_box)
        form.addRow("It &labels:", self.kind_box)
        form.addRow("Spans &snap to:", self.granularity_box)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.name_box.textChanged.connect(self._update)
        self.kind_box.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        """OK needs a name; a document layer has no spans, so no granularity."""
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.name_box.text().strip()))
        self.granularity_box.setEnabled(self.kind_box.currentData() == "span")
        self.error.setVisible(False)

    def accept(self) -> None:
        """Add the layer; a refusal (a taken name) is said here and the dialog stays open."""
        name = self.name_box.text().strip()
        if not name:
            return
        kind = str(self.kind_box.currentData())
        granularity = str(self.granularity_box.currentData()) if kind == "span" else GRANULARITIES[0]
        reason = self._submit(name, kind, granularity)
        if reason:
            self.error.setText(reason)
            self.error.setVisible(True)
            self.name_box.setFocus()
            self.name_box.selectAll()
            return
        self.added = name
        super().accept()

"""A small form for the curator: a label and boundaries, to edit a span before accepting it or to add a missing one."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...model import Codebook

PREVIEW_CHARS = 160


class GoldDialog(QDialog):
    """Layer, label, start and end (code points) of a gold annotation, with the text they cover."""

    def __init__(self, codebook: Codebook, text: str, title: str, layer: str, label: str,
                 start: int | None, end: int | None, layer_fixed: bool,
                 selection: Callable[[], tuple[int, int] | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._codebook = codebook
        self._text = text
        self._selection = selection
        self.layer_box = QComboBox(self)
        self.layer_box.addItems([layer_.name for layer_ in codebook.layers])
        self.layer_box.setCurrentText(layer)
        self.layer_box.setEnabled(not layer_fixed)
        self.label_box = QComboBox(self)
        self.start_box = QSpinBox(self)
        self.end_box = QSpinBox(self)
        for box in (self.start_box, self.end_box):
            box.setRange(0, len(text))
        self.start_box.setValue(start or 0)
        self.end_box.setValue(end or 0)
        self.use_selection = QPushButton("Use the text selection", self)
        self.use_selection.clicked.connect(self._take_selection)
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.preview.setMinimumWidth(380)
        span_row = QHBoxLayout()
        span_row.addWidget(QLabel("from", self))
        span_row.addWidget(self.start_box)
        span_row.addWidget(QLabel("to", self))
        span_row.addWidget(self.end_box)
        span_row.addWidget(self.use_selection)
        span_row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Accept into gold")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Layer:", self.layer_box)
        form.addRow("Label:", self.label_box)
        form.addRow("Span:", span_row)
        form.addRow("Text:", self.preview)
        form.addRow(buttons)
        self.layer_box.currentTextChanged.connect(self._layer_changed)
        self.start_box.valueChanged.connect(self._update_preview)
        self.end_box.valueChanged.connect(self._update_preview)
        self._layer_changed(layer)
        self.label_box.setCurrentText(label)

    def is_span_layer(self) -> bool:
        """True if the chosen layer codes spans (not whole documents)."""
        found = self._codebook.layer(self.layer_box.currentText())
        return found is not None and found.kind == "span"

    def values(self) -> tuple[str, str, int | None, int | None]:
        """(layer, label, start, end); start and end are None for a document-level layer."""
        if not self.is_span_layer():
            return self.layer_box.currentText(), self.label_box.currentText(), None, None
        return self.layer_box.currentText(), self.label_box.currentText(), self.start_box.value(), self.end_box.value()

    def _layer_changed(self, name: str) -> None:
        found = self._codebook.layer(name)
        current = self.label_box.currentText()
        self.label_box.clear()
        if found is not None:
            self.label_box.addItems([label.name for label in found.labels])
            self.label_box.setCurrentText(current)
        spans = self.is_span_layer()
        for widget in (self.start_box, self.end_box, self.use_selection):
            widget.setEnabled(spans)
        self._update_preview()

    def _take_selection(self) -> None:
        chosen = self._selection()
        if chosen is not None:
            self.start_box.setValue(chosen[0])
            self.end_box.setValue(chosen[1])

    def _update_preview(self) -> None:
        if not self.is_span_layer():
            self.preview.setText("(the whole document)")
            return
        start, end = self.start_box.value(), self.end_box.value()
        if end <= start:
            self.preview.setText("(choose an end after the start)")
            return
        covered = self._text[start:end]
        if len(covered) > PREVIEW_CHARS:
            covered = covered[: PREVIEW_CHARS // 2] + " … " + covered[-PREVIEW_CHARS // 2 :]
        self.preview.setText(f"“{covered}”")

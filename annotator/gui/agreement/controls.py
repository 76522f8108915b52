"""The dashboard's options: layer, annotators, unit, measures, level, documents, bootstrap."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from ...model import Layer, Role
from ...ops.agreement import AgreementRequest
from ...project import Project
from ...stats.bootstrap import DEFAULT_SEED

UNIT_NAMES = {
    "document": "document",
    "sentence": "sentence",
    "token": "token",
    "char": "character continuum (alpha_U)",
}
MEASURE_NAMES = {
    "percent": "percent agreement",
    "cohen": "Cohen's kappa (per pair)",
    "fleiss": "Fleiss' kappa",
    "alpha": "Krippendorff's alpha",
    "alpha_u": "unitizing alpha_U",
    "f1": "span F1 (exact, overlap)",
}
SPAN_ONLY = ("alpha_u", "f1")


class AgreementControls(QWidget):
    """Widgets that build an AgreementRequest; only options that apply to the layer are offered."""

    sig_changed = Signal()
    """An option changed (results on screen may no longer match)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: list[Layer] = []
        self.layer_box = QComboBox(self)
        self.layer_box.setAccessibleName("Layer")
        self.unit_box = QComboBox(self)
        self.unit_box.setAccessibleName("Unit of analysis")
        self.attribute_box = QComboBox(self)
        self.attribute_box.setToolTip("Compare the labels, or an attribute of the spans covering each unit")
        self.level_box = QComboBox(self)
        self.level_box.addItems(["nominal", "ordinal", "interval"])
        self.level_box.setToolTip("ordinal: labels in codebook order; interval: needs a numeric attribute")
        self.annotator_list = QListWidget(self)
        self.annotator_list.setAccessibleName("Annotators")
        self.annotator_list.setMaximumHeight(110)
        self.annotator_list.setToolTip("Two or more annotators; Cohen's kappa is computed for every pair")
        self.measure_boxes: dict[str, QCheckBox] = {}
        measures = QGridLayout()
        measures.setContentsMargins(0, 0, 0, 0)
        for number, (key, name) in enumerate(MEASURE_NAMES.items()):
            box = QCheckBox(name, self)
            box.setChecked(True)
            box.toggled.connect(self.sig_changed)
            self.measure_boxes[key] = box
            measures.addWidget(box, number // 2, number % 2)
        self.done_only = QCheckBox("Only documents every selected annotator marked done", self)
        self.bootstrap = QSpinBox(self)
        self.bootstrap.setRange(0, 20000)
        self.bootstrap.setSingleStep(500)
        self.bootstrap.setSpecialValueText("off")
        self.bootstrap.setSuffix(" resamples")
        self.bootstrap.setToolTip("Percentile bootstrap 95 % interval for alpha (units resampled)")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setPrefix("seed ")
        self.seed.setValue(DEFAULT_SEED)
        bootstrap_row = QHBoxLayout()
        bootstrap_row.addWidget(self.bootstrap, 1)
        bootstrap_row.addWidget(self.seed)

        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Layer:", self.layer_box)
        form.addRow("&Unit:", self.unit_box)
        form.addRow("&Compare:", self.attribute_box)
        form.addRow("Le&vel:", self.level_box)
        form.addRow("&Annotators:", self.annotator_list)
        form.addRow("Measures:", measures)
        form.addRow("", self.done_only)
        form.addRow("Bootstrap:", bootstrap_row)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid);")
        form.addRow(self.note)
        self.layer_box.currentIndexChanged.connect(self._layer_changed)
        self.unit_box.currentIndexChanged.connect(self._unit_changed)
        self.attribute_box.currentIndexChanged.connect(self._unit_changed)
        for signal in (self.level_box.currentIndexChanged, self.annotator_list.itemChanged,
                       self.done_only.toggled, self.bootstrap.valueChanged):
            signal.connect(self.sig_changed)

    # ----- filling ---------------------------------------------------------------------

    def set_project(self, project: Project) -> None:
        """Offer the project's layers and annotators (the curator unchecked)."""
        self.layers = list(project.codebook.get().layers)
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for layer in self.layers:
            self.layer_box.addItem(f"{layer.name}  ({'spans' if layer.kind == 'span' else 'whole documents'})",
                                   layer.name)
        self.layer_box.blockSignals(False)
        self.annotator_list.clear()
        for person in project.annotators.list():
            item = QListWidgetItem(person.name + ("  (curator)" if person.role is Role.CURATOR else ""))
            item.setData(Qt.ItemDataRole.UserRole, person.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if person.role is Role.CURATOR else Qt.CheckState.Checked)
            self.annotator_list.addItem(item)
        self._layer_changed()

    def set_layer(self, name: str) -> None:
        """Choose a layer by name."""
        index = self.layer_box.findData(name)
        if index >= 0:
            self.layer_box.setCurrentIndex(index)

    def set_unit(self, unit: str) -> None:
        """Choose a unit ("document", "sentence", "token" or "char")."""
        index = self.unit_box.findData(unit)
        if index >= 0:
            self.unit_box.setCurrentIndex(index)

    def set_annotators(self, names: list[str]) -> None:
        """Check exactly these annotators."""
        for row in range(self.annotator_list.count()):
            item = self.annotator_list.item(row)
            wanted = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def layer(self) -> Layer | None:
        """The chosen layer."""
        name = self.layer_box.currentData()
        return next((layer for layer in self.layers if layer.name == name), None)

    def _layer_changed(self) -> None:
        layer = self.layer()
        self.unit_box.blockSignals(True)
        self.unit_box.clear()
        units = ("document",) if layer is None or layer.kind == "document" else ("token", "sentence", "char")
        for unit in units:
            self.unit_box.addItem(UNIT_NAMES[unit], unit)
        self.unit_box.blockSignals(False)
        self.attribute_box.blockSignals(True)
        self.attribute_box.clear()
        self.attribute_box.addItem("labels", None)
        for attribute in layer.attributes if layer is not None else []:
            self.attribute_box.addItem(f"attribute: {attribute.name} ({attribute.type})", attribute.name)
        self.attribute_box.blockSignals(False)
        self._unit_changed()

    def _unit_changed(self) -> None:
        layer = self.layer()
        unit = self.unit_box.currentData()
        by_values = layer is None or layer.kind == "document" or self.attribute_box.currentData() is not None
        self.attribute_box.setEnabled(unit != "char")
        for key, box in self.measure_boxes.items():
            applies = (key not in SPAN_ONLY) if by_values else (key in SPAN_ONLY if unit == "char" else True)
            box.setEnabled(applies)
        if unit == "char":
            text = "alpha_U compares the spans' extents character by character; F1 matches the spans."
        elif layer is not None and layer.kind == "document":
            text = ("One unit per document" + (" and label (several labels per document allowed)."
                                                if layer.multiple else ", valued by its label."))
        else:
            text = f"Each {unit} takes the label of the annotator's span covering it, or 'none'."
        self.note.setText(text)
        self.sig_changed.emit()

    # ----- reading -------------------------------------------------------------------------

    def annotators(self) -> list[str]:
        """The checked annotators, in list order."""
        items = (self.annotator_list.item(row) for row in range(self.annotator_list.count()))
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]

    def measures(self) -> tuple[str, ...]:
        """The checked measures that apply; ("all",) when every one that applies is checked."""
        usable = [key for key, box in self.measure_boxes.items() if box.isEnabled()]
        chosen = [key for key in usable if self.measure_boxes[key].isChecked()]
        return ("all",) if chosen == usable else tuple(chosen)

    def request(self) -> AgreementRequest:
        """The request the options describe (AgreementRequest checks the values)."""
        layer = self.layer()
        return AgreementRequest(
            layer=layer.name if layer is not None else "",
            unit=self.unit_box.currentData(),
            measures=self.measures(),
            annotators=tuple(self.annotators()),
            done_only=self.done_only.isChecked(),
            level=self.level_box.currentText(),
            attribute=self.attribute_box.currentData() if self.unit_box.currentData() != "char" else None,
            bootstrap=self.bootstrap.value(),
            seed=self.seed.value(),
        )

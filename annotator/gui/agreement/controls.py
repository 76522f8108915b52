"""The dashboard's options: layer, annotators, unit, measures, level, weights, labels, documents,
bootstrap (with its method) and gamma's random continua."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Label, Layer, Role
from ...ops.agreement import AgreementRequest
from ...ops.agreement.request import ON_REQUEST
from ...project import Project
from ...stats.bootstrap import DEFAULT_SEED
from ...stats.gamma import DEFAULT_SAMPLES as GAMMA_SAMPLES
from .subset import (
    ALL,
    DOCUMENT_CHOICES,
    DONE,
    SELECTED,
    AgreementScope,
    DocumentEntry,
    DocumentSubsetDialog,
    load_document_entries,
)

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
    "weighted_kappa": "weighted kappa (per pair)",
    "gamma": "Mathet's gamma (spans)",
}
SPAN_ONLY = ("alpha_u", "f1", "gamma")
BOOTSTRAP_METHOD_NAMES = {
    "units": "units resampled (percentile)",
    "hayes": "Hayes & Krippendorff (2007)",
}


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
        self.level_box.addItems(["nominal", "ordinal", "interval", "ratio"])
        self.level_box.setAccessibleName("Level of measurement")
        self.level_box.setToolTip("ordinal: labels in codebook order; interval and ratio: only when a "
                                  "whole-number attribute is compared")
        self.weights_box = QComboBox(self)
        self.weights_box.setAccessibleName("Weights of weighted kappa")
        self.weights_box.addItem("linear weights", "linear")
        self.weights_box.addItem("quadratic weights", "quadratic")
        self.weights_box.setToolTip("Disagreement weights of weighted kappa over the labels in codebook order "
                                    "(or an int attribute's values): |i - j| / (k - 1), squared for quadratic")
        self.annotator_list = QListWidget(self)
        self.annotator_list.setAccessibleName("Annotators")
        self.annotator_list.setMaximumHeight(110)
        self.annotator_list.setToolTip("Two or more annotators; Cohen's kappa is computed for every pair")
        self.measure_boxes: dict[str, QCheckBox] = {}
        measures = QGridLayout()
        measures.setContentsMargins(0, 0, 0, 0)
        for number, (key, name) in enumerate(MEASURE_NAMES.items()):
            box = QCheckBox(name, self)
            box.setChecked(key not in ON_REQUEST)  # gamma and weighted kappa only when asked for
            box.toggled.connect(self.sig_changed)
            self.measure_boxes[key] = box
            measures.addWidget(box, number // 2, number % 2)
        self.label_list = QListWidget(self)
        self.label_list.setAccessibleName("Labels")
        self.label_list.setMaximumHeight(130)
        self.label_list.setToolTip("Only the checked labels count; annotations with other labels are ignored")
        self.all_labels_button = QPushButton("All", self)
        self.all_labels_button.setToolTip("Check every label of the layer")
        self.all_labels_button.clicked.connect(lambda: self.set_labels(None))
        self.no_labels_button = QPushButton("None", self)
        self.no_labels_button.setToolTip("Uncheck every label, then check the ones to compare")
        self.no_labels_button.clicked.connect(lambda: self.set_labels([]))
        for button in (self.all_labels_button, self.no_labels_button):
            button.setAutoDefault(False)
        self.label_count = QLabel(self)
        label_buttons = QHBoxLayout()
        label_buttons.addWidget(self.all_labels_button)
        label_buttons.addWidget(self.no_labels_button)
        label_buttons.addStretch(1)
        label_buttons.addWidget(self.label_count)
        labels = QVBoxLayout()
        labels.setContentsMargins(0, 0, 0, 0)
        labels.addWidget(self.label_list)
        labels.addLayout(label_buttons)
        self.document_box = QComboBox(self)
        self.document_box.setAccessibleName("Documents")
        for key, name in DOCUMENT_CHOICES.items():
            self.document_box.addItem(name, key)
        self.document_box.setToolTip("Compute on every document, on those every selected annotator "
                                     "marked done, or on documents you pick")
        self.choose_documents_button = QPushButton("Choose…", self)
        self.choose_documents_button.setAutoDefault(False)
        self.choose_documents_button.setToolTip("Pick the documents by title, source or date")
        self.choose_documents_button.clicked.connect(self.choose_documents)
        self.document_count = QLabel(self)
        document_row = QHBoxLayout()
        document_row.addWidget(self.document_box, 1)
        document_row.addWidget(self.choose_documents_button)
        documents = QVBoxLayout()
        documents.setContentsMargins(0, 0, 0, 0)
        documents.addLayout(document_row)
        documents.addWidget(self.document_count)
        self.manual_only_box = QCheckBox("Leave out annotations that began as suggestions", self)
        self.manual_only_box.setToolTip("Compare only what annotators coded by hand: annotations accepted from a "
                                        "codebook rule's or a model's suggestion are left out, as if never made. "
                                        "The report counts them per annotator either way.")
        self.manual_only_box.toggled.connect(self.sig_changed)
        documents.addWidget(self.manual_only_box)
        self.project_path: Path | None = None
        self.total_documents = 0
        self.done_by: dict[str, set[str]] = {}
        self.chosen_documents: tuple[str, ...] = ()
        self.subset_dialog: DocumentSubsetDialog | None = None
        self._entries: list[DocumentEntry] | None = None
        self._choice = ALL
        self.bootstrap = QSpinBox(self)
        self.bootstrap.setRange(0, 20000)
        self.bootstrap.setSingleStep(500)
        self.bootstrap.setSpecialValueText("off")
        self.bootstrap.setSuffix(" resamples")
        self.bootstrap.setToolTip("Bootstrap 95 % interval for alpha, by the method chosen beside it")
        self.bootstrap_method = QComboBox(self)
        self.bootstrap_method.setAccessibleName("Bootstrap method")
        for key, name in BOOTSTRAP_METHOD_NAMES.items():
            self.bootstrap_method.addItem(name, key)
        self.bootstrap_method.setToolTip("units: units drawn with replacement, alpha recomputed; Hayes & "
                                         "Krippendorff (2007): pairs of values drawn from the coincidences")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setPrefix("seed ")
        self.seed.setValue(DEFAULT_SEED)
        bootstrap_row = QGridLayout()  # two lines: the panel stays narrow
        bootstrap_row.setContentsMargins(0, 0, 0, 0)
        bootstrap_row.addWidget(self.bootstrap, 0, 0)
        bootstrap_row.addWidget(self.bootstrap_method, 0, 1)
        bootstrap_row.addWidget(self.seed, 1, 0)
        self.gamma_samples = QSpinBox(self)
        self.gamma_samples.setAccessibleName("Random continua for gamma")
        self.gamma_samples.setRange(1, 5000)
        self.gamma_samples.setValue(GAMMA_SAMPLES)
        self.gamma_samples.setSuffix(" random continua")
        self.gamma_samples.setToolTip("Random continua drawn for gamma's expected disorder (with the seed above)")

        # Long layer, attribute and method names are elided in their boxes (whole in the list), so the panel fits beside the results on a 1024-pixel screen.
        for box in (self.layer_box, self.unit_box, self.attribute_box, self.level_box, self.weights_box,
                    self.document_box, self.bootstrap_method):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(8)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: a wide field goes below its name
        form.addRow("&Layer:", self.layer_box)
        form.addRow("&Unit:", self.unit_box)
        form.addRow("&Compare:", self.attribute_box)
        level_row = QHBoxLayout()
        level_row.addWidget(self.level_box, 1)
        level_row.addWidget(self.weights_box, 1)
        form.addRow("Le&vel:", level_row)
        form.labelForField(level_row).setBuddy(self.level_box)
        form.addRow("&Annotators:", self.annotator_list)
        form.addRow("Measures:", measures)
        form.addRow("La&bels:", labels)
        form.labelForField(labels).setBuddy(self.label_list)
        form.addRow("&Documents:", documents)
        form.labelForField(documents).setBuddy(self.document_box)
        form.addRow("Bootstrap:", bootstrap_row)
        form.addRow("Gamma:", self.gamma_samples)
        self._unit_note = ""  # what the unit means (the note adds what weighted kappa takes as its scale)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid);")
        form.addRow(self.note)
        self.layer_box.currentIndexChanged.connect(self._layer_changed)
        self.unit_box.currentIndexChanged.connect(self._unit_changed)
        self.attribute_box.currentIndexChanged.connect(self._unit_changed)
        self.label_list.itemChanged.connect(self._labels_changed)
        self.annotator_list.itemChanged.connect(self._annotators_changed)
        self.document_box.currentIndexChanged.connect(self._document_choice_changed)
        for signal in (self.level_box.currentIndexChanged, self.bootstrap.valueChanged,
                       self.weights_box.currentIndexChanged, self.bootstrap_method.currentIndexChanged,
                       self.gamma_samples.valueChanged):
            signal.connect(self.sig_changed)
        for key in ON_REQUEST:
            self.measure_boxes[key].toggled.connect(self._optional_measures_changed)
        self.bootstrap.valueChanged.connect(self._optional_measures_changed)
        self._optional_measures_changed()

    # ----- filling ---------------------------------------------------------------------

    def set_project(self, project: Project) -> None:
        """Offer the project's layers and annotators (the curator unchecked), every label and document."""
        self.project_path = Path(project.path)
        self.chosen_documents = ()
        self._entries = None
        self._read_statuses(project)
        self.document_box.blockSignals(True)
        self.document_box.setCurrentIndex(self.document_box.findData(ALL))
        self.document_box.blockSignals(False)
        self._choice = ALL
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
        self._show_document_count()

    def refresh_codebook(self, project: Project) -> bool:
        """Offer the codebook as it is now, if it changed since it was read (a layer or label
        added, renamed or deleted in the codebook editor): the chosen layer stays chosen if
        it still exists, and its labels start all checked. True if anything changed."""
        layers = list(project.codebook.get().layers)

        def outline(found: list[Layer]) -> list[tuple[str, str, tuple[str, ...]]]:
            return [(layer.name, layer.kind, tuple(label.name for label in layer.labels)) for layer in found]

        if outline(layers) == outline(self.layers):
            return False
        current = self.layer_box.currentData()
        self.layers = layers
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for layer in layers:
            self.layer_box.addItem(f"{layer.name}  ({'spans' if layer.kind == 'span' else 'whole documents'})",
                                   layer.name)
        found = self.layer_box.findData(current)
        self.layer_box.setCurrentIndex(max(found, 0))
        self.layer_box.blockSignals(False)
        self._layer_changed()
        return True

    def refresh_documents(self, project: Project) -> None:
        """Re-read the document count and who marked what done, keeping the choices that still apply."""
        total, done = self.total_documents, self.done_by
        self._read_statuses(project)
        more_or_fewer = self.total_documents != total
        if more_or_fewer:
            self._entries = None
            known = set(project.documents.ids())
            self.chosen_documents = tuple(d for d in self.chosen_documents if d in known)
        self._show_document_count()
        if more_or_fewer or (self._choice == DONE and self.done_by != done):
            self.sig_changed.emit()

    def _read_statuses(self, project: Project) -> None:
        self.total_documents = len(project.documents)
        self.done_by = {person.name: project.status.done_by(person.name) for person in project.annotators.list()}

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

    def set_labels(self, names: list[str] | tuple[str, ...] | None) -> None:
        """Check exactly these labels of the layer (None: every label)."""
        self.label_list.blockSignals(True)
        for row in range(self.label_list.count()):
            item = self.label_list.item(row)
            wanted = names is None or item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        self.label_list.blockSignals(False)
        self._labels_changed()

    def set_document_choice(self, choice: str) -> None:
        """Choose ALL, DONE or SELECTED documents (SELECTED with no documents yet opens the picker)."""
        index = self.document_box.findData(choice)
        if index >= 0:
            self.document_box.setCurrentIndex(index)

    def set_documents(self, document_ids: list[str] | tuple[str, ...]) -> None:
        """Compute on these documents only (ids; kept in corpus order)."""
        wanted = set(document_ids)
        self.chosen_documents = tuple(e.id for e in self.document_entries() if e.id in wanted)
        self._choice = SELECTED
        self.document_box.blockSignals(True)
        self.document_box.setCurrentIndex(self.document_box.findData(SELECTED))
        self.document_box.blockSignals(False)
        self._show_document_count()
        self.sig_changed.emit()

    def document_entries(self) -> list[DocumentEntry]:
        """The project's documents for the picker, read once from the file when first needed."""
        if self._entries is None:
            if self.project_path is None:
                return []
            with Project.open(self.project_path, readonly=True) as project:
                self._entries = load_document_entries(project)
        return self._entries

    def choose_documents(self) -> DocumentSubsetDialog:
        """Open the document picker (window-modal); OK makes its checked documents the choice."""
        if self.subset_dialog is not None:
            self.subset_dialog.close()
        dialog = DocumentSubsetDialog(self.document_entries(), set(self.chosen_documents), self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_documents(dialog.chosen()))
        dialog.rejected.connect(self._subset_rejected)
        dialog.destroyed.connect(lambda: setattr(self, "subset_dialog", None))
        self.subset_dialog = dialog
        dialog.open()
        return dialog

    def _subset_rejected(self) -> None:
        """Cancel with nothing chosen before: go back to the previous document choice."""
        if not self.chosen_documents and self._choice == SELECTED:
            self._choice = ALL
        self.document_box.blockSignals(True)
        self.document_box.setCurrentIndex(self.document_box.findData(self._choice))
        self.document_box.blockSignals(False)
        self._show_document_count()
        self.sig_changed.emit()

    def _document_choice_changed(self) -> None:
        choice = self.document_box.currentData()
        if choice == SELECTED and not self.chosen_documents:
            self.choose_documents()  # the choice takes effect when the picker is accepted
            return
        self._choice = choice
        self._show_document_count()
        self.sig_changed.emit()

    def _annotators_changed(self) -> None:
        self._show_document_count()
        self.sig_changed.emit()

    def _labels_changed(self) -> None:
        total, chosen = self.label_list.count(), len(self.labels())
        self.label_count.setText(f"{chosen} of {total} labels" if total else "no labels")
        self.sig_changed.emit()

    def _done_documents(self) -> int:
        """How many documents every checked annotator marked done."""
        names = self.annotators()
        if not names:
            return 0
        done = set.intersection(*(self.done_by.get(name, set()) for name in names))
        return len(done)

    def _show_document_count(self) -> None:
        self.choose_documents_button.setEnabled(self.total_documents > 0)
        total = self.total_documents
        if self._choice == SELECTED:
            text = f"{len(self.chosen_documents):,} of {total:,} documents, chosen by hand"
        elif self._choice == DONE:
            text = f"{self._done_documents():,} of {total:,} documents, done by " + (
                " and ".join(self.annotators()) or "nobody checked")
        else:
            text = f"{total:,} of {total:,} documents"
        self.document_count.setText(text)

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
        self.label_list.blockSignals(True)
        self.label_list.clear()  # a new layer starts with every label: no filter leaks across layers
        for label in layer.labels if layer is not None else ():
            self.label_list.addItem(_label_item(label))
        self.label_list.blockSignals(False)
        self.label_count.setText(f"{self.label_list.count()} of {self.label_list.count()} labels"
                                 if self.label_list.count() else "no labels")
        self._unit_changed()

    def _numeric_compared(self) -> bool:
        """True when a whole-number attribute is compared (interval and ratio need numbers)."""
        layer, name = self.layer(), self.attribute_box.currentData()
        if layer is None or name is None or self.unit_box.currentData() == "char":
            return False
        attribute = layer.attribute(name)
        return attribute is not None and attribute.type == "int"

    def _offer_levels(self) -> None:
        """Interval and ratio only while an int attribute is compared (labels have no distances)."""
        numeric = self._numeric_compared()
        model = self.level_box.model()
        for index in range(self.level_box.count()):
            if self.level_box.itemText(index) in ("interval", "ratio"):
                item = model.item(index) if isinstance(model, QStandardItemModel) else None
                if item is not None:
                    item.setEnabled(numeric)
                    item.setToolTip("" if numeric else "Needs numbers: choose a whole-number attribute under "
                                                       "Compare (labels have an order, not distances)")
        if not numeric and self.level_box.currentText() in ("interval", "ratio"):
            self.level_box.setCurrentIndex(self.level_box.findText("ordinal"))

    def _weights_note(self) -> str:
        """What weighted kappa takes as the scale, when it is asked for over labels."""
        if not self.measure_boxes["weighted_kappa"].isChecked() or self._numeric_compared():
            return ""
        return (" Weighted kappa takes the labels' codebook order as the scale (first to last): "
                "meaningful only if the labels are ordered.")

    def _optional_measures_changed(self) -> None:
        """Offer weights, the bootstrap method and gamma's samples only where they matter."""
        self.weights_box.setEnabled(self.measure_boxes["weighted_kappa"].isChecked())
        self.note.setText(self._unit_note + self._weights_note())
        self.bootstrap_method.setEnabled(self.bootstrap.value() > 0)
        self.gamma_samples.setEnabled(self.measure_boxes["gamma"].isChecked()
                                      and self.measure_boxes["gamma"].isEnabled())

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
        self._unit_note = text
        self._offer_levels()
        self._optional_measures_changed()
        self.sig_changed.emit()

    # ----- reading -------------------------------------------------------------------------

    def annotators(self) -> list[str]:
        """The checked annotators, in list order."""
        items = (self.annotator_list.item(row) for row in range(self.annotator_list.count()))
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]

    def labels(self) -> tuple[str, ...]:
        """The checked labels, in codebook order."""
        items = (self.label_list.item(row) for row in range(self.label_list.count()))
        return tuple(i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked)

    def document_choice(self) -> str:
        """ALL, DONE or SELECTED."""
        return self._choice

    def problem(self) -> str:
        """Why the options cannot be computed as they stand, or "" (shown beside Compute)."""
        if self.layer() is None:
            return "The project has no layer."
        if not self.annotators():
            return "Check at least one annotator."
        if not self.measures():
            return "Check at least one measure."
        if self.label_list.count() and not self.labels():
            return "Check at least one label."
        if self._choice == SELECTED and not self.chosen_documents:
            return "Choose the documents (none is selected)."
        if self.level_box.currentText() in ("interval", "ratio") and not self._numeric_compared():
            return (f"{self.level_box.currentText().capitalize()} data needs numbers: under Compare, choose "
                    "a whole-number attribute.")
        return ""

    def scope(self) -> AgreementScope:
        """The labels and documents the options cover, with the totals they are chosen from."""
        layer = self.layer()
        return AgreementScope(
            layer=layer.name if layer is not None else "",
            layer_labels=tuple(label.name for label in layer.labels) if layer is not None else (),
            labels=self.labels(),
            choice=self._choice,
            chosen=len(self.chosen_documents) if self._choice == SELECTED else 0,
            total_documents=self.total_documents,
        )

    def measures(self) -> tuple[str, ...]:
        """The checked measures that apply; ("all", …) when every usual one that applies is checked,
        followed by the checked measures computed only on request (weighted kappa, gamma)."""
        usable = [key for key, box in self.measure_boxes.items() if box.isEnabled()]
        chosen = [key for key in usable if self.measure_boxes[key].isChecked()]
        usual = [key for key in usable if key not in ON_REQUEST]
        extra = tuple(key for key in chosen if key in ON_REQUEST)
        if usual and all(key in chosen for key in usual):
            return ("all", *extra)
        return tuple(chosen)

    def request(self) -> AgreementRequest:
        """The request the options describe (AgreementRequest checks the values).

        Raises AnnotatorError when problem() names one: an empty label or document choice
        must never fall back to the request's "empty means all".
        """
        problem = self.problem()
        if problem:
            raise AnnotatorError(problem)
        layer = self.layer()
        labels = self.labels()
        return AgreementRequest(
            layer=layer.name if layer is not None else "",
            unit=self.unit_box.currentData(),
            measures=self.measures(),
            annotators=tuple(self.annotators()),
            labels=labels if len(labels) < self.label_list.count() else (),
            documents=self.chosen_documents if self._choice == SELECTED else (),
            done_only=self._choice == DONE,
            level=self.level_box.currentText(),
            attribute=self.attribute_box.currentData() if self.unit_box.currentData() != "char" else None,
            bootstrap=self.bootstrap.value(),
            seed=self.seed.value(),
            bootstrap_method=self.bootstrap_method.currentData(),
            weights=self.weights_box.currentData(),
            gamma_samples=self.gamma_samples.value(),
            manual_only=self.manual_only_box.isChecked(),
        )


def _label_item(label: Label) -> QListWidgetItem:
    """A checked list row for a label, with its colour and guidelines."""
    item = QListWidgetItem(label.name)
    item.setData(Qt.ItemDataRole.UserRole, label.name)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked)
    swatch = QPixmap(12, 12)
    swatch.fill(QColor(label.colour))
    item.setIcon(QIcon(swatch))
    if label.description:
        item.setToolTip(label.description)
    return item

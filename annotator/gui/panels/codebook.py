"""The codebook panel: layers and labels with colours and keys, and each label's guidelines.

A click on a label applies it (to the selected text, or to the document). A coder who
wants to read a label's guidelines first can choose "click shows guidelines, double-click
applies" (a checkbox under the filter and an entry of the list's context menu; remembered
in the app settings). Either way the guidelines pane follows the label under the pointer.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...model import Codebook, Label, Layer
from ...ops.suggesting import acceptance_by_label, describe_source
from ..settings import AppSettings

if TYPE_CHECKING:
    from ...project.changes import ChangeSet
    from ..events import ProjectEvents

LAYER_ROLE = Qt.ItemDataRole.UserRole
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1
HINT = (
    "<p style='color:#666'>Point at a label to read its guidelines here. Click a label to apply it "
    "to the selected text; its key does the same in the active layer (F1–F9 switch layers).</p>"
)
HINT_DOUBLE_CLICK = (
    "<p style='color:#666'>Point at or click a label to read its guidelines here. Double-click a label "
    "to apply it to the selected text; its key does the same in the active layer (F1–F9 switch layers).</p>"
)
CLICK_SHOWS_GUIDELINES = "Click shows guidelines, double-click applies"
RATE_COLUMN = 2  # how often the label's suggestions were accepted (shown once any were decided)

MIN_PANEL_WIDTH = 240


def swatch(colour: str, size: int = 12) -> QIcon:
    """A small square of a label's colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def guidelines_html(layer: Layer, label: Label | None) -> str:
    """A label's (or a layer's) description, inclusion/exclusion notes and examples as HTML."""
    if label is None:
        kind = "whole documents" if layer.kind == "document" else f"spans ({layer.granularity})"
        parts = [f"<b>{html.escape(layer.name)}</b> — labels {kind}"]
        if layer.description:
            parts.append(f"<p>{html.escape(layer.description)}</p>")
        if layer.attributes:
            names = ", ".join(html.escape(a.name) for a in layer.attributes)
            parts.append(f"<p><i>Attributes:</i> {names}</p>")
        return "".join(parts)
    key = f" &nbsp;<code>[{html.escape(label.key)}]</code>" if label.key else ""
    parts = [
        f"<p><span style='background:{label.colour}'>&nbsp;&nbsp;&nbsp;</span> "
        f"<b>{html.escape(label.name)}</b>{key} <span style='color:#666'>({html.escape(layer.name)})</span></p>"
    ]
    if label.description:
        parts.append(f"<p>{html.escape(label.description)}</p>")
    if label.include:
        parts.append(f"<p><b>Include:</b> {html.escape(label.include)}</p>")
    if label.exclude:
        parts.append(f"<p><b>Exclude:</b> {html.escape(label.exclude)}</p>")
    if label.examples:
        items = "".join(f"<li>“{html.escape(e)}”</li>" for e in label.examples)
        parts.append(f"<p><b>Examples:</b></p><ul style='margin-top:0'>{items}</ul>")
    return "".join(parts)


class CodebookPanel(QWidget):
    """Tree of layers and labels; clicking (or, if chosen, double-clicking) a label asks for it to be applied.

    `settings` remembers how a click behaves; without it the panel uses its parent's
    `settings` (the main window's) when there is one.
    """

    sig_label_clicked = Signal(str, str)
    """(layer, label) the user clicked: apply it to the selection or the document."""

    sig_layer_clicked = Signal(str)
    """A layer the user clicked: make it the active layer."""

    def __init__(self, parent: QWidget | None = None, settings: AppSettings | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(MIN_PANEL_WIDTH)  # label names and their keys stay readable
        if settings is None and isinstance(getattr(parent, "settings", None), AppSettings):
            settings = parent.settings  # type: ignore[union-attr]
        self._settings = settings
        self._codebook: Codebook | None = None
        self._events: ProjectEvents | None = None
        self._active = ""
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText("Filter labels…")
        self.filter_box.setClearButtonEnabled(True)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Label", "Key", "Accepted"])
        self.tree.headerItem().setToolTip(RATE_COLUMN, "How many of the label's suggestions were accepted "
                                                       "(point at a figure for each rule and model)")
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(RATE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setColumnHidden(RATE_COLUMN, True)
        self.tree.header().setStretchLastSection(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setMouseTracking(True)  # itemEntered: the guidelines follow the pointer
        self.click_shows_guidelines = QCheckBox(CLICK_SHOWS_GUIDELINES, self)
        self.click_shows_guidelines.setToolTip(
            "Off: a click on a label applies it. On: a click only shows its guidelines; double-click to apply.")
        self.click_shows_guidelines_action = QAction(CLICK_SHOWS_GUIDELINES, self)
        self.click_shows_guidelines_action.setCheckable(True)
        self.tree.addAction(self.click_shows_guidelines_action)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        shows = self._settings.click_shows_guidelines() if self._settings is not None else False
        self.click_shows_guidelines.setChecked(shows)
        self.click_shows_guidelines_action.setChecked(shows)
        self.details = QTextBrowser(self)
        self.details.setOpenExternalLinks(True)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.click_shows_guidelines)
        layout.addWidget(splitter)
        self.filter_box.textChanged.connect(self._apply_filter)
        self.tree.currentItemChanged.connect(self._show_details)
        self.tree.itemEntered.connect(self._show_details)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.click_shows_guidelines.toggled.connect(self._set_click_shows_guidelines)
        self.click_shows_guidelines_action.toggled.connect(self._set_click_shows_guidelines)

    def double_click_applies(self) -> bool:
        """Whether a label is applied by a double-click (a single click only shows its guidelines)."""
        return self.click_shows_guidelines.isChecked()

    def _set_click_shows_guidelines(self, shows: bool) -> None:
        for control in (self.click_shows_guidelines, self.click_shows_guidelines_action):
            if control.isChecked() != shows:
                control.blockSignals(True)
                control.setChecked(shows)
                control.blockSignals(False)
        if self._settings is not None:
            self._settings.set_click_shows_guidelines(shows)
        if self.tree.currentItem() is None:
            self.details.setHtml(self._hint())

    def _hint(self) -> str:
        return HINT_DOUBLE_CLICK if self.double_click_applies() else HINT

    def set_codebook(self, codebook: Codebook | None) -> None:
        """Show a codebook (None empties the panel)."""
        self._codebook = codebook
        self.tree.clear()
        self.details.setHtml(self._hint())
        if codebook is None:
            return
        for layer_number, layer in enumerate(codebook.layers):
            span_number = sum(1 for other in codebook.layers[:layer_number] if other.kind == "span")
            hint = f"F{span_number + 1}" if layer.kind == "span" and span_number < 9 else ""
            title = layer.name if layer.kind == "span" else f"{layer.name} (document)"
            top = QTreeWidgetItem([title, hint])
            top.setData(0, LAYER_ROLE, layer.name)
            top.setToolTip(0, guidelines_html(layer, None))
            for label in layer.labels:
                item = QTreeWidgetItem([label.name, label.key])
                item.setIcon(0, swatch(label.colour))
                item.setData(0, LAYER_ROLE, layer.name)
                item.setData(0, LABEL_ROLE, label.name)
                item.setToolTip(0, guidelines_html(layer, label))
                top.addChild(item)
            self.tree.addTopLevelItem(top)
            # Document layers are chosen in the Document labels panel: folded away here.
            top.setExpanded(layer.kind == "span")
        self.set_active_layer(self._active)
        self._apply_filter(self.filter_box.text())
        self.show_acceptance()

    def follow(self, events: ProjectEvents) -> None:
        """Re-read the codebook when a change on the bus edited it (see annotator/gui/events.py),
        and the acceptance rates when a suggestion was accepted or rejected."""
        self._events = events

        def changed(changes: ChangeSet) -> None:
            if (changes.codebook or changes.reset) and events.project is not None:
                self.set_codebook(events.project.codebook.get())
            elif "suggestion_decisions" in changes.tables:
                self.show_acceptance()

        events.sig_changed.connect(changed)

    def show_acceptance(self) -> None:
        """Each label's share of accepted suggestions, with every rule's and model's in its tooltip."""
        project = self._events.project if self._events is not None else None
        any_decided = False
        for row in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(row)
            rates = acceptance_by_label(project, top.data(0, LAYER_ROLE)) if project is not None else {}
            for child in range(top.childCount()):
                item = top.child(child)
                by_source = rates.get(item.data(0, LABEL_ROLE), {})
                accepted = sum(a for a, _r in by_source.values())
                decided = accepted + sum(r for _a, r in by_source.values())
                any_decided = any_decided or decided > 0
                item.setText(RATE_COLUMN, f"{round(100 * accepted / decided)} %" if decided else "")
                lines = [f"{html.escape(describe_source(source))}: {a} of {a + r} accepted"
                         for source, (a, r) in by_source.items()]
                item.setToolTip(RATE_COLUMN, "<br>".join(lines))
        self.tree.setColumnHidden(RATE_COLUMN, not any_decided)

    def set_active_layer(self, layer: str) -> None:
        """Show which layer's keys are live (in bold)."""
        self._active = layer
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            font = QFont(item.font(0))
            font.setBold(item.data(0, LAYER_ROLE) == layer)
            item.setFont(0, font)

    def label_item(self, layer: str, label: str) -> QTreeWidgetItem | None:
        """The tree item of a label."""
        for row in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(row)
            if top.data(0, LAYER_ROLE) != layer:
                continue
            for child in range(top.childCount()):
                if top.child(child).data(0, LABEL_ROLE) == label:
                    return top.child(child)
        return None

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        codebook = self._codebook
        for row in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(row)
            layer = codebook.layer(top.data(0, LAYER_ROLE)) if codebook else None
            visible = 0
            for child in range(top.childCount()):
                item = top.child(child)
                label = layer.label(item.data(0, LABEL_ROLE)) if layer else None
                haystack = " ".join(
                    [label.name, label.description, label.include, *label.examples] if label else []
                ).casefold()
                hidden = bool(needle) and needle not in haystack
                item.setHidden(hidden)
                visible += not hidden
            top.setHidden(bool(needle) and visible == 0 and needle not in top.text(0).casefold())

    def _show_details(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None = None) -> None:
        if item is None or self._codebook is None:
            self.details.setHtml(self._hint())
            return
        layer = self._codebook.layer(item.data(0, LAYER_ROLE))
        if layer is None:
            return
        name = item.data(0, LABEL_ROLE)
        self.details.setHtml(guidelines_html(layer, layer.label(name) if name else None))

    def _clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        layer, label = item.data(0, LAYER_ROLE), item.data(0, LABEL_ROLE)
        if label and self.double_click_applies():
            self._show_details(item)
        elif label:
            self.sig_label_clicked.emit(layer, label)
        elif layer:
            self.sig_layer_clicked.emit(layer)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        layer, label = item.data(0, LAYER_ROLE), item.data(0, LABEL_ROLE)
        if label and self.double_click_applies():
            self.sig_label_clicked.emit(layer, label)

"""The Relations panel: the shown document's relations, filtered by type; a click shows the relation.

Blind coding applies as to spans: only the current annotator's relations are listed unless
others' are shown (the "show_others" action). The list follows the change bus: a relation
added, deleted, undone or redone, or a span of one of them changed, re-reads this document's
relations (a few dozen rows), never the project's. A click asks the text (sig_relation_clicked)
to select the source span and bring the target into view, where the arc is drawn.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ...errors import AnnotatorError
from ...project.changes import ChangeSet
from ..context import AppContext

ALL_TYPES = "All relation types"
ID_ROLE = Qt.ItemDataRole.UserRole


def _quoted(text: str, limit: int = 40) -> str:
    """A span's text as the list shows it: one line, shortened in the middle."""
    one = " ".join(text.split())
    return f"«{one if len(one) <= limit else one[: limit // 2 - 1] + '…' + one[-(limit // 2 - 1):]}»"


class RelationsPanel(QWidget):
    """A list of the shown document's relations with a type filter (a dock of the main window)."""

    sig_relation_clicked = Signal(str)
    """A relation's id, clicked in the list (the text selects its source and shows its target)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("relations_panel")
        self._context = context
        self.filter = QComboBox(self)
        self.filter.setObjectName("relation_type_filter")
        self.filter.setAccessibleName("Relation type")
        self.list = QListWidget(self)
        self.list.setObjectName("relation_list")
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.list.setMinimumHeight(24)  # docked below the text: a short strip must not squeeze the panels above
        self.empty.setMinimumWidth(60)
        self.setMinimumHeight(72)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        self.filter.currentIndexChanged.connect(lambda _index: self.refresh())
        self.list.itemClicked.connect(self._select_ends)
        context.events.sig_changed.connect(self._changed)
        self._following_others = False
        self.refresh()

    def _follow_others(self) -> None:
        """Refresh when others' work is shown or hidden (the action may be made after this panel)."""
        others = self._context.action("show_others")
        if others is not None and not self._following_others:
            others.toggled.connect(lambda _on: self.refresh())
            self._following_others = True

    def _types(self) -> list[str]:
        project = self._context.project
        return [kind.name for kind in project.codebook.get().relations] if project is not None else []

    def _showing_others(self) -> bool:
        others = self._context.action("show_others")
        return bool(others is not None and others.isChecked())

    def refresh(self) -> None:
        """Re-read the shown document's relations (the filter keeps its choice if it still exists)."""
        chosen = self.filter.currentText() or ALL_TYPES
        types = self._types()
        if [self.filter.itemText(i) for i in range(self.filter.count())] != [ALL_TYPES, *types]:
            self.filter.blockSignals(True)
            self.filter.clear()
            self.filter.addItems([ALL_TYPES, *types])
            self.filter.setCurrentText(chosen if chosen in types else ALL_TYPES)
            self.filter.blockSignals(False)
        self.list.clear()
        project, document = self._context.project, self._context.document_id
        if project is None or document is None:
            self.empty.setText("No document is shown.")
            return
        self._follow_others()
        kind = self.filter.currentText()
        who = None if self._showing_others() else self._context.annotator
        links = project.relations.for_document(document, who, None if kind == ALL_TYPES else kind)
        text = project.documents.text(document)
        # Its ends, read only when there is a relation to show (a document has 1,000 spans, often no relation).
        spans = {a.id: a for a in project.annotations.for_document(document, who, spans=True)} if links else {}
        colours = {k.name: k.colour for k in project.codebook.get().relations}
        for link in links:
            source, target = spans.get(link.source), spans.get(link.target)
            if source is None or target is None:
                continue
            arrow = "→" if project.codebook.get().relation(link.type) is None or \
                project.codebook.get().relation(link.type).directed else "—"  # type: ignore[union-attr]
            line = (f"{link.type}: {_quoted(text[source.start:source.end])} {arrow} "
                    f"{_quoted(text[target.start:target.end])}")
            if who is None:
                line += f"  ({link.annotator})"
            item = QListWidgetItem(line)
            item.setData(ID_ROLE, link.id)
            item.setForeground(QBrush(QColor(colours.get(link.type, "#444444"))))
            item.setToolTip(link.note or f"{source.layer} {source.label} {arrow} {target.layer} {target.label}")
            self.list.addItem(item)
        self.empty.setText("" if self.list.count() else
                           "No relations here. Select a span, press Shift+R, move to the other span "
                           "(click, or Alt+Left / Alt+Right) and press Enter.")

    def _changed(self, changes: ChangeSet) -> None:
        if changes.reset or changes.codebook or "relations" in changes.tables or changes.removed or changes.changed:
            self.refresh()

    def _select_ends(self, item: QListWidgetItem) -> None:
        """Show the clicked relation: the text (listening to sig_relation_clicked) selects its
        source and brings its target into view, where the arc is drawn."""
        project = self._context.project
        if project is None:
            return
        try:
            link = project.relations.get(item.data(ID_ROLE))
            ends = [project.annotations.get(link.source), project.annotations.get(link.target)]
        except AnnotatorError as error:
            self._context.show_message(str(error))
            return
        self.sig_relation_clicked.emit(link.id)
        self._context.show_message(f"{link.type}: {ends[0].label} → {ends[1].label}")

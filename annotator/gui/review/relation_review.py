"""The review's Relations tab: the compared annotators' relations, who has each and whether
gold has it, with Accept, Accept with its ends and Reject (with a reason).

A row is one relation as the annotators marked it (same type, both ends the same units,
queries/disagreements.relation_comparison). A decision acts on the first compared
annotator's copy of it through ops/curation (accept_relation / reject_relation): one undoable
step of the curator, logged, announced on the change bus like the span decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...ops import curation
from ...project import Project
from ...queries.disagreements import RelationComparison, Unit
from ...queries.review import latest_decisions
from .listing import DECISION_TEXT, excerpt

Ends = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Decider:
    """Who decides and into whose gold set: what a decision needs besides the relation."""

    project: Project
    curator: str
    decided_by: str
    writable: bool


def relation_key(found: RelationComparison) -> str:
    """A stable identifier of a compared relation (keeps the selection across refreshes)."""
    return f"{found.type}|{found.source}|{found.target}"


def is_open(found: RelationComparison) -> bool:
    """True while the curator has neither the relation in gold nor a decision on it."""
    return not found.in_gold and not found.decision


class RelationReview(QWidget):
    """The list of compared relations and the buttons that decide the selected one."""

    sig_selected = Signal(object)
    """The selected relation's ends ((start, end) of its source, of its target), or None."""
    sig_decided = Signal(object, str)
    """A decision was made: its ChangeSet (None: nothing changed) and what to say."""
    sig_message = Signal(str)
    """Something to tell the user (a refusal, a missing reason)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.found: list[RelationComparison] = []
        self._decider: Decider | None = None
        self._text = ""
        self._selected_key: str | None = None
        self.list = QTreeWidget(self)
        self.list.setAccessibleName("Relations of the compared annotators")
        self.list.setHeaderLabels(["", "Type", "From", "To", "Who has it", "Gold", "Decision"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.list.header()
        for column in (0, 1, 4, 5, 6):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.accept_button = QPushButton("Accept", self)
        self.accept_button.setToolTip("Copy the relation into the gold set, between the gold copies of its ends")
        self.accept_ends_button = QPushButton("Accept with its &ends", self)
        self.accept_ends_button.setToolTip("Accept the relation and whichever of its two spans is not in gold yet")
        self.reason_field = QLineEdit(self)
        self.reason_field.setPlaceholderText("Reason for rejecting the relation…")
        self.reason_field.setAccessibleName("Reason for rejecting the relation")
        self.reject_button = QPushButton("Reject", self)
        buttons = QGridLayout()
        buttons.addWidget(self.accept_button, 0, 0)
        buttons.addWidget(self.accept_ends_button, 0, 1)
        buttons.addWidget(self.reason_field, 1, 0)
        buttons.addWidget(self.reject_button, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(lambda _item, _old: self._chosen())
        self.accept_button.clicked.connect(lambda: self.accept_selected(with_ends=False))
        self.accept_ends_button.clicked.connect(lambda: self.accept_selected(with_ends=True))
        self.reject_button.clicked.connect(self.reject_selected)
        self.reason_field.returnPressed.connect(self.reject_selected)
        self._enable()

    # ----- showing -------------------------------------------------------------------------

    def open_count(self) -> int:
        """Relations neither in gold nor decided."""
        return sum(is_open(found) for found in self.found)

    def show_relations(self, found: list[RelationComparison], text: str, decider: Decider | None) -> None:
        """List these compared relations (keeping the selected one selected)."""
        self.found, self._text, self._decider = list(found), text, decider
        ids = [ident for item in self.found for ident in item.relations.values()]
        decided = latest_decisions(decider.project, ids) if decider is not None and ids else {}
        faded = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for number, item in enumerate(self.found):
            who = ", ".join(item.relations)
            if item.missing:
                who += f" (not {', '.join(item.missing)})"
            latest = next((decided[i] for i in item.relations.values() if i in decided), None)
            decision = "—"
            if latest is not None:
                decision = DECISION_TEXT.get(latest.decision, latest.decision)
                if latest.reason:
                    decision += f": {latest.reason}"
            mark = "●" if is_open(item) else "✓"
            row = QTreeWidgetItem([mark, item.type, self._describe(item.source), self._describe(item.target),
                                   who, "in gold" if item.in_gold else "", decision])
            row.setData(0, Qt.ItemDataRole.UserRole, number)
            for column in (2, 3, 6):
                row.setToolTip(column, row.text(column))
            if not is_open(item):
                for column in range(7):
                    row.setForeground(column, faded)
            self.list.addTopLevelItem(row)
            if relation_key(item) == self._selected_key:
                chosen = row
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        else:
            self._selected_key = None
        self._chosen()

    def _describe(self, unit: Unit) -> str:
        layer, label, start, end = unit
        return f"{layer} {label} {excerpt(self._text, start, end).replace('“', '«').replace('”', '»')}"

    def selected(self) -> RelationComparison | None:
        """The compared relation selected in the list."""
        row = self.list.currentItem()
        if row is None:
            return None
        number = row.data(0, Qt.ItemDataRole.UserRole)
        return self.found[number] if 0 <= number < len(self.found) else None

    def selected_ends(self) -> Ends | None:
        """(start, end) of the selected relation's source and target spans."""
        found = self.selected()
        if found is None or None in (found.source[2], found.source[3], found.target[2], found.target[3]):
            return None
        return ((found.source[2], found.source[3]), (found.target[2], found.target[3]))  # type: ignore[return-value]

    def _chosen(self) -> None:
        found = self.selected()
        self._selected_key = relation_key(found) if found is not None else None
        self._enable()
        self.sig_selected.emit(self.selected_ends())

    def _enable(self) -> None:
        can = self.selected() is not None and self._decider is not None and self._decider.writable
        for widget in (self.accept_button, self.accept_ends_button, self.reject_button, self.reason_field):
            widget.setEnabled(can)

    # ----- deciding ------------------------------------------------------------------------

    def _target(self) -> tuple[Decider, RelationComparison, str, str] | None:
        """(decider, the selected relation, the id of the copy decided on, its annotator)."""
        found = self.selected()
        if self._decider is None or not self._decider.writable:
            self.sig_message.emit("Read-only: changes cannot be saved — decisions are off.")
            return None
        if found is None or not found.relations:
            self.sig_message.emit("Select a relation first.")
            return None
        annotator, ident = next(iter(found.relations.items()))
        return self._decider, found, ident, annotator

    def accept_selected(self, with_ends: bool = False) -> None:
        """Accept the selected relation into the gold set (and its ends, if asked)."""
        chosen = self._target()
        if chosen is None:
            return
        decider, found, ident, annotator = chosen
        try:
            changes = curation.accept_relation(decider.project, ident, decider.curator, decider.decided_by,
                                               with_ends=with_ends)
        except AnnotatorError as error:
            self.sig_message.emit(str(error))
            return
        ends = " with its ends" if with_ends else ""
        self.sig_decided.emit(changes, f"Accepted {annotator}’s {found.type}{ends} into the gold set.")

    def reject_selected(self) -> None:
        """Reject the selected relation with the reason typed."""
        chosen = self._target()
        if chosen is None:
            return
        decider, found, ident, annotator = chosen
        reason = self.reason_field.text().strip()
        if not reason:
            self.sig_message.emit("Type a reason for rejecting the relation first.")
            self.reason_field.setFocus()
            return
        try:
            changes = curation.reject_relation(decider.project, ident, decider.curator, reason, decider.decided_by)
        except AnnotatorError as error:
            self.sig_message.emit(str(error))
            return
        self.reason_field.clear()
        self.sig_decided.emit(changes, f"Rejected {annotator}’s {found.type}: {reason}")

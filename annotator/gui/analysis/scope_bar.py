"""Whose annotations and which documents an analysis window looks at: one row of controls.

"Codes of": me (the default), another annotator, everyone, or the gold set. Other people's
codes are offered only while the main window shows other annotators (View → Show other
annotators): while coding blind, an analysis must not show a colleague's tags either.
Documents: metadata filters KEY=VALUE (separated by ";"), a date range and the document
status (of the annotator whose codes are shown).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from ...errors import AnnotatorError
from ...model import Role
from ...queries.analysis import Scope
from .common import find_data

if TYPE_CHECKING:
    from ..context import AppContext

STATUS_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("any status", ()),
    ("done", ("done",)),
    ("in progress", ("in progress",)),
    ("not started", ("not started",)),
    ("not done", ("not started", "in progress")),
)
DATE_BOUND = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
BLIND_TIP = ("Blind coding: other annotators' codes are shown only while View → Show other annotators "
             "is on in the main window.")


class ScopeBar(QWidget):
    """Codes of whom, metadata filter, date range and status: builds the query's Scope."""

    sig_changed = Signal()
    """The user changed the scope."""
    sig_me_changed = Signal()
    """Who "me" is changed (Annotator → Switch annotator) and the codes shown were mine or
    are no longer offered: results computed for the previous annotator must not stay on screen."""

    def __init__(self, context: AppContext, parent: QWidget | None = None, status: bool = True) -> None:
        super().__init__(parent)
        self.context = context
        self._me = context.annotator  # who "me" was when the list was filled
        self.whose = QComboBox(self)
        self.whose.setObjectName("whose_box")
        self.whose.setAccessibleName("Whose codes")
        self.where = QLineEdit(self)
        self.where.setObjectName("where_box")
        self.where.setPlaceholderText("source=Gazette; author=…")
        self.where.setToolTip("Only documents whose metadata match: KEY=VALUE, several separated by “;” "
                              "(title, source, author, date, url, language or any key of your own)")
        self.date_from = QLineEdit(self)
        self.date_from.setObjectName("date_from_box")
        self.date_to = QLineEdit(self)
        self.date_to.setObjectName("date_to_box")
        for box, what in ((self.date_from, "from"), (self.date_to, "to")):
            box.setPlaceholderText("YYYY-MM-DD")
            box.setMaximumWidth(100)
            box.setToolTip(f"Documents dated {what} this year, month or day (inclusive): 2026, 2026-12 or 2026-12-03; "
                           "empty: no bound")
        self.status = QComboBox(self)
        self.status.setObjectName("status_box")
        self.status.setAccessibleName("Document status")
        for text, value in STATUS_CHOICES:
            self.status.addItem(text, value)
        self.status.setToolTip("The documents' status for the annotator whose codes are shown")
        self.status.setVisible(status)
        self.has_status = status
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Codes &of:", self, buddy=self.whose))
        row.addWidget(self.whose)
        row.addWidget(QLabel("&Where:", self, buddy=self.where))
        row.addWidget(self.where, 1)
        row.addWidget(QLabel("Dated:", self))
        row.addWidget(self.date_from)
        row.addWidget(QLabel("–", self))
        row.addWidget(self.date_to)
        if status:
            row.addWidget(self.status)
        self.refresh_people()
        for box in (self.whose, self.status):
            box.currentIndexChanged.connect(lambda _index: self.sig_changed.emit())
        for edit in (self.where, self.date_from, self.date_to):
            edit.editingFinished.connect(self.sig_changed)
        others = context.action("show_others")
        if others is not None:
            others.toggled.connect(lambda _shown: self.refresh_people())
        switched = getattr(context.events, "annotator_changed", None)
        if switched is not None:
            switched.connect(self._annotator_changed)

    # ----- whose codes ------------------------------------------------------------------

    def blind(self) -> bool:
        """True while the main window codes blind (other annotators' work hidden)."""
        others = self.context.action("show_others")
        return others is None or not others.isChecked()

    def refresh_people(self) -> None:
        """Fill "Codes of" from the project's annotators; others only when not coding blind."""
        project = self.context.project
        me = self.context.annotator
        chosen = self.whose.currentData()
        if chosen == ("annotator", self._me):  # "me" follows whoever annotates now
            chosen = ("annotator", me)
        self._me = me
        people = [a.name for a in project.annotators.list() if a.role is Role.ANNOTATOR] if project else []
        blind = self.blind()
        self.whose.blockSignals(True)
        self.whose.clear()
        self.whose.addItem(f"me ({me})", ("annotator", me))
        for name in people:
            if name != me:
                self.whose.addItem(name, ("annotator", name))
        self.whose.addItem("everyone", ("everyone", ""))
        self.whose.addItem("the gold set", ("gold", ""))
        model = self.whose.model()
        assert isinstance(model, QStandardItemModel)
        for index in range(self.whose.count()):
            kind, name = self.whose.itemData(index)
            if blind and (kind == "everyone" or (kind == "annotator" and name != me)):
                item = model.item(index)
                item.setEnabled(False)
                item.setToolTip(BLIND_TIP)
        at = find_data(self.whose, chosen)
        if at < 0 or not model.item(at).isEnabled():
            at = 0
        self.whose.setCurrentIndex(at)
        self.whose.setToolTip(BLIND_TIP if blind else "Whose codes the analysis counts and shows")
        self.whose.blockSignals(False)
        if chosen is not None and self.whose.currentData() != chosen:
            self.sig_changed.emit()

    def _annotator_changed(self, _name: str) -> None:
        """Annotator → Switch annotator: "me" is the new annotator, and the results follow."""
        before = self.whose.currentData()
        previous_me = self._me
        self.blockSignals(True)  # one announcement below, not two
        try:
            self.refresh_people()
        finally:
            self.blockSignals(False)
        mine = before == ("annotator", previous_me) and previous_me != self._me
        if before is not None and (mine or self.whose.currentData() != before):
            self.sig_changed.emit()
            self.sig_me_changed.emit()

    def choose(self, kind: str, name: str = "") -> bool:
        """Select "Codes of" (kind: annotator / everyone / gold); False if it is not offered now."""
        at = find_data(self.whose, (kind, name))
        model = self.whose.model()
        if at < 0 or not (isinstance(model, QStandardItemModel) and model.item(at).isEnabled()):
            return False
        self.whose.setCurrentIndex(at)
        return True

    def whose_text(self) -> str:
        """Whose codes, as a heading says it."""
        kind, name = self.whose.currentData()
        return {"everyone": "everyone's codes", "gold": "the gold set"}.get(kind, f"{name}'s codes")

    # ----- the scope ---------------------------------------------------------------------

    def filters(self) -> tuple[tuple[str, str], ...]:
        """The metadata filters typed, as (key, value) pairs; AnnotatorError if one is not KEY=VALUE."""
        pairs: list[tuple[str, str]] = []
        for part in self.where.text().split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise AnnotatorError(f"Filter “{part.strip()}”: write KEY=VALUE, e.g. source=Gazette")
            pairs.append((key.strip(), value.strip()))
        return tuple(pairs)

    def set_filters(self, pairs: tuple[tuple[str, str], ...]) -> None:
        """Show these metadata filters."""
        self.where.setText("; ".join(f"{key}={value}" for key, value in pairs))

    @staticmethod
    def _date(box: QLineEdit, what: str) -> str | None:
        text = box.text().strip()
        if not text:
            return None
        if not DATE_BOUND.fullmatch(text):
            raise AnnotatorError(f"Date {what} “{text}”: write YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2026-12")
        return text

    def scope(self) -> Scope:
        """The Scope the controls describe; AnnotatorError naming a filter or date that cannot be read."""
        kind, name = self.whose.currentData()
        date_from, date_to = self._date(self.date_from, "from"), self._date(self.date_to, "to")
        if date_from and date_to and date_from[:len(date_to)] > date_to[:len(date_from)]:
            raise AnnotatorError(f"Dates: {date_from} is after {date_to}")
        statuses = self.status.currentData() if self.has_status else ()
        return Scope(annotator=name if kind == "annotator" else None, gold=kind == "gold",
                     everyone=kind == "everyone", where=self.filters(), date_from=date_from, date_to=date_to,
                     statuses=tuple(statuses or ()))

    def set_scope(self, scope: Scope) -> bool:
        """Show a scope (e.g. the one a frequency cell was counted in); False if its "Codes of"
        is not offered now (blind coding): the current choice is kept."""
        self.blockSignals(True)
        try:
            if scope.gold:
                offered = self.choose("gold")
            elif scope.everyone:
                offered = self.choose("everyone")
            else:
                offered = self.choose("annotator", scope.annotator or self.context.annotator)
            self.set_filters(scope.where)
            self.date_from.setText(scope.date_from or "")
            self.date_to.setText(scope.date_to or "")
            at = next((n for n, (_t, value) in enumerate(STATUS_CHOICES) if value == tuple(scope.statuses)), 0)
            self.status.setCurrentIndex(at)
        finally:
            self.blockSignals(False)
        return offered

    def describe(self) -> str:
        """Whose codes and which documents, in words (for headings and exported files)."""
        parts = [self.whose_text()]
        if self.where.text().strip():
            parts.append(f"documents where {self.where.text().strip()}")
        if self.date_from.text().strip() or self.date_to.text().strip():
            parts.append(f"dated {self.date_from.text().strip() or '…'} – {self.date_to.text().strip() or '…'}")
        if self.has_status and self.status.currentIndex() > 0:
            parts.append(f"status {self.status.currentText()}")
        return ", ".join(parts)

    def focus_where(self) -> None:
        """Put the keyboard focus in the metadata filter."""
        self.where.setFocus(Qt.FocusReason.ShortcutFocusReason)

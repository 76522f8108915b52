"""The review's lists: disagreements, the annotations in the selected one, documents' unresolved counts."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
)

from ...errors import AnnotatorError
from ...model import Annotation
from ...ops import curation
from ...queries.review_scope import ReviewScope
from ...project import Project
from ...queries.review import NO_DECISION, latest_decisions
from .comments import CommentsBox
from .lanes import LaneView, Marked

if TYPE_CHECKING:
    from ..context import AppContext

COUNT_BATCH = 20  # documents whose unresolved count is computed per event-loop turn
COUNT_DELAY_MS = 150
EXCERPT = 60
KIND_TEXT = {"label": "label differs", "boundaries": "boundaries differ", "missing": "missing"}
DECISION_TEXT = {"accept": "accepted", "accept-agreeing": "accepted (agreeing)", "edit": "edited & accepted",
                 "reject": "rejected", "add": "added"}


def excerpt(text: str, start: int | None, end: int | None) -> str:
    """A one-line quote of [start, end), shortened in the middle if long."""
    if start is None or end is None:
        return "(whole document)"
    quoted = " ".join(text[start:end].split())
    if len(quoted) > EXCERPT:
        quoted = quoted[: EXCERPT // 2 - 1] + " … " + quoted[-(EXCERPT // 2 - 1):]
    return f"“{quoted}”"


class ListingMixin:
    """Fills and navigates the disagreement list, the source list and the document counts; for ReviewWindow."""

    main: AppContext
    project: Project
    document_id: str | None
    curator: str
    scope: ReviewScope
    found: list[curation.Disagreement]
    _text: str
    _annotations: dict[str, Annotation]
    _threads: dict[str, int]
    _selected_key: str | None
    _refreshing: bool
    _count_queue: list[str]
    _count_timer: QTimer
    document_list: QListWidget
    disagreement_list: QTreeWidget
    source_list: QTreeWidget
    text_view: LaneView
    progress_label: QLabel
    comments: CommentsBox
    accept_button: QPushButton
    edit_button: QPushButton
    reject_button: QPushButton
    reason_field: QLineEdit

    if TYPE_CHECKING:  # provided by ReviewWindow, the other mixin and QWidget
        def compared(self) -> list[str]: ...

        def compared_on(self, document_ids: list[str]) -> dict[str, list[str]]: ...

        def say(self, text: str) -> None: ...

        def palette(self) -> QPalette: ...

    def _fill_disagreements(self) -> None:
        self.disagreement_list.blockSignals(True)
        self.disagreement_list.clear()
        chosen = None
        rows = []
        faded = self.palette().placeholderText()
        for number, found in enumerate(self.found):
            where = "document" if found.start is None else excerpt(self._text, found.start, found.end)
            who = []
            for ident in found.sources:
                item = self._annotations.get(ident)
                if item is not None:
                    who.append(f"{item.annotator}: {item.label}")
            who += [f"{name}: —" for name in found.missing]
            mark = "✓" if found.resolved else "●"
            if any(self._threads.get(ident) for ident in found.sources):
                mark += " ✉"
            row = QTreeWidgetItem([mark, where, found.layer, KIND_TEXT[found.kind], "; ".join(who)])
            row.setData(0, Qt.ItemDataRole.UserRole, number)
            row.setToolTip(4, "\n".join(who))
            row.setToolTip(1, where)
            if found.resolved:
                for column in range(5):
                    row.setForeground(column, faded)
            rows.append(row)
            if found.key == self._selected_key:
                chosen = row
        self.disagreement_list.addTopLevelItems(rows)
        self.disagreement_list.blockSignals(False)
        if chosen is None and self._selected_key is None:
            first = next((n for n, d in enumerate(self.found) if not d.resolved), None)
            chosen = self.disagreement_list.topLevelItem(first) if first is not None else None
        if chosen is not None:
            self.disagreement_list.setCurrentItem(chosen)
        else:
            self._selected_key = None
            self._disagreement_chosen()

    def _update_progress(self) -> None:
        if self.document_id is None:
            self.progress_label.setText("Choose a document.")
        elif len(self.compared()) < 2 and self.scope.by_coders:
            who = self.compared()
            self.progress_label.setText(
                (f"Only {escape(who[0])} coded this document: nothing to compare." if who
                 else "Nobody has coded this document yet.") + " Tick annotators to compare others.")
        elif len(self.compared()) < 2:
            self.progress_label.setText("Tick two or more annotators (or one and the gold set) to compare.")
        else:
            open_ = self.unresolved()
            self.progress_label.setText(
                f"<b>{open_}</b> of {len(self.found)} disagreement(s) unresolved on this document"
                + (" — all settled ✓" if self.found and not open_ else ""))
        self._set_count(self.document_id, self.unresolved() if len(self.compared()) >= 2 else None)

    def unresolved(self) -> int:
        """Unresolved disagreements on the document shown (in the layer shown)."""
        return sum(not d.resolved for d in self.found)

    # ----- per-document counts ---------------------------------------------------------------

    def _refresh_counts(self, ids: list[str] | None = None) -> None:
        """Recompute the documents' unresolved counts a few at a time (the window stays responsive)."""
        if ids is None:
            ids = [self.document_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.document_list.count())]
        self._count_queue = [i for i in ids if i not in self._count_queue] + self._count_queue
        if not self._count_timer.isActive():
            QTimer.singleShot(COUNT_DELAY_MS, self, self._count_timer.start)  # after the document is drawn

    def _count_some(self) -> None:
        if self.main.project is None:
            self._count_timer.stop()
            return
        batch, self._count_queue = self._count_queue[:COUNT_BATCH], self._count_queue[COUNT_BATCH:]
        compared = self.compared_on(batch)  # each document's coders, or the annotators ticked
        for ident in batch:
            count = None
            names = compared.get(ident, [])
            if len(names) >= 2:
                try:
                    count = curation.unresolved_count(self.project, ident, names)
                except AnnotatorError:
                    count = None
            self._set_count(ident, count)
        if not self._count_queue:
            self._count_timer.stop()

    def counts_pending(self) -> bool:
        """True while document counts are still being computed."""
        return bool(self._count_queue)

    def _set_count(self, document_id: str | None, count: int | None) -> None:
        for row in range(self.document_list.count()):
            item = self.document_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) != document_id:
                continue
            title = self.project.documents.get(document_id).title or "(untitled)"
            if count is None:
                item.setText(title)
            elif count == 0:
                item.setText(f"✓ all settled — {title}")
            else:
                item.setText(f"{count} open — {title}")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole + 1, count)
            return

    def document_count(self, document_id: str) -> int | None:
        """The unresolved count the document list shows for a document (None: not computed)."""
        for row in range(self.document_list.count()):
            item = self.document_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == document_id:
                return item.data(Qt.ItemDataRole.UserRole + 1)
        return None

    # ----- selecting a disagreement and an annotation ------------------------------------------

    def selected_disagreement(self) -> curation.Disagreement | None:
        """The disagreement selected in the list."""
        item = self.disagreement_list.currentItem()
        if item is None:
            return None
        number = item.data(0, Qt.ItemDataRole.UserRole)
        return self.found[number] if 0 <= number < len(self.found) else None

    def select_disagreement(self, number: int) -> None:
        """Select the disagreement at this row of the list."""
        item = self.disagreement_list.topLevelItem(number)
        if item is not None:
            self.disagreement_list.setCurrentItem(item)

    def current_row(self) -> int:
        """Row of the selected disagreement (-1: none)."""
        item = self.disagreement_list.currentItem()
        return -1 if item is None else self.disagreement_list.indexOfTopLevelItem(item)

    def next_disagreement(self) -> None:
        """Select the next disagreement (wrapping), preferring unresolved ones."""
        self._step(1)

    def previous_disagreement(self) -> None:
        """Select the previous disagreement (wrapping), preferring unresolved ones."""
        self._step(-1)

    def _step(self, step: int) -> None:
        total = len(self.found)
        if not total:
            self.say("No disagreements here.")
            return
        start = self.current_row()
        if start < 0:
            start = -1 if step > 0 else total
        candidates = [(start + step * k) % total for k in range(1, total + 1)]
        unresolved = [n for n in candidates if not self.found[n].resolved]
        self.select_disagreement((unresolved or candidates)[0])

    def _disagreement_chosen(self) -> None:
        found = self.selected_disagreement()
        self._selected_key = found.key if found is not None else None
        marked = [Marked(d.start, d.end, d.resolved) for d in self.found if d.start is not None and d.end is not None]
        extent = (found.start, found.end) if found is not None and found.start is not None else None
        self.text_view.set_marked(marked, extent)  # type: ignore[arg-type]
        if extent is not None and not self._refreshing:
            self.text_view.scroll_to(extent[0])
        self._fill_sources(found)

    def _gold_for(self, found: curation.Disagreement) -> list[Annotation]:
        gold = []
        for item in self._annotations.values():
            if item.annotator != self.curator or item.layer != found.layer:
                continue
            if found.start is None or item.start is None:
                if found.start is None and item.start is None:
                    gold.append(item)
            elif item.start < (found.end or 0) and found.start < (item.end or 0):
                gold.append(item)
        return gold

    def _fill_sources(self, found: curation.Disagreement | None) -> None:
        kept = self.selected_source() if self._refreshing else None
        self.source_list.blockSignals(True)
        self.source_list.clear()
        first = None
        if found is not None:
            rows = [(ident, False) for ident in found.sources] + [(g.id, True) for g in self._gold_for(found)]
            decided = latest_decisions(self.project, found.sources)
            for ident, gold in rows:
                item = self._annotations.get(ident)
                if item is None:
                    continue
                decision, reason, decided_by = NO_DECISION if gold else decided.get(ident, NO_DECISION)
                shown = DECISION_TEXT.get(decision, "—")
                if reason:
                    shown += f": {reason}"
                who = f"{item.annotator} (gold)" if gold else item.annotator
                threads = self._threads.get(ident, 0)
                row = QTreeWidgetItem([who, item.label, excerpt(self._text, item.start, item.end), shown,
                                       str(threads) if threads else "", decided_by])
                row.setData(0, Qt.ItemDataRole.UserRole, ident)
                row.setToolTip(2, self._text[item.start:item.end] if item.start is not None else "")
                row.setToolTip(3, shown)
                self.source_list.addTopLevelItem(row)
                if first is None or ident == kept:
                    first = row
        self.source_list.blockSignals(False)
        if first is not None:
            self.source_list.setCurrentItem(first)
        self._source_chosen()

    def selected_source(self) -> str | None:
        """The id of the annotation selected among the disagreement's annotations."""
        item = self.source_list.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def select_source(self, annotation_id: str) -> None:
        """Select one of the disagreement's annotations."""
        for row in range(self.source_list.topLevelItemCount()):
            item = self.source_list.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == annotation_id:
                self.source_list.setCurrentItem(item)
                return

    def _source_chosen(self) -> None:
        ident = self.selected_source()
        item = self._annotations.get(ident) if ident else None
        writable = not self.main.readonly  # a read-only project can be reviewed, not decided
        is_source = item is not None and item.annotator != self.curator and writable
        for button in (self.accept_button, self.edit_button, self.reject_button):
            button.setEnabled(is_source)
        for button in (self.add_button, self.accept_agreeing_button):
            button.setEnabled(writable)
        self.text_view.set_focused(ident)
        self.reason_field.setEnabled(is_source)
        about = f"{item.annotator}’s {item.label}" if item is not None else ""
        self.comments.show_thread(self.project if item else None, ident, self.main.annotator, about,
                                  writable=writable)
        if item is not None and item.start is not None and not self._refreshing:
            self.text_view.scroll_to(item.start)

    def _text_clicked(self, position: int) -> None:
        for number, found in enumerate(self.found):
            if found.start is not None and found.end is not None and found.start <= position < found.end:
                self.select_disagreement(number)
                return

"""The curator's decisions in the review: accept, reject, edit, add, accept all agreeing; comments; CSV export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit, QListWidget, QListWidgetItem, QSpinBox, QStatusBar

from ...errors import AnnotatorError
from ...model import Annotation
from ...ops import curation
from ...project import Project
from ...project.changes import ChangeSet
from .gold_dialog import GoldDialog
from .lanes import LaneView

if TYPE_CHECKING:
    from ..context import AppContext


class CurationMixin:
    """Turns the buttons of the review into curation operations and refreshes after each; for ReviewWindow."""

    main: AppContext
    project: Project
    document_id: str | None
    curator: str
    _text: str
    _annotations: dict[str, Annotation]
    _threads: dict[str, int]
    _selected_key: str | None
    status: QStatusBar
    annotator_list: QListWidget
    text_view: LaneView
    reason_field: QLineEdit
    min_agree: QSpinBox

    if TYPE_CHECKING:  # provided by ReviewWindow, the other mixin and QWidget
        def compared(self) -> list[str]: ...

        def refresh(self) -> None: ...

        def layer(self) -> str | None: ...

        def selected_source(self) -> str | None: ...

        def select_source(self, annotation_id: str) -> None: ...

        def selected_disagreement(self) -> curation.Disagreement | None: ...

        def _update_progress(self) -> None: ...

    def say(self, text: str) -> None:
        """A message in this window's status bar (and the main window's)."""
        self.status.showMessage(text, 8000)
        self.main.show_message(text)

    def _after_decision(self, changes: ChangeSet | None, message: str) -> None:
        """Say what a decision did. Every view (this one, the main window's text and documents
        table) followed the change on the project's bus already; nothing changed: show it afresh."""
        self._ensure_curator_lane()
        if changes is None or not changes.documents:
            self.refresh()
        self._update_progress()
        self.say(message)

    def _ensure_curator_lane(self) -> None:
        """The first decision creates the curator: list them (unticked) for later comparisons."""
        names = {self.annotator_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.annotator_list.count())}
        found = self.project.annotators.get(self.curator)
        if found is not None and self.curator not in names:
            item = QListWidgetItem(f"{self.curator} (gold)")
            item.setData(Qt.ItemDataRole.UserRole, self.curator)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.annotator_list.blockSignals(True)
            self.annotator_list.addItem(item)
            self.annotator_list.blockSignals(False)

    def _refused_readonly(self) -> bool:
        """True (and said) when the project is read-only: no decision can be saved."""
        if self.main.readonly:
            self.say("Read-only: changes cannot be saved — decisions are off.")
            return True
        return False

    def _source_annotation(self) -> Annotation | None:
        if self._refused_readonly():
            return None
        ident = self.selected_source()
        item = self._annotations.get(ident) if ident else None
        if item is None:
            self.say("Select an annotation of the disagreement first.")
            return None
        if item.annotator == self.curator:
            self.say("That is already the gold annotation.")
            return None
        return item

    def accept_selected(self) -> None:
        """Accept the selected annotation into the gold set."""
        item = self._source_annotation()
        if item is None or self.document_id is None:
            return
        try:
            changes = curation.accept(self.project, self.document_id, item.id, self.curator,
                                      decided_by=self.main.annotator)
        except AnnotatorError as error:
            self.say(str(error))
            return
        self._after_decision(changes, f"Accepted {item.annotator}’s {item.label} into the gold set.")

    def reject_selected(self, reason: str | None = None) -> None:
        """Reject the selected annotation with the reason typed (or given)."""
        item = self._source_annotation()
        if item is None:
            return
        reason = (reason if reason is not None else self.reason_field.text()).strip()
        if not reason:
            self.say("Type a reason for rejecting it first.")
            self.reason_field.setFocus()
            return
        try:
            changes = curation.reject(self.project, item.id, self.curator, reason,
                                      decided_by=self.main.annotator)
        except AnnotatorError as error:
            self.say(str(error))
            return
        self.reason_field.clear()
        self._after_decision(changes, f"Rejected {item.annotator}’s {item.label}: {reason}")

    def edit_selected(self) -> GoldDialog | None:
        """Open a form to change the selected annotation's label or boundaries before accepting it."""
        item = self._source_annotation()
        if item is None or self.document_id is None:
            return None
        dialog = GoldDialog(self.project.codebook.get(), self._text, "Edit and accept", item.layer, item.label,
                            item.start, item.end, True, self.text_view.selection, self)
        source = item.id

        def decide() -> tuple[ChangeSet, str]:
            _layer, label, start, end = dialog.values()
            changes = curation.edit_and_accept(self.project, source, self.curator, label, start, end,
                                               decided_by=self.main.annotator)
            return changes, f"Accepted as {label}."

        return self._open_gold_dialog(dialog, decide)

    def add_missing(self) -> GoldDialog | None:
        """Open a form to add an annotation nobody made (the text selection, or a document label)."""
        if self.document_id is None or self._refused_readonly():
            return None
        found = self.selected_disagreement()
        layer = self.layer() or (found.layer if found is not None else self.project.codebook.get().layers[0].name)
        chosen = self.text_view.selection()
        start, end = chosen if chosen is not None else ((found.start, found.end) if found is not None else (0, 0))
        label = found.labels[0] if found is not None else ""
        dialog = GoldDialog(self.project.codebook.get(), self._text, "Add to the gold set", layer, label,
                            start, end, False, self.text_view.selection, self)
        document_id = self.document_id

        def decide() -> tuple[ChangeSet, str]:
            layer_, label_, start_, end_ = dialog.values()
            changes = curation.add_gold(self.project, document_id, self.curator, layer_, label_, start_, end_,
                                        decided_by=self.main.annotator)
            return changes, f"Added {layer_}: {label_} to the gold set."

        return self._open_gold_dialog(dialog, decide)

    def _open_gold_dialog(self, dialog: GoldDialog, decide: Callable[[], tuple[ChangeSet, str]]) -> GoldDialog:
        """Show a gold form; when it is accepted, make the decision (`decide` gives its
        changes and message) or say why it cannot be made."""
        def done() -> None:
            try:
                changes, message = decide()
            except AnnotatorError as error:
                self.say(str(error))
                return
            self._after_decision(changes, message)

        dialog.accepted.connect(done)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def accept_all_agreeing(self) -> None:
        """Copy into the gold set every unit on which at least N of the compared annotators agree."""
        plain = [n for n in self.compared() if n != self.curator]
        if self._refused_readonly():
            return
        if self.document_id is None or len(plain) < 1:
            self.say("Tick the annotators whose agreement counts first.")
            return
        needed = self.min_agree.value()
        try:
            changes = curation.accept_all_agreeing(self.project, self.document_id, plain,
                                                   None if needed >= len(plain) else needed, self.curator,
                                                   decided_by=self.main.annotator)
        except AnnotatorError as error:
            self.say(str(error))
            return
        if changes is None:
            self.say("Everything they agree on is in the gold set already.")
            return
        added = len(changes.added)
        self._after_decision(changes, f"Accepted {added} agreeing annotation(s) into the gold set.")

    def _commented(self, annotation_id: str) -> None:
        self._threads[annotation_id] = self._threads.get(annotation_id, 0) + 1
        key = self._selected_key
        self.refresh()
        if key is not None:
            self.select_source(annotation_id)
        self.say("Comment added.")

    def _choose_export(self) -> None:
        suggested = str(Path(self.project.path).with_name(Path(self.project.path).stem + "-decisions.csv"))
        chosen, _ = QFileDialog.getSaveFileName(self, "Export curation decisions", suggested, "CSV files (*.csv)")
        if chosen:
            self.export_decisions(Path(chosen))

    def export_decisions(self, path: Path) -> int:
        """Write every curation decision to a CSV file; returns the rows written."""
        try:
            rows = curation.export_decisions_csv(self.project, path)
        except (AnnotatorError, OSError) as error:
            self.main.show_error("Cannot export the decisions", str(error))
            return 0
        self.say(f"{rows} decision(s) written to {path}.")
        return rows

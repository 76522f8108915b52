"""Undo and redo in the main window: each window undoes only what its own user did.

The history is shared by the whole project (annotators, the curator in the review), so the
window asks it for the newest step of `self.annotator`; the curator's steps have their own
pair of actions ("undo_curator" / "redo_curator") that the review window triggers."""

from __future__ import annotations

from ..project.history import ChangeSet
from .file_safety import FileSafetyMixin


class HistoryMixin(FileSafetyMixin):
    """Undo / redo of the window's annotator, and of the curator for the review window."""

    def _after_history(self, changes: ChangeSet | None, verb: str) -> None:
        if changes is None:
            self.show_message(f"Nothing to {verb}.")
            return
        if changes.codebook:  # a deleted layer came back, or went again
            self.reload_codebook()
        if changes.documents and self.document_id not in changes.documents:
            target = sorted(changes.documents)[0]
            self.documents_panel.model.refresh_documents(changes.documents)
            if not self.documents_panel.select_document(target):
                self.show_document(target)
            self._update_actions()
        else:
            self._apply_changes(changes)
        self.show_message(f"{verb.capitalize()}: {changes.description}")

    def undo(self) -> None:
        """Undo the last change (switching to its document if needed)."""
        if self.project is not None and not self.readonly:
            with self._guard():
                self._after_history(self.project.history.undo(), "undo")

    def redo(self) -> None:
        """Redo the last undone change."""
        if self.project is not None and not self.readonly:
            with self._guard():
                self._after_history(self.project.history.redo(), "redo")


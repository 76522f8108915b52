"""Undo and redo in the main window: each window undoes only what its own user did.

The history is shared by the whole project (annotators, the curator in the review), so the
window asks it for the newest step of `self.annotator`; the curator's steps have their own
pair of actions, `curator_actions["undo"]` / `["redo"]` (object names "undo_curator" /
"redo_curator", in the Review menu), that the review window triggers."""

from __future__ import annotations

import re

from ..errors import AnnotatorError
from ..model import Role
from ..ops import curation
from ..project.changes import ChangeSet
from ..project.history import Operation
from .file_safety import FileSafetyMixin

_OFFSETS = re.compile(r" \((\d+)–(\d+)\)$")
QUOTE_CHARS = 20  # the quoted text in Undo / Redo is cut after about this many characters


class HistoryMixin(FileSafetyMixin):
    """Undo / redo of the window's annotator, and of the curator for the review window."""

    def _after_history(self, changes: ChangeSet | None, verb: str) -> None:
        if changes is None:
            self.show_message(f"Nothing to {verb}.")
            return
        # The views followed the change on the bus; the window goes to the document it touched.
        if changes.documents and self.document_id not in changes.documents:
            target = sorted(changes.documents)[0]
            if not self.documents_panel.select_document(target):
                self.show_document(target)
        self.show_message(f"{verb.capitalize()}: {changes.description}")

    def undo(self) -> None:
        """Undo the newest change of this window's annotator (switching to its document if needed)."""
        if self.project is not None and not self.readonly:
            with self._guard():
                self._after_history(self.project.history.undo(self.annotator), "undo")

    def redo(self) -> None:
        """Redo the change this window's annotator undid last."""
        if self.project is not None and not self.readonly:
            with self._guard():
                self._after_history(self.project.history.redo(self.annotator), "redo")

    def curator(self) -> str:
        """The name the review's decisions are made under (the project's curator, or the default one)."""
        if self.project is None:
            return curation.DEFAULT_CURATOR
        curators = [a.name for a in self.project.annotators.list() if a.role is Role.CURATOR]
        return curators[0] if curators else curation.DEFAULT_CURATOR

    def undo_curator(self) -> None:
        """Undo the curator's newest decision (the review window's Undo); this window stays where it is."""
        self._curator_history("undo")

    def redo_curator(self) -> None:
        """Redo the curator's decision undone last (the review window's Redo)."""
        self._curator_history("redo")

    def _curator_history(self, verb: str) -> None:
        if self.project is None or self.readonly:
            return
        history = self.project.history
        with self._guard():
            changes = (history.undo if verb == "undo" else history.redo)(self.curator())
            if changes is None:
                self.show_message(f"No decision of the curator to {verb}.")
                return
            self.show_message(f"{verb.capitalize()} (curator): {changes.description}")

    def update_history_actions(self) -> None:
        """Undo / Redo say (text, tooltip) and allow only what this window's annotator did; the
        curator's pair likewise for the curator's decisions."""
        history = self.project.history if self.project is not None and not self.readonly else None
        for verb, keys in (("undo", "Ctrl+Z"), ("redo", "Ctrl+Shift+Z")):
            step = None
            if history is not None:
                step = history.undo_step(self.annotator) if verb == "undo" else history.redo_step(self.annotator)
            action = self.actions_by_name[verb]
            action.setEnabled(step is not None)
            barrier = history.barrier if history is not None and verb == "undo" and step is None else ""
            if barrier:  # an import or a merge: never a silent clear
                action.setText(f"Cannot undo past: {barrier}")
                action.setToolTip(f"Cannot undo past: {barrier}")
            else:
                said = self.step_text(step) if step else ""
                action.setText(f"&{verb.capitalize()} {said}" if step else f"&{verb.capitalize()}")
                tip = f"{verb.capitalize()} {said}" if step else f"Nothing of yours to {verb}"
                action.setToolTip(f"{tip} ({keys})")
            step = None
            if history is not None:
                curator = self.curator()
                step = history.undo_step(curator) if verb == "undo" else history.redo_step(curator)
            action = self.curator_actions[verb]
            action.setEnabled(step is not None)
            action.setText(f"{verb.capitalize()} curator: {self.step_text(step)}" if step
                           else f"{verb.capitalize()} the curator's decision")

    def step_text(self, step: Operation) -> str:
        """A step's description with the span's offsets ("(23–32)") replaced by its text, shortened."""
        found = _OFFSETS.search(step.description)
        if found is None or self.project is None:
            return step.description
        start, end = int(found.group(1)), int(found.group(2))
        for change in step.changes:
            row = change.after or change.before
            if change.table != "annotations" or not row:
                continue
            if (row.get("span_start"), row.get("span_end")) != (start, end) or not row.get("document_id"):
                continue
            try:
                text = self.project.documents.text(row["document_id"])[start:end]
            except AnnotatorError:
                return step.description
            return f"{step.description[: found.start()]} “{quote(text)}”"
        return step.description


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Text on one line, cut at a word boundary after about `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"

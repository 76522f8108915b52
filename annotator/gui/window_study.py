"""A reliability study in the main window: Next document following the annotator's queue, and
Analyze → Study progress… (gui/dialogs/study_progress.py, opened when first used)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from .window_state import WindowState


class StudyMixin(WindowState):
    """The annotator's queue (ops/assignments.py) in navigation, and the study progress window."""

    def follow_queue(self) -> bool:
        """When the annotator has documents assigned, go to the next one of their queue (assigned,
        not done) after the current one, in list order and wrapping, and say so in the status bar;
        True when handled (False: no assignments, the caller walks the whole list)."""
        if self.project is None:
            return False
        from ..ops.assignments import assigned_documents, queue

        assigned = assigned_documents(self.project, self.annotator)
        if not assigned:
            return False
        left = queue(self.project, self.annotator)
        done = len(assigned) - len(left)
        if not left:
            self.show_message(f"Your queue is empty: all {len(assigned)} documents assigned to you are marked done.")
            return True
        if left == [self.document_id]:
            self.show_message(f"This is the last document in your queue ({done} of the {len(assigned)} "
                              "assigned to you are marked done).")
            return True
        waiting = set(left)
        listed = [d for d in self.documents_panel.model.ids() if d in waiting]
        order = listed + [d for d in left if d not in set(listed)]  # hidden by the filter: after the others
        start = order.index(self.document_id) if self.document_id in waiting else -1
        target = order[(start + 1) % len(order)]
        self.documents_panel.select_document(target)
        title = self.project.documents.get(target).title or "untitled"
        self.show_message(f"Next in your queue: {title} ({len(left)} of {len(assigned)} left)")
        return True

    def show_study_progress(self) -> None:
        """Analyze → Study progress: done/assigned per annotator, overlap, rounds and drift against gold."""
        if self.project is None:
            return
        from .dialogs.study_progress import StudyProgressWindow

        for found in self.findChildren(StudyProgressWindow):  # type: ignore[attr-defined]
            if found.project_path == Path(self.project.path):
                found.show()
                found.raise_()
                found.activateWindow()
                self.dialog = found
                return
            found.close()  # another project's
            found.deleteLater()
        window = StudyProgressWindow(self)  # type: ignore[arg-type]  # MainWindow is the AppContext
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = window
        window.show()

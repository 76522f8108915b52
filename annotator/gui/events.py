"""The bridge from a project's change bus to the GUI thread: one QObject per main window.

`Project.events` is plain Python and calls its subscribers on whichever thread emitted.
Widgets may only be touched on the GUI thread, so the window's `ProjectEvents` subscribes
once and re-emits each ChangeSet as `sig_changed`: at once when the change was made on the
GUI thread (a click: every view is up to date before the click's handler goes on), queued
to the GUI thread's event loop when a worker thread emitted. Views connect themselves to
`sig_changed` and refresh only what the ChangeSet names; no window calls into another."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal

from ..project import Project
from ..project.changes import ChangeSet


class ProjectEvents(QObject):
    """Re-emits the open project's ChangeSets on the GUI thread."""

    sig_changed = Signal(object)
    """A ChangeSet: an operation (or its undo / redo, an import, a merge) has been committed."""
    annotator_changed = Signal(str)
    """Who is annotating changed (Annotator → Switch annotator): views of "my" work follow."""
    backup_finished = Signal(str)
    """The project's rolling backup ended: why it could not be written, or "" (queued from its thread)."""
    _sig_from_worker = Signal(object)
    """A ChangeSet emitted on another thread, on its way to the GUI thread (queued)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._generation = 0  # which project a queued ChangeSet was heard from
        self._sig_from_worker.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def set_project(self, project: Project | None) -> None:
        """Listen to `project`'s change bus (and stop listening to the previous one)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project = project
        self._generation += 1
        if project is not None:
            self._unsubscribe = project.events.subscribe(self._heard)

    def _heard(self, changes: ChangeSet) -> None:
        """Called by the bus, on the thread that made the change."""
        if QThread.currentThread() is self.thread():
            self.sig_changed.emit(changes)
        else:
            self._sig_from_worker.emit((self._generation, changes))

    def _deliver(self, queued: tuple[int, ChangeSet]) -> None:
        generation, changes = queued
        if generation == self._generation:  # not a change of a project closed meanwhile
            self.sig_changed.emit(changes)

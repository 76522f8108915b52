"""Long work off the GUI thread: a worker that runs one function and always reports back once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..errors import AnnotatorError


class TaskWorker(QObject):
    """Runs `task(worker)` in a worker thread; emits exactly one of finished, failed or cancelled.

    The task opens its own connection to the project file (SQLite connections belong to one
    thread), reports progress with `worker.progress` and polls `worker.cancel_requested`.
    """

    sig_progress = Signal(int, int, str)
    """(step, steps, what is being done)."""

    sig_finished = Signal(object)
    """The task's result."""

    sig_failed = Signal(str)
    """A one-line reason why the task stopped; the project is unchanged."""

    sig_cancelled = Signal()
    """The user cancelled; the project is unchanged."""

    def __init__(
        self,
        task: Callable[[TaskWorker], Any],
        cancelled_errors: tuple[type[BaseException], ...] = (),
        describe: Callable[[AnnotatorError], str] = str,
        what: str = "the work",
    ) -> None:
        super().__init__()
        self._task = task
        self._cancelled_errors = cancelled_errors
        self._describe = describe
        self._what = what
        self.cancel_requested = threading.Event()

    def progress(self, step: int, steps: int, phase: str = "") -> None:
        """Report progress (called in the worker thread)."""
        self.sig_progress.emit(step, steps, phase)

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self.cancel_requested.set()

    @Slot()
    def run(self) -> None:
        """Run the task (in the worker thread) and report the outcome."""
        try:
            result = self._task(self)
        except self._cancelled_errors:
            self.sig_cancelled.emit()
        except AnnotatorError as error:
            self.sig_failed.emit(self._describe(error))
        except Exception as error:  # noqa: BLE001 - a worker must always report back
            self.sig_failed.emit(f"{self._what} stopped: {error}")
        else:
            self.sig_finished.emit(result)


class TaskRunner(QObject):
    """One task at a time for a dialog: starts the thread, forwards the outcome, stops cleanly.

    The worker's signals reach this object's slots, which live in the GUI thread (queued
    connections), so the thread is always stopped before the dialog's handler runs.
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self.worker: TaskWorker | None = None
        self._handlers: tuple[Callable[[object], None], Callable[[str], None], Callable[[], None]] | None = None

    @property
    def running(self) -> bool:
        """True while a task's thread runs."""
        return self._thread is not None

    def start(
        self,
        worker: TaskWorker,
        on_finished: Callable[[object], None],
        on_failed: Callable[[str], None],
        on_cancelled: Callable[[], None],
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        """Run the worker in a new thread; the outcome handler runs in the GUI thread."""
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        if on_progress is not None:
            self._progress = on_progress
            worker.sig_progress.connect(self._progressed)
        worker.sig_finished.connect(self._finished)
        worker.sig_failed.connect(self._failed)
        worker.sig_cancelled.connect(self._cancelled)
        self._handlers = (on_finished, on_failed, on_cancelled)
        self._thread, self.worker = thread, worker
        thread.start()

    @Slot(int, int, str)
    def _progressed(self, step: int, steps: int, phase: str) -> None:
        self._progress(step, steps, phase)

    @Slot(object)
    def _finished(self, result: object) -> None:
        handlers = self._stop()
        handlers[0](result)

    @Slot(str)
    def _failed(self, message: str) -> None:
        handlers = self._stop()
        handlers[1](message)

    @Slot()
    def _cancelled(self) -> None:
        handlers = self._stop()
        handlers[2]()

    def cancel(self) -> None:
        """Ask the running task to stop."""
        if self.worker is not None:
            self.worker.cancel()

    def _stop(self) -> tuple[Callable[[object], None], Callable[[str], None], Callable[[], None]]:
        handlers = self._handlers
        assert handlers is not None
        self.stop()
        return handlers

    def stop(self) -> None:
        """Wait for the thread to end and let it go."""
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
        self._thread = None
        self.worker = None

"""Runs compute_agreement in a worker thread on its own read-only connection to the project file."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from ...errors import AnnotatorError
from ...ops.agreement import AgreementCancelled, AgreementRequest
from ...ops.agreement.compute import compute_with_units
from ...project import Project
from .locate import DisagreementIndex


class AgreementWorker(QObject):
    """Computes one AgreementReport (and its DisagreementIndex) off the GUI thread."""

    sig_progress = Signal(int, int)
    """(steps done, steps in all), on a 0–100 scale."""

    sig_finished = Signal(object, object)
    """The AgreementReport and its DisagreementIndex."""

    sig_cancelled = Signal()
    """Cancel was pressed; nothing was computed."""

    sig_failed = Signal(str)
    """The request could not be computed: a one-line reason."""

    def __init__(self, project_path: Path, request: AgreementRequest) -> None:
        super().__init__()
        self.project_path = project_path
        self.request = request
        self._cancel = threading.Event()
        self._shown = -1

    def cancel(self) -> None:
        """Ask the computation to stop at its next step."""
        self._cancel.set()

    def _progress(self, done: int, total: int) -> None:
        """Report progress when the bar moves (a whole per cent), not after each of the thousands
        of steps: every signal wakes the GUI thread, which then competes for the GIL."""
        percent = int(100 * done / max(total, 1))
        if percent != self._shown:
            self._shown = percent
            self.sig_progress.emit(percent, 100)

    @Slot()
    def run(self) -> None:
        """Compute (called in the worker thread); always reports back with one signal."""
        try:
            project = Project.open(self.project_path, readonly=True)
        except AnnotatorError as error:
            self.sig_failed.emit(str(error))
            return
        try:
            with project.read_snapshot():  # one state of the file
                computed = compute_with_units(project, self.request, self._progress, self._cancel.is_set)
            # The index keeps the units the report was computed from: the same units, read once.
            report = computed.report
            index = DisagreementIndex.from_units(computed.corpus, report.unit, computed.table)
            self._progress(1, 1)
        except AgreementCancelled:
            self.sig_cancelled.emit()
        except AnnotatorError as error:
            self.sig_failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - a worker must always report back
            self.sig_failed.emit(f"the computation stopped: {error}")
        else:
            self.sig_finished.emit(report, index)
        finally:
            project.close()


class _Threads(QObject):
    """Running agreement threads, owned here (in the GUI thread) rather than by a window."""

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[QThread, AgreementWorker] = {}

    @Slot()
    def forget(self) -> None:
        """A thread finished: let it go (connected to QThread.finished, queued to this thread)."""
        thread = self.sender()
        if isinstance(thread, QThread) and self.running.pop(thread, None) is not None:
            thread.deleteLater()

    @Slot()
    def stop_all(self) -> None:
        """Cancel every running computation and wait for its thread (the application is quitting)."""
        for thread, worker in list(self.running.items()):
            worker.cancel()
            thread.wait()
        self.running.clear()


_threads: _Threads | None = None


def start_worker(worker: AgreementWorker) -> QThread:
    """Run the worker in a new thread that outlives its dashboard until the worker is done."""
    global _threads
    if _threads is None:
        _threads = _Threads()
        application = QCoreApplication.instance()
        if application is not None:
            application.aboutToQuit.connect(_threads.stop_all)
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    for signal in (worker.sig_finished, worker.sig_cancelled, worker.sig_failed):
        signal.connect(thread.quit, Qt.ConnectionType.DirectConnection)  # quit() is thread-safe
    thread.finished.connect(_threads.forget)
    _threads.running[thread] = worker
    thread.start()
    return thread

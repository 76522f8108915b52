"""Runs one analysis query off the GUI thread, on its own read-only connection to the project file.

A regular expression over a large corpus can take long: the query runs in a worker thread
(gui/workers.py), polls Cancel between documents, and reports back exactly once, to
handlers that run on the GUI thread. Bad input (a regex that does not compile, a label that
does not exist) comes back as a one-line message, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from ...project import Project
from ...queries.analysis import AnalysisCancelled
from ..workers import TaskRunner, TaskWorker

Query = Callable[[Project, Callable[[], bool]], Any]


class AnalysisRunner(TaskRunner):
    """One query at a time for an analysis window."""

    def __init__(self, parent: QObject, project_path: Path) -> None:
        super().__init__(parent)
        self.project_path = project_path

    def run(self, query: Query, on_finished: Callable[[object], None], on_failed: Callable[[str], None],
            on_cancelled: Callable[[], None]) -> None:
        """Run `query(project, cancelled)` in a worker thread (the handlers run on the GUI thread)."""
        path = self.project_path

        def task(worker: TaskWorker) -> Any:
            project = Project.open(path, readonly=True)
            try:
                with project.read_snapshot():
                    return query(project, worker.cancel_requested.is_set)
            finally:
                project.close()

        worker = TaskWorker(task, cancelled_errors=(AnalysisCancelled,), what="the analysis")
        self.start(worker, on_finished, on_failed, on_cancelled)

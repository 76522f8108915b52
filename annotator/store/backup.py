"""The daily rolling backup, written off the opening thread.

Opening a project for writing keeps `<name>.bak`: a copy no older than a day, written with
SQLite's backup API. On a large project the full integrity check that must pass before the
last good backup is replaced, and the copy itself, take seconds (2–4 s on 10,000 documents
and 200,000 annotations), once a day. They run here on a thread of their own, through a
read-only SQLite connection of their own: in WAL mode a reader sees one committed state of
the file however the window writes meanwhile, so the copy is consistent and the window is
usable at once. The project waits for the thread before it closes (a process never ends
halfway through a copy; a copy cut short leaves only its temporary, removed).

What went wrong is kept as one line (`problem`) and handed to whoever asked to be told
(`when_finished`): the window shows it, the command line prints it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from ..errors import ProjectDamagedError, ProjectFileError
from .database import check_integrity, rolling_backup_path, write_backup


class RollingBackup:
    """One rolling backup of the project at `path`, written on a thread of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.target = rolling_backup_path(path)
        self.problem = ""
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []
        self._thread = threading.Thread(target=self._run, name=f"rolling backup of {path.name}", daemon=True)

    def start(self) -> RollingBackup:
        """Begin writing; returns at once."""
        self._thread.start()
        return self

    @property
    def finished(self) -> bool:
        """True once the backup was written or given up."""
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> str:
        """Wait for the backup to end; its problem ("" when it was written)."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return self.problem

    def when_finished(self, listener: Callable[[str], None]) -> None:
        """Call `listener(problem)` once the backup ends (at once if it has; on the backup's
        thread otherwise — a window hands it on to its own thread)."""
        with self._lock:
            if not self._finished.is_set():
                self._listeners.append(listener)
                return
        listener(self.problem)

    def _run(self) -> None:
        problem = ""
        try:
            self._copy()
        except ProjectDamagedError as error:
            problem = f"{error} — the rolling backup {self.target.name} was kept as it was"
        except ProjectFileError as error:
            problem = f"the rolling backup was not written: {error}"
        except (OSError, sqlite3.Error) as error:
            problem = f"the rolling backup {self.target.name} could not be written ({error})"
        with self._lock:
            self.problem = problem
            self._finished.set()
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener(problem)

    def _copy(self) -> None:
        # Read-only and through SQLite: this process's other connection keeps its locks.
        uri = f"file:{quote(str(self.path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        try:
            if self.target.exists():
                # Replace the last good backup only with an intact copy: quick_check passed at
                # open, but damage confined to an index passes it and would poison the backup.
                check_integrity(conn, self.path, full=True)
            write_backup(conn, self.target)
        finally:
            conn.close()

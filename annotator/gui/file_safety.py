"""Keeping the project file safe in the main window: read-only projects (banner, editing off),
refused writes, damaged files and a file that disappears while open — each one message box
naming the project, never a traceback, and the window stays usable.

The uncaught-exception hook that backs this up lives in app.py (report_exception)."""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from ..errors import AnnotatorError, ProjectDamagedError, ProjectFileError
from ..project import PROJECT_SUFFIX, Project
from .window_state import WindowState

# What reading a damaged file can raise past the store (bytes that are not UTF-8, JSON cut short…).
DAMAGE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.DatabaseError, UnicodeDecodeError, json.JSONDecodeError)
READONLY_STYLE = "background: #FFF4CE; color: #5C4400; padding: 6px 12px; border-bottom: 1px solid #E0C97A;"


def banner_above(window: QMainWindow, content: QWidget, name: str) -> QLabel:
    """Make `content` the window's central widget under a hidden read-only banner (the
    label returned, named `name`), shown by the window when its project cannot be written."""
    banner = QLabel(window)
    banner.setObjectName(name)
    banner.setWordWrap(True)
    banner.setStyleSheet(READONLY_STYLE)
    banner.hide()
    central = QWidget(window)
    column = QVBoxLayout(central)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    column.addWidget(banner)
    column.addWidget(content, 1)
    window.setCentralWidget(central)
    return banner


def open_project_file(path: Path) -> Project:
    """Open a project for the window: read-only (with the reason) when the file cannot be written."""
    return Project.open(path, allow_readonly=True)


def damaged_error(path: Path, error: BaseException) -> ProjectFileError:
    """The one-line message for a project whose contents could not be read."""
    if isinstance(error, ProjectFileError):
        return error
    return ProjectDamagedError(path, str(error) or type(error).__name__)


def readonly_reason(project: Project | None) -> str:
    """Why the project cannot be changed ('' when it can)."""
    if project is None or not project.readonly:
        return ""
    return project.readonly_reason or "the project file cannot be written"  # opened with readonly=True


class FileSafetyMixin(WindowState):
    """Message boxes, the read-only banner and the guard around every write of the main window."""

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A message box that does not block (kept in `message_box` until the next one)."""
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.message_box = box
        return box

    def show_message(self, text: str) -> None:
        """A transient message in the status bar."""
        self.statusBar().showMessage(text, 8000)

    def _backup_finished(self, problem: str) -> None:
        """The rolling backup, written on its own thread after the project opened, ended."""
        if problem and self.project is not None:  # the safety copy was not made: say so once
            self.statusBar().showMessage(f"Warning: {' '.join(problem.split())}", 30000)

    def _open_failed(self, error: AnnotatorError, quiet: bool) -> bool:
        text = f"{error.path}\n\n{error.problem}" if isinstance(error, ProjectFileError) else str(error)
        if quiet:
            self.show_message(f"The last project could not be opened: {error}")
        else:
            self.show_error("Cannot open the project", text)
        if self.project is None:
            self.show_welcome()
        return False

    @staticmethod
    def _close_quietly(project: Project) -> None:
        """Close a project that failed to load; its own error has been shown already."""
        try:
            project.close()
        except (AnnotatorError, sqlite3.Error):
            pass

    def _show_readonly(self, reason: str) -> None:
        """Show the read-only banner (reason '' hides it) and switch every way of editing off or on."""
        self.readonly_banner.setText(f"<b>Read-only:</b> changes cannot be saved — {html.escape(reason)}")
        self.readonly_banner.setVisible(bool(reason))
        self.editor.set_readonly(reason)
        self.labels_panel.set_readonly(reason)
        self.annotations_panel.set_readonly(reason)

    def show_write_failure(self, text: str) -> None:
        """A change could not be saved (read-only, disk full, damaged): one message box naming the project."""
        self.show_error("The change was not saved", f"{text}\n\nThe project stays open; what is shown was saved "
                        "up to the change before.")

    @property
    def readonly(self) -> bool:
        """True while the open project cannot be changed."""
        return bool(readonly_reason(self.project))

    def _project_file_changed(self, path: str) -> None:
        """If the open project file was deleted or moved, save what the connection holds and say so."""
        project = self.project
        if project is None or Path(path) != project.path:
            return
        if project.path.exists():
            if path not in self._watcher.files():
                self._watcher.addPath(path)  # editors that replace files drop the watch
            return
        rescue = project.path.with_name(project.path.stem + ".recovered" + PROJECT_SUFFIX)
        try:
            target = sqlite3.connect(rescue)
            with target:
                project.db.conn.backup(target)
            target.close()
            saved = f"Everything up to your last change was saved to\n{rescue}\n\nOpen that file to go on."
        except sqlite3.Error as error:
            saved = f"A copy could not be written next to it ({error})."
        self.close_project()
        self.show_error(
            "The project file disappeared",
            f"{project.path} was moved, renamed or deleted while it was open.\n\n{saved}",
        )

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn refused operations into a status message and file trouble into a message box."""
        try:
            yield
        except ProjectFileError as error:
            self.show_error("The project file has a problem", f"{error.path}\n\n{error.problem}")
        except AnnotatorError as error:
            self.show_message(str(error))
        except sqlite3.Error as error:
            path = self.project.path if self.project is not None else ""
            self.show_error(
                "The project file cannot be used",
                f"{path}\n\n{error}\n\nThe last change was not saved. If the file was moved, deleted or made "
                "read-only, put it back (or make it writable) and open it again.",
            )
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            path = self.project.path if self.project is not None else Path("project")
            damaged = damaged_error(path, error)
            self.show_error("The project file is damaged", f"{damaged.path}\n\n{damaged.problem}")


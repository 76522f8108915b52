"""Starting the desktop app: the QApplication, the main window and what it opens first."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from ..resources import resource
from .main_window import MainWindow
from .settings import APPLICATION, ORGANISATION, AppSettings


# The desktop entry and icon name of packaging/linux (reverse-DNS application id).
APP_ID = "org.example.DiscourseAnnotator"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
# Set by packaging/pyinstaller/smoke_test.py: report and quit this many ms after the window is shown.
SMOKE_EXIT_ENV = "ANNOTATOR_SMOKE_EXIT_MS"


def app_icon() -> QIcon:
    """The application icon, from the PNG sizes in resources/icons."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(resource("icons", f"discourse-annotator-{size}.png")))
    return icon


def application() -> QApplication:
    """The QApplication, created once with the names QSettings files itself under."""
    app = QApplication.instance()
    if app is None:
        QApplication.setOrganizationName(ORGANISATION)
        QApplication.setApplicationName(APPLICATION)
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)
    return app


def open_first(window: MainWindow, project: Path | None = None, demo: bool = False,
               annotator: str | None = None) -> bool:
    """Open the given project, else the demo, else the last project if it still opens; at the very
    first start (no project ever opened) the demo; else the welcome screen."""
    if project is not None:
        return window.open_project(Path(project), annotator)
    if demo:
        window.open_demo()
        return window.project is not None
    last = window.settings.last_project
    if last is not None and last.exists():
        return window.open_project(last, annotator, quiet=True)
    if last is None and not window.settings.recent_projects():
        window.open_demo()
        if window.project is not None:
            return True
    window.show_welcome()
    return False


def build(project: Path | None = None, demo: bool = False, settings: AppSettings | None = None,
          annotator: str | None = None) -> MainWindow:
    """The main window with its first project open (or the welcome screen), not yet shown."""
    application()
    window = MainWindow(settings or AppSettings())
    open_first(window, project, demo, annotator)
    return window


def _report_unexpected(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """Show an unexpected error in a message box (the details go to stderr), never crash."""
    traceback.print_exception(kind, error, trace)
    if QApplication.instance() is not None:
        QMessageBox.critical(
            None, "Unexpected error",
            f"Something went wrong: {error}\n\nYour work up to the last change is saved in the project file.",
        )


def run(project: Path | None = None, demo: bool = False, annotator: str | None = None) -> int:
    """Start the desktop app (annotating as `annotator` if given); returns the exit status."""
    app = application()
    sys.excepthook = _report_unexpected
    window = build(project, demo, annotator=annotator)
    window.show()
    smoke_exit = os.environ.get(SMOKE_EXIT_ENV, "")
    if smoke_exit.isdigit():
        QTimer.singleShot(int(smoke_exit), lambda: _smoke_exit(app, window))
    return app.exec()


def _smoke_exit(app: QApplication, window: MainWindow) -> None:
    """Say on stderr what the window shows (for the packaging smoke test), then quit."""
    project_path = window.project.path if window.project is not None else None
    icons = len(app.windowIcon().availableSizes())
    print(f"annotator: visible={window.isVisible()} icons={icons} title={window.windowTitle()!r} "
          f"project={project_path}", file=sys.stderr, flush=True)
    app.quit()

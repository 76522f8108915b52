"""Starting the desktop app: the QApplication, the main window and what it opens first;
what the user is told when Qt cannot start or something unexpected goes wrong."""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import sqlite3
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

# The Qt-free modules the main window needs are imported before PySide6: once PySide6 is loaded,
# its __feature__ import hook reads the source of every module imported after it (looking for
# "PySide6" in it), about a tenth of the start-up time for these ~200 modules (store,
# sqlite-utils, model, project, queries). A module missing here is only read, not broken. The store
# comes first: it imports sqlite-utils without numpy, which the first window does not need.
for _core in ("store.database", "dates", "model", "project", "span_rules", "ops.curation", "ops.metadata", "ops.suggesting",
              "queries.disagreements", "queries.documents", "queries.review_scope"):
    importlib.import_module(f"..{_core}", __package__)

from ..errors import ProjectDamagedError, ProjectFileError  # noqa: E402
from ..resources import resource  # noqa: E402
from ..store.database import explain_sqlite_error  # noqa: E402

from PySide6.QtCore import QMessageLogContext, QtMsgType, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtGui import QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from .main_window import MainWindow  # noqa: E402
from .settings import APPLICATION, ORGANISATION, AppSettings  # noqa: E402


# The desktop entry and icon name of packaging/linux (reverse-DNS application id).
APP_ID = "org.example.DiscourseAnnotator"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
# Set by packaging/pyinstaller/smoke_test.py: report and quit this many ms after the window is shown.
SMOKE_EXIT_ENV = "ANNOTATOR_SMOKE_EXIT_MS"
# Also set by the smoke test: before quitting, open Analyze → Frequencies and save its chart as
# frequencies.png/.svg/.pdf in this folder (the frozen app's matplotlib, Pillow and fontTools at work).
SMOKE_CHARTS_ENV = "ANNOTATOR_SMOKE_CHARTS"
SMOKE_CHART_WAIT = 30.0  # seconds the frequencies window may take to draw its chart
# What the first window does without: the analysis charts, the Parquet export, the suggestion
# models (spaCy's training, thinc) and numpy load when their windows or commands are used.
LOADED_ONLY_WHEN_USED = ("matplotlib", "pyarrow", "duckdb", "spacy", "thinc", "numpy")
EXIT_NO_DISPLAY = 2
# What Qt's xcb platform plugin (X11) loads, with the Debian/Ubuntu package that has it;
# the first four are the ones a minimal desktop most often lacks (see the README).
XCB_LIBRARIES = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"), ("libGL.so.1", "libgl1"), ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libfontconfig.so.1", "libfontconfig1"), ("libxcb.so.1", "libxcb1"), ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-util.so.1", "libxcb-util1"), ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-randr.so.0", "libxcb-randr0"), ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"), ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"), ("libxcb-xkb.so.1", "libxcb-xkb1"),
)
README_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 "
                   "libegl1 libgl1 libxkbcommon0 libfontconfig1")
CLI_STILL_WORKS = "The command line (annotator new, import, export, agreement, merge, info) works without a window."


# ----- before Qt: can a window be opened at all? -------------------------------------------


def _qt_platform() -> str:
    """The platform plugin Qt will try (only the first of a "a;b" fallback list)."""
    chosen = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if sys.platform.startswith("linux"):
        wayland = os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") == "wayland"
        return "wayland" if wayland else "xcb"
    return ""


def missing_xcb_libraries() -> list[tuple[str, str]]:
    """(library, package) of every library Qt's xcb plugin needs that this system cannot load."""
    missing = []
    for library, package in XCB_LIBRARIES:
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append((library, package))
    return missing


def platform_problem() -> str:
    """Why Qt's X11 window plugin would abort at start (missing libraries), said in our words
    before QApplication is made; '' when nothing is known to be wrong (or not on Linux/X11)."""
    if not sys.platform.startswith("linux") or _qt_platform() != "xcb":
        return ""
    missing = missing_xcb_libraries()
    if not missing:
        return ""
    names = ", ".join(f"{library} (package {package})" for library, package in missing)
    return (f"annotator: the desktop window cannot start: Qt's X11 platform plugin (xcb) needs {names}.\n"
            f"Install them, on Debian or Ubuntu with: sudo apt install {README_PACKAGES}\n{CLI_STILL_WORKS}")


class _PlatformWatch:
    """While QApplication is made: if Qt gives up on its platform plugin (it would abort with
    a long message and a core dump), say what to install and exit with status 2 instead."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind != QtMsgType.QtFatalMsg:
            self.lines.append(message)
            print(message, file=sys.stderr, flush=True)  # what Qt itself would print
            return
        platform = _qt_platform() or "default"
        print(f"annotator: the desktop window cannot start: Qt could not load its platform plugin ({platform}).\n"
              f"On Linux/X11 install: sudo apt install {README_PACKAGES}; check that DISPLAY (X11) or "
              f"WAYLAND_DISPLAY (Wayland) names a running display.\n{CLI_STILL_WORKS}\n"
              f"Qt said: {message.splitlines()[0] if message else ''}", file=sys.stderr, flush=True)
        os._exit(EXIT_NO_DISPLAY)  # Qt aborts right after this call returns


# ----- the application ---------------------------------------------------------------------


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
        previous = qInstallMessageHandler(_PlatformWatch())
        try:
            app = QApplication(sys.argv[:1])
        finally:
            qInstallMessageHandler(previous)
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


# ----- errors nobody caught ----------------------------------------------------------------

DAMAGE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.DatabaseError, UnicodeDecodeError, json.JSONDecodeError)
_BOXES: list[QMessageBox] = []  # message boxes shown without a main window (kept alive while open)


def describe_exception(error: BaseException, project: Path | None) -> tuple[str, str, bool]:
    """(title, text, show details) of the message for an exception nobody caught: a damaged or
    unwritable project file is named as such; anything else is an unexpected error."""
    if isinstance(error, ProjectFileError):
        damaged = isinstance(error, ProjectDamagedError)
        return ("The project file is damaged" if damaged else "The project file has a problem",
                f"{error.path}\n\n{error.problem}", False)
    if project is not None and isinstance(error, DAMAGE_ERRORS):
        if isinstance(error, sqlite3.OperationalError):
            explained = explain_sqlite_error(project, error)
            if "corrupt" not in explained.problem:
                return ("The change was not saved",
                        f"{explained.path}\n\n{explained.problem}\n\nThe project stays open.", False)
        damaged_error = ProjectDamagedError(project, f"{type(error).__name__}: {error}")
        return "The project file is damaged", f"{damaged_error.path}\n\n{damaged_error.problem}", False
    return ("Unexpected error",
            f"Something went wrong: {error}\n\nYour work up to the last change is saved in the project file.", True)


def _main_window() -> MainWindow | None:
    """The main window the user sees (the one with a project, if several)."""
    app = QApplication.instance()
    windows = [w for w in (app.topLevelWidgets() if app is not None else []) if isinstance(w, MainWindow)
               and w.isVisible()]
    windows.sort(key=lambda w: w.project is None)
    return windows[0] if windows else None


def report_exception(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """sys.excepthook of the app: show the error in one message box (details expandable) and keep
    running; the traceback goes to stderr only."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    traceback.print_exception(kind, error, trace)
    if QApplication.instance() is None:
        return
    window = _main_window()
    project = window.project.path if window is not None and window.project is not None else None
    title, text, details = describe_exception(error, project)
    if window is not None:
        box = window.show_error(title, text)
    else:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok)
        _BOXES.append(box)
        box.finished.connect(lambda _result, box=box: _BOXES.remove(box))
        box.open()
    if details:
        box.setDetailedText("".join(traceback.format_exception(kind, error, trace)))


def install_excepthook() -> Any:
    """Route exceptions nobody caught to `report_exception`; returns the hook it replaced."""
    previous = sys.excepthook
    sys.excepthook = report_exception
    return previous


def run(project: Path | None = None, demo: bool = False, annotator: str | None = None) -> int:
    """Start the desktop app (annotating as `annotator` if given); returns the exit status."""
    problem = platform_problem()
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return EXIT_NO_DISPLAY
    app = application()
    install_excepthook()
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
    loaded = [name for name in LOADED_ONLY_WHEN_USED if name in sys.modules]
    print(f"annotator: loaded at start: {', '.join(loaded) or '-'}", file=sys.stderr, flush=True)
    charts = os.environ.get(SMOKE_CHARTS_ENV, "")
    if charts and window.project is not None:
        print(f"annotator: charts: {_smoke_charts(app, window, Path(charts))}", file=sys.stderr, flush=True)
    app.quit()


def _smoke_charts(app: QApplication, window: MainWindow, folder: Path) -> str:
    """Open Analyze → Frequencies through its menu action, wait for its chart and save it as PNG,
    SVG and PDF in `folder`; the names saved, or what went wrong (for the packaging smoke test)."""
    import time

    from .analysis.charts import ChartCanvas

    window.actions_by_name["frequencies"].trigger()
    deadline = time.monotonic() + SMOKE_CHART_WAIT
    chart = None
    while time.monotonic() < deadline:
        app.processEvents()
        shown = [widget for top in app.topLevelWidgets() if top.isVisible()
                 for widget in top.findChildren(ChartCanvas, "frequency_chart")]
        if shown and shown[0].title:
            chart = shown[0]
            break
        time.sleep(0.01)
    if chart is None:
        return f"no frequency chart drawn within {SMOKE_CHART_WAIT:.0f} s"
    try:
        return ", ".join(chart.export(folder / f"frequencies{suffix}").name for suffix in (".png", ".svg", ".pdf"))
    except Exception as error:  # noqa: BLE001 (the smoke test shows whatever failed)
        return f"failed: {type(error).__name__}: {error}"

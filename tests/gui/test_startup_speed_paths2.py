"""The welcome screen is built only when it is first shown: a start with a project never builds it,
and a start without one (or a closed project) still shows it, with working buttons and recents."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from annotator.gui.app import build
from annotator.gui.dialogs.welcome import WelcomeScreen
from annotator.gui.main_window import MainWindow
from annotator.project import Project


def _shown(qtbot, window: MainWindow) -> MainWindow:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _welcome_screens(window: MainWindow) -> list[WelcomeScreen]:
    return window.findChildren(WelcomeScreen)


def test_a_start_with_a_project_builds_no_welcome_screen(qtbot, settings, project: Project) -> None:
    path = project.path
    project.close()
    window = _shown(qtbot, build(path, settings=settings, annotator="ada"))
    assert window.project is not None and window.windowTitle().startswith("study.annot")
    assert _welcome_screens(window) == []
    window.actions_by_name["close_project"].trigger()  # File → Close project: now it is needed
    (welcome,) = _welcome_screens(window)
    assert welcome.isVisible() and welcome.new_button.isVisible()
    listed = [welcome.recent.item(row).text() for row in range(welcome.recent.count())]
    assert listed == [f"study.annot\n{path.parent.resolve()}"]
    welcome.recent.setCurrentRow(0)
    welcome.recent.setFocus()
    qtbot.keyClick(welcome.recent, Qt.Key.Key_Return)  # reopen it from the recent list
    assert window.project is not None and window.project.path == path.resolve()
    assert not welcome.isVisible()


def test_a_start_without_a_project_shows_the_welcome_screen(qtbot, settings, demo_path: Path,
                                                              tmp_path: Path) -> None:
    settings.add_recent_project(tmp_path / "gone.annot")  # not the first start: no demo
    window = _shown(qtbot, build(settings=settings))
    assert window.project is None
    (welcome,) = _welcome_screens(window)
    assert welcome.isVisible() and welcome.demo_button.isVisible()
    assert welcome.recent.item(0).text() == f"gone.annot  (missing)\n{tmp_path}"
    assert window.docks["documents"].isHidden()
    window.settings.set_annotator_for(demo_path, "ada")
    qtbot.mouseClick(welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.project is not None and window.project.path == demo_path.resolve()
    assert not welcome.isVisible() and window.editor.isVisible()


def test_a_window_shown_before_any_project_shows_the_welcome_screen(qtbot, settings) -> None:
    window = _shown(qtbot, MainWindow(settings))
    (welcome,) = _welcome_screens(window)
    assert welcome.isVisible()
    assert welcome.recent.item(0).text() == "No recent projects yet."


def test_the_smoke_start_saves_the_frequency_chart_in_three_formats(demo_path: Path, tmp_path: Path) -> None:
    """What the packaging smoke test asks of the built app: open Analyze → Frequencies, save its chart."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    charts = tmp_path / "charts"
    charts.mkdir()
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root),
                   "XDG_CONFIG_HOME": str(tmp_path / "config"), "ANNOTATOR_SMOKE_EXIT_MS": "0",
                   "ANNOTATOR_SMOKE_CHARTS": str(charts)}
    done = subprocess.run([sys.executable, "-m", "annotator", str(demo_path), "--annotator", "ada"],
                          env=environment, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "annotator: loaded at start: -" in done.stderr  # reported before the chart loads matplotlib
    assert "annotator: charts: frequencies.png, frequencies.svg, frequencies.pdf" in done.stderr
    assert (charts / "frequencies.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "<svg" in (charts / "frequencies.svg").read_text(encoding="utf-8")
    pdf = (charts / "frequencies.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", pdf)  # the labels' font, subset by fontTools

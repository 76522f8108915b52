"""The agreement dashboard and the main window on a small screen (1024×640, 1280×800)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from annotator.gui.agreement import AgreementDashboard

SHOTS = os.environ.get("ANNOTATOR_SHOTS")  # a folder: save what the user sees, to look at


def open_dashboard(qtbot, window) -> AgreementDashboard:
    """Analyze → Inter-annotator agreement, as from the menu."""
    window.actions_by_name["agreement"].trigger()
    dashboard = window.findChildren(AgreementDashboard)[0]
    qtbot.waitExposed(dashboard)
    return dashboard


def computed(qtbot, dashboard: AgreementDashboard) -> None:
    """Framing by token, computed with the Compute button."""
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_unit("token")
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()


def shown_rect(widget) -> QRect:
    """The part of `widget` a user sees (in its own coordinates): clipped by every scroll area above it."""
    return widget.visibleRegion().boundingRect()


def save(widget, name: str) -> None:
    """Keep a picture of the window when ANNOTATOR_SHOTS names a folder."""
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, name))


@pytest.mark.parametrize("size", [QSize(1024, 640), QSize(1280, 800)])
def test_the_dashboard_fits_a_small_screen_and_every_overview_bar_can_be_seen(qtbot, demo_window, size) -> None:
    dashboard = open_dashboard(qtbot, demo_window)
    computed(qtbot, dashboard)
    dashboard.resize(size)
    qtbot.waitUntil(lambda: dashboard.size() == size)
    save(dashboard, f"dashboard_{size.width()}x{size.height()}.png")
    assert dashboard.minimumSizeHint().width() <= size.width()
    assert dashboard.width() <= size.width() and dashboard.height() <= size.height()
    # Compute and the options are on screen, not cut off at the right
    controls = dashboard.controls
    assert shown_rect(dashboard.compute_button).size() == dashboard.compute_button.size()
    assert shown_rect(controls).width() == controls.width()
    # every bar of the Overview chart is visible, or comes into view by scrolling
    chart = dashboard.overview.chart
    bars = len(chart.bars)
    assert bars >= 7
    last_bar_bottom = 28 + chart.ROW * bars
    area = next((parent for parent in _ancestors(chart) if isinstance(parent, QScrollArea)), None)
    if area is not None:
        area.ensureVisible(0, chart.mapTo(area.widget(), QPoint(0, last_bar_bottom)).y(), 0, 0)
    visible = shown_rect(chart)
    assert visible.bottom() + 1 >= last_bar_bottom, f"{visible} shows {max(0, (visible.bottom() + 1 - 28) // chart.ROW)} of {bars} bars"


def _ancestors(widget: QWidget):
    """The widgets holding `widget`, innermost first."""
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


# Opens the main window (no saved geometry) and the agreement dashboard on a screen of the size
# given, as a user would, and prints where each window's frame landed.
OPEN_WINDOWS = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from annotator.gui.agreement import AgreementDashboard
from annotator.gui.main_window import MainWindow
from annotator.gui.settings import AppSettings
from annotator.project import Project
main = MainWindow(AppSettings(Path(sys.argv[2])))
main.show()
assert main.set_project(Project.open(Path(sys.argv[1])), annotator="ada")
app.processEvents()
main.actions_by_name["agreement"].trigger()
app.processEvents()
dashboard = main.findChildren(AgreementDashboard)[0]
app.processEvents()
def rect(r):
    return [r.x(), r.y(), r.width(), r.height()]
print(json.dumps({"screen": rect(main.screen().availableGeometry()), "main": rect(main.frameGeometry()),
                  "dashboard": rect(dashboard.frameGeometry()), "main size": rect(main.geometry())}))
dashboard.close()
main.close()
"""


def windows_on_a_screen(tmp_path: Path, demo_path: Path, width: int, height: int) -> dict[str, QRect]:
    """Where the main window and the dashboard open on a width×height screen (a separate Qt process)."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "small", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    done = subprocess.run([sys.executable, "-c", OPEN_WINDOWS, str(demo_path), str(tmp_path / "settings.ini")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: QRect(*values) for name, values in found.items()}


@pytest.mark.parametrize("width, height", [(1280, 800), (1024, 640)])
def test_the_dashboard_opens_inside_a_small_screen(tmp_path: Path, demo_path: Path, width: int, height: int) -> None:
    found = windows_on_a_screen(tmp_path, demo_path, width, height)
    screen, dashboard = found["screen"], found["dashboard"]
    assert screen == QRect(0, 0, width, height)
    assert screen.contains(dashboard), f"the dashboard opens at {dashboard} on a {width}×{height} screen"


@pytest.mark.parametrize("width, height", [(1280, 800)])
def test_the_main_window_opens_inside_a_small_screen(tmp_path: Path, demo_path: Path, width: int,
                                                     height: int) -> None:
    found = windows_on_a_screen(tmp_path, demo_path, width, height)
    screen, main = found["screen"], found["main"]
    assert screen.contains(main), f"the main window opens at {main} on a {width}×{height} screen"
    inside = found["main size"]  # without the frame: 90 % of the screen at most, room left for the frame
    assert inside.width() <= width * 0.9 + 1 and inside.height() <= height * 0.9 + 1

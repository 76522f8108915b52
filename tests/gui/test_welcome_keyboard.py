"""The welcome screen works from the keyboard alone: after File → Close project, Enter reopens
the most recent project ("Enter or double-click to open"), with no click first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.gui.app import build
from annotator.gui.dialogs.welcome import WelcomeScreen
from annotator.project import Project


def test_enter_on_the_welcome_screen_reopens_the_last_project(qtbot, settings, project: Project) -> None:
    path = project.path
    project.close()
    window = build(path, settings=settings, annotator="ada")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.actions_by_name["close_project"].trigger()  # File → Close project (Ctrl+W)
    assert window.project is None
    (welcome,) = window.findChildren(WelcomeScreen)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is welcome.recent, timeout=2000)
    assert welcome.recent.currentRow() == 0, "the most recent project is the current row"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.project is not None and window.project.path == path.resolve()
    assert not welcome.isVisible()


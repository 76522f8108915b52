"""The agreement dashboard's Overview table at laptop sizes: a long "undefined: …" reason must
not widen the Value column until the numbers sit off screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.gui.agreement import AgreementDashboard
from annotator.project import Project


@pytest.fixture
def demo_file(demo_path: Path) -> Path:
    """The demo project plus a third annotator, rita, who coded nothing: some figures are undefined."""
    with Project.open(demo_path) as project:
        project.annotators.ensure("rita")
    return demo_path


def _computed(qtbot, window, width: int, height: int) -> AgreementDashboard:
    """Analyze → Inter-annotator agreement at this window size, Framing by token for ada, ben and rita."""
    window.actions_by_name["agreement"].trigger()
    dashboard = window.findChild(AgreementDashboard)
    qtbot.waitExposed(dashboard)
    dashboard.resize(width, height)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_unit("token")
    dashboard.controls.set_annotators(["ada", "ben", "rita"])
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()
    qtbot.waitUntil(lambda: dashboard.height() <= height)  # (its minimum width is 1052 px, wider than 1024)
    shots = os.environ.get("ANNOTATOR_SCREENSHOTS")
    if shots:
        dashboard.grab().save(str(Path(shots) / f"agreement-{width}x{height}.png"))
    return dashboard


def _row(table, key: str) -> int:
    return next(r for r in range(table.rowCount()) if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == key)


@pytest.mark.parametrize("size", [(1280, 800), (1024, 640)])
def test_numbers_are_on_screen_and_a_long_reason_is_elided(qtbot, demo_window, size: tuple[int, int]) -> None:
    dashboard = _computed(qtbot, demo_window, *size)
    table = dashboard.overview.table
    shown = table.viewport().rect()
    assert table.horizontalScrollBar().value() == 0
    undefined = _row(table, "cohen_mean")
    reason = table.item(undefined, 1).text()
    assert reason.startswith("undefined: kappa of ada–rita is undefined")
    for key in ("percent", "fleiss", "alpha"):
        cell = table.visualRect(table.model().index(_row(table, key), 1))
        number = table.item(_row(table, key), 1).text()
        assert shown.contains(cell), f"{key}: the Value cell {cell} is outside the visible table {shown}"
        text_width = table.fontMetrics().horizontalAdvance(number)
        assert cell.width() < 6 * text_width + 60, f"{key}: {number} sits in a column {cell.width()} px wide"
    # the long reason is cut to the column, with all of it in the tooltip
    long_cell = table.visualRect(table.model().index(undefined, 1))
    assert long_cell.width() < table.fontMetrics().horizontalAdvance(reason)
    assert reason.removeprefix("undefined: ") in table.item(undefined, 1).toolTip()


@pytest.mark.parametrize("size", [(1280, 800), (1024, 640)])
def test_every_overview_row_is_above_the_sideways_scroll_bar(qtbot, demo_window, size: tuple[int, int]) -> None:
    dashboard = _computed(qtbot, demo_window, *size)
    table = dashboard.overview.table
    bottom = table.viewport().rect().bottom()
    last = table.visualRect(table.model().index(table.rowCount() - 1, 0))
    assert last.bottom() <= bottom, f"the last row ends at {last.bottom()}, the visible table at {bottom}"

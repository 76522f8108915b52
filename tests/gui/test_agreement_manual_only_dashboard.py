"""The agreement dashboard counts annotations that began as suggestions and can leave them out."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.gui.agreement import AgreementDashboard
from annotator.model import Status


def coded_window(window):
    """ada and ben code the first document's first sentence; ada's span was an accepted rule suggestion."""
    project = window.project
    first = project.documents.ids()[0]
    text = project.documents.text(first)
    end = text.index(".") + 1
    project.annotations.add(first, "ada", "Framing", "Economic", 0, end, origin="rule:Economic:charge")
    project.annotations.add(first, "ben", "Framing", "Economic", 0, end)
    for name in ("ada", "ben"):
        project.status.set(first, name, Status.DONE)
    return window


def computed(qtbot, window) -> AgreementDashboard:
    """Analyze → Inter-annotator agreement, layer Framing, then Compute."""
    window.actions_by_name["agreement"].trigger()
    dashboard = window.findChildren(AgreementDashboard)[0]
    qtbot.waitExposed(dashboard)
    dashboard.controls.set_layer("Framing")
    return dashboard


def press_compute(qtbot, dashboard: AgreementDashboard) -> None:
    """Press Compute and wait for the worker."""
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()


def test_the_overview_counts_and_the_checkbox_leaves_suggestions_out(qtbot, window) -> None:
    dashboard = computed(qtbot, coded_window(window))
    try:
        press_compute(qtbot, dashboard)
        heading = dashboard.overview.heading.text()
        assert "annotations compared: ada 1 (1 began as a suggestion), ben 1 (0 began as suggestions)" in heading
        box = dashboard.controls.manual_only_box
        assert box.text() == "Leave out annotations that began as suggestions"
        assert not box.isChecked()
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
        assert box.isChecked()
        assert "press Compute" in dashboard.status.text()
        press_compute(qtbot, dashboard)
        heading = dashboard.overview.heading.text()
        assert "manual only: annotations that began as suggestions left out: ada 1, ben 0" in heading
        assert "began as suggestions" in dashboard.overview.definitions.toPlainText()
    finally:
        dashboard.stop()

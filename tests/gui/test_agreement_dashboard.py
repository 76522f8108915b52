"""The agreement dashboard: opened from Analyze, computed off the GUI thread, read like a user would."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from annotator.gui.agreement import AgreementDashboard
from annotator.ops.agreement import AgreementRequest, compute_agreement
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT


def double_click(qtbot, widget, pos) -> None:
    """A user's double-click: press, release, then the double-click event."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def open_dashboard(qtbot, window) -> AgreementDashboard:
    """Analyze → Inter-annotator agreement, as from the menu."""
    window.actions_by_name["agreement"].trigger()
    dashboards = window.findChildren(AgreementDashboard)
    assert len(dashboards) == 1
    dashboard = dashboards[0]
    qtbot.waitExposed(dashboard)
    return dashboard


def compute(qtbot, dashboard: AgreementDashboard) -> None:
    """Press Compute and wait for the worker thread to report back."""
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)


@pytest.fixture
def framing(qtbot, demo_window) -> AgreementDashboard:
    """The dashboard computed on layer Framing, unit token."""
    dashboard = open_dashboard(qtbot, demo_window)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_unit("token")
    compute(qtbot, dashboard)
    assert dashboard.outcome == "computed", dashboard.status.text()
    return dashboard


def direct_report(window, **options):
    """The same figures computed straight from the operation, on the window's project."""
    return compute_agreement(window.project, AgreementRequest(**options))


def test_the_computed_dashboard_reads_as_compute_agreement_exports_and_a_confusion_cell_opens_a_place(
        qtbot, framing, demo_window, tmp_path: Path) -> None:
    """One computed dashboard (Framing, token), each part once a test of its own: the overview
    shows the alpha compute_agreement gives; the per-document table lists the worst document
    first; export writes a CSV with rows and a PNG of the charts; the menu raises the same
    dashboard; a confusion cell lists its documents and opens one."""
    # --- the overview shows the alpha compute_agreement gives
    report = direct_report(demo_window, layer="Framing", unit="token", annotators=("ada", "ben"))
    alpha = report.figure("alpha").value
    assert framing.overview.value_text("alpha") == f"{alpha:.3f}", "overview: alpha"
    assert framing.overview.value_text("fleiss") == f"{report.figure('fleiss').value:.3f}", "overview: Fleiss"
    heading = framing.overview.heading.text()
    assert report.unit_description in heading, "overview: the unit in the heading"
    definitions = framing.overview.definitions.toPlainText()
    assert "Krippendorff's (2011) alpha" in definitions, "overview: the definition cited"
    assert framing.pairwise.cell_text("ada", "ben") == f"{report.pair('ada', 'ben').figures['cohen'].value:.3f}", \
        "overview: the pairwise kappa"

    # --- the per-document table lists the worst document first
    model = framing.documents.model
    alphas = [row.figures["alpha"].value for row in model.rows]
    assert model.rowCount() == 5, "per document: five rows"
    assert alphas[0] == min(alphas), "per document: the worst first"
    shown = model.index(0, model.columns().index("Krippendorff's alpha")).data()
    assert shown == f"{min(alphas):.3f}", "per document: the alpha shown"

    # --- export writes a CSV with rows and a PNG of the charts
    table = framing.export_csv(tmp_path / "agreement.csv")
    image = framing.export_image(tmp_path / "agreement.png")
    with open(table, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    pooled = {r["measure"]: r for r in rows if r["table"] == "pooled"}
    assert float(pooled["alpha"]["value"]) == pytest.approx(framing.report.figure("alpha").value), "export: alpha"
    assert {r["table"] for r in rows} >= {"pooled", "pairwise", "per_label", "per_document", "confusion"}, \
        "export: every table"
    assert image.stat().st_size > 10_000, "export: a PNG of some size"
    picture = QImage(str(image))
    assert picture.width() >= 1000 and picture.height() > 1000, "export: the PNG's size"
    colours = {picture.pixel(x, y) for x in range(0, picture.width(), 7) for y in range(0, picture.height(), 7)}
    assert len(colours) > 20, "export: bars and heatmap cells, not a blank page"

    # --- opening the menu again raises the same dashboard
    demo_window.actions_by_name["agreement"].trigger()
    assert demo_window.findChildren(AgreementDashboard) == [framing], "menu again: the same dashboard"
    assert framing.report is not None, "menu again: its result kept"

    # --- a confusion cell lists its documents and opens one
    framing.tabs.setCurrentWidget(framing.confusion)
    report = framing.report
    categories = [str(c) for c in report.categories]
    row, column = categories.index("Economic"), categories.index("none")
    heatmap = framing.confusion.heatmap
    qtbot.mouseClick(heatmap, Qt.MouseButton.LeftButton, pos=heatmap.cell_centre(row, column))
    places = framing.confusion.places
    assert places.count() >= 1, "confusion: places listed"
    counts = [int(places.item(i).text().split(" ×")[0]) for i in range(places.count())]
    assert sum(counts) == report.pair("ada", "ben").confusion[row, column] > 0, "confusion: the cell's count"
    item = places.item(0)
    document_id, start, end = item.data(Qt.ItemDataRole.UserRole)
    double_click(qtbot, places.viewport(), places.visualItemRect(item).center())
    assert demo_window.document_id == document_id, "confusion: the place's document"
    assert demo_window.editor.selection() == (start, end), "confusion: the place selected"
    codes = demo_window.editor.codes_at(start)
    assert "Framing: Economic" in codes, "confusion: ada's own span"
    assert not any(c.startswith("Framing") and c.endswith("(ben)") for c in codes), "confusion: ben has none there"


def test_double_clicking_a_document_opens_it_at_the_first_disagreement(qtbot, framing, demo_window) -> None:
    framing.tabs.setCurrentWidget(framing.documents)
    view = framing.documents.view
    worst = framing.documents.model.document_id(0)
    assert not demo_window.show_others_action.isChecked()
    rect = view.visualRect(framing.documents.model.index(0, 1))
    double_click(qtbot, view.viewport(), rect.center())
    assert demo_window.document_id == worst
    assert demo_window.show_others_action.isChecked() and demo_window.editor.others_shown
    selection = demo_window.editor.selection()
    assert selection is not None and selection[1] > selection[0]
    codes = demo_window.editor.codes_at(selection[0])
    ada = {c for c in codes if c.startswith("Framing") and not c.endswith("(ben)")}
    ben = {c.removesuffix(" (ben)") for c in codes if c.startswith("Framing") and c.endswith("(ben)")}
    assert ada != ben  # the two annotators' codes differ right where the selection starts


def test_cancel_leaves_no_result_and_computing_again_works(qtbot, demo_window) -> None:
    dashboard = open_dashboard(qtbot, demo_window)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.bootstrap.setValue(20000)  # long enough to be cancelled
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    assert dashboard.is_running() and dashboard.cancel_button.isEnabled()
    qtbot.mouseClick(dashboard.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "cancelled"
    assert dashboard.report is None and not dashboard.tabs.isEnabled()
    assert not dashboard.export_csv_button.isEnabled()
    assert "Cancelled" in dashboard.status.text()
    dashboard.controls.bootstrap.setValue(0)
    compute(qtbot, dashboard)
    assert dashboard.outcome == "computed" and dashboard.tabs.isEnabled()


def test_closing_the_dashboard_while_computing_stops_the_computation(qtbot, demo_window) -> None:
    dashboard = open_dashboard(qtbot, demo_window)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.bootstrap.setValue(20000)
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    assert dashboard.is_running()
    qtbot.keyClick(dashboard, Qt.Key.Key_Escape)
    assert not dashboard.isVisible() and not dashboard.is_running()
    qtbot.waitUntil(lambda: dashboard.outcome == "cancelled", timeout=5_000)
    assert dashboard.report is None
    demo_window.actions_by_name["agreement"].trigger()  # the menu brings it back, usable
    assert dashboard.isVisible() and dashboard.compute_button.isEnabled()


def test_undefined_figure_is_shown_with_its_reason(qtbot, demo_window) -> None:
    dashboard = open_dashboard(qtbot, demo_window)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_annotators(["ada"])
    compute(qtbot, dashboard)
    direct = direct_report(demo_window, layer="Framing", unit="token", annotators=("ada",))
    reason = direct.figure("alpha").undefined_reason
    assert reason
    assert dashboard.overview.value_text("alpha") == f"undefined: {reason}"


def test_a_request_the_layer_cannot_satisfy_shows_a_one_line_reason(qtbot, demo_window) -> None:
    dashboard = open_dashboard(qtbot, demo_window)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.level_box.setCurrentText("interval")  # not offered for labels: set as a script would
    compute(qtbot, dashboard)
    assert dashboard.blocked.text() == "Interval data needs numbers: under Compare, choose a whole-number attribute."
    assert not dashboard.compute_button.isEnabled()
    assert dashboard.isVisible() and dashboard.report is None


def test_document_layer_shows_each_annotators_label(qtbot, demo_window) -> None:
    dashboard = open_dashboard(qtbot, demo_window)
    dashboard.controls.set_layer("Dominant frame")
    assert [dashboard.controls.unit_box.itemData(i) for i in range(dashboard.controls.unit_box.count())] == ["document"]
    compute(qtbot, dashboard)
    direct = direct_report(demo_window, layer="Dominant frame", annotators=("ada", "ben"))
    model = dashboard.documents.model
    assert "ada's label" in model.columns() and "ben's label" in model.columns()
    first = direct.per_document[0]
    column = model.columns().index("ben's label")
    assert model.index(0, column).data() == (first.values["ben"] or "—")


def test_three_annotators_get_a_kappa_for_every_pair(qtbot, window, project: Project) -> None:
    document_id = next(d for d in project.documents.ids() if project.documents.text(d).startswith("The council"))
    text = project.documents.text(document_id)
    project.annotators.ensure("cy")
    spans = {"ada": ("congestion charge", "Economic"), "ben": ("congestion charge", "Economic"),
             "cy": ("tax on workers", "Economic")}
    for who, (words, label) in spans.items():
        start = text.index(words)
        project.annotations.add(document_id, who, "Framing", label, start, start + len(words))
        robbery = text.index("robbery")
        project.annotations.add(document_id, who, "Framing", "Morality", robbery, robbery + len("robbery"))
    dashboard = open_dashboard(qtbot, window)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_annotators(["ada", "ben", "cy"])
    compute(qtbot, dashboard)
    direct = direct_report(window, layer="Framing", unit="token", annotators=("ada", "ben", "cy"))
    pairwise = dashboard.pairwise
    assert pairwise.matrix.rowCount() == pairwise.matrix.columnCount() == 3
    for first, second in (("ada", "ben"), ("ada", "cy"), ("ben", "cy")):
        kappa = direct.pair(first, second).figures["cohen"]
        expected = f"{kappa.value:.3f}" if kappa.value is not None else "undefined"
        assert pairwise.cell_text(first, second) == pairwise.cell_text(second, first) == expected
    assert pairwise.cell_text("ada", "ben") == "1.000"
    assert pairwise.cell_text("ada", "cy") != "1.000"
    pairwise.set_measure("f1_overlap")
    assert pairwise.cell_text("ada", "cy") == f"{direct.pair('ada', 'cy').figures['f1_overlap'].value:.3f}"
    dashboard.tabs.setCurrentWidget(pairwise)
    cell = pairwise.matrix.visualItemRect(pairwise.matrix.item(2, 1))  # cy x ben
    double_click(qtbot, pairwise.matrix.viewport(), cell.center())
    assert dashboard.tabs.currentWidget() is dashboard.confusion
    assert set(dashboard.confusion.pair()) == {"ben", "cy"}
    assert dashboard.confusion.heatmap.first == "ben" and dashboard.confusion.heatmap.second == "cy"
    # ben tagged "congestion charge", cy did not: the first place the two part ways
    dashboard.open_document(document_id, ("ben", "cy"))
    assert window.editor.selection() == (text.index("congestion"), text.index("congestion") + len("congestion"))


def test_first_disagreement_is_selected_after_an_emoji_and_a_combining_mark(qtbot, window, project: Project) -> None:
    """Code-point offsets survive the trip to the editor's UTF-16 selection."""
    document_id = next(d for d in project.documents.ids() if project.documents.text(d).startswith("The council"))
    text = project.documents.text(document_id)
    assert text == SAMPLE_TEXT
    charge = text.index("congestion charge")
    robbery = text.index("robbery")
    for who, label in (("ada", "Morality"), ("ben", "Crime and punishment")):
        project.annotations.add(document_id, who, "Framing", "Economic", charge, charge + len("congestion charge"))
        project.annotations.add(document_id, who, "Framing", label, robbery, robbery + len("robbery"))
    dashboard = open_dashboard(qtbot, window)
    dashboard.controls.set_layer("Framing")
    compute(qtbot, dashboard)
    assert dashboard.outcome == "computed", dashboard.status.text()
    assert dashboard.documents.model.rowCount() == 1  # the other article nobody coded is left out
    dashboard.open_document(document_id)
    assert window.document_id == document_id
    assert window.editor.selection() == (robbery, robbery + len("robbery"))
    assert set(window.editor.codes_at(robbery)) >= {"Framing: Morality", "Framing: Crime and punishment (ben)"}
    # on the character continuum too
    dashboard.controls.set_unit("char")
    compute(qtbot, dashboard)
    assert dashboard.documents.model.columns()[3] == "Krippendorff's alpha_U"
    dashboard.open_document(document_id)
    assert window.editor.selection() == (robbery, robbery + len("robbery"))

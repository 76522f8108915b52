"""What a new user stumbled on in the desktop app (issue 18), checked as that user would see it."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from annotator.gui.agreement import AgreementDashboard
from annotator.ops.agreement import AgreementRequest, compute_agreement, format_report, write_csv
from annotator.ops.importing import import_paths
from annotator.project import Project

SHOTS = Path(os.environ["ISSUE18_SHOTS"]) if os.environ.get("ISSUE18_SHOTS") else None
STAGE = os.environ.get("ISSUE18_STAGE", "after")


def shot(widget, name: str) -> None:
    """Save a screenshot when ISSUE18_SHOTS names a folder (for the issue, not for the assertions):
    issue18-<name>-<ISSUE18_STAGE>.png."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(SHOTS / f"issue18-{name}-{STAGE}.png"))


def main_window(qtbot, settings, project: Project):
    """The main window on `project`, annotating as "ada"."""
    from annotator.gui.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert window.set_project(project, annotator="ada")
    window.show()
    qtbot.waitExposed(window)
    return window


# ----- 6: a kappa of -0.0004 is shown as 0.000, never "-0.000" ----------------------------------

# Cohen's kappa of this 2 x 2 table (ada's label in rows, ben's in columns) is -0.00048.
TABLE = [("Economic", "Economic")] * 5 + [("Economic", "Political")] + [("Political", "Economic")] * 56 \
    + [("Political", "Political")] * 11


@pytest.fixture
def near_zero(tmp_path: Path):
    """A project where ada and ben framed 73 sentences so that Cohen's kappa is -0.00048."""
    (tmp_path / "in").mkdir()
    text = " ".join(f"Sentence {n} is here." for n in range(len(TABLE)))
    (tmp_path / "in" / "sentences.txt").write_text(text, encoding="utf-8")
    project = Project.create(tmp_path / "kappa.annot")
    import_paths(project, [tmp_path / "in"])
    for name in ("ada", "ben"):
        project.annotators.ensure(name)
    [document] = project.documents.ids()
    sentences = project.documents.segmentation(document).sentences
    assert len(sentences) == len(TABLE)
    for (start, end), (first, second) in zip(sentences, TABLE):
        project.annotations.add(document, "ada", "Framing", first, start, end)
        project.annotations.add(document, "ben", "Framing", second, start, end)
    yield project
    project.close()


def test_a_kappa_just_below_zero_reads_0_000_with_the_exact_value_in_the_tooltip(
    qtbot, settings, near_zero: Project, tmp_path: Path
) -> None:
    report = compute_agreement(near_zero, AgreementRequest("Framing", "sentence"))
    kappa = report.pair("ada", "ben").figures["cohen"].value
    assert -0.0005 < kappa < 0

    window = main_window(qtbot, settings, near_zero)
    window.actions_by_name["agreement"].trigger()
    [dashboard] = window.findChildren(AgreementDashboard)
    qtbot.waitExposed(dashboard)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_unit("sentence")
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()
    try:
        shot(dashboard, "6")
        assert dashboard.overview.value_text("cohen_mean") == "0.000"
        row = next(r for r in range(dashboard.overview.table.rowCount())
                   if dashboard.overview.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "cohen_mean")
        assert repr(report.figure("cohen_mean").value) in dashboard.overview.table.item(row, 1).toolTip()
        chart = dashboard.overview.chart  # the bar's label is painted rounded; hovering it gives every digit
        point = QPoint(40, 28 + chart.ROW * row + chart.ROW // 2)
        QApplication.sendEvent(chart, QHelpEvent(QEvent.Type.ToolTip, point, chart.mapToGlobal(point)))
        assert QToolTip.text() == f"Cohen's kappa, mean over pairs: {report.figure('cohen_mean').value!r}"
        dashboard.tabs.setCurrentWidget(dashboard.pairwise)
        dashboard.pairwise.set_measure("cohen")
        assert dashboard.pairwise.cell_text("ada", "ben") == "0.000"
        assert repr(kappa) in dashboard.pairwise.matrix.item(0, 1).toolTip()
        pairs = dashboard.pairwise.pairs
        texts = [pairs.item(0, c).text() for c in range(pairs.columnCount()) if pairs.item(0, c) is not None]
        assert "0.000" in texts and "-0.000" not in texts
    finally:
        dashboard.stop()

    text = format_report(report)
    assert not re.search(r"-0\.0+(?!\d)", text)  # no negative zero at any precision
    assert "ada – ben" in text and "0.000" in text.split("ada – ben")[1].splitlines()[0]
    # The CSV is for further computation: it keeps every digit, sign included.
    path = write_csv(report, tmp_path / "kappa.csv")
    with path.open(encoding="utf-8") as handle:
        cohen = next(r for r in csv.DictReader(handle) if r["table"] == "pairwise" and r["measure"] == "cohen")
    assert float(cohen["value"]) == kappa and cohen["value"].startswith("-0.0004")


# ----- 3: the documents table's Adjudicated column says where the curator stands ----------------


@pytest.fixture
def adjudicated_demo(demo_path: Path) -> tuple[Path, list[str]]:
    """The demo with its first document adjudicated through the curation operations (every
    disagreement between ada and ben settled, agreeing spans not copied) and one decision on the second."""
    from annotator.ops import curation

    with Project.open(demo_path) as project:
        ids = project.documents.ids()
        for found in curation.disagreements(project, ids[0], ["ada", "ben"]):
            curation.accept(project, ids[0], found.sources[0])
        assert curation.unresolved_count(project, ids[0], ["ada", "ben"]) == 0
        first = curation.disagreements(project, ids[1], ["ada", "ben"])[0]
        curation.accept(project, ids[1], first.sources[0])
        assert curation.unresolved_count(project, ids[1], ["ada", "ben"]) > 0
    return demo_path, ids


def test_the_adjudicated_column_shows_a_document_the_curator_settled(qtbot, settings, adjudicated_demo) -> None:
    path, ids = adjudicated_demo
    window = main_window(qtbot, settings, Project.open(path))
    panel = window.documents_panel
    model = panel.model
    column = model.columnCount() - 1
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Adjudicated"
    assert not panel.view.horizontalHeader().isSectionHidden(column)  # the project has a curator now
    shot(panel, "3")
    settled = model.index(model.row_of(ids[0]), column)
    assert settled.data() == "✓"
    tip = settled.data(Qt.ItemDataRole.ToolTipRole)
    assert "every disagreement between ada and ben settled" in tip
    gold = len(window.project.annotations.for_document(ids[0], "curator"))
    assert f"gold set: {gold} annotation" in tip
    assert "not in the gold set yet" in tip  # the spans both agree on were never copied

    started = model.index(model.row_of(ids[1]), column)
    from annotator.ops import curation

    still_open = curation.unresolved_count(window.project, ids[1], ["ada", "ben"])
    assert started.data() == f"{still_open} open"
    assert model.index(model.row_of(ids[2]), column).data() == ""  # the curator has not been there
    assert "No curator decision" in model.index(model.row_of(ids[2]), column).data(Qt.ItemDataRole.ToolTipRole)


# ----- 8: click shows the guidelines, double-click applies (a setting); hover shows them too -----


def _label_point(panel, layer: str, label: str):
    item = panel.label_item(layer, label)
    panel.tree.scrollToItem(item)
    return panel.tree.visualItemRect(item).center()


def double_click(qtbot, widget, point) -> None:
    """A user's double-click: press and release, press again (the double-click) and release."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=point)


def _sample_selected(window) -> tuple[int, int]:
    """Open the sample article and select "robbery" in the editor, as a drag would."""
    from tests.conftest import SAMPLE_TEXT

    project = window.project
    document = next(i for i in project.documents.ids() if project.documents.text(i) == SAMPLE_TEXT)
    window.documents_panel.select_document(document)
    start = SAMPLE_TEXT.index("robbery")
    window.editor.set_selection(start, start + 7)
    return start, start + 7


def _spans(path: Path) -> list[tuple[str, str, int, int]]:
    from tests.gui.conftest import stored

    return stored(path, "SELECT annotators.name, labels.name, span_start, span_end FROM annotations "
                        "JOIN annotators ON annotators.id = annotator_id JOIN labels ON labels.id = label_id")


def test_click_shows_guidelines_and_double_click_applies_when_chosen(
    qtbot, window, settings, project: Project, tmp_path: Path
) -> None:
    panel = window.codebook_panel
    shot(panel, "8")
    start, end = _sample_selected(window)
    assert not panel.click_shows_guidelines.isChecked()  # default: a click applies, as before
    qtbot.mouseClick(panel.click_shows_guidelines, Qt.MouseButton.LeftButton)
    assert panel.click_shows_guidelines.isChecked()

    viewport = panel.tree.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_label_point(panel, "Rhetorical device", "Loaded language"))
    assert _spans(project.path) == []  # only read
    assert "Loaded language" in panel.details.toPlainText()
    assert window.editor.selection() == (start, end)  # the span is still selected

    point = _label_point(panel, "Rhetorical device", "Loaded language")
    double_click(qtbot, viewport, point)
    assert _spans(project.path) == [("ada", "Loaded language", start, end)]
    shot(panel, "8")

    # The choice is remembered: a new window (the next run) opens with it.
    settings.sync()
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings

    assert AppSettings(tmp_path / "settings.ini").click_shows_guidelines()
    again = MainWindow(AppSettings(tmp_path / "settings.ini"))
    qtbot.addWidget(again)
    assert again.codebook_panel.click_shows_guidelines.isChecked()


def test_the_setting_is_also_in_the_label_list_context_menu(qtbot, window) -> None:
    panel = window.codebook_panel
    action = panel.click_shows_guidelines_action
    assert action in panel.tree.actions() and action.isCheckable()
    action.trigger()
    assert panel.click_shows_guidelines.isChecked() and window.settings.click_shows_guidelines()
    action.trigger()
    assert not panel.click_shows_guidelines.isChecked() and not window.settings.click_shows_guidelines()


def test_a_single_click_still_applies_by_default_and_hovering_shows_guidelines(qtbot, window, project: Project) -> None:
    panel = window.codebook_panel
    start, end = _sample_selected(window)
    viewport = panel.tree.viewport()
    qtbot.mouseMove(viewport, _label_point(panel, "Stance", "Against"))
    qtbot.waitUntil(lambda: "Against" in panel.details.toPlainText(), timeout=2_000)
    assert "Loaded language" not in panel.details.toPlainText()
    qtbot.mouseMove(viewport, _label_point(panel, "Rhetorical device", "Loaded language"))
    qtbot.waitUntil(lambda: "Loaded language" in panel.details.toPlainText(), timeout=2_000)
    assert _spans(project.path) == []  # hovering applies nothing
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_label_point(panel, "Rhetorical device", "Loaded language"))
    assert _spans(project.path) == [("ada", "Loaded language", start, end)]


# ----- 2: the review's choice of annotators is remembered per project ---------------------------


def test_the_review_scope_is_remembered_per_project_file(tmp_path: Path) -> None:
    from annotator.gui.settings import AppSettings
    from annotator.queries.review_scope import ReviewScope

    first, second = tmp_path / "one.annot", tmp_path / "two" / "two.annot"
    settings = AppSettings(tmp_path / "settings.ini")
    assert ReviewScope.from_text(settings.review_scope_for(first)).by_coders  # never chosen: each document's coders
    settings.set_review_scope_for(first, ReviewScope(("ben", "Zoe\u0301 🙂")).to_text())
    settings.set_review_scope_for(second, ReviewScope().to_text())
    settings.sync()
    again = AppSettings(tmp_path / "settings.ini")  # the next run
    assert ReviewScope.from_text(again.review_scope_for(first)) == ReviewScope(("ben", "Zoe\u0301 🙂"))
    assert ReviewScope.from_text(again.review_scope_for(second)).by_coders

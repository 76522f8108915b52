"""The agreement computation's second round of fast paths (issue 19): each gives the figures the
slower path gave, on data with what makes them hard (overlapping spans, an annotator who coded
only one document, a label nobody used)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.model import Status
from annotator.ops.agreement import AgreementRequest
from annotator.ops.agreement.compute import compute_with_units
from annotator.ops.agreement.report import rounded
from annotator.ops.agreement.fast import compress, percent_by_group, weighted_alpha
from annotator.project import Project
from annotator.stats import krippendorff_alpha, percent_agreement


def _three_coders(project: Project) -> list[str]:
    """ada and ben code both documents, cyd only the first; spans overlap and labels differ."""
    project.annotators.ensure("cyd")
    docs = project.documents.ids()
    spans = {
        "ada": [("Economic", 4, 11), ("Morality", 8, 30), ("Political", 40, 60)],
        "ben": [("Economic", 4, 11), ("Political", 14, 30), ("Political", 45, 52)],
        "cyd": [("Economic", 0, 11), ("Morality", 14, 22), ("Economic", 20, 41)],
    }
    for d, doc in enumerate(docs):
        for who, marks in spans.items():
            if who == "cyd" and d > 0:
                continue
            for label, start, end in marks:
                project.annotations.add(doc, who, "Framing", label, start + d, end + d)
            project.status.set(doc, who, Status.DONE)
    return docs


@pytest.mark.parametrize("unit", ["token", "sentence"])
def test_per_label_figures_are_those_of_each_labels_own_present_absent_table(project: Project, unit: str) -> None:
    _three_coders(project)
    computed = compute_with_units(project, AgreementRequest("Framing", unit, ("all",)))
    table = computed.table
    assert table is not None and computed.report.annotators == ("ada", "ben", "cyd")
    checked = 0
    for row in computed.report.per_label:
        presence = table.presence_of(row.label)  # the label's own coders x units matrix
        patterns, counts, group = compress(presence)
        alpha = weighted_alpha(patterns, counts, "nominal", [0.0, 1.0])
        percent = percent_by_group(patterns, counts, group, 1)[0]
        assert row.figures["alpha"].value == alpha.value
        assert row.figures["alpha"].undefined_reason == alpha.undefined_reason
        assert row.figures["alpha"].n_units == alpha.n_units
        assert row.figures["percent"].value == percent.value
        assert row.figures["percent"].details["pairs"] == percent.details["pairs"]
        # and both are the published measures of that matrix (cyd is missing on the second document)
        reference = krippendorff_alpha(presence, "nominal", [0.0, 1.0])
        if reference.value is None:
            assert row.figures["alpha"].value is None
        else:
            assert row.figures["alpha"].value == pytest.approx(reference.value, rel=1e-12)
            checked += 1
        assert row.figures["percent"].value == pytest.approx(percent_agreement(presence).value, rel=1e-12)
        assert np.isnan(presence[2, table.document_of_unit == 1]).all()
    assert checked >= 3  # Economic, Morality, Political vary; the unused labels are undefined
    assert any(row.figures["alpha"].value is None for row in computed.report.per_label)


def _dashboard(qtbot, tmp_path: Path, project: Project):  # noqa: ANN001, ANN202 - Qt objects
    """The main window on `project` and its agreement dashboard opened from the Analyze menu."""
    from annotator.gui.agreement import AgreementDashboard
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings

    window = MainWindow(AppSettings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    assert window.set_project(project, annotator="ada")
    window.show()
    qtbot.waitExposed(window)
    window.actions_by_name["agreement"].trigger()
    dashboard = window.findChildren(AgreementDashboard)[0]
    qtbot.waitExposed(dashboard)
    return window, dashboard


def _press_compute(qtbot, dashboard) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt

    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert dashboard.outcome == "computed", dashboard.status.text()


def _cells_match_the_report(dashboard) -> int:  # noqa: ANN001
    """Every cell of the Per document tab says what the report's rows say; returns the undefined cells seen."""
    from PySide6.QtCore import Qt

    from annotator.gui.agreement.charts import UNDEFINED_COLOUR
    from annotator.gui.agreement.tables import shade

    model, view = dashboard.documents.model, dashboard.documents.view
    rows = dashboard.report.per_document
    keys = [k for k in ("alpha_u", "alpha", "percent", "f1_overlap") if any(k in r.figures for r in rows)]
    assert model.rowCount() == len(rows) and model.columnCount() == 3 + len(keys)
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    undefined = 0
    for r, row in enumerate(rows):
        cell = [model.index(r, c) for c in range(model.columnCount())]
        assert [cell[0].data(), cell[1].data(), cell[2].data()] == [r + 1, row.title, f"{row.n_units:,}"]
        assert cell[1].data(Qt.ItemDataRole.ToolTipRole).startswith(f"{row.title}\nannotators: ")
        assert cell[0].data(Qt.ItemDataRole.TextAlignmentRole) == right and cell[1].data(
            Qt.ItemDataRole.TextAlignmentRole) is None
        for c, key in enumerate(keys, 3):
            figure = row.figures[key]
            if figure.value is None:
                undefined += 1
                assert cell[c].data() == "undefined"
                assert cell[c].data(Qt.ItemDataRole.ToolTipRole) == f"undefined: {figure.undefined_reason}"
                assert cell[c].data(Qt.ItemDataRole.ForegroundRole) == UNDEFINED_COLOUR
                assert cell[c].data(Qt.ItemDataRole.BackgroundRole) is None
            else:
                assert cell[c].data() == rounded(figure.value)
                assert cell[c].data(Qt.ItemDataRole.ToolTipRole) == repr(figure.value)
                assert cell[c].data(Qt.ItemDataRole.BackgroundRole) == shade(figure.value)
                assert cell[c].data(Qt.ItemDataRole.ForegroundRole) is None
            assert cell[c].data(Qt.ItemDataRole.TextAlignmentRole) == right
    # the columns are sized to what they show: no figure is cut off
    for c in (0, 2, *range(3, 3 + len(keys))):
        widest = max(view.sizeHintForColumn(c), view.horizontalHeader().sectionSizeHint(c))
        assert view.columnWidth(c) >= widest
    return undefined


def test_per_document_cells_show_the_report_they_were_filled_from_and_the_next_one_after_an_edit(
        qtbot, tmp_path: Path, project: Project) -> None:
    docs = project.documents.ids()
    for who, label in (("ada", "Economic"), ("ben", "Economic"), ("ada", "Morality"), ("ben", "Political")):
        project.annotations.add(docs[0], who, "Framing", label, 4 if label == "Economic" else 14,
                                11 if label == "Economic" else 30)
    for doc in docs:  # both coded the second document too, and marked nothing there
        for who in ("ada", "ben"):
            project.status.set(doc, who, Status.DONE)
    window, dashboard = _dashboard(qtbot, tmp_path, project)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_unit("token")
    _press_compute(qtbot, dashboard)
    dashboard.tabs.setCurrentWidget(dashboard.documents)
    assert _cells_match_the_report(dashboard) == 1  # the empty document: no variation, alpha undefined
    first = [dashboard.documents.model.index(r, 3).data() for r in range(2)]

    # An edit, then Compute again: the table shows the new figures, not the cells of the first report.
    window.project.annotations.add(docs[1], "ada", "Framing", "Economic", 0, 20)
    _press_compute(qtbot, dashboard)
    assert _cells_match_the_report(dashboard) == 0
    assert [dashboard.documents.model.index(r, 3).data() for r in range(2)] != first
    dashboard.controls.set_unit("sentence")
    _press_compute(qtbot, dashboard)
    assert "sentence" in dashboard.report.unit_description
    _cells_match_the_report(dashboard)
    dashboard.stop()


@pytest.mark.parametrize("seed", range(6))
def test_unit_labels_of_singly_and_multiply_covered_units_follow_the_tie_rule(seed: int) -> None:
    """Random tokens and spans that often overlap, touch and tie: each unit's label is
    stats.unit_labels' (the published cover and tie rules)."""
    from annotator.ops.agreement.fast import unit_label_codes
    from annotator.stats import unit_labels

    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 6, 200)
    starts = np.concatenate(([0], np.cumsum(lengths + rng.integers(0, 2, 200))[:-1]))
    ends = starts + lengths
    n = int(rng.integers(1, 120))
    span_start = rng.integers(0, int(ends[-1]) - 1, n)
    span_end = np.minimum(span_start + rng.integers(1, 25, n), int(ends[-1]))
    span_label = rng.integers(0, 4, n)
    labels = ["A", "B", "C", "D"]
    expected = unit_labels(starts, ends, {"x": [(int(s), int(e), labels[k]) for s, e, k in
                                                zip(span_start, span_end, span_label)]}, labels)
    got = unit_label_codes(starts, ends, span_start, span_end, span_label, 4)
    assert got.tolist() == expected.values[0].tolist()
    covered = np.bincount(np.concatenate([np.arange(len(starts))[(starts < e) & (ends > s)]
                                          for s, e in zip(span_start, span_end)]), minlength=len(starts))
    assert (covered == 1).any() and (covered > 1).any()  # both kinds of unit are there

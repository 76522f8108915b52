"""Analyze → Study progress…: done/assigned per annotator, the sample's overlap and the rounds,
re-read live as coders work; drift against gold on request, out of date once the project changes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.model import Role
from annotator.ops.assignments import assigned_documents, draw_assignments
from annotator.ops.rounds import start_round


def _rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _open(window):
    from annotator.gui.dialogs.study_progress import StudyProgressWindow

    window.actions_by_name["study_progress"].trigger()
    dialog = window.dialog
    assert isinstance(dialog, StudyProgressWindow) and dialog.isVisible() and not dialog.isModal()
    return dialog


def test_progress_overlap_and_rounds_follow_the_coders(qtbot, window) -> None:
    project = window.project
    dialog = _open(window)
    assert "No documents are assigned yet" in dialog.design_label.text()
    assert _rows(dialog.progress_table) == [] and _rows(dialog.rounds_table) == []
    draw_assignments(project, 0.5, ["ada", "ben"], coders=2, seed=3)
    start_round(project, "pilot")
    sampled = next(d for d in assigned_documents(project, "ada") if d in assigned_documents(project, "ben"))
    assert "Double-coding sample: 1 of 2 documents, 2 coders each, seed 3" in dialog.design_label.text()
    ada = len(assigned_documents(project, "ada"))
    assert _rows(dialog.progress_table) == [["ada", "0", str(ada), "0 %"], ["ben", "0", str(3 - ada), "0 %"]]
    assert dialog.overlap_label.text() == ("Overlap achieved: 0 of 1 sampled documents marked done by 2 or more "
                                           "of their coders.")
    assert _rows(dialog.rounds_table)[0][0::3] == ["pilot", "open: codebook frozen"]
    assert _rows(dialog.rounds_table)[0][1] == "1"
    # ada marks the sampled document done in the main window; then ben, as himself.
    window.show_document(sampled)
    window.actions_by_name["mark_done"].trigger()
    assert _rows(dialog.progress_table)[0][1] == "1"
    from annotator.model import Status

    project.status.set(sampled, "ben", Status.DONE)
    assert "1 of 1 sampled documents" in dialog.overlap_label.text()
    # The same action raises the open window rather than opening another.
    window.actions_by_name["study_progress"].trigger()
    assert window.dialog is dialog


def test_drift_without_gold_says_so_then_table_chart_and_out_of_date(qtbot, window) -> None:
    project = window.project
    first = project.documents.ids()[0]
    text = project.documents.text(first)
    dialog = _open(window)
    dialog.layer_box.setCurrentText("Framing")
    qtbot.mouseClick(dialog.compute_button, Qt.MouseButton.LeftButton)
    assert dialog.drift_message.text().startswith("No adjudicated gold set to compare with")
    assert dialog.drift_table.rowCount() == 0
    project.annotators.ensure("cura", Role.CURATOR)
    start = text.index("council")
    for who in ("cura", "ada"):
        project.annotations.add(first, who, "Framing", "Economic", start, start + len("council"))
    qtbot.mouseClick(dialog.compute_button, Qt.MouseButton.LeftButton)
    rows = _rows(dialog.drift_table)
    assert rows[-1] == ["ada", "all", "1", "1.000", "1.000", "1.000", "1.000"]
    assert dialog.chart is not None and dialog.chart.title == "F1 against gold, Framing"
    assert not dialog.stale_banner.isVisible()
    tax = text.index("tax")
    project.annotations.add(first, "ada", "Framing", "Morality", tax, tax + 3)  # drifts from gold
    assert dialog.stale_banner.isVisible()
    qtbot.mouseClick(dialog.recompute_button, Qt.MouseButton.LeftButton)
    assert not dialog.stale_banner.isVisible()
    assert _rows(dialog.drift_table)[-1][3] == "0.500"  # precision: one of ada's two spans is gold

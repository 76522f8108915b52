"""The change bus in the GUI: windows follow each other's changes without calling each other."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QThread, Qt
from PySide6.QtWidgets import QApplication

from annotator.gui.agreement import AgreementDashboard
from annotator.gui.dialogs.import_dialog import ImportDialog
from annotator.gui.panels.documents import COLUMNS
from annotator.project import ChangeSet, Project

from tests.gui.conftest import click_row, row_of_kind


def test_a_change_emitted_on_a_worker_thread_reaches_the_gui_thread(qtbot, window) -> None:
    arrived: list[tuple[str, bool]] = []
    window.events.sig_changed.connect(
        lambda changes: arrived.append((changes.description, QThread.currentThread() is QApplication.instance().thread())))
    worker = threading.Thread(target=lambda: window.project.events.emit(ChangeSet(description="from a worker")))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(arrived))
    assert arrived == [("from a worker", True)]


def test_accepting_in_the_review_shows_in_the_main_window_at_once(qtbot, review, demo_window) -> None:
    demo_window.actions_by_name["show_others"].trigger()  # the gold set is someone else's work
    assert demo_window.documents_panel.select_document(review.document_id)
    model = demo_window.documents_panel.model
    row, column = model.row_of(review.document_id), COLUMNS.index("Adjudicated")
    cell_before = model.data(model.index(row, column))
    click_row(qtbot, review.disagreement_list, row_of_kind(review, "label"))
    source = review._annotations[review.selected_source()]
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    gold = [(s, e, label) for s, e, _layer, label in demo_window.editor.highlighted_ranges()]
    curator_codes = [code for code in demo_window.editor.codes_at(source.start) if "(curator)" in code]
    assert curator_codes == [f"{source.layer}: {source.label} (curator)"], gold
    assert model.data(model.index(row, column)) != cell_before  # the documents table followed too


def test_tagging_with_the_dashboard_open_marks_its_figures_out_of_date(qtbot, window) -> None:
    window.actions_by_name["agreement"].trigger()
    dashboard = next(d for d in window.findChildren(AgreementDashboard))
    qtbot.waitExposed(dashboard)
    dashboard.controls.set_layer("Framing")
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert not dashboard.stale_banner.isVisible()
    window.activateWindow()
    window.editor.set_selection(4, 11)
    qtbot.keyClick(window.editor.view, "1")  # Framing → Economic
    assert dashboard.stale_banner.isVisible()
    assert "Figures are out of date" in dashboard.stale_label.text()
    assert "out of date" in dashboard.status.text()
    qtbot.mouseClick(dashboard.recompute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert not dashboard.stale_banner.isVisible() and "Computed" in dashboard.status.text()
    dashboard.stop()


def test_after_importing_three_files_undo_names_the_barrier(qtbot, window, project: Project, tmp_path: Path) -> None:
    window.editor.set_selection(4, 11)
    qtbot.keyClick(window.editor.view, "1")
    undo = window.actions_by_name["undo"]
    assert undo.isEnabled() and "Economic" in undo.text()
    folder = tmp_path / "incoming"
    folder.mkdir()
    for n in range(3):
        (folder / f"article{n}.txt").write_text(f"Article {n} on the city budget and its critics.", encoding="utf-8")
    window.actions_by_name["import"].trigger()
    dialog = next(d for d in window.findChildren(ImportDialog) if d.isVisible())
    dialog.add_paths(sorted(folder.iterdir()))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=20_000)
    assert dialog.outcome == "imported"
    assert window.documents_panel.model.rowCount() == 5
    assert not undo.isEnabled()
    assert undo.text().replace("&", "") == "Cannot undo past: import of 3 files"  # the menu adds its Alt letter
    assert undo.toolTip() == "Cannot undo past: import of 3 files"
    dialog.close()

"""Analyze → Co-occurrence on the demo project: the matrix and its heatmap, the association
figure named, a cell (in the table or the heatmap) listing its segments, a double click to
the text, out of date after a change; screenshots of the three windows for the README."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from annotator.gui.analysis.concordance import ConcordanceWindow
from annotator.gui.analysis.cooccurrence import CooccurrenceWindow

SHOTS = Path(os.environ["ANALYSIS_SHOTS"]) if os.environ.get("ANALYSIS_SHOTS") else None


def open_cooccurrence(qtbot, window, columns: str = "Rhetorical device") -> CooccurrenceWindow:
    """Analyze → Co-occurrence, Framing × `columns` within sentences."""
    window.actions_by_name["cooccurrence"].trigger()
    found = window.findChild(CooccurrenceWindow, "cooccurrence_window")
    assert found is not None and found.isVisible()
    qtbot.waitExposed(found)
    qtbot.waitUntil(lambda: not found.runner.running, timeout=10000)
    found.layer_b.setCurrentIndex(found.layer_b.findText(columns))
    qtbot.waitUntil(lambda: not found.runner.running, timeout=10000)
    return found


def cell(grid, row_label: str, column_label: str):
    rows = [grid.verticalHeaderItem(r).text() for r in range(grid.rowCount())]
    columns = [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())]
    return grid.item(rows.index(row_label), columns.index(column_label))


def test_the_matrix_names_its_unit_and_association_a_cell_lists_its_segments_and_screenshots(
        qtbot, demo_window, tmp_path: Path) -> None:
    """One window: the matrix (Framing × Rhetorical device within sentences) names its unit and
    association, a cell in the table or the heatmap lists its segments, a double click shows the
    place; then, with everyone's codes, the screenshots of the windows at 1200×800 and 1024×640
    (saved to ANALYSIS_SHOTS when set, for the README). Each part once had a window of its own."""
    from tests.gui.test_gui_review_fixes2 import names_are_readable, shoot

    cooccurrence = open_cooccurrence(qtbot, demo_window)
    # whole label names (a review finding, once in test_gui_review_fixes2.py)
    names_are_readable(cooccurrence.grid)
    shoot(cooccurrence, "cooccurrence")
    heading = cooccurrence.heading.text()
    assert "Framing × Rhetorical device: co-occurrences within the same sentence — ada's codes" in heading, heading
    assert "Jaccard = sentences with both / with either" in heading, heading
    table = cooccurrence.table
    assert table is not None and table.pairs, "matrix: pairs"
    pair = max(table.pairs, key=lambda p: p.count)
    a, b = pair.a.split(":", 1)[1], pair.b.split(":", 1)[1]
    item = cell(cooccurrence.grid, a, b)
    assert item.text() == f"{pair.count} · {pair.jaccard:.2f}", "matrix: the cell's count and Jaccard"
    grid = cooccurrence.grid
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualItemRect(item).center())
    qtbot.waitUntil(lambda: not cooccurrence.segment_runner.running, timeout=10000)
    hits = cooccurrence.segments.kwic.hits
    assert len(hits) == pair.count, "cell: one place per sentence holding both (one annotator)"
    assert all(pair.a in h.codes and pair.b in h.codes for h in hits), "cell: places with both codes"
    assert cooccurrence.segments_heading.text().startswith(f"<b>{pair.count}</b> place(s)"), "cell: heading"
    # the same cell clicked in the heatmap
    cooccurrence.segments.kwic.set_hits([])
    point = cooccurrence.heatmap.point_of(a, b)
    qtbot.mouseClick(cooccurrence.heatmap.canvas, Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: not cooccurrence.segment_runner.running and bool(cooccurrence.segments.kwic.hits),
                    timeout=10000)
    assert cooccurrence.segments.kwic.hits == hits, "heatmap: the same places as the table's cell"
    # a double click shows the place in the main window
    view = cooccurrence.segments
    rect = view.visualRect(view.model().index(0, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert demo_window.document_id == hits[0].document_id, "double click: the document"
    assert demo_window.editor.selection() == (hits[0].start, hits[0].end), "double click: the place"

    # --- screenshots of the analysis windows, with everyone's codes
    demo_window.actions_by_name["show_others"].trigger()
    cooccurrence.scope_bar.whose.setCurrentIndex(cooccurrence.scope_bar.whose.findText("everyone"))
    qtbot.waitUntil(lambda: not cooccurrence.runner.running, timeout=10000)
    assert "everyone's codes" in cooccurrence.heading.text(), "screenshots: everyone's codes"
    pair = max(cooccurrence.table.pairs, key=lambda p: p.count)
    cooccurrence.show_segments(pair.a.split(":", 1)[1], pair.b.split(":", 1)[1])
    qtbot.waitUntil(lambda: not cooccurrence.segment_runner.running, timeout=10000)
    demo_window.actions_by_name["concordance"].trigger()
    concordance = demo_window.findChild(ConcordanceWindow, "concordance_window")
    qtbot.keyClicks(concordance.query, "the charge")
    qtbot.mouseClick(concordance.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not concordance.runner.running, timeout=10000)
    assert concordance.view.model().rowCount() > 0, "screenshots: the concordance found the phrase"
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for widget, name in ((concordance, "concordance"), (cooccurrence, "cooccurrence")):
        # 1200×800 first: the size the windows open at, so the heatmap is not drawn again for it
        for width, height in ((1200, 800), (1024, 640)):
            widget.resize(width, height)
            qtbot.wait(50)
            image = widget.grab()
            assert image.width() >= width - 1 and not image.isNull(), f"screenshot: {name} at {width}×{height}"
            suffix = "" if width == 1200 else "-1024"
            assert image.save(str(folder / f"analysis-{name}{suffix}.png")), f"screenshot: {name}{suffix} saved"
    shoot(cooccurrence, "cooccurrence_small")  # a picture to look at (never asserted), at 1024×640


def test_a_change_makes_the_matrix_out_of_date_bad_input_is_said_and_one_layer_against_itself(
        qtbot, demo_window) -> None:
    """One window: a change makes the matrix out of date until Refresh; a document layer is refused
    in words; then one layer against itself (within documents) with empty labels hidden or shown."""
    cooccurrence = open_cooccurrence(qtbot, demo_window)
    # --- a change makes the matrix out of date
    project = demo_window.project
    project.annotations.add(project.documents.ids()[1], "ada", "Rhetorical device", "Doubt", 0, 5)
    assert cooccurrence.stale_banner.isVisible(), "change: the out-of-date banner shows"
    qtbot.mouseClick(cooccurrence.stale_banner.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not cooccurrence.runner.running, timeout=10000)
    assert not cooccurrence.stale_banner.isVisible(), "change: the banner goes after Refresh"
    # --- bad input is said
    cooccurrence.layer_b.setCurrentIndex(cooccurrence.layer_b.findText("Overall stance"))  # a document layer
    qtbot.waitUntil(lambda: not cooccurrence.runner.running, timeout=10000)
    assert cooccurrence.message.is_error and "whole documents" in cooccurrence.message.message, "bad input: message"
    assert cooccurrence.grid.rowCount() == 0, "bad input: no table"

    # --- one layer against itself, empty labels hidden
    cooccurrence.layer_b.setCurrentIndex(cooccurrence.layer_b.findText("Framing"))
    qtbot.waitUntil(lambda: not cooccurrence.runner.running, timeout=10000)
    cooccurrence.within.setCurrentIndex(cooccurrence.within.findData("document"))
    qtbot.waitUntil(lambda: not cooccurrence.runner.running, timeout=10000)
    table = cooccurrence.table
    assert table is not None and table.within == "document" and table.pairs, "itself: a table within documents"
    assert tuple(table.layers) == ("Framing", "Framing"), f"itself: the layers {table.layers}"
    assert all(p.a != p.b for p in table.pairs), "itself: no label paired with itself"
    grid = cooccurrence.grid
    shown = grid.rowCount()
    assert shown <= len(table.labels_a), "itself: empty labels hidden"
    pair = table.pairs[0]
    a, b = pair.a.split(":", 1)[1], pair.b.split(":", 1)[1]
    assert cell(grid, a, b).text().startswith(str(pair.count)) and cell(grid, b, a).text() == cell(grid, a, b).text(), \
        "itself: a symmetric matrix"
    cooccurrence.hide_empty.click()
    assert grid.rowCount() == len(table.labels_a) == 15, "itself: every label once empty ones are shown"

"""Analyze → Frequencies on the demo project: counts checked against the stored annotations
(plain SQL), a cell and a bar open the concordance on their segments, the chart exports,
the window says when the project changed, and the main window starts without matplotlib."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt

from annotator.gui.analysis.concordance import ConcordanceWindow
from annotator.gui.analysis.frequencies import FrequenciesWindow
from tests.gui.conftest import stored

SHOTS = Path(os.environ["ANALYSIS_SHOTS"]) if os.environ.get("ANALYSIS_SHOTS") else None
SPANS = ("SELECT d.source, l.name FROM annotations AS a JOIN labels AS l ON l.id = a.label_id "
         "JOIN layers AS y ON y.id = l.layer_id JOIN annotators AS n ON n.id = a.annotator_id "
         "JOIN documents AS d ON d.id = a.document_id WHERE n.name = ? AND y.name = ?")


def open_frequencies(qtbot, window) -> FrequenciesWindow:
    """Analyze → Frequencies from the main window's action, counted once."""
    window.actions_by_name["frequencies"].trigger()
    found = window.findChild(FrequenciesWindow, "frequencies_window")
    assert found is not None and found.isVisible()
    qtbot.waitExposed(found)
    qtbot.waitUntil(lambda: not found.runner.running, timeout=10000)
    return found


def choose(qtbot, frequencies: FrequenciesWindow, box, data: object) -> None:
    """Pick an entry of a combo box (the window counts again)."""
    box.setCurrentIndex(box.findData(data) if box.findData(data) >= 0 else box.findText(str(data)))
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)


def shown(frequencies: FrequenciesWindow) -> dict[tuple[str, str], str]:
    """The table as the user reads it: (group, label) -> the cell's text, non-zero cells only."""
    grid = frequencies.grid
    cells = {}
    for r in range(grid.rowCount()):
        for c in range(grid.columnCount()):
            if grid.item(r, c).text() != "0":
                cells[(grid.horizontalHeaderItem(c).text(), grid.verticalHeaderItem(r).text())] = grid.item(r, c).text()
    return cells


def test_counts_by_source_exports_and_a_cell_or_bar_opens_the_concordance(qtbot, demo_window,
                                                                          tmp_path: Path) -> None:
    """One frequencies window, read only: the counts (overall, then by source) are the stored
    annotations; the chart and table export, never over the project; a cell and a bar open the
    concordance on their segments. (Each part once had a window of its own: same checks.)"""
    from tests.gui.test_gui_review_fixes2 import names_are_readable, shoot

    frequencies = open_frequencies(qtbot, demo_window)
    # --- whole label names (a review finding, once in test_gui_review_fixes2.py)
    labels = [frequencies.grid.verticalHeaderItem(r).text() for r in range(frequencies.grid.rowCount())]
    assert "Legality, constitutionality and jurisprudence" in labels, "names: a long label listed"
    names_are_readable(frequencies.grid)
    shoot(frequencies, "frequencies")
    # --- the counts are the stored annotations
    assert frequencies.layer.currentText() == "Framing" and not frequencies.message.is_error
    expected = Counter(stored(Path(demo_window.project.path), SPANS, ("ada", "Framing")))
    assert shown(frequencies) == {("all", label): str(n) for label, n in
                                  Counter(label for _source, label in expected.elements()).items()}, "counts: all"
    choose(qtbot, frequencies, frequencies.by, "source")
    assert shown(frequencies) == {key: str(n) for key, n in expected.items()}, "counts: by source"
    assert "Framing: spans, by source — ada's codes" in frequencies.heading.text(), "counts: heading"
    assert frequencies.chart.title.startswith("Framing: spans, by source"), "counts: chart title"

    # --- charts export as PNG, SVG and PDF, the table as CSV, never over the project
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}
    for suffix, start in magic.items():
        written = frequencies.export_chart(tmp_path / f"chart.{suffix}")
        assert written is not None and written.read_bytes().startswith(start), f"export: chart.{suffix}"
    assert frequencies.export_chart(tmp_path / "chart.gif") is None, "export: .gif refused"
    assert "png, .svg or .pdf" in frequencies.message.message, "export: .gif refused, message"
    written = frequencies.export_csv(tmp_path / "table.csv")
    lines = written.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "layer,source,label,count_of,count" and "Framing,Port Averell Daily,Economic,spans,3" in lines, \
        "export: table.csv"
    project = Path(demo_window.project.path)
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    assert frequencies.export_chart(project.with_suffix(".annot")) is None, "export: the open project (a .annot name)"
    assert frequencies.export_csv(project) is None, "export: csv over the open project"
    assert "project file" in frequencies.message.message, "export: over the project, message"
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before, "export: the project is unchanged"
    if SHOTS is not None:
        frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("stacked"))
        frequencies.resize(1200, 800)
        qtbot.wait(100)
        frequencies.grab().save(str(SHOTS / "analysis-frequencies.png"))
        frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("bars"))

    # --- a cell and a bar open the concordance on their segments
    source, label = "Port Averell Daily", "Economic"
    count = int(shown(frequencies)[(source, label)])
    grid = frequencies.grid
    row = [grid.verticalHeaderItem(r).text() for r in range(grid.rowCount())].index(label)
    column = [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())].index(source)
    grid.scrollToItem(grid.item(row, column))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualItemRect(grid.item(row, column)).center())
    concordance = demo_window.findChild(ConcordanceWindow, "concordance_window")
    assert concordance is not None and concordance.isVisible(), "cell: the concordance opens"
    qtbot.waitUntil(lambda: not concordance.runner.running, timeout=10000)
    hits = concordance.view.kwic.hits
    assert not concordance.message.is_error, concordance.message.message
    assert len(hits) == count and {h.source for h in hits} == {source}, "cell: its segments"
    assert all("Framing:Economic" in h.codes for h in hits), "cell: the label's segments"
    assert concordance.scope_bar.where.text() == f"source={source}", "cell: the scope"
    concordance.close()

    frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("stacked"))
    source = "The Kestrel Harbour Courier"
    point = frequencies.chart.point_of(source, label)
    assert point is not None, "bar: drawn"
    qtbot.mouseClick(frequencies.chart.canvas, Qt.MouseButton.LeftButton, pos=point)
    concordance = demo_window.findChild(ConcordanceWindow, "concordance_window")
    qtbot.waitUntil(lambda: concordance.isVisible() and not concordance.runner.running, timeout=10000)
    assert len(concordance.view.kwic.hits) == int(shown(frequencies)[(source, label)]), "bar: its segments"
    assert {h.source for h in concordance.view.kwic.hits} == {source}, "bar: the source's segments"


def test_by_month_with_a_line_per_label_and_shares_of_characters(qtbot, demo_window) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    choose(qtbot, frequencies, frequencies.by, "date:month")
    assert [frequencies.grid.horizontalHeaderItem(c).text() for c in range(frequencies.grid.columnCount())] == [
        "2026-02", "2026-03", "2026-04", "2026-06", "2026-09"]
    frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("lines"))
    assert frequencies.chart.point_of("2026-04", "Economic") is not None
    choose(qtbot, frequencies, frequencies.count, "characters")
    assert all(text.endswith(" %") for text in shown(frequencies).values())


def test_a_change_makes_the_figures_out_of_date_and_bad_input_is_a_message(qtbot, demo_window) -> None:
    """One window: a change marks the figures out of date until Refresh; then bad input in the
    scope bar is a message, not a table."""
    frequencies = open_frequencies(qtbot, demo_window)
    # --- a change makes the figures out of date until refresh
    before = shown(frequencies)[("all", "Morality")] if ("all", "Morality") in shown(frequencies) else "0"
    project = demo_window.project
    document = project.documents.ids()[0]
    project.annotations.add(document, "ada", "Framing", "Morality", 0, 7)
    assert frequencies.stale_banner.isVisible(), "change: the out-of-date banner shows"
    qtbot.mouseClick(frequencies.stale_banner.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)
    assert not frequencies.stale_banner.isVisible(), "change: the banner goes after Refresh"
    assert int(shown(frequencies)[("all", "Morality")]) == int(before) + 1, "change: the new count"

    # --- bad input is a message, not a table
    qtbot.keyClicks(frequencies.scope_bar.where, "outlet=Herald")
    qtbot.keyClick(frequencies.scope_bar.where, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)
    assert frequencies.message.is_error and '"outlet"' in frequencies.message.message, "bad input: unknown field"
    assert frequencies.grid.rowCount() == 0 and not frequencies.export_csv_button.isEnabled(), "bad input: no table"
    frequencies.scope_bar.where.clear()
    qtbot.keyClicks(frequencies.scope_bar.date_from, "March")
    qtbot.keyClick(frequencies.scope_bar.date_from, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)
    assert frequencies.message.is_error and "YYYY-MM" in frequencies.message.message, "bad input: a date"


def test_the_main_window_starts_without_matplotlib(tmp_path: Path) -> None:
    """A fresh process: importing the app and showing the main window loads no matplotlib; opening
    the frequencies window does (the chart is drawn with it)."""
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "import annotator.gui.app\n"
        "from annotator.gui.main_window import MainWindow\n"
        "from annotator.gui.settings import AppSettings\n"
        "app = QApplication([])\n"
        f"window = MainWindow(AppSettings({str(tmp_path / 'settings.ini')!r}))\n"
        "window.show(); app.processEvents()\n"
        "window.actions_by_name['frequencies'].trigger()  # no project: a message, no window\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "[]"

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


def test_counts_by_source_are_the_stored_annotations(qtbot, demo_window) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    assert frequencies.layer.currentText() == "Framing" and not frequencies.message.is_error
    expected = Counter(stored(Path(demo_window.project.path), SPANS, ("ada", "Framing")))
    assert shown(frequencies) == {("all", label): str(n) for label, n in
                                  Counter(label for _source, label in expected.elements()).items()}
    choose(qtbot, frequencies, frequencies.by, "source")
    assert shown(frequencies) == {key: str(n) for key, n in expected.items()}
    assert "Framing: spans, by source — ada's codes" in frequencies.heading.text()
    assert frequencies.chart.title.startswith("Framing: spans, by source")


def test_a_cell_and_a_bar_open_the_concordance_on_their_segments(qtbot, demo_window) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    choose(qtbot, frequencies, frequencies.by, "source")
    source, label = "Port Averell Daily", "Economic"
    count = int(shown(frequencies)[(source, label)])
    grid = frequencies.grid
    row = [grid.verticalHeaderItem(r).text() for r in range(grid.rowCount())].index(label)
    column = [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())].index(source)
    grid.scrollToItem(grid.item(row, column))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualItemRect(grid.item(row, column)).center())
    concordance = demo_window.findChild(ConcordanceWindow, "concordance_window")
    assert concordance is not None and concordance.isVisible()
    qtbot.waitUntil(lambda: not concordance.runner.running, timeout=10000)
    hits = concordance.view.kwic.hits
    assert not concordance.message.is_error, concordance.message.message
    assert len(hits) == count and {h.source for h in hits} == {source}
    assert all("Framing:Economic" in h.codes for h in hits)
    assert concordance.scope_bar.where.text() == f"source={source}"
    concordance.close()

    frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("stacked"))
    source = "The Kestrel Harbour Courier"
    point = frequencies.chart.point_of(source, label)
    assert point is not None
    qtbot.mouseClick(frequencies.chart.canvas, Qt.MouseButton.LeftButton, pos=point)
    concordance = demo_window.findChild(ConcordanceWindow, "concordance_window")
    qtbot.waitUntil(lambda: concordance.isVisible() and not concordance.runner.running, timeout=10000)
    assert len(concordance.view.kwic.hits) == int(shown(frequencies)[(source, label)])
    assert {h.source for h in concordance.view.kwic.hits} == {source}


def test_by_month_with_a_line_per_label_and_shares_of_characters(qtbot, demo_window) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    choose(qtbot, frequencies, frequencies.by, "date:month")
    assert [frequencies.grid.horizontalHeaderItem(c).text() for c in range(frequencies.grid.columnCount())] == [
        "2026-02", "2026-03", "2026-04", "2026-06", "2026-09"]
    frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("lines"))
    assert frequencies.chart.point_of("2026-04", "Economic") is not None
    choose(qtbot, frequencies, frequencies.count, "characters")
    assert all(text.endswith(" %") for text in shown(frequencies).values())


def test_charts_export_as_png_svg_pdf_and_the_table_as_csv_never_over_the_project(qtbot, demo_window,
                                                                                  tmp_path: Path) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    choose(qtbot, frequencies, frequencies.by, "source")
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}
    for suffix, start in magic.items():
        written = frequencies.export_chart(tmp_path / f"chart.{suffix}")
        assert written is not None and written.read_bytes().startswith(start)
    assert frequencies.export_chart(tmp_path / "chart.gif") is None
    assert "png, .svg or .pdf" in frequencies.message.message
    written = frequencies.export_csv(tmp_path / "table.csv")
    lines = written.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "layer,source,label,count_of,count" and "Framing,Port Averell Daily,Economic,spans,3" in lines
    project = Path(demo_window.project.path)
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    assert frequencies.export_chart(project.with_suffix(".annot")) is None  # the open project (a .annot name)
    assert frequencies.export_csv(project) is None
    assert "project file" in frequencies.message.message
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    if SHOTS is not None:
        frequencies.chart_kind.setCurrentIndex(frequencies.chart_kind.findData("stacked"))
        frequencies.resize(1200, 800)
        qtbot.wait(100)
        frequencies.grab().save(str(SHOTS / "analysis-frequencies.png"))


def test_a_change_makes_the_figures_out_of_date_until_refresh(qtbot, demo_window) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    before = shown(frequencies)[("all", "Morality")] if ("all", "Morality") in shown(frequencies) else "0"
    project = demo_window.project
    document = project.documents.ids()[0]
    project.annotations.add(document, "ada", "Framing", "Morality", 0, 7)
    assert frequencies.stale_banner.isVisible()
    qtbot.mouseClick(frequencies.stale_banner.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)
    assert not frequencies.stale_banner.isVisible()
    assert int(shown(frequencies)[("all", "Morality")]) == int(before) + 1


def test_bad_input_is_a_message_not_a_table(qtbot, demo_window) -> None:
    frequencies = open_frequencies(qtbot, demo_window)
    qtbot.keyClicks(frequencies.scope_bar.where, "outlet=Herald")
    qtbot.keyClick(frequencies.scope_bar.where, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)
    assert frequencies.message.is_error and '"outlet"' in frequencies.message.message
    assert frequencies.grid.rowCount() == 0 and not frequencies.export_csv_button.isEnabled()
    frequencies.scope_bar.where.clear()
    qtbot.keyClicks(frequencies.scope_bar.date_from, "March")
    qtbot.keyClick(frequencies.scope_bar.date_from, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not frequencies.runner.running, timeout=10000)
    assert frequencies.message.is_error and "YYYY-MM" in frequencies.message.message


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

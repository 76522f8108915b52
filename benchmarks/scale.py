"""Steps a user takes in a large project (10,000 documents, 200,000 annotations), each timed
from the action to its paint: scrolling the documents table a page, and switching the editor
to the next document (run offscreen: QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.gui.panels.documents import DocumentsPanel
from annotator.project import Project

from .gui import _application, _dispose, _editor, _painted, _settle
from .synthetic import build_project, large_project_texts, spread_spans

FRAME_S = 1 / 60


def _steps(times: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    """Median, p90 and max of wall-clock steps, how many took over a frame; with `cpu`, the
    median CPU time of the same steps (what a shared machine's load does not inflate as much)."""
    ordered = sorted(times)
    found = {"median_s": statistics.median(times), "p90_s": ordered[int(0.9 * (len(ordered) - 1))],
             "max_s": ordered[-1], "over_one_frame": sum(t > FRAME_S for t in times), "steps": len(times)}
    if cpu:
        found["cpu_median_s"] = statistics.median(cpu)
    return found


def time_table_scroll(project: Project, annotator: str, steps: int, cpu: list[float] | None = None) -> list[float]:
    """Seconds per page scrolled down the documents table (rows fetched a page at a time), painted;
    the CPU seconds of each step are appended to `cpu` when given."""
    panel = DocumentsPanel()
    panel.resize(420, 800)
    panel.set_project(project, annotator)
    panel.show()
    _settle(0.2)
    bar = panel.view.verticalScrollBar()
    stride = max(1, (bar.maximum() - bar.value()) // max(1, steps))
    times = []
    try:
        for _ in range(steps):
            started, started_cpu = time.perf_counter(), time.process_time()
            bar.setValue(min(bar.maximum(), bar.value() + max(stride, bar.pageStep())))
            panel.view.viewport().repaint()  # the rows now on screen, fetched and painted
            times.append(time.perf_counter() - started)
            if cpu is not None:
                cpu.append(time.process_time() - started_cpu)
    finally:
        panel.close()
        panel.deleteLater()
    return times


def time_document_switches(project: Project, annotator: str, document_ids: list[str],
                           cpu: list[float] | None = None) -> list[float]:
    """Seconds from asking the editor for the next document to its text and codes painted; the CPU
    seconds of each switch are appended to `cpu` when given."""
    editor = _editor(project)
    times = []
    try:
        for document_id in document_ids:
            started, started_cpu = time.perf_counter(), time.process_time()
            editor.set_document(document_id, annotator)
            _painted(editor)
            times.append(time.perf_counter() - started)
            if cpu is not None:
                cpu.append(time.process_time() - started_cpu)
    finally:
        _dispose(editor)
    return times


def bench_scale(documents: int = 10_000, annotations: int = 200_000, steps: int = 60) -> dict[str, Any]:
    """Scrolling the documents table and switching documents in a large project, per step."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _application()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.annot"
        ids = build_project(path, large_project_texts(documents), spans=spread_spans("ada", annotations, documents, 3))
        scroll_cpu: list[float] = []
        switch_cpu: list[float] = []
        with Project.open(path) as project:
            scroll = time_table_scroll(project, "ada", steps, scroll_cpu)
            switch = time_document_switches(project, "ada", ids[1:steps + 1], switch_cpu)
    return {"documents": documents, "annotations": annotations,
            "table_scroll": _steps(scroll, scroll_cpu), "document_switch": _steps(switch, switch_cpu)}

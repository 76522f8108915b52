"""Reliability studies: drawing the double-coding sample and assigning 10,000 documents.

Target (issue 17): sampling and assignment of 10,000 documents to 10 annotators < 1 s,
stratified by outlet (5 outlets), 20 % double-coded, stored as one undoable operation.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.ops.assignments import draw_assignments
from annotator.project import Project

from .synthetic import build_project, make_articles
from .timing import median_time

ANNOTATORS = [f"coder{n}" for n in range(1, 11)]


def bench_study(documents: int = 10_000, runs: int = 3) -> dict[str, Any]:
    """Median seconds of the first draw (on fresh copies) and of a second draw replacing it."""
    with tempfile.TemporaryDirectory() as folder:
        built = Path(folder) / "built.annot"
        build_project(built, make_articles(documents, chars=300), annotators=ANNOTATORS)
        with Project.open(built) as project, project.db.atomic():
            project.db.execute("UPDATE documents SET source = 'Outlet ' || (position % 5)")
        first: list[float] = []
        replace: list[float] = []
        cpu: list[float] = []
        for run in range(runs):
            path = Path(folder) / f"study{run}.annot"
            shutil.copy(built, path)
            with Project.open(path) as project:
                started = time.process_time()
                first.append(median_time(lambda: draw_assignments(
                    project, 0.2, ANNOTATORS, coders=2, by="source", seed=run + 1), 1))
                cpu.append(time.process_time() - started)
                replace.append(median_time(lambda: draw_assignments(
                    project, 0.2, ANNOTATORS, coders=2, by="source", seed=run + 100, replace=True), 1))
                stored = project.db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0]
    return {"documents": documents, "annotators": len(ANNOTATORS), "assignments": stored,
            "assign_s": statistics.median(first),
            "assign_cpu_s": statistics.median(cpu), "assign_again_s": statistics.median(replace)}

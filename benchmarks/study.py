"""Reliability studies: drawing the double-coding sample and assigning 10,000 documents, and
agreement per round across five rounds.

Targets (issue 17): sampling and assignment of 10,000 documents to 10 annotators < 1 s,
stratified by outlet (5 outlets), 20 % double-coded, stored as one undoable operation; and
agreement per round across 5 rounds on 1,000 documents x 3 annotators < 5 s (`bench_rounds`:
the rounds table, alpha per label round by round as `annotator round table` computes it, and
each round's full default agreement report as `annotator agreement --round` computes it).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.ops.agreement import AgreementRequest, compute_agreement
from annotator.ops.assignments import draw_assignments
from annotator.ops.rounds import close_round, round_request, rounds_table, start_round
from annotator.project import Project

from .agreement import LAYER, agreeing_spans
from .synthetic import build_project, make_articles
from .timing import median_time

ANNOTATORS = [f"coder{n}" for n in range(1, 11)]


ROUND_CODERS = ["ada", "ben", "cy"]


def bench_rounds(documents: int = 1_000, rounds: int = 5, spans_each: int = 4, runs: int = 3) -> dict[str, Any]:
    """Median seconds of the rounds table (alpha per label of Framing, token unit, for every
    round) and of each round's default agreement report, `rounds` rounds on all `documents`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rounds.annot"
        build_project(path, make_articles(documents, chars=1500), annotators=ROUND_CODERS,
                      spans=agreeing_spans(ROUND_CODERS, spans_each, seed=3))
        with Project.open(path) as project:
            for number in range(1, rounds + 1):
                start_round(project, f"round-{number}", scope="all")
            close_round(project, f"round-{rounds}")
            names = [f"round-{number}" for number in range(1, rounds + 1)]
            annotations = project.db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
            started = time.process_time()
            table_s = median_time(lambda: rounds_table(project, LAYER), runs)
            table_cpu = (time.process_time() - started) / runs

            def every_round() -> None:
                for name in names:
                    request, _ = round_request(project, name, AgreementRequest(layer=LAYER))
                    compute_agreement(project, request)

            started = time.process_time()
            reports_s = median_time(every_round, runs)
            reports_cpu = (time.process_time() - started) / runs
            table = rounds_table(project, LAYER)
    return {"documents": documents, "rounds": rounds, "annotators": len(ROUND_CODERS), "annotations": annotations,
            "layer": LAYER, "unit": table["rounds"][0]["unit"], "labels": len(table["labels"]),
            "rounds_table_s": table_s, "rounds_table_cpu_s": table_cpu,
            "agreement_per_round_s": reports_s, "agreement_per_round_cpu_s": reports_cpu}


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
            "assign_cpu_s": statistics.median(cpu), "assign_again_s": statistics.median(replace),
            "rounds": bench_rounds()}

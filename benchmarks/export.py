"""JSONL, DocBin and Parquet exports of a large project."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from annotator.ops.exporting import export_project
from annotator.project import Project

from .synthetic import build_project, large_project_texts, spread_spans


def bench_export(documents: int = 10_000, annotations: int = 200_000) -> dict[str, float]:
    """Time JSONL, DocBin and Parquet (target < 5 s) exports of a project of `documents` documents with `annotations`
    annotations spread over them (wall-clock and CPU seconds; the CPU figure is the one to
    trust on a busy machine)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bench.annot")
        started = time.perf_counter()
        spans = spread_spans("ada", annotations, documents, seed=11, longest=5)
        build_project(path, large_project_texts(documents), spans=spans)
        built = time.perf_counter() - started
        with Project.open(path) as project:
            figures: dict[str, float] = {"documents": len(project.documents),
                                         "annotations": project.annotations.count(), "build_s": round(built, 2)}
            for fmt, suffix in (("jsonl", ".jsonl"), ("spacy", ".spacy"), ("parquet", "")):
                started, cpu = time.perf_counter(), time.process_time()
                export_project(project, fmt, Path(folder, "out" + suffix), save_report=False)
                figures[f"{fmt}_s"] = round(time.perf_counter() - started, 2)
                figures[f"{fmt}_cpu_s"] = round(time.process_time() - cpu, 2)
    return figures

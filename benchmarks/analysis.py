"""Analysis on the large project: concordance, frequencies and co-occurrence (issue 13's figures).

10,000 documents of about 3,000 characters, 200,000 annotations of one annotator spread over
them, five outlets and twelve months of dates. The full-text index is built before timing
(an import builds it). Figures are medians of several runs, wall clock and CPU (on a shared
machine the CPU figure is the one to compare with the targets).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from annotator.project import Project
from annotator.queries.analysis import Scope, cooccurrence, frequencies, kwic

from .synthetic import build_project, make_articles, spread_spans
from .timing import median_time

OUTLETS = ("Herald", "Courier", "Gazette", "Tribune", "Observer")


def _word(texts: list[str]) -> tuple[str, int]:
    """A word of the corpus found in about a tenth of the documents (a realistic query)."""
    counts: Counter[str] = Counter()
    for text in texts[:500]:
        counts.update({w.lower() for w in re.findall(r"[A-Za-z]{5,}", text)})
    word, seen = min(counts.items(), key=lambda item: (abs(item[1] - 50), item[0]))
    return word, seen


def _median_cpu(action: Any, runs: int) -> float:
    """Median CPU seconds of `runs` calls (the figure to trust on a busy, shared machine)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times)


def bench_analysis(documents: int = 10_000, annotations: int = 200_000, runs: int = 5) -> dict[str, Any]:
    """Time the analyses the issue sets targets for; seconds (medians of `runs`)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bench.annot")
        started = time.perf_counter()
        texts = make_articles(documents, chars=3000, seed=13)
        build_project(path, texts, spans=spread_spans("ada", annotations, documents, seed=17, longest=6))
        with Project.open(path) as project:
            with project.db.atomic():
                project.db.execute(
                    "UPDATE documents SET source = CASE position % 5 " +
                    " ".join(f"WHEN {i} THEN '{name}'" for i, name in enumerate(OUTLETS)) + " END, "
                    "date = printf('2026-%02d-%02d', position % 12 + 1, position % 28 + 1)")
            project.documents.index_for_search()
        built = time.perf_counter() - started
        word, seen = _word(texts)
        ada = Scope(annotator="ada")
        with Project.open(path, readonly=True) as project:
            figures: dict[str, Any] = {
                "documents": len(project.documents), "annotations": project.annotations.count(),
                "build_s": round(built, 1), "word": word,
                "word_hits": kwic(project, query=word, scope=ada, limit=200).total,
            }
            timed = {
                "kwic_word_first_200_s": lambda: kwic(project, query=word, scope=ada, limit=200),
                "kwic_label_first_200_s": lambda: kwic(project, label=("Framing", "Economic"), scope=ada, limit=200),
                "frequencies_source_x_label_s": lambda: frequencies(project, layer="Framing", by="source", scope=ada),
                "frequencies_month_x_label_s": lambda: frequencies(project, layer="Framing", by="date:month",
                                                                   scope=ada),
                "frequencies_month_characters_s": lambda: frequencies(project, layer="Framing", by="date:month",
                                                                      count="characters", scope=ada),
                "cooccurrence_sentence_framing_x_device_s": lambda: cooccurrence(
                    project, layers=("Framing", "Rhetorical device"), within="sentence", scope=ada),
                "cooccurrence_overlap_framing_x_device_s": lambda: cooccurrence(
                    project, layers=("Framing", "Rhetorical device"), within="overlap", scope=ada),
            }
            for name, action in timed.items():
                figures[name] = round(median_time(action, runs), 3)
                figures[name[: -len("_s")] + "_cpu_s"] = round(_median_cpu(action, runs), 3)
            figures["label_hits"] = kwic(project, label=("Framing", "Economic"), scope=ada, limit=200).total
    return figures

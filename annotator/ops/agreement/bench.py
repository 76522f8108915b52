"""Benchmark: every agreement measure of one layer on a large generated project."""

from __future__ import annotations

import random
import re
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

LAYER = "Framing"


def build_agreement_project(path: Path, n_documents: int, n_annotators: int, spans_each: int,
                            seed: int = 11) -> list[str]:
    """A project whose annotators mostly agree on `spans_each` Framing spans per document.

    Rows go straight into the project's stores in two transactions (regex tokens and
    sentences instead of spaCy), so building takes seconds.  Returns the annotator names.
    """
    from ...bench import make_articles
    from ...model import Document, Status
    from ...project import Project
    from ...project.history import now
    from ...segmentation import Segmentation
    from ..importing import text_hash

    rng = random.Random(seed)
    names = [f"coder{k + 1}" for k in range(n_annotators)]
    texts = make_articles(n_documents, chars=1500, seed=seed)
    with Project.create(path) as project:
        ids = [project.annotators.ensure(name).id for name in names]
        layer = project.codebook.layer(LAYER)
        label_ids = [label.id for label in layer.labels]
        stamp = now()
        annotations, statuses = [], []
        with project.db.atomic():
            for position, text in enumerate(texts):
                tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
                sentences = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]?", text)
                             if m.group().strip()]
                document_id = str(uuid.UUID(int=position + 1))
                project.documents.insert(
                    Document(document_id, text_hash(text), f"Article {position}", "Bench", "", "", "", "en",
                             {}, len(text), len(tokens), len(sentences), "regex", "bench", stamp, position),
                    text, Segmentation.from_pairs(tokens, sentences),
                )
                truth = []
                for _ in range(spans_each):
                    first = rng.randrange(len(tokens) - 12)
                    truth.append((first, first + rng.randint(0, 10), rng.choice(label_ids)))
                for annotator_id in ids:
                    statuses.append((document_id, annotator_id, Status.DONE.value, stamp))
                    for first, last, label_id in truth:
                        if rng.random() < 0.2:  # a span of its own
                            first = rng.randrange(len(tokens) - 12)
                            last = first + rng.randint(0, 10)
                        elif rng.random() < 0.3:  # the same passage, a boundary moved
                            last = min(len(tokens) - 1, max(first, last + rng.choice((-1, 1))))
                        if rng.random() < 0.15:
                            label_id = rng.choice(label_ids)
                        annotations.append((str(uuid.uuid4()), document_id, annotator_id, layer.id, label_id,
                                            tokens[first][0], tokens[last][1], "{}", "", stamp, stamp))
        with project.db.atomic():
            project.db.conn.executemany("INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?,?)", annotations)
            project.db.conn.executemany(
                "INSERT OR REPLACE INTO document_status (document_id, annotator_id, status, updated_at) "
                "VALUES (?, ?, ?, ?)", statuses)
    return names


def benchmark(n_documents: int = 1000, n_annotators: int = 3, spans_each: int = 60,
              runs: int = 3) -> dict[str, Any]:
    """Seconds of compute_agreement with every measure of one span layer (target < 3 s).

    Each unit is timed `runs` times on a freshly opened project; the best and the first
    run (which pays for one-time imports and a cold page cache) are reported, and the
    process CPU time of the best run (less sensitive to a busy shared machine).
    """
    from ...project import Project
    from .compute import compute_agreement
    from .request import AgreementRequest

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "agreement-bench.annot"
        started = time.perf_counter()
        build_agreement_project(path, n_documents, n_annotators, spans_each)
        result: dict[str, Any] = {
            "documents": n_documents, "annotators": n_annotators, "spans_each": spans_each,
            "annotations": n_documents * n_annotators * spans_each,
            "build_s": round(time.perf_counter() - started, 2),
        }
        for unit in ("token", "sentence", "char"):
            times, cpu = [], []
            with Project.open(path, readonly=True) as project:
                for _ in range(runs):
                    started, used = time.perf_counter(), time.process_time()
                    report = compute_agreement(project, AgreementRequest(LAYER, unit, ("all",)))
                    times.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - used)
            result[f"all_measures_{unit}_best_s"] = round(min(times), 3)
            result[f"all_measures_{unit}_first_s"] = round(times[0], 3)
            result[f"all_measures_{unit}_cpu_s"] = round(min(cpu), 3)
            if "alpha" in report.figures:
                result[f"alpha_{unit}"] = report.figures["alpha"].value
                result[f"{unit}_units"] = report.figures["alpha"].n_units
        result["alpha_u"] = report.figures["alpha_u"].value
        result["f1_overlap"] = report.figures["f1_overlap"].value
        return result

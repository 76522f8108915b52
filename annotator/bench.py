"""Benchmark: prints the figures the issues set targets for (`python -m annotator.bench`).

Timings are medians of several runs on this machine; expect noise of ±20 % on a shared
machine. Nothing here asserts: it measures and prints.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def _median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _sentences() -> list[str]:
    """Sentences to build articles from: the shared sample corpus if present, else generated."""
    found: list[str] = []
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.txt")):
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 4]
    if len(found) < 50:
        rng = random.Random(7)
        words = ("council vote charge workers city budget policy voters minister claims report "
                 "crisis market prices plan critics supporters water strike port union").split()
        found = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 25))).capitalize() + "."
                 for _ in range(400)]
    return found


def make_articles(count: int, chars: int = 3000, seed: int = 1) -> list[str]:
    """`count` distinct articles of about `chars` characters, in paragraphs."""
    rng = random.Random(seed)
    pool = _sentences()
    articles = []
    for n in range(count):
        parts: list[str] = [f"Article {n}."]
        size = 0
        while size < chars:
            paragraph = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 5)))
            parts.append(paragraph)
            size += len(paragraph) + 2
        articles.append("\n\n".join(parts))
    return articles


def bench_import(count: int, runs: int = 7) -> dict[str, Any]:
    """Import throughput against the bare spaCy pipeline on the same texts.

    Three things are timed in turn, `runs` times after one warm-up round: the bare spaCy
    pipeline over the texts in memory (one process: spaCy's own pace), `annotator import`
    as it runs for a user (a folder of files read, segmented, stored one transaction per
    file; spaCy in a worker process when the import is large and there are two cores),
    and the same import kept in one process (what a one-core machine gets). Throughput
    is wall-clock; CPU time (both processes summed) is given beside it, since the worker
    overlaps our reading and storing with spaCy rather than making them free.
    """
    import os

    import spacy

    from . import segmenter
    from .ops.importing import import_paths
    from .project import Project

    texts = make_articles(count)
    chars = sum(len(t) for t in texts)
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    timings: dict[str, list[tuple[float, float]]] = {"bare": [], "import": [], "one_process": []}
    worker_used = False
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "in").mkdir()
        for i, text in enumerate(texts):
            (base / "in" / f"{i:05d}.txt").write_text(text, encoding="utf-8")
        for run in range(runs + 1):  # run 0 warms every path: vocabulary, worker process
            wall, cpu = time.perf_counter(), time.process_time()
            list(pipeline.pipe(texts, batch_size=64))
            measured = {"bare": (time.perf_counter() - wall, time.process_time() - cpu)}
            for name, worker in (("import", None), ("one_process", False)):
                with Project.create(base / f"{name}{run}.annot") as project:
                    worker_cpu = segmenter.worker_cpu_seconds()
                    wall, cpu = time.perf_counter(), time.process_time()
                    report = import_paths(project, [base / "in"], segment_worker=worker)
                    measured[name] = (time.perf_counter() - wall,
                                      time.process_time() - cpu + segmenter.worker_cpu_seconds() - worker_cpu)
                    assert len(report.imported) == count, report.failed[:3]
                if worker is None:
                    worker_used = worker_used or segmenter.worker_pid() is not None
            if run:
                for name, value in measured.items():
                    timings[name].append(value)
    segmenter.stop_worker()
    wall = {name: statistics.median(w for w, _ in values) for name, values in timings.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in timings.items()}

    def ratio(name: str, part: int) -> float:
        """Median over rounds of bare/ours: each round's two timings are close in time,
        so a neighbour's load on a shared machine weighs on both alike."""
        return statistics.median(b[part] / o[part] for b, o in zip(timings["bare"], timings[name]))

    return {
        "articles": count,
        "characters": chars,
        "cores": os.cpu_count(),
        "worker_process": worker_used,
        "bare_spacy_wall_s": wall["bare"],
        "import_wall_s": wall["import"],
        "one_process_wall_s": wall["one_process"],
        "bare_spacy_cpu_s": cpu["bare"],
        "import_cpu_s": cpu["import"],
        "one_process_cpu_s": cpu["one_process"],
        "bare_spacy_chars_per_s": chars / wall["bare"],
        "import_chars_per_s": chars / wall["import"],
        "one_process_chars_per_s": chars / wall["one_process"],
        "ratio": ratio("import", 0),
        "ratio_cpu": ratio("import", 1),
        "ratio_one_process": ratio("one_process", 0),
    }


def build_large_project(path: Path, documents: int, annotations_on_first: int) -> str:
    """A project with `documents` short documents (segmented by a regex, not spaCy, for speed)
    and `annotations_on_first` annotations on one 30,000-character document; returns its id."""
    from .model import Document
    from .ops.importing import text_hash
    from .project import Project
    from .project.history import now
    from .segmentation import Segmentation

    texts = make_articles(documents, chars=1200, seed=3)
    big = make_articles(1, chars=30000, seed=4)[0]
    texts[0] = big
    with Project.create(path) as project:
        project.annotators.ensure("ada")
        stamp = now()
        with project.db.atomic():
            for position, text in enumerate(texts):
                tokens = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
                sentences = [(m.start(), m.end()) for m in re.finditer(r"[^.!?\n]+[.!?]?", text) if m.group().strip()]
                ident = str(uuid.UUID(int=position + 1))
                project.documents.insert(
                    Document(ident, text_hash(text), f"Article {position}", "Bench Herald", "", "2026-01-01", "",
                             "en", {}, len(text), len(tokens), len(sentences), "regex", "bench", stamp, position),
                    text, Segmentation.from_pairs(tokens, sentences),
                )
        first = str(uuid.UUID(int=1))
        seg = project.documents.segmentation(first)
        layers = ["Framing", "Stance", "Rhetorical device"]
        rng = random.Random(5)
        rows = []
        annotator_id = project.annotators.id("ada")
        for n in range(annotations_on_first):
            layer = project.codebook.layer(layers[n % 3])
            label = layer.labels[rng.randrange(len(layer.labels))]
            i = rng.randrange(len(seg.token_starts) - 10)
            rows.append((str(uuid.uuid4()), first, annotator_id, layer.id, label.id, seg.token_starts[i],
                         seg.token_ends[i + rng.randint(0, 8)], "{}", "", stamp, stamp))
        with project.db.atomic():
            project.db.conn.executemany("INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    return first


def bench_open(documents: int) -> dict[str, float]:
    """Open a large project and read the first screen of the document list; load one document."""
    from .project import Project

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.annot"
        first = build_large_project(path, documents, 500)

        def first_screen() -> None:
            with Project.open(path) as project:
                rows = project.documents.list(0, 60)
                project.status.for_annotator("ada")
                assert len(rows) == 60

        open_s = _median_time(first_screen, 5)
        with Project.open(path) as project:
            def load() -> None:
                project.documents._content.clear()  # nothing cached: as when switching documents
                project.documents.text(first)
                project.documents.segmentation(first)
                assert len(project.annotations.for_document(first, "ada")) == 500

            load_s = _median_time(load, 7)
    return {"documents": documents, "open_first_screen_s": open_s, "load_document_500_annotations_s": load_s}


def bench_startup() -> dict[str, float]:
    """Wall time of `annotator --help` and `annotator info` in fresh processes."""
    from .project import Project

    env_python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.annot"
        Project.create(path).close()
        help_s = _median_time(lambda: subprocess.run([env_python, "-m", "annotator", "--help"],
                                                     capture_output=True, check=True, cwd=ROOT), 5)
        info_s = _median_time(lambda: subprocess.run([env_python, "-m", "annotator", "info", str(path)],
                                                     capture_output=True, check=True, cwd=ROOT), 5)
    return {"help_s": help_s, "info_s": info_s}


def bench_gui() -> dict[str, float]:
    """Cold start of the main window on the demo project; open and add in the editor."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .gui.benchmark import time_cold_start
    from .gui.editor.benchmark import _application, build_benchmark_project, time_add_annotation, time_open_document
    from .ops.demo import build_demo

    with tempfile.TemporaryDirectory() as folder:
        demo = build_demo(Path(folder) / "demo.annot")
        starts = [time_cold_start(demo) for _ in range(5)]
        _application()
        project, document_id = build_benchmark_project(Path(folder) / "editor")
        try:
            opens = [time_open_document(project, document_id, "ada") for _ in range(7)]
            adds = [time_add_annotation(project, document_id, "ada") for _ in range(7)]
        finally:
            project.close()
    return {"cold_start_s": statistics.median(starts), "open_30k_1000_s": statistics.median(opens),
            "add_annotation_s": statistics.median(adds)}


def bench_agreement() -> dict[str, Any]:
    """Every measure of one layer on 1,000 documents x 3 annotators x 60 spans; alpha at scale."""
    from .ops.agreement import benchmark
    from .stats.benchmark import benchmark_alpha

    return {"layer": benchmark(), "alpha_5x100000": benchmark_alpha()}


def bench_exports() -> dict[str, Any]:
    """JSONL and DocBin exports of 10,000 documents with 200,000 annotations."""
    from .ops.exporting import benchmark

    return benchmark()


def bench_merge() -> dict[str, Any]:
    """Merging a 10,000-document, 200,000-annotation project into another."""
    from .ops.merge import benchmark

    return benchmark()


def bench_integrity(documents: int = 10_000, annotations: int = 200_000) -> dict[str, Any]:
    """What opening for writing costs on a large project: SQLite's quick_check (run at every
    open for writing; target under 1 s), the full integrity_check (run before an export),
    the rolling backup (written at most once a day), and the whole open with and without them."""
    import os
    import sqlite3

    from .project import Project
    from .store.database import open_database, rolling_backup_path, write_backup

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.annot"
        build_large_project(path, documents, annotations)
        conn = sqlite3.connect(path)
        pages, page_size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        quick = _median_time(lambda: conn.execute("PRAGMA quick_check").fetchall(), 5)
        full = _median_time(lambda: conn.execute("PRAGMA integrity_check").fetchall(), 3)
        backup_s = _median_time(lambda: write_backup(conn, Path(folder) / "copy.bak"), 3)
        conn.close()

        def bare_open() -> None:
            open_database(path).close()

        def open_checked() -> None:
            Project.open(path).close()

        def open_with_backup() -> None:
            rolling_backup_path(path).unlink(missing_ok=True)
            Project.open(path).close()

        previous = os.environ.get("ANNOTATOR_BACKUP")
        os.environ["ANNOTATOR_BACKUP"] = "0"
        try:
            bare_s = _median_time(bare_open, 5)
            checked_s = _median_time(open_checked, 5)
        finally:
            if previous is None:
                os.environ.pop("ANNOTATOR_BACKUP")
            else:
                os.environ["ANNOTATOR_BACKUP"] = previous
        backed_s = _median_time(open_with_backup, 5)
        return {
            "documents": documents, "annotations": annotations, "file_mb": round(path.stat().st_size / 1e6, 1),
            "page_size": page_size, "pages": pages, "cache_size": cache,
            "quick_check_s": quick, "integrity_check_s": full, "backup_s": backup_s,
            "open_without_checks_s": bare_s, "open_for_writing_s": checked_s,
            "open_for_writing_with_backup_s": backed_s,
        }


SECTIONS: dict[str, Callable[..., dict]] = {
    "startup": bench_startup,
    "import": bench_import,
    "open": bench_open,
    "gui": bench_gui,
    "agreement": bench_agreement,
    "export": bench_exports,
    "merge": bench_merge,
    "integrity": bench_integrity,
}


def _flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, item in value.items():
            rows += _flat(f"{prefix}.{key}" if prefix else str(key), item)
        return rows
    return [(prefix, value)]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print a table (or JSON)."""
    parser = argparse.ArgumentParser(prog="python -m annotator.bench", description=__doc__)
    parser.add_argument("--articles", type=int, default=1000, help="articles for the import benchmark")
    parser.add_argument("--documents", type=int, default=10_000, help="documents of the large project")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    results: dict[str, Any] = {}
    for name in chosen:
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}")
        if name == "import":
            results[name] = bench_import(args.articles)
        elif name == "open":
            results[name] = bench_open(args.documents)
        else:
            results[name] = SECTIONS[name]()
        if not args.json:
            _print_section(name, results[name])
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0


def _print_section(name: str, r: dict[str, Any]) -> None:
    ms = lambda seconds: f"{seconds * 1000:8.1f} ms"  # noqa: E731
    if name == "startup":
        print(f"annotator --help                          {ms(r['help_s'])}   [< 500 ms]")
        print(f"annotator info                            {ms(r['info_s'])}   [< 500 ms]")
    elif name == "import":
        mode = "spaCy in a worker process" if r["worker_process"] else "one process (no worker)"
        print(f"import {r['articles']} articles ({r['characters']:,} characters; {r['cores']} cores)")
        print(f"  bare spaCy blank+sentencizer            {r['bare_spacy_chars_per_s'] / 1e6:8.2f} M chars/s")
        print(f"  annotator import (read, segment, store) {r['import_chars_per_s'] / 1e6:8.2f} M chars/s   {mode}")
        print(f"  ratio (throughput, wall clock)          {r['ratio']:8.2f}      [>= 0.75]")
        print(f"  ratio of CPU time (both processes)      {r['ratio_cpu']:8.2f}      what one core would give")
        print(f"  ratio, import kept in one process       {r['ratio_one_process']:8.2f}")
    elif name == "open":
        print(f"open {r['documents']:,}-document project, first screen {ms(r['open_first_screen_s'])}   [< 300 ms]")
        print(f"load document + tokens + 500 annotations  {ms(r['load_document_500_annotations_s'])}   [< 30 ms]")
    elif name == "integrity":
        print(f"integrity of a {r['documents']:,}-document, {r['annotations']:,}-annotation project "
              f"({r['file_mb']} MB, {r['pages']:,} pages of {r['page_size']} bytes, cache_size {r['cache_size']})")
        print(f"  quick_check (every open for writing)    {ms(r['quick_check_s'])}   [< 1000 ms]")
        print(f"  integrity_check (before an export)      {ms(r['integrity_check_s'])}")
        print(f"  rolling backup (at most once a day)     {ms(r['backup_s'])}")
        print(f"  open, no check, no backup               {ms(r['open_without_checks_s'])}")
        print(f"  open for writing (quick_check)          {ms(r['open_for_writing_s'])}")
        print(f"  open for writing + rolling backup       {ms(r['open_for_writing_with_backup_s'])}")
    elif name == "gui":
        print(f"GUI cold start on the demo project        {ms(r['cold_start_s'])}   [< 1500 ms]")
        print(f"open 30,000 chars + 1,000 annotations     {ms(r['open_30k_1000_s'])}   [< 150 ms]")
        print(f"add one annotation (key to highlight)     {ms(r['add_annotation_s'])}")
    else:
        print(f"{name}:")
        for key, value in _flat("", r):
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  {key:<48} {shown}")


if __name__ == "__main__":
    raise SystemExit(main())

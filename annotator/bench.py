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


def bench_import(count: int) -> dict[str, float]:
    """Import throughput against the bare spaCy pipeline on the same texts."""
    import spacy

    from .ops.importing import import_paths
    from .project import Project

    texts = make_articles(count)
    chars = sum(len(t) for t in texts)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    list(nlp.pipe(texts[:20]))  # warm up
    bare = _median_time(lambda: list(nlp.pipe(texts, batch_size=64)), 3)
    ours = []
    for run in range(3):
        with tempfile.TemporaryDirectory() as folder:
            base = Path(folder)
            (base / "in").mkdir()
            for i, text in enumerate(texts):
                (base / "in" / f"{i:05d}.txt").write_text(text, encoding="utf-8")
            with Project.create(base / "b.annot") as project:
                start = time.perf_counter()
                report = import_paths(project, [base / "in"])
                ours.append(time.perf_counter() - start)
                assert len(report.imported) == count, report.failed[:3]
    took = statistics.median(ours)
    return {
        "articles": count,
        "characters": chars,
        "bare_spacy_s": bare,
        "import_s": took,
        "bare_spacy_chars_per_s": chars / bare,
        "import_chars_per_s": chars / took,
        "ratio": bare / took,
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


def _optional(name: str, call: Callable[[], dict]) -> dict:
    try:
        return call()
    except ImportError as error:
        return {"skipped": f"{name}: {error}"}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print a table (or JSON)."""
    parser = argparse.ArgumentParser(prog="python -m annotator.bench", description=__doc__)
    parser.add_argument("--articles", type=int, default=300, help="articles for the import benchmark")
    parser.add_argument("--documents", type=int, default=10_000, help="documents of the large project")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    results: dict[str, dict] = {}
    results["startup"] = bench_startup()
    results["import"] = bench_import(args.articles)
    results["open"] = bench_open(args.documents)
    results["agreement"] = _optional("stats", _bench_stats)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    s, i, o = results["startup"], results["import"], results["open"]
    print("Discourse Annotator benchmark (medians; targets from the issues in brackets)")
    print(f"  annotator --help                         {s['help_s'] * 1000:8.0f} ms   [< 500 ms]")
    print(f"  annotator info                           {s['info_s'] * 1000:8.0f} ms   [< 500 ms]")
    print(f"  import {i['articles']} articles ({i['characters']:,} chars)")
    print(f"    bare spaCy blank+sentencizer           {i['bare_spacy_chars_per_s'] / 1e6:8.2f} M chars/s")
    print(f"    annotator import (read, segment, store){i['import_chars_per_s'] / 1e6:8.2f} M chars/s")
    print(f"    ratio                                  {i['ratio']:8.2f}      [>= 0.75]")
    print(f"  open {o['documents']:,}-document project, first screen {o['open_first_screen_s'] * 1000:6.0f} ms   [< 300 ms]")
    print(f"  load document + tokens + 500 annotations {o['load_document_500_annotations_s'] * 1000:8.1f} ms   [< 30 ms]")
    a = results["agreement"]
    if "skipped" not in a:
        for key, value in a.items():
            print(f"  agreement: {key:<32} {value}")
    return 0


def _bench_stats() -> dict:
    from .stats.benchmark import benchmark_alpha

    return benchmark_alpha()


if __name__ == "__main__":
    raise SystemExit(main())

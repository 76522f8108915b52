"""The one builder of synthetic projects every benchmark suite uses.

A suite says what texts and which spans it wants; `build_project` stores them through
the project's own write paths: documents with `project.documents.insert` (the import's
path), annotators with `project.annotators.ensure`, and annotations and document status
as rows keyed by column name (`INSERT INTO t (col, …) VALUES (:col, …)`), many thousands
in one transaction (or, with `checked=True`, one `project.annotations.add` per span: the
editor's path, with its checks and its undo record). No positional `VALUES (?, …)`:
a schema change that renames or adds a required column fails here loudly instead of
shifting values into the wrong columns.

Tokens and sentences come from a regular expression by default (seconds for 10,000
documents) or from the app's spaCy pipeline (`spacy=True`), as an import makes them.
"""

from __future__ import annotations

import json
import random
import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.model import Codebook, Document, Status
from annotator.ops.importing import text_hash
from annotator.project import Project
from annotator.project.history import now
from annotator.nlp.segmentation import Segmentation

ROOT = Path(__file__).resolve().parent.parent
# The sample articles the texts are made from (../shared/corpus beside the checkout; without it,
# generated sentences, which are shorter: compare figures only between runs on the same texts).
# ANNOTATOR_BENCH_CORPUS names the folder, e.g. for an older checkout in a worktree elsewhere.
CORPUS = Path(os.environ.get("ANNOTATOR_BENCH_CORPUS") or ROOT.parent / "shared" / "corpus")
SPAN_LAYERS = ("Framing", "Stance", "Rhetorical device")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_BATCH = 20_000  # rows held in memory before they are written


def insert_rows(project: Project, table: str, rows: Sequence[dict[str, Any]], replace: bool = False) -> None:
    """Write `rows` (dicts keyed by column name, all with the same keys) into `table`, in the
    caller's transaction."""
    if not rows:
        return
    columns = list(rows[0])
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    project.db.conn.executemany(
        f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})", rows)


@dataclass(frozen=True, slots=True)
class Span:
    """One annotation to store: who, which label, and its character offsets."""

    annotator: str
    layer: str
    label: str
    start: int
    end: int
    attributes: dict[str, Any] = field(default_factory=dict)


SpanMaker = Callable[[int, Segmentation, Codebook], Iterable[Span]]
"""Given a document's position, its segmentation and the codebook: the spans to store on it."""


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


_WORDS = (
    "council budget residents harbour transport levy families drivers shop owners schools "
    "clinic river bridge housing rents wages tax ministry court ruling protest voters "
    "market growth jobs pollution safety crime police heritage tourism fishermen farmers"
).split()


def make_article(characters: int = 30_000, seed: int = 7) -> str:
    """A synthetic article of about `characters` characters, with emoji, accents and no-break spaces."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < characters:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 22))]
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words)), rng.choice(["\U0001F620", "José\u0301", "7\u00a0%"]))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:characters].rstrip() + "."


def large_project_texts(documents: int) -> list[str]:
    """The texts of the "large project": short articles, the first one 30,000 characters long."""
    texts = make_articles(documents, chars=1200, seed=3)
    texts[0] = make_articles(1, chars=30000, seed=4)[0]
    return texts


def regex_segmentation(text: str) -> Segmentation:
    """Tokens and sentences by a regular expression: close to spaCy's, a hundred times faster."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    return Segmentation.from_pairs(tokens, sentences)


def _spacy_segmentations(texts: Sequence[str], language: str) -> tuple[list[Segmentation], str]:
    """The segmentations the app's own pipeline gives (as an import stores them)."""
    from annotator.nlp import segment_items

    done = segment_items([(language, text) for text in texts], None, finished=True)
    tokenizer = done[0].tokenizer if done else "spacy"
    return [item.segmentation() for item in done], tokenizer


def build_project(
    path: Path,
    texts: Sequence[str],
    *,
    annotators: Sequence[str] = ("ada",),
    spans: SpanMaker | None = None,
    done: bool = False,
    checked: bool = False,
    spacy: bool = False,
    source: str = "Bench Herald",
    seed: int = 0,
) -> list[str]:
    """Create a project at `path` holding `texts` and the spans `spans` makes for each; its document ids.

    `annotators` are added first; `done` marks every document done for each of them;
    `checked` stores each span with `project.annotations.add` (slow, checked, undoable)
    instead of in bulk; `spacy` segments with the app's pipeline instead of a regex.
    Document ids are UUIDs numbered by position, annotation ids drawn from `seed`.
    """
    if spacy:
        segmentations, tokenizer = _spacy_segmentations(texts, "en")
    else:
        segmentations, tokenizer = [regex_segmentation(text) for text in texts], "regex"
    stamp = now()
    rng = random.Random(seed)
    document_ids = [str(uuid.UUID(int=position + 1)) for position in range(len(texts))]
    with Project.create(path) as project:
        annotator_ids = {name: project.annotators.ensure(name).id for name in annotators}
        with project.db.atomic():
            for position, (text, segmentation) in enumerate(zip(texts, segmentations)):
                project.documents.insert(
                    Document(document_ids[position], text_hash(text), f"Article {position}", source, "",
                             "2026-01-01", "", "en", {}, len(text), len(segmentation.token_starts),
                             len(segmentation.sentence_starts), tokenizer, "bench", stamp, position),
                    text, segmentation,
                )
        if spans is None and not done:
            return document_ids
        book = project.codebook.get()
        label_ids = {(layer.name, label.name): (layer.id, label.id) for layer in book.layers for label in layer.labels}
        rows: list[dict[str, Any]] = []
        with project.db.atomic():
            for position, segmentation in enumerate(segmentations):
                for span in (spans(position, segmentation, book) if spans else ()):
                    if checked:
                        project.annotations.add(document_ids[position], span.annotator, span.layer, span.label,
                                                span.start, span.end, attributes=span.attributes)
                        continue
                    layer_id, label_id = label_ids[span.layer, span.label]
                    rows.append({
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "document_id": document_ids[position], "annotator_id": annotator_ids[span.annotator],
                        "layer_id": layer_id, "label_id": label_id, "span_start": span.start, "span_end": span.end,
                        "attributes": json.dumps(span.attributes, sort_keys=True) if span.attributes else "{}",
                        "note": "",
                        "created_at": stamp, "updated_at": stamp,
                    })
                if len(rows) >= _BATCH:
                    insert_rows(project, "annotations", rows)
                    rows = []
            insert_rows(project, "annotations", rows)
            if done:
                insert_rows(project, "document_status", [
                    {"document_id": document_id, "annotator_id": annotator_id, "status": Status.DONE.value,
                     "updated_at": stamp} for document_id in document_ids for annotator_id in annotator_ids.values()
                ], replace=True)
        if checked:
            project.history.clear()
    return document_ids


def spread_spans(annotator: str, total: int, documents: int, seed: int, longest: int = 8) -> SpanMaker:
    """Spans of one annotator, `total` in all, spread evenly over `documents` documents (random
    labels of the three span layers, each 1 to `longest` + 1 tokens long)."""
    rng = random.Random(seed)
    each = max(1, total // max(1, documents))

    def make(position: int, segmentation: Segmentation, book: Codebook) -> Iterable[Span]:
        count = min(each, total - each * position) if position < documents - 1 else total - each * position
        layers = [book.layer(name) for name in SPAN_LAYERS]
        n = len(segmentation.token_starts)
        for _ in range(max(0, count)):
            layer = layers[rng.randrange(len(layers))]
            label = layer.labels[rng.randrange(len(layer.labels))]
            first = rng.randrange(n - longest - 2)
            yield Span(annotator, layer.name, label.name, segmentation.token_starts[first],
                       segmentation.token_ends[first + rng.randint(0, longest)])

    return make


def spans_on_first(annotator: str, count: int, seed: int = 5) -> SpanMaker:
    """`count` spans of one annotator, all on the first document (the three span layers in turn)."""
    rng = random.Random(seed)

    def make(position: int, segmentation: Segmentation, book: Codebook) -> Iterable[Span]:
        if position:
            return
        layers = [book.layer(name) for name in SPAN_LAYERS]
        for n in range(count):
            layer = layers[n % 3]
            label = layer.labels[rng.randrange(len(layer.labels))]
            i = rng.randrange(len(segmentation.token_starts) - 10)
            yield Span(annotator, layer.name, label.name, segmentation.token_starts[i],
                       segmentation.token_ends[i + rng.randint(0, 8)])

    return make


def build_large_project(path: Path, documents: int, annotations_on_first: int) -> str:
    """The large project: `documents` short documents and `annotations_on_first` spans by "ada"
    on the first, a 30,000-character document; returns that document's id."""
    ids = build_project(path, large_project_texts(documents), spans=spans_on_first("ada", annotations_on_first))
    return ids[0]

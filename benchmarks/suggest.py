"""Suggestion models: training time, suggestions for one document, throughput over a corpus.

Targets (issue 14, 2-core machine): training on 300 documents of 3,000 characters of gold
< 60 s; suggestions for one document with a loaded model < 100 ms; applying a model to
1,000 documents >= 0.5x the throughput of the bare spaCy blank pipeline on the same texts.

The data are generated "topic" articles: a label marks the sentences that contain a word
of its topic list, with 10 % of the sentences' labels flipped (label noise). The same
builder makes the learnability check of tests/test_training.py.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.model import Document, Role, Status
from annotator.nlp.segmentation import Segmentation
from annotator.ops.importing import text_hash
from annotator.project import Project
from annotator.project.history import now

from .timing import median_time

LAYER = "Framing"
TOPICS = {
    "Economic": "tax budget wages prices inflation salary economy market jobs rent".split(),
    "Crime and punishment": "police prison court theft burglary sentence judge arrest robbery fraud".split(),
}
FILLER = ("council residents harbour transport families drivers schools clinic river bridge housing "
          "protest voters pollution safety heritage tourism fishermen farmers the a of and to in on for "
          "with said will would could after before during new old local city minister mayor report plan "
          "critics supporters people year week").split()


@dataclass(slots=True)
class TopicCorpus:
    """A generated project: its document ids and, per document, each sentence's true labels."""

    path: Path
    document_ids: list[str]
    truth: dict[str, list[tuple[int, int, frozenset[str]]]] = field(default_factory=dict)


def topic_article(rng: random.Random, sentences: int) -> tuple[str, list[tuple[int, int, frozenset[str]]]]:
    """An article of `sentences` sentences; each sentence's offsets and the topics it really has."""
    parts: list[str] = []
    found: list[tuple[int, int, frozenset[str]]] = []
    at = 0
    for _ in range(sentences):
        words = [rng.choice(FILLER) for _ in range(rng.randint(6, 14))]
        labels = set()
        for label, topic in TOPICS.items():
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words) + 1), rng.choice(topic))
                labels.add(label)
        sentence = " ".join(words).capitalize() + "."
        if parts:
            at += 1  # the space between sentences
        found.append((at, at + len(sentence), frozenset(labels)))
        parts.append(sentence)
        at += len(sentence)
    return " ".join(parts), found


def _segmentation(nlp: Any, text: str, sentences: list[tuple[int, int, frozenset[str]]]) -> Segmentation:
    """spaCy's tokens of the text (whitespace left out, as on import) and the generated sentences."""
    tokens = [(token.idx, token.idx + len(token)) for token in nlp.make_doc(text) if not token.is_space]
    return Segmentation.from_pairs(tokens, [(s, e) for s, e, _ in sentences])


def build_topic_project(path: Path, documents: int, coded: int, sentences: int = 5, noise: float = 0.1,
                        seed: int = 0, coder: str = "curator", done: bool = True) -> TopicCorpus:
    """A project of `documents` generated articles; the first `coded` are coded by `coder` (the
    curator role when named "curator"): a Framing span over every sentence that carries a topic,
    with a share `noise` of the sentences' labels flipped, and (`done`) marked done by the coder.
    Stored through the project's own paths."""
    from annotator.nlp.spacy_pipeline import describe, pipeline

    rng = random.Random(seed)
    corpus = TopicCorpus(path, [])
    stamp = now()
    # Tokens by the blank English tokenizer, recorded as on import: suggestions read them
    # instead of tokenizing again (tests/test_model_stored_tokens.py).
    nlp = pipeline("en")
    tokenizer = describe(nlp)
    with Project.create(path) as project:
        project.annotators.ensure(coder, Role.CURATOR if coder == "curator" else Role.ANNOTATOR)
        with project.db.atomic():
            for position in range(documents):
                text, found = topic_article(rng, sentences)
                ident = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                segmentation = _segmentation(nlp, text, found)
                project.documents.insert(
                    Document(ident, text_hash(text), f"Topic article {position}", "Generated", "", "", "", "en", {},
                             len(text), len(segmentation.token_starts), len(found), tokenizer, "bench", stamp,
                             position), text, segmentation)
                corpus.document_ids.append(ident)
                corpus.truth[ident] = found
        with project.history.transaction():
            for ident in corpus.document_ids[:coded]:
                for start, end, labels in corpus.truth[ident]:
                    for label in TOPICS:
                        marked = label in labels
                        if rng.random() < noise:
                            marked = not marked
                        if marked:
                            project.annotations.add(ident, coder, LAYER, label, start, end)
                if done:
                    project.status.set(ident, coder, Status.DONE)
        project.history.clear()
    return corpus


def sentence_scores(suggested: Sequence[Any], corpus: TopicCorpus, document_ids: Sequence[str]
                    ) -> dict[str, dict[str, float]]:
    """Sentence-level precision and recall of suggestions against the true topics, per label."""
    got = {(s.document_id, s.start, s.label) for s in suggested}
    result = {}
    for label in TOPICS:
        tp = fp = fn = 0
        for ident in document_ids:
            for start, _end, labels in corpus.truth[ident]:
                predicted, actual = (ident, start, label) in got, label in labels
                tp += predicted and actual
                fp += predicted and not actual
                fn += actual and not predicted
        result[label] = {"precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
                         "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0}
    return result


def bench_suggest(documents: int = 1000) -> dict[str, Any]:
    """Train on 300 documents x 3,000 characters of gold; time suggestions for one document and
    over `documents` documents against the bare blank pipeline on the same texts."""
    import spacy

    from annotator.ops.models import loaded, active_model, model_suggestions, train

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "suggest.annot"
        corpus = build_topic_project(path, max(documents, 300), 300, sentences=43, seed=3)  # ~3,000 characters
        with Project.open(path) as project:
            started = time.perf_counter()
            result = train(project, LAYER)
            train_s = time.perf_counter() - started
            unseen = corpus.document_ids[300:] or corpus.document_ids[-50:]
            model = active_model(project, LAYER)
            assert model is not None
            load_started = time.perf_counter()
            loaded(project, model)
            load_s = time.perf_counter() - load_started
            one = unseen[0]
            project.documents.text(one)  # the open document's text is in memory, as in the editor
            one_s = median_time(lambda: model_suggestions(project, LAYER, [one]), 5)
            ids = corpus.document_ids[:documents]
            texts = [project.documents.text(i) for i in ids]
            chars = sum(len(t) for t in texts)
            blank = spacy.blank("en")
            bare_s = median_time(lambda: list(blank.pipe(texts, batch_size=64)), 3)
            apply_s = median_time(lambda: model_suggestions(project, LAYER, ids), 3)
            quality = sentence_scores(model_suggestions(project, LAYER, unseen), corpus, unseen)
        return {
            "train_documents": 300, "train_characters": sum(len(project_text) for project_text in texts[:300]),
            "train_s": round(train_s, 2), "train_target_s": 60.0, "n_train": result.n_train,
            "n_test": result.n_test, "held_out": result.per_label,
            "load_model_s": round(load_s, 3), "one_document_s": round(one_s, 4), "one_document_target_s": 0.1,
            "apply_documents": len(ids), "apply_characters": chars,
            "bare_blank_chars_per_s": round(chars / bare_s), "apply_chars_per_s": round(chars / apply_s),
            "apply_ratio": round(bare_s / apply_s, 2), "apply_ratio_target": 0.5,
            "unseen_sentence_quality": quality,
        }

"""Training, evaluating and storing a suggestions model: spaCy only, nothing of the project.

A model answers "which labels does this text carry?" for a list of texts: the sentences of
a document (span layers: sentence-level suggestions) or whole documents (document
layers). It is spaCy's `textcat_multilabel` with the bag-of-words architecture
(`spacy.TextCatBOW.v3`, unigrams), trained from scratch on CPU on a blank
pipeline: no vectors, nothing downloaded. Bag-of-words was chosen on measured figures
(benchmarks/suggest.py): on the learnability data it reaches the quality of the CNN
ensemble, trains in seconds instead of minutes and applies at the speed of the tokenizer.

`fit` holds out a share of the data by document (fixed seed), trains on the rest,
evaluates per label on the held-out share and returns the pipeline's bytes
(`to_bytes` / `load`). `fit_in_worker` runs `fit` in a separate process, relaying progress
and ending the process on Cancel, so that a window never waits on spaCy.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import AnnotatorError

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

FORMAT = 1  # layout of the stored blob: {"format", "config", "bytes"}
THRESHOLD = 0.5
MIN_EXAMPLES = 10  # texts carrying a label, at least, for the label to be learned
LEARN_RATE = 0.03  # Adam; spaCy's default 0.001 moves a sparse linear model too slowly (measured)
NGRAM_SIZE = 1  # unigrams: bigrams memorised label noise (F1 0.66 against 0.97 on the learnability data)
BOW_LENGTH = 1 << 16  # hashed features per label (a model of ~0.3 MB per label)

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]


class TrainingCancelled(AnnotatorError):
    """The user cancelled training; nothing was stored."""


class ModelLoadError(AnnotatorError):
    """A stored model cannot be loaded (made by a newer spaCy, or damaged)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One text to classify and the labels it carries; `group` is its document."""

    text: str
    labels: frozenset[str]
    group: str


@dataclass(slots=True)
class TrainingSet:
    """Texts split into training and held-out parts, with the labels to learn."""

    language: str
    unit: str  # "sentence" or "document"
    labels: tuple[str, ...]
    train: list[Item]
    test: list[Item]
    n_train_groups: int = 0
    n_test_groups: int = 0


@dataclass(slots=True)
class Fitted:
    """A trained pipeline's bytes and its evaluation on the held-out texts."""

    blob: bytes
    per_label: dict[str, dict[str, float]]
    epochs: int
    seconds: float
    n_train_items: int
    n_test_items: int
    losses: list[float] = field(default_factory=list)


def split(groups: Sequence[str], holdout: float, seed: int) -> tuple[set[str], set[str]]:
    """Split document ids into (train, test) sets: `holdout` of them (at least one) held out,
    chosen with `seed`, so the same data always gives the same split."""
    ordered = sorted(set(groups))
    random.Random(seed).shuffle(ordered)
    n_test = max(1, round(len(ordered) * holdout)) if len(ordered) > 1 else 0
    return set(ordered[n_test:]), set(ordered[:n_test])


def label_counts(items: Sequence[Item], labels: Sequence[str]) -> dict[str, int]:
    """How many texts carry each label."""
    counts = dict.fromkeys(labels, 0)
    for item in items:
        for label in item.labels:
            if label in counts:
                counts[label] += 1
    return counts


def build(language: str, labels: Sequence[str], ngram_size: int = NGRAM_SIZE) -> Language:
    """A blank pipeline of `language` with an untrained multi-label text classifier."""
    import spacy

    nlp = spacy.blank(language)
    classifier = nlp.add_pipe("textcat_multilabel", config={
        "threshold": THRESHOLD,
        "model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
                  "ngram_size": ngram_size, "no_output_layer": False, "length": BOW_LENGTH, "nO": None},
    })
    for label in labels:
        classifier.add_label(label)
    return nlp


def default_epochs(n_items: int) -> int:
    """Passes over the data: more for little data, fewer for much (bag-of-words converges fast)."""
    if n_items <= 500:
        return 10
    if n_items <= 5000:
        return 5
    return 3


def fit(data: TrainingSet, epochs: int | None = None, seed: int = 0, progress: Progress | None = None,
        cancelled: Cancelled | None = None) -> Fitted:
    """Train on `data.train`, evaluate on `data.test`; TrainingCancelled if `cancelled()` turns true."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch
    from thinc.api import Adam

    started = time.perf_counter()
    fix_random_seed(seed)
    nlp = build(data.language, data.labels)
    examples = [Example.from_dict(nlp.make_doc(item.text),
                                  {"cats": {label: float(label in item.labels) for label in data.labels}})
                for item in data.train]
    nlp.initialize(lambda: examples)
    classifier = nlp.get_pipe("textcat_multilabel")
    optimizer = Adam(LEARN_RATE)  # spaCy's default (0.001) moves a sparse linear model too slowly
    epochs = epochs or default_epochs(len(examples))
    rng = random.Random(seed)
    batches_per_epoch = max(1, -(-len(examples) // 32))
    total, step = epochs * batches_per_epoch, 0
    losses_seen: list[float] = []
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=32):
            if cancelled is not None and cancelled():
                raise TrainingCancelled("training cancelled; nothing was stored")
            # The classifier's own update: nlp.update would copy every example first (half the time).
            classifier.update(batch, sgd=optimizer, losses=losses, drop=0.0)
            step += 1
            if progress is not None and (step % 10 == 0 or step == total):
                progress(step, total, f"training: pass {epoch + 1} of {epochs}")
        losses_seen.append(round(losses.get("textcat_multilabel", 0.0), 4))
    per_label = evaluate(nlp, data.test, data.labels)
    return Fitted(to_bytes(nlp), per_label, epochs, time.perf_counter() - started, len(data.train),
                  len(data.test), losses_seen)


def scores(nlp: Language, texts: Sequence[str], batch_size: int = 256) -> list[dict[str, float]]:
    """Each text's score (0..1) for every label of the model."""
    classifier = nlp.get_pipe("textcat_multilabel")
    docs = classifier.pipe((nlp.make_doc(text) for text in texts), batch_size=batch_size)
    return [dict(doc.cats) for doc in docs]


class SentenceScorer:
    """Scores every sentence of a text from one tokenization of the whole text.

    The bag-of-words classifier is linear before its sigmoid: a text's logit for a label is
    the label's bias plus the sum of its tokens' weights. So each word's weights are read
    once (the model applied to a one-word text, less the bias; cached) and a sentence's
    logit is a sum over its tokens: as fast as the blank pipeline's tokenizer, where
    making one Doc per sentence was six times slower. `scores` gives the same figures (to
    float precision) up to tokens that a sentence boundary would split differently.

    `matrix_from_tokens` skips tokenizing altogether: it takes the token offsets the project
    stored at import (when the same blank tokenizer made them, `tokenized_alike`) and looks
    each word's weights up by its text. Stored tokens leave whitespace out, so a run of
    spaces inside a sentence (a token of its own to spaCy) adds nothing there.
    """

    def __init__(self, nlp: Language) -> None:
        import numpy as np

        classifier = nlp.get_pipe("textcat_multilabel")
        self.nlp = nlp
        self.labels: list[str] = list(classifier.labels)
        self._linear = classifier.model.layers[0]  # extract_ngrams >> sparse_linear, before the sigmoid
        self.bias = np.asarray(self._linear.predict([nlp.make_doc("")]), dtype="float64")[0]
        self._known = np.zeros(0, dtype="uint64")  # ORTH ids whose weights were read, sorted
        self._known_rows = np.zeros(0, dtype="int64")  # their rows in _weights
        self._weights = np.zeros((0, len(self.labels)), dtype="float64")
        self._word_rows: dict[str, int] = {}  # a word's row in _weights, by its text

    def _one_word_weights(self, words: Sequence[str]) -> Any:
        """Each word's weights: the model applied to it alone, less the bias."""
        import numpy as np
        from spacy.tokens import Doc

        docs = [Doc(self.nlp.vocab, words=[word], spaces=[False]) for word in words]
        return np.asarray(self._linear.predict(docs), dtype="float64") - self.bias

    def _rows_of(self, words: list[str]) -> Any:
        """Row of each word (by its text) in the weights table, reading missing words' weights."""
        import numpy as np
        from itertools import repeat

        index = self._word_rows
        rows = np.fromiter(map(index.get, words, repeat(-1)), dtype="int64", count=len(words))
        if (rows < 0).any():
            missing = list(dict.fromkeys(word for word, row in zip(words, rows.tolist()) if row < 0))
            base = len(self._weights)
            self._weights = np.vstack([self._weights, self._one_word_weights(missing)])
            index.update((word, base + k) for k, word in enumerate(missing))
            rows = np.fromiter(map(index.__getitem__, words), dtype="int64", count=len(words))
        return rows

    def _weight_rows(self, orths: Any) -> Any:
        """Row of each token (by ORTH id) in the weights table, reading missing words' weights."""
        import numpy as np

        unique = np.unique(orths)
        at = np.searchsorted(self._known, unique)
        found = (at < len(self._known)) & (self._known[np.minimum(at, len(self._known) - 1)] == unique) \
            if len(self._known) else np.zeros(len(unique), dtype=bool)
        missing = unique[~found]
        if len(missing):
            strings = self.nlp.vocab.strings
            weights = self._one_word_weights([strings[int(o)] for o in missing])
            rows = np.arange(len(self._weights), len(self._weights) + len(missing))
            self._weights = np.vstack([self._weights, weights])
            known = np.concatenate([self._known, missing])
            known_rows = np.concatenate([self._known_rows, rows])
            order = np.argsort(known, kind="stable")
            self._known, self._known_rows = known[order], known_rows[order]
        return self._known_rows[np.searchsorted(self._known, orths)]

    def score(self, text: str, sentences: Any) -> list[dict[str, float]]:
        """Each sentence's score (0..1) for every label; `sentences` are (start, end) offsets in `text`."""
        return [dict(zip(self.labels, row.tolist())) for row in self.matrix(text, sentences)]

    def matrix(self, text: str, sentences: Any) -> Any:
        """The scores as an array: a row per sentence, a column per label (`labels`)."""
        import numpy as np
        from spacy.attrs import IDX, ORTH

        if not len(sentences):
            return np.zeros((0, len(self.labels)))
        doc = self.nlp.make_doc(text)
        table = doc.to_array([ORTH, IDX]).reshape(-1, 2) if len(doc) else np.zeros((0, 2), dtype="uint64")
        orths, starts = table[:, 0], table[:, 1].astype("int64")
        bounds = np.asarray(sentences, dtype="int64").reshape(-1, 2)
        sentence_starts, sentence_ends = bounds[:, 0], bounds[:, 1]
        which = np.searchsorted(sentence_starts, starts, side="right") - 1
        inside = (which >= 0) & (starts < sentence_ends[np.maximum(which, 0)])
        logits = np.tile(self.bias, (len(sentences), 1))
        if inside.any():
            rows = self._weight_rows(orths[inside])  # first: it may grow the table
            np.add.at(logits, which[inside], self._weights[rows])
        return 1.0 / (1.0 + np.exp(-logits))


    def matrix_from_tokens(self, text: str, tokens: Any, sentences: Any) -> Any:
        """As `matrix`, from the token (start, end) offsets stored for `text` instead of tokenizing it."""
        import numpy as np

        pack = np.asarray(tokens, dtype="<u4").tobytes(), np.asarray(sentences, dtype="<u4").tobytes()
        return self.matrices_from_tokens([text], [pack[0]], [pack[1]])[0]

    def matrices_from_tokens(self, texts: Sequence[str], token_blobs: Sequence[bytes],
                             sentence_blobs: Sequence[bytes]) -> list[Any]:
        """`matrix_from_tokens` of many texts at once, from the blobs the project stores (uint32
        little-endian (start, end) pairs): the texts laid end to end, one pass over all tokens."""
        import numpy as np

        n_labels = len(self.labels)
        tokens = np.frombuffer(b"".join(token_blobs), dtype="<u4").astype("int64").reshape(-1, 2)
        sentences = np.frombuffer(b"".join(sentence_blobs), dtype="<u4").astype("int64").reshape(-1, 2)
        per_text = np.fromiter((len(blob) // 8 for blob in sentence_blobs), dtype="int64", count=len(texts))
        if not len(sentences):
            return [np.zeros((0, n_labels)) for _ in texts]
        base = np.concatenate(([0], np.cumsum([len(text) + 1 for text in texts])[:-1])).astype("int64")
        tokens = tokens + np.repeat(base, [len(blob) // 8 for blob in token_blobs])[:, None]
        sentences = sentences + np.repeat(base, per_text)[:, None]
        which = np.searchsorted(sentences[:, 0], tokens[:, 0], side="right") - 1
        inside = (which >= 0) & (tokens[:, 0] < sentences[np.maximum(which, 0), 1])
        logits = np.tile(self.bias, (len(sentences), 1))
        if inside.any():
            joined = "\n".join(texts)  # the offsets above count one separator between texts
            kept = tokens[inside]
            which = which[inside]
            words = [joined[start:end] for start, end in zip(kept[:, 0].tolist(), kept[:, 1].tolist())]
            spaces, where = _whitespace_tokens(joined, kept, which)
            words += spaces
            which = np.concatenate((which, where))
            rows = self._rows_of(words)  # first: it may grow the table
            weights = self._weights[rows]
            for column in range(n_labels):
                logits[:, column] += np.bincount(which, weights=weights[:, column], minlength=len(sentences))
        scores = 1.0 / (1.0 + np.exp(-logits))
        return np.split(scores, np.cumsum(per_text)[:-1])


def _whitespace_tokens(text: str, tokens: Any, which: Any) -> tuple[list[str], Any]:
    """The whitespace tokens spaCy's tokenizer makes between stored tokens of one sentence (the
    store leaves whitespace out), and their sentences: a gap of one space is the token's
    trailing space; any other gap is a token, less its first character when that is a space."""
    import numpy as np

    gaps = np.flatnonzero((tokens[1:, 0] > tokens[:-1, 1]) & (which[1:] == which[:-1]))
    if not len(gaps):
        return [], np.zeros(0, dtype="int64")
    starts, ends = tokens[gaps, 1], tokens[gaps + 1, 0]
    single = ends - starts == 1
    if single.any():
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        spaced = np.zeros(len(gaps), dtype=bool)
        spaced[single] = codes[starts[single]] == 0x20
        gaps, starts, ends = gaps[~spaced], starts[~spaced], ends[~spaced]
    words = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        gap = text[start:end]
        words.append(gap[1:] if gap[0] == " " else gap)
    return words, which[gaps]


def tokenized_alike(description: str, nlp: Language) -> bool:
    """True when a document's stored tokens were made by the tokenizer `nlp` has: the blank
    pipeline of its language under this spaCy major.minor (`description` as stored at import,
    "spaCy 3.8.18; en_pipeline 0.0.0; sentencizer")."""
    import spacy

    parts = description.split("; ")
    release = ".".join(spacy.__version__.split(".")[:2])
    return (len(parts) == 3 and parts[0].startswith(f"spaCy {release}.") and parts[1].startswith(f"{nlp.lang}_pipeline ")
            and parts[2] == "sentencizer")


def evaluate(nlp: Language, items: Sequence[Item], labels: Sequence[str],
             threshold: float = THRESHOLD) -> dict[str, dict[str, float]]:
    """Per label: precision, recall and F1 of `score >= threshold` against the items' labels,
    and support (how many items carry the label)."""
    found = scores(nlp, [item.text for item in items])
    result: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = fp = fn = 0
        for item, cats in zip(items, found):
            predicted, actual = cats.get(label, 0.0) >= threshold, label in item.labels
            tp += predicted and actual
            fp += predicted and not actual
            fn += actual and not predicted
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                         "support": tp + fn}
    return result


def to_bytes(nlp: Language) -> bytes:
    """The pipeline as one blob: its config and its weights (msgpack)."""
    import srsly

    return srsly.msgpack_dumps({"format": FORMAT, "config": nlp.config.to_str(), "bytes": nlp.to_bytes()})


def load(blob: bytes, spacy_version: str = "", what: str = "the model") -> Language:
    """The pipeline stored by `to_bytes`; ModelLoadError (one line) if it cannot be loaded here,
    saying so when it was made by a newer spaCy than this one."""
    import spacy
    import srsly
    from thinc.api import Config

    newer = bool(spacy_version) and _version_tuple(spacy_version)[:2] > _version_tuple(spacy.__version__)[:2]
    try:
        stored = srsly.msgpack_loads(blob)
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            raise ValueError("not a stored model of this application")
        config = Config().from_str(stored["config"])
        nlp = spacy.util.get_lang_class(config["nlp"]["lang"]).from_config(config)
        nlp.from_bytes(stored["bytes"])
    except Exception as error:  # noqa: BLE001 - any failure to load is said in one line
        if newer:
            raise ModelLoadError(f"{what} was trained with spaCy {spacy_version}, newer than this "
                                 f"application's spaCy {spacy.__version__}, and cannot be loaded; "
                                 "train it again here") from None
        detail = " ".join(str(error).split())[:120]
        raise ModelLoadError(f"{what} cannot be loaded ({type(error).__name__}: {detail}); "
                             "train it again") from None
    return nlp


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def spacy_version() -> str:
    """The version of the spaCy installed here."""
    import spacy

    return spacy.__version__


# ----- running fit in a worker process ------------------------------------------------
#
# The worker is `python -P -c …` loading this very package (as the import's segmenter does,
# annotator/nlp/segmenter.py), or the frozen app started with --train-worker: never
# multiprocessing's spawn, which runs the caller's main script again in the child. It
# reads one pickled request on its standard input and writes length-prefixed pickled
# messages on its standard output: ("progress", step, steps, what) …, then ("done", Fitted)
# or ("error", text). Cancel ends the process.

WORKER_FLAG = "--train-worker"


def _worker_command() -> list[str]:
    import sys
    from pathlib import Path

    if not sys.executable:
        raise AnnotatorError("this Python has no executable to start a training process with")
    if getattr(sys, "frozen", False):  # a PyInstaller build: the app binary itself
        return [sys.executable, WORKER_FLAG]
    package = Path(__file__).resolve().parents[1]  # annotator/ (this is annotator/nlp/training.py)
    code = ("import importlib.util, sys; "
            f"spec = importlib.util.spec_from_file_location('annotator', {str(package / '__init__.py')!r}, "
            f"submodule_search_locations=[{str(package)!r}]); "
            "module = importlib.util.module_from_spec(spec); sys.modules['annotator'] = module; "
            "spec.loader.exec_module(module); "
            "from annotator.nlp.training import serve_fit; serve_fit()")
    return [sys.executable, "-P", "-c", code]


def serve_fit() -> None:
    """The training process: read (data, epochs, seed) on standard input, fit, and report
    progress and the result on standard output (stray prints go to standard error)."""
    import os
    import signal
    import sys

    from .segmenter import _read_message, _write_message

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    requests = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    data, epochs, seed = _read_message(requests)
    try:
        fitted = fit(data, epochs, seed, progress=lambda s, t, w: _write_message(replies, ("progress", s, t, w)))
    except Exception as error:  # noqa: BLE001 - reported to the parent as one line
        _write_message(replies, ("error", f"{type(error).__name__}: {error}"))
        return
    _write_message(replies, ("done", fitted))


def fit_in_worker(data: TrainingSet, epochs: int | None = None, seed: int = 0, progress: Progress | None = None,
                  cancelled: Cancelled | None = None, poll: float = 0.1) -> Fitted:
    """`fit` in a separate process: progress is relayed; when `cancelled()` turns true the process
    is ended and TrainingCancelled raised. A process that fails is said as an AnnotatorError."""
    import pickle
    import queue
    import subprocess
    import threading

    from .segmenter import _read_message, _write_message

    process = subprocess.Popen(_worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                               close_fds=True)
    messages: queue.Queue[Any] = queue.Queue()

    def read() -> None:  # a thread: a pipe cannot be waited on with a timeout everywhere (Windows)
        try:
            while True:
                message = _read_message(process.stdout)
                messages.put(message)
                if message[0] != "progress":
                    return
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            messages.put(None)

    try:
        assert process.stdin is not None and process.stdout is not None
        try:
            _write_message(process.stdin, (data, epochs, seed))
            process.stdin.close()
        except OSError as error:
            raise AnnotatorError(f"the training process did not start ({error})") from None
        threading.Thread(target=read, daemon=True, name="training-reader").start()
        while True:
            if cancelled is not None and cancelled():
                raise TrainingCancelled("training cancelled; nothing was stored")
            try:
                message = messages.get(timeout=poll)
            except queue.Empty:
                continue
            if message is None:
                process.wait(timeout=5)
                raise AnnotatorError(f"the training process ended unexpectedly (exit code {process.returncode})")
            if message[0] == "progress":
                if progress is not None:
                    progress(*message[1:])
            elif message[0] == "error":
                raise AnnotatorError(f"training failed: {message[1]}")
            else:
                return message[1]
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()

"""Suggestion models trained on the project's own coding: train, store, list, apply.

A model learns one layer from one source of coding: the gold set (the annotations of the
curator role) or one annotator's documents marked done. A span layer is learned sentence
by sentence (which labels does each sentence carry: a sentence carries a label when a span
of it overlaps the sentence), a document layer document by document; both with spaCy's
`textcat_multilabel` (annotator/nlp/training.py says why that architecture).

Before a model is used, a share of the documents (20 %, seed 0: the same data always
gives the same split) is held out and each label's precision, recall and F1 measured on
it. Labels whose F1 is under the quality floor (0.5; the project setting
`suggestion_quality_floor`) are muted: listed, never suggested.

The model is stored in the project's `models` table (so it travels with a copy of the
file) with its layer, source, date, a hash of the training data, the spaCy version and
the evaluation. Storing is one transaction, outside the undo history (it changes no one's
coding), announced on the change bus. A newer model of the same layer and source
supersedes the older one, whose row stays (its evaluation, for the record) without its
weights. Models load lazily, on the first suggestion asked for, and are cached per
project file and model.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AnnotatorError
from ..model import Role, Suggestion
from ..project import ChangeSet, Project
from ..project.history import now

if TYPE_CHECKING:  # pragma: no cover
    from ..nlp.training import Fitted, TrainingSet

__all__ = [
    "FLOOR_SETTING", "MIN_DOCUMENTS", "QUALITY_FLOOR", "ModelInfo", "Prepared", "TrainResult", "delete_model",
    "list_models", "model_suggestions", "prepare", "quality_floor", "store_model", "train", "uncertainty",
]

QUALITY_FLOOR = 0.5
FLOOR_SETTING = "suggestion_quality_floor"
MIN_DOCUMENTS = 5  # coded documents at least: one in five is held out for the evaluation
GOLD = "gold"
KIND_SENTENCE = "textcat_multilabel:sentence"
KIND_DOCUMENT = "textcat_multilabel:document"
_CACHE_SIZE = 4

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]


@dataclass(slots=True)
class TrainResult:
    """What `train` made: the stored model's id and its held-out evaluation."""

    model_id: str
    layer: str
    n_train: int  # documents trained on
    n_test: int  # documents held out
    per_label: dict[str, dict[str, float]]
    seconds: float
    muted: list[str] = field(default_factory=list)  # labels under the quality floor
    trained_from: str = GOLD
    unit: str = "sentence"
    too_few: dict[str, int] = field(default_factory=dict)  # labels left out: their example counts
    floor: float = QUALITY_FLOOR

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `annotator train --json`."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A stored model, without its weights."""

    id: str
    layer: str
    trained_from: str
    created_at: str
    data_hash: str
    spacy_version: str
    kind: str
    evaluation: dict[str, Any]
    n_train: int
    n_test: int
    active: bool
    size: int  # bytes of the stored pipeline (0 for a superseded model)

    def muted(self, floor: float) -> list[str]:
        """Labels of the model whose held-out F1 is under `floor`."""
        return [label for label, figures in self.evaluation.get("per_label", {}).items()
                if figures.get("f1", 0.0) < floor]

    def as_dict(self, floor: float = QUALITY_FLOOR) -> dict[str, Any]:
        """A summary for `annotator info --json`."""
        return {"id": self.id, "layer": self.layer, "trained_from": self.trained_from,
                "created_at": self.created_at, "kind": self.kind, "spacy_version": self.spacy_version,
                "data_hash": self.data_hash, "n_train": self.n_train, "n_test": self.n_test,
                "active": self.active, "size": self.size,
                "per_label": self.evaluation.get("per_label", {}), "muted": self.muted(floor)}


@dataclass(slots=True)
class Prepared:
    """The training data read from a project, ready for `training.fit`."""

    layer: str
    trained_from: str
    kind: str
    data: TrainingSet
    data_hash: str
    too_few: dict[str, int]
    holdout: float
    seed: int
    started: float


def quality_floor(project: Project) -> float:
    """The F1 under which a label's suggestions are muted (project setting, default 0.5)."""
    try:
        return float(project.setting(FLOOR_SETTING, str(QUALITY_FLOOR)))
    except ValueError:
        return QUALITY_FLOOR


# ----- reading the training data ------------------------------------------------------


def _source(project: Project, layer: str, trained_from: str) -> tuple[list[int], set[str]]:
    """The annotator ids whose coding is learned and the documents it covers."""
    if trained_from == GOLD:
        curators = [a for a in project.annotators.list() if a.role is Role.CURATOR]
        if not curators:
            raise AnnotatorError("the project has no curator, so no gold set to train on; "
                                 "adjudicate first, or train on one annotator's coding (--from NAME)")
        ids = [int(a.id) for a in curators if a.id is not None]
        marks = ", ".join("?" * len(ids))
        documents = {row[0] for row in project.db.execute(
            f"SELECT DISTINCT document_id FROM annotations WHERE layer_id = ? AND annotator_id IN ({marks})",
            [project.codebook.layer_id(layer), *ids])}
        if not documents:
            raise AnnotatorError(f'layer "{layer}" has no gold annotations to train on; adjudicate some '
                                 "documents first, or train on one annotator's coding (--from NAME)")
        for curator in curators:
            documents |= project.status.done_by(curator.name)
        return ids, documents
    found = project.annotators.get(trained_from)
    if found is None:
        names = ", ".join(a.name for a in project.annotators.list()) or "none"
        raise AnnotatorError(f'no annotator "{trained_from}" in the project (annotators: {names}; or "gold")')
    documents = project.status.done_by(found.name)
    if not documents:
        raise AnnotatorError(f"{found.name} has marked no document done; a model learns from documents "
                             "marked done (done with nothing marked counts too)")
    return [int(found.id)], documents  # type: ignore[arg-type]


def prepare(project: Project, layer: str, trained_from: str = GOLD, holdout: float = 0.2,
            seed: int = 0) -> Prepared:
    """Read the texts and labels a model of `layer` learns from; AnnotatorError (nothing
    written) when there is too little to learn from."""
    from ..nlp.training import MIN_EXAMPLES, Item, TrainingSet, label_counts, split

    started = time.perf_counter()
    found = project.codebook.layer(layer)
    annotator_ids, documents = _source(project, layer, trained_from)
    if len(documents) < MIN_DOCUMENTS:
        raise AnnotatorError(f"too few documents to train on: {len(documents)} coded in layer \"{layer}\"; "
                             f"at least {MIN_DOCUMENTS} are needed (one in five is held out to measure quality)")
    order = [d for d in project.documents.ids() if d in documents]
    marks = ", ".join("?" * len(annotator_ids))
    spans: dict[str, list[tuple[int | None, int | None, str]]] = {}
    for document_id, start, end, label_id in project.db.execute(
            f"SELECT document_id, span_start, span_end, label_id FROM annotations "
            f"WHERE layer_id = ? AND annotator_id IN ({marks})", [project.codebook.layer_id(layer), *annotator_ids]):
        spans.setdefault(document_id, []).append((start, end, project.codebook.label_name(label_id)[1]))
    unit = "document" if found.kind == "document" else "sentence"
    items: list[Item] = []
    digest = hashlib.sha256(f"{layer}\x1f{unit}\x1f".encode())
    for document_id in order:
        text = project.documents.text(document_id)
        marked = spans.get(document_id, [])
        if unit == "document":
            pieces = [(text, frozenset(label for _, _, label in marked))]
        else:
            pieces = [(text[s:e], frozenset(label for start, end, label in marked
                                            if start is not None and end is not None and start < e and end > s))
                      for s, e in project.documents.segmentation(document_id).sentences]
        for piece, labels in pieces:
            items.append(Item(piece, labels, document_id))
            digest.update(piece.encode("utf-8", "surrogatepass"))
            digest.update(("\x1f" + "\x1e".join(sorted(labels)) + "\x1d").encode())
    counts = label_counts(items, [label.name for label in found.labels])
    learnable = tuple(label for label, n in counts.items() if n >= MIN_EXAMPLES)
    too_few = {label: n for label, n in counts.items() if 0 < n < MIN_EXAMPLES}
    if not learnable:
        used = ", ".join(f"{label} {n}" for label, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n) or "none"
        texts = "documents" if unit == "document" else "sentences"
        raise AnnotatorError(f"too few examples to train a model of \"{layer}\": each label needs at least "
                             f"{MIN_EXAMPLES} {texts} carrying it (found: {used})")
    train_ids, test_ids = split(order, holdout, seed)
    data = TrainingSet(project.language, unit, learnable, [i for i in items if i.group in train_ids],
                       [i for i in items if i.group in test_ids], len(train_ids), len(test_ids))
    kind = KIND_DOCUMENT if unit == "document" else KIND_SENTENCE
    return Prepared(layer, trained_from, kind, data, digest.hexdigest(), too_few, holdout, seed, started)


# ----- training and storing -----------------------------------------------------------


def store_model(project: Project, prepared: Prepared, fitted: Fitted) -> TrainResult:
    """Store a trained model (one transaction, announced on the change bus); it supersedes the
    layer's earlier model from the same source."""
    from ..nlp.training import spacy_version

    if project.readonly:
        raise AnnotatorError(f"{project.path}: is open read-only; the model cannot be stored")
    model_id = str(uuid.uuid4())
    floor = quality_floor(project)
    evaluation = {
        "per_label": fitted.per_label, "unit": prepared.data.unit, "holdout": prepared.holdout,
        "seed": prepared.seed, "threshold": 0.5, "epochs": fitted.epochs,
        "n_train_texts": fitted.n_train_items, "n_test_texts": fitted.n_test_items,
        "too_few": prepared.too_few, "seconds": round(fitted.seconds, 2),
    }
    db = project.db
    with db.atomic():
        superseded = [row[0] for row in db.execute(
            "SELECT id FROM models WHERE layer = ? AND trained_from = ? AND active = 1",
            [prepared.layer, prepared.trained_from])]
        db.execute("UPDATE models SET active = 0, blob = x'' WHERE layer = ? AND trained_from = ? AND active = 1",
                   [prepared.layer, prepared.trained_from])
        db.execute(
            "INSERT INTO models (id, layer, trained_from, created_at, data_hash, spacy_version, kind, evaluation, "
            "n_train, n_test, blob, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [model_id, prepared.layer, prepared.trained_from, now(), prepared.data_hash, spacy_version(),
             prepared.kind, json.dumps(evaluation, sort_keys=True), prepared.data.n_train_groups,
             prepared.data.n_test_groups, fitted.blob])
        db.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                   [now(), prepared.trained_from, f"train model of {prepared.layer}", model_id,
                    json.dumps({"superseded": superseded, "data_hash": prepared.data_hash,
                                "per_label": fitted.per_label}, sort_keys=True)])
    for old in superseded:
        _forget(project, old)
    project.events.emit(ChangeSet(description=f"train model of {prepared.layer}", actor=prepared.trained_from,
                                  tables={"models": {(model_id,), *((old,) for old in superseded)}}))
    muted = [label for label, figures in fitted.per_label.items() if figures["f1"] < floor]
    return TrainResult(model_id, prepared.layer, prepared.data.n_train_groups, prepared.data.n_test_groups,
                       fitted.per_label, round(time.perf_counter() - prepared.started, 2), muted,
                       prepared.trained_from, prepared.data.unit, prepared.too_few, floor)


def train(project: Project | str | Path, layer: str, trained_from: str = GOLD, progress: Progress | None = None,
          cancelled: Cancelled | None = None, holdout: float = 0.2, seed: int = 0,
          worker: bool = False) -> TrainResult:
    """Train a model of `layer` on the gold set or one annotator's done documents, evaluate it on
    held-out documents and store it. `worker`: train in a separate process (for windows).
    On a refusal or a cancel nothing is written."""
    from ..nlp.training import fit, fit_in_worker

    if not isinstance(project, Project):
        with Project.open(project) as opened:
            return train(opened, layer, trained_from, progress, cancelled, holdout, seed, worker)
    if project.readonly:
        raise AnnotatorError(f"{project.path}: is open read-only; a model cannot be stored in it")
    prepared = prepare(project, layer, trained_from, holdout, seed)
    run = fit_in_worker if worker else fit
    fitted = run(prepared.data, None, seed, progress=progress, cancelled=cancelled)
    return store_model(project, prepared, fitted)


# ----- listing and applying -----------------------------------------------------------

_INFO_COLUMNS = ("id, layer, trained_from, created_at, data_hash, spacy_version, kind, evaluation, n_train, "
                 "n_test, active, length(blob)")


def _info(row: Sequence[Any]) -> ModelInfo:
    evaluation = json.loads(row[7]) if row[7] else {}
    return ModelInfo(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                     evaluation if isinstance(evaluation, dict) else {}, row[8], row[9], bool(row[10]), row[11] or 0)


def list_models(project: Project, layer: str | None = None, active_only: bool = False) -> list[ModelInfo]:
    """The stored models (newest first), without loading any."""
    where, params = [], []
    if layer is not None:
        where.append("layer = ?")
        params.append(layer)
    if active_only:
        where.append("active = 1")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return [_info(row) for row in project.db.execute(
        f"SELECT {_INFO_COLUMNS} FROM models {clause} ORDER BY created_at DESC, id", params)]


def active_model(project: Project, layer: str, annotator: str | None = None) -> ModelInfo | None:
    """The model whose suggestions a layer shows: the gold model if there is one, else the newest.
    With `annotator` and the layer's shared suggestions off (independence), only a model
    trained on that annotator's own coding."""
    models = list_models(project, layer, active_only=True)
    if annotator is not None:
        found = project.codebook.get().layer(layer)
        if found is not None and not getattr(found, "shared_suggestions", False):
            models = [m for m in models if m.trained_from == annotator]
    models.sort(key=lambda m: m.trained_from != GOLD)  # stable: newest first within each
    return models[0] if models else None


def delete_model(project: Project, model_id: str) -> None:
    """Remove a stored model (one transaction, announced)."""
    with project.db.atomic():
        project.db.execute("DELETE FROM models WHERE id = ?", [model_id])
    _forget(project, model_id)
    project.events.emit(ChangeSet(description="delete model", tables={"models": {(model_id,)}}))


_LOADED: OrderedDict[tuple[str, str], Any] = OrderedDict()


def _forget(project: Project, model_id: str) -> None:
    _LOADED.pop((str(Path(project.path).resolve()), model_id), None)


def loaded(project: Project, info: ModelInfo) -> Any:
    """The spaCy pipeline of a stored model, loaded once per project file and model (cached)."""
    return _loaded(project, info)[0]


def _loaded(project: Project, info: ModelInfo) -> tuple[Any, Any]:
    """(pipeline, its SentenceScorer), loaded once per project file and model."""
    from ..nlp.training import SentenceScorer, load

    key = (str(Path(project.path).resolve()), info.id)
    if key in _LOADED:
        _LOADED.move_to_end(key)
        return _LOADED[key]
    row = project.db.execute("SELECT blob FROM models WHERE id = ?", [info.id]).fetchone()
    if row is None or not row[0]:
        raise AnnotatorError(f'the model {info.id} of layer "{info.layer}" has no weights (superseded or '
                             "deleted); train it again")
    nlp = load(row[0], info.spacy_version, f'the model of layer "{info.layer}" (trained {info.created_at[:10]})')
    _LOADED[key] = (nlp, SentenceScorer(nlp))
    while len(_LOADED) > _CACHE_SIZE:
        _LOADED.popitem(last=False)
    return _LOADED[key]


def _scored(project: Project, info: ModelInfo, document_ids: Sequence[str]
            ) -> tuple[list[str], list[tuple[str, Any, Any]]]:
    """The model's labels, and for each document its units and their scores: sentences as
    (start, end) rows and a score row per sentence (a column per label), or for a document
    layer one unit (None, None)."""
    import numpy as np

    from ..nlp.training import scores

    nlp, scorer = _loaded(project, info)
    labels = list(scorer.labels)
    if info.kind == KIND_DOCUMENT:
        found = scores(nlp, [project.documents.text(ident) for ident in document_ids])
        return labels, [(ident, [(None, None)], np.array([[cats[label] for label in labels]]))
                        for ident, cats in zip(document_ids, found)]
    from ..nlp.training import tokenized_alike

    found = []
    alike: dict[str, bool] = {}
    for chunk in _contents(project, document_ids):
        for tokenizer in {row[4] for row in chunk} - alike.keys():
            alike[tokenizer] = tokenized_alike(tokenizer, nlp)
        fast = [row for row in chunk if alike[row[4]]]
        # The tokens stored at import, when the model's own tokenizer made them: no tokenizing.
        matrices = dict(zip((row[0] for row in fast), scorer.matrices_from_tokens(
            [row[1] for row in fast], [row[2] for row in fast], [row[3] for row in fast]))) if fast else {}
        for ident, text, _tokens, sentences, _tokenizer in chunk:
            units = np.frombuffer(sentences, dtype="<u4").astype("int64").reshape(-1, 2)
            matrix = matrices[ident] if ident in matrices else scorer.matrix(text, units)
            found.append((ident, units, matrix))
    return labels, found


def _contents(project: Project, document_ids: Sequence[str]) -> Iterator[list[tuple[str, str, bytes, bytes, str]]]:
    """(id, text, token and sentence blobs, the tokenizer that made them) of documents, 500
    at a time, each chunk after the store's check of its stored contents (a damaged row is
    named, never scored)."""
    for at in range(0, len(document_ids), 500):
        chunk = list(document_ids[at:at + 500])
        project.documents.check_contents(chunk)
        marks = ", ".join("?" * len(chunk))
        rows = {row[0]: row[1:] for row in project.db.execute(
            "SELECT c.document_id, c.text, c.tokens, c.sentences, d.tokenizer FROM document_content AS c "
            f"JOIN documents AS d ON d.id = c.document_id WHERE c.document_id IN ({marks})", chunk)}
        found = []
        for ident in chunk:
            if ident not in rows:
                raise AnnotatorError(f"no document with id {ident}")
            text, tokens, sentences, tokenizer = rows[ident]
            found.append((ident, text, tokens, sentences, tokenizer or ""))
        yield found


def model_suggestions(project: Project, layer: str, document_ids: Sequence[str],
                      annotator: str | None = None) -> list[Suggestion]:
    """Suggestions of the layer's model for these documents: each sentence (span layer) or
    document (document layer) scoring 0.5 or more for a label, muted labels left out; [] when
    the layer has no model. ModelLoadError (one line) if the stored model cannot be loaded."""
    from ..nlp.training import THRESHOLD

    info = active_model(project, layer, annotator)
    if info is None or not document_ids:
        return []
    import numpy as np

    muted = set(info.muted(quality_floor(project)))
    source = f"model:{info.id}"
    labels, scored = _scored(project, info, document_ids)
    keep = np.array([label not in muted for label in labels], dtype=bool)
    suggestions = []
    for document_id, units, matrix in scored:
        rows, columns = np.nonzero((matrix >= THRESHOLD) & keep)
        if not len(rows):
            continue
        values = np.round(matrix[rows, columns], 4).tolist()
        if isinstance(units, np.ndarray):  # sentences: (start, end) rows
            spans = units[rows].tolist()
        else:
            spans = [units[row] for row in rows.tolist()]
        suggestions += [Suggestion(document_id, start, end, layer, labels[column], value, source)
                        for (start, end), column, value in zip(spans, columns.tolist(), values)]
    return suggestions


def uncertainty(project: Project, layer: str, document_ids: Sequence[str],
                annotator: str | None = None) -> dict[str, float]:
    """How unsure the layer's model is about each document, 0 (sure) to 1: the mean over its
    sentences (or the document) of the most uncertain label's 1 - |2p - 1|. Empty without a model."""
    info = active_model(project, layer, annotator)
    if info is None or not document_ids:
        return {}
    result = {}
    for document_id, _units, matrix in _scored(project, info, document_ids)[1]:
        per_unit = (1.0 - abs(2.0 * matrix - 1.0)).max(axis=1) if matrix.size else matrix
        result[document_id] = round(float(per_unit.mean()), 4) if len(per_unit) else 0.0
    return result

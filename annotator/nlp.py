"""Tokens and sentences with spaCy, imported lazily so that start-up never pays for it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import AnnotatorError
from .segmentation import Segmentation

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

_PIPELINES: dict[tuple[str, str | None], Any] = {}
BATCH_SIZE = 64


def pipeline(language: str, model: str | None = None) -> Language:
    """The spaCy pipeline for `language`: blank + sentencizer, or an installed trained one."""
    key = (language, model)
    if key in _PIPELINES:
        return _PIPELINES[key]
    import spacy

    if model:
        try:
            nlp = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
        except OSError as error:
            raise AnnotatorError(f"spaCy pipeline {model!r} is not installed: {error}") from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
    else:
        try:
            nlp = spacy.blank(language)
        except (ImportError, KeyError) as error:
            raise AnnotatorError(f"spaCy has no language {language!r}: {error}") from None
        nlp.add_pipe("sentencizer")
    _PIPELINES[key] = nlp
    return nlp


def check_language(language: str) -> None:
    """Raise AnnotatorError unless spaCy knows the language code."""
    pipeline(language)


def describe(nlp: Language) -> str:
    """A record of the pipeline used, stored with each document."""
    import spacy

    meta = nlp.meta
    name = f"{meta.get('lang', '?')}_{meta.get('name', 'pipeline')}"
    version = meta.get("version", "")
    pipes = "+".join(nlp.pipe_names)
    return f"spaCy {spacy.__version__}; {name} {version}; {pipes}".strip()


def segment_doc(doc: Any) -> Segmentation:
    """Token and sentence offsets of a parsed spaCy Doc, whitespace tokens left out."""
    import numpy as np
    from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START

    if len(doc) == 0:
        return Segmentation.from_pairs([], [])
    rows = doc.to_array([IDX, LENGTH, IS_SPACE, SENT_START]).astype(np.int64)
    starts, lengths, spaces, sentence_flags = rows.T
    sentence_flags = sentence_flags == 1
    sentence_flags[0] = True
    group = np.cumsum(sentence_flags)  # sentence number of every token
    keep = (spaces == 0) & (lengths > 0)
    token_starts = starts[keep]
    token_ends = token_starts + lengths[keep]
    groups = group[keep]
    if len(groups):
        breaks = np.flatnonzero(np.diff(groups))
        first = np.concatenate(([0], breaks + 1))
        last = np.concatenate((breaks, [len(groups) - 1]))
        sentence_starts, sentence_ends = token_starts[first], token_ends[last]
    else:
        sentence_starts = sentence_ends = token_starts
    return Segmentation.from_numpy(token_starts, token_ends, sentence_starts, sentence_ends)


def segment(texts: Iterable[str], language: str, model: str | None = None) -> Iterator[Segmentation]:
    """Segment texts in batches with nlp.pipe, yielding one Segmentation per text."""
    nlp = pipeline(language, model)
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        yield segment_doc(doc)

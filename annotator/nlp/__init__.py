"""Tokens and sentences: spaCy (loaded lazily), the stored offset tables, an import's segmenting.

- spacy_pipeline: the spaCy pipeline, language checks and token/sentence offsets from a parse;
  its names are re-exported here (`from annotator.nlp import check_language`).
- segmentation: a document's stored token and sentence offsets (plain Python, no numpy).
- segmenter: an import's segmenting, in this process or in a worker process.

Nothing is imported here until a name is asked for, so that importing
annotator.nlp.segmentation (as opening a project does) loads neither spaCy nor the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .spacy_pipeline import (
        BATCH_SIZE,
        Parsed,
        Segmented,
        check_language,
        describe,
        finish,
        finish_many,
        pipeline,
        segment_blobs,
        segment_blobs_many,
        segment_items,
        token_rows,
        tokenizer_language,
        unknown_language,
    )

__all__ = [
    "BATCH_SIZE",
    "Parsed",
    "Segmented",
    "check_language",
    "describe",
    "finish",
    "finish_many",
    "pipeline",
    "segment_blobs",
    "segment_blobs_many",
    "segment_items",
    "token_rows",
    "tokenizer_language",
    "unknown_language",
]


def __getattr__(name: str) -> Any:
    """The public names of spacy_pipeline, imported on first use."""
    if name in __all__:
        return getattr(importlib.import_module(".spacy_pipeline", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

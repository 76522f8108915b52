"""Analysis of the coded corpus, shared by the Analyze windows and `annotator analyze`.

- `kwic`: the concordance of words, a regular expression or a code, one row per hit.
- `frequencies`: a layer's labels counted per document, metadata value, date or annotator.
- `cooccurrence`: the label × label matrix within overlaps, sentences, paragraphs or documents,
  and `cooccurring_segments`, the places behind one of its cells.

All of them read through a `Scope` (whose annotations, which documents), checked in one place
(scope.py): a name that does not exist, a metadata key nobody has or an empty project is one
BadInputError line, never an empty table that looks like a result. Qt-free; writes nothing
(coding from the concordance is ops/concordance_coding.py).
"""

from __future__ import annotations

from .cooccurrence import WITHIN, CooccurrencePair, CooccurrenceTable, cooccurrence, cooccurring_segments
from .frequencies import BY_FIXED, COUNTS, FrequencyRow, FrequencyTable, cell_scope, frequencies
from .kwic import SORTS, KwicHit, KwicResult, kwic
from .scope import AnalysisCancelled, Scope, meta_keys

__all__ = [
    "BY_FIXED", "COUNTS", "SORTS", "WITHIN", "AnalysisCancelled", "CooccurrencePair", "CooccurrenceTable",
    "FrequencyRow", "FrequencyTable", "KwicHit", "KwicResult", "Scope", "cell_scope", "cooccurrence",
    "cooccurring_segments", "frequencies", "kwic", "meta_keys",
]

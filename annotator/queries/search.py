"""Corpus search: the documents holding some words (SQLite FTS5), where in each text they are,
and a one-line snippet around that place.

Matching ignores case and accents (a query "cafe" finds "Café", also when the accent is a
combining mark), and offsets are code points as everywhere in the project.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..project import Project
from .folding import fold as _fold


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One document found: where the words are in its text ((0, 0) if only its title holds them)."""

    document_id: str
    title: str
    start: int
    end: int
    where: str  # the snippet around the hit, or "(in the title)"


def corpus_hits(project: Project, query: str) -> list[SearchHit]:
    """The documents holding the query's words, best first, each with its hit and snippet."""
    ids = project.documents.search(query) if query.strip() else []
    documents = {doc.id: doc for doc in project.documents.many(ids)}
    hits = []
    for ident in ids:
        document = documents.get(ident)
        if document is None:
            continue
        text = project.documents.text(ident)
        hit = find_hit(text, query) or (0, 0)
        where = snippet(text, *hit) if hit != (0, 0) else "(in the title)"
        hits.append(SearchHit(ident, document.title, hit[0], hit[1], where))
    return hits


def find_hit(text: str, query: str) -> tuple[int, int] | None:
    """Code-point offsets of the whole query as a phrase if the text holds it, else of the first
    of its words found (case and accents ignored)."""
    words = [_fold(w)[0] for w in re.findall(r"\w+", query)]
    if not words:
        return None
    folded, origin = _fold(text)
    best: tuple[int, int] | None = None
    phrase = re.search(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", folded)
    if phrase is not None:
        best = (phrase.start(), phrase.end())
    for word in words if best is None else ():
        match = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", folded) or re.search(re.escape(word), folded)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match.end())
    if best is None:
        return None
    start = origin[best[0]]
    end = origin[best[1] - 1] + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return start, end


def snippet(text: str, start: int, end: int, width: int = 60) -> str:
    """The hit with some context either side, on one line, the hit between »«."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    lead = "…" if start > width else ""
    tail = "…" if end + width < len(text) else ""
    return " ".join(f"{lead}{before}»{text[start:end]}«{after}{tail}".split())

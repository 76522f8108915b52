"""Codebook rules: a label's phrases and spaCy token patterns matched on a document's tokens.

A phrase ("cost of living") is matched case-insensitively on whole tokens with spaCy's
PhraseMatcher (attr="LOWER"); a pattern that starts with "[" is a spaCy Matcher token
pattern written as JSON ('[{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}]').

Matching runs on the tokens stored with the document at import (a spaCy Doc is built from
them, never re-tokenized), so a match always starts and ends on the tokens the editor snaps
to; a sentence layer widens each match to its whole sentence(s). spaCy is imported only
when rules are first compiled (in the GUI, on a worker thread), never when a project opens.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .segmentation import Segmentation

SEPARATOR = "\x1f"  # between a label and a pattern's number in a match key


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One match of one pattern: code-point offsets snapped to the layer's granularity."""

    start: int
    end: int
    label: str
    pattern: str


@dataclass
class RuleSet:
    """The patterns of one layer's labels, compiled for one language."""

    language: str
    labels: tuple[tuple[str, tuple[str, ...]], ...]
    problems: list[str] = field(default_factory=list)  # patterns spaCy refused, each named
    _nlp: Any = None
    _phrases: Any = None
    _tokens: Any = None
    _keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when no label has a usable pattern."""
        return not self._keys

    def compile(self) -> RuleSet:
        """Build spaCy's matchers (imports spaCy); a pattern spaCy refuses goes to `problems`."""
        import spacy
        from spacy.matcher import Matcher, PhraseMatcher

        try:
            self._nlp = spacy.blank(self.language)
        except (ImportError, KeyError):
            self._nlp = spacy.blank("xx")
        vocab = self._nlp.vocab
        self._phrases = PhraseMatcher(vocab, attr="LOWER")
        self._tokens = Matcher(vocab, validate=True)
        for label, patterns in self.labels:
            for number, pattern in enumerate(patterns):
                key = f"{label}{SEPARATOR}{number}"
                problem = self._add(key, pattern)
                if problem is None:
                    self._keys[key] = (label, pattern)
                else:
                    self.problems.append(f'label "{label}": pattern {pattern}: {problem}')
        return self

    def _add(self, key: str, pattern: str) -> str | None:
        """Add one pattern under `key`; why spaCy refuses it, or None."""
        if not pattern.strip():
            return "empty"
        if not pattern.lstrip().startswith("["):
            phrase = self._nlp.make_doc(pattern.strip())
            if not len(phrase):
                return "holds no word"
            self._phrases.add(key, [phrase])
            return None
        try:
            tokens = json.loads(pattern)
            self._tokens.add(key, [tokens])
        except ValueError as error:  # JSON, or spaCy's MatchPatternError (a ValueError)
            return " ".join(str(error).split())[:200]
        return None

    def match(self, text: str, segmentation: Segmentation, granularity: str = "token") -> list[RuleMatch]:
        """Every match in a text with its stored tokens, snapped to `granularity`, in text order
        (one per label and span: the first pattern that found it)."""
        if self.empty or not len(segmentation.token_starts):
            return []
        from spacy.tokens import Doc

        starts, ends = segmentation.token_starts, segmentation.token_ends
        count = len(starts)
        words = [text[starts[i]:ends[i]] for i in range(count)]
        spaces = [i + 1 < count and ends[i] < starts[i + 1] for i in range(count)]
        doc = Doc(self._nlp.vocab, words=words, spaces=spaces)
        strings = self._nlp.vocab.strings
        found: dict[tuple[str, int, int], RuleMatch] = {}
        hits = [*(self._phrases(doc) if len(self._phrases) else ()), *(self._tokens(doc) if len(self._tokens) else ())]
        hits.sort(key=lambda hit: (hit[1], hit[2], hit[0]))
        for match_id, first, last in hits:
            label, pattern = self._keys[strings[match_id]]
            start, end = starts[first], ends[last - 1]
            if granularity == "sentence":
                snapped = segmentation.snap(start, end, "sentence")
                if snapped is None:
                    continue
                start, end = snapped
            found.setdefault((label, start, end), RuleMatch(start, end, label, pattern))
        return sorted(found.values(), key=lambda m: (m.start, m.end, m.label))


_CACHE: dict[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], RuleSet] = {}
_LOCK = threading.Lock()


def compile_rules(language: str, labels: Sequence[tuple[str, Sequence[str]]]) -> RuleSet:
    """The compiled rules of some labels' patterns for a language (cached: the same patterns
    compile once per process)."""
    key = (language, tuple((label, tuple(patterns)) for label, patterns in labels if patterns))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = RuleSet(language, key[1]).compile()
        return _CACHE[key]

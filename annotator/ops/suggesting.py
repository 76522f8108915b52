"""Suggestions: codes proposed by the codebook's rules or by a model, accepted or rejected.

A suggestion is never an annotation until someone accepts it. Accepting creates ordinary
annotations of that annotator through the change path (snapped to the layer's granularity,
the overlap rule applied), each recording in `origin` where it began ("rule:<label>:<pattern>"
or "model:<model id>"); rejecting is recorded too. Both are one undoable step, and both
feed the acceptance rate of each rule and model (`acceptance_rates`).

Independence: a model trained on other annotators' or on gold annotations would leak their
judgements into blind coding, so its suggestions are left out unless the project enables
them for the layer (`Layer.shared_suggestions`); a model trained only on the annotator's own
coding may always be used.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import AnnotationError, AnnotatorError
from ..model import Layer, Suggestion
from ..project import Project
from ..project.history import Operation, RowChange, now

SOURCES = ("rules", "model", "all")
DECISIONS_TABLE = "suggestion_decisions"
# Undo and redo write decision rows by their id (project/history.py keeps the key columns).


@dataclass(slots=True)
class SuggestResult:
    """The suggestions found, and why some sources gave none (one line each)."""

    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AcceptResult:
    """The annotations made from accepted suggestions, and those refused with the reason."""

    annotation_ids: list[str] = field(default_factory=list)
    skipped: list[tuple[Suggestion, str]] = field(default_factory=list)


def rule_source(label: str, pattern: str) -> str:
    """The `source` of a suggestion made by a rule pattern."""
    return f"rule:{label}:{pattern}"


def describe_source(source: str) -> str:
    """A source as a person reads it: 'rule “tax”' or 'model 3f2a9c1b'."""
    if source.startswith("rule:"):
        pattern = source.split(":", 2)[2] if source.count(":") >= 2 else source[5:]
        return f"rule “{pattern if len(pattern) <= 40 else pattern[:39] + '…'}”"
    if source.startswith("model:"):
        return f"model {source[6:][:8]}"
    return source


# ----- finding suggestions ---------------------------------------------------------------


def suggest(project: Project, layer: str, document_ids: Sequence[str], source: str = "all",
            annotator: str | None = None) -> list[Suggestion]:
    """Suggestions for some documents in one layer from "rules", "model" or "all"; with
    `annotator`, those they already coded or rejected are left out."""
    return suggest_report(project, layer, document_ids, source, annotator).suggestions


def suggest_report(project: Project, layer: str, document_ids: Sequence[str], source: str = "all",
                   annotator: str | None = None) -> SuggestResult:
    """Like `suggest`, with a note for each source that gave nothing and why."""
    if source not in SOURCES:
        raise AnnotatorError(f'suggestions come from {", ".join(SOURCES)}, not "{source}"')
    found = project.codebook.layer(layer)
    documents = list(dict.fromkeys(document_ids))
    for document_id in documents:
        project.documents.get(document_id)  # an unknown id is named
    result = SuggestResult()
    if source in ("rules", "all"):
        if not any(label.patterns for label in found.labels):
            result.notes.append(f'no label of layer "{layer}" has rule patterns (add them in the codebook editor)')
        result.suggestions += _rule_suggestions(project, found, documents, result.notes)
    if source in ("model", "all"):
        result.suggestions += _model_suggestions(project, found, documents, annotator, result.notes)
    best: dict[tuple[Any, ...], Suggestion] = {}
    for item in result.suggestions:  # one per document, label and span: the best score, rules first
        key = (item.document_id, item.label, item.start, item.end)
        if key not in best or item.score > best[key].score:
            best[key] = item
    suggestions = list(best.values())
    if annotator is not None:
        suggestions = pending(project, suggestions, annotator)
    order = {ident: position for position, ident in enumerate(documents)}
    suggestions.sort(key=lambda s: (order[s.document_id], s.start or 0, s.end or 0, s.label, s.source))
    result.suggestions = suggestions
    return result


def _rule_suggestions(project: Project, layer: Layer, documents: Sequence[str], notes: list[str]) -> list[Suggestion]:
    """What the labels' patterns find, snapped to the layer's granularity."""
    labels = [(label.name, label.patterns) for label in layer.labels if label.patterns]
    if not labels:
        return []
    from ..nlp.rules import compile_rules

    found: list[Suggestion] = []
    said: set[str] = set()
    for document_id in documents:
        rules = compile_rules(project.documents.get(document_id).language, labels)
        for problem in rules.problems:
            if problem not in said:
                said.add(problem)
                notes.append(f'layer "{layer.name}", {problem}')
        text = project.documents.text(document_id)
        matches = rules.match(text, project.documents.segmentation(document_id), layer.granularity)
        if layer.kind == "document":
            first: dict[str, str] = {}
            for match in matches:
                first.setdefault(match.label, match.pattern)
            found += [Suggestion(document_id, None, None, layer.name, label, 1.0, rule_source(label, pattern))
                      for label, pattern in first.items()]
        else:
            found += [Suggestion(document_id, m.start, m.end, layer.name, m.label, 1.0, rule_source(m.label, m.pattern))
                      for m in matches]
    return found


def _model_suggestions(project: Project, layer: Layer, documents: Sequence[str], annotator: str | None,
                       notes: list[str]) -> list[Suggestion]:
    """The layer's model's suggestions, when independence allows them (see the module): a
    model trained on the annotator's own coding, or any when the layer shares suggestions."""
    from . import models

    newest = models.active_model(project, layer.name)
    if newest is None:
        notes.append(f'layer "{layer.name}" has no trained model (annotator train --layer "{layer.name}")')
        return []
    if not layer.shared_suggestions and (annotator is None or models.active_model(project, layer.name, annotator)
                                         is None):
        whose = "gold annotations" if newest.trained_from == models.GOLD else f"{newest.trained_from}'s coding"
        notes.append(f'model suggestions left out: the model of layer "{layer.name}" was trained on {whose}, and '
                     "the layer does not share model suggestions (codebook editor, layer page)")
        return []
    return list(models.model_suggestions(project, layer.name, list(documents),
                                         None if layer.shared_suggestions else annotator))


# ----- what is still open ----------------------------------------------------------------


def pending(project: Project, suggestions: Iterable[Suggestion], annotator: str) -> list[Suggestion]:
    """The suggestions the annotator has neither coded (the same label on the same span or
    document) nor rejected."""
    items = list(suggestions)
    if not items:
        return []
    documents = sorted({s.document_id for s in items})
    marks = ", ".join("?" * len(documents))
    closed: set[tuple[Any, ...]] = set()
    person = project.annotators.get(annotator)
    if person is not None and person.id is not None:
        for document_id, label_id, start, end in project.db.execute(
            f"SELECT document_id, label_id, span_start, span_end FROM annotations "
            f"WHERE annotator_id = ? AND document_id IN ({marks})", [person.id, *documents]
        ):
            layer, label = project.codebook.label_name(label_id)
            closed.add((document_id, layer, label, start, end))
    closed.update(project.db.execute(
        f"SELECT document_id, layer, label, span_start, span_end FROM {DECISIONS_TABLE} "
        f"WHERE annotator = ? AND decision = 'reject' AND document_id IN ({marks})", [annotator, *documents]
    ).fetchall())
    return [s for s in items if (s.document_id, s.layer, s.label, s.start, s.end) not in closed]


# ----- accepting and rejecting -----------------------------------------------------------


def _decision(suggestion: Suggestion, decision: str, annotator: str, start: int | None = None,
              end: int | None = None) -> RowChange:
    """A new suggestion_decisions row (the span as stored, when accepting snapped it)."""
    ident = str(uuid.uuid4())
    row = {"id": ident, "document_id": suggestion.document_id, "layer": suggestion.layer,
           "label": suggestion.label, "span_start": suggestion.start if start is None else start,
           "span_end": suggestion.end if end is None else end, "source": suggestion.source,
           "decision": decision, "annotator": annotator, "at": now()}
    return RowChange(DECISIONS_TABLE, (ident,), None, row)


def _where(suggestion: Suggestion) -> str:
    return f"({suggestion.start}–{suggestion.end})" if suggestion.start is not None else "(document)"


def accept(project: Project, suggestions: Sequence[Suggestion], annotator: str) -> list[str]:
    """Make the suggestions annotations of `annotator` in ONE undoable step; their ids.

    Suggestions the layer's rules refuse (an overlap, a duplicate) are left out; if none can
    be accepted, AnnotationError says why."""
    return accept_report(project, suggestions, annotator).annotation_ids


def accept_report(project: Project, suggestions: Sequence[Suggestion], annotator: str) -> AcceptResult:
    """Like `accept`, also returning the suggestions refused and why."""
    result = AcceptResult()
    if not suggestions:
        return result
    project.annotators.ensure(annotator)
    first = suggestions[0]
    description = (f"accept suggestion {first.label} {_where(first)}" if len(suggestions) == 1
                   else f"accept {len(suggestions)} suggestions")
    decisions: list[RowChange] = []
    with project.history.group(description, annotator):
        for suggestion in suggestions:
            try:
                changes = project.annotations.add(
                    suggestion.document_id, annotator, suggestion.layer, suggestion.label,
                    suggestion.start, suggestion.end, origin=suggestion.source)
            except AnnotationError as error:
                result.skipped.append((suggestion, str(error)))
                continue
            assert changes.primary is not None
            result.annotation_ids.append(changes.primary)
            made = project.annotations.get(changes.primary)
            decisions.append(_decision(suggestion, "accept", annotator, made.start, made.end))
        if decisions:
            project.history.apply(Operation(description, annotator, tuple(decisions)))
    if not result.annotation_ids:
        suggestion, reason = result.skipped[0]
        more = f" (and {len(result.skipped) - 1} more)" if len(result.skipped) > 1 else ""
        raise AnnotationError(f"the suggestion {suggestion.label} {_where(suggestion)} was not accepted: {reason}{more}")
    return result


def reject(project: Project, suggestions: Sequence[Suggestion], annotator: str) -> None:
    """Record that `annotator` rejected the suggestions (one undoable step): they are not
    suggested to them again, and count against their rule's or model's acceptance rate."""
    if not suggestions:
        return
    project.annotators.ensure(annotator)
    first = suggestions[0]
    description = (f"reject suggestion {first.label} {_where(first)}" if len(suggestions) == 1
                   else f"reject {len(suggestions)} suggestions")
    for suggestion in suggestions:
        project.documents.get(suggestion.document_id)
    rows = tuple(_decision(suggestion, "reject", annotator) for suggestion in suggestions)
    project.history.apply(Operation(description, annotator, rows))


def acceptance_rates(project: Project, layer: str) -> dict[str, tuple[int, int]]:
    """(accepted, rejected) of each source (rule or model) that made suggestions in `layer`."""
    rates: dict[str, tuple[int, int]] = {}
    for source, accepted, rejected in project.db.execute(
        f"SELECT source, SUM(decision = 'accept'), SUM(decision = 'reject') FROM {DECISIONS_TABLE} "
        "WHERE layer = ? GROUP BY source ORDER BY source", [layer]
    ):
        rates[source] = (int(accepted or 0), int(rejected or 0))
    return rates


def acceptance_by_label(project: Project, layer: str) -> dict[str, dict[str, tuple[int, int]]]:
    """(accepted, rejected) by label, then by source, in `layer` (for the codebook panel)."""
    rates: dict[str, dict[str, tuple[int, int]]] = {}
    for label, source, accepted, rejected in project.db.execute(
        f"SELECT label, source, SUM(decision = 'accept'), SUM(decision = 'reject') FROM {DECISIONS_TABLE} "
        "WHERE layer = ? GROUP BY label, source ORDER BY label, source", [layer]
    ):
        rates.setdefault(label, {})[source] = (int(accepted or 0), int(rejected or 0))
    return rates

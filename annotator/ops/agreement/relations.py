"""Agreement on relations: precision, recall and F1 between pairs of annotators, per type and pooled.

A relation of annotator B matches one of annotator A when their types are the same and both
ends match: the source spans match and the target spans match (undirected types: either way
round), where two spans match when they are of the same layer and, by the matching chosen,
have the same start and end ("exact") or share at least one character ("overlap"). Each
relation is matched at most once (greedily, in text order). With A as reference, precision =
matched / B's relations, recall = matched / A's relations, F1 = 2 * matched / (A's + B's);
F1 is symmetric, so the table lists each pair once. No relations on either side: undefined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ...errors import AnnotatorError
from ...project import Project

MATCHINGS = ("exact", "overlap")
RULE = ("a relation matches when its type is the same and both ends match (source to source, target to "
        "target; undirected types either way round); spans match when of the same layer and {matching}; "
        "each relation matched at most once")
_SPAN_RULES = {"exact": "with the same start and end", "overlap": "sharing at least one character"}

_End = tuple[str, int, int]  # layer, start, end


@dataclass(frozen=True, slots=True)
class _Link:
    document: str
    type: str
    source: _End
    target: _End
    directed: bool


def _spans_match(one: _End, other: _End, matching: str) -> bool:
    if one[0] != other[0]:
        return False
    if matching == "exact":
        return one[1:] == other[1:]
    return one[1] < other[2] and other[1] < one[2]


def _links_match(one: _Link, other: _Link, matching: str) -> bool:
    if one.document != other.document or one.type != other.type:
        return False
    if _spans_match(one.source, other.source, matching) and _spans_match(one.target, other.target, matching):
        return True
    return not one.directed and _spans_match(one.source, other.target, matching) and _spans_match(
        one.target, other.source, matching)


def matched_count(reference: Sequence[_Link], other: Sequence[_Link], matching: str) -> int:
    """How many relations of `other` match one of `reference`, each matched at most once."""
    free = list(reference)
    matched = 0
    for link in other:
        for index, candidate in enumerate(free):
            if _links_match(candidate, link, matching):
                del free[index]
                matched += 1
                break
    return matched


def _figures(n_reference: int, n_other: int, matched: int) -> dict[str, Any]:
    if n_reference + n_other == 0:
        return {"reference": 0, "other": 0, "matched": 0, "precision": None, "recall": None, "f1": None,
                "undefined": "neither annotator made a relation of this kind"}
    return {"reference": n_reference, "other": n_other, "matched": matched,
            "precision": matched / n_other if n_other else None,
            "recall": matched / n_reference if n_reference else None,
            "f1": 2 * matched / (n_reference + n_other)}


def relation_agreement(project: Project, annotators: Sequence[str] = (), matching: str = "exact",
                       documents: Sequence[str] | None = None) -> dict[str, Any]:
    """Pairwise relation precision/recall/F1 (pooled over types and per type), with the rule stated."""
    if matching not in MATCHINGS:
        raise AnnotatorError(f"unknown matching {matching!r}; use {' or '.join(MATCHINGS)}")
    book = project.codebook.get()
    directed = {kind.name: kind.directed for kind in book.relations}
    spans = {a.id: (a.layer, a.start, a.end) for a in project.annotations.all() if a.is_span}
    wanted = None if documents is None else set(documents)
    by_annotator: dict[str, list[_Link]] = {}
    for link in project.relations.all():
        if wanted is not None and link.document_id not in wanted:
            continue
        by_annotator.setdefault(link.annotator, []).append(
            _Link(link.document_id, link.type, spans[link.source], spans[link.target], directed.get(link.type, True)))
    names = list(annotators) or sorted(by_annotator)
    for name in names:
        project.annotators.id(name)  # an unknown name is refused with the list of annotators
    if len(names) < 2:
        raise AnnotatorError("relation agreement needs two annotators with relations (or name them with "
                             f"--annotators); found {', '.join(names) or 'none'}")
    types = [kind.name for kind in book.relations]
    pairs = []
    for first, second in combinations(names, 2):
        mine, theirs = by_annotator.get(first, []), by_annotator.get(second, [])
        row: dict[str, Any] = {"reference": first, "other": second,
                               "pooled": _figures(len(mine), len(theirs), matched_count(mine, theirs, matching))}
        row["per_type"] = {}
        for kind in types:
            a = [link for link in mine if link.type == kind]
            b = [link for link in theirs if link.type == kind]
            row["per_type"][kind] = _figures(len(a), len(b), matched_count(a, b, matching))
        pairs.append(row)
    return {"measure": "relation precision/recall/F1", "matching": matching,
            "rule": RULE.format(matching=_SPAN_RULES[matching]),
            "unit": "relation (typed link between two spans of one annotator in one document)",
            "annotators": names, "types": types, "pairs": pairs}


def format_relation_agreement(result: dict[str, Any]) -> str:
    """The relation agreement as text for the terminal, the rule first."""
    def number(value: float | None) -> str:
        return "undefined" if value is None else f"{value:.3f}"

    lines = [f"Relation agreement ({result['matching']} matching): precision, recall, F1",
             f"Rule: {result['rule']}", f"Unit: {result['unit']}", ""]
    for pair in result["pairs"]:
        pooled = pair["pooled"]
        lines.append(f"{pair['reference']} (reference) vs {pair['other']}: F1 {number(pooled['f1'])}, precision "
                     f"{number(pooled['precision'])}, recall {number(pooled['recall'])} ({pooled['matched']} matched "
                     f"of {pooled['reference']} and {pooled['other']})")
        for kind, figures in pair["per_type"].items():
            why = f" ({figures['undefined']})" if figures.get("undefined") else ""
            lines.append(f"  {kind:<20} F1 {number(figures['f1'])}  P {number(figures['precision'])}  "
                         f"R {number(figures['recall'])}  {figures['matched']}/{figures['reference']}/"
                         f"{figures['other']}{why}")
    return "\n".join(lines)


def agreement_command(args: Any, show: Any) -> int:
    """`annotator agreement PROJECT --relations [--matching M] [--annotators A,B] [--json]`."""
    from ...store.database import check_integrity

    if not args.relations:
        raise AnnotatorError("say what to compare: --layer NAME, or --relations")
    if args.layer:
        raise AnnotatorError("--relations compares relations of every type; leave out --layer")
    if args.round or args.csv:
        raise AnnotatorError("--round and --csv do not apply to --relations yet")
    if getattr(args, "manual_only", False):
        raise AnnotatorError("--manual-only applies to the annotations of a --layer, not to relations")
    names = [name.strip() for name in (args.annotators or "").split(",") if name.strip()]
    with Project.open(args.project, readonly=True) as project:
        check_integrity(project.db, project.path, full=True)
        with project.read_snapshot():
            result = relation_agreement(project, names, args.matching)
    show(result, args.json, format_relation_agreement(result))
    return 0

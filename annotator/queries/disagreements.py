"""Where annotators disagree: the read side of adjudication (the curator's decisions are
ops/curation.py). The documents table, the review window and the curation operations share it.

Disagreements among the compared annotators, per layer, are found on *units*: identical
(layer, label, start, end) annotations. A unit every compared annotator has is agreed.
The other units make one disagreement each, claimed in this order:

- label: at one exact span (or, for document layers, on the document) the annotators'
  units carry two or more different labels, from more than one annotator;
- boundaries: overlapping units with the same label but different offsets, not all
  marked by the same annotators;
- missing: a unit only some annotators have, with nothing else to pair it with.

A disagreement is resolved when the curator accepted (or edited) one of its source
annotations and that gold annotation still exists, or decided every source (a rejection
counts; an accepted one whose gold was since undone does not).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import AnnotatorError
from ..model import Annotation, Role
from ..project import Project

DEFAULT_CURATOR = "curator"
ACCEPTING = frozenset({"accept", "accept-agreeing", "edit"})
DECISIONS = ("accept", "accept-agreeing", "reject", "edit", "add")
KINDS = ("label", "boundaries", "missing")
Unit = tuple[str, str, int | None, int | None]  # (layer, label, start, end)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One place where the compared annotators differ, with the annotations involved."""

    kind: str  # "label" | "boundaries" | "missing"
    layer: str
    start: int | None  # extent of the sources; None for a document-level layer
    end: int | None
    sources: tuple[str, ...]  # annotation ids, ordered by position, then annotator order
    labels: tuple[str, ...]
    annotators: tuple[str, ...]  # who marked something here
    missing: tuple[str, ...]  # compared annotators who marked none of it
    resolved: bool = False

    @property
    def key(self) -> str:
        """A stable identifier (for selection in the review view across refreshes)."""
        return f"{self.layer}|{self.kind}|{self.start}|{self.end}|{','.join(sorted(self.sources))}"


@dataclass(slots=True)
class Decisions:
    """The latest curation decision per source annotation, and which gold annotations exist."""

    latest: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # source → (decision, gold)
    present: set[str] = field(default_factory=set)  # ids of annotations that exist

    def accepted(self, source: str) -> str | None:
        """The gold id made from `source`, if its latest decision accepted it and the gold still exists."""
        decision, gold = self.latest.get(source, ("", None))
        return gold if decision in ACCEPTING and gold in self.present else None

    def decided(self, source: str) -> bool:
        """True if the curator's latest decision on `source` stands (a rejection, or a gold that exists)."""
        decision, _gold = self.latest.get(source, ("", None))
        return decision == "reject" or self.accepted(source) is not None


# ----- finding disagreements ----------------------------------------------------------


def units_of(annotations: Iterable[Annotation], annotators: Sequence[str]) -> dict[Unit, dict[str, str]]:
    """unit → {annotator: annotation id}, for the compared annotators."""
    units: dict[Unit, dict[str, str]] = {}
    wanted = set(annotators)
    for item in annotations:
        if item.annotator in wanted:
            units.setdefault((item.layer, item.label, item.start, item.end), {}).setdefault(item.annotator, item.id)
    return units


def _make(kind: str, members: list[tuple[Unit, dict[str, str]]], annotators: Sequence[str],
          decisions: Decisions) -> Disagreement:
    order = {name: n for n, name in enumerate(annotators)}
    members = sorted(members, key=lambda m: (m[0][2] or 0, m[0][3] or 0, m[0][1]))
    sources = tuple(ident for _unit, held in members for _name, ident in sorted(held.items(), key=lambda h: order[h[0]]))
    holders = {name for _unit, held in members for name in held}
    starts = [unit[2] for unit, _ in members if unit[2] is not None]
    ends = [unit[3] for unit, _ in members if unit[3] is not None]
    resolved = any(decisions.accepted(s) for s in sources) or all(decisions.decided(s) for s in sources)
    return Disagreement(
        kind, members[0][0][0], min(starts) if starts else None, max(ends) if ends else None, sources,
        tuple(sorted({unit[1] for unit, _ in members})), tuple(a for a in annotators if a in holders),
        tuple(a for a in annotators if a not in holders), resolved,
    )


def _layer_disagreements(
    units: list[tuple[Unit, dict[str, str]]], annotators: Sequence[str], decisions: Decisions
) -> list[Disagreement]:
    """Disagreements among the non-agreed units of one layer (see the module docstring)."""
    found: list[Disagreement] = []
    by_position: dict[tuple[int | None, int | None], list[tuple[Unit, dict[str, str]]]] = {}
    for member in units:
        by_position.setdefault((member[0][2], member[0][3]), []).append(member)
    left: list[tuple[Unit, dict[str, str]]] = []
    for members in by_position.values():
        labels = {unit[1] for unit, _ in members}
        holders = {name for _, held in members for name in held}
        if len(labels) >= 2 and len(holders) >= 2:
            found.append(_make("label", members, annotators, decisions))
        else:
            left.extend(members)
    by_label: dict[str, list[tuple[Unit, dict[str, str]]]] = {}
    for member in left:
        by_label.setdefault(member[0][1], []).append(member)
    for members in by_label.values():
        members.sort(key=lambda m: (m[0][2] or 0, m[0][3] or 0))
        cluster: list[tuple[Unit, dict[str, str]]] = []
        reach = -1
        for member in [*members, None]:
            if member is not None and member[0][2] is not None and cluster and member[0][2] < reach:
                cluster.append(member)
                reach = max(reach, member[0][3] or 0)
                continue
            if cluster:
                same_people = len({frozenset(held) for _, held in cluster}) == 1
                if len(cluster) >= 2 and not same_people:
                    found.append(_make("boundaries", cluster, annotators, decisions))
                else:
                    found.extend(_make("missing", [m], annotators, decisions) for m in cluster)
            if member is not None:
                cluster = [member]
                reach = member[0][3] if member[0][3] is not None else -1
    return found


def _find(annotations: Iterable[Annotation], annotators: Sequence[str], layer_order: dict[str, int],
          decisions: Decisions, layer: str | None = None) -> tuple[list[Disagreement], list[Unit]]:
    """(disagreements in a stable order, units every compared annotator agrees on)."""
    units = units_of(annotations, annotators)
    everyone = set(annotators)
    agreed = [unit for unit, held in units.items() if set(held) == everyone]
    per_layer: dict[str, list[tuple[Unit, dict[str, str]]]] = {}
    for unit, held in units.items():
        if set(held) != everyone and (layer is None or unit[0] == layer):
            per_layer.setdefault(unit[0], []).append((unit, held))
    found = [d for members in per_layer.values() for d in _layer_disagreements(members, annotators, decisions)]
    found.sort(key=lambda d: (d.start is not None, d.start or 0, d.end or 0, layer_order.get(d.layer, 0),
                              KINDS.index(d.kind), d.labels, d.sources))
    return found, agreed


def decisions_of(project: Project, document_ids: Sequence[str] | None = None) -> Decisions:
    where = "" if document_ids is None else f"AND document_id IN ({', '.join('?' * len(document_ids))})"
    result = Decisions()
    for source, decision, gold in project.db.execute(
        f"SELECT source_annotation_id, decision, gold_annotation_id FROM curation_log "
        f"WHERE source_annotation_id IS NOT NULL {where} ORDER BY id", list(document_ids or [])
    ):
        result.latest[source] = (decision, gold)
    golds = sorted({gold for _d, gold in result.latest.values() if gold})
    for first in range(0, len(golds), 500):
        chunk = golds[first:first + 500]
        result.present.update(row[0] for row in project.db.execute(
            f"SELECT id FROM annotations WHERE id IN ({', '.join('?' * len(chunk))})", chunk))
    return result


def layer_order(project: Project) -> dict[str, int]:
    return {layer.name: n for n, layer in enumerate(project.codebook.get().layers)}


def check_annotators(project: Project, annotators: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(annotators))
    if not names:
        raise AnnotatorError("choose at least one annotator to compare")
    for name in names:
        project.annotators.id(name)  # raises naming the unknown annotator
    return names


def disagreements(
    project: Project, document_id: str, annotators: list[str], layer: str | None = None
) -> list[Disagreement]:
    """Where the annotators differ on a document (optionally one layer), in text order;
    document-level labels come first."""
    names = check_annotators(project, annotators)
    project.documents.get(document_id)
    if layer is not None:
        project.codebook.layer(layer)
    found, _agreed = _find(project.annotations.for_document(document_id), names, layer_order(project),
                           decisions_of(project, [document_id]), layer)
    return found


def unresolved_count(project: Project, document_id: str, annotators: list[str]) -> int:
    """How many disagreements on the document the curator has not settled yet."""
    return sum(not d.resolved for d in disagreements(project, document_id, annotators))


def adjudicated_documents(project: Project, annotators: list[str], curator: str | None = None) -> set[str]:
    """Ids of the documents fully adjudicated: the compared annotators annotated them, the curator
    has made decisions there, no disagreement is unresolved and every agreed unit is in the gold set."""
    names = check_annotators(project, annotators)
    curators = [curator] if curator else [a.name for a in project.annotators.list() if a.role is Role.CURATOR]
    by_document: dict[str, list[Annotation]] = {}
    for name in names:
        for item in project.annotations.by_annotator(name):
            by_document.setdefault(item.document_id, []).append(item)
    gold: dict[str, set[Unit]] = {}
    for name in curators:
        if project.annotators.get(name) is None:
            continue
        for item in project.annotations.by_annotator(name):
            gold.setdefault(item.document_id, set()).add((item.layer, item.label, item.start, item.end))
    touched = {row[0] for row in project.db.execute("SELECT DISTINCT document_id FROM curation_log")}
    decisions = decisions_of(project)
    order = layer_order(project)
    done = set()
    for document_id, items in by_document.items():
        if document_id not in touched:
            continue
        found, agreed = _find(items, names, order, decisions)
        if all(d.resolved for d in found) and set(agreed) <= gold.get(document_id, set()):
            done.add(document_id)
    return done


# ----- relations ------------------------------------------------------------------------

RelationUnit = tuple[str, Unit, Unit]  # (type, source unit, target unit)


@dataclass(frozen=True, slots=True)
class RelationComparison:
    """One relation as the compared annotators marked it (same type, both ends the same units)."""

    type: str
    source: Unit
    target: Unit
    relations: dict[str, str]  # annotator → relation id
    missing: tuple[str, ...]  # compared annotators without it
    decision: str = ""  # the curator's latest decision on any of its relations ("" none)
    in_gold: bool = False  # the curator has this relation

    @property
    def agreed(self) -> bool:
        """True when every compared annotator has it."""
        return not self.missing


def relation_comparison(project: Project, document_id: str, annotators: list[str],
                        curator: str = DEFAULT_CURATOR) -> list[RelationComparison]:
    """The compared annotators' relations on a document, matched by type and both ends' units
    (layer, label, start, end); agreed ones too, each with the curator's latest decision."""
    names = check_annotators(project, annotators)
    spans = {a.id: a for a in project.annotations.for_document(document_id)}
    units: dict[RelationUnit, dict[str, str]] = {}
    gold: set[RelationUnit] = set()
    for link in project.relations.for_document(document_id):
        source, target = spans.get(link.source), spans.get(link.target)
        if source is None or target is None:
            continue
        key = (link.type, (source.layer, source.label, source.start, source.end),
               (target.layer, target.label, target.start, target.end))
        if link.annotator == curator:
            gold.add(key)
        elif link.annotator in names:
            units.setdefault(key, {})[link.annotator] = link.id
    latest = decisions_of(project, [document_id]).latest
    found = []
    for key, by in sorted(units.items(), key=lambda item: (item[0][1][2] or 0, item[0][2][2] or 0, item[0][0])):
        decision = next((latest[ident][0] for ident in by.values() if ident in latest), "")
        found.append(RelationComparison(key[0], key[1], key[2], dict(by), tuple(n for n in names if n not in by),
                                        decision, key in gold))
    return found

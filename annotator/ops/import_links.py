"""Relations another tool's file gives between its spans (brat R lines, XMI and WebAnno TSV
relation layers), made storable by the import.

A reader names a relation's ends by the ids it gave the spans it read; the import stores a
span under that id, or finds it stored already (by id or by content) under another. Here the
ends are mapped to the stored annotations, and what cannot be stored is counted for the
report instead of refusing the file: native JSONL relations are checked strictly by
RelationStore.insert_imported, another tool's (brat R lines, XMI and TSV relation layers) are carried
where they can be: a type added with --add-labels takes the attributes its relations carry,
typed from their values; attributes an existing type lacks or refuses are counted and dropped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import AnnotationError
from ..model import AttributeDef, AttributeType, RelationType
from ..project import Project
from ..project.relations import check_relation_attributes


def stored_id(project: Project, row: dict[str, Any]) -> str:
    """The id of the stored annotation an incoming one was found to be (by id, else by content)."""
    if project.db.execute("SELECT 1 FROM annotations WHERE id = ?", [row["id"]]).fetchone() is not None:
        return str(row["id"])
    found = project.db.execute(
        "SELECT id FROM annotations WHERE document_id = ? AND annotator_id = ? AND label_id = ? "
        "AND span_start IS ? AND span_end IS ? ORDER BY id LIMIT 1",
        [row["document_id"], row["annotator_id"], row["label_id"], row["span_start"], row["span_end"]]).fetchone()
    return str(found[0]) if found is not None else str(row["id"])


def storable_links(project: Project, links: list[dict[str, Any]], stored_as: dict[str, str], add_labels: bool,
                    added: list[str], not_carried: Counter[str]) -> list[dict[str, Any]]:
    """Another format's relations (brat R lines) with their ends mapped to the stored spans; a
    relation whose end was not stored, whose type the codebook lacks (added with --add-labels)
    or that its type's rule forbids is counted as not carried instead of refusing the file;
    a type added is named in `added` (the report's added labels)."""
    kept = []
    for link in links:
        if not link.get("lenient"):  # native JSONL: RelationStore.insert_imported checks it strictly
            kept.append(link)
            continue
        what = link.get("lenient") or "relations"
        ends = [stored_as.get(link["from"]), stored_as.get(link["to"])]
        if ends[0] is None or ends[1] is None:
            not_carried[f"{what} whose end was not imported"] += 1
            continue
        book = project.codebook.get()
        if book.relation(link["type"]) is None:
            if not add_labels:
                not_carried[f"{what} of a type the codebook lacks (--add-labels adds it): {link['type']}"] += 1
                continue
            project.codebook.add_relation_type(RelationType(link["type"], attributes=_carried(links, link["type"])))
            added.append(f"relation type {link['type']}")
        source, target = project.annotations.get(ends[0]), project.annotations.get(ends[1])
        if project.relations.refusal(link["type"], source, target) is not None:
            not_carried[f"{what} the codebook's rule for their type forbids"] += 1
            continue
        kind = project.codebook.relation(link["type"])
        if not link.get("id") and _linked(project, kind, ends[0], ends[1], kept):
            continue  # the same link imported before (the file again), or twice in the file: stored once
        attributes = _fitting(kind, link.get("attributes") or {}, what, not_carried)
        kept.append({**link, "from": ends[0], "to": ends[1], "attributes": attributes})
    return kept


def _linked(project: Project, kind: RelationType, source: str, target: str, kept: list[dict[str, Any]]) -> bool:
    """True when a relation of `kind` already joins the two spans (either way for an undirected
    type), stored or among the links about to be stored."""
    pairs = [(source, target)] + ([] if kind.directed else [(target, source)])
    for one, other in pairs:
        if any(link["type"] == kind.name and link["from"] == one and link["to"] == other for link in kept):
            return True
        if project.db.execute("SELECT 1 FROM relations WHERE type_id = ? AND source_id = ? AND target_id = ?",
                              [kind.id, one, other]).fetchone() is not None:
            return True
    return False


def _carried(links: list[dict[str, Any]], kind: str) -> tuple[AttributeDef, ...]:
    """The attributes the relations of a type the codebook lacks carry, typed from their values."""
    found: dict[str, AttributeType] = {}
    for link in links:
        if link.get("lenient") and link["type"] == kind:
            for name, value in (link.get("attributes") or {}).items():
                typed: AttributeType = ("bool" if isinstance(value, bool) else "int" if isinstance(value, int)
                                        else "text")
                found[name] = typed if found.get(name, typed) == typed else "text"
    return tuple(AttributeDef(name, typed) for name, typed in found.items())


def _fitting(kind: RelationType, values: dict[str, Any], what: str, not_carried: Counter[str]) -> dict[str, Any]:
    """The attribute values the type defines and accepts; the others counted as not carried."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        if kind.attribute(name) is None:
            not_carried[f"attributes of {what} their codebook type lacks: {name}"] += 1
            continue
        try:
            check_relation_attributes(kind, {name: value})
        except AnnotationError:
            not_carried[f"attributes of {what} their codebook type refuses: {name}"] += 1
            continue
        kept[name] = value
    return kept

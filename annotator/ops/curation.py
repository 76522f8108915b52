"""Adjudication: where annotators disagree, and the curator's decisions that build the gold set.

The gold set is the annotations of an annotator with the curator role (by default one
called "curator", created when first needed). Gold changes go through the project's
undoable annotation operations; each decision is also written to `curation_log` (the
curator role, when, which source annotation, decision, reason) in the same transaction.
The curator is a role that owns the gold annotations, not a person: who made the decision
(the annotator logged in while adjudicating) is kept as `decided_by` in the entry's detail,
so that the log and its CSV export say who decided, not just "curator".

Where annotators disagree (the read side) is queries/disagreements.py.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import AnnotationError, AnnotatorError
from ..model import Annotation, Role, Status
from ..project import Project
from ..project.history import ChangeSet, Operation, RowChange, now
from ..span_rules import overlap_clash
from ..queries.disagreements import (
    ACCEPTING,
    DECISIONS,
    DEFAULT_CURATOR,
    KINDS,
    Disagreement,
    Unit,
    adjudicated_documents,
    check_annotators,
    decisions_of,
    relation_comparison,
    disagreements,
    unresolved_count,
    units_of,
)
from ..store.files import refuse_project_output

__all__ = [  # the read side, named here too: callers of adjudication find it in one place
    "ACCEPTING", "DECISIONS", "DEFAULT_CURATOR", "KINDS", "Disagreement", "Unit", "adjudicated_documents",
    "disagreements", "unresolved_count", "ensure_curator", "accept", "reject", "edit_and_accept", "add_gold",
    "accept_all_agreeing", "export_decisions_csv", "relation_comparison", "accept_relation", "reject_relation",
]
CSV_COLUMNS = (
    "at", "curator", "decided_by", "document_id", "document_title", "decision", "source_annotation_id", "source_annotator",
    "layer", "label", "start", "end", "gold_annotation_id", "gold_label", "gold_start", "gold_end", "gold_present",
    "reason",
)

# ----- decisions ----------------------------------------------------------------------


def ensure_curator(project: Project, curator: str = DEFAULT_CURATOR) -> str:
    """The curator's name, creating the curator if missing; refuses a plain annotator's name."""
    name = curator.strip()
    found = project.annotators.get(name)
    if found is None:
        return project.annotators.ensure(name, Role.CURATOR).name
    if found.role is not Role.CURATOR:
        raise AnnotatorError(f'"{name}" is an annotator, not a curator; the gold set needs a curator')
    return found.name


def _log(project: Project, curator: str, document_id: str, source: str | None, gold: str | None,
         decision: str, reason: str, detail: dict[str, Any], decided_by: str = "") -> None:
    """One curation_log entry; `decided_by` (the person, when known) goes into the detail."""
    if decided_by.strip():
        detail = {**detail, "decided_by": decided_by.strip()}
    # The row is part of the decision's undo step, so undoing a decision takes its log entry
    # back too; its id avoids ids an undo or redo step may still write back.
    highest = project.db.execute("SELECT COALESCE(MAX(id), 0) FROM curation_log").fetchone()[0]
    pending = [key[0] for key in project.history.pending_keys("curation_log")]
    ident = max([highest, *pending]) + 1
    row = {"id": ident, "at": now(), "curator": curator, "document_id": document_id,
           "source_annotation_id": source, "gold_annotation_id": gold, "decision": decision, "reason": reason,
           "detail": json.dumps(detail, ensure_ascii=False)}
    project.history.apply(Operation(f"log {decision}", curator, (RowChange("curation_log", (ident,), None, row),)))


def _describe(item: Annotation) -> dict[str, Any]:
    return {"annotator": item.annotator, "layer": item.layer, "label": item.label, "start": item.start,
            "end": item.end}


def _gold_twin(project: Project, document_id: str, curator: str, layer: str, label: str,
               start: int | None, end: int | None) -> Annotation | None:
    """The curator's annotation with this layer, label and span, if there is one."""
    for item in project.annotations.for_document(document_id, curator, layer):
        if item.label == label and item.start == start and item.end == end:
            return item
    return None


def _single_label_gold(project: Project, document_id: str, curator: str, layer: str) -> Annotation | None:
    """The curator's existing label in a one-label-per-document layer, if any."""
    found = project.codebook.layer(layer)
    if found.kind != "document" or found.multiple:
        return None
    existing = project.annotations.for_document(document_id, curator, layer)
    return existing[0] if existing else None


def _source(project: Project, source_annotation_id: str, curator: str) -> Annotation:
    source = project.annotations.get(source_annotation_id)
    if source.annotator == curator:
        raise AnnotatorError("that annotation is already the curator's (gold); edit it directly")
    return source


def _put_gold(project: Project, document_id: str, curator: str, layer: str, label: str, start: int | None,
              end: int | None, attributes: dict[str, Any], snap: bool) -> tuple[ChangeSet, str]:
    """Make the gold set hold this annotation (add it, reuse an identical one, or relabel the
    one label of a single-label document layer); returns the change and the gold id."""
    twin = _gold_twin(project, document_id, curator, layer, label, start, end) if not snap else None
    if twin is not None:
        return ChangeSet(description="already in the gold set", primary=twin.id), twin.id
    single = _single_label_gold(project, document_id, curator, layer)
    if single is not None:
        result = project.annotations.relabel(single.id, label)
        return result, single.id
    gold = str(uuid.uuid4())
    result = project.annotations.add(document_id, curator, layer, label, start, end, attributes, snap=snap,
                                     annotation_id=gold)
    return result, gold


def accept(project: Project, document_id: str, source_annotation_id: str, curator: str = DEFAULT_CURATOR,
           decided_by: str = "") -> ChangeSet:
    """Copy an annotator's annotation into the gold set; accepting it again changes nothing.
    `decided_by` names the person deciding (logged beside the curator role)."""
    if project.annotations.get(source_annotation_id).document_id != document_id:
        raise AnnotationError(f"annotation {source_annotation_id} is not on document {document_id}")
    curator = ensure_curator(project, curator)
    source = _source(project, source_annotation_id, curator)
    already = decisions_of(project, [document_id]).accepted(source.id)
    if already is not None:
        return ChangeSet(description="already accepted", primary=already)
    with project.history.group(f"accept {source.label} from {source.annotator}", curator):
        result, gold = _put_gold(project, document_id, curator, source.layer, source.label, source.start,
                                 source.end, source.attributes, snap=False)
        _log(project, curator, document_id, source.id, gold, "accept", "", _describe(source), decided_by)
    result.primary = gold
    return result


def reject(project: Project, source_annotation_id: str, curator: str, reason: str,
           decided_by: str = "") -> ChangeSet | None:
    """Reject an annotator's annotation with a reason; removes the gold copy made from it, if any."""
    reason = reason.strip()
    if not reason:
        raise AnnotatorError("give a reason for rejecting the annotation")
    curator = ensure_curator(project, curator)
    source = _source(project, source_annotation_id, curator)
    decisions = decisions_of(project, [source.document_id])
    latest = decisions.latest.get(source.id)
    if latest is not None and latest[0] == "reject":
        last_reason = project.db.execute(
            "SELECT reason FROM curation_log WHERE source_annotation_id = ? ORDER BY id DESC LIMIT 1", [source.id]
        ).fetchone()[0]
        if last_reason == reason:
            return None
    gold = decisions.accepted(source.id)
    shared = gold is not None and any(
        other != source.id and decisions.accepted(other) == gold for other in decisions.latest)
    result = None
    with project.history.group(f"reject {source.label} from {source.annotator}", curator):
        _log(project, curator, source.document_id, source.id, None, "reject", reason, _describe(source),
             decided_by)
        if gold is not None and not shared:
            result = project.annotations.delete([gold])
    return result


# ----- relations ----------------------------------------------------------------------


def _gold_end(project: Project, span: Annotation, curator: str) -> str | None:
    """The gold span standing for an annotator's span: the one accepted from it, or an identical one."""
    accepted = decisions_of(project, [span.document_id]).accepted(span.id)
    if accepted is not None:
        return accepted
    twin = _gold_twin(project, span.document_id, curator, span.layer, span.label, span.start, span.end)
    return twin.id if twin is not None else None


def accept_relation(project: Project, relation_id: str, curator: str = DEFAULT_CURATOR, decided_by: str = "",
                    with_ends: bool = False) -> ChangeSet:
    """Copy an annotator's relation into the gold set, between the gold copies of its ends. Both
    ends must be in gold: `with_ends` accepts the missing ones in the same step, otherwise the
    relation is refused naming the end that is not. One undo step, logged."""
    link = project.relations.get(relation_id)
    curator = ensure_curator(project, curator)
    if link.annotator == curator:
        raise AnnotatorError("that relation is already the curator's (gold)")
    ends = [project.annotations.get(link.source), project.annotations.get(link.target)]
    text = project.documents.text(link.document_id)
    golds = [_gold_end(project, end, curator) for end in ends]
    for end, gold, name in zip(ends, golds, ("source", "target")):
        if gold is None and not with_ends:
            words = " ".join(text[end.start or 0: end.end or 0].split())
            raise AnnotatorError(f"accept the {name} span first: {end.layer} {end.label} «{words}» is not in the "
                                 "gold set (or accept the relation with its ends)")
    with project.history.group(f"accept {link.type} from {link.annotator}", curator):
        for number, end in enumerate(ends):
            if golds[number] is None:
                golds[number] = accept(project, link.document_id, end.id, curator, decided_by).primary
        existing = [r for r in project.relations.for_document(link.document_id, curator, link.type)
                    if (r.source, r.target) == (golds[0], golds[1])]
        if existing:
            result, gold = ChangeSet(description="already in the gold set"), existing[0].id
        else:
            result = project.relations.add(link.type, golds[0], golds[1], link.attributes, link.note)
            gold = result.primary
        _log(project, curator, link.document_id, link.id, gold, "accept", "",
             {"annotator": link.annotator, "relation": link.type, "layer": "(relation)", "label": link.type,
              "start": ends[0].start, "end": ends[1].end, "from": link.source, "to": link.target}, decided_by)
    result.primary = gold
    return result


def reject_relation(project: Project, relation_id: str, curator: str, reason: str,
                    decided_by: str = "") -> ChangeSet | None:
    """Reject an annotator's relation with a reason (logged); the gold relation made from it goes."""
    reason = reason.strip()
    if not reason:
        raise AnnotatorError("give a reason for rejecting the relation")
    link = project.relations.get(relation_id)
    curator = ensure_curator(project, curator)
    row = project.db.execute("SELECT decision, gold_annotation_id FROM curation_log WHERE source_annotation_id = ? "
                             "ORDER BY id DESC LIMIT 1", [link.id]).fetchone()
    gold = row[1] if row is not None and row[0] == "accept" and project.relations.exists(row[1] or "") else None
    ends = [project.annotations.get(link.source), project.annotations.get(link.target)]
    result = None
    with project.history.group(f"reject {link.type} from {link.annotator}", curator):
        _log(project, curator, link.document_id, link.id, None, "reject", reason,
             {"annotator": link.annotator, "relation": link.type, "layer": "(relation)", "label": link.type,
              "start": ends[0].start, "end": ends[1].end, "from": link.source, "to": link.target}, decided_by)
        if gold is not None:
            result = project.relations.delete([gold])
    return result


def edit_and_accept(
    project: Project, source_annotation_id: str, curator: str, label: str | None = None,
    start: int | None = None, end: int | None = None, decided_by: str = "",
) -> ChangeSet:
    """Accept an annotation into the gold set with another label and/or boundaries (snapped to the
    layer's granularity); if it was accepted before, its gold copy is changed instead."""
    curator = ensure_curator(project, curator)
    source = _source(project, source_annotation_id, curator)
    if not source.is_span and (start is not None or end is not None):
        raise AnnotationError("a document-level label has no boundaries to adjust")
    new_label = label or source.label
    new_start = start if start is not None else source.start
    new_end = end if end is not None else source.end
    moved = (new_start, new_end) != (source.start, source.end)
    gold = decisions_of(project, [source.document_id]).accepted(source.id)
    results: list[ChangeSet] = []
    with project.history.group(f"edit and accept {source.label} from {source.annotator}", curator):
        if gold is not None:
            current = project.annotations.get(gold)
            if new_label != current.label:
                results.append(project.annotations.relabel(gold, new_label))
            if source.is_span and (new_start, new_end) != (current.start, current.end):
                assert new_start is not None and new_end is not None
                results.append(project.annotations.resize(gold, new_start, new_end, snap=moved))
        else:
            result, gold = _put_gold(project, source.document_id, curator, source.layer, new_label, new_start,
                                     new_end, source.attributes, snap=moved)
            results.append(result)
        after = project.annotations.get(gold)
        detail = {**_describe(source), "gold": {"label": after.label, "start": after.start, "end": after.end}}
        _log(project, curator, source.document_id, source.id, gold, "edit", "", detail, decided_by)
    combined = _combine(results, f"edit and accept {source.label}")
    combined.primary = gold
    return combined


def _combine(results: Sequence[ChangeSet], description: str) -> ChangeSet:
    combined = ChangeSet(description=description)
    for result in results:
        combined.added |= result.added
        combined.changed |= result.changed
        combined.removed |= result.removed
        combined.documents |= result.documents
        combined.statuses |= result.statuses
    return combined


def add_gold(
    project: Project, document_id: str, curator: str, layer: str, label: str, start: int | None = None,
    end: int | None = None, attributes: dict[str, Any] | None = None, decided_by: str = "",
) -> ChangeSet:
    """Add an annotation no annotator made (a missing one) straight into the gold set."""
    curator = ensure_curator(project, curator)
    gold = str(uuid.uuid4())
    with project.history.group(f"add missing {label}", curator):
        result = project.annotations.add(document_id, curator, layer, label, start, end, attributes or {},
                                         annotation_id=gold)
        added = project.annotations.get(gold)
        _log(project, curator, document_id, None, gold, "add", "",
             {"annotator": curator, "layer": layer, "label": label, "start": added.start, "end": added.end},
             decided_by)
    return result


def accept_all_agreeing(
    project: Project, document_id: str, annotators: list[str], min_agree: int | None = None,
    curator: str = DEFAULT_CURATOR, decided_by: str = "",
) -> ChangeSet | None:
    """Copy into the gold set every unit on which all (or at least `min_agree`) annotators agree
    exactly, as one undoable step; None if there was nothing to add or log."""
    names = check_annotators(project, annotators)
    needed = len(names) if min_agree is None else min_agree
    if not 1 <= needed <= len(names):
        raise AnnotatorError(f"min_agree must lie between 1 and {len(names)}, not {needed}")
    curator = ensure_curator(project, curator)
    units = units_of(project.annotations.for_document(document_id), names)
    decisions = decisions_of(project, [document_id])
    book = project.codebook
    curator_id = project.annotators.id(curator)
    gold_items = project.annotations.for_document(document_id, curator)
    gold = {(g.layer, g.label, g.start, g.end): g.id for g in gold_items}
    gold_spans: dict[str, list[tuple[int, int]]] = {}
    single_layers: set[str] = set()
    for item in gold_items:
        if item.is_span:
            gold_spans.setdefault(item.layer, []).append((item.start, item.end))  # type: ignore[arg-type]
        else:
            single_layers.add(item.layer)
    stamp = now()
    changes: list[RowChange] = []
    logs: list[tuple[str, str, dict[str, Any]]] = []  # (source, gold, detail)
    ordered = sorted(units.items(), key=lambda u: (u[0][2] is not None, u[0][2] or 0, u[0][3] or 0, u[0][0], u[0][1]))
    for (layer_name, label, start, end), held in ordered:
        if len(held) < needed:
            continue
        gold_id = gold.get((layer_name, label, start, end))
        if gold_id is None:
            layer = book.layer(layer_name)
            if start is None and not layer.multiple and layer_name in single_layers:
                continue  # a one-label layer whose gold label the curator must choose
            if start is not None and end is not None and _breaks_overlap(layer.overlap, gold_spans.get(layer_name, []), start, end):
                continue
            source = project.annotations.get(next(iter(held.values())))
            gold_id = str(uuid.uuid4())
            row = {"id": gold_id, "document_id": document_id, "annotator_id": curator_id, "layer_id": layer.id,
                   "label_id": book.label_id(layer_name, label), "span_start": start, "span_end": end,
                   "attributes": json.dumps(source.attributes, ensure_ascii=False, sort_keys=True), "note": "",
                   "created_at": stamp, "updated_at": stamp}
            changes.append(RowChange("annotations", (gold_id,), None, row))
            gold[(layer_name, label, start, end)] = gold_id
            if start is None:
                single_layers.add(layer_name)
            else:
                gold_spans.setdefault(layer_name, []).append((start, end))  # type: ignore[arg-type]
        for annotator, ident in held.items():
            if decisions.accepted(ident) is None:
                detail = {"annotator": annotator, "layer": layer_name, "label": label, "start": start, "end": end,
                          "agreeing": sorted(held)}
                logs.append((ident, gold_id, detail))
    if not changes and not logs:
        return None
    changes.extend(_curator_status(project, document_id, curator_id, bool(changes)))
    noun = "annotation" if len(changes) == 1 else "annotations"
    with project.history.group(f"accept agreeing {noun}", curator):
        for source_id, gold_id, detail in logs:
            _log(project, curator, document_id, source_id, gold_id, "accept-agreeing", "", detail, decided_by)
        if changes:
            return project.history.apply(Operation(f"accept agreeing {noun}", curator, tuple(changes)))
    return ChangeSet(description="agreeing annotations were already in the gold set")


def _breaks_overlap(rule: str, spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """True if a new span breaks the layer's overlap rule (span_rules) against the curator's spans."""
    return overlap_clash(rule, spans, start, end) is not None


def _curator_status(project: Project, document_id: str, curator_id: int, adding: bool) -> list[RowChange]:
    """Mark the document in progress for the curator when gold is first added to it."""
    if not adding:
        return []
    row = project.db.execute(
        "SELECT document_id, annotator_id, status, updated_at FROM document_status "
        "WHERE document_id = ? AND annotator_id = ?", [document_id, curator_id]).fetchone()
    if row is not None and row[2] != Status.NOT_STARTED.value:
        return []
    before = dict(zip(("document_id", "annotator_id", "status", "updated_at"), row)) if row else None
    after = {"document_id": document_id, "annotator_id": curator_id, "status": Status.IN_PROGRESS.value,
             "updated_at": now()}
    return [RowChange("document_status", (document_id, curator_id), before, after)]


# ----- export -------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A CSV cell; free text starting like a formula is prefixed with ' so spreadsheets show it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_decisions_csv(project: Project, path: str | Path) -> int:
    """Write every curation decision to a UTF-8 CSV file (written whole or not at all); returns the rows."""
    path = Path(path)
    if not path.parent.is_dir():
        raise AnnotatorError(f"{path}: folder {path.parent} does not exist")
    refuse_project_output(path, (project.path,), "decisions CSV")
    titles = dict(project.db.execute("SELECT id, title FROM documents").fetchall())
    present = {row[0] for row in project.db.execute(
        "SELECT gold_annotation_id FROM curation_log JOIN annotations ON annotations.id = gold_annotation_id")}
    rows = project.db.execute(
        "SELECT at, curator, document_id, decision, source_annotation_id, gold_annotation_id, reason, detail "
        "FROM curation_log ORDER BY id").fetchall()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for at, curator, document_id, decision, source, gold, reason, detail in rows:
                info = json.loads(detail) if detail else {}
                after = info.get("gold") or {}
                writer.writerow([
                    at, _cell(curator), _cell(info.get("decided_by", "")), document_id, _cell(titles.get(document_id, "")), decision, source or "",
                    _cell(info.get("annotator", "") if source else ""), _cell(info.get("layer", "")),
                    _cell(info.get("label", "")), _cell(info.get("start")), _cell(info.get("end")), gold or "",
                    _cell(after.get("label", "")), _cell(after.get("start")), _cell(after.get("end")),
                    ("yes" if gold in present else "no") if gold else "", _cell(reason),
                ])
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(rows)

"""A colleague's relations travel with a merge, after their annotations (one phase of it).

A relation links two spans of one annotator in one document. Annotations are merged by id
(ops/merge_annotations.py), so a relation's ends keep their ids: an end "arrived" when our
project now holds an annotation of that id with their content (added by this merge or
already ours, identical), in the document and of the annotator the merge mapped theirs to.
Matching follows the merge's rules:

- a relation by id: the same id with the same content (type, ends, attributes, note) is
  skipped; with other content it is a conflict and ours is kept; the same link (type, from,
  to) we hold under another id is skipped, as the editor refuses a link made twice;
- their relation type by name: a type our codebook lacks, an end that did not arrive, a link
  our codebook's rule forbids (the layers and labels a type may connect, checked as the
  editor checks it) or attribute values our type refuses make the relation invalid: listed
  in the report with the reason, the rest of the merge goes on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import AnnotatorError
from ..model import Annotation
from ..project.history import now
from ..project.relations import COLUMNS, check_relation_attributes
from .merge_checks import as_text, is_id, parsed_json
from .merge_read import OTHER
from .merge_report import Conflict

if TYPE_CHECKING:
    from .merge_apply import Merger

__all__ = ["copy_relations"]

_THEIRS = (f"SELECT r.id, r.document_id, r.annotator_id, t.name, r.source_id, r.target_id, r.attributes, r.note, "
           f"r.created_at, r.updated_at FROM {OTHER}.relations AS r LEFT JOIN {OTHER}.relation_types AS t "
           "ON t.id = r.type_id ORDER BY r.rowid")
_THEIR_ENDS = (f"SELECT id, document_id, annotator_id, label_id, span_start, span_end FROM {OTHER}.annotations "
               "WHERE id IN ({marks})")
_OUR_ENDS = ("SELECT a.id, a.document_id, a.annotator_id, a.label_id, a.span_start, a.span_end, y.name, l.name "
             "FROM main.annotations AS a JOIN main.labels AS l ON l.id = a.label_id "
             "JOIN main.layers AS y ON y.id = a.layer_id WHERE a.id IN ({marks})")


def copy_relations(merger: Merger) -> None:
    """Add their relations we lack (see the module docstring)."""
    db, tally, project = merger.db, merger.report.relations, merger.project
    theirs = merger.their_rows(_THEIRS)
    if not theirs:
        return
    ends = {end for row in theirs for end in (row[4], row[5]) if isinstance(end, str)}
    their_ends = {row[0]: row[1:] for chunk in _chunks(sorted(ends)) for row in merger.their_rows(
        _THEIR_ENDS.format(marks=", ".join("?" * len(chunk))), chunk)}
    our_ends = {row[0]: row[1:] for chunk in _chunks(sorted(ends)) for row in db.execute(
        _OUR_ENDS.format(marks=", ".join("?" * len(chunk))), chunk)}
    names = {ident: name for ident, name in db.execute("SELECT id, name FROM main.annotators")}
    ours = {row[0]: dict(zip(COLUMNS, row)) for row in db.execute(f"SELECT {', '.join(COLUMNS)} FROM main.relations")}
    links = {(r["type_id"], r["source_id"], r["target_id"]) for r in ours.values()}
    seen: set[str] = set()
    for ident, doc, annotator, type_name, source, target, attributes, note, created, updated in theirs:
        name = f"relation {ident!r}" if is_id(ident) else "a relation"
        if not is_id(ident):
            tally.invalid.append(f"{name}: its id is not printable text of at most 100 characters; not merged")
            continue
        if ident in seen:
            tally.invalid.append(f"{name}: its id appears twice in the file; not merged")
            continue
        seen.add(ident)
        kind = project.codebook.get().relation(type_name) if isinstance(type_name, str) else None
        if kind is None:
            tally.invalid.append(f'{name}: type "{as_text(type_name)}", which our codebook lacks; not merged')
            continue
        problem = _ends_problem(merger, doc, annotator, source, target, their_ends, our_ends)
        values = parsed_json(attributes, dict)
        if not problem and (values is None or not isinstance(note, str)):
            problem = "its attributes or note are damaged"
        if not problem:
            end_from, end_to = (_annotation(source, our_ends[source], names), _annotation(target, our_ends[target],
                                                                                           names))
            problem = project.relations.refusal(kind.name, end_from, end_to) or ""
        if not problem:
            try:
                values = check_relation_attributes(kind, values)
            except AnnotatorError as error:
                problem = str(error)
        if problem:
            tally.invalid.append(f"{name} ({as_text(type_name)}): {problem}; not merged")
            continue
        row = {"id": ident, "document_id": our_ends[source][0], "annotator_id": our_ends[source][1],
               "type_id": kind.id, "source_id": source, "target_id": target,
               "attributes": json.dumps(values, ensure_ascii=False, sort_keys=True), "note": note,
               "created_at": as_text(created) or as_text(updated), "updated_at": as_text(updated) or as_text(created)}
        mine = ours.get(ident)
        if mine is not None:
            same = all(mine[key] == row[key] for key in ("document_id", "annotator_id", "type_id", "source_id",
                                                        "target_id", "attributes", "note"))
            if same:
                tally.skipped += 1
            else:
                tally.conflicts.append(Conflict("relation", ident, mine["document_id"],
                                                "same relation id, different type, ends, attributes or note"))
            continue
        pairs = [(source, target)] + ([] if kind.directed else [(target, source)])
        if any((kind.id, one, other) in links for one, other in pairs):
            tally.skipped += 1  # the same link is ours under another id
            continue
        if not row["created_at"]:
            row["created_at"] = row["updated_at"] = now()
        db.execute(f"INSERT INTO relations ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                   [row[key] for key in COLUMNS])
        ours[ident] = row
        links.add((kind.id, source, target))
        tally.added += 1


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[first:first + size] for first in range(0, len(values), size)]


def _ends_problem(merger: Merger, doc: Any, annotator: Any, source: Any, target: Any,
                  their_ends: dict[str, tuple[Any, ...]], our_ends: dict[str, tuple[Any, ...]]) -> str:
    """Why their relation's ends are not both here as theirs (mapped), or ""."""
    if doc not in merger.documents:
        return "its document was not merged"
    if annotator not in merger.annotator_ids:
        return "its annotator was not merged"
    for end, ident in (("from", source), ("to", target)):
        if not is_id(ident) or ident not in their_ends:
            return f'its "{end}" end {as_text(ident)!r} is not an annotation of their file'
        t_doc, t_annotator, t_label, start, stop = their_ends[ident]
        mapped = (merger.documents.get(t_doc, (None,))[0], merger.annotator_ids.get(t_annotator),
                  merger.label_ids.get(t_label), start, stop)
        if ident not in our_ends or tuple(our_ends[ident][:5]) != mapped:
            return f'its "{end}" end {ident} did not arrive (that annotation was not merged)'
        if our_ends[ident][0] != merger.documents[doc][0] or our_ends[ident][1] != merger.annotator_ids[annotator]:
            return f'its "{end}" end {ident} is not in its document or not of its annotator'
    return ""


def _annotation(ident: str, row: tuple[Any, ...], names: dict[int, str]) -> Annotation:
    """Enough of our stored annotation for the codebook's relation rule."""
    doc, annotator, _label, start, end, layer, label = row
    return Annotation(id=ident, document_id=doc, annotator=names.get(annotator, ""), layer=layer, label=label,
                      start=start, end=end)

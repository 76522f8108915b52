"""A reliability study travels with a merge: the draws of the double-coding sample, the
assignments and the rounds of a colleague's file, inside the merge's one transaction.

The lead draws the sample and hands each coder a copy; the copies come back to be merged,
and the study must come back with them (or a coder's copy, merged into a fresh project,
must bring the design along). Matching follows the merge's rules (ops/merge.py):

- a draw by its id (its design, the seed included, is copied as it is);
- an assignment by (document, annotator): the document by the hash of its text, the
  annotator by name, both already mapped by the merge; one we have is skipped, except that
  a document in the double-coding sample in either copy is in the sample here;
- a round by its name: their document ids are mapped to ours; the same name with the same
  start is the same round (closed there and open here: closed here too, as a status takes the
  more advanced value); the same name started at another time is a conflict, ours kept. Their
  open round while another round is open here is added closed, at the merge, so that only one
  round is ever open (the codebook is frozen by one round at a time).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..project.history import now
from .merge_checks import as_text, is_id, parsed_json
from .merge_read import OTHER
from .merge_report import Conflict

if TYPE_CHECKING:
    from .merge_apply import Merger

__all__ = ["copy_assignments", "copy_rounds", "copy_study"]


def copy_study(merger: Merger) -> None:
    """Their draws, assignments and rounds (one phase of the merge)."""
    copy_assignments(merger)
    copy_rounds(merger)


def copy_assignments(merger: Merger) -> None:
    """Add their draws and the assignments we lack (see the module docstring)."""
    db, tally = merger.db, merger.report.assignments
    draws = {row[0] for row in db.execute("SELECT id FROM main.assignment_draws")}
    for ident, at, actor, design in merger.their_rows(
            f"SELECT id, at, actor, design FROM {OTHER}.assignment_draws ORDER BY at, rowid"):
        if ident in draws or not is_id(ident) or parsed_json(design, dict) is None:
            continue
        db.execute("INSERT INTO assignment_draws (id, at, actor, design) VALUES (?, ?, ?, ?)",
                   [ident, as_text(at) or now(), as_text(actor), design])
        draws.add(ident)
    ours = {(d, a): flag for d, a, flag in db.execute("SELECT document_id, annotator_id, sampled FROM main.assignments")}
    for doc, annotator, sampled in merger.their_rows(
            f"SELECT document_id, annotator_id, sampled FROM {OTHER}.assignments ORDER BY rowid"):
        if doc not in merger.documents or annotator not in merger.annotator_ids:
            tally.invalid.append(f"assignment of document {doc!r} to annotator {annotator!r}, which were not merged")
            continue
        key = (merger.documents[doc][0], merger.annotator_ids[annotator])
        flag = 1 if sampled == 1 else 0
        if key in ours:
            if flag and not ours[key]:
                db.execute("UPDATE assignments SET sampled = 1 WHERE document_id = ? AND annotator_id = ?", list(key))
                ours[key] = 1
                tally.updated += 1
            else:
                tally.skipped += 1
            continue
        db.execute("INSERT INTO assignments (document_id, annotator_id, sampled) VALUES (?, ?, ?)", [*key, flag])
        ours[key] = flag
        tally.added += 1


_ROUND_COLUMNS = ("name", "scope", "documents", "codebook_version", "codebook_fingerprint", "codebook", "started_at",
                  "started_by", "closed_at", "closed_by", "draw_id")


def copy_rounds(merger: Merger) -> None:
    """Add their rounds, mapped to our documents; close ours that they closed (see the module docstring)."""
    db, tally = merger.db, merger.report.rounds
    columns = ", ".join(_ROUND_COLUMNS)
    ours: dict[str, dict[str, Any]] = {row[0]: dict(zip(_ROUND_COLUMNS, row))
                                       for row in db.execute(f"SELECT {columns} FROM main.rounds")}
    for row in merger.their_rows(f"SELECT {columns} FROM {OTHER}.rounds ORDER BY started_at, rowid"):
        theirs = dict(zip(_ROUND_COLUMNS, row))
        name, started = theirs["name"], as_text(theirs["started_at"])
        documents = parsed_json(theirs["documents"], list)
        if not isinstance(name, str) or not name.strip() or not started or documents is None \
                or parsed_json(theirs["codebook"], list) is None or not isinstance(theirs["codebook_version"], int):
            tally.invalid.append(f"round {name!r} is damaged")
            continue
        closed = as_text(theirs["closed_at"])
        mine = ours.get(name)
        if mine is not None:
            if mine["started_at"] != started:
                tally.conflicts.append(Conflict("round", name, "", f"a round of that name started {started[:10]} "
                                                f"there and {str(mine['started_at'])[:10]} here"))
            elif closed and not mine["closed_at"]:
                db.execute("UPDATE rounds SET closed_at = ?, closed_by = ? WHERE name = ?",
                           [closed, as_text(theirs["closed_by"]), name])
                mine["closed_at"] = closed
                tally.updated += 1
            else:
                tally.skipped += 1
            continue
        mapped = [merger.documents[d][0] for d in documents if d in merger.documents]
        if len(mapped) < len(documents):
            tally.invalid.append(f"round {name}: {len(documents) - len(mapped)} of its documents were not merged; "
                                 "it is added with the others")
        still_open = next((n for n, r in ours.items() if not r["closed_at"]), None)
        by = as_text(theirs["closed_by"])
        if not closed and still_open is not None:
            closed, by = now(), "merge"
            tally.conflicts.append(Conflict("round", name, "", f'open there while round "{still_open}" is open '
                                            "here; added closed"))
        values = {**theirs, "documents": json.dumps(mapped), "closed_at": closed, "closed_by": by,
                  "scope": as_text(theirs["scope"]), "codebook_fingerprint": as_text(theirs["codebook_fingerprint"]),
                  "started_by": as_text(theirs["started_by"]),
                  "draw_id": as_text(theirs["draw_id"])}  # draws keep their ids in a merge
        db.execute(f"INSERT INTO rounds ({columns}) VALUES ({', '.join('?' * len(_ROUND_COLUMNS))})",
                   [values[c] for c in _ROUND_COLUMNS])
        ours[name] = values
        tally.added += 1

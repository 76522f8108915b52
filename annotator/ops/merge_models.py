"""Suggestion models travel with a merge: a colleague's trained models come across, row and
weights, inside the merge's one transaction.

Their model is untrusted input, like the rest of their file: its weights are carried as the
bytes they are and never loaded while merging (a pipeline that cannot load is refused in one
line when suggestions are first asked of it, ops/models.py). What is checked is the row:

- an id we can store; a layer our codebook has (after the merge added their labels); a kind
  this application makes; an evaluation that is a JSON object; whole, non-negative counts;
- weights that are bytes, at most MAX_MODEL_BYTES, and present when the model is active (a
  superseded model keeps its evaluation without weights, as here);
- who it was trained from: "gold" or an annotator's name, mapped as the merge maps names.

A bad row is refused by itself (listed as invalid, the rest of the merge goes on). Matching is
by id: the same id with the same content is skipped; with other content it is a conflict and
ours is kept. Of the active models of one layer and source, the newer stays active: ours
superseded by theirs keeps its row and its weights (a merge never deletes what we have).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .merge_checks import as_text, is_id, parsed_json
from .merge_read import OTHER
from .merge_report import Conflict

if TYPE_CHECKING:
    from .merge_apply import Merger

__all__ = ["MAX_MODEL_BYTES", "copy_models"]

MAX_MODEL_BYTES = 256 * 1024 * 1024  # ours are a few MB: a bag of words over the project's vocabulary
GOLD = "gold"
_COLUMNS = ("id", "layer", "trained_from", "created_at", "data_hash", "spacy_version", "kind", "evaluation",
            "n_train", "n_test", "blob", "active")
_SAME = ("layer", "trained_from", "data_hash", "kind", "blob")  # what makes two rows of one id the same model


def copy_models(merger: Merger) -> None:
    """Add their models we lack (see the module docstring); one phase of the merge."""
    from .models import KIND_DOCUMENT, KIND_SENTENCE

    db, tally = merger.db, merger.report.models
    kinds = (KIND_SENTENCE, KIND_DOCUMENT)
    layers = {name for (name,) in db.execute("SELECT name FROM main.layers")}
    columns = ", ".join(_COLUMNS)
    ours = {row[0]: dict(zip(_COLUMNS, row)) for row in db.execute(f"SELECT {columns} FROM main.models")}
    for values in merger.their_rows(f"SELECT {columns} FROM {OTHER}.models ORDER BY created_at, rowid"):
        row = dict(zip(_COLUMNS, values))
        problem = _problem(row, layers, kinds)
        name = f"model {row['id']!r}" if is_id(row["id"]) else "a model"
        if problem:
            tally.invalid.append(f"{name} of layer {as_text(row['layer'])!r}: {problem}; not merged")
            continue
        if row["trained_from"] != GOLD:
            row["trained_from"] = merger.name(row["trained_from"])
        mine = ours.get(row["id"])
        if mine is not None:
            if all(mine[key] == row[key] for key in _SAME) or (not mine["active"] and not row["active"]
                                                             and mine["data_hash"] == row["data_hash"]):
                tally.skipped += 1
            else:
                tally.conflicts.append(Conflict("model", row["id"], "", f'model of layer "{mine["layer"]}" with '
                                                "other weights or training data under the same id"))
            continue
        row["active"] = 1 if row["active"] else 0
        if row["active"]:
            row["active"] = _supersede(merger, ours, row)
        db.execute(f"INSERT INTO models ({columns}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                   [row[key] for key in _COLUMNS])
        ours[row["id"]] = row
        tally.added += 1


def _supersede(merger: Merger, ours: dict[str, dict[str, Any]], row: dict[str, Any]) -> int:
    """1 if their active model is the newest of its layer and source (ours then superseded,
    counted as updated, row and weights kept), else 0 (theirs comes in superseded)."""
    rivals = [m for m in ours.values() if m["active"] and (m["layer"], m["trained_from"]) == (row["layer"],
                                                                                            row["trained_from"])]
    if any(str(m["created_at"]) >= str(row["created_at"]) for m in rivals):
        return 0
    for rival in rivals:
        merger.db.execute("UPDATE models SET active = 0 WHERE id = ?", [rival["id"]])
        rival["active"] = 0
        merger.report.models.updated += 1
    return 1


def _problem(row: dict[str, Any], layers: set[str], kinds: tuple[str, ...]) -> str:
    """Why a row of theirs cannot be stored here, or ""."""
    if not is_id(row["id"]):
        return "its id is not printable text of at most 100 characters"
    if not isinstance(row["layer"], str) or row["layer"] not in layers:
        return f'layer "{as_text(row["layer"])}", which this codebook lacks'
    if row["kind"] not in kinds:
        return f'kind "{as_text(row["kind"])[:40]}" is not one this application makes ({", ".join(kinds)})'
    if not as_text(row["trained_from"]).strip():
        return "it does not say whose coding it was trained on"
    for key in ("created_at", "data_hash", "spacy_version"):
        if not isinstance(row[key], str) or len(row[key]) > 200:
            return f"its {key} is not text"
    if parsed_json(row["evaluation"], dict) is None:
        return "its evaluation is not a JSON object"
    for key in ("n_train", "n_test"):
        if type(row[key]) is not int or not 0 <= row[key] < 2**31:
            return f"its {key} is not a whole number of documents"
    if row["active"] not in (0, 1):
        return "its active flag is neither 0 nor 1"
    blob = row["blob"]
    if not isinstance(blob, bytes):
        return "its weights are not bytes"
    if len(blob) > MAX_MODEL_BYTES:
        return f"{len(blob):,} bytes of weights, over the {MAX_MODEL_BYTES:,} accepted"
    if row["active"] and not blob:
        return "it is active but has no weights"
    return ""

"""Drift against gold: how each annotator's coding compares with the adjudicated gold set,
per label and over time.

A coder who understood the codebook in week one may drift from it by week six; a methods
section reports how close each coder stayed to the gold standard. For one layer, each
annotator's documents that also have gold are compared with the gold annotations (the
curator's, ops/curation.py) on the same document:

- precision, recall and F1 of their spans against the gold spans (gold is the reference),
  exact or overlap matching as in the agreement report (stats/spans.py); a document layer's
  label counts as a span covering the document, so matching is by label;
- Cohen's kappa (1960) of annotator against gold on units: tokens for a span layer (a token
  takes the label of the span covering it, COVER_RULE and TIE_RULE of stats/projection.py,
  "none" if no span does), the document for a document layer; per label, the label's
  presence on the unit (present / absent);

pooled over the documents of each period: the ISO week the annotator began coding a
document (their first annotation's created_at in the layer, else the time they set its
status), or blocks of `block` documents in the order they began coding them. A document
counts as coded by an annotator when they marked it done or annotated it in the layer.

Gold documents are those the curator has worked on: a decision logged in the curation log
or a gold annotation on it. With no gold (in the round asked for) there is nothing to
compare with, and the request is refused with a message saying so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ..errors import AnnotatorError
from ..model import Role
from ..project import Project
from ..stats.kappa import cohen_kappa
from ..stats.projection import COVER_RULE, NONE_LABEL, TIE_RULE, unit_labels, unit_presence
from ..stats.spans import EXACT_RULE, OVERLAP_RULE, prf_figure, span_agreement

__all__ = ["BY", "DriftCell", "drift", "format_drift"]

BY = ("week", "order")
MATCHING = ("exact", "overlap")
Span = tuple[int, int, str]


@dataclass
class DriftCell:
    """Spans matched against gold and the unit values of annotator and gold, added up."""

    documents: int = 0
    matched: int = 0
    n_gold: int = 0
    n_coder: int = 0
    coder_units: list[str] = field(default_factory=list)
    gold_units: list[str] = field(default_factory=list)

    def add(self, gold: list[Span], coder: list[Span], matching: str, units: tuple[np.ndarray, np.ndarray],
            labels: list[str], label: str | None) -> None:
        """Add one document: `label` None compares every label, else that label's presence."""
        if label is not None:
            gold = [s for s in gold if s[2] == label]
            coder = [s for s in coder if s[2] == label]
        figure = span_agreement(gold, coder, matching)
        self.documents += 1
        self.matched += int(figure.details["matched"])
        self.n_gold += len(gold)
        self.n_coder += len(coder)
        starts, ends = units
        if not len(starts):
            return
        if label is None:
            values = unit_labels(starts, ends, {"coder": coder, "gold": gold}, labels)
            self.coder_units += [values.labels[int(v)] for v in values.values[0]]
            self.gold_units += [values.labels[int(v)] for v in values.values[1]]
        else:
            presence = unit_presence(starts, ends, {"coder": coder, "gold": gold}, [label])[label]
            self.coder_units += ["present" if v else "absent" for v in presence[0]]
            self.gold_units += ["present" if v else "absent" for v in presence[1]]

    def as_dict(self, matching: str, categories: Sequence[str]) -> dict[str, Any]:
        """Precision, recall, F1 and kappa (None when undefined, with the reason)."""
        figure = prf_figure(self.matched, self.n_gold, self.n_coder, matching, False)  # type: ignore[arg-type]
        kappa = cohen_kappa(self.coder_units, self.gold_units, list(categories))
        return {"documents": self.documents, "matched": self.matched, "n_gold": self.n_gold, "n_coder": self.n_coder,
                "precision": figure.details["precision"], "recall": figure.details["recall"], "f1": figure.value,
                "f1_undefined": figure.undefined_reason, "kappa": kappa.value, "kappa_undefined": kappa.undefined_reason,
                "units": len(self.coder_units)}


def _period(by: str, stamp: str, rank: int, block: int) -> str:
    """The period a document falls in: its ISO week, or its block of `block` in coding order."""
    if by == "order":
        first = rank // block * block + 1
        return f"document {first}" if block == 1 else f"documents {first}-{first + block - 1}"
    try:
        year, week, _ = datetime.fromisoformat(stamp).isocalendar()
    except ValueError:
        return "undated"
    return f"{year}-W{week:02d}"


def _gold_documents(project: Project, curators: list[int], documents: set[str] | None) -> list[str]:
    """Documents the curator worked on (a logged decision or a gold annotation), in corpus order."""
    marks = ", ".join("?" * len(curators))
    rows = project.db.execute(
        "SELECT d.id FROM documents d WHERE EXISTS (SELECT 1 FROM curation_log c WHERE c.document_id = d.id) "
        f"OR EXISTS (SELECT 1 FROM annotations a WHERE a.document_id = d.id AND a.annotator_id IN ({marks})) "
        "ORDER BY d.position", curators).fetchall()
    return [row[0] for row in rows if documents is None or row[0] in documents]


def _spans(project: Project, layer_id: int, document: str, annotators: Sequence[int], kind: str,
           labels: dict[int, str]) -> list[Span]:
    """The layer's annotations of `annotators` on `document` as (start, end, label) spans."""
    marks = ", ".join("?" * len(annotators))
    rows = project.db.execute(
        f"SELECT label_id, span_start, span_end FROM annotations WHERE document_id = ? AND layer_id = ? "
        f"AND annotator_id IN ({marks})", [document, layer_id, *annotators]).fetchall()
    if kind == "span":
        return [(start, end, labels[label]) for label, start, end in rows
                if label in labels and start is not None and end is not None and start < end]
    return [(0, 1, labels[label]) for label, _, _ in rows if label in labels]


def drift(project: Project, layer_name: str, by: str = "week", annotators: Sequence[str] = (),
          round_name: str | None = None, matching: str = "exact", block: int = 10) -> dict[str, Any]:
    """Each annotator against the gold set of `layer_name`, overall, per label and per period."""
    if by not in BY:
        raise AnnotatorError(f"--by {by}: use week or order")
    if matching not in MATCHING:
        raise AnnotatorError(f"--matching {matching}: use exact or overlap")
    if block < 1:
        raise AnnotatorError(f"--block {block}: give at least 1 document per period")
    layer = project.codebook.layer(layer_name)
    layer_id = project.codebook.layer_id(layer.name)
    label_names = {project.codebook.label_id(layer.name, label.name): label.name for label in layer.labels}
    names = [label.name for label in layer.labels]
    everyone = project.annotators.list()
    curators = [a.id for a in everyone if a.role is Role.CURATOR and a.id is not None]
    scope: set[str] | None = None
    where = ""
    if round_name:
        from .rounds import get_round

        scope = set(get_round(project, round_name).documents)
        where = f' in round "{round_name}"'
    gold_documents = _gold_documents(project, curators, scope) if curators else []
    if not gold_documents:
        raise AnnotatorError(f"no adjudicated gold set{where} to compare with: the curator has not decided or "
                             "added annotations on any document yet (Review → Compare and adjudicate builds it)")
    known = {a.name: a for a in everyone}
    for name in annotators:
        if name not in known:
            raise AnnotatorError(f'no annotator "{name}" in this project (annotators: {", ".join(known) or "none"})')
        if known[name].role is Role.CURATOR:
            raise AnnotatorError(f'"{name}" is the curator, whose annotations are the gold set')
    chosen = [known[n] for n in annotators] if annotators else [a for a in everyone if a.role is not Role.CURATOR]
    gold_set = set(gold_documents)
    kappa_unit = "token" if layer.kind == "span" else "document"
    result: dict[str, Any] = {
        "layer": layer.name, "by": by, "block": block if by == "order" else None, "matching": matching,
        "round": round_name, "gold_documents": len(gold_documents), "labels": names,
        "unit": kappa_unit, "annotators": {},
        "rule": ((EXACT_RULE if matching == "exact" else OVERLAP_RULE).format(label=" and the same label")
                 + "; gold spans are the reference (recall = matched / gold). Cohen's kappa of annotator and gold "
                 + (f"per token ({COVER_RULE}; {TIE_RULE}; '{NONE_LABEL}' where no span covers it)"
                    if layer.kind == "span" else "per document")
                 + "; per label, the label's presence on the unit. Periods: "
                 + ("the ISO week the annotator began coding the document" if by == "week"
                    else f"blocks of {block} documents in the order the annotator began coding them")
                 + "; a document counts when the annotator marked it done or annotated it in the layer"),
    }
    segmentation_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def units(document: str) -> tuple[np.ndarray, np.ndarray]:
        if layer.kind != "span":
            return np.array([0]), np.array([1])
        if document not in segmentation_cache:
            found = project.documents.segmentation(document)
            segmentation_cache[document] = (np.asarray(found.token_starts, dtype=np.int64),
                                            np.asarray(found.token_ends, dtype=np.int64))
        return segmentation_cache[document]

    gold_spans = {d: _spans(project, layer_id, d, curators, layer.kind, label_names) for d in gold_documents}
    for person in chosen:
        began = _coding_times(project, person.id or -1, layer_id, gold_set)
        if not began:
            continue
        ordered = sorted(began, key=lambda d: (began[d], d))
        overall, per_label = DriftCell(), {n: DriftCell() for n in names}
        periods: dict[str, tuple[DriftCell, dict[str, DriftCell]]] = {}
        for rank, document in enumerate(ordered):
            coder = _spans(project, layer_id, document, [person.id or -1], layer.kind, label_names)
            gold, bounds = gold_spans[document], units(document)
            period = _period(by, began[document], rank, block)
            cell, cells = periods.setdefault(period, (DriftCell(), {n: DriftCell() for n in names}))
            for target in (overall, cell):
                target.add(gold, coder, matching, bounds, names, None)
            for name in names:
                for target in (per_label[name], cells[name]):
                    target.add(gold, coder, matching, bounds, names, name)
        categories = [*names, NONE_LABEL]
        result["annotators"][person.name] = {
            "overall": overall.as_dict(matching, categories),
            "per_label": {n: c.as_dict(matching, ("present", "absent")) for n, c in per_label.items()},
            "periods": [{"period": period, **cell.as_dict(matching, categories),
                         "per_label": {n: c.as_dict(matching, ("present", "absent")) for n, c in cells.items()}}
                        for period, (cell, cells) in periods.items()],
        }
    if not result["annotators"]:
        raise AnnotatorError(f"nobody has coded a document with gold{where} in layer \"{layer.name}\" yet")
    return result


def _coding_times(project: Project, annotator: int, layer_id: int, documents: set[str]) -> dict[str, str]:
    """When the annotator began coding each of `documents` they coded: their first annotation's
    created_at in the layer, else the time they marked it done."""
    began: dict[str, str] = defaultdict(str)
    for document, first in project.db.execute(
            "SELECT document_id, MIN(created_at) FROM annotations WHERE annotator_id = ? AND layer_id = ? "
            "GROUP BY document_id", [annotator, layer_id]):
        if document in documents:
            began[document] = first or ""
    for document, at in project.db.execute(
            "SELECT document_id, updated_at FROM document_status WHERE annotator_id = ? AND status = 'done'",
            [annotator]):
        if document in documents and document not in began:
            began[document] = at or ""
    return dict(began)


def _number(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def format_drift(result: dict[str, Any]) -> str:
    """The drift tables as text: per annotator, one line per period, then per label overall."""
    scope = f', round "{result["round"]}"' if result["round"] else ""
    lines = [f'drift against gold, layer "{result["layer"]}"{scope}: {result["gold_documents"]} documents with gold; '
             f"kappa per {result['unit']}"]
    width = min(max([len(label) for label in result["labels"]] + [20]), 30)
    for name, data in result["annotators"].items():
        lines += ["", f"{name}", f"  {'period':<{width}} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'kappa':>6}"]
        rows = [(p["period"], p) for p in data["periods"]] + [("all", data["overall"])]
        for label, row in rows:
            lines.append(f"  {label[:width]:<{width}} {row['documents']:>5} {_number(row['precision'])} "
                         f"{_number(row['recall'])} {_number(row['f1'])} {_number(row['kappa'])}")
        lines.append(f"  {'label (all periods)':<{width}} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6} {'kappa':>6}")
        for label, row in data["per_label"].items():
            if not (row["n_gold"] or row["n_coder"]):
                continue  # a label neither used
            lines.append(f"  {label[:width]:<{width}} {row['n_gold']:>5} {_number(row['precision'])} "
                         f"{_number(row['recall'])} {_number(row['f1'])} {_number(row['kappa'])}")
    lines += ["", "- : undefined (no spans on either side, or no variation for kappa); labels neither the annotator "
              "nor the gold set used are left out", result["rule"]]
    return "\n".join(lines)

"""The result of an agreement computation: pooled figures and the tables a reviewer asks for."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...stats import Figure

# Keys of the figure dictionaries, in the order reports show them, with readable names.
FIGURE_NAMES: dict[str, str] = {
    "alpha": "Krippendorff's alpha",
    "alpha_u": "Krippendorff's alpha_U",
    "percent": "percent agreement",
    "cohen": "Cohen's kappa",
    "cohen_mean": "Cohen's kappa, mean over pairs",
    "weighted": "weighted kappa",
    "weighted_kappa": "Cohen's weighted kappa",
    "weighted_kappa_mean": "weighted kappa, mean over pairs",
    "fleiss": "Fleiss' kappa",
    "f1_exact": "span F1, exact",
    "f1_overlap": "span F1, overlap",
    "gamma": "Mathet's gamma",
}


def settings_text(figure: Figure) -> str:
    """The choices a figure depends on, named: its bootstrap method, kappa weights, gamma samples."""
    details = figure.details
    parts = []
    if details.get("ci_low") is not None and details.get("bootstrap_method"):
        method = details["bootstrap_method"]
        parts.append(f"{method} bootstrap" + (" (Hayes & Krippendorff 2007)" if method == "hayes" else
                                               " (units resampled)") + f", seed {details.get('seed')}")
    if details.get("weights") in ("linear", "quadratic"):
        parts.append(f"{details['weights']} weights")
    if "n_samples" in details and "expected_disorder" in details:
        parts.append(f"expected disorder from {details['n_samples']} random continua, seed {details.get('seed')}")
    return "; ".join(parts)


def rounded(value: float, digits: int = 3) -> str:
    """A figure as every table, chart and text report shows it: `digits` decimals and never
    a minus sign on zero (-0.0004 reads "0.000": "-0.000" suggests a negative figure that
    the rounding has erased). The exact value belongs in a tooltip (exact()) and in the CSV."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def exact(value: float) -> str:
    """A figure with every digit, sign included: the shortest text that reads back as the same float."""
    return repr(float(value))


@dataclass
class PairResult:
    """Two annotators: their kappa and span F1 figures and their confusion matrix.

    `confusion[r, c]` counts units the first annotator gave category r and the second
    category c (the report's `categories`, "none" included for span layers).
    """

    first: str
    second: str
    figures: dict[str, Figure] = field(default_factory=dict)
    confusion: np.ndarray | None = None

    def to_dict(self, categories: tuple[Hashable, ...]) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "annotators": [self.first, self.second],
            "figures": {key: figure.to_dict() for key, figure in self.figures.items()},
            "confusion": None if self.confusion is None else {
                "rows": f"{self.first}'s value", "columns": f"{self.second}'s value",
                "categories": [str(c) for c in categories],
                "counts": self.confusion.astype(int).tolist(),
            },
        }


@dataclass
class LabelRow:
    """One label: how often each annotator used it, and its own agreement figures."""

    label: str
    counts: dict[str, int]
    figures: dict[str, Figure] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"label": self.label, "counts": dict(self.counts),
                "figures": {key: figure.to_dict() for key, figure in self.figures.items()}}


@dataclass
class DocumentRow:
    """One document: its figures, and for document layers each annotator's value."""

    document_id: str
    title: str
    position: int
    n_units: int
    annotators: list[str]
    figures: dict[str, Figure] = field(default_factory=dict)
    values: dict[str, str | None] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "document": self.document_id, "title": self.title, "position": self.position,
            "n_units": self.n_units, "annotators": list(self.annotators),
            "figures": {key: figure.to_dict() for key, figure in self.figures.items()},
            **({"values": dict(self.values)} if self.values is not None else {}),
        }


@dataclass
class AgreementReport:
    """Everything compute_agreement found: pooled figures, pairs, per label, per document.

    `per_document` is sorted worst first by `sort_measure` (documents whose figure is
    undefined come last).  `notes` state every rule used to turn annotations into units.
    `suggestions` says per annotator how many compared annotations began as accepted
    suggestions, and how many `--manual-only` left out (collect.SuggestionCounts.to_dict()).
    """

    layer: str
    layer_kind: str
    unit: str
    unit_description: str
    level: str
    attribute: str | None
    measures: tuple[str, ...]
    annotators: tuple[str, ...]
    labels: tuple[str, ...]
    documents: list[dict[str, Any]]
    left_out: dict[str, int]
    categories: tuple[Hashable, ...]
    figures: dict[str, Figure]
    pairs: list[PairResult]
    per_label: list[LabelRow]
    per_document: list[DocumentRow]
    sort_measure: str | None
    notes: list[str]
    seconds: float = 0.0
    suggestions: dict[str, Any] = field(default_factory=dict)

    def suggestion_lines(self) -> list[str]:
        """What the report says about annotations that began as suggestions (text and dashboard)."""
        per = self.suggestions.get("per_annotator")
        if not per:
            return []
        if self.suggestions.get("manual_only"):
            return ["manual only: annotations that began as suggestions left out: "
                    + ", ".join(f"{name} {n['left_out']}" for name, n in per.items())
                    + "; compared: " + ", ".join(f"{name} {n['compared']}" for name, n in per.items())]

        def began(n: int) -> str:
            return f"{n} began as a suggestion" if n == 1 else f"{n} began as suggestions"

        return ["annotations compared: " + ", ".join(
            f"{name} {n['compared']} ({began(n['from_suggestions'])})" for name, n in per.items())]

    def figure(self, key: str) -> Figure:
        """A pooled figure by key ("alpha", "percent", "fleiss", "alpha_u", "f1_overlap", …)."""
        return self.figures[key]

    def pair(self, first: str, second: str) -> PairResult:
        """The result of two annotators, in either order."""
        for pair in self.pairs:
            if {pair.first, pair.second} == {first, second}:
                return pair
        raise KeyError(f"no pair {first}–{second}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every figure with its unit, number of units and measure definition."""
        return {
            "layer": self.layer,
            "layer_kind": self.layer_kind,
            "unit": self.unit,
            "unit_description": self.unit_description,
            "level": self.level,
            "attribute": self.attribute,
            "measures": list(self.measures),
            "annotators": list(self.annotators),
            "labels": list(self.labels),
            "documents": list(self.documents),
            "documents_left_out": dict(self.left_out),
            "categories": [str(c) for c in self.categories],
            "figures": {key: figure.to_dict() for key, figure in self.figures.items()},
            "pairs": [pair.to_dict(self.categories) for pair in self.pairs],
            "per_label": [row.to_dict() for row in self.per_label],
            "per_document": [row.to_dict() for row in self.per_document],
            "per_document_sorted_by": self.sort_measure,
            "notes": list(self.notes),
            "suggestions": dict(self.suggestions),
            "seconds": round(self.seconds, 4),
        }

"""What a merge did, per kind of item: the report shown to the user and logged in the audit log.

Kept apart from the merge itself because three readers share it (the command line's
summary and --json, the merge dialog, the audit log's counts) and none of them needs to
know how the rows were copied: they only read what was added, skipped, in conflict or invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Conflict:
    """An item with the same id in both files but different content; ours was kept."""

    kind: str
    id: str
    document_id: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form."""
        return {"kind": self.kind, "id": self.id, "document_id": self.document_id, "reason": self.reason}


@dataclass(slots=True)
class Tally:
    """What happened to one kind of item: added, skipped (already here), updated, in conflict, invalid."""

    added: int = 0
    skipped: int = 0
    updated: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"added": self.added, "skipped": self.skipped, "updated": self.updated,
                "conflicts": [c.as_dict() for c in self.conflicts], "invalid": list(self.invalid)}


KINDS = ("documents", "annotators", "labels", "annotations", "relations", "statuses", "comments", "curation",
         "assignments", "rounds", "models")
SINGULAR = {"documents": "document", "annotators": "annotator", "labels": "label", "annotations": "annotation",
            "relations": "relation",
            "statuses": "status", "comments": "comment", "curation": "curation decision",
            "assignments": "assignment", "rounds": "round", "models": "model"}
# A reliability study's parts (ops/merge_study.py), suggestion models (ops/merge_models.py) and
# relations (ops/merge_relations.py): in the summary only when either file has some.
STUDY_KINDS = ("relations", "assignments", "rounds", "models")


@dataclass(slots=True)
class MergeReport:
    """What a merge added, skipped and found in conflict, per kind of item."""

    source: str
    documents: Tally = field(default_factory=Tally)
    annotators: Tally = field(default_factory=Tally)
    labels: Tally = field(default_factory=Tally)
    annotations: Tally = field(default_factory=Tally)
    relations: Tally = field(default_factory=Tally)
    statuses: Tally = field(default_factory=Tally)
    comments: Tally = field(default_factory=Tally)
    curation: Tally = field(default_factory=Tally)
    assignments: Tally = field(default_factory=Tally)
    rounds: Tally = field(default_factory=Tally)
    models: Tally = field(default_factory=Tally)
    added_annotators: list[str] = field(default_factory=list)
    mapped_annotators: dict[str, str] = field(default_factory=dict)
    added_labels: list[str] = field(default_factory=list)
    mapped_labels: list[str] = field(default_factory=list)
    duplicates: int = 0  # annotations with a new id but the same content as one of ours
    seconds: float = 0.0

    def tally(self, kind: str) -> Tally:
        """The tally of one kind ("documents", "annotations", …)."""
        return getattr(self, kind)

    @property
    def changed(self) -> bool:
        """True if the merge wrote anything."""
        return any(self.tally(k).added or self.tally(k).updated for k in KINDS)

    @property
    def conflicts(self) -> list[Conflict]:
        """Every conflict of every kind."""
        return [c for k in KINDS for c in self.tally(k).conflicts]

    def counts(self) -> dict[str, Any]:
        """Only the numbers per kind, plus what was added to the codebook and the annotators (for the audit log)."""
        data: dict[str, Any] = {
            kind: {"added": t.added, "skipped": t.skipped, "updated": t.updated, "conflicts": len(t.conflicts),
                   "invalid": len(t.invalid)}
            for kind, t in ((kind, self.tally(kind)) for kind in KINDS)
        }
        data.update(added_annotators=self.added_annotators, added_labels=self.added_labels)
        return data

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        data: dict[str, Any] = {"source": self.source}
        data.update({kind: self.tally(kind).as_dict() for kind in KINDS})
        data.update(added_annotators=self.added_annotators, mapped_annotators=self.mapped_annotators,
                    added_labels=self.added_labels, mapped_labels=self.mapped_labels,
                    duplicates=self.duplicates, seconds=round(self.seconds, 3))
        return data

    def summary(self) -> str:
        """A few lines for a person: counts per kind, then every conflict and invalid item."""
        lines = [f"merged {self.source}"]
        for kind in KINDS:
            tally = self.tally(kind)
            if kind in STUDY_KINDS and not (tally.added or tally.skipped or tally.updated or tally.conflicts
                                            or tally.invalid):
                continue
            extra = f", {tally.updated} updated" if tally.updated else ""
            extra += f", {len(tally.conflicts)} in conflict" if tally.conflicts else ""
            extra += f", {len(tally.invalid)} invalid" if tally.invalid else ""
            lines.append(f"  {kind:<12} {tally.added} added, {tally.skipped} already here{extra}")
        if self.duplicates:
            lines.append(f"  {self.duplicates} annotations skipped: same content as ours under another id")
        if self.added_annotators:
            lines.append("  annotators added: " + ", ".join(self.added_annotators))
        if self.mapped_annotators:
            lines.append("  annotators mapped: " + ", ".join(f"{a} → {b}" for a, b in self.mapped_annotators.items()))
        if self.added_labels:
            lines.append("  labels added to the codebook: " + "; ".join(self.added_labels))
        if self.mapped_labels:
            lines.append("  labels mapped: " + "; ".join(self.mapped_labels))
        for conflict in self.conflicts:
            lines.append(f"  conflict ({conflict.kind} {conflict.id}): {conflict.reason}; ours kept")
        for kind in KINDS:
            lines += [f"  invalid {SINGULAR[kind]}: {p}" for p in self.tally(kind).invalid]
        if not self.changed:
            lines.append("  nothing new: the project is unchanged")
        return "\n".join(lines)

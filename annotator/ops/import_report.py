"""What an import did (ImportReport) and how it ends early: cancelled (nothing stored),
interrupted by Ctrl+C or stopped by a full disk (every file finished before stays stored)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, ProjectFileError


class ImportCancelled(AnnotatorError):
    """An all-or-nothing import was cancelled; nothing was stored."""


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl+C stopped an import that keeps finished files: says how many were stored; `report`
    holds what was done."""

    def __init__(self, report: ImportReport) -> None:
        stored, total = len(report.stored_files), report.files
        super().__init__(f"interrupted: {stored} of {total} file{'s' if total != 1 else ''} stored "
                         "(every file finished before stays imported)")
        self.report = report


INDEX_STEP = "updating the search index"


class ImportStopped(ProjectFileError):
    """The project could not be written (a full disk) part way through an import that keeps
    finished files: says which files were stored; `report` holds what was done."""

    def __init__(self, path: Path, cause: str, stopped_at: str, report: ImportReport, remaining: int) -> None:
        stored = report.stored_files
        count = f"{len(stored)} file{'s' if len(stored) != 1 else ''}"
        if not stored:
            done = "no file of this import was stored"
        elif len(stored) <= 3:
            done = f"{count} stored before it ({', '.join(stored)})"
        else:
            done = f"{count} stored before it ({stored[0]} … {stored[-1]}, in the order given)"
        if stopped_at == INDEX_STEP:
            message = f"{cause}; stopped at {stopped_at}: {done}, not yet in the search index (the next search adds them)"
        else:
            after = f" and the {remaining} file{'s' if remaining != 1 else ''} after it" if remaining else ""
            message = f"{cause}; stopped at {stopped_at}: {done}; {stopped_at}{after} not imported"
        super().__init__(path, message)
        self.report = report
        report.stopped_at = stopped_at


@dataclass(slots=True)
class ImportReport:
    """What an import did: counts and, for every problem, the file and the reason."""

    imported: list[str] = field(default_factory=list)  # document ids
    duplicates: list[str] = field(default_factory=list)  # messages
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    annotations: int = 0
    annotations_skipped: int = 0  # already in the project before this file
    annotations_repeated: int = 0  # given again in the same file: stored once
    added_labels: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # same id, different content: ours kept
    files: int = 0
    cancelled: bool = False
    spacy_worker: bool = False  # texts were segmented in a worker process
    stored_files: list[str] = field(default_factory=list)  # files committed, in order
    stopped_at: str = ""  # the file being stored when the project could not be written
    created_layers: list[str] = field(default_factory=list)  # "Name (span, character granularity, …)"
    off_boundaries: Counter[str] = field(default_factory=Counter)  # "layer\tgranularity": spans kept off them
    not_carried: Counter[str] = field(default_factory=Counter)  # what the files hold that was not imported
    statuses: int = 0  # annotators' document statuses restored (native JSONL)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form of the report."""
        return {
            "files": self.files,
            "imported": len(self.imported),
            "duplicates": self.duplicates,
            "failed": [{"file": f, "reason": r} for f, r in self.failed],
            "annotations": self.annotations,
            "annotations_skipped": self.annotations_skipped,
            "annotations_repeated": self.annotations_repeated,
            "added_labels": self.added_labels,
            "conflicts": self.conflicts,
            "cancelled": self.cancelled,
            "spacy_worker": self.spacy_worker,
            "stored_files": self.stored_files,
            "stopped_at": self.stopped_at,
            "created_layers": self.created_layers,
            "not_carried": {what.replace("\t", ": "): count for what, count in self.not_carried.items()},
            "statuses": self.statuses,
            "off_boundaries": {key.partition("\t")[0]: count for key, count in self.off_boundaries.items()},
        }

    def notes(self) -> list[str]:
        """Lines for people on what the import created and what it could not carry."""
        lines = []
        if self.created_layers:
            lines.append("layers created: " + "; ".join(self.created_layers))
        if self.statuses:
            lines.append(f"document statuses restored: {self.statuses}")
        if self.annotations_repeated:
            lines.append(f"annotations given twice or more in one file (stored once): {self.annotations_repeated}")
        for key, count in self.off_boundaries.items():
            layer, _, granularity = key.partition("\t")
            lines.append(f'{count} span{"s do" if count != 1 else " does"} not fall on {granularity} boundaries of '
                         f'layer "{layer}"; kept as {"they are" if count != 1 else "it is"}')
        if self.not_carried:
            lines.append("not carried (what / how many):")
            grouped: dict[str, list[str]] = {}  # "heading\titem" entries: one line per heading
            for what, count in self.not_carried.items():
                heading, tab, item = what.partition("\t")
                if tab:
                    grouped.setdefault(heading, []).append(f"{item} {count}")
                else:
                    lines.append(f"  {what.removesuffix(': not carried')}: {count}")
            lines += [f"  {heading}: {', '.join(items)}" for heading, items in grouped.items()]
        return lines

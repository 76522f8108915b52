"""Qt-free reads the review needs beyond the curation ops: each source annotation's latest decision."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

from ..project import Project


class LatestDecision(NamedTuple):
    """The curator's latest decision on one source annotation, and who made it."""

    decision: str
    reason: str
    decided_by: str  # the person adjudicating ("" in logs written before it was recorded)


NO_DECISION = LatestDecision("", "", "")


def latest_decisions(project: Project, annotation_ids: Sequence[str]) -> dict[str, LatestDecision]:
    """annotation id → its latest curation decision (reason, who decided), for the ids decided at all."""
    found: dict[str, LatestDecision] = {}
    ids = list(dict.fromkeys(annotation_ids))
    for first in range(0, len(ids), 500):
        chunk = ids[first:first + 500]
        marks = ", ".join("?" * len(chunk))
        rows = project.db.execute(
            f"SELECT source_annotation_id, decision, reason, detail FROM curation_log "
            f"WHERE source_annotation_id IN ({marks}) ORDER BY id", chunk)
        for source, decision, reason, detail in rows:
            found[source] = LatestDecision(decision, reason or "", _decided_by(detail))
    return found


def _decided_by(detail: str | None) -> str:
    """The person named in a log entry's detail, '' if none (or the detail is unreadable)."""
    try:
        info = json.loads(detail or "{}")
    except ValueError:
        return ""
    who = info.get("decided_by", "") if isinstance(info, dict) else ""
    return who if isinstance(who, str) else ""

"""Qt-free reads the review needs beyond the curation ops: each source annotation's latest decision."""

from __future__ import annotations

from collections.abc import Sequence

from ...project import Project


def latest_decisions(project: Project, annotation_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """annotation id → (its latest curation decision, the reason given), for the ids decided at all."""
    found: dict[str, tuple[str, str]] = {}
    ids = list(dict.fromkeys(annotation_ids))
    for first in range(0, len(ids), 500):
        chunk = ids[first:first + 500]
        marks = ", ".join("?" * len(chunk))
        rows = project.db.execute(
            f"SELECT source_annotation_id, decision, reason FROM curation_log "
            f"WHERE source_annotation_id IN ({marks}) ORDER BY id", chunk)
        for source, decision, reason in rows:
            found[source] = (decision, reason or "")
    return found

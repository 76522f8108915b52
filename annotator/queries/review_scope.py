"""Whom the review compares on a document: by default, the annotators who coded it.

Comparing every annotator of the project flags each unit of a document as "missing" for
an annotator who never opened it (on the demo, twenty open disagreements for a new user
who had coded none of those documents). So the review compares, on each document, its
*coders*: the annotators who marked it in progress or done, or put at least one
annotation on it — the rule agreement uses (ops/agreement/collect.py), over all layers.
"Done with nothing marked" is a coding; "not started" is not. The curator (gold set) is
never a coder.

A reviewer may instead tick annotators by hand: `ReviewScope(chosen=(...))`. The GUI
remembers the scope per project as a short text (`to_text` / `from_text`) in the app
settings, keyed by the project file — one reviewer's view on one machine, like the
annotator identity — not in the project file, which travels to colleagues, is merged,
may be read-only, and changes only through undoable operations.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Annotator, Role, Status
from ..project import Project

CODERS_TEXT = "coders"
CHOSEN_PREFIX = "chosen:"


def coders_by_document(project: Project, document_ids: Sequence[str]) -> dict[str, list[str]]:
    """For each document, the names of the annotators who coded it, in the project's annotator order."""
    found: dict[str, list[str]] = {ident: [] for ident in document_ids}
    if not found:
        return found
    ids = list(found)
    plain = _plain_annotators(project)
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = project.db.execute(
            "SELECT document_id, annotator_id FROM annotations "
            f"WHERE document_id IN ({marks}) GROUP BY document_id, annotator_id "
            "UNION SELECT document_id, annotator_id FROM document_status "
            f"WHERE document_id IN ({marks}) AND status != ? ",
            [*chunk, *chunk, Status.NOT_STARTED.value],
        ).fetchall()
        who: dict[str, set[int]] = {}
        for document_id, annotator_id in rows:
            who.setdefault(document_id, set()).add(annotator_id)
        for document_id, annotators in who.items():
            found[document_id] = [a.name for a in plain if a.id in annotators]
    return found


def coders(project: Project, document_id: str) -> list[str]:
    """The annotators who coded a document (status in progress or done, or an annotation on it)."""
    return coders_by_document(project, [document_id])[document_id]


def _plain_annotators(project: Project) -> list[Annotator]:
    """Every annotator who is not a curator, in order of creation."""
    return [a for a in project.annotators.list() if a.role is not Role.CURATOR]


@dataclass(frozen=True, slots=True)
class ReviewScope:
    """Whom to compare: each document's coders (chosen is None), or the annotators ticked by hand."""

    chosen: tuple[str, ...] | None = None

    @property
    def by_coders(self) -> bool:
        """True when each document's own coders are compared (the default)."""
        return self.chosen is None

    def compared(self, project: Project, document_id: str) -> list[str]:
        """The annotators to compare on a document: its coders, or the chosen ones the project has."""
        if self.chosen is None:
            return coders(project, document_id)
        known = {a.name for a in project.annotators.list()}
        return [name for name in self.chosen if name in known]

    def to_text(self) -> str:
        """The scope as a short text to remember ("coders" or "chosen:" and a JSON list)."""
        if self.chosen is None:
            return CODERS_TEXT
        return CHOSEN_PREFIX + json.dumps(list(self.chosen), ensure_ascii=False)

    @classmethod
    def from_text(cls, text: str) -> ReviewScope:
        """The scope a text from to_text() stands for; anything else (empty, damaged) is the default."""
        if text.startswith(CHOSEN_PREFIX):
            try:
                names = json.loads(text[len(CHOSEN_PREFIX):])
            except ValueError:
                return cls()
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                return cls(tuple(dict.fromkeys(names)))
        return cls()

"""The documents list's queries: ids in a chosen order and filter, and rows a page at a time.

Kept free of Qt so that it reads as plain queries; the GUI's table model only caches what
these return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Role, Status
from .disagreements import unresolved_count
from .review_scope import coders_by_document
from ..project import Project

# Sortable columns of the documents table and the SQL that orders by each.
SORT_KEYS: tuple[str, ...] = (
    "d.title COLLATE NOCASE",
    "d.source COLLATE NOCASE",
    "d.date",
    "d.length",
    "COALESCE(s.status, 'not started')",
    "(SELECT COUNT(*) FROM annotations AS a WHERE a.document_id = d.id AND a.annotator_id = :me)",
    "(SELECT COUNT(*) FROM curation_log AS c WHERE c.document_id = d.id)",  # curated documents together
)


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """What one line of the documents table shows."""

    id: str
    title: str
    source: str
    date: str
    length: int
    status: Status
    annotations: int
    adjudication: Adjudication | None = None  # None: no curator decision on it yet

    @property
    def adjudicated(self) -> bool:
        """Whether the curator settled every disagreement among the document's coders."""
        return self.adjudication is not None and self.adjudication.open == 0


@dataclass(frozen=True, slots=True)
class Adjudication:
    """Where the curator stands on a document they have been to (the "Adjudicated" column)."""

    open: int  # disagreements among its coders not settled yet
    gold: int  # annotations of the gold set on it
    agreed_not_in_gold: int  # units every coder marked alike that the gold set lacks
    coders: tuple[str, ...]

    def text(self) -> str:
        """The cell: "✓" when every disagreement is settled, else how many are open."""
        return "✓" if self.open == 0 else f"{self.open} open"

    def tooltip(self) -> str:
        """The cell's tooltip: whose disagreements, the gold set, what the gold set still lacks."""
        between = " and ".join([", ".join(self.coders[:-1]), self.coders[-1]] if len(self.coders) > 1
                               else list(self.coders)) or "its annotators"
        lines = [f"Adjudicated: every disagreement between {between} settled" if self.open == 0
                 else f"{self.open} disagreement(s) between {between} not settled yet",
                 f"gold set: {self.gold} annotation(s)"]
        if self.agreed_not_in_gold:
            lines.append(f"{self.agreed_not_in_gold} annotation(s) they agree on are not in the gold set yet "
                         "(Review → Accept all agreeing copies them)")
        return "\n".join(lines)


def _annotator_id(project: Project, annotator: str) -> int:
    found = project.annotators.get(annotator)
    return -1 if found is None or found.id is None else found.id


# The annotator's queue: documents assigned to them (ops/assignments.py) not yet marked done.
_IN_QUEUE = (
    "d.id IN (SELECT q.document_id FROM assignments AS q LEFT JOIN document_status AS qs "
    "ON qs.document_id = q.document_id AND qs.annotator_id = q.annotator_id "
    "WHERE q.annotator_id = :me AND COALESCE(qs.status, '') != 'done')"
)


def document_ids(
    project: Project, annotator: str, text_filter: str = "", sort_column: int | None = None, descending: bool = False,
    queue_only: bool = False,
) -> list[str]:
    """Ids of the documents whose title or source holds `text_filter`, in the chosen order; with
    `queue_only`, only those in the annotator's queue (assigned to them and not done)."""
    params: dict[str, object] = {"me": _annotator_id(project, annotator)}
    conditions = []
    if text_filter.strip():
        escaped = text_filter.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["pattern"] = f"%{escaped}%"
        conditions.append("(d.title LIKE :pattern ESCAPE '\\' OR d.source LIKE :pattern ESCAPE '\\')")
    if queue_only:
        conditions.append(_IN_QUEUE)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    order = "d.position"
    if sort_column is not None and 0 <= sort_column < len(SORT_KEYS):
        direction = "DESC" if descending else "ASC"
        order = f"{SORT_KEYS[sort_column]} {direction}, d.position {direction}"
    join = ""
    if sort_column == 4:
        join = "LEFT JOIN document_status AS s ON s.document_id = d.id AND s.annotator_id = :me"
    sql = f"SELECT d.id FROM documents AS d {join} {where} ORDER BY {order}"
    return [row[0] for row in project.db.execute(sql, params)]


def document_rows(project: Project, annotator: str, ids: Sequence[str]) -> dict[str, DocumentRow]:
    """The table rows of `ids`, read with one query."""
    if not ids:
        return {}
    me = _annotator_id(project, annotator)
    marks = ", ".join("?" * len(ids))
    sql = (
        "SELECT d.id, d.title, d.source, d.date, d.length, s.status, "
        "(SELECT COUNT(*) FROM annotations AS a WHERE a.document_id = d.id AND a.annotator_id = ?) "
        "FROM documents AS d LEFT JOIN document_status AS s ON s.document_id = d.id AND s.annotator_id = ? "
        f"WHERE d.id IN ({marks})"
    )
    rows = {}
    curated = adjudication(project, ids)
    for ident, title, source, date, length, status, count in project.db.execute(sql, [me, me, *ids]):
        rows[ident] = DocumentRow(ident, title, source, date, length, Status(status or Status.NOT_STARTED.value), count,
                                  curated.get(ident))
    return rows


def curators(project: Project) -> set[str]:
    """Names of the project's curators (whose annotations are the gold set)."""
    return {a.name for a in project.annotators.list() if a.role is Role.CURATOR}


def adjudication(project: Project, ids: Sequence[str]) -> dict[str, Adjudication]:
    """Where the curator stands on each of `ids` they have been to (a decision logged or gold
    added): the disagreements among the document's coders (whom the review compares by
    default) left open, the gold annotations, and the agreed units not in the gold set."""
    gold_makers = curators(project)
    if not gold_makers or not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    touched = [row[0] for row in project.db.execute(
        f"SELECT document_id FROM curation_log WHERE document_id IN ({marks}) "
        f"UNION SELECT a.document_id FROM annotations AS a JOIN annotators AS n ON n.id = a.annotator_id "
        f"WHERE n.role = ? AND a.document_id IN ({marks})", [*ids, Role.CURATOR.value, *ids])]
    who = coders_by_document(project, touched)
    found = {}
    for ident in touched:
        items = project.annotations.for_document(ident)
        names = who.get(ident, [])
        gold = {(a.layer, a.label, a.start, a.end) for a in items if a.annotator in gold_makers}
        holders: dict[tuple[str, str, int | None, int | None], set[str]] = {}
        for item in items:
            if item.annotator in names:
                holders.setdefault((item.layer, item.label, item.start, item.end), set()).add(item.annotator)
        agreed = {unit for unit, by in holders.items() if len(by) == len(names)}
        still_open = unresolved_count(project, ident, names) if names else 0
        gold_count = sum(1 for a in items if a.annotator in gold_makers)
        found[ident] = Adjudication(still_open, gold_count, len(agreed - gold), tuple(names))
    return found


def done_count(project: Project, annotator: str) -> int:
    """How many documents the annotator marked done."""
    return project.db.execute(
        "SELECT COUNT(*) FROM document_status WHERE annotator_id = ? AND status = ?",
        [_annotator_id(project, annotator), Status.DONE.value],
    ).fetchone()[0]


def queue_counts(project: Project, annotator: str) -> tuple[int, int]:
    """(documents in the annotator's queue, documents assigned to them): (0, 0) without assignments."""
    row = project.db.execute(
        "SELECT COUNT(*), COALESCE(SUM(COALESCE(s.status, '') != 'done'), 0) FROM assignments AS a "
        "LEFT JOIN document_status AS s ON s.document_id = a.document_id AND s.annotator_id = a.annotator_id "
        "WHERE a.annotator_id = ?", [_annotator_id(project, annotator)]).fetchone()
    return int(row[1]), int(row[0])

"""The documents list's queries: ids in a chosen order and filter, and rows a page at a time.

Kept free of Qt so that it reads as plain queries; the table model only caches what
these return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...model import Status
from ...project import Project

# Sortable columns of the documents table and the SQL that orders by each.
SORT_KEYS: tuple[str, ...] = (
    "d.title COLLATE NOCASE",
    "d.source COLLATE NOCASE",
    "d.date",
    "d.length",
    "COALESCE(s.status, 'not started')",
    "(SELECT COUNT(*) FROM annotations AS a WHERE a.document_id = d.id AND a.annotator_id = :me)",
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


def _annotator_id(project: Project, annotator: str) -> int:
    found = project.annotators.get(annotator)
    return -1 if found is None or found.id is None else found.id


def document_ids(
    project: Project, annotator: str, text_filter: str = "", sort_column: int | None = None, descending: bool = False
) -> list[str]:
    """Ids of the documents whose title or source holds `text_filter`, in the chosen order."""
    params: dict[str, object] = {"me": _annotator_id(project, annotator)}
    where = ""
    if text_filter.strip():
        escaped = text_filter.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["pattern"] = f"%{escaped}%"
        where = "WHERE (d.title LIKE :pattern ESCAPE '\\' OR d.source LIKE :pattern ESCAPE '\\')"
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
    for ident, title, source, date, length, status, count in project.db.execute(sql, [me, me, *ids]):
        rows[ident] = DocumentRow(ident, title, source, date, length, Status(status or Status.NOT_STARTED.value), count)
    return rows


def done_count(project: Project, annotator: str) -> int:
    """How many documents the annotator marked done."""
    return project.db.execute(
        "SELECT COUNT(*) FROM document_status WHERE annotator_id = ? AND status = ?",
        [_annotator_id(project, annotator), Status.DONE.value],
    ).fetchone()[0]

"""Label frequencies of one layer, grouped by document, metadata, date or annotator.

Counted as spans (annotations; a document label counts once), as documents with at least
one, or as the share of characters covered (the union of the label's spans in each document,
so overlapping spans count once, over the total length of the group's documents; a document
label covers its whole document). Spans and documents are counted by SQLite's GROUP BY;
only the share of characters merges spans in Python.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ...project import Project
from .scope import NONE_GROUP, Scope, bad, metadata_sql, resolve, span_layer

BY_FIXED = ("label", "document", "annotator", "date:month", "date:quarter", "date:year")
COUNTS = ("spans", "documents", "characters")
NO_DATE = "(no date)"
ALL = "all"
_YEAR = "d.date GLOB '[0-9][0-9][0-9][0-9]*'"
_MONTH = (f"{_YEAR} AND d.date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' "
          "AND CAST(substr(d.date, 6, 2) AS INTEGER) BETWEEN 1 AND 12")
_DATE_GROUPS = {
    "date:month": f"CASE WHEN {_MONTH} THEN substr(d.date, 1, 7) ELSE '{NO_DATE}' END",
    "date:quarter": (f"CASE WHEN {_MONTH} THEN substr(d.date, 1, 4) || '-Q' || "
                     f"((CAST(substr(d.date, 6, 2) AS INTEGER) + 2) / 3) ELSE '{NO_DATE}' END"),
    "date:year": f"CASE WHEN {_YEAR} THEN substr(d.date, 1, 4) ELSE '{NO_DATE}' END",
}


@dataclass(frozen=True, slots=True)
class FrequencyRow:
    """One non-zero cell: a group, a label and its count."""

    group: str
    label: str
    count: float  # spans or documents (whole numbers), or share of characters (0..1)


@dataclass(frozen=True, slots=True)
class FrequencyTable:
    """A layer's label counts per group, only non-zero cells in `rows`."""

    layer: str
    by: str
    count: str
    groups: list[str]  # natural order: documents by position, dates ascending, others alphabetical; "(none)" last
    labels: list[str]  # codebook order
    rows: list[FrequencyRow]
    # What each group stands for (a document id, a metadata value, a date prefix, an annotator):
    # what cell_scope narrows a scope to, for the segments behind a cell.
    keys: dict[str, str] = field(default_factory=dict)

    def count_of(self, group: str, label: str) -> float:
        """The count of one cell (0 when it has no row)."""
        return next((row.count for row in self.rows if row.group == group and row.label == label), 0)


def frequencies(project: Project, *, layer: str, by: str = "label", count: str = "spans",
                scope: Scope) -> FrequencyTable:
    """How often each label of `layer` occurs in `scope`, per group of `by`, counted as `count`."""
    if count not in COUNTS:
        raise bad(project, f'cannot count "{count}" (counts: {", ".join(COUNTS)})')
    resolved = resolve(project, scope)
    found = span_layer(project, layer)
    if by in ("label", "annotator"):
        group_sql = "''"
    elif by == "document":
        group_sql = "d.id"
    elif by in _DATE_GROUPS:
        group_sql = _DATE_GROUPS[by]
    elif by.startswith("date:"):
        raise bad(project, f'cannot group by "{by}" (dates group by date:month, date:quarter or date:year)')
    else:
        group_sql = metadata_sql(project, by)
    names = {int(label.id): label.name for label in found.labels if label.id is not None}
    docs = (f"WITH docs AS MATERIALIZED (SELECT d.id AS id, d.position AS position, d.length AS length, "
            f"{group_sql} AS g FROM documents AS d WHERE {resolved.documents_sql})")
    group_column = "a.annotator_id" if by == "annotator" else "docs.g"
    params = [*resolved.params, found.id]
    where = f"a.layer_id = ? AND a.annotator_id IN {resolved.annotators_sql}"
    cells: dict[tuple[object, int], float] = {}
    if count == "characters":
        cells = _covered(project, docs, group_column, where, params)
    else:
        measure = "COUNT(*)" if count == "spans" else "COUNT(DISTINCT a.document_id)"
        for group, label_id, n in project.db.execute(
                f"{docs} SELECT {group_column}, a.label_id, {measure} FROM annotations AS a "
                f"JOIN docs ON docs.id = a.document_id WHERE {where} GROUP BY 1, 2", params):
            cells[(group, label_id)] = n
    groups, keys, shown = _groups(project, by, docs, resolved.params, resolved.annotator_names)
    if count == "characters":
        totals = _lengths(project, by, docs, resolved.params)
        cells = {(g, label): (covered / totals[g] if totals.get(g) else 0.0) for (g, label), covered in cells.items()}
    rows = [FrequencyRow(shown[group], names[label_id], value)
            for group in groups for label_id in names
            if (value := cells.get((group, label_id), 0))]
    order = {name: index for index, name in enumerate(shown[g] for g in groups)}
    rows.sort(key=lambda row: order[row.group])
    return FrequencyTable(found.name, by, count, [shown[g] for g in groups], list(names.values()), rows,
                          {shown[g]: keys[g] for g in groups})


def _groups(project: Project, by: str, docs: str, params: list[object],
            annotators: dict[int, str]) -> tuple[list[object], dict[object, str], dict[object, str]]:
    """The groups in natural order, what each stands for, and how each is shown."""
    if by == "label":
        return [""], {"": ""}, {"": ALL}
    if by == "annotator":
        ordered = sorted(annotators, key=lambda i: annotators[i].casefold())
        return ordered, {i: annotators[i] for i in ordered}, {i: annotators[i] for i in ordered}
    if by == "document":
        rows = project.db.execute(f"{docs} SELECT docs.id, d.title FROM docs JOIN documents AS d "
                                  f"ON d.id = docs.id ORDER BY docs.position", params).fetchall()
        seen: dict[str, int] = {}
        for _, title in rows:
            seen[title or NONE_GROUP] = seen.get(title or NONE_GROUP, 0) + 1
        shown = {ident: (title or NONE_GROUP) if seen[title or NONE_GROUP] == 1 else f"{title or NONE_GROUP} [{ident[:8]}]"
                 for ident, title in rows}
        return [ident for ident, _ in rows], {ident: ident for ident, _ in rows}, shown
    values = [row[0] for row in project.db.execute(f"{docs} SELECT DISTINCT g FROM docs", params)]
    missing = NO_DATE if by.startswith("date:") else ""
    ordered = sorted((v for v in values if v != missing), key=lambda v: (str(v).casefold(), str(v)))
    ordered += [v for v in values if v == missing]
    return ordered, {v: str(v) for v in ordered}, {v: (str(v) if v != "" else NONE_GROUP) for v in ordered}


def _lengths(project: Project, by: str, docs: str, params: list[object]) -> dict[object, int]:
    """Characters of the scope's documents per group (every group: all of them for label / annotator)."""
    if by in ("label", "annotator"):
        total = project.db.execute(f"{docs} SELECT COALESCE(SUM(length), 0) FROM docs", params).fetchone()[0]
        return _Everywhere(total)
    return dict(project.db.execute(f"{docs} SELECT g, SUM(length) FROM docs GROUP BY g", params).fetchall())


class _Everywhere(dict):  # type: ignore[type-arg]
    """A mapping giving the same total for any group."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def get(self, key: object, default: object = None) -> int:  # type: ignore[override]
        return self.total

    def __getitem__(self, key: object) -> int:
        return self.total


def _covered(project: Project, docs: str, group_column: str, where: str,
             params: list[object]) -> dict[tuple[object, int], float]:
    """Characters covered by the union of each label's spans, per document, summed per group;
    a document label covers its whole document."""
    covered: dict[tuple[object, int], float] = {}
    current: tuple[object, int, str] | None = None
    reach = 0
    rows = project.db.execute(
        f"{docs} SELECT {group_column}, a.label_id, a.document_id, COALESCE(a.span_start, 0), "
        f"COALESCE(a.span_end, docs.length) FROM annotations AS a JOIN docs ON docs.id = a.document_id "
        f"WHERE {where} ORDER BY 1, 2, 3, 4", params)
    for group, label_id, document_id, start, end in rows:
        key = (group, label_id, document_id)
        if key != current:
            current, reach = key, 0
        if end > reach:
            covered[(group, label_id)] = covered.get((group, label_id), 0) + end - max(start, reach)
            reach = end
    return covered


def cell_scope(table: FrequencyTable, group: str, scope: Scope) -> Scope:
    """`scope` narrowed to one group of `table` (for the segments behind a cell: kwic(label=…))."""
    key = table.keys.get(group)
    if key is None or table.by == "label":
        return scope
    if table.by == "annotator":
        return dataclasses.replace(scope, annotator=key, gold=False, everyone=False)
    if table.by == "document":
        return dataclasses.replace(scope, where=(*scope.where, ("id", key)))
    if table.by.startswith("date:"):
        if key == NO_DATE:
            return dataclasses.replace(scope, where=(*scope.where, ("date", "")))
        if "-Q" in key:
            year, quarter = key.split("-Q")
            first = (int(quarter) - 1) * 3 + 1
            return dataclasses.replace(scope, date_from=f"{year}-{first:02d}", date_to=f"{year}-{first + 2:02d}")
        return dataclasses.replace(scope, date_from=key, date_to=key)
    return dataclasses.replace(scope, where=(*scope.where, (table.by, key)))

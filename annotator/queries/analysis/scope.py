"""Whose annotations and which documents an analysis looks at, checked and turned into SQL.

Every analysis (concordance, frequencies, co-occurrence) reads the same two things: a set
of annotator ids (one annotator, the gold set's curators, or every annotator) and a
condition on the documents (metadata KEY=VALUE, a date range, the annotator's status).
A name that does not exist, a metadata key no document has or a project without documents
is refused here in one line (BadInputError), so that no analysis shows an empty table that
looks like a result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import AnnotatorError, BadInputError
from ...model import Layer, Role, Status
from ...project import Project

# Metadata held in a column of their own; any other key is looked up in documents.meta.
COLUMNS = ("title", "source", "author", "date", "url", "language")
STATUSES = tuple(status.value for status in Status)
NONE_GROUP = "(none)"


class AnalysisCancelled(AnnotatorError):
    """The user cancelled an analysis (a slow regular expression on a large corpus)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose annotations and which documents an analysis looks at."""

    annotator: str | None = None  # one annotator's annotations
    gold: bool = False  # the gold set: the annotations of the project's curator(s)
    everyone: bool = False  # every annotator but the curators (whose gold set copies theirs)
    where: tuple[tuple[str, str], ...] = ()  # metadata KEY=VALUE, all must hold ("id" names one document)
    date_from: str | None = None  # ISO date bounds on documents.date, inclusive ("2026", "2026-03", "2026-03-01")
    date_to: str | None = None
    statuses: tuple[str, ...] = ()  # document status of the scope's annotator(s); empty = any


@dataclass(frozen=True, slots=True)
class Resolved:
    """A checked scope: the annotators' ids and names, and SQL over the documents alias `d`."""

    annotator_ids: tuple[int, ...]
    annotator_names: dict[int, str]
    documents_sql: str  # a condition on `d` (documents)
    params: list[Any] = field(default_factory=list)
    description: str = ""

    @property
    def annotators_sql(self) -> str:
        """`IN (…)` list of the annotator ids (literal integers, read from the file)."""
        return "(" + ", ".join(str(int(i)) for i in self.annotator_ids) + ")" if self.annotator_ids else "(NULL)"


def bad(project: Project, problem: str) -> BadInputError:
    """The one-line refusal of an analysis of `project`."""
    return BadInputError(project.path, problem)


def resolve(project: Project, scope: Scope, need_annotators: bool = True) -> Resolved:
    """Check `scope` against the project and turn it into SQL; BadInputError naming what is wrong
    (`need_annotators=False`: "everyone" may be nobody yet, for a concordance of words)."""
    if sum((scope.annotator is not None, scope.gold, scope.everyone)) != 1:
        raise bad(project, "choose exactly one of: one annotator, the gold set, everyone")
    if project.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None:
        raise bad(project, "the project has no documents to analyse; import some first")
    people = project.annotators.list()
    if scope.annotator is not None:
        chosen = [a for a in people if a.name == scope.annotator]
        if not chosen:
            known = ", ".join(a.name for a in people) or "none"
            raise bad(project, f'no annotator "{scope.annotator}" in this project (annotators: {known})')
        description = f"annotator {scope.annotator}"
    elif scope.gold:
        chosen = [a for a in people if a.role is Role.CURATOR]
        if not chosen:
            raise bad(project, "the project has no gold set yet (nobody has adjudicated: no curator)")
        description = "the gold set"
    else:
        chosen = [a for a in people if a.role is not Role.CURATOR]
        if not chosen and need_annotators:
            raise bad(project, "the project has no annotators yet")
        description = "every annotator"
    ids = tuple(int(a.id) for a in chosen if a.id is not None)
    conditions: list[str] = []
    params: list[Any] = []
    for key, value in scope.where:
        sql, values = _where(project, key, value)
        conditions.append(sql)
        params += values
    for bound, operator in ((scope.date_from, ">="), (scope.date_to, "<=")):
        if bound is None or not bound.strip():
            continue
        bound = bound.strip()
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", bound):
            raise bad(project, f'the date bound "{bound}" is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)')
        conditions.append(f"(d.date GLOB '[0-9][0-9][0-9][0-9]*' AND substr(d.date, 1, {len(bound)}) {operator} ?)")
        params.append(bound)
    if scope.statuses:
        unknown = [s for s in scope.statuses if s not in STATUSES]
        if unknown:
            raise bad(project, f'no document status "{unknown[0]}" (statuses: {", ".join(STATUSES)})')
        marks = ", ".join("?" * len(scope.statuses))
        conditions.append(
            "EXISTS (SELECT 1 FROM annotators AS n LEFT JOIN document_status AS s ON s.document_id = d.id "
            f"AND s.annotator_id = n.id WHERE n.id IN {_ids(ids)} AND COALESCE(s.status, 'not started') IN ({marks}))")
        params += list(scope.statuses)
    resolved = Resolved(ids, {int(a.id): a.name for a in chosen if a.id is not None},
                        " AND ".join(conditions) or "1", params, description)
    if conditions and project.db.execute(
            f"SELECT 1 FROM documents AS d WHERE {resolved.documents_sql} LIMIT 1", params).fetchone() is None:
        shown = ", ".join([f"{k}={v}" for k, v in scope.where]
                          + [f"date {op} {b}" for b, op in ((scope.date_from, "≥"), (scope.date_to, "≤")) if b]
                          + ([f"status {'/'.join(scope.statuses)}"] if scope.statuses else []))
        raise bad(project, f"no document matches the filters ({shown})")
    return resolved


def _ids(ids: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"


def meta_key_exists(project: Project, key: str) -> bool:
    """Whether some document has the free metadata key `key`."""
    return project.db.execute(
        "SELECT 1 FROM documents AS d, json_each(d.meta) AS j WHERE j.key = ? LIMIT 1", [key]).fetchone() is not None


def metadata_sql(project: Project, key: str) -> str:
    """SQL for a document's value of metadata `key` ('' when it has none); BadInputError for
    a key no document has. Free keys are quoted as SQL string literals (read from the file)."""
    if key in COLUMNS or key == "id":
        return f"d.{key}"
    if not meta_key_exists(project, key):
        raise bad(project, f'no document has the metadata key "{key}" (columns: {", ".join(COLUMNS)}; '
                           f'other keys: {", ".join(meta_keys(project)) or "none"})')
    literal = "'" + key.replace("'", "''") + "'"
    return f"COALESCE((SELECT CAST(j.value AS TEXT) FROM json_each(d.meta) AS j WHERE j.key = {literal}), '')"


def meta_keys(project: Project) -> list[str]:
    """The free metadata keys some document has, sorted."""
    return [row[0] for row in project.db.execute(
        "SELECT DISTINCT j.key FROM documents AS d, json_each(d.meta) AS j ORDER BY j.key")]


def _where(project: Project, key: str, value: str) -> tuple[str, list[Any]]:
    key = key.strip()
    if not key:
        raise bad(project, f'a filter needs KEY=VALUE, not "={value}"')
    return f"{metadata_sql(project, key)} = ?", [value]


def span_layer(project: Project, name: str) -> Layer:
    """The layer called `name`; BadInputError naming it (and the layers there are) if none."""
    book = project.codebook.get()
    layer = book.layer(name)
    if layer is None:
        raise bad(project, f'no layer "{name}" in the codebook (layers: {", ".join(x.name for x in book.layers)})')
    return layer


def label_id(project: Project, layer: Layer, name: str) -> int:
    """The id of label `name` of `layer`; BadInputError naming it if the layer has none."""
    label = layer.label(name)
    if label is None or label.id is None:
        raise bad(project, f'layer "{layer.name}" has no label "{name}"')
    return int(label.id)


def parse_code(project: Project, code: tuple[str, str]) -> tuple[Layer, int]:
    """(layer, label id) of a (layer, label) pair, both checked."""
    layer = span_layer(project, code[0])
    return layer, label_id(project, layer, code[1])


def check_cancel(cancelled: Callable[[], bool] | None, what: str) -> None:
    """Raise AnalysisCancelled if the user asked to stop."""
    if cancelled is not None and cancelled():
        raise AnalysisCancelled(f"the {what} was cancelled")


def one_line(text: str) -> str:
    """Context shown on one line: line breaks and tabs as spaces (the length kept)."""
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")

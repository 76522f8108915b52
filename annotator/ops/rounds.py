"""Reliability rounds: a named period with a document set and a frozen codebook version.

Content analysis runs in rounds: code the sample, measure, revise the codebook, measure
again until reliability is reached. A paper must say which codebook version, documents
and coders produced which alpha, so a round records them when it starts:

- the codebook version: every codebook edit is an operation of the project's History, and
  each one (its undo and redo too) is a row of the audit log touching the layers, labels or
  attributes tables; the version is 1 + the number of those rows. A fingerprint (SHA-256 of
  the codebook rows) is stored beside it, and a copy of the layers and labels, so that the
  methods report lists the round's labels even after the codebook has moved on;
- the documents: the double-coding sample (ops/assignments.py) or every document.

While a round is open the codebook is frozen: `check_codebook_editable` refuses an edit with
a message naming the round (ops/codebook_edit.py and the codebook editor call it). Starting
a round closes the open one; both are undoable steps. `round_request` narrows an agreement
request to a round's documents; `rounds_table` gives alpha per label round by round, with
"reliability reached" when every label passes a threshold (0.8; 0.667 for tentative
conclusions, Krippendorff 2004, p. 241).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import AnnotatorError, CodebookError
from ..project import Project
from ..project.history import ChangeSet, Operation, RowChange, now

__all__ = ["DEFAULT_THRESHOLD", "TENTATIVE_THRESHOLD", "Round", "check_codebook_editable", "close_round",
           "codebook_fingerprint", "codebook_version", "format_rounds_table", "get_round", "list_rounds", "open_round",
           "round_request",
           "rounds_table", "start_round"]

DEFAULT_THRESHOLD = 0.8
TENTATIVE_THRESHOLD = 0.667
SCOPES = ("sample", "all")
_COLUMNS = ("name", "scope", "documents", "codebook_version", "codebook_fingerprint", "codebook", "started_at",
            "started_by", "closed_at", "closed_by", "draw_id")


@dataclass(frozen=True)
class Round:
    """A reliability round as stored."""

    name: str
    scope: str
    documents: tuple[str, ...]
    codebook_version: int
    codebook_fingerprint: str
    codebook: list[dict[str, Any]]
    started_at: str
    started_by: str
    closed_at: str = ""
    closed_by: str = ""
    draw_id: str = ""  # the draw of the assignments it was started from ('' if none)

    @property
    def is_open(self) -> bool:
        """True until the round is closed (or another one started)."""
        return not self.closed_at

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "scope": self.scope, "documents": list(self.documents),
                "codebook_version": self.codebook_version, "codebook_fingerprint": self.codebook_fingerprint,
                "codebook": self.codebook, "started_at": self.started_at, "started_by": self.started_by,
                "closed_at": self.closed_at, "closed_by": self.closed_by, "open": self.is_open,
                "draw_id": self.draw_id}

    def describe(self) -> str:
        """One line: name, documents, codebook version, open or closed."""
        state = "open" if self.is_open else f"closed {self.closed_at[:10]}"
        return (f"{self.name}: {len(self.documents)} documents ({self.scope}), codebook version "
                f"{self.codebook_version} ({self.codebook_fingerprint}), started {self.started_at[:10]}, {state}")


def _row(round_: Round) -> dict[str, Any]:
    data = round_.as_dict()
    return {column: (json.dumps(data[column], ensure_ascii=False) if column in ("documents", "codebook")
                     else data[column]) for column in _COLUMNS}


def _from_row(row: Sequence[Any]) -> Round:
    values = dict(zip(_COLUMNS, row))
    values["documents"] = tuple(json.loads(values["documents"]))
    values["codebook"] = json.loads(values["codebook"])
    return Round(**values)


def codebook_fingerprint(project: Project) -> str:
    """The first 12 hex digits of the SHA-256 of every layer, label and attribute row."""
    digest = hashlib.sha256()
    for table in ("layers", "labels", "attributes"):
        cursor = project.db.execute(f"SELECT * FROM {table} ORDER BY id")
        names = [column[0] for column in cursor.description]
        for row in cursor:
            digest.update(json.dumps([table, dict(zip(names, row))], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:12]


def codebook_version(project: Project) -> int:
    """1 + the number of logged operations (edits, their undos and redos) that changed the codebook."""
    count = project.db.execute(
        "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%\"table\": \"layers\"%' "
        "OR detail LIKE '%\"table\": \"labels\"%' OR detail LIKE '%\"table\": \"attributes\"%'").fetchone()[0]
    return 1 + int(count)


def _codebook_copy(project: Project) -> list[dict[str, Any]]:
    """The layers and labels as the methods report lists them."""
    return [{"name": layer.name, "kind": layer.kind, "granularity": layer.granularity,
             "labels": [{"name": label.name, "description": label.description} for label in layer.labels]}
            for layer in project.codebook.get().layers]


def list_rounds(project: Project) -> list[Round]:
    """Every round, oldest first."""
    rows = project.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM rounds ORDER BY started_at, rowid")
    return [_from_row(row) for row in rows]


def get_round(project: Project, name: str) -> Round:
    """The round called `name`; an unknown name is refused, naming the rounds there are."""
    row = project.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM rounds WHERE name = ?", [name]).fetchone()
    if row is None:
        known = ", ".join(r.name for r in list_rounds(project)) or "none yet"
        raise AnnotatorError(f'no round "{name}" in this project (rounds: {known})')
    return _from_row(row)


def open_round(project: Project) -> Round | None:
    """The round now open (None if none)."""
    row = project.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM rounds WHERE closed_at = '' "
                             "ORDER BY started_at DESC LIMIT 1").fetchone()
    return _from_row(row) if row else None


def check_codebook_editable(project: Project) -> None:
    """Refuse (CodebookError) a codebook edit while a round is open, naming the round."""
    current = open_round(project)
    if current is not None:
        raise CodebookError(
            f'the codebook is frozen while round "{current.name}" is open (codebook version '
            f"{current.codebook_version}); close the round first (annotator round close {current.name})")


def start_round(project: Project, name: str, scope: str = "sample", actor: str = "") -> tuple[Round, ChangeSet]:
    """Start round `name` on the sample's documents or all of them, freezing the codebook; the
    open round, if any, is closed in the same undoable step."""
    name = name.strip()
    if not name:
        raise AnnotatorError("a round needs a name (e.g. pilot, round-1)")
    if not name.isprintable() or any(unicodedata.category(c) in ("Cf", "Zl", "Zp") for c in name) or len(name) > 200:
        raise AnnotatorError(f"the round name {name!r} is not one line of printable text (no line breaks, control "
                             "or direction characters; at most 200 characters)")
    if scope not in SCOPES:
        raise AnnotatorError(f"--documents {scope}: use sample or all")
    found = project.db.execute("SELECT closed_at FROM rounds WHERE name = ?", [name]).fetchone()
    if found is not None:
        raise AnnotatorError(f'a round named "{name}" exists already ({"open" if not found[0] else "closed"}); '
                             "choose another name")
    if scope == "sample":
        documents = [row[0] for row in project.db.execute(
            "SELECT DISTINCT a.document_id FROM assignments a JOIN documents d ON d.id = a.document_id "
            "WHERE a.sampled = 1 ORDER BY d.position")]
        if not documents:
            raise AnnotatorError("no double-coding sample has been drawn; run annotator assign first, "
                                 "or start the round on --documents all")
    else:
        documents = project.documents.ids()
        if not documents:
            raise AnnotatorError("the project has no documents")
    who = actor or "round"
    at = now()
    from .assignments import latest_draw_id

    made = Round(name, scope, tuple(documents), codebook_version(project), codebook_fingerprint(project),
                 _codebook_copy(project), at, who, draw_id=latest_draw_id(project) or "")
    changes = [RowChange("rounds", (name,), None, _row(made))]
    previous = open_round(project)
    if previous is not None:
        closed = replace(previous, closed_at=at, closed_by=who)
        changes.insert(0, RowChange("rounds", (previous.name,), _row(previous), _row(closed)))
    applied = project.history.apply(Operation(f'start round "{name}"', who, tuple(changes)))
    return made, applied


def close_round(project: Project, name: str, actor: str = "") -> tuple[Round, ChangeSet]:
    """Close the open round `name` (the codebook can be edited again); one undoable step."""
    current = get_round(project, name)
    if not current.is_open:
        raise AnnotatorError(f'round "{name}" was closed already ({current.closed_at[:10]})')
    who = actor or "round"
    closed = replace(current, closed_at=now(), closed_by=who)
    applied = project.history.apply(
        Operation(f'close round "{name}"', who, (RowChange("rounds", (name,), _row(current), _row(closed)),)))
    return closed, applied


def round_request(project: Project, name: str, request: Any) -> tuple[Any, dict[str, Any]]:
    """`request` (an AgreementRequest) narrowed to round `name`'s documents, and what to name in
    the report: the round, its codebook version and fingerprint, its number of documents."""
    chosen = get_round(project, name)
    if request.documents:
        raise AnnotatorError("give either a round or documents, not both")
    present = set(project.documents.ids())
    documents = tuple(d for d in chosen.documents if d in present)
    info = {"name": chosen.name, "scope": chosen.scope, "documents": len(documents),
            "codebook_version": chosen.codebook_version, "codebook_fingerprint": chosen.codebook_fingerprint,
            "started_at": chosen.started_at, "closed_at": chosen.closed_at}
    return replace(request, documents=documents), info


def rounds_table(project: Project, layer: str, threshold: float = DEFAULT_THRESHOLD, unit: str | None = None,
                 annotators: Sequence[str] = ()) -> dict[str, Any]:
    """Alpha per label, round by round, and whether every label reached `threshold`."""
    from .agreement import AgreementRequest, compute_agreement

    if not 0 < threshold <= 1:
        raise AnnotatorError(f"--threshold {threshold:g}: give a value above 0 and at most 1 (0.8, or 0.667)")
    rows = []
    labels: list[str] = []
    for each in list_rounds(project):
        request, info = round_request(project, each.name, AgreementRequest(
            layer=layer, unit=unit, measures=("alpha",), annotators=tuple(annotators)))
        report = compute_agreement(project, request)
        # Labels nobody used in the round's documents have no alpha to test: left out.
        per_label = {row.label: row.figures.get("alpha") for row in report.per_label if sum(row.counts.values())}
        labels += [label for label in per_label if label not in labels]
        values = {label: (figure.value if figure is not None else None) for label, figure in per_label.items()}
        pooled = report.figures.get("alpha")
        tested = [v for v in values.values() if v is not None]
        reached = bool(tested) and all(v >= threshold for v in tested)
        rows.append({**info, "unit": report.unit_description, "alpha": pooled.value if pooled else None,
                     "alpha_per_label": values, "reached": reached,
                     "annotators": list(report.annotators)})
    return {"layer": layer, "threshold": threshold, "labels": labels, "rounds": rows,
            "rule": f"reliability reached: every label's alpha >= {threshold:g} (Krippendorff 2004: 0.8, or "
                    "0.667 for tentative conclusions); labels unused in a round, or whose alpha is undefined "
                    "(no variation), are not tested"}


def format_rounds_table(table: dict[str, Any]) -> str:
    """The rounds table as text: one row per label, one column per round."""
    rounds = table["rounds"]
    if not rounds:
        return "no rounds yet (annotator round start NAME)"
    width = max([len(label) for label in table["labels"]] + [12])
    head = "".join(f"{r['name'][:10]:>11}" for r in rounds)
    lines = [f'alpha per label of layer "{table["layer"]}", round by round', f"{'label':<{width}}{head}"]

    def cell(value: float | None) -> str:
        return f"{'undef.' if value is None else f'{value:.3f}':>11}"

    for label in table["labels"]:
        lines.append(f"{label:<{width}}" + "".join(cell(r["alpha_per_label"].get(label)) for r in rounds))
    lines.append(f"{'pooled':<{width}}" + "".join(cell(r["alpha"]) for r in rounds))
    lines.append(f"{'version':<{width}}" + "".join(f"{r['codebook_version']:>11}" for r in rounds))
    lines.append(f"{'reached':<{width}}" + "".join(f"{'yes' if r['reached'] else 'no':>11}" for r in rounds))
    lines.append(table["rule"])
    return "\n".join(lines)

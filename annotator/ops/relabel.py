"""Label migrations between reliability rounds: rename, merge and split, each carrying the
annotations along, and the log of them that `annotator round list` and the methods report show.

Between rounds a team revises the codebook: a label is renamed, two that coders could not tell
apart are merged, or one that lumped two ideas together is split. The annotations must follow,
or the next round starts with orphans and the comparison across rounds is lost. Rename and
merge are ops/codebook_edit.py's `rename_label` and `delete_label(move_to=…)`; `split_label`
here divides a label's annotations between two labels by a rule the analyst gives:

- a pattern (a regular expression, ignoring case) searched in each span's text: the spans
  that match go to the second label, the rest to the first. Analysts split a label because
  its segments talk about two things, and they can say what the second thing sounds like
  (`job|employ|wage`); the concordance shows what a pattern catches, and `--dry-run` shows
  the counts and a few of the spans before anything is moved;
- or a CSV of annotation ids → label (the `annotation_id` and `label` columns of `annotator
  export --format csv`, edited in a spreadsheet) for a case-by-case decision: rows naming the
  second label move there, the other annotations of the label go to the first.

Each migration is one undoable step of the codebook's history, refused while a round is open
(the codebook is frozen), and its audit entry names the codebook versions before and after it,
the round started last, and how many annotations were carried. `list_migrations` reads those
entries back, leaving out the ones undone since (paired with the history's "undo: …" rows).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInputError, CodebookError
from ..model import Label
from ..project import Project
from .codebook_edit import DUPLICATES_SQL, _avoid_undo_ids, _check_new_label_name, _drop_relations, _edit, _label
from .rounds import Round, list_rounds

__all__ = ["Migration", "SplitPlan", "describe_migration", "list_migrations", "plan_split", "read_split_ids",
           "rounds_with_migrations", "split_label"]

SAMPLE_SIZE = 5  # spans shown per target label by a dry run


@dataclass
class SplitPlan:
    """Which annotations of `label` go to each of the two labels `into`."""

    layer: str
    label: str
    into: tuple[str, str]
    rule: str
    moves: dict[str, list[str]]  # target label -> annotation ids
    examples: dict[str, list[str]] = field(default_factory=dict)  # target label -> a few span texts

    def counts(self) -> dict[str, int]:
        """Annotations per target label."""
        return {name: len(ids) for name, ids in self.moves.items()}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"layer": self.layer, "label": self.label, "into": list(self.into), "rule": self.rule,
                "counts": self.counts(), "examples": self.examples}


@dataclass(frozen=True)
class Migration:
    """One logged label migration, as its audit entry records it."""

    at: str
    actor: str
    kind: str  # rename | merge | split
    layer: str
    label: str
    targets: tuple[str, ...]
    annotations: int
    counts: dict[str, int]
    dropped_duplicates: int
    rule: str
    version_before: int
    version_after: int
    after_round: str | None

    def describe(self) -> str:
        """One line: what happened to which label, and how many annotations it carried."""
        noun = "annotation" if self.annotations == 1 else "annotations"
        if self.kind == "rename":
            what = f'label "{self.label}" renamed "{self.targets[0]}" ({self.annotations} {noun})'
        elif self.kind == "merge":
            what = f'label "{self.label}" merged into "{self.targets[0]}" ({self.annotations} {noun})'
        else:
            parts = ", ".join(f'{self.counts.get(t, 0)} to "{t}"' for t in self.targets)
            what = f'label "{self.label}" split into {" and ".join(repr_(t) for t in self.targets)} ({parts}; {self.rule})'
        if self.dropped_duplicates:
            what += f", {self.dropped_duplicates} duplicate{'s' if self.dropped_duplicates != 1 else ''} dropped"
        return (f"{self.layer}: {what}; codebook version {self.version_before} → {self.version_after} "
                f"({self.at[:10]}, {self.actor})")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"at": self.at, "actor": self.actor, "kind": self.kind, "layer": self.layer, "label": self.label,
                "into": list(self.targets), "annotations": self.annotations, "counts": self.counts,
                "dropped_duplicates": self.dropped_duplicates, "rule": self.rule,
                "codebook_version_before": self.version_before, "codebook_version_after": self.version_after,
                "after_round": self.after_round, "description": self.describe()}


def repr_(name: str) -> str:
    """A label name in double quotes."""
    return f'"{name}"'


# ----- splitting ----------------------------------------------------------------------------


def _targets(project: Project, layer: str, label: str, into: Sequence[str]) -> tuple[str, str]:
    """The two target names, checked: distinct, and either an existing label of the layer or a
    new name that clashes with none."""
    names = tuple(name.strip() for name in into if name.strip())
    if len(names) != 2:
        raise CodebookError(f'give two labels to split "{label}" into, e.g. --into "{label},New label"')
    if names[0].casefold() == names[1].casefold():
        raise CodebookError(f'the two labels to split "{label}" into are the same ("{names[0]}")')
    existing = {item.name.casefold(): item.name for item in project.codebook.layer(layer).labels}
    return tuple(existing.get(n.casefold()) or _check_new_label_name(project, layer, n)  # type: ignore[return-value]
                 for n in names)


def _annotations(project: Project, layer: str, label: str) -> list[tuple[str, str, int | None, int | None]]:
    """(id, document id, start, end) of every annotation of the label, in document order."""
    found = _label(project, layer, label)
    return [tuple(row) for row in project.db.execute(  # type: ignore[misc]
        "SELECT a.id, a.document_id, a.span_start, a.span_end FROM annotations a "
        "JOIN documents d ON d.id = a.document_id WHERE a.label_id = ? "
        "ORDER BY d.position, a.span_start, a.id", [found.id])]


def read_split_ids(path: Path) -> dict[str, str]:
    """annotation id → label from a CSV with `annotation_id` and `label` columns (the columns
    of `annotator export --format csv`); a file without them is refused naming the file."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [name.strip() for name in reader.fieldnames or []]
            if "annotation_id" not in columns or "label" not in columns:
                raise BadInputError(path, "needs the columns annotation_id and label (as annotator export "
                                          f"--format csv writes them); found {', '.join(columns) or 'no header'}")
            reader.fieldnames = columns
            return {row["annotation_id"].strip(): (row["label"] or "").strip()
                    for row in reader if (row.get("annotation_id") or "").strip()}
    except UnicodeDecodeError:
        raise BadInputError(path, "not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as error:
        raise BadInputError(path, f"not a readable CSV file ({error})") from None
    except OSError as error:
        raise BadInputError(path, f"cannot read ({error.strerror or error})") from None


def plan_split(project: Project, layer: str, label: str, into: Sequence[str], pattern: str | None = None,
               ids: Mapping[str, str] | None = None, ids_source: str = "the list") -> SplitPlan:
    """Which annotations of `label` go to each of `into`: with `pattern`, spans whose text it
    matches (ignoring case) go to the second label; with `ids` (annotation id → label), those
    naming the second label go there; every other annotation goes to the first."""
    _label(project, layer, label)
    first, second = _targets(project, layer, label, into)
    if (pattern is None) == (ids is None):
        raise CodebookError("give one rule for the split: a pattern (--match) or a CSV of ids (--ids)")
    rows = _annotations(project, layer, label)
    moves: dict[str, list[str]] = {first: [], second: []}
    examples: dict[str, list[str]] = {first: [], second: []}
    texts: dict[str, str] = {}

    def text_of(document: str, start: int | None, end: int | None) -> str:
        if document not in texts:
            texts[document] = project.documents.text(document)
        return texts[document][start:end] if start is not None else ""

    if pattern is not None:
        if project.codebook.layer(layer).kind == "document":
            raise CodebookError(f'layer "{layer}" labels whole documents: its annotations have no span text '
                                "to match; split it with a CSV of annotation ids (--ids)")
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            raise CodebookError(f"--match {pattern!r} is not a regular expression: {error}") from None
        rule = f"spans matching /{pattern}/ (ignoring case) to \"{second}\", the rest to \"{first}\""
        for ident, document, start, end in rows:
            span = text_of(document, start, end)
            target = second if compiled.search(span) else first
            moves[target].append(ident)
            if len(examples[target]) < SAMPLE_SIZE:
                examples[target].append(span)
    else:
        assert ids is not None
        allowed = {first.casefold(): first, second.casefold(): second, label.casefold(): first}
        own = {row[0] for row in rows}
        for ident, name in ids.items():
            if ident in own and name.casefold() not in allowed:
                raise BadInputError(ids_source, f'annotation {ident} is given label "{name}", which is neither '
                                                f'"{first}" nor "{second}"')
        if not any(ident in own for ident in ids):
            raise BadInputError(ids_source, f'names no annotation of "{label}" in layer "{layer}"')
        rule = f'annotations listed with "{second}" in {ids_source} to "{second}", the rest to "{first}"'
        for ident, document, start, end in rows:
            target = allowed.get(ids.get(ident, first).casefold(), first)
            moves[target].append(ident)
            if len(examples[target]) < SAMPLE_SIZE:
                examples[target].append(text_of(document, start, end))
    return SplitPlan(layer, label, (first, second), rule, moves, examples)


def split_label(project: Project, plan: SplitPlan, actor: str = "") -> dict[str, int]:
    """Carry out a split as one undoable step: a target label that does not exist is created
    after the label, each annotation gets its target (one that would duplicate an annotation
    the target already has is dropped, with its relations), and the label itself is deleted
    unless it is one of the targets. Returns annotations per target and "dropped"."""
    layer, label = plan.layer, plan.label
    found = _label(project, layer, label)
    first, second = plan.into
    existing = {item.name for item in project.codebook.layer(layer).labels}
    created = [name for name in plan.into if name not in existing]
    used = [ident for ids in plan.moves.values() for ident in ids]
    counts = plan.counts()
    detail: dict[str, Any] = {"layer": layer, "label": label, "into": [first, second], "rule": plan.rule,
                              "counts": counts, "annotations": len(used), "created": created}
    dropped_total = 0
    with _edit(project, actor, "split label", f"{layer}/{label}", detail,
               f'split label "{label}" into "{first}" and "{second}"', used, migration="split"):
        db = project.db
        position, parent_id = db.execute("SELECT position, parent_id FROM labels WHERE id = ?", [found.id]).fetchone()
        for name in created:  # a new label comes right after the one split, a sibling of it
            added = project.codebook.add_label(layer, Label(name))
            assert added.id is not None
            _avoid_undo_ids(project, "labels", added.id)
            project.codebook.invalidate()
            added_id = project.codebook.label_id(layer, name)
            db.execute("UPDATE labels SET position = position + 1 WHERE layer_id = ? AND position > ? AND id != ?",
                       [project.codebook.layer_id(layer), position, added_id])
            position += 1
            db.execute("UPDATE labels SET position = ?, parent_id = ? WHERE id = ?", [position, parent_id, added_id])
            project.codebook.invalidate()
        ids = {name: project.codebook.label_id(layer, name) for name in plan.into}
        for name, moving in plan.moves.items():
            if not moving or ids[name] == found.id:
                continue
            batch = json.dumps(moving)
            # Those the target already has (same document, annotator, span) go, with their links.
            duplicates = (f"SELECT id FROM ({DUPLICATES_SQL}) WHERE id IN (SELECT value FROM json_each(?))")
            params = [found.id, ids[name], batch]
            dropped_total += db.execute(f"SELECT COUNT(*) FROM ({duplicates})", params).fetchone()[0]
            _drop_relations(db, duplicates, params)
            db.execute(f"DELETE FROM annotations WHERE id IN ({duplicates})", params)
            db.execute("UPDATE annotations SET label_id = ? WHERE label_id = ? AND id IN "
                       "(SELECT value FROM json_each(?))", [ids[name], found.id, batch])
        if label not in plan.into:
            _reparent_and_delete(db, found.id)
        detail["dropped_duplicates"] = dropped_total
    return {**counts, "dropped": dropped_total}


def _reparent_and_delete(db: Any, label_id: int) -> None:
    """Delete a label row, its children taking its parent."""
    parent_id = db.execute("SELECT parent_id FROM labels WHERE id = ?", [label_id]).fetchone()[0]
    db.execute("UPDATE labels SET parent_id = ? WHERE parent_id = ?", [parent_id, label_id])
    db.execute("DELETE FROM labels WHERE id = ?", [label_id])


# ----- reading the log ----------------------------------------------------------------------

_MIGRATION_ACTIONS = ("rename label", "delete label", "split label")


def _migration(at: str, actor: str, detail: dict[str, Any]) -> Migration:
    kind = detail["migration"]
    if kind == "rename":
        targets: tuple[str, ...] = (detail["to"],)
        annotations = int(detail.get("annotations", 0))
        counts = {detail["to"]: annotations}
    elif kind == "merge":
        targets = (detail["into"],)
        annotations = int(detail.get("annotations", 0))
        counts = {detail["into"]: int(detail.get("moved", annotations))}
    else:
        targets = tuple(detail["into"])
        annotations = int(detail.get("annotations", 0))
        counts = {str(k): int(v) for k, v in detail.get("counts", {}).items()}
    return Migration(at, actor, kind, detail.get("layer", ""), detail.get("label", detail.get("from", "")), targets,
                     annotations, counts, int(detail.get("dropped_duplicates", 0)), detail.get("rule", ""),
                     int(detail["codebook_version_before"]), int(detail["codebook_version_after"]),
                     detail.get("after_round"))


def list_migrations(project: Project) -> list[Migration]:
    """Every label migration still in effect, oldest first: an undone one is left out (the
    history's "undo: STEP" row is paired with the newest step of that description still
    applied, a "redo: STEP" row with the newest undone one)."""
    marks = ", ".join("?" * len(_MIGRATION_ACTIONS))
    logged = project.db.execute(
        f"SELECT id, at, actor, detail FROM audit_log WHERE action IN ({marks}) AND detail LIKE '%\"migration\": %' "
        "ORDER BY id", list(_MIGRATION_ACTIONS)).fetchall()
    migrations: dict[int, tuple[str, str, dict[str, Any]]] = {}
    for ident, at, actor, text in logged:
        try:
            detail = json.loads(text)
        except ValueError:
            continue
        if isinstance(detail, dict) and detail.get("migration") and detail.get("step"):
            migrations[ident] = (at, actor, detail)
    if not migrations:
        return []
    steps = sorted({detail["step"] for _, _, detail in migrations.values()})
    names = steps + [f"undo: {s}" for s in steps] + [f"redo: {s}" for s in steps]
    rows = project.db.execute(
        "SELECT id, action FROM audit_log WHERE action IN (SELECT value FROM json_each(?)) ORDER BY id",
        [json.dumps(names)]).fetchall()
    # Per step description: the applied steps in order, each [applied?, migration audit id or None].
    stacks: dict[str, list[list[Any]]] = {}
    events = sorted([(i, "step", a) for i, a in rows] + [(i, "migration", None) for i in migrations])
    for ident, kind, action in events:
        if kind == "migration":
            step = migrations[ident][2]["step"]
            entries = stacks.get(step)
            if entries:
                entries[-1][1] = ident
            continue
        if action.startswith("undo: "):
            applied = [e for e in stacks.get(action[6:], []) if e[0]]
            if applied:
                applied[-1][0] = False
        elif action.startswith("redo: "):
            undone = [e for e in stacks.get(action[6:], []) if not e[0]]
            if undone:
                undone[-1][0] = True
        else:
            stacks.setdefault(action, []).append([True, None])
    live = sorted(e[1] for entries in stacks.values() for e in entries if e[0] and e[1] is not None)
    return [_migration(*migrations[ident]) for ident in live]


def rounds_with_migrations(project: Project) -> list[tuple[Round | None, list[Migration]]]:
    """The rounds, oldest first, each with the migrations logged after it started and before
    the next one; the first pair (None, …) holds those logged before any round."""
    rounds = list_rounds(project)
    by_round: dict[str | None, list[Migration]] = {}
    known = {r.name for r in rounds}
    for migration in list_migrations(project):
        key = migration.after_round if migration.after_round in known else None
        by_round.setdefault(key, []).append(migration)
    return [(None, by_round.get(None, []))] + [(r, by_round.get(r.name, [])) for r in rounds]


def describe_migration(migration: Migration, previous: str | None, following: str | None) -> str:
    """The line a round listing or the methods report gives: where it falls, then what happened."""
    if previous and following:
        where = f'between round "{previous}" and "{following}"'
    elif previous:
        where = f'after round "{previous}"'
    elif following:
        where = f'before round "{following}"'
    else:
        where = "before any round"
    return f"{where}: {migration.describe()}"


def round_listing(project: Project) -> tuple[list[dict[str, Any]], str]:
    """The rounds with the label migrations between them, as JSON (each round's dict with
    "migrations_before", the last one's also with "migrations_after") and as text (one line per
    round, each migration on a line of its own where it falls)."""
    grouped = rounds_with_migrations(project)  # (None, before any round), (round 1, after it), …
    names = [r.name for r, _ in grouped[1:] if r is not None]
    data: list[dict[str, Any]] = []
    lines: list[str] = []
    for index, (round_, migrations) in enumerate(grouped):
        if round_ is not None:
            data.append({**round_.as_dict(), "migrations_before": [m.as_dict() for m in grouped[index - 1][1]]})
            lines.append(round_.describe())
        following = names[index] if index < len(names) else None
        lines += [describe_migration(m, round_.name if round_ else None, following) for m in migrations]
    if data:
        data[-1]["migrations_after"] = [m.as_dict() for m in grouped[-1][1]]
    else:
        lines.append("no rounds yet (annotator round start NAME)")
    return data, "\n".join(lines)

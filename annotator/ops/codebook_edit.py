"""Editing a project's codebook: labels, layers, attributes; each edit one logged transaction.

Annotations refer to labels by id, so renaming or recolouring a label never orphans them.
Every edit is one undo step of the person making it (Edit → Undo in their window): the
edit's SQL runs once in a savepoint to learn which layer, label and attribute rows it
changes, is rolled back, and those rows are applied through the project's History, which
writes them, logs them and can revert them. Deleting a label that is in use needs a
decision: move its annotations to another label of the same layer, or delete them; either
way the label, its annotations and their comments come back on undo. Deleting a whole
layer is likewise one undoable step (its layer, label, attribute, annotation and comment
rows come back on undo).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from ..codebooks import pattern_problem
from ..errors import CodebookError
from ..label_rules import colour_problem, key_problem
from ..model import ATTRIBUTE_TYPES, GRANULARITIES, LAYER_KINDS, OVERLAP_RULES, AttributeDef, Label, Layer
from ..project import Project
from ..project.history import ChangeSet, Operation, RowChange, now
from .rounds import check_codebook_editable, codebook_version, list_rounds

# Codebook tables an edit may change, parents first (rows added are inserted in this order).
_EDITED_TABLES = ("layers", "attributes", "labels")


class LabelInUseError(CodebookError):
    """A label with annotations cannot simply be deleted; `count` says how many it has."""

    def __init__(self, layer: str, label: str, count: int) -> None:
        self.layer = layer
        self.label = label
        self.count = count
        noun = "annotation uses" if count == 1 else "annotations use"
        super().__init__(
            f'{count} {noun} "{label}" in layer "{layer}"; move them to another label or delete them'
        )


class KeyClashError(CodebookError):
    """A shortcut key is already taken by another label of the same layer."""

    def __init__(self, layer: str, key: str, holder: str) -> None:
        self.layer = layer
        self.key = key
        self.holder = holder
        super().__init__(f'key "{key}" is already used by "{holder}" in layer "{layer}"')


class LastLayerError(CodebookError):
    """The codebook needs at least one layer, so its only layer cannot be deleted."""

    def __init__(self, layer: str) -> None:
        self.layer = layer
        super().__init__(
            f'"{layer}" is the only layer of the codebook and a codebook needs at least one layer; '
            "add another layer first, then delete this one"
        )


@dataclass(frozen=True, slots=True)
class LayerUsage:
    """What deleting a layer would remove."""

    labels: int
    attributes: int
    annotations: int
    annotators: tuple[str, ...]  # names of those whose annotations would go, curators included
    comments: int


def _audit(project: Project, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
    project.db.execute(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [now(), actor, action, target, json.dumps(detail, ensure_ascii=False)],
    )


class _TrialRun(Exception):
    """Rolls back the trial run of an edit once its rows are known."""


def _codebook_rows(project: Project, annotations: Sequence[str] = ()) -> dict[tuple[str, Any], dict[str, Any]]:
    """Every layer, attribute and label row by (table, id), parents' tables first, then the
    rows of the given annotations, of their comments and of the relations that use them
    (removed first, so an undo brings the spans back before the links between them)."""
    rows = {
        (table, row["id"]): row
        for table in _EDITED_TABLES
        for row in _rows(project, f"SELECT * FROM {table} ORDER BY id", ())
    }
    if annotations:
        ids = [json.dumps(list(annotations))]
        for table, column in (("annotations", "id"), ("comments", "annotation_id")):
            sql = f"SELECT * FROM {table} WHERE {column} IN (SELECT value FROM json_each(?)) ORDER BY rowid"
            rows.update(((table, row["id"]), row) for row in _rows(project, sql, ids))
        sql = ("SELECT * FROM relations WHERE source_id IN (SELECT value FROM json_each(?1)) "
               "OR target_id IN (SELECT value FROM json_each(?1)) ORDER BY rowid")
        rows.update((("relations", row["id"]), row) for row in _rows(project, sql, ids))
    return rows


def _row_changes(
    before: dict[tuple[str, Any], dict[str, Any]], after: dict[tuple[str, Any], dict[str, Any]]
) -> tuple[RowChange, ...]:
    """The rows that differ: added ones (parents first), then changed, then removed (children first)."""
    added = [RowChange(t, (i,), None, row) for (t, i), row in after.items() if (t, i) not in before]
    changed = [RowChange(t, (i,), before[(t, i)], row) for (t, i), row in after.items()
               if (t, i) in before and before[(t, i)] != row]
    removed = [RowChange(t, (i,), row, None) for (t, i), row in reversed(before.items()) if (t, i) not in after]
    return (*added, *changed, *removed)


@contextmanager
def _edit(
    project: Project, actor: str, action: str, target: str, detail: dict[str, Any], description: str,
    annotations: Sequence[str] = (), migration: str | None = None,
) -> Iterator[None]:
    """Run the edit's SQL (the body) as a trial to learn which codebook rows (and rows of the
    given `annotations` and their comments) it changes, roll it back, then apply those rows
    through the history as one undo step named `description` with its audit entry (`action`,
    `target`, `detail`). An edit that changes nothing is no step; while a reliability round
    is open, every edit is refused (CodebookError naming the round).

    A label `migration` ("rename", "merge", "split": annotations carried from one label to
    another) also records in its audit entry the step's description, the codebook versions
    before and after it and the round started last, so that ops/relabel.py can list it
    between rounds."""
    check_codebook_editable(project)
    version_before = codebook_version(project) if migration else 0
    before = after = _codebook_rows(project, annotations)
    try:
        with project.db.atomic():
            yield
            after = _codebook_rows(project, annotations)
            raise _TrialRun
    except _TrialRun:
        pass
    finally:
        project.codebook.invalidate()
    changes = _row_changes(before, after)
    if not changes:
        return
    who = actor or "codebook editor"
    with project.history.transaction():
        project.history.apply(Operation(description, who, changes, refresh=project.codebook.invalidate))
        if migration:
            rounds = list_rounds(project)
            detail = {**detail, "migration": migration, "step": description,
                      "codebook_version_before": version_before, "codebook_version_after": codebook_version(project),
                      "after_round": rounds[-1].name if rounds else None}
        _audit(project, who, action, target, detail)


def _label(project: Project, layer: str, label: str) -> Label:
    found = project.codebook.layer(layer).label(label)
    if found is None:
        names = ", ".join(item.name for item in project.codebook.layer(layer).labels)
        raise CodebookError(f'no label "{label}" in layer "{layer}"; labels are: {names}')
    return found


def _check_name(name: str, what: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise CodebookError(f"a {what} needs a name")
    return cleaned


def _check_new_label_name(project: Project, layer: str, name: str, ignore: str | None = None) -> str:
    cleaned = _check_name(name, "label")
    for other in project.codebook.layer(layer).labels:
        if other.name != ignore and other.name.casefold() == cleaned.casefold():
            raise CodebookError(f'layer "{layer}" already has a label "{other.name}"')
    return cleaned


def check_colour(colour: str) -> str:
    """A colour as stored: "#RRGGBB" in capitals, or CodebookError (the codebook file's rule)."""
    if (problem := colour_problem(colour.strip())) is not None:
        raise CodebookError(problem)
    return colour.strip().upper()


def label_usage(project: Project, layer: str, label: str) -> int:
    """How many annotations (of every annotator) carry the label."""
    label_id = project.codebook.label_id(layer, label)
    return project.db.execute("SELECT COUNT(*) FROM annotations WHERE label_id = ?", [label_id]).fetchone()[0]


def key_holder(project: Project, layer: str, key: str, ignore: str | None = None) -> str | None:
    """The label of `layer` (other than `ignore`) whose shortcut is `key`, ignoring case."""
    for label in project.codebook.layer(layer).labels:
        if label.name != ignore and label.key and label.key.casefold() == key.casefold():
            return label.name
    return None


def check_key(key: str) -> str:
    """A shortcut key as stored: one letter or digit (or "" for none), or CodebookError."""
    key = key.strip()
    if key and (problem := key_problem(key)) is not None:
        raise CodebookError(problem)
    return key


def _avoid_undo_ids(project: Project, table: str, ident: int) -> None:
    """Give a just-inserted codebook row another id if an undo or redo step would bring back a
    row with its id (SQLite reuses the ids of deleted rows); nothing refers to the row yet."""
    reserved = {key[0] for key in project.history.pending_keys(table)}
    if ident in reserved:
        highest = project.db.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0] or 0
        project.db.execute(f"UPDATE {table} SET id = ? WHERE id = ?", [max(highest, *reserved) + 1, ident])


def add_label(project: Project, layer: str, label: Label, actor: str = "") -> Label:
    """Add a label at the end of a layer; its key is checked for clashes."""
    name = _check_new_label_name(project, layer, label.name)
    key = check_key(label.key)
    if key and (holder := key_holder(project, layer, key)) is not None:
        raise KeyClashError(layer, key, holder)
    colour = check_colour(label.colour) if label.colour else ""
    label = replace(label, name=name, key=key, colour=colour, id=None)
    with _edit(project, actor, "add label", f"{layer}/{name}", {"layer": layer, "label": name},
               f'add label "{name}"'):
        added = project.codebook.add_label(layer, label)
        assert added.id is not None
        _avoid_undo_ids(project, "labels", added.id)
    return _label(project, layer, name)


def rename_label(project: Project, layer: str, label: str, new_name: str, actor: str = "") -> None:
    """Rename a label; its annotations follow it (they refer to the label by id)."""
    found = _label(project, layer, label)
    name = _check_new_label_name(project, layer, new_name, ignore=label)
    detail = {"from": label, "to": name, "layer": layer, "label": label,
              "annotations": label_usage(project, layer, label)}
    with _edit(project, actor, "rename label", f"{layer}/{label}", detail,
               f'rename label "{label}" to "{name}"', migration="rename"):
        project.db.execute("UPDATE labels SET name = ? WHERE id = ?", [name, found.id])


def recolour_label(project: Project, layer: str, label: str, colour: str, actor: str = "") -> None:
    """Give a label another highlight colour."""
    found = _label(project, layer, label)
    value = check_colour(colour)
    with _edit(project, actor, "recolour label", f"{layer}/{label}", {"from": found.colour, "to": value},
               f'recolour label "{label}"'):
        project.db.execute("UPDATE labels SET colour = ? WHERE id = ?", [value, found.id])


def set_label_key(project: Project, layer: str, label: str, key: str, actor: str = "") -> None:
    """Set (or with "" clear) a label's shortcut; refused if another label of the layer has it."""
    found = _label(project, layer, label)
    value = check_key(key)
    if value and (holder := key_holder(project, layer, value, ignore=label)) is not None:
        raise KeyClashError(layer, value, holder)
    description = f'set key of "{label}" to {value}' if value else f'clear key of "{label}"'
    with _edit(project, actor, "set label key", f"{layer}/{label}", {"from": found.key, "to": value}, description):
        project.db.execute("UPDATE labels SET key = ? WHERE id = ?", [value, found.id])


def set_label_guidelines(
    project: Project,
    layer: str,
    label: str,
    description: str | None = None,
    include: str | None = None,
    exclude: str | None = None,
    examples: Sequence[str] | None = None,
    actor: str = "",
) -> None:
    """Change a label's description, inclusion and exclusion notes or examples (None: keep)."""
    found = _label(project, layer, label)
    values = {
        "description": found.description if description is None else description,
        "include_note": found.include if include is None else include,
        "exclude_note": found.exclude if exclude is None else exclude,
        "examples": json.dumps(
            [e for e in (found.examples if examples is None else examples) if e.strip()], ensure_ascii=False
        ),
    }
    with _edit(project, actor, "edit label guidelines", f"{layer}/{label}", values,
               f'edit guidelines of "{label}"'):
        project.db.execute(
            "UPDATE labels SET description = ?, include_note = ?, exclude_note = ?, examples = ? WHERE id = ?",
            [values["description"], values["include_note"], values["exclude_note"], values["examples"], found.id],
        )


def set_label_patterns(project: Project, layer: str, label: str, patterns: Sequence[str], actor: str = "") -> None:
    """Replace a label's rule patterns (phrases, or spaCy token patterns as JSON); blank lines
    are dropped, a pattern that does not parse is refused naming the label."""
    found = _label(project, layer, label)
    cleaned = list(dict.fromkeys(p.strip() for p in patterns if p.strip()))
    for number, pattern in enumerate(cleaned, 1):
        if (problem := pattern_problem(pattern)) is not None:
            raise CodebookError(f'label "{label}", line {number} of its patterns: {problem}')
    with _edit(project, actor, "edit label patterns", f"{layer}/{label}", {"patterns": cleaned},
               f'edit patterns of "{label}"'):
        project.db.execute("UPDATE labels SET patterns = ? WHERE id = ?",
                           [json.dumps(cleaned, ensure_ascii=False), found.id])


def set_shared_suggestions(project: Project, layer: str, shared: bool, actor: str = "") -> None:
    """Allow (or stop) suggestions in `layer` from a model trained on others' or gold coding."""
    layer_id = project.codebook.layer_id(layer)
    verb = "share" if shared else "stop sharing"
    with _edit(project, actor, "set shared suggestions", layer, {"shared": shared},
               f'{verb} model suggestions in "{layer}"'):
        project.db.execute("UPDATE layers SET shared_suggestions = ? WHERE id = ?", [int(shared), layer_id])


def move_label(project: Project, layer: str, label: str, index: int, actor: str = "") -> None:
    """Move a label to position `index` (0 = first) within its layer."""
    labels = [item.name for item in project.codebook.layer(layer).labels]
    _label(project, layer, label)
    labels.remove(label)
    index = max(0, min(index, len(labels)))
    labels.insert(index, label)
    with _edit(project, actor, "reorder labels", layer, {"order": labels}, f'move label "{label}"'):
        for position, name in enumerate(labels):
            project.db.execute(
                "UPDATE labels SET position = ? WHERE id = ?", [position, project.codebook.label_id(layer, name)]
            )


# Annotations of label ?1 that label ?2 already has (same document, annotator and span).
DUPLICATES_SQL = (
    "SELECT id FROM annotations WHERE label_id = ? AND EXISTS (SELECT 1 FROM annotations AS other "
    "WHERE other.label_id = ? AND other.document_id = annotations.document_id "
    "AND other.annotator_id = annotations.annotator_id "
    "AND other.span_start IS annotations.span_start AND other.span_end IS annotations.span_end)"
)


def delete_label(
    project: Project, layer: str, label: str, move_to: str | None = None, delete_annotations: bool = False,
    actor: str = "",
) -> int:
    """Delete a label; returns how many annotations were moved or deleted.

    A label in use needs `move_to` (another label of the same layer: its annotations get
    that label, dropping any that would then duplicate one already there) or
    `delete_annotations=True`; otherwise LabelInUseError says how many use it.
    """
    found = _label(project, layer, label)
    count = label_usage(project, layer, label)
    if move_to is not None:
        if move_to == label:
            raise CodebookError(f'cannot move the annotations of "{label}" onto itself')
        target = _label(project, layer, move_to)
    elif count and not delete_annotations:
        raise LabelInUseError(layer, label, count)
    detail: dict[str, Any] = {"label": label, "annotations": count, "moved_to": move_to}
    used = [row[0] for row in project.db.execute("SELECT id FROM annotations WHERE label_id = ?", [found.id])]
    migration = None
    if move_to is not None:
        migration = "merge"  # a logged migration between rounds: label merged into move_to
        dropped = project.db.execute(f"SELECT COUNT(*) FROM ({DUPLICATES_SQL})", [found.id, target.id]).fetchone()[0]
        detail.update(layer=layer, into=move_to, moved=count - dropped, dropped_duplicates=dropped)
    with _edit(project, actor, "delete label", f"{layer}/{label}", detail, f'delete label "{label}"', used,
               migration=migration):
        db = project.db
        if count and move_to is not None:
            # The annotations that would duplicate one the target label already has go, with
            # their relations (the undo step brings them back); the others keep their links.
            _drop_relations(db, DUPLICATES_SQL, [found.id, target.id])
            db.execute(f"DELETE FROM annotations WHERE id IN ({DUPLICATES_SQL})", [found.id, target.id])
            db.execute("UPDATE annotations SET label_id = ? WHERE label_id = ?", [target.id, found.id])
        elif count:  # a relation whose end goes goes with it (the undo step brings it back)
            _drop_relations(db, "SELECT id FROM annotations WHERE label_id = ?", [found.id])
            db.execute("DELETE FROM annotations WHERE label_id = ?", [found.id])
        parent_id = db.execute("SELECT parent_id FROM labels WHERE id = ?", [found.id]).fetchone()[0]
        db.execute("UPDATE labels SET parent_id = ? WHERE parent_id = ?", [parent_id, found.id])
        db.execute("DELETE FROM labels WHERE id = ?", [found.id])
    return count


def add_layer(
    project: Project,
    name: str,
    kind: str = "span",
    granularity: str = "token",
    overlap: str = "allow",
    multiple: bool = True,
    description: str = "",
    actor: str = "",
) -> Layer:
    """Add an empty layer at the end of the codebook."""
    cleaned = _check_name(name, "layer")
    for other in project.codebook.get().layers:
        if other.name.casefold() == cleaned.casefold():
            raise CodebookError(f'the codebook already has a layer "{other.name}"')
    for value, allowed, what in ((kind, LAYER_KINDS, "kind"), (granularity, GRANULARITIES, "granularity"),
                                 (overlap, OVERLAP_RULES, "overlap rule")):
        if value not in allowed:
            raise CodebookError(f'{what} "{value}" is not one of {", ".join(allowed)}')
    layer = Layer(cleaned, kind, granularity, overlap, multiple, description)  # type: ignore[arg-type]
    with _edit(project, actor, "add layer", cleaned, {"kind": kind, "granularity": granularity},
               f'add layer "{cleaned}"'):
        added = project.codebook.add_layer(layer)
        assert added.id is not None
        _avoid_undo_ids(project, "layers", added.id)
    return project.codebook.layer(cleaned)


def rename_layer(project: Project, layer: str, new_name: str, actor: str = "") -> None:
    """Rename a layer; its labels and annotations follow it."""
    layer_id = project.codebook.layer_id(layer)
    cleaned = _check_name(new_name, "layer")
    for other in project.codebook.get().layers:
        if other.name != layer and other.name.casefold() == cleaned.casefold():
            raise CodebookError(f'the codebook already has a layer "{other.name}"')
    with _edit(project, actor, "rename layer", layer, {"from": layer, "to": cleaned},
               f'rename layer "{layer}" to "{cleaned}"'):
        project.db.execute("UPDATE layers SET name = ? WHERE id = ?", [cleaned, layer_id])


def set_layer_description(project: Project, layer: str, description: str, actor: str = "") -> None:
    """Change the guidance text of a layer."""
    layer_id = project.codebook.layer_id(layer)
    with _edit(project, actor, "edit layer description", layer, {"description": description},
               f'edit description of layer "{layer}"'):
        project.db.execute("UPDATE layers SET description = ? WHERE id = ?", [description, layer_id])


def add_attribute(project: Project, layer: str, attribute: AttributeDef, actor: str = "") -> AttributeDef:
    """Add a typed attribute to a layer's annotations."""
    found = project.codebook.layer(layer)
    name = _check_name(attribute.name, "attribute")
    if any(other.name.casefold() == name.casefold() for other in found.attributes):
        raise CodebookError(f'layer "{layer}" already has an attribute "{name}"')
    if attribute.type not in ATTRIBUTE_TYPES:
        raise CodebookError(f'attribute type "{attribute.type}" is not one of {", ".join(ATTRIBUTE_TYPES)}')
    choices = tuple(c.strip() for c in attribute.choices if c.strip())
    if attribute.type == "choice" and not choices:
        raise CodebookError(f'attribute "{name}" of type choice needs at least one choice')
    if attribute.type != "choice" and choices:
        raise CodebookError(f'only attributes of type choice take choices, not "{attribute.type}"')
    if attribute.type != "int" and (attribute.minimum is not None or attribute.maximum is not None):
        raise CodebookError("only attributes of type int take a minimum and maximum")
    if attribute.minimum is not None and attribute.maximum is not None and attribute.minimum > attribute.maximum:
        raise CodebookError(f"minimum {attribute.minimum} is larger than maximum {attribute.maximum}")
    detail = {"attribute": name, "type": attribute.type}
    with _edit(project, actor, "add attribute", layer, detail, f'add attribute "{name}" to "{layer}"'):
        position = project.db.execute(
            "SELECT COALESCE(MAX(position), -1) + 1 FROM attributes WHERE layer_id = ?", [found.id]
        ).fetchone()[0]
        cursor = project.db.execute(
            "INSERT INTO attributes (layer_id, name, type, choices, minimum, maximum, description, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [found.id, name, attribute.type, json.dumps(list(choices), ensure_ascii=False),
             attribute.minimum, attribute.maximum, attribute.description, position],
        )
        _avoid_undo_ids(project, "attributes", cursor.lastrowid)
    added = project.codebook.layer(layer).attribute(name)
    assert added is not None
    return added


# ----- deleting a layer ---------------------------------------------------------------------

_LAYER_ANNOTATIONS = "layer_id = ? OR label_id IN (SELECT id FROM labels WHERE layer_id = ?)"


def layer_usage(project: Project, layer: str) -> LayerUsage:
    """How many labels, attributes, annotations (by whom) and comments deleting `layer` removes."""
    found = project.codebook.layer(layer)
    db = project.db
    ids = [found.id, found.id]
    annotators = tuple(row[0] for row in db.execute(
        "SELECT name FROM annotators WHERE id IN "
        f"(SELECT DISTINCT annotator_id FROM annotations WHERE {_LAYER_ANNOTATIONS}) ORDER BY id", ids))
    annotations = db.execute(f"SELECT COUNT(*) FROM annotations WHERE {_LAYER_ANNOTATIONS}", ids).fetchone()[0]
    comments = db.execute(
        f"SELECT COUNT(*) FROM comments WHERE annotation_id IN (SELECT id FROM annotations WHERE {_LAYER_ANNOTATIONS})",
        ids,
    ).fetchone()[0]
    return LayerUsage(len(found.labels), len(found.attributes), annotations, annotators, comments)


def _rows(project: Project, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = project.db.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def _children_first(labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Labels ordered so that each comes before its parent (deleting them never breaks a
    parent reference; undo re-inserts them in the reverse order, parents first)."""
    by_id = {row["id"]: row for row in labels}

    def depth(row: dict[str, Any]) -> int:
        seen: set[int] = set()
        while row["parent_id"] in by_id and row["id"] not in seen:
            seen.add(row["id"])
            row = by_id[row["parent_id"]]
        return len(seen)

    return sorted(labels, key=depth, reverse=True)


def _drop_relations(db: Any, annotations_sql: str, params: list[Any]) -> None:
    """Delete the relations with an end among the annotations `annotations_sql` selects."""
    db.execute(f"DELETE FROM relations WHERE source_id IN ({annotations_sql}) OR target_id IN ({annotations_sql})",
               params + params)


def _layer_deletion(project: Project, layer_id: int) -> list[RowChange]:
    """Row changes that remove a layer with everything hanging off it, dependants first."""
    ids = [layer_id, layer_id]
    comments = _rows(
        project,
        f"SELECT * FROM comments WHERE annotation_id IN (SELECT id FROM annotations WHERE {_LAYER_ANNOTATIONS}) "
        "ORDER BY rowid", ids,
    )
    annotations = _rows(project, f"SELECT * FROM annotations WHERE {_LAYER_ANNOTATIONS} ORDER BY rowid", ids)
    relations = _rows(
        project,
        f"SELECT * FROM relations WHERE source_id IN (SELECT id FROM annotations WHERE {_LAYER_ANNOTATIONS}) "
        f"OR target_id IN (SELECT id FROM annotations WHERE {_LAYER_ANNOTATIONS}) ORDER BY rowid", ids + ids,
    )
    # A label of another layer should not have a parent here, but if one does it loses it.
    adopted = _rows(
        project,
        "SELECT * FROM labels WHERE layer_id != ? AND parent_id IN (SELECT id FROM labels WHERE layer_id = ?)",
        ids,
    )
    labels = _children_first(_rows(project, "SELECT * FROM labels WHERE layer_id = ? ORDER BY position, id", ids[:1]))
    attributes = _rows(project, "SELECT * FROM attributes WHERE layer_id = ? ORDER BY position, id", ids[:1])
    layer_row = _rows(project, "SELECT * FROM layers WHERE id = ?", ids[:1])
    return [
        *(RowChange("relations", (row["id"],), row, None) for row in relations),
        *(RowChange("comments", (row["id"],), row, None) for row in comments),
        *(RowChange("annotations", (row["id"],), row, None) for row in annotations),
        *(RowChange("labels", (row["id"],), row, {**row, "parent_id": None}) for row in adopted),
        *(RowChange("labels", (row["id"],), row, None) for row in labels),
        *(RowChange("attributes", (row["id"],), row, None) for row in attributes),
        *(RowChange("layers", (row["id"],), row, None) for row in layer_row),
    ]


def delete_layer(project: Project, layer: str, actor: str = "") -> ChangeSet:
    """Delete a layer with its labels, attributes and every annotation in it (of every
    annotator, curators included) and their comments, as one step Edit → Undo reverts.

    The codebook's only layer is refused (LastLayerError): a codebook needs a layer.
    Curation log entries stay: they record decisions that were made, like the audit log.
    """
    check_codebook_editable(project)
    found = project.codebook.layer(layer)
    if len(project.codebook.get().layers) == 1:
        raise LastLayerError(found.name)
    assert found.id is not None
    usage = layer_usage(project, layer)
    who = actor or "codebook editor"
    operation = Operation(
        f'delete layer "{found.name}"', who, tuple(_layer_deletion(project, found.id)),
        refresh=project.codebook.invalidate,
    )
    detail = {"labels": usage.labels, "attributes": usage.attributes, "annotations": usage.annotations,
              "annotators": list(usage.annotators), "comments": usage.comments}
    with project.history.transaction():
        changes = project.history.apply(operation)
        _audit(project, who, "delete layer", found.name, detail)
    return changes

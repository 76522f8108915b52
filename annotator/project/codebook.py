"""The project's copy of its codebook: written at creation, read back as model records."""

from __future__ import annotations

import json
from dataclasses import replace

import sqlite_utils

from ..errors import CodebookError
from ..model import AttributeDef, Codebook, Label, Layer, RelationType


class CodebookStore:
    """Reads and extends the codebook held in the project file (labels keep their ids)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db
        self._cached: Codebook | None = None
        self._label_ids: dict[tuple[str, str], int] = {}
        self._layer_ids: dict[str, int] = {}
        self._label_names: dict[int, tuple[str, str]] = {}
        self._layer_names: dict[int, str] = {}
        self._relation_ids: dict[str, int] = {}
        self._relation_names: dict[int, str] = {}

    def get(self) -> Codebook:
        """The codebook as stored now."""
        if self._cached is None:
            self._cached = self._load()
        return self._cached

    def layer(self, name: str) -> Layer:
        """The layer called `name`, or CodebookError naming the layers there are."""
        layer = self.get().layer(name)
        if layer is None:
            names = ", ".join(layer.name for layer in self.get().layers)
            raise CodebookError(f'no layer "{name}" in the codebook; layers are: {names}')
        return layer

    def layer_id(self, name: str) -> int:
        """Database id of a layer."""
        self.get()
        if name not in self._layer_ids:
            self.layer(name)  # raises with the list of layers
        return self._layer_ids[name]

    def label_id(self, layer: str, label: str) -> int:
        """Database id of a label, or CodebookError naming the layer's labels."""
        self.get()
        key = (layer, label)
        if key not in self._label_ids:
            found = self.layer(layer)
            names = ", ".join(item.name for item in found.labels)
            raise CodebookError(f'no label "{label}" in layer "{layer}"; labels are: {names}')
        return self._label_ids[key]

    def label_name(self, label_id: int) -> tuple[str, str]:
        """(layer name, label name) of a label id."""
        self.get()
        return self._label_names[label_id]

    def layer_name(self, layer_id: int) -> str:
        """Name of a layer id."""
        self.get()
        return self._layer_names[layer_id]

    def relation(self, name: str) -> RelationType:
        """The relation type called `name`, or CodebookError naming the types there are."""
        found = self.get().relation(name)
        if found is None:
            names = ", ".join(kind.name for kind in self.get().relations) or "none"
            raise CodebookError(f'no relation type "{name}" in the codebook; relation types are: {names}')
        return found

    def relation_id(self, name: str) -> int:
        """Database id of a relation type."""
        found = self.relation(name)
        assert found.id is not None
        return found.id

    def relation_name(self, type_id: int) -> str:
        """Name of a relation type id."""
        self.get()
        return self._relation_names[type_id]

    def _load_relations(self) -> tuple[RelationType, ...]:
        kinds = []
        self._relation_ids.clear()
        self._relation_names.clear()
        for (ident, name, desc, inc, exc, examples, source_layers, target_layers, source_labels, target_labels,
             directed, colour, key, attributes) in self._db.execute(
            "SELECT id, name, description, include_note, exclude_note, examples, source_layers, target_layers, "
            "source_labels, target_labels, directed, colour, key, attributes FROM relation_types ORDER BY position, id"
        ).fetchall():
            defs = tuple(AttributeDef(a["name"], a.get("type", "text"), tuple(a.get("choices", ())), a.get("minimum"),
                                      a.get("maximum"), a.get("description", "")) for a in json.loads(attributes))
            kinds.append(RelationType(
                name, desc, inc, exc, tuple(json.loads(examples)), tuple(json.loads(source_layers)),
                tuple(json.loads(target_layers)), tuple(json.loads(source_labels)), tuple(json.loads(target_labels)),
                bool(directed), colour, key, defs, ident))
            self._relation_ids[name] = ident
            self._relation_names[ident] = name
        return tuple(kinds)

    def add_relation_type(self, kind: RelationType) -> None:
        """Add a relation type after the others (inside the caller's transaction: an import that
        meets a type the codebook lacks, with --add-labels)."""
        self._insert_relation(kind, len(self.get().relations))
        self.invalidate()

    def _insert_relation(self, kind: RelationType, position: int) -> None:
        attributes = [{"name": a.name, "type": a.type, "choices": list(a.choices), "minimum": a.minimum,
                       "maximum": a.maximum, "description": a.description} for a in kind.attributes]
        self._db.execute(
            "INSERT INTO relation_types (name, description, include_note, exclude_note, examples, source_layers, "
            "target_layers, source_labels, target_labels, directed, colour, key, attributes, position) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [kind.name, kind.description, kind.include, kind.exclude, *(
                json.dumps(list(values), ensure_ascii=False) for values in (
                    kind.examples, kind.source_layers, kind.target_layers, kind.source_labels, kind.target_labels)),
             int(kind.directed), kind.colour, kind.key, json.dumps(attributes, ensure_ascii=False), position],
        )

    def _load(self) -> Codebook:
        db = self._db
        meta = dict(db.execute("SELECT key, value FROM project").fetchall())
        self._label_ids.clear()
        self._layer_ids.clear()
        self._label_names.clear()
        self._layer_names.clear()
        labels_by_layer: dict[int, list[Label]] = {}
        parents: dict[int, int | None] = {}
        names: dict[int, str] = {}
        rows = db.execute(
            "SELECT id, layer_id, name, description, include_note, exclude_note, examples, "
            "colour, key, parent_id, patterns FROM labels ORDER BY layer_id, position, id"
        ).fetchall()
        for ident, layer_id, name, *_, parent_id, _patterns in rows:
            names[ident] = name
            parents[ident] = parent_id
        for ident, layer_id, name, desc, inc, exc, examples, colour, key, parent_id, patterns in rows:
            parent = names.get(parent_id) if parent_id is not None else None
            labels_by_layer.setdefault(layer_id, []).append(
                Label(name, desc, inc, exc, tuple(json.loads(examples)), colour, key, parent, ident,
                      _stored_patterns(patterns))
            )
        attributes_by_layer: dict[int, list[AttributeDef]] = {}
        for ident, layer_id, name, kind, choices, minimum, maximum, desc in db.execute(
            "SELECT id, layer_id, name, type, choices, minimum, maximum, description "
            "FROM attributes ORDER BY layer_id, position, id"
        ).fetchall():
            attributes_by_layer.setdefault(layer_id, []).append(
                AttributeDef(name, kind, tuple(json.loads(choices)), minimum, maximum, desc, ident)
            )
        layers = []
        for ident, name, kind, granularity, overlap, multiple, desc, shared in db.execute(
            "SELECT id, name, kind, granularity, overlap, multiple, description, shared_suggestions "
            "FROM layers ORDER BY position, id"
        ).fetchall():
            labels = tuple(labels_by_layer.get(ident, ()))
            layers.append(
                Layer(name, kind, granularity, overlap, bool(multiple), desc, labels,
                      tuple(attributes_by_layer.get(ident, ())), ident, bool(shared))
            )
            self._layer_ids[name] = ident
            self._layer_names[ident] = name
            for label in labels:
                assert label.id is not None
                self._label_ids[(name, label.name)] = label.id
                self._label_names[label.id] = (name, label.name)
        return Codebook(
            name=meta.get("codebook", ""),
            title=meta.get("codebook_title", ""),
            description=meta.get("codebook_description", ""),
            references=tuple(json.loads(meta.get("codebook_references", "[]"))),
            layers=tuple(layers),
            relations=self._load_relations(),
        )

    def write_initial(self, codebook: Codebook) -> None:
        """Store a whole codebook in an empty project (inside the caller's transaction)."""
        db = self._db
        for key, value in (
            ("codebook", codebook.name),
            ("codebook_title", codebook.title),
            ("codebook_description", codebook.description),
            ("codebook_references", json.dumps(list(codebook.references), ensure_ascii=False)),
        ):
            db.execute("INSERT OR REPLACE INTO project (key, value) VALUES (?, ?)", [key, value])
        for layer in codebook.layers:
            self._insert_layer(layer)
        for position, kind in enumerate(codebook.relations):
            self._insert_relation(kind, position)
        self._cached = None

    def _insert_layer(self, layer: Layer) -> int:
        db = self._db
        position = db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM layers").fetchone()[0]
        cursor = db.execute(
            "INSERT INTO layers (name, kind, granularity, overlap, multiple, description, position, "
            "shared_suggestions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [layer.name, layer.kind, layer.granularity, layer.overlap, int(layer.multiple),
             layer.description, position, int(layer.shared_suggestions)],
        )
        layer_id = cursor.lastrowid
        ids: dict[str, int] = {}
        for index, label in enumerate(layer.labels):
            ids[label.name] = self._insert_label(layer_id, label, index)
        for label in layer.labels:
            if label.parent:
                db.execute("UPDATE labels SET parent_id = ? WHERE id = ?", [ids[label.parent], ids[label.name]])
        for index, attribute in enumerate(layer.attributes):
            db.execute(
                "INSERT INTO attributes (layer_id, name, type, choices, minimum, maximum, description, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [layer_id, attribute.name, attribute.type, json.dumps(list(attribute.choices), ensure_ascii=False),
                 attribute.minimum, attribute.maximum, attribute.description, index],
            )
        return layer_id

    def _insert_label(self, layer_id: int, label: Label, position: int) -> int:
        cursor = self._db.execute(
            "INSERT INTO labels (layer_id, name, description, include_note, exclude_note, examples, "
            "colour, key, position, patterns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [layer_id, label.name, label.description, label.include, label.exclude,
             json.dumps(list(label.examples), ensure_ascii=False), label.colour, label.key, position,
             json.dumps(list(label.patterns), ensure_ascii=False)],
        )
        return cursor.lastrowid

    def add_layer(self, layer: Layer) -> Layer:
        """Add a layer (with its labels) inside the caller's transaction."""
        if self.get().layer(layer.name) is not None:
            raise CodebookError(f'layer "{layer.name}" already exists')
        self._insert_layer(layer)
        self._cached = None
        return self.layer(layer.name)

    def add_label(self, layer: str, label: Label) -> Label:
        """Add a label to a layer inside the caller's transaction; a colour is picked if unset."""
        found = self.layer(layer)
        if found.label(label.name) is not None:
            raise CodebookError(f'label "{label.name}" already exists in layer "{layer}"')
        used = {item.colour.upper() for item in found.labels}
        if label.colour in ("", Label.__dataclass_fields__["colour"].default):
            label = replace(label, colour=next((c for c in EXTRA_COLOURS if c not in used), EXTRA_COLOURS[0]))
        self._insert_label(self.layer_id(layer), label, len(found.labels))
        self._cached = None
        added = self.layer(layer).label(label.name)
        assert added is not None
        return added

    def invalidate(self) -> None:
        """Forget the cached codebook (after a change made elsewhere)."""
        self._cached = None


def _stored_patterns(stored: object) -> tuple[str, ...]:
    """A label's stored patterns (a JSON array of strings); anything else reads as none."""
    try:
        value = json.loads(stored) if isinstance(stored, str) else []
    except ValueError:
        return ()
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


# Paul Tol's "light" qualitative scheme (https://personal.sron.nl/~pault/), colour-blind safe;
# used for labels added on the fly (imports with --add-labels).
EXTRA_COLOURS = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD")

"""Reading a codebook's TOML tables into records and checking them (every problem named with its place)."""

from __future__ import annotations

import difflib
from typing import Any

from annotator.errors import CodebookError
from annotator.label_rules import colour_problem, key_problem
from annotator.model import (
    ATTRIBUTE_TYPES,
    GRANULARITIES,
    LAYER_KINDS,
    OVERLAP_RULES,
    AttributeDef,
    Codebook,
    Label,
    Layer,
    RelationType,
)

from .keys import (
    _DEFAULT_COLOUR,
    _TOML_POSITION,
    ATTRIBUTE_KEYS,
    CODEBOOK_KEYS,
    FORMAT_VERSION,
    LABEL_KEYS,
    LAYER_KEYS,
    RELATION_KEYS,
)
from .patterns import pattern_problem

# ---------------------------------------------------------------- reading TOML tables


def _syntax_message(name: str, message: str) -> str:
    """One line for a tomllib error, with its line and column moved to the front."""
    match = _TOML_POSITION.search(message)
    problem = message[: match.start()] if match else message
    if match and match.group(1):
        return f"{name}, line {match.group(1)}, column {match.group(2)}: not valid TOML: {problem}"
    if match:
        return f"{name}, at the end: not valid TOML: {problem}"
    return f"{name}: not valid TOML: {problem}"


def _kind_of(value: object) -> str:
    """How a TOML value's type reads in a message."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


class _Reader:
    """Turns the tables tomllib returns into model records, checking keys and value types."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, place: str, problem: str) -> CodebookError:
        """An error for `problem` at `place` ("" for the top level)."""
        return CodebookError(f"{self.source}: {place}: {problem}" if place else f"{self.source}: {problem}")

    def codebook(self, table: dict[str, Any]) -> Codebook:
        """The codebook record of the whole file."""
        self.check_keys(table, CODEBOOK_KEYS, "")
        version = self.integer(table, "version", "", FORMAT_VERSION)
        if version is None or version < 1:
            raise self.fail("", f"version must be a whole number from 1, not {version}")
        if version > FORMAT_VERSION:
            raise self.fail(
                "",
                f"written for codebook format version {version}; "
                f"this program reads version {FORMAT_VERSION} (please update it)",
            )
        name = self.name(table, "")
        layer_tables = self.tables(table, "layers", "", "[[layers]]")
        if not layer_tables:
            raise self.fail("", "has no layers (add at least one [[layers]] table)")
        return Codebook(
            name=name,
            title=self.text(table, "title", ""),
            description=self.text(table, "description", ""),
            references=self.strings(table, "references", ""),
            layers=tuple(self.layer(layer, number) for number, layer in enumerate(layer_tables, 1)),
            relations=tuple(self.relation(kind, number) for number, kind in
                            enumerate(self.tables(table, "relations", "", "[[relations]]"), 1)),
        )

    def relation(self, table: dict[str, Any], number: int) -> RelationType:
        """The relation type of one [[relations]] table."""
        place = self.place_of(table, f"relation {number}", "relation")
        self.check_keys(table, RELATION_KEYS, place)
        return RelationType(
            name=self.name(table, place),
            key=self.text(table, "key", place),
            colour=self.text(table, "colour", place, RelationType(name="").colour),
            directed=self.boolean(table, "directed", place, True),
            source_layers=self.strings(table, "from", place),
            target_layers=self.strings(table, "to", place),
            source_labels=self.strings(table, "from_labels", place),
            target_labels=self.strings(table, "to_labels", place),
            description=self.text(table, "description", place),
            include=self.text(table, "include", place),
            exclude=self.text(table, "exclude", place),
            examples=self.strings(table, "examples", place),
            attributes=tuple(
                self.attribute(attribute, f"{place}, ", index)
                for index, attribute in enumerate(self.tables(table, "attributes", place, "[[relations.attributes]]"), 1)
            ),
        )

    def layer(self, table: dict[str, Any], number: int) -> Layer:
        """The layer record of one [[layers]] table."""
        place = self.place_of(table, f"layer {number}", "layer")
        self.check_keys(table, LAYER_KEYS, place)
        name = self.name(table, place)
        label_tables = self.tables(table, "labels", place, "[[layers.labels]]")
        if not label_tables:
            raise self.fail(place, "has no labels (add [[layers.labels]] tables after it)")
        attribute_tables = self.tables(table, "attributes", place, "[[layers.attributes]]")
        return Layer(
            name=name,
            kind=self.text(table, "kind", place, "span"),  # type: ignore[arg-type]
            granularity=self.text(table, "granularity", place, "token"),  # type: ignore[arg-type]
            overlap=self.text(table, "overlap", place, "allow"),  # type: ignore[arg-type]
            multiple=self.boolean(table, "multiple", place, True),
            description=self.text(table, "description", place),
            labels=tuple(
                self.label(label, f"{place}, ", number) for number, label in enumerate(label_tables, 1)
            ),
            attributes=tuple(
                self.attribute(attribute, f"{place}, ", number)
                for number, attribute in enumerate(attribute_tables, 1)
            ),
        )

    def label(self, table: dict[str, Any], prefix: str, number: int) -> Label:
        """The label record of one [[layers.labels]] table."""
        place = prefix + self.place_of(table, f"label {number}", "label")
        self.check_keys(table, LABEL_KEYS, place)
        name = self.name(table, place)
        parent = table.get("parent")
        return Label(
            name=name,
            key=self.text(table, "key", place),
            colour=self.text(table, "colour", place, _DEFAULT_COLOUR),
            description=self.text(table, "description", place),
            include=self.text(table, "include", place),
            exclude=self.text(table, "exclude", place),
            examples=self.strings(table, "examples", place),
            parent=None if parent is None else self.text(table, "parent", place),
            patterns=self.strings(table, "patterns", place),
        )

    def attribute(self, table: dict[str, Any], prefix: str, number: int) -> AttributeDef:
        """The attribute definition of one [[layers.attributes]] table."""
        place = prefix + self.place_of(table, f"attribute {number}", "attribute")
        self.check_keys(table, ATTRIBUTE_KEYS, place)
        return AttributeDef(
            name=self.name(table, place),
            type=self.text(table, "type", place, "text"),  # type: ignore[arg-type]
            choices=self.strings(table, "choices", place),
            minimum=self.integer(table, "minimum", place, None),
            maximum=self.integer(table, "maximum", place, None),
            description=self.text(table, "description", place),
        )

    @staticmethod
    def place_of(table: dict[str, Any], fallback: str, what: str) -> str:
        """`what "name"` when the table has a usable name, else the numbered fallback."""
        name = table.get("name")
        if isinstance(name, str) and name.strip():
            return f'{what} "{name}"'
        return fallback

    def check_keys(self, table: dict[str, Any], known: tuple[str, ...], place: str) -> None:
        """Refuse keys the format does not define, suggesting the likely intended one."""
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f'did you mean "{close[0]}"?' if close else "known keys: " + ", ".join(known)
                raise self.fail(place, f'unknown key "{key}" ({hint})')

    def name(self, table: dict[str, Any], place: str) -> str:
        """The required `name` of a table."""
        if "name" not in table:
            raise self.fail(place, 'the required key "name" is missing')
        return self.text(table, "name", place)

    def text(self, table: dict[str, Any], key: str, place: str, default: str = "") -> str:
        """A string value, or `default` when the key is absent."""
        value = table.get(key, default)
        if not isinstance(value, str):
            raise self.fail(place, f'"{key}" must be a string, not {_kind_of(value)}')
        return value

    def boolean(self, table: dict[str, Any], key: str, place: str, default: bool) -> bool:
        """A true/false value, or `default` when the key is absent."""
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(place, f'"{key}" must be true or false, not {_kind_of(value)}')
        return value

    def integer(self, table: dict[str, Any], key: str, place: str, default: int | None) -> int | None:
        """A whole number, or `default` when the key is absent."""
        value = table.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(place, f'"{key}" must be a whole number, not {_kind_of(value)}')
        return value

    def strings(self, table: dict[str, Any], key: str, place: str) -> tuple[str, ...]:
        """An array of strings, or () when the key is absent."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(place, f'"{key}" must be an array of strings, like ["a", "b"]')
        return tuple(value)

    def tables(self, table: dict[str, Any], key: str, place: str, header: str) -> list[dict[str, Any]]:
        """An array of tables (written `header` in the file), or [] when the key is absent."""
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail(place, f'"{key}" must be a list of tables, each headed {header}')
        return value


# ---------------------------------------------------------------- checking the records


class _Checker:
    """Checks the rules that make a codebook usable, on the model records themselves."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, place: str, problem: str) -> CodebookError:
        """An error for `problem` at `place` ("" for the top level)."""
        return CodebookError(f"{self.source}: {place}: {problem}" if place else f"{self.source}: {problem}")

    def codebook(self, codebook: Codebook) -> None:
        """Check the codebook name and every layer."""
        self.name(codebook.name, "", "codebook")
        if not codebook.layers:
            raise self.fail("", "has no layers")
        seen: dict[str, str] = {}
        for number, layer in enumerate(codebook.layers, 1):
            self.name(layer.name, f"layer {number}", "layer")
            place = f'layer "{layer.name}"'
            if layer.name.casefold() in seen:
                other = seen[layer.name.casefold()]
                raise self.fail(place, f'the layer name is already used by layer "{other}"')
            seen[layer.name.casefold()] = layer.name
            self.layer(layer, place)
        self.relations(codebook)

    def relations(self, codebook: Codebook) -> None:
        """Relation types: unique names and keys, span layers and labels that exist, usable attributes."""
        names: dict[str, str] = {}
        keys: dict[str, str] = {}
        span_layers = {layer.name: layer for layer in codebook.layers if layer.kind == "span"}
        for number, kind in enumerate(codebook.relations, 1):
            self.name(kind.name, f"relation {number}", "relation")
            place = f'relation "{kind.name}"'
            if kind.name.casefold() in names:
                raise self.fail(place, f'the relation name is already used by relation "{names[kind.name.casefold()]}"')
            names[kind.name.casefold()] = kind.name
            if (problem := colour_problem(kind.colour)) is not None:
                raise self.fail(place, problem)
            if kind.key:
                if (problem := key_problem(kind.key)) is not None:
                    raise self.fail(place, problem)
                if kind.key.casefold() in keys:
                    raise self.fail(place, f'shortcut key "{kind.key}" is already used by relation '
                                           f'"{keys[kind.key.casefold()]}"')
                keys[kind.key.casefold()] = kind.name
            for key, layers, labels in (("from", kind.source_layers, kind.source_labels),
                                        ("to", kind.target_layers, kind.target_labels)):
                for layer in layers:
                    if layer not in span_layers:
                        raise self.fail(place, f'"{key}" names "{layer}", which is not a span layer of the codebook '
                                               f'(span layers: {", ".join(span_layers)})')
                allowed = {label.name for name in (layers or span_layers) for label in span_layers[name].labels}
                for label in labels:
                    if label not in allowed:
                        raise self.fail(place, f'"{key}_labels" names "{label}", which is not a label of '
                                               f'{" or ".join(layers) if layers else "any span layer"}')
            attribute_names: set[str] = set()
            for index, attribute in enumerate(kind.attributes, 1):
                self.name(attribute.name, f"{place}, attribute {index}", "attribute")
                if attribute.name.casefold() in attribute_names:
                    raise self.fail(f'{place}, attribute "{attribute.name}"', "the attribute name is used twice")
                attribute_names.add(attribute.name.casefold())
                self.attribute(attribute, f'{place}, attribute "{attribute.name}"')

    def layer(self, layer: Layer, place: str) -> None:
        """Check one layer's settings, labels and attributes."""
        self.choice(layer.kind, LAYER_KINDS, "kind", place)
        self.choice(layer.granularity, GRANULARITIES, "granularity", place)
        self.choice(layer.overlap, OVERLAP_RULES, "overlap", place)
        if not isinstance(layer.multiple, bool):
            raise self.fail(place, '"multiple" must be true or false')
        if not layer.labels:
            raise self.fail(place, "has no labels")
        names: dict[str, str] = {}
        keys: dict[str, str] = {}
        for number, label in enumerate(layer.labels, 1):
            self.name(label.name, f"{place}, label {number}", "label")
            label_place = f'{place}, label "{label.name}"'
            if label.name.casefold() in names:
                other = names[label.name.casefold()]
                raise self.fail(label_place, f'the label name is already used by label "{other}" in this layer')
            names[label.name.casefold()] = label.name
            self.label(label, label_place, keys)
        self.parents(layer, place)
        attribute_names: dict[str, str] = {}
        for number, attribute in enumerate(layer.attributes, 1):
            self.name(attribute.name, f"{place}, attribute {number}", "attribute")
            attribute_place = f'{place}, attribute "{attribute.name}"'
            if attribute.name.casefold() in attribute_names:
                other = attribute_names[attribute.name.casefold()]
                raise self.fail(attribute_place, f'the attribute name is already used by "{other}" in this layer')
            attribute_names[attribute.name.casefold()] = attribute.name
            self.attribute(attribute, attribute_place)

    def label(self, label: Label, place: str, keys: dict[str, str]) -> None:
        """Check a label's colour and shortcut key (recording the key in `keys`)."""
        if (problem := colour_problem(label.colour)) is not None:
            raise self.fail(place, problem)
        if label.key:
            if (problem := key_problem(label.key)) is not None:
                raise self.fail(place, problem)
            if label.key.casefold() in keys:
                other = keys[label.key.casefold()]
                raise self.fail(
                    place, f'shortcut key "{label.key}" is already used by label "{other}" in this layer'
                )
            keys[label.key.casefold()] = label.name
        for example in label.examples:
            if not example.strip():
                raise self.fail(place, "an example is empty")
        for pattern in label.patterns:
            if (problem := pattern_problem(pattern)) is not None:
                raise self.fail(place, problem)

    def parents(self, layer: Layer, place: str) -> None:
        """Every parent names a label of the same layer, and no chain of parents loops."""
        parent_of = {label.name: label.parent for label in layer.labels}
        for label in layer.labels:
            if label.parent is None:
                continue
            label_place = f'{place}, label "{label.name}"'
            if label.parent not in parent_of:
                raise self.fail(label_place, f'parent "{label.parent}" is not a label of this layer')
            chain = [label.name]
            current: str | None = label.parent
            while current is not None:
                if current in chain:
                    loop = " -> ".join([*chain[chain.index(current):], current])
                    raise self.fail(label_place, f"its parents form a loop ({loop})")
                chain.append(current)
                current = parent_of[current]

    def attribute(self, attribute: AttributeDef, place: str) -> None:
        """Check an attribute's type and the settings that go with it."""
        self.choice(attribute.type, ATTRIBUTE_TYPES, "type", place)
        if attribute.type == "choice":
            if not attribute.choices:
                raise self.fail(place, 'a "choice" attribute needs "choices", like ["low", "high"]')
            seen: set[str] = set()
            for choice in attribute.choices:
                if not choice.strip():
                    raise self.fail(place, "a choice is empty")
                if choice in seen:
                    raise self.fail(place, f'choice "{choice}" is listed twice')
                seen.add(choice)
        elif attribute.choices:
            raise self.fail(place, f'"choices" only apply to type "choice", not "{attribute.type}"')
        if attribute.type != "int" and (attribute.minimum is not None or attribute.maximum is not None):
            raise self.fail(place, f'"minimum" and "maximum" only apply to type "int", not "{attribute.type}"')
        low, high = attribute.minimum, attribute.maximum
        if low is not None and high is not None and low > high:
            raise self.fail(place, f"minimum {low} is greater than maximum {high}")

    def name(self, name: str, place: str, what: str) -> None:
        """A name is non-empty, one line, and has no spaces around it."""
        if not name.strip():
            raise self.fail(place, f"the {what} name is empty")
        if name != name.strip():
            raise self.fail(place, f'the {what} name "{name}" has spaces at its start or end')
        if any(ord(char) < 32 or ord(char) == 127 for char in name):
            raise self.fail(place, f"the {what} name {name!r} contains a line break or control character")

    def choice(self, value: str, allowed: tuple[str, ...], key: str, place: str) -> None:
        """`value` is one of `allowed`."""
        if value not in allowed:
            options = ", ".join(f'"{option}"' for option in allowed)
            raise self.fail(place, f'{key} "{value}" is not one of {options}')

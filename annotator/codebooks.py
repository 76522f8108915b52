"""Read, check and write codebooks in the TOML format of resources/codebooks/."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
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
from annotator.resources import resource

FORMAT_VERSION = 1
DEFAULT_CODEBOOK = "news-discourse"
MAX_CODEBOOK_BYTES = 1024 * 1024

CODEBOOK_KEYS = ("name", "title", "description", "version", "references", "layers", "relations")
LAYER_KEYS = (
    "name", "kind", "granularity", "overlap", "multiple", "description", "labels", "attributes",
)
LABEL_KEYS = ("name", "key", "colour", "description", "include", "exclude", "examples", "parent", "patterns")
ATTRIBUTE_KEYS = ("name", "type", "choices", "minimum", "maximum", "description")
RELATION_KEYS = (
    "name", "key", "colour", "directed", "from", "to", "from_labels", "to_labels", "description", "include",
    "exclude", "examples", "attributes",
)

_DEFAULT_COLOUR = Label(name="").colour
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


# ---------------------------------------------------------------- public API


def load_codebook(path: str | Path | Traversable) -> Codebook:
    """Read and validate the codebook file at `path`; CodebookError names the file and problem."""
    if isinstance(path, str):
        path = Path(path)
    name = path.name
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_CODEBOOK_BYTES + 1)
    except FileNotFoundError:
        raise CodebookError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise CodebookError(f"{name}: is a folder, not a codebook file") from None
    except PermissionError:
        raise CodebookError(f"{name}: permission denied") from None
    except OSError as exc:
        raise CodebookError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_CODEBOOK_BYTES:
        raise CodebookError(f"{name}: too large for a codebook (over 1 MiB)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from None
    return parse_codebook(text, name)


def parse_codebook(text: str, name: str) -> Codebook:
    """Parse and validate codebook TOML `text`; `name` (usually the file name) heads messages."""
    try:
        table = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(_syntax_message(name, str(exc))) from None
    codebook = _Reader(name).codebook(table)
    for layer, label, pattern, problem in pattern_problems(codebook):
        line = _pattern_line(text, layer, label, pattern)
        raise CodebookError(f'{name}{f", line {line}" if line else ""}: layer "{layer}", label "{label}": {problem}')
    validate_codebook(codebook, name)
    return codebook


def validate_codebook(codebook: Codebook, name: str) -> None:
    """Raise CodebookError naming `name` and the place of the first problem in `codebook`."""
    _Checker(name).codebook(codebook)


def codebook_to_toml(codebook: Codebook) -> str:
    """The codebook in the TOML format that parse_codebook reads (ids are not written)."""
    lines = [
        "# Discourse Annotator codebook. The format is described at the top of",
        "# resources/codebooks/news-discourse.toml.",
        "",
        f"name = {_toml_string(codebook.name)}",
    ]
    _optional(lines, "title", codebook.title)
    _optional(lines, "description", codebook.description)
    lines.append(f"version = {FORMAT_VERSION}")
    if codebook.references:
        lines.append(f"references = {_toml_strings(codebook.references)}")
    for layer in codebook.layers:
        lines += ["", "[[layers]]", f"name = {_toml_string(layer.name)}"]
        lines.append(f"kind = {_toml_string(layer.kind)}")
        if layer.kind == "span" or layer.granularity != "token":
            lines.append(f"granularity = {_toml_string(layer.granularity)}")
        if layer.kind == "span" or layer.overlap != "allow":
            lines.append(f"overlap = {_toml_string(layer.overlap)}")
        lines.append(f"multiple = {'true' if layer.multiple else 'false'}")
        _optional(lines, "description", layer.description)
        for label in layer.labels:
            lines += ["", "[[layers.labels]]", f"name = {_toml_string(label.name)}"]
            _optional(lines, "key", label.key)
            lines.append(f"colour = {_toml_string(label.colour)}")
            if label.parent is not None:
                lines.append(f"parent = {_toml_string(label.parent)}")
            _optional(lines, "description", label.description)
            _optional(lines, "include", label.include)
            _optional(lines, "exclude", label.exclude)
            if label.examples:
                lines.append(f"examples = {_toml_strings(label.examples)}")
            if label.patterns:
                items = "".join(f"    {_toml_pattern(pattern)},\n" for pattern in label.patterns)
                lines.append(f"patterns = [\n{items}]")
        for attribute in layer.attributes:
            lines += ["", "[[layers.attributes]]", f"name = {_toml_string(attribute.name)}"]
            lines.append(f"type = {_toml_string(attribute.type)}")
            if attribute.choices:
                lines.append(f"choices = {_toml_strings(attribute.choices)}")
            if attribute.minimum is not None:
                lines.append(f"minimum = {attribute.minimum}")
            if attribute.maximum is not None:
                lines.append(f"maximum = {attribute.maximum}")
            _optional(lines, "description", attribute.description)
    for kind in codebook.relations:
        lines += ["", "[[relations]]", f"name = {_toml_string(kind.name)}"]
        _optional(lines, "key", kind.key)
        lines.append(f"colour = {_toml_string(kind.colour)}")
        lines.append(f"directed = {'true' if kind.directed else 'false'}")
        for key, values in (("from", kind.source_layers), ("to", kind.target_layers),
                            ("from_labels", kind.source_labels), ("to_labels", kind.target_labels)):
            if values:
                lines.append(f"{key} = {_toml_strings(values)}")
        for key, text in (("description", kind.description), ("include", kind.include), ("exclude", kind.exclude)):
            _optional(lines, key, text)
        if kind.examples:
            lines.append(f"examples = {_toml_strings(kind.examples)}")
        for attribute in kind.attributes:
            lines += ["", "[[relations.attributes]]", f"name = {_toml_string(attribute.name)}",
                      f"type = {_toml_string(attribute.type)}"]
            if attribute.choices:
                lines.append(f"choices = {_toml_strings(attribute.choices)}")
            for key, number in (("minimum", attribute.minimum), ("maximum", attribute.maximum)):
                if number is not None:
                    lines.append(f"{key} = {number}")
            _optional(lines, "description", attribute.description)
    return "\n".join(lines) + "\n"


def relation_type_to_dict(kind: RelationType) -> dict[str, Any]:
    """A relation type as the [[relations]] table of the TOML format holds it (JSON-ready)."""
    data: dict[str, Any] = {"name": kind.name, "key": kind.key, "colour": kind.colour, "directed": kind.directed,
                            "from": list(kind.source_layers), "to": list(kind.target_layers),
                            "from_labels": list(kind.source_labels), "to_labels": list(kind.target_labels),
                            "description": kind.description, "include": kind.include, "exclude": kind.exclude,
                            "examples": list(kind.examples)}
    data["attributes"] = [{key: value for key, value in (
        ("name", a.name), ("type", a.type), ("choices", list(a.choices)), ("minimum", a.minimum),
        ("maximum", a.maximum), ("description", a.description)) if value is not None} for a in kind.attributes]
    return data


def with_relation_types(codebook: Codebook, tables: object, source: str) -> Codebook:
    """`codebook` with the relation types of `tables` (relation_type_to_dict records), checked
    as a codebook file's [[relations]] are; CodebookError names `source` and the problem."""
    reader = _Reader(source)
    items = reader.tables({"relations": tables}, "relations", "", '"relation_types"')
    book = Codebook(codebook.name, codebook.title, codebook.description, codebook.references, codebook.layers,
                    tuple(reader.relation(item, number) for number, item in enumerate(items, 1)))
    _Checker(source).relations(book)
    return book


def bundled_codebooks() -> dict[str, Traversable]:
    """The codebooks shipped in resources/codebooks/, by name (file name without .toml)."""
    folder = resource("codebooks")
    if not folder.is_dir():
        return {}
    found = {
        entry.name.removesuffix(".toml"): entry
        for entry in folder.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    }
    return dict(sorted(found.items()))


def load_bundled(name: str) -> Codebook:
    """Load the shipped codebook called `name`; CodebookError lists the names if it is unknown."""
    available = bundled_codebooks()
    if name not in available:
        names = ", ".join(f'"{known}"' for known in available) or "none"
        raise CodebookError(f'no bundled codebook called "{name}" (available: {names})')
    return load_codebook(available[name])


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


# ---------------------------------------------------------------- rule patterns

# spaCy's token attributes and operators (spacy.schemas.TokenPattern, Matcher docs): checked
# here without importing spaCy, so that a codebook with a typo is refused as it is read.
TOKEN_ATTRIBUTES = frozenset({
    "ORTH", "TEXT", "LOWER", "POS", "TAG", "MORPH", "DEP", "LEMMA", "SHAPE", "ENT_TYPE", "ENT_IOB", "ENT_ID",
    "ENT_KB_ID", "NORM", "LENGTH", "SPACY", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER",
    "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT",
    "IS_CURRENCY", "IS_STOP", "IS_SENT_START", "SENT_START", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "OP", "_",
})
TOKEN_PREDICATES = frozenset({"IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS", "REGEX", "FUZZY",
                              *(f"FUZZY{n}" for n in range(1, 10)), "==", "!=", ">=", "<=", ">", "<"})
_OPERATOR = re.compile(r"[+*?!]|\{\d*(,\d*)?\}")


def is_token_pattern(pattern: str) -> bool:
    """True for a spaCy Matcher token pattern (a JSON array), False for a phrase."""
    return pattern.lstrip().startswith("[")


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a label's rule pattern (None: a usable phrase or token pattern).

    A phrase is matched on tokens ignoring case; a pattern that starts with "[" is a spaCy
    Matcher token pattern written as JSON, e.g. [{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}].
    """
    shown = pattern if len(pattern) <= 60 else pattern[:59] + "…"
    if not pattern.strip():
        return "a pattern is empty"
    if "\n" in pattern or "\r" in pattern:
        return f"pattern {shown!r} spans several lines; write one pattern per line"
    if not is_token_pattern(pattern):
        return None
    try:
        tokens = json.loads(pattern)
    except ValueError as error:
        return f"pattern {shown} is not valid JSON ({error.args[0].split(':')[0]}); token patterns are JSON arrays"
    if not isinstance(tokens, list) or not tokens or not all(isinstance(token, dict) for token in tokens):
        return f'pattern {shown} must be an array of token objects, like [{{"LOWER": "tax"}}]'
    for token in tokens:
        for key, value in token.items():
            attribute = key.upper()
            if attribute not in TOKEN_ATTRIBUTES:
                close = difflib.get_close_matches(attribute, sorted(TOKEN_ATTRIBUTES), n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                return f'pattern {shown}: "{key}" is not a spaCy token attribute{hint}'
            if attribute == "OP":
                if not isinstance(value, str) or not _OPERATOR.fullmatch(value):
                    return f'pattern {shown}: operator {json.dumps(value)} is not one of +, *, ?, !, {{n}}, {{n,m}}'
            elif isinstance(value, dict) and attribute != "_":
                for predicate in value:
                    if predicate.upper() not in TOKEN_PREDICATES:
                        return f'pattern {shown}: "{predicate}" is not a spaCy pattern predicate (IN, NOT_IN, REGEX…)'
            elif not isinstance(value, (str, int, float, bool, dict)):
                return f'pattern {shown}: the value of "{key}" must be a string, number, true/false or an object'
    return None


def pattern_problems(codebook: Codebook) -> Iterator[tuple[str, str, str, str]]:
    """(layer, label, pattern, problem) of every pattern of the codebook that is not usable."""
    for layer in codebook.layers:
        for label in layer.labels:
            for pattern in label.patterns:
                if (problem := pattern_problem(pattern)) is not None:
                    yield layer.name, label.name, pattern, problem


def _pattern_line(text: str, layer: str, label: str, pattern: str) -> int | None:
    """The line (from 1) of `pattern` among the patterns of `label` in `layer` in the TOML
    text, else that label's `patterns =` line; None when neither is found."""
    table, names, key_line, inside = "", {"[[layers]]": None, "[[layers.labels]]": None}, None, False
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[["):
            table, inside = stripped.replace(" ", ""), False
            names.update({"[[layers.labels]]": None} if table == "[[layers]]" else {})
        elif table in names and stripped.startswith("name") and "=" in stripped:
            names[table] = _toml_value(stripped.split("=", 1)[1])
        elif table == "[[layers.labels]]" and (names["[[layers]]"], names[table]) == (layer, label):
            if stripped.startswith("patterns") and "=" in stripped:
                key_line, inside, stripped = number, True, stripped.split("=", 1)[1].strip().removeprefix("[")
            for candidate in (stripped, stripped.removesuffix("]")) if inside else ():
                items = _toml_value(f"[\n{candidate}\n]")
                if isinstance(items, list) and pattern in items:
                    return number
    return key_line


def _toml_value(text: str) -> object:
    """The value of a TOML value written alone (None when it is not one)."""
    try:
        return tomllib.loads(f"v = {text.strip()}").get("v")
    except tomllib.TOMLDecodeError:
        return None


# ---------------------------------------------------------------- writing TOML

_ESCAPES: Mapping[str, str] = {
    "\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r",
}


def _escape(text: str, keep_newlines: bool) -> str:
    """`text` escaped for a TOML basic string; other characters, emoji included, stay as they are."""
    parts = []
    for char in text:
        if char == "\n" and keep_newlines:
            parts.append(char)
        elif char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif ord(char) < 32 or ord(char) == 127:
            parts.append(f"\\u{ord(char):04X}")
        else:
            parts.append(char)
    return "".join(parts)


def _toml_string(text: str) -> str:
    """A TOML string literal for `text`: multi-line when it has line breaks."""
    if "\n" in text:
        return '"""\n' + _escape(text, keep_newlines=True) + '"""'
    return '"' + _escape(text, keep_newlines=False) + '"'


def _toml_strings(texts: tuple[str, ...]) -> str:
    """A TOML array of strings, one item a line."""
    items = "".join(f"    {_toml_string(text)},\n" for text in texts)
    return "[\n" + items + "]"


def _toml_pattern(pattern: str) -> str:
    """A pattern as a TOML string: a token pattern in a literal string ('…'), which keeps its
    JSON quotes readable, when it can be one."""
    if is_token_pattern(pattern) and "'" not in pattern and not any(ord(c) < 32 or ord(c) == 127 for c in pattern):
        return f"'{pattern}'"
    return _toml_string(pattern)


def _optional(lines: list[str], key: str, text: str) -> None:
    """Append `key = text` unless `text` is empty."""
    if text:
        lines.append(f"{key} = {_toml_string(text)}")

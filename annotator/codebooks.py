"""Read, check and write codebooks in the TOML format of resources/codebooks/."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
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
)
from annotator.resources import resource

FORMAT_VERSION = 1
DEFAULT_CODEBOOK = "news-discourse"
MAX_CODEBOOK_BYTES = 1024 * 1024

CODEBOOK_KEYS = ("name", "title", "description", "version", "references", "layers")
LAYER_KEYS = (
    "name", "kind", "granularity", "overlap", "multiple", "description", "labels", "attributes",
)
LABEL_KEYS = ("name", "key", "colour", "description", "include", "exclude", "examples", "parent")
ATTRIBUTE_KEYS = ("name", "type", "choices", "minimum", "maximum", "description")

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
    return "\n".join(lines) + "\n"


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


def _optional(lines: list[str], key: str, text: str) -> None:
    """Append `key = text` unless `text` is empty."""
    if text:
        lines.append(f"{key} = {_toml_string(text)}")

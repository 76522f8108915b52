"""Writing a codebook back as TOML in the format of resources/codebooks/."""

from __future__ import annotations

from collections.abc import Mapping

from annotator.model import Codebook

from .keys import FORMAT_VERSION
from .patterns import is_token_pattern

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

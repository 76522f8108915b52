"""Read, check and write codebooks in the TOML format of resources/codebooks/.

The package: keys.py (what a file may say), reading.py (TOML tables to records, checked),
patterns.py (rule patterns), writing.py (back to TOML); the public API is here.
"""

from __future__ import annotations

import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from annotator.errors import CodebookError
from annotator.model import Codebook, RelationType
from annotator.resources import resource

from .keys import DEFAULT_CODEBOOK, FORMAT_VERSION, MAX_CODEBOOK_BYTES
from .patterns import _pattern_line, is_token_pattern, pattern_problem, pattern_problems
from .reading import _Checker, _Reader, _syntax_message
from .writing import codebook_to_toml

__all__ = [
    "DEFAULT_CODEBOOK", "FORMAT_VERSION", "MAX_CODEBOOK_BYTES", "bundled_codebooks", "codebook_to_toml",
    "is_token_pattern", "load_bundled", "load_codebook", "parse_codebook", "pattern_problem", "pattern_problems",
    "relation_type_to_dict", "validate_codebook", "with_relation_types",
]

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

"""Reader for Markdown files (.md, .markdown): text kept as written, front matter to metadata.

The markup is not stripped: offsets refer to what the analyst sees in the file. Only an
optional front-matter block at the very top (a `---` line, simple `key: value` lines, a
closing `---` or `...` line) is removed, together with the blank lines right after it,
and read as metadata. No YAML library is used: values are plain strings, quoted strings,
`[a, b]` lists or `- item` lists below an empty `key:`; anything else is ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ReadOptions
from annotator.formats.text_io import (
    assign_metadata,
    check_length,
    decode_bytes,
    first_line_title,
    normalise_newlines,
    read_file_bytes,
    shorten_title,
)

_FENCE_OPEN = re.compile(r"^---[ \t]*$")
_FENCE_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_KEY_VALUE = re.compile(r"^([A-Za-z_][\w .-]*?)[ \t]*:(?:[ \t]+(.*))?$")
_LIST_ITEM = re.compile(r"^[ \t]*-[ \t]+(.*)$")
_ATX_H1 = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_CODE_FENCE = re.compile(r"^ {0,3}(?:```|~~~)")


def read_markdown(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a Markdown file as one document; front matter becomes its metadata."""
    text = normalise_newlines(decode_bytes(read_file_bytes(path), path))
    meta, body = split_front_matter(text)
    if not body.strip():
        raise BadInputError(path, "has no text after its front matter")
    check_length(body, path)
    document = ImportedDocument(text=body, origin=str(path))
    assign_metadata(document, meta)
    if not document.title:
        document.title = first_heading(body) or first_line_title(body).lstrip("# ")
    return [document]


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a leading front-matter block off `text`; ({}, text) if there is none."""
    lines = text.split("\n")
    if not lines or not _FENCE_OPEN.match(lines[0]):
        return {}, text
    for index in range(1, len(lines)):
        if _FENCE_CLOSE.match(lines[index]):
            meta = _parse_front_matter(lines[1:index])
            body = "\n".join(lines[index + 1 :]).lstrip("\n")
            return meta, body
    return {}, text


def first_heading(text: str) -> str:
    """The text of the first level-1 `# ` heading outside code blocks, or ""."""
    in_code = False
    for line in text.split("\n"):
        if _CODE_FENCE.match(line):
            in_code = not in_code
            continue
        match = None if in_code else _ATX_H1.match(line)
        if match:
            return shorten_title(match.group(1))
    return ""


def _parse_front_matter(lines: list[str]) -> dict[str, Any]:
    """Read simple `key: value` lines (and `- item` lists under an empty key)."""
    meta: dict[str, Any] = {}
    list_key: str | None = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _LIST_ITEM.match(line)
        if item and list_key is not None:
            meta.setdefault(list_key, []).append(_unquote(item.group(1)))
            continue
        pair = _KEY_VALUE.match(line) if not line[0].isspace() else None
        if pair is None:
            list_key = None
            continue
        key, value = pair.group(1), (pair.group(2) or "").strip()
        if value:
            meta[key] = _parse_value(value)
            list_key = None
        else:
            list_key = key
    return meta


def _parse_value(value: str) -> Any:
    """A front-matter value: an inline `[a, b]` list or a possibly quoted string."""
    if value.startswith("[") and value.endswith("]"):
        return [_unquote(part) for part in value[1:-1].split(",") if part.strip()]
    return _unquote(value)


def _unquote(value: str) -> str:
    """Remove one pair of matching single or double quotes around a value."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value

"""What every reader returns: documents with optional spans and document labels."""

from __future__ import annotations

import uuid

from dataclasses import dataclass, field
from typing import Any

# The largest text one document may have: spaCy's default `max_length`. A longer file is
# refused with a message (it is not a news article; split it first).
MAX_DOCUMENT_CHARS = 1_000_000
# A file bigger than this is refused before it is read at all.
MAX_FILE_BYTES = 512 * 1024 * 1024
# Metadata fields the data model knows by name; everything else goes to `extra`.
META_FIELDS = ("title", "source", "author", "date", "url", "language")


@dataclass(slots=True)
class ImportedSpan:
    """A span found in an input file; offsets already refer to the normalised text."""

    start: int
    end: int
    label: str
    layer: str | None = None
    annotator: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    id: str | None = None
    origin: str = ""  # the suggestion it began as ("rule:…", "model:…"); "" typed by hand (last: readers pass id by position)


@dataclass(slots=True)
class ImportedLabel:
    """A document-level label found in an input file."""

    label: str
    layer: str | None = None
    annotator: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    id: str | None = None
    origin: str = ""


@dataclass(slots=True)
class ImportedDocument:
    """One document read from a file, before tokenisation and storage.

    `text` is already normalised (line endings `\\n`); `origin` names the file and,
    for multi-document files, the line or row, for messages.
    """

    text: str
    origin: str
    title: str = ""
    source: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    language: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    spans: list[ImportedSpan] = field(default_factory=list)
    labels: list[ImportedLabel] = field(default_factory=list)
    id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Options a user can pass to readers (CSV text column, JSONL defaults)."""

    text_column: str | None = None
    default_annotator: str | None = None
    default_layer: str | None = None


def is_uuid(value: object) -> bool:
    """True for a UUID string in any spelling `uuid.UUID` reads (what imports and merges accept)."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def is_whole_number(value: object) -> bool:
    """True for a JSON whole number (not a boolean, which Python counts as int)."""
    return isinstance(value, int) and not isinstance(value, bool)

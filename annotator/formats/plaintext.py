"""Reader for plain-text files (.txt): one file, one document, text kept exactly."""

from __future__ import annotations

from pathlib import Path

from annotator.formats.base import ImportedDocument, ReadOptions
from annotator.formats.text_io import (
    check_length,
    decode_bytes,
    first_line_title,
    normalise_newlines,
    read_file_bytes,
)


def read_plaintext(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a text file as one document titled by its first non-empty line."""
    text = normalise_newlines(decode_bytes(read_file_bytes(path), path))
    check_length(text, path)
    return [ImportedDocument(text=text, origin=str(path), title=first_line_title(text))]

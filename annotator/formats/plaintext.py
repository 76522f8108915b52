"""Reader for plain-text files (.txt): one file, one document, text kept exactly.

A .txt file has no title field, so one is guessed. Its first line is taken only when it
reads like a headline: at most HEADLINE_MAX_CHARS characters and not ending in a full
stop. News headlines are far shorter (search engines cut titles at about 60–70
characters, and the longest headline in our sample corpus has 61), so 120 leaves room
for a long headline with a subtitle, while the first sentence of a lede, which averages
well over 120 characters, is turned away; so is any line ending in a full stop, which
headlines never do. Otherwise the title is the file name, made readable.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotator.formats.base import ImportedDocument, ReadOptions
from annotator.formats.text_io import (
    check_length,
    decode_bytes,
    first_line_title,
    normalise_newlines,
    read_file_bytes,
)

HEADLINE_MAX_CHARS = 120
_LONE_HYPHEN = re.compile(r"(?<!\d)-|-(?!\d)")  # a hyphen not between two digits


def read_plaintext(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a text file as one document, titled by its headline or else by its file name."""
    text = normalise_newlines(decode_bytes(read_file_bytes(path), path))
    check_length(text, path)
    return [ImportedDocument(text=text, origin=str(path), title=plaintext_title(text, path))]


def plaintext_title(text: str, path: Path) -> str:
    """The first non-empty line if it looks like a headline, else the readable file name."""
    line = first_line_title(text)
    if line and looks_like_headline(line):
        return line
    return readable_name(path) or line


def looks_like_headline(line: str) -> bool:
    """Short (≤ HEADLINE_MAX_CHARS) and not ending in a full stop ("…" and "..." are not one)."""
    line = " ".join(line.split())
    if not line or len(line) > HEADLINE_MAX_CHARS:
        return False
    return not (line.endswith(".") and not line.endswith(".."))


def readable_name(path: Path) -> str:
    """A file name as a title: no extension, "_" and "-" as spaces (a hyphen between digits,
    as in a date, is kept), runs of spaces collapsed, the first letter in capitals."""
    stem = (path if isinstance(path, Path) else Path(path)).stem.replace("_", " ")
    stem = _LONE_HYPHEN.sub(" ", stem)
    stem = " ".join(stem.split())
    return stem[:1].upper() + stem[1:]

"""The import readers by format: pick one from a file's extension and expand folders.

Importing this module is cheap: each reader loads its third-party library (trafilatura,
python-docx, charset-normalizer) only when it is first used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ReadOptions
from annotator.formats.docx import read_docx
from annotator.formats.html import read_html
from annotator.formats.jsonl import read_jsonl
from annotator.formats.markdown import read_markdown
from annotator.formats.plaintext import read_plaintext
from annotator.formats.tabular import read_csv, read_tsv

Reader = Callable[[Path, ReadOptions], list[ImportedDocument]]


def _lazy(module: str, function: str) -> Reader:
    """A reader imported from annotator.formats.<module> when first used."""

    def read(path: Path, options: ReadOptions) -> list[ImportedDocument]:
        import importlib

        return getattr(importlib.import_module(f"annotator.formats.{module}"), function)(path, options)

    return read

# File extension (lower case) -> format name.
SUPPORTED: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".ann": "brat",
    ".xmi": "xmi",
    ".zip": "xmi",  # what our XMI export writes: the .xmi files and TypeSystem.xml, zipped
    ".qdpx": "qdpx",
    ".conll": "conll",
    ".conllu": "conllu",
    ".spacy": "spacy",
}
READERS: dict[str, Reader] = {
    "txt": read_plaintext,
    "md": read_markdown,
    "html": read_html,
    "docx": read_docx,
    "csv": read_csv,
    "tsv": read_tsv,
    "jsonl": read_jsonl,
    "brat": _lazy("brat", "read_brat"),
    "xmi": _lazy("xmi", "read_xmi"),
    "qdpx": _lazy("refi_qda", "read_qdpx"),
    "conll": _lazy("conll", "read_conll"),
    "conllu": _lazy("conllu", "read_conllu"),
    "spacy": _lazy("spacy_docbin", "read_docbin"),
    "webanno": _lazy("webanno_tsv", "read_webanno_tsv"),
}
FORMATS: tuple[str, ...] = tuple(READERS)
# Other names a user may give a format.
ALIASES = {"tsv3": "webanno", "webanno-tsv": "webanno", "inception": "xmi", "doccano": "jsonl", "prodigy": "jsonl"}
# How a WebAnno TSV file starts (it shares the .tsv extension with tables).
WEBANNO_START = b"#FORMAT=WebAnno TSV"


def _is_webanno_tsv(path: Path) -> bool:
    """True if the file starts as WebAnno TSV does (after a UTF-8 byte-order mark, if any)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(WEBANNO_START) + 3)
    except OSError:
        return False  # the reader says why
    return start.removeprefix(b"\xef\xbb\xbf").startswith(WEBANNO_START)


# How much of a file the CoNLL sniffing reads, and the most lines it looks at.
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 200
_CONLL_TAG = re.compile(r"^(O|[BIESLU]-\S+)$")


def looks_like_conll(path: Path) -> bool:
    """True if the file starts as a CoNLL column file does: a `-DOCSTART-` line (CoNLL-2003's
    eng.train, often renamed train.txt), our own `# global.columns` header, or lines of a token
    and tag columns whose last column is a BIO tag (O, B-X, I-X, …), at least one not O."""
    try:
        if not path.is_file():  # a FIFO or device would block the read: the reader refuses it
            return False
        with open(path, "rb") as handle:
            sample = handle.read(_SNIFF_BYTES)
    except OSError:
        return False  # the reader says why
    lines = sample.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").split("\n")
    if len(sample) == _SNIFF_BYTES:
        lines = lines[:-1]  # cut short by the sample
    # Line by line, stopping at the first row that is not columns: an article's headline
    # says "no" at once (this runs for every .txt file imported).
    first, rows, tagged = True, 0, False
    for line in lines[:_SNIFF_LINES]:
        row = line.split()
        if not row:
            continue
        if first:
            first = False
            if row[0] == "-DOCSTART-" or row[:2] == ["#", "global.columns"]:
                return True
        if row[0].startswith("#"):
            continue
        if not (2 <= len(row) <= 16 and _CONLL_TAG.match(row[-1])):
            return False
        rows += 1
        tagged = tagged or row[-1] != "O"
    return rows >= 3 and tagged


def detect_format(path: Path) -> str:
    """The format of a file from its extension (a .txt, or a file of unknown type, whose lines
    are CoNLL columns is CoNLL); other unknown extensions are refused."""
    path = path if isinstance(path, Path) else Path(path)
    suffix = path.suffix.lower()
    if SUPPORTED.get(suffix, "txt") == "txt" and looks_like_conll(path):
        return "conll"
    if suffix not in SUPPORTED:
        raise BadInputError(
            path,
            f"cannot be imported: the supported file types are {', '.join(SUPPORTED)}",
        )
    return SUPPORTED[suffix]


def read_documents(
    path: Path, fmt: str = "auto", options: ReadOptions = ReadOptions()
) -> list[ImportedDocument]:
    """Read all documents of one file; `fmt` is a format name or "auto" (by extension)."""
    path = path if isinstance(path, Path) else Path(path)
    name = detect_format(path) if fmt == "auto" else fmt.lower().lstrip(".")
    name = ALIASES.get(name, name)
    if name == "tsv" and fmt == "auto" and _is_webanno_tsv(path):
        name = "webanno"
    reader = READERS.get(SUPPORTED.get(f".{name}", name))
    if reader is None:
        raise BadInputError(
            path, f'unknown format "{fmt}"; the formats are auto, {", ".join(FORMATS)}'
        )
    return reader(path, options)


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given, and the supported files inside folders (recursively, sorted).

    Hidden files and folders (names starting with ".") and Office lock files ("~$…") are
    skipped; a path given twice is listed once; a missing path is refused.
    """
    expanded: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise BadInputError(path, "does not exist")
        if path.is_dir():
            found = _supported_files_in(path)
            if not found:
                raise BadInputError(
                    path, f"has no files to import (looked for {', '.join(SUPPORTED)})"
                )
            expanded.extend(found)
        else:
            expanded.append(path)
    return list(dict.fromkeys(expanded))


def _supported_files_in(folder: Path) -> list[Path]:
    """Supported, visible files anywhere below `folder`, sorted by path."""
    found: list[tuple[tuple[str, ...], str]] = []  # (path parts below folder, path)
    for root, folders, files in os.walk(folder):  # does not follow links to folders
        folders[:] = [name for name in folders if not name.startswith(".")]
        below = os.path.relpath(root, folder)
        parts = () if below == os.curdir else tuple(below.split(os.sep))
        names = set(files)
        for name in files:
            if name.startswith((".", "~$")):
                continue
            stem, suffix = os.path.splitext(name)
            suffix = suffix.lower()
            if suffix == ".txt" and stem + ".ann" in names:
                continue  # the text half of a brat pair: read with its .ann
            if suffix in SUPPORTED:
                found.append(((*parts, name), os.path.join(root, name)))
    return [Path(path) for _, path in sorted(found)]

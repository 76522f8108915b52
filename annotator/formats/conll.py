"""CoNLL-style BIO columns for sequence labelling: one token per line, a blank line between
sentences, one tag column per span layer and annotator.

Written (CoNLL-U Plus conventions for the comment lines):

    # global.columns = TOKEN START END Framing[ada] Overall%20stance[ada]
    # newdoc id = <document id>
    # title = <title>
    # text = <the document text as a JSON string>
    Mayor<TAB>0<TAB>5<TAB>O<TAB>B-Against

Tags carry no white space: whitespace-only readers (and the `conllu` package) would split a
label such as "Legality, law and order". White space (and "|", "=") in a label becomes "_"
(numbered where two labels would then meet); a `# labels = {…}` line maps each such tag
name back to its label, and the import reverses it; the report lists them.

START/END are code-point offsets; the `# text` line keeps the exact text (white space and
line breaks) so an import gives back the same document. Tokens are the project's tokens,
cut where a span edge falls inside one. BIO cannot carry two overlapping spans in one
column: the first (earliest, then longest) is kept and the others reported; a span edge in
white space moves to the nearest token; document labels, attributes, notes and ids are
not carried.

Read: files written here, and plain CoNLL (token first, BIO/BIOES tag last, columns split
by white space, `-DOCSTART-` between documents), whose text is rebuilt with single spaces
between tokens and line breaks between sentences.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ImportedSpan, ReadOptions
from annotator.formats.interchange import ExportContext, ExportDocument, OutputFiles, iter_lines, split_tokens
from annotator.formats.text_io import check_length, decode_bytes, first_line_title, read_file_bytes

_COLUMN = re.compile(r"^(.*)\[(.*)\]$")
_TAG = re.compile(r"^([BIES])-(.+)$")


# ----- writing ----------------------------------------------------------------------------------


_UNSAFE = re.compile(r"[\s|=]")


def tag_names(names: Iterable[str]) -> dict[str, str]:
    """Each name as it may stand in a tag or a CoNLL-U MISC entry: white space, "|" and "="
    become "_"; a name that would then equal another is numbered ("_2")."""
    names = list(dict.fromkeys(names))
    result = {name: name for name in names if not _UNSAFE.search(name)}
    used = set(result.values())
    for name in names:
        if name in result:
            continue
        base = candidate = _UNSAFE.sub("_", name)
        number = 2
        while candidate in used:
            candidate, number = f"{base}_{number}", number + 1
        result[name] = candidate
        used.add(candidate)
    return result


def renamed_line(names: dict[str, str]) -> str:
    """The `# labels = {tag name: label}` comment for the names tag_names changed ("" if none)."""
    changed = {safe: name for name, safe in names.items() if safe != name}
    return f"# labels = {json.dumps(changed, ensure_ascii=False)}\n" if changed else ""


def report_renamed(names: dict[str, str], context: ExportContext, imported_back: bool = True) -> None:
    """Say in the report which names were written changed, and how they come back."""
    changed = [f"{name!r} as {safe!r}" for name, safe in names.items() if safe != name]
    if changed:
        back = "; this program's import does so" if imported_back else ""
        context.remark("white space (and | =) in names replaced by _ so that white-space readers keep each tag "
                       f"whole (the file's '# labels' line maps them back{back}): " + "; ".join(changed))


def bio_tags(tokens: list[tuple[int, int]], spans: list[Any], context: ExportContext,
          names: dict[str, str] | None = None) -> list[str]:
    """One column of BIO tags for non-overlapping spans (others reported), each label
    written as `names` says."""
    tags = ["O"] * len(tokens)
    starts = [start for start, _ in tokens]
    ends = [end for _, end in tokens]
    taken_until = -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        first = bisect_left(ends, span.start + 1)  # first token ending after the span start
        last = bisect_right(starts, span.end - 1) - 1  # last token starting before the span end
        if first > last:
            context.not_carried("spans holding no token (white space only)", 1)
            continue
        if first <= taken_until:
            context.not_carried("overlapping spans in one layer and annotator (BIO keeps the first)", 1)
            continue
        if (starts[first], ends[last]) != (span.start, span.end):
            context.not_carried("spans with an edge in white space (moved to the token)", 1)
        label = span.label if names is None else names.get(span.label, span.label)
        tags[first] = f"B-{label}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{label}"
        taken_until = last
    return tags


def write_conll(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write every document to one CoNLL file."""
    columns = [(layer.name, person.name) for layer in context.layers if layer.kind == "span"
               for person in context.annotators]
    labels = tag_names(label.name for layer in context.layers if layer.kind == "span" for label in layer.labels)
    with files.file(out).open("w", encoding="utf-8", newline="\n") as handle:
        names = " ".join(f"{quote(layer, safe='')}[{quote(who, safe='')}]" for layer, who in columns)
        handle.write(f"# global.columns = TOKEN START END {names}\n")
        handle.write(renamed_line(labels))
        for item in documents:
            text = item.text
            spans = item.spans
            edges = {span.start for span in spans} | {span.end for span in spans}
            assert item.segmentation is not None
            tokens = split_tokens(item.segmentation.tokens, edges)
            grouped: dict[tuple[str, str], list[Any]] = {}
            for span in spans:
                grouped.setdefault((span.layer, span.annotator), []).append(span)
            tag_columns = [bio_tags(tokens, grouped.get(column, []), context, labels) for column in columns]
            handle.write(f"\n# newdoc id = {item.document.id}\n# title = {' '.join(item.document.title.split())}\n")
            handle.write(f"# text = {json.dumps(text, ensure_ascii=False)}\n")
            sentence_ends = list(item.segmentation.sentence_ends)
            sentence = 0
            for index, (start, end) in enumerate(tokens):
                while sentence < len(sentence_ends) and start >= sentence_ends[sentence]:
                    sentence += 1
                    if index:
                        handle.write("\n")
                word = re.sub(r"\s", "_", text[start:end])
                handle.write("\t".join([word, str(start), str(end), *(tags[index] for tags in tag_columns)]) + "\n")
            context.not_carried("document-level labels", len(item.labels))
            context.not_carried("relations between spans (the format has no links; JSONL, CSV, brat and Parquet carry them)", len(context.option("relations", {}).get(item.document.id, [])))
            context.not_carried("attribute values, notes and annotation ids of spans",
                                sum(1 for span in spans if span.attributes or span.note))
    report_renamed(labels, context)


# ----- reading ----------------------------------------------------------------------------------


class _Document:
    """A document being read: tokens with offsets, tags per column, text if given."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.id: str | None = None
        self.title = ""
        self.text: str | None = None
        self.rows: list[tuple[int, str, int | None, int | None, list[str]]] = []  # line, word, start, end, tags
        self.breaks: set[int] = set()  # row indices that start a new sentence


def read_conll(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read every document of a CoNLL file."""
    options = options or ReadOptions()
    content = decode_bytes(read_file_bytes(path), path)
    columns: list[tuple[str | None, str | None]] | None = None
    renamed: dict[str, str] = {}
    documents: list[_Document] = []
    current: _Document | None = None
    for number, line in iter_lines(content):
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            key, value = key.strip(), value.strip()
            if key == "global.columns":
                columns = _columns(value.split()[3:])
            elif key == "labels" and current is None:
                renamed = _renamed(value, path, number)
            elif key == "newdoc id":
                current = _Document(number)
                documents.append(current)
                current.id = value or None
            elif current is not None and key == "title":
                current.title = value
            elif current is not None and key == "text":
                try:
                    current.text = json.loads(value)
                except ValueError:
                    raise BadInputError(path, "the # text line is not a JSON string", line=number) from None
            continue
        if not line.strip():
            if current is not None:
                current.breaks.add(len(current.rows))
            continue
        parts = line.split("\t") if columns is not None else line.split()
        if parts[0] == "-DOCSTART-":
            current = None
            continue
        if current is None:
            current = _Document(number)
            documents.append(current)
        current.rows.append(_row(parts, columns, path, number))
    if not documents or not any(document.rows for document in documents):
        raise BadInputError(path, "has no tokens")
    return [_document(path, document, columns, options, renamed) for document in documents if document.rows]


def _renamed(value: str, path: Path, number: int) -> dict[str, str]:
    """The `# labels` line: tag name → label."""
    try:
        found = json.loads(value)
    except ValueError:
        found = None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        raise BadInputError(path, "the # labels line is not a JSON object of tag name: label", line=number)
    return found


def _columns(names: list[str]) -> list[tuple[str | None, str | None]]:
    found = []
    for name in names:
        match = _COLUMN.match(name)
        found.append((unquote(match.group(1)), unquote(match.group(2))) if match else (unquote(name), None))
    return found


def _row(parts: list[str], columns: Any, path: Path, number: int) -> tuple[int, str, int | None, int | None, list[str]]:
    if columns is not None:
        if len(parts) != 3 + len(columns):
            raise BadInputError(path, f"has {len(parts)} columns, the header names {3 + len(columns)}", line=number)
        try:
            start, end = int(parts[1]), int(parts[2])
        except ValueError:
            raise BadInputError(path, f"offsets {parts[1]!r}, {parts[2]!r} are not numbers", line=number) from None
        return number, parts[0], start, end, parts[3:]
    if len(parts) < 2:
        raise BadInputError(path, "a token line needs a token and a tag", line=number)
    return number, parts[0], None, None, [parts[-1]]


def _document(path: Path, document: _Document, columns: Any, options: ReadOptions,
              renamed: dict[str, str]) -> ImportedDocument:
    if document.text is not None:
        text = document.text
        offsets = []
        for number, word, start, end, _ in document.rows:
            if start is None or end is None or not 0 <= start < end <= len(text) \
                    or re.sub(r"\s", "_", text[start:end]) != word:
                raise BadInputError(path, f"token {word!r} does not match the text at {start}–{end}", line=number)
            offsets.append((start, end))
    else:
        pieces: list[str] = []
        offsets = []
        position = 0
        for index, (_, word, _, _, _) in enumerate(document.rows):
            if index:
                separator = "\n" if index in document.breaks else " "
                pieces.append(separator)
                position += 1
            pieces.append(word)
            offsets.append((position, position + len(word)))
            position += len(word)
        text = "".join(pieces)
    check_length(text, path, document.line)
    names = columns if columns is not None else [(options.default_layer, None)]
    spans: list[ImportedSpan] = []
    for column, (layer, annotator) in enumerate(names):
        spans += _spans(path, document, offsets, column, layer, annotator or options.default_annotator)
    for span in spans:
        span.label = renamed.get(span.label, span.label)
    return ImportedDocument(text=text, origin=f"{path}, line {document.line}", id=document.id,
                            title=document.title or first_line_title(text), spans=spans)


def _spans(path: Path, document: _Document, offsets: list[tuple[int, int]], column: int, layer: str | None,
           annotator: str | None) -> list[ImportedSpan]:
    spans: list[ImportedSpan] = []
    open_span: ImportedSpan | None = None
    for (number, _, _, _, tags), (start, end) in zip(document.rows, offsets):
        tag = tags[column]
        if tag == "O":
            open_span = None
            continue
        match = _TAG.match(tag)
        if match is None:
            raise BadInputError(path, f"tag {tag!r} is not O, B-, I-, E- or S- and a label", line=number)
        kind, label = match.groups()
        if kind in "BS" or open_span is None or open_span.label != label:
            open_span = ImportedSpan(start, end, label, layer, annotator)
            spans.append(open_span)
        else:
            open_span.end = end
        if kind in "ES":
            open_span = None
    return spans

"""CoNLL-U (Universal Dependencies' ten columns), as UD tools and the `conllu` package read
it: one sentence per block, tokens numbered from 1, the span layers' BIO tags in MISC.

    # newdoc id = <document id>
    # title = <title>
    # newdoc text = <the document text as a JSON string>
    # sent_id = <document id>-<sentence number>
    # text = <the sentence, line breaks as spaces>
    1<TAB>Mayor<TAB>_<TAB>_<TAB>_<TAB>_<TAB>_<TAB>_<TAB>_<TAB>Framing=B-Economic|TokenRange=0:5

MISC holds, per span layer, the tag of the token where it is not O (`Layer=B-Label`; with
several annotators selected `Layer[annotator]=B-Label`), then `SpaceAfter=No` where the
next token follows with no space, and `TokenRange=start:end` (code-point offsets in the
document text). Names are written without white space, "|" or "=" (conll.tag_names;
a `# labels` line before the first sentence maps them back). Tokens are the project's
tokens, cut where a span edge falls inside one; white space between tokens is not a token.
Not carried (as in CoNLL): overlapping spans in one layer and annotator, document labels,
attributes, notes and ids.

Read: files written here (the `# newdoc text` line gives the exact text, TokenRange the
offsets), and CoNLL-U from treebanks and other tools: the text rebuilt from the forms
(a space after each unless SpaceAfter=No, a line break between sentences), and a MISC
entry whose value is a BIO/BIOES tag read as a span of the layer it names (`NE=B-PER`).
Multiword-token ranges (`2-3`) and empty nodes (`2.1`) are passed over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ImportedSpan, ReadOptions
from annotator.formats.conll import bio_tags, renamed_line, report_renamed, tag_names
from annotator.formats.interchange import ExportContext, ExportDocument, OutputFiles, iter_lines, split_tokens
from annotator.formats.text_io import check_length, decode_bytes, first_line_title, read_file_bytes

_TAG = re.compile(r"^([BIES])-(.+)$")
_KEY = re.compile(r"^(.*)\[(.*)\]$")
# MISC entries of the CoNLL-U conventions: never a layer's tags.
_NOT_TAGS = frozenset({"SpaceAfter", "SpacesAfter", "SpacesBefore", "SpacesInToken", "TokenRange", "Translit",
                       "LTranslit", "Gloss", "Lang", "CorrectForm"})


def misc_keys(context: ExportContext, names: dict[str, str]) -> list[tuple[tuple[str, str], str]]:
    """For each (span layer, annotator) column, its MISC key."""
    one = len(context.annotators) == 1
    return [((layer.name, person.name),
             names[layer.name] if one else f"{names[layer.name]}[{names[person.name]}]")
            for layer in context.layers if layer.kind == "span" for person in context.annotators]


def write_conllu(documents: Iterator[ExportDocument], context: ExportContext, out: Path,
                 files: OutputFiles) -> None:
    """Write every document to one CoNLL-U file."""
    span_layers = [layer for layer in context.layers if layer.kind == "span"]
    names = tag_names([*(label.name for layer in span_layers for label in layer.labels),
                       *(layer.name for layer in span_layers), *(person.name for person in context.annotators)])
    columns = misc_keys(context, names)
    with files.file(out).open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("# global.columns = ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC\n")
        handle.write(renamed_line(names))
        if len(context.annotators) == 1:
            handle.write(f"# annotator = {context.annotators[0].name}\n")
        for item in documents:
            _write_document(handle, item, context, names, columns)
    report_renamed(names, context, imported_back=False)


def _write_document(handle: Any, item: ExportDocument, context: ExportContext, names: dict[str, str],
                    columns: list[tuple[tuple[str, str], str]]) -> None:
    """The sentences of one document."""
    text, spans = item.text, item.spans
    assert item.segmentation is not None
    edges = {span.start for span in spans} | {span.end for span in spans}
    tokens = [(start, end) for start, end in split_tokens(item.segmentation.tokens, edges)
              if text[start:end].strip()]
    grouped: dict[tuple[str, str], list[Any]] = {}
    for span in spans:
        grouped.setdefault((span.layer, span.annotator), []).append(span)
    tags = [(key, bio_tags(tokens, grouped.get(column, []), context, names)) for column, key in columns]
    sentences: list[list[int]] = []
    ends = list(item.segmentation.sentence_ends)
    sentence = 0
    for index, (start, _) in enumerate(tokens):
        fresh = not sentences
        while sentence < len(ends) and start >= ends[sentence]:
            sentence += 1
            fresh = True
        if fresh:
            sentences.append([])
        sentences[-1].append(index)
    document = item.document
    for number, members in enumerate(sentences, start=1):
        if number == 1:
            handle.write(f"# newdoc id = {document.id}\n# title = {' '.join(document.title.split())}\n")
            handle.write(f"# newdoc text = {json.dumps(text, ensure_ascii=False)}\n")
        first, last = tokens[members[0]], tokens[members[-1]]
        handle.write(f"# sent_id = {document.id}-{number}\n")
        handle.write(f"# text = {' '.join(text[first[0] : last[1]].split())}\n")
        for position, index in enumerate(members, start=1):
            start, end = tokens[index]
            misc = [f"{key}={column[index]}" for key, column in tags if column[index] != "O"]
            following = tokens[index + 1][0] if index + 1 < len(tokens) else len(text)
            if following == end and index + 1 < len(tokens):
                misc.append("SpaceAfter=No")
            misc.append(f"TokenRange={start}:{end}")
            form = " ".join(text[start:end].split()) or "_"
            handle.write("\t".join([str(position), form, "_", "_", "_", "_", "_", "_", "_", "|".join(misc)]) + "\n")
        handle.write("\n")
    context.not_carried("document-level labels", len(item.labels))
    context.not_carried("attribute values, notes and annotation ids of spans",
                        sum(1 for span in spans if span.attributes or span.note))


# ----- reading ----------------------------------------------------------------------------------


@dataclass
class _Token:
    """One token line: where it is in the file, its form, MISC entries and sentence start."""

    line: int
    form: str
    misc: dict[str, str]
    starts_sentence: bool


@dataclass
class _Document:
    """A document being read."""

    line: int
    id: str | None = None
    title: str = ""
    text: str | None = None
    tokens: list[_Token] = field(default_factory=list)


def read_conllu(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read every document of a CoNLL-U file (one document if it names none)."""
    options = options or ReadOptions()
    path = Path(path)
    content = decode_bytes(read_file_bytes(path), path)
    renamed: dict[str, str] = {}
    annotator: str | None = None
    documents: list[_Document] = []
    fresh_sentence = True
    for number, line in iter_lines(content):
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            key, value = key.strip(), value.strip()
            if key in ("newdoc", "newdoc id"):
                documents.append(_Document(number, value or None))
            elif key == "labels" and not documents:
                renamed = _json(value, dict, path, number)
            elif key == "annotator" and not documents:
                annotator = value or None
            elif key == "title" and documents:
                documents[-1].title = value
            elif key == "newdoc text" and documents:
                documents[-1].text = _json(value, str, path, number)
            continue
        if not line.strip():
            fresh_sentence = True
            continue
        columns = line.split("\t")
        if len(columns) != 10:
            raise BadInputError(path, f"has {len(columns)} columns; a CoNLL-U token line has 10", line=number)
        if not columns[0].isdigit():  # a multiword range (2-3) or an empty node (2.1)
            continue
        if not documents:
            documents.append(_Document(number))
        misc = {} if columns[9] == "_" else dict(item.partition("=")[::2] for item in columns[9].split("|"))
        documents[-1].tokens.append(_Token(number, columns[1], misc, fresh_sentence))
        fresh_sentence = False
    found = [_document(path, document, renamed, annotator or options.default_annotator)
             for document in documents if document.tokens]
    if not found:
        raise BadInputError(path, "has no tokens")
    return found


def _json(value: str, kind: type, path: Path, number: int) -> Any:
    """A comment's JSON value of the given kind, or BadInputError."""
    try:
        found = json.loads(value)
    except ValueError:
        found = None
    if not isinstance(found, kind):
        raise BadInputError(path, f"the comment's value is not a JSON {kind.__name__}", line=number)
    return found


def _document(path: Path, document: _Document, renamed: dict[str, str], annotator: str | None) -> ImportedDocument:
    """The text (given, or rebuilt from the forms) and the spans of one document."""
    offsets = _offsets(path, document)
    text = document.text if document.text is not None else _rebuilt(document, offsets)
    check_length(text, path, document.line)
    spans: list[ImportedSpan] = []
    open_spans: dict[str, ImportedSpan] = {}
    for token, (start, end) in zip(document.tokens, offsets):
        tags = {key: value for key, value in token.misc.items() if key not in _NOT_TAGS and _TAG.match(value)}
        for key in list(open_spans):
            if key not in tags:
                del open_spans[key]
        for key, tag in tags.items():
            kind, label = _TAG.match(tag).groups()  # type: ignore[union-attr]
            label = renamed.get(label, label)
            current = open_spans.get(key)
            if kind in "BS" or current is None or current.label != label:
                layer, who = _column(key, renamed, annotator)
                current = open_spans[key] = ImportedSpan(start, end, label, layer, who)
                spans.append(current)
            else:
                current.end = end
            if kind in "ES":
                del open_spans[key]
    return ImportedDocument(text=text, origin=f"{path}, line {document.line}", id=document.id,
                            title=document.title or first_line_title(text), spans=spans)


def _column(key: str, renamed: dict[str, str], annotator: str | None) -> tuple[str, str | None]:
    """The layer and annotator a MISC key names ("Layer" or "Layer[annotator]")."""
    match = _KEY.match(key)
    if match is None:
        return renamed.get(key, key), annotator
    return renamed.get(match[1], match[1]), renamed.get(match[2], match[2])


def _offsets(path: Path, document: _Document) -> list[tuple[int, int]]:
    """Each token's offsets: its TokenRange in the given text, or its place in the rebuilt one."""
    if document.text is not None:
        offsets = []
        for token in document.tokens:
            start, _, end = token.misc.get("TokenRange", "").partition(":")
            if not (start.isdigit() and end.isdigit()) or not 0 <= int(start) < int(end) <= len(document.text) \
                    or " ".join(document.text[int(start) : int(end)].split()) != token.form:
                raise BadInputError(path, f"token {token.form!r} does not match the text at its TokenRange",
                                    line=token.line)
            offsets.append((int(start), int(end)))
        return offsets
    offsets, position = [], 0
    for index, token in enumerate(document.tokens):
        if index:
            position += 1 if token.starts_sentence or document.tokens[index - 1].misc.get("SpaceAfter") != "No" else 0
        offsets.append((position, position + len(token.form)))
        position += len(token.form)
    return offsets


def _rebuilt(document: _Document, offsets: list[tuple[int, int]]) -> str:
    """The text of a document that does not carry it: forms, spaces, line breaks."""
    pieces: list[str] = []
    for index, (token, (start, _)) in enumerate(zip(document.tokens, offsets)):
        if index:
            gap = start - offsets[index - 1][1]
            pieces.append(("\n" if token.starts_sentence else " ") * gap)
        pieces.append(token.form)
    return "".join(pieces)

"""CoNLL-U (Universal Dependencies' ten columns), as UD tools and the `conllu` package read
it: one sentence per block, tokens numbered from 1, the span layers' BIO tags in MISC.

    # newdoc id = <document id>
    # title = <title>
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
attributes, notes and ids; the text's own white space (only SpaceAfter=No is kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.formats.conll import bio_tags, renamed_line, report_renamed, tag_names
from annotator.formats.interchange import ExportContext, ExportDocument, OutputFiles, split_tokens


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

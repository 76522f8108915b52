"""spaCy DocBin (.spacy): one SpanGroup per layer in doc.spans, document labels in doc.cats.

Tokens are the project's stored tokens, with whitespace between them kept as spaCy does
(a single space as a token's trailing whitespace, anything else as a whitespace token), so
`doc.text` is the document text exactly. A span edge inside a token cuts the token there,
so every span keeps its exact characters. Each SpanGroup's `attrs` holds, in span order,
the annotation ids, annotators, attribute values and notes; `doc.user_data
["discourse_annotator"]` holds the document's metadata and its document-level labels in
full; `doc.cats` gives each document label the share of annotators who chose it.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ImportedLabel, ImportedSpan, ReadOptions
from annotator.formats.interchange import ExportContext, ExportDocument, OutputFiles, covering_pieces
from annotator.formats.text_io import assign_metadata, check_length, first_line_title, read_file_bytes

# A DocBin is zlib-compressed: refuse one that unpacks to more than this before spaCy reads it.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024

USER_DATA_KEY = "discourse_annotator"
# Token attributes stored: only the words (spaces are always stored). Our Docs have no tags,
# lemmas, parses or entities, and spaCy's default list would store twelve empty columns
# per token: ten times the data to compress.
DOCBIN_ATTRS = ("ORTH",)


def _words_on_tokens(text: str, starts: Any, ends: Any) -> tuple[list[str], list[bool], list[int]]:
    """spaCy words and trailing-space flags from the stored tokens: the white space between
    two tokens is the first one's trailing space (one space) or a whitespace token. Also
    where each token went: word index = token index + shift[token index]."""
    if not len(starts):
        return ([text], [False], []) if text else ([], [], [])
    words = [text[start:end] for start, end in zip(starts, ends)]
    gaps = [text[end:start] for end, start in zip(ends, starts[1:])]
    gaps.append(text[ends[-1] :])
    spaces = [gap == " " for gap in gaps]
    odd = [index for index, gap in enumerate(gaps) if gap and gap != " "]
    for index in reversed(odd):  # a handful per document: paragraph breaks, double spaces
        words.insert(index + 1, gaps[index])
        spaces.insert(index + 1, False)
    lead = 1 if starts[0] else 0
    if lead:
        words.insert(0, text[: starts[0]])
        spaces.insert(0, False)
    shift = [lead] * len(starts)
    for count, index in enumerate(odd, start=1):
        shift[index + 1 :] = [lead + count] * (len(starts) - index - 1)
    return words, spaces, shift


def _edges_on_tokens(starts: Any, ends: Any, spans: list[Any]) -> bool:
    """True if every span starts where a token starts and ends where a token ends."""
    for span in spans:
        first = bisect_left(starts, span.start)
        last = bisect_left(ends, span.end)
        if first == len(starts) or starts[first] != span.start or last == len(ends) or ends[last] != span.end:
            return False
    return True


def _inside_token(starts: Any, ends: Any, position: int) -> bool:
    """True if `position` falls strictly inside a token."""
    index = bisect_right(starts, position) - 1
    return index >= 0 and starts[index] < position < ends[index]


@contextmanager
def _encoders_looked_up_once() -> Iterator[None]:
    """srsly looks up its msgpack encoders (scanning every installed package's entry points
    and spaCy's whole registry) each time it packs anything, which is most of the time of
    DocBin.add; while we write, the lookup is done once and reused."""
    from srsly import msgpack

    registry = msgpack.msgpack_encoders
    if "get_all" in vars(registry):  # another export (another thread) already did it
        yield
        return
    found = registry.get_all()
    registry.get_all = lambda: found  # an instance attribute, removed below
    try:
        yield
    finally:
        vars(registry).pop("get_all", None)


def build_doc(vocab: Any, item: ExportDocument, context: ExportContext,
              categories: dict[tuple[str, str], str] | None = None) -> tuple[Any, list[str], int]:
    """The spaCy Doc of one document, its words, and how many tokens were cut at span edges."""
    from spacy.tokens import Doc, Span, SpanGroup

    text = item.text
    spans = item.spans
    segmentation = item.segmentation
    starts, ends = (segmentation.token_starts, segmentation.token_ends) if segmentation is not None else ([], [])
    cut = 0
    shift: list[int] | None = None
    if _edges_on_tokens(starts, ends, spans):
        words, spaces, shift = _words_on_tokens(text, starts, ends)
    else:  # cut tokens (and white space) at every span edge; no trailing-space merging
        edges = {span.start for span in spans} | {span.end for span in spans}
        cut = sum(1 for edge in edges if _inside_token(starts, ends, edge))
        pieces = covering_pieces(text, list(zip(starts, ends)), edges)
        words, spaces = [text[start:end] for start, end in pieces], [False] * len(pieces)
    doc = Doc(vocab, words=words, spaces=spaces)
    by_layer: dict[str, list[Any]] = defaultdict(list)
    for span in spans:
        by_layer[span.layer].append(span)
    for layer in context.layers:
        if layer.kind != "span":
            continue
        chosen = by_layer.get(layer.name, [])
        made = []
        for span in chosen:
            if shift is not None:  # spans on token edges: word indices straight from the tokens
                first, last = bisect_left(starts, span.start), bisect_left(ends, span.end)
                found = Span(doc, first + shift[first], last + shift[last] + 1, label=span.label, span_id=span.id)
            else:
                found = doc.char_span(span.start, span.end, label=span.label, span_id=span.id)
            assert found is not None, span  # tokens were cut at every edge off a token edge
            made.append(found)
        doc.spans[layer.name] = SpanGroup(doc, name=layer.name, spans=made, attrs={
            "ids": [span.id for span in chosen],
            "annotators": [span.annotator for span in chosen],
            "attributes": [dict(span.attributes) for span in chosen],
            "notes": [span.note for span in chosen],
        })
    doc.cats = _cats(item, categories if categories is not None else category_names(context))
    document = item.document
    doc.user_data[USER_DATA_KEY] = {
        "id": document.id, "title": document.title, "source": document.source, "author": document.author,
        "date": document.date, "url": document.url, "language": document.language, "meta": dict(document.meta),
        "labels": [{"id": label.id, "layer": label.layer, "label": label.label, "annotator": label.annotator,
                    "attributes": dict(label.attributes), "note": label.note} for label in item.labels],
    }
    return doc, words, cut


def category_names(context: ExportContext) -> dict[tuple[str, str], str]:
    """The doc.cats key of each document label: the label's name, or "Layer: Label" when
    two document layers share a label name (ignoring case: a textcat pipeline that
    lower-cases labels would merge them)."""
    pairs = [(layer.name, label.name) for layer in context.layers if layer.kind == "document"
             for label in layer.labels]
    seen: dict[str, int] = defaultdict(int)
    for _, label in pairs:
        seen[label.casefold()] += 1
    return {(layer, label): label if seen[label.casefold()] == 1 else f"{layer}: {label}" for layer, label in pairs}


def _cats(item: ExportDocument, names: dict[tuple[str, str], str]) -> dict[str, float]:
    """For each document layer someone labelled here: the share of those annotators who
    chose each of its labels."""
    voters: dict[str, set[str]] = defaultdict(set)
    votes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for label in item.labels:
        voters[label.layer].add(label.annotator)
        votes[(label.layer, label.label)].add(label.annotator)
    cats: dict[str, float] = {}
    for (layer, label), key in names.items():
        if layer in voters:
            cats[key] = len(votes.get((layer, label), ())) / len(voters[layer])
    return cats


def _plain_docbin_class() -> Any:
    """A DocBin whose `add` does the string bookkeeping of Docs that carry words, spans, cats
    and user data only (no tags, lemmas, morphology, parses or entities, as our Docs): the
    file is byte for byte what DocBin writes (tested), in a third of the time, because the
    stock `add` reads nine string attributes of every token."""
    import srsly
    from spacy.attrs import SPACY
    from spacy.tokens import DocBin

    class PlainDocBin(DocBin):  # type: ignore[misc]
        """DocBin for Docs without tags, lemmas, morphology, parses or entities."""

        def add(self, doc: Any, words: list[str] | None = None) -> None:
            """Add a Doc; `words` (its token texts, if at hand) saves reading them again."""
            if words is None:
                words = [token.text for token in doc]
            tokens = doc.to_array(self.attrs)
            self.tokens.append(tokens.reshape((tokens.shape[0], -1)) if tokens.ndim == 1 else tokens)
            self.spaces.append(doc.to_array(SPACY).reshape((-1, 1)).astype(bool))
            self.flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
            self.strings.add("")
            self.strings.update(words)
            seen = self.__dict__.setdefault("words_seen", set())
            for word in set(words).difference(seen):  # a word's norm is looked up once
                seen.add(word)
                self.strings.add(doc.vocab[word].norm_)
            self.cats.append(doc.cats)
            if self.store_user_data:
                self.user_data.append(srsly.msgpack_dumps(doc.user_data))
            self.span_groups.append(doc.spans.to_bytes())
            for group in doc.spans.values():
                for span in group:
                    self.strings.add(span.label_)
                    if span.id in doc.vocab.strings:
                        self.strings.add(span.id_)

    return PlainDocBin


def write_docbin(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write every document into one DocBin file."""
    from spacy.vocab import Vocab

    vocab = Vocab()
    docbin = _plain_docbin_class()(attrs=DOCBIN_ATTRS, store_user_data=True)
    cut = 0
    categories = category_names(context)
    qualified = [key for (_, label), key in categories.items() if key != label]
    if qualified:
        context.remark("doc.cats keys qualified by layer where two document layers share a label name: "
                       + "; ".join(qualified))
    annotators_seen: set[str] = set()
    with _encoders_looked_up_once():
        for item in documents:
            context.not_carried("relations between spans (the format has no links; JSONL, CSV, brat and Parquet carry them)", len(context.option("relations", {}).get(item.document.id, [])))
            doc, words, pieces_cut = build_doc(vocab, item, context, categories)
            cut += pieces_cut
            annotators_seen.update(label.annotator for label in item.labels)
            docbin.add(doc, words)
        docbin.to_disk(files.file(out))
    context.not_carried("tokens cut where a span edge fell inside a word (doc tokens differ from the project's)", cut)
    if len(annotators_seen) > 1:
        context.not_carried("annotators pooled into doc.cats as shares (each label's annotator is kept in "
                            "doc.user_data)", len(annotators_seen))


# ----- reading ----------------------------------------------------------------------------------


def _check_unpacked_size(data: bytes, path: Path) -> None:
    """Refuse a DocBin that is not zlib data or unpacks to more than MAX_UNPACKED_BYTES."""
    unpacker = zlib.decompressobj()
    total = 0
    chunk = data
    try:
        while chunk:
            total += len(unpacker.decompress(chunk, 16 * 1024 * 1024))
            if total > MAX_UNPACKED_BYTES:
                raise BadInputError(path, f"unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
            chunk = unpacker.unconsumed_tail
    except zlib.error as error:
        raise BadInputError(path, f"is not a spaCy DocBin ({error})") from None


def read_docbin(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read the documents of a .spacy DocBin: span groups as layers (with the ids, annotators,
    attributes and notes this program writes), document labels from its user data, or from
    doc.cats (a score of at least 0.5) when another program wrote the file."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    options = options or ReadOptions()
    path = Path(path)
    data = read_file_bytes(path)
    _check_unpacked_size(data, path)
    try:
        docs = list(DocBin().from_bytes(data).get_docs(Vocab()))
    except Exception as error:  # spaCy and msgpack raise many kinds for a damaged file
        raise BadInputError(path, f"is not a readable spaCy DocBin ({type(error).__name__}: {error})") from None
    return [_document(doc, f"{path}, doc {number}", options) for number, doc in enumerate(docs, start=1)]


def _document(doc: Any, origin: str, options: ReadOptions) -> ImportedDocument:
    text = doc.text
    check_length(text, origin)
    ours = doc.user_data.get(USER_DATA_KEY)
    ours = ours if isinstance(ours, dict) else None
    if "\r" in text:
        raise BadInputError(origin, "the text has CR line ends; offsets would move")
    document = ImportedDocument(text=text, origin=origin)
    for name, group in doc.spans.items():
        attrs = group.attrs
        count = len(group)
        ids, annotators = _listed(attrs, "ids", count), _listed(attrs, "annotators", count)
        attributes, notes = _listed(attrs, "attributes", count), _listed(attrs, "notes", count)
        for index, span in enumerate(group):
            document.spans.append(ImportedSpan(
                span.start_char, span.end_char, span.label_, name, annotators[index] or options.default_annotator,
                dict(attributes[index] or {}), notes[index] or "", ids[index] or None))
    if ours is not None:
        meta = {key: ours.get(key) for key in ("title", "source", "author", "date", "url", "language")}
        meta.update(ours.get("meta") or {})
        assign_metadata(document, meta)
        document.id = ours.get("id") or None
        for label in ours.get("labels") or ():
            document.labels.append(ImportedLabel(label["label"], label.get("layer"), label.get("annotator"),
                                                 dict(label.get("attributes") or {}), label.get("note") or "",
                                                 label.get("id")))
    else:
        for name, score in doc.cats.items():
            if score >= 0.5:
                document.labels.append(ImportedLabel(name, options.default_layer, options.default_annotator))
    document.title = document.title or first_line_title(text)
    return document


def _listed(attrs: Any, key: str, count: int) -> list[Any]:
    """attrs[key] as a list of `count` items (None where missing)."""
    values = list(attrs.get(key) or ())
    return values + [None] * (count - len(values)) if len(values) < count else values[:count]

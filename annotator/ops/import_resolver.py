"""How an import's labels find their layers, and what a file's per-annotator status becomes.

Labels that name no layer (doccano, Prodigy, brat, CoNLL) go to the layer given with
`--layer`, or to the one layer holding a label of that name; with `--add-labels` a missing
layer is created with character granularity (the file's offsets are kept exactly) and
missing labels and attributes are added — every addition named in the import report.

Names are untrusted: label and layer names are compared and stored in Unicode NFC (a file
spelling "Crème" decomposed finds the codebook's "Crème"); a name holding a control or
bidirectional-control character (U+202E would show the codebook's names reversed) is refused,
and so is a new name over MAX_NAME_CHARS characters — in one line naming the file and label.
"""

from __future__ import annotations

import sys
import unicodedata
from array import array
from typing import TYPE_CHECKING, Any

from ..errors import BadInputError
from ..formats.base import ImportedDocument, ImportedLabel, ImportedSpan
from ..model import Label, Layer, Role, Status
from ..nlp import Segmented
from ..project import Project
from ..project.history import now

if TYPE_CHECKING:
    from .import_report import ImportReport

DEFAULT_SPAN_LAYER = "Imported labels"
DEFAULT_DOCUMENT_LAYER = "Imported document labels"
# The longest label, layer or attribute name an import may add to the codebook.
MAX_NAME_CHARS = 200
# Characters that reorder the text around them (Unicode bidirectional controls).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown(name: str) -> str:
    """A name as a message may print it: control characters escaped, cut after 40 characters."""
    cut = name[:40] + ("…" if len(name) > 40 else "")
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS else c
                   for c in cut)


def clean_name(name: str, what: str, origin: str) -> str:
    """`name` in NFC; refuses (naming `origin` and the name) control and bidi characters."""
    name = unicodedata.normalize("NFC", name)
    for char in name:
        if unicodedata.category(char) == "Cc":
            raise BadInputError(origin, f'{what} "{_shown(name)}" holds a control character (U+{ord(char):04X})')
        if char in _BIDI_CONTROLS:
            raise BadInputError(origin, f'{what} "{_shown(name)}" holds a bidirectional control character '
                                        f"(U+{ord(char):04X}), which would reorder the text shown around it")
    return name


def _check_new_name(name: str, what: str, origin: str) -> None:
    """Refuse a name too long to add to the codebook."""
    if len(name) > MAX_NAME_CHARS:
        raise BadInputError(origin, f'{what} "{_shown(name)}" is {len(name):,} characters long '
                                    f"(at most {MAX_NAME_CHARS}); shorten it in the file")


def _compact(name: str) -> str:
    """A name reduced to lower-case letters and digits: how a UIMA type or feature name
    ("RhetoricalDevice") is matched to the layer or attribute it was written from."""
    return "".join(char for char in name.casefold() if char.isalnum())


class Resolver:
    """Maps imported spans/labels to codebook layers, adding layers, labels and attributes
    when allowed (--add-labels); `default_layer` (--layer) takes every label that names none."""

    def __init__(self, project: Project, add_labels: bool, report: ImportReport,
                 default_layer: str | None = None) -> None:
        self.project = project
        self.add_labels = add_labels
        self.report = report
        self.default_layer = default_layer

    def layer_for(self, layer: str | None, label: str, kind: str, origin: str) -> str:
        """The codebook layer an imported label goes to (it may still have to be created)."""
        book = self.project.codebook.get()
        if layer is not None:
            if book.layer(layer) is not None:
                return layer
            similar = [item.name for item in book.layers if _compact(item.name) == _compact(layer)]
            if len(similar) == 1:  # a type name written from a layer name ("RhetoricalDevice")
                return similar[0]
            if not self.add_labels:
                raise BadInputError(origin, f'layer "{layer}" is not in the codebook (--add-labels adds it)')
            return layer
        if self.default_layer:
            return self.default_layer
        candidates = [item.name for item in book.layers if item.kind == kind and item.label(label) is not None]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise BadInputError(
                origin, f'label "{label}" is in several {kind} layers ({", ".join(candidates)}); '
                "choose one with --layer NAME")
        if self.add_labels:
            return DEFAULT_SPAN_LAYER if kind == "span" else DEFAULT_DOCUMENT_LAYER
        raise BadInputError(
            origin, f'label "{label}" names no layer and is in no {kind} layer of the codebook; '
            "put such labels in a layer with --layer NAME (--add-labels creates it)")

    def ensure(self, layer: str, label: str, kind: str, origin: str) -> None:
        """Check layer/label exist, or add them (inside the caller's transaction)."""
        store = self.project.codebook
        found = store.get().layer(layer)
        if found is not None and found.kind != kind:
            hint = " (give document labels another layer)" if layer == self.default_layer else ""
            raise BadInputError(
                origin, f'layer "{layer}" labels {found.kind}s, but the file puts a {kind} label in it{hint}')
        if found is not None and found.label(label) is not None:
            return
        if not self.add_labels:
            raise BadInputError(
                origin, f'label "{label}" of layer "{layer}" is not in the codebook (--add-labels adds it)'
            )
        _check_new_name(label, "label", origin)
        if found is None:
            _check_new_name(layer, "layer", origin)
            # Character granularity: the imported offsets are kept exactly, wherever they fall.
            store.add_layer(Layer(layer, kind=kind, granularity="character", overlap="allow",  # type: ignore[arg-type]
                                  multiple=True))
            self.report.created_layers.append(f"{layer} (span, character granularity, overlap allowed)" if kind == "span"
                                              else f"{layer} (document labels, several per document)")
        store.add_label(layer, Label(label))
        self.report.added_labels.append(f"{layer}: {label}")

    def attributes(self, item: ImportedSpan | ImportedLabel, origin: str) -> None:
        """Match the item's attribute names to its layer's (a UIMA feature name to the
        attribute it was written from); with --add-labels, add the attributes the layer lacks."""
        if not item.attributes or item.layer is None:
            return
        layer = self.project.codebook.get().layer(item.layer)
        assert layer is not None
        renamed: dict[str, Any] = {}
        for name, value in item.attributes.items():
            if layer.attribute(name) is None:
                similar = [a.name for a in layer.attributes if _compact(a.name) == _compact(name)]
                if len(similar) == 1:
                    name = similar[0]
                elif value is None or value == "":
                    continue  # an unset feature of another tool's type: nothing to keep
                elif not self.add_labels:
                    raise BadInputError(origin, f'layer "{layer.name}" has no attribute "{name}" '
                                                "(--add-labels adds it)")
                else:
                    name = clean_name(str(name), "attribute", origin)
                    _check_new_name(name, "attribute", origin)
                    kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "text"
                    position = len(layer.attributes)
                    self.project.db.execute(
                        "INSERT INTO attributes (layer_id, name, type, choices, minimum, maximum, description, "
                        "position) VALUES (?, ?, ?, '[]', NULL, NULL, '', ?)", [layer.id, name, kind, position])
                    self.project.codebook.invalidate()
                    layer = self.project.codebook.get().layer(item.layer)
                    assert layer is not None
                    self.report.added_labels.append(f"{item.layer}: attribute {name} ({kind})")
            renamed[name] = value
        item.attributes = renamed


def check_document(doc: ImportedDocument, resolver: Resolver) -> list[tuple[str, str, str]]:
    """Resolve the layer of every span/label; returns (layer, label, kind) triples."""
    pairs = []
    length = len(doc.text)
    for number, span in enumerate(doc.spans, 1):
        if not (isinstance(span.start, int) and isinstance(span.end, int) and 0 <= span.start < span.end <= length):
            raise BadInputError(
                doc.origin, f"span {number} ({span.start}–{span.end}, {span.label}) is outside the text (0–{length}) or empty"
            )
        span.label = clean_name(span.label, "label", doc.origin)
        span.layer = None if span.layer is None else clean_name(span.layer, "layer", doc.origin)
        span.layer = resolver.layer_for(span.layer, span.label, "span", doc.origin)
        pairs.append((span.layer, span.label, "span"))
    for item in doc.labels:
        item.label = clean_name(item.label, "label", doc.origin)
        item.layer = None if item.layer is None else clean_name(item.layer, "layer", doc.origin)
        item.layer = resolver.layer_for(item.layer, item.label, "document", doc.origin)
        pairs.append((item.layer, item.label, "document"))
    return pairs


def off_boundaries(project: Project, start: int | None, end: int | None, layer_name: str | None,
                   segmented: Segmented, edges: dict[str, tuple[set[int], set[int]]]) -> str:
    """"layer\tgranularity" if an imported span does not start and end on the token (or
    sentence) boundaries its layer snaps new spans to; "" if it does, or the layer does not snap.
    Such a span is kept as the file gives it; the import report counts them per layer. `edges`
    keeps the document's (starts, ends) by granularity between calls."""
    if start is None:
        return ""
    layer = project.codebook.layer(layer_name or "")
    if layer.granularity not in ("token", "sentence"):
        return ""
    if layer.granularity not in edges:
        pairs = array("I")
        pairs.frombytes(segmented.tokens if layer.granularity == "token" else segmented.sentences)
        if sys.byteorder == "big":  # pragma: no cover - stored little endian everywhere
            pairs.byteswap()
        edges[layer.granularity] = set(pairs[0::2]), set(pairs[1::2])
    starts, ends = edges[layer.granularity]
    if start in starts and end in ends:
        return ""
    return f"{layer.name}\t{layer.granularity}"


# How native JSONL files spell a status (DESIGN.md: not started / in progress / done).
STATUS_SPELLINGS = {"not started": Status.NOT_STARTED, "not_started": Status.NOT_STARTED,
                    "in progress": Status.IN_PROGRESS, "in_progress": Status.IN_PROGRESS, "done": Status.DONE}


def store_status(project: Project, document_id: str, status: dict[str, str], origin: str) -> tuple[int, list[str]]:
    """Store each annotator's status on the document where the project has none (inside the
    caller's transaction); returns how many were stored and a conflict line per status that
    differs from the project's (the project's is kept)."""
    stored, conflicts = 0, []
    for name, value in status.items():
        wanted = STATUS_SPELLINGS[value]
        annotator_id = project.annotators.ensure(name, Role.CURATOR if name == "curator" else Role.ANNOTATOR).id
        row = project.db.execute("SELECT status FROM document_status WHERE document_id = ? AND annotator_id = ?",
                                 [document_id, annotator_id]).fetchone()
        if row is not None:
            if row[0] != wanted.value:
                conflicts.append(f'{origin}: {name}\'s status is "{wanted.value}" in the file but "{row[0]}" in '
                                 "the project; kept the project's")
            continue
        if wanted is Status.NOT_STARTED:
            continue
        project.db.execute("INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
                           "VALUES (?, ?, ?, ?)", [document_id, annotator_id, wanted.value, now()])
        stored += 1
    return stored, conflicts

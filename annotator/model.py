"""Plain typed records of the data model: codebook, documents, annotators, annotations.

Offsets everywhere are Python string indices (Unicode code points), end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

LayerKind = Literal["span", "document"]
Granularity = Literal["token", "character", "sentence"]
# allow: spans of the layer may overlap freely; nested: may nest but not cross;
# forbid: one annotator's spans in the layer may not overlap at all.
OverlapRule = Literal["allow", "nested", "forbid"]
AttributeType = Literal["text", "choice", "int", "bool"]

LAYER_KINDS: tuple[str, ...] = ("span", "document")
GRANULARITIES: tuple[str, ...] = ("token", "character", "sentence")
OVERLAP_RULES: tuple[str, ...] = ("allow", "nested", "forbid")
ATTRIBUTE_TYPES: tuple[str, ...] = ("text", "choice", "int", "bool")


@dataclass(frozen=True, slots=True)
class AttributeDef:
    """A typed attribute of a layer's annotations (e.g. Stance: target, intensity)."""

    name: str
    type: AttributeType = "text"
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Label:
    """A code of a layer, with the guidelines an annotator needs to apply it."""

    name: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    colour: str = "#BBBBBB"
    key: str = ""
    parent: str | None = None
    id: int | None = None
    # Rule patterns: a phrase (matched on tokens, ignoring case), or a spaCy Matcher token
    # pattern written as a JSON array ('[{"LOWER": "tax"}, {"LOWER": "cut"}]').
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Layer:
    """A family of labels applied either to spans of text or to whole documents."""

    name: str
    kind: LayerKind = "span"
    granularity: Granularity = "token"
    overlap: OverlapRule = "allow"
    multiple: bool = True
    description: str = ""
    labels: tuple[Label, ...] = ()
    attributes: tuple[AttributeDef, ...] = ()
    id: int | None = None
    # Suggestions from a model trained on others' or gold coding are shown (a project setting).
    shared_suggestions: bool = False

    def label(self, name: str) -> Label | None:
        """The label called `name` in this layer, or None."""
        for label in self.labels:
            if label.name == name:
                return label
        return None

    def attribute(self, name: str) -> AttributeDef | None:
        """The attribute definition called `name`, or None."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None


@dataclass(frozen=True, slots=True)
class RelationType:
    """A typed link between two spans (e.g. Stance → Target), with the layers (and labels)
    it may connect: an empty tuple allows any span layer (any label)."""

    name: str
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    source_layers: tuple[str, ...] = ()
    target_layers: tuple[str, ...] = ()
    source_labels: tuple[str, ...] = ()
    target_labels: tuple[str, ...] = ()
    directed: bool = True
    colour: str = "#444444"
    key: str = ""
    attributes: tuple[AttributeDef, ...] = ()
    id: int | None = None

    def refusal(self, source: tuple[str, str], target: tuple[str, str]) -> str | None:
        """Why this type may not link a (layer, label) span to another (None: it may)."""
        for (layer, label), layers, labels, end in ((source, self.source_layers, self.source_labels, "from"),
                                                    (target, self.target_layers, self.target_labels, "to")):
            if (layers and layer not in layers) or (labels and label not in labels):
                return f'relation "{self.name}" goes {end} {self.end_rule(end)}, not {layer} "{label}"'
        return None

    def end_rule(self, end: str) -> str:
        """The rule of one end, "from" or "to", in words ("a Stance span", "a span of any layer")."""
        layers, labels = ((self.source_layers, self.source_labels) if end == "from"
                          else (self.target_layers, self.target_labels))
        where = " or ".join(layers) + " span" if layers else "a span of any layer"
        if layers:
            where = ("an " if where[0].lower() in "aeiou" else "a ") + where
        if labels:
            where += " labelled " + " or ".join(f'"{label}"' for label in labels)
        return where

    def attribute(self, name: str) -> AttributeDef | None:
        """The attribute definition called `name`, or None."""
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True, slots=True)
class Codebook:
    """Layers with their labels and attributes, relation types, plus a name and references."""

    name: str
    title: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    layers: tuple[Layer, ...] = ()
    relations: tuple[RelationType, ...] = ()

    def layer(self, name: str) -> Layer | None:
        """The layer called `name`, or None."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        return None

    def relation(self, name: str) -> RelationType | None:
        """The relation type called `name`, or None."""
        return next((kind for kind in self.relations if kind.name == name), None)


class Status(str, Enum):
    """An annotator's progress on one document."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"


class Role(str, Enum):
    """What an annotator's annotations are: one person's coding, or the adjudicated gold set."""

    ANNOTATOR = "annotator"
    CURATOR = "curator"


@dataclass(frozen=True, slots=True)
class Annotator:
    """A named person (or the curator) who owns annotations."""

    name: str
    role: Role = Role.ANNOTATOR
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """An imported text's metadata; the text itself is loaded on demand."""

    id: str
    sha256: str
    title: str
    source: str = ""
    author: str = ""
    date: str = ""
    url: str = ""
    language: str = "en"
    meta: dict[str, Any] = field(default_factory=dict)
    length: int = 0
    n_tokens: int = 0
    n_sentences: int = 0
    tokenizer: str = ""
    origin: str = ""
    imported_at: str = ""
    position: int = 0


@dataclass(frozen=True, slots=True)
class Annotation:
    """One code applied by one annotator: a span (start/end) or a document label (both None)."""

    id: str
    document_id: str
    annotator: str
    layer: str
    label: str
    start: int | None = None
    end: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    created_at: str = ""
    updated_at: str = ""
    origin: str = ""  # '' typed by hand; else the accepted suggestion's source ("rule:…", "model:…")

    @property
    def is_span(self) -> bool:
        """True for a span annotation, False for a document-level label."""
        return self.start is not None


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed link from one span to another, both of the same annotator and document."""

    id: str
    document_id: str
    annotator: str
    type: str
    source: str  # annotation id
    target: str  # annotation id
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed code from a codebook rule or a model: never an annotation until accepted."""

    document_id: str
    start: int | None  # code points; None/None for a document-layer suggestion
    end: int | None
    layer: str
    label: str
    score: float  # 0..1 (rules: 1.0)
    source: str  # "rule:<label>:<pattern text>" or "model:<model id>"

"""What an agreement computation is asked to do, checked against the project's codebook."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ...errors import AnnotatorError
from ...model import AttributeDef, Layer
from ...stats.bootstrap import DEFAULT_SEED

MEASURES: tuple[str, ...] = ("percent", "cohen", "fleiss", "alpha", "alpha_u", "f1")
UNITS: tuple[str, ...] = ("document", "sentence", "token", "char")
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval")
SPAN_ONLY = ("alpha_u", "f1")
VALUE_MEASURES = ("percent", "cohen", "fleiss", "alpha")

# Printed with every figure so that a reader knows what was computed.
DEFINITIONS: dict[str, str] = {
    "percent": "pairwise percent agreement: per unit, the share of annotator pairs giving the same "
    "value, averaged over units with two or more values",
    "cohen": "Cohen's (1960) kappa for two annotators over the units both coded",
    "weighted": "Cohen's (1968) weighted kappa over the ordered category list "
    "(linear weights for ordinal, quadratic for interval data)",
    "fleiss": "Fleiss' (1971) kappa over units with two or more values (annotator identity ignored)",
    "alpha": "Krippendorff's (2011) alpha, coincidence-matrix form, missing values allowed",
    "alpha_u": "Krippendorff's (1995, 2004) unitizing alpha_U over character offsets, "
    "as implemented by DKPro Agreement",
    "f1": "span precision/recall/F1 between two annotators, micro-averaged over documents",
}


class AgreementCancelled(AnnotatorError):
    """The caller's `cancelled()` returned True; nothing was changed."""


@dataclass(frozen=True)
class AgreementRequest:
    """The options of one agreement computation (the CLI flags and the GUI dialog fill it).

    `unit` None means "document" for document layers and "token" for span layers.
    `measures` holds names from MEASURES or "all" ("all" keeps the measures that apply to
    the layer, unit and attribute).  Empty `annotators` means every annotator with
    annotations in the layer, the curator excluded unless named; empty `labels` and
    `documents` mean all.  `bootstrap` > 0 adds a percentile interval to alpha, drawn
    with `seed` (reported).
    """

    layer: str
    unit: str | None = None
    measures: tuple[str, ...] = ("all",)
    annotators: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    done_only: bool = False
    level: str = "nominal"
    attribute: str | None = None
    bootstrap: int = 0
    seed: int = DEFAULT_SEED
    confidence: float = field(default=0.95)

    def __post_init__(self) -> None:
        for name in ("measures", "annotators", "labels", "documents"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))
        if self.unit is not None and self.unit not in UNITS:
            raise AnnotatorError(f"unknown unit {self.unit!r}; use one of {', '.join(UNITS)}")
        unknown = [m for m in self.measures if m not in (*MEASURES, "all")]
        if unknown:
            raise AnnotatorError(f"unknown measure {unknown[0]!r}; use {', '.join(MEASURES)} or all")
        if self.level not in LEVELS:
            raise AnnotatorError(f"unknown level {self.level!r}; use one of {', '.join(LEVELS)}")
        if self.bootstrap < 0:
            raise AnnotatorError("the number of bootstrap resamples cannot be negative")


def _as_tuple(value: str | Iterable[str]) -> tuple[str, ...]:
    """Accept "a,b", ["a", "b"] or ("a", "b")."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(value)


def resolve_unit(request: AgreementRequest, layer: Layer) -> str:
    """The unit of analysis, refusing units the layer cannot have."""
    unit = request.unit or ("document" if layer.kind == "document" else "token")
    if layer.kind == "document" and unit != "document":
        raise AnnotatorError(
            f'layer "{layer.name}" labels whole documents: its unit is document, not {unit}'
        )
    if layer.kind == "span" and unit == "document":
        raise AnnotatorError(
            f'layer "{layer.name}" marks spans: use unit sentence, token or char, not document'
        )
    if request.attribute is not None and unit == "char":
        raise AnnotatorError("attribute agreement needs unit sentence or token (or a document layer)")
    return unit


def resolve_measures(request: AgreementRequest, layer: Layer, unit: str) -> tuple[str, ...]:
    """The measures to compute; "all" keeps those that apply, a named one must apply."""
    applicable = list(MEASURES)
    if layer.kind == "document" or request.attribute is not None:
        applicable = [m for m in applicable if m not in SPAN_ONLY]
    if unit == "char":
        applicable = [m for m in applicable if m in SPAN_ONLY]
    if "all" in request.measures:
        return tuple(applicable)
    for measure in request.measures:
        if measure in applicable:
            continue
        if measure in SPAN_ONLY and layer.kind == "document":
            why = f'layer "{layer.name}" labels whole documents, it has no spans'
        elif measure in SPAN_ONLY:
            why = "attribute agreement compares values on units, not spans"
        else:
            why = "the character continuum only carries alpha_u and f1; use unit sentence or token"
        raise AnnotatorError(f"measure {measure} does not apply here: {why}")
    return tuple(dict.fromkeys(request.measures))


def resolve_labels(request: AgreementRequest, layer: Layer) -> tuple[str, ...]:
    """The labels taken into account, in codebook order."""
    names = tuple(label.name for label in layer.labels)
    if not request.labels:
        return names
    missing = [name for name in request.labels if name not in names]
    if missing:
        raise AnnotatorError(
            f'no label "{missing[0]}" in layer "{layer.name}"; labels are: {", ".join(names)}'
        )
    wanted = set(request.labels)
    return tuple(name for name in names if name in wanted)


def resolve_attribute(request: AgreementRequest, layer: Layer) -> AttributeDef | None:
    """The attribute compared, if any; interval data needs whole numbers."""
    if request.attribute is None:
        if request.level == "interval":
            raise AnnotatorError("interval data needs numeric values: give an int --attribute")
        return None
    definition = layer.attribute(request.attribute)
    if definition is None:
        known = ", ".join(a.name for a in layer.attributes) or "none"
        raise AnnotatorError(
            f'layer "{layer.name}" has no attribute "{request.attribute}" (attributes: {known})'
        )
    if request.level == "interval" and definition.type != "int":
        raise AnnotatorError(
            f'interval data needs numbers; attribute "{definition.name}" is of type {definition.type}'
        )
    return definition

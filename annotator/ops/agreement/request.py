"""What an agreement computation is asked to do, checked against the project's codebook."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ...errors import AnnotatorError
from ...model import AttributeDef, Layer
from ...stats.bootstrap import DEFAULT_SEED, METHODS
from ...stats.gamma import DEFAULT_SAMPLES as GAMMA_SAMPLES

MEASURES: tuple[str, ...] = ("percent", "cohen", "fleiss", "alpha", "alpha_u", "f1", "weighted_kappa", "gamma")
# Computed only when named: gamma aligns the spans again for every random continuum, and
# weighted kappa needs categories whose order means something (ordinal labels, int attributes).
ON_REQUEST: tuple[str, ...] = ("weighted_kappa", "gamma")
UNITS: tuple[str, ...] = ("document", "sentence", "token", "char")
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
NUMERIC_LEVELS = ("interval", "ratio")
WEIGHTS: tuple[str, ...] = ("linear", "quadratic")
BOOTSTRAP_METHODS: tuple[str, ...] = tuple(METHODS)
SPAN_ONLY = ("alpha_u", "f1", "gamma")
VALUE_MEASURES = ("percent", "cohen", "fleiss", "alpha", "weighted_kappa")

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
    "weighted_kappa": "Cohen's (1968) weighted kappa with {weights} disagreement weights (|i - j| / (k - 1), "
    "squared for quadratic) over the categories in codebook order (an int attribute: its values in order)",
    "gamma": "Mathet, Widlöcher & Métivier's (2015) gamma over the spans (positional and categorical "
    "dissimilarity, best alignment, expected disorder from random continua), as pygamma-agreement computes it",
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
    with `seed` (reported), by `bootstrap_method` ("units" or "hayes", named in every output).
    `weights` ("linear" or "quadratic") are weighted kappa's; `gamma_samples` random continua
    (drawn with `seed`) give gamma's expected disorder.  `manual_only` leaves out annotations
    that began as accepted suggestions (origin "rule:…" or "model:…"), as if never made.
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
    bootstrap_method: str = "units"
    weights: str = "linear"
    gamma_samples: int = GAMMA_SAMPLES
    manual_only: bool = False

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
        if self.bootstrap_method not in BOOTSTRAP_METHODS:
            raise AnnotatorError(f"unknown bootstrap method {self.bootstrap_method!r}; "
                                 f"use one of {', '.join(BOOTSTRAP_METHODS)}")
        if self.weights not in WEIGHTS:
            raise AnnotatorError(f"unknown weights {self.weights!r}; use one of {', '.join(WEIGHTS)}")
        if self.gamma_samples < 1:
            raise AnnotatorError("gamma needs at least one random continuum (--gamma-samples)")


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
        named = [m for m in request.measures if m in ON_REQUEST]
        return tuple(m for m in applicable if m not in ON_REQUEST or m in named)
    for measure in request.measures:
        if measure in applicable:
            continue
        if measure in SPAN_ONLY and layer.kind == "document":
            why = f'layer "{layer.name}" labels whole documents, it has no spans'
        elif measure in SPAN_ONLY:
            why = "attribute agreement compares values on units, not spans"
        else:
            why = "the character continuum only carries alpha_u, f1 and gamma; use unit sentence or token"
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
    """The attribute compared, if any; interval and ratio data need whole numbers."""
    if request.attribute is None:
        if request.level in NUMERIC_LEVELS:
            raise AnnotatorError(f"{request.level} data needs numeric values: give an int --attribute")
        return None
    definition = layer.attribute(request.attribute)
    if definition is None:
        known = ", ".join(a.name for a in layer.attributes) or "none"
        raise AnnotatorError(
            f'layer "{layer.name}" has no attribute "{request.attribute}" (attributes: {known})'
        )
    if request.level in NUMERIC_LEVELS and definition.type != "int":
        raise AnnotatorError(
            f'{request.level} data needs numbers; attribute "{definition.name}" is of type {definition.type}'
        )
    if request.level == "ratio" and definition.minimum is not None and definition.minimum < 0:
        raise AnnotatorError(f'ratio data needs values of zero or more; attribute "{definition.name}" '
                             f"goes down to {definition.minimum}")
    return definition

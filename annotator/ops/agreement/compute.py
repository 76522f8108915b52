"""compute_agreement: a project's annotations of one layer -> pooled figures and tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ...project import Project
from ...stats import (
    Figure,
    bootstrap_alpha,
    cohen_kappa_from_table,
    fleiss_kappa_from_data,
    krippendorff_alpha,
    pool_span_agreement,
    weighted_kappa_from_table,
)
from ...errors import AnnotatorError
from ...stats.gamma import Continuum, Dissimilarity, gamma_of
from ...stats.result import SINGLE_CODER, defined, undefined
from ...stats.unitizing import alpha_unitizing_many
from .collect import Corpus, collect
from .request import (
    DEFINITIONS,
    NUMERIC_LEVELS,
    AgreementCancelled,
    AgreementRequest,
    resolve_attribute,
    resolve_labels,
    resolve_measures,
    resolve_unit,
)
from .report import AgreementReport, DocumentRow, LabelRow, PairResult
from .fast import (
    compress,
    exact_f1,
    nominal_alpha_by_group,
    overlap_f1,
    percent_by_group,
    presence_patterns_by_label,
    weighted_alpha,
)
from .units import UnitTable, build_units

Progress = Callable[[int, int], None]
CHAR_UNIT = "character continuum"
_F1_BATCH = 1000  # spans per overlap-matching call


class _Steps:
    """Progress reports and cancellation checks between steps of the computation."""

    def __init__(self, progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
        self.progress, self.cancelled = progress, cancelled
        self.done, self.total = 0, 1

    def tick(self, amount: int = 1) -> None:
        """One more step done; raise AgreementCancelled when the caller asked to stop."""
        if self.cancelled is not None and self.cancelled():
            raise AgreementCancelled("agreement computation cancelled")
        self.done = min(self.done + amount, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        """Report the end (estimates of the step count may fall short)."""
        self.done = self.total - 1
        self.tick()


@dataclass(frozen=True)
class Computed:
    """A report with the corpus and unit table it was computed from (None for the character
    continuum), so that a caller needing the units too (the dashboard's disagreement index)
    does not read and project the layer a second time."""

    report: AgreementReport
    corpus: Corpus
    table: UnitTable | None


def compute_agreement(
    project: Project,
    request: AgreementRequest,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> AgreementReport:
    """Agreement of the selected annotators on one layer, pooled over the selected documents.

    Reads the layer's annotations in one query and never writes.  `progress(done, total)`
    is called between steps, and `cancelled()` is checked there (True raises
    AgreementCancelled), so the GUI can run this off its thread.  Raises AnnotatorError
    (one line a user can act on) for a request the layer cannot satisfy.
    """
    return compute_with_units(project, request, progress, cancelled).report


def compute_with_units(
    project: Project,
    request: AgreementRequest,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Computed:
    """compute_agreement, also handing back the corpus and unit table behind the report."""
    started = time.perf_counter()
    steps = _Steps(progress, cancelled)
    layer = project.codebook.layer(request.layer)
    unit = resolve_unit(request, layer)
    measures = resolve_measures(request, layer, unit)
    labels = resolve_labels(request, layer)
    attribute = resolve_attribute(request, layer)
    corpus = collect(project, request, labels)
    n_docs = len(corpus.documents)
    pairs = list(combinations(range(len(corpus.annotators)), 2))
    steps.total = 2 + 2 * n_docs + len(pairs) * (n_docs if "f1" in measures else 1) + len(measures)
    steps.total += 2 * n_docs if unit == "char" else 0
    steps.total += request.gamma_samples + 1 if "gamma" in measures else 0
    steps.tick()

    table = build_units(project, corpus, unit, attribute, steps.tick) if unit != "char" else None
    notes = [corpus.participation_rule, *(table.rules if table else [])]
    notes += [f"{count} document(s) left out: {why}" for why, count in corpus.left_out.items()]
    if corpus.suggestions is not None:
        notes.append(corpus.suggestions.note())
    ordered = request.level == "ordinal" or "weighted_kappa" in measures
    if ordered and table is not None and attribute is None:
        notes.append("ordinal: the labels are ordered as in the codebook, 'none' last")
    if request.level == "ratio" and table is not None and table.numeric is not None and (table.numeric < 0).any():
        raise AnnotatorError("ratio data needs values of zero or more; "
                             f"the attribute has {table.numeric.min():g}")
    if len(corpus.annotators) < 2:
        notes.append(f"{len(corpus.annotators)} annotator(s) selected; agreement needs at least two "
                     "(by default: everyone with annotations in the layer, the curator excepted)")
    unit_name = table.name if table is not None else _continuum_name(corpus)
    figures: dict[str, Figure] = {}

    def described(key: str, figure: Figure, unit_text: str = unit_name) -> Figure:
        definition = DEFINITIONS["f1" if key.startswith("f1") else key.replace("_mean", "")]
        definition = definition.format(weights=request.weights)
        return figure.with_details(unit=unit_text, definition=definition,
                                   annotators=list(corpus.annotators))

    if table is not None:
        for key in ("percent", "fleiss", "alpha"):
            if key in measures:
                figures[key] = described(key, _value_figure(key, table, request))
                steps.tick()
    pair_results = [PairResult(corpus.annotators[i], corpus.annotators[j]) for i, j in pairs]
    if table is not None:
        for result, (i, j) in zip(pair_results, pairs):
            _pair_tables(result, table, i, j, request, "cohen" in measures, "weighted_kappa" in measures)
            for key in ("cohen", "weighted", "weighted_kappa"):
                if key in result.figures:
                    result.figures[key] = described(key, result.figures[key])
            steps.tick()
        if "cohen" in measures:
            figures["cohen_mean"] = described("cohen_mean", _mean_kappa(pair_results, len(corpus.annotators)))
        if "weighted_kappa" in measures:
            figures["weighted_kappa_mean"] = described("weighted_kappa_mean", _mean_kappa(
                pair_results, len(corpus.annotators), "weighted_kappa"))
    if "f1" in measures:
        for result, (i, j) in zip(pair_results, pairs):
            for matching in ("exact", "overlap"):
                result.figures[f"f1_{matching}"] = described(
                    f"f1_{matching}", _pair_f1(corpus, i, j, matching, steps), "spans")
        for matching in ("exact", "overlap"):
            per_pair = [r.figures[f"f1_{matching}"] for r in pair_results]
            figures[f"f1_{matching}"] = described(
                f"f1_{matching}", _pooled_f1(per_pair, matching), "spans")
    if "alpha_u" in measures:
        figures["alpha_u"] = described("alpha_u", _alpha_u(corpus), _continuum_name(corpus))
        steps.tick()
    if "gamma" in measures:
        figures["gamma"] = described("gamma", _gamma(corpus, request, steps), _spans_name(corpus))

    per_label = _per_label(corpus, table, figures.get("alpha_u"), request)
    per_document = _per_document(corpus, table, request, unit, steps)
    sort_measure = _sort(per_document)
    steps.finish()
    if request.bootstrap and "alpha" in figures:
        notes.append(f"bootstrap ({request.bootstrap_method}): {request.bootstrap} resamples, seed {request.seed}; "
                     + figures["alpha"].details.get("bootstrap_definition", ""))
    report = AgreementReport(
        layer=layer.name, layer_kind=layer.kind, unit=unit, unit_description=unit_name,
        level=request.level, attribute=attribute.name if attribute else None, measures=measures,
        annotators=corpus.annotators, labels=labels,
        documents=[{"id": d.id, "title": d.title} for d in corpus.documents],
        left_out=dict(corpus.left_out), categories=table.categories if table else (),
        figures=figures, pairs=pair_results, per_label=per_label, per_document=per_document,
        sort_measure=sort_measure, notes=notes, seconds=time.perf_counter() - started,
        suggestions=corpus.suggestions.to_dict() if corpus.suggestions is not None else {},
    )
    return Computed(report, corpus, table)


def _continuum_name(corpus: Corpus) -> str:
    """How the character continuum of alpha_U is made, for the report."""
    full = corpus.took_part.all(axis=0) if corpus.took_part.size else np.zeros(0, dtype=bool)
    chars = sum(d.length for d, ok in zip(corpus.documents, full) if ok)
    return (f"{CHAR_UNIT} ({chars:,} characters: the {int(full.sum()):,} documents every selected "
            "annotator coded, laid end to end)")


def _value_figure(key: str, table: UnitTable, request: AgreementRequest) -> Figure:
    """Percent agreement, Fleiss' kappa or alpha of the unit table."""
    codes = list(range(len(table.categories)))
    if key == "percent":  # on identical units collapsed (equal to stats.percent_agreement; tested)
        patterns, counts, group = compress(table.values)
        return percent_by_group(patterns, counts, group, 1)[0]
    if key == "fleiss":
        figure = fleiss_kappa_from_data(table.values, codes)
        per_category = figure.details.get("per_category")
        if per_category:
            figure = figure.with_details(
                per_category={str(table.categories[int(k)]): v for k, v in per_category.items()})
        return figure
    data, categories = _alpha_data(table, request.level)
    if request.bootstrap:
        return bootstrap_alpha(data, request.level, categories, request.bootstrap, request.seed,
                               request.confidence, request.bootstrap_method)
    return krippendorff_alpha(data, request.level, categories)


def _alpha_data(table: UnitTable, level: str) -> tuple[np.ndarray, list[float] | None]:
    """Values for alpha: numbers for interval and ratio data, category codes (in category order) otherwise."""
    if level in NUMERIC_LEVELS:
        return table.numeric_values(), None
    return table.values, [float(k) for k in range(len(table.categories))]


def _pair_tables(result: PairResult, table: UnitTable, i: int, j: int, request: AgreementRequest,
                 want_kappa: bool, want_weighted: bool = False) -> None:
    """The confusion matrix of two annotators and, if wanted, their (weighted) kappa."""
    size = len(table.categories)
    a, b = table.values[i], table.values[j]
    both = ~np.isnan(a) & ~np.isnan(b)
    flat = a[both].astype(np.int64) * size + b[both].astype(np.int64)
    result.confusion = np.bincount(flat, minlength=size * size).reshape(size, size)
    if want_weighted:
        result.figures["weighted_kappa"] = weighted_kappa_from_table(result.confusion, request.weights).with_details(
            categories_in_order=[str(c) for c in table.categories])
    if not want_kappa:
        return
    result.figures["cohen"] = cohen_kappa_from_table(result.confusion).with_details(
        units_missing_a_value=int(np.count_nonzero(~both & (~np.isnan(a) | ~np.isnan(b)))))
    if request.level != "nominal":
        weights: object = "linear" if request.level == "ordinal" else "quadratic"
        if request.level == "interval" and table.numeric is not None:
            spread = float(np.ptp(table.numeric)) or 1.0
            weights = ((table.numeric[:, None] - table.numeric[None, :]) / spread) ** 2
        result.figures["weighted"] = weighted_kappa_from_table(result.confusion, weights)


def _mean_kappa(pairs: list[PairResult], n_annotators: int, key: str = "cohen") -> Figure:
    """Light's (1971) kappa: the mean of the pairwise (weighted) kappas (undefined if one is)."""
    measure = "cohen_kappa_mean_over_pairs" if key == "cohen" else "weighted_kappa_mean_over_pairs"
    if n_annotators < 2:
        return undefined(measure, SINGLE_CODER, 0, n_annotators)
    kappas = [p.figures[key] for p in pairs]
    for pair, kappa in zip(pairs, kappas):
        if not kappa.is_defined:
            return undefined(measure, f"kappa of {pair.first}–{pair.second} is undefined: "
                             f"{kappa.undefined_reason}", 0, n_annotators)
    value = float(np.mean([k.value for k in kappas]))
    extra = {"weights": kappas[0].details["weights"]} if key != "cohen" and kappas else {}
    return defined(measure, value, max(k.n_units for k in kappas), n_annotators,
                   rule=f"mean of the pairwise {'Cohen' if key == 'cohen' else 'weighted'} kappas (Light 1971)",
                   pairs=len(kappas), **extra)


def _pair_f1(corpus: Corpus, i: int, j: int, matching: str, steps: _Steps) -> Figure:
    """Span F1 of annotators i and j over the documents both coded, micro-averaged.

    Documents are laid end to end (spans never cross a document), so one matching pass
    covers the corpus; pooling per-document counts would give the same figure.
    """
    shared = corpus.took_part[i] & corpus.took_part[j]
    steps.tick(len(corpus.documents) // 2)
    if not shared.any():
        return undefined("span_f1", "the two annotators coded no document in common", 0, 2,
                         matching=matching)
    offsets = corpus.offsets[corpus.doc]
    in_shared = shared[corpus.doc]

    def spans(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mine = (corpus.coder == k) & in_shared
        return corpus.start[mine] + offsets[mine], corpus.end[mine] + offsets[mine], corpus.label[mine]

    compare = exact_f1 if matching == "exact" else overlap_f1
    return compare(spans(i), spans(j)).with_details(documents=int(shared.sum()))


def _pooled_f1(per_pair: list[Figure], matching: str) -> Figure:
    """F1 micro-averaged over every pair of annotators (and their documents)."""
    usable = [f for f in per_pair if "matched" in f.details]
    if not usable:
        return undefined("span_f1", "no pair of annotators coded a document in common", 0, 0,
                         matching=matching)
    return pool_span_agreement(usable).with_details(pairs=len(usable))


def _alpha_u(corpus: Corpus) -> Figure:
    """alpha_U on the documents every selected annotator coded, laid end to end.

    One continuum for stats.alpha_unitizing_many, straight from the corpus columns (equal to
    alpha_unitizing of the concatenated units; tested).
    """
    full = corpus.took_part.all(axis=0) if corpus.took_part.size else np.zeros(0, dtype=bool)
    if not full.any():
        return undefined("krippendorff_alpha_unitizing",
                         "no document was coded by every selected annotator", 0, len(corpus.annotators))
    lengths = np.asarray([d.length for d in corpus.documents], dtype=np.int64)
    shift = np.concatenate(([0], np.cumsum(np.where(full, lengths, 0))))
    mine = full[corpus.doc]
    offset = shift[corpus.doc[mine]]
    figure = alpha_unitizing_many(
        [int(shift[-1])], np.zeros(int(mine.sum()), dtype=np.int64), corpus.coder[mine],
        corpus.start[mine] + offset, corpus.end[mine] + offset, corpus.label[mine],
        len(corpus.annotators), range(len(corpus.labels)), corpus.labels,
    )[0]
    return figure.with_details(documents=int(full.sum()))


def _spans_name(corpus: Corpus) -> str:
    """What gamma compares, for the report."""
    full = corpus.took_part.all(axis=0) if corpus.took_part.size else np.zeros(0, dtype=bool)
    return (f"spans (the {int(full.sum()):,} documents every selected annotator coded, laid end to end "
            "as one continuum)")


def _gamma(corpus: Corpus, request: AgreementRequest, steps: _Steps) -> Figure:
    """Gamma of the spans on the documents every selected annotator coded, laid end to end."""
    full = corpus.took_part.all(axis=0) if corpus.took_part.size else np.zeros(0, dtype=bool)
    if not full.any():
        return undefined("gamma", "no document was coded by every selected annotator", 0, len(corpus.annotators))
    lengths = np.asarray([d.length for d in corpus.documents], dtype=np.int64)
    shift = np.concatenate(([0], np.cumsum(np.where(full, lengths, 0))))
    mine = full[corpus.doc]
    offset = shift[corpus.doc[mine]]
    continuum = Continuum(corpus.coder[mine], (corpus.start[mine] + offset).astype(float),
                          (corpus.end[mine] + offset).astype(float), corpus.label[mine], len(corpus.annotators),
                          (0.0, float(shift[-1])))
    steps.tick(request.gamma_samples + 1)
    return gamma_of(continuum, Dissimilarity(), request.gamma_samples, request.seed).with_details(
        documents=int(full.sum()))


def _per_label(corpus: Corpus, table: UnitTable | None, alpha_u: Figure | None,
               request: AgreementRequest) -> list[LabelRow]:
    """Per label: uses per annotator, alpha and percent agreement on present/absent, alpha_U."""
    if request.attribute is not None:
        return []
    used = corpus.count_labels()
    counts = {label: dict(zip(corpus.annotators, used[k].tolist())) for k, label in enumerate(corpus.labels)}
    per_category = dict(alpha_u.details.get("per_category", {})) if alpha_u is not None else {}
    unit_text = table.name if table is not None else ""
    grouped = None
    if table is not None and table.span_ranges is not None and table.missing is not None:
        grouped = presence_patterns_by_label(table.span_ranges, table.missing, len(table.labels), table.n_units)
    result = []
    for label in corpus.labels:
        row = LabelRow(label, counts[label])
        if table is not None and (label in table.presence or table.span_ranges is not None):
            if grouped is not None and label not in table.presence:
                patterns, weights = grouped[table.labels.index(label)]
                group = np.zeros(len(weights), dtype=np.int64)
            else:
                patterns, weights, group = compress(table.presence_of(label))
            note = {"unit": unit_text, "values": "present/absent of this label"}
            row.figures["alpha"] = weighted_alpha(patterns, weights, "nominal", [0.0, 1.0]).with_details(**note)
            row.figures["percent"] = percent_by_group(patterns, weights, group, 1)[0].with_details(**note)
        if label in per_category:
            row.figures["alpha_u"] = per_category[label]
        result.append(row)
    return result


def _per_document(corpus: Corpus, table: UnitTable | None, request: AgreementRequest, unit: str,
                  steps: _Steps) -> list[DocumentRow]:
    """One row per document with its own figures; sorted worst first by the caller."""
    n_docs = len(corpus.documents)
    rows = []
    percent: list[Figure] = []
    alpha_u = _alpha_u_by_document(corpus) if unit == "char" else {}
    if table is not None:
        patterns, weights, group = compress(table.values, table.document_of_unit)
        percent = percent_by_group(patterns, weights, group, n_docs)
        nominal = nominal_alpha_by_group(patterns, weights, group, n_docs) if request.level == "nominal" else []
        bounds = np.searchsorted(group, np.arange(n_docs + 1))
        n_units = np.bincount(table.document_of_unit, minlength=n_docs)
        data = patterns
        if request.level in NUMERIC_LEVELS:
            data = UnitTable(patterns, table.categories, group, "", numeric=table.numeric).numeric_values()
        categories = None if request.level in NUMERIC_LEVELS else [float(k) for k in range(len(table.categories))]
        single_label_documents = unit == "document" and (not corpus.layer.multiple or request.attribute)
    for d, document in enumerate(corpus.documents):
        coders = [n for n, ok in zip(corpus.annotators, corpus.took_part[:, d]) if ok]
        row = DocumentRow(document.id, document.title, document.position, 0, coders)
        if table is not None:
            row.n_units = int(n_units[d])
            row.figures["percent"] = percent[d]
            if single_label_documents:
                column = table.values[:, d]
                row.values = {name: (None if np.isnan(v) else str(table.categories[int(v)]))
                              for name, v in zip(corpus.annotators, column)}
            else:
                part = slice(bounds[d], bounds[d + 1])
                row.figures["alpha"] = (nominal[d] if nominal else
                                        weighted_alpha(data[:, part], weights[part], request.level, categories))
        if d in alpha_u:
            row.n_units = document.length
            row.figures["alpha_u"] = alpha_u[d]
        rows.append(row)
        steps.tick()
    return rows


def _alpha_u_by_document(corpus: Corpus) -> dict[int, Figure]:
    """alpha_U of each non-empty document every selected annotator coded, all in one pass.

    Equal to alpha_unitizing(the document's units, its length, every annotator) per document
    (stats.alpha_unitizing_many; tested), without one numpy round per document; categories
    are keyed by label name, as in the pooled figure.
    """
    full = corpus.took_part.all(axis=0) if corpus.took_part.size else np.zeros(0, dtype=bool)
    lengths = np.asarray([d.length for d in corpus.documents], dtype=np.int64)
    chosen = np.flatnonzero(full & (lengths > 0))
    if not len(chosen):
        return {}
    position = np.full(len(corpus.documents), -1, dtype=np.int64)
    position[chosen] = np.arange(len(chosen))
    mine = position[corpus.doc] >= 0
    figures = alpha_unitizing_many(
        lengths[chosen], position[corpus.doc[mine]], corpus.coder[mine], corpus.start[mine],
        corpus.end[mine], corpus.label[mine], len(corpus.annotators), names=corpus.labels,
    )
    return dict(zip(chosen.tolist(), figures))


def _sort(rows: list[DocumentRow]) -> str | None:
    """Sort rows worst first by the first measure defined somewhere; undefined rows go last."""
    for key in ("alpha_u", "alpha", "percent", "f1_overlap"):
        if any(key in r.figures and r.figures[key].is_defined for r in rows):
            rows.sort(key=lambda r: (
                key not in r.figures or not r.figures[key].is_defined,
                r.figures[key].value if key in r.figures and r.figures[key].is_defined else 0.0,
                r.position,
            ))
            return key
    rows.sort(key=lambda r: r.position)
    return None

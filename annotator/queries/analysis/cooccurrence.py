"""Label × label co-occurrence (one layer against itself or against another), MAXQDA's Code
Relations Browser.

Co-occurrence is counted within each annotator's own coding and pooled: ada's Economic
frame beside ben's Doubt is not a co-occurrence (two people coding the same words
differently is a disagreement, not a relation between codes).

- within="overlap": `count` is the pairs of segments (same annotator, same document) that
  share at least one character. Association over characters: Jaccard = characters covered by
  both labels / characters covered by either; observed/expected = characters covered by
  both / (characters of a × characters of b / characters of the coded documents).
- within="sentence" (the stored sentence offsets), "paragraph" (each non-empty line: a line
  break ends a paragraph, so blank-line and one-line-per-paragraph texts both work) or
  "document": `count` is the units holding both labels (a segment is in every unit it shares
  a character with). Jaccard = units with both / units with either; observed/expected =
  units with both / (units with a × units with b / units of the coded documents).

A document is "coded" by an annotator who has at least one segment of either layer in it.
Units are found with numpy over every document at once; the counts of the overlap mode are
one SQL self-join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ...model import Layer
from ...project import Project
from .kwic import KwicHit, _codes, _Doc
from .scope import Resolved, Scope, bad, one_line, parse_code, resolve, span_layer

WITHIN = ("overlap", "sentence", "paragraph", "document")
_LINE = re.compile(r"[^\n]*\S[^\n]*")


@dataclass(frozen=True, slots=True)
class CooccurrencePair:
    """One non-zero cell of the matrix."""

    a: str  # "Layer:Label"
    b: str
    count: int  # co-occurring pairs of segments (overlap) or units holding both (sentence/paragraph/document)
    documents: int  # documents with at least one
    jaccard: float  # units (characters, for overlap) with both / with either
    observed_expected: float | None  # observed / expected under independence (None when expected is 0)


@dataclass(frozen=True, slots=True)
class CooccurrenceTable:
    """The matrix of two layers' labels (the same layer twice: each unordered pair once)."""

    layers: tuple[str, str]
    within: str
    labels_a: list[str]
    labels_b: list[str]
    pairs: list[CooccurrencePair]
    association: str = ""  # what jaccard and observed_expected are computed over, in words


def _layers(project: Project, layers: tuple[str, str], within: str) -> tuple[Layer, Layer]:
    if within not in WITHIN:
        raise bad(project, f'cannot count co-occurrence within "{within}" (within: {", ".join(WITHIN)})')
    if len(layers) != 2:
        raise bad(project, "give two layers (the same one twice for a layer against itself)")
    found = (span_layer(project, layers[0]), span_layer(project, layers[1]))
    for layer in found:
        if layer.kind == "document" and within != "document":
            raise bad(project, f'layer "{layer.name}" labels whole documents: its co-occurrence is within '
                               "documents only")
    return found


def _segments(project: Project, resolved: Resolved, layer_ids: set[int]) -> list[tuple[int, str, int, int, int]]:
    """(annotator id, document id, label id, start, end) of the scope's segments of the layers
    (a document label: the whole document), by document."""
    marks = ", ".join(str(int(i)) for i in sorted(layer_ids))
    return project.db.execute(
        f"SELECT a.annotator_id, a.document_id, a.label_id, COALESCE(a.span_start, 0), "
        f"COALESCE(a.span_end, d.length) FROM annotations AS a JOIN documents AS d ON d.id = a.document_id "
        f"WHERE a.layer_id IN ({marks}) AND a.annotator_id IN {resolved.annotators_sql} "
        f"AND {resolved.documents_sql} ORDER BY d.position", resolved.params).fetchall()


def _units(project: Project, document_ids: list[str], within: str) -> dict[str, tuple[np.ndarray, int]]:
    """Each document's units as an (n, 2) array of (start, end) code points, and its length."""
    found: dict[str, tuple[np.ndarray, int]] = {}
    for first in range(0, len(document_ids), 500):
        chunk = document_ids[first : first + 500]
        marks = ", ".join("?" * len(chunk))
        column = {"sentence": "c.sentences", "paragraph": "c.text", "document": "''"}[within]
        for ident, value, length in project.db.execute(
                f"SELECT d.id, {column}, d.length FROM documents AS d JOIN document_content AS c "
                f"ON c.document_id = d.id WHERE d.id IN ({marks})", chunk):
            if within == "sentence":
                if not isinstance(value, bytes) or len(value) % 8:
                    raise project.documents.damaged(f"document {ident}: sentences that are not (start, end) pairs")
                units = np.frombuffer(value, dtype="<u4").astype(np.int64).reshape(-1, 2)
            elif within == "paragraph":
                units = np.array([(m.start(), m.end()) for m in _LINE.finditer(value)], dtype=np.int64).reshape(-1, 2)
            else:
                units = np.array([[0, length]], dtype=np.int64)
            found[ident] = (units, int(length))
    return found


def _label_index(layer: Layer) -> dict[int, int]:
    return {int(label.id): index for index, label in enumerate(layer.labels) if label.id is not None}


def cooccurrence(project: Project, *, layers: tuple[str, str], within: str = "sentence",
                 scope: Scope) -> CooccurrenceTable:
    """The label × label co-occurrence matrix of two layers (or one against itself) in `scope`."""
    first, second = _layers(project, layers, within)
    resolved = resolve(project, scope)
    same = first.name == second.name
    index_a, index_b = _label_index(first), _label_index(second)
    if within == "overlap":
        counts, docs, both, n_a, n_b, total = _overlap_counts(project, resolved, first, second, index_a, index_b)
        association = "over characters: Jaccard = covered by both / by either; observed/expected under independence"
    else:
        counts, docs, both, n_a, n_b, total = _unit_counts(project, resolved, first, second, index_a, index_b, within)
        association = f"over {within}s: Jaccard = {within}s with both / with either; observed/expected under independence"
    names_a = [label.name for label in first.labels]
    names_b = [label.name for label in second.labels]
    pairs = []
    for (i, j), count in sorted(counts.items()):
        if not count:
            continue
        either = n_a[i] + n_b[j] - both[(i, j)]
        expected = n_a[i] * n_b[j] / total if total else 0.0
        pairs.append(CooccurrencePair(
            f"{first.name}:{names_a[i]}", f"{second.name}:{names_b[j]}", int(count), int(docs[(i, j)]),
            float(both[(i, j)] / either) if either else 0.0,
            float(both[(i, j)] / expected) if expected else None))
    return CooccurrenceTable((first.name, second.name), within, names_a, names_b, pairs,
                             association + (" (one layer against itself: each pair of labels once)" if same else ""))


_Counts = tuple[dict[tuple[int, int], int], dict[tuple[int, int], int], dict[tuple[int, int], float],
                np.ndarray, np.ndarray, float]


def _unit_counts(project: Project, resolved: Resolved, first: Layer, second: Layer, index_a: dict[int, int],
                 index_b: dict[int, int], within: str) -> _Counts:
    """Units holding both labels, per pair; units holding each label; all units coded."""
    ids = {int(first.id or 0), int(second.id or 0)}
    rows = _segments(project, resolved, ids)
    n_a, n_b = np.zeros(len(index_a), np.int64), np.zeros(len(index_b), np.int64)
    if not rows:
        return {}, {}, {}, n_a, n_b, 0.0
    document_ids = list(dict.fromkeys(row[1] for row in rows))
    units = _units(project, document_ids, within)
    doc_index = {ident: k for k, ident in enumerate(document_ids)}
    sizes = np.array([len(units[ident][0]) for ident in document_ids], np.int64)
    unit_base = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    n_units = int(sizes.sum())
    lengths = np.array([units[ident][1] for ident in document_ids], np.int64)
    char_base = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    starts = np.concatenate([units[ident][0][:, 0] + char_base[k] for k, ident in enumerate(document_ids)])
    ends = np.concatenate([units[ident][0][:, 1] + char_base[k] for k, ident in enumerate(document_ids)])
    annotators = {ident: k for k, ident in enumerate(sorted({row[0] for row in rows}))}
    table = np.array([(annotators[r[0]], doc_index[r[1]], r[2], r[3], r[4]) for r in rows], np.int64).reshape(-1, 5)
    who, doc, label, s, e = table.T
    first_unit = np.searchsorted(ends, char_base[doc] + s, "right")
    last_unit = np.searchsorted(starts, char_base[doc] + e, "left") - 1
    spread = np.maximum(last_unit - first_unit + 1, 0)
    segment = np.repeat(np.arange(len(table)), spread)
    unit = first_unit[segment] + np.arange(int(spread.sum())) - np.repeat(np.cumsum(spread) - spread, spread)
    global_unit = who[segment] * n_units + unit
    labels = label[segment]
    coded = {(int(a), int(d)) for a, d in zip(who, doc)}
    total = float(sum(int(sizes[d]) for _, d in coded))

    def side(index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        keys = np.array(sorted(index), np.int64)
        positions = np.array([index[k] for k in sorted(index)], np.int64)
        if not len(keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        where = np.searchsorted(keys, labels).clip(0, len(keys) - 1)
        mine = keys[where] == labels
        pairs = np.unique(np.stack([global_unit[mine], positions[where[mine]]], axis=1), axis=0).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    unit_a, label_a = side(index_a)
    unit_b, label_b = side(index_b)
    n_a = np.bincount(label_a, minlength=len(index_a))
    n_b = np.bincount(label_b, minlength=len(index_b))
    # Cross every A entry with the B entries of its unit (both sorted by unit).
    b_first = np.searchsorted(unit_b, unit_a, "left")
    b_count = np.searchsorted(unit_b, unit_a, "right") - b_first
    row_a = np.repeat(np.arange(len(unit_a)), b_count)
    row_b = np.repeat(b_first, b_count) + np.arange(int(b_count.sum())) - np.repeat(np.cumsum(b_count) - b_count, b_count)
    pa, pb, pu = label_a[row_a], label_b[row_b], unit_a[row_a]
    if first.name == second.name:
        keep = pa < pb
        pa, pb, pu = pa[keep], pb[keep], pu[keep]
    width = max(len(index_b), 1)
    key = pa * width + pb
    per_unit = np.bincount(key, minlength=len(index_a) * width)
    unit_doc = np.repeat(np.arange(len(document_ids)), sizes)
    doc_of = unit_doc[pu % n_units] if n_units else pu
    doc_keys = np.unique(doc_of * (len(index_a) * width) + key) % (len(index_a) * width)
    per_doc = np.bincount(doc_keys, minlength=len(index_a) * width)
    counts, docs, both = {}, {}, {}
    for flat in np.nonzero(per_unit)[0]:
        cell = (int(flat) // width, int(flat) % width)
        counts[cell] = int(per_unit[flat])
        docs[cell] = int(per_doc[flat])
        both[cell] = float(per_unit[flat])
    return counts, docs, both, n_a, n_b, total


def _union_lengths(rows: list[tuple[object, ...]]) -> dict[object, int]:
    """Characters covered per key by (key, start, end) rows sorted by key then start."""
    covered: dict[object, int] = {}
    current: object = None
    reach = 0
    for key, start, end in rows:
        if key != current:
            current, reach = key, 0
        if end > reach:
            covered[key[0]] = covered.get(key[0], 0) + end - max(start, reach)  # type: ignore[index]
            reach = end
    return covered


def _overlap_counts(project: Project, resolved: Resolved, first: Layer, second: Layer, index_a: dict[int, int],
                    index_b: dict[int, int]) -> _Counts:
    """Pairs of overlapping segments per pair of labels (one SQL self-join), and the characters
    each label and each pair covers."""
    same = first.name == second.name
    docs_sql = (f"WITH docs AS MATERIALIZED (SELECT d.id AS id, d.length AS length FROM documents AS d "
                f"WHERE {resolved.documents_sql})")
    join = (f"FROM annotations AS x JOIN docs ON docs.id = x.document_id JOIN annotations AS y "
            f"ON y.document_id = x.document_id AND y.annotator_id = x.annotator_id "
            f"WHERE x.layer_id = ? AND y.layer_id = ? AND x.annotator_id IN {resolved.annotators_sql} "
            f"AND y.span_start < x.span_end AND x.span_start < y.span_end"
            + (" AND x.label_id < y.label_id" if same else ""))
    params = [*resolved.params, first.id, second.id]
    counts: dict[tuple[int, int], int] = {}
    docs: dict[tuple[int, int], int] = {}

    def cell(x: int, y: int) -> tuple[int, int]:
        i, j = index_a[x], index_b[y]
        return (min(i, j), max(i, j)) if same else (i, j)

    for x, y, n, d in project.db.execute(
            f"{docs_sql} SELECT x.label_id, y.label_id, COUNT(*), COUNT(DISTINCT x.document_id) {join} "
            f"GROUP BY 1, 2", params):
        counts[cell(x, y)] = counts.get(cell(x, y), 0) + n
        docs[cell(x, y)] = docs.get(cell(x, y), 0) + d
    pieces = project.db.execute(
        f"{docs_sql} SELECT x.label_id, y.label_id, x.annotator_id, x.document_id, "
        f"MAX(x.span_start, y.span_start), MIN(x.span_end, y.span_end) {join} ORDER BY 1, 2, 3, 4, 5", params)
    both = {k: float(v) for k, v in _union_lengths(
        [((cell(x, y), who, doc), s, e) for x, y, who, doc, s, e in pieces]).items()}
    single = _union_lengths([((label, who, doc), s, e) for label, who, doc, s, e in project.db.execute(
        f"{docs_sql} SELECT a.label_id, a.annotator_id, a.document_id, a.span_start, a.span_end FROM annotations AS a "
        f"JOIN docs ON docs.id = a.document_id WHERE a.layer_id IN (?, ?) AND a.annotator_id IN "
        f"{resolved.annotators_sql} ORDER BY 1, 2, 3, 4", params)])
    n_a = np.array([single.get(label_id, 0) for label_id in sorted(index_a, key=index_a.get)], np.int64)
    n_b = np.array([single.get(label_id, 0) for label_id in sorted(index_b, key=index_b.get)], np.int64)
    total = float(project.db.execute(
        f"{docs_sql} SELECT COALESCE(SUM(docs.length), 0) FROM (SELECT DISTINCT a.annotator_id, a.document_id "
        f"FROM annotations AS a WHERE a.layer_id IN (?, ?) AND a.annotator_id IN {resolved.annotators_sql}) AS c "
        f"JOIN docs ON docs.id = c.document_id", params).fetchone()[0])
    return counts, docs, both, n_a, n_b, total


def cooccurring_segments(project: Project, *, a: tuple[str, str], b: tuple[str, str], within: str,
                         scope: Scope, context: int = 60) -> list[KwicHit]:
    """The places behind one cell: for each co-occurrence the stretch covering both segments
    (within overlap), or the part of the unit from the first to the last of them (within a
    sentence, paragraph or document); one hit per place, in document order."""
    layer_a, label_a = parse_code(project, a)
    layer_b, label_b = parse_code(project, b)
    _layers(project, (layer_a.name, layer_b.name), within)
    resolved = resolve(project, scope)
    rows = project.db.execute(
        f"SELECT a.annotator_id, a.document_id, a.label_id, COALESCE(a.span_start, 0), COALESCE(a.span_end, d.length), "
        f"d.title, d.source, d.date, d.position FROM annotations AS a JOIN documents AS d ON d.id = a.document_id "
        f"WHERE a.label_id IN (?, ?) AND a.annotator_id IN {resolved.annotators_sql} AND {resolved.documents_sql} "
        f"ORDER BY d.position", [label_a, label_b, *resolved.params]).fetchall()
    grouped: dict[tuple[int, str], list[tuple[int, int, int]]] = {}
    meta: dict[str, _Doc] = {}
    for who, doc, label, s, e, title, source, date, position in rows:
        grouped.setdefault((who, doc), []).append((label, s, e))
        meta.setdefault(doc, _Doc(doc, title, source, date, position, ""))
    units = _units(project, list(meta), within) if within != "overlap" else {}
    places: set[tuple[str, int, int]] = set()
    for (_, doc), segments in grouped.items():
        xs = [(s, e) for label, s, e in segments if label == label_a]
        ys = [(s, e) for label, s, e in segments if label == label_b]
        if within == "overlap":
            places |= {(doc, min(s, t), max(e, u)) for s, e in xs for t, u in ys if t < e and s < u}
            continue
        for unit_start, unit_end in units[doc][0].tolist():
            inside_x = [(s, e) for s, e in xs if s < unit_end and unit_start < e]
            inside_y = [(s, e) for s, e in ys if s < unit_end and unit_start < e]
            if inside_x and inside_y:
                here = inside_x + inside_y
                places.add((doc, max(unit_start, min(s for s, _ in here)), min(unit_end, max(e for _, e in here))))
    ordered = sorted(places, key=lambda p: (meta[p[0]].position, p[1], p[2]))
    kept = [(meta[doc], s, e) for doc, s, e in ordered]
    codes = _codes(project, resolved, kept)
    hits = []
    for doc, s, e in kept:
        text = project.documents.text(doc.ident)
        hits.append(KwicHit(doc.ident, doc.title, doc.source, doc.date, s, e, one_line(text[max(0, s - context) : s]),
                            one_line(text[s:e]), one_line(text[e : e + context]), codes.get((doc.ident, s, e), ())))
    return hits

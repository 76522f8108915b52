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


def _segments(project: Project, resolved: Resolved,
              layer_ids: set[int]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The scope's documents holding segments of the layers (ids, and lengths), and the segments
    as rows of (annotator id, document index, label id, start, end); a document label spans
    its whole document."""
    lengths = dict(project.db.execute(
        f"SELECT d.id, d.length FROM documents AS d WHERE {resolved.documents_sql}", resolved.params).fetchall())
    marks = ", ".join(str(int(i)) for i in sorted(layer_ids))
    rows = project.db.execute(
        f"SELECT annotator_id, document_id, label_id, COALESCE(span_start, 0), COALESCE(span_end, -1) "
        f"FROM annotations WHERE layer_id IN ({marks}) AND annotator_id IN {resolved.annotators_sql}").fetchall()
    if not rows:
        return [], np.zeros(0, np.int64), np.zeros((0, 5), np.int64)
    who, documents, labels, starts, ends = zip(*rows)
    if resolved.documents_sql != "1":  # a filter: keep the segments of the scope's documents
        keep = [d in lengths for d in documents]
        who, documents, labels, starts, ends = (tuple(v for v, k in zip(column, keep) if k)
                                                for column in (who, documents, labels, starts, ends))
    index: dict[str, int] = {}
    numbers = np.array([index.setdefault(d, len(index)) for d in documents], np.int64)
    document_ids = list(index)
    size = np.array([lengths[i] for i in document_ids], np.int64)
    table = np.stack([np.array(who, np.int64), numbers, np.array(labels, np.int64), np.array(starts, np.int64),
                      np.array(ends, np.int64)], axis=1) if len(numbers) else np.zeros((0, 5), np.int64)
    if len(table):
        whole = table[:, 4] < 0  # a document label: its whole document
        table[whole, 4] = size[table[whole, 1]]
    return document_ids, size, table


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
                _check_blob(project, ident, value)
                units = np.frombuffer(value, dtype="<u4").astype(np.int64).reshape(-1, 2)
            elif within == "paragraph":
                units = np.array([(m.start(), m.end()) for m in _LINE.finditer(value)], dtype=np.int64).reshape(-1, 2)
            else:
                units = np.array([[0, length]], dtype=np.int64)
            found[ident] = (units, int(length))
    return found


def _check_blob(project: Project, ident: str, value: object) -> None:
    if not isinstance(value, bytes) or len(value) % 8:
        raise project.documents.damaged(f"document {ident}: sentences that are not (start, end) pairs")


def _flat_units(project: Project, document_ids: list[str], lengths: np.ndarray,
                within: str) -> tuple[np.ndarray, np.ndarray]:
    """Every unit of the documents, in the documents' order: how many each has, and the
    (start, end) pairs of all of them in one array."""
    if within == "document":
        return np.ones(len(document_ids), np.int64), np.stack([np.zeros_like(lengths), lengths], axis=1)
    if within == "paragraph":
        units = _units(project, document_ids, within)
        pairs = [units[i][0] for i in document_ids]
        return np.array([len(x) for x in pairs], np.int64), np.concatenate(pairs or [np.zeros((0, 2), np.int64)])
    blobs: dict[str, bytes] = {}
    for first in range(0, len(document_ids), 500):
        chunk = document_ids[first : first + 500]
        marks = ", ".join("?" * len(chunk))
        for ident, blob in project.db.execute(
                f"SELECT document_id, sentences FROM document_content WHERE document_id IN ({marks})", chunk):
            _check_blob(project, ident, blob)
            blobs[ident] = blob
    ordered = [blobs.get(i, b"") for i in document_ids]
    pairs = np.frombuffer(b"".join(ordered), dtype="<u4").astype(np.int64).reshape(-1, 2)
    return np.array([len(b) // 8 for b in ordered], np.int64), pairs


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
    document_ids, lengths, table = _segments(project, resolved, {int(first.id or 0), int(second.id or 0)})
    n_a, n_b = np.zeros(len(index_a), np.int64), np.zeros(len(index_b), np.int64)
    if not len(table):
        return {}, {}, {}, n_a, n_b, 0.0
    sizes, pairs = _flat_units(project, document_ids, lengths, within)
    n_units = int(sizes.sum())
    # Documents laid end to end (one character apart): one searchsorted finds every segment's units.
    char_base = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    unit_doc = np.repeat(np.arange(len(document_ids)), sizes)
    starts = pairs[:, 0] + char_base[unit_doc]
    ends = pairs[:, 1] + char_base[unit_doc]
    annotator_ids, who = np.unique(table[:, 0], return_inverse=True)
    doc, label, s, e = table[:, 1], table[:, 2], table[:, 3], table[:, 4]
    first_unit = np.searchsorted(ends, char_base[doc] + s, "right")
    last_unit = np.searchsorted(starts, char_base[doc] + e, "left") - 1
    spread = np.maximum(last_unit - first_unit + 1, 0)
    segment = np.repeat(np.arange(len(table)), spread)
    unit = first_unit[segment] + np.arange(int(spread.sum())) - np.repeat(np.cumsum(spread) - spread, spread)
    global_unit = who[segment] * n_units + unit
    labels = label[segment]
    coded = np.unique(who * len(document_ids) + doc)
    total = float(sizes[coded % len(document_ids)].sum())

    def side(index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(unit, label position) of every unit holding a label of the layer, once, by unit."""
        lookup = np.full(int(max(index)) + 1, -1, np.int64)
        lookup[list(index)] = list(index.values())
        position = np.where(labels < len(lookup), lookup[np.minimum(labels, len(lookup) - 1)], -1)
        mine = position >= 0
        keys = np.unique(global_unit[mine] * len(index) + position[mine])
        return keys // len(index), keys % len(index)

    if not index_a or not index_b:
        return {}, {}, {}, n_a, n_b, total
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
    width = len(index_b)
    cells = len(index_a) * width
    key = pa * width + pb
    per_unit = np.bincount(key, minlength=cells)
    doc_keys = np.unique(unit_doc[pu % n_units] * cells + key) % cells
    per_doc = np.bincount(doc_keys, minlength=cells)
    counts, docs, both = {}, {}, {}
    for flat in np.nonzero(per_unit)[0]:
        cell = (int(flat) // width, int(flat) % width)
        counts[cell] = int(per_unit[flat])
        docs[cell] = int(per_doc[flat])
        both[cell] = float(per_unit[flat])
    return counts, docs, both, n_a, n_b, total


def _union_lengths(keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, size: int) -> np.ndarray:
    """Characters covered per key (0..size-1) by the union of the (start, end) intervals given
    for it; intervals in global coordinates (no two coded documents share one)."""
    if not len(keys):
        return np.zeros(size, np.int64)
    span = int(max(ends.max(), 0)) + 1
    # Shift every key's intervals past the previous key's, so one running maximum serves all.
    shifted_s, shifted_e = starts + keys * span, ends + keys * span
    order = np.lexsort((shifted_s, keys))
    shifted_s, shifted_e, keys = shifted_s[order], shifted_e[order], keys[order]
    reach = np.concatenate(([np.iinfo(np.int64).min], np.maximum.accumulate(shifted_e)[:-1]))
    covered = np.maximum(shifted_e - np.maximum(shifted_s, reach), 0)
    return np.bincount(keys, weights=covered, minlength=size).astype(np.int64)


def _overlap_counts(project: Project, resolved: Resolved, first: Layer, second: Layer, index_a: dict[int, int],
                    index_b: dict[int, int]) -> _Counts:
    """Pairs of overlapping segments (same annotator and document) per pair of labels, and the
    characters each label and each pair covers; numpy over every document at once."""
    same = first.name == second.name
    document_ids, lengths, table = _segments(project, resolved, {int(first.id or 0), int(second.id or 0)})
    n_a, n_b = np.zeros(len(index_a), np.int64), np.zeros(len(index_b), np.int64)
    if not len(table) or not index_a or not index_b:
        return {}, {}, {}, n_a, n_b, 0.0
    _, who = np.unique(table[:, 0], return_inverse=True)
    doc, label = table[:, 1], table[:, 2]
    char_base = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    width_all = int(lengths.sum() + len(lengths)) + 1
    base = who * width_all + char_base[doc]  # each annotator's coding of each document apart
    gs, ge = table[:, 3] + base, table[:, 4] + base
    coded = np.unique(who * len(document_ids) + doc)
    total = float(lengths[coded % len(document_ids)].sum())

    def side(index: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        lookup = np.full(int(max(index)) + 1, -1, np.int64)
        lookup[list(index)] = list(index.values())
        position = np.where(label < len(lookup), lookup[np.minimum(label, len(lookup) - 1)], -1)
        mine = np.nonzero(position >= 0)[0]
        order = mine[np.argsort(gs[mine], kind="stable")]
        return gs[order], ge[order], position[order], doc[order]

    as_, ae, al, ad = side(index_a)
    bs, be, bl, _ = side(index_b)
    n_a = _union_lengths(al, as_, ae, len(index_a))
    n_b = _union_lengths(bl, bs, be, len(index_b))
    # Candidates for each A segment: the B segments starting before its end and no more than
    # the longest B segment before its start (a contiguous run of B sorted by start).
    longest = int((be - bs).max()) if len(bs) else 0
    low = np.searchsorted(bs, as_ - longest, "right")
    high = np.searchsorted(bs, ae, "left")
    count = np.maximum(high - low, 0)
    row_a = np.repeat(np.arange(len(as_)), count)
    row_b = np.repeat(low, count) + np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    overlapping = be[row_b] > as_[row_a]
    row_a, row_b = row_a[overlapping], row_b[overlapping]
    pa, pb = al[row_a], bl[row_b]
    if same:
        keep = pa != pb
        row_a, row_b, pa, pb = row_a[keep], row_b[keep], pa[keep], pb[keep]
        low_label, high_label = np.minimum(pa, pb), np.maximum(pa, pb)
        # Each unordered pair of segments once: it was found from both of its segments.
        once = (pa < pb)
        row_a, row_b, pa, pb = row_a[once], row_b[once], low_label[once], high_label[once]
    width = len(index_b)
    cells = len(index_a) * width
    key = pa * width + pb
    per_pair = np.bincount(key, minlength=cells)
    per_doc = np.bincount(np.unique(ad[row_a] * cells + key) % cells, minlength=cells)
    shared = _union_lengths(key, np.maximum(as_[row_a], bs[row_b]), np.minimum(ae[row_a], be[row_b]), cells)
    counts, docs, both = {}, {}, {}
    for flat in np.nonzero(per_pair)[0]:
        cell = (int(flat) // width, int(flat) % width)
        counts[cell] = int(per_pair[flat])
        docs[cell] = int(per_doc[flat])
        both[cell] = float(shared[flat])
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

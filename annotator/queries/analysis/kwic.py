"""The concordance (KWIC): every hit of a word, a regular expression or a code, in context.

One row per hit, not per document. A word query ignores case and accents (folded as corpus
search folds, queries/folding.py) and takes `*` at a word's end; the documents that may hold
it come from the full-text index (document_search), the exact places from their texts. A
regular expression is Python's, run over every document in scope. A code lists every segment
of a label, optionally only those overlapping (or not overlapping) another code. Offsets are
code points of the stored text, as everywhere.

`total` counts every hit; only the first `limit` (in the chosen order) get their context,
codes and relations, which is what keeps the first screen fast on a large corpus. A hit's
relations are those of the scope's annotators with an end overlapping it, each named from
that end: "Target → Framing:Economic «congestion charge»" (the hit is in the source),
"Target ← Stance:Against «Critics called it»" (the hit is in the target).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...project import Project
from ..folding import fold, fold_words, source_span
from .scope import Resolved, Scope, bad, check_cancel, one_line, parse_code, resolve

SORTS = ("document", "date", "left", "left2", "right", "right2")
_WORD = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class KwicHit:
    """One hit: where it is (code points), its context either side, and the codes on it."""

    document_id: str
    title: str
    source: str
    date: str
    start: int
    end: int
    left: str
    match: str
    right: str
    codes: tuple[str, ...]  # "Layer:Label" of the scope's annotations overlapping the hit
    relations: tuple[str, ...] = ()  # "Type → Layer:Label «other end»" of the scope's relations touching the hit


@dataclass(frozen=True, slots=True)
class KwicResult:
    """Every hit counted; the first `limit` of them, in order."""

    total: int
    hits: list[KwicHit]


@dataclass(slots=True)
class _Doc:
    ident: str
    title: str
    source: str
    date: str
    position: int
    text: str


def word_pattern(project: Project, query: str) -> tuple[str, re.Pattern[str]]:
    """The FTS5 expression finding candidate documents and the pattern finding the words
    as a phrase in a folded text; BadInputError for a query without words."""
    words = re.findall(r"\w+\*?", fold_words(query))
    if not words:
        raise bad(project, f'the query "{query}" holds no word to look for')
    expression = " ".join('"' + w.rstrip("*") + '"' + ("*" if w.endswith("*") else "") for w in words)
    parts = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words]
    # No look-behind at the start: a pattern opening with a literal is searched for fast;
    # _word_hits checks the character before each match instead.
    return expression, re.compile(r"\W+".join(parts) + r"(?!\w)")


def compile_regex(project: Project, regex: str) -> re.Pattern[str]:
    """The user's regular expression compiled once; BadInputError saying why it does not compile."""
    if not regex:
        raise bad(project, "the regular expression is empty")
    try:
        return re.compile(regex)
    except (re.error, RecursionError, OverflowError) as error:
        raise bad(project, f"regular expression {regex!r}: {error}") from None


def kwic(project: Project, *, query: str | None = None, regex: str | None = None,
         label: tuple[str, str] | None = None, overlapping: tuple[str, str] | None = None,
         not_overlapping: tuple[str, str] | None = None, scope: Scope, context: int = 60,
         sort: str = "document", limit: int | None = None,
         cancelled: Callable[[], bool] | None = None) -> KwicResult:
    """The concordance of a word query, a regular expression or a code (exactly one), in `scope`."""
    if sum(x is not None for x in (query, regex, label)) != 1:
        raise bad(project, "give exactly one of: words to look for, a regular expression, a code")
    if sort not in SORTS:
        raise bad(project, f'cannot sort by "{sort}" (sorts: {", ".join(SORTS)})')
    if context < 0:
        raise bad(project, f"the context must be 0 characters or more, not {context}")
    if (overlapping or not_overlapping) and label is None:
        raise bad(project, "overlapping / not overlapping narrow a concordance of a code; give the code")
    resolved = resolve(project, scope, need_annotators=label is not None)
    if label is not None:
        spans = _code_spans(project, resolved, label, overlapping, not_overlapping, sort)
    elif regex is not None:
        spans = _text_spans(project, resolved, None, compile_regex(project, regex), sort, cancelled, "regex")
    else:
        assert query is not None
        expression, pattern = word_pattern(project, query)
        spans = _text_spans(project, resolved, expression, pattern, sort, cancelled, "concordance")
    return _result(project, resolved, spans, context, sort, limit, cancelled)


# A hit before its context is cut: the document (with its text when read) and the offsets.
_Span = tuple[_Doc, int, int]


def _order(sort: str) -> str:
    return "d.date = '', d.date, d.position" if sort == "date" else "d.position"


def _fts_ready(project: Project) -> bool:
    """Bring the full-text index up to date; False if it lags and cannot (a read-only file)."""
    try:
        project.documents.index_for_search()
        return True
    except sqlite3.OperationalError:
        indexed = project.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM document_search").fetchone()[0]
        newest = project.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM documents").fetchone()[0]
        return indexed >= newest


def _documents(project: Project, resolved: Resolved, expression: str | None, sort: str) -> Iterator[_Doc]:
    """The scope's documents with their texts, in order; with `expression`, only those the
    full-text index says may hold the words (all of them if the index lags and cannot catch up)."""
    columns = "d.id, d.title, d.source, d.date, d.position, c.text"
    params = list(resolved.params)
    if expression is not None and _fts_ready(project):
        sql = (f"SELECT {columns} FROM document_search AS f JOIN documents AS d ON d.rowid = f.rowid "
               f"JOIN document_content AS c ON c.document_id = d.id "
               f"WHERE document_search MATCH ? AND {resolved.documents_sql} ORDER BY {_order(sort)}")
        params = [expression, *params]
    else:
        sql = (f"SELECT {columns} FROM documents AS d JOIN document_content AS c ON c.document_id = d.id "
               f"WHERE {resolved.documents_sql} ORDER BY {_order(sort)}")
    for row in project.db.execute(sql, params):
        text = row[5]
        if not isinstance(text, str):
            raise project.documents.damaged(f"document {row[0]}: text stored as {type(text).__name__}, not as text")
        yield _Doc(row[0], row[1], row[2], row[3], row[4], text)


def _text_spans(project: Project, resolved: Resolved, expression: str | None, pattern: re.Pattern[str],
                sort: str, cancelled: Callable[[], bool] | None, what: str) -> Iterator[_Span]:
    """Hits of `pattern` in each document: in its folded text for a word query (mapped back
    to code points), in the text itself for a regular expression; empty matches skipped."""
    for doc in _documents(project, resolved, expression, sort):
        check_cancel(cancelled, what)
        if expression is None:
            for found in pattern.finditer(doc.text):
                if found.end() > found.start():
                    yield doc, found.start(), found.end()
            continue
        folded, origin = fold(doc.text)
        for start, end in _word_hits(pattern, folded):
            yield (doc, *source_span(doc.text, origin, start, end))


def _word_hits(pattern: re.Pattern[str], folded: str) -> Iterator[tuple[int, int]]:
    """Matches of a word pattern that start a word (not preceded by a word character)."""
    found = pattern.search(folded)
    while found is not None:
        start = found.start()
        if start and _WORD_CHAR.match(folded, start - 1):
            found = pattern.search(folded, start + 1)
            continue
        yield start, found.end()
        found = pattern.search(folded, max(found.end(), start + 1))


def _code_spans(project: Project, resolved: Resolved, code: tuple[str, str], overlapping: tuple[str, str] | None,
                not_overlapping: tuple[str, str] | None, sort: str) -> Iterator[_Span]:
    """Every distinct segment of the code in scope (one row per place, whoever coded it)."""
    layer, label = parse_code(project, code)
    if layer.kind != "span":
        raise bad(project, f'layer "{layer.name}" labels whole documents; a concordance lists spans '
                           "(use frequencies, or narrow a span code with it)")
    conditions, params = [], []
    for other, negate in ((overlapping, False), (not_overlapping, True)):
        if other is None:
            continue
        other_layer, other_label = parse_code(project, other)
        near = "" if other_layer.kind == "document" else "AND o.span_start < a.span_end AND o.span_end > a.span_start"
        conditions.append(f"{'NOT ' if negate else ''}EXISTS (SELECT 1 FROM annotations AS o WHERE "
                          f"o.document_id = a.document_id AND o.label_id = ? "
                          f"AND o.annotator_id IN {resolved.annotators_sql} {near})")
        params.append(other_label)
    extra = "".join(f" AND {c}" for c in conditions)
    sql = (f"SELECT DISTINCT d.id, d.title, d.source, d.date, d.position, a.span_start, a.span_end "
           f"FROM annotations AS a JOIN documents AS d ON d.id = a.document_id "
           f"WHERE a.label_id = ? AND a.annotator_id IN {resolved.annotators_sql} AND a.span_start IS NOT NULL "
           f"AND {resolved.documents_sql}{extra} ORDER BY {_order(sort)}, a.span_start, a.span_end")
    docs: dict[str, _Doc] = {}
    for row in project.db.execute(sql, [label, *resolved.params, *params]):
        doc = docs.get(row[0])
        if doc is None:
            doc = docs[row[0]] = _Doc(row[0], row[1], row[2], row[3], row[4], "")
        yield doc, row[5], row[6]


def _result(project: Project, resolved: Resolved, spans: Iterator[_Span], context: int, sort: str,
            limit: int | None, cancelled: Callable[[], bool] | None) -> KwicResult:
    """Count every hit, keep the first `limit` in order, and give those their context and codes."""
    kept: list[_Span] = []
    total = 0
    if sort in ("document", "date"):
        for span in spans:  # already in order: only the kept ones need their context
            total += 1
            if limit is None or len(kept) < limit:
                kept.append(span)
    else:
        keyed = []
        for span in spans:
            total += 1
            keyed.append((_neighbour_key(project, span, sort), span[0].position, span[1], span[2], span))
        keyed.sort(key=lambda item: item[:4])
        kept = [item[4] for item in (keyed if limit is None else keyed[:limit])]
    check_cancel(cancelled, "concordance")
    codes = _codes(project, resolved, kept)
    relations = _relations(project, resolved, kept)
    hits = []
    for doc, start, end in kept:
        text = doc.text or project.documents.text(doc.ident)
        hits.append(KwicHit(doc.ident, doc.title, doc.source, doc.date, start, end,
                            one_line(text[max(0, start - context) : start]), one_line(text[start:end]),
                            one_line(text[end : end + context]), codes.get((doc.ident, start, end), ()),
                            relations.get((doc.ident, start, end), ())))
    return KwicResult(total, hits)


def _neighbour_key(project: Project, span: _Span, sort: str) -> str:
    """The first or second word left or right of a hit, folded (the left/right sorts)."""
    doc, start, end = span
    text = doc.text or project.documents.text(doc.ident)
    nth = 1 if sort.endswith("2") else 0
    if sort.startswith("left"):
        words = _WORD.findall(text[max(0, start - 120) : start])
        word = words[-1 - nth] if len(words) > nth else ""
    else:
        words = _WORD.findall(text[end : end + 120], 0)
        word = words[nth] if len(words) > nth else ""
    return fold_words(word)


def _codes(project: Project, resolved: Resolved, kept: list[_Span]) -> dict[tuple[str, int, int], tuple[str, ...]]:
    """"Layer:Label" of the scope's annotations overlapping each kept hit (document labels
    of its document too), in codebook order."""
    if not kept:
        return {}
    book = project.codebook.get()
    order: dict[int, tuple[int, str]] = {}
    for layer_index, layer in enumerate(book.layers):
        for label_index, label in enumerate(layer.labels):
            if label.id is not None:
                order[int(label.id)] = (layer_index * 10_000 + label_index, f"{layer.name}:{label.name}")
    by_document: dict[str, list[tuple[Any, Any, int]]] = {}
    ids = sorted({doc.ident for doc, _, _ in kept})
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        marks = ", ".join("?" * len(chunk))
        for document_id, start, end, label_id in project.db.execute(
                f"SELECT document_id, span_start, span_end, label_id FROM annotations "
                f"WHERE document_id IN ({marks}) AND annotator_id IN {resolved.annotators_sql}", chunk):
            by_document.setdefault(document_id, []).append((start, end, label_id))
    found = {}
    for doc, start, end in kept:
        labels = {label_id for s, e, label_id in by_document.get(doc.ident, ())
                  if label_id in order and (s is None or (s < end and start < e))}
        found[(doc.ident, start, end)] = tuple(order[i][1] for i in sorted(labels, key=lambda i: order[i][0]))
    return found


RELATED_WORDS = 40  # characters of the other end quoted in a hit's relation


def _label_names(project: Project) -> dict[int, str]:
    """label id → "Layer:Label"."""
    names = {}
    for layer in project.codebook.get().layers:
        for label in layer.labels:
            if label.id is not None:
                names[int(label.id)] = f"{layer.name}:{label.name}"
    return names


def _quote(text: str, start: int, end: int) -> str:
    words = one_line(text[start:end])
    if len(words) > RELATED_WORDS:
        words = words[: RELATED_WORDS - 1] + "…"
    return f"«{words}»"


def _relations(project: Project, resolved: Resolved, kept: list[_Span]) -> dict[tuple[str, int, int], tuple[str, ...]]:
    """The scope's relations with an end overlapping each kept hit, named from that end, in
    the order of the other end in the text (one line per distinct relation, whoever made it)."""
    if not kept:
        return {}
    names = _label_names(project)
    by_document: dict[str, list[tuple[str, int, int, int, int, int, int]]] = {}
    ids = sorted({doc.ident for doc, _, _ in kept})
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        marks = ", ".join("?" * len(chunk))
        for row in project.db.execute(
                f"SELECT r.document_id, t.name, s.span_start, s.span_end, s.label_id, g.span_start, g.span_end, "
                f"g.label_id FROM relations AS r JOIN relation_types AS t ON t.id = r.type_id "
                f"JOIN annotations AS s ON s.id = r.source_id JOIN annotations AS g ON g.id = r.target_id "
                f"WHERE r.document_id IN ({marks}) AND r.annotator_id IN {resolved.annotators_sql} "
                f"AND s.span_start IS NOT NULL AND g.span_start IS NOT NULL", chunk):
            by_document.setdefault(row[0], []).append(row[1:])
    texts: dict[str, str] = {}
    found = {}
    for doc, start, end in kept:
        lines: dict[str, tuple[int, int]] = {}
        for kind, s_start, s_end, s_label, t_start, t_end, t_label in by_document.get(doc.ident, ()):
            for (here_start, here_end), (there_start, there_end), label, arrow in (
                    ((s_start, s_end), (t_start, t_end), t_label, "→"),
                    ((t_start, t_end), (s_start, s_end), s_label, "←")):
                if here_start < end and start < here_end:
                    text = texts.get(doc.ident)
                    if text is None:
                        text = texts[doc.ident] = doc.text or project.documents.text(doc.ident)
                    line = f"{kind} {arrow} {names.get(label, '?')} {_quote(text, there_start, there_end)}"
                    lines.setdefault(line, (there_start, there_end))
        found[(doc.ident, start, end)] = tuple(sorted(lines, key=lambda line: (*lines[line], line)))
    return found

"""Where annotators disagree: units per confusion cell and each document's first disagreement.

The agreement report carries counts only; this index keeps the unit table behind them
(built with the same request, so its units are the report's units) and the unit offsets,
so the dashboard can list the documents behind a confusion cell and select the first
disagreeing unit in the text.  Qt-free; built in the worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...ops.agreement import AgreementCancelled, AgreementRequest, Corpus, collect
from ...ops.agreement.request import resolve_attribute, resolve_labels, resolve_unit
from ...ops.agreement.units import UnitTable, build_units
from ...project import Project


@dataclass(frozen=True)
class CellDocument:
    """One document behind a confusion cell: how many units, and the first one."""

    document_id: str
    title: str
    count: int
    start: int | None
    end: int | None


class DisagreementIndex:
    """The units of an agreement request, with their offsets, for locating disagreements."""

    def __init__(self, corpus: Corpus, unit: str, table: UnitTable | None,
                 unit_starts: np.ndarray, unit_ends: np.ndarray) -> None:
        self.corpus = corpus
        self.unit = unit
        self.table = table
        self.unit_starts = unit_starts  # offsets inside each unit's own document
        self.unit_ends = unit_ends
        self._position = {d.id: k for k, d in enumerate(corpus.documents)}

    @classmethod
    def build(cls, project: Project, request: AgreementRequest,
              cancelled: Callable[[], bool] | None = None) -> DisagreementIndex:
        """Collect the request's units again (the report keeps counts only); honours `cancelled`."""
        def tick() -> None:
            """Stop when the caller asked to."""
            if cancelled is not None and cancelled():
                raise AgreementCancelled("agreement computation cancelled")

        layer = project.codebook.layer(request.layer)
        unit = resolve_unit(request, layer)
        labels = resolve_labels(request, layer)
        attribute = resolve_attribute(request, layer)
        corpus = collect(project, request, labels)
        tick()
        table = build_units(project, corpus, unit, attribute, tick) if unit != "char" else None
        return cls.from_units(corpus, unit, table)

    @classmethod
    def from_units(cls, corpus: Corpus, unit: str, table: UnitTable | None) -> DisagreementIndex:
        """The index of units already built (compute_with_units hands them back with the report)."""
        empty = np.zeros(0, dtype=np.int64)
        if table is None or unit == "document" or table.unit_starts is None or table.unit_ends is None:
            return cls(corpus, unit, table, empty, empty)
        shift = corpus.offsets[table.document_of_unit]  # back to offsets inside each document
        return cls(corpus, unit, table, table.unit_starts - shift, table.unit_ends - shift)

    def _coder(self, name: str) -> int:
        return self.corpus.annotators.index(name)

    def _span(self, u: int) -> tuple[int | None, int | None]:
        """Offsets of unit u in its document; None for whole-document units."""
        if self.unit == "document":
            return None, None
        return int(self.unit_starts[u]), int(self.unit_ends[u])

    def cell_documents(self, first: str, second: str, row: int, column: int) -> list[CellDocument]:
        """Documents where `first` gave category `row` and `second` category `column`, most units first."""
        if self.table is None:
            return []
        a, b = self.table.values[self._coder(first)], self.table.values[self._coder(second)]
        units = np.flatnonzero((a == row) & (b == column))
        if not len(units):
            return []
        docs = self.table.document_of_unit[units]
        found: list[CellDocument] = []
        for d in np.unique(docs).tolist():
            mine = units[docs == d]
            start, end = self._span(int(mine[0]))
            document = self.corpus.documents[d]
            found.append(CellDocument(document.id, document.title, len(mine), start, end))
        found.sort(key=lambda c: (-c.count, c.title))
        return found

    def first_disagreement(self, document_id: str, pair: tuple[str, str] | None = None) -> tuple[int, int] | None:
        """The first stretch (code points) of the document where annotators differ, or None.

        `pair` limits the comparison to two annotators; otherwise any two selected
        annotators who coded the document count.  Whole-document units give None.
        """
        d = self._position.get(document_id)
        if d is None:
            return None
        coders = [self._coder(n) for n in pair] if pair else list(range(len(self.corpus.annotators)))
        if self.unit == "char":
            return self._first_char_disagreement(d, coders)
        if self.table is None or self.unit == "document":
            return None
        units = np.flatnonzero(self.table.document_of_unit == d)
        values = self.table.values[np.ix_(coders, units)]
        present = ~np.isnan(values)
        low = np.where(present, values, np.inf).min(axis=0)
        high = np.where(present, values, -np.inf).max(axis=0)
        differ = (present.sum(axis=0) >= 2) & (low != high)
        hits = np.flatnonzero(differ)
        if not len(hits):
            return None
        start, end = self._span(int(units[hits[0]]))
        assert start is not None and end is not None
        return start, end

    def _first_char_disagreement(self, d: int, coders: list[int]) -> tuple[int, int] | None:
        """First run of characters whose covering labels differ between the coders who coded d."""
        corpus = self.corpus
        length = corpus.documents[d].length
        coders = [i for i in coders if corpus.took_part[i, d]]
        if len(coders) < 2 or length == 0:
            return None
        rows = corpus.rows_of(d)
        coder, label = corpus.coder[rows], corpus.label[rows]
        start, end = corpus.start[rows], corpus.end[rows]
        differ = np.zeros(length, dtype=bool)
        for k in np.unique(label).tolist():
            covers = []
            for i in coders:
                mine = (coder == i) & (label == k)
                steps = np.zeros(length + 1, dtype=np.int64)
                np.add.at(steps, np.clip(start[mine], 0, length), 1)
                np.add.at(steps, np.clip(end[mine], 0, length), -1)
                covers.append(np.cumsum(steps[:-1]) > 0)
            stacked = np.vstack(covers)
            differ |= stacked.any(axis=0) & ~stacked.all(axis=0)
        hits = np.flatnonzero(differ)
        if not len(hits):
            return None
        first = int(hits[0])
        same = np.flatnonzero(~differ[first:])
        return first, first + (int(same[0]) if len(same) else length - first)


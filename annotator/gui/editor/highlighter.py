"""Backgrounds of the active layer's spans, set block by block from the in-memory span index.

The formats go straight into each block's QTextLayout (as QSyntaxHighlighter does inside),
without its per-character bookkeeping: a document is formatted once before Qt lays it
out, and afterwards only the blocks a change touches are formatted again and re-laid out.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QColor, QTextBlock, QTextCharFormat, QTextDocument, QTextLayout

from ..offsets import OffsetMap
from .spans import SpanIndex


class SpanHighlighter:
    """Writes span backgrounds into block layouts; reads memory only, never the database."""

    def __init__(self, document: QTextDocument, index: SpanIndex, offsets: OffsetMap) -> None:
        self._document = document
        self._index = index
        self._offsets = offsets
        self._formats: dict[str, QTextCharFormat] = {}
        self.blocks_highlighted = 0  # how many blocks were (re)formatted: tests check it stays small

    def _format(self, colour: str) -> QTextCharFormat:
        found = self._formats.get(colour)
        if found is None:
            found = QTextCharFormat()
            found.setBackground(QColor(colour))
            self._formats[colour] = found
        return found

    def _apply(self, block: QTextBlock) -> None:
        self.blocks_highlighted += 1
        offsets = self._offsets
        block_qt = block.position()
        block_end = offsets.to_py(block_qt + block.length() - 1)
        ranges = []
        for segment in self._index.segments(block.blockNumber(), block_end):
            left = offsets.to_qt(segment.start) - block_qt
            span = QTextLayout.FormatRange()
            span.start = left
            span.length = offsets.to_qt(segment.end) - block_qt - left
            span.format = self._format(segment.background)
            ranges.append(span)
        block.layout().setFormats(ranges)

    def rehighlight(self, relayout: bool = True) -> None:
        """Format every block; `relayout=False` before Qt has laid the document out at all."""
        block = self._document.begin()
        while block.isValid():
            self._apply(block)
            block = block.next()
        if relayout:
            self._document.markContentsDirty(0, self._document.characterCount())

    def rehighlight_blocks(self, numbers: Iterable[int]) -> None:
        """Format some blocks again and re-lay out only those."""
        for number in sorted(numbers):
            block = self._document.findBlockByNumber(number)
            if block.isValid():
                self._apply(block)
                self._document.markContentsDirty(block.position(), block.length())

"""Backgrounds of the active layer's spans, block by block, from the in-memory span index."""

from __future__ import annotations

from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from ..offsets import OffsetMap
from .spans import SpanIndex


class SpanHighlighter(QSyntaxHighlighter):
    """Paints span backgrounds into each block's layout; reads memory only, never the database."""

    def __init__(self, document: QTextDocument, index: SpanIndex, offsets: OffsetMap) -> None:
        self._index = index
        self._offsets = offsets
        self._formats: dict[str, QTextCharFormat] = {}
        self.blocks_highlighted = 0  # how many blocks were (re)highlighted: tests check it stays small
        super().__init__(document)

    def _format(self, colour: str) -> QTextCharFormat:
        found = self._formats.get(colour)
        if found is None:
            found = QTextCharFormat()
            found.setBackground(QColor(colour))
            self._formats[colour] = found
        return found

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        """Set the background formats of the current block."""
        block = self.currentBlock()
        number = block.blockNumber()
        self.blocks_highlighted += 1
        offsets = self._offsets
        block_qt = block.position()
        block_end = offsets.to_py(block_qt + block.length() - 1)
        for segment in self._index.segments(number, block_end):
            left = offsets.to_qt(segment.start) - block_qt
            right = offsets.to_qt(segment.end) - block_qt
            self.setFormat(left, right - left, self._format(segment.background))

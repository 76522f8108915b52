"""Backgrounds of the active layer's spans, set block by block from the in-memory span index.

The formats go straight into each block's QTextLayout (as QSyntaxHighlighter does inside),
without its per-character bookkeeping. Opening a document formats only the paragraphs of the
first screen before Qt lays the text out; the rest are formatted a chunk at a time while the
reader starts reading (the paragraphs on screen first, should the reader scroll meanwhile).
Afterwards only the blocks a change touches are formatted again and re-laid out.
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
        self._waiting = bytearray()  # 1 for each block not formatted yet (opened with highlight_top)
        self._left = 0  # how many blocks are still waiting
        self._next = 0  # the first block that may still be waiting

    def _format(self, colour: str) -> QTextCharFormat:
        found = self._formats.get(colour)
        if found is None:
            found = QTextCharFormat()
            found.setBackground(QColor(colour))
            self._formats[colour] = found
        return found

    def _apply(self, block: QTextBlock) -> None:
        self.blocks_highlighted += 1
        number = block.blockNumber()
        if self._left and number < len(self._waiting) and self._waiting[number]:
            self._waiting[number] = 0
            self._left -= 1
        offsets = self._offsets
        block_qt = block.position()
        block_end = offsets.to_py(block_qt + block.length() - 1)
        ranges = []
        for segment in self._index.segments(number, block_end):
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
        self._waiting, self._left = bytearray(), 0
        if relayout:
            self._document.markContentsDirty(0, self._document.characterCount())

    def highlight_top(self, characters: int) -> None:
        """Before Qt lays the document out: format the blocks of its first `characters` (Qt
        positions); the others wait for highlight_more."""
        block = self._document.begin()
        while block.isValid() and block.position() < characters:
            self._apply(block)
            block = block.next()
        count = self._document.blockCount()
        first = block.blockNumber() if block.isValid() else count
        self._waiting = bytearray(first) + bytearray(b"\x01") * (count - first)
        self._left = count - first
        self._next = first

    @property
    def waiting(self) -> bool:
        """True while some blocks are not formatted yet."""
        return self._left > 0

    def highlight_more(self, characters: int, first: Iterable[int] = ()) -> None:
        """Format waiting blocks, about `characters` (Qt positions) of them: the blocks numbered in
        `first` (those on screen) before the others in text order; re-lays out what it formatted."""
        for number in first:
            if 0 <= number < len(self._waiting) and self._waiting[number]:
                block = self._document.findBlockByNumber(number)
                self._apply(block)
                self._document.markContentsDirty(block.position(), block.length())
        if not self._left:
            return
        number = self._waiting.find(1, self._next)
        if number < 0:
            number = self._waiting.find(1)
        block = self._document.findBlockByNumber(number)
        start = block.position()
        done = 0
        while block.isValid() and done < characters:
            if self._waiting[block.blockNumber()]:
                self._apply(block)
            done += block.length()
            block = block.next()
        self._next = block.blockNumber() if block.isValid() else len(self._waiting)
        self._document.markContentsDirty(start, min(done, self._document.characterCount() - start))

    def rehighlight_blocks(self, numbers: Iterable[int]) -> None:
        """Format some blocks again and re-lay out only those."""
        for number in sorted(numbers):
            block = self._document.findBlockByNumber(number)
            if block.isValid():
                self._apply(block)
                self._document.markContentsDirty(block.position(), block.length())

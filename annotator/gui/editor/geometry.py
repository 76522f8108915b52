"""Where a code-point range sits on screen: line fragments of the laid-out document."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTextDocument

from ..offsets import OffsetMap


class TextGeometry:
    """Screen positions of offsets in one laid-out document; make one per paint (it caches)."""

    def __init__(self, document: QTextDocument, offsets: OffsetMap, shift: QPointF) -> None:
        self._document = document
        self._layout = document.documentLayout()
        self._offsets = offsets
        self._shift = shift

    def range_rects(self, start: int, end: int) -> list[QRectF]:
        """One rectangle per line that [start, end) covers, in viewport coordinates.

        Each rectangle spans the text's own line height (not the extra line spacing), so
        callers can draw below `rect.bottom()` inside the spacing.
        """
        first, last = self._offsets.to_qt(start), self._offsets.to_qt(end)
        rects: list[QRectF] = []
        block = self._document.findBlock(first)
        while block.isValid() and block.position() < last:
            where = self._layout.blockBoundingRect(block).topLeft() + self._shift
            text_layout = block.layout()
            base = block.position()
            # From the line holding `first` (not the paragraph's first line) to the one past `last`.
            first_line = text_layout.lineForTextPosition(first - base) if first > base else text_layout.lineAt(0)
            for number in range(max(first_line.lineNumber(), 0) if first_line.isValid() else 0,
                                text_layout.lineCount()):
                line = text_layout.lineAt(number)
                line_start = base + line.textStart()
                if line_start >= last:
                    break
                line_end = line_start + line.textLength()
                left, right = max(first, line_start), min(last, line_end)
                if left >= right:
                    continue
                x_left = line.cursorToX(left - base)[0]
                x_right = line.cursorToX(right - base)[0]
                width = max(x_right - x_left, 2.0)
                rects.append(QRectF(where.x() + x_left, where.y() + line.y(), width, line.ascent() + line.descent()))
            block = block.next()
        return rects

    def line_top_bottom(self, position: int) -> tuple[float, float]:
        """Top and bottom (viewport y) of the line holding a code-point offset."""
        qt = self._offsets.to_qt(position)
        block = self._document.findBlock(qt)
        if not block.isValid():
            return 0.0, 0.0
        top = self._layout.blockBoundingRect(block).top() + self._shift.y()
        line = block.layout().lineForTextPosition(qt - block.position())
        if not line.isValid():
            return top, top
        return top + line.y(), top + line.y() + line.ascent() + line.descent()

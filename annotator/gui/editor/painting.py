"""Drawing the editor's decorations: underlines, find hits, the selected span, stripes, tooltips."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from ..offsets import OffsetMap
from .geometry import TextGeometry
from .spans import BACKGROUND, OTHERS, UNDERLINE, Mark, SpanIndex
from .view import STRIPE_GAP, STRIPE_WIDTH, TextView

MAX_UNDERLINE_LANES = 4
MAX_STRIPE_LANES = 12  # as many as the margin makes room for (view.margin_width)
FIND_COLOUR = "#e66100"
SELECTED_COLOUR = "#1a1a1a"
# Pixels above and below a block repainted with it: the underline lanes under its last line, the
# selected span's outline around its first (a repaint of the touched blocks must cover them).
REPAINT_PAD = 16


class PaintingMixin:
    """Paints what the highlighter cannot: stacked underlines, hit boxes, stripes; for AnnotationEditor."""

    view: TextView
    _text: str
    _annotator: str
    _offsets: OffsetMap
    _index: SpanIndex
    _selected: str | None
    _hits: list[tuple[int, int]]
    _hit: int

    # ----- painting (called by the view and the margin) ------------------------------

    def blocks_area(self, blocks: set[int]) -> QRect | None:
        """The viewport band the blocks' text, underlines and outlines fill (empty when off
        screen); None when a block is not laid out yet (then everything is repainted)."""
        document = self.view.document()
        layout = document.documentLayout()
        top = bottom = None
        for number in blocks:
            block = document.findBlockByNumber(number)
            rect = layout.blockBoundingRect(block) if block.isValid() else None
            if rect is None or not block.layout().lineCount():
                return None
            top = rect.top() if top is None else min(top, rect.top())
            bottom = rect.bottom() if bottom is None else max(bottom, rect.bottom())
        if top is None or bottom is None:
            return QRect()
        viewport = self.view.viewport()
        shift = self.view.verticalScrollBar().value()
        return QRect(0, int(top - shift) - REPAINT_PAD, viewport.width(),
                     int(bottom - top) + 2 * REPAINT_PAD + 1).intersected(viewport.rect())

    def _geometry(self) -> TextGeometry:
        shift = QPointF(-self.view.horizontalScrollBar().value(), -self.view.verticalScrollBar().value())
        return TextGeometry(self.view.document(), self._offsets, shift)

    def _visible_range(self, area: QRect | None = None) -> tuple[int, int]:
        """Code-point range of the text on screen (of the lines in `area` of the viewport, if given). Asks the document layout directly: the view's
        cursorForPosition gives the same positions but costs milliseconds per call while the text
        is still being laid out, as it is in the first paints after a document opens.

        While the text below the screen is not laid out yet, the layout's answer for the top
        of the screen can be a position far below it (the first screen then lost its underlines
        and stripes until the next paint): the top is then found from the bottom, walking up
        the few blocks on screen, which are laid out."""
        view = self.view
        viewport = view.viewport()
        document = view.document()
        layout = document.documentLayout()
        x, y = view.horizontalScrollBar().value(), view.verticalScrollBar().value()
        height = viewport.height()
        if area is not None:  # a band of the screen: from the line at its top to the line at its bottom
            y, height = y + max(area.top(), 0), min(area.bottom() + 1, height) - max(area.top(), 0)
        top = layout.hitTest(QPointF(x, y), Qt.HitTestAccuracy.FuzzyHit)
        bottom = max(layout.hitTest(QPointF(x + viewport.width(), y + height),
                                    Qt.HitTestAccuracy.FuzzyHit), 0)
        if not 0 <= top <= bottom:
            block = document.findBlock(bottom)
            while block.previous().isValid() and layout.blockBoundingRect(block).top() > y:
                block = block.previous()
            top = block.position()
        return self._offsets.to_py(top), self._offsets.to_py(bottom) + 1

    def paint_overlay(self, painter: QPainter, area: QRect | None = None) -> None:
        """Underlines of other layers and of other annotators, find hits, the selected span (of
        the lines in `area`, the part of the viewport being painted; all on screen if None)."""
        if not self._text:
            return
        geometry = self._geometry()
        first, last = self._visible_range(self._padded(area))
        for mark in self._index.marks_between(first, last):
            if mark.role == BACKGROUND:
                continue
            colour = QColor(mark.colour).darker(115)
            pen = QPen(colour, 2.4 if mark.role == UNDERLINE else 1.6)
            if mark.role == OTHERS:
                pen.setStyle(Qt.PenStyle.DashLine)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            lane = min(mark.underline_lane, MAX_UNDERLINE_LANES - 1)
            for rect in geometry.range_rects(mark.start, mark.end):
                y = rect.bottom() + 1.5 + lane * 3.2
                painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        self.paint_suggestions(painter, geometry, first, last)  # type: ignore[attr-defined]
        for number, (start, end) in enumerate(self._hits):
            if end <= first or start >= last:
                continue
            painter.setPen(QPen(QColor(FIND_COLOUR), 2.2 if number == self._hit else 1.2))
            for rect in geometry.range_rects(start, end):
                painter.drawRoundedRect(rect.adjusted(-1.5, -1, 1.5, 1), 3, 3)
        selected = self._index.get(self._selected) if self._selected else None
        if selected is not None and selected.start is not None and selected.end is not None:
            painter.setPen(QPen(QColor(SELECTED_COLOUR), 1.6, Qt.PenStyle.SolidLine))
            for rect in geometry.range_rects(selected.start, selected.end):
                painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 3, 3)
        self.paint_relations(painter, geometry)  # type: ignore[attr-defined]

    def _padded(self, area: QRect | None) -> QRect | None:
        """`area` grown by the decorations' reach above and below a line (None: the whole screen)."""
        if area is None or area.contains(self.view.viewport().rect()):
            return None
        return area.adjusted(0, -REPAINT_PAD, 0, REPAINT_PAD)

    def _stripe_geometry(self, area: QRect | None = None) -> list[tuple[Mark, QRectF]]:
        """Each visible span's bar: in its lane, from its first line to its last.

        Spans in one lane never overlap in the text, but two of them can sit on one line
        ("council" and "voted" both coded Framing): there the line is shared, in text order
        from top to bottom, so each keeps a bar of its own instead of the later one
        hiding the earlier. Only the visible spans are measured (those on the lines in `area`
        when given: every span sharing such a line is among them, so their bars are the same),
        so the cost follows the screen, not the document.
        """
        if not self._text:
            return []
        geometry = self._geometry()
        first, last = self._visible_range(self._padded(area))
        height = self.view.viewport().height()
        placed: list[tuple[Mark, int, tuple[float, float], tuple[float, float]]] = []
        on_line: dict[tuple[int, float], list[Mark]] = {}
        marks = sorted(self._index.marks_between(first, last), key=lambda m: (m.start, m.end, m.annotation.id))
        for mark in marks:
            top_line = geometry.line_top_bottom(mark.start)
            bottom_line = geometry.line_top_bottom(max(mark.start, mark.end - 1))
            if bottom_line[1] < 0 or top_line[0] > height:
                continue
            lane = min(mark.stripe_lane, MAX_STRIPE_LANES - 1)
            placed.append((mark, lane, top_line, bottom_line))
            on_line.setdefault((lane, top_line[0]), []).append(mark)
            if bottom_line[0] != top_line[0]:
                on_line.setdefault((lane, bottom_line[0]), []).append(mark)
        found = []
        for mark, lane, (line_top, line_bottom), (last_top, last_bottom) in placed:
            sharing = on_line[(lane, line_top)]
            share = (line_bottom - line_top) / len(sharing)
            top = line_top + sharing.index(mark) * share
            sharing = on_line[(lane, last_top)]
            share = (last_bottom - last_top) / len(sharing)
            bottom = last_top + (sharing.index(mark) + 1) * share
            inset = 1.0 if bottom - top >= 6 else 0.5
            x = 6 + lane * (STRIPE_WIDTH + STRIPE_GAP)
            found.append((mark, QRectF(x, top + inset, STRIPE_WIDTH, max(bottom - top - 2 * inset, 2.0))))
        return found

    def paint_stripes(self, painter: QPainter, width: int, area: QRect | None = None) -> None:
        """Draw one bar per visible span in its label colour, in its lane (those on the lines in
        `area` of the margin, if given)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for mark, rect in self._stripe_geometry(area):
            colour = QColor(mark.colour)
            if mark.role == OTHERS:
                painter.setPen(QPen(colour.darker(120), 1))
                painter.setBrush(QBrush(colour, Qt.BrushStyle.Dense5Pattern))
            else:
                painter.setPen(QPen(Qt.PenStyle.NoPen))
                painter.setBrush(QBrush(colour))
            painter.drawRoundedRect(rect, 2, 2)
            if mark.annotation.id == self._selected:
                painter.setPen(QPen(QColor(SELECTED_COLOUR), 1.4))
                painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
                painter.drawRoundedRect(rect.adjusted(-1.5, -1.5, 1.5, 1.5), 2, 2)

    def stripe_at(self, point: QPoint) -> str | None:
        """The annotation whose stripe is under a margin point."""
        for mark, rect in self._stripe_geometry():
            if rect.adjusted(-1, 0, 1, 0).contains(QPointF(point)):
                return mark.annotation.id
        return None

    def tooltip_at(self, point: QPoint) -> str:
        """Rich-text list of every code at a viewport point ('' when none)."""
        position = self.char_at(point)
        if position is None:
            return ""
        codes = self.describe([m.annotation.id for m in self._index.marks_at(position)])
        suggested = self.describe_suggestions(position)  # type: ignore[attr-defined]
        return "<br>".join(part for part in (codes, suggested) if part)

    def describe(self, ids: list[str]) -> str:
        """Rich-text lines naming the codes of some annotations, with attributes and notes."""
        lines = []
        for ident in ids:
            annotation = self._index.get(ident)
            if annotation is None:
                continue
            colour = self._index.colour(annotation.layer, annotation.label)
            parts = [f'<span style="color:{colour};">■</span> {escape(annotation.layer)}: '
                     f"<b>{escape(annotation.label)}</b>"]
            if annotation.annotator != self._annotator:
                parts.append(f" <i>({escape(annotation.annotator)}, read-only)</i>")
            if annotation.attributes:
                values = ", ".join(f"{escape(k)} = {escape(str(v))}" for k, v in annotation.attributes.items())
                parts.append(f" — {values}")
            if annotation.note:
                parts.append(f"<br>&nbsp;&nbsp;&nbsp;<i>{escape(annotation.note)}</i>")
            links = self.describe_relations(ident)  # type: ignore[attr-defined]
            if links:
                parts.append(f"<br>{links}")
            lines.append("".join(parts))
        return "<br>".join(lines)



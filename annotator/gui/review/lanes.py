"""The review text: the article once, each annotator's spans as thin bars in its own lane under every line."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QTextEdit, QToolTip, QWidget

from ..editor.geometry import TextGeometry
from ..offsets import OffsetMap

BAR_HEIGHT = 2.6
SUBLANE_PITCH = 3.6  # one bar and a gap
LANE_GAP = 3.0  # between two annotators' lanes
MAX_SUBLANES = 4  # overlapping spans of one annotator stack at most this deep
UNRESOLVED_COLOUR = QColor(255, 196, 0, 70)
RESOLVED_COLOUR = QColor(46, 125, 50, 38)
SELECTED_COLOUR = QColor(255, 152, 0, 130)
SELECTED_OUTLINE = QColor("#C25E00")
RELATION_COLOUR = QColor("#6A1B9A")  # the selected relation's ends and arc
ARROW = 7.0


@dataclass(frozen=True, slots=True)
class LaneSpan:
    """One annotation drawn in a lane: code-point offsets, the label's colour, what it is."""

    annotation_id: str
    start: int
    end: int
    colour: str
    layer: str
    label: str


@dataclass(frozen=True, slots=True)
class Marked:
    """A stretch of text to mark as a disagreement."""

    start: int
    end: int
    resolved: bool


def stack(spans: list[LaneSpan]) -> dict[str, int]:
    """A sub-lane per span so that one annotator's overlapping spans do not hide each other."""
    ends: list[int] = []  # per sub-lane: where its last span ends
    placed: dict[str, int] = {}
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        for number, end in enumerate(ends):
            if end <= span.start:
                ends[number] = span.end
                placed[span.annotation_id] = number
                break
        else:
            ends.append(span.end)
            placed[span.annotation_id] = len(ends) - 1
    return placed


class LaneView(QTextEdit):
    """Read-only, selectable text with one lane of bars per compared annotator below each line."""

    sig_clicked = Signal(int)
    """A click (no drag) at this code-point offset."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setUndoRedoEnabled(False)
        self.setFrameShape(QTextEdit.Shape.NoFrame)
        self.viewport().setMouseTracking(True)
        self._text = ""
        self._offsets = OffsetMap("")
        self._lanes: list[str] = []
        self._spans: dict[str, list[LaneSpan]] = {}
        self._sublane: dict[str, int] = {}
        self._depth: dict[str, int] = {}
        self._marked: list[Marked] = []
        self._selected: tuple[int, int] | None = None
        self._focused: str | None = None
        self._relation: tuple[tuple[int, int], tuple[int, int]] | None = None
        self._press: QPoint | None = None
        self._document: QTextDocument | None = None  # the one this view made and owns
        self._spacing: float | None = None  # the room left under each line now
        self.paints = 0

    # ----- content -----------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The text shown."""
        return self._text

    @property
    def lanes(self) -> list[str]:
        """The annotators whose lanes are drawn, top lane first."""
        return list(self._lanes)

    def set_text(self, text: str) -> None:
        """Show another text (lanes and marks are cleared)."""
        self._text = text
        self._offsets = OffsetMap(text)
        self._spans, self._lanes, self._marked, self._selected = {}, [], [], None
        self._relation = None
        document = QTextDocument(self)
        document.setUndoRedoEnabled(False)
        document.setDefaultFont(self.font())
        document.setDocumentMargin(16)
        document.setPlainText(text)
        old, self._document = self._document, document
        self._spacing = None
        self.setDocument(document)
        if old is not None:
            old.deleteLater()

    def set_lanes(self, lanes: list[str], spans: dict[str, list[LaneSpan]]) -> None:
        """Draw these annotators' spans, one lane each, in this order."""
        self._lanes = list(lanes)
        self._spans = {name: list(spans.get(name, [])) for name in lanes}
        self._sublane, self._depth = {}, {}
        for name in self._lanes:
            placed = stack(self._spans[name])
            self._sublane.update({ident: min(lane, MAX_SUBLANES - 1) for ident, lane in placed.items()})
            self._depth[name] = min(max(placed.values(), default=0) + 1, MAX_SUBLANES)
        self._apply_spacing()
        self.viewport().update()

    def set_marked(self, marked: list[Marked], selected: tuple[int, int] | None) -> None:
        """Shade the disagreements (unresolved amber, resolved green) and outline the selected one."""
        self._marked = list(marked)
        self._selected = selected
        selections = []
        for item in self._marked:
            colour = RESOLVED_COLOUR if item.resolved else UNRESOLVED_COLOUR
            selections.append(self._extra(item.start, item.end, colour))
        if selected is not None:
            selections.append(self._extra(selected[0], selected[1], SELECTED_COLOUR))
        self.setExtraSelections(selections)
        self.viewport().update()

    def set_focused(self, annotation_id: str | None) -> None:
        """Outline the bars of one annotation (the one selected in the review's list)."""
        self._focused = annotation_id
        self.viewport().update()

    def set_relation(self, ends: tuple[tuple[int, int], tuple[int, int]] | None) -> None:
        """Outline a relation's two ends and draw its arc, source to target (None: no relation)."""
        self._relation = ends
        self.viewport().update()

    def relation_ends(self) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The (start, end) of the source and the target of the relation drawn, or None."""
        return self._relation

    def _extra(self, start: int, end: int, colour: QColor) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._offsets.to_qt(start))
        cursor.setPosition(self._offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor  # type: ignore[attr-defined]
        char_format = QTextCharFormat()
        char_format.setBackground(QBrush(colour))
        selection.format = char_format  # type: ignore[attr-defined]
        return selection

    def lanes_height(self) -> float:
        """The room the lanes take under each line, in pixels."""
        return sum(self._depth.get(name, 1) * SUBLANE_PITCH for name in self._lanes) + LANE_GAP * len(self._lanes) + 2

    def _apply_spacing(self) -> None:
        """Leave room under every line for the lanes (laid out again only when that room changes)."""
        height = self.lanes_height()
        if height == self._spacing:
            return
        self._spacing = height
        block_format = QTextBlockFormat()
        block_format.setLineHeight(height, QTextBlockFormat.LineHeightTypes.LineDistanceHeight.value)
        block_format.setBottomMargin(6)
        cursor = QTextCursor(self.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.mergeBlockFormat(block_format)

    # ----- selection and scrolling --------------------------------------------------------

    def selection(self) -> tuple[int, int] | None:
        """The selected text as code-point (start, end), or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return self._offsets.to_py(cursor.selectionStart()), self._offsets.to_py(cursor.selectionEnd())

    def set_selection(self, start: int, end: int) -> None:
        """Select [start, end) (code points), as a user would by dragging."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._offsets.to_qt(start))
        cursor.setPosition(self._offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def scroll_to(self, start: int) -> None:
        """Bring the line holding `start` into view (about a third from the top)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._offsets.to_qt(start))
        rect = self.cursorRect(cursor)
        bar = self.verticalScrollBar()
        if rect.top() < 0 or rect.bottom() > self.viewport().height():
            bar.setValue(bar.value() + rect.top() - self.viewport().height() // 3)

    def position_at(self, point: QPoint) -> int | None:
        """The code-point offset of the character under a viewport point."""
        if not self._text:
            return None
        return self._offsets.to_py(self.cursorForPosition(point).position())

    # ----- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """The text with its disagreement shading, then every lane's bars."""
        super().paintEvent(event)
        self.paints += 1
        if not self._text or not self._lanes:
            return
        painter = QPainter(self.viewport())
        shift = QPointF(-self.horizontalScrollBar().value(), -self.verticalScrollBar().value())
        geometry = TextGeometry(self.document(), self._offsets, shift)
        top_visible = self.position_at(QPoint(0, 0)) or 0
        corner = QPoint(self.viewport().width(), self.viewport().height())
        bottom_visible = (self.position_at(corner) or len(self._text)) + 1
        offset = 3.0
        focused: list[QRectF] = []
        for name in self._lanes:
            for span in self._spans[name]:
                if span.end <= top_visible or span.start >= bottom_visible:
                    continue
                y = offset + self._sublane.get(span.annotation_id, 0) * SUBLANE_PITCH
                colour = QColor(span.colour).darker(110)
                for rect in geometry.range_rects(span.start, span.end):
                    bar = QRectF(rect.left(), rect.bottom() + y, rect.width(), BAR_HEIGHT)
                    painter.fillRect(bar, colour)
                    if span.annotation_id == self._focused:
                        focused.append(bar)
            offset += self._depth.get(name, 1) * SUBLANE_PITCH + LANE_GAP
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        painter.setPen(QPen(QColor("#111111"), 1.2))
        for bar in focused:
            painter.drawRect(bar.adjusted(-1, -1, 1, 1))
        if self._selected is not None:
            painter.setPen(QPen(SELECTED_OUTLINE, 1.4))
            painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            for rect in geometry.range_rects(*self._selected):
                painter.drawRoundedRect(rect.adjusted(-2, -1, 2, self.lanes_height()), 3, 3)
        if self._relation is not None:
            self._paint_relation(painter, geometry)
        painter.end()

    def _paint_relation(self, painter: QPainter, geometry: TextGeometry) -> None:
        """Both ends of the selected relation outlined, and an arc with an arrow head from source to target."""
        assert self._relation is not None
        lines = [geometry.range_rects(start, end) for start, end in self._relation]
        painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        painter.setPen(QPen(RELATION_COLOUR, 1.8))
        for rects in lines:
            for rect in rects:
                painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 1), 3, 3)
        if not lines[0] or not lines[1]:
            return
        near, far = min(((a, b) for a in lines[0] for b in lines[1]),
                        key=lambda pair: (abs(pair[0].top() - pair[1].top()),
                                          abs(pair[0].center().x() - pair[1].center().x())))
        one = QPointF(near.center().x(), near.top() - 2)
        two = QPointF(far.center().x(), far.top() - 2)
        lift = 14 + min(abs(two.x() - one.x()) / 12, 14) + min(abs(two.y() - one.y()) / 8, 24)
        top = max(min(one.y(), two.y()) - lift, 2.0)
        path = QPainterPath(one)
        path.cubicTo(QPointF(one.x(), top), QPointF(two.x(), top), two)
        painter.drawPath(path)
        tip, back = path.pointAtPercent(1.0), path.pointAtPercent(0.93)
        direction = tip - back
        length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 0.001)
        unit = QPointF(direction.x() / length, direction.y() / length)
        normal = QPointF(-unit.y(), unit.x())
        base = tip - unit * ARROW
        painter.setPen(QPen(Qt.PenStyle.NoPen))
        painter.setBrush(QBrush(RELATION_COLOUR))
        painter.drawPolygon(QPolygonF([tip, base + normal * (ARROW / 2), base - normal * (ARROW / 2)]))

    # ----- mouse and tooltips ------------------------------------------------------------

    def codes_at(self, position: int) -> list[tuple[str, LaneSpan]]:
        """(annotator, span) of every span covering a code-point offset, lane by lane."""
        return [(name, span) for name in self._lanes for span in self._spans[name]
                if span.start <= position < span.end]

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Remember where a possible click started."""
        self._press = event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """A click without dragging reports its position (to select the disagreement there)."""
        super().mouseReleaseEvent(event)
        point = event.position().toPoint()
        clicked = self._press is not None and (point - self._press).manhattanLength() < 4
        if clicked and not self.textCursor().hasSelection():
            position = self.position_at(point)
            if position is not None:
                self.sig_clicked.emit(position)
        self._press = None

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Hover: who coded what at the position under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            position = self.position_at(event.pos())  # type: ignore[attr-defined]
            codes = self.codes_at(position) if position is not None else []
            if codes:
                lines = [f'<span style="color:{span.colour};">■</span> <b>{escape(name)}</b>: '
                         f"{escape(span.layer)}: {escape(span.label)}" for name, span in codes]
                QToolTip.showText(event.globalPos(), "<br>".join(lines), self.viewport())  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

"""The read-only, selectable text view and the coding-stripes margin beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QPalette,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextDocument,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QTextEdit, QToolTip, QWidget

if TYPE_CHECKING:
    from .editor import AnnotationEditor

READING_WIDTH_CHARS = 78  # longest comfortable line, in average characters
SIDE_MARGIN = 28
TOP_MARGIN = 18
BOTTOM_MARGIN = 36
STRIPE_WIDTH = 5
STRIPE_GAP = 2


class StripesMargin(QWidget):
    """Vertical bars beside the text, one per visible span, side by side where they overlap."""

    def __init__(self, view: TextView) -> None:
        super().__init__(view)
        self._view = view
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Width for the lanes in use."""
        return QSize(self._view.margin_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """Draw the stripes of the visible part of the text."""
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().window())
        self._view.controller.paint_stripes(painter, self.width(), event.rect())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Clicking a stripe selects its annotation."""
        ident = self._view.controller.stripe_at(event.position().toPoint())
        if ident:
            self._view.controller.select_annotation(ident)

    def event(self, event: QEvent) -> bool:
        """Tooltips name the code of the stripe under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            ident = self._view.controller.stripe_at(event.pos())  # type: ignore[attr-defined]
            text = self._view.controller.describe([ident]) if ident else ""
            if text:
                QToolTip.showText(event.globalPos(), text, self)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class TextView(QTextEdit):
    """A QTextEdit that shows the article read-only, keyboard-selectable, with span decorations."""

    def __init__(self, controller: AnnotationEditor) -> None:
        super().__init__(controller)
        self.controller = controller
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setFrameShape(QTextEdit.Shape.NoFrame)
        self.setTabChangesFocus(True)
        # A see-through selection keeps the codes' colours visible under it.
        palette = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Highlight, QColor(30, 100, 230, 70))
            palette.setColor(group, QPalette.ColorRole.HighlightedText, palette.color(QPalette.ColorRole.Text))
        self.setPalette(palette)
        self.margin = StripesMargin(self)
        self._press: QPoint | None = None
        self.paints = 0  # paint events so far (the benchmark checks that a paint happened)
        self._dragged_edge: str | None = None
        self._linking = False  # a Ctrl+Alt drag from one span to another is making a relation
        self.viewport().setMouseTracking(True)
        # Re-fitting the column reflows the whole text: do it once a resize has settled.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(60)
        self._fit_timer.timeout.connect(self.fit_reading_width)

    @property
    def pressing(self) -> bool:
        """True between a left-button press and its release (a click, drag or edge drag)."""
        return self._press is not None or self._dragged_edge is not None

    # ----- geometry ------------------------------------------------------------------

    def margin_width(self) -> int:
        """Width of the stripes margin for the lanes in use (at least room for two)."""
        lanes = max(2, min(self.controller.stripe_lane_count(), 12))
        return 10 + lanes * (STRIPE_WIDTH + STRIPE_GAP)

    def update_margin(self, area: QRect | None = None) -> None:
        """Resize the stripes margin to the lanes in use and repaint it (only the band `area` of
        the viewport, when given and the lanes still fit)."""
        width = self.margin_width()
        if width != self.viewportMargins().left():
            self.setViewportMargins(width, 0, 0, 0)
            area = None
        rect = self.contentsRect()
        self.margin.setGeometry(QRect(rect.left(), rect.top(), width, rect.height()))
        if area is None:
            self.margin.update()
        elif not area.isEmpty():
            self.margin.update(QRect(0, area.top(), width, area.height()))

    def fit_reading_width(self, document: QTextDocument | None = None) -> None:
        """Centre the text in a column of comfortable width (relayouts only when it changes)."""
        document = document or self.document()
        # Measured as if the scroll bar were shown, so that it appearing never reflows the text.
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        width = self.contentsRect().width() - self.viewportMargins().left() - scroll_bar
        longest = READING_WIDTH_CHARS * QFontMetricsF(document.defaultFont()).averageCharWidth()
        side = round(max(SIDE_MARGIN, (width - longest) / 2))
        frame: QTextFrameFormat = document.rootFrame().frameFormat()
        if frame.leftMargin() == side and frame.topMargin() == TOP_MARGIN:
            return
        frame.setLeftMargin(side)
        frame.setRightMargin(side)
        frame.setTopMargin(TOP_MARGIN)
        frame.setBottomMargin(BOTTOM_MARGIN)
        document.rootFrame().setFrameFormat(frame)
        self.margin.update()  # the text reflowed: its lines, so the bars beside them, moved

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Keep the margin and the reading column in place."""
        super().resizeEvent(event)
        self.update_margin()
        self._fit_timer.start()

    # ----- painting ------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """The text (with backgrounds), then underlines, find hits and the selected span outline."""
        super().paintEvent(event)
        self.paints += 1
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.controller.paint_overlay(painter, event.rect())
        painter.end()
        self.controller.painted()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt's name
        """Scroll the stripes with the text."""
        super().scrollContentsBy(dx, dy)
        self.margin.update()

    # ----- keyboard ------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Claim label keys and editing keys before window shortcuts see them."""
        if event.type() == QEvent.Type.ShortcutOverride and self.controller.wants_key(event):  # type: ignore[arg-type]
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Label keys, delete, resize and navigation go to the editor; F-keys to the window."""
        if Qt.Key.Key_F1 <= event.key() <= Qt.Key.Key_F35:
            event.ignore()
            return
        if self.controller.handle_key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    # ----- mouse ---------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Ctrl/Alt+click selects a sentence; a plain press may start a click on a span."""
        point = event.position().toPoint()
        modifiers = event.modifiers()
        link_drag = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        if event.button() == Qt.MouseButton.LeftButton and modifiers == link_drag:
            if self.controller.start_link_drag(point):
                self._linking = True
                event.accept()
                return
        if event.button() == Qt.MouseButton.LeftButton and modifiers & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            if self.controller.select_unit_at(point, "sentence"):
                event.accept()
                return
        if event.button() == Qt.MouseButton.LeftButton:
            edge = self.controller.edge_at(point)
            if edge is not None:
                self._dragged_edge = edge
                event.accept()
                return
        self._press = point if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Dragging a selected span's edge previews the new span; hovering an edge shows it."""
        point = event.position().toPoint()
        if self._linking:
            self.controller.drag_link(point)
            event.accept()
            return
        if self._dragged_edge is not None:
            self.controller.drag_edge(self._dragged_edge, point)
            event.accept()
            return
        if event.buttons() == Qt.MouseButton.NoButton:
            self.controller.hover(point)
            near = self.controller.edge_at(point) is not None
            shape = Qt.CursorShape.SizeHorCursor if near else Qt.CursorShape.IBeamCursor
            if self.viewport().cursor().shape() != shape:
                self.viewport().setCursor(shape)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """A click (no drag) on a span selects that annotation; an edge drag resizes it."""
        point = event.position().toPoint()
        if self._linking:
            self._linking = False
            self.controller.finish_link_drag(point)
            event.accept()
            return
        if self._dragged_edge is not None:
            edge, self._dragged_edge = self._dragged_edge, None
            self.controller.finish_edge_drag(edge, point)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self._press is not None and (point - self._press).manhattanLength() < 4:
            if not self.textCursor().hasSelection() and not self.controller.link_click(point):
                self.controller.click_at(point)
        self._press = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Double-click selects the token under the mouse."""
        if event.button() == Qt.MouseButton.LeftButton and self.controller.select_unit_at(
            event.position().toPoint(), "token"
        ):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Hover tooltip: every code at the position under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            text = self.controller.tooltip_at(event.pos())  # type: ignore[attr-defined]
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

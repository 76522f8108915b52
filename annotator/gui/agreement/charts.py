"""Painted charts of an agreement report: figure bars and the confusion-matrix heatmap.

Each chart paints itself through `paint_to(painter, rect)`, so the dashboard shows it and
the export paints the same picture into an image at any size, visible or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...ops.agreement.report import exact, rounded
from ...stats import Figure

BAR_COLOUR = QColor("#4a7ab5")
GUIDE_COLOUR = QColor("#9a9a9a")
UNDEFINED_COLOUR = QColor("#8a5a00")
AGREE_COLOUR = QColor("#2f6db3")
DISAGREE_COLOUR = QColor("#c2452d")
GUIDES = (0.667, 0.8)  # Krippendorff (2004, p. 241): tentative and reliable alpha


class _Painted(QWidget):
    """A chart that paints itself with paint_to, on screen or into an exported image."""

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Paint on the widget, over the palette's base colour."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        self.paint_to(painter, self.rect())
        painter.end()

    def paint_to(self, painter: QPainter, rect: QRect, ink: QColor | None = None) -> None:
        """Paint into `rect` (text in `ink`, or the palette's text colour)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Bar:
    """One bar: a name, its figure (value or undefined reason) and a note shown in small type."""

    name: str
    figure: Figure
    note: str = ""


def figure_text(figure: Figure) -> str:
    """A figure as a dashboard shows it: 0.702, or "undefined: reason"."""
    if figure.value is None:
        return f"undefined: {figure.undefined_reason}"
    return rounded(figure.value)


def count_text(count: int, cell: int) -> str:
    """A count short enough for its cell: 1,333 in a wide cell, 1.3k in a narrow one."""
    if cell < 36 and count >= 1000:
        return f"{count / 1000:.1f}k" if count < 10_000 else f"{count // 1000}k"
    return f"{count:,}"


class FigureBars(_Painted):
    """Horizontal bars of agreement figures on a −1…1 or 0…1 scale; undefined ones say why."""

    ROW = 30

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[Bar] = []
        self.title = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(360)

    def set_bars(self, title: str, bars: list[Bar]) -> None:
        """Show these bars under a title."""
        self.title, self.bars = title, bars
        self.setFixedHeight(self.chart_height())
        self.update()

    def bar_at(self, point: QPoint) -> Bar | None:
        """The bar whose row holds `point` (in widget coordinates), if any."""
        row = (point.y() - 28) // self.ROW
        return self.bars[row] if point.y() >= 28 and 0 <= row < len(self.bars) else None

    def event(self, event: QEvent) -> bool:
        """A tooltip over a bar gives its exact value (the bar's label is rounded)."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            bar = self.bar_at(event.pos())
            if bar is None:
                QToolTip.hideText()
            else:
                value = figure_text(bar.figure) if bar.figure.value is None else exact(bar.figure.value)
                QToolTip.showText(event.globalPos(), f"{bar.name}: {value}", self)
            return True
        return super().event(event)

    def chart_height(self) -> int:
        """Pixels the chart needs (title, one row per bar, the axis)."""
        return 28 + self.ROW * max(len(self.bars), 1) + 26

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Wide enough for names and values."""
        return QSize(640, self.chart_height())

    def paint_to(self, painter: QPainter, rect: QRect, ink: QColor | None = None) -> None:
        """Paint the chart into `rect` (text in `ink`, or the palette's text colour)."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        metrics = QFontMetrics(font)
        text = ink if ink is not None else self.palette().text().color()
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text)
        title = QFontMetrics(bold).elidedText(self.title, Qt.TextElideMode.ElideRight, rect.width() - 8)
        painter.drawText(rect.left() + 4, rect.top() + 18, title)  # narrow: "…" rather than cut mid-letter
        painter.setFont(font)
        if not self.bars:
            painter.drawText(rect.left() + 4, rect.top() + 46, "(nothing to show)")
            painter.restore()
            return
        name_width = min(int(rect.width() * 0.34), max(metrics.horizontalAdvance(b.name) for b in self.bars) + 12)
        value_width = metrics.horizontalAdvance("−0.000") + 14
        low = -1.0 if any(b.figure.value is not None and b.figure.value < 0 for b in self.bars) else 0.0
        left = rect.left() + name_width
        width = max(rect.width() - name_width - value_width - 8, 40)
        top = rect.top() + 28

        def x_of(value: float) -> int:
            """Horizontal pixel of a figure value."""
            return left + round((min(max(value, low), 1.0) - low) / (1.0 - low) * width)

        bottom = top + self.ROW * len(self.bars)
        painter.setPen(QPen(GUIDE_COLOUR, 1, Qt.PenStyle.DashLine))
        for guide in GUIDES:
            painter.drawLine(x_of(guide), top - 4, x_of(guide), bottom)
        painter.setPen(QPen(text, 1))
        painter.drawLine(x_of(0.0), top - 4, x_of(0.0), bottom)
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() * 0.85, 6.0))
        for row, bar in enumerate(self.bars):
            y = top + row * self.ROW
            painter.setPen(text)
            name = metrics.elidedText(bar.name, Qt.TextElideMode.ElideRight, name_width - 8)
            painter.drawText(QRect(rect.left() + 4, y, name_width - 8, self.ROW - 6),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
            figure = bar.figure
            if figure.value is None:
                painter.setPen(UNDEFINED_COLOUR)
                reason = metrics.elidedText(figure_text(figure), Qt.TextElideMode.ElideRight, width + value_width)
                painter.drawText(QRect(left + 6, y, width + value_width, self.ROW - 6),
                                 Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, reason)
                continue
            zero, end = x_of(0.0), x_of(figure.value)
            painter.fillRect(QRect(min(zero, end), y + 5, max(abs(end - zero), 1), self.ROW - 16), BAR_COLOUR)
            ci_low, ci_high = figure.details.get("ci_low"), figure.details.get("ci_high")
            if ci_low is not None and ci_high is not None:
                middle = y + (self.ROW - 6) // 2
                painter.setPen(QPen(text, 1.5))
                painter.drawLine(x_of(ci_low), middle, x_of(ci_high), middle)
                painter.drawLine(x_of(ci_low), middle - 4, x_of(ci_low), middle + 4)
                painter.drawLine(x_of(ci_high), middle - 4, x_of(ci_high), middle + 4)
            painter.setPen(text)
            painter.drawText(QRect(left + width + 8, y, value_width, self.ROW - 6),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, rounded(figure.value))
        painter.setFont(small)
        painter.setPen(GUIDE_COLOUR.darker(140))
        for tick in (low, 0.0, *GUIDES, 1.0) if low < 0 else (0.0, *GUIDES, 1.0):
            label = f"{tick:g}" if tick not in GUIDES else f"{tick:.3f}".lstrip("0")
            painter.drawText(QRect(x_of(tick) - 30, bottom + 2, 60, 16), Qt.AlignmentFlag.AlignHCenter, label)
        painter.restore()


class ConfusionHeatmap(_Painted):
    """A confusion matrix as coloured cells: blue where two annotators agree, red where not.

    Colour intensity grows with log(1 + count), so rare confusions stay visible next to a
    large "none/none" cell.  Categories neither annotator used are left out.
    """

    sig_cell_clicked = Signal(int, int)
    """(row category, column category) as indexes into the report's categories."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.names: list[str] = []
        self.shown: list[int] = []
        self.first = self.second = self.unit = ""
        self.selected: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(320, 260)

    def set_matrix(self, counts: np.ndarray | None, categories: list[str], first: str, second: str,
                   unit: str) -> None:
        """Show `counts[r, c]`: units `first` gave category r and `second` category c."""
        self.counts = np.zeros((0, 0), dtype=np.int64) if counts is None else np.asarray(counts)
        self.names = categories
        self.first, self.second, self.unit = first, second, unit
        used = (self.counts.sum(axis=1) + self.counts.sum(axis=0)) > 0 if self.counts.size else []
        self.shown = [k for k, on in enumerate(used) if on]
        self.selected = None
        self.updateGeometry()
        self.update()

    # ----- geometry ----------------------------------------------------------------------

    def _head(self) -> int:
        """Pixels kept for the category names left of and above the grid."""
        metrics = QFontMetrics(self.font())
        return min(max((metrics.horizontalAdvance(self.names[k]) for k in self.shown), default=40) + 12, 170)

    def natural_side(self, cell: int = 48) -> int:
        """Width (= height) that paints the grid with cells of `cell` pixels."""
        return self._head() + 42 + cell * max(len(self.shown), 1)

    def _layout(self, rect: QRect) -> tuple[int, int, int]:
        """(left of the grid, top of the grid, cell size) for painting into rect."""
        head = self._head()
        n = max(len(self.shown), 1)
        cell = int(min((rect.width() - head - 30) / n, (rect.height() - head - 40) / n, 56))
        return rect.left() + head + 24, rect.top() + head + 30, max(cell, 14)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """Room for the grid at a comfortable cell size."""
        side = 190 + 60 + 40 * max(len(self.shown), 1)
        return QSize(side, side)

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        """The (row, column) category under a widget point, or None."""
        left, top, cell = self._layout(self.rect())
        column, row = (point.x() - left) // cell, (point.y() - top) // cell
        if point.x() < left or point.y() < top or not (0 <= row < len(self.shown) and 0 <= column < len(self.shown)):
            return None
        return self.shown[row], self.shown[column]

    def cell_centre(self, row: int, column: int) -> QPoint:
        """The widget point at the centre of the cell of two categories (for clicks and tests)."""
        left, top, cell = self._layout(self.rect())
        return QPoint(left + self.shown.index(column) * cell + cell // 2, top + self.shown.index(row) * cell + cell // 2)

    # ----- events ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """A click on a cell selects it and says which one."""
        hit = self.cell_at(event.position().toPoint())
        if hit is None:
            return
        self.selected = hit
        self.update()
        self.sig_cell_clicked.emit(*hit)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Hovering a cell shows what it counts."""
        hit = self.cell_at(event.position().toPoint())
        if hit is None:
            QToolTip.hideText()
            return
        row, column = hit
        QToolTip.showText(event.globalPosition().toPoint(),
                          f"{self.first}: {self.names[row]}\n{self.second}: {self.names[column]}\n"
                          f"{int(self.counts[row, column]):,} {self.unit}(s) — click to list them", self)

    def paint_to(self, painter: QPainter, rect: QRect, ink: QColor | None = None) -> None:
        """Paint the heatmap into `rect` (text in `ink`, or the palette's text colour)."""
        painter.save()
        text = ink if ink is not None else self.palette().text().color()
        font = QFont(self.font())
        metrics = QFontMetrics(font)
        painter.setFont(font)
        painter.setPen(text)
        if not self.shown:
            painter.drawText(rect.adjusted(8, 8, -8, -8), Qt.TextFlag.TextWordWrap,
                             "No confusion matrix: this unit has no categories to compare "
                             "(span F1 and alpha_U compare spans, not categories).")
            painter.restore()
            return
        left, top, cell = self._layout(rect)
        n = len(self.shown)
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRect(left, rect.top(), n * cell, 22), Qt.AlignmentFlag.AlignHCenter,
                         f"{self.second} (columns)")
        painter.save()
        painter.translate(rect.left() + 16, top + n * cell // 2)
        painter.rotate(-90)
        painter.drawText(QRect(-n * cell // 2, -14, n * cell, 22), Qt.AlignmentFlag.AlignHCenter,
                         f"{self.first} (rows)")
        painter.restore()
        painter.setFont(font)
        head = top - rect.top() - 30
        for position, k in enumerate(self.shown):
            name = metrics.elidedText(self.names[k], Qt.TextElideMode.ElideRight, head - 8)
            painter.drawText(QRect(left - head - 2, top + position * cell, head - 4, cell),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, name)
            painter.save()
            painter.translate(left + position * cell + cell // 2, top - 6)
            painter.rotate(-90)
            painter.drawText(QRect(0, -cell // 2, head - 4, cell),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
            painter.restore()
        peak = math.log1p(float(self.counts.max()) or 1.0)
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() * (0.9 if cell >= 34 else 0.75), 6.0))
        painter.setFont(small)
        for r, row in enumerate(self.shown):
            for c, column in enumerate(self.shown):
                count = int(self.counts[row, column])
                box = QRect(left + c * cell, top + r * cell, cell, cell)
                base = AGREE_COLOUR if row == column else DISAGREE_COLOUR
                share = math.log1p(count) / peak if count else 0.0
                colour = QColor.fromRgbF(1 - share * (1 - base.redF()), 1 - share * (1 - base.greenF()),
                                         1 - share * (1 - base.blueF()))
                painter.fillRect(box, colour)
                painter.setPen(QColor("#d0d0d0"))
                painter.drawRect(box.adjusted(0, 0, -1, -1))
                if count:
                    painter.setPen(QColor("white") if share > 0.55 else QColor("#202020"))
                    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, count_text(count, cell))
        if self.selected is not None and self.selected[0] in self.shown and self.selected[1] in self.shown:
            r, c = self.shown.index(self.selected[0]), self.shown.index(self.selected[1])
            painter.setPen(QPen(text, 3))
            painter.drawRect(QRect(left + c * cell, top + r * cell, cell, cell).adjusted(1, 1, -2, -2))
        painter.restore()

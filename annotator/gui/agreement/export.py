"""Export an agreement report: the tables as one CSV (write_csv) and the charts as one PNG image."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from ...ops.agreement import AgreementReport, write_csv
from .charts import ConfusionHeatmap, FigureBars

IMAGE_WIDTH = 1400
MARGIN = 24
INK = QColor("#1a1a1a")  # the image is white whatever the desktop theme


def export_csv(report: AgreementReport, path: str | Path) -> Path:
    """Every table of the report in one long-format CSV file."""
    return write_csv(report, path)


def render_charts(report: AgreementReport, charts: list[FigureBars], heatmap: ConfusionHeatmap | None) -> QImage:
    """The report's charts painted one below the other on a white image, with a heading."""
    heading_height = 64
    heat_side = 0
    if heatmap is not None and heatmap.shown:
        heat_side = min(IMAGE_WIDTH - 2 * MARGIN, heatmap.natural_side())
    shown = [chart for chart in charts if chart.bars]
    height = heading_height + sum(c.chart_height() + MARGIN for c in shown) + (heat_side + 30 + MARGIN if heat_side else 0)
    image = QImage(IMAGE_WIDTH, height + MARGIN, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    font = QFont(charts[0].font() if charts else QFont())
    bold = QFont(font)
    bold.setBold(True)
    bold.setPointSizeF(font.pointSizeF() * 1.25)
    painter.setFont(bold)
    painter.setPen(INK)
    what = f'attribute "{report.attribute}" of layer "{report.layer}"' if report.attribute else f'layer "{report.layer}"'
    painter.drawText(MARGIN, MARGIN + 10, f"Agreement on {what}: {', '.join(report.annotators)}")
    painter.setFont(font)
    painter.drawText(QRect(MARGIN, MARGIN + 16, IMAGE_WIDTH - 2 * MARGIN, 24),
                     Qt.AlignmentFlag.AlignLeft, f"unit of analysis: {report.unit_description}")
    top = heading_height
    for chart in shown:
        chart.paint_to(painter, QRect(MARGIN, top, IMAGE_WIDTH - 2 * MARGIN, chart.chart_height()), INK)
        top += chart.chart_height() + MARGIN
    if heat_side and heatmap is not None:
        title = QFont(font)
        title.setBold(True)
        painter.setFont(title)
        painter.setPen(INK)
        painter.drawText(MARGIN + 4, top + 14, f"Confusion matrix: {heatmap.first} (rows) × {heatmap.second} "
                         f"(columns), {heatmap.unit}s both coded")
        painter.setFont(font)
        heatmap.paint_to(painter, QRect(MARGIN, top + 30, heat_side, heat_side), INK)
    painter.end()
    return image


def export_image(report: AgreementReport, charts: list[FigureBars], heatmap: ConfusionHeatmap | None,
                 path: str | Path) -> Path:
    """Write the charts as a PNG file; raises OSError when it cannot be written."""
    path = Path(path)
    if not render_charts(report, charts, heatmap).save(str(path), "PNG"):
        raise OSError(f"could not write the image {path}")
    return path

"""Export an agreement report: the tables as one CSV (write_csv) and the charts as one PNG image.

Both name what the figures cover: the CSV starts with "scope" rows (labels included, documents
chosen and in the figures), the image's heading has a line for labels and documents.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from ...ops.agreement import AgreementReport, write_csv
from .charts import ConfusionHeatmap, FigureBars
from .subset import AgreementScope, quoted
from ...store.files import refuse_project_output

IMAGE_WIDTH = 1400
MARGIN = 24
INK = QColor("#1a1a1a")  # the image is white whatever the desktop theme


def scope_rows(report: AgreementReport, scope: AgreementScope | None) -> list[dict[str, object]]:
    """CSV rows (table "scope") naming the labels and documents the figures cover.

    measure "labels_included" (value: how many; unit: which, of how many), one
    "label_included" row per label (label column), "documents_chosen" (value: how many the
    choice covered; unit: how they were chosen) and "documents_computed" (value: how many
    are in the figures).  `value` stays numeric or blank, so the column still parses as numbers.
    """
    layer = f'layer "{report.layer}"'
    if scope is not None:
        labels = f"{scope.labels_text()} of {layer}"
    else:
        labels = f"labels of {layer}: {quoted(report.labels)}"
    rows: list[dict[str, object]] = [
        {"measure": "labels_included", "value": len(report.labels), "unit": labels},
        *({"measure": "label_included", "label": label} for label in report.labels),
    ]
    if scope is not None:
        rows.append({"measure": "documents_chosen", "value": scope.documents_chosen(report),
                     "unit": scope.documents_text(report)})
    left_out = "; ".join(f"{n} left out: {why}" for why, n in report.left_out.items())
    rows.append({"measure": "documents_computed", "value": len(report.documents),
                 "unit": "documents in the figures" + (f" ({left_out})" if left_out else "")})
    return [{"table": "scope", **row} for row in rows]


def export_csv(report: AgreementReport, path: str | Path, scope: AgreementScope | None = None) -> Path:
    """Every table of the report in one long-format CSV file, the "scope" rows first."""
    return write_csv(report, path, scope_rows(report, scope))


def scope_line(report: AgreementReport, scope: AgreementScope | None) -> str:
    """The image heading's line on labels and documents."""
    if scope is None:
        return f"labels: {quoted(report.labels)} · documents in the figures: {len(report.documents):,}"
    return ("Restricted: covers " if scope.restricted else "covers ") + (
        f"{scope.labels_text()} · {scope.documents_text(report)}, {len(report.documents):,} in the figures")


def render_charts(report: AgreementReport, charts: list[FigureBars], heatmap: ConfusionHeatmap | None,
                  scope: AgreementScope | None = None) -> QImage:
    """The report's charts painted one below the other on a white image, with a heading."""
    heading_height = 84
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
    covered_font = QFont(font)
    covered_font.setBold(scope is not None and scope.restricted)  # a restricted figure must not pass for the corpus
    painter.setFont(covered_font)
    covered = QFontMetrics(covered_font).elidedText(scope_line(report, scope), Qt.TextElideMode.ElideRight,
                                                    IMAGE_WIDTH - 2 * MARGIN)
    painter.drawText(QRect(MARGIN, MARGIN + 34, IMAGE_WIDTH - 2 * MARGIN, 24), Qt.AlignmentFlag.AlignLeft, covered)
    painter.setFont(font)
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
                 path: str | Path, scope: AgreementScope | None = None) -> Path:
    """Write the charts as a PNG file; raises OSError when it cannot be written."""
    path = Path(path)
    refuse_project_output(path, what="image")
    if not render_charts(report, charts, heatmap, scope).save(str(path), "PNG"):
        raise OSError(f"could not write the image {path}")
    return path

"""The Overview and Per label tabs: pooled figures with their unit and definition, and each label."""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...ops.agreement import AgreementReport
from ...ops.agreement.report import FIGURE_NAMES, exact, rounded, settings_text
from ...stats import Figure
from .charts import UNDEFINED_COLOUR, Bar, FigureBars, figure_text
from .subset import AgreementScope, quoted

OVERVIEW_COLUMNS = ("Measure", "Value", "95 % interval", "Units", "Settings", "Unit of analysis")


def read_only_table(parent: QWidget, headers: tuple[str, ...] | list[str]) -> QTableWidget:
    """A table users read and select rows in, but do not edit."""
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(True)
    return table


def figure_item(figure: Figure | None, full: bool = False) -> QTableWidgetItem:
    """A table cell for a figure: the value, or "undefined" (with the reason, or in the tooltip)."""
    if figure is None:
        return QTableWidgetItem("")
    if figure.value is None:
        item = QTableWidgetItem(figure_text(figure) if full else "undefined")
        item.setForeground(UNDEFINED_COLOUR)
        item.setToolTip(figure_text(figure))
        return item
    item = QTableWidgetItem(rounded(figure.value))
    item.setData(Qt.ItemDataRole.UserRole, figure.value)
    item.setToolTip(exact(figure.value))
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def interval_text(figure: Figure) -> str:
    """The bootstrap interval of a figure with its method and seed, or ""."""
    low, high = figure.details.get("ci_low"), figure.details.get("ci_high")
    if low is None or high is None:
        return ""
    method = figure.details.get("bootstrap_method", "units")
    return f"{rounded(low)} – {rounded(high)} ({method} bootstrap)"


class OverviewTab(QWidget):
    """Pooled figures as bars and as a table, with the unit of analysis and the rules used."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = FigureBars(self)
        self.table = read_only_table(self, OVERVIEW_COLUMNS)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Value: as wide as the numbers, not as a long "undefined: …" reason (elided, in full in the tooltip)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        for column in (4, 5):  # settings and unit share what is left, elided (full text in the tooltip)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalScrollBar().rangeChanged.connect(lambda _low, _high: self._fit_height())
        self.definitions = QTextBrowser(self)
        self.definitions.setAccessibleName("Definitions and rules")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.chart)
        layout.addWidget(self.table)
        layout.addWidget(self.definitions, 1)

    def show_report(self, report: AgreementReport, scope: AgreementScope | None = None) -> None:
        """Fill the tab from a report; `scope` adds which labels and documents were asked for."""
        what = (f'attribute "{report.attribute}" of layer "{report.layer}"' if report.attribute
                else f'layer "{report.layer}"')
        left_out = "; ".join(f"{n} left out: {why}" for why, n in report.left_out.items())
        self.heading.setText(
            f"<b>Agreement on {html.escape(what)}</b><br>"
            f"Unit of analysis: {html.escape(report.unit_description)}<br>"
            f"Annotators: {html.escape(', '.join(report.annotators) or 'none')}"
            + (f" · documents: {len(report.documents):,}" if scope is None else "")
            + (f" · level: {report.level}" if report.level != "nominal" else "")
            + scope_html(report, scope)
            + (f"<br>{html.escape(left_out)}" if left_out else "")
            + "".join(f"<br>{html.escape(line)}" for line in report.suggestion_lines())
        )
        self.chart.set_bars("Pooled figures (dashed lines: alpha .667 and .800, Krippendorff 2004)",
                            [Bar(FIGURE_NAMES.get(key, key), figure) for key, figure in report.figures.items()])
        self.table.setRowCount(0)
        definitions = []
        for key, figure in report.figures.items():
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = FIGURE_NAMES.get(key, key)
            rule = figure.details.get("definition", "")
            if figure.details.get("rule"):
                rule += f"; {figure.details['rule']}"
            definitions.append(f"<li><b>{html.escape(name)}</b>: {html.escape(rule)}</li>")
            unit = str(figure.details.get("unit", report.unit_description))
            settings = settings_text(figure)
            cells = [QTableWidgetItem(name), figure_item(figure, full=True), QTableWidgetItem(interval_text(figure)),
                     QTableWidgetItem(f"{figure.n_units:,}"), QTableWidgetItem(settings), QTableWidgetItem(unit)]
            cells[0].setData(Qt.ItemDataRole.UserRole, key)
            cells[0].setToolTip(rule)
            cells[3].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            cells[4].setToolTip(settings)
            cells[5].setToolTip(unit)
            for column, cell in enumerate(cells):
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        self.table.setColumnWidth(1, self._value_width())
        self._fit_height()
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
        self.definitions.setHtml((f"<b>Definitions</b><ul>{''.join(definitions)}</ul>" if definitions else "")
                                 + (f"<b>How annotations became units</b><ul>{notes}</ul>" if notes else ""))

    def _fit_height(self) -> None:
        """As high as its rows, plus the sideways scroll bar when a narrow window shows one
        (without it the bar covers the last row)."""
        table = self.table
        height = table.horizontalHeader().height() + 2 * table.frameWidth() + 2
        height += sum(table.rowHeight(row) for row in range(table.rowCount()))
        if table.horizontalScrollBar().maximum() > 0:
            height += table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(height)

    def _value_width(self) -> int:
        """The Value column's width: its numbers, its title and "undefined: no variation" fit;
        longer reasons are elided (the tooltip has them)."""
        metrics = self.table.fontMetrics()
        texts = [self.table.horizontalHeaderItem(1).text(), "undefined: no variation"]
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 1)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
                texts.append(item.text())
        padding = 2 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table) + 16
        return min(max(metrics.horizontalAdvance(text) for text in texts) + padding,
                   max(self.table.sizeHintForColumn(1), 0) or 10_000)

    def value_text(self, key: str, column: int = 1) -> str:
        """What a column (default Value) shows for a pooled figure ("" when it is not listed)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == key:
                return self.table.item(row, column).text()
        return ""


class PerLabelTab(QWidget):
    """Each label: uses per annotator and its own agreement (present/absent units, alpha_U)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.chart = FigureBars(self)
        # Why figures are undefined, in full and wrapped: a chart row has room for a few words only.
        self.undefined_note = QLabel(self)
        self.undefined_note.setWordWrap(True)
        self.undefined_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.undefined_note.setStyleSheet(f"color: {UNDEFINED_COLOUR.name()}")
        self.table = read_only_table(self, ["Label"])
        inner = QWidget(self)
        layout = QVBoxLayout(inner)
        layout.addWidget(self.caption)
        layout.addWidget(self.chart)
        layout.addWidget(self.undefined_note)
        layout.addWidget(self.table, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def show_report(self, report: AgreementReport, scope: AgreementScope | None = None) -> None:
        """Fill the tab from a report (only the labels the computation covered are listed)."""
        keys = [k for k in ("alpha", "percent", "alpha_u") if any(k in r.figures for r in report.per_label)]
        headers = ["Label", *(f"uses: {a}" for a in report.annotators), *(FIGURE_NAMES[k] for k in keys)]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(report.per_label))
        for row, label in enumerate(report.per_label):
            self.table.setItem(row, 0, QTableWidgetItem(label.label))
            for column, annotator in enumerate(report.annotators, 1):
                item = QTableWidgetItem(f"{label.counts.get(annotator, 0):,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            for column, key in enumerate(keys, 1 + len(report.annotators)):
                self.table.setItem(row, column, figure_item(label.figures.get(key)))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        chart_key = "alpha_u" if "alpha_u" in keys and "alpha" not in keys else "alpha"
        bars = [Bar(r.label, short_reason(r.figures[chart_key])) for r in report.per_label if chart_key in r.figures]
        self.chart.setVisible(bool(bars))
        self.chart.set_bars(f"{FIGURE_NAMES[chart_key]} per label", bars)
        note = undefined_html(FIGURE_NAMES[chart_key], [(r.label, r.figures[chart_key]) for r in report.per_label
                                                        if chart_key in r.figures])
        self.undefined_note.setText(note)
        self.undefined_note.setVisible(bool(note))
        restricted = ""
        if scope is not None and scope.labels_restricted:
            restricted = (f"<br><b>Only {html.escape(scope.labels_text())}</b> were compared; "
                          "the others are not listed.")
        if report.attribute:
            self.caption.setText("Attribute agreement has no per-label table." + restricted)
        else:
            self.caption.setText(
                "Uses: how many annotations of each label each annotator made. Per-label figures "
                "treat each unit as present/absent for that label"
                + (" (alpha_U: that label's spans on the character continuum)." if "alpha_u" in keys else ".")
                + restricted
            )


def short_reason(figure: Figure) -> Figure:
    """The figure with its undefined reason cut to the words before a colon ("no variation"),
    short enough for a chart row; the full reason is written under the chart."""
    reason = figure.undefined_reason
    if figure.value is not None or not reason or ":" not in reason:
        return figure
    return replace(figure, undefined_reason=reason.split(":", 1)[0])


def undefined_html(measure: str, figures: list[tuple[str, Figure]]) -> str:
    """One line per reason a figure is undefined, naming its labels ("" when every figure has a value)."""
    by_reason: dict[str, list[str]] = {}
    for label, figure in figures:
        if figure.value is None and figure.undefined_reason:
            by_reason.setdefault(figure.undefined_reason, []).append(label)
    return "<br>".join(
        f"{html.escape(measure)} undefined for <b>{html.escape(', '.join(labels))}</b>: {html.escape(reason)}."
        for reason, labels in by_reason.items()
    )


def scope_html(report: AgreementReport, scope: AgreementScope | None) -> str:
    """Heading lines naming the labels and documents covered, the restrictions in bold."""
    if scope is None:
        return f"<br>Labels: {html.escape(quoted(report.labels))}" if report.labels else ""

    def line(name: str, text: str, restricted: bool) -> str:
        text = html.escape(text)
        return f"<br>{name}: <b>{text}</b> (restricted)" if restricted else f"<br>{name}: {text}"

    labels = line("Labels", scope.labels_text(), scope.labels_restricted)
    if scope.labels_restricted:
        labels += " — annotations with other labels are ignored"
    documents = line("Documents", scope.documents_text(report), scope.choice != "all")
    return labels + documents + f"; {len(report.documents):,} in the figures"

"""matplotlib charts of the analysis windows: frequency bars, stacked bars and lines, and the
co-occurrence heatmap, embedded with the QtAgg canvas.

This module is the only one that imports matplotlib, and only the frequency and co-occurrence
windows import it, when they open: the main window starts without it. A click on a bar, a
point or a cell is reported as the (group, label) or (row, column) behind it, so every number
is one click from its segments. Figures export as PNG, SVG or PDF (the file name's suffix).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backend_bases import MouseEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from ...errors import AnnotatorError
from .common import save_with

EXPORT_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
EXPORT_FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
LINE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
FALLBACK_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
MAX_TICK_CHARS = 22


def _short(text: str) -> str:
    return text if len(text) <= MAX_TICK_CHARS else text[: MAX_TICK_CHARS - 1] + "…"


class ChartCanvas(QWidget):
    """A matplotlib figure in a widget; reports which bar, point or cell was clicked."""

    sig_clicked = Signal(str, str)
    """(group, label) of a bar or point, or (row label, column label) of a heatmap cell."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=(6, 4), dpi=100, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(240, 180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.title = ""
        self._targets: list[tuple[Artist, str, str]] = []  # bars and line points, with what they stand for
        self._cells: tuple[list[str], list[str]] | None = None  # heatmap rows and columns
        self.canvas.mpl_connect("button_press_event", self._pressed)

    # ----- drawing ---------------------------------------------------------------------

    def _start(self, title: str) -> object:
        self.figure.clear()
        self._targets, self._cells = [], None
        self.title = title
        axes = self.figure.add_subplot()
        axes.set_title(title, fontsize=10, loc="left")
        return axes

    def clear(self, message: str = "") -> None:
        """An empty chart (saying `message`)."""
        self.figure.clear()
        self._targets, self._cells = [], None
        self.title = ""
        if message:
            self.figure.text(0.5, 0.5, message, ha="center", va="center", color="#666666", wrap=True)
        self.canvas.draw_idle()

    def draw_bars(self, title: str, groups: Sequence[str], labels: Sequence[str],
                  value: Callable[[str, str], float], colours: dict[str, str], kind: str = "bars",
                  axis_label: str = "", integer: bool = False) -> None:
        """Bars per group, one per label side by side ("bars") or piled up ("stacked"), or one
        line per label across the groups ("lines", for groups in time order: each line with its
        own marker and nudged a little sideways, so that lines that coincide stay visible).
        `integer`: counts, with whole-number ticks."""
        axes = self._start(title)
        x = np.arange(len(groups))
        palette = [colours.get(label) or FALLBACK_COLOURS[n % len(FALLBACK_COLOURS)] for n, label in enumerate(labels)]
        if kind == "lines":
            nudge = 0.25 / max(len(labels), 1)
            for number, (label, colour) in enumerate(zip(labels, palette)):
                ys = [value(group, label) for group in groups]
                xs = x + (number - (len(labels) - 1) / 2) * nudge
                marker = LINE_MARKERS[number % len(LINE_MARKERS)]
                axes.plot(xs, ys, marker=marker, markersize=6, color=colour, label=_short(label), alpha=0.9)
                for n, group in enumerate(groups):
                    point, = axes.plot([xs[n]], [ys[n]], marker=marker, color=colour, linestyle="none")
                    self._targets.append((point, group, label))
        elif kind == "stacked":
            bottom = np.zeros(len(groups))
            for label, colour in zip(labels, palette):
                ys = np.array([value(group, label) for group in groups], dtype=float)
                bars = axes.bar(x, ys, 0.7, bottom=bottom, color=colour, label=_short(label))
                bottom += ys
                self._targets += [(bar, group, label) for bar, group in zip(bars, groups)]
        else:
            width = 0.8 / max(len(labels), 1)
            for n, (label, colour) in enumerate(zip(labels, palette)):
                ys = [value(group, label) for group in groups]
                bars = axes.bar(x - 0.4 + width * (n + 0.5), ys, width, color=colour, label=_short(label))
                self._targets += [(bar, group, label) for bar, group in zip(bars, groups)]
        axes.set_xticks(x, [_short(group) for group in groups],
                        rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
        axes.set_ylabel(axis_label)
        if integer:
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        if labels:
            axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        self.canvas.draw_idle()

    def draw_heatmap(self, title: str, rows: Sequence[str], columns: Sequence[str], values: np.ndarray,
                     texts: np.ndarray, colour_label: str) -> None:
        """A rows × columns heatmap of `values`, each cell captioned with its `texts`."""
        axes = self._start(title)
        masked = np.ma.masked_invalid(values.astype(float))
        image = axes.imshow(masked, cmap="Blues", aspect="auto", vmin=0)
        top = float(masked.max()) if masked.count() else 0.0
        for r in range(len(rows)):
            for c in range(len(columns)):
                if texts[r, c]:
                    dark = top > 0 and not np.ma.is_masked(masked[r, c]) and masked[r, c] > top * 0.6
                    axes.text(c, r, texts[r, c], ha="center", va="center", fontsize=8,
                              color="white" if dark else "#1a1a1a")
        axes.set_xticks(range(len(columns)), [_short(c) for c in columns], rotation=40, ha="right", fontsize=8)
        axes.set_yticks(range(len(rows)), [_short(r) for r in rows], fontsize=8)
        self.figure.colorbar(image, ax=axes, label=colour_label, shrink=0.8)
        self._cells = (list(rows), list(columns))
        self.canvas.draw_idle()

    # ----- clicking ----------------------------------------------------------------------

    def _pressed(self, event: MouseEvent) -> None:
        if event.button != 1 or event.inaxes is None:
            return
        if self._cells is not None:
            rows, columns = self._cells
            r, c = int(round(event.ydata)), int(round(event.xdata))
            if 0 <= r < len(rows) and 0 <= c < len(columns):
                self.sig_clicked.emit(rows[r], columns[c])
            return
        for artist, group, label in reversed(self._targets):  # the top of a stack first
            if artist.contains(event)[0]:
                self.sig_clicked.emit(group, label)
                return

    def point_of(self, first: str, second: str) -> QPoint | None:
        """Where on the canvas widget the bar / point (group, label) or the cell (row, column) is drawn."""
        self.canvas.draw()
        if self._cells is not None:
            rows, columns = self._cells
            if first not in rows or second not in columns:
                return None
            axes = self.figure.axes[0]
            x, y = axes.transData.transform((columns.index(second), rows.index(first)))
        else:
            artist = next((a for a, g, l in self._targets if (g, l) == (first, second)), None)
            if artist is None:
                return None
            box = artist.get_window_extent()
            x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        ratio = self.canvas.device_pixel_ratio or 1
        return QPoint(int(x / ratio), int(self.canvas.height() - y / ratio))

    # ----- exporting ---------------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Write the figure as PNG, SVG or PDF (by suffix) on a white background."""
        path = Path(path)
        fmt = EXPORT_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise AnnotatorError(f"{path.name}: choose a name ending in .png, .svg or .pdf")
        return save_with(path, f"{fmt.upper()} chart",
                         lambda handle: self.figure.savefig(handle, format=fmt, dpi=200, facecolor="white"))

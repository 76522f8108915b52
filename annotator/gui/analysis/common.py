"""Pieces the three analysis windows share: the out-of-date banner, the message line, CSV files
written whole (never over a project file) and the name of a code ("Layer:Label")."""

from __future__ import annotations

import csv
import html
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QWidget,
)

from ...errors import AnnotatorError

from ...formats.csv_export import neutralise_cell
from ...store.files import refuse_project_output
from ..editor.suggestions import centre_selection
from ..editor.view import TextView

if TYPE_CHECKING:
    from ..context import AppContext

STALE_TEXT = ("<b>Out of date</b> — the project changed after these results were computed. "
              "Press Refresh to bring them up to date.")
ERROR_COLOUR = "#a02020"


def code_name(layer: str, label: str) -> str:
    """A code as the analysis shows it: "Layer:Label"."""
    return f"{layer}:{label}"


class StaleBanner(QFrame):
    """A red band above results computed before the project last changed, with a Refresh button."""

    sig_refresh = Signal()
    """Refresh was pressed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stale_banner")
        self.setStyleSheet("QFrame#stale_banner { background: #fde2e1; border: 1px solid #d08080; "
                           "border-radius: 4px; } QLabel { color: #6b1010; }")
        self.label = QLabel(STALE_TEXT, self)
        self.label.setWordWrap(True)
        self.label.setAccessibleName("The results are out of date")
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setObjectName("refresh_button")
        self.refresh_button.clicked.connect(self.sig_refresh)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.refresh_button)
        self.setVisible(False)


class MessageLine(QLabel):
    """One line under the results: what was found, or (in red) what is wrong with the input."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.is_error = False
        self.message = text

    def say(self, text: str) -> None:
        """Show a plain message."""
        self.is_error, self.message = False, text
        self.setText(html.escape(text))

    def error(self, text: str) -> None:
        """Show what went wrong, in red."""
        self.is_error, self.message = True, text
        self.setText(f"<span style='color:{ERROR_COLOUR}'>{html.escape(text)}</span>")


@contextmanager
def replaced_whole(path: Path, what: str, binary: bool = False) -> Iterator[IO]:
    """Write into a temporary file beside `path` and move it there when done: a failure
    midway leaves the earlier file. Never over a project file or a file kept beside one."""
    refuse_project_output(path, what=what)
    handle_fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(handle_fd, mode, **({} if binary else {"encoding": "utf-8", "newline": ""})) as handle:
            yield handle
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # mkstemp makes it private; an export is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[object]], what: str) -> Path:
    """Write a header and rows as a UTF-8 CSV file (whole, never over a project file)."""
    path = Path(path)
    with replaced_whole(path, what) as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise_cell(cell) for cell in columns])  # export --format csv's formula guard
        writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    return path


def save_with(path: str | Path, what: str, save: Callable[[IO], None]) -> Path:
    """Let `save(handle)` write a binary file at `path` (whole, never over a project file)."""
    path = Path(path)
    with replaced_whole(path, what, binary=True) as handle:
        save(handle)
    return path


def export_file(window: QWidget, message: MessageLine, path: str | Path | None, title: str, suggested: Path,
                file_filter: str, write: Callable[[str | Path], Path], written_text: str) -> Path | None:
    """An export of a window: ask for a file name when `path` is None (Cancel: None), write it
    with `write(path)`, and say in the window's message line what was written, or why not
    (`written_text` names what was written: "Chart written to {path}.")."""
    if path is None:
        chosen, _ = QFileDialog.getSaveFileName(window, title, str(suggested), file_filter)
        if not chosen:
            return None
        path = chosen
    try:
        written = write(path)
    except AnnotatorError as error:
        message.error(str(error))
        return None
    except OSError as error:
        message.error(f"Cannot write {path}: {error.strerror or error}")
        return None
    message.say(written_text.format(path=written))
    return written


def fit_headers(grid: QTableWidget, widest: int = 110, row_header: int = 190) -> None:
    """Columns as wide as their contents but at most `widest` (long names are cut, whole in
    the tooltip), row names at most `row_header` wide: a matrix of many labels stays readable."""
    grid.resizeColumnsToContents()
    for column in range(grid.columnCount()):
        header = grid.horizontalHeaderItem(column)
        if header is not None:
            header.setToolTip(header.text())
        grid.setColumnWidth(column, min(grid.columnWidth(column), widest))
    for row in range(grid.rowCount()):
        header = grid.verticalHeaderItem(row)
        if header is not None:
            header.setToolTip(header.text())
    grid.verticalHeader().setMaximumWidth(row_header)


def find_data(box: QComboBox, value: object) -> int:
    """The index of the entry whose data equals `value` (-1 if none): findData does not compare
    Python tuples."""
    return next((index for index in range(box.count()) if box.itemData(index) == value), -1)


def show_in_text(context: AppContext, document_id: str, start: int, end: int) -> None:
    """Show a place in the main window's text: its document, the span selected and scrolled to
    the middle of the text (not its last line, which this window may cover), the window raised."""
    context.show_document(document_id)
    if end > start:
        context.select_text(start, end)
    host = context.host()
    for view in host.findChildren(TextView):
        if view.window() is host and view.isVisible():
            centre_selection(view)
    host.raise_()
    host.activateWindow()

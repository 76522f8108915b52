"""The find-in-document bar under the text: Enter next, Shift+Enter previous, Esc closes."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget


def find_all(text: str, query: str) -> list[tuple[int, int]]:
    """Every case-insensitive occurrence of `query` in `text` as code-point (start, end)."""
    if not query:
        return []
    return [(match.start(), match.end()) for match in re.finditer(re.escape(query), text, re.IGNORECASE)]


class FindBar(QFrame):
    """A search field with previous / next buttons and a hit count."""

    sig_query_changed = Signal(str)
    """The search text changed."""
    sig_next = Signal()
    """Go to the next hit."""
    sig_previous = Signal()
    """Go to the previous hit."""
    sig_closed = Signal()
    """The bar was closed."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(QLabel("Find:"))
        self.field = QLineEdit()
        self.field.setPlaceholderText("text in this document")
        self.field.setClearButtonEnabled(True)
        self.field.installEventFilter(self)
        self.field.textChanged.connect(self.sig_query_changed)
        layout.addWidget(self.field, 1)
        self.count = QLabel("")
        self.count.setMinimumWidth(90)
        layout.addWidget(self.count)
        for text, tip, signal in (
            ("▲", "Previous hit (Shift+Enter)", self.sig_previous),
            ("▼", "Next hit (Enter)", self.sig_next),
            ("✕", "Close (Esc)", self.sig_closed),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(signal)
            layout.addWidget(button)
        self.hide()

    def open(self, query: str = "") -> None:
        """Show the bar with the field focused and its text selected."""
        self.show()
        if query:
            self.field.setText(query)
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def set_count(self, current: int, total: int) -> None:
        """Show 'n of m' (or 'no hits')."""
        if not self.field.text():
            self.count.setText("")
        elif total == 0:
            self.count.setText("no hits")
        else:
            self.count.setText(f"{current + 1} of {total}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Enter / Shift+Enter step through the hits; Esc closes."""
        if watched is self.field and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.sig_previous.emit()
                else:
                    self.sig_next.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.sig_closed.emit()
                return True
        return super().eventFilter(watched, event)


class FindingMixin:
    """The editor's side of the find bar: its hits, the current one, next and previous (the
    editor holds the text, its offset map, the bar, the view, the selection)."""

    _text: str
    _hits: list[tuple[int, int]]
    _hit: int
    _offsets: Any
    find_bar: FindBar
    view: Any
    selection: Any
    _select_range: Any

    def find_in_document(self) -> None:
        """Open the find bar (with the selected text, if short) and focus it."""
        selection = self.selection()
        query = ""
        if selection is not None and 0 < selection[1] - selection[0] <= 60:
            query = self._text[selection[0] : selection[1]]
        self.find_bar.open(query)

    def close_find(self) -> None:
        """Close the find bar and clear its hit marks."""
        self.find_bar.hide()
        self._hits, self._hit = [], -1
        self.view.viewport().update()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def find_hits(self) -> list[tuple[int, int]]:
        """Every hit of the find bar's text, code-point (start, end)."""
        return list(self._hits)

    def _find(self, query: str) -> None:
        self._hits = find_all(self._text, query)
        self._hit = -1
        if self._hits:
            position = self._offsets.to_py(self.view.textCursor().selectionStart())
            first = bisect_left([start for start, _ in self._hits], position)
            self._go_to_hit(first % len(self._hits))
        self.find_bar.set_count(self._hit, len(self._hits))
        self.view.viewport().update()

    def _go_to_hit(self, index: int) -> None:
        self._hit = index
        self._select_range(*self._hits[index], quiet=False)
        self.find_bar.set_count(self._hit, len(self._hits))
        self.view.viewport().update()

    def find_next(self) -> None:
        """Select the next hit (wrapping around)."""
        if self._hits:
            self._go_to_hit((self._hit + 1) % len(self._hits))

    def find_previous(self) -> None:
        """Select the previous hit (wrapping around)."""
        if self._hits:
            self._go_to_hit((self._hit - 1) % len(self._hits))

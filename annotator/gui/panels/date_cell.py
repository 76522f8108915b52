"""The Date cell of the documents table: a date typed there is checked before it is stored.

A cell cannot ask whether 12/09/2013 is day-first, so it does not: ISO dates and forms that
read one way only are stored; an ambiguous or unreadable one is said beside the cell, and the
typed text stays in the editor to be corrected (Escape gives up). Document → Properties… has
the day-first choice.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QToolTip, QWidget

from ...dates import DateError, parse_date

ACCEPTED = ("Type a date as 2013-09-12, 2013-09 or 2013; 12 September 2013 and September 12, 2013 work "
            "too, and 25/12/2013 when only one reading has a month. Empty: no date.")
REFUSED_STYLE = "QLineEdit { border: 2px solid #b00020; }"

Index = QModelIndex | QPersistentModelIndex


def date_problem(text: str) -> str:
    """Why `text` cannot be stored as a document's date from a cell ('' when it can)."""
    try:
        parse_date(text)
        return ""
    except DateError as error:
        try:
            day_first = parse_date(text, day_first=True)
        except DateError:
            return str(error)[:1].upper() + str(error)[1:] + "."
        return (f"“{text.strip()}” is ambiguous: type {day_first} or use Document → Properties… "
                "to choose day-first.")


class DateCellDelegate(QStyledItemDelegate):
    """An editor with the accepted forms as its placeholder and tooltip, that keeps a date it
    cannot store open, saying why."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.problem = ""  # what was said last about a typed date ('' when it was stored)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        """A line edit that says which forms a date may take."""
        editor = QLineEdit(parent)
        editor.setObjectName("date_cell_editor")
        editor.setPlaceholderText("YYYY-MM-DD")
        editor.setToolTip(ACCEPTED)
        editor.textEdited.connect(lambda _text: self._clear(editor))
        return editor

    def _clear(self, editor: QLineEdit) -> None:
        if self.problem:
            self.problem = ""
            editor.setStyleSheet("")
            editor.setToolTip(ACCEPTED)

    def _refuse(self, editor: QLineEdit, problem: str) -> None:
        self.problem = problem
        editor.setStyleSheet(REFUSED_STYLE)
        editor.setToolTip(f"{problem}\n\n{ACCEPTED}")
        QToolTip.showText(editor.mapToGlobal(editor.rect().bottomLeft()), problem, editor)

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Enter, Tab or leaving the cell with a date that cannot be stored: say why and stay."""
        if isinstance(editor, QLineEdit):
            leaving = event.type() == QEvent.Type.FocusOut or (
                event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab))
            if leaving:
                problem = date_problem(editor.text())
                if problem:
                    self._refuse(editor, problem)
                    return True
                self.problem = ""
        return super().eventFilter(editor, event)

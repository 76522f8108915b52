"""Document → Properties…: a document's metadata (title, source, author, date, URL and any
free key), stored as one undoable edit when the dialog is accepted (ops/metadata.py).

What the import recorded and no edit changes (language, the file it came from, its length,
when it was imported) is shown below the fields for reference.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...ops.metadata import EDITABLE_FIELDS, edit_document

if TYPE_CHECKING:  # pragma: no cover
    from ..context import AppContext

FIELD_LABELS = {"title": "&Title:", "source": "&Source (outlet):", "author": "&Author:", "date": "&Date:",
                "url": "&URL:"}
# How a numeric date such as 12/02/2026 is read (None: only when it cannot be read the other way).
DATE_ORDERS = (("Order not stated", None), ("Day first", True), ("Month first", False))


USUAL_KEY = "publication date"  # the key column fits at least this
KEY_WIDTH = 240  # and at most this: a longer key is elided, the value keeps the room

class DocumentPropertiesDialog(QDialog):
    """Edit one document's metadata; OK stores every change as one step of the annotator's undo."""

    def __init__(self, context: AppContext, document_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else context.host())
        self.setObjectName("document_properties")
        assert context.project is not None
        self.context = context
        self.document_id = document_id
        document = context.project.documents.get(document_id)
        self._stored_meta: dict[str, Any] = dict(document.meta)
        editable = not context.readonly
        self.setWindowTitle(f"Properties of “{document.title or '(untitled)'}”" + ("" if editable else " (read-only)"))
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in EDITABLE_FIELDS:
            box = QLineEdit(getattr(document, name), self)
            box.setObjectName(f"field_{name}")
            box.setReadOnly(not editable)
            box.setCursorPosition(0)  # a long title shows its beginning
            self.fields[name] = box
            if name == "date":
                box.setPlaceholderText("2026-12-02, 2 December 2026, December 2026 …")
                self.date_order = QComboBox(self)
                self.date_order.setObjectName("date_order")
                for text, _order in DATE_ORDERS:
                    self.date_order.addItem(text)
                self.date_order.setEnabled(editable)
                self.date_order.setToolTip("How a numeric date is read: 12/02/2026 is 12 February day first, "
                                           "December 2 month first; unstated, only a date that reads one way")
                box.setMinimumWidth(150)
                row = QHBoxLayout()
                row.addWidget(box, 1)
                row.addWidget(self.date_order)
                label = QLabel(FIELD_LABELS[name], self)
                label.setBuddy(box)  # Alt+D reaches the date box, not the row
                form.addRow(label, row)
            else:
                form.addRow(FIELD_LABELS[name], box)  # the label's mnemonic focuses the box
        self.meta_table = QTableWidget(0, 2, self)
        self.meta_table.setObjectName("meta_table")
        self.meta_table.setHorizontalHeaderLabels(["Key", "Value"])
        self.meta_table.verticalHeader().setVisible(False)
        self.meta_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.meta_table.horizontalHeader().setStretchLastSection(True)
        self.meta_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)  # the cell typed in, not its row
        if not editable:
            self.meta_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for key, value in self._stored_meta.items():
            self._append_row(key, _shown(value))
        self.add_button = QPushButton("&Add key", self)
        self.add_button.setObjectName("add_key")
        self.remove_button = QPushButton("&Remove key", self)
        self.remove_button.setObjectName("remove_key")
        self.add_button.clicked.connect(self.add_key)
        self.remove_button.clicked.connect(self.remove_key)
        for button in (self.add_button, self.remove_button):
            button.setEnabled(editable)
        keys = QHBoxLayout()
        keys.addWidget(self.add_button)
        keys.addWidget(self.remove_button)
        keys.addStretch(1)
        origin = document.origin or "—"
        facts = QLabel(f"Language {document.language} · {document.length:,} characters · imported "
                       f"{document.imported_at[:10] or '—'}\nFrom {origin}", self)
        facts.setObjectName("facts")
        facts.setWordWrap(True)
        facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts.setStyleSheet("color: palette(placeholder-text);")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            if editable else QDialogButtonBox.StandardButton.Close, self)
        self.buttons.accepted.connect(self.store)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Other metadata (grouping keys such as section, country, genre):", self))
        layout.addWidget(self.meta_table, 1)
        layout.addLayout(keys)
        layout.addWidget(facts)
        layout.addWidget(self.buttons)
        self.resize(560, 460)
        self._fit_key_column()

    # ----- free keys -------------------------------------------------------------------

    def _append_row(self, key: str, value: str) -> int:
        row = self.meta_table.rowCount()
        self.meta_table.insertRow(row)
        self.meta_table.setItem(row, 0, QTableWidgetItem(key))
        self.meta_table.setItem(row, 1, QTableWidgetItem(value))
        return row

    def _fit_key_column(self) -> None:
        """Keys get room for a usual key ("publication date") or the longest one, up to KEY_WIDTH;
        the value takes the rest (the user may still drag the border)."""
        table = self.meta_table
        table.resizeColumnToContents(0)
        usual = table.fontMetrics().horizontalAdvance(USUAL_KEY) + 24
        table.setColumnWidth(0, min(max(table.columnWidth(0), usual), KEY_WIDTH))

    def add_key(self) -> None:
        """A new empty row, its key cell open for typing."""
        row = self._append_row("", "")
        self.meta_table.setCurrentCell(row, 0)
        self.meta_table.editItem(self.meta_table.item(row, 0))

    def remove_key(self) -> None:
        """Remove the selected key's row (stored when the dialog is accepted)."""
        row = self.meta_table.currentRow()
        if row >= 0:
            self.meta_table.removeRow(row)

    def meta_rows(self) -> list[tuple[str, str]]:
        """(key, value) of every row of the table, as typed (rows with neither are left out)."""
        rows = []
        for row in range(self.meta_table.rowCount()):
            key, value = (self.meta_table.item(row, column) for column in (0, 1))
            pair = ((key.text() if key else "").strip(), (value.text() if value else ""))
            if pair[0] or pair[1].strip():
                rows.append(pair)
        return rows

    # ----- storing ---------------------------------------------------------------------

    def store(self) -> None:
        """Store what changed as one undoable edit and close; a value that cannot be stored is
        said in a message, and the dialog stays open to correct it."""
        project = self.context.project
        if project is None or self.context.readonly:
            self.reject()
            return
        document = project.documents.get(self.document_id)
        fields = {name: box.text() for name, box in self.fields.items() if box.text() != getattr(document, name)}
        meta: dict[str, Any] = {}
        seen: set[str] = set()
        try:
            for key, value in self.meta_rows():
                if not key:
                    raise AnnotatorError(f'the value "{value.strip()}" has no key; name it or remove the row')
                if key in seen:
                    raise AnnotatorError(f'the key "{key}" appears twice')
                seen.add(key)
                if key not in self._stored_meta or value != _shown(self._stored_meta[key]):
                    meta[key] = value
            meta.update({key: None for key in self._stored_meta if key not in seen})
            order = DATE_ORDERS[self.date_order.currentIndex()][1]
            changes = edit_document(project, self.document_id, self.context.annotator, fields, meta, day_first=order)
        except AnnotatorError as error:
            text = str(error)
            self.error = QMessageBox.warning(self, "Not stored", text[:1].upper() + text[1:] + ".")
            return
        if not changes.empty:
            self.context.show_message(f"Stored: {changes.description}")
        self.accept()


def _shown(value: Any) -> str:
    """A stored meta value as the table shows it (text as is, other JSON values as JSON)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

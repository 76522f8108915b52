"""Help → Keyboard shortcuts: every action's keys, the editor's keys and the layer keys."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class ShortcutsDialog(QDialog):
    """A filterable table of (where, keys, what it does)."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.filter_box = QLineEdit(self)
        self.filter_box.setPlaceholderText("Filter…")
        self.filter_box.setClearButtonEnabled(True)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "Action"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.filter_box.textChanged.connect(self._filter)
        self.resize(640, 620)

    def rows(self) -> list[tuple[str, str, str]]:
        """The rows shown (for tests and copy-paste)."""
        return [
            tuple(self.table.item(row, column).text() for column in range(3))  # type: ignore[misc]
            for row in range(self.table.rowCount())
            if not self.table.isRowHidden(row)
        ]

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.table.rowCount()):
            haystack = " ".join(self.table.item(row, c).text() for c in range(3)).casefold()
            self.table.setRowHidden(row, bool(needle) and needle not in haystack)

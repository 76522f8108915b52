"""Which labels and documents an agreement computation covers: the scope, and a document picker."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ...ops.agreement import AgreementReport
from ...ops.agreement.collect import NOT_DONE
from ...project import Project

ALL, DONE, SELECTED = "all", "done", "selected"
DOCUMENT_CHOICES: dict[str, str] = {
    ALL: "All documents",
    DONE: "Documents marked done by every selected annotator",
    SELECTED: "Selected documents…",
}
PAGE = 500  # rows the document list adds at a time as the view scrolls
DOCUMENT_COLUMNS = ("Title", "Source", "Date")
ModelIndex = QModelIndex | QPersistentModelIndex


def _folded(text: str) -> str:
    """Text for matching: composed (é typed or decomposed alike) and case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def quoted(names: tuple[str, ...] | list[str]) -> str:
    """Label names in quotes, since a name may itself hold a comma."""
    return ", ".join(f"\u201c{name}\u201d" for name in names)


@dataclass(frozen=True)
class DocumentEntry:
    """One row of the document picker: the id, the title and where/when it appeared."""

    id: str
    title: str
    source: str
    date: str

    def haystack(self) -> str:
        """What the filter searches: title, source and date."""
        return _folded(f"{self.title}\n{self.source}\n{self.date}")


def load_document_entries(project: Project) -> list[DocumentEntry]:
    """Every document of the project in corpus order, as picker rows."""
    return [DocumentEntry(d.id, d.title or d.id, d.source, d.date) for d in project.documents.list()]


@dataclass(frozen=True)
class AgreementScope:
    """The labels and documents a computation was asked to cover, with the totals chosen from.

    `choice` is ALL, DONE or SELECTED; `chosen` counts the documents picked by hand (SELECTED).
    """

    layer: str
    layer_labels: tuple[str, ...]
    labels: tuple[str, ...]
    choice: str = ALL
    chosen: int = 0
    total_documents: int = 0

    @property
    def labels_restricted(self) -> bool:
        """True when some of the layer's labels were left out."""
        return len(self.labels) < len(self.layer_labels)

    @property
    def restricted(self) -> bool:
        """True when the figures cover less than every label or every document."""
        return self.labels_restricted or self.choice != ALL

    def labels_text(self) -> str:
        """'all 15 labels', '2 of 15 labels: "A", "B"' or '13 of 15 labels: all but "C", "D"'."""
        total = len(self.layer_labels)
        if not total:
            return "the layer has no labels"
        if not self.labels_restricted:
            return f"all {total} labels"
        left_out = [name for name in self.layer_labels if name not in set(self.labels)]
        if len(left_out) < len(self.labels):
            return f"{len(self.labels)} of {total} labels: all but {quoted(left_out)}"
        return f"{len(self.labels)} of {total} labels: {quoted(self.labels)}"

    def documents_chosen(self, report: AgreementReport) -> int:
        """How many documents the choice covered (before documents fewer than two coded are left out)."""
        if self.choice == SELECTED:
            return self.chosen
        if self.choice == DONE:
            return self.total_documents - report.left_out.get(NOT_DONE, 0)
        return self.total_documents

    def documents_text(self, report: AgreementReport) -> str:
        """'all 340 documents', or '12 of 340 documents (chosen by hand)'."""
        if self.choice == ALL:
            return f"all {self.total_documents:,} documents"
        why = "chosen by hand" if self.choice == SELECTED else "marked done by every selected annotator"
        return f"{self.documents_chosen(report):,} of {self.total_documents:,} documents ({why})"

    def summary(self, report: AgreementReport) -> str:
        """One line saying what the figures on screen cover."""
        return (f"Computed on {self.labels_text()} · {self.documents_text(report)}, "
                f"{len(report.documents):,} in the figures")


class DocumentListModel(QAbstractTableModel):
    """Checkable documents over a Python list, filtered, and handed to the view a page at a time."""

    sig_checked_changed = Signal()
    """Documents were checked or unchecked."""

    def __init__(self, entries: list[DocumentEntry], checked: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries = entries
        self.checked = set(checked) & {entry.id for entry in entries}
        self._haystacks: list[str] | None = None
        self.shown: list[int] = list(range(len(entries)))
        self.loaded = min(PAGE, len(self.shown))

    # ----- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        """Rows handed to the view so far (a page at a time)."""
        return 0 if parent.isValid() else self.loaded

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        """Title, source and date."""
        return 0 if parent.isValid() else len(DOCUMENT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The column names."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return DOCUMENT_COLUMNS[section]
        return None

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: N802, B008 - Qt API
        """True while filtered rows remain to hand to the view."""
        return not parent.isValid() and self.loaded < len(self.shown)

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: N802, B008 - Qt API
        """Hand the view the next page of rows."""
        if parent.isValid():
            return
        more = min(PAGE, len(self.shown) - self.loaded)
        if more > 0:
            self.beginInsertRows(QModelIndex(), self.loaded, self.loaded + more - 1)
            self.loaded += more
            self.endInsertRows()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Title (checkable), source and date; the id and a tooltip on every cell."""
        if not index.isValid() or index.row() >= self.loaded:
            return None
        entry = self.entries[self.shown[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.title, entry.source, entry.date)[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            return Qt.CheckState.Checked if entry.id in self.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:
            return entry.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(part for part in (entry.title, entry.source, entry.date, f"id {entry.id}") if part)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        """Rows can be selected and checked (on the title), not edited."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else flags

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """Check or uncheck one document (a click or Space in the view)."""
        if (role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != 0
                or index.row() >= self.loaded):
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
        document_id = self.entries[self.shown[index.row()]].id
        if state == Qt.CheckState.Checked:
            self.checked.add(document_id)
        else:
            self.checked.discard(document_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.sig_checked_changed.emit()
        return True

    # ----- filtering and checking ----------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show only documents whose title, source or date hold every word of `text`."""
        words = _folded(text).split()
        if self._haystacks is None and words:
            self._haystacks = [entry.haystack() for entry in self.entries]
        self.beginResetModel()
        if words and self._haystacks is not None:
            haystacks = self._haystacks
            self.shown = [k for k, hay in enumerate(haystacks) if all(word in hay for word in words)]
        else:
            self.shown = list(range(len(self.entries)))
        self.loaded = min(PAGE, len(self.shown))
        self.endResetModel()

    def check_shown(self, on: bool) -> None:
        """Check (or uncheck) every document the filter shows, loaded in the view or not."""
        ids = {self.entries[k].id for k in self.shown}
        if on:
            self.checked |= ids
        else:
            self.checked -= ids
        if self.loaded:
            self.dataChanged.emit(self.index(0, 0), self.index(self.loaded - 1, 0), [Qt.ItemDataRole.CheckStateRole])
        self.sig_checked_changed.emit()

    def checked_ids(self) -> tuple[str, ...]:
        """The checked documents' ids in corpus order."""
        return tuple(entry.id for entry in self.entries if entry.id in self.checked)


class DocumentSubsetDialog(QDialog):
    """Pick documents by title, source or date from a filterable checkable list."""

    def __init__(self, entries: list[DocumentEntry], checked: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Documents for agreement")
        self.model = DocumentListModel(entries, checked, self)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by title, source or date")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter documents")
        self.filter.textChanged.connect(self._filter_changed)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setRootIsDecorated(False)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName("Documents")
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 170)
        self.check_button = QPushButton("Check shown", self)
        self.check_button.setToolTip("Check every document the filter shows")
        self.check_button.clicked.connect(lambda: self.model.check_shown(True))
        self.uncheck_button = QPushButton("Uncheck shown", self)
        self.uncheck_button.setToolTip("Uncheck every document the filter shows")
        self.uncheck_button.clicked.connect(lambda: self.model.check_shown(False))
        self.count = QLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.model.sig_checked_changed.connect(self._count_changed)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.uncheck_button)
        row.addStretch(1)
        row.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Agreement is computed on the checked documents only.", self))
        layout.addWidget(self.filter)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.resize(720, 540)
        self._count_changed()

    def chosen(self) -> tuple[str, ...]:
        """The checked documents' ids in corpus order."""
        return self.model.checked_ids()

    def _filter_changed(self, text: str) -> None:
        self.model.set_filter(text)
        self._count_changed()

    def _count_changed(self) -> None:
        total, checked, shown = len(self.model.entries), len(self.model.checked), len(self.model.shown)
        text = f"{checked:,} of {total:,} documents checked"
        if shown < total:
            text += f" ({shown:,} shown)"
        self.count.setText(text)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(checked > 0)
        ok.setToolTip("" if checked else "Check at least one document")

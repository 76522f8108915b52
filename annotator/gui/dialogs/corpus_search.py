"""Corpus search: full-text (SQLite FTS5) over every document, listing hits with a snippet.

Opening a hit closes the search window, so the text it selected is in front and has the
keyboard (a window left over the text hid the very hit, and kept the keys). Like a
find-in-files panel that is one key away, the search comes back as it was: opened again
for the same project, it shows the same words and hits with the last one opened selected,
so Down, Enter goes to the next.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...project import Project
from ...queries.search import corpus_hits

HIT_ROLE = Qt.ItemDataRole.UserRole

# The last search of each project file in this session: (words, index of the hit opened).
_LAST_SEARCH: dict[str, tuple[str, int]] = {}


class CorpusSearchDialog(QDialog):
    """Type words, press Enter: the documents holding them, best first; Enter on a hit jumps there."""

    sig_hit_chosen = Signal(str, int, int)
    """(document id, start, end) of the hit the user chose."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search the corpus")
        self.project = project
        self._key = str(project.path.resolve())
        self.query_box = QLineEdit(self)
        self.query_box.setPlaceholderText("Words to find in titles and texts (all of them)")
        self.query_box.setClearButtonEnabled(True)
        search = QPushButton("Search", self)
        search.setAutoDefault(False)
        self.results = QTreeWidget(self)
        self.results.setColumnCount(2)
        self.results.setHeaderLabels(["Document", "Where"])
        self.results.setRootIsDecorated(False)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.results.header().resizeSection(0, 220)
        self.results.header().setStretchLastSection(True)
        self.summary = QLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.query_box, 1)
        row.addWidget(search)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.summary)
        self.query_box.returnPressed.connect(self.search)
        search.clicked.connect(self.search)
        self.results.itemActivated.connect(self._chosen)
        self.resize(760, 460)
        words, opened = _LAST_SEARCH.get(self._key, ("", 0))
        if words:
            self.query_box.setText(words)
            self.search()
            if 0 <= opened < self.results.topLevelItemCount():
                self.results.setCurrentItem(self.results.topLevelItem(opened))

    def search(self) -> None:
        """Run the query and list the hits."""
        query = self.query_box.text()
        self.results.clear()
        _LAST_SEARCH[self._key] = (query, 0)
        for hit in corpus_hits(self.project, query):
            item = QTreeWidgetItem([hit.title, hit.where])
            item.setToolTip(0, hit.title)
            item.setToolTip(1, hit.where)
            item.setData(0, HIT_ROLE, (hit.document_id, hit.start, hit.end))
            self.results.addTopLevelItem(item)
        count = self.results.topLevelItemCount()
        self.summary.setText(f"{count} document(s)" + (" — Enter opens the selected one" if count else ""))
        if count:
            self.results.setCurrentItem(self.results.topLevelItem(0))
            self.results.setFocus()

    def hits(self) -> list[tuple[str, int, int]]:
        """(document id, start, end) of each hit listed."""
        return [self.results.topLevelItem(i).data(0, HIT_ROLE) for i in range(self.results.topLevelItemCount())]

    def _chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        """Open a hit: remember the search, close, and let the main window show the text."""
        ident, start, end = item.data(0, HIT_ROLE)
        _LAST_SEARCH[self._key] = (self.query_box.text(), self.results.indexOfTopLevelItem(item))
        self.close()
        if (parent := self.parentWidget()) is not None:
            parent.window().activateWindow()
        self.sig_hit_chosen.emit(ident, start, end)

"""Corpus search: full-text (SQLite FTS5) over every document, listing hits with a snippet.

Opening a hit closes the search window, so the text it selected is in front and has the
keyboard (a window left over the text hid the very hit, and kept the keys). Like a
find-in-files panel that is one key away, the search comes back as it was: opened again
for the same project, it shows the same words and hits with the last one opened selected,
so Down, Enter goes to the next.
"""

from __future__ import annotations

import re
import unicodedata

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

HIT_ROLE = Qt.ItemDataRole.UserRole

# The last search of each project file in this session: (words, index of the hit opened).
_LAST_SEARCH: dict[str, tuple[str, int]] = {}


def _fold(text: str) -> tuple[str, list[int]]:
    """The text in lower case without accents, and for each folded character its source offset."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFD", char):
            if unicodedata.combining(part):
                continue
            for lower in part.casefold():
                folded.append(lower)
                origin.append(index)
    return "".join(folded), origin


def find_hit(text: str, query: str) -> tuple[int, int] | None:
    """Code-point offsets of the whole query as a phrase if the text holds it, else of the first
    of its words found (case and accents ignored)."""
    words = [_fold(w)[0] for w in re.findall(r"\w+", query)]
    if not words:
        return None
    folded, origin = _fold(text)
    best: tuple[int, int] | None = None
    phrase = re.search(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", folded)
    if phrase is not None:
        best = (phrase.start(), phrase.end())
    for word in words if best is None else ():
        match = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", folded) or re.search(re.escape(word), folded)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match.end())
    if best is None:
        return None
    start = origin[best[0]]
    end = origin[best[1] - 1] + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return start, end


def snippet(text: str, start: int, end: int, width: int = 60) -> str:
    """The hit with some context either side, on one line, the hit between »«."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    lead = "…" if start > width else ""
    tail = "…" if end + width < len(text) else ""
    return " ".join(f"{lead}{before}»{text[start:end]}«{after}{tail}".split())


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
        ids = self.project.documents.search(query) if query.strip() else []
        documents = {doc.id: doc for doc in self.project.documents.many(ids)}
        for ident in ids:
            document = documents.get(ident)
            if document is None:
                continue
            text = self.project.documents.text(ident)
            hit = find_hit(text, query) or (0, 0)
            where = snippet(text, *hit) if hit != (0, 0) else "(in the title)"
            item = QTreeWidgetItem([document.title, where])
            item.setToolTip(0, document.title)
            item.setToolTip(1, where)
            item.setData(0, HIT_ROLE, (ident, hit[0], hit[1]))
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

"""The review window: compare annotators on one document, settle their disagreements into the gold set."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Annotation, Role
from ...ops import curation
from ...ops.comments import comments_for_document
from ...project import Project
from ...project.history import ChangeSet
from .comments import CommentsBox
from .gold_dialog import GoldDialog
from .lanes import LaneSpan, LaneView, Marked

if TYPE_CHECKING:
    from ..main_window import MainWindow

ALL_LAYERS = "All layers"
COUNT_BATCH = 20  # documents whose unresolved count is computed per event-loop turn
COUNT_DELAY_MS = 150
EXCERPT = 60
KIND_TEXT = {"label": "label differs", "boundaries": "boundaries differ", "missing": "missing"}
DECISION_TEXT = {"accept": "accepted", "accept-agreeing": "accepted (agreeing)", "edit": "edited & accepted",
                 "reject": "rejected", "add": "added"}


def excerpt(text: str, start: int | None, end: int | None) -> str:
    """A one-line quote of [start, end), shortened in the middle if long."""
    if start is None or end is None:
        return "(whole document)"
    quoted = " ".join(text[start:end].split())
    if len(quoted) > EXCERPT:
        quoted = quoted[: EXCERPT // 2 - 1] + " … " + quoted[-(EXCERPT // 2 - 1):]
    return f"“{quoted}”"


class ReviewWindow(QMainWindow):
    """Documents with their unresolved counts; the text with one lane per annotator; disagreements and decisions."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main = window
        self.setWindowTitle("Compare and adjudicate")
        self.setObjectName("review_window")
        self.document_id: str | None = None
        self.curator = curation.DEFAULT_CURATOR
        self._loaded: Project | None = None  # the project the lists were filled from
        self._stale = False  # the user was in another window: annotations may have changed
        self._refreshing = False  # while re-reading: keep the scroll position and the chosen annotation
        self.found: list[curation.Disagreement] = []
        self._text = ""
        self._annotations: dict[str, Annotation] = {}
        self._threads: dict[str, int] = {}
        self._selected_key: str | None = None
        self._count_queue: list[str] = []
        self._count_timer = QTimer(self)
        self._count_timer.setInterval(15)
        self._count_timer.timeout.connect(self._count_some)
        self._build()
        self._connect_history()
        window.installEventFilter(self)
        self.resize(1500, 900)

    @property
    def project(self) -> Project:
        """The main window's open project."""
        assert self.main.project is not None
        return self.main.project

    # ----- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.document_list = QListWidget(self)
        self.document_list.setAccessibleName("Documents and their unresolved disagreements")
        self.document_list.setWordWrap(True)
        self.document_list.setSpacing(1)
        self.annotator_list = QListWidget(self)
        self.annotator_list.setAccessibleName("Annotators to compare")
        self.annotator_list.setMaximumHeight(96)
        self.layer_box = QComboBox(self)
        self.layer_box.setAccessibleName("Layer")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addWidget(QLabel("<b>Compare</b> (two or more):", left))
        left_layout.addWidget(self.annotator_list)
        left_layout.addWidget(self.layer_box)
        left_layout.addWidget(QLabel("<b>Documents</b> (unresolved disagreements):", left))
        left_layout.addWidget(self.document_list, 1)

        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.legend = QLabel(self)
        self.legend.setWordWrap(True)
        self.document_labels = QLabel(self)
        self.document_labels.setWordWrap(True)
        self.document_labels.setTextFormat(Qt.TextFormat.RichText)
        self.text_view = LaneView(self)
        self.text_view.setFont(self.main.editor.reading_font())
        middle = QWidget(self)
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(8, 6, 8, 6)
        for widget in (self.title, self.legend, self.document_labels):
            middle_layout.addWidget(widget)
        middle_layout.addWidget(self.text_view, 1)

        self.progress_label = QLabel(self)
        self.disagreement_list = QTreeWidget(self)
        self.disagreement_list.setAccessibleName("Disagreements")
        self.disagreement_list.setHeaderLabels(["", "Where", "Layer", "Difference", "Labels"])
        self.disagreement_list.setRootIsDecorated(False)
        self.disagreement_list.setAlternatingRowColors(True)
        self.disagreement_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.disagreement_list.header()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(1, 190)
        header.setStretchLastSection(True)
        self.disagreement_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.source_list = QTreeWidget(self)
        self.source_list.setAccessibleName("Annotations in the selected disagreement")
        self.source_list.setHeaderLabels(["Who", "Label", "Text", "Decision", "Comments"])
        self.source_list.setRootIsDecorated(False)
        self.source_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        source_header = self.source_list.header()
        for column in (0, 1, 3, 4):
            source_header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        source_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        source_header.setStretchLastSection(False)
        self.source_list.setMaximumHeight(112)

        self.accept_button = QPushButton("&Accept", self)
        self.accept_button.setToolTip("Copy the selected annotation into the gold set (A)")
        self.edit_button = QPushButton("&Edit and accept…", self)
        self.edit_button.setToolTip("Change its label or boundaries, then accept it")
        self.reason_field = QLineEdit(self)
        self.reason_field.setPlaceholderText("Reason for rejecting…")
        self.reason_field.setAccessibleName("Reason for rejecting")
        self.reject_button = QPushButton("&Reject", self)
        self.add_button = QPushButton("Add &missing…", self)
        self.add_button.setToolTip("Add an annotation nobody made to the gold set (select the text first)")
        actions = QGridLayout()
        actions.addWidget(self.accept_button, 0, 0)
        actions.addWidget(self.edit_button, 0, 1)
        actions.addWidget(self.add_button, 0, 2)
        actions.addWidget(self.reason_field, 1, 0, 1, 2)
        actions.addWidget(self.reject_button, 1, 2)
        self.min_agree = QSpinBox(self)
        self.min_agree.setPrefix("at least ")
        self.min_agree.setAccessibleName("Annotators who must agree")
        self.accept_agreeing_button = QPushButton("Accept all a&greeing", self)
        self.accept_agreeing_button.setToolTip("Copy into the gold set every span on which enough annotators agree")
        agreeing = QHBoxLayout()
        agreeing.addWidget(self.accept_agreeing_button)
        agreeing.addWidget(self.min_agree)
        agreeing.addStretch(1)
        self.comments = CommentsBox(self)
        self.undo_button = QPushButton("Undo", self)
        self.redo_button = QPushButton("Redo", self)
        self.export_button = QPushButton("Export decisions (CSV)…", self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.redo_button)
        bottom.addStretch(1)
        bottom.addWidget(self.export_button)
        curation_box = QGroupBox("Decision on the selected annotation", self)
        curation_layout = QVBoxLayout(curation_box)
        curation_layout.addWidget(self.source_list)
        curation_layout.addLayout(actions)
        curation_layout.addLayout(agreeing)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 6, 6, 6)
        right_layout.addWidget(self.progress_label)
        right_layout.addWidget(self.disagreement_list, 3)
        right_layout.addWidget(curation_box)
        right_layout.addWidget(self.comments, 2)
        right_layout.addLayout(bottom)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget in (left, middle, right):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 640, 620])
        self.setCentralWidget(splitter)
        self.status = self.statusBar()

        self.annotator_list.itemChanged.connect(lambda _item: self._annotators_changed())
        self.layer_box.currentIndexChanged.connect(lambda _index: self.refresh())
        self.document_list.currentItemChanged.connect(self._document_clicked)
        self.disagreement_list.currentItemChanged.connect(lambda _item, _old: self._disagreement_chosen())
        self.source_list.currentItemChanged.connect(lambda _item, _old: self._source_chosen())
        self.text_view.sig_clicked.connect(self._text_clicked)
        self.accept_button.clicked.connect(self.accept_selected)
        self.edit_button.clicked.connect(self.edit_selected)
        self.reject_button.clicked.connect(lambda: self.reject_selected())
        self.reason_field.returnPressed.connect(lambda: self.reject_selected())
        self.add_button.clicked.connect(self.add_missing)
        self.accept_agreeing_button.clicked.connect(self.accept_all_agreeing)
        self.export_button.clicked.connect(self._choose_export)
        self.undo_button.clicked.connect(lambda: self.main.actions_by_name["undo"].trigger())
        self.redo_button.clicked.connect(lambda: self.main.actions_by_name["redo"].trigger())
        self.comments.sig_added.connect(self._commented)
        self.comments.sig_message.connect(self.say)
        for keys, slot in (("N", self.next_disagreement), ("Alt+Down", self.next_disagreement),
                           ("P", self.previous_disagreement), ("Alt+Up", self.previous_disagreement),
                           ("A", self.accept_selected), ("Ctrl+Z", self.undo_button.click),
                           ("Ctrl+Shift+Z", self.redo_button.click), ("Ctrl+Y", self.redo_button.click)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)

    def _connect_history(self) -> None:
        """Undo and redo in the main window (or here) change gold annotations: refresh after them."""
        for name in ("undo", "redo"):
            self.main.actions_by_name[name].triggered.connect(self._after_history)

    def _after_history(self) -> None:
        if self.isVisible() and self.main.project is not None and self.document_id is not None:
            self._refresh_counts([self.document_id])
            self.refresh()

    # ----- choosing what to compare --------------------------------------------------------

    def load_project(self) -> None:
        """Fill the annotator, layer and document lists from the project."""
        project = self.project
        self._loaded = project
        self.curator = self._curator_name()
        self.annotator_list.blockSignals(True)
        self.annotator_list.clear()
        for annotator in project.annotators.list():
            gold = annotator.role is Role.CURATOR
            item = QListWidgetItem(f"{annotator.name} (gold)" if gold else annotator.name)
            item.setData(Qt.ItemDataRole.UserRole, annotator.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if gold else Qt.CheckState.Checked)
            self.annotator_list.addItem(item)
        self.annotator_list.blockSignals(False)
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItem(ALL_LAYERS)
        self.layer_box.addItems([layer.name for layer in project.codebook.get().layers])
        self.layer_box.blockSignals(False)
        self.document_list.blockSignals(True)
        self.document_list.clear()
        for ident in project.documents.ids():
            item = QListWidgetItem(project.documents.get(ident).title or "(untitled)")
            item.setData(Qt.ItemDataRole.UserRole, ident)
            self.document_list.addItem(item)
        self.document_list.blockSignals(False)
        self._update_min_agree()
        self._refresh_counts()

    def _curator_name(self) -> str:
        curators = [a.name for a in self.project.annotators.list() if a.role is Role.CURATOR]
        return curators[0] if curators else curation.DEFAULT_CURATOR

    def compared(self) -> list[str]:
        """The checked annotators, in list order."""
        names = []
        for row in range(self.annotator_list.count()):
            item = self.annotator_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                names.append(item.data(Qt.ItemDataRole.UserRole))
        return names

    def set_annotators(self, names: list[str]) -> None:
        """Compare exactly these annotators (as if the user ticked them)."""
        self.annotator_list.blockSignals(True)
        for row in range(self.annotator_list.count()):
            item = self.annotator_list.item(row)
            wanted = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        self.annotator_list.blockSignals(False)
        self._annotators_changed()

    def _annotators_changed(self) -> None:
        self._update_min_agree()
        self._refresh_counts()
        self.refresh()

    def _update_min_agree(self) -> None:
        plain = [n for n in self.compared() if n != self.curator]
        self.min_agree.setRange(1, max(len(plain), 1))
        self.min_agree.setSuffix(f" of {len(plain)}")
        self.min_agree.setValue(max(len(plain), 1))

    def layer(self) -> str | None:
        """The layer compared (None: all)."""
        text = self.layer_box.currentText()
        return None if text in ("", ALL_LAYERS) else text

    def set_document(self, document_id: str | None) -> None:
        """Show a document (selecting it in the list)."""
        for row in range(self.document_list.count()):
            item = self.document_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == document_id:
                self.document_list.setCurrentItem(item)  # calls back into _document_clicked
                return
        self._show_document(None)

    def _document_clicked(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self._show_document(item.data(Qt.ItemDataRole.UserRole) if item is not None else None)

    def _show_document(self, document_id: str | None) -> None:
        self.document_id = document_id
        self._selected_key = None
        project = self.project
        if document_id is None:
            self._text = ""
            self.title.setText("")
        else:
            self._text = project.documents.text(document_id)
            meta = project.documents.get(document_id)
            details = " · ".join(part for part in (meta.source, meta.date) if part)
            self.title.setText(f"<span style='font-size:115%; font-weight:600;'>{escape(meta.title)}</span>"
                               + (f"<br><span style='color:gray'>{escape(details)}</span>" if details else ""))
        self.text_view.set_text(self._text)
        self.refresh()

    # ----- showing -------------------------------------------------------------------------

    def lanes(self) -> list[str]:
        """Whose lanes are drawn: the compared annotators, then the gold set if not compared."""
        names = self.compared()
        if self.curator not in names and self.project.annotators.get(self.curator) is not None:
            names.append(self.curator)
        return names

    def refresh(self) -> None:
        """Re-read the document's annotations, disagreements, decisions and comments (keeps the selection)."""
        if self.main.project is None:
            return
        project = self.project
        layer = self.layer()
        names = self.compared()
        self._annotations, self.found, self._threads = {}, [], {}
        if self.document_id is not None:
            items = project.annotations.for_document(self.document_id)
            self._annotations = {a.id: a for a in items}
            self._threads = {k: len(v) for k, v in comments_for_document(project, self.document_id).items()}
            if len(names) >= 2:
                try:
                    self.found = curation.disagreements(project, self.document_id, names, layer)
                except AnnotatorError as error:
                    self.say(str(error))
        self._show_lanes(layer)
        self._refreshing = True
        try:
            self._fill_disagreements()
        finally:
            self._refreshing = False
        self._update_progress()

    def _colour(self, layer: str, label: str) -> str:
        found = self.project.codebook.get().layer(layer)
        code = found.label(label) if found is not None else None
        return code.colour if code is not None else "#888888"

    def _show_lanes(self, layer: str | None) -> None:
        lanes = self.lanes()
        spans: dict[str, list[LaneSpan]] = {name: [] for name in lanes}
        documents: dict[str, list[str]] = {name: [] for name in lanes}
        for item in self._annotations.values():
            if item.annotator not in spans or (layer is not None and item.layer != layer):
                continue
            if item.is_span:
                assert item.start is not None and item.end is not None
                spans[item.annotator].append(LaneSpan(item.id, item.start, item.end,
                                                      self._colour(item.layer, item.label), item.layer, item.label))
            else:
                documents[item.annotator].append(f"{escape(item.layer)} = <b>{escape(item.label)}</b>")
        self.text_view.set_lanes(lanes, spans)
        parts = []
        for number, name in enumerate(lanes, 1):
            gold = " (gold)" if name == self.curator else ""
            parts.append(f"<b>{number}</b>&nbsp;{escape(name)}{gold}")
        self.legend.setText("Lanes under each line, from the top: " + " · ".join(parts) if lanes else
                            "Tick two or more annotators to compare.")
        rows = [f"<b>{escape(name)}</b>: {'; '.join(labels)}" for name, labels in documents.items() if labels]
        self.document_labels.setText("Document labels — " + " &nbsp;|&nbsp; ".join(rows) if rows else "")
        self.document_labels.setVisible(bool(rows))

    def _fill_disagreements(self) -> None:
        self.disagreement_list.blockSignals(True)
        self.disagreement_list.clear()
        chosen = None
        rows = []
        faded = self.palette().placeholderText()
        for number, found in enumerate(self.found):
            where = "document" if found.start is None else excerpt(self._text, found.start, found.end)
            who = []
            for ident in found.sources:
                item = self._annotations.get(ident)
                if item is not None:
                    who.append(f"{item.annotator}: {item.label}")
            who += [f"{name}: —" for name in found.missing]
            mark = "✓" if found.resolved else "●"
            if any(self._threads.get(ident) for ident in found.sources):
                mark += " ✉"
            row = QTreeWidgetItem([mark, where, found.layer, KIND_TEXT[found.kind], "; ".join(who)])
            row.setData(0, Qt.ItemDataRole.UserRole, number)
            row.setToolTip(4, "\n".join(who))
            row.setToolTip(1, where)
            if found.resolved:
                for column in range(5):
                    row.setForeground(column, faded)
            rows.append(row)
            if found.key == self._selected_key:
                chosen = row
        self.disagreement_list.addTopLevelItems(rows)
        self.disagreement_list.blockSignals(False)
        if chosen is None and self._selected_key is None:
            first = next((n for n, d in enumerate(self.found) if not d.resolved), None)
            chosen = self.disagreement_list.topLevelItem(first) if first is not None else None
        if chosen is not None:
            self.disagreement_list.setCurrentItem(chosen)
        else:
            self._selected_key = None
            self._disagreement_chosen()

    def _update_progress(self) -> None:
        if self.document_id is None:
            self.progress_label.setText("Choose a document.")
        elif len(self.compared()) < 2:
            self.progress_label.setText("Tick two or more annotators (or one and the gold set) to compare.")
        else:
            open_ = self.unresolved()
            self.progress_label.setText(
                f"<b>{open_}</b> of {len(self.found)} disagreement(s) unresolved on this document"
                + (" — all settled ✓" if self.found and not open_ else ""))
        self._set_count(self.document_id, self.unresolved() if len(self.compared()) >= 2 else None)

    def unresolved(self) -> int:
        """Unresolved disagreements on the document shown (in the layer shown)."""
        return sum(not d.resolved for d in self.found)

    # ----- per-document counts ---------------------------------------------------------------

    def _refresh_counts(self, ids: list[str] | None = None) -> None:
        """Recompute the documents' unresolved counts a few at a time (the window stays responsive)."""
        if ids is None:
            ids = [self.document_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.document_list.count())]
        self._count_queue = [i for i in ids if i not in self._count_queue] + self._count_queue
        if not self._count_timer.isActive():
            QTimer.singleShot(COUNT_DELAY_MS, self, self._count_timer.start)  # after the document is drawn

    def _count_some(self) -> None:
        if self.main.project is None:
            self._count_timer.stop()
            return
        names = self.compared()
        batch, self._count_queue = self._count_queue[:COUNT_BATCH], self._count_queue[COUNT_BATCH:]
        for ident in batch:
            count = None
            if len(names) >= 2:
                try:
                    count = curation.unresolved_count(self.project, ident, names)
                except AnnotatorError:
                    count = None
            self._set_count(ident, count)
        if not self._count_queue:
            self._count_timer.stop()

    def counts_pending(self) -> bool:
        """True while document counts are still being computed."""
        return bool(self._count_queue)

    def _set_count(self, document_id: str | None, count: int | None) -> None:
        for row in range(self.document_list.count()):
            item = self.document_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) != document_id:
                continue
            title = self.project.documents.get(document_id).title or "(untitled)"
            if count is None:
                item.setText(title)
            elif count == 0:
                item.setText(f"✓ all settled — {title}")
            else:
                item.setText(f"{count} open — {title}")
            item.setToolTip(item.text())
            item.setData(Qt.ItemDataRole.UserRole + 1, count)
            return

    def document_count(self, document_id: str) -> int | None:
        """The unresolved count the document list shows for a document (None: not computed)."""
        for row in range(self.document_list.count()):
            item = self.document_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == document_id:
                return item.data(Qt.ItemDataRole.UserRole + 1)
        return None

    # ----- selecting a disagreement and an annotation ------------------------------------------

    def selected_disagreement(self) -> curation.Disagreement | None:
        """The disagreement selected in the list."""
        item = self.disagreement_list.currentItem()
        if item is None:
            return None
        number = item.data(0, Qt.ItemDataRole.UserRole)
        return self.found[number] if 0 <= number < len(self.found) else None

    def select_disagreement(self, number: int) -> None:
        """Select the disagreement at this row of the list."""
        item = self.disagreement_list.topLevelItem(number)
        if item is not None:
            self.disagreement_list.setCurrentItem(item)

    def current_row(self) -> int:
        """Row of the selected disagreement (-1: none)."""
        item = self.disagreement_list.currentItem()
        return -1 if item is None else self.disagreement_list.indexOfTopLevelItem(item)

    def next_disagreement(self) -> None:
        """Select the next disagreement (wrapping), preferring unresolved ones."""
        self._step(1)

    def previous_disagreement(self) -> None:
        """Select the previous disagreement (wrapping), preferring unresolved ones."""
        self._step(-1)

    def _step(self, step: int) -> None:
        total = len(self.found)
        if not total:
            self.say("No disagreements here.")
            return
        start = self.current_row()
        if start < 0:
            start = -1 if step > 0 else total
        candidates = [(start + step * k) % total for k in range(1, total + 1)]
        unresolved = [n for n in candidates if not self.found[n].resolved]
        self.select_disagreement((unresolved or candidates)[0])

    def _disagreement_chosen(self) -> None:
        found = self.selected_disagreement()
        self._selected_key = found.key if found is not None else None
        marked = [Marked(d.start, d.end, d.resolved) for d in self.found if d.start is not None and d.end is not None]
        extent = (found.start, found.end) if found is not None and found.start is not None else None
        self.text_view.set_marked(marked, extent)  # type: ignore[arg-type]
        if extent is not None and not self._refreshing:
            self.text_view.scroll_to(extent[0])
        self._fill_sources(found)

    def _decision(self, source: str) -> tuple[str, str]:
        row = self.project.db.execute(
            "SELECT decision, reason FROM curation_log WHERE source_annotation_id = ? ORDER BY id DESC LIMIT 1",
            [source]).fetchone()
        return (row[0], row[1] or "") if row else ("", "")

    def _gold_for(self, found: curation.Disagreement) -> list[Annotation]:
        gold = []
        for item in self._annotations.values():
            if item.annotator != self.curator or item.layer != found.layer:
                continue
            if found.start is None or item.start is None:
                if found.start is None and item.start is None:
                    gold.append(item)
            elif item.start < (found.end or 0) and found.start < (item.end or 0):
                gold.append(item)
        return gold

    def _fill_sources(self, found: curation.Disagreement | None) -> None:
        kept = self.selected_source() if self._refreshing else None
        self.source_list.blockSignals(True)
        self.source_list.clear()
        first = None
        if found is not None:
            rows = [(ident, False) for ident in found.sources] + [(g.id, True) for g in self._gold_for(found)]
            for ident, gold in rows:
                item = self._annotations.get(ident)
                if item is None:
                    continue
                decision, reason = ("", "") if gold else self._decision(ident)
                shown = DECISION_TEXT.get(decision, "—")
                if reason:
                    shown += f": {reason}"
                who = f"{item.annotator} (gold)" if gold else item.annotator
                threads = self._threads.get(ident, 0)
                row = QTreeWidgetItem([who, item.label, excerpt(self._text, item.start, item.end), shown,
                                       str(threads) if threads else ""])
                row.setData(0, Qt.ItemDataRole.UserRole, ident)
                row.setToolTip(2, self._text[item.start:item.end] if item.start is not None else "")
                row.setToolTip(3, shown)
                self.source_list.addTopLevelItem(row)
                if first is None or ident == kept:
                    first = row
        self.source_list.blockSignals(False)
        if first is not None:
            self.source_list.setCurrentItem(first)
        self._source_chosen()

    def selected_source(self) -> str | None:
        """The id of the annotation selected among the disagreement's annotations."""
        item = self.source_list.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def select_source(self, annotation_id: str) -> None:
        """Select one of the disagreement's annotations."""
        for row in range(self.source_list.topLevelItemCount()):
            item = self.source_list.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == annotation_id:
                self.source_list.setCurrentItem(item)
                return

    def _source_chosen(self) -> None:
        ident = self.selected_source()
        item = self._annotations.get(ident) if ident else None
        is_source = item is not None and item.annotator != self.curator
        for button in (self.accept_button, self.edit_button, self.reject_button):
            button.setEnabled(is_source)
        self.text_view.set_focused(ident)
        self.reason_field.setEnabled(is_source)
        about = f"{item.annotator}’s {item.label}" if item is not None else ""
        self.comments.show_thread(self.project if item else None, ident, self.main.annotator, about)
        if item is not None and item.start is not None and not self._refreshing:
            self.text_view.scroll_to(item.start)

    def _text_clicked(self, position: int) -> None:
        for number, found in enumerate(self.found):
            if found.start is not None and found.end is not None and found.start <= position < found.end:
                self.select_disagreement(number)
                return

    # ----- decisions ---------------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A message in this window's status bar (and the main window's)."""
        self.status.showMessage(text, 8000)
        self.main.show_message(text)

    def _after_decision(self, changes: ChangeSet | None, message: str) -> None:
        if changes is not None and changes.documents:
            self.main._apply_changes(changes)  # noqa: SLF001 - the window's documented refresh hook
        if self.document_id is not None:
            self.main.documents_panel.model.refresh_documents([self.document_id])
        self._ensure_curator_lane()
        self.refresh()
        self._update_progress()
        self.say(message)

    def _ensure_curator_lane(self) -> None:
        """The first decision creates the curator: list them (unticked) for later comparisons."""
        names = {self.annotator_list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.annotator_list.count())}
        found = self.project.annotators.get(self.curator)
        if found is not None and self.curator not in names:
            item = QListWidgetItem(f"{self.curator} (gold)")
            item.setData(Qt.ItemDataRole.UserRole, self.curator)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.annotator_list.blockSignals(True)
            self.annotator_list.addItem(item)
            self.annotator_list.blockSignals(False)

    def _source_annotation(self) -> Annotation | None:
        ident = self.selected_source()
        item = self._annotations.get(ident) if ident else None
        if item is None:
            self.say("Select an annotation of the disagreement first.")
            return None
        if item.annotator == self.curator:
            self.say("That is already the gold annotation.")
            return None
        return item

    def accept_selected(self) -> None:
        """Accept the selected annotation into the gold set."""
        item = self._source_annotation()
        if item is None or self.document_id is None:
            return
        try:
            changes = curation.accept(self.project, self.document_id, item.id, self.curator)
        except AnnotatorError as error:
            self.say(str(error))
            return
        self._after_decision(changes, f"Accepted {item.annotator}’s {item.label} into the gold set.")

    def reject_selected(self, reason: str | None = None) -> None:
        """Reject the selected annotation with the reason typed (or given)."""
        item = self._source_annotation()
        if item is None:
            return
        reason = (reason if reason is not None else self.reason_field.text()).strip()
        if not reason:
            self.say("Type a reason for rejecting it first.")
            self.reason_field.setFocus()
            return
        try:
            changes = curation.reject(self.project, item.id, self.curator, reason)
        except AnnotatorError as error:
            self.say(str(error))
            return
        self.reason_field.clear()
        self._after_decision(changes, f"Rejected {item.annotator}’s {item.label}: {reason}")

    def edit_selected(self) -> GoldDialog | None:
        """Open a form to change the selected annotation's label or boundaries before accepting it."""
        item = self._source_annotation()
        if item is None or self.document_id is None:
            return None
        dialog = GoldDialog(self.project.codebook.get(), self._text, "Edit and accept", item.layer, item.label,
                            item.start, item.end, True, self.text_view.selection, self)
        source = item.id

        def done() -> None:
            _layer, label, start, end = dialog.values()
            try:
                changes = curation.edit_and_accept(self.project, source, self.curator, label, start, end)
            except AnnotatorError as error:
                self.say(str(error))
                return
            self._after_decision(changes, f"Accepted as {label}.")

        dialog.accepted.connect(done)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def add_missing(self) -> GoldDialog | None:
        """Open a form to add an annotation nobody made (the text selection, or a document label)."""
        if self.document_id is None:
            return None
        found = self.selected_disagreement()
        layer = self.layer() or (found.layer if found is not None else self.project.codebook.get().layers[0].name)
        chosen = self.text_view.selection()
        start, end = chosen if chosen is not None else ((found.start, found.end) if found is not None else (0, 0))
        label = found.labels[0] if found is not None else ""
        dialog = GoldDialog(self.project.codebook.get(), self._text, "Add to the gold set", layer, label,
                            start, end, False, self.text_view.selection, self)
        document_id = self.document_id

        def done() -> None:
            layer_, label_, start_, end_ = dialog.values()
            try:
                changes = curation.add_gold(self.project, document_id, self.curator, layer_, label_, start_, end_)
            except AnnotatorError as error:
                self.say(str(error))
                return
            self._after_decision(changes, f"Added {layer_}: {label_} to the gold set.")

        dialog.accepted.connect(done)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def accept_all_agreeing(self) -> None:
        """Copy into the gold set every unit on which at least N of the compared annotators agree."""
        plain = [n for n in self.compared() if n != self.curator]
        if self.document_id is None or len(plain) < 1:
            self.say("Tick the annotators whose agreement counts first.")
            return
        needed = self.min_agree.value()
        try:
            changes = curation.accept_all_agreeing(self.project, self.document_id, plain,
                                                   None if needed >= len(plain) else needed, self.curator)
        except AnnotatorError as error:
            self.say(str(error))
            return
        if changes is None:
            self.say("Everything they agree on is in the gold set already.")
            return
        added = len(changes.added)
        self._after_decision(changes, f"Accepted {added} agreeing annotation(s) into the gold set.")

    def _commented(self, annotation_id: str) -> None:
        self._threads[annotation_id] = self._threads.get(annotation_id, 0) + 1
        key = self._selected_key
        self.refresh()
        if key is not None:
            self.select_source(annotation_id)
        self.say("Comment added.")

    # ----- export ------------------------------------------------------------------------------

    def _choose_export(self) -> None:
        suggested = str(Path(self.project.path).with_name(Path(self.project.path).stem + "-decisions.csv"))
        chosen, _ = QFileDialog.getSaveFileName(self, "Export curation decisions", suggested, "CSV files (*.csv)")
        if chosen:
            self.export_decisions(Path(chosen))

    def export_decisions(self, path: Path) -> int:
        """Write every curation decision to a CSV file; returns the rows written."""
        try:
            rows = curation.export_decisions_csv(self.project, path)
        except (AnnotatorError, OSError) as error:
            self.main.show_error("Cannot export the decisions", str(error))
            return 0
        self.say(f"{rows} decision(s) written to {path}.")
        return rows

    def event(self, event: QEvent) -> bool:
        """Coming back to this window: follow what changed in the main window meanwhile."""
        if event.type() == QEvent.Type.WindowActivate and self._stale:
            self._stale = False
            if self.main.project is None:
                QTimer.singleShot(0, self.close)
            elif self.main.project is not self._loaded:
                self.load_project()
                self.set_document(self.main.document_id)
            else:
                self.refresh()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The user went to the main window: what is shown here may be stale when they come back."""
        if watched is self.main and event.type() == QEvent.Type.WindowActivate:
            self._stale = True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Stop counting in the background."""
        self._count_timer.stop()
        super().closeEvent(event)

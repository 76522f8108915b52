"""The review window: compare annotators on one document, settle their disagreements into the gold set."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
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
    QTabWidget,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Annotation, Role
from ...ops import curation
from ...ops.comments import comments_for_document
from ...queries.disagreements import RelationComparison
from ...queries.review_scope import ReviewScope, coders, coders_by_document
from ...project import Project
from ...project.changes import ChangeSet
from ..file_safety import banner_above, readonly_reason
from .comments import CommentsBox
from .curating import CurationMixin
from .lanes import LaneSpan, LaneView
from .listing import ListingMixin
from .relation_review import Decider, RelationReview

if TYPE_CHECKING:
    from ..context import AppContext

ALL_LAYERS = "All layers"
CODERS_TEXT = "Compare the annotators who coded each document"
TITLE = "Compare and adjudicate"


class ReviewWindow(CurationMixin, ListingMixin, QMainWindow):
    """Documents with their unresolved counts; the text with one lane per annotator; disagreements and decisions."""

    def __init__(self, window: AppContext) -> None:
        super().__init__(window.host())
        self.main = window
        self.setWindowTitle(TITLE)
        self.setObjectName("review_window")
        self.document_id: str | None = None
        self.curator = curation.DEFAULT_CURATOR
        self.scope = ReviewScope()  # whom to compare: each document's coders, or a hand-ticked choice
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
        window.events.sig_changed.connect(self._project_changed)
        window.host().installEventFilter(self)
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
        self.coders_box = QCheckBox(CODERS_TEXT, self)
        self.coders_box.setToolTip("On: each document compares the annotators who marked it in progress or done, "
                                   "or annotated it.\nOff: the annotators ticked below, on every document.\n"
                                   "Remembered for this project file.")
        self.layer_box = QComboBox(self)
        self.layer_box.setAccessibleName("Layer")
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addWidget(QLabel("<b>Compare</b> (two or more):", left))
        left_layout.addWidget(self.coders_box)
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
        self.text_view.setFont(self.main.reading_font())
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
        self.source_list.setHeaderLabels(["Who", "Label", "Text", "Decision", "Comments", "Decided by"])
        self.source_list.setRootIsDecorated(False)
        self.source_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        source_header = self.source_list.header()
        for column in (0, 1, 3, 4, 5):
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
        spans_tab = QWidget(self)
        spans_layout = QVBoxLayout(spans_tab)
        spans_layout.setContentsMargins(0, 4, 0, 0)
        spans_layout.addWidget(self.disagreement_list, 3)
        spans_layout.addWidget(curation_box)
        self.relation_review = RelationReview(self)
        self.review_tabs = QTabWidget(self)
        self.review_tabs.addTab(spans_tab, "Spans")
        self.review_tabs.addTab(self.relation_review, "Relations")
        right_layout.addWidget(self.review_tabs, 3)
        right_layout.addWidget(self.comments, 2)
        right_layout.addLayout(bottom)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget in (left, middle, right):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 640, 620])
        # The main window's banner, here too: a read-only project can be reviewed, not decided.
        self.readonly_banner = banner_above(self, splitter, "review_readonly_banner")
        self.status = self.statusBar()

        self.annotator_list.itemChanged.connect(lambda _item: self._annotators_changed())
        self.coders_box.toggled.connect(self._coders_toggled)
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
        self.undo_button.clicked.connect(lambda: self._history_action("undo").trigger())
        self.redo_button.clicked.connect(lambda: self._history_action("redo").trigger())
        self.comments.sig_added.connect(self._commented)
        self.review_tabs.currentChanged.connect(lambda _index: self._show_relation_ends())
        self.relation_review.sig_selected.connect(lambda _ends: self._show_relation_ends())
        self.relation_review.sig_decided.connect(self._after_decision)
        self.relation_review.sig_message.connect(self.say)
        self.comments.sig_message.connect(self.say)
        for keys, slot in (("N", self.next_disagreement), ("Alt+Down", self.next_disagreement),
                           ("P", self.previous_disagreement), ("Alt+Up", self.previous_disagreement),
                           ("A", self.accept_selected), ("Ctrl+Z", self.undo_button.click),
                           ("Ctrl+Shift+Z", self.redo_button.click), ("Ctrl+Y", self.redo_button.click)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)

    def _connect_history(self) -> None:
        """Undo / Redo here take back the curator's decisions (the main window's pair undoes its
        annotator's steps; either reaches this window on the change bus). The buttons follow
        the curator's actions."""
        for verb, button in (("undo", self.undo_button), ("redo", self.redo_button)):
            action = self._history_action(verb)
            action.changed.connect(lambda action=action, button=button: self._mirror(action, button))
            self._mirror(action, button)

    def _history_action(self, verb: str) -> QAction:
        """The main window's action that undoes (redoes) the curator's decisions ("undo_curator")."""
        found = self.main.action(f"{verb}_curator") or self.main.action(verb)
        assert found is not None
        return found

    @staticmethod
    def _mirror(action: QAction, button: QPushButton) -> None:
        """A button enabled like its action, saying what it would undo or redo."""
        button.setEnabled(action.isEnabled())
        button.setToolTip(action.text().replace("&", ""))

    def _project_changed(self, changes: ChangeSet) -> None:
        """A change on the project's bus (here, in the main window, an undo): re-read the
        counts of the documents it names, and the document shown if it touched it."""
        if self.main.project is None or self._loaded is not self.main.project:
            return
        if not self.isVisible():
            self._stale = True  # refreshed when the window comes back
            return
        if changes.reset or changes.codebook:
            self._stale = True  # new documents, annotators or labels: reloaded on the next visit
            self._refresh_counts()
        elif changes.documents:
            self._refresh_counts(sorted(changes.documents))
        if self.document_id is not None and (changes.reset or self.document_id in changes.documents):
            self.refresh()

    # ----- choosing what to compare --------------------------------------------------------

    def show_readonly(self) -> None:
        """The read-only banner and "(read-only)" in the title while the project cannot be written."""
        reason = readonly_reason(self.main.project)
        self.readonly_banner.setText(f"<b>Read-only:</b> changes cannot be saved — {escape(reason)}")
        self.readonly_banner.setVisible(bool(reason))
        self.setWindowTitle(f"{TITLE} (read-only)" if reason else TITLE)

    def load_project(self) -> None:
        """Fill the annotator, layer and document lists from the project."""
        project = self.project
        self._loaded = project
        self.show_readonly()
        self.curator = self._curator_name()
        self.scope = ReviewScope.from_text(self.main.settings.review_scope_for(Path(project.path)))
        chosen = set(self.scope.chosen or ())  # by coders: ticked per document, when one is shown
        self.coders_box.blockSignals(True)
        self.coders_box.setChecked(self.scope.by_coders)
        self.coders_box.blockSignals(False)
        self.annotator_list.blockSignals(True)
        self.annotator_list.clear()
        for annotator in project.annotators.list():
            gold = annotator.role is Role.CURATOR
            item = QListWidgetItem(f"{annotator.name} (gold)" if gold else annotator.name)
            item.setData(Qt.ItemDataRole.UserRole, annotator.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if annotator.name in chosen else Qt.CheckState.Unchecked)
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
        self._tick(set(names))
        self._annotators_changed()

    def compared_on(self, document_ids: list[str]) -> dict[str, list[str]]:
        """Whom the review compares on each of these documents (their coders, or the ticked annotators)."""
        if self.scope.by_coders:
            return coders_by_document(self.project, document_ids)
        names = self.compared()
        return {ident: names for ident in document_ids}

    def _follow_scope(self) -> None:
        """By coders: tick exactly the shown document's coders (they may have changed since)."""
        if not self.scope.by_coders:
            return
        wanted = set(coders(self.project, self.document_id)) if self.document_id is not None else set()
        if wanted == set(self.compared()):
            return
        self._tick(wanted)
        self._update_min_agree()

    def _tick(self, names: set[str]) -> None:
        """Tick exactly these annotators in the list, without it announcing a hand-made choice."""
        self.annotator_list.blockSignals(True)
        for row in range(self.annotator_list.count()):
            item = self.annotator_list.item(row)
            wanted = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
        self.annotator_list.blockSignals(False)

    def _remember_scope(self, scope: ReviewScope) -> None:
        self.scope = scope
        self.main.settings.set_review_scope_for(Path(self.project.path), scope.to_text())

    def _annotators_changed(self) -> None:
        """The user ticked annotators by hand: compare them on every document, and remember it."""
        self._remember_scope(ReviewScope(tuple(self.compared())))
        self.coders_box.blockSignals(True)
        self.coders_box.setChecked(False)
        self.coders_box.blockSignals(False)
        self._update_min_agree()
        self._refresh_counts()
        self.refresh()

    def _coders_toggled(self, on: bool) -> None:
        """On: back to each document's coders. Off: keep comparing the annotators ticked now, everywhere."""
        if self.main.project is None:
            return
        self._remember_scope(ReviewScope() if on else ReviewScope(tuple(self.compared())))
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
        self.show_readonly()  # the file may have become read-only (or writable) meanwhile
        self._follow_scope()
        layer = self.layer()
        names = self.compared()
        self._annotations, self.found, self._threads = {}, [], {}
        relations: list[RelationComparison] = []
        if self.document_id is not None:
            items = project.annotations.for_document(self.document_id)
            self._annotations = {a.id: a for a in items}
            self._threads = {k: len(v) for k, v in comments_for_document(project, self.document_id).items()}
            if len(names) >= 2:
                try:
                    self.found = curation.disagreements(project, self.document_id, names, layer)
                    relations = self._compared_relations(names, layer)
                except AnnotatorError as error:
                    self.say(str(error))
        self._show_lanes(layer)
        self._refreshing = True
        try:
            self._fill_disagreements()
            writable = not self.main.readonly
            self.relation_review.show_relations(relations, self._text, Decider(
                project, self.curator, self.main.annotator, writable))
        finally:
            self._refreshing = False
        open_ = self.relation_review.open_count()
        self.review_tabs.setTabText(1, f"Relations ({open_} open)" if relations else "Relations")
        self._update_progress()

    def _compared_relations(self, names: list[str], layer: str | None) -> list[RelationComparison]:
        """The compared annotators' relations on the document (one end in the layer shown, if one is)."""
        assert self.document_id is not None
        plain = [name for name in names if name != self.curator]
        if not plain:
            return []
        found = curation.relation_comparison(self.project, self.document_id, plain, self.curator)
        return [item for item in found if layer is None or layer in (item.source[0], item.target[0])]

    def _show_relation_ends(self) -> None:
        """In the Relations tab, the selected relation's ends and arc in the lanes; none elsewhere."""
        ends = self.relation_review.selected_ends() if self.review_tabs.currentIndex() == 1 else None
        self.text_view.set_relation(ends)
        if ends is not None and not self._refreshing:
            self.text_view.scroll_to(ends[0][0])

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
        if watched is self.main.host() and event.type() == QEvent.Type.WindowActivate:
            self._stale = True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Stop counting in the background."""
        self._count_timer.stop()
        super().closeEvent(event)

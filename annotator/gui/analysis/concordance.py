"""Analyze → Concordance: every hit of a word, a regular expression or a code, in context, and
coding from it.

One row per hit, aligned on the match. The query runs in a worker thread (a regular
expression over a large corpus can take long; Cancel stops it between documents). Select
rows and press a label's key (or choose a label and press Code): every selected hit is coded
as the current annotator in one operation, which the main window's Edit → Undo takes back.
Double-click a row to see the hit in the main window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ...errors import AnnotatorError
from ...ops.concordance_coding import code_hits
from ...project.changes import ChangeSet
from ...queries.analysis import KwicResult, Scope, kwic
from ...queries.analysis.scope import resolve
from .common import MessageLine, StaleBanner, code_name, export_file, find_data, show_in_text
from .kwic_table import KwicView
from .scope_bar import ScopeBar
from .worker import AnalysisRunner

if TYPE_CHECKING:
    from ..context import AppContext

MODES = (("words", "Words"), ("regex", "Regular expression"), ("label", "Code"))
SORTS = (("document", "document order"), ("date", "date"), ("left", "1st word left"), ("left2", "2nd word left"),
         ("right", "1st word right"), ("right2", "2nd word right"))
RELATIONS = (("", "(any)"), ("overlapping", "overlapping"), ("not_overlapping", "not overlapping"))
LIMIT = 10_000  # rows shown; the total is always said
# Tables whose changes alter the codes at the rows, not which rows there are (nor their text).
CODES_ONLY = frozenset({"annotations", "document_status", "comments", "relations", "annotators", "curation_log"})


class ConcordanceWindow(QDialog):
    """Non-modal KWIC window over the main window's project."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context.host())
        assert context.project is not None
        self.context = context
        self.project_path = Path(context.project.path)
        self.setObjectName("concordance_window")
        self.setWindowTitle(f"Concordance — {self.project_path.name}")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.result: KwicResult | None = None
        self.stale = False
        self._changed_while_running = False
        self._coding = False  # our own code_hits is on the bus: not a reason to call the rows stale
        self._asked: tuple[str, tuple[str, str] | None, tuple[str, str] | None] = ("", None, None)
        self._scope: Scope | None = None  # the scope of the rows shown
        self.runner = AnalysisRunner(self, self.project_path)

        self.mode = QComboBox(self)
        self.mode.setObjectName("mode_box")
        for value, text in MODES:
            self.mode.addItem(text, value)
        self.query = QLineEdit(self)
        self.query.setObjectName("query_box")
        self.query.setClearButtonEnabled(True)
        self.code = QComboBox(self)
        self.code.setObjectName("code_box")
        self.relation = QComboBox(self)
        self.relation.setObjectName("relation_box")
        for value, text in RELATIONS:
            self.relation.addItem(text, value)
        self.other = QComboBox(self)
        self.other.setObjectName("other_code_box")
        self.search_button = QPushButton("&Search", self)
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        find_row = QHBoxLayout()
        find_row.addWidget(QLabel("&Find:", self, buddy=self.mode))
        find_row.addWidget(self.mode)
        find_row.addWidget(self.query, 2)
        find_row.addWidget(self.code, 2)
        find_row.addWidget(self.relation)
        find_row.addWidget(self.other, 2)
        find_row.addWidget(self.search_button)
        find_row.addWidget(self.cancel_button)

        self.scope_bar = ScopeBar(context, self)
        self.sort = QComboBox(self)
        self.sort.setObjectName("sort_box")
        for value, text in SORTS:
            self.sort.addItem(text, value)
        self.context_chars = QSpinBox(self)
        self.context_chars.setObjectName("context_box")
        self.context_chars.setRange(10, 400)
        self.context_chars.setValue(60)
        self.context_chars.setSuffix(" characters")
        self.export_button = QPushButton("Export &CSV…", self)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_csv())
        options_row = QHBoxLayout()
        options_row.addWidget(QLabel("S&ort by:", self, buddy=self.sort))
        options_row.addWidget(self.sort)
        options_row.addWidget(QLabel("Conte&xt:", self, buddy=self.context_chars))
        options_row.addWidget(self.context_chars)
        options_row.addStretch(1)
        options_row.addWidget(self.export_button)

        self.stale_banner = StaleBanner(self)
        self.stale_banner.sig_refresh.connect(self.search)
        self.view = KwicView(self)
        self.view.doubleClicked.connect(lambda index: self.open_hit(index.row()))
        self.view.sig_key.connect(self.code_by_key)

        self.code_layer = QComboBox(self)
        self.code_layer.setObjectName("code_layer_box")
        self.code_label = QComboBox(self)
        self.code_label.setObjectName("code_label_box")
        self.code_button = QPushButton("C&ode selected", self)
        self.code_button.setObjectName("code_button")
        self.code_button.clicked.connect(lambda: self.code_selected(self.code_label.currentData()))
        self.code_hint = QLabel(self)
        self.code_hint.setObjectName("code_hint")
        coding_row = QHBoxLayout()
        coding_row.addWidget(QLabel("Code selected rows as:", self))
        coding_row.addWidget(self.code_layer)
        coding_row.addWidget(self.code_label, 1)
        coding_row.addWidget(self.code_button)
        coding_row.addWidget(self.code_hint, 1)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy: the query reports when done, not how far it is
        self.progress.setMaximumHeight(12)
        self.progress.setVisible(False)
        self.message = MessageLine("Type a word or phrase (or choose a regular expression or a code) and press "
                                   "Search.", self)
        self.message.setObjectName("message_line")

        layout = QVBoxLayout(self)
        layout.addLayout(find_row)
        layout.addWidget(self.scope_bar)
        layout.addLayout(options_row)
        layout.addWidget(self.stale_banner)
        layout.addWidget(self.view, 1)
        layout.addLayout(coding_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)

        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.relation.currentIndexChanged.connect(self._mode_changed)
        self.query.returnPressed.connect(self.search)
        self.code_layer.currentIndexChanged.connect(self._fill_labels)
        self.sort.currentIndexChanged.connect(self._rerun)
        # Edit → Undo and Redo of the main window, from here too (this annotator's newest step).
        for name, standard in (("undo", QKeySequence.StandardKey.Undo), ("redo", QKeySequence.StandardKey.Redo)):
            action = context.action(name)
            keys = action.shortcuts() if action is not None and action.shortcuts() else \
                QKeySequence.keyBindings(standard)
            for key in keys:
                QShortcut(key, self, lambda name=name: self._history(name))
        context.events.sig_changed.connect(self._project_changed)
        self.scope_bar.sig_me_changed.connect(self._whose_changed)
        self.fill_codebook()
        self._mode_changed()
        self.resize(1200, 800)

    # ----- codebook ------------------------------------------------------------------------

    def fill_codebook(self) -> None:
        """Fill the code choosers from the project's codebook (again after it changed)."""
        project = self.context.project
        if project is None:
            return
        codebook = project.codebook.get()
        for box in (self.code, self.other):
            chosen = box.currentData()
            box.blockSignals(True)
            box.clear()
            for layer in codebook.layers:
                for label in layer.labels:
                    box.addItem(f"{layer.name}: {label.name}", (layer.name, label.name))
            at = find_data(box, chosen)
            box.setCurrentIndex(max(at, 0))
            box.blockSignals(False)
        chosen_layer = self.code_layer.currentText() or getattr(self.context, "active_layer", "") or ""
        self.code_layer.blockSignals(True)
        self.code_layer.clear()
        for layer in codebook.layers:
            if layer.kind == "span":
                self.code_layer.addItem(layer.name)
        self.code_layer.setCurrentIndex(max(self.code_layer.findText(chosen_layer), 0))
        self.code_layer.blockSignals(False)
        self._fill_labels()

    def _fill_labels(self) -> None:
        project = self.context.project
        chosen = self.code_label.currentData()
        self.code_label.clear()
        layer = project.codebook.get().layer(self.code_layer.currentText()) if project is not None else None
        keys = []
        for label in layer.labels if layer is not None else ():
            self.code_label.addItem(f"{label.name}  [{label.key}]" if label.key else label.name,
                                    (layer.name, label.name))
            if label.key:
                keys.append(label.key)
        self.code_label.setCurrentIndex(max(find_data(self.code_label, chosen), 0))
        readonly = self.context.readonly
        self.code_button.setEnabled(layer is not None and not readonly)
        if readonly:
            self.code_hint.setText("Read-only project: coding is off.")
        elif layer is None:
            self.code_hint.setText("The codebook has no span layer to code with.")
        else:
            self.code_hint.setText("or select rows and press a label's key" if keys else "")

    def _mode_changed(self) -> None:
        mode = self.mode.currentData()
        by_code = mode == "label"
        self.query.setVisible(not by_code)
        self.code.setVisible(by_code)
        self.relation.setVisible(by_code)
        self.other.setVisible(by_code and bool(self.relation.currentData()))
        self.query.setPlaceholderText("a word or phrase; * at a word's end matches any ending" if mode == "words"
                                      else "a Python regular expression, e.g. \\btax(es)?\\b")

    # ----- searching ---------------------------------------------------------------------

    def search(self) -> None:
        """Run the query in a worker thread (one at a time); bad input is said here."""
        if self.runner.running:
            return
        try:
            scope = self.scope_bar.scope()
        except AnnotatorError as error:
            self.message.error(str(error))
            return
        mode = self.mode.currentData()
        text = self.query.text()
        label = other = None
        if mode == "label":
            label = self.code.currentData()
            if label is None:
                self.message.error("The codebook has no labels to look for.")
                return
            if self.relation.currentData():
                other = self.other.currentData()
        elif not text.strip():
            self.message.error("Type a word or phrase to find." if mode == "words"
                               else "Type a regular expression to find.")
            return
        relation = self.relation.currentData() if mode == "label" else ""
        sort = self.sort.currentData()
        context_chars = self.context_chars.value()
        arguments = {"query": text if mode == "words" else None, "regex": text if mode == "regex" else None,
                     "label": label, "overlapping": other if relation == "overlapping" else None,
                     "not_overlapping": other if relation == "not_overlapping" else None}
        self._asked = (mode, label, other)
        self._scope = scope

        def query(project, cancelled):  # type: ignore[no-untyped-def]
            return kwic(project, scope=scope, context=context_chars, sort=sort, limit=LIMIT, cancelled=cancelled,
                        **arguments)

        self._changed_while_running = False
        self.search_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setVisible(True)
        self.message.say("Searching…")
        self._what = self._describe(mode, text, label, relation, other)
        self.runner.run(query, self._finished, self._failed, self._cancelled)

    def _describe(self, mode: str, text: str, label: tuple[str, str] | None, relation: str,
                  other: tuple[str, str] | None) -> str:
        if mode == "label" and label is not None:
            what = f"segments of {code_name(*label)}"
            if relation and other is not None:
                what += f" {relation.replace('_', ' ')} {code_name(*other)}"
        else:
            what = f"hits of “{text}”" if mode == "words" else f"hits of /{text}/"
        return f"{what} — {self.scope_bar.describe()}"

    def _rerun(self) -> None:
        if self.result is not None:
            self.search()

    def cancel(self) -> None:
        """Stop a running query."""
        self.runner.cancel()
        self.cancel_button.setEnabled(False)
        self.message.say("Cancelling…")

    def _done(self) -> None:
        self.search_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)

    def _finished(self, result: object) -> None:
        self._done()
        assert isinstance(result, KwicResult)
        self.show_result(result)
        self._set_stale(self._changed_while_running)

    def show_result(self, result: KwicResult) -> None:
        """Show a query's hits."""
        self.result = result
        self.view.kwic.set_hits(result.hits)
        self.view.fit_columns()
        self.export_button.setEnabled(bool(result.hits))
        shown = len(result.hits)
        if result.total == 0:
            self.message.say(f"No {self._what}.")
        elif shown < result.total:
            self.message.say(f"{result.total:,} {self._what} (the first {shown:,} shown).")
        else:
            self.message.say(f"{result.total:,} {self._what}.")
        if result.hits:
            self.view.selectRow(0)
            self.view.setFocus()

    def _failed(self, message: str) -> None:
        self._done()
        self.result = None
        self.view.kwic.set_hits([])
        self.export_button.setEnabled(False)
        self._set_stale(False)
        self.message.error(message)

    def _cancelled(self) -> None:
        self._done()
        self.message.say("Cancelled: the search stopped; nothing is shown.")
        self.result = None
        self.view.kwic.set_hits([])
        self.export_button.setEnabled(False)
        self._set_stale(False)

    def show_segments(self, label: tuple[str, str], scope: Scope, heading: str = "") -> None:
        """Search every segment of a code in a scope (a frequency or a chart bar clicked)."""
        self.mode.setCurrentIndex(find_data(self.mode, "label"))
        self.relation.setCurrentIndex(0)
        at = find_data(self.code, label)
        if at < 0:
            self.message.error(f"The codebook has no label {code_name(*label)}.")
            return
        self.code.setCurrentIndex(at)
        if not self.scope_bar.set_scope(scope):
            self.message.error("Those codes are other annotators': turn on View → Show other annotators in the "
                               "main window to list them.")
            return
        if self.runner.running:
            self.runner.cancel()
            self.runner.stop()
            self._done()
        self.search()
        if heading:
            self._what = f"{self._what} ({heading})"

    # ----- the project changed ---------------------------------------------------------

    def _project_changed(self, changes: ChangeSet) -> None:
        if self.context.project is None or Path(self.context.project.path) != self.project_path:
            return
        if changes.codebook or changes.reset:
            self.fill_codebook()
            self.scope_bar.refresh_people()
        if self.runner.running:
            if not self._coding:
                self._changed_while_running = True
            return
        if self.result is None:
            return
        if not (changes.codebook or changes.reset) and set(changes.tables) <= CODES_ONLY:
            # Codes added, removed or changed (coding, undo, redo): the rows of those documents
            # show their codes as they are now. A search by code may have more or fewer rows.
            self._refresh_codes(changes.documents)
            statuses = self._scope is not None and bool(self._scope.statuses) and "document_status" in changes.tables
            if not self._coding and (statuses or (self._asked[0] == "label" and "annotations" in changes.tables)):
                self._set_stale(True)
        elif not self._coding:
            self._set_stale(True)

    def _refresh_codes(self, documents: set[str]) -> None:
        """Read again the codes at the rows of these documents (whose codes the rows show)."""
        project, scope, kwic_model = self.context.project, self._scope, self.view.kwic
        rows: dict[str, list[int]] = {}
        for row, hit in enumerate(kwic_model.hits):
            if hit.document_id in documents:
                rows.setdefault(hit.document_id, []).append(row)
        if project is None or scope is None or not rows:
            return
        try:
            people = set(resolve(project, scope, need_annotators=False).annotator_names.values())
        except AnnotatorError:
            self._set_stale(True)
            return
        order = {(layer.name, label.name): n for n, (layer, label) in
                 enumerate((layer, label) for layer in project.codebook.get().layers for label in layer.labels)}
        found: dict[int, tuple[str, ...]] = {}
        for document_id, numbers in rows.items():
            marks = [a for a in project.annotations.for_document(document_id)
                     if a.annotator in people and (a.layer, a.label) in order]
            for row in numbers:
                hit = kwic_model.hits[row]
                here = {(a.layer, a.label) for a in marks
                        if a.start is None or (a.start < hit.end and hit.start < (a.end or 0))}
                found[row] = tuple(code_name(*code) for code in sorted(here, key=order.__getitem__))
        kwic_model.set_codes(found)

    def _whose_changed(self) -> None:
        """Another annotator codes now: rows showing the previous one's codes are searched again
        (blind coding: they must not stay on screen)."""
        if self.result is None and not self.runner.running:
            return
        if self.runner.running:
            self.runner.cancel()
            self.runner.stop()
            self._done()
        self.result = None
        self.view.kwic.set_hits([])
        self._set_stale(False)
        self.search()

    def _set_stale(self, stale: bool) -> None:
        self.stale = stale
        self.stale_banner.setVisible(stale)

    # ----- coding ------------------------------------------------------------------------

    def code_by_key(self, key: str) -> None:
        """A key pressed on the rows: code them with the coding layer's label of that key."""
        project = self.context.project
        layer = project.codebook.get().layer(self.code_layer.currentText()) if project is not None else None
        if layer is None:
            self.message.error("Choose the layer to code with first.")
            return
        label = next((label for label in layer.labels if label.key and label.key.casefold() == key.casefold()), None)
        if label is None:
            self.message.error(f"No label of {layer.name} has the key “{key}”.")
            return
        self.code_label.setCurrentIndex(find_data(self.code_label, (layer.name, label.name)))
        self.code_selected((layer.name, label.name))

    def code_selected(self, code: tuple[str, str] | None) -> None:
        """Code every selected hit with `code` as the current annotator, in one undoable step."""
        project = self.context.project
        if code is None or project is None:
            self.message.error("Choose a label to code with.")
            return
        if self.context.readonly or project.readonly:
            self.message.error("Read-only project: the hits cannot be coded.")
            return
        if self.stale:
            self.message.error("The rows are out of date: press Refresh before coding from them.")
            return
        rows = self.view.selected_rows()
        if not rows:
            self.message.error("Select the rows to code first.")
            return
        hits = [self.view.kwic.hits[row] for row in rows]
        layer, label = code
        self._coding = True
        try:
            result = code_hits(project, [(h.document_id, h.start, h.end) for h in hits], layer, label,
                               self.context.annotator)
        except AnnotatorError as error:
            self.message.error(str(error))
            return
        finally:
            self._coding = False
        text = (f"Coded {result.added} hit{'s' if result.added != 1 else ''} as {code_name(layer, label)} "
                f"({result.skipped} already had it)")
        self.message.say(text + ". Edit → Undo (Ctrl+Z) takes it back.")
        self.context.show_message(text)
        self._after_coding(rows, code, result.added)

    def _after_coding(self, rows: list[int], code: tuple[str, str], added: int) -> None:
        """Show the new code at the rows (when the codes shown include mine); a query by code
        whose answer the coding changes is out of date."""
        try:
            scope = self.scope_bar.scope()
        except AnnotatorError:
            return
        if added and (scope.everyone or scope.annotator == self.context.annotator):
            self.view.kwic.add_code(rows, code_name(*code))
        mode, label, other = self._asked
        if added and mode == "label" and code in (label, other):
            self._set_stale(True)

    def _history(self, name: str) -> None:
        """Edit → Undo / Redo of the main window, pressed here; what it did is said here too."""
        action: QAction | None = self.context.action(name)
        if action is None or not action.isEnabled():
            self.message.say("Nothing to undo." if name == "undo" else "Nothing to redo.")
            return
        what = action.text().replace("&", "")
        action.trigger()
        self.message.say(f"{what}.")

    # ----- opening and exporting ---------------------------------------------------------------

    def open_hit(self, row: int) -> None:
        """Show the hit of a row in the main window, selected."""
        context = self.context
        if context.project is None or Path(context.project.path) != self.project_path:
            self.message.error("The main window shows another project now.")
            return
        hit = self.view.kwic.hits[row]
        show_in_text(context, hit.document_id, hit.start, hit.end)
        context.show_message(f"Concordance: “{hit.match}” in {hit.title} (characters {hit.start}–{hit.end})")

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the rows as CSV (asks for a file name when `path` is None)."""
        if self.result is None:
            return None
        suggested = self.project_path.with_name(f"{self.project_path.stem}-concordance.csv")
        return export_file(self, self.message, path, "Export the concordance", suggested, "CSV (*.csv)",
                           self.view.kwic.write_csv, f"{len(self.view.kwic.hits):,} rows written to {{path}}.")

    # ----- life cycle ----------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        """The context columns share the new width."""
        super().resizeEvent(event)
        self.view.fit_columns()

    def stop(self) -> None:
        """Cancel and wait for a running query."""
        self.runner.cancel()
        self.runner.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Closing stops a running query first."""
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        """Escape closes (after stopping a query)."""
        self.stop()
        super().reject()


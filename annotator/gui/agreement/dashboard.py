"""The agreement dashboard: options, a Compute button with progress and Cancel, results in tabs."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, QThread, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...ops.agreement import AgreementReport
from ...project.changes import ChangeSet
from ..window_state import first_size
from .confusion import ConfusionTab
from .controls import AgreementControls
from .export import export_csv, export_image
from .locate import DisagreementIndex
from .overview import OverviewTab, PerLabelTab
from .subset import AgreementScope
from .tables import DocumentsTab, PairwiseTab
from .worker import AgreementWorker, start_worker

if TYPE_CHECKING:
    from ..context import AppContext

TAB_NAMES = ("Overview", "Per label", "Pairwise", "Per document", "Confusion")
STALE_TEXT = ("<b>Figures are out of date</b> — the project changed after they were computed. "
              "Press Recompute to bring them up to date.")


def scrolled(page: QWidget) -> QScrollArea:
    """A tab page inside a frameless scroll area, so a short window scrolls it instead of cutting it."""
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class AgreementDashboard(QDialog):
    """Non-modal window computing agreement on the main window's project, off the GUI thread."""

    def __init__(self, window: AppContext) -> None:
        super().__init__(window.host())
        assert window.project is not None
        self.window_ = window
        self.project_path = Path(window.project.path)
        self.report: AgreementReport | None = None
        self.scope: AgreementScope | None = None  # the labels and documents the report covers
        self._asked: AgreementScope | None = None  # the scope of the computation running
        self.index: DisagreementIndex | None = None
        self.outcome = ""  # "computed", "cancelled" or "failed" after a run
        self._thread: QThread | None = None
        self._worker: AgreementWorker | None = None
        self.setWindowTitle(f"Inter-annotator agreement — {self.project_path.name}")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)

        self.controls = AgreementControls(self)
        self.controls.set_project(window.project)
        self.controls.sig_changed.connect(self._options_changed)
        self.compute_button = QPushButton("&Compute", self)
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.blocked = QLabel(self)
        self.blocked.setWordWrap(True)
        self.blocked.setStyleSheet("color: #a02020;")
        self.blocked.setAccessibleName("Why Compute is unavailable")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.status = QLabel("Choose the options and press Compute.", self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_csv_button = QPushButton("Export &CSV…", self)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.export_image_button = QPushButton("Export &image…", self)
        self.export_image_button.clicked.connect(lambda: self.export_image())
        for button in (self.export_csv_button, self.export_image_button):
            button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        # The options scroll on a short screen; Compute, the progress and the exports stay in view below them.
        options = QWidget(self)
        options_layout = QVBoxLayout(options)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_layout.addWidget(self.controls)
        options_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(options)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # as narrow as the options can be (long names are elided), never narrower: nothing is cut off
        scroll.setMinimumWidth(options.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                               + 2 * scroll.frameWidth())
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(scroll, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.blocked)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        exports = QHBoxLayout()
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_image_button)
        left_layout.addLayout(exports)

        self.overview = OverviewTab(self)
        self.per_label = PerLabelTab(self)
        self.pairwise = PairwiseTab(self)
        self.documents = DocumentsTab(self)
        self.confusion = ConfusionTab(self)
        self.tabs = QTabWidget(self)
        for tab, name in zip((self.overview, self.per_label, self.pairwise, self.documents, self.confusion), TAB_NAMES):
            # the chart and the table above the definitions keep their height: a short window scrolls them
            self.tabs.addTab(scrolled(tab) if tab is self.overview else tab, name)
        self.tabs.setEnabled(False)
        self.scope_banner = QLabel(self)
        self.scope_banner.setWordWrap(True)
        self.scope_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scope_banner.setAccessibleName("What the figures cover")
        self.scope_banner.setVisible(False)
        # Shown when the project changes after the figures were computed (or while they were):
        # stale figures are never presented as current.
        self.stale_banner = QFrame(self)
        self.stale_banner.setObjectName("stale_banner")
        self.stale_banner.setStyleSheet("QFrame#stale_banner { background: #fde2e1; border: 1px solid #d08080; "
                                        "border-radius: 4px; } QLabel { color: #6b1010; }")
        self.stale_label = QLabel(STALE_TEXT, self.stale_banner)
        self.stale_label.setWordWrap(True)
        self.stale_label.setAccessibleName("The figures are out of date")
        self.recompute_button = QPushButton("&Recompute", self.stale_banner)
        self.recompute_button.setObjectName("recompute_button")
        self.recompute_button.clicked.connect(self.compute)
        stale_row = QHBoxLayout(self.stale_banner)
        stale_row.setContentsMargins(8, 4, 8, 4)
        stale_row.addWidget(self.stale_label, 1)
        stale_row.addWidget(self.recompute_button)
        self.stale_banner.setVisible(False)
        self.stale = False  # the project changed after the figures shown were computed
        self._changed_while_running = False
        window.events.sig_changed.connect(self._project_changed)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.stale_banner)
        right_layout.addWidget(self.scope_banner)
        right_layout.addWidget(self.tabs, 1)
        self.pairwise.sig_pair_chosen.connect(self._show_pair)
        self.documents.sig_document_chosen.connect(lambda document_id: self.open_document(document_id))
        self.confusion.sig_open.connect(self._open_place)

        splitter = QSplitter(self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([left.sizeHint().width(), 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.compute)
        first_size(self, QSize(1360, 860))
        self._update_compute()

    # ----- computing -----------------------------------------------------------------

    def is_running(self) -> bool:
        """True while a computation runs in the worker thread."""
        return self._thread is not None

    def compute(self) -> None:
        """Start computing the options' request in a worker thread (one at a time)."""
        if self.is_running():
            return
        if self.controls.problem():
            self._update_compute()
            return
        try:
            request = self.controls.request()
        except AnnotatorError as error:
            self._failed(str(error))
            return
        if not request.measures:
            self._failed("Choose at least one measure.")
            return
        self._asked = self.controls.scope()
        self._changed_while_running = False
        self._worker = AgreementWorker(self.project_path, request)
        self._worker.sig_progress.connect(self._progressed)
        self._worker.sig_finished.connect(self._finished)
        self._worker.sig_cancelled.connect(self._cancelled)
        self._worker.sig_failed.connect(self._failed)
        self.destroyed.connect(self._worker.cancel, Qt.ConnectionType.DirectConnection)
        self.compute_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText("Computing…")
        self._thread = start_worker(self._worker)

    def cancel(self) -> None:
        """Stop a running computation; the results on screen (if any) are cleared."""
        if self._worker is not None:
            self._worker.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._thread.wait()  # the worker has reported back: the thread is ending
            self._thread = None
        self._worker = None
        self._update_compute()
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)

    def _finished(self, report: AgreementReport, index: DisagreementIndex) -> None:
        self._stop_thread()
        self.outcome = "computed"
        self.show_report(report, index, self._asked)
        left = f"; {sum(report.left_out.values())} document(s) left out" if report.left_out else ""
        labels = f", {len(report.labels)} label(s)" if self.scope and self.scope.labels_restricted else ""
        self.status.setText(f"Computed in {report.seconds:.2f} s: {len(report.documents):,} document(s), "
                            f"{len(report.annotators)} annotator(s){labels}{left}.")
        self._set_stale(self._changed_while_running)  # a change during the run: already out of date

    def _project_changed(self, changes: ChangeSet) -> None:
        """A change on the project's bus: figures already shown (or being computed) no longer
        describe the project; say so and offer Recompute."""
        if self.window_.project is None or Path(self.window_.project.path) != self.project_path:
            return
        if self.is_running():
            self._changed_while_running = True
        elif self.report is not None:
            self._set_stale(True)

    def _set_stale(self, stale: bool) -> None:
        """Show (or hide) the out-of-date banner and say it in the status line too."""
        self.stale = stale
        self.stale_banner.setVisible(stale)
        if stale:
            self.status.setText("Figures are out of date: the project changed after they were computed. "
                                "Press Recompute.")

    def _cancelled(self) -> None:
        self._stop_thread()
        self.outcome = "cancelled"
        self._clear()
        self.status.setText("Cancelled: no figures computed.")

    def _failed(self, message: str) -> None:
        self._stop_thread()
        self.outcome = "failed"
        self._clear()
        self.status.setText(f"<span style='color:#a02020'>Cannot compute: {message}</span>")

    def _options_changed(self) -> None:
        self._update_compute()
        if self.report is not None and not self.is_running():
            self.status.setText("The options changed: press Compute to update the figures.")

    def _update_compute(self) -> None:
        """Compute is available when nothing runs and the options can be computed; else say why not."""
        problem = self.controls.problem()
        self.compute_button.setEnabled(not self.is_running() and not problem)
        self.compute_button.setToolTip(problem or "Compute the figures (Ctrl+Return)")
        self.blocked.setText(problem)
        self.blocked.setVisible(bool(problem))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        """Coming back to the dashboard re-reads document counts and statuses (done may have
        changed) and the codebook (labels may have been added or deleted meanwhile)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            project = self.window_.project
            if project is not None and Path(project.path) == self.project_path and not self.is_running():
                self.controls.refresh_codebook(project)
                self.controls.refresh_documents(project)

    # ----- showing ----------------------------------------------------------------------

    def show_report(self, report: AgreementReport, index: DisagreementIndex | None,
                    scope: AgreementScope | None = None) -> None:
        """Fill every tab from a report; `scope` says which labels and documents it was asked to cover."""
        self.report, self.index, self.scope = report, index, scope
        self.overview.show_report(report, scope)
        self.per_label.show_report(report, scope)
        self.pairwise.show_report(report)
        self.documents.show_report(report)
        self.confusion.show_report(report, index)
        self._show_scope(report, scope)
        self.tabs.setEnabled(True)
        for button in (self.export_csv_button, self.export_image_button):
            button.setEnabled(True)

    def _show_scope(self, report: AgreementReport, scope: AgreementScope | None) -> None:
        """Above every tab: which labels and how many documents the figures cover."""
        if scope is None:
            self.scope_banner.setVisible(False)
            return
        restricted = scope.restricted
        self.scope_banner.setText(("<b>Restricted.</b> " if restricted else "")
                                  + html.escape(scope.summary(report)) + ".")
        colours = ("#fff3cd", "#5c4400", "#e0c36c") if restricted else ("palette(alternate-base)", "palette(text)",
                                                                       "palette(mid)")
        self.scope_banner.setStyleSheet(f"QLabel {{ background: {colours[0]}; color: {colours[1]}; "
                                        f"border: 1px solid {colours[2]}; border-radius: 4px; padding: 4px 8px; }}")
        self.scope_banner.setVisible(True)

    def _clear(self) -> None:
        self.report, self.index, self.scope = None, None, None
        self.stale = False
        self.stale_banner.setVisible(False)
        self.scope_banner.setVisible(False)
        self.tabs.setEnabled(False)
        for button in (self.export_csv_button, self.export_image_button):
            button.setEnabled(False)

    def _show_pair(self, first: str, second: str) -> None:
        self.confusion.set_pair(first, second)
        self.tabs.setCurrentWidget(self.confusion)

    # ----- opening documents in the main window -----------------------------------------

    def open_document(self, document_id: str, pair: tuple[str, str] | None = None) -> None:
        """Open a document in the main window with everyone's spans, at its first disagreement."""
        where = self.index.first_disagreement(document_id, pair) if self.index is not None else None
        self._open_place(document_id, *(where or (None, None)))

    def _open_place(self, document_id: str, start: int | None, end: int | None) -> None:
        window = self.window_
        if window.project is None or Path(window.project.path) != self.project_path:
            self.status.setText("The main window shows another project now; reopen this one to see the text.")
            return
        others = window.action("show_others")
        if others is not None and not others.isChecked():
            others.setChecked(True)
        window.show_document(document_id)
        if start is not None and end is not None and end > start:
            window.select_text(start, end)
            where = f"at the first disagreement (characters {start}–{end})"
        else:
            where = "(the whole document is the unit)" if self.report and self.report.unit == "document" else ""
        window.show_message(f"Agreement: showing every annotator's spans {where}".rstrip())
        window.host().raise_()
        window.host().activateWindow()

    # ----- export ------------------------------------------------------------------------

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the report's tables as CSV (asks for a file name when `path` is None)."""
        if self.report is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export agreement tables",
                                                    str(self._suggested("csv")), "CSV (*.csv)")
            if not chosen:
                return None
            path = chosen
        try:
            written = export_csv(self.report, path, self.scope)
        except AnnotatorError as error:  # e.g. the name of a project file
            self.status.setText(f"<span style='color:#a02020'>{html.escape(str(error))}</span>")
            return None
        except OSError as error:
            self.status.setText(f"<span style='color:#a02020'>Cannot write {path}: {error.strerror or error}</span>")
            return None
        self.status.setText(f"Tables written to {written}.")
        return written

    def export_image(self, path: str | Path | None = None) -> Path | None:
        """Write the charts (pooled figures, per label, the pair's heatmap) as a PNG image."""
        if self.report is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export agreement charts",
                                                    str(self._suggested("png")), "PNG image (*.png)")
            if not chosen:
                return None
            path = chosen
        try:
            written = export_image(self.report, [self.overview.chart, self.per_label.chart],
                                   self.confusion.heatmap, path, self.scope)
        except AnnotatorError as error:
            self.status.setText(f"<span style='color:#a02020'>{html.escape(str(error))}</span>")
            return None
        except OSError as error:
            self.status.setText(f"<span style='color:#a02020'>{error}</span>")
            return None
        self.status.setText(f"Charts written to {written}.")
        return written

    def _suggested(self, suffix: str) -> Path:
        layer = self.report.layer if self.report is not None else "agreement"
        safe = "".join(ch if ch.isalnum() else "-" for ch in layer).strip("-").lower() or "layer"
        return self.project_path.with_name(f"{self.project_path.stem}-agreement-{safe}.{suffix}")

    # ----- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Closing stops a running computation first."""
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        """Escape closes (after stopping a computation)."""
        self.stop()
        super().reject()

    def stop(self) -> None:
        """Cancel and wait for a running computation (used when closing)."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.wait()
            self._thread = None
            self._worker = None

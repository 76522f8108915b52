"""The main window's layout: the welcome / work pages, the read-only banner, the four docked
panels and their proportions, and the status bar."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QStackedWidget, QWidget

from ..queries.documents import done_count
from .editor import AnnotationEditor
from .file_safety import banner_above
from .panels.annotations import AnnotationsPanel
from .panels.codebook import CodebookPanel
from .panels.document_labels import DocumentLabelsPanel
from .panels.documents import DocumentsPanel
from .panels.relations import RelationsPanel
from .window_state import WindowState

if TYPE_CHECKING:  # pragma: no cover
    from .dialogs.welcome import WelcomeScreen  # imported when first shown (see `welcome`)


# The share of the window's width (side panels) or height (annotations list, document labels)
# each docked panel starts with.
DOCK_SHARES: dict[str, tuple[Qt.Orientation, float]] = {
    "documents": (Qt.Orientation.Horizontal, 0.24),
    "codebook": (Qt.Orientation.Horizontal, 0.30),
    "annotations": (Qt.Orientation.Vertical, 0.22),
    "document_labels": (Qt.Orientation.Vertical, 0.17),
}


class WindowLayoutMixin(WindowState):
    """Builds the widgets and docks of the main window and fills its status bar."""

    def _build_widgets(self) -> None:
        self._welcome = None
        self.editor = AnnotationEditor(self)
        self.editor.sig_changed.connect(self._editor_changed)
        self.editor.sig_annotation_selected.connect(self._editor_selected)
        self.editor.sig_message.connect(self.show_message)
        self.editor.font_changed.connect(self.settings.set_font)
        self.editor.sig_write_failed.connect(self.show_write_failure)
        self.pages = QStackedWidget(self)
        # The welcome screen's place: it is built only when first shown (`welcome`), which a
        # start that opens a project straight away never does.
        self.pages.addWidget(QWidget(self.pages))
        self.pages.addWidget(self.editor)
        self.readonly_banner = banner_above(self, self.pages, "readonly_banner")

        self.documents_panel = DocumentsPanel(self, settings=self.settings)
        self.documents_panel.sig_document_selected.connect(self.show_document)
        # Sorting or filtering moves the current document: keep "Document n / N" true.
        for signal in (self.documents_panel.model.modelReset, self.documents_panel.model.layoutChanged):
            signal.connect(self._update_status)
        self.documents_panel.view.activated.connect(lambda _index: self.focus_text())
        self.codebook_panel = CodebookPanel(self)
        self.codebook_panel.sig_label_clicked.connect(self.apply_label)
        self.codebook_panel.sig_layer_clicked.connect(self._layer_clicked)
        self.annotations_panel = AnnotationsPanel(self)
        self.annotations_panel.sig_annotation_clicked.connect(self._annotation_clicked)
        self.annotations_panel.sig_message.connect(self.show_message)
        self.annotations_panel.sig_write_failed.connect(self.show_write_failure)
        self.labels_panel = DocumentLabelsPanel(self)
        self.labels_panel.sig_message.connect(self.show_message)
        self.labels_panel.sig_write_failed.connect(self.show_write_failure)
        # Each view follows the change bus itself; the window's own reaction comes last.
        for view in (self.documents_panel, self.codebook_panel, self.labels_panel, self.editor, self.annotations_panel):
            view.follow(self.events)
        self.events.sig_changed.connect(self._project_changed)
        self.events.backup_finished.connect(self._backup_finished)
        area = Qt.DockWidgetArea
        self.docks: dict[str, QDockWidget] = {}
        for name, title, widget, where in (
            ("documents", "Documents", self.documents_panel, area.LeftDockWidgetArea),
            ("codebook", "Codebook", self.codebook_panel, area.RightDockWidgetArea),
            ("document_labels", "Document labels", self.labels_panel, area.RightDockWidgetArea),
            ("annotations", "Annotations", self.annotations_panel, area.BottomDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{name}_dock")
            dock.setWidget(widget)
            self.addDockWidget(where, dock)
            self.docks[name] = dock
        # Relations: a tab beside the annotations list (a click shows the relation in the text).
        self.relations_panel = RelationsPanel(self, self)
        self.relations_panel.sig_relation_clicked.connect(self.editor.show_relation)
        dock = QDockWidget("Relations", self)
        dock.setObjectName("relations_dock")
        dock.setWidget(self.relations_panel)
        self.addDockWidget(area.BottomDockWidgetArea, dock)
        self.tabifyDockWidget(self.docks["annotations"], dock)
        self.docks["annotations"].raise_()
        self.docks["relations"] = dock
        self._dock_shares = {name: share for name, (_orientation, share) in DOCK_SHARES.items()}
        self._fitted_size = QSize()
        for name in DOCK_SHARES:
            self.docks[name].installEventFilter(self)
        self.resize(1400, 900)
        self.fit_docks()

    @property
    def welcome(self) -> WelcomeScreen:
        """The welcome screen (page 0 of the window), built the first time it is asked for."""
        if self._welcome is None:
            from .dialogs.welcome import WelcomeScreen

            welcome = WelcomeScreen(self)
            welcome.sig_new.connect(self.new_project)
            welcome.sig_open.connect(self.choose_project)
            welcome.sig_open_path.connect(lambda path: self.open_project(Path(path)))
            welcome.sig_demo.connect(self.open_demo)
            current = self.pages.currentIndex()
            placeholder = self.pages.widget(0)
            self.pages.removeWidget(placeholder)
            placeholder.deleteLater()
            self.pages.insertWidget(0, welcome)
            self.pages.setCurrentIndex(current)
            self._welcome = welcome
        return self._welcome

    # ----- panels that keep their share of the window ----------------------------------------
    # Docked panels are not in a QSplitter, so there are no stretch factors: a window made
    # small squeezed the documents panel to its minimum and it stayed there when the window
    # grew again. Each panel keeps a share of the window instead, and a drag of its edge by
    # the user sets that share.

    def fit_docks(self) -> None:
        """Give each visible docked panel its share of the window (never less than its minimum)."""
        for orientation, docks in (
            (Qt.Orientation.Horizontal, ("documents", "codebook")),
            (Qt.Orientation.Vertical, ("annotations",)),
            (Qt.Orientation.Vertical, ("document_labels",)),
        ):
            total = self.width() if orientation == Qt.Orientation.Horizontal else self.height()
            shown = [self.docks[name] for name in docks
                     if self.docks[name].isVisibleTo(self) and not self.docks[name].isFloating()]
            sizes = [int(total * self._dock_shares[name]) for name in docks if self.docks[name] in shown]
            if shown:
                self.resizeDocks(shown, sizes, orientation)
        self._fitted_size = self.size()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """The window changed size: the docked panels keep their shares of it."""
        super().resizeEvent(event)  # type: ignore[misc]
        self.fit_docks()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """A panel resized by the user dragging its edge (the window kept its size): remember its share."""
        if (event.type() == QEvent.Type.Resize and self.size() == self._fitted_size
                and QApplication.mouseButtons() != Qt.MouseButton.NoButton):
            for name, (orientation, _share) in DOCK_SHARES.items():
                dock = self.docks[name]
                if dock is watched and dock.isVisible() and not dock.isFloating():
                    horizontal = orientation == Qt.Orientation.Horizontal
                    size, total = (dock.width(), self.width()) if horizontal else (dock.height(), self.height())
                    self._dock_shares[name] = min(0.6, size / max(total, 1))
        return super().eventFilter(watched, event)  # type: ignore[misc]

    def _build_status_bar(self) -> None:
        self.annotator_label = QLabel(self)
        self.layer_label = QLabel(self)
        self.position_label = QLabel(self)
        self.done_label = QLabel(self)
        for label in (self.layer_label, self.annotator_label, self.position_label, self.done_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)

    def _update_status(self) -> None:
        project = self.project
        if project is None:
            for label in (self.annotator_label, self.layer_label, self.position_label, self.done_label):
                label.clear()
            return
        self.annotator_label.setText(f"Annotator: <b>{html.escape(self.annotator)}</b>")
        model = self.documents_panel.model
        row = self.documents_panel.current_row()
        shown = model.rowCount()
        position = "–" if row is None else str(row + 1)
        extra = f" (filtered from {self._documents_total})" if shown != self._documents_total else ""
        self.position_label.setText(f"Document {position} / {shown}{extra}")
        self.done_label.setText(f"Done: {done_count(project, self.annotator)} / {self._documents_total}")



def centre_on_screen(window: QMainWindow) -> None:
    """Move a window to the middle of its screen (first start, no saved geometry)."""
    screen = window.screen().availableGeometry()
    window.move(screen.center() - QPoint(window.width() // 2, window.height() // 2))


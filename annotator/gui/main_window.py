"""The main window: documents, the article in the editor, codebook, annotations, document labels."""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QPoint, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFontDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..errors import AnnotatorError, ProjectDamagedError, ProjectFileError
from ..model import Role, Status
from ..project import PROJECT_SUFFIX, Project
from ..project.history import ChangeSet
from ..store.database import explain_sqlite_error
from .actions import ACTIONS, MENUS, make_action, shortcut_text
from .dialogs.welcome import WelcomeScreen
from .editor import EDITOR_SHORTCUTS, AnnotationEditor
from .panels.annotations import AnnotationsPanel
from .panels.codebook import CodebookPanel
from .panels.document_labels import DocumentLabelsPanel
from .panels.document_rows import done_count
from .panels.documents import DocumentsPanel
from .settings import AppSettings

WELCOME_PAGE, WORK_PAGE = 0, 1
MAX_LAYER_KEYS = 9
# Actions that change the project file: off while the project is read-only.
EDITING_ACTIONS = ("import", "merge_project", "codebook_editor", "mark_done", "reopen", "delete", "undo", "redo")
# What reading a damaged file can raise past the store (bytes that are not UTF-8, JSON cut short…).
DAMAGE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.DatabaseError, UnicodeDecodeError, json.JSONDecodeError)
READONLY_STYLE = "background: #FFF4CE; color: #5C4400; padding: 6px 12px; border-bottom: 1px solid #E0C97A;"


def open_project_file(path: Path) -> Project:
    """Open a project for the window: read-only (with the reason) when the file cannot be written."""
    return Project.open(path, allow_readonly=True)


def damaged_error(path: Path, error: BaseException) -> ProjectFileError:
    """The one-line message for a project whose contents could not be read."""
    if isinstance(error, ProjectFileError):
        return error
    return ProjectDamagedError(path, str(error) or type(error).__name__)


def readonly_reason(project: Project | None) -> str:
    """Why the project cannot be changed ('' when it can)."""
    if project is None or not project.readonly:
        return ""
    return project.readonly_reason or "the project file cannot be written"  # opened with readonly=True


class MainWindow(QMainWindow):
    """One project at a time: the welcome screen, or the work area with its panels."""

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self.project: Project | None = None
        self.annotator = ""
        self.document_id: str | None = None
        self.active_layer = ""
        self.message_box: QMessageBox | None = None
        self.close_error: AnnotatorError | None = None  # why the last project did not close cleanly
        self.dialog: QWidget | None = None  # the last non-modal dialog opened (search, import …)
        self._documents_total = 0
        self._hidden_for_welcome: list[QDockWidget] = []
        self.setWindowTitle("Discourse Annotator")
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._project_file_changed)
        self._build_widgets()
        self._build_actions()
        self._build_status_bar()
        geometry, state = self.settings.geometry(), self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        if state is not None:
            self.restoreState(state)
        font = self.settings.font()
        if font is not None:
            self.editor.set_font(font)
        self.show_welcome()

    # ----- building --------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.welcome = WelcomeScreen(self)
        self.welcome.sig_new.connect(self.new_project)
        self.welcome.sig_open.connect(self.choose_project)
        self.welcome.sig_open_path.connect(lambda path: self.open_project(Path(path)))
        self.welcome.sig_demo.connect(self.open_demo)
        self.editor = AnnotationEditor(self)
        self.editor.sig_changed.connect(lambda changes: self._apply_changes(changes, from_editor=True))
        self.editor.sig_annotation_selected.connect(self._editor_selected)
        self.editor.sig_message.connect(self.show_message)
        self.editor.font_changed.connect(self.settings.set_font)
        self.editor.sig_write_failed.connect(self.show_write_failure)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.editor)
        self.readonly_banner = QLabel(self)
        self.readonly_banner.setObjectName("readonly_banner")
        self.readonly_banner.setWordWrap(True)
        self.readonly_banner.setStyleSheet(READONLY_STYLE)
        self.readonly_banner.hide()
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.readonly_banner)
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)

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
        self.annotations_panel.sig_changed.connect(self._apply_changes)
        self.annotations_panel.sig_message.connect(self.show_message)
        self.labels_panel = DocumentLabelsPanel(self)
        self.labels_panel.sig_changed.connect(self._apply_changes)
        self.labels_panel.sig_message.connect(self.show_message)
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
        self.resizeDocks([self.docks["documents"], self.docks["codebook"]], [400, 320], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["codebook"], self.docks["document_labels"]], [560, 150], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["annotations"]], [190], Qt.Orientation.Vertical)

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        menus = {title: self.menuBar().addMenu(title) for title in MENUS}
        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        for spec in ACTIONS:
            action = make_action(spec, self)
            slot: Callable[..., object] = getattr(self, spec.slot)
            if spec.checkable:
                action.toggled.connect(slot)
            else:
                action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menus[spec.menu].addAction(action)
            if spec.toolbar:
                self.toolbar.addAction(action)
            self.addAction(action)
            self.actions_by_name[spec.name] = action
            if spec.name in ("search", "next_not_done", "import"):
                self.toolbar.addSeparator()
        # Layers: F1..F9 make a span layer active; Ctrl+Shift+F1..F9 show or hide it.
        self.layer_menu = menus["&Document"].addMenu("Active &layer")
        self.visibility_menu = menus["&View"].addMenu("&Layers shown")
        self.layer_group = QActionGroup(self)
        self.layer_actions: list[QAction] = []
        self.visibility_actions: dict[str, QAction] = {}
        menus["&View"].addSeparator()
        for number, (name, dock) in enumerate(self.docks.items(), 1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Ctrl+Alt+{number}"))
            toggle.setText(f"{dock.windowTitle()} panel")
            menus["&View"].addAction(toggle)
            self.actions_by_name[f"panel_{name}"] = toggle
        # Ctrl+= zooms in too: on most keyboards "+" needs Shift, "=" does not.
        self.actions_by_name["zoom_in"].setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.show_others_action = self.actions_by_name["show_others"]
        # Blind coding: others' work is never shown at start, nor carried over to another
        # annotator or project; it is switched on for the moment only.
        self.show_others_action.setChecked(False)
        self.toolbar.addAction(self.show_others_action)

    def _build_status_bar(self) -> None:
        self.annotator_label = QLabel(self)
        self.layer_label = QLabel(self)
        self.position_label = QLabel(self)
        self.done_label = QLabel(self)
        for label in (self.layer_label, self.annotator_label, self.position_label, self.done_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)

    def _rebuild_layer_actions(self) -> None:
        for action in self.layer_actions:
            self.layer_group.removeAction(action)
            self.removeAction(action)
            action.deleteLater()
        for action in self.visibility_actions.values():
            self.removeAction(action)
            action.deleteLater()
        self.layer_menu.clear()
        self.visibility_menu.clear()
        self.layer_actions = []
        self.visibility_actions = {}
        if self.project is None:
            return
        spans = [layer for layer in self.project.codebook.get().layers if layer.kind == "span"]
        for number, layer in enumerate(spans[:MAX_LAYER_KEYS], 1):
            action = QAction(layer.name, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"F{number}"))
            action.triggered.connect(lambda _checked=False, name=layer.name: self.set_active_layer(name))
            self.layer_group.addAction(action)
            self.layer_menu.addAction(action)
            self.addAction(action)
            self.layer_actions.append(action)
            shown = QAction(layer.name, self)
            shown.setCheckable(True)
            shown.setChecked(self.editor.is_layer_visible(layer.name))
            shown.setShortcut(QKeySequence(f"Ctrl+Shift+F{number}"))
            shown.toggled.connect(lambda visible, name=layer.name: self.editor.set_layer_visible(name, visible))
            self.visibility_menu.addAction(shown)
            self.addAction(shown)
            self.visibility_actions[layer.name] = shown
        if spans and self.active_layer not in {layer.name for layer in spans}:
            self.active_layer = spans[0].name
        self.set_active_layer(self.active_layer)

    # ----- projects ----------------------------------------------------------------------

    def show_welcome(self) -> None:
        """Show the start page (no project open)."""
        self.welcome.set_recent(self.settings.recent_projects())
        self.pages.setCurrentIndex(WELCOME_PAGE)
        if not self._hidden_for_welcome:
            self._hidden_for_welcome = [dock for dock in self.docks.values() if dock.isVisibleTo(self)]
        for dock in self.docks.values():
            dock.hide()
        self.toolbar.hide()
        self._update_actions()
        self._update_status()
        self.setWindowTitle("Discourse Annotator")

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A message box that does not block (kept in `message_box` until the next one)."""
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.message_box = box
        return box

    def show_message(self, text: str) -> None:
        """A transient message in the status bar."""
        self.statusBar().showMessage(text, 8000)

    def open_project(self, path: Path, annotator: str | None = None, quiet: bool = False) -> bool:
        """Open a project file (read-only, with a banner, if it cannot be written); on failure say
        why (in the status bar if `quiet`) and keep the previous project or the welcome screen."""
        try:
            project = open_project_file(path)
        except DAMAGE_ERRORS as error:  # what the opener did not name itself
            return self._open_failed(damaged_error(path, error), quiet)
        except AnnotatorError as error:
            return self._open_failed(error, quiet)
        try:
            return self.set_project(project, annotator)
        except DAMAGE_ERRORS as error:
            if self.project is project:
                self.close_project(show_welcome=False)
            else:
                self._close_quietly(project)
            return self._open_failed(damaged_error(path, error), quiet)

    def _open_failed(self, error: AnnotatorError, quiet: bool) -> bool:
        text = f"{error.path}\n\n{error.problem}" if isinstance(error, ProjectFileError) else str(error)
        if quiet:
            self.show_message(f"The last project could not be opened: {error}")
        else:
            self.show_error("Cannot open the project", text)
        if self.project is None:
            self.show_welcome()
        return False

    @staticmethod
    def _close_quietly(project: Project) -> None:
        """Close a project that failed to load; its own error has been shown already."""
        try:
            project.close()
        except (AnnotatorError, sqlite3.Error):
            pass

    def set_project(self, project: Project, annotator: str | None = None) -> bool:
        """Show an open project (the window owns it from now on); asks who annotates if unknown."""
        name = annotator or self.settings.annotator_for(project.path)
        project.codebook.get()  # a damaged file fails here, before the shown project is closed
        if project.readonly and (not name or project.annotators.get(name) is None):
            name = self._reader_name(project)  # no new annotator can be stored: view as an existing one
            if not name:
                self._close_quietly(project)
                self.show_error("Cannot open the project", f"{project.path}\n\nis read-only and has no annotators "
                                "yet, so there is nothing to show.")
                return False
        elif not annotator and (not name or project.annotators.get(name) is None):
            from .dialogs.identity import ask_annotator

            name = ask_annotator(project, self, name or "") or ""
            if not name:
                self._close_quietly(project)
                self.show_message("No annotator chosen; the project was not opened.")
                return False
        if not project.readonly:
            project.annotators.ensure(name)
        self.close_project(show_welcome=False)
        self.project = project
        self._watcher.addPath(str(project.path))
        self.annotator = name
        self.settings.add_recent_project(project.path)
        self.settings.set_annotator_for(project.path, name)
        self._documents_total = len(project.documents)
        self.setWindowTitle(f"{project.path.name}{' (read-only)' if project.readonly else ''} — Discourse Annotator")
        self.editor.set_project(project)
        self.codebook_panel.set_codebook(project.codebook.get())
        self.labels_panel.set_project(project)
        self._rebuild_layer_actions()
        self.documents_panel.set_project(project, name)
        self.pages.setCurrentIndex(WORK_PAGE)
        for dock in self._hidden_for_welcome or list(self.docks.values()):
            dock.show()
        self._hidden_for_welcome = []
        self.toolbar.show()
        self.show_others_action.setChecked(False)
        self.editor.show_others(False)
        self._show_readonly(readonly_reason(project))
        first = self.documents_panel.model.document_id(0)
        self.show_document(first)
        self._update_actions()
        return True

    @staticmethod
    def _reader_name(project: Project) -> str:
        """The first annotator of a read-only project ('' if it has none), to view its work as."""
        people = [a.name for a in project.annotators.list() if a.role is Role.ANNOTATOR]
        return people[0] if people else ""

    def _show_readonly(self, reason: str) -> None:
        """Show the read-only banner (reason '' hides it) and switch every way of editing off or on."""
        self.readonly_banner.setText(f"<b>Read-only:</b> changes cannot be saved — {html.escape(reason)}")
        self.readonly_banner.setVisible(bool(reason))
        self.editor.set_readonly(reason)
        self.labels_panel.setEnabled(not reason)
        view = self.annotations_panel.view
        if reason and view.editTriggers() != view.EditTrigger.NoEditTriggers:
            self._edit_triggers = view.editTriggers()
            view.setEditTriggers(view.EditTrigger.NoEditTriggers)
        elif not reason and hasattr(self, "_edit_triggers"):
            view.setEditTriggers(self._edit_triggers)

    def show_write_failure(self, text: str) -> None:
        """A change could not be saved (read-only, disk full, damaged): one message box naming the project."""
        self.show_error("The change was not saved", f"{text}\n\nThe project stays open; what is shown was saved "
                        "up to the change before.")

    @property
    def readonly(self) -> bool:
        """True while the open project cannot be changed."""
        return bool(readonly_reason(self.project))

    def close_project(self, show_welcome: bool = True) -> None:
        """Close the project (everything is saved already) and show the welcome screen."""
        if self.project is not None:
            for child in self.findChildren(QWidget):  # search, codebook editor, review, agreement…
                if child.isWindow() and child.isVisible():
                    child.close()
            self.editor.set_document(None, self.annotator)
            self.editor.set_project(None)
            self.documents_panel.set_project(None, "")
            self.annotations_panel.load(None, None, "", False)
            self.labels_panel.set_project(None)
            self.codebook_panel.set_codebook(None)
            if self._watcher.files():
                self._watcher.removePaths(self._watcher.files())
            project, self.project = self.project, None
            self.document_id = None
            self._show_readonly("")
            self._rebuild_layer_actions()
            try:
                project.close()
            except (AnnotatorError, sqlite3.Error) as error:
                self.close_error = error if isinstance(error, AnnotatorError) else explain_sqlite_error(project.path,
                                                                                                       error)
                self.show_error("The project was not closed cleanly", str(self.close_error))
        if show_welcome:
            self.settings.last_project = None
            self.show_welcome()

    def _project_file_changed(self, path: str) -> None:
        """If the open project file was deleted or moved, save what the connection holds and say so."""
        project = self.project
        if project is None or Path(path) != project.path:
            return
        if project.path.exists():
            if path not in self._watcher.files():
                self._watcher.addPath(path)  # editors that replace files drop the watch
            return
        rescue = project.path.with_name(project.path.stem + ".recovered" + PROJECT_SUFFIX)
        try:
            target = sqlite3.connect(rescue)
            with target:
                project.db.conn.backup(target)
            target.close()
            saved = f"Everything up to your last change was saved to\n{rescue}\n\nOpen that file to go on."
        except sqlite3.Error as error:
            saved = f"A copy could not be written next to it ({error})."
        self.close_project()
        self.show_error(
            "The project file disappeared",
            f"{project.path} was moved, renamed or deleted while it was open.\n\n{saved}",
        )

    def choose_project(self) -> None:
        """Ask for a project file and open it."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Open project", str(Path.home()), f"Annotator projects (*{PROJECT_SUFFIX});;All files (*)"
        )
        if chosen:
            self.open_project(Path(chosen))

    def open_demo(self) -> None:
        """Open (building it on first use) the demo project."""
        from ..ops.demo import ensure_demo

        try:
            path = ensure_demo()
        except AnnotatorError as error:
            self.show_error("Cannot build the demo project", str(error))
            return
        self.open_project(path)

    def new_project(self) -> None:
        """Create a project with the New-project dialog and open it."""
        from .dialogs.new_project import NewProjectDialog

        folder = self.project.path.parent if self.project is not None else Path.home()
        dialog = NewProjectDialog(folder, self)
        if dialog.exec() != NewProjectDialog.DialogCode.Accepted:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the first use of spaCy takes a moment
        try:
            project = Project.create(dialog.path(), dialog.codebook(), dialog.language())
        except AnnotatorError as error:
            self.show_error("Cannot create the project", str(error))
            return
        finally:
            QApplication.restoreOverrideCursor()
        if self.set_project(project):
            self.show_message("Project created. Import articles with File → Import documents (Ctrl+I).")

    # ----- documents -----------------------------------------------------------------

    def show_document(self, document_id: str | None) -> None:
        """Show a document in the editor and the panels."""
        if self.project is None:
            return
        self.document_id = document_id
        with self._guard():
            self.editor.set_document(document_id, self.annotator)
            self.annotations_panel.load(
                self.project, document_id, self.annotator, self.show_others_action.isChecked()
            )
            self.labels_panel.show_document(document_id, self.annotator)
        if document_id is not None and self.documents_panel.current_document() != document_id:
            self.documents_panel.select_document(document_id, emit=False)
        self._update_status()
        self._update_actions()

    def _move(self, step: int) -> None:
        model = self.documents_panel.model
        row = self.documents_panel.current_row()
        target = 0 if row is None else row + step
        if 0 <= target < model.rowCount():
            self.documents_panel.select_document(model.document_id(target) or "")
        else:
            self.show_message("This is the last document." if step > 0 else "This is the first document.")

    def next_document(self) -> None:
        """Go to the next document of the list."""
        self._move(1)

    def previous_document(self) -> None:
        """Go to the previous document of the list."""
        self._move(-1)

    def next_not_done(self) -> None:
        """Go to the next document (in list order, wrapping) that I have not marked done."""
        if self.project is None:
            return
        done = self.project.status.done_by(self.annotator)
        ids = self.documents_panel.model.ids()
        row = self.documents_panel.current_row()
        start = -1 if row is None else row
        for offset in range(1, len(ids) + 1):
            candidate = ids[(start + offset) % len(ids)]
            if candidate not in done:
                self.documents_panel.select_document(candidate)
                return
        self.show_message("Every document in the list is done.")

    def _set_status(self, status: Status) -> None:
        if self.project is None or self.document_id is None or self.readonly:
            return
        with self._guard():
            changes = self.project.status.set(self.document_id, self.annotator, status)
            self._apply_changes(changes)
            keys = shortcut_text(self.actions_by_name["next_not_done"])
            self.show_message(f"Marked {status.value}. Next document not done: {keys}")

    def mark_done(self) -> None:
        """Mark the current document done for me."""
        self._set_status(Status.DONE)

    def reopen(self) -> None:
        """Mark the current document in progress again."""
        self._set_status(Status.IN_PROGRESS)

    # ----- annotating ----------------------------------------------------------------

    def set_active_layer(self, layer: str) -> None:
        """Make a span layer's label keys live."""
        if not layer:
            return
        self.active_layer = layer
        shown = self.visibility_actions.get(layer)
        if shown is not None and not shown.isChecked():
            shown.setChecked(True)  # what you tag must be visible
        self.editor.set_active_layer(layer)
        self.codebook_panel.set_active_layer(layer)
        for action in self.layer_actions:
            action.setChecked(action.text() == layer)
        self.layer_label.setText(f"Layer: <b>{html.escape(layer)}</b>")

    def _layer_clicked(self, layer: str) -> None:
        if self.project is not None and self.project.codebook.layer(layer).kind == "span":
            self.set_active_layer(layer)

    def apply_label(self, layer: str, label: str) -> None:
        """Apply a label clicked in the codebook panel: to the selection, or to the document."""
        if self.project is None or self.document_id is None:
            self.show_message("Open a document first.")
            return
        if self.readonly:
            self.show_message(f"Read-only: changes cannot be saved — {readonly_reason(self.project)}")
            return
        with self._guard():
            if self.project.codebook.layer(layer).kind == "document":
                changes = self.project.annotations.set_document_label(self.document_id, self.annotator, layer, label)
                self._apply_changes(changes)
                return
            if layer != self.active_layer:
                self.set_active_layer(layer)
            self.editor.apply_label(label)
        self.editor.view.setFocus()

    def delete_annotation(self) -> None:
        """Delete the selected annotation (in the list if it has focus, else in the text)."""
        if self.annotations_panel.view.hasFocus():
            self.annotations_panel.delete_selected()
        else:
            self.editor.delete_selected()

    def _editor_selected(self, annotation_id: str) -> None:
        self.annotations_panel.select_annotation(annotation_id)

    def _annotation_clicked(self, annotation_id: str) -> None:
        self.editor.select_annotation(annotation_id)

    def _apply_changes(self, changes: ChangeSet, from_editor: bool = False) -> None:
        """Refresh only what a ChangeSet names."""
        self.documents_panel.model.refresh_documents(changes.documents)
        if self.document_id in changes.documents:
            if not from_editor:
                self.editor.apply_changes(changes)
            self.annotations_panel.apply_changes(changes)
            self.labels_panel.apply_changes(changes)
        if from_editor and changes.primary:
            self.annotations_panel.select_annotation(changes.primary)
        self._update_status()
        self._update_actions()

    def _after_history(self, changes: ChangeSet | None, verb: str) -> None:
        if changes is None:
            self.show_message(f"Nothing to {verb}.")
            return
        if changes.codebook:  # a deleted layer came back, or went again
            self.reload_codebook()
        if changes.documents and self.document_id not in changes.documents:
            target = sorted(changes.documents)[0]
            self.documents_panel.model.refresh_documents(changes.documents)
            if not self.documents_panel.select_document(target):
                self.show_document(target)
            self._update_actions()
        else:
            self._apply_changes(changes)
        self.show_message(f"{verb.capitalize()}: {changes.description}")

    def undo(self) -> None:
        """Undo the last change (switching to its document if needed)."""
        if self.project is not None and not self.readonly:
            with self._guard():
                self._after_history(self.project.history.undo(), "undo")

    def redo(self) -> None:
        """Redo the last undone change."""
        if self.project is not None and not self.readonly:
            with self._guard():
                self._after_history(self.project.history.redo(), "redo")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn refused operations into a status message and file trouble into a message box."""
        try:
            yield
        except ProjectFileError as error:
            self.show_error("The project file has a problem", f"{error.path}\n\n{error.problem}")
        except AnnotatorError as error:
            self.show_message(str(error))
        except sqlite3.Error as error:
            path = self.project.path if self.project is not None else ""
            self.show_error(
                "The project file cannot be used",
                f"{path}\n\n{error}\n\nThe last change was not saved. If the file was moved, deleted or made "
                "read-only, put it back (or make it writable) and open it again.",
            )
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            path = self.project.path if self.project is not None else Path("project")
            damaged = damaged_error(path, error)
            self.show_error("The project file is damaged", f"{damaged.path}\n\n{damaged.problem}")

    # ----- finding -------------------------------------------------------------------

    def find_in_document(self) -> None:
        """Open the editor's find bar."""
        if self.document_id is not None:
            self.editor.find_in_document()

    def search_corpus(self) -> None:
        """Open the corpus search dialog."""
        if self.project is None:
            return
        from .dialogs.corpus_search import CorpusSearchDialog

        dialog = CorpusSearchDialog(self.project, self)
        dialog.sig_hit_chosen.connect(self.go_to_hit)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.show()

    def go_to_hit(self, document_id: str, start: int, end: int) -> None:
        """Show a document and select a stretch of its text."""
        if self.document_id != document_id and not self.documents_panel.select_document(document_id):
            self.show_document(document_id)
        if end > start:
            self.select_text(start, end)
        else:
            self.editor.view.setFocus()

    def select_text(self, start: int, end: int) -> None:
        """Select [start, end) (code points) in the text and scroll to it."""
        self.editor.set_selection(start, end)
        self.editor.view.setFocus()

    # ----- view ----------------------------------------------------------------------

    def toggle_others(self, shown: bool) -> None:
        """Show or hide other annotators' work (read-only)."""
        self.editor.show_others(shown)
        if shown:
            self.show_message("Showing other annotators' work (read-only): blind coding is off until you switch it back.")
        if self.project is not None:
            self.annotations_panel.load(self.project, self.document_id, self.annotator, shown)

    def zoom_in(self) -> None:
        """Larger text."""
        self.editor.zoom_in()

    def zoom_out(self) -> None:
        """Smaller text."""
        self.editor.zoom_out()

    def choose_font(self) -> None:
        """Choose the text font."""
        ok, font = QFontDialog.getFont(self.editor.reading_font(), self, "Text font")
        if ok:
            self.editor.set_font(font)
            self.settings.set_font(font)

    def focus_documents(self) -> None:
        """Move the keyboard focus to the document list."""
        self.docks["documents"].show()
        self.documents_panel.view.setFocus()

    def focus_text(self) -> None:
        """Move the keyboard focus to the text."""
        self.editor.view.setFocus()

    def focus_codebook(self) -> None:
        """Move the keyboard focus to the codebook filter."""
        self.docks["codebook"].show()
        self.codebook_panel.filter_box.setFocus()
        self.codebook_panel.filter_box.selectAll()

    def focus_annotations(self) -> None:
        """Move the keyboard focus to the annotations list."""
        self.docks["annotations"].show()
        self.annotations_panel.view.setFocus()

    # ----- annotator, codebook, import -----------------------------------------------------

    def switch_annotator(self, name: str | None = None) -> None:
        """Annotate as someone else (asks if no name is given); my view becomes theirs."""
        if self.project is None:
            return
        if name is None and self.project.readonly:  # only existing annotators: none can be added
            people = [a.name for a in self.project.annotators.list()]
            current = people.index(self.annotator) if self.annotator in people else 0
            name, ok = QInputDialog.getItem(self, "Switch annotator", "Read-only project: view the work of",
                                            people, current, False)
            if not ok:
                return
        elif name is None:
            from .dialogs.identity import ask_annotator

            name = ask_annotator(self.project, self, self.annotator)
            if not name:
                return
        if self.project.readonly and self.project.annotators.get(name) is None:
            self.show_message(f'Read-only: "{name}" is not an annotator of this project and cannot be added.')
            return
        if not self.project.readonly:
            self.project.annotators.ensure(name)
        self.project.history.clear()  # one person's undo must not revert another's work
        self.show_others_action.setChecked(False)  # blind coding for the next person
        self.annotator = name
        self.settings.set_annotator_for(self.project.path, name)
        self.documents_panel.set_project(self.project, name)
        self.show_document(self.document_id)
        self.show_message(f"Annotating as {name}.")

    def edit_codebook(self) -> None:
        """Open the codebook editor; views follow its changes."""
        if self.project is None or self.readonly:
            return
        from .dialogs.codebook_editor import CodebookEditorDialog

        dialog = CodebookEditorDialog(self.project, self.annotator, self)
        dialog.sig_codebook_changed.connect(self.reload_codebook)
        self.dialog = dialog
        dialog.exec()

    def reload_codebook(self) -> None:
        """Re-read the codebook (after an edit or an import that added labels) and redraw."""
        if self.project is None:
            return
        self.project.codebook.invalidate()
        self.codebook_panel.set_codebook(self.project.codebook.get())
        self.labels_panel.set_project(self.project)
        self._rebuild_layer_actions()
        self.editor.set_project(self.project)
        self.documents_panel.set_project(self.project, self.annotator)
        self.show_document(self.document_id)

    def import_documents(self) -> None:
        """Open the Import dialog (the import runs in a worker thread)."""
        if self.project is None:
            self.show_message("Open or create a project first.")
            return
        if self.readonly:
            return
        from .dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.project.path, self)
        dialog.sig_imported.connect(self._imported)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.show()

    def documents_changed(self) -> None:
        """Another connection added documents, labels or annotations (import, merge): forget
        the undo steps that no longer apply and redraw every view from the file."""
        if self.project is None:
            return
        self.project.history.clear()
        self._documents_total = len(self.project.documents)
        self.reload_codebook()
        if self.document_id is None:
            self.show_document(self.documents_panel.model.document_id(0))
        self._update_status()
        self._update_actions()

    def _imported(self, report: object) -> None:
        self.documents_changed()
        self.show_message(f"Imported {len(getattr(report, 'imported', []))} document(s).")

    # ----- help ----------------------------------------------------------------------

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        """(where, keys, action) for every shortcut of the window and the editor."""
        rows = [
            (spec.menu.replace("&", ""), shortcut_text(self.actions_by_name[spec.name]), spec.text.replace("&", ""))
            for spec in ACTIONS
        ]
        for name, action in self.actions_by_name.items():
            if name.startswith("panel_"):
                rows.append(("View", shortcut_text(action), f"Show or hide the {action.text()}"))
        rows.append(("Layers", "F1 … F9", "Make a span layer active (its label keys become live)"))
        rows.append(("Layers", "Ctrl+Shift+F1 … F9", "Show or hide a span layer"))
        for action in self.layer_actions:
            rows.append(("Layers", shortcut_text(action), f"Active layer: {action.text()}"))
        rows.extend(("Text", keys, what) for keys, what in EDITOR_SHORTCUTS)
        rows.append(("Documents", "Up / Down, Enter", "Move in the document list; Enter goes to the text"))
        rows.append(("Annotations", "F2 / Delete", "Edit the note or attributes in place / delete"))
        return rows

    def show_shortcuts(self) -> None:
        """List every keyboard shortcut."""
        from .dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_rows(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.show()

    # ----- windows of their own: each lives in its package and gets this window ---------

    def merge_project(self) -> None:
        """File → Merge project…: annotator/gui/dialogs/merge_dialog.py."""
        if self.readonly:
            return
        from .dialogs.merge_dialog import run_merge_dialog

        run_merge_dialog(self)

    def export_corpus(self) -> None:
        """File → Export…: annotator/gui/dialogs/export_dialog.py."""
        from .dialogs.export_dialog import run_export_dialog

        run_export_dialog(self)

    def show_agreement(self) -> None:
        """Analyze → Agreement: annotator/gui/agreement/."""
        from .agreement import show_agreement

        show_agreement(self)

    def show_review(self) -> None:
        """Review → Compare and adjudicate: annotator/gui/review/."""
        from .review import show_review

        show_review(self)

    def show_about(self) -> None:
        """The About box."""
        from .dialogs.about import show_about

        show_about(self)

    # ----- status and life cycle ------------------------------------------------------------

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

    def _update_actions(self) -> None:
        has_project = self.project is not None
        has_document = has_project and self.document_id is not None
        for name in ("import", "close_project", "search", "switch_annotator", "codebook_editor", "next",
                     "previous", "next_not_done", "show_others", "merge_project", "export", "agreement",
                     "review"):
            self.actions_by_name[name].setEnabled(has_project)
        for name in ("mark_done", "reopen", "find", "delete"):
            self.actions_by_name[name].setEnabled(has_document)
        history = self.project.history if self.project is not None else None
        undo, redo = self.actions_by_name["undo"], self.actions_by_name["redo"]
        undo.setEnabled(bool(history and history.can_undo) and not self.readonly)
        redo.setEnabled(bool(history and history.can_redo) and not self.readonly)
        undo.setText(f"&Undo {history.undo_text}" if history and history.can_undo else "&Undo")
        redo.setText(f"&Redo {history.redo_text}" if history and history.can_redo else "&Redo")
        if has_document and self.project is not None:
            status = self.project.status.get(self.document_id or "", self.annotator)
            self.actions_by_name["mark_done"].setEnabled(status is not Status.DONE)
            self.actions_by_name["reopen"].setEnabled(status is Status.DONE)
        if self.readonly:
            for name in EDITING_ACTIONS:
                self.actions_by_name[name].setEnabled(False)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Remember the layout and the project, then close the project file (saying so, before
        the window goes, if that failed)."""
        self.settings.save_layout(self.saveGeometry(), self.saveState())
        if self.project is not None:
            self.settings.add_recent_project(self.project.path)
            self.close_error = None
            self.close_project(show_welcome=False)
            if self.close_error is not None and self.message_box is not None:
                self.message_box.exec()  # the app quits after this: the user must see it first
        self.settings.sync()
        super().closeEvent(event)


def centre_on_screen(window: QMainWindow) -> None:
    """Move a window to the middle of its screen (first start, no saved geometry)."""
    screen = window.screen().availableGeometry()
    window.move(screen.center() - QPoint(window.width() // 2, window.height() // 2))


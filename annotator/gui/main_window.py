"""The main window: documents, the article in the editor, codebook, annotations, document labels.

This module holds the window's life cycle (opening, showing and closing a project), moving
between documents and annotating; the rest is split by concept into mixins: window_layout
(widgets, docks, status bar), menus (actions, toolbar, shortcuts list), file_safety
(read-only banner, refused writes, damaged files), window_history (per-person undo) and
window_tools (find, view, focus, windows of their own)."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QFont, QShowEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QInputDialog, QMainWindow, QMessageBox, QWidget

from ..errors import AnnotatorError
from ..model import Role, Status
from ..project import PROJECT_SUFFIX, Project
from ..project.changes import ChangeSet
from ..store.database import explain_sqlite_error
from .actions import shortcut_text
from .events import ProjectEvents
from .file_safety import DAMAGE_ERRORS, damaged_error, open_project_file, readonly_reason
from .menus import MenusMixin
from .settings import AppSettings
from .window_analysis import AnalysisMixin
from .window_documents import DocumentsMixin
from .window_history import HistoryMixin
from .window_layout import WindowLayoutMixin, centre_on_screen
from .window_suggest import SuggestMixin
from .window_study import StudyMixin
from .window_state import first_size
from .window_tools import ToolsMixin

__all__ = ["WELCOME_PAGE", "WORK_PAGE", "MainWindow", "centre_on_screen"]

WELCOME_PAGE, WORK_PAGE = 0, 1


class MainWindow(WindowLayoutMixin, MenusMixin, HistoryMixin, ToolsMixin, AnalysisMixin, SuggestMixin, DocumentsMixin,
                 StudyMixin, QMainWindow):
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
        # The open project's change bus on the GUI thread: the views (here, in the review and
        # the agreement dashboard) connect to it and refresh what each change names.
        self.events = ProjectEvents(self)
        self._build_widgets()
        self._build_actions()
        self._build_status_bar()
        geometry, state = self.settings.geometry(), self.settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            first_size(self, QSize(1400, 900))  # at most 90 % of the screen's free area
        if state is not None:
            self.restoreState(state)
        font = self.settings.font()
        if font is not None:
            self.editor.set_font(font)
        self._show_start_page()  # the welcome screen itself is built when first shown

    def showEvent(self, event: QShowEvent) -> None:
        """Build and fill the welcome screen if the window appears with no project open."""
        if self.project is None and self._welcome is None:
            self.welcome.set_recent(self.settings.recent_projects())
        super().showEvent(event)

    # ----- projects ----------------------------------------------------------------------

    def show_welcome(self) -> None:
        """Show the start page (no project open)."""
        self.welcome.set_recent(self.settings.recent_projects())
        self._show_start_page()
        self.welcome.take_focus()

    def _show_start_page(self) -> None:
        """Put the window in its no-project state: the welcome page, no docks, no toolbar."""
        self.pages.setCurrentIndex(WELCOME_PAGE)
        if not self._hidden_for_welcome:
            self._hidden_for_welcome = [dock for dock in self.docks.values() if dock.isVisibleTo(self)]
        for dock in self.docks.values():
            dock.hide()
        self.toolbar.hide()
        self._update_actions()
        self._update_status()
        self.setWindowTitle("Discourse Annotator")

    def open_project(self, path: Path, annotator: str | None = None, quiet: bool = False,
                     resume: bool = False) -> bool:
        """Open a project file (read-only, with a banner, if it cannot be written) — with `resume`, at
        the document last shown in it; on failure say why (in the status bar if `quiet`) and keep the
        previous project or the welcome screen."""
        try:
            project = open_project_file(path)
        except DAMAGE_ERRORS as error:  # what the opener did not name itself
            return self._open_failed(damaged_error(path, error), quiet)
        except AnnotatorError as error:
            return self._open_failed(error, quiet)
        try:
            return self.set_project(project, annotator, resume)
        except DAMAGE_ERRORS as error:
            if self.project is project:
                self.close_project(show_welcome=False)
            else:
                self._close_quietly(project)
            return self._open_failed(damaged_error(path, error), quiet)

    def set_project(self, project: Project, annotator: str | None = None, resume: bool = False) -> bool:
        """Show an open project (the window owns it from now on) at its first document, or with
        `resume` at the one last shown in it; asks who annotates if unknown."""
        name = annotator or self.settings.annotator_for(project.path)
        project.codebook.get()  # a damaged file fails here, before the shown project is closed
        chosen = True  # a name the user gave or confirmed, remembered for this file
        if project.readonly and (not name or project.annotators.get(name) is None):
            # No new annotator can be stored: view as an existing one — the person using this
            # window if the project knows them — without remembering it, so that the file,
            # once writable, asks who is annotating instead of coding as someone else.
            chosen = False
            mine = self.annotator if self.annotator and project.annotators.get(self.annotator) else ""
            name = mine or self._reader_name(project)
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
        self.events.set_project(project)
        self._watcher.addPath(str(project.path))
        self.annotator = name
        self.settings.add_recent_project(project.path)
        if chosen:
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
        self.actions_by_name["suggest"].setChecked(False)  # suggestions are switched on per project and layer
        self._show_readonly(readonly_reason(project))
        first = self.documents_panel.model.document_id(0)
        self.show_document(self._last_document(project) or first if resume else first)
        self._update_actions()
        # The rolling backup is written on a thread of its own; if it could not be, say so once.
        project.when_backup_finished(self.events.backup_finished.emit)
        return True

    def _last_document(self, project: Project) -> str | None:
        """The document last shown in this project, if it still exists (None otherwise)."""
        last = self.settings.last_document_for(project.path)
        return last if last and self.documents_panel.model.row_of(last) is not None else None

    @staticmethod
    def _reader_name(project: Project) -> str:
        """The first annotator of a read-only project ('' if it has none), to view its work as."""
        people = [a.name for a in project.annotators.list() if a.role is Role.ANNOTATOR]
        return people[0] if people else ""

    def close_project(self, show_welcome: bool = True) -> None:
        """Close the project (everything is saved already) and show the welcome screen."""
        if self.project is not None:
            for child in self.findChildren(QWidget):  # search, codebook editor, review, agreement…
                if child.isWindow() and child.isVisible():
                    child.close()
            self.editor.set_document(None, self.annotator)
            self.editor.set_project(None)
            self.labels_panel.show_document(None, self.annotator)  # not the old id in the next project
            self.documents_panel.set_project(None, "")
            self.annotations_panel.load(None, None, "", False)
            self.labels_panel.set_project(None)
            self.codebook_panel.set_codebook(None)
            if self._watcher.files():
                self._watcher.removePaths(self._watcher.files())
            project, self.project = self.project, None
            self.events.set_project(None)
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
        if document_id is not None:  # Ctrl+R and Open recent come back to it
            self.settings.set_last_document_for(self.project.path, document_id)
        with self._guard():
            self.editor.set_document(document_id, self.annotator)
            self.annotations_panel.load(
                self.project, document_id, self.annotator, self.show_others_action.isChecked()
            )
            self.labels_panel.show_document(document_id, self.annotator)
            self.relations_panel.refresh()
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
        """Go to the next document of the list (of my queue, when documents are assigned to me)."""
        if not self.follow_queue():
            self._move(1)

    def previous_document(self) -> None:
        """Go to the previous document of the list."""
        self._move(-1)

    def next_not_done(self) -> None:
        """Go to the next document (in list order, wrapping) that I have not marked done (of my
        queue, when documents are assigned to me)."""
        if self.project is None or self.follow_queue():
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
            self.project.status.set(self.document_id, self.annotator, status)  # the views hear it on the bus
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
        self.actions_by_name["suggest"].setChecked(self.editor.suggesting(layer))
        self.codebook_panel.set_active_layer(layer)
        for action in self.layer_actions:
            action.setChecked(action.text() == layer)
        self.layer_label.setText(f"Layer: <b>{html.escape(layer)}</b>")

    def toggle_all_relations(self, on: bool) -> None:
        """View → Show all relations in the paragraph: every arc there, not only the selected span's."""
        self.editor.show_all_relations(on)

    def toggle_suggestions(self, on: bool) -> None:
        """Tools → Show suggestions: the active layer's suggestions in the text, or none."""
        self.editor.set_suggesting(self.active_layer, on)

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
                self.project.annotations.set_document_label(self.document_id, self.annotator, layer, label)
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

    def _editor_changed(self, changes: ChangeSet) -> None:
        """Tagging in the text selects the new annotation in the list too (the list itself was
        refreshed from the change bus already)."""
        if changes.primary:
            self.annotations_panel.select_annotation(changes.primary)

    def _project_changed(self, changes: ChangeSet) -> None:
        """The window's own share of a change on the bus (the panels and the editor follow it
        themselves, connected before this): layer actions, the document shown, the status bar,
        Undo / Redo."""
        if self.project is None:
            return
        if changes.codebook or changes.reset:
            self._documents_total = len(self.project.documents)
            self._rebuild_layer_actions()
            shown = self.document_id  # documents are never removed: the one shown stays
            self.show_document(shown if shown is not None else self.documents_panel.model.document_id(0))
        self._update_status()
        self._update_actions()

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
        self.show_others_action.setChecked(False)  # blind coding for the next person
        self.annotator = name
        self.settings.set_annotator_for(self.project.path, name)
        self.documents_panel.set_project(self.project, name)
        self.show_document(self.document_id)
        self.events.annotator_changed.emit(name)  # analysis windows: "me" is someone else now
        self.show_message(f"Annotating as {name}.")

    def edit_codebook(self) -> None:
        """Open the codebook editor; views follow its changes."""
        if self.project is None or self.readonly:
            return
        from .dialogs.codebook_editor import CodebookEditorDialog

        dialog = CodebookEditorDialog(self.project, self.annotator, self)  # its edits reach the views on the bus
        self.dialog = dialog
        dialog.exec()

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

    # ----- the AppContext other windows receive (context.py) --------------------------------

    def action(self, name: str) -> QAction | None:
        """The action of that name: the menus' (actions.ACTIONS) or the curator's undo pair."""
        return self.actions_by_name.get(name) or self.curator_actions.get(name.removesuffix("_curator")
                                                                          if name.endswith("_curator") else "")

    def reading_font(self) -> QFont:
        """The font the main text is read in."""
        return self.editor.reading_font()

    def host(self) -> QWidget:
        """This window: the parent of the windows opened from it."""
        return self

    def documents_changed(self, description: str, documents: Iterable[str] = ()) -> None:
        """Another connection added documents, labels or annotations (an import, a merge, in a
        worker thread): the undo history cannot go back past it — the Undo menu names it
        (`description`) — and the views reload from the bus."""
        if self.project is None:
            return
        self.project.codebook.invalidate()
        self.project.history.set_barrier(description, documents)

    def _imported(self, report: object) -> None:
        from ..ops.importing import ImportReport, import_description

        if isinstance(report, ImportReport) and (report.imported or report.annotations or report.added_labels):
            self.documents_changed(import_description(report), report.imported)
        self.show_message(f"Imported {len(getattr(report, 'imported', []))} document(s).")

    # ----- status and life cycle ------------------------------------------------------------

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



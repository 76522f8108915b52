"""What the main window opens besides annotating: finding text, view settings, keyboard focus,
and the windows that live in their own packages (merge, export, agreement, review, about)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFontDialog

from .window_state import WindowState


class ToolsMixin(WindowState):
    """Find, search, zoom, font, focus moves and the windows of their own."""

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

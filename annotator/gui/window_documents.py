"""Document → Properties… in the main window: the metadata of the document shown."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .window_state import WindowState


class DocumentsMixin(WindowState):
    """Opens the properties dialog of the current document (gui/dialogs/document_properties.py)."""

    def show_document_properties(self) -> None:
        """Open the properties of the document shown; OK stores the edit (undoable with Edit → Undo)."""
        if self.project is None or self.document_id is None:
            return
        from .dialogs.document_properties import DocumentPropertiesDialog

        dialog = DocumentPropertiesDialog(self, self.document_id)  # type: ignore[arg-type]
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

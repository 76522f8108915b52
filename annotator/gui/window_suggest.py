"""The main window's suggestion-model actions: Tools → Train suggestions model…, and
Document → Next uncertain document (active learning: the not-done document the layer's
model is least sure about)."""

from __future__ import annotations

from .window_state import WindowState


class SuggestMixin(WindowState):
    """Training a suggestions model and moving to the document its model is least sure of."""

    def train_suggestions_model(self) -> None:
        """Tools → Train suggestions model…: annotator/gui/dialogs/train_dialog.py."""
        from .dialogs.train_dialog import run_train_dialog

        run_train_dialog(self)  # type: ignore[arg-type]

    def next_uncertain_document(self) -> None:
        """Go to the document I have not marked done that the model is least sure about."""
        if self.project is None:
            return
        from ..errors import AnnotatorError
        from ..ops.models import active_model, uncertainty

        layers = [layer.name for layer in self.project.codebook.get().layers]
        preferred = self.active_layer
        ordered = ([preferred] if preferred in layers else []) + [name for name in layers if name != preferred]
        layer = next((name for name in ordered if active_model(self.project, name) is not None), None)
        if layer is None:
            self.show_message("No suggestions model yet: train one (Tools → Train suggestions model…) "
                              "to go to the documents it is least sure about.")
            return
        done = self.project.status.done_by(self.annotator)
        waiting = [i for i in self.documents_panel.model.ids() if i not in done and i != self.document_id]
        if not waiting:
            self.show_message("Every other document in the list is done.")
            return
        try:
            found = uncertainty(self.project, layer, waiting)
        except AnnotatorError as error:
            self.show_message(str(error))
            return
        chosen = max(waiting, key=lambda ident: found.get(ident, 0.0))
        self.documents_panel.select_document(chosen)
        self.show_message(f"Next by model uncertainty ({layer}): the model is least sure about this document "
                          f"(uncertainty {found.get(chosen, 0.0):.2f} of 1) — coding it teaches the model most.")

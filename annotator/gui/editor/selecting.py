"""Selecting text and spans in the editor: by mouse, token, sentence, edge drag, neighbour."""

from __future__ import annotations


from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QTextCursor, QTextLine

from ...errors import AnnotatorError
from ...model import Annotation
from .state import EditorState
from .spans import BACKGROUND, OTHERS

LINE_HEIGHT_PERCENT = 140
EDGE_GRAB = 5  # pixels either side of a span's edge where a drag resizes it


class SelectionMixin(EditorState):
    """Text selection and the selected annotation, for AnnotationEditor."""


    # ----- selection -----------------------------------------------------------------

    def _select_range(self, start: int, end: int, quiet: bool = True) -> None:
        cursor = QTextCursor(self.view.document())
        cursor.setPosition(self._offsets.to_qt(start))
        cursor.setPosition(self._offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        if quiet:
            self._quiet += 1
        try:
            self.view.setTextCursor(cursor)
            self.view.ensureCursorVisible()
        finally:
            if quiet:
                self._quiet -= 1

    def _set_selected(self, ident: str | None) -> None:
        if ident == self._selected:
            return
        self._selected = ident
        self.view.viewport().update()
        self.view.margin.update()
        self.sig_annotation_selected.emit(ident or "")

    def select_annotation(self, annotation_id: str) -> None:
        """Scroll to an annotation, select its text, and make it the selected span."""
        annotation = self._index.get(annotation_id)
        if annotation is None and self._project is not None and self._document_id is not None:
            try:
                found = self._project.annotations.get(annotation_id)
            except AnnotatorError:
                found = None
            if found is not None and found.document_id == self._document_id and found.is_span:
                annotation = found
        if annotation is None or annotation.start is None or annotation.end is None:
            return
        self._select_range(annotation.start, annotation.end)
        self._set_selected(annotation_id)

    def _selection_changed(self) -> None:
        if self._quiet or self._selected is None:
            return
        if self.view.textCursor().hasSelection() or not self.view.pressing:
            self._set_selected(None)

    def _cursor_moved(self) -> None:
        position = self._offsets.to_py(self.view.textCursor().position())
        self.sig_cursor_codes.emit(self.codes_at(position))

    def _own(self, ident: str | None) -> Annotation | None:
        annotation = self._index.get(ident) if ident else None
        if annotation is None or annotation.annotator != self._annotator:
            return None
        return annotation

    def char_at(self, point: QPoint) -> int | None:
        """Code-point offset of the character under a viewport point, None off the text."""
        document = self.view.document()
        block = self.view.cursorForPosition(point).block()
        if not block.isValid():
            return None
        offset = QPointF(self.view.horizontalScrollBar().value(), self.view.verticalScrollBar().value())
        local = QPointF(point) + offset - document.documentLayout().blockBoundingRect(block).topLeft()
        layout = block.layout()
        for number in range(layout.lineCount()):
            line = layout.lineAt(number)
            if line.y() <= local.y() < line.y() + line.height() * LINE_HEIGHT_PERCENT / 100:
                if not line.x() <= local.x() < line.x() + line.naturalTextWidth():
                    return None
                qt = line.xToCursor(local.x(), QTextLine.CursorPosition.CursorOnCharacter)
                position = self._offsets.to_py(min(block.position() + qt, self._offsets.qt_length))
                return position if position < len(self._text) else None
        return None

    def click_at(self, point: QPoint) -> None:
        """Select the innermost own span under a click (active layer first), or none."""
        position = self.char_at(point)
        marks = [m for m in self._index.marks_at(position)] if position is not None else []
        own = [m for m in marks if m.role != OTHERS]
        if not own:
            self._set_selected(None)
            return
        own.sort(key=lambda m: (m.role != BACKGROUND, m.end - m.start))
        self._set_selected(own[0].annotation.id)

    def select_unit_at(self, point: QPoint, unit: str) -> bool:
        """Select the token or sentence under a point; False when there is none."""
        if self._segmentation is None:
            return False
        position = self.char_at(point)
        if position is None:
            position = self._offsets.to_py(self.view.cursorForPosition(point).position())
        find = self._segmentation.sentence_at if unit == "sentence" else self._segmentation.token_at
        found = find(position) or (find(position - 1) if position > 0 else None)
        if found is None:
            return False
        self.set_selection(*found)
        return True

    # ----- dragging a span's edge ---------------------------------------------------

    def edge_at(self, point: QPoint) -> str | None:
        """'start' or 'end' when a viewport point is on an edge of the selected own span."""
        selected = self._own(self._selected)
        if selected is None or selected.start is None or selected.end is None:
            return None
        rects = self._geometry().range_rects(selected.start, selected.end)
        if not rects:
            return None
        x, y = point.x(), point.y()
        first, last = rects[0], rects[-1]
        if abs(x - first.left()) <= EDGE_GRAB and first.top() - 2 <= y <= first.bottom() + 2:
            return "start"
        if abs(x - last.right()) <= EDGE_GRAB and last.top() - 2 <= y <= last.bottom() + 2:
            return "end"
        return None

    def drag_edge(self, edge: str, point: QPoint) -> tuple[int, int] | None:
        """Preview the selected span with one edge dragged to a point (shown as the selection)."""
        selected = self._own(self._selected)
        if selected is None or selected.start is None or selected.end is None:
            return None
        position = self._offsets.to_py(self.view.cursorForPosition(point).position())
        if edge == "start":
            span = (min(position, selected.end - 1), selected.end)
        else:
            span = (selected.start, max(position, selected.start + 1))
        self._select_range(*span)
        return span

    def finish_edge_drag(self, edge: str, point: QPoint) -> None:
        """Resize the selected span to where its edge was dropped (snapped by the layer)."""
        selected = self._own(self._selected)
        span = self.drag_edge(edge, point)
        if selected is None or span is None or self._project is None:
            return
        if span != (selected.start, selected.end):
            layer = self._layer(selected.layer)
            snap = layer is None or layer.granularity != "character"
            self._run(self._project.annotations.resize, selected.id, span[0], span[1], snap=snap)
        now = self._index.get(selected.id)
        if now is not None:
            self._select_range(now.start or 0, now.end or 0)


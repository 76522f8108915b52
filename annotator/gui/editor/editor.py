"""AnnotationEditor: the article with its codes, tagged by keyboard and mouse."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from html import escape
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QPen,
    QTextBlockFormat,
    QTextCursor,
    QTextDocument,
    QTextLine,
)
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...errors import AnnotatorError
from ...model import Annotation, Codebook, Layer
from ...project import Project
from ...project.history import ChangeSet
from ...segmentation import Segmentation
from ..offsets import OffsetMap
from .attributes import AttributeEditor
from .find_bar import FindBar, find_all
from .geometry import position_y, range_rects
from .highlighter import SpanHighlighter
from .spans import BACKGROUND, OTHERS, UNDERLINE, Mark, SpanIndex
from .view import STRIPE_GAP, STRIPE_WIDTH, TextView

LINE_HEIGHT_PERCENT = 140
PARAGRAPH_SPACING = 2
READING_FONTS = ("Source Serif 4", "Source Serif Pro", "Charter", "Georgia", "Literata", "Noto Serif",
                 "DejaVu Serif", "Liberation Serif", "Times New Roman")
MAX_UNDERLINE_LANES = 4
FIND_COLOUR = "#e66100"
SELECTED_COLOUR = "#1a1a1a"

_NO_MODIFIERS = (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
_ALT = Qt.KeyboardModifier.AltModifier
_ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


def reading_font() -> QFont:
    """A comfortable serif for long reading, the first one installed of a preferred list."""
    installed = set(QFontDatabase.families())
    for family in READING_FONTS:
        if family in installed:
            font = QFont(family)
            break
    else:
        font = QFont()
        font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSizeF(12.5)
    return font


class AnnotationEditor(QWidget):
    """The text view of one document for one annotator: read, select, tag, resize, find."""

    sig_changed = Signal(object)
    """A ChangeSet, after the editor itself changed the project."""
    sig_annotation_selected = Signal(str)
    """The selected annotation's id, or '' when none is selected."""
    sig_message = Signal(str)
    """A short status-bar message (hints and refused operations)."""
    sig_cursor_codes = Signal(list)
    """The codes at the text cursor, as 'Layer: Label' strings."""
    font_changed = Signal(QFont)
    """The reading font or its size changed (the window remembers it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._document_id: str | None = None
        self._annotator = ""
        self._active_layer = ""
        self._hidden: set[str] = set()
        self._show_others = False
        self._text = ""
        self._offsets = OffsetMap("")
        self._segmentation: Segmentation | None = None
        self._index = SpanIndex([0], 0)
        self._highlighter: SpanHighlighter | None = None
        self._document: QTextDocument | None = None  # the one this editor made and owns
        self._selected: str | None = None
        self._quiet = 0  # >0 while the editor itself moves the text selection
        self._hits: list[tuple[int, int]] = []
        self._hit = -1
        self._font = reading_font()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setOpenExternalLinks(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.header.setContentsMargins(16, 10, 16, 8)
        self.header.hide()
        layout.addWidget(self.header)
        self.view = TextView(self)
        self.view.setFont(self._font)
        layout.addWidget(self.view, 1)
        self.find_bar = FindBar(self)
        layout.addWidget(self.find_bar)
        self.attribute_editor = AttributeEditor(self)

        self.find_bar.sig_query_changed.connect(self._find)
        self.find_bar.sig_next.connect(self.find_next)
        self.find_bar.sig_previous.connect(self.find_previous)
        self.find_bar.sig_closed.connect(self.close_find)
        self.attribute_editor.sig_saved.connect(self._save_attributes)
        self.attribute_editor.sig_closed.connect(lambda: self.view.setFocus(Qt.FocusReason.OtherFocusReason))
        self.view.selectionChanged.connect(self._selection_changed)
        self.view.cursorPositionChanged.connect(self._cursor_moved)
        self._load_document(None)

    # ----- properties ----------------------------------------------------------------

    @property
    def document_id(self) -> str | None:
        """The open document's id, or None."""
        return self._document_id

    @property
    def annotator(self) -> str:
        """Whose annotations are shown and edited."""
        return self._annotator

    @property
    def active_layer(self) -> str:
        """The layer whose label keys are live and whose spans have backgrounds."""
        return self._active_layer

    @property
    def text(self) -> str:
        """The open document's text."""
        return self._text

    # ----- project and document ------------------------------------------------------

    def set_project(self, project: Project | None) -> None:
        """Use another project (or none); closes the open document."""
        self._project = project
        self._document_id = None
        if project is not None:
            book = project.codebook.get()
            if not self._active_layer or book.layer(self._active_layer) is None:
                spans = [layer.name for layer in book.layers if layer.kind == "span"]
                self._active_layer = spans[0] if spans else ""
        self._load_document(None)

    def set_document(self, document_id: str | None, annotator: str) -> None:
        """Show a document with the annotator's own annotations (and others', if shown)."""
        self._annotator = annotator
        self._document_id = document_id if self._project is not None else None
        self._load_document(self._document_id)

    def show_others(self, show: bool) -> None:
        """Also show other annotators' spans, read-only, with dashed underlines."""
        if show == self._show_others:
            return
        self._show_others = show
        if self._document_id is not None:
            assert self._project is not None
            self._index.show_others = show
            self._index.reset(self._query_annotations())
            self._rehighlight(None)

    @property
    def others_shown(self) -> bool:
        """True when other annotators' spans are shown."""
        return self._show_others

    def refresh_codebook(self) -> None:
        """Re-read label colours and keys after the codebook was edited."""
        if self._project is not None:
            self._index.set_codebook(self._project.codebook.get())
            if self._document_id is not None:
                self._index.reset(self._query_annotations())
            self._rehighlight(None)

    def _query_annotations(self) -> list[Annotation]:
        assert self._project is not None and self._document_id is not None
        who = None if self._show_others else self._annotator
        return self._project.annotations.for_document(self._document_id, annotator=who)

    def _load_document(self, document_id: str | None) -> None:
        project = self._project
        self.attribute_editor.close_form()
        self._selected = None
        self._hits, self._hit = [], -1
        if project is None or document_id is None:
            text, segmentation, annotations = "", None, []
            self.header.hide()
        else:
            text = project.documents.text(document_id)
            segmentation = project.documents.segmentation(document_id)
            annotations = self._query_annotations()
            self._show_header(document_id)
        self._text = text
        self._segmentation = segmentation
        self._offsets = OffsetMap(text)
        document = self._new_document(text)
        block_starts = []
        block = document.begin()
        while block.isValid():
            block_starts.append(self._offsets.to_py(block.position()))
            block = block.next()
        index = SpanIndex(block_starts or [0], len(text))
        if project is not None:
            index.set_codebook(project.codebook.get())
        index.annotator = self._annotator
        index.active_layer = self._active_layer
        index.hidden_layers = set(self._hidden)
        index.show_others = self._show_others
        index.reset(annotations)
        self._index = index
        highlighter = SpanHighlighter(document, index, self._offsets)
        highlighter.rehighlight()
        old = self._document
        self._quiet += 1
        try:
            self.view.setDocument(document)
        finally:
            self._quiet -= 1
        self._highlighter = highlighter
        self._document = document
        if old is not None:
            old.deleteLater()
        self.view.reset_reading_width()
        self.view.update_margin()
        if self.find_bar.isVisible():
            self._find(self.find_bar.field.text())
        self.sig_annotation_selected.emit("")

    def _new_document(self, text: str) -> QTextDocument:
        document = QTextDocument(self.view)
        document.setUndoRedoEnabled(False)
        document.setDefaultFont(self._font)
        document.setDocumentMargin(0)
        document.setPlainText(text)
        paragraph = QTextBlockFormat()
        paragraph.setLineHeight(LINE_HEIGHT_PERCENT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        paragraph.setBottomMargin(PARAGRAPH_SPACING)
        cursor = QTextCursor(document)
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.mergeBlockFormat(paragraph)
        return document

    def _show_header(self, document_id: str) -> None:
        assert self._project is not None
        meta = self._project.documents.get(document_id)
        details = [escape(part) for part in (meta.source, meta.author, meta.date) if part]
        if meta.url:
            details.append(f'<a href="{escape(meta.url, quote=True)}">{escape(meta.url)}</a>')
        title = escape(meta.title or "(untitled)")
        line = " · ".join(details)
        self.header.setText(
            f'<div style="font-size: 115%; font-weight: 600;">{title}</div>'
            + (f'<div style="color: palette(placeholder-text);">{line}</div>' if line else "")
        )
        self.header.show()

    # ----- layers --------------------------------------------------------------------

    def set_active_layer(self, layer_name: str) -> None:
        """Make a layer's label keys live and show its spans with backgrounds."""
        if layer_name == self._active_layer:
            return
        blocks = self._index.blocks_with_layer(self._active_layer) | self._index.blocks_with_layer(layer_name)
        self._active_layer = layer_name
        self._index.active_layer = layer_name
        self._index.invalidate()
        self._rehighlight(blocks)

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        """Show or hide a layer's spans (backgrounds, underlines, stripes)."""
        if visible == (layer not in self._hidden):
            return
        if visible:
            self._hidden.discard(layer)
        else:
            self._hidden.add(layer)
        self._index.hidden_layers = set(self._hidden)
        self._index.invalidate()
        self._rehighlight(self._index.blocks_with_layer(layer))

    def is_layer_visible(self, layer: str) -> bool:
        """True unless the layer was hidden."""
        return layer not in self._hidden

    def _layer(self, name: str) -> Layer | None:
        if self._project is None:
            return None
        return self._project.codebook.get().layer(name)

    def _label_for_key(self, text: str) -> str | None:
        layer = self._layer(self._active_layer)
        if layer is None or len(text) != 1 or not text.isalnum():
            return None
        wanted = text.casefold()
        for label in layer.labels:
            if label.key and label.key.casefold() == wanted:
                return label.name
        return None

    # ----- incremental refresh -------------------------------------------------------

    def apply_changes(self, changes: ChangeSet) -> None:
        """Refresh only the annotations a ChangeSet names, and only the blocks they touch."""
        if self._project is None or self._document_id is None:
            return
        if changes.documents and self._document_id not in changes.documents:
            return
        touched: set[int] = set()
        for ident in changes.removed:
            touched |= self._index.remove(ident)
        for ident in (changes.added | changes.changed) - changes.removed:
            try:
                annotation = self._project.annotations.get(ident)
            except AnnotatorError:
                touched |= self._index.remove(ident)
                continue
            mine = annotation.annotator == self._annotator
            if annotation.document_id != self._document_id or not annotation.is_span or not (
                mine or self._show_others
            ):
                touched |= self._index.remove(ident)
            else:
                touched |= self._index.put(annotation)
        if self._selected is not None and self._selected not in self._index:
            self._set_selected(None)
        if touched:
            self._rehighlight(touched)

    def _rehighlight(self, blocks: set[int] | None) -> None:
        """Re-run the highlighter on some blocks (None: all) and repaint the decorations."""
        if self._highlighter is None:
            return
        if blocks is None:
            self._highlighter.rehighlight()
        else:
            document = self.view.document()
            for number in sorted(blocks):
                block = document.findBlockByNumber(number)
                if block.isValid():
                    self._highlighter.rehighlightBlock(block)
        self.view.update_margin()
        self.view.viewport().update()

    @property
    def blocks_highlighted(self) -> int:
        """How many blocks the highlighter has (re)highlighted since the document was opened."""
        return self._highlighter.blocks_highlighted if self._highlighter is not None else 0

    # ----- what is shown (for tests and the window) ----------------------------------

    def highlighted_ranges(self) -> list[tuple[int, int, str, str]]:
        """(start, end, layer, label) of every span drawn now, code-point offsets, in text order."""
        marks = sorted(self._index.marks().values(), key=lambda m: (m.start, m.end, m.annotation.layer))
        return [(m.start, m.end, m.annotation.layer, m.annotation.label) for m in marks]

    def marks_at(self, position: int) -> list[Mark]:
        """The render model at a code-point offset: every visible span there and how it is drawn."""
        return self._index.marks_at(position)

    def codes_at(self, position: int) -> list[str]:
        """'Layer: Label' (with the annotator when not yours) for every code at an offset."""
        codes = []
        for mark in self._index.marks_at(position):
            annotation = mark.annotation
            who = "" if annotation.annotator == self._annotator else f" ({annotation.annotator})"
            codes.append(f"{annotation.layer}: {annotation.label}{who}")
        return codes

    def stripes(self) -> list[tuple[str, int, str]]:
        """(annotation id, lane, colour) of every stripe in the margin, in text order."""
        marks = sorted(self._index.marks().values(), key=lambda m: (m.start, m.end, m.annotation.id))
        return [(m.annotation.id, m.stripe_lane, m.colour) for m in marks]

    def stripe_lane_count(self) -> int:
        """Lanes the stripes need."""
        return self._index.stripe_lanes()

    def selection(self) -> tuple[int, int] | None:
        """The selected text as code-point (start, end), or None."""
        cursor = self.view.textCursor()
        if not cursor.hasSelection():
            return None
        return self._offsets.to_py(cursor.selectionStart()), self._offsets.to_py(cursor.selectionEnd())

    def set_selection(self, start: int, end: int) -> None:
        """Select the text [start, end) (code points) as a user would."""
        self._select_range(start, end, quiet=False)

    def selected_annotation(self) -> str | None:
        """The selected annotation's id, or None."""
        return self._selected

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

    # ----- keys ----------------------------------------------------------------------

    def wants_key(self, event: QKeyEvent) -> bool:
        """True for keys the editor acts on, so window shortcuts do not take them."""
        return self._key_action(event) is not None

    def handle_key(self, event: QKeyEvent) -> bool:
        """Act on a key press in the text view; False lets the view handle it."""
        action = self._key_action(event)
        if action is None:
            return False
        action()
        return True

    def _key_action(self, event: QKeyEvent) -> Any:
        key, modifiers = event.key(), event.modifiers()
        plain = modifiers in _NO_MODIFIERS
        selected = self._own(self._selected)
        if plain:
            label = self._label_for_key(event.text())
            if label is not None:
                return lambda: self.apply_label(label)
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and selected is not None:
                return self.delete_selected
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and selected is not None:
                return self.edit_selected
            if key == Qt.Key.Key_Escape and (selected is not None or self.view.textCursor().hasSelection()):
                return self.clear_selection
        if modifiers == _ALT and key == Qt.Key.Key_Down:
            return lambda: self.select_neighbour(+1)
        if modifiers == _ALT and key == Qt.Key.Key_Up:
            return lambda: self.select_neighbour(-1)
        if selected is not None and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = 1 if key == Qt.Key.Key_Right else -1
            if modifiers == _ALT:
                return lambda: self.move_edge("end", step)
            if modifiers == _ALT_SHIFT:
                return lambda: self.move_edge("start", step)
        return None

    def clear_selection(self) -> None:
        """Deselect the text and the selected span."""
        cursor = self.view.textCursor()
        cursor.clearSelection()
        self._quiet += 1
        try:
            self.view.setTextCursor(cursor)
        finally:
            self._quiet -= 1
        self._set_selected(None)

    def select_neighbour(self, step: int) -> None:
        """Select the next (+1) or previous (-1) own span after / before the cursor or selection."""
        order = self._index.visible_ids_in_order()
        if not order:
            self.sig_message.emit("No annotations in this document yet.")
            return
        if self._selected in order:
            index = (order.index(self._selected) + step) % len(order)
        else:
            position = self._offsets.to_py(self.view.textCursor().position())
            starts = [self._index.get(i).start or 0 for i in order]  # type: ignore[union-attr]
            index = bisect_left(starts, position) if step > 0 else bisect_left(starts, position) - 1
            index %= len(order)
        self.select_annotation(order[index])

    # ----- operations ----------------------------------------------------------------

    def _run(self, operation: Any, *args: Any, **kwargs: Any) -> ChangeSet | None:
        """Run a project operation; refresh, announce, or report the refusal."""
        try:
            changes: ChangeSet = operation(*args, **kwargs)
        except AnnotatorError as error:
            self.sig_message.emit(str(error))
            return None
        self.apply_changes(changes)
        self.sig_changed.emit(changes)
        return changes

    def apply_label(self, label_name: str) -> None:
        """Tag the selection (or relabel the selected span) with a label of the active layer."""
        project, document_id = self._project, self._document_id
        if project is None or document_id is None:
            self.sig_message.emit("Open a document first.")
            return
        layer = self._layer(self._active_layer)
        if layer is None:
            self.sig_message.emit("Choose a layer first.")
            return
        if layer.kind == "document":
            if self._run(project.annotations.set_document_label, document_id, self._annotator, layer.name, label_name):
                self.sig_message.emit(f"Document labelled {layer.name}: {label_name}.")
            return
        selection = self.selection()
        selected = self._own(self._selected)
        if selected is not None and selection in (None, (selected.start, selected.end)):
            if selected.layer == layer.name:
                if selected.label == label_name:
                    self.sig_message.emit(f"The span is already {label_name}.")
                elif self._run(project.annotations.relabel, selected.id, label_name):
                    self.sig_message.emit(f"Relabelled as {label_name}.")
                return
            selection = (selected.start or 0, selected.end or 0)
        if selection is None:
            self.sig_message.emit("Select some text first, then press a label key.")
            return
        start, end = selection
        if not self._text[start:end].strip():
            self.sig_message.emit("The selection holds only spaces: select a word or more.")
            return
        changes = self._run(
            project.annotations.add, document_id, self._annotator, layer.name, label_name, start, end
        )
        if changes is None or changes.primary is None:
            return
        added = self._index.get(changes.primary)
        if added is None or added.start is None or added.end is None:
            return
        self._select_range(added.start, added.end)
        self._set_selected(added.id)
        self.sig_message.emit(f"{layer.name}: {label_name} on “{_snippet(self._text[added.start:added.end])}”.")
        if layer.attributes:
            self.edit_selected()

    def delete_selected(self) -> None:
        """Delete the selected annotation (yours only)."""
        selected = self._own(self._selected)
        if selected is None or self._project is None:
            self.sig_message.emit("Click one of your spans first, then press Delete.")
            return
        if self._run(self._project.annotations.delete, [selected.id]):
            self.clear_selection()
            self.sig_message.emit(f"Deleted {selected.layer}: {selected.label}.")

    def move_edge(self, edge: str, step: int) -> None:
        """Move the selected span's start or end by one token (one sentence on sentence layers)."""
        selected = self._own(self._selected)
        if selected is None or self._project is None or self._segmentation is None:
            self.sig_message.emit("Click one of your spans first.")
            return
        layer = self._layer(selected.layer)
        granularity = layer.granularity if layer is not None else "token"
        start, end = selected.start or 0, selected.end or 0
        segmentation = self._segmentation
        if granularity == "sentence":
            starts, ends = segmentation.sentence_starts, segmentation.sentence_ends
        else:
            starts, ends = segmentation.token_starts, segmentation.token_ends
        moved = _move(starts, ends, start, end, edge, step)
        if moved is None:
            self.sig_message.emit("The span cannot move further that way.")
            return
        had_text_selection = self.view.textCursor().hasSelection()
        if self._run(self._project.annotations.resize, selected.id, *moved, snap=granularity != "character"):
            now = self._index.get(selected.id)
            if now is not None and had_text_selection:
                self._select_range(now.start or 0, now.end or 0)

    def edit_selected(self) -> None:
        """Open the inline form for the selected annotation's attributes and note."""
        selected = self._own(self._selected)
        layer = self._layer(selected.layer) if selected is not None else None
        if selected is None or layer is None:
            return
        self.attribute_editor.open_for(selected, layer, self._text[selected.start or 0 : selected.end or 0])
        self._place_form(selected)

    def _place_form(self, annotation: Annotation) -> None:
        cursor = QTextCursor(self.view.document())
        cursor.setPosition(self._offsets.to_qt(annotation.end or 0))
        rect = self.view.cursorRect(cursor)
        form = self.attribute_editor
        below = self.view.viewport().mapTo(self, rect.bottomLeft() + QPoint(0, 8))
        x = max(8, min(below.x() - 40, self.width() - form.width() - 8))
        y = below.y()
        if y + form.height() > self.height() - 8:
            y = max(8, self.view.viewport().mapTo(self, rect.topLeft()).y() - form.height() - 8)
        form.move(x, y)

    def _save_attributes(self, ident: str, values: dict[str, Any], note: str) -> None:
        if self._project is None:
            return
        try:
            current = self._project.annotations.get(ident)
            batches = []
            if values != current.attributes:
                batches.append(self._project.annotations.set_attributes(ident, values))
            if note != current.note:
                batches.append(self._project.annotations.set_note(ident, note))
        except AnnotatorError as error:
            self.attribute_editor.show_problem(str(error))
            return
        for changes in batches:
            self.apply_changes(changes)
            self.sig_changed.emit(changes)
        self.attribute_editor.close_form()
        if batches:
            self.sig_message.emit("Saved.")

    # ----- find ----------------------------------------------------------------------

    def find_in_document(self) -> None:
        """Open the find bar (with the selected text, if short) and focus it."""
        selection = self.selection()
        query = ""
        if selection is not None and 0 < selection[1] - selection[0] <= 60:
            query = self._text[selection[0] : selection[1]]
        self.find_bar.open(query)

    def close_find(self) -> None:
        """Close the find bar and clear its hit marks."""
        self.find_bar.hide()
        self._hits, self._hit = [], -1
        self.view.viewport().update()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def find_hits(self) -> list[tuple[int, int]]:
        """Every hit of the find bar's text, code-point (start, end)."""
        return list(self._hits)

    def _find(self, query: str) -> None:
        self._hits = find_all(self._text, query)
        self._hit = -1
        if self._hits:
            position = self._offsets.to_py(self.view.textCursor().selectionStart())
            first = bisect_left([start for start, _ in self._hits], position)
            self._go_to_hit(first % len(self._hits))
        self.find_bar.set_count(self._hit, len(self._hits))
        self.view.viewport().update()

    def _go_to_hit(self, index: int) -> None:
        self._hit = index
        self._select_range(*self._hits[index], quiet=False)
        self.find_bar.set_count(self._hit, len(self._hits))
        self.view.viewport().update()

    def find_next(self) -> None:
        """Select the next hit (wrapping around)."""
        if self._hits:
            self._go_to_hit((self._hit + 1) % len(self._hits))

    def find_previous(self) -> None:
        """Select the previous hit (wrapping around)."""
        if self._hits:
            self._go_to_hit((self._hit - 1) % len(self._hits))

    # ----- font ----------------------------------------------------------------------

    def reading_font(self) -> QFont:
        """The font the text is shown in."""
        return QFont(self._font)

    def set_font(self, font: QFont) -> None:
        """Show the text in another font (the size is kept between 7 and 48 points)."""
        font = QFont(font)
        size = font.pointSizeF() if font.pointSizeF() > 0 else 12.0
        font.setPointSizeF(min(max(size, 7.0), 48.0))
        self._font = font
        self.view.setFont(font)
        self.view.document().setDefaultFont(font)
        self.view.reset_reading_width()
        self.view.update_margin()
        self.font_changed.emit(QFont(font))

    def zoom_in(self) -> None:
        """Larger text."""
        bigger = QFont(self._font)
        bigger.setPointSizeF(self._font.pointSizeF() + 1)
        self.set_font(bigger)

    def zoom_out(self) -> None:
        """Smaller text."""
        smaller = QFont(self._font)
        smaller.setPointSizeF(self._font.pointSizeF() - 1)
        self.set_font(smaller)

    # ----- painting (called by the view and the margin) ------------------------------

    def _shift(self) -> QPointF:
        return QPointF(-self.view.horizontalScrollBar().value(), -self.view.verticalScrollBar().value())

    def _visible_range(self) -> tuple[int, int]:
        viewport = self.view.viewport()
        top = self.view.cursorForPosition(QPoint(0, 0)).position()
        bottom = self.view.cursorForPosition(QPoint(viewport.width(), viewport.height())).position()
        return self._offsets.to_py(top), self._offsets.to_py(bottom) + 1

    def paint_overlay(self, painter: QPainter, area: Any) -> None:
        """Underlines of other layers and of other annotators, find hits, the selected span."""
        if not self._text:
            return
        document, shift = self.view.document(), self._shift()
        first, last = self._visible_range()
        for mark in self._index.marks().values():
            if mark.role == BACKGROUND or mark.end <= first or mark.start >= last:
                continue
            colour = QColor(mark.colour).darker(115)
            pen = QPen(colour, 2.4 if mark.role == UNDERLINE else 1.6)
            if mark.role == OTHERS:
                pen.setStyle(Qt.PenStyle.DashLine)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            lane = min(mark.underline_lane, MAX_UNDERLINE_LANES - 1)
            for rect in range_rects(document, self._offsets, mark.start, mark.end, shift):
                y = rect.bottom() + 1.5 + lane * 3.2
                painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for number, (start, end) in enumerate(self._hits):
            if end <= first or start >= last:
                continue
            painter.setPen(QPen(QColor(FIND_COLOUR), 2.2 if number == self._hit else 1.2))
            for rect in range_rects(document, self._offsets, start, end, shift):
                painter.drawRoundedRect(rect.adjusted(-1.5, -1, 1.5, 1), 3, 3)
        selected = self._index.get(self._selected) if self._selected else None
        if selected is not None and selected.start is not None and selected.end is not None:
            painter.setPen(QPen(QColor(SELECTED_COLOUR), 1.6, Qt.PenStyle.SolidLine))
            for rect in range_rects(document, self._offsets, selected.start, selected.end, shift):
                painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 3, 3)

    def _stripe_geometry(self) -> list[tuple[Mark, QRectF]]:
        if not self._text:
            return []
        document, shift = self.view.document(), self._shift()
        first, last = self._visible_range()
        height = self.view.viewport().height()
        found = []
        for mark in self._index.marks().values():
            if mark.end <= first or mark.start >= last:
                continue
            top, _ = position_y(document, self._offsets, mark.start, shift)
            _, bottom = position_y(document, self._offsets, max(mark.start, mark.end - 1), shift)
            if bottom < 0 or top > height:
                continue
            x = 6 + min(mark.stripe_lane, 11) * (STRIPE_WIDTH + STRIPE_GAP)
            found.append((mark, QRectF(x, top + 1, STRIPE_WIDTH, max(bottom - top - 2, 4))))
        return found

    def paint_stripes(self, painter: QPainter, width: int) -> None:
        """Draw one bar per visible span in its label colour, in its lane."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for mark, rect in self._stripe_geometry():
            colour = QColor(mark.colour)
            if mark.role == OTHERS:
                painter.setPen(QPen(colour.darker(120), 1))
                painter.setBrush(QBrush(colour, Qt.BrushStyle.Dense5Pattern))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
            painter.drawRoundedRect(rect, 2, 2)
            if mark.annotation.id == self._selected:
                painter.setPen(QPen(QColor(SELECTED_COLOUR), 1.4))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(-1.5, -1.5, 1.5, 1.5), 2, 2)

    def stripe_at(self, point: QPoint) -> str | None:
        """The annotation whose stripe is under a margin point."""
        for mark, rect in self._stripe_geometry():
            if rect.adjusted(-1, 0, 1, 0).contains(QPointF(point)):
                return mark.annotation.id
        return None

    def tooltip_at(self, point: QPoint) -> str:
        """Rich-text list of every code at a viewport point ('' when none)."""
        position = self.char_at(point)
        if position is None:
            return ""
        return self.describe([m.annotation.id for m in self._index.marks_at(position)])

    def describe(self, ids: list[str]) -> str:
        """Rich-text lines naming the codes of some annotations, with attributes and notes."""
        lines = []
        for ident in ids:
            annotation = self._index.get(ident)
            if annotation is None:
                continue
            colour = self._index.colour(annotation.layer, annotation.label)
            parts = [f'<span style="color:{colour};">■</span> {escape(annotation.layer)}: '
                     f"<b>{escape(annotation.label)}</b>"]
            if annotation.annotator != self._annotator:
                parts.append(f" <i>({escape(annotation.annotator)}, read-only)</i>")
            if annotation.attributes:
                values = ", ".join(f"{escape(k)} = {escape(str(v))}" for k, v in annotation.attributes.items())
                parts.append(f" — {values}")
            if annotation.note:
                parts.append(f"<br>&nbsp;&nbsp;&nbsp;<i>{escape(annotation.note)}</i>")
            lines.append("".join(parts))
        return "<br>".join(lines)


def _snippet(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _move(starts: Any, ends: Any, start: int, end: int, edge: str, step: int) -> tuple[int, int] | None:
    """New (start, end) after moving one edge by one unit, None when it cannot move."""
    if edge == "end":
        if step > 0:
            index = bisect_right(ends, end)
            return (start, ends[index]) if index < len(ends) else None
        index = bisect_left(ends, end) - 1
        return (start, ends[index]) if index >= 0 and ends[index] > start else None
    if step < 0:
        index = bisect_left(starts, start) - 1
        return (starts[index], end) if index >= 0 else None
    index = bisect_right(starts, start)
    return (starts[index], end) if index < len(starts) and starts[index] < end else None

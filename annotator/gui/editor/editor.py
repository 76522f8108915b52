"""AnnotationEditor: the article with its codes, tagged by keyboard and mouse."""

from __future__ import annotations

import re
from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QPalette, QTextBlockFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...errors import AnnotatorError
from ...model import Annotation, Layer
from ...project import Project
from ...project.changes import ChangeSet
from ...nlp.segmentation import Segmentation
from ..events import ProjectEvents
from ..offsets import OffsetMap
from .attributes import AttributeEditor
from .editing import EditingMixin
from .find_bar import FindBar, FindingMixin
from .highlighter import SpanHighlighter
from .painting import PaintingMixin
from .relations import RelationsMixin
from .selecting import LINE_HEIGHT_PERCENT, SelectionMixin
from .spans import Mark, SpanIndex
from .suggestions import SuggestionsMixin
from .view import READING_WIDTH_CHARS, TextView

_LINE_BREAK = re.compile("\n")
PARAGRAPH_SPACING = 2
LAYOUT_WARM_UP_MS = 120  # after opening a document, when the reader has not acted yet
FIRST_SCREENS = 2  # screens of text formatted before the first paint (the rest right after it)
MORE_CHARACTERS = 4000  # formatted per turn of the event loop after the first paint (~2 ms)
MORE_AFTER_MS = 30  # the rest starts two frames after the first paint, so as not to delay it
READING_FONTS = ("Source Serif 4", "Source Serif Pro", "Charter", "Georgia", "Literata", "Noto Serif",
                 "DejaVu Serif", "Liberation Serif", "Times New Roman")


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


class AnnotationEditor(SelectionMixin, EditingMixin, PaintingMixin, SuggestionsMixin, RelationsMixin, FindingMixin,
                       QWidget):
    """The text view of one document for one annotator: read, select, tag, resize, find."""

    sig_changed = Signal(object)
    """A ChangeSet, after the editor itself changed the project."""
    sig_annotation_selected = Signal(str)
    """The selected annotation's id, or '' when none is selected."""
    sig_message = Signal(str)
    """A short status-bar message (hints and refused operations)."""
    sig_write_failed = Signal(str)
    """A change could not be saved in the project file (read-only, disk full…): the reason, for a message box."""
    sig_cursor_codes = Signal(list)
    """The codes at the text cursor, as 'Layer: Label' strings."""
    font_changed = Signal(QFont)
    """The reading font or its size changed (the window remembers it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._document_id: str | None = None
        self._applied: ChangeSet | None = None  # the last change refreshed (each is applied once)
        self._annotator = ""
        self._active_layer = ""
        self._hidden: set[str] = set()
        self._show_others = False
        self._text = ""
        self._offsets = OffsetMap("")
        self._segmentation: Segmentation | None = None
        self._index = SpanIndex([0], 0)
        self._highlighter: SpanHighlighter | None = None
        self._highlight_later: SpanHighlighter | None = None  # blocks left to format after the first paint
        self._document: QTextDocument | None = None  # the one this editor made and owns
        self._loaded: str | None = None  # the id of the document whose text is shown
        self._blank = QTextDocument(self)  # shown while the next document is prepared
        self._selected: str | None = None
        self._quiet = 0  # >0 while the editor itself moves the text selection
        self._readonly = ""  # why the project cannot be changed; '' when it can
        self._hits: list[tuple[int, int]] = []
        self._hit = -1
        self._font = reading_font()
        self._init_suggestions()
        self._init_relations()

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
        self.setFocusProxy(self.view)
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
        if project is not self._project:  # suggestions are switched on per project
            self.stop_suggesting()
            self._suggesting.clear()
        self._project = project
        self._document_id = None
        if project is not None:
            book = project.codebook.get()
            if not self._active_layer or book.layer(self._active_layer) is None:
                spans = [layer.name for layer in book.layers if layer.kind == "span"]
                self._active_layer = spans[0] if spans else ""
        self._load_document(None)

    def set_readonly(self, reason: str) -> None:
        """Refuse every change (label keys, delete, resize, attributes), saying `reason`; '' allows them again."""
        self._readonly = reason
        if reason and self.attribute_editor.annotation_id:
            self.attribute_editor.close_form()

    @property
    def readonly(self) -> bool:
        """True while the editor refuses changes (the project cannot be written)."""
        return bool(self._readonly)

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
            self._load_relations()
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
        again = document_id is not None and document_id == self._loaded  # the same text shown again
        position = self._reading_position() if again else None
        if self.attribute_editor.annotation_id and not self._readonly:
            self.attribute_editor.save()  # keep what was typed before leaving the document
        self.attribute_editor.close_form()
        self._selected = None
        self._hits, self._hit = [], -1
        self._linking = self._link_target = self._hover = None
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
        index = SpanIndex(self._block_starts(text, document), len(text))
        if project is not None:
            index.set_codebook(project.codebook.get())
        index.annotator = self._annotator
        index.active_layer = self._active_layer
        index.hidden_layers = set(self._hidden)
        index.show_others = self._show_others
        index.base = self.view.palette().color(QPalette.ColorRole.Base).name()
        index.reset(annotations)
        self._index = index
        self._load_relations()
        old = self._document
        self._quiet += 1
        try:
            # Detach the old text first, so that resizing the margin lays out nothing big;
            # then give the new text its column and formats before Qt lays it out once.
            self.view.setDocument(self._blank)
            self.view.update_margin()
            self.view.fit_reading_width(document)
            highlighter = SpanHighlighter(document, index, self._offsets)
            if position is None:  # not laid out yet: Qt lays it out once, below
                highlighter.highlight_top(self._first_screens_length())
            else:  # shown again where the reader was, perhaps far down: all of it
                highlighter.rehighlight(relayout=False)
            self.view.setDocument(document)
        finally:
            self._quiet -= 1
        self._highlighter = highlighter
        self._document = document
        self._loaded = document_id
        if position is not None:
            self._restore_reading_position(*position)
        if old is not None:
            old.deleteLater()
        self._highlight_later = highlighter if highlighter.waiting else None
        if text:
            QTimer.singleShot(LAYOUT_WARM_UP_MS, self, lambda: self._warm_up_layout(document))
        if self.find_bar.isVisible():
            self._find(self.find_bar.field.text())
        self.sig_annotation_selected.emit("")
        self._refresh_suggestions()

    def _block_starts(self, text: str, document: QTextDocument) -> list[int]:
        """Code-point offset where each of the document's blocks starts. Qt starts a block after
        each line break of the text: found in the string when the counts agree (far quicker than
        asking 1,000 blocks), else asked of the blocks (a text with other separators)."""
        starts = [0]
        starts.extend(match.end() for match in _LINE_BREAK.finditer(text))
        if len(starts) == document.blockCount():
            return starts
        starts = []
        block = document.begin()
        while block.isValid():
            starts.append(self._offsets.to_py(block.position()))
            block = block.next()
        return starts or [0]

    def _reading_position(self) -> tuple[int, int, int, int]:
        """Where the reader is: the scroll offsets, the text cursor's anchor and position."""
        cursor = self.view.textCursor()
        return (self.view.verticalScrollBar().value(), self.view.horizontalScrollBar().value(),
                cursor.anchor(), cursor.position())

    def _restore_reading_position(self, top: int, left: int, anchor: int, position: int) -> None:
        """Put the reader back where they were in the same text (shown again after a change)."""
        document = self.view.document()
        document.documentLayout().documentSize()  # lays the text out: the scroll range is known
        last = max(0, document.characterCount() - 1)
        cursor = QTextCursor(document)
        cursor.setPosition(min(anchor, last))
        cursor.setPosition(min(position, last), QTextCursor.MoveMode.KeepAnchor)
        self._quiet += 1
        try:
            self.view.setTextCursor(cursor)
        finally:
            self._quiet -= 1
        self.view.verticalScrollBar().setValue(top)
        self.view.horizontalScrollBar().setValue(left)

    def _first_screens_length(self) -> int:
        """About how many characters FIRST_SCREENS screens of the reading column hold."""
        lines = max(self.view.viewport().height(), 600) / max(self.view.fontMetrics().lineSpacing(), 1)
        return int(FIRST_SCREENS * lines * READING_WIDTH_CHARS)

    def painted(self) -> None:
        """Called after each paint of the text: a frame after the first one of a newly opened
        document, start formatting the blocks below its first screens."""
        highlighter, self._highlight_later = self._highlight_later, None
        if highlighter is not None:
            QTimer.singleShot(MORE_AFTER_MS, self, lambda: self._highlight_more(highlighter))

    def _highlight_more(self, highlighter: SpanHighlighter) -> None:
        """Format the next blocks of the open document (those on screen first), then come back
        on the next turn of the event loop until every block is formatted."""
        if highlighter is not self._highlighter or not highlighter.waiting:
            return
        document = self.view.document()
        first, last = self._visible_range() if self._text else (0, 0)
        on_screen = range(document.findBlock(self._offsets.to_qt(first)).blockNumber(),
                          document.findBlock(self._offsets.to_qt(min(last, len(self._text)))).blockNumber() + 1)
        highlighter.highlight_more(MORE_CHARACTERS, on_screen)
        if highlighter.waiting:
            QTimer.singleShot(0, self, lambda: self._highlight_more(highlighter))

    def _warm_up_layout(self, document: QTextDocument) -> None:
        """While the user reads: pay Qt's one-time cost of the first partial relayout, so that
        the first tag (which relayouts one paragraph) is as quick as the later ones."""
        if document is self._document:
            first = document.firstBlock()
            document.markContentsDirty(first.position(), first.length())

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

    def follow(self, events: ProjectEvents) -> None:
        """Refresh from the project's change bus (see annotator/gui/events.py)."""
        events.sig_changed.connect(self._project_changed)

    def _project_changed(self, changes: ChangeSet) -> None:
        if changes.reset:
            if self._project is not None:
                self.set_project(self._project)  # the window shows the document again
        elif changes.codebook:
            if self._project is not None:  # new colours and keys on the same text, read where it was
                book = self._project.codebook.get()
                if not self._active_layer or book.layer(self._active_layer) is None:
                    spans = [layer.name for layer in book.layers if layer.kind == "span"]
                    self._active_layer = spans[0] if spans else ""
                self.refresh_codebook()
        else:
            self.apply_changes(changes)
            self._suggestions_follow(changes)
            shown = changes.tables.get("documents", set())
            if self._document_id is not None and (self._document_id,) in shown:
                self._show_header(self._document_id)  # a metadata edit (Document → Properties…) or its undo

    def apply_changes(self, changes: ChangeSet) -> None:
        """Refresh only the annotations a ChangeSet names, and only the blocks they touch (once:
        the editor's own change reaches it from the bus and from its own operation)."""
        if changes is self._applied:
            return
        self._applied = changes
        if self._project is None or self._document_id is None:
            return
        if changes.documents and self._document_id not in changes.documents:
            return
        touched: set[int] = set()
        if self.attribute_editor.annotation_id in changes.removed:
            self.attribute_editor.close_form()  # its annotation is gone (undo, delete elsewhere)
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
        self._relations_follow(changes)
        if touched:
            self._rehighlight(touched)

    def _rehighlight(self, blocks: set[int] | None) -> None:
        """Re-run the highlighter on some blocks (None: all) and repaint the decorations."""
        if self._highlighter is None:
            return
        if blocks is None:
            self._highlighter.rehighlight()
        else:
            self._highlighter.rehighlight_blocks(blocks)
        area = None if blocks is None else self.blocks_area(blocks)
        self.view.update_margin(area)
        if area is None:
            self.view.viewport().update()
        elif not area.isEmpty():
            self.view.viewport().update(area)

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
        self.view.fit_reading_width()
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


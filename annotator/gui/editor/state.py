"""The state AnnotationEditor keeps, declared once for the mixins that read and change it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ...project import Project
    from ...nlp.segmentation import Segmentation
    from ..offsets import OffsetMap
    from .attributes import AttributeEditor
    from .spans import SpanIndex
    from .view import TextView


class EditorState:
    """Attributes set by AnnotationEditor.__init__ (declared here for readers and type checkers)."""

    view: TextView
    attribute_editor: AttributeEditor
    sig_changed: Any
    sig_annotation_selected: Any
    sig_message: Any
    _project: Project | None
    _document_id: str | None
    _annotator: str
    _text: str
    _offsets: OffsetMap
    _segmentation: Segmentation | None
    _index: SpanIndex
    _selected: str | None
    _quiet: int
    _readonly: str  # why the project cannot be changed ('' when it can)

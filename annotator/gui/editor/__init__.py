"""The annotation editor: the article's text with its codes, tagged by keyboard and mouse."""

from .editor import AnnotationEditor
from .shortcuts import EDITOR_SHORTCUTS

__all__ = ["AnnotationEditor", "EDITOR_SHORTCUTS"]

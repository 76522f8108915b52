"""The state MainWindow keeps, declared once for the mixins (menus, layout, file safety, undo, tools) that use it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QRect, QSize

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtGui import QAction, QActionGroup
    from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QMessageBox, QStackedWidget, QToolBar, QWidget

    from ..errors import AnnotatorError
    from ..project import Project
    from .dialogs.welcome import WelcomeScreen
    from .editor import AnnotationEditor
    from .panels.annotations import AnnotationsPanel
    from .panels.codebook import CodebookPanel
    from .panels.document_labels import DocumentLabelsPanel
    from .panels.documents import DocumentsPanel
    from .settings import AppSettings

SCREEN_SHARE = 0.9  # a window opened without saved geometry takes at most this much of its screen


def first_size(window: QWidget, wanted: QSize) -> QSize:
    """Give a window with no saved geometry its first size and place: `wanted`, shrunk to fit its screen's
    free area, centred over its parent window (or the screen) and kept inside that area."""
    screen = window.screen()
    if screen is None:
        window.resize(wanted)
        return wanted
    room = screen.availableGeometry()
    size = wanted.boundedTo(QSize(int(room.width() * SCREEN_SHARE), int(room.height() * SCREEN_SHARE)))
    size = size.expandedTo(window.minimumSizeHint()).expandedTo(window.minimumSize())
    window.resize(size)
    parent = window.parentWidget()
    over = parent.window().frameGeometry() if parent is not None else room
    centre = over.center() if room.contains(over) else room.center()  # a parent off the screen: the screen's
    place = QRect(QPoint(0, 0), size)
    place.moveCenter(centre)
    # inside the free area (the top-left corner wins when the window is larger than the screen)
    place.moveLeft(max(room.left(), min(place.left(), room.right() + 1 - size.width())))
    place.moveTop(max(room.top(), min(place.top(), room.bottom() + 1 - size.height())))
    window.move(place.topLeft())
    return size


class WindowState:
    """Attributes set by MainWindow.__init__ and its builders (declared here for readers and type checkers)."""

    settings: AppSettings
    project: Project | None
    annotator: str
    document_id: str | None
    active_layer: str
    message_box: QMessageBox | None
    close_error: AnnotatorError | None
    dialog: QWidget | None
    _welcome: WelcomeScreen | None  # built when first shown: see WindowLayoutMixin.welcome
    editor: AnnotationEditor
    pages: QStackedWidget
    readonly_banner: QLabel
    documents_panel: DocumentsPanel
    codebook_panel: CodebookPanel
    annotations_panel: AnnotationsPanel
    labels_panel: DocumentLabelsPanel
    docks: dict[str, QDockWidget]
    toolbar: QToolBar
    actions_by_name: dict[str, QAction]
    curator_actions: dict[str, QAction]
    layer_menu: QMenu
    recent_menu: QMenu
    visibility_menu: QMenu
    layer_group: QActionGroup
    layer_actions: list[QAction]
    visibility_actions: dict[str, QAction]
    show_others_action: QAction
    annotator_label: QLabel
    layer_label: QLabel
    position_label: QLabel
    done_label: QLabel
    _documents_total: int
    _watcher: Any

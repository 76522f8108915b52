"""What a window or dialog receives from the application instead of the main window.

Review, agreement, analysis, export and merge windows are given an `AppContext`: the open
project and its change bridge, who is annotating, the settings, a way to report, to show a
place in the main text, and the named actions. The main window implements it; nothing but
`app.py` imports `main_window`, so no window depends on another window's internals and a
window can be built in a test around any object with these members.

Views follow changes by connecting to `context.events.sig_changed` (see events.py); they
never call into another window to refresh it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QFont
    from PySide6.QtWidgets import QMessageBox, QWidget

    from ..project import Project
    from .events import ProjectEvents
    from .settings import AppSettings


class AppContext(Protocol):
    """The application as a window sees it (implemented by MainWindow)."""

    project: Project | None
    """The open project, or None."""
    annotator: str
    """Who is annotating: every change a window makes is theirs."""
    document_id: str | None
    """The document the main text shows."""
    active_layer: str
    """The span layer whose label keys are live in the main text (windows start on it)."""
    events: ProjectEvents
    """The project's change bus on the GUI thread: connect to `events.sig_changed`; and to
    `events.annotator_changed`, emitted after `annotator` changed (Annotator → Switch annotator)."""
    settings: AppSettings
    dialog: QWidget | None
    """The window or dialog opened last (tests reach it here)."""

    @property
    def readonly(self) -> bool:
        """True while the project may be read, not changed."""

    def show_message(self, text: str) -> None:
        """A line in the status bar."""

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A modal message naming what went wrong."""

    def show_document(self, document_id: str | None) -> None:
        """Show a document in the main text."""

    def select_text(self, start: int, end: int) -> None:
        """Select characters [start, end) of the shown document (code points) and scroll to them."""

    def action(self, name: str) -> QAction | None:
        """The application's action of that name (see actions.py), e.g. "undo", "show_others"."""

    def reading_font(self) -> QFont:
        """The font the main text is read in (other text views use it too)."""

    def documents_changed(self, description: str, documents: object = ()) -> None:
        """Documents were added or removed outside an operation (a merge): re-read the list."""

    def host(self) -> QWidget:
        """The main window: the parent of every window opened from it (find them with findChild),
        raised to show a place in the text."""

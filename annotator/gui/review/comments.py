"""The comment thread of the selected annotation: read it, add to it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ...errors import AnnotatorError
from ...ops.comments import Comment, add_comment, list_comments
from ...project import Project


class CommentsBox(QWidget):
    """The thread of one annotation, oldest first, with a field to answer."""

    sig_added = Signal(str)
    """The annotation id whose thread got a comment."""
    sig_message = Signal(str)
    """A refused comment, said in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._annotation: str | None = None
        self._author = ""
        self.title = QLabel("Comments", self)
        self.thread = QTextBrowser(self)
        self.thread.setAccessibleName("Comment thread")
        self.thread.setOpenLinks(False)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Ask or answer, e.g. “why Conflict here?”")
        self.field.setAccessibleName("New comment")
        self.add_button = QPushButton("Comment", self)
        self.field.returnPressed.connect(self.add_from_field)
        self.add_button.clicked.connect(self.add_from_field)
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.thread, 1)
        layout.addLayout(row)
        self.show_thread(None, None, "")

    def show_thread(self, project: Project | None, annotation_id: str | None, author: str, about: str = "",
                    writable: bool = True) -> None:
        """Show the thread of an annotation (None: nothing selected); `about` names it in the title;
        commenting is off unless `writable`."""
        self._project, self._annotation, self._author = project, annotation_id, author
        enabled = project is not None and annotation_id is not None
        self.field.setEnabled(enabled and writable)
        self.add_button.setEnabled(enabled and writable)
        self.title.setText(f"Comments on {about}" if enabled and about else "Comments")
        self.reload()

    def comments(self) -> list[Comment]:
        """The thread shown."""
        if self._project is None or self._annotation is None:
            return []
        return list_comments(self._project, self._annotation)

    def reload(self) -> None:
        """Re-read the thread."""
        if self._project is None or self._annotation is None:
            self.thread.setHtml("<p style='color:gray'>Select an annotation to read or start its thread.</p>")
            return
        items = self.comments()
        if not items:
            self.thread.setHtml("<p style='color:gray'>No comments yet.</p>")
            return
        parts = [
            f"<p><b>{escape(c.author)}</b> <span style='color:gray'>{escape(c.created_at[:16].replace('T', ' '))}"
            f"</span><br>{escape(c.body)}</p>" for c in items
        ]
        self.thread.setHtml("".join(parts))
        self.thread.verticalScrollBar().setValue(self.thread.verticalScrollBar().maximum())

    def add_from_field(self) -> None:
        """Add the field's text to the thread (as the current user)."""
        body = self.field.text().strip()
        if self._project is None or self._annotation is None or not body:
            return
        try:
            add_comment(self._project, self._annotation, self._author, body)
        except AnnotatorError as error:
            self.sig_message.emit(str(error))
            return
        self.field.clear()
        self.reload()
        self.sig_added.emit(self._annotation)

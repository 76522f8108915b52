"""Choosing who is annotating: an existing annotator of the project or a new name."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from ...errors import AnnotatorError
from ...model import Role
from ...project import Project
from ...store.database import explain_sqlite_error


class AnnotatorDialog(QDialog):
    """Pick an annotator from the list or type a new name."""

    def __init__(self, project: Project, current: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is annotating?")
        self._project = project
        self.names = QListWidget(self)
        people = [a.name for a in project.annotators.list() if a.role is Role.ANNOTATOR]
        self.names.addItems(people)
        self.names.setAccessibleName("Annotators")
        self.name_box = QLineEdit(self)
        self.name_box.setPlaceholderText("or type a new name")
        self.name_box.setText(current)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        note = QLabel(
            "While annotating you see only your own annotations (blind coding). "
            "The name is stored with every annotation you make.", self)
        note.setWordWrap(True)
        self.problem = QLabel(self)  # why OK did not close the dialog
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #B00020;")
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Annotators of this project:", self))
        layout.addWidget(self.names)
        layout.addWidget(self.name_box)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.names.currentTextChanged.connect(self.name_box.setText)
        self.names.itemActivated.connect(lambda _item: self.accept())
        self.name_box.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        self.ok_button.setEnabled(bool(current.strip()))
        if current in people:
            self.names.setCurrentRow(people.index(current))
        self.name_box.setFocus()
        self.resize(360, 360)

    def chosen_name(self) -> str:
        """The name typed or picked."""
        return self.name_box.text().strip()

    def accept(self) -> None:
        """Create the annotator if new, then close; a read-only project takes only its own annotators."""
        name = self.chosen_name()
        if not name:
            return
        project = self._project
        if project.readonly:
            if project.annotators.get(name) is None:
                self._say(f"The project is read-only ({project.readonly_reason or 'it cannot be written'}): "
                          f"“{name}” cannot be added. Choose one of its annotators.")
                return
            super().accept()
            return
        try:
            project.annotators.ensure(name)
        except sqlite3.Error as error:
            self._say(str(explain_sqlite_error(project.path, error)))
            return
        except AnnotatorError as error:
            self._say(str(error))
            return
        super().accept()

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()


def ask_annotator(project: Project, parent: QWidget | None = None, current: str = "") -> str | None:
    """Ask who is annotating; None if the user cancelled."""
    dialog = AnnotatorDialog(project, current, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen_name()

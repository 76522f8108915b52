"""The New-project dialog: where to save the file, which codebook, which language."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...codebooks import DEFAULT_CODEBOOK, bundled_codebooks
from ...project import PROJECT_SUFFIX

# spaCy language codes offered first; any other code spaCy knows can be typed.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"), ("de", "German"), ("fr", "French"), ("es", "Spanish"), ("it", "Italian"),
    ("nl", "Dutch"), ("pt", "Portuguese"), ("pl", "Polish"), ("sv", "Swedish"), ("da", "Danish"),
    ("xx", "Multi-language"),
)


class NewProjectDialog(QDialog):
    """Asks for the new project's file, codebook and language."""

    def __init__(self, folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.path_box = QLineEdit(self)
        self.path_box.setPlaceholderText(f"e.g. {Path.home() / ('my-study' + PROJECT_SUFFIX)}")
        if folder is not None:
            self.path_box.setText(str(folder / f"new-project{PROJECT_SUFFIX}"))
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.codebook_box = QComboBox(self)
        for name in bundled_codebooks():
            self.codebook_box.addItem(name)
        index = self.codebook_box.findText(DEFAULT_CODEBOOK)
        self.codebook_box.setCurrentIndex(max(index, 0))
        self.language_box = QComboBox(self)
        self.language_box.setEditable(True)
        for code, name in LANGUAGES:
            self.language_box.addItem(f"{code} — {name}", code)
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #B00020")
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path_box, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Project file:", row)
        form.addRow("Codebook:", self.codebook_box)
        form.addRow("Language:", self.language_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 180)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "New project file", self.path_box.text(), f"Annotator projects (*{PROJECT_SUFFIX})"
        )
        if chosen:
            self.path_box.setText(chosen)

    def path(self) -> Path:
        """The project file to create (the suffix added if missing)."""
        path = Path(self.path_box.text().strip()).expanduser()
        return path if path.suffix == PROJECT_SUFFIX else path.with_name(path.name + PROJECT_SUFFIX)

    def codebook(self) -> str:
        """The bundled codebook chosen."""
        return self.codebook_box.currentText()

    def language(self) -> str:
        """The spaCy language code chosen or typed."""
        data = self.language_box.currentData()
        text = self.language_box.currentText().strip()
        if data and text.startswith(str(data)):
            return str(data)
        return text.split(" ")[0].lower()

    def accept(self) -> None:
        """Check the choices before closing."""
        if not self.path_box.text().strip():
            self.message.setText("Choose where to save the project file.")
            return
        path = self.path()
        if path.exists():
            self.message.setText(f"{path} already exists; choose another name or open it.")
            return
        if not path.parent.is_dir():
            self.message.setText(f"The folder {path.parent} does not exist.")
            return
        if not self.language():
            self.message.setText("Choose a language.")
            return
        super().accept()

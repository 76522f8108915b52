"""The welcome screen shown when no project is open: New, Open, Recent, Demo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

PATH_ROLE = Qt.ItemDataRole.UserRole


class WelcomeScreen(QWidget):
    """Start page: buttons for a new, an existing or the demo project, and recent projects."""

    sig_new = Signal()
    """The user wants to create a project."""

    sig_open = Signal()
    """The user wants to choose a project file."""

    sig_open_path = Signal(str)
    """The user chose a recent project (its path)."""

    sig_demo = Signal()
    """The user wants the demo project."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h1>Discourse Annotator</h1>", self)
        intro = QLabel(
            "Code news articles for framing, stance and rhetorical devices, measure agreement "
            "and adjudicate. Everything is saved in the project file as you work.", self)
        intro.setWordWrap(True)
        self.new_button = QPushButton("New project…", self)
        self.open_button = QPushButton("Open project…", self)
        self.demo_button = QPushButton("Open the demo project", self)
        for button in (self.new_button, self.open_button, self.demo_button):
            button.setMinimumHeight(34)
        self.new_button.clicked.connect(self.sig_new)
        self.open_button.clicked.connect(self.sig_open)
        self.demo_button.clicked.connect(self.sig_demo)
        self.recent = QListWidget(self)
        self.recent.setAccessibleName("Recent projects")
        self.recent.itemActivated.connect(self._recent_chosen)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.demo_button):
            buttons.addWidget(button)
        card = QFrame(self)
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(640)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.addWidget(title)
        inner.addWidget(intro)
        inner.addSpacing(12)
        inner.addLayout(buttons)
        inner.addSpacing(12)
        inner.addWidget(QLabel("<b>Recent projects</b> (Enter or double-click to open)", card))
        inner.addWidget(self.recent)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(card)
        column.addStretch(2)
        outer.addLayout(column, 4)
        outer.addStretch(1)

    def set_recent(self, paths: list[Path]) -> None:
        """Fill the recent list (missing files are shown but marked)."""
        self.recent.clear()
        for path in paths:
            missing = "" if path.exists() else "  (missing)"
            item = QListWidgetItem(f"{path.name}{missing}\n{path.parent}")
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(str(path))
            self.recent.addItem(item)
        if not paths:
            placeholder = QListWidgetItem("No recent projects yet.")
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(placeholder)
        else:
            self.recent.setCurrentRow(0)  # Enter opens the most recent project

    def take_focus(self) -> None:
        """Give the keyboard to the recent list (Enter opens its first project) or, with none,
        to New project."""
        current = self.recent.currentItem()
        target = self.recent if current is not None and current.data(PATH_ROLE) else self.new_button
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _recent_chosen(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.sig_open_path.emit(path)

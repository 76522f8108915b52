"""The codebook editor's suggestion settings: a label's rule patterns, a layer's sharing of
model suggestions (independence), as widgets the editor places on its label and layer pages."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

PATTERNS_HINT = ('One pattern a line: a phrase, matched on whole words ignoring case (cost of living), '
                 'or a spaCy token pattern in JSON ([{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}])')
PATTERN_LINES = 7  # lines the patterns box shows without scrolling
SHARED_TEXT = "Suggest from models trained on others' or gold coding"
SHARED_TIP = ("Off (the default) keeps coding blind: an annotator sees model suggestions only from a model "
              "trained on their own coding. On: everyone coding this layer sees the suggestions of the "
              "layer's gold model too.")


class PatternsBox(QWidget):
    """A label's rule patterns, one a line, with Save and "Use examples as phrases"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("patterns")
        self.text.setPlaceholderText(PATTERNS_HINT)
        self.text.setToolTip(PATTERNS_HINT)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(self.text.fontMetrics().lineSpacing() * PATTERN_LINES + 12)
        self.save_button = QPushButton("Save patterns", self)
        self.examples_button = QPushButton("Use examples as phrases", self)
        self.examples_button.setToolTip("Add each of the label's examples as a phrase pattern, and save")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.examples_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addLayout(buttons)

    def patterns(self) -> list[str]:
        """The patterns typed, one per non-blank line."""
        return [line.strip() for line in self.text.toPlainText().splitlines() if line.strip()]

    def set_patterns(self, patterns: tuple[str, ...] | list[str]) -> None:
        """Show a label's patterns."""
        self.text.setPlainText("\n".join(patterns))

    def with_examples(self, examples: tuple[str, ...] | list[str]) -> list[str]:
        """The patterns typed followed by the examples not among them yet (ignoring case)."""
        patterns = self.patterns()
        seen = {pattern.casefold() for pattern in patterns}
        for example in examples:
            phrase = " ".join(example.split())
            if phrase and phrase.casefold() not in seen:
                patterns.append(phrase)
                seen.add(phrase.casefold())
        return patterns


def shared_suggestions_box(parent: QWidget) -> QCheckBox:
    """The layer page's checkbox: share model suggestions trained on others' or gold coding."""
    box = QCheckBox(SHARED_TEXT, parent)
    box.setObjectName("shared_suggestions")
    box.setToolTip(SHARED_TIP)
    return box

"""The editor's keys and mouse gestures, listed for Help → Keyboard shortcuts."""

from __future__ import annotations

EDITOR_SHORTCUTS: list[tuple[str, str]] = [
    ("Label key (digit or letter)", "Tag the selected text with that label of the active layer"),
    ("Label key on a selected span", "Relabel the span (or tag it in the active layer if it is another layer's)"),
    ("Drag / Shift+arrows", "Select text (spans snap to tokens or sentences as the layer says)"),
    ("Double-click", "Select a token"),
    ("Ctrl+click or Alt+click", "Select a sentence"),
    ("Click on a span or its stripe", "Select that annotation"),
    ("Alt+Down / Alt+Up", "Select the next / previous annotation"),
    ("Alt+Right / Alt+Left", "Selected span: move its end one token right / left"),
    ("Alt+Shift+Left / Alt+Shift+Right", "Selected span: move its start one token left / right"),
    ("Delete or Backspace", "Delete the selected annotation"),
    ("Enter", "Edit the selected annotation's attributes and note"),
    ("Tab / Enter / Esc (attribute form)", "Next field / save / skip"),
    ("Esc", "Clear the selection"),
    ("Ctrl+Enter", "Accept the suggestion at the cursor (or every suggestion in the selection)"),
    ("Ctrl+Delete or Ctrl+Backspace", "Reject the suggestion at the cursor (or every one in the selection)"),
    ("Alt+Shift+Down / Alt+Shift+Up", "Go to the next / previous suggestion (Tools → Show suggestions)"),
    ("Shift+R", "Selected span: start a relation from it"),
    ("Alt+Right / Alt+Left (making a relation)", "Move the other end to the next / previous span (or click it)"),
    ("Enter / Esc (making a relation)", "Make the relation (a list when several types fit) / cancel"),
    ("Ctrl+Alt+drag from a span to another", "Make a relation between them"),
    ("Enter / Shift+Enter (find bar)", "Next / previous hit"),
]

"""The About box."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ... import __version__


def about_text() -> str:
    """What the About box says."""
    return (
        f"<h3>Discourse Annotator {__version__}</h3>"
        "<p>Tag spans of news articles with framing, stance and rhetorical-device codes, "
        "measure inter-annotator agreement, adjudicate and export.</p>"
        "<p>Every change is saved in the project file at once.</p>"
        "<p>Built with PySide6 (Qt for Python), SQLite via sqlite-utils, and spaCy for "
        "tokens and sentences.</p>"
        "<p>Copyright © 2026 Discourse Annotator developers. Free software under the MIT licence: "
        "use, copy, change and share it; it comes with no warranty (see the LICENSE file).</p>"
        "<p>Qt for Python is used under the GNU LGPL v3. The built desktop application holds "
        "the licence texts of everything it bundles in its <i>licenses</i> folder.</p>"
    )


def show_about(parent: QWidget | None) -> None:
    """Show the About box."""
    QMessageBox.about(parent, "About Discourse Annotator", about_text())

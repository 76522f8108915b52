"""Review → Compare and adjudicate: annotators side by side in lanes, disagreements, curation, comments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .window import ReviewWindow

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ["ReviewWindow", "show_review"]


def show_review(window: AppContext) -> ReviewWindow | None:
    """Open (or bring forward) the review window on the main window's project and document."""
    if window.project is None:
        window.show_message("Open a project first.")
        return None
    review = window.host().findChild(ReviewWindow, "review_window")
    if review is None:
        review = ReviewWindow(window)
    review.load_project()
    review.set_document(window.document_id)
    review.show()
    review.raise_()
    review.activateWindow()
    window.dialog = review
    return review

"""Analyze → Concordance, Frequencies and Co-occurrence: windows over annotator.queries.analysis.

Each is a non-modal window of the main window, opened (or raised) by the functions below.
Queries run in a worker thread on their own read-only connection; every window follows the
project's change bus and says "out of date — Refresh" rather than show stale figures as
current. The chart windows load matplotlib (charts.py) when they open, never before: these
modules are imported only inside the functions, so the main window starts without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from ..context import AppContext
    from .concordance import ConcordanceWindow
    from .cooccurrence import CooccurrenceWindow
    from .frequencies import FrequenciesWindow

__all__ = ["show_concordance", "show_cooccurrence", "show_frequencies"]

W = TypeVar("W", bound="QDialog")


def _open(context: AppContext, kind: type[W]) -> W | None:
    """The window of this kind for the context's project, raised, or a new one."""
    if context.project is None:
        context.show_message("Open a project first.")
        return None
    for window in context.host().findChildren(kind):
        if getattr(window, "project_path", None) == Path(context.project.path):
            window.show()
            window.raise_()
            window.activateWindow()
            return window
        stop = getattr(window, "stop", None)
        if stop is not None:
            stop()
        window.close()
        window.deleteLater()
    window = kind(context)
    context.dialog = window
    window.show()
    return window


def show_concordance(context: AppContext) -> ConcordanceWindow | None:
    """Open (or raise) Analyze → Concordance."""
    from .concordance import ConcordanceWindow

    return _open(context, ConcordanceWindow)


def show_frequencies(context: AppContext) -> FrequenciesWindow | None:
    """Open (or raise) Analyze → Frequencies (loads matplotlib)."""
    from .frequencies import FrequenciesWindow

    return _open(context, FrequenciesWindow)


def show_cooccurrence(context: AppContext) -> CooccurrenceWindow | None:
    """Open (or raise) Analyze → Co-occurrence (loads matplotlib)."""
    from .cooccurrence import CooccurrenceWindow

    return _open(context, CooccurrenceWindow)

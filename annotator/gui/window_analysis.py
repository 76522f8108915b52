"""Analyze → Concordance, Frequencies and Co-occurrence: the main window's slots opening the
windows of annotator/gui/analysis/ (imported when first used: matplotlib, which two of them
load, is not part of the main window's start-up)."""

from __future__ import annotations

from .window_state import WindowState


class AnalysisMixin(WindowState):
    """Opens the analysis windows, each given this window as its AppContext."""

    def show_concordance_window(self) -> None:
        """Analyze → Concordance: every hit of a word, a regex or a code, in context; code from it."""
        from .analysis import show_concordance

        show_concordance(self)  # type: ignore[arg-type]  # MainWindow is the AppContext

    def show_frequencies_window(self) -> None:
        """Analyze → Frequencies: labels counted by document, metadata, date or annotator, charted."""
        from .analysis import show_frequencies

        show_frequencies(self)  # type: ignore[arg-type]

    def show_cooccurrence_window(self) -> None:
        """Analyze → Co-occurrence: a label × label matrix and heatmap."""
        from .analysis import show_cooccurrence

        show_cooccurrence(self)  # type: ignore[arg-type]

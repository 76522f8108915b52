"""Analyze → Inter-annotator agreement: the dashboard over annotator.ops.agreement.

Choose layer, annotators, unit, measures and level; Compute runs compute_agreement in a
worker thread (its own read-only connection) with progress and Cancel.  Results: Overview
(pooled figures with unit, n, definition; undefined ones with their reason), Per label,
Pairwise matrix, Per document (worst first; double-click opens the text at the first
disagreement with every annotator's spans), Confusion heatmap (click a cell to list the
documents behind it).  Export: the tables as CSV, the charts as a PNG image.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .dashboard import AgreementDashboard

if TYPE_CHECKING:
    from ..context import AppContext

__all__ = ["AgreementDashboard", "show_agreement"]


def show_agreement(window: AppContext) -> AgreementDashboard | None:
    """Open (or raise) the non-modal agreement dashboard for the window's project."""
    if window.project is None:
        window.show_message("Open a project first.")
        return None
    for dashboard in window.host().findChildren(AgreementDashboard):
        if dashboard.project_path == Path(window.project.path):
            dashboard.show()
            dashboard.raise_()
            dashboard.activateWindow()
            return dashboard
        dashboard.stop()
        dashboard.close()
        dashboard.deleteLater()
    dashboard = AgreementDashboard(window)
    window.dialog = dashboard
    dashboard.show()
    return dashboard

"""Locate files shipped in resources/, installed or in a source checkout."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resource(*parts: str) -> Traversable:
    """The shipped resource at resources/<parts>, from the wheel or the source tree."""
    installed = files("annotator") / "resources"
    base: Traversable
    if installed.is_dir():
        base = installed
    else:
        base = Path(__file__).resolve().parent.parent / "resources"
    for part in parts:
        base = base / part
    return base

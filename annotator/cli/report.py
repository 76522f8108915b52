"""`annotator report` (being written)."""

from __future__ import annotations

from typing import Any


def add_parsers(commands: Any) -> None:
    """No parser yet."""


HANDLERS: dict[str, Any] = {}

"""The project's change bus: every operation announces what it touched, and views subscribe.

One operation changes the project file (an annotation added, a label renamed, a decision
logged, an import); `History` records it for undo and then emits its `ChangeSet` here. A
window that shows part of the project subscribes and refreshes only what the change names,
so no window calls into another and none reloads everything after every click (Anki's
`operation_did_execute`, napari's events). The bus is plain Python and knows nothing of Qt:
the GUI bridges it to its own thread in `annotator/gui/events.py`, so a worker thread may
emit too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ChangeSet:
    """What an operation (or its undo) touched, so each view refreshes only that."""

    description: str = ""
    added: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    statuses: set[tuple[str, int]] = field(default_factory=set)
    primary: str | None = None
    codebook: bool = False  # layers, labels or attributes changed: views re-read the codebook
    comments: set[str] = field(default_factory=set)  # annotations whose comment thread changed
    curation: set[str] = field(default_factory=set)  # documents with a new or undone curation decision
    # Written outside the undo history (an import, a merge): views reload what they show;
    # `documents` names the documents added, when known.
    reset: bool = False
    actor: str = ""  # who made the change ('' when unknown)
    tables: dict[str, set[tuple[Any, ...]]] = field(default_factory=dict)  # table -> keys of rows touched

    @property
    def annotations(self) -> set[str]:
        """Every annotation id touched."""
        return self.added | self.changed | self.removed

    @property
    def empty(self) -> bool:
        """True when nothing was touched (an operation that found nothing to do)."""
        return not (self.tables or self.documents or self.annotations or self.statuses or self.codebook
                    or self.comments or self.curation or self.reset)

    def merge(self, other: ChangeSet) -> None:
        """Add what `other` touched to this ChangeSet (one emission for a group of operations)."""
        for name in ("added", "changed", "removed", "documents", "statuses", "comments", "curation"):
            getattr(self, name).update(getattr(other, name))
        for table, keys in other.tables.items():
            self.tables.setdefault(table, set()).update(keys)
        self.codebook = self.codebook or other.codebook
        self.reset = self.reset or other.reset
        self.primary = other.primary or self.primary


Subscriber = Callable[[ChangeSet], None]


class ChangeBus:
    """Calls every subscriber with each ChangeSet emitted, in the order they subscribed."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(changes)` after every operation; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    @property
    def subscribers(self) -> int:
        """How many callbacks listen (for tests and for closing windows cleanly)."""
        return len(self._subscribers)

    def emit(self, changes: ChangeSet) -> None:
        """Announce a finished operation. A subscriber that fails is logged and the others
        still hear of it: the change is already in the file, and a broken view must not hide
        it from the rest."""
        with self._lock:
            listeners = list(self._subscribers)
        for callback in listeners:
            try:
                callback(changes)
            except Exception:  # noqa: BLE001 - one view's bug must not stop the others
                log.exception("a change subscriber failed on %s", changes.description)

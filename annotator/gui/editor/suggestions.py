"""Suggestions in the editor: computed on a worker thread, drawn as dashed outlines in the
label's colour (never as annotations), accepted or rejected with a key, one undo step each.

Which layers are suggested is chosen per layer (Tools → Show suggestions, for the active
layer). The rules (spaCy) and the model load and run in the worker, with a connection of
its own to the project file, so opening a document never waits for them; the result is
filtered on the GUI thread against what the annotator has coded or rejected since, and
again after every change on the bus.
"""

from __future__ import annotations

import json
import sqlite3
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTextCursor
from PySide6.QtWidgets import QMainWindow, QTextEdit

from ...errors import AnnotatorError, ProjectFileError
from ...model import Suggestion
from ...ops import suggesting
from ...project import Project
from ...project.changes import ChangeSet
from ...store.database import explain_sqlite_error
from ..workers import TaskRunner, TaskWorker
from .geometry import TextGeometry
from .state import EditorState

ACCEPT_KEYS = "Ctrl+Enter"
REJECT_KEYS = "Ctrl+Delete"


SOURCE_WIDTH = 40  # characters of a rule shown in the status bar (the tooltip has it whole)


def _token_words(token: object) -> str:
    """What one token of a spaCy pattern matches, in words: "military, troops" for an IN list."""
    if not isinstance(token, dict) or not token:
        return "…"
    for key in ("LOWER", "ORTH", "TEXT", "LEMMA", "NORM"):
        value = token.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            if isinstance(value.get("IN"), list):
                return ", ".join(str(word) for word in value["IN"])
            if isinstance(value.get("REGEX"), str):
                return f"/{value['REGEX']}/"
    if isinstance(token.get("POS"), str):
        return f"any {token['POS'].lower()}"
    return "any word"


def readable_rule(pattern: str) -> str:
    """A rule's pattern as a person reads it: the phrase, or each token's words ("military, troops")."""
    text = pattern.strip()
    if text.startswith("["):
        try:
            tokens = json.loads(text)
        except ValueError:
            tokens = None
        if isinstance(tokens, list):
            return " + ".join(_token_words(token) for token in tokens) or text
    return text


def readable_source(source: str, width: int = SOURCE_WIDTH) -> str:
    """A suggestion's source in words with balanced quotes: 'rule “military, troops…”', 'model 3f2a9c1b'."""
    if not source.startswith("rule:"):
        return suggesting.describe_source(source)
    pattern = source.split(":", 2)[2] if source.count(":") >= 2 else source[5:]
    words = readable_rule(pattern)
    if len(words) > width:
        words = words[: width - 1].rstrip(" ,+") + "…"
    return f"rule “{words}”"


def centre_selection(view: QTextEdit) -> None:
    """Scroll so that the start of the text view's selection is in the middle of its height
    (ensureCursorVisible leaves a hit on the last visible line, under other windows)."""
    cursor = QTextCursor(view.textCursor())
    cursor.setPosition(cursor.selectionStart())
    rect = view.cursorRect(cursor)
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + rect.center().y() - view.viewport().height() // 2)


def _find(project_path: Any, document_id: str, layers: list[str], annotator: str) -> tuple[list[Suggestion],
                                                                                               list[str]]:
    """The suggestions of some layers for one document (run in the worker thread)."""
    with Project.open(project_path, readonly=True) as project:
        found: list[Suggestion] = []
        notes: list[str] = []
        for layer in layers:
            if project.codebook.get().layer(layer) is None:
                continue
            result = suggesting.suggest_report(project, layer, [document_id], "all", annotator)
            found += result.suggestions
            notes += [note for note in result.notes if "no trained model" not in note]
        return found, notes


class SuggestionsMixin(EditorState):
    """Suggestions shown, navigated, accepted and rejected, for AnnotationEditor."""

    _suggesting: set[str]
    _raw_suggestions: list[Suggestion]
    _shown_suggestions: list[Suggestion]
    _current_suggestion: Suggestion | None
    _suggest_runner: TaskRunner | None
    _suggest_again: bool
    _active_layer: str

    def _init_suggestions(self) -> None:
        self._suggesting = set()
        self._raw_suggestions = []
        self._shown_suggestions = []
        self._current_suggestion = None
        self._suggest_runner = None
        self._suggest_again = False
        self.suggestion_notes: list[str] = []

    # ----- which layers --------------------------------------------------------------

    def suggesting(self, layer: str) -> bool:
        """True when the layer's suggestions are shown."""
        return layer in self._suggesting

    def set_suggesting(self, layer: str, on: bool) -> None:
        """Show (compute) or hide a layer's suggestions."""
        if not layer or on == (layer in self._suggesting):
            return
        if on:
            self._suggesting.add(layer)
            self.sig_message.emit(f"Looking for suggestions in {layer}…")
        else:
            self._suggesting.discard(layer)
        self._refresh_suggestions()

    def suggestions(self) -> list[Suggestion]:
        """The suggestions shown now (the active layer's open ones, in text order)."""
        return self._visible()

    def _visible(self) -> list[Suggestion]:
        """The open suggestions of the active layer: only those are drawn and gone to."""
        return [s for s in self._shown_suggestions if s.layer == self._active_layer]

    # ----- computing -----------------------------------------------------------------

    def _refresh_suggestions(self) -> None:
        """Forget the shown suggestions and compute those of the open document anew."""
        self._raw_suggestions, self._shown_suggestions, self._current_suggestion = [], [], None
        self.view.viewport().update()
        if self._project is None or self._document_id is None or not self._suggesting:
            return
        if self._suggest_runner is not None and self._suggest_runner.running:
            self._suggest_again = True
            return
        document_id, layers, annotator = self._document_id, sorted(self._suggesting), self._annotator
        path = self._project.path
        worker = TaskWorker(lambda _worker: (document_id, tuple(layers), _find(path, document_id, layers, annotator)),
                            what="finding suggestions")
        if self._suggest_runner is None:
            self._suggest_runner = TaskRunner(self)  # type: ignore[arg-type]
        self._suggest_runner.start(worker, self._suggestions_found, self._suggestions_failed, lambda: None)

    def _suggestions_found(self, result: object) -> None:
        document_id, layers, (found, notes) = result  # type: ignore[misc]
        if self._suggest_again or document_id != self._document_id or set(layers) != self._suggesting:
            self._suggest_again = False
            self._refresh_suggestions()
            return
        self._raw_suggestions = [s for s in found if s.start is not None]
        self.suggestion_notes = list(notes)
        self._filter_suggestions()
        self._say_count()

    def _say_count(self) -> None:
        """How many suggestions the active layer has, in the status bar (why none: in short,
        the whole reason in the status bar's tooltip)."""
        layer = self._active_layer
        if layer not in self._suggesting:
            self.sig_message.emit(f"Suggestions are off in {layer}.")
            return
        count = len(self._visible())
        said = f"{count} suggestion{'s' if count != 1 else ''} in {layer}"
        keys = f" — {ACCEPT_KEYS} accepts, {REJECT_KEYS} rejects, Alt+Shift+Down goes to the next" if count else ""
        notes = [note for note in self.suggestion_notes if f'"{layer}"' in note]
        why = ""
        if notes and not count:
            why = (" — no rule patterns in its labels" if "rule patterns" in notes[0] else " — see the tooltip")
        self.sig_message.emit(said + keys + why)
        window = self.view.window() if hasattr(self, "view") else None
        if isinstance(window, QMainWindow):
            tip = "\n".join(note[0].upper() + note[1:] for note in notes)
            window.statusBar().setToolTip(tip)

    def _suggestions_failed(self, message: str) -> None:
        self._suggest_again = False
        self.sig_message.emit(f"No suggestions: {message}")

    def _filter_suggestions(self) -> None:
        """Leave out what the annotator has coded or rejected (after each change)."""
        if self._project is None or not self._raw_suggestions:
            self._shown_suggestions = []
        else:
            try:
                self._shown_suggestions = suggesting.pending(self._project, self._raw_suggestions, self._annotator)
            except (AnnotatorError, sqlite3.Error):
                self._shown_suggestions = []
        if self._current_suggestion not in self._shown_suggestions:
            self._current_suggestion = None
        self.view.viewport().update()

    def _suggestions_follow(self, changes: ChangeSet) -> None:
        """A change on the bus: re-filter when it touched annotations or decisions here."""
        if changes.reset:
            self._refresh_suggestions()
        elif self._raw_suggestions and (changes.annotations or "suggestion_decisions" in changes.tables):
            self._filter_suggestions()

    # ----- which suggestions a key acts on -------------------------------------------

    def _targets(self) -> list[Suggestion]:
        """The suggestion gone to last if it is selected, else those inside the selection,
        else those under the text cursor (the active layer's first)."""
        cursor = self.view.textCursor()
        start = self._offsets.to_py(cursor.selectionStart())
        end = self._offsets.to_py(cursor.selectionEnd())
        current = self._current_suggestion
        if current is not None and (current.start, current.end) == (start, end):
            return [current]
        shown = self._visible()
        if start < end:
            return [s for s in shown if start <= (s.start or 0) and (s.end or 0) <= end]
        here = [s for s in shown if (s.start or 0) <= start < (s.end or 0)]
        here.sort(key=lambda s: (s.end or 0) - (s.start or 0))
        return here[:1]

    def accept_suggestions(self) -> None:
        """Accept the suggestion under the cursor (or all in the selection) as my annotations."""
        self._decide("accept")

    def reject_suggestions(self) -> None:
        """Reject the suggestion under the cursor (or all in the selection)."""
        self._decide("reject")

    def _decide(self, decision: str) -> None:
        if self._readonly:
            self.sig_message.emit(f"Read-only: changes cannot be saved — {self._readonly}")
            return
        chosen = self._targets()
        if self._project is None or not chosen:
            self.sig_message.emit("No suggestion here: put the cursor in a dashed outline "
                                  "(Alt+Shift+Down goes to the next one).")
            return
        try:
            if decision == "accept":
                made = suggesting.accept_report(self._project, chosen, self._annotator)
                refused = f"; {len(made.skipped)} refused ({made.skipped[0][1]})" if made.skipped else ""
                said = f"Accepted {len(made.annotation_ids)} suggestion(s){refused}."
            else:
                suggesting.reject(self._project, chosen, self._annotator)
                said = f"Rejected {len(chosen)} suggestion(s)."
                # No selection left behind: a selected span would look like an annotation.
                after = self._offsets.to_py(self.view.textCursor().selectionEnd())
                self._select_range(after, after)  # type: ignore[attr-defined]
        except ProjectFileError as error:
            self._write_failed(error)  # type: ignore[attr-defined]
            return
        except AnnotatorError as error:
            self.sig_message.emit(str(error))
            return
        except sqlite3.Error as error:
            self._write_failed(explain_sqlite_error(self._project.path, error))  # type: ignore[attr-defined]
            return
        self._filter_suggestions()
        self.sig_message.emit(said)

    def next_suggestion(self, step: int = 1) -> None:
        """Select the next (+1) or previous (-1) suggestion after / before the cursor."""
        shown = self._visible()
        if not shown:
            self.sig_message.emit(f"No suggestions in {self._active_layer} in this document."
                                  if self._active_layer in self._suggesting
                                  else "Suggestions are off: Tools → Show suggestions.")
            return
        if self._current_suggestion in shown:
            index = (shown.index(self._current_suggestion) + step) % len(shown)
        else:
            position = self._offsets.to_py(self.view.textCursor().selectionStart())
            after = [i for i, s in enumerate(shown) if (s.start or 0) >= position + (step > 0)]
            before = [i for i, s in enumerate(shown) if (s.start or 0) < position]
            index = (after[0] if after else 0) if step > 0 else (before[-1] if before else len(shown) - 1)
        chosen = shown[index]
        self._current_suggestion = chosen
        self._select_range(chosen.start or 0, chosen.end or 0)  # type: ignore[attr-defined]
        centre_selection(self.view)
        self.view.viewport().update()
        self.sig_message.emit(f"Suggested {chosen.layer}: {chosen.label} ({chosen.score:.2f}, "
                              f"{readable_source(chosen.source)}) — {ACCEPT_KEYS} accepts, "
                              f"{REJECT_KEYS} rejects.")

    # ----- drawing -------------------------------------------------------------------

    def paint_suggestions(self, painter: QPainter, geometry: TextGeometry, first: int, last: int) -> None:
        """Dashed outlines in the label's colour around the visible suggestions."""
        for suggestion in self._visible():
            start, end = suggestion.start or 0, suggestion.end or 0
            if end <= first or start >= last:
                continue
            colour = QColor(self._index.colour(suggestion.layer, suggestion.label)).darker(130)
            pen = QPen(colour, 2.2 if suggestion == self._current_suggestion else 1.4, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            for rect in geometry.range_rects(start, end):
                painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), 2, 2)

    def suggestions_at(self, position: int) -> list[Suggestion]:
        """The shown suggestions covering a code-point offset."""
        return [s for s in self._visible() if (s.start or 0) <= position < (s.end or 0)]

    def describe_suggestions(self, position: int) -> str:
        """Rich-text lines for the tooltip: each suggestion there with its score and source."""
        lines = []
        for s in self.suggestions_at(position):
            colour = self._index.colour(s.layer, s.label)
            lines.append(f'<span style="color:{colour};">┅</span> <i>Suggested</i> {escape(s.layer)}: '
                         f"<b>{escape(s.label)}</b> — score {s.score:.2f} ({escape(readable_source(s.source, 80))})")
        if lines:
            lines.append(f"<span style='color:#666'>{ACCEPT_KEYS} accepts, {REJECT_KEYS} rejects</span>")
        return "<br>".join(lines)

    def stop_suggesting(self) -> None:
        """Wait for a running search to end (closing the window or the project)."""
        if self._suggest_runner is not None:
            self._suggest_runner.stop()


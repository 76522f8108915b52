"""What the desktop app remembers between runs (QSettings): projects, annotators, font, layout."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QFont

ORGANISATION = "discourse-annotator"
APPLICATION = "Discourse Annotator"
MAX_RECENT = 8


def _project_key(path: Path) -> str:
    """A settings key for a project file (QSettings keys cannot hold every path character)."""
    return hashlib.sha1(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:16]


class AppSettings:
    """Typed access to the app's QSettings; a path gives an INI file (used by tests)."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            self._qt = QSettings(ORGANISATION, APPLICATION)
        else:
            self._qt = QSettings(str(path), QSettings.Format.IniFormat)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._qt.sync()

    # ----- projects ----------------------------------------------------------------

    @property
    def last_project(self) -> Path | None:
        """The project open when the app was last closed, if any."""
        value = self._qt.value("last_project", "")
        return Path(str(value)) if value else None

    @last_project.setter
    def last_project(self, path: Path | None) -> None:
        self._qt.setValue("last_project", str(path) if path else "")

    def recent_projects(self) -> list[Path]:
        """Recently opened project files, most recent first."""
        value = self._qt.value("recent_projects", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [Path(str(item)) for item in value or [] if item]

    def add_recent_project(self, path: Path) -> None:
        """Put a project at the top of the recent list (and make it the last project)."""
        resolved = Path(path).resolve()
        items = [resolved, *(p for p in self.recent_projects() if p != resolved)][:MAX_RECENT]
        self._qt.setValue("recent_projects", [str(p) for p in items])
        self.last_project = resolved

    def forget_project(self, path: Path) -> None:
        """Drop a project that can no longer be opened from the recent list."""
        resolved = Path(path).resolve()
        self._qt.setValue("recent_projects", [str(p) for p in self.recent_projects() if p != resolved])
        if self.last_project is not None and Path(self.last_project).resolve() == resolved:
            self.last_project = None

    def annotator_for(self, project: Path) -> str:
        """The annotator identity last used with this project ('' if never chosen)."""
        return str(self._qt.value(f"annotators/{_project_key(project)}", ""))

    def set_annotator_for(self, project: Path, name: str) -> None:
        """Remember the annotator identity used with this project."""
        self._qt.setValue(f"annotators/{_project_key(project)}", name)

    def last_document_for(self, project: Path) -> str:
        """The id of the document last shown in this project ('' if none)."""
        return str(self._qt.value(f"last_document/{_project_key(project)}", ""))

    def set_last_document_for(self, project: Path, document_id: str) -> None:
        """Remember the document shown in this project, to open at it next time."""
        self._qt.setValue(f"last_document/{_project_key(project)}", document_id)

    def review_scope_for(self, project: Path) -> str:
        """Whom the review compares in this project, as ReviewScope.to_text() wrote it ('' if never chosen)."""
        return str(self._qt.value(f"review_scope/{_project_key(project)}", ""))

    def set_review_scope_for(self, project: Path, scope: str) -> None:
        """Remember whom the review compares in this project (a ReviewScope's text)."""
        self._qt.setValue(f"review_scope/{_project_key(project)}", scope)

    def train_source_for(self, project: Path) -> str:
        """The "Learn from" source last chosen in Train suggestions for this project ('' if never)."""
        return str(self._qt.value(f"train_source/{_project_key(project)}", "") or "")

    def set_train_source_for(self, project: Path, value: str) -> None:
        """Remember the "Learn from" source chosen in Train suggestions for this project."""
        self._qt.setValue(f"train_source/{_project_key(project)}", value)

    def import_folder(self) -> Path:
        """Where the file dialogs of an import start: the folder the last import was chosen in,
        else (never chosen, or gone since) the user's home, never the app's working folder."""
        value = str(self._qt.value("import/last_folder", "") or "")
        folder = Path(value) if value else None
        return folder if folder is not None and folder.is_dir() else Path.home()

    def set_import_folder(self, folder: Path) -> None:
        """Remember the folder an import's files or folder were chosen in."""
        self._qt.setValue("import/last_folder", str(Path(folder).resolve()))

    # ----- reading comfort and layout ------------------------------------------------

    def font(self) -> QFont | None:
        """The text font chosen by the user, if any."""
        value = str(self._qt.value("font", ""))
        if not value:
            return None
        font = QFont()
        return font if font.fromString(value) else None

    def set_font(self, font: QFont) -> None:
        """Remember the text font."""
        self._qt.setValue("font", font.toString())

    def geometry(self) -> QByteArray | None:
        """Saved main-window geometry."""
        value = self._qt.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        """Saved dock and toolbar layout."""
        value = self._qt.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the main window's geometry and dock layout."""
        self._qt.setValue("window/geometry", geometry)
        self._qt.setValue("window/state", state)

    # ----- the codebook panel -------------------------------------------------------------

    def click_shows_guidelines(self) -> bool:
        """Whether a click on a codebook label only shows its guidelines (a double-click applies it);
        False, the default, applies it on a single click."""
        return _as_bool(self._qt.value("codebook/click_shows_guidelines", False), False)

    def set_click_shows_guidelines(self, shows: bool) -> None:
        """Remember how a click on a codebook label behaves."""
        self._qt.setValue("codebook/click_shows_guidelines", shows)

    # ----- tables: column layout and sort (per application, not per project) ---------------

    def table_header_state(self, table: str, columns: Sequence[str]) -> QByteArray | None:
        """A table's saved header layout, only if it was saved for exactly these column titles and
        is unchanged since (Qt's restoreState can crash on a damaged state, so it must not see one)."""
        value = self._qt.value(f"tables/{table}/header_state")
        if not isinstance(value, QByteArray) or value.isEmpty():
            return None
        saved = self._qt.value(f"tables/{table}/columns", [])
        if isinstance(saved, str):  # a lone string for a one-item list
            saved = [saved]
        if not isinstance(saved, list) or [str(item) for item in saved] != list(columns):
            return None  # another version's columns: its widths and order would land on the wrong ones
        if str(self._qt.value(f"tables/{table}/header_check", "")) != _state_check(columns, value):
            return None
        return value

    def save_table_header_state(self, table: str, columns: Sequence[str], state: QByteArray) -> None:
        """Remember a table's header layout (widths, order, hidden columns) and the columns it was made for."""
        self._qt.setValue(f"tables/{table}/columns", list(columns))
        self._qt.setValue(f"tables/{table}/header_state", state)
        self._qt.setValue(f"tables/{table}/header_check", _state_check(columns, state))

    def table_sort(self, table: str) -> tuple[str, bool]:
        """The title of the column a table was last sorted by ('' if unsorted) and whether descending."""
        column = self._qt.value(f"tables/{table}/sort_column", "")
        descending = self._qt.value(f"tables/{table}/sort_descending", False)
        return (column if isinstance(column, str) else ""), _as_bool(descending, False)

    def set_table_sort(self, table: str, column: str, descending: bool) -> None:
        """Remember a table's sort column (by title, '' for none) and direction."""
        self._qt.setValue(f"tables/{table}/sort_column", column)
        self._qt.setValue(f"tables/{table}/sort_descending", descending)

    def table_column_wanted(self, table: str, column: str) -> bool:
        """Whether the user wants a column that is shown only where it applies (True unless they hid it)."""
        return _as_bool(self._qt.value(f"tables/{table}/wanted/{column}", True), True)

    def set_table_column_wanted(self, table: str, column: str, wanted: bool) -> None:
        """Remember whether the user wants a column that is shown only where it applies."""
        self._qt.setValue(f"tables/{table}/wanted/{column}", wanted)


def _state_check(columns: Sequence[str], state: QByteArray) -> str:
    """A fingerprint of a saved header state and its columns, to tell a damaged one."""
    digest = hashlib.sha256("\x1f".join(columns).encode("utf-8"))
    digest.update(bytes(state.data()))
    return digest.hexdigest()[:32]


def _as_bool(value: object, default: bool) -> bool:
    """A boolean read back from QSettings (INI files give the strings 'true' and 'false')."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    return default

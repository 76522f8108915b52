"""The main window's menus and toolbar: actions built from actions.ACTIONS, the layer actions,
which of them are enabled, and the list of keyboard shortcuts (Help → Keyboard shortcuts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

from ..model import Status
from .actions import ACTIONS, MENUS, TOOLBAR_ICONS, make_action, shortcut_text
from .editor import EDITOR_SHORTCUTS
from .window_state import WindowState

MAX_LAYER_KEYS = 9
# Actions that change the project file: off while the project is read-only.
EDITING_ACTIONS = ("import", "merge_project", "codebook_editor", "mark_done", "reopen", "delete", "undo", "redo")


class MenusMixin(WindowState):
    """Builds the menus and toolbar and keeps their actions' enabled state and texts true."""

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        menus = {title: self.menuBar().addMenu(title) for title in MENUS}
        self.toolbar = QToolBar("Main toolbar", self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(self.toolbar)
        for spec in ACTIONS:
            action = make_action(spec, self)
            slot: Callable[..., object] = getattr(self, spec.slot)
            if spec.checkable:
                action.toggled.connect(slot)
            else:
                action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menus[spec.menu].addAction(action)
            if spec.toolbar:
                self.toolbar.addAction(action)
                if spec.name in TOOLBAR_ICONS:  # icon only; what it would undo is in the tooltip
                    button = self.toolbar.widgetForAction(action)
                    if isinstance(button, QToolButton):
                        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            self.addAction(action)
            self.actions_by_name[spec.name] = action
            if spec.name in ("search", "next_not_done", "import"):
                self.toolbar.addSeparator()
        self._build_recent_menu(menus["&File"])
        # The curator's decisions (made in the review window) are undone there, not by the
        # Undo of whoever is annotating here: a pair of their own, which the review's Undo and
        # Redo buttons trigger. Keys without Alt: AltGr+Z types ż on a Polish keyboard.
        self.curator_actions: dict[str, QAction] = {}
        for verb, keys in (("undo", "Ctrl+F11"), ("redo", "Ctrl+F12")):
            action = QAction(f"{verb.capitalize()} the curator's decision", self)
            action.setObjectName(f"{verb}_curator")
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _checked=False, slot=getattr(self, f"{verb}_curator"): slot())
            menus["&Review"].addAction(action)
            self.addAction(action)
            self.curator_actions[verb] = action
            self.actions_by_name[f"{verb}_curator"] = action
        # Layers: F1..F9 make a span layer active; Ctrl+Shift+F1..F9 show or hide it.
        self.layer_menu = menus["&Document"].addMenu("Active &layer")
        self.visibility_menu = menus["&View"].addMenu("&Layers shown")
        self.layer_group = QActionGroup(self)
        self.layer_actions: list[QAction] = []
        self.visibility_actions: dict[str, QAction] = {}
        menus["&View"].addSeparator()
        for number, (name, dock) in enumerate(self.docks.items(), 1):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(f"Ctrl+Alt+{number}"))
            toggle.setText(f"{dock.windowTitle()} panel")
            menus["&View"].addAction(toggle)
            self.actions_by_name[f"panel_{name}"] = toggle
        # Ctrl+= zooms in too: on most keyboards "+" needs Shift, "=" does not.
        self.actions_by_name["zoom_in"].setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.show_others_action = self.actions_by_name["show_others"]
        # Blind coding: others' work is never shown at start, nor carried over to another
        # annotator or project; it is switched on for the moment only.
        self.show_others_action.setChecked(False)
        self.toolbar.addAction(self.show_others_action)
        self.menu_letters()

    def menu_letters(self) -> None:
        """Give every menu, and every entry of each menu, an Alt letter of its own."""
        bar = self.menuBar().actions()
        distinct_mnemonics(bar)
        # The curator's Undo/Redo texts are rewritten after every step (window_history): left as they are.
        curator = set(self.curator_actions.values())
        for top in bar:
            if top.menu() is not None:
                distinct_mnemonics([action for action in top.menu().actions() if action not in curator])

    # ----- File → Open recent ---------------------------------------------------------------

    def _build_recent_menu(self, file_menu: QMenu) -> None:
        """File → Open recent, filled from the settings each time it opens (as the welcome screen is)."""
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.setObjectName("recent_menu")
        self.recent_menu.setToolTipsVisible(True)
        file_menu.insertMenu(self.actions_by_name["reopen_last"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.fill_recent_menu()

    def fill_recent_menu(self) -> None:
        """One entry per recent project, newest first; a file that is gone is shown disabled."""
        menu = self.recent_menu
        menu.clear()
        current = self.project.path.resolve() if self.project is not None else None
        paths = self.settings.recent_projects()
        missing = 0
        for path in paths:
            found = path.exists()
            missing += not found
            name = f"{path.name}  —  {path.parent}".replace("&", "&&")
            action = QAction(name if found else f"{name}  (not found)", menu)
            action.setData(str(path))
            action.setToolTip(str(path) if found else f"{path} no longer exists")
            action.setEnabled(found)
            if path == current:
                action.setCheckable(True)
                action.setChecked(True)
            action.triggered.connect(lambda _checked=False, path=path: self.open_recent(path))
            menu.addAction(action)
        if not paths:
            menu.addAction("No recent projects yet").setEnabled(False)
        menu.addSeparator()
        forget = QAction("Remove projects that no longer exist", menu)
        forget.setObjectName("forget_missing")
        forget.setEnabled(bool(missing))
        forget.triggered.connect(self.forget_missing_projects)
        menu.addAction(forget)

    def open_recent(self, path: Path) -> None:
        """Open a project from File → Open recent; one that has gone is said and dropped from the list."""
        if not path.exists():
            self.settings.forget_project(path)
            self.show_error("Cannot open the project", f"{path}\n\nno longer exists (moved, renamed or deleted). "
                            "It was removed from the recent projects.")
            self._update_actions()
            return
        self.open_project(path, resume=True)  # at the document the user was on

    def forget_missing_projects(self) -> None:
        """Drop every recent project whose file is gone, and say how many."""
        gone = [path for path in self.settings.recent_projects() if not path.exists()]
        for path in gone:
            self.settings.forget_project(path)
        self.fill_recent_menu()
        self.show_message(f"Removed {len(gone)} project{'s' if len(gone) != 1 else ''} that no longer exist"
                          f"{'s' if len(gone) == 1 else ''} from the recent list.")

    def _last_other_project(self) -> Path | None:
        """The newest recent project that is not the open one and still exists."""
        current = self.project.path.resolve() if self.project is not None else None
        return next((p for p in self.settings.recent_projects() if p != current and p.exists()), None)

    def reopen_last_project(self) -> None:
        """File → Reopen last project: the project open before this one (the last one, from the welcome screen)."""
        target = self._last_other_project()
        if target is None:
            self.show_message("No other recent project to reopen.")
            return
        self.open_project(target, resume=True)  # at the document the user was on

    def _rebuild_layer_actions(self) -> None:
        for action in self.layer_actions:
            self.layer_group.removeAction(action)
            self.removeAction(action)
            action.deleteLater()
        for action in self.visibility_actions.values():
            self.removeAction(action)
            action.deleteLater()
        self.layer_menu.clear()
        self.visibility_menu.clear()
        self.layer_actions = []
        self.visibility_actions = {}
        if self.project is None:
            return
        spans = [layer for layer in self.project.codebook.get().layers if layer.kind == "span"]
        for number, layer in enumerate(spans[:MAX_LAYER_KEYS], 1):
            action = QAction(layer.name, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"F{number}"))
            action.triggered.connect(lambda _checked=False, name=layer.name: self.set_active_layer(name))
            self.layer_group.addAction(action)
            self.layer_menu.addAction(action)
            self.addAction(action)
            self.layer_actions.append(action)
            shown = QAction(layer.name, self)
            shown.setCheckable(True)
            shown.setChecked(self.editor.is_layer_visible(layer.name))
            shown.setShortcut(QKeySequence(f"Ctrl+Shift+F{number}"))
            shown.toggled.connect(lambda visible, name=layer.name: self.editor.set_layer_visible(name, visible))
            self.visibility_menu.addAction(shown)
            self.addAction(shown)
            self.visibility_actions[layer.name] = shown
        if spans and self.active_layer not in {layer.name for layer in spans}:
            self.active_layer = spans[0].name
        self.set_active_layer(self.active_layer)

    # ----- help ----------------------------------------------------------------------

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        """(where, keys, action) for every shortcut of the window and the editor."""
        rows = [
            (spec.menu.replace("&", ""), shortcut_text(self.actions_by_name[spec.name]), spec.text.replace("&", ""))
            for spec in ACTIONS
        ]
        for name, action in self.actions_by_name.items():
            if name.startswith("panel_"):
                rows.append(("View", shortcut_text(action), f"Show or hide the {action.text().replace('&', '')}"))
        for verb, what in (("undo", "Take back the curator's newest decision"),
                           ("redo", "Make the curator's decision taken back again")):
            rows.append(("Review", shortcut_text(self.curator_actions[verb]), what))
        rows.append(("Layers", "F1 … F9", "Make a span layer active (its label keys become live)"))
        rows.append(("Layers", "Ctrl+Shift+F1 … F9", "Show or hide a span layer"))
        for action in self.layer_actions:
            rows.append(("Layers", shortcut_text(action), f"Active layer: {action.text()}"))
        rows.extend(("Text", keys, what) for keys, what in EDITOR_SHORTCUTS)
        rows.append(("Documents", "Up / Down, Enter", "Move in the document list; Enter goes to the text"))
        rows.append(("Annotations", "F2 / Delete", "Edit the note or attributes in place / delete"))
        return rows

    def show_shortcuts(self) -> None:
        """List every keyboard shortcut."""
        from .dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_rows(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.show()

    def _update_actions(self) -> None:
        has_project = self.project is not None
        has_document = has_project and self.document_id is not None
        for name in ("import", "close_project", "search", "switch_annotator", "codebook_editor", "next",
                     "previous", "next_not_done", "show_others", "merge_project", "export", "agreement",
                     "concordance", "frequencies", "cooccurrence", "study_progress", "review"):
            self.actions_by_name[name].setEnabled(has_project)
        for name in ("mark_done", "reopen", "find", "delete"):
            self.actions_by_name[name].setEnabled(has_document)
        self.update_history_actions()
        last = self._last_other_project()
        reopen = self.actions_by_name["reopen_last"]
        reopen.setEnabled(last is not None)
        reopen.setText(f"&Reopen {last.name.replace('&', '&&')}" if last is not None else "&Reopen last project")
        self.menu_letters()  # the new text's R is Open recent's
        if has_document and self.project is not None:
            status = self.project.status.get(self.document_id or "", self.annotator)
            self.actions_by_name["mark_done"].setEnabled(status is not Status.DONE)
            self.actions_by_name["reopen"].setEnabled(status is Status.DONE)
        if self.readonly:
            for name in EDITING_ACTIONS:
                self.actions_by_name[name].setEnabled(False)
            for action in self.curator_actions.values():
                action.setEnabled(False)



# ----- Alt letters ---------------------------------------------------------------------------


def split_mnemonic(text: str) -> tuple[str, int]:
    """The text without its mnemonic "&" ("&&", a literal ampersand, is kept) and where the
    marked letter sits in it (-1 when none)."""
    plain: list[str] = []
    at = -1
    index = 0
    while index < len(text):
        if text[index] == "&" and index + 1 < len(text):
            if text[index + 1] == "&":
                plain.append("&&")
                index += 2
                continue
            at = len("".join(plain))
            index += 1
            continue
        plain.append(text[index])
        index += 1
    return "".join(plain), at


def _letter_choices(plain: str, at: int) -> list[int]:
    """Positions to try for an Alt letter: the rest of the word that had one, the first letters
    of the words, then any letter or digit."""
    def usable(i: int) -> bool:
        return plain[i].isalnum() and (i == 0 or plain[i - 1] != "&")

    order: list[int] = []
    if at >= 0:
        start = at
        while start > 0 and plain[start - 1].isalnum():
            start -= 1
        end = at
        while end < len(plain) and plain[end].isalnum():
            end += 1
        order += list(range(at, end)) + list(range(start, at))
    order += [i for i in range(len(plain)) if usable(i) and (i == 0 or not plain[i - 1].isalnum())]
    order += range(len(plain))
    seen: set[int] = set()
    return [i for i in order if usable(i) and not (i in seen or seen.add(i))]


def distinct_mnemonics(actions: list[QAction]) -> None:
    """Make the Alt letters of a menu's entries unique: an entry keeps its letter unless an
    earlier one has it; then (or when it has none) it takes the next free letter of its word,
    of its words' first letters, or of its text. Pressing a letter then triggers one entry
    instead of cycling between two."""
    entries = [action for action in actions if not action.isSeparator() and action.text()]
    taken: set[str] = set()
    moving: list[QAction] = []
    for action in entries:
        plain, at = split_mnemonic(action.text())
        letter = plain[at].casefold() if at >= 0 else ""
        if letter and letter not in taken:
            taken.add(letter)
        else:
            moving.append(action)
    for action in moving:
        plain, at = split_mnemonic(action.text())
        for index in _letter_choices(plain, at):
            if plain[index].casefold() not in taken:
                taken.add(plain[index].casefold())
                action.setText(plain[:index] + "&" + plain[index:])
                break

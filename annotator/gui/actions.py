"""Every menu action of the main window: its menu, text, shortcut and the slot it calls."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QWidget

from ..resources import resource


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: the name it is found by, where it sits and what it calls."""

    name: str
    menu: str
    text: str
    shortcut: str
    slot: str
    tip: str = ""
    toolbar: bool = False
    checkable: bool = False


MENUS: tuple[str, ...] = ("&File", "&Edit", "&Document", "&View", "&Annotator", "A&nalyze", "&Review", "&Tools",
                           "&Help")

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new_project", "&File", "&New project…", "Ctrl+N", "new_project", "Create a project file"),
    ActionSpec("open_project", "&File", "&Open project…", "Ctrl+O", "choose_project", "Open a project file", True),
    # Ctrl+R: the key of "reload" elsewhere; Ctrl+Shift+O and Ctrl+Shift+T are taken (Show others, Text font).
    ActionSpec("reopen_last", "&File", "&Reopen last project", "Ctrl+R", "reopen_last_project",
               "Open the project you had open before (back and forth between two projects)"),
    ActionSpec("open_demo", "&File", "Open the &demo project", "Ctrl+Shift+M", "open_demo"),
    ActionSpec("import", "&File", "&Import documents…", "Ctrl+I", "import_documents", "Import articles", True),
    ActionSpec("merge_project", "&File", "&Merge project…", "Ctrl+Shift+G", "merge_project",
               "Merge a colleague's project file into this one"),
    ActionSpec("export", "&File", "&Export…", "Ctrl+E", "export_corpus",
               "Export documents and annotations (JSONL, CSV, spaCy, brat, XMI, REFI-QDA, CoNLL)"),
    ActionSpec("close_project", "&File", "&Close project", "Ctrl+W", "close_project"),
    ActionSpec("quit", "&File", "&Quit", "Ctrl+Q", "close"),
    ActionSpec("undo", "&Edit", "&Undo", "Ctrl+Z", "undo", "Undo the last change", True),
    ActionSpec("redo", "&Edit", "&Redo", "Ctrl+Shift+Z", "redo", "Redo the change undone last", True),
    ActionSpec("delete", "&Edit", "&Delete annotation", "Del", "delete_annotation",
               "Delete the selected annotation"),
    ActionSpec("find", "&Edit", "&Find in document…", "Ctrl+F", "find_in_document", "Find text in this article"),
    ActionSpec("search", "&Edit", "&Search the corpus…", "Ctrl+Shift+F", "search_corpus",
               "Full-text search over every document", True),
    ActionSpec("previous", "&Document", "&Previous document", "Ctrl+PgUp", "previous_document",
               "Go to the previous document", True),
    ActionSpec("next", "&Document", "&Next document", "Ctrl+PgDown", "next_document", "Go to the next document", True),
    ActionSpec("next_not_done", "&Document", "Next document &not done", "Ctrl+J", "next_not_done",
               "Jump to the next document you have not marked done", True),
    ActionSpec("next_uncertain", "&Document", "Next &uncertain document", "Ctrl+Shift+J", "next_uncertain_document",
               "Go to the not-done document the suggestions model is least sure about (active learning)"),
    ActionSpec("mark_done", "&Document", "Mark &done", "Ctrl+D", "mark_done", "Mark this document done", True),
    ActionSpec("reopen", "&Document", "&Reopen", "Ctrl+Shift+D", "reopen", "Mark this document in progress again"),
    ActionSpec("document_properties", "&Document", "Propert&ies…", "Alt+Return", "show_document_properties",
               "Title, outlet, author, date, URL and other metadata of this document"),
    ActionSpec("focus_documents", "&Document", "Go to the document &list", "Alt+1", "focus_documents"),
    ActionSpec("focus_text", "&Document", "Go to the &text", "Alt+2", "focus_text"),
    ActionSpec("focus_codebook", "&Document", "Go to the &codebook filter", "Alt+3", "focus_codebook"),
    ActionSpec("focus_annotations", "&Document", "Go to the &annotations list", "Alt+4", "focus_annotations"),
    ActionSpec("show_others", "&View", "Show &other annotators (read-only)", "Ctrl+Shift+O", "toggle_others",
               "Show other annotators' work in a distinct style", checkable=True),
    # E for the arcs' Edges (R and L are taken: review, train model).
    ActionSpec("show_all_relations", "&View", "Show all &relations in the paragraph", "Ctrl+Shift+E",
               "toggle_all_relations", "Draw every relation arc of the cursor's paragraph, not only the "
               "selected span's and the one under the pointer", checkable=True),
    ActionSpec("zoom_in", "&View", "Zoom &in", "Ctrl++", "zoom_in"),
    ActionSpec("zoom_out", "&View", "Zoom &out", "Ctrl+-", "zoom_out"),
    ActionSpec("font", "&View", "Text &font…", "Ctrl+Shift+T", "choose_font"),
    ActionSpec("switch_annotator", "&Annotator", "&Switch annotator…", "Ctrl+Shift+A", "switch_annotator",
               "Annotate as another person"),
    ActionSpec("agreement", "A&nalyze", "Inter-annotator &agreement…", "Ctrl+Shift+Y", "show_agreement",
               "Agreement between annotators, per label, pair and document"),
    # C for concordance; U for coUnts (Ctrl+Shift+F is the corpus search); X for the cross table.
    ActionSpec("concordance", "A&nalyze", "&Concordance…", "Ctrl+Shift+C", "show_concordance_window",
               "Every hit of a word, a regular expression or a code, in context; code from it"),
    ActionSpec("frequencies", "A&nalyze", "&Frequencies…", "Ctrl+Shift+U", "show_frequencies_window",
               "How often each label occurs, by document, source, date or annotator, with a chart"),
    ActionSpec("cooccurrence", "A&nalyze", "Co-&occurrence…", "Ctrl+Shift+X", "show_cooccurrence_window",
               "Which labels occur together (same span, sentence, paragraph or document): matrix and heatmap"),
    ActionSpec("study_progress", "A&nalyze", "Study &progress…", "Ctrl+Shift+P", "show_study_progress",
               "Reliability study: done/assigned per annotator, overlap, rounds, drift against the gold set"),
    ActionSpec("review", "&Review", "&Compare and adjudicate…", "Ctrl+Shift+R", "show_review",
               "Compare annotators side by side and build the gold set"),
    ActionSpec("codebook_editor", "&Tools", "&Codebook editor…", "Ctrl+Shift+K", "edit_codebook"),
    ActionSpec("suggest", "&Tools", "Show &suggestions (active layer)", "Ctrl+Shift+S", "toggle_suggestions",
               "Suggestions from the codebook's rules and the trained model, drawn as dashed outlines in the "
               "active layer (on or off per layer)", checkable=True),
    ActionSpec("train_model", "&Tools", "&Train suggestions model…", "Ctrl+Shift+L", "train_suggestions_model",
               "Learn a layer's labels from the gold set or an annotator's coding, and see each label's quality"),
    ActionSpec("shortcuts", "&Help", "&Keyboard shortcuts", "Ctrl+/", "show_shortcuts"),
    ActionSpec("about", "&Help", "&About Discourse Annotator", "Shift+F1", "show_about"),
)


# Short words on the toolbar (the menus keep the full text): at 1024 px every action must fit.
TOOLBAR_TEXT: dict[str, str] = {
    "open_project": "Open", "import": "Import", "search": "Search", "previous": "Previous", "next": "Next",
    "next_not_done": "Next not done", "mark_done": "Mark done", "show_others": "Show others",
}
# Icon-only toolbar buttons (the desktop theme's icon, else ours in resources/icons): their text
# grows with what they would undo, so it lives in the tooltip. Qt's own arrows would read as
# Previous / Next document.
TOOLBAR_ICONS: dict[str, str] = {"undo": "edit-undo", "redo": "edit-redo"}


def toolbar_icon(name: str) -> QIcon:
    """The icon of an icon-only toolbar action."""
    theme = TOOLBAR_ICONS[name]
    return QIcon.fromTheme(theme, QIcon(str(resource("icons", f"{theme}.svg"))))


def make_action(spec: ActionSpec, parent: QWidget) -> QAction:
    """A QAction for a spec (not yet connected)."""
    action = QAction(spec.text, parent)
    action.setObjectName(spec.name)
    action.setShortcut(QKeySequence(spec.shortcut))
    action.setCheckable(spec.checkable)
    tip = spec.tip or spec.text.replace("&", "").rstrip("…")
    action.setToolTip(f"{tip} ({QKeySequence(spec.shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
    action.setStatusTip(tip)
    if spec.name in TOOLBAR_TEXT:
        action.setIconText(TOOLBAR_TEXT[spec.name])
    if spec.name in TOOLBAR_ICONS:
        action.setIcon(toolbar_icon(spec.name))
    return action


def shortcut_text(action: QAction) -> str:
    """The action's shortcut as the user reads it."""
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)

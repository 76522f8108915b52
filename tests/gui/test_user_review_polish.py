"""Defects a new user found, driven as they met them: adding a layer, opening a search hit, two
stripes on one line, an undefined figure's reason, menu letters, where the import folder dialog starts."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)

from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
from annotator.gui.panels.codebook import LAYER_ROLE
from annotator.project import Project
from annotator.stats.result import NO_VARIATION
from tests.gui.conftest import stored


def on_modal(act: Callable[[QWidget], None], seen: list[str], skip: type = CodebookEditorDialog,
             seconds: float = 5) -> None:
    """Run `act` on the next modal dialog that opens within `seconds` (it blocks the test); note its
    title in `seen`."""
    deadline = time.monotonic() + seconds

    def attempt() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or isinstance(modal, skip):
            if time.monotonic() < deadline:
                QTimer.singleShot(20, attempt)
            return
        seen.append(modal.windowTitle())
        act(modal)

    QTimer.singleShot(20, attempt)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick an entry of a combo box with the arrow keys, as a user would."""
    combo.setFocus()
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up)


def open_editor(qtbot, project: Project) -> CodebookEditorDialog:
    """The codebook editor, shown."""
    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    return dialog


# ----- 1. Add layer: one dialog, then the new layer has the focus -------------------------------


def test_add_layer_asks_everything_in_one_dialog_and_focuses_the_new_layer(qtbot, project: Project) -> None:
    editor = open_editor(qtbot, project)
    seen: list[str] = []
    form: dict[str, Any] = {}

    def fill(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "layer_name")
        kind = dialog.findChild(QComboBox, "layer_kind")
        granularity = dialog.findChild(QComboBox, "layer_granularity")
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        form["ok before a name"] = ok.isEnabled()
        qtbot.keyClicks(name, "Evidence")
        choose(qtbot, kind, "whole documents")
        form["granularity for documents"] = granularity.isEnabled()
        choose(qtbot, kind, "spans")
        choose(qtbot, granularity, "whole sentences")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    on_modal(fill, seen)
    qtbot.mouseClick(editor.add_layer_button, Qt.MouseButton.LeftButton)

    assert seen == ["Add layer"]  # one dialog, not three
    assert form == {"ok before a name": False, "granularity for documents": False}
    assert stored(project.path, "SELECT kind, granularity FROM layers WHERE name = 'Evidence'") == [
        ("span", "sentence")]
    assert editor.focusWidget() is editor.tree  # the window's keyboard focus
    assert editor.tree.currentItem().data(0, LAYER_ROLE) == "Evidence"

    # Enter now acts on the tree, never on "Add layer…" again.
    again: list[str] = []
    on_modal(lambda dialog: dialog.close(), again, seconds=0.3)
    qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_Return)
    qtbot.wait(400)
    assert again == []
    assert stored(project.path, "SELECT COUNT(*) FROM layers") == [(6,)]


def test_a_document_layer_is_added_without_a_granularity_and_cancel_adds_nothing(qtbot, project: Project) -> None:
    editor = open_editor(qtbot, project)
    before = stored(project.path, "SELECT COUNT(*) FROM layers")
    seen: list[str] = []

    def cancel(dialog: QWidget) -> None:
        qtbot.keyClicks(dialog.findChild(QLineEdit, "layer_name"), "Genre")
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    on_modal(cancel, seen)
    qtbot.mouseClick(editor.add_layer_button, Qt.MouseButton.LeftButton)
    assert stored(project.path, "SELECT COUNT(*) FROM layers") == before

    def document_layer(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "layer_name")
        qtbot.keyClicks(name, "Genre")
        choose(qtbot, dialog.findChild(QComboBox, "layer_kind"), "whole documents")
        qtbot.keyClick(dialog.findChild(QComboBox, "layer_kind"), Qt.Key.Key_Return)

    on_modal(document_layer, seen)
    qtbot.mouseClick(editor.add_layer_button, Qt.MouseButton.LeftButton)
    assert seen == ["Add layer", "Add layer"]
    assert stored(project.path, "SELECT kind FROM layers WHERE name = 'Genre'") == [("document",)]
    assert editor.current() == ("Genre", None)


def test_a_taken_name_is_said_in_the_dialog_which_stays_open(qtbot, project: Project) -> None:
    editor = open_editor(qtbot, project)
    seen: list[str] = []
    said: list[str] = []

    def taken_then_fixed(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "layer_name")
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.keyClicks(name, "stance")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        said.extend(label.text() for label in dialog.findChildren(QLabel) if "already" in label.text())
        said.append(str(dialog.isVisible()))
        name.selectAll()
        qtbot.keyClicks(name, "Stance 2")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    on_modal(taken_then_fixed, seen)
    qtbot.mouseClick(editor.add_layer_button, Qt.MouseButton.LeftButton)
    assert said == ['the codebook already has a layer "Stance"', "True"]
    assert stored(project.path, "SELECT COUNT(*) FROM layers WHERE name = 'Stance 2'") == [(1,)]


# ----- 2. Search the corpus: opening a hit shows the text ----------------------------------------


def test_opening_a_search_hit_brings_the_text_forward_and_the_search_comes_back(qtbot, window) -> None:
    from annotator.gui.dialogs.corpus_search import CorpusSearchDialog

    window.actions_by_name["search"].trigger()
    search = window.findChild(CorpusSearchDialog)
    qtbot.waitExposed(search)
    qtbot.keyClicks(search.query_box, "robbery")
    qtbot.keyClick(search.query_box, Qt.Key.Key_Return)
    hits = search.hits()
    assert len(hits) == 1
    qtbot.keyClick(search.results, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: not search.isVisible())
    start, end = window.editor.selection()
    assert window.editor.text[start:end] == "robbery"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.editor.view)

    # Ctrl+Shift+F again: the same words and hits, the one just opened selected (Down, Enter: the next).
    window.actions_by_name["search"].trigger()
    again = next(d for d in window.findChildren(CorpusSearchDialog) if d.isVisible())
    assert again.query_box.text() == "robbery"
    assert again.hits() == hits
    assert again.results.currentItem() is again.results.topLevelItem(0)


# ----- 3. Two spans of one layer on one line: two stripes ---------------------------------------


@pytest.fixture
def editor(qtbot, project: Project):
    """An editor on the sample article, coding as ada."""
    from annotator.gui.editor import AnnotationEditor

    widget = AnnotationEditor()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.set_project(project)
    document = next(i for i in project.documents.ids() if "council" in project.documents.text(i))
    widget.set_document(document, "ada")
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixels_of(image, colour: str) -> list[tuple[int, int]]:
    """Points of an image painted (nearly) in a colour."""
    wanted = QColor(colour)
    found = []
    for x in range(image.width()):
        for y in range(image.height()):
            got = image.pixelColor(x, y)
            if max(abs(got.red() - wanted.red()), abs(got.green() - wanted.green()),
                   abs(got.blue() - wanted.blue())) <= 12:
                found.append((x, y))
    return found


def test_two_codes_of_one_layer_on_one_line_show_two_stripes(qtbot, editor, project: Project) -> None:
    text = editor.text
    ids = {}
    for label, words in (("Morality", "council"), ("Economic", "voted")):
        start = text.index(words)
        changes = project.annotations.add(editor.document_id, "ada", "Framing", label, start, start + len(words))
        editor.apply_changes(changes)
        ids[label] = changes.primary or next(iter(changes.added))
    lanes = {ident: lane for ident, lane, _ in editor.stripes()}
    assert lanes[ids["Morality"]] == lanes[ids["Economic"]]  # not nested: the same lane, one line
    qtbot.wait(20)
    margin = editor.view.margin.grab().toImage()
    red, teal = pixels_of(margin, "#CC6677"), pixels_of(margin, "#44AA99")
    assert red and teal, "one of the two stripes is hidden"
    # Each stripe is its own: clicking the teal one selects the Economic code.
    x, y = teal[len(teal) // 2]
    ratio = margin.devicePixelRatio()
    qtbot.mouseClick(editor.view.margin, Qt.MouseButton.LeftButton, pos=QPoint(int(x / ratio), int(y / ratio)))
    assert editor.selected_annotation() == ids["Economic"]


# ----- 4. Per label: the reason a figure is undefined is readable --------------------------------


def test_per_label_tab_shows_the_whole_reason_a_figure_is_undefined(qtbot, settings, demo_path: Path) -> None:
    from annotator.gui.agreement import AgreementDashboard
    from annotator.gui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.set_project(Project.open(demo_path), annotator="ada")
    main.show()
    main.actions_by_name["agreement"].trigger()
    dashboard = main.findChild(AgreementDashboard)
    qtbot.waitExposed(dashboard)
    dashboard.resize(1000, 760)
    dashboard.controls.set_layer("Framing")
    dashboard.controls.set_unit("token")
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    dashboard.tabs.setCurrentWidget(dashboard.per_label)
    qtbot.wait(50)
    undefined = [r.label for r in dashboard.report.per_label if r.figures["alpha"].value is None]
    assert undefined  # the demo has labels nobody used: no variation
    shown = [label for label in dashboard.per_label.findChildren(QLabel)
             if label.isVisible() and NO_VARIATION in label.text()]
    assert len(shown) == 1, "the full reason is written nowhere"
    note = shown[0]
    assert note.wordWrap() and note.height() >= note.heightForWidth(note.width())
    assert all(name in note.text() for name in undefined)
    # The chart's row is short enough not to be cut: "undefined: no variation".
    bars = {bar.name: bar for bar in dashboard.per_label.chart.bars}
    assert bars[undefined[0]].figure.undefined_reason == "no variation"
    dashboard.stop()


# ----- 5. Menus: one Alt letter each -------------------------------------------------------------


def mnemonic(text: str) -> str:
    """The letter after a single & ('' when none)."""
    plain = text.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].lower() if 0 <= at < len(plain) - 1 else ""


def test_every_menu_and_entry_has_its_own_alt_letter(qtbot, window) -> None:
    tops = [action for action in window.menuBar().actions()]
    letters = [mnemonic(action.text()) for action in tops]
    assert all(letters) and len(set(letters)) == len(letters), letters
    curator = set(window.curator_actions.values())  # texts rewritten after each decision (window_history)
    for action in tops:
        entries = [a for a in action.menu().actions() if not a.isSeparator() and a not in curator]
        inner = [mnemonic(a.text()) for a in entries]
        missing = [a.text() for a, letter in zip(entries, inner) if not letter]
        assert not missing, (action.text(), missing)
        assert len(set(inner)) == len(inner), (action.text(), [a.text() for a in entries])


def test_alt_d_then_n_goes_to_the_next_document(qtbot, window) -> None:
    first = window.document_id
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert menu.title() == "&Document"
    qtbot.keyClick(menu, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: window.document_id != first)
    assert QApplication.activePopupWidget() is None


# ----- 6. Import: the folder dialog starts where the last import came from -----------------------


def folder_dialog_start(qtbot, window, choose_folder: Path | None) -> str:
    """Open File → Import, click Add folder…, note where the folder dialog starts; pick a folder or cancel."""
    from annotator.gui.dialogs.import_dialog import ImportDialog

    window.actions_by_name["import"].trigger()
    dialog = next(d for d in window.findChildren(ImportDialog) if d.isVisible())
    where: list[str] = []

    def answer(files: QWidget) -> None:
        assert isinstance(files, QFileDialog)
        where.append(files.directory().absolutePath())
        if choose_folder is None:
            files.reject()
            return
        name = files.findChild(QLineEdit, "fileNameEdit")
        name.setText(str(choose_folder))  # pasted (typing would open the completer's popup)
        choose_button = files.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open)
        qtbot.mouseClick(choose_button, Qt.MouseButton.LeftButton)

    seen: list[str] = []
    on_modal(answer, seen, skip=ImportDialog)
    add_folder = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Add folder…")
    qtbot.mouseClick(add_folder, Qt.MouseButton.LeftButton)
    listed = [dialog.paths.item(i).text() for i in range(dialog.paths.count())]
    dialog.close()
    assert seen, "no folder dialog opened"
    if choose_folder is not None:
        assert listed == [str(choose_folder)]
    return where[0]


def test_the_folder_dialog_starts_at_home_then_where_the_last_import_came_from(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(window.project.path.parent)  # the app's working folder: not where to start
    corpus = tmp_path / "corpus" / "batch1"
    corpus.mkdir(parents=True)

    assert folder_dialog_start(qtbot, window, corpus) == str(home)
    assert folder_dialog_start(qtbot, window, None) == str(corpus.parent)
    assert window.settings.import_folder() == corpus.parent

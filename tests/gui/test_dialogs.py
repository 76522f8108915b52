"""Dialogs driven like a user would: identity, new project, import (with Cancel), codebook editor, search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox

from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
from annotator.queries.search import find_hit, snippet
from annotator.gui.dialogs.identity import AnnotatorDialog
from annotator.gui.dialogs.import_dialog import ImportDialog
from annotator.gui.dialogs.new_project import NewProjectDialog
from annotator.project import Project
from tests.gui.conftest import stored


def when_modal(qtbot, act: Callable[[object], None]) -> None:
    """Run `act` on the next modal dialog as soon as it is open (the dialog blocks the test)."""

    def attempt() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(20, attempt)
            return
        act(modal)

    QTimer.singleShot(20, attempt)


def _ok(dialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    qtbot_click(box.button(QDialogButtonBox.StandardButton.Ok))


def qtbot_click(button) -> None:
    from PySide6.QtTest import QTest

    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


# ----- annotator identity ------------------------------------------------------------


def test_identity_dialog_picks_or_creates_an_annotator(qtbot, project: Project) -> None:
    dialog = AnnotatorDialog(project)
    qtbot.addWidget(dialog)
    assert [dialog.names.item(i).text() for i in range(dialog.names.count())] == ["ada", "ben"]
    assert not dialog.ok_button.isEnabled()
    dialog.names.setCurrentRow(1)
    assert dialog.chosen_name() == "ben"
    dialog.name_box.clear()
    qtbot.keyClicks(dialog.name_box, "  cleo ")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == AnnotatorDialog.DialogCode.Accepted
    assert stored(project.path, "SELECT name FROM annotators ORDER BY id") == [("ada",), ("ben",), ("cleo",)]


def test_first_start_asks_who_annotates_and_remembers_it(qtbot, settings, project: Project) -> None:
    from annotator.gui.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)

    def answer(dialog) -> None:
        dialog.name_box.setText("ben")
        qtbot_click(dialog.ok_button)

    when_modal(qtbot, answer)
    assert window.set_project(project)
    assert window.annotator == "ben"
    assert settings.annotator_for(project.path) == "ben"


# ----- new project -------------------------------------------------------------------


def test_new_project_dialog_checks_its_fields(qtbot, tmp_path: Path) -> None:
    dialog = NewProjectDialog(tmp_path)
    qtbot.addWidget(dialog)
    codebooks = [dialog.codebook_box.itemText(i) for i in range(dialog.codebook_box.count())]
    assert "news-discourse" in codebooks and dialog.codebook() == "news-discourse"
    (tmp_path / "taken.annot").write_bytes(b"")
    dialog.path_box.setText(str(tmp_path / "taken"))
    _ok(dialog)
    assert "already exists" in dialog.message.text()
    dialog.path_box.setText(str(tmp_path / "no-such-folder" / "x.annot"))
    _ok(dialog)
    assert "does not exist" in dialog.message.text()
    dialog.path_box.setText(str(tmp_path / "fresh study"))
    dialog.language_box.setCurrentIndex(dialog.language_box.findData("de"))
    _ok(dialog)
    assert dialog.result() == NewProjectDialog.DialogCode.Accepted
    assert dialog.path() == tmp_path / "fresh study.annot"
    assert dialog.language() == "de"


def test_new_project_from_the_welcome_screen(qtbot, settings, tmp_path: Path) -> None:
    from annotator.gui.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)

    def fill_new(dialog) -> None:
        dialog.path_box.setText(str(tmp_path / "mine"))
        dialog.codebook_box.setCurrentText("generic-frames")
        when_modal(qtbot, name_me)
        _ok(dialog)

    def name_me(dialog) -> None:
        if not isinstance(dialog, AnnotatorDialog):  # the New-project dialog is still closing
            when_modal(qtbot, name_me)
            return
        dialog.name_box.setText("dora")
        qtbot_click(dialog.ok_button)

    when_modal(qtbot, fill_new)
    qtbot.mouseClick(window.welcome.new_button, Qt.MouseButton.LeftButton)
    assert window.project is not None and window.project.path == tmp_path / "mine.annot"
    assert window.annotator == "dora"
    assert stored(tmp_path / "mine.annot", "SELECT value FROM project WHERE key = 'codebook'") == [("generic-frames",)]


# ----- import --------------------------------------------------------------------------


def _articles(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"article-{number:02d}.txt").write_text(
            f"Story {number}: the mayor\u00a0said the bridge 🌉 would open.\r\nCafe\u0301 owners disagreed.\r\n",
            encoding="utf-8",
        )
    return folder


def _documents(path: Path) -> int:
    return stored(path, "SELECT COUNT(*) FROM documents")[0][0]


def test_import_a_folder_lists_the_files_that_failed(qtbot, window, project: Project, tmp_path: Path) -> None:
    folder = _articles(tmp_path / "incoming", 3)
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02 binary \xff\xfe" * 50)
    window.import_documents()
    dialog = window.dialog
    assert isinstance(dialog, ImportDialog)
    dialog.add_paths([folder])
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=20_000)

    assert dialog.outcome == "imported"
    assert _documents(project.path) == 5
    assert [Path(name).name for name, _reason in dialog.report.failed] == ["broken.txt"]
    assert "broken.txt" in dialog.results.toPlainText()
    assert window.documents_panel.model.rowCount() == 5
    assert "/ 5" in window.position_label.text()


def test_cancelled_import_leaves_the_project_unchanged(qtbot, project: Project, tmp_path: Path) -> None:
    folder = _articles(tmp_path / "many", 60)
    before = stored(project.path, "SELECT id FROM documents ORDER BY id")
    dialog = ImportDialog(project.path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([folder])
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=20_000)

    assert dialog.outcome == "cancelled"
    assert "unchanged" in dialog.progress_label.text()
    assert stored(project.path, "SELECT id FROM documents ORDER BY id") == before
    assert stored(project.path, "SELECT COUNT(*) FROM document_search") == [(2,)]


def test_import_dialog_with_a_worker_process_imports_and_cancels_cleanly(
    qtbot, window, project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog's import (in a thread) segmenting in a worker process, as a large import
    does: cancelled first (nothing kept), then run to the end (every file shown)."""
    from annotator.nlp import segmenter

    monkeypatch.setenv("ANNOTATOR_SEGMENT_WORKER", "1")
    folder = _articles(tmp_path / "batch", 80)
    before = stored(project.path, "SELECT id FROM documents ORDER BY id")
    try:
        window.import_documents()
        dialog = window.dialog
        dialog.add_paths([folder])
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.outcome != "", timeout=30_000)
        assert dialog.outcome == "cancelled"
        assert stored(project.path, "SELECT id FROM documents ORDER BY id") == before

        window.import_documents()
        dialog = window.dialog
        dialog.add_paths([folder])
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.outcome != "", timeout=30_000)
        assert dialog.outcome == "imported" and dialog.report.spacy_worker
        assert _documents(project.path) == 82
        assert window.documents_panel.model.rowCount() == 82
    finally:
        segmenter.stop_worker()


# ----- codebook editor -------------------------------------------------------------------


def test_codebook_editor_renames_without_orphaning(qtbot, project: Project) -> None:
    doc = project.documents.ids()[0]
    project.annotations.add(doc, "ada", "Stance", "Favour", 0, 3)
    dialog = CodebookEditorDialog(project, "ada")
    qtbot.addWidget(dialog)
    changed = []
    dialog.sig_codebook_changed.connect(lambda: changed.append(True))
    dialog.select("Stance", "Favour")
    dialog.name_box.clear()
    qtbot.keyClicks(dialog.name_box, "Support")
    qtbot.keyClick(dialog.name_box, Qt.Key.Key_Return)

    assert stored(
        project.path, "SELECT labels.name FROM annotations JOIN labels ON labels.id = annotations.label_id"
    ) == [("Support",)]
    assert changed and dialog.current() == ("Stance", "Support")
    assert dialog.tree.currentItem().text(0) == "Support"


def test_codebook_editor_refuses_a_key_clash(qtbot, project: Project) -> None:
    dialog = CodebookEditorDialog(project)
    qtbot.addWidget(dialog)
    dialog.select("Stance", "Favour")
    qtbot.keyClick(dialog.key_box, Qt.Key.Key_Backspace)  # removes "f": Favour has no key now
    qtbot.keyClicks(dialog.key_box, "A")
    assert 'already used by "Against"' in dialog.message.text()
    assert project.codebook.layer("Stance").label("Favour").key == ""  # cleared, the clash not stored
    qtbot.keyClick(dialog.key_box, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.key_box, "g")
    assert dialog.message.text() == ""
    assert stored(project.path, "SELECT key FROM labels WHERE name = 'Favour' AND layer_id = "
                  "(SELECT id FROM layers WHERE name = 'Stance')") == [("g",)]


def test_codebook_editor_recolours_reorders_and_adds(qtbot, project: Project) -> None:
    dialog = CodebookEditorDialog(project)
    qtbot.addWidget(dialog)
    dialog.select("Stance", "Neutral")
    dialog.set_colour("#123abc")
    qtbot.mouseClick(dialog.up_button, Qt.MouseButton.LeftButton)
    assert [label.name for label in project.codebook.layer("Stance").labels] == ["Favour", "Neutral", "Against"]
    assert project.codebook.layer("Stance").label("Neutral").colour == "#123ABC"
    dialog.select("Stance")
    dialog.add_label("Ironic")
    assert dialog.current() == ("Stance", "Ironic")
    dialog.description_box.setPlainText("Says the opposite of what it means.")
    dialog.examples_box.setPlainText("what a lovely traffic jam\n\n")
    dialog.save_guidelines()
    label = project.codebook.layer("Stance").label("Ironic")
    assert label.description == "Says the opposite of what it means."
    assert label.examples == ("what a lovely traffic jam",)


def test_deleting_a_label_in_use_asks_and_moves_the_annotations(qtbot, project: Project) -> None:
    doc = project.documents.ids()[0]
    project.annotations.add(doc, "ada", "Stance", "Neutral", 0, 3)
    dialog = CodebookEditorDialog(project)
    qtbot.addWidget(dialog)
    dialog.select("Stance", "Neutral")

    def choose_move(box) -> None:
        assert isinstance(box, QMessageBox) and "1 annotation(s)" in box.text()
        move = next(b for b in box.buttons() if b.text().startswith("Move"))
        when_modal(qtbot, pick_against)
        qtbot_click(move)

    def pick_against(chooser) -> None:
        if not isinstance(chooser, QInputDialog):
            when_modal(qtbot, pick_against)
            return
        chooser.setTextValue("Against")
        chooser.accept()

    when_modal(qtbot, choose_move)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert project.codebook.layer("Stance").label("Neutral") is None
    assert stored(
        project.path, "SELECT labels.name FROM annotations JOIN labels ON labels.id = annotations.label_id"
    ) == [("Against",)]


def test_codebook_edit_reaches_the_main_window(qtbot, window, project: Project) -> None:
    """Nothing connects the dialog to the window: the rename reaches it on the change bus."""
    dialog = CodebookEditorDialog(project, "ada", window)
    qtbot.addWidget(dialog)
    dialog.select("Framing", "Economic")
    dialog.name_box.clear()
    qtbot.keyClicks(dialog.name_box, "Economy")
    qtbot.keyClick(dialog.name_box, Qt.Key.Key_Return)
    assert window.codebook_panel.label_item("Framing", "Economy") is not None
    assert window.codebook_panel.label_item("Framing", "Economic") is None


# ----- corpus search helpers and other dialogs ------------------------------------------------


def test_find_hit_ignores_case_and_accents_and_counts_code_points() -> None:
    text = "Le 😡 maire de Montre\u0301al et CAFÉ\u00a0owners"
    start, end = find_hit(text, "montreal")
    assert text[start:end] == "Montre\u0301al"
    start, end = find_hit(text, "cafe")
    assert text[start:end] == "CAFÉ"
    assert find_hit(text, "absent") is None
    assert "»Montre\u0301al«" in snippet(text, *find_hit(text, "montreal"))


def test_shortcuts_dialog_filters(qtbot, window) -> None:
    window.show_shortcuts()
    dialog = window.dialog
    qtbot.keyClicks(dialog.filter_box, "undo")
    assert [keys for _where, keys, _what in dialog.rows()] == ["Ctrl+Z"]


def test_about_mentions_the_version_and_the_licences() -> None:
    from annotator import __version__
    from annotator.gui.dialogs.about import about_text

    text = about_text()
    assert __version__ in text and "MIT licence" in text
    assert "LGPL v3" in text and "licenses" in text  # where the bundled components' texts are


def test_corpus_search_selects_the_whole_phrase_when_the_text_has_it() -> None:
    from annotator.queries.search import find_hit

    text = "The 🚲 cycling lobby met. Cycling\u00a0Groups answered; groups of cycling fans cheered."
    start, end = find_hit(text, "cycling groups")
    assert text[start:end] == "Cycling\u00a0Groups"
    start, end = find_hit(text, "fans lobby")  # not a phrase here: the first word found
    assert text[start:end] == "lobby"

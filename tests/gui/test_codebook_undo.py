"""Codebook edits made in the codebook editor, and comments made in the review, taken back with the
main window's Edit → Undo and repeated with Edit → Redo: the file, the codebook panel, the
editor's highlights and the review's thread follow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QColorDialog, QDialogButtonBox, QInputDialog, QWidget

from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
from annotator.model import Label
from annotator.ops import codebook_edit
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import stored
from tests.gui.test_codebook_editor_buttons import (
    LABELS_SQL,
    button,
    click,
    click_tree_item,
    ok_button,
    on_modal,
    type_and_ok,
)
from tests.gui.conftest import click_row

LABEL_SQL = ("SELECT l.name, l.colour, l.key, l.description, l.include_note FROM labels l "
             "JOIN layers y ON y.id = l.layer_id WHERE y.name = ? ORDER BY l.position")


def in_the_editor(qtbot, window, act: Callable[[CodebookEditorDialog], None]) -> None:
    """Open Tools → Codebook editor…, do `act` with its widgets, close it with its Close button."""
    done: list[bool] = []

    def use(dialog: QWidget) -> None:
        assert isinstance(dialog, CodebookEditorDialog)
        act(dialog)
        assert dialog.message.text() == ""  # the edit was not refused
        click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close))
        done.append(True)

    on_modal(CodebookEditorDialog, use)
    window.actions_by_name["codebook_editor"].trigger()
    assert done == [True]


def tag_economic(qtbot, window) -> int:
    """Tag "council" in the sample article with key 1 (Framing: Economic); returns its start."""
    document = next(i for i in window.project.documents.ids() if window.project.documents.text(i) == SAMPLE_TEXT)
    window.documents_panel.select_document(document)
    start = SAMPLE_TEXT.index("council")
    window.editor.view.setFocus()
    window.editor.set_selection(start, start + 7)
    qtbot.keyClick(window.editor.view, "1")
    assert window.editor.highlighted_ranges() == [(start, start + 7, "Framing", "Economic")]
    return start


def undo(window) -> str:
    """Trigger Edit → Undo (it must be enabled); returns what its text said it would undo."""
    action = window.actions_by_name["undo"]
    assert action.isEnabled()
    text = action.text().replace("&", "")
    action.trigger()
    return text


def redo(window) -> str:
    """Trigger Edit → Redo (it must be enabled); returns what its text said it would redo."""
    action = window.actions_by_name["redo"]
    assert action.isEnabled()
    text = action.text().replace("&", "")
    action.trigger()
    return text


def test_rename_in_the_editor_is_undone_and_redone_from_the_main_window(qtbot, window, project: Project) -> None:
    start = tag_economic(qtbot, window)

    def rename(dialog: CodebookEditorDialog) -> None:
        click_tree_item(qtbot, dialog.tree, "Framing", "Economic")
        dialog.name_box.selectAll()
        qtbot.keyClicks(dialog.name_box, "Economy")
        qtbot.keyClick(dialog.name_box, Qt.Key.Key_Return)

    in_the_editor(qtbot, window, rename)
    assert stored(project.path, LABELS_SQL, ("Framing",))[0] == ("Economy",)
    assert window.codebook_panel.label_item("Framing", "Economy") is not None
    assert window.editor.highlighted_ranges() == [(start, start + 7, "Framing", "Economy")]

    assert undo(window) == 'Undo rename label "Economic" to "Economy"'
    assert stored(project.path, LABELS_SQL, ("Framing",))[0] == ("Economic",)
    assert window.codebook_panel.label_item("Framing", "Economic") is not None
    assert window.codebook_panel.label_item("Framing", "Economy") is None
    assert window.editor.highlighted_ranges() == [(start, start + 7, "Framing", "Economic")]
    assert window.actions_by_name["undo"].text().startswith("&Undo add Economic")  # the tag is next

    assert redo(window) == 'Redo rename label "Economic" to "Economy"'
    assert stored(project.path, LABELS_SQL, ("Framing",))[0] == ("Economy",)
    assert window.codebook_panel.label_item("Framing", "Economy") is not None
    assert window.editor.highlighted_ranges() == [(start, start + 7, "Framing", "Economy")]


def test_recolour_is_undone_in_the_highlights(qtbot, window, project: Project) -> None:
    start = tag_economic(qtbot, window)
    old = stored(project.path, LABEL_SQL, ("Framing",))[0]

    def recolour(dialog: CodebookEditorDialog) -> None:
        click_tree_item(qtbot, dialog.tree, "Framing", "Economic")

        def choose(box: QWidget) -> None:
            box.setCurrentColor("#123456")
            click(qtbot, ok_button(box))

        on_modal(QColorDialog, choose)
        click(qtbot, dialog.colour_button)

    in_the_editor(qtbot, window, recolour)
    assert stored(project.path, LABEL_SQL, ("Framing",))[0][1] == "#123456"
    assert window.editor.marks_at(start)[0].colour == "#123456"

    assert undo(window) == 'Undo recolour label "Economic"'
    assert stored(project.path, LABEL_SQL, ("Framing",))[0] == old
    assert window.editor.marks_at(start)[0].colour == old[1].lower()
    assert old[1] in window.codebook_panel.label_item("Framing", "Economic").toolTip(0)

    assert redo(window) == 'Redo recolour label "Economic"'
    assert window.editor.marks_at(start)[0].colour == "#123456"


def test_key_change_is_undone_and_the_old_key_tags_again(qtbot, window, project: Project) -> None:
    tag_economic(qtbot, window)

    def set_key(dialog: CodebookEditorDialog) -> None:
        click_tree_item(qtbot, dialog.tree, "Framing", "Economic")
        dialog.key_box.selectAll()
        qtbot.keyClicks(dialog.key_box, "z")

    in_the_editor(qtbot, window, set_key)
    assert stored(project.path, LABEL_SQL, ("Framing",))[0][2] == "z"
    assert window.codebook_panel.label_item("Framing", "Economic").text(1) == "z"

    assert undo(window) == 'Undo set key of "Economic" to z'
    assert stored(project.path, LABEL_SQL, ("Framing",))[0][2] == "1"
    assert window.codebook_panel.label_item("Framing", "Economic").text(1) == "1"
    # The restored key works in the editor: "1" tags another span with Economic.
    later = SAMPLE_TEXT.index("tax")
    window.editor.view.setFocus()
    window.editor.set_selection(later, later + 3)
    qtbot.keyClick(window.editor.view, "1")
    assert (later, later + 3, "Framing", "Economic") in window.editor.highlighted_ranges()

    undo(window)  # the new tag
    assert redo(window).startswith("Redo add Economic")  # ada's own new tag ended the key's redo


def test_guidelines_move_and_add_label_are_undone_and_redone(qtbot, window, project: Project) -> None:
    before = stored(project.path, LABEL_SQL, ("Stance",))

    def edits(dialog: CodebookEditorDialog) -> None:
        click_tree_item(qtbot, dialog.tree, "Stance", "Against")
        dialog.description_box.selectAll()
        qtbot.keyClicks(dialog.description_box, "Opposes the target")
        click(qtbot, button(dialog, "Save guidelines"))
        click(qtbot, dialog.up_button)
        on_modal(QInputDialog, type_and_ok(qtbot, "Sceptical"))
        click(qtbot, dialog.add_label_button)

    in_the_editor(qtbot, window, edits)
    after = stored(project.path, LABEL_SQL, ("Stance",))
    assert [row[0] for row in after] == ["Against", "Favour", "Neutral", "Sceptical"]
    assert after[0][3] == "Opposes the target"

    assert undo(window) == 'Undo add label "Sceptical"'
    assert window.codebook_panel.label_item("Stance", "Sceptical") is None
    assert undo(window) == 'Undo move label "Against"'
    assert [row[0] for row in stored(project.path, LABEL_SQL, ("Stance",))] == ["Favour", "Against", "Neutral"]
    stance = window.codebook_panel.label_item("Stance", "Favour").parent()
    assert [stance.child(n).text(0) for n in range(stance.childCount())] == ["Favour", "Against", "Neutral"]
    assert undo(window) == 'Undo edit guidelines of "Against"'
    assert stored(project.path, LABEL_SQL, ("Stance",)) == before
    assert "Opposes the target" not in window.codebook_panel.label_item("Stance", "Against").toolTip(0)
    assert not window.actions_by_name["undo"].isEnabled()

    for expected in ('Redo edit guidelines of "Against"', 'Redo move label "Against"', 'Redo add label "Sceptical"'):
        assert redo(window) == expected
    assert stored(project.path, LABEL_SQL, ("Stance",)) == after
    assert window.codebook_panel.label_item("Stance", "Sceptical") is not None


def test_a_label_added_after_an_undone_one_leaves_the_redo_of_another_user_intact(
    qtbot, window, project: Project
) -> None:
    def add(name: str) -> Callable[[CodebookEditorDialog], None]:
        def act(dialog: CodebookEditorDialog) -> None:
            click_tree_item(qtbot, dialog.tree, "Stance")
            on_modal(QInputDialog, type_and_ok(qtbot, name))
            click(qtbot, dialog.add_label_button)
        return act

    in_the_editor(qtbot, window, add("Sceptical"))
    assert undo(window) == 'Undo add label "Sceptical"'
    codebook_edit.add_label(project, "Stance", Label("Cynical"), actor="ben")  # ben, in his own window
    assert redo(window) == 'Redo add label "Sceptical"'  # no clash with ben's label
    names = [row[0] for row in stored(project.path, LABELS_SQL, ("Stance",))]
    assert names[:3] == ["Favour", "Against", "Neutral"] and set(names[3:]) == {"Sceptical", "Cynical"}
    assert window.codebook_panel.label_item("Stance", "Sceptical") is not None


def comment_in_review(qtbot, review, text: str) -> str:
    """Type a comment on the first disagreement's annotation and click Comment; returns its annotation."""
    click_row(qtbot, review.disagreement_list, 0)
    annotation = review.selected_source()
    qtbot.keyClicks(review.comments.field, text)
    qtbot.mouseClick(review.comments.add_button, Qt.MouseButton.LeftButton)
    assert "✉" in review.disagreement_list.topLevelItem(0).text(0)
    return annotation


COMMENTS_SQL = "SELECT author, body FROM comments WHERE annotation_id = ?"


def test_a_comment_in_the_review_is_undone_and_redone(qtbot, review, demo_window, demo_file: Path) -> None:
    annotation = comment_in_review(qtbot, review, "Why Economic here?")
    assert stored(demo_file, COMMENTS_SQL, (annotation,)) == [("ada", "Why Economic here?")]
    demo_window.actions_by_name["next"].trigger()  # ada goes on in the main window, then takes it back

    assert undo(demo_window) == 'Undo comment "Why Economic here?"'
    assert stored(demo_file, COMMENTS_SQL, (annotation,)) == []
    assert "Why Economic here?" not in review.comments.thread.toPlainText()
    assert "✉" not in review.disagreement_list.topLevelItem(0).text(0)

    assert redo(demo_window) == 'Redo comment "Why Economic here?"'
    assert stored(demo_file, COMMENTS_SQL, (annotation,)) == [("ada", "Why Economic here?")]
    assert "Why Economic here?" in review.comments.thread.toPlainText()
    assert "✉" in review.disagreement_list.topLevelItem(0).text(0)


def test_undo_offers_a_comment_right_after_it_is_made(qtbot, review, demo_window, demo_file: Path) -> None:
    annotation = comment_in_review(qtbot, review, "Why Economic here?")
    assert undo(demo_window) == 'Undo comment "Why Economic here?"'
    assert stored(demo_file, COMMENTS_SQL, (annotation,)) == []

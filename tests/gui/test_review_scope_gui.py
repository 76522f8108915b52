"""The review compares each document's coders by default; a hand-ticked choice is remembered per project."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.project import Project

# What the demo shows on each document when ada and ben (its only coders) are compared,
# and what it showed when a new user, zoe, who never opened a document, was compared too.
CODERS_COUNTS = [7, 8, 10, 9, 10]
EVERYONE_COUNTS = [19, 18, 20, 19, 19]


def open_main(qtbot, settings_file: Path, demo: Path, annotator: str = "zoe"):
    """A main window (a run of the app) on the demo, as a new user who never coded a document."""
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings

    main = MainWindow(AppSettings(settings_file))
    qtbot.addWidget(main)
    assert main.set_project(Project.open(demo), annotator=annotator)
    main.show()
    qtbot.waitExposed(main)
    return main


def open_review(qtbot, main):
    """Review → Compare and adjudicate, from the main window's action; waits for the document counts."""
    from annotator.gui.review import ReviewWindow

    main.actions_by_name["review"].trigger()
    review = main.findChild(ReviewWindow, "review_window")
    assert review is not None and review.isVisible()
    qtbot.waitExposed(review)
    qtbot.waitUntil(lambda: not review.counts_pending())
    return review


def ticked(review) -> list[str]:
    """The names ticked in the Compare list."""
    names = []
    for row in range(review.annotator_list.count()):
        item = review.annotator_list.item(row)
        if item.checkState() == Qt.CheckState.Checked:
            names.append(item.data(Qt.ItemDataRole.UserRole))
    return names


def counts(review) -> list[int | None]:
    """The open counts the document list shows, top to bottom (read from the row text)."""
    found = []
    for row in range(review.document_list.count()):
        text = review.document_list.item(row).text()
        found.append(int(text.split(" open — ")[0]) if " open — " in text else None)
    return found


def click_tick(qtbot, review, name: str) -> None:
    """Tick or untick an annotator as a user does: click the row, press Space."""
    lister = review.annotator_list
    for row in range(lister.count()):
        item = lister.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == name:
            rect = lister.visualItemRect(item)
            qtbot.mouseClick(lister.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            qtbot.keyClick(lister, Qt.Key.Key_Space)
            return
    raise AssertionError(f"{name} is not in the Compare list")


def choose_document(qtbot, review, row: int) -> None:
    """Click a document in the review's list."""
    lister = review.document_list
    item = lister.item(row)
    lister.scrollToItem(item)
    qtbot.mouseClick(lister.viewport(), Qt.MouseButton.LeftButton, pos=lister.visualItemRect(item).center())
    assert review.document_id == item.data(Qt.ItemDataRole.UserRole)


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    """The app settings of these runs, in the test's folder."""
    return tmp_path / "settings.ini"


def test_coders_compared_by_default_and_a_hand_ticked_choice_remembered_for_that_file_only(
        qtbot, settings_file: Path, demo_path: Path, tmp_path: Path) -> None:
    """One series of runs of the app (each part once a test of its own): by default only the
    annotators who coded a document are compared; annotators ticked by hand are remembered
    across review windows and runs; the choice belongs to that project file only."""
    import shutil

    other = tmp_path / "copy" / "demo.annot"  # a copy of the project, made before any choice
    other.parent.mkdir()
    shutil.copy2(demo_path, other)
    # --- by default only the annotators who coded a document are compared
    main = open_main(qtbot, settings_file, demo_path)
    review = open_review(qtbot, main)
    assert counts(review) == CODERS_COUNTS, "default: was EVERYONE_COUNTS: zoe 'missing' everything"
    assert review.document_list.item(0).text().startswith("7 open — Council narrowly backs"), "default: first row"
    assert "<b>7</b> of 7 disagreement(s) unresolved" in review.progress_label.text(), "default: progress"
    assert ticked(review) == ["ada", "ben"], "default: the coders ticked"
    assert review.text_view.lanes == ["ada", "ben"], "default: their lanes"
    assert review.coders_box.isChecked(), "default: the box ticked"
    assert review.coders_box.text() == "Compare the annotators who coded each document", "default: the box's words"
    assert "zoe" not in {n for d in review.found for n in d.missing}, "default: zoe not missing anything"
    choose_document(qtbot, review, 2)
    assert ticked(review) == ["ada", "ben"], "default: on another document too"
    assert "<b>10</b> of 10 disagreement(s) unresolved" in review.progress_label.text(), "default: its progress"

    # --- annotators ticked by hand are remembered across windows and runs
    click_tick(qtbot, review, "zoe")  # the reviewer wants zoe's (empty) coding compared too
    assert ticked(review) == ["ada", "ben", "zoe"], "by hand: zoe ticked"
    assert not review.coders_box.isChecked(), "by hand: the box unticked"
    qtbot.waitUntil(lambda: not review.counts_pending())
    assert counts(review) == EVERYONE_COUNTS, "by hand: everyone's counts"
    choose_document(qtbot, review, 3)
    assert ticked(review) == ["ada", "ben", "zoe"], "by hand: the choice holds on every document"

    review.close()  # the review window reopened
    review = open_review(qtbot, main)
    assert ticked(review) == ["ada", "ben", "zoe"] and not review.coders_box.isChecked(), "by hand: window reopened"
    assert counts(review) == EVERYONE_COUNTS, "by hand: window reopened, counts"
    main.close()

    again = open_main(qtbot, settings_file, demo_path)  # the app restarted, same settings
    review = open_review(qtbot, again)
    assert ticked(review) == ["ada", "ben", "zoe"] and not review.coders_box.isChecked(), "by hand: app restarted"
    assert counts(review) == EVERYONE_COUNTS, "by hand: app restarted, counts"
    assert "<b>19</b> of 19 disagreement(s) unresolved" in review.progress_label.text(), "by hand: progress"
    again.close()

    # --- the choice belongs to one project file: the copy made before it opens with the default
    elsewhere = open_main(qtbot, settings_file, other)
    review = open_review(qtbot, elsewhere)
    assert review.coders_box.isChecked() and ticked(review) == ["ada", "ben"], "another file: the default"
    elsewhere.close()


def test_a_document_coded_by_one_annotator_says_so_and_follows_new_coding(
        qtbot, settings_file: Path, demo_path: Path) -> None:
    from annotator.model import Status

    with Project.open(demo_path) as project:  # ben takes back his coding of the last document
        last = project.documents.ids()[-1]
        project.annotations.delete([a.id for a in project.annotations.for_document(last) if a.annotator == "ben"])
        project.status.set(last, "ben", Status.NOT_STARTED)
    main = open_main(qtbot, settings_file, demo_path, annotator="ada")
    review = open_review(qtbot, main)
    assert counts(review)[:4] == CODERS_COUNTS[:4] and counts(review)[4] is None
    choose_document(qtbot, review, 4)
    assert ticked(review) == ["ada"]
    assert review.progress_label.text() == (
        "Only ada coded this document: nothing to compare. Tick annotators to compare others.")


def test_the_checkbox_brings_the_default_back_and_it_is_remembered(
        qtbot, settings_file: Path, demo_path: Path) -> None:
    main = open_main(qtbot, settings_file, demo_path)
    review = open_review(qtbot, main)
    click_tick(qtbot, review, "ben")  # compare ada with nobody: nothing to count
    assert ticked(review) == ["ada"]
    qtbot.waitUntil(lambda: not review.counts_pending())
    assert counts(review) == [None] * 5
    qtbot.mouseClick(review.coders_box, Qt.MouseButton.LeftButton)
    assert review.coders_box.isChecked()
    assert ticked(review) == ["ada", "ben"]
    qtbot.waitUntil(lambda: not review.counts_pending())
    assert counts(review) == CODERS_COUNTS
    main.close()

    again = open_main(qtbot, settings_file, demo_path)
    review = open_review(qtbot, again)
    assert review.coders_box.isChecked() and ticked(review) == ["ada", "ben"]
    assert counts(review) == CODERS_COUNTS
    again.close()


# ----- the review's Undo takes back the curator's decisions, not the annotator's steps --------------

STATUS_SQL = ("SELECT s.status FROM document_status s JOIN annotators p ON p.id = s.annotator_id "
              "WHERE p.name = ? AND s.document_id = ?")
GOLD_SQL = ("SELECT count(*) FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
            "WHERE p.role = 'curator' AND a.document_id = ?")


def test_the_review_undo_button_undoes_the_curators_decision_only(
        qtbot, settings_file: Path, demo_path: Path) -> None:
    from tests.gui.conftest import stored

    main = open_main(qtbot, settings_file, demo_path, annotator="ada")
    document = main.document_id
    done = "reopen" if main.actions_by_name["reopen"].isEnabled() else "mark_done"
    main.actions_by_name[done].trigger()  # ada's own step, in the main window
    ada_status = stored(demo_path, STATUS_SQL, ("ada", document))
    review = open_review(qtbot, main)
    assert not review.undo_button.isEnabled()  # no decision yet: nothing of the curator's to undo
    tree = review.disagreement_list
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(tree.topLevelItem(0)).center())
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)
    assert stored(demo_path, GOLD_SQL, (document,)) == [(1,)]
    open_before = review.unresolved()
    assert review.undo_button.isEnabled() and review.undo_button.toolTip().startswith("Undo curator:")
    qtbot.mouseClick(review.undo_button, Qt.MouseButton.LeftButton)
    assert stored(demo_path, GOLD_SQL, (document,)) == [(0,)]
    assert review.unresolved() == open_before + 1
    assert not review.undo_button.isEnabled()  # ada's step is not the review's to undo
    qtbot.keyClick(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(demo_path, STATUS_SQL, ("ada", document)) == ada_status
    assert review.redo_button.isEnabled()
    qtbot.mouseClick(review.redo_button, Qt.MouseButton.LeftButton)
    assert stored(demo_path, GOLD_SQL, (document,)) == [(1,)]
    assert review.unresolved() == open_before
    main.close()

"""Undo offers only what this window's user did (issue 18, item 7); File → Recent projects (item 5)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from annotator.project import Project
from tests.gui.conftest import stored

GOLD_SQL = (
    "SELECT l.name, a.span_start, a.span_end FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
    "JOIN labels l ON l.id = a.label_id WHERE p.role = 'curator' AND a.document_id = ?"
)
OWN_SQL = (
    "SELECT l.name, a.span_start, a.span_end FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
    "JOIN labels l ON l.id = a.label_id WHERE p.name = ? AND a.document_id = ? ORDER BY a.span_start"
)


def open_review(qtbot, main):
    """Review → Compare and adjudicate, comparing ada and ben (ticked as a user would)."""
    from annotator.gui.review import ReviewWindow

    main.actions_by_name["review"].trigger()
    review = main.findChild(ReviewWindow, "review_window")
    assert review is not None and review.isVisible()
    for row in range(review.annotator_list.count()):
        item = review.annotator_list.item(row)
        wanted = item.data(Qt.ItemDataRole.UserRole) in ("ada", "ben")
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: not review.counts_pending())
    return review


def accept_first_label_disagreement(qtbot, review) -> None:
    """Click the first open label disagreement and the Accept button."""
    row = next(n for n, d in enumerate(review.found) if d.kind == "label" and not d.resolved)
    tree = review.disagreement_list
    item = tree.topLevelItem(row)
    tree.scrollToItem(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    qtbot.mouseClick(review.accept_button, Qt.MouseButton.LeftButton)


def tag(qtbot, main, start: int, end: int, key: str) -> None:
    """Select [start, end) in the text and press a label key."""
    main.editor.view.setFocus()
    main.editor.set_selection(start, end)
    qtbot.keyClick(main.editor.view, key)


# ----- item 7: Undo belongs to the window's own user ------------------------------------------


def test_undo_after_adjudicating_offers_only_the_annotators_own_steps(qtbot, demo_window, demo_path: Path) -> None:
    main = demo_window
    review = open_review(qtbot, main)
    document = review.document_id
    accept_first_label_disagreement(qtbot, review)
    gold = stored(demo_path, GOLD_SQL, (document,))
    assert len(gold) == 1
    review.close()

    undo = main.actions_by_name["undo"]
    assert not undo.isEnabled()  # ada has done nothing: the curator's accept is not hers to undo
    assert undo.text() == "&Undo"
    undo.trigger()
    assert stored(demo_path, GOLD_SQL, (document,)) == gold

    main.show_document(document)
    own = stored(demo_path, OWN_SQL, ("ada", document))
    text = main.project.documents.text(document)
    start = text.index(" ") + 1
    tag(qtbot, main, start, start + 4, "1")
    added = stored(demo_path, OWN_SQL, ("ada", document))
    assert len(added) == len(own) + 1
    assert undo.isEnabled() and undo.text().startswith("&Undo add ")
    assert "curator" not in undo.toolTip()
    undo.trigger()
    assert stored(demo_path, OWN_SQL, ("ada", document)) == own
    assert stored(demo_path, GOLD_SQL, (document,)) == gold  # the curator's decision stays
    assert not undo.isEnabled()
    redo = main.actions_by_name["redo"]
    assert redo.isEnabled() and redo.text().startswith("&Redo add ")


def test_the_curators_undo_reverts_the_decision_not_the_annotators_work(
    qtbot, demo_window, demo_path: Path
) -> None:
    main = demo_window
    review = open_review(qtbot, main)
    document = review.document_id
    accept_first_label_disagreement(qtbot, review)
    assert len(stored(demo_path, GOLD_SQL, (document,))) == 1
    main.show_document(document)
    own = stored(demo_path, OWN_SQL, ("ada", document))
    text = main.project.documents.text(document)
    start = text.index(" ") + 1
    tag(qtbot, main, start, start + 4, "1")  # ada's step, newer than the curator's

    undo_curator = main.curator_actions["undo"]
    assert undo_curator.isEnabled() and undo_curator.text().startswith("Undo curator: ")
    undo_curator.trigger()
    assert stored(demo_path, GOLD_SQL, (document,)) == []
    assert len(stored(demo_path, OWN_SQL, ("ada", document))) == len(own) + 1  # ada's span stays
    redo_curator = main.curator_actions["redo"]
    assert redo_curator.isEnabled()
    redo_curator.trigger()
    assert len(stored(demo_path, GOLD_SQL, (document,))) == 1


def test_switching_annotator_keeps_each_persons_undo(qtbot, window, project: Project) -> None:
    from tests.conftest import SAMPLE_TEXT

    document = next(i for i in project.documents.ids() if project.documents.text(i) == SAMPLE_TEXT)
    window.documents_panel.select_document(document)
    start = SAMPLE_TEXT.index("council")
    tag(qtbot, window, start, start + 7, "1")
    window.switch_annotator("ben")
    undo = window.actions_by_name["undo"]
    assert not undo.isEnabled()  # ben did nothing yet
    window.switch_annotator("ada")
    assert undo.isEnabled() and undo.text().startswith("&Undo add ")
    undo.trigger()
    assert stored(project.path, "SELECT COUNT(*) FROM annotations WHERE span_start IS NOT NULL") == [(0,)]


# ----- item 5: File → Recent projects ------------------------------------------------------------


def make_projects(tmp_path: Path, names: list[str]) -> list[Path]:
    """Empty project files with annotator ada, one per name."""
    paths = []
    for name in names:
        path = tmp_path / f"{name}.annot"
        with Project.create(path) as project:
            project.annotators.ensure("ada")
        paths.append(path.resolve())
    return paths


def recent_actions(main) -> list:
    """The project entries of File → Open recent, as the menu holds them."""
    return [action for action in main.recent_menu.actions() if action.data()]


def test_recent_projects_in_the_file_menu_open_and_update(qtbot, settings, tmp_path: Path) -> None:
    from annotator.gui.main_window import MainWindow

    first, second, gone = make_projects(tmp_path, ["first", "second", "gone"])
    for path in (gone, first, second):
        settings.add_recent_project(path)
        settings.set_annotator_for(path, "ada")
    gone.unlink()
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.show()
    file_menu = main.menuBar().actions()[0].menu()
    assert main.recent_menu.menuAction() in file_menu.actions()
    main.recent_menu.aboutToShow.emit()  # what opening the submenu does
    entries = recent_actions(main)
    assert [a.data() for a in entries] == [str(second), str(first), str(gone)]
    assert [a.isEnabled() for a in entries] == [True, True, False]
    assert "not found" in entries[2].text() and str(gone) in entries[2].toolTip()

    entries[1].trigger()  # File → Open recent → first
    assert main.project is not None and main.project.path == first
    main.recent_menu.aboutToShow.emit()
    assert [a.data() for a in recent_actions(main)][:2] == [str(first), str(second)]

    clear = main.recent_menu.findChild(type(entries[0]), "forget_missing")
    assert clear is not None and clear.isEnabled()
    clear.trigger()
    main.recent_menu.aboutToShow.emit()
    assert [a.data() for a in recent_actions(main)] == [str(first), str(second)]
    assert "1 project" in main.statusBar().currentMessage()


def test_reopen_last_project_by_its_shortcut(qtbot, settings, tmp_path: Path) -> None:
    from PySide6.QtGui import QKeySequence

    from annotator.gui.main_window import MainWindow

    first, second = make_projects(tmp_path, ["first", "second"])
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    reopen = main.actions_by_name["reopen_last"]
    assert not reopen.isEnabled()  # nothing opened yet
    assert main.open_project(first, annotator="ada")
    assert main.open_project(second, annotator="ada")
    assert reopen.shortcut() == QKeySequence("Ctrl+R")
    assert reopen.isEnabled() and "first.annot" in reopen.text()
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow)
    qtbot.keyClick(main.editor.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert main.project is not None and main.project.path == first
    assert "second.annot" in reopen.text()  # back and forth between the two last projects


def test_a_recent_project_that_vanished_is_said_and_dropped(qtbot, settings, tmp_path: Path) -> None:
    from annotator.gui.main_window import MainWindow

    (first,) = make_projects(tmp_path, ["first"])
    settings.add_recent_project(first)
    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.show()
    main.recent_menu.aboutToShow.emit()
    entry = recent_actions(main)[0]
    first.unlink()  # removed after the menu was filled
    entry.trigger()
    assert main.project is None
    assert str(first) in main.message_box.text()
    main.message_box.close()
    assert first not in settings.recent_projects()

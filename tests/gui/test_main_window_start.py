"""Starting the app: what opens first, bad project files, start-up cost, 10,000 documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.gui.app import build, open_first
from annotator.gui.main_window import WELCOME_PAGE, WORK_PAGE, MainWindow
from annotator.gui.panels.documents import PAGE_SIZE, DocumentTableModel
from annotator.project import Project
from tests.gui.conftest import stored


def _window(qtbot, settings) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    return window


def test_first_start_opens_the_demo_and_asks_who_annotates(
    qtbot, settings, demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.gui.dialogs.identity as identity

    asked: list[str] = []
    monkeypatch.setattr(identity, "ask_annotator", lambda project, parent, name="": asked.append(name) or "zoe")
    window = build(settings=settings)
    qtbot.addWidget(window)
    assert asked == [""]
    assert window.project is not None and window.project.path.resolve() == demo_path.resolve()
    assert window.annotator == "zoe" and window.pages.currentIndex() == WORK_PAGE
    assert window.documents_panel.model.rowCount() == 5


def test_welcome_screen_when_nothing_opens(qtbot, settings, tmp_path: Path) -> None:
    settings.add_recent_project(tmp_path / "gone.annot")  # not the first start: no demo
    window = build(settings=settings)
    qtbot.addWidget(window)
    assert window.project is None
    assert window.pages.currentIndex() == WELCOME_PAGE
    assert window.docks["documents"].isHidden()
    assert not window.actions_by_name["import"].isEnabled()


def test_demo_opens_and_the_last_project_reopens(qtbot, settings, demo_path: Path) -> None:
    window = _window(qtbot, settings)
    assert open_first(window, demo_path, annotator="ben")
    assert window.pages.currentIndex() == WORK_PAGE
    assert window.documents_panel.model.rowCount() == 5
    # The demo's annotators coded the first documents: ben sees his own annotations only.
    listed = window.annotations_panel.model
    assert listed.rowCount() > 0
    assert {listed.index(row, 4).data() for row in range(listed.rowCount())} == {"ben"}
    window.close()

    again = build(settings=settings)  # no project given: the last one, with its annotator
    qtbot.addWidget(again)
    assert again.project is not None and again.project.path == demo_path.resolve()
    assert again.annotator == "ben"


def test_demo_from_the_welcome_screen(qtbot, settings, demo_path: Path) -> None:
    settings.add_recent_project(demo_path.parent / "gone.annot")  # not the first start: the welcome screen
    window = build(settings=settings)
    qtbot.addWidget(window)
    window.settings.set_annotator_for(demo_path, "ada")  # the same file ensure_demo returns
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.project is not None and window.project.path.resolve() == demo_path.resolve()
    assert window.annotator == "ada"


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"this is not a database", "not an Annotator project"), (b"", "not an Annotator project")],
)
def test_bad_project_file_shows_a_message_and_the_welcome_screen(
    qtbot, settings, tmp_path: Path, content: bytes, problem: str
) -> None:
    bad = tmp_path / "broken.annot"
    bad.write_bytes(content)
    window = build(bad, settings=settings)
    qtbot.addWidget(window)
    assert window.project is None
    assert window.pages.currentIndex() == WELCOME_PAGE
    box = window.message_box
    assert box is not None and box.isVisible()
    assert problem in box.text() and "broken.annot" in box.text()


def test_a_project_open_elsewhere_is_refused(qtbot, settings, project: Project) -> None:
    window = _window(qtbot, settings)
    assert not window.open_project(project.path, annotator="ada")  # the fixture holds the lock
    assert "is already open in this program" in window.message_box.text()
    assert window.pages.currentIndex() == WELCOME_PAGE


def test_a_vanished_last_project_falls_back_to_the_welcome_screen(qtbot, settings, tmp_path: Path) -> None:
    settings.add_recent_project(tmp_path / "gone.annot")
    window = build(settings=settings)
    qtbot.addWidget(window)
    assert window.project is None and window.pages.currentIndex() == WELCOME_PAGE
    assert window.message_box is None


def test_project_file_made_read_only_while_open(qtbot, window, project: Project) -> None:
    """A write refused by SQLite becomes a message; the window keeps working."""
    doc = window.document_id
    project.db.execute("PRAGMA query_only = ON")  # what a read-only file does to the next write
    window.actions_by_name["mark_done"].trigger()
    assert window.message_box is not None and "not saved" in window.message_box.text()
    project.db.execute("PRAGMA query_only = OFF")
    window.actions_by_name["mark_done"].trigger()
    assert stored(project.path, "SELECT document_id, status FROM document_status") == [(doc, "done")]


def test_project_file_deleted_while_open_is_rescued(qtbot, window, project: Project) -> None:
    doc = window.document_id
    window.editor.view.setFocus()
    window.editor.set_selection(4, 11)
    qtbot.keyClick(window.editor.view, "1")
    path = project.path
    path.unlink()
    qtbot.waitUntil(lambda: window.message_box is not None, timeout=5000)
    assert "disappeared" in window.message_box.windowTitle()
    rescued = path.with_name("study.recovered.annot")
    assert str(rescued) in window.message_box.text()
    assert stored(rescued, "SELECT document_id, span_start, span_end FROM annotations") == [(doc, 4, 11)]
    assert window.project is None and window.pages.currentIndex() == WELCOME_PAGE


def test_cold_start_shows_the_project_and_never_imports_spacy(demo_path: Path) -> None:
    """How fast is the benchmark's business; here: the window opens the project, without spaCy."""
    from benchmarks.gui import time_cold_start

    assert time_cold_start(demo_path) > 0  # raises if the project did not open or spaCy was imported


def test_ten_thousand_documents_are_listed_without_loading_them_all(qtbot, big_project_path: Path) -> None:
    with Project.open(big_project_path, readonly=True) as project:
        model = DocumentTableModel()
        model.set_project(project, "ada")
        assert model.rowCount() == 10_000
        assert model.index(9_999, 0).data() == "Article 09999"
        assert model.index(9_999, 4).data() == "not started"
        assert model.page_queries == 1 and model.loaded_rows() == PAGE_SIZE

        model.set_filter("Article 0004")
        assert model.rowCount() == 10  # 00040 … 00049
        model.set_filter("herald")
        assert model.rowCount() == 3_333
        model.set_filter("")
        model.sort(0, Qt.SortOrder.DescendingOrder)
        assert model.index(0, 0).data() == "Article 09999"
        assert model.loaded_rows() <= PAGE_SIZE


def test_ten_thousand_documents_in_the_window(qtbot, settings, tmp_path: Path, big_project_path: Path) -> None:
    import shutil

    copy = tmp_path / "big.annot"
    shutil.copy2(big_project_path, copy)
    window = _window(qtbot, settings)
    assert window.open_project(copy, annotator="ada")
    window.show()
    qtbot.waitExposed(window)
    assert window.documents_panel.model.loaded_rows() < 10_000
    assert "Document 1 / 10000" in window.position_label.text()
    window.documents_panel.filter_box.setText("Article 09998")
    assert window.documents_panel.model.rowCount() == 1

"""The annotations and document-labels panels, and "Who is annotating?", when the project file
cannot be written: one message box naming the project (as the editor shows), read-only panels,
and a read-only project left byte-identical."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from annotator.project import Project
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import stored

COUNT_SQL = "SELECT COUNT(*) FROM annotations"


def boxes(window) -> list[QMessageBox]:
    """Message boxes the user sees over the window."""
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def sample_document(project: Project) -> str:
    return next(d for d in project.documents.ids() if project.documents.text(d) == SAMPLE_TEXT)


def make_project(folder: Path) -> Path:
    """A closed project: the test documents, annotators ada and ben, one span of ada's."""
    from annotator.ops.importing import import_paths

    source = folder / "in"
    source.mkdir()
    (source / "a.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    path = folder / "study.annot"
    with Project.create(path) as project:
        import_paths(project, [source])
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        project.annotations.add(sample_document(project), "ada", "Framing", "Economic", 4, 11)
    return path


def test_a_refused_document_label_shows_one_message_box(qtbot, window, project: Project) -> None:
    window.show_document(sample_document(project))
    project.db.execute("PRAGMA query_only = ON")  # what a file made read-only meanwhile does to writes
    chooser = window.labels_panel.choosers["Dominant frame"]
    chooser.setFocus()
    qtbot.keyClick(chooser, Qt.Key.Key_Down)
    shown = boxes(window)
    assert len(shown) == 1 and str(project.path) in shown[0].text()
    assert "not saved" in shown[0].windowTitle().lower()
    project.db.execute("PRAGMA query_only = OFF")
    assert stored(project.path, COUNT_SQL) == [(0,)]
    assert chooser.currentIndex() == 0  # the choice shown is what the file holds


def test_a_refused_note_in_the_annotations_list_shows_one_message_box(qtbot, window, project: Project) -> None:
    document = sample_document(project)
    project.annotations.add(document, "ada", "Framing", "Economic", 4, 11)
    window.show_document(document)
    view = window.annotations_panel.view
    project.db.execute("PRAGMA query_only = ON")
    index = window.annotations_panel.model.index(0, 3)  # Note
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.focusWidget()
    qtbot.keyClicks(editor, "quoted from the mayor")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event-loop turn
    qtbot.waitUntil(lambda: bool(boxes(window)), timeout=2000)
    shown = boxes(window)
    assert len(shown) == 1 and str(project.path) in shown[0].text()
    project.db.execute("PRAGMA query_only = OFF")
    assert stored(project.path, "SELECT note FROM annotations") == [("",)]


def test_read_only_panels_refuse_edits_themselves(qtbot, settings, tmp_path: Path) -> None:
    from annotator.gui.main_window import MainWindow

    path = make_project(tmp_path)
    content = path.read_bytes()
    window = MainWindow(settings)
    qtbot.addWidget(window)
    assert window.set_project(Project.open(path, readonly=True), annotator="ada")
    window.show()
    qtbot.waitExposed(window)
    assert window.annotations_panel.readonly and window.labels_panel.readonly
    view = window.annotations_panel.view
    view.setFocus()
    view.setCurrentIndex(window.annotations_panel.model.index(0, 3))  # ada's note
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert view.state() != view.State.EditingState  # no editor opens
    assert all(not chooser.isEnabled() for chooser in window.labels_panel.choosers.values())
    window.close()
    assert path.read_bytes() == content


def test_who_is_annotating_on_a_read_only_project_adds_no_name(qtbot, tmp_path: Path) -> None:
    from annotator.gui.dialogs.identity import AnnotatorDialog

    path = make_project(tmp_path)
    content = path.read_bytes()
    project = Project.open(path, readonly=True)
    try:
        dialog = AnnotatorDialog(project, "")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.name_box, "zed")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible()  # not accepted
        assert "read-only" in dialog.problem.text().lower() and dialog.problem.isVisible()
        dialog.name_box.clear()
        qtbot.keyClicks(dialog.name_box, "ben")  # an existing annotator is fine
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == AnnotatorDialog.DialogCode.Accepted
    finally:
        project.close()
    assert path.read_bytes() == content

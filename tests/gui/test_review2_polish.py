"""Four defects a GUI review found (review 2), checked as a user would notice them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel

from annotator.gui.offsets import OffsetMap
from tests.gui.conftest import stored

CORRAN_DOC = "2b93e2c5-78a9-5486-b00f-0f82343243bd"


def point_of(editor, position: int) -> QPoint:
    """Viewport point in the middle of the character at a code-point offset."""
    offsets = OffsetMap(editor.text)
    cursor = QTextCursor(editor.view.document())
    cursor.setPosition(offsets.to_qt(position))
    left = editor.view.cursorRect(cursor)
    cursor.setPosition(offsets.to_qt(position + 1))
    right = editor.view.cursorRect(cursor)
    return QPoint((left.left() + right.left()) // 2, left.center().y())


def double_click(qtbot, widget, point: QPoint) -> None:
    """A user's double-click as Qt delivers it: press, release, press, double-click, release."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=point)


def spans_of(path: Path, annotator: str, layer: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of one annotator's spans in one layer, read from the project file."""
    return stored(path, "SELECT labels.name, span_start, span_end FROM annotations "
                        "JOIN annotators ON annotators.id = annotator_id JOIN labels ON labels.id = label_id "
                        "JOIN layers ON layers.id = annotations.layer_id "
                        "WHERE annotators.name = ? AND layers.name = ? ORDER BY span_start",
                  (annotator, layer))


# ----- 1: a double-clicked word on a tagged span is tagged in the layer switched to with F2 -----


def test_double_clicked_tagged_word_is_tagged_in_the_layer_chosen_with_f2(qtbot, demo_window) -> None:
    window = demo_window
    window.documents_panel.select_document(CORRAN_DOC)
    qtbot.waitUntil(lambda: window.editor.document_id == CORRAN_DOC)
    window.set_active_layer("Framing")
    editor = window.editor
    word = editor.text.index("Lake Corran") + len("Lake ")
    assert any(s <= word < e for _, s, e in spans_of(window.project.path, "ada", "Framing"))
    editor.view.setFocus()
    viewport = editor.view.viewport()
    handle = window.windowHandle()
    at = viewport.mapTo(window, point_of(editor, word + 2))
    qtbot.mouseDClick(handle, Qt.MouseButton.LeftButton, pos=at)
    assert editor.selection() == (word, word + len("Corran"))
    qtbot.keyClick(handle, Qt.Key.Key_F2)
    assert window.active_layer == "Stance"
    layer = window.project.codebook.get().layer("Stance")
    label = layer.labels[0]
    before = spans_of(window.project.path, "ada", "Stance")
    qtbot.keyClick(handle, label.key)
    assert "Select some text first" not in window.statusBar().currentMessage()
    after = spans_of(window.project.path, "ada", "Stance")
    assert set(after) - set(before) == {(label.name, word, word + len("Corran"))}


# ----- 2: Undo names the text it would take away, not its offsets -----


def test_undo_tooltip_quotes_the_tagged_text_shortened(qtbot, window) -> None:
    from tests.conftest import SAMPLE_TEXT

    project = window.project
    document = next(i for i in project.documents.ids() if project.documents.text(i) == SAMPLE_TEXT)
    window.documents_panel.select_document(document)
    qtbot.waitUntil(lambda: window.editor.document_id == document)
    window.set_active_layer("Framing")
    label = project.codebook.get().layer("Framing").labels[0]
    start = SAMPLE_TEXT.index("a tax on workers")
    window.editor.set_selection(start, SAMPLE_TEXT.index("Ortega") + len("Ortega"))
    window.editor.view.setFocus()
    qtbot.keyClick(window.editor.view, label.key)
    assert len(spans_of(project.path, "ada", "Framing")) == 1
    undo = window.actions_by_name["undo"]
    tip = undo.toolTip()
    assert tip.startswith(f"Undo add {label.name} “a tax on workers")
    assert "…”" in tip and tip.endswith("(Ctrl+Z)")
    assert "Ortega" not in tip and "–" not in tip
    assert "“a tax on workers" in undo.text()


# ----- 4: Ctrl+R and File → Open recent open at the document the user was on -----


def _other_project(tmp_path: Path) -> Path:
    """A second, empty project with annotator ada."""
    from annotator.project import Project

    path = tmp_path / "other.annot"
    with Project.create(path) as other:
        other.annotators.ensure("ada")
    return path


def test_reopen_and_open_recent_return_to_the_document_the_user_was_on(qtbot, window, tmp_path: Path) -> None:
    study = window.project.path
    ids = window.documents_panel.model.ids()
    assert window.document_id == ids[0]
    window.actions_by_name["next"].trigger()
    assert window.document_id == ids[1]
    second_text = window.editor.text

    assert window.open_project(_other_project(tmp_path), annotator="ada")
    window.actions_by_name["reopen_last"].trigger()  # Ctrl+R
    assert window.project is not None and window.project.path == study
    assert window.document_id == ids[1] and window.editor.text == second_text
    assert window.documents_panel.current_document() == ids[1]

    window.actions_by_name["previous"].trigger()
    assert window.document_id == ids[0]
    window.actions_by_name["reopen_last"].trigger()  # to other.annot
    window.fill_recent_menu()
    entry = next(a for a in window.recent_menu.actions() if a.data() and Path(a.data()) == study)
    entry.trigger()
    assert window.project.path == study and window.document_id == ids[0]


def test_a_remembered_document_that_is_gone_opens_the_first(qtbot, window, settings, tmp_path: Path) -> None:
    study = window.project.path
    first = window.documents_panel.model.ids()[0]
    assert window.open_project(_other_project(tmp_path), annotator="ada")
    settings.set_last_document_for(study, "no-such-document")
    window.actions_by_name["reopen_last"].trigger()
    assert window.project.path == study and window.document_id == first


# ----- 3: the review window on a read-only project says so, as the main window does -----


def _chattr(flag: str, path: Path) -> bool:
    """Set or clear the immutable flag (root ignores plain permissions, not this flag)."""
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """Make files immutable for the test (undone afterwards); skips where chattr cannot."""
    made: list[Path] = []

    def make(path: Path) -> None:
        if not sys.platform.startswith("linux") or shutil.which("chattr") is None or not _chattr("+i", path):
            pytest.skip("needs chattr +i (Linux, root or CAP_LINUX_IMMUTABLE) to make a file unwritable")
        made.append(path)

    yield make
    for path in reversed(made):
        _chattr("-i", path)


def test_review_of_a_read_only_project_has_the_banner_and_says_read_only(
    qtbot, settings, demo_file: Path, immutable
) -> None:
    from annotator.gui.main_window import MainWindow
    from annotator.gui.review import ReviewWindow

    demo_file.with_name(demo_file.name + ".lock").unlink(missing_ok=True)
    content = demo_file.read_bytes()
    immutable(demo_file)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.open_project(demo_file, annotator="ada")
    assert window.readonly and window.readonly_banner.isVisible()
    window.actions_by_name["review"].trigger()
    review = window.findChild(ReviewWindow, "review_window")
    assert review is not None and review.isVisible()
    qtbot.waitExposed(review)
    assert "(read-only)" in review.windowTitle()
    banner = review.findChild(QLabel, "review_readonly_banner")
    assert banner is not None and banner.isVisible()
    assert banner.text() == window.readonly_banner.text()
    assert banner.styleSheet() == window.readonly_banner.styleSheet()
    review.close()
    window.close()
    assert demo_file.read_bytes() == content


def test_review_of_a_writable_project_has_no_banner(qtbot, review) -> None:
    assert "read-only" not in review.windowTitle()
    banner = review.findChild(QLabel, "review_readonly_banner")
    assert banner is not None and not banner.isVisible()

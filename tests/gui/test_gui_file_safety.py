"""The desktop app and project files it cannot write, damaged files, failed closes, Qt that
cannot start, and SQLite's lock kept while the app reads its own project elsewhere."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QLineEdit, QMessageBox, QWidget

from annotator.gui.main_window import WELCOME_PAGE, WORK_PAGE, MainWindow
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT, SECOND_TEXT
from tests.gui.conftest import on_modal, stored

REPO = Path(__file__).resolve().parents[2]
EDITING = ("import", "merge_project", "codebook_editor", "mark_done", "reopen", "delete", "undo", "redo")
COUNT_SQL = "SELECT COUNT(*) FROM annotations"


# ----- helpers ------------------------------------------------------------------------------


def make_project(folder: Path, name: str = "study.annot") -> Path:
    """A closed project file: two documents, annotators ada and ben, one span of ada's."""
    from annotator.ops.importing import import_paths

    source = folder / f"in-{name}"
    source.mkdir(parents=True)
    (source / "a.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (source / "b.txt").write_text(SECOND_TEXT, encoding="utf-8")
    with Project.create(folder / name) as project:
        import_paths(project, [source])
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        first = next(d for d in project.documents.ids() if project.documents.text(d) == SAMPLE_TEXT)
        project.annotations.add(first, "ada", "Framing", "Economic", 4, 11)
    return folder / name


def chattr(flag: str, path: Path) -> bool:
    """Set or clear the immutable flag (root ignores plain permissions, not this flag)."""
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """Make files or folders immutable for the test (undone afterwards); skips where chattr cannot."""
    made: list[Path] = []

    def make(path: Path) -> None:
        if not sys.platform.startswith("linux") or not chattr("+i", path):
            pytest.skip("needs chattr +i (Linux, root or CAP_LINUX_IMMUTABLE) to make a file unwritable")
        made.append(path)

    yield make
    for path in reversed(made):
        chattr("-i", path)


def new_window(qtbot, settings, path: Path | None = None) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1024, 640)
    window.show()
    qtbot.waitExposed(window)
    if path is not None:
        settings.set_annotator_for(path, "ada")
    return window


def open_from_file_menu(qtbot, window: MainWindow, path: Path) -> None:
    """File → Open project…, the file typed into the file dialog."""
    window.settings.set_annotator_for(path, "ada")

    def choose(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        name.setText(str(path))
        qtbot.keyClick(name, Qt.Key.Key_Return)

    on_modal(QFileDialog, choose)
    window.actions_by_name["open_project"].trigger()


def visible_boxes(window: MainWindow) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def click_document(qtbot, window: MainWindow, document_id: str) -> None:
    """Click a document's row in the Documents panel."""
    view = window.documents_panel.view
    row = window.documents_panel.model.row_of(document_id)
    assert row is not None
    index = window.documents_panel.model.index(row, 0, QModelIndex())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def tag_with_key(qtbot, window: MainWindow, start: int, end: int, key: str = "1") -> None:
    """Select text and press a label key, as a coder does."""
    window.editor.view.setFocus()
    window.editor.set_selection(start, end)
    qtbot.keyClick(window.editor.view, key)


def sample_document(project: Project) -> str:
    return next(d for d in project.documents.ids() if project.documents.text(d) == SAMPLE_TEXT)


def read_only_rows(path: Path, sql: str) -> list[tuple]:
    """Rows of a project file nobody may write (nor create its -shm beside it)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def assert_everything_read_only(qtbot, window: MainWindow, path: Path) -> None:
    """Banner, every editing action off, and keys, Delete and Ctrl+D change nothing."""
    project = window.project
    assert project is not None and project.readonly
    reason = project.readonly_reason
    assert reason
    assert window.readonly_banner.isVisible()
    assert window.readonly_banner.text() == f"<b>Read-only:</b> changes cannot be saved — {reason}"
    assert [name for name in EDITING if window.actions_by_name[name].isEnabled()] == []
    assert window.actions_by_name["export"].isEnabled() and window.actions_by_name["agreement"].isEnabled()
    document = sample_document(project)
    if window.document_id != document:
        click_document(qtbot, window, document)
    rows = "SELECT id, label_id, span_start, span_end, note FROM annotations"
    statuses = "SELECT * FROM document_status"
    before = read_only_rows(path, rows), read_only_rows(path, statuses)
    tag_with_key(qtbot, window, 20, 25)  # a label key
    assert "Read-only" in window.statusBar().currentMessage()
    listed = window.annotations_panel.view
    first = window.annotations_panel.model.index(0, 0)
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=listed.visualRect(first).center())
    qtbot.keyClick(listed, Qt.Key.Key_Delete)  # in the list
    listed.setCurrentIndex(window.annotations_panel.model.index(0, 3))  # the note column
    qtbot.keyClick(listed, Qt.Key.Key_F2)  # editing the note in place: no editor opens
    assert listed.state() != listed.State.EditingState
    qtbot.keyClicks(listed, "a note")  # typing over it: neither
    assert listed.state() != listed.State.EditingState
    window.editor.view.setFocus()
    qtbot.keyClick(window.editor.view, Qt.Key.Key_Delete)  # in the text: the span clicked is selected
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert (read_only_rows(path, rows), read_only_rows(path, statuses)) == before
    assert not window.labels_panel.isEnabled()  # document labels cannot be chosen
    assert visible_boxes(window) == []  # no error, no traceback


# ----- read-only projects -------------------------------------------------------------------


def test_read_only_file_opens_read_only_with_a_banner(qtbot, settings, tmp_path: Path, immutable) -> None:
    path = make_project(tmp_path)
    path.with_name(path.name + ".lock").unlink(missing_ok=True)  # as a file copied from elsewhere comes
    content = path.read_bytes()
    immutable(path)
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)

    assert window.pages.currentIndex() == WORK_PAGE
    window.grab().save("/tmp/shot-readonly.png")  # the banner, for the record
    assert_everything_read_only(qtbot, window, path)
    window.actions_by_name["close_project"].trigger()
    assert path.read_bytes() == content
    assert not path.with_name(path.name + ".lock").exists()  # no lock file made for reading


def test_read_only_folder_opens_read_only_and_writes_nothing_there(
    qtbot, settings, tmp_path: Path, immutable
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = make_project(folder)
    content = path.read_bytes()
    listing = sorted(p.name for p in folder.iterdir())
    immutable(folder)
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)

    assert_everything_read_only(qtbot, window, path)
    window.close()
    assert sorted(p.name for p in folder.iterdir()) == listing
    assert path.read_bytes() == content


def test_every_editing_path_is_off_for_a_read_only_project(qtbot, settings, tmp_path: Path) -> None:
    """Shown read-only: the review's decisions, comments and the codebook editor are off too."""
    from annotator.gui.dialogs.codebook_editor import CodebookEditorDialog
    from annotator.gui.review import ReviewWindow

    path = make_project(tmp_path)
    content = path.read_bytes()
    window = new_window(qtbot, settings)
    assert window.set_project(Project.open(path, readonly=True), annotator="ada")
    assert window.readonly_banner.isVisible()
    assert window.readonly_banner.text().startswith("<b>Read-only:</b> changes cannot be saved — ")
    window.actions_by_name["codebook_editor"].trigger()  # disabled: nothing opens
    assert window.findChild(CodebookEditorDialog) is None
    window.actions_by_name["review"].trigger()
    review = window.findChild(ReviewWindow, "review_window")
    assert review is not None and review.isVisible()
    review.set_annotators(["ada", "ben"])
    for button in (review.accept_button, review.edit_button, review.reject_button, review.add_button,
                   review.accept_agreeing_button, review.comments.add_button):
        assert not button.isEnabled(), button.text()
    qtbot.keyClick(review, Qt.Key.Key_A)  # the Accept key
    assert stored(path, "SELECT COUNT(*) FROM curation_log") == [(0,)]
    review.close()
    window.close()
    assert path.read_bytes() == content


# ----- writes that fail while the app runs ------------------------------------------------


def test_a_refused_write_shows_one_message_naming_the_project(qtbot, window, project: Project) -> None:
    window.show_document(sample_document(project))
    project.db.execute("PRAGMA query_only = ON")  # what a file made read-only meanwhile does to writes
    tag_with_key(qtbot, window, 20, 25)

    boxes = visible_boxes(window)
    assert len(boxes) == 1
    assert str(project.path) in boxes[0].text() and "cannot be written" in boxes[0].text()
    assert stored(project.path, COUNT_SQL) == [(0,)]
    boxes[0].close()
    project.db.execute("PRAGMA query_only = OFF")
    tag_with_key(qtbot, window, 20, 25)  # the app is still usable
    assert stored(project.path, COUNT_SQL) == [(1,)]


def fill_to_the_brim(project: Project, sql: str) -> None:
    """Insert rows (long, then ever shorter) until SQLite says the database is full."""
    import uuid

    for size in (2000, 200, 20, 0):
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for _ in range(100_000):
                project.db.execute(sql, [str(uuid.uuid4()), "x" * size])
                project.db.conn.commit()
        project.db.conn.rollback()


def test_a_full_disk_shows_one_message(qtbot, window, project: Project) -> None:
    document = sample_document(project)
    window.show_document(document)
    project.annotations.add(document, "ben", "Framing", "Economic", 4, 11)  # ben's: not shown to ada
    pages = project.db.execute("PRAGMA page_count").fetchone()[0]
    project.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    fill_to_the_brim(project, "INSERT INTO annotations (id, document_id, annotator_id, layer_id, label_id, "
                     "span_start, span_end, note, created_at, updated_at) SELECT ?, document_id, annotator_id, "
                     "layer_id, label_id, span_start, span_end, ?, created_at, updated_at FROM annotations LIMIT 1")
    fill_to_the_brim(project, "INSERT INTO audit_log (at, actor, action, detail) VALUES ('now', 'test', ?, ?)")
    before = stored(project.path, COUNT_SQL)
    tag_with_key(qtbot, window, 20, 25)

    boxes = visible_boxes(window)
    assert len(boxes) == 1 and str(project.path) in boxes[0].text() and "disk is full" in boxes[0].text()
    assert stored(project.path, COUNT_SQL) == before
    assert window.editor.highlighted_ranges() == []


@pytest.mark.qt_no_exception_capture
def test_an_uncaught_write_error_in_a_panel_becomes_a_message(
    qtbot, window, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.gui.app import report_exception

    monkeypatch.setattr(sys, "excepthook", report_exception)
    window.show_document(sample_document(project))
    project.db.execute("PRAGMA query_only = ON")
    chooser = window.labels_panel.choosers["Dominant frame"]
    chooser.setFocus()
    qtbot.keyClick(chooser, Qt.Key.Key_Down)  # choose the first frame for the document
    qtbot.wait(50)

    boxes = visible_boxes(window)
    assert len(boxes) == 1
    assert str(project.path) in boxes[0].text()
    assert re.search("cannot be written|not saved", boxes[0].text(), re.I)
    project.db.execute("PRAGMA query_only = OFF")
    assert window.isVisible() and stored(project.path, COUNT_SQL) == [(0,)]


# ----- damaged files ----------------------------------------------------------------------------


def damage(path: Path) -> None:
    """Overwrite every page after the first (the schema survives, the tables do not)."""
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    data[size:] = b"\x5a" * (len(data) - size)
    path.write_bytes(bytes(data))


def test_opening_a_damaged_project_shows_one_message_and_keeps_the_welcome_screen(
    qtbot, settings, tmp_path: Path
) -> None:
    path = make_project(tmp_path)
    damage(path)
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)

    assert window.project is None and window.pages.currentIndex() == WELCOME_PAGE
    boxes = visible_boxes(window)
    assert len(boxes) == 1 and str(path) in boxes[0].text()
    assert re.search("damaged|corrupt", boxes[0].text())


def test_opening_a_damaged_project_keeps_the_one_open(qtbot, settings, tmp_path: Path) -> None:
    good = make_project(tmp_path / "good")
    bad = make_project(tmp_path / "bad")
    damage(bad)
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, good)
    assert window.project is not None
    open_from_file_menu(qtbot, window, bad)

    assert window.project is not None and window.project.path == good
    assert window.pages.currentIndex() == WORK_PAGE
    assert len(visible_boxes(window)) == 1 and str(bad) in visible_boxes(window)[0].text()
    tag_with_key(qtbot, window, 20, 25)  # the project that stayed open still works
    assert stored(good, COUNT_SQL) == [(2,)]


def test_damage_found_while_reading_a_document_is_named(qtbot, settings, tmp_path: Path) -> None:
    path = make_project(tmp_path)
    with sqlite3.connect(path) as conn:  # an attribute value cut short, as a half-written page leaves it
        conn.execute("UPDATE annotations SET attributes = '{\"target\": '")
    conn.close()
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)
    assert window.project is not None
    project = window.project
    other = next(d for d in project.documents.ids() if d != sample_document(project))
    if window.document_id == sample_document(project):
        click_document(qtbot, window, other)
    boxes_before = len(visible_boxes(window))
    click_document(qtbot, window, sample_document(project))

    boxes = visible_boxes(window)
    assert len(boxes) == 1 and boxes_before in (0, 1)
    assert str(path) in boxes[0].text() and "damaged" in boxes[0].text()
    boxes[0].close()
    click_document(qtbot, window, other)  # the app goes on
    assert window.editor.text == SECOND_TEXT


@pytest.mark.qt_no_exception_capture
def test_an_unexpected_error_shows_a_message_with_details(qtbot, window, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.gui.app import report_exception

    monkeypatch.setattr(sys, "excepthook", report_exception)

    def broken() -> None:
        raise RuntimeError("something nobody planned for")

    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: bool(visible_boxes(window)), timeout=3000)
    box = visible_boxes(window)[0]
    assert box.windowTitle() == "Unexpected error"
    assert "something nobody planned for" in box.text()
    assert "Traceback" in box.detailedText() and "broken" in box.detailedText()
    box.close()
    assert window.isVisible() and window.project is not None


# ----- closing when the last checkpoint fails -------------------------------------------------


def test_a_failed_close_is_said_before_quitting(qtbot, settings, tmp_path: Path, immutable) -> None:
    path = make_project(tmp_path)
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)
    tag_with_key(qtbot, window, 20, 25)  # a change waiting in the -wal file
    immutable(path)  # the final checkpoint cannot write the project file
    seen: list[str] = []

    def read_and_close(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()

    on_modal(QMessageBox, read_and_close)
    window.close()  # File → Quit

    assert not window.isVisible()
    assert len(seen) == 1 and str(path) in seen[0] and "-wal" in seen[0]


# ----- the app keeps SQLite's lock on its project --------------------------------------------


def posix_locks_held(path: Path) -> list[str]:
    """Lines of /proc/locks: POSIX locks this process holds on the file's inode."""
    inode = os.stat(path).st_ino
    held = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "POSIX" and fields[4] == str(os.getpid()) \
                and fields[5].split(":")[-1] == str(inode):
            held.append(line)
    return held


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads Linux's /proc/locks")
def test_reading_the_project_elsewhere_in_the_app_keeps_its_sqlite_lock(
    qtbot, settings, tmp_path: Path
) -> None:
    from annotator.gui.agreement import AgreementDashboard
    from annotator.gui.dialogs.export_dialog import ExportDialog
    from annotator.gui.dialogs.merge_dialog import MergeDialog

    path = make_project(tmp_path)
    other = make_project(tmp_path / "colleague")
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)
    assert window.project is not None and posix_locks_held(path), "SQLite holds a lock while the project is open"

    window.actions_by_name["agreement"].trigger()  # Analyze → Inter-annotator agreement → Compute
    dashboard = window.findChild(AgreementDashboard)
    qtbot.mouseClick(dashboard.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.is_running(), timeout=20_000)
    assert posix_locks_held(path), "after the agreement"

    window.actions_by_name["export"].trigger()  # File → Export…, and an export
    export = window.findChild(ExportDialog)
    export.out.setText(str(tmp_path / "out.jsonl"))
    qtbot.mouseClick(export.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not export.is_running(), timeout=20_000)
    assert (tmp_path / "out.jsonl").exists()
    assert posix_locks_held(path), "after the export"

    window.actions_by_name["merge_project"].trigger()  # File → Merge project…, a file chosen
    merge = window.findChild(MergeDialog)
    merge.path_field.setText(str(other))
    qtbot.keyClick(merge.path_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not merge.is_running(), timeout=20_000)
    assert merge.inspection is not None
    assert posix_locks_held(path), "after reading the file to merge"


# ----- Qt that cannot start -------------------------------------------------------------------


def run_app(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`annotator` (the GUI) in a child process with its own home and these variables."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("QT_", "WAYLAND", "DISPLAY"))}
    base.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
                XDG_RUNTIME_DIR=str(tmp_path), PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "annotator"], cwd=REPO, env=base, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's X11 plugin is a Linux matter")
def test_x11_that_cannot_start_gives_our_message_not_an_abort(tmp_path: Path) -> None:
    """DISPLAY names no display: with missing xcb libraries (as on this test machine) the app names
    them before creating QApplication; with all of them, Qt's fatal message is turned into ours."""
    from annotator.gui.app import missing_xcb_libraries

    result = run_app(tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=":97")
    assert result.returncode == 2, result.stderr
    assert "annotator: the desktop window cannot start" in result.stderr
    assert "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0" in result.stderr
    assert "libegl1 libgl1 libxkbcommon0 libfontconfig1" in result.stderr
    for library, package in missing_xcb_libraries():
        assert f"{library} (package {package})" in result.stderr
    assert "core dumped" not in result.stderr and "Aborted" not in result.stderr


def test_a_platform_plugin_that_cannot_load_gives_our_message(tmp_path: Path) -> None:
    """Wayland named but no compositor: Qt gives up on its plugin; the app says what to do, exit 2."""
    result = run_app(tmp_path, QT_QPA_PLATFORM="wayland", WAYLAND_DISPLAY="wayland-97")
    assert result.returncode == 2, result.stderr
    assert "annotator: the desktop window cannot start: Qt could not load its platform plugin (wayland)" \
        in result.stderr
    assert "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0" in result.stderr


def test_a_read_only_project_is_viewed_as_an_existing_annotator(qtbot, settings, tmp_path: Path) -> None:
    """No annotator can be added to a read-only file: an unknown name views the first one's work instead."""
    path = make_project(tmp_path)
    window = new_window(qtbot, settings)
    assert window.set_project(Project.open(path, readonly=True), annotator="zed")
    assert window.annotator == "ada" and window.annotations_panel.model.rowCount() == 1

    def pick_ben(dialog: QWidget) -> None:
        from PySide6.QtWidgets import QComboBox

        combo = dialog.findChild(QComboBox)
        combo.setFocus()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        dialog.accept()

    on_modal(QWidget, pick_ben)
    window.actions_by_name["switch_annotator"].trigger()
    assert window.annotator == "ben" and window.annotations_panel.model.rowCount() == 0
    assert read_only_rows(path, "SELECT name FROM annotators ORDER BY id") == [("ada",), ("ben",)]


def test_file_close_that_fails_says_where_the_changes_are(qtbot, settings, tmp_path: Path, immutable) -> None:
    path = make_project(tmp_path)
    window = new_window(qtbot, settings)
    open_from_file_menu(qtbot, window, path)
    tag_with_key(qtbot, window, 20, 25)
    immutable(path)
    window.actions_by_name["close_project"].trigger()  # File → Close project

    assert window.project is None and window.pages.currentIndex() == WELCOME_PAGE
    boxes = visible_boxes(window)
    assert len(boxes) == 1 and str(path) in boxes[0].text() and "study.annot-wal" in boxes[0].text()


def test_a_read_only_view_is_not_remembered_as_who_annotates(qtbot, settings, tmp_path: Path, immutable) -> None:
    """A user opened a read-only copy, was shown it as ada (the first annotator), and after
    making it writable the app coded as ada without asking: viewing as someone is not choosing."""
    from annotator.gui.dialogs.identity import AnnotatorDialog

    path = make_project(tmp_path)
    window = new_window(qtbot, settings)
    immutable(path)

    def choose(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        name.setText(str(path))
        qtbot.keyClick(name, Qt.Key.Key_Return)

    on_modal(QFileDialog, choose)
    window.actions_by_name["open_project"].trigger()
    qtbot.waitUntil(lambda: window.project is not None)
    assert window.project.readonly and window.annotator == "ada"  # shown as an existing annotator
    assert settings.annotator_for(path) == ""  # …but not remembered as this file's annotator
    window.close_project()
    chattr("-i", path)

    asked: list[str] = []

    def answer(dialog: QWidget) -> None:
        asked.append(dialog.windowTitle())
        dialog.reject()

    on_modal(AnnotatorDialog, answer)
    on_modal(QFileDialog, choose)
    window.actions_by_name["open_project"].trigger()
    qtbot.waitUntil(lambda: bool(asked))  # writable now: the app asks who is annotating
    assert window.project is None

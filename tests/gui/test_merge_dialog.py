"""File → Merge project…: a colleague's project file merged twice through the dialog; corrupt files refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from annotator.model import Label
from annotator.ops.importing import import_paths
from annotator.project import Project
from tests.conftest import SAMPLE_TEXT
from tests.gui.conftest import stored

# Written for this test: CRLF line ends, an emoji, a combining accent, a non-breaking space.
HARBOUR_TEXT = (
    "Harbour fees double overnight\r\n\r\nFishing crews \U0001F3A3 say the new\u00a0fees will end a "
    "century of Zoe\u0308's family trade. The harbour board calls it overdue."
)
ANNOTATIONS_SQL = (
    "SELECT p.name, l.name, a.span_start, a.span_end FROM annotations a JOIN annotators p ON p.id = a.annotator_id "
    "JOIN labels l ON l.id = a.label_id ORDER BY a.id"
)


@pytest.fixture
def colleague_file(tmp_path: Path) -> Path:
    """A colleague's project: our first article plus a new one, coded by "Ben" with one label we lack."""
    folder = tmp_path / "colleague-in"
    folder.mkdir()
    (folder / "a.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (folder / "harbour.txt").write_bytes(HARBOUR_TEXT.encode("utf-8"))
    path = tmp_path / "colleague" / "ben.annot"
    path.parent.mkdir()
    with Project.create(path) as theirs:
        assert len(import_paths(theirs, [folder]).imported) == 2
        theirs.codebook.add_label("Framing", Label("Nostalgia", colour="#AA7744"))
        theirs.annotators.ensure("Ben")
        shared = next(i for i in theirs.documents.ids() if "council" in theirs.documents.text(i))
        harbour = next(i for i in theirs.documents.ids() if "Harbour" in theirs.documents.text(i))
        start = SAMPLE_TEXT.index("a tax on workers")
        theirs.annotations.add(shared, "Ben", "Framing", "Economic", start, start + len("a tax on workers"))
        text = theirs.documents.text(harbour)
        start = text.index("a century")
        theirs.annotations.add(harbour, "Ben", "Framing", "Nostalgia", start, start + len("a century"))
    return path


def open_dialog(qtbot, window):
    """File → Merge project… as the user opens it."""
    from annotator.gui.dialogs.merge_dialog import MergeDialog

    window.actions_by_name["merge_project"].trigger()
    dialog = window.findChild(MergeDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitExposed(dialog)
    return dialog


def choose(qtbot, dialog, path: Path) -> None:
    """Type the file's path and press Enter; wait until it has been read."""
    dialog.path_field.setFocus()
    dialog.path_field.setText(str(path))
    qtbot.keyClick(dialog.path_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=10_000)


def merge(qtbot, dialog) -> None:
    """Click Merge and wait for the report."""
    assert dialog.merge_button.isEnabled()
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running() and bool(dialog.outcome), timeout=10_000)


def titles(window) -> list[str]:
    model = window.documents_panel.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_merge_maps_names_and_labels_and_shows_the_new_documents(qtbot, window, colleague_file: Path) -> None:
    ours = window.project.path
    assert window.documents_panel.model.rowCount() == 2
    dialog = open_dialog(qtbot, window)
    choose(qtbot, dialog, colleague_file)
    assert dialog.annotator_box("Ben").currentText() == "ben"  # suggested: same name but for case
    assert dialog.annotator_table.item(0, 2).text() == "ours"
    assert (dialog.label_table.item(0, 0).text(), dialog.label_table.item(0, 1).text()) == ("Framing", "Nostalgia")
    box = dialog.label_table.cellWidget(0, 2)
    assert isinstance(box, QComboBox)
    box.setCurrentText("Map to: Cultural identity")
    merge(qtbot, dialog)
    assert dialog.outcome == "merged"
    report = dialog.report_view.toPlainText()
    assert "documents    1 added, 1 already here" in report
    assert "annotators mapped: Ben → ben" in report
    assert "labels mapped:" in report and "Nostalgia" in report
    assert window.documents_panel.model.rowCount() == 3
    assert any(title and "Harbour" in title for title in titles(window))
    rows = stored(ours, ANNOTATIONS_SQL)
    assert {(name, label) for name, label, _s, _e in rows} == {("ben", "Economic"), ("ben", "Cultural identity")}
    assert stored(ours, "SELECT COUNT(*) FROM labels WHERE name = 'Nostalgia'") == [(0,)]
    assert "Merged ben.annot" in window.statusBar().currentMessage()


def test_merging_twice_adds_nothing(qtbot, window, colleague_file: Path) -> None:
    ours = window.project.path
    dialog = open_dialog(qtbot, window)
    choose(qtbot, dialog, colleague_file)
    merge(qtbot, dialog)
    assert dialog.outcome == "merged"
    annotations = stored(ours, ANNOTATIONS_SQL)
    documents = stored(ours, "SELECT id, sha256 FROM documents ORDER BY id")
    assert {(name, label) for name, label, _s, _e in annotations} == {("ben", "Economic"), ("ben", "Nostalgia")}
    assert stored(ours, "SELECT COUNT(*) FROM labels WHERE name = 'Nostalgia'") == [(1,)]  # added, as listed
    merge(qtbot, dialog)
    assert dialog.outcome == "unchanged"
    assert "nothing new: the project is unchanged" in dialog.report_view.toPlainText()
    assert stored(ours, ANNOTATIONS_SQL) == annotations
    assert stored(ours, "SELECT id, sha256 FROM documents ORDER BY id") == documents
    assert window.documents_panel.model.rowCount() == 3


def test_a_corrupt_file_is_refused_and_the_project_is_unchanged(qtbot, window, tmp_path: Path) -> None:
    ours = window.project.path
    before = (stored(ours, "SELECT id FROM documents ORDER BY id"), stored(ours, ANNOTATIONS_SQL))
    broken = tmp_path / "broken.annot"
    broken.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    dialog = open_dialog(qtbot, window)
    choose(qtbot, dialog, broken)
    assert dialog.outcome == "refused"
    assert "cannot be merged" in dialog.message.text()
    assert str(broken) in dialog.message.text()
    assert not dialog.merge_button.isEnabled()
    assert dialog.annotator_table.rowCount() == 0
    assert (stored(ours, "SELECT id FROM documents ORDER BY id"), stored(ours, ANNOTATIONS_SQL)) == before
    assert window.documents_panel.model.rowCount() == 2


def test_a_text_file_is_refused_with_a_clear_message(qtbot, window, tmp_path: Path) -> None:
    notes = tmp_path / "notes.annot"
    notes.write_text("Just some notes \U0001F4DD, not a project.\r\n", encoding="utf-8")
    dialog = open_dialog(qtbot, window)
    choose(qtbot, dialog, notes)
    assert dialog.outcome == "refused"
    assert "not an Annotator project" in dialog.message.text()
    assert not dialog.merge_button.isEnabled()


def _large_colleague_file(path: Path, n_documents: int = 1000, per_document: int = 10) -> Path:
    """A colleague's project big enough that a merge takes a noticeable time (well over the moment
    the window needs to see its first phase and press Cancel): generated
    texts and token offsets written straight into the file (no spaCy), "cy" coding each."""
    import uuid

    from annotator.ops.importing import text_hash
    from annotator.project.history import now
    from annotator.nlp.segmentation import Segmentation

    stamp = now()
    with Project.create(path) as theirs:
        annotator_id = theirs.annotators.ensure("cy").id
        layer = theirs.codebook.layer("Framing")
        documents, contents, rows = [], [], []
        for n in range(n_documents):
            words = [f"word{n}x{k}" for k in range(60)]
            text = " ".join(words) + "."
            starts = [text.index(w) for w in words]
            segmentation = Segmentation.from_pairs([(s, s + len(w)) for s, w in zip(starts, words)], [(0, len(text))])
            ident = str(uuid.UUID(int=n + 1))
            documents.append((ident, n, text_hash(text), f"Generated {n}", "", "", "", "", "en", "{}", len(text),
                              len(words), 1, "test", "test", stamp))
            contents.append((ident, text, segmentation.token_blob(), segmentation.sentence_blob()))
            for k in range(per_document):
                label = layer.labels[k % len(layer.labels)]
                rows.append((str(uuid.UUID(int=(n + 1) * 1000 + k)), ident, annotator_id, layer.id, label.id,
                             starts[k * 5], starts[k * 5] + len(words[k * 5]), "{}", "", stamp, stamp))
        with theirs.db.atomic():
            theirs.db.conn.executemany(
                "INSERT INTO documents (id, position, sha256, title, source, author, date, url, language, meta, "
                "length, n_tokens, n_sentences, tokenizer, origin, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", documents)
            theirs.db.conn.executemany("INSERT INTO document_content VALUES (?, ?, ?, ?)", contents)
            theirs.db.conn.executemany(
                "INSERT INTO annotations (id, document_id, annotator_id, layer_id, label_id, span_start, span_end, "
                "attributes, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return path


def test_cancelling_a_running_merge_keeps_nothing_and_a_later_merge_works(qtbot, window, tmp_path: Path) -> None:
    ours = window.project.path
    tables = ("documents", "document_content", "annotations", "annotators", "labels", "audit_log")
    before = {table: stored(ours, f"SELECT * FROM {table} ORDER BY 1") for table in tables}
    big = _large_colleague_file(tmp_path / "big.annot")
    dialog = open_dialog(qtbot, window)
    choose(qtbot, dialog, big)
    # Press Cancel as soon as the merge reports its first phase, as a user would mid-merge.
    pressed: list[str] = []

    def press_cancel(step: int, steps: int, phase: str) -> None:
        if not pressed:
            pressed.append(phase)
            qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)

    original = dialog._progressed
    dialog._progressed = lambda *args: (original(*args), press_cancel(*args))
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_running() and bool(dialog.outcome), timeout=30_000)
    assert pressed and dialog.outcome == "cancelled"
    assert dialog.progress_label.text() == "Merge cancelled: the project is unchanged."
    assert {table: stored(ours, f"SELECT * FROM {table} ORDER BY 1") for table in tables} == before
    assert window.documents_panel.model.rowCount() == 2

    dialog._progressed = original
    merge(qtbot, dialog)
    assert dialog.outcome == "merged"
    assert stored(ours, "SELECT COUNT(*) FROM documents") == [(1002,)]
    assert stored(ours, "SELECT COUNT(*) FROM annotations") == [(10000,)]

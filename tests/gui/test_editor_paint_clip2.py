"""An add or an undo repaints only the paragraphs it touched: the text view and the stripes
margin then look pixel for pixel as a freshly opened editor on the same project shows them,
also after scrolling and resizing."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from annotator.gui.editor.editor import AnnotationEditor
from annotator.gui.events import ProjectEvents
from annotator.ops.importing import import_paths
from annotator.project import Project

PARAGRAPH = ("The council voted on the harbour budget \U0001F621 while residents, shop owners and fishermen "
             "argued about rents, wages and the new levy on drivers crossing the river bridge. ")


@pytest.fixture
def coded(tmp_path: Path) -> Any:
    """A project with one 40-paragraph article carrying 300 overlapping spans of three layers by ada."""
    source = tmp_path / "long.txt"
    source.write_text("\n\n".join(f"{n}. {PARAGRAPH * (1 + n % 3)}" for n in range(40)), encoding="utf-8")
    project = Project.create(tmp_path / "long.annot")
    import_paths(project, [source])
    (document_id,) = project.documents.ids()
    project.annotators.ensure("ada")
    text = project.documents.text(document_id)
    words = [i + 1 for i, c in enumerate(text) if c == " "]
    rng = random.Random(3)
    book = project.codebook.get()
    for _ in range(300):
        layer = rng.choice([layer for layer in book.layers if layer.kind == "span"])
        first = rng.randrange(len(words) - 12)
        start, end = words[first], words[first + rng.randint(1, 10)] - 1
        project.annotations.add(document_id, "ada", layer.name, rng.choice(layer.labels).name, start, end)
    yield project, document_id
    project.close()


def _open(qtbot: Any, project: Project, document_id: str, width: int = 900, height: int = 600) -> AnnotationEditor:
    editor = AnnotationEditor()
    qtbot.addWidget(editor)
    editor.resize(width, height)
    editor.set_project(project)
    editor.set_document(document_id, "ada")
    editor.set_active_layer("Framing")
    editor.show()
    qtbot.waitExposed(editor)
    qtbot.wait(150)  # the paragraphs below the first screens are formatted
    return editor


def _on_screen(widget: QWidget) -> QImage:
    """What the screen shows of `widget` now: the window's backing store (what its paints left
    there), not a fresh rendering of the widget as QWidget.grab() would make."""
    window = widget.window()
    corner = widget.mapTo(window, QPoint(0, 0))
    shot = window.screen().grabWindow(window.winId(), corner.x(), corner.y(), widget.width(), widget.height())
    return shot.toImage()


def _shown(editor: AnnotationEditor) -> tuple[QImage, QImage]:
    """What the text view and the stripes margin show now (after any pending paint)."""
    QApplication.processEvents()
    return _on_screen(editor.view.viewport()), _on_screen(editor.view.margin)


def _same_as_fresh(qtbot: Any, editor: AnnotationEditor, project: Project, document_id: str) -> None:
    """The editor looks as a freshly opened editor of the same size, scrolled alike, on the same project."""
    editor.view.clearFocus()  # no text cursor blinking in one of them
    qtbot.wait(20)
    fresh = _open(qtbot, project, document_id, editor.width(), editor.height())
    fresh.view.verticalScrollBar().setValue(editor.view.verticalScrollBar().value())
    assert fresh.view.verticalScrollBar().value() == editor.view.verticalScrollBar().value()
    qtbot.wait(20)
    text, margin = _shown(editor)
    fresh_text, fresh_margin = _shown(fresh)
    assert margin == fresh_margin, "the stripes differ from a freshly opened document's"
    assert text == fresh_text, "the text's highlights and underlines differ from a freshly opened document's"
    fresh.close()


def _tag(qtbot: Any, editor: AnnotationEditor, start: int, end: int) -> None:
    editor.set_selection(start, end)
    editor.view.setFocus()
    qtbot.keyClick(editor.view, "1")  # the first Framing label
    editor.set_selection(start, start)  # the freshly opened editor has no selection either
    qtbot.wait(20)


def test_an_add_and_its_undo_look_as_a_fresh_editor_after_scroll_and_resize(qtbot: Any, coded: Any) -> None:
    project, document_id = coded
    events = ProjectEvents()
    events.set_project(project)
    editor = _open(qtbot, project, document_id)
    editor.follow(events)
    text = editor.text
    bar = editor.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 3)
    qtbot.wait(20)
    shown = [editor.char_at(editor.view.viewport().rect().center())]
    assert shown[0] is not None
    middle = text.index(" ", shown[0]) + 1
    before = len(project.annotations.for_document(document_id, "ada"))
    _tag(qtbot, editor, middle, text.index(" ", middle + 30))
    assert len(project.annotations.for_document(document_id, "ada")) == before + 1
    _same_as_fresh(qtbot, editor, project, document_id)

    bar.setValue(bar.value() + editor.view.viewport().height() // 2)  # the add's paragraph half off screen
    qtbot.wait(20)
    _same_as_fresh(qtbot, editor, project, document_id)

    project.history.undo()
    qtbot.wait(20)
    assert len(project.annotations.for_document(document_id, "ada")) == before
    _same_as_fresh(qtbot, editor, project, document_id)

    editor.resize(700, 500)  # the text reflows (its column is fitted once the resize settles)
    qtbot.wait(150)
    _same_as_fresh(qtbot, editor, project, document_id)  # the bars moved with their lines
    project.history.redo()
    qtbot.wait(20)
    _same_as_fresh(qtbot, editor, project, document_id)
    events.set_project(None)

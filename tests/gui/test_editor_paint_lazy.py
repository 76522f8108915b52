"""A long coded article formats its first screens before the first paint and the rest just
after: what the reader sees further down (after scrolling, an add or an undo there) is
coloured exactly as if every paragraph had been formatted at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from annotator.gui.editor.spans import blend
from annotator.gui.offsets import OffsetMap
from annotator.ops.importing import import_paths
from annotator.project import Project

PARAGRAPH = ("The council voted on the harbour budget \U0001F621 while residents, shop owners and fishermen "
             "argued about rents, wages and the new levy on drivers crossing the river bridge. ") * 3


def background_at(window: Any, position: int) -> QColor | None:
    """The background the block's layout paints at a code-point offset (None: plain text)."""
    editor = window.editor
    qt = OffsetMap(editor.text).to_qt(position)
    block = editor.view.document().findBlock(qt)
    for fmt in block.layout().formats():
        if fmt.start <= qt - block.position() < fmt.start + fmt.length and fmt.format.hasProperty(
            fmt.format.Property.BackgroundBrush
        ):
            return fmt.format.background().color()
    return None


@pytest.fixture
def long_window(qtbot: Any, tmp_path: Path, settings: Any) -> Any:
    """The main window on one ~60,000-character article coded by ada near its top, middle and end."""
    from annotator.gui.main_window import MainWindow

    source = tmp_path / "long.txt"
    source.write_text("\n\n".join(f"{n}. {PARAGRAPH}" for n in range(120)), encoding="utf-8")
    project = Project.create(tmp_path / "long.annot")
    import_paths(project, [source])
    (document_id,) = project.documents.ids()
    project.annotators.ensure("ada")
    text = project.documents.text(document_id)
    label = project.codebook.layer("Framing").labels[0].name
    for where in (text.index("harbour"), text.index("harbour", len(text) // 2), text.rindex("harbour")):
        project.annotations.add(document_id, "ada", "Framing", label, where, where + len("harbour"))
    main = MainWindow(settings)
    qtbot.addWidget(main)
    assert main.set_project(project, annotator="ada")
    main.resize(1000, 700)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    yield main
    main.close()
    project.close()


def framing_colour(window: Any, index: int = 0) -> QColor:
    """The background of a lone own span of Framing's label `index` over a white page."""
    colour = window.project.codebook.layer("Framing").labels[index].colour
    return QColor(blend([colour.lower()], base=window.editor.view.palette().color(
        window.editor.view.palette().ColorRole.Base).name()))


def test_scrolling_to_the_end_at_once_shows_the_codes_there(long_window: Any, qtbot: Any) -> None:
    editor = long_window.editor
    text = editor.text
    qtbot.keyClick(editor.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # before any idle time
    last = text.rindex("harbour")
    qtbot.waitUntil(lambda: background_at(long_window, last) is not None, timeout=3000)
    assert background_at(long_window, last) == framing_colour(long_window)
    assert background_at(long_window, last + len("harbour")) is None
    middle = text.index("harbour", len(text) // 2)  # scrolled past: formatted while the reader reads
    qtbot.waitUntil(lambda: background_at(long_window, middle) is not None, timeout=3000)
    assert background_at(long_window, middle) == framing_colour(long_window)
    assert background_at(long_window, middle - 1) is None


def test_an_add_and_its_undo_far_below_the_first_screen_are_coloured_right(long_window: Any, qtbot: Any) -> None:
    editor = long_window.editor
    text = editor.text
    word = text.rindex("levy")
    qtbot.keyClick(editor.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    editor.set_selection(word, word + len("levy"))
    qtbot.keyClick(editor.view, "1")  # Framing's first label, on a paragraph not formatted at open
    stored = long_window.project.annotations.for_document(editor.document_id, annotator="ada")
    assert (word, word + len("levy")) in [(a.start, a.end) for a in stored]
    assert background_at(long_window, word) == framing_colour(long_window)
    qtbot.wait(200)  # the rest of the text formatted meanwhile: the new span keeps its colour
    assert background_at(long_window, word) == framing_colour(long_window)
    assert background_at(long_window, text.rindex("harbour")) == framing_colour(long_window)
    long_window.actions_by_name["undo"].trigger()
    assert background_at(long_window, word) is None
    assert background_at(long_window, text.rindex("harbour")) == framing_colour(long_window)
    assert len(long_window.project.annotations.for_document(editor.document_id)) == 3


def test_a_paragraph_separator_inside_a_line_still_colours_the_right_words(qtbot: Any, tmp_path: Path) -> None:
    from annotator.gui.editor import AnnotationEditor

    source = tmp_path / "separator.txt"
    source.write_text("First \U0001F621 line\u2029still the first line?\nThe council voted.\nA harbour here.",
                      encoding="utf-8")
    with Project.create(tmp_path / "separator.annot") as project:
        import_paths(project, [source])
        (document_id,) = project.documents.ids()
        project.annotators.ensure("ada")
        text = project.documents.text(document_id)
        where = text.index("harbour")
        label = project.codebook.layer("Framing").labels[0]
        project.annotations.add(document_id, "ada", "Framing", label.name, where, where + len("harbour"))
        editor = AnnotationEditor()
        qtbot.addWidget(editor)
        editor.resize(900, 600)
        editor.set_project(project)
        editor.set_document(document_id, "ada")
        editor.show()
        qtbot.waitExposed(editor)
        window = type("Shown", (), {"editor": editor})
        colour = QColor(blend([label.colour.lower()]))
        assert background_at(window, where) == colour
        assert background_at(window, where + len("harbour") - 1) == colour
        assert background_at(window, where - 1) is None
        assert background_at(window, where + len("harbour")) is None

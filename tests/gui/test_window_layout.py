"""The main window's layout at the sizes people use (issue 18, item 1): panels keep usable widths,
come back after the window was small, and the toolbar never hides an action behind »."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QToolButton

SIZES = ((1024, 640), (1400, 900), (1920, 1080))


def resize(qtbot, main, width: int, height: int) -> None:
    """Resize the window as a user dragging its corner would, and let the layout settle."""
    main.resize(width, height)
    # A window cannot be made smaller than its minimum size, in either direction.
    least = main.minimumSize().expandedTo(main.minimumSizeHint())
    qtbot.waitUntil(lambda: main.size().toTuple() == (max(width, least.width()), max(height, least.height())))
    for _ in range(3):
        QApplication.processEvents()


def hidden_toolbar_actions(main) -> list[str]:
    """Toolbar actions the user cannot see without the » extension button."""
    extension = main.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    overflow = extension is not None and extension.isVisible()
    hidden = [a.iconText() for a in main.toolbar.actions()
              if not a.isSeparator() and not main.toolbar.widgetForAction(a).isVisible()]
    return hidden + (["»"] if overflow else [])


def test_documents_panel_recovers_its_width_after_the_window_was_small(qtbot, demo_window) -> None:
    main = demo_window
    panel = main.documents_panel
    resize(qtbot, main, 700, 480)
    assert main.docks["documents"].width() >= panel.minimumWidth() >= 180
    resize(qtbot, main, 1600, 1000)
    assert main.docks["documents"].width() >= 0.18 * 1600
    assert main.docks["codebook"].width() >= 0.2 * 1600


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_layout_at_common_window_sizes(qtbot, demo_window, width: int, height: int) -> None:
    main = demo_window
    resize(qtbot, main, width, height)
    assert hidden_toolbar_actions(main) == []
    assert main.docks["documents"].width() >= main.documents_panel.minimumWidth()
    tree = main.codebook_panel.tree
    row_height = tree.sizeHintForRow(0)
    assert tree.viewport().height() // row_height >= 8  # the Framing labels, not three rows
    panel = main.labels_panel
    for layer, combo in panel.choosers.items():
        assert combo.width() >= combo.minimumSizeHint().width(), layer
        clear = panel.clear_buttons[layer]  # the ✕ beside it is inside the panel, not cut off
        assert clear.mapTo(panel, clear.rect().bottomRight()).x() < panel.width(), layer
    assert main.editor.view.width() >= 400


def test_a_long_undo_text_does_not_push_actions_off_the_toolbar(qtbot, demo_window) -> None:
    main = demo_window
    resize(qtbot, main, 1024, 640)
    document = main.document_id
    text = main.project.documents.text(document)
    main.editor.view.setFocus()
    main.editor.set_selection(0, min(len(text), 300))
    qtbot.keyClick(main.editor.view, "5")  # Legality, constitutionality and jurisprudence
    undo = main.actions_by_name["undo"]
    assert undo.isEnabled() and len(undo.text()) > 40
    assert hidden_toolbar_actions(main) == []
    button = main.toolbar.widgetForAction(undo)
    assert not button.icon().isNull() and button.width() < 60
    assert undo.toolTip().startswith("Undo add ")


def test_the_title_keeps_room_when_the_adjudicated_column_appears(qtbot, demo_window) -> None:
    """A reviewer saw the Title column squeezed to "C…" at 1400 px once the curator's first
    decision showed the Adjudicated column in the documents table."""
    from annotator.gui.panels.documents import ADJUDICATED, TITLE
    from annotator.ops import curation

    demo_window.resize(1400, 900)
    qtbot.wait(50)
    panel = demo_window.documents_panel
    header = panel.view.horizontalHeader()
    assert header.isSectionHidden(ADJUDICATED)
    project = demo_window.project
    document = project.documents.ids()[0]
    source = project.annotations.for_document(document, "ada")[0]
    curation.accept(project, document, source.id, decided_by="ada")  # announced on the bus
    qtbot.waitUntil(lambda: not header.isSectionHidden(ADJUDICATED))
    qtbot.wait(50)
    width = panel.view.viewport().width()
    assert header.sectionSize(TITLE) >= 0.3 * width, (header.sectionSize(TITLE), width)

"""The Relations panel lists the shown document's relations (blind coding), filters by type,
follows undo, and a click asks the text to show the relation."""

from __future__ import annotations

from PySide6.QtCore import Qt

from annotator.gui.panels.relations import RelationsPanel


def _span(project, annotator: str, layer: str, label: str, word: str) -> str:
    doc = project.documents.ids()[0]
    start = project.documents.text(doc).index(word)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(word)).primary


def test_the_panel_lists_own_relations_and_a_click_selects_both_ends(qtbot, window) -> None:
    project = window.project
    window.show_document(project.documents.ids()[0])
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    theirs = _span(project, "ben", "Stance", "Favour", "Supporters expect")
    their_target = _span(project, "ben", "Framing", "Health and safety", "cleaner air")
    panel = RelationsPanel(window, window)
    qtbot.addWidget(panel)
    panel.show()
    project.relations.add("Target", stance, target)
    project.relations.add("Target", theirs, their_target)
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == [
        "Target: «Critics called it» → «congestion charge»"]
    item = panel.list.item(0)
    clicked: list[str] = []
    panel.sig_relation_clicked.connect(clicked.append)
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=panel.list.visualItemRect(item).center())
    assert clicked == [project.relations.for_document(project.documents.ids()[0], "ada")[0].id]
    window.action("undo").trigger()
    assert panel.list.count() == 0
    assert "press Shift+R" in panel.empty.text()
    panel.filter.setCurrentText("Evokes")
    assert panel.list.count() == 0


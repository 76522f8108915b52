"""The first paint of a long coded article already shows its codes: the stripes beside the first
screen are drawn while Qt is still laying out the text below it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from annotator.gui.editor import AnnotationEditor
from annotator.ops.importing import import_paths
from annotator.project import Project

PARAGRAPH = ("The council voted on the harbour budget while residents, shop owners and fishermen argued "
             "about rents, wages and the new levy on drivers crossing the river bridge. ") * 4


def test_the_first_paint_of_a_long_article_draws_the_stripes_of_the_first_screen(qtbot: Any,
                                                                                  tmp_path: Path) -> None:
    source = tmp_path / "long.txt"
    source.write_text("\n\n".join(f"{n}. {PARAGRAPH}" for n in range(120)), encoding="utf-8")  # ~80,000 chars
    with Project.create(tmp_path / "long.annot") as project:
        import_paths(project, [source])
        (document_id,) = project.documents.ids()
        project.annotators.ensure("ada")
        project.annotations.add(document_id, "ada", "Stance", project.codebook.layer("Stance").labels[0].name, 3, 40)
        colour = QColor(project.codebook.layer("Stance").labels[0].colour)
        editor = AnnotationEditor()
        qtbot.addWidget(editor)
        editor.resize(900, 600)
        editor.set_project(project)
        editor.show()
        qtbot.waitExposed(editor)
        editor.set_document(document_id, "ada")
        QApplication.processEvents()  # the first paint, the text below the screen not laid out yet
        image = editor.view.margin.grab().toImage()
        found = {image.pixelColor(x, y).name() for x in range(image.width()) for y in range(0, min(image.height(), 80))}
        assert colour.name() in found, f"no stripe of {colour.name()} beside the first lines: {sorted(found)[:8]}"

"""Codebook editing operations on a real project file: nothing orphaned, clashes refused."""

from __future__ import annotations

import sqlite3

import pytest

from annotator.errors import CodebookError
from annotator.model import AttributeDef, Label
from annotator.ops import codebook_edit as edit
from annotator.project import Project


def _first_doc(project: Project) -> str:
    return project.documents.ids()[0]


def _stored_labels(project: Project) -> list[tuple[str, str]]:
    """(label name, document id) of every annotation, read straight from the file."""
    with sqlite3.connect(project.path) as conn:
        rows = conn.execute(
            "SELECT labels.name, annotations.document_id FROM annotations JOIN labels "
            "ON labels.id = annotations.label_id ORDER BY labels.name"
        ).fetchall()
    return [tuple(row) for row in rows]


def test_rename_label_keeps_its_annotations(project: Project) -> None:
    doc = _first_doc(project)
    project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3)
    project.annotations.add(doc, "ben", "Framing", "Economic", 4, 11)

    edit.rename_label(project, "Framing", "Economic", "Economy 💶", actor="ada")

    assert _stored_labels(project) == [("Economy 💶", doc), ("Economy 💶", doc)]
    assert [a.label for a in project.annotations.for_document(doc)] == ["Economy 💶", "Economy 💶"]
    assert project.codebook.layer("Framing").label("Economic") is None
    logged = project.db.execute("SELECT actor, action FROM audit_log WHERE action = 'rename label'").fetchall()
    assert logged == [("ada", "rename label")]


def test_rename_to_an_existing_name_is_refused_whatever_the_case(project: Project) -> None:
    with pytest.raises(CodebookError, match='already has a label "Morality"'):
        edit.rename_label(project, "Framing", "Economic", "morality")
    assert project.codebook.layer("Framing").label("Economic") is not None


def test_recolour_and_reorder(project: Project) -> None:
    edit.recolour_label(project, "Stance", "Neutral", "#12ab34")
    assert project.codebook.layer("Stance").label("Neutral").colour == "#12AB34"
    with pytest.raises(CodebookError, match="#RRGGBB"):
        edit.recolour_label(project, "Stance", "Neutral", "green")

    edit.move_label(project, "Stance", "Neutral", 0)
    assert [label.name for label in project.codebook.layer("Stance").labels] == ["Neutral", "Favour", "Against"]
    edit.move_label(project, "Stance", "Neutral", 99)
    assert [label.name for label in project.codebook.layer("Stance").labels] == ["Favour", "Against", "Neutral"]


def test_shortcut_clash_names_the_label_that_has_the_key(project: Project) -> None:
    with pytest.raises(edit.KeyClashError, match='"A" is already used by "Against"'):
        edit.set_label_key(project, "Stance", "Favour", "A")
    assert project.codebook.layer("Stance").label("Favour").key == "f"

    # The same key in another layer is fine: keys act on the active layer only.
    edit.set_label_key(project, "Stance", "Favour", "z")
    assert project.codebook.layer("Stance").label("Favour").key == "z"
    with pytest.raises(CodebookError, match="one letter or digit"):
        edit.set_label_key(project, "Stance", "Favour", "F5")


def test_add_label_layer_and_attribute(project: Project) -> None:
    added = edit.add_label(project, "Stance", Label("Ambivalent", key="b", description="Both ways."))
    assert added.key == "b" and added.colour.startswith("#")
    with pytest.raises(edit.KeyClashError):
        edit.add_label(project, "Stance", Label("Sarcastic", key="F"))

    layer = edit.add_layer(project, "Actors", granularity="character")
    assert layer.kind == "span" and layer.labels == ()
    edit.add_label(project, "Actors", Label("Politician", key="p"))
    attribute = edit.add_attribute(project, "Actors", AttributeDef("party", "choice", ("left", "right")))
    assert attribute.choices == ("left", "right")
    with pytest.raises(CodebookError, match="needs at least one choice"):
        edit.add_attribute(project, "Actors", AttributeDef("side", "choice"))

    doc = _first_doc(project)
    project.annotations.add(doc, "ada", "Actors", "Politician", 0, 3, attributes={"party": "left"})
    assert _stored_labels(project) == [("Politician", doc)]


def test_guidelines_edit(project: Project) -> None:
    edit.set_label_guidelines(
        project, "Stance", "Favour", description="Approves of the target.", examples=["a fine idea", " "]
    )
    label = project.codebook.layer("Stance").label("Favour")
    assert label.description == "Approves of the target."
    assert label.examples == ("a fine idea",)
    assert label.include  # unchanged when not given
    edit.set_layer_description(project, "Stance", "Who is for or against what.")
    assert project.codebook.layer("Stance").description == "Who is for or against what."


def test_deleting_a_label_in_use_asks_what_to_do(project: Project) -> None:
    doc = _first_doc(project)
    project.annotations.add(doc, "ada", "Stance", "Neutral", 0, 3)
    project.annotations.add(doc, "ada", "Stance", "Against", 0, 3)  # would duplicate after the move
    project.annotations.add(doc, "ben", "Stance", "Neutral", 4, 11)

    with pytest.raises(edit.LabelInUseError) as refused:
        edit.delete_label(project, "Stance", "Neutral")
    assert refused.value.count == 2
    assert project.codebook.layer("Stance").label("Neutral") is not None

    moved = edit.delete_label(project, "Stance", "Neutral", move_to="Against")
    assert moved == 2
    assert _stored_labels(project) == [("Against", doc), ("Against", doc)]
    assert project.codebook.layer("Stance").label("Neutral") is None
    assert not project.history.can_undo  # undo could bring back rows of a deleted label


def test_deleting_a_label_with_its_annotations(project: Project) -> None:
    doc = _first_doc(project)
    project.annotations.add(doc, "ada", "Stance", "Favour", 0, 3)
    project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3)
    assert edit.delete_label(project, "Stance", "Favour", delete_annotations=True) == 1
    assert _stored_labels(project) == [("Economic", doc)]
    # An unused label goes without asking.
    assert edit.delete_label(project, "Stance", "Neutral") == 0


def test_rename_layer_keeps_annotations(project: Project) -> None:
    doc = _first_doc(project)
    project.annotations.add(doc, "ada", "Stance", "Favour", 0, 3)
    edit.rename_layer(project, "Stance", "Position")
    assert [(a.layer, a.label) for a in project.annotations.for_document(doc)] == [("Position", "Favour")]
    with pytest.raises(CodebookError, match="already has a layer"):
        edit.rename_layer(project, "Position", "framing")

"""Relations between spans: the codebook's relation types, the store's rules, undo, and the file."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from annotator.codebooks import load_bundled, parse_codebook
from annotator.errors import AnnotationError, CodebookError
from annotator.project import Project
from annotator.store import schema


def _doc(project: Project) -> str:
    return project.documents.ids()[0]


def _span(project: Project, annotator: str, layer: str, label: str, word: str) -> str:
    doc = _doc(project)
    text = project.documents.text(doc)
    start = text.index(word)
    return project.annotations.add(doc, annotator, layer, label, start, start + len(word)).primary


def test_news_discourse_ships_a_target_relation_from_stance_to_any_layer() -> None:
    book = load_bundled("news-discourse")
    target = book.relation("Target")
    assert target is not None and target.directed
    assert target.source_layers == ("Stance",) and target.target_layers == ()
    assert target.description.startswith("What a stance is about")
    assert target.refusal(("Stance", "Against"), ("Framing", "Economic")) is None
    assert target.refusal(("Framing", "Economic"), ("Stance", "Against")) == (
        'relation "Target" goes from a Stance span, not Framing "Economic"')


def test_a_relation_naming_an_unknown_layer_is_refused_with_its_place() -> None:
    text = ('name = "x"\n[[layers]]\nname = "Stance"\n[[layers.labels]]\nname = "Favour"\n'
            '[[relations]]\nname = "Target"\nfrom = ["Stanse"]\n')
    with pytest.raises(CodebookError, match=r'book.toml: relation "Target": "from" names "Stanse", which is not a span'):
        parse_codebook(text, "book.toml")
    with pytest.raises(CodebookError, match=r'relation "Target": unknown key "form" \(did you mean "from"\?\)'):
        parse_codebook(text.replace("from =", "form ="), "book.toml")


def test_a_stance_linked_to_its_target_is_stored_and_undone(project: Project) -> None:
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    changes = project.relations.add("Target", stance, target)
    (relation,) = project.relations.for_document(_doc(project), "ada")
    assert (relation.type, relation.source, relation.target, relation.annotator) == ("Target", stance, target, "ada")
    assert changes.tables["relations"] == {(relation.id,)}
    row = project.db.execute("SELECT source_id, target_id FROM relations").fetchone()
    assert row == (stance, target)
    project.history.undo("ada")
    assert project.relations.count() == 0
    project.history.redo("ada")
    assert project.relations.get(relation.id).target == target


def test_a_link_the_codebook_forbids_is_refused_naming_the_rule(project: Project) -> None:
    frame = _span(project, "ada", "Framing", "Economic", "congestion charge")
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    with pytest.raises(AnnotationError, match='relation "Target" goes from a Stance span, not Framing "Economic"'):
        project.relations.add("Target", frame, stance)
    with pytest.raises(AnnotationError, match='relation "Evokes" goes from a Rhetorical device span'):
        project.relations.add("Evokes", stance, frame)
    assert project.relations.count() == 0


def test_both_ends_must_belong_to_one_annotator(project: Project) -> None:
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    theirs = _span(project, "ben", "Framing", "Economic", "congestion charge")
    with pytest.raises(AnnotationError, match="same annotator"):
        project.relations.add("Target", stance, theirs)
    with pytest.raises(AnnotationError, match="two different spans"):
        project.relations.add("Target", stance, stance)
    with pytest.raises(CodebookError, match='no relation type "Targets" in the codebook; relation types are: Target, Applied to'):
        project.relations.add("Targets", stance, theirs)


def test_a_link_made_twice_is_refused(project: Project) -> None:
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    project.relations.add("Target", stance, target)
    with pytest.raises(AnnotationError, match='already linked by "Target"'):
        project.relations.add("Target", stance, target)


def test_deleting_a_span_deletes_its_relations_in_one_undoable_step(project: Project) -> None:
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    other = _span(project, "ada", "Framing", "Political", "council voted")
    project.relations.add("Target", stance, target)
    project.relations.add("Target", stance, other)
    changes = project.annotations.delete([stance])
    assert changes.description == "delete annotation and 2 relations"
    assert project.relations.count() == 0 and not project.annotations.exists(stance)
    assert project.history.undo_text == "delete annotation and 2 relations"
    project.history.undo("ada")
    assert project.annotations.exists(stance)
    assert {r.target for r in project.relations.for_document(_doc(project))} == {target, other}


def _back_to_version_1(path: Path) -> None:
    """Undo every statement of schema version 2, as an older Annotator wrote the file."""
    conn = sqlite3.connect(path)
    for statement in reversed(schema.MIGRATIONS[1]):
        if match := re.match(r"\s*CREATE TABLE (\w+)", statement):
            conn.execute(f"DROP TABLE {match[1]}")
        elif match := re.match(r"\s*CREATE TRIGGER (\w+)", statement):
            conn.execute(f"DROP TRIGGER {match[1]}")
        elif match := re.match(r"\s*ALTER TABLE (\w+) ADD COLUMN (\w+)", statement):
            conn.execute(f"ALTER TABLE {match[1]} DROP COLUMN {match[2]}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_a_version_1_file_opens_with_relations_possible(project: Project) -> None:
    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    path = project.path
    project.close()
    _back_to_version_1(path)
    with Project.open(path) as upgraded:
        assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert upgraded.codebook.get().relations == ()  # its codebook had none
        assert upgraded.relations.count() == 0
        with pytest.raises(CodebookError, match='no relation type "Target" in the codebook; relation types are: none'):
            upgraded.relations.add("Target", stance, stance)
        assert upgraded.info()["relations"] == 0
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_deleting_a_label_or_a_layer_takes_its_spans_relations_along_and_undo_brings_them_back(
    project: Project,
) -> None:
    """Codebook edits that delete annotations delete the relations using them in the same step
    (the file refuses a relation whose end is gone); Edit → Undo restores spans and links."""
    from annotator.ops import codebook_edit

    stance = _span(project, "ada", "Stance", "Against", "Critics called it")
    target = _span(project, "ada", "Framing", "Economic", "congestion charge")
    project.relations.add("Target", stance, target)
    codebook_edit.delete_label(project, "Framing", "Economic", delete_annotations=True, actor="ada")
    assert project.relations.count() == 0 and not project.annotations.exists(target)
    project.history.undo("ada")
    assert project.annotations.exists(target) and project.relations.count() == 1
    codebook_edit.delete_layer(project, "Stance", actor="ada")
    assert project.relations.count() == 0 and not project.annotations.exists(stance)
    project.history.undo("ada")
    assert project.annotations.exists(stance)
    assert [(r.source, r.target) for r in project.relations.for_document(_doc(project))] == [(stance, target)]

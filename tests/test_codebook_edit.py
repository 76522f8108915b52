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
    with pytest.raises(CodebookError, match="single letter or digit"):
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

    from annotator.ops.comments import add_comment

    dropped = project.annotations.for_document(doc, "ada")[0]
    add_comment(project, dropped.id, "ben", "Neutral or against?")  # goes with the dropped duplicate
    before = _snapshot(project)
    moved = edit.delete_label(project, "Stance", "Neutral", move_to="Against", actor="ada")
    assert moved == 2
    assert _stored_labels(project) == [("Against", doc), ("Against", doc)]
    assert project.codebook.layer("Stance").label("Neutral") is None
    after = _snapshot(project)
    # One undo step of ada's: the label, its annotations and the comment come back as they were.
    assert project.history.undo_step("ada").description == 'delete label "Neutral"'
    project.history.undo("ada")
    assert _snapshot(project) == before
    assert project.codebook.layer("Stance").label("Neutral") is not None
    project.history.redo("ada")
    assert _snapshot(project) == after


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


# ----- deleting a layer -----------------------------------------------------------------------

# Every table a layer deletion could touch (the audit log only grows, the search index is FTS).
_TABLES = ("project", "documents", "document_content", "layers", "labels", "attributes", "annotators",
           "annotations", "document_status", "comments", "curation_log")


def _snapshot(project: Project) -> dict[str, str]:
    """Every row of every table, read straight from the file; repr keeps 1 apart from 1.0 and "1"."""
    with sqlite3.connect(project.path) as conn:
        return {table: repr(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()) for table in _TABLES}


def _stance_work(project: Project) -> dict[str, str]:
    """Stance annotations by ada, ben and the curator (one accepted into the gold set), a comment
    on one of them, and Framing work that must survive; returns the ids by role."""
    from annotator.ops.comments import add_comment
    from annotator.ops.curation import accept

    doc = _first_doc(project)
    ada = project.annotations.add(
        doc, "ada", "Stance", "Favour", 0, 3, attributes={"target": "the charge 💶", "intensity": 2},
        note="Jose\u0301 quoted\u00a0approvingly",
    ).primary
    ben = project.annotations.add(doc, "ben", "Stance", "Against", 4, 11, note="sarcasm? 🙃").primary
    project.annotations.add(doc, "ben", "Overall stance", "Against")
    framing = project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3).primary
    gold = accept(project, doc, ben).primary
    return {
        "ada": ada, "ben": ben, "gold": gold, "framing": framing,
        "comment": add_comment(project, ben, "ada", "Why Against here? 🤔"),
        "framing comment": add_comment(project, framing, "ben", "Agreed, economic."),
    }


def test_deleting_a_layer_removes_it_with_everything_in_it(project: Project) -> None:
    ids = _stance_work(project)
    stance = project.codebook.layer("Stance")
    usage = edit.layer_usage(project, "Stance")
    assert usage == edit.LayerUsage(labels=3, attributes=2, annotations=3, annotators=("ada", "ben", "curator"),
                                    comments=1)
    before = _snapshot(project)

    changes = edit.delete_layer(project, "Stance", actor="ada")

    assert changes.codebook and changes.removed == {ids["ada"], ids["ben"], ids["gold"]}
    with sqlite3.connect(project.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM layers WHERE name = 'Stance'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM labels WHERE layer_id = ?", [stance.id]).fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM attributes WHERE layer_id = ?", [stance.id]).fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM annotations WHERE layer_id = ?", [stance.id]).fetchone() == (0,)
        assert conn.execute("SELECT id FROM comments").fetchall() == [(ids["framing comment"],)]
        logged = conn.execute("SELECT actor, target, detail FROM audit_log WHERE action = 'delete layer'").fetchall()
    assert logged == [("ada", "Stance", '{"labels": 3, "attributes": 2, "annotations": 3, '
                                        '"annotators": ["ada", "ben", "curator"], "comments": 1}')]
    assert [layer.name for layer in project.codebook.get().layers] == [
        "Framing", "Dominant frame", "Overall stance", "Rhetorical device"]
    # The other layers, their annotations, statuses and the curation log are as they were.
    after = _snapshot(project)
    for table in ("project", "documents", "document_content", "annotators", "document_status", "curation_log"):
        assert after[table] == before[table], table
    remaining = {(a.layer, a.label, a.annotator) for a in project.annotations.for_document(_first_doc(project))}
    assert remaining == {("Framing", "Economic", "ada"), ("Overall stance", "Against", "ben")}
    assert project.history.undo_text == 'delete layer "Stance"'


def test_undo_brings_a_deleted_layer_back_exactly_and_redo_deletes_it_again(project: Project) -> None:
    ids = _stance_work(project)
    original = project.codebook.get()
    before = _snapshot(project)
    edit.delete_layer(project, "Stance")
    deleted = _snapshot(project)

    undone = project.history.undo()

    assert undone is not None and undone.codebook and undone.added == {ids["ada"], ids["ben"], ids["gold"]}
    assert _snapshot(project) == before  # ids, offsets, attributes, notes, timestamps, comments
    assert project.codebook.get() == original  # the cached codebook followed
    restored = project.annotations.get(ids["ada"])
    assert restored.attributes == {"target": "the charge 💶", "intensity": 2}
    assert restored.note == "Jose\u0301 quoted\u00a0approvingly"

    redone = project.history.redo()
    assert redone is not None and redone.removed == {ids["ada"], ids["ben"], ids["gold"]}
    assert _snapshot(project) == deleted
    assert project.codebook.get().layer("Stance") is None
    project.history.undo()
    assert _snapshot(project) == before


def test_a_label_added_after_a_layer_deletion_does_not_take_an_id_undo_needs(project: Project) -> None:
    doc = _first_doc(project)
    project.annotations.add(doc, "ada", "Rhetorical device", "Loaded language", 0, 3)
    freed = {label.id for label in project.codebook.layer("Rhetorical device").labels}  # the highest label ids
    before = _snapshot(project)
    edit.delete_layer(project, "Rhetorical device", actor="ada")

    added = edit.add_label(project, "Framing", Label("Security", key="y"), actor="ben")
    layer = edit.add_layer(project, "Actors", actor="ben")
    edit.add_attribute(project, "Actors", AttributeDef("party", "text"), actor="ben")

    assert added.id not in freed
    project.history.undo("ada")
    assert project.codebook.layer("Rhetorical device").label("Loaded language") is not None
    assert {label.id for label in project.codebook.layer("Rhetorical device").labels} == freed
    assert project.codebook.layer("Framing").label("Security") == added
    assert project.codebook.layer("Actors").id == layer.id and project.codebook.layer("Actors").attributes
    # Apart from the three additions, the file is as before the deletion.
    with sqlite3.connect(project.path) as conn:
        assert repr(conn.execute("SELECT * FROM annotations ORDER BY 1").fetchall()) == before["annotations"]
        rows = conn.execute("SELECT * FROM labels WHERE name != 'Security' ORDER BY 1").fetchall()
    assert repr(rows) == before["labels"]


def test_undo_that_would_clash_with_a_newer_layer_is_refused_and_changes_nothing(project: Project) -> None:
    from annotator.errors import AnnotationError

    project.annotations.add(_first_doc(project), "ada", "Stance", "Favour", 0, 3)
    edit.delete_layer(project, "Stance", actor="ada")
    edit.add_layer(project, "Stance", kind="document", actor="ben")
    before = _snapshot(project)

    with pytest.raises(AnnotationError, match='cannot undo "delete layer "Stance""'):
        project.history.undo("ada")

    assert _snapshot(project) == before
    assert project.codebook.layer("Stance").kind == "document" and not project.history.can_undo


def test_deleting_the_last_layer_is_refused(project: Project) -> None:
    project.annotations.add(_first_doc(project), "ada", "Rhetorical device", "Loaded language", 0, 3)
    original = _snapshot(project)
    for name in ("Framing", "Dominant frame", "Stance", "Overall stance"):
        edit.delete_layer(project, name)
    before = _snapshot(project)

    with pytest.raises(edit.LastLayerError, match='"Rhetorical device" is the only layer of the codebook'):
        edit.delete_layer(project, "Rhetorical device")

    assert _snapshot(project) == before
    assert [layer.name for layer in project.codebook.get().layers] == ["Rhetorical device"]
    assert project.history.undo_text == 'delete layer "Overall stance"'
    # Four undos bring the whole codebook back, in order.
    for _ in range(4):
        project.history.undo()
    assert _snapshot(project) == original


def test_deleting_an_unknown_layer_names_the_layers(project: Project) -> None:
    with pytest.raises(CodebookError, match="no layer \"Tone\" in the codebook; layers are: Framing"):
        edit.delete_layer(project, "Tone")


def test_undo_never_overwrites_a_row_that_took_a_deleted_id_meanwhile(project: Project) -> None:
    from annotator.errors import AnnotationError

    freed = max(label.id for label in project.codebook.layer("Rhetorical device").labels)
    edit.delete_layer(project, "Rhetorical device")
    framing = project.codebook.layer_id("Framing")
    with sqlite3.connect(project.path) as other:  # another program (or an import worker) adds a label
        other.execute("INSERT INTO labels (id, layer_id, name, colour, position) VALUES (?, ?, 'Élite 🎩', "
                      "'#123456', 99)", [freed, framing])
    before = _snapshot(project)

    with pytest.raises(AnnotationError, match="UNIQUE constraint failed: labels.id"):
        project.history.undo()

    assert _snapshot(project) == before
    project.codebook.invalidate()
    assert project.codebook.layer("Framing").label("Élite 🎩").id == freed


# ----- every edit one undo step ---------------------------------------------------------------

def _labels_file(project: Project) -> str:
    """Every label row as stored, read with a separate connection."""
    with sqlite3.connect(project.path) as conn:
        return repr(conn.execute("SELECT * FROM labels ORDER BY id").fetchall())


def _undo_and_redo(project: Project, actor: str, description: str, before: str) -> None:
    """Undo `actor`'s newest step (it must be `description`), check the file is as `before`,
    redo it and check the file is as after the edit."""
    after = _labels_file(project)
    assert after != before
    assert project.history.undo_step(actor).description == description
    changes = project.history.undo(actor)
    assert changes is not None and changes.codebook and changes.description == description
    assert _labels_file(project) == before
    changes = project.history.redo(actor)
    assert changes is not None and changes.codebook
    assert _labels_file(project) == after


@pytest.mark.parametrize(
    ("do", "description"),
    [
        (lambda p: edit.rename_label(p, "Stance", "Neutral", "Undecided 🤷", actor="ada"),
         'rename label "Neutral" to "Undecided 🤷"'),
        (lambda p: edit.recolour_label(p, "Stance", "Neutral", "#12ab34", actor="ada"),
         'recolour label "Neutral"'),
        (lambda p: edit.set_label_key(p, "Stance", "Neutral", "é", actor="ada"), 'set key of "Neutral" to é'),
        (lambda p: edit.set_label_key(p, "Stance", "Favour", "", actor="ada"), 'clear key of "Favour"'),
        (lambda p: edit.set_label_guidelines(p, "Stance", "Neutral", "Neither\u00a0way", "both", "none",
                                             ["a", "b"], actor="ada"),
         'edit guidelines of "Neutral"'),
        (lambda p: edit.move_label(p, "Stance", "Neutral", 0, actor="ada"), 'move label "Neutral"'),
        (lambda p: edit.add_label(p, "Stance", Label("Sceptical", key="s"), actor="ada"),
         'add label "Sceptical"'),
    ],
)
def test_each_label_edit_is_one_undoable_step(project: Project, do, description: str) -> None:
    before = _labels_file(project)
    do(project)
    project.annotations.add(_first_doc(project), "ben", "Framing", "Economic", 0, 3)  # someone else's step
    _undo_and_redo(project, "ada", description, before)
    # The audit log keeps the edit, its undo and its redo, all under ada's name.
    actions = [row[0] for row in project.db.execute("SELECT action FROM audit_log WHERE actor = 'ada' ORDER BY id")]
    assert actions[-2:] == [f"undo: {description}", f"redo: {description}"]


def test_an_annotation_made_with_a_renamed_label_shows_the_old_name_after_undo(project: Project) -> None:
    doc = _first_doc(project)
    ident = project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3).primary
    edit.rename_label(project, "Framing", "Economic", "Economy", actor="ada")
    assert project.annotations.get(ident).label == "Economy"
    project.history.undo("ada")
    assert project.annotations.get(ident).label == "Economic"
    assert project.codebook.layer("Framing").label("Economy") is None
    assert _stored_labels(project) == [("Economic", doc)]


def test_layer_edits_are_undoable_too(project: Project) -> None:
    before = _snapshot(project)
    edit.add_layer(project, "Actors", actor="ada")
    edit.add_attribute(project, "Actors", AttributeDef("party", "text"), actor="ada")
    edit.rename_layer(project, "Stance", "Position", actor="ada")
    edit.set_layer_description(project, "Position", "Who is for what.", actor="ada")
    for _ in range(4):
        project.history.undo("ada")
    assert _snapshot(project) == before
    assert project.codebook.get().layer("Actors") is None
    for _ in range(4):
        project.history.redo("ada")
    assert project.codebook.layer("Position").description == "Who is for what."
    assert project.codebook.layer("Actors").attribute("party") is not None


def test_a_label_added_after_an_undone_one_never_takes_the_id_redo_needs(project: Project) -> None:
    first = edit.add_label(project, "Stance", Label("Sceptical"), actor="ada")
    project.history.undo("ada")
    assert project.codebook.layer("Stance").label("Sceptical") is None
    second = edit.add_label(project, "Stance", Label("Cynical"), actor="ben")  # ada's redo stays
    assert second.id != first.id
    project.history.redo("ada")
    names = [label.name for label in project.codebook.layer("Stance").labels]
    assert names[:3] == ["Favour", "Against", "Neutral"] and set(names[3:]) == {"Sceptical", "Cynical"}
    assert project.codebook.layer("Stance").label("Sceptical").id == first.id


def test_undoing_an_added_label_that_others_use_is_refused_and_keeps_the_history(project: Project) -> None:
    from annotator.errors import AnnotationError

    edit.add_label(project, "Stance", Label("Sceptical"), actor="ada")
    project.annotations.add(_first_doc(project), "ben", "Stance", "Sceptical", 0, 3)
    before = _snapshot(project)
    with pytest.raises(AnnotationError, match=r'cannot undo "add label "Sceptical"": annotations made since use it \(by ben\)'):
        project.history.undo("ada")
    assert _snapshot(project) == before
    project.history.undo("ben")
    project.history.undo("ada")  # now nothing uses it
    assert project.codebook.layer("Stance").label("Sceptical") is None


def test_an_edit_that_changes_nothing_is_no_undo_step(project: Project) -> None:
    edit.move_label(project, "Stance", "Favour", 0, actor="ada")
    edit.set_label_key(project, "Stance", "Favour", "f", actor="ada")
    assert project.history.undo_step("ada") is None


@pytest.mark.parametrize("key", ["²", "½", "٣", "F5", "!"])
def test_the_editor_refuses_the_keys_a_codebook_file_refuses(project: Project, key: str) -> None:
    from annotator.codebooks import codebook_to_toml, parse_codebook

    codebook = project.codebook.get()
    text = codebook_to_toml(codebook).replace('key = "f"', f'key = "{key}"', 1)
    with pytest.raises(CodebookError) as from_file:
        parse_codebook(text, "mine.toml")
    with pytest.raises(CodebookError) as from_editor:
        edit.set_label_key(project, "Stance", "Favour", key)
    problem = f'shortcut key "{key}" must be a single letter or digit'
    assert problem in str(from_file.value) and str(from_editor.value) == problem
    assert project.codebook.layer("Stance").label("Favour").key == "f"


def test_the_editor_and_a_codebook_file_agree_on_colours(project: Project) -> None:
    from annotator.codebooks import codebook_to_toml, parse_codebook

    text = codebook_to_toml(project.codebook.get())
    colour = project.codebook.layer("Framing").labels[0].colour
    with pytest.raises(CodebookError) as from_file:
        parse_codebook(text.replace(colour, "#12AB3", 1), "mine.toml")
    with pytest.raises(CodebookError) as from_editor:
        edit.recolour_label(project, "Stance", "Favour", "#12AB3")
    problem = 'colour "#12AB3" is not of the form #RRGGBB (like "#88CCEE")'
    assert problem in str(from_file.value) and str(from_editor.value) == problem

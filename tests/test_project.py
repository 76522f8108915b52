"""The Qt-free project API: annotations, snapping, rules, undo/redo, status, persistence."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.errors import AnnotationError
from annotator.model import Status
from annotator.project import Project

from tests.conftest import SAMPLE_TEXT


def _doc(project: Project, text: str) -> str:
    return next(i for i in project.documents.ids() if project.documents.text(i) == text)


def _rows(path: Path, sql: str) -> list[tuple]:
    """Read the project file with a separate plain sqlite3 connection: what is really stored."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_span_is_stored_at_once_with_code_point_offsets(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    start = SAMPLE_TEXT.index("José")
    end = start + len("José\u0301 Ortega")
    changes = project.annotations.add(doc, "ada", "Rhetorical device", "Appeal to authority", start, end)
    stored = _rows(project.path, "SELECT id, span_start, span_end FROM annotations")
    assert stored == [(changes.primary, start, end)]
    assert SAMPLE_TEXT[start:end] == "José\u0301 Ortega"
    assert changes.added == {changes.primary} and changes.documents == {doc}


def test_selection_snaps_outward_to_whole_tokens(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    inside = SAMPLE_TEXT.index("ongestion")  # starts mid-word
    changes = project.annotations.add(doc, "ada", "Framing", "Economic", inside, inside + 12)
    annotation = project.annotations.get(changes.primary)
    assert SAMPLE_TEXT[annotation.start : annotation.end] == "congestion charge"


def test_sentence_granularity_and_character_granularity(tmp_path: Path) -> None:
    from annotator.codebooks import parse_codebook
    from annotator.ops.importing import import_paths

    book = parse_codebook(
        """
name = "t"
title = "t"
[[layers]]
name = "Claim"
kind = "span"
granularity = "sentence"
[[layers.labels]]
name = "Claim"
key = "c"
colour = "#0077BB"
[[layers]]
name = "Exact"
kind = "span"
granularity = "character"
[[layers.labels]]
name = "Mark"
key = "m"
colour = "#EE7733"
""",
        "t.toml",
    )
    (tmp_path / "a.txt").write_text("First one here. Second one 😀 here.", encoding="utf-8")
    with Project.create(tmp_path / "p.annot", codebook=book) as project:
        import_paths(project, [tmp_path / "a.txt"])
        project.annotators.ensure("ada")
        doc = project.documents.ids()[0]
        text = project.documents.text(doc)
        claim = project.annotations.add(doc, "ada", "Claim", "Claim", text.index("cond"), text.index("cond") + 2)
        got = project.annotations.get(claim.primary)
        assert text[got.start : got.end] == "Second one 😀 here."
        mark = project.annotations.add(doc, "ada", "Exact", "Mark", 1, 3)
        got = project.annotations.get(mark.primary)
        assert (got.start, got.end) == (1, 3)


def test_whitespace_only_selection_is_refused(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    gap = SAMPLE_TEXT.index("\n\n")
    with pytest.raises(AnnotationError, match="holds no token"):
        project.annotations.add(doc, "ada", "Framing", "Economic", gap, gap + 2)
    assert project.annotations.count() == 0


def test_offsets_outside_the_text_are_refused(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    for start, end in ((-1, 3), (5, 5), (7, 3), (0, len(SAMPLE_TEXT) + 1)):
        with pytest.raises(AnnotationError, match="not inside the text"):
            project.annotations.add(doc, "ada", "Framing", "Economic", start, end)
    assert project.annotations.count() == 0


def test_unknown_label_and_wrong_attribute_are_refused(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    with pytest.raises(Exception, match='no label "Sarcasm"'):
        project.annotations.add(doc, "ada", "Rhetorical device", "Sarcasm", 0, 3)
    with pytest.raises(AnnotationError, match="between 1 and 3"):
        project.annotations.add(doc, "ada", "Stance", "Against", 0, 3, attributes={"intensity": 5})
    with pytest.raises(AnnotationError, match='no attribute "mood"'):
        project.annotations.add(doc, "ada", "Stance", "Against", 0, 3, attributes={"mood": "x"})
    assert project.annotations.count() == 0


def test_relabel_resize_attributes_note_undo_redo(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    start = SAMPLE_TEXT.index("robbery")
    ident = project.annotations.add(doc, "ada", "Stance", "Against", start, start + 7).primary
    project.annotations.relabel(ident, "Neutral")
    project.annotations.set_attributes(ident, {"target": "the charge", "intensity": "2"})
    project.annotations.set_note(ident, "quoted speech")
    project.annotations.resize(ident, SAMPLE_TEXT.index("This is"), start + 7)
    stored = _rows(project.path, "SELECT label_id, span_start, span_end, attributes, note FROM annotations")
    neutral = project.codebook.label_id("Stance", "Neutral")
    assert stored == [(neutral, SAMPLE_TEXT.index("This is"), start + 7,
                       json.dumps({"intensity": 2, "target": "the charge"}), "quoted speech")]
    for _ in range(4):
        project.history.undo()
    back = project.annotations.get(ident)
    assert (back.label, back.start, back.attributes, back.note) == ("Against", start, {}, "")
    project.history.undo()
    assert project.annotations.count() == 0
    assert project.history.redo().added == {ident}
    project.history.redo()
    assert project.annotations.get(ident).label == "Neutral"


def test_delete_and_undo_restore_the_same_annotation(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    ident = project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11, note="n").primary
    before = project.annotations.get(ident)
    changes = project.annotations.delete([ident])
    assert changes.removed == {ident}
    assert _rows(project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]
    project.history.undo()
    assert project.annotations.get(ident) == before


def test_undo_survives_switching_documents(project: Project) -> None:
    first, second = project.documents.ids()
    a = project.annotations.add(first, "ada", "Framing", "Economic", 4, 11).primary
    b = project.annotations.add(second, "ada", "Framing", "Political", 0, 1).primary
    assert project.history.undo().removed == {b}
    assert project.history.undo().removed == {a}
    assert project.history.redo().documents == {first}


def test_blind_coding_lists_only_the_annotators_own_work(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
    project.annotations.add(doc, "ben", "Framing", "Political", 4, 11)
    assert [a.label for a in project.annotations.for_document(doc, "ada")] == ["Economic"]
    assert [a.label for a in project.annotations.for_document(doc, "ben")] == ["Political"]
    assert len(project.annotations.for_document(doc)) == 2


def test_document_label_single_choice_layer_is_relabelled(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    project.annotations.set_document_label(doc, "ada", "Dominant frame", "Economic")
    project.annotations.set_document_label(doc, "ada", "Dominant frame", "Political")
    labels = project.annotations.for_document(doc, "ada", "Dominant frame")
    assert [(a.label, a.start, a.end) for a in labels] == [("Political", None, None)]
    with pytest.raises(AnnotationError, match="takes no offsets"):
        project.annotations.add(doc, "ada", "Dominant frame", "Economic", 0, 3)


def test_duplicate_span_is_refused(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
    with pytest.raises(AnnotationError, match="already on"):
        project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)


def test_status_moves_to_in_progress_then_done_and_is_undoable(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    assert project.status.get(doc, "ada") is Status.NOT_STARTED
    project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
    assert project.status.get(doc, "ada") is Status.IN_PROGRESS
    project.status.set(doc, "ada", Status.DONE)
    assert project.status.done_by("ada") == {doc}
    project.history.undo()
    assert project.status.get(doc, "ada") is Status.IN_PROGRESS
    assert project.status.get(doc, "ben") is Status.NOT_STARTED


def test_every_change_is_in_the_audit_log(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    ident = project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11).primary
    project.annotations.delete([ident])
    project.history.undo()
    actions = [row[0] for row in _rows(project.path, "SELECT action FROM audit_log ORDER BY id")]
    assert actions[-3:] == ["add Economic (4–11)", "delete annotation", "undo: delete annotation"]


def test_work_survives_reopening_the_file(project: Project, tmp_path: Path) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    ident = project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11).primary
    path = project.path
    project.close()
    with Project.open(path) as again:
        assert again.annotations.get(ident).label == "Economic"
        assert again.documents.text(doc) == SAMPLE_TEXT
    project.db = sqlite3.connect(":memory:")  # let the fixture's close() succeed  # type: ignore[assignment]


def test_tokens_and_sentences_are_stored_with_the_document(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    seg = project.documents.segmentation(doc)
    tokens = [SAMPLE_TEXT[s:e] for s, e in seg.tokens]
    assert "\U0001F621" in tokens and "José\u0301" in tokens and "7" in tokens
    assert not any(t.isspace() for t in tokens)
    sentences = [SAMPLE_TEXT[s:e] for s, e in seg.sentences]
    assert sentences[-1] == "Supporters expect cleaner air by 2030."
    meta = project.documents.get(doc)
    assert meta.n_tokens == len(tokens) and meta.n_sentences == len(sentences)
    assert meta.tokenizer.startswith("spaCy ") and "sentencizer" in meta.tokenizer


def test_full_text_search_finds_words_ignoring_case_and_accents(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    assert project.documents.search("CONGESTION charge") == [doc]
    assert project.documents.search("jose") == [doc]
    assert project.documents.search('"robbery (') == [doc]  # FTS syntax is taken literally
    assert project.documents.search("nothing-like-this") == []


def test_undoing_a_delete_brings_back_the_comment_thread(project: Project) -> None:
    from annotator.ops.comments import add_comment, list_comments

    doc = _doc(project, SAMPLE_TEXT)
    ident = project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11).primary
    add_comment(project, ident, "ben", "why Economic here?")
    project.annotations.delete([ident])
    assert _rows(project.path, "SELECT COUNT(*) FROM comments") == [(0,)]
    project.history.undo()
    assert [c.body for c in list_comments(project, ident)] == ["why Economic here?"]
    project.history.redo()
    assert _rows(project.path, "SELECT COUNT(*) FROM annotations") == [(0,)]


def test_a_rolled_back_transaction_leaves_no_undo_step(project: Project) -> None:
    doc = _doc(project, SAMPLE_TEXT)
    with pytest.raises(AnnotationError):
        with project.history.transaction():
            project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
            project.annotations.add(doc, "ada", "Framing", "Economic", 0, 10**6)  # refused
    assert project.annotations.count() == 0
    assert not project.history.can_undo and project.history.redo() is None


def test_deleting_a_label_is_one_undo_step_that_brings_it_back(project: Project) -> None:
    """Deleting a label no longer clears everyone's undo history: it is a step of its own,
    and the steps before it (which refer to the label) still apply after it is undone."""
    from annotator.ops.codebook_edit import delete_label

    doc = _doc(project, SAMPLE_TEXT)
    ident = project.annotations.add(doc, "ada", "Framing", "Other", 4, 11).primary
    project.annotations.delete([ident])
    delete_label(project, "Framing", "Other", actor="ada")  # no annotation uses it any more
    assert "Other" not in [label.name for label in project.codebook.get().layer("Framing").labels]
    assert project.history.undo_step("ada").description.startswith("delete label")
    project.history.undo("ada")
    assert "Other" in [label.name for label in project.codebook.get().layer("Framing").labels]
    project.history.undo("ada")  # the annotation's deletion, which needs the label back
    assert project.annotations.get(ident).label == "Other"

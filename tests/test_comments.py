"""Comment threads on annotations: add, list in order, per document, delete, travel with merges."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.errors import AnnotationError, AnnotatorError
from annotator.ops.comments import add_comment, comments_for_document, delete_comment, list_comments
from annotator.ops.merge import merge_project
from annotator.project import Project

from test_merge import PORT_TEXT, WATER_TEXT, doc_with, make_project, span


@pytest.fixture
def study(tmp_path: Path) -> Iterator[Project]:
    """Two articles; ada tagged one span in each."""
    project = make_project(tmp_path / "study.annot", {"port.txt": PORT_TEXT, "water.txt": WATER_TEXT})
    project.annotators.ensure("ada")
    project.annotators.ensure("ben")
    port, water = doc_with(project, "port strike"), doc_with(project, "regulator")
    project.annotations.add(port, "ada", "Framing", "Economic", *span(project, port, "empty shelves"))
    project.annotations.add(water, "ada", "Framing", "Economic", *span(project, water, "prices"))
    yield project
    project.close()


def _annotation(project: Project, fragment: str) -> str:
    return project.annotations.for_document(doc_with(project, fragment), "ada")[0].id


def _audit(path: Path, action: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT actor, target FROM audit_log WHERE action = ?", [action]).fetchall()
    finally:
        conn.close()


def test_a_thread_is_stored_and_listed_oldest_first(study: Project) -> None:
    target = _annotation(study, "port strike")
    first = add_comment(study, target, "ben", "Why Economic here? \U0001F914")
    second = add_comment(study, target, "ada", "  Shelves\u00a0= supply chains, so cost.  ")
    third = add_comment(study, target, "ben", "Fair enough.")
    thread = list_comments(study, target)
    assert [c.id for c in thread] == [first, second, third]
    assert [c.author for c in thread] == ["ben", "ada", "ben"]
    assert thread[0].body == "Why Economic here? \U0001F914"
    assert thread[1].body == "Shelves\u00a0= supply chains, so cost."  # trimmed, inner NBSP kept
    assert _audit(study.path, "comment") == [("ben", target), ("ada", target), ("ben", target)]


def test_comments_of_a_document_are_grouped_by_annotation(study: Project) -> None:
    port_annotation, water_annotation = _annotation(study, "port strike"), _annotation(study, "regulator")
    add_comment(study, port_annotation, "ben", "On the port article")
    add_comment(study, water_annotation, "ben", "On the water article")
    threads = comments_for_document(study, doc_with(study, "port strike"))
    assert list(threads) == [port_annotation]
    assert [c.body for c in threads[port_annotation]] == ["On the port article"]


def test_a_comment_can_be_deleted_and_the_audit_log_keeps_it(study: Project) -> None:
    target = _annotation(study, "port strike")
    keep = add_comment(study, target, "ben", "keep me")
    gone = add_comment(study, target, "ben", "remove me")
    delete_comment(study, gone, actor="ada")
    assert [c.id for c in list_comments(study, target)] == [keep]
    assert _audit(study.path, "delete comment") == [("ada", target)]
    with pytest.raises(AnnotatorError, match="no comment"):
        delete_comment(study, gone)


def test_bad_comments_are_refused(study: Project) -> None:
    target = _annotation(study, "port strike")
    with pytest.raises(AnnotatorError, match="needs some text"):
        add_comment(study, target, "ben", "   ")
    with pytest.raises(AnnotatorError, match="needs an author"):
        add_comment(study, target, " ", "hello")
    with pytest.raises(AnnotationError, match="no annotation"):
        add_comment(study, "00000000-0000-0000-0000-000000000000", "ben", "hello")
    assert list_comments(study, target) == []


def test_comments_travel_with_merges(study: Project, tmp_path: Path) -> None:
    target = _annotation(study, "port strike")
    add_comment(study, target, "ben", "Why Economic here?")
    study.close()
    copy = tmp_path / "mailed.annot"
    shutil.copy(study.path, copy)
    with Project.open(copy) as colleague:  # ada answers on her laptop and tags one more span
        add_comment(colleague, target, "ada", "Empty shelves are about supply and cost.")
        port = doc_with(colleague, "port strike")
        new = colleague.annotations.add(port, "ada", "Stance", "Against", *span(colleague, port, "back down")).primary
        add_comment(colleague, new, "ada", "Stance of the union, against the firms \U0001F6A2")
    with Project.open(study.path) as project:
        add_comment(project, target, "ben", "Meanwhile, a note here.")
        report = merge_project(project, copy)
        assert (report.comments.added, report.comments.skipped) == (2, 1)
        bodies = [c.body for c in list_comments(project, target)]
        assert bodies == ["Why Economic here?", "Empty shelves are about supply and cost.", "Meanwhile, a note here."]
        assert [c.body for c in list_comments(project, new)] == ["Stance of the union, against the firms \U0001F6A2"]
        again = merge_project(project, copy)
        assert again.comments.added == 0 and len(list_comments(project, target)) == 3


def _stored_comments(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, annotation_id, author, body, created_at FROM comments ORDER BY rowid").fetchall()
    finally:
        conn.close()


def test_a_comment_is_one_undo_step_of_its_author(study: Project) -> None:
    target = _annotation(study, "port strike")
    ident = add_comment(study, target, "ben", "Why Economic here? \U0001F914")
    added = _stored_comments(study.path)
    study.annotations.add(doc_with(study, "regulator"), "ada", "Stance", "Against", 0, 3)  # ada's later step
    assert study.history.undo_step("ben").description == 'comment "Why Economic here? \U0001F914"'
    study.history.undo("ben")
    assert _stored_comments(study.path) == [] and list_comments(study, target) == []
    study.history.redo("ben")
    assert _stored_comments(study.path) == added  # the same id, text and time
    assert [c.id for c in list_comments(study, target)] == [ident]
    assert [row[0] for row in _audit(study.path, "comment")] == ["ben"]
    assert [row[0] for row in _audit(study.path, 'undo: comment "Why Economic here? \U0001F914"')] == ["ben"]


def test_deleting_a_comment_can_be_undone(study: Project) -> None:
    target = _annotation(study, "port strike")
    add_comment(study, target, "ben", "keep me")
    add_comment(study, target, "ben", "remove me")
    before = _stored_comments(study.path)
    delete_comment(study, list_comments(study, target)[1].id, actor="ada")
    assert study.history.undo_step("ada").description == 'delete comment "remove me"'
    study.history.undo("ada")
    assert _stored_comments(study.path) == before


def test_undoing_an_annotation_that_has_a_later_comment_is_refused(study: Project) -> None:
    port = doc_with(study, "port strike")
    ident = study.annotations.add(port, "ada", "Stance", "Against", *span(study, port, "back down")).primary
    add_comment(study, ident, "ben", "Against whom?")
    before = _stored_comments(study.path)
    with pytest.raises(AnnotationError, match='cannot undo "add Against.*comments or relations made since'):
        study.history.undo("ada")
    assert study.annotations.exists(ident) and _stored_comments(study.path) == before
    study.history.undo("ben")
    study.history.undo("ada")  # without the comment it goes
    assert not study.annotations.exists(ident)

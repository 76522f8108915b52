"""Coding from the concordance (ops/concordance_coding.py): every selected hit coded in one
undoable step, snapped as the editor snaps a selection, hits already coded skipped."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError, ProjectFileError
from annotator.ops.concordance_coding import code_hits
from annotator.project import Project
from annotator.project.changes import ChangeSet
from annotator.queries.analysis import Scope, kwic
from tests.test_analysis_kwic import TEXTS, build_corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus project, imported once for the module (each test codes a copy)."""
    return build_corpus(tmp_path_factory.mktemp("coding"))


@pytest.fixture
def corpus(built: Path, tmp_path: Path) -> Project:
    copy = tmp_path / "study.annot"
    shutil.copyfile(built, copy)
    project = Project.open(copy)
    yield project
    project.close()


def _stored(path: Path, annotator: str, label: str) -> list[tuple[str, int, int]]:
    """What the project file holds, read with a connection of its own."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT a.document_id, a.span_start, a.span_end FROM annotations AS a "
            "JOIN annotators AS n ON n.id = a.annotator_id JOIN labels AS l ON l.id = a.label_id "
            "WHERE n.name = ? AND l.name = ? ORDER BY 1, 2", [annotator, label]).fetchall()


def test_hits_are_snapped_to_whole_tokens_in_one_undoable_step(corpus: Project) -> None:
    hits = kwic(corpus, regex=r"ax", scope=Scope(annotator="ben"))  # inside "tax", "Tax", "Taxation", "taxes"
    announced: list[ChangeSet] = []
    corpus.events.subscribe(announced.append)
    steps_before = len(corpus.history._undo)
    by_hand = _stored(corpus.path, "ben", "Morality")
    result = code_hits(corpus, [(h.document_id, h.start, h.end) for h in hits.hits], "Framing", "Morality", "ben")
    stored = _stored(corpus.path, "ben", "Morality")
    # Each hit becomes its whole word (token granularity), but ben's Morality on "Taxation is
    # theft" already covers "Taxation": that hit is skipped.
    words = {(h.document_id, *_word_around(corpus.documents.text(h.document_id), h.start)) for h in hits.hits}
    assert len(hits.hits) == 6  # tax, Tax, taxes; tax, Taxation; tax
    assert result.added == 5 and result.skipped == 1
    assert {corpus.documents.text(d)[s:e] for d, s, e in set(stored) - set(by_hand)} == {"tax", "Tax", "taxes"}
    assert set(stored) - set(by_hand) == {w for w in words if corpus.documents.text(w[0])[w[1]:w[2]] != "Taxation"}
    assert len(announced) == 1 and announced[0].added == set(result.annotation_ids)
    assert len(corpus.history._undo) == steps_before + 1
    assert corpus.history.undo_text == "code 6 concordance hits as Morality"
    corpus.history.undo()
    assert _stored(corpus.path, "ben", "Morality") == by_hand
    corpus.history.redo()
    assert sorted(_stored(corpus.path, "ben", "Morality")) == sorted(stored)


def _word_around(text: str, position: int) -> tuple[int, int]:
    for match in re.finditer(r"\w+", text):
        if match.start() <= position < match.end():
            return match.start(), match.end()
    raise AssertionError(position)


def test_hits_already_carrying_the_label_are_skipped_and_counted(corpus: Project) -> None:
    hits = kwic(corpus, query="tax", scope=Scope(annotator="ada"))
    before = _stored(corpus.path, "ada", "Economic")
    result = code_hits(corpus, [(h.document_id, h.start, h.end) for h in hits.hits], "Framing", "Economic", "ada")
    # ada's Economic spans already cover "council's tax", "protested the tax" and "No tax!"; "the Tax was" is new.
    assert (result.added, result.skipped) == (1, 3)
    after = _stored(corpus.path, "ada", "Economic")
    new = sorted(set(after) - set(before))
    rents = hits.hits[0].document_id
    start = TEXTS["d1"].index("Tax was")
    assert new == [(rents, start, start + 3)]
    assert result.message("Economic") == "Coded 1 hit as Economic; 3 skipped (already Economic or refused by the layer)."


def test_sentence_layers_snap_to_the_whole_sentence(corpus: Project) -> None:
    corpus.db.execute("UPDATE layers SET granularity = 'sentence' WHERE name = 'Stance'")
    corpus.db.conn.commit()
    corpus.codebook.invalidate()
    hit = kwic(corpus, query="theft", scope=Scope(annotator="ben")).hits[0]
    result = code_hits(corpus, [(hit.document_id, hit.start, hit.end)], "Stance", "Neutral", "ben")
    assert result.added == 1
    [(_, start, end)] = _stored(corpus.path, "ben", "Neutral")
    assert TEXTS["d2"][start:end] == "Taxation is theft, one said."


def test_refusals_are_one_line_and_leave_the_file_byte_identical(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "study.annot"
    shutil.copyfile(built, path)
    before = path.read_bytes()
    with Project.open(path) as project:
        with pytest.raises(AnnotatorError, match='no label "Nope"'):
            code_hits(project, [], "Framing", "Nope", "ada")
        with pytest.raises(AnnotatorError, match="labels whole documents"):
            code_hits(project, [], "Dominant frame", "Economic", "ada")
        with pytest.raises(AnnotatorError, match='no annotator "zed"'):
            code_hits(project, [], "Framing", "Economic", "zed")
        assert not project.history.can_undo
    assert path.read_bytes() == before
    with Project.open(path, readonly=True) as readonly:
        with pytest.raises(ProjectFileError, match="read-only"):
            code_hits(readonly, [], "Framing", "Economic", "ada")

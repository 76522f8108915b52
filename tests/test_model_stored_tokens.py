"""Applying a model from the tokens stored at import (no tokenizing) gives the scores that
tokenizing the text again gives; documents another tokenizer made are tokenized again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from annotator.nlp.training import tokenized_alike
from annotator.ops.importing import import_paths
from annotator.ops.models import active_model, loaded, model_suggestions, train
from annotator.project import Project
from benchmarks.suggest import LAYER, build_topic_project
from tests.conftest import SAMPLE_TEXT

CRLF_TEXT = "Rents  rose\u00a0again \U0001F3E0 in the city.\r\nJose\u0301 said the tax budget is unfair.\r\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 generated articles, 10 coded by ada, her model trained; plus two imported texts
    (emoji, combining accent, non-breaking space, CRLF, a double space)."""
    folder = tmp_path_factory.mktemp("tokens")
    path = folder / "study.annot"
    build_topic_project(path, 12, 10, sentences=4, seed=7, coder="ada")
    (folder / "in").mkdir()
    (folder / "in" / "sample.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (folder / "in" / "crlf.txt").write_bytes(CRLF_TEXT.encode("utf-8"))
    with Project.open(path) as project:
        train(project, LAYER, "ada")
        assert len(import_paths(project, [folder / "in"]).imported) == 2
    return path


def stored(project: Project, ident: str) -> tuple[str, bytes, bytes, str]:
    """(text, token blob, sentence blob, tokenizer) as the project stores them."""
    return project.db.execute(
        "SELECT c.text, c.tokens, c.sentences, d.tokenizer FROM document_content AS c JOIN documents AS d "
        "ON d.id = c.document_id WHERE d.id = ?", [ident]).fetchone()


def pairs(blob: bytes) -> np.ndarray:
    """(start, end) rows of a stored blob."""
    return np.frombuffer(blob, dtype="<u4").astype("int64").reshape(-1, 2)


def test_every_document_was_tokenized_as_the_model_tokenizes(trained: Path) -> None:
    with Project.open(trained, readonly=True) as project:
        nlp = loaded(project, active_model(project, LAYER))
        for ident in project.documents.ids():
            text, tokens, _sentences, tokenizer = stored(project, ident)
            assert tokenized_alike(tokenizer, nlp), tokenizer
            spacy_tokens = [(t.idx, t.idx + len(t)) for t in nlp.make_doc(text) if not t.is_space]
            assert pairs(tokens).tolist() == [list(p) for p in spacy_tokens]


def test_stored_tokens_give_the_scores_tokenizing_gives(trained: Path) -> None:
    with Project.open(trained, readonly=True) as project:
        from annotator.ops.models import _loaded

        _nlp, scorer = _loaded(project, active_model(project, LAYER))
        ids = project.documents.ids()
        rows = [stored(project, ident) for ident in ids]
        fast = scorer.matrices_from_tokens([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
        for (text, _tokens, sentences, _), matrix in zip(rows, fast):
            expected = scorer.matrix(text, pairs(sentences))
            assert matrix.shape == expected.shape
            # The CRLF text's double space is a token of its own to spaCy: it counts there too.
            np.testing.assert_allclose(matrix, expected, rtol=0, atol=1e-9)


def test_a_document_another_tokenizer_made_is_tokenized_again(trained: Path, tmp_path: Path) -> None:
    with Project.open(trained, readonly=True) as project:
        ids = project.documents.ids()
        before = model_suggestions(project, LAYER, ids)
        nlp = loaded(project, active_model(project, LAYER))
    assert before
    assert not tokenized_alike("spaCy 3.8.18; en_core_web_sm 3.8.0; tok2vec+parser", nlp)
    assert not tokenized_alike("spaCy 2.3.0; en_pipeline 0.0.0; sentencizer", nlp)
    assert not tokenized_alike("spaCy 3.8.18; de_pipeline 0.0.0; sentencizer", nlp)
    assert not tokenized_alike("generated", nlp)
    copy = tmp_path / "other.annot"
    copy.write_bytes(trained.read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE documents SET tokenizer = 'spaCy 3.8.18; en_core_web_sm 3.8.0; tok2vec+parser'")
    with Project.open(copy, readonly=True) as project:
        after = model_suggestions(project, LAYER, ids)
    key = [(s.document_id, s.start, s.end, s.label) for s in before]
    assert key == [(s.document_id, s.start, s.end, s.label) for s in after]
    assert [s.score for s in before] == pytest.approx([s.score for s in after], abs=1e-9)

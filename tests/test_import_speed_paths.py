"""The import's faster paths give what the slower ones gave: the project's own files found once
per import (by inode: hard and symbolic links), the CoNLL sniffing of .txt files stopped at its
first telling line, token and sentence offsets computed for many texts at once."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.cli import main
from annotator.ops.importing import import_paths
from annotator.project import Project

ARTICLE = "Harbour fees rise\n\nThe council raised the fees. Fishermen protest \U0001F621 loudly."


def _texts(path: Path) -> list[str]:
    """The stored texts of a project, read with a separate connection, in corpus order."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(
            "SELECT c.text FROM documents JOIN document_content AS c ON c.document_id = documents.id "
            "ORDER BY documents.position")]
    finally:
        conn.close()


def test_links_to_project_files_in_an_imported_folder_are_refused_and_the_articles_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.annot"
    Project.create(target).close()
    other = Project.create(tmp_path / "other.annot")
    try:
        folder = tmp_path / "in"
        folder.mkdir()
        (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
        (folder / "self.txt").symlink_to(target)  # the project file itself
        (folder / "soft.txt").symlink_to(tmp_path / "other.annot-wal")  # another open project's -wal
        os.link(tmp_path / "other.annot", folder / "other.txt")  # another open project, by inode
        assert main(["import", str(target), str(folder)]) == 1
        out = capsys.readouterr().out
        assert f"failed: {folder / 'self.txt'}: is the project file itself" in out
        assert f"failed: {folder / 'soft.txt'}: is a project file open in this program" in out
        assert f"failed: {folder / 'other.txt'}: is a project file open in this program" in out
        assert "failed: 3" in out
    finally:
        other.close()
    assert _texts(target) == [ARTICLE]


CONLL_ROWS = "Oslo\tB-LOC\nis\tO\ncold\tO\n.\tO\n"


@pytest.mark.parametrize(("content", "as_conll"), [
    (CONLL_ROWS, True),
    ("-DOCSTART- -X- O O\n\n" + CONLL_ROWS, True),  # the first line says so
    ("# global.columns = TOKEN START END Places[ada]\nOslo\t0\t4\tB-LOC\n", True),  # our own header
    ("# a comment\n\n" + CONLL_ROWS, True),  # comments are not rows
    (CONLL_ROWS + "But this line is prose and ends the columns.\n", False),  # a late line says no
    ("Headline words here\n" + CONLL_ROWS, False),  # the first row says no
    ("Oslo O\nis O\ncold O\n", False),  # every tag O: a list, not CoNLL
    ("Oslo B-LOC\nis O\n", False),  # too few rows
    ("Oslo B-LOC\n" + "one two three four five six seven eight nine ten a b c d e f O\nx O\n", False),  # 17 columns
])
def test_a_txt_file_is_read_as_conll_only_when_its_lines_are_columns(
    tmp_path: Path, content: str, as_conll: bool
) -> None:
    path = tmp_path / "train.txt"
    path.write_text(content, encoding="utf-8")
    with Project.create(tmp_path / "study.annot") as project:
        report = import_paths(project, [path], add_labels=True)
        assert not report.failed, report.failed
    stored = _texts(tmp_path / "study.annot")
    assert len(stored) == 1
    assert (stored[0] != content) is as_conll  # CoNLL keeps the tokens, not the tag columns


def _reference(doc) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Offsets read token by token from spaCy's objects: the slow, obvious way."""
    tokens: list[tuple[int, int]] = []
    sentences: dict[int, list[int]] = {}
    number = 0
    for token in doc:
        if token.i == 0 or token.is_sent_start:
            number += 1
        if token.is_space or not token.text:
            continue
        span = (token.idx, token.idx + len(token.text))
        tokens.append(span)
        sentences.setdefault(number, [span[0], span[1]])[1] = span[1]
    return tokens, [(a, b) for a, b in sentences.values()]


_ALPHABET = "ab. !?\n\t\u00a0\u3000\u2028\u0301,\U0001F600\u00e9"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=6))
def test_offsets_of_texts_taken_together_are_each_texts_own(texts: list[str]) -> None:
    """Texts (empty ones, ones of spaces only, ones starting with a space) segmented in one
    batch get the offsets spaCy gives each of them alone."""
    from annotator import nlp

    pipeline = nlp.pipeline("en")
    for exact in (False, True):
        rows = [(nlp.token_rows(pipeline(text), exact), "described", exact) for text in texts]
        for text, done in zip(texts, nlp.finish_many(rows, texts)):
            segmentation = done.segmentation()
            assert (segmentation.tokens, segmentation.sentences) == _reference(pipeline(text))
            assert done.tokenizer == "described" and done.error is None


def test_a_folder_imported_in_batches_stores_each_articles_own_tokens_and_sentences(tmp_path: Path) -> None:
    from annotator import nlp

    folder = tmp_path / "in"
    folder.mkdir()
    articles = [
        "  \n Leading spaces. Then a second sentence!",
        "Emoji \U0001F621 here.\r\nAnd a CRLF line; e\u0301t\u00e9 with a combining mark.",
        "One sentence without a full stop",
        "Non\u00a0breaking\u00a0spaces. Two?  Three!\n\n\nFour.",
    ] * 30  # 120 files: several batches of the segmenter, one text after another
    for number, text in enumerate(articles):
        (folder / f"{number:03d}.txt").write_text(f"{text} ({number})", encoding="utf-8", newline="")
    with Project.create(tmp_path / "study.annot") as project:
        report = import_paths(project, [folder], segment_worker=False)
        assert len(report.imported) == len(articles) and not report.failed
    pipeline = nlp.pipeline("en")
    with Project.open(tmp_path / "study.annot", readonly=True) as reopened:
        for document_id in reopened.documents.ids():
            text = reopened.documents.text(document_id)
            segmentation = reopened.documents.segmentation(document_id)
            assert (segmentation.tokens, segmentation.sentences) == _reference(pipeline(text)), text
            document = reopened.documents.get(document_id)
            assert (document.n_tokens, document.n_sentences) == (len(segmentation.tokens),
                                                                   len(segmentation.sentences))


def test_no_sentence_runs_from_one_text_into_the_next_even_when_spacy_marks_no_start() -> None:
    """A pipeline may leave a text's first token unmarked (SENT_START 0, "not known"): each
    text still starts its own sentence when texts are taken together."""
    from array import array

    from annotator import nlp

    def rows(*triples: tuple[int, int, int]) -> bytes:
        return array("i", [value for triple in triples for value in triple]).tobytes()

    texts = ["ab cd", "ef gh"]
    parsed = [(rows((0, 1, 0), (3, 0, 0)), "p", False), (rows((0, 1, 0), (3, 0, 0)), "p", False)]
    for done in nlp.finish_many(parsed, texts):
        assert done.segmentation().sentences == [(0, 5)]
        assert done.segmentation().tokens == [(0, 2), (3, 5)]

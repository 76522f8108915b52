"""The import's faster paths give what the slower ones gave: the project's own files found once
per import (by inode: hard and symbolic links), the CoNLL sniffing of .txt files stopped at its
first telling line, token and sentence offsets computed for many texts at once."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

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

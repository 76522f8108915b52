"""A project file whose rows were altered outside the app (DB Browser stores text as a BLOB,
a bit flip shortens a token blob, a span points past its text) is named as damaged in one
short line by every command that reads them: never a traceback, never a wrong export with
exit status 0 (issue 11, adversarial review of item 4)."""

from __future__ import annotations

import shutil
import sqlite3
import struct
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.errors import ProjectDamagedError
from annotator.model import Status
from annotator.project import Project

EXPORTS = {"jsonl": "out.jsonl", "csv": "out.csv", "spacy": "out.spacy", "brat": "brat-out",
           "xmi": "out.zip", "qdpx": "out.qdpx", "conll": "out.conll"}


def _annotated(project: Project) -> tuple[Path, str]:
    """Close the fixture project after ada and ben tagged the same words of its first document."""
    doc = project.documents.ids()[0]
    for who in ("ada", "ben"):
        project.annotations.add(doc, who, "Framing", "Economic", 4, 11)
        project.status.set(doc, who, Status.DONE)
    path = project.path
    project.close()
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]  # the fixture closes it again
    return path, doc


def _alter(path: Path, statement: str, *params: object) -> None:
    """Change the file as another program would (DB Browser, a script), bypassing the app."""
    conn = sqlite3.connect(path)
    conn.execute(statement, params)
    conn.commit()
    conn.close()


def _tokens(path: Path, doc: str) -> list[int]:
    conn = sqlite3.connect(path)
    blob = conn.execute("SELECT tokens FROM document_content WHERE document_id = ?", [doc]).fetchone()[0]
    conn.close()
    return list(struct.unpack(f"<{len(blob) // 4}I", blob))


def _one_damaged_line(err: str, path: Path, command: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"annotator {command}: {path}: the project file is damaged ("), err
    assert "Traceback" not in err and len(lines[0]) < 400, err


def _outputs(folder: Path) -> list[str]:
    """What is in the folder besides the project and the files SQLite keeps beside it."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("study.annot"))


def _export_refused(capsys: pytest.CaptureFixture[str], path: Path, fmt: str) -> str:
    out = path.parent / EXPORTS[fmt]
    before = _outputs(path.parent)
    damaged = path.read_bytes()
    code = main(["export", str(path), "--format", fmt, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, (fmt, err)
    _one_damaged_line(err, path, "export")
    assert _outputs(path.parent) == before, "an export file was left behind"
    assert path.read_bytes() == damaged
    return err


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_text_stored_as_a_blob_is_named_damaged_by_every_export(
        project: Project, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """DB Browser stores an edited text as a BLOB: csv wrote `b'...'` cells with exit 0."""
    path, doc = _annotated(project)
    _alter(path, "UPDATE document_content SET text = CAST(text AS BLOB) WHERE document_id = ?", doc)
    err = _export_refused(capsys, path, fmt)
    assert doc in err and "text" in err


@pytest.mark.parametrize("fmt", ["jsonl", "spacy", "csv"])
def test_meta_that_is_not_a_json_object_is_named_damaged(
        project: Project, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    path, doc = _annotated(project)
    _alter(path, "UPDATE documents SET meta = '[1,2]' WHERE id = ?", doc)
    err = _export_refused(capsys, path, fmt)
    assert doc in err and "meta" in err


def test_an_empty_token_is_named_damaged(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path, doc = _annotated(project)
    pairs = _tokens(path, doc)
    pairs[3] = pairs[2]  # the second token now ends where it starts
    _alter(path, "UPDATE document_content SET tokens = ? WHERE document_id = ?",
           struct.pack(f"<{len(pairs)}I", *pairs), doc)
    err = _export_refused(capsys, path, "spacy")
    assert "empty or reversed token" in err
    with Project.open(path, readonly=True) as reopened, pytest.raises(ProjectDamagedError, match=doc):
        reopened.documents.segmentation(doc)


def test_tokens_out_of_order_are_named_damaged(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path, doc = _annotated(project)
    pairs = _tokens(path, doc)
    pairs[0:2], pairs[2:4] = pairs[2:4], pairs[0:2]
    _alter(path, "UPDATE document_content SET tokens = ? WHERE document_id = ?",
           struct.pack(f"<{len(pairs)}I", *pairs), doc)
    assert "tokens out of order" in _export_refused(capsys, path, "spacy")


def test_text_shorter_than_its_tokens_is_named_damaged(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path, doc = _annotated(project)
    _alter(path, "UPDATE document_content SET text = substr(text, 1, 30) WHERE document_id = ?", doc)
    for fmt in ("spacy", "jsonl", "conll"):
        err = _export_refused(capsys, path, fmt)
        assert doc in err


@pytest.mark.parametrize("fmt", ["spacy", "jsonl", "brat", "csv"])
def test_a_span_past_the_end_of_its_text_is_named_damaged(
        project: Project, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """jsonl wrote a "lossless" file that `annotator new --from` then refused; spacy asserted."""
    path, doc = _annotated(project)
    _alter(path, "UPDATE annotations SET span_end = 100000")
    err = _export_refused(capsys, path, fmt)
    assert doc in err and "span" in err


def test_a_span_stored_as_text_is_named_damaged(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = _annotated(project)
    _alter(path, "UPDATE annotations SET span_start = 'four', span_end = 'x'")
    _export_refused(capsys, path, "jsonl")


def test_an_odd_length_token_blob_is_named_damaged_by_agreement(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path, doc = _annotated(project)
    _alter(path, "UPDATE document_content SET tokens = substr(tokens, 1, length(tokens) - 3) WHERE document_id = ?",
           doc)
    damaged = path.read_bytes()
    code = main(["agreement", str(path), "--layer", "Framing", "--unit", "token"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    _one_damaged_line(captured.err, path, "agreement")
    assert doc in captured.err and "token" in captured.err
    assert path.read_bytes() == damaged


@pytest.mark.parametrize("statement", ["UPDATE annotations SET span_end = 100000",
                                       "UPDATE annotations SET span_start = 'four', span_end = 'x'"])
def test_a_span_off_the_text_is_named_damaged_by_agreement(
        project: Project, capsys: pytest.CaptureFixture[str], statement: str) -> None:
    path, doc = _annotated(project)
    _alter(path, statement)
    for unit in ("token", "char"):
        code = main(["agreement", str(path), "--layer", "Framing", "--unit", unit])
        captured = capsys.readouterr()
        assert code == 2 and captured.out == "", captured
        _one_damaged_line(captured.err, path, "agreement")
        assert doc in captured.err


_ARTICLE_LINE = "Supporters expect cleaner air by 2030."


def _invalid_utf8(path: Path, doc: str) -> None:
    """Append a byte that is not UTF-8 to the stored text, keeping its type TEXT."""
    _alter(path, "UPDATE document_content SET text = CAST(CAST(text AS BLOB) || x'ff' AS TEXT) "
                 "WHERE document_id = ?", doc)


def test_invalid_utf8_text_is_one_short_line_in_agreement(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """The message quoted the whole article over three lines."""
    path, doc = _annotated(project)
    _invalid_utf8(path, doc)
    code = main(["agreement", str(path), "--layer", "Framing", "--unit", "token"])
    err = capsys.readouterr().err
    assert code == 2
    _one_damaged_line(err, path, "agreement")
    assert _ARTICLE_LINE not in err and "UTF-8" in err and doc in err


def test_invalid_utf8_text_is_one_short_line_when_merging(
        project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, doc = _annotated(project)
    theirs = tmp_path / "theirs.annot"
    shutil.copyfile(path, theirs)
    _invalid_utf8(theirs, doc)
    ours = path.read_bytes()
    (tmp_path / "blank").mkdir()
    Project.create(tmp_path / "blank" / "ours.annot").close()
    # Merging a colleague's file whose text is not UTF-8. (Merging *into* such a file reads
    # none of its texts, so SQLite never meets the bad bytes; the merge then goes ahead.)
    for target, other in ((tmp_path / "blank" / "ours.annot", theirs),):
        before = target.read_bytes()
        code = main(["merge", str(target), str(other)])
        err = capsys.readouterr().err
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and f"{theirs}: the project file is damaged (" in lines[0], err
        assert _ARTICLE_LINE not in err and len(lines[0]) < 400, err
        assert target.read_bytes() == before
    assert path.read_bytes() == ours


def test_invalid_utf8_text_is_one_short_line_when_importing(
        project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An import indexes the texts a killed import left out of the search index: one was damaged."""
    path, doc = _annotated(project)
    _invalid_utf8(path, doc)
    _alter(path, "DROP TABLE document_search")
    _alter(path, "CREATE VIRTUAL TABLE document_search USING fts5(title, text, content='', "
                 "tokenize='unicode61 remove_diacritics 2')")
    (tmp_path / "more.txt").write_text("One more article to import.", encoding="utf-8")
    code = main(["import", str(path), str(tmp_path / "more.txt")])
    err = capsys.readouterr().err
    assert code == 2, err
    _one_damaged_line(err, path, "import")
    assert _ARTICLE_LINE not in err and doc in err and "UTF-8" in err


def test_opening_a_damaged_document_raises_the_damaged_error(project: Project) -> None:
    """The editor (and any script) gets ProjectDamagedError naming the document, not a TypeError."""
    path, doc = _annotated(project)
    _alter(path, "UPDATE document_content SET text = CAST(text AS BLOB) WHERE document_id = ?", doc)
    with Project.open(path, readonly=True) as reopened:
        with pytest.raises(ProjectDamagedError, match=f"the project file is damaged .*{doc}"):
            reopened.documents.text(doc)
        with pytest.raises(ProjectDamagedError, match=doc):
            reopened.annotations.for_document(doc)

"""Findings of the file-handling review of 2026-12-03: a FIFO named .txt in an imported folder,
and a tokens blob emptied behind the program's back."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import pytest


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_named_txt_is_refused_and_the_rest_imported(tmp_path: Path, cli) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "a.txt")  # nothing ever writes to it: reading it would wait forever
    (folder / "b.txt").write_text("Some text about the council vote.", encoding="utf-8")
    project = tmp_path / "study.annot"
    assert cli("new", str(project)).returncode == 0
    done: list = []
    worker = threading.Thread(target=lambda: done.append(cli("import", str(project), str(folder))), daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():  # unblock the reader so the test run can end, then fail
        with open(folder / "a.txt", "wb"):
            pass
        worker.join(timeout=10)
        pytest.fail("the import waited on the FIFO")
    (ran,) = done
    assert ran.returncode == 1  # some files failed, the others were imported
    assert "a.txt" in ran.stdout + ran.stderr and "not a regular file" in ran.stdout + ran.stderr
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (1,)


def test_an_emptied_tokens_blob_is_named_damaged_not_exported_short(tmp_path: Path, cli) -> None:
    (tmp_path / "a.txt").write_text("The council voted. Critics called it a tax.", encoding="utf-8")
    project = tmp_path / "study.annot"
    assert cli("new", str(project)).returncode == 0
    assert cli("import", str(project), str(tmp_path / "a.txt")).returncode == 0
    with sqlite3.connect(project) as conn:
        conn.execute("UPDATE document_content SET tokens = x''")
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    ran = cli("export", str(project), "--format", "conll", "--out", str(tmp_path / "out.conll"))
    assert ran.returncode == 2, ran.stdout + ran.stderr
    message = ran.stderr.strip().splitlines()
    assert len(message) == 1 and "damaged" in message[0] and "0 tokens" in message[0], message
    assert not (tmp_path / "out.conll").exists()
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before


def test_a_span_with_no_offsets_in_a_span_layer_is_named_damaged_by_agreement(tmp_path: Path, cli) -> None:
    texts = {"a.txt": "The council voted for the charge. Critics called it a tax.",
             "b.txt": "Supporters expect cleaner air. The mayor agreed with them."}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    project = tmp_path / "study.annot"
    assert cli("new", str(project)).returncode == 0
    assert cli("import", str(project), str(tmp_path / "a.txt"), str(tmp_path / "b.txt")).returncode == 0
    from annotator.project import Project

    with Project.open(project) as opened:
        for name in ("ada", "ben"):
            opened.annotators.ensure(name)
        for ident in [d.id for d in opened.documents.list()]:
            for name in ("ada", "ben"):
                opened.annotations.add(ident, name, "Framing", "Economic", 4, 11)
    with sqlite3.connect(project) as conn:  # written by another program: offsets gone
        conn.execute("PRAGMA ignore_check_constraints = 1")
        conn.execute("UPDATE annotations SET span_start = NULL, span_end = NULL WHERE rowid = "
                     "(SELECT min(rowid) FROM annotations)")
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    ran = cli("agreement", str(project), "--layer", "Framing")
    assert ran.returncode == 2, ran.stdout + ran.stderr
    message = ran.stderr.strip().splitlines()
    assert len(message) == 1 and "damaged" in message[0] and "no start or end" in message[0], message
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "brat"])
def test_a_span_offset_stored_as_text_is_named_damaged_by_export(tmp_path: Path, cli, fmt: str) -> None:
    (tmp_path / "a.txt").write_text("The council voted. Critics called it a tax.", encoding="utf-8")
    project = tmp_path / "study.annot"
    assert cli("new", str(project)).returncode == 0
    assert cli("import", str(project), str(tmp_path / "a.txt")).returncode == 0
    from annotator.project import Project

    with Project.open(project) as opened:
        opened.annotators.ensure("ada")
        (document,) = opened.documents.list()
        opened.annotations.add(document.id, "ada", "Framing", "Economic", 4, 11)
        opened.annotations.add(document.id, "ada", "Framing", "Morality", 19, 26)
    with sqlite3.connect(project) as conn:  # written by another program
        conn.execute("PRAGMA ignore_check_constraints = 1")
        conn.execute("UPDATE annotations SET span_start = 'abc' WHERE rowid = (SELECT min(rowid) FROM annotations)")
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    out = tmp_path / ("out" if fmt == "brat" else f"out.{fmt}")
    ran = cli("export", str(project), "--format", fmt, "--out", str(out))
    assert ran.returncode == 2, ran.stdout + ran.stderr
    message = ran.stderr.strip().splitlines()
    assert len(message) == 1 and "damaged" in message[0] and "stored as str" in message[0], message
    assert not out.exists()
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before

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

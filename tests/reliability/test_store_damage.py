"""A damaged project file is named as damaged in one line, never a traceback, never a
silent partial export; opening for writing checks the file and keeps a rolling backup
(issue 11, item 4)."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from reliability_support import Worker, build_project

from annotator.cli import main
from annotator.errors import ProjectDamagedError
from annotator.project import Project

DOCUMENTS, ANNOTATIONS = 300, 2000


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed project of a few hundred documents, built once for the module."""
    path = tmp_path_factory.mktemp("pristine") / "corpus.annot"
    build_project(path, DOCUMENTS, ANNOTATIONS)
    return path


def _copy(pristine: Path, folder: Path) -> Path:
    path = folder / "corpus.annot"
    shutil.copyfile(pristine, path)
    return path


def _flip(path: Path, count: int, seed: int) -> None:
    """Flip `count` bytes at seeded places inside the pages (the 100-byte file header is kept)."""
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for offset in rng.sample(range(100, len(data)), count):
        data[offset] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


def _damaged_line(err: str, path: Path) -> bool:
    lines = err.strip().splitlines()
    return len(lines) == 1 and f"{path}: the project file is damaged" in lines[0] and "corpus.annot.bak" in lines[0]


# Seeds 0 and 7 damage only index entries (quick_check passes; an index lookup would miss rows).
@pytest.mark.parametrize(("count", "seed"), [(30, 0), (30, 1), (30, 2), (30, 3), (30, 4), (30, 7), (200, 1), (200, 2), (200, 3)])
def test_flipped_bytes_give_the_damaged_message_or_a_complete_export(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], count: int, seed: int
) -> None:
    path = _copy(pristine, tmp_path)
    _flip(path, count, seed)
    damaged = path.read_bytes()
    code = main(["info", str(path), "--json"])
    out, err = capsys.readouterr()
    if code == 0:
        info = json.loads(out)
        assert (info["documents"], info["annotations"]) == (DOCUMENTS, ANNOTATIONS)
    else:
        assert code == 2 and _damaged_line(err, path), err
    out_file = tmp_path / "out.jsonl"
    code = main(["export", str(path), "--out", str(out_file), "--json"])
    out, err = capsys.readouterr()
    if code == 0:
        lines = out_file.read_text(encoding="utf-8").splitlines()
        assert len(lines) == DOCUMENTS
        assert sum(len(json.loads(line)["spans"]) for line in lines) == ANNOTATIONS
    else:
        assert code == 2 and _damaged_line(err, path), err
        assert not out_file.exists()
    assert path.read_bytes() == damaged


def test_200_flipped_bytes_are_caught_on_open_for_writing(pristine: Path, tmp_path: Path,
                                                          other_process: Worker) -> None:
    path = _copy(pristine, tmp_path)
    _flip(path, 200, 1)
    damaged = path.read_bytes()
    with pytest.raises(ProjectDamagedError, match=r"corpus\.annot: the project file is damaged"):
        Project.open(path)
    assert path.read_bytes() == damaged
    assert not path.with_name("corpus.annot.bak").exists()  # no backup made of a damaged file
    assert other_process.cli("merge", str(path), str(pristine)).stderr.strip().startswith(f"annotator merge: {path}: the project file is damaged")


def test_sqlites_report_over_several_lines_is_said_in_one_line(pristine: Path, tmp_path: Path) -> None:
    path = _copy(pristine, tmp_path)
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'annotations_by_label'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size] = 0x07  # not a b-tree page type: SQLite reports the page, then the pages lost
    path.write_bytes(bytes(data))
    conn = sqlite3.connect(path)
    report = conn.execute("PRAGMA quick_check").fetchone()[0]
    conn.close()
    assert "\n" in report  # SQLite's own report spans lines
    with pytest.raises(ProjectDamagedError) as raised:
        Project.open(path)
    message = str(raised.value)
    assert "\n" not in message and "***" not in message, message
    assert "btreeInitPage" in message and "is never used" in message and "corpus.annot.bak" in message, message
    assert path.read_bytes() == bytes(data)


def _corrupt_values(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(("statement", "commands"), [
    ("UPDATE annotations SET attributes = '{not json'", ("export",)),
    ("UPDATE documents SET meta = CAST(x'7b22ff223a317d' AS TEXT) WHERE position = 3", ("export",)),
    ("UPDATE annotations SET label_id = 9999 WHERE rowid = 1", ("export", "info")),
])
def test_undecodable_values_give_the_damaged_message(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], statement: str, commands: tuple[str, ...]
) -> None:
    path = _copy(pristine, tmp_path)
    _corrupt_values(path, statement)
    for command in commands:
        extra = ["--out", str(tmp_path / "o.jsonl")] if command == "export" else []
        assert main([command, str(path), *extra]) == 2
        assert _damaged_line(capsys.readouterr().err, path)


def test_agreement_on_a_damaged_project_is_one_line(project: Project, other_process: Worker) -> None:
    doc = project.documents.ids()[0]
    for who in ("ada", "ben"):
        project.annotations.add(doc, who, "Framing", "Economic", 0, 3)
    path = project.path
    project.close()
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]
    _corrupt_values(path, "UPDATE labels SET name = CAST(x'45ff6f' AS TEXT) WHERE name = 'Economic'")
    result = other_process.cli("agreement", str(path), "--layer", "Framing")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"annotator agreement: {path}: the project file is damaged"), result.stderr


def test_opening_for_writing_keeps_a_rolling_backup(project: Project, tmp_path: Path) -> None:
    path = project.path
    backup = path.with_name("study.annot.bak")
    project.close()
    with Project.open(path) as reopened:
        assert reopened.backup_problem == ""  # written on a thread of its own; this waits for it
        assert backup.exists(), "made on the first open for writing"
        reopened.annotations.add(reopened.documents.ids()[0], "ada", "Framing", "Economic", 0, 3)
    with Project.open(path):
        pass
    conn = sqlite3.connect(backup)  # younger than a day: kept as it was
    assert conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 0
    conn.close()
    old = time.time() - 2 * 86400
    os.utime(backup, (old, old))
    with Project.open(path):
        pass
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 1
    assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("study.annot")) == [
        "study.annot", "study.annot.bak", "study.annot.lock"]
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_the_rolling_backup_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "quiet.annot"
    Project.create(path).close()
    monkeypatch.setenv("ANNOTATOR_BACKUP", "0")
    with Project.open(path):
        pass
    assert not path.with_name("quiet.annot.bak").exists()
    monkeypatch.delenv("ANNOTATOR_BACKUP")
    with Project.open(path) as project:
        project.set_setting("rolling_backup", "off")
    path.with_name("quiet.annot.bak").unlink()
    with Project.open(path):
        pass
    assert not path.with_name("quiet.annot.bak").exists()


def _damage_an_index(path: Path) -> None:
    """Make one index page of the file unreadable (what a bad sector or a bad copy does)."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'annotations_by_label'").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size] = 0x07
    path.write_bytes(bytes(data))


def test_info_and_agreement_name_a_damaged_file_and_say_whether_a_backup_exists(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user saw `info` and `agreement` summarise a damaged file with exit 0, and the message
    point to a rolling backup that did not exist."""
    path = _copy(pristine, tmp_path)
    _damage_an_index(path)
    for command in (["info", str(path)], ["agreement", str(path), "--layer", "Framing"]):
        assert main(command) == 2
        out, err = capsys.readouterr()
        assert out == "" and _damaged_line(err, path), err
        assert "there is no rolling backup, corpus.annot.bak, beside it" in err
    shutil.copyfile(pristine, tmp_path / "corpus.annot.bak")
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "restore it from its rolling backup corpus.annot.bak or another copy" in err, err


def _stale_index(path: Path) -> None:
    """Leave the label index out of step with its table: quick_check passes, integrity_check does
    not (what a crash in the middle of a faulty copy can leave)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'annotations_by_label'").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'annotations_by_label'").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("DELETE FROM sqlite_master WHERE name = 'annotations_by_label'")
    conn.commit()
    conn.close()
    conn = sqlite3.connect(path)  # the index is unknown now: this change does not reach it
    conn.execute("UPDATE annotations SET label_id = (SELECT MAX(id) FROM labels) WHERE rowid = 1")
    conn.commit()
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
                 "VALUES ('index', 'annotations_by_label', 'annotations', ?, ?)", [root, sql])
    conn.commit()
    conn.close()


def test_a_backup_due_on_a_file_with_a_stale_index_keeps_the_last_good_backup(pristine: Path, tmp_path: Path) -> None:
    """The full check before replacing the backup runs off the opening thread: the project still
    opens (quick_check passes), and the backup is left as it was, which the problem says."""
    path = _copy(pristine, tmp_path)
    _stale_index(path)
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert check.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    check.close()
    backup = tmp_path / "corpus.annot.bak"
    shutil.copyfile(pristine, backup)
    good = backup.read_bytes()
    old = time.time() - 2 * 86400
    os.utime(backup, (old, old))
    with Project.open(path) as opened:
        problem = opened.backup_problem
    assert "the project file is damaged" in problem and "corpus.annot.bak was kept as it was" in problem, problem
    assert backup.read_bytes() == good

"""Paths an adversarial review found after the first round of file-safety fixes: outputs
other than exports, the lock file, hard links to an open project, the rolling backup."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from reliability_support import our_locks

from annotator.cli import main
from annotator.errors import ProjectFileError
from annotator.ops.curation import export_decisions_csv
from annotator.ops.merge import merge_project
from annotator.project import Project


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_agreement_csv_never_replaces_the_project(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = project.path
    project.close()
    os.link(path, path.with_name("alias.annot"))
    before = _digest(path)
    for target in (path, path.with_name("alias.annot"), path.with_name(path.name + "-wal")):
        code = main(["agreement", str(path), "--layer", "Framing", "--measure", "percent", "--csv", str(target)])
        err = capsys.readouterr().err
        assert code == 2 and "is a project file (study.annot" in err and "agreement CSV" in err, err
    assert _digest(path) == before
    Project.open(path, readonly=True).close()  # still a project


def test_decisions_csv_never_replaces_the_open_project(project: Project) -> None:
    with pytest.raises(ProjectFileError, match="is a project file"):
        export_decisions_csv(project, project.path)
    project.annotations.add(project.documents.ids()[0], "ada", "Framing", "Economic", 4, 11)
    assert project.annotations.count() == 1


def test_a_lock_file_that_is_a_link_to_another_project_is_never_truncated(tmp_path: Path) -> None:
    Project.create(tmp_path / "other.annot").close()
    Project.create(tmp_path / "study.annot").close()
    before = _digest(tmp_path / "other.annot")
    lock = tmp_path / "study.annot.lock"
    lock.unlink()
    lock.symlink_to(tmp_path / "other.annot")
    with pytest.raises(ProjectFileError, match="is not an Annotator lock file"):
        Project.open(tmp_path / "study.annot")
    lock.unlink()
    os.link(tmp_path / "other.annot", lock)  # a hard link: two names, one file
    with pytest.raises(ProjectFileError, match="is not an Annotator lock file"):
        Project.open(tmp_path / "study.annot")
    assert _digest(tmp_path / "other.annot") == before


def test_a_project_named_like_a_lock_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "study.annot.lock")]) == 2
    assert "choose a name ending in .annot" in capsys.readouterr().err
    assert not (tmp_path / "study.annot.lock").exists()


def test_a_hard_link_of_the_open_project_is_not_merged_and_its_locks_stay(project: Project) -> None:
    alias = project.path.with_name("alias.annot")
    os.link(project.path, alias)
    held = our_locks(project.path)
    assert held
    with pytest.raises(ProjectFileError, match="alias.annot: is"):
        merge_project(project, alias)
    assert our_locks(project.path) == held


def test_the_rolling_backup_is_never_written_over_a_backup_opened_to_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANNOTATOR_BACKUP", "1")
    Project.create(tmp_path / "study.annot").close()
    Project.open(tmp_path / "study.annot").close()  # makes study.annot.bak
    backup = tmp_path / "study.annot.bak"
    assert backup.is_file()
    recovering = Project.open(backup)  # the user opens the backup to recover something
    try:
        recovering.annotators.ensure("rescued")
        old = time.time() - 3 * 86400
        os.utime(backup, (old, old))  # its file is old: its new work is in its -wal
        with Project.open(tmp_path / "study.annot") as project:
            assert "was not written" in project.backup_problem
        assert recovering.annotators.get("rescued") is not None
    finally:
        recovering.close()
    with Project.open(backup, readonly=True) as reopened:
        assert reopened.annotators.get("rescued") is not None


def test_a_damaged_file_refused_on_opening_is_left_exactly_as_it_was(tmp_path: Path) -> None:
    """A GUI review found a damaged project in rollback-journal mode (a copy made elsewhere)
    switched to WAL mode before the damage check refused it: the refused file was changed."""
    import sqlite3

    from annotator.errors import ProjectDamagedError

    path = tmp_path / "copy.annot"
    with Project.create(path) as project:
        for number in range(300):
            project.annotators.ensure(f"coder{number}")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'annotators'"
                        ).fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size] = 0x07  # not a b-tree page type
    path.write_bytes(bytes(data))
    with pytest.raises(ProjectDamagedError):
        Project.open(path)
    assert path.read_bytes() == bytes(data)
    assert not path.with_name("copy.annot-wal").exists()


def test_a_project_with_a_hard_link_is_not_opened_for_writing_twice(tmp_path: Path) -> None:
    """Round 2: p.annot and q.annot, hard links of one file, each got a lock and a -wal of
    its own, and one writer's 80 annotations were lost."""
    Project.create(tmp_path / "p.annot").close()
    os.link(tmp_path / "p.annot", tmp_path / "q.annot")
    before = _digest(tmp_path / "p.annot")
    with pytest.raises(ProjectFileError, match=r"has another name \(a hard link\)"):
        Project.open(tmp_path / "q.annot")
    with Project.open(tmp_path / "p.annot", allow_readonly=True) as viewer:
        assert viewer.readonly and "hard link" in viewer.readonly_reason
    assert _digest(tmp_path / "p.annot") == before


def test_a_symlink_to_an_open_project_meets_the_same_lock(tmp_path: Path) -> None:
    """Round 2: a second program opened s.annot -> p.annot for writing beside the first."""
    import subprocess
    import sys

    Project.create(tmp_path / "p.annot").close()
    (tmp_path / "s.annot").symlink_to(tmp_path / "p.annot")
    with Project.open(tmp_path / "p.annot"):
        probe = ("from annotator.project import Project\n"
                 f"Project.open({str(tmp_path / 's.annot')!r})\n")
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[2])
        assert done.returncode != 0 and "is open in another running Annotator" in done.stderr, done.stderr
    assert not (tmp_path / "s.annot.lock").exists()


def test_new_refuses_before_making_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Round 2: `new` with a lock file that is a link left a project file without a codebook
    behind; a leftover -wal with changes was silently discarded."""
    Project.create(tmp_path / "other.annot").close()
    (tmp_path / "q.annot.lock").symlink_to(tmp_path / "other.annot")
    assert main(["new", str(tmp_path / "q.annot")]) == 2
    assert "is not an Annotator lock file" in capsys.readouterr().err
    assert not (tmp_path / "q.annot").exists()
    (tmp_path / "r.annot-wal").write_bytes(b"changes of a project moved away")
    assert main(["new", str(tmp_path / "r.annot")]) == 2
    assert "r.annot-wal beside it holds changes" in capsys.readouterr().err
    assert not (tmp_path / "r.annot").exists()
    assert (tmp_path / "r.annot-wal").read_bytes() == b"changes of a project moved away"


def test_a_backup_that_is_a_link_is_reported_not_silently_never_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 2: with study.annot.bak a symlink to the project, the backup was never due (the
    link's target is always fresh) and nothing said so."""
    monkeypatch.setenv("ANNOTATOR_BACKUP", "1")
    Project.create(tmp_path / "study.annot").close()
    (tmp_path / "study.annot.bak").symlink_to(tmp_path / "study.annot")
    old = time.time() - 3 * 86400
    os.utime(tmp_path / "study.annot.bak", (old, old), follow_symlinks=False)
    with Project.open(tmp_path / "study.annot") as project:
        assert "is a link" in project.backup_problem
    assert (tmp_path / "study.annot.bak").is_symlink()

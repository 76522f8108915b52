"""SQLite's locks survive everything else this process does with a project file; the
project lock never lets two writers in at once (issue 11, items 2 and 8)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import ROOT, Worker, child_env, our_locks

from annotator.cli import main
from annotator.project import Project

# A writer that keeps working after in-process read-only opens (what the agreement worker,
# the export and merge dialogs do), then dies without closing: only SQLite's WAL holds its
# last changes, so the WAL must not have been removed by anyone meanwhile.
WRITER = r"""
import os, sys
from annotator.project import Project
path = sys.argv[1]
project = Project.open(path)
doc = project.documents.ids()[0]
seg = project.documents.segmentation(doc)
def add(n):
    project.annotations.add(doc, "ada", "Framing", "Economic", seg.token_starts[n], seg.token_ends[n])
for n in range(5):
    add(n)
for _ in range(3):
    reader = Project.open(path, readonly=True)
    assert len(reader.documents) == 2
    reader.close()
print("ready", flush=True)
sys.stdin.readline()  # the other program has had its go at the file
for n in range(5, 10):
    add(n)
print("written", flush=True)
os._exit(0)  # killed: no close, no checkpoint
"""


def test_read_only_opens_in_this_process_keep_sqlite_locks(project: Project) -> None:
    held = our_locks(project.path)
    assert held, "a WAL connection holds a shared lock on the project file"
    for _ in range(3):
        reader = Project.open(project.path, readonly=True)
        assert len(reader.documents) == 2
        reader.close()
    assert our_locks(project.path) == held


def test_committed_changes_survive_another_program_closing_the_file(project: Project) -> None:
    path = project.path
    project.close()
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT, env=child_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        # Another program (the sqlite3 shell, a backup tool) checkpoints and closes: if it
        # believes it is the last user of the file, it removes the WAL under the writer.
        other = sqlite3.connect(path)
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        other.close()
        assert path.with_name(path.name + "-wal").exists()
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "written", writer.stderr.read()
        assert writer.wait(30) == 0
    finally:
        writer.kill()
    with Project.open(path) as reopened:
        assert reopened.annotations.count() == 10


def test_importing_an_open_project_file_is_refused_and_keeps_its_locks(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.annot"
    Project.create(target).close()
    held = our_locks(project.path)
    before = target.read_bytes()
    for given in (project.path, project.path.with_name(project.path.name + "-wal")):
        assert main(["import", str(target), str(given), "--format", "txt"]) == 1
        out = capsys.readouterr().out
        assert f"failed: {given}: is a project file open in this program" in out
    assert main(["import", str(target), str(target), "--format", "txt"]) == 1
    assert f"failed: {target}: is the project file itself" in capsys.readouterr().out
    assert our_locks(project.path) == held
    with Project.open(target, readonly=True) as reread:
        assert len(reread.documents) == 0
    assert target.read_bytes() == before


def test_pre_migration_backup_holds_changes_a_reader_keeps_in_the_wal(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program reading an old snapshot stops the checkpoint; the backup still has everything."""
    path = project.path
    doc = project.documents.ids()[0]
    reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM annotations").fetchone()  # holds this snapshot
    seg = project.documents.segmentation(doc)
    for n in range(4):
        project.annotations.add(doc, "ada", "Framing", "Economic", seg.token_starts[n], seg.token_ends[n])
    # The closing checkpoint cannot pass the reader's snapshot: it would wait the whole busy
    # timeout (3 s) for it and then leave the changes in the WAL all the same. That they stay
    # in the WAL is what this test needs (asserted below), not the wait.
    project.db.execute("PRAGMA busy_timeout = 20")
    project.close()
    assert path.with_name(path.name + "-wal").stat().st_size > 0, "the changes are in the WAL, not the file"
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True) as file_only:
        assert file_only.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 0, "the file alone lacks them"
    file_only.close()
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]
    from annotator.store import database, schema

    migrations = [*schema.MIGRATIONS, ["CREATE TABLE extra (x)"]]
    monkeypatch.setattr(database, "MIGRATIONS", migrations)
    monkeypatch.setattr(database, "SCHEMA_VERSION", len(migrations))
    try:
        with Project.open(path) as upgraded:
            assert upgraded.annotations.count() == 4
            reader.close()  # the backup is written; the upgraded project's close need not wait for it
    finally:
        reader.close()
    backup = sqlite3.connect(path.with_name(f"{path.name}.v{schema.SCHEMA_VERSION}.bak"))
    assert backup.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 4
    backup.close()


CYCLER = r"""
import os, sys, time
from annotator.errors import ProjectFileError
from annotator.project import Project
path, log, until, wanted = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
held = refused = 0
while held < wanted and time.time() < until:
    try:
        project = Project.open(path)
    except ProjectFileError:
        refused += 1
        time.sleep(0.001)  # as a person retrying would: not spinning keeps the holder on a CPU
        continue
    start = time.monotonic_ns()
    time.sleep(0.001)
    end = time.monotonic_ns()
    project.close()
    with open(log, "a") as out:
        out.write(f"{start} {end} {os.getpid()}\n")
    held += 1
print(held, refused)
"""


def test_processes_cycling_open_and_close_never_hold_the_project_together(tmp_path: Path,
                                                                         other_process: Worker) -> None:
    path = tmp_path / "busy.annot"
    Project.create(path).close()
    log = tmp_path / "held.log"
    # Each process holds the project 12 times (a deadline only against a hang), so a loaded
    # machine makes the test slower, never too short to mean anything. The four are forked
    # together from a process that has imported the package: they race from the first moment,
    # rather than one by one as each finishes its imports.
    until = time.time() + 90
    procs = other_process.processes(CYCLER, str(path), str(log), str(until), "12", copies=4, ANNOTATOR_BACKUP="0")
    outputs = [(proc.stdout, proc.stderr) for proc in procs]
    assert len({pid for *_, pid in (line.split() for line in log.read_text().splitlines())}) == 4, \
        "four processes of their own held the project"
    assert all(proc.returncode == 0 for proc in procs), outputs
    intervals = sorted(tuple(map(int, line.split())) for line in log.read_text().splitlines())
    assert len(intervals) == 48, outputs
    overlaps = [(a, b) for a, b in zip(intervals, intervals[1:]) if b[0] < a[1]]
    assert overlaps == [], f"{len(overlaps)} of {len(intervals)} sessions overlapped another"
    assert path.with_name("busy.annot.lock").exists()


def test_a_project_in_use_elsewhere_is_refused_naming_the_process(project: Project, other_process: Worker) -> None:
    result = other_process.python("from annotator.project import Project; import sys; Project.open(sys.argv[1])",
                                  str(project.path))
    assert "open in another running Annotator" in result.stderr
    import os

    assert f"(process {os.getpid()})" in result.stderr

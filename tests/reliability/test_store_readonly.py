"""A project that cannot be written (read-only file, folder, file system, another user's
file) opens read-only for reading commands and says why (issue 11, item 7)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import run_cli, run_python

from annotator.ops.importing import import_paths
from annotator.project import Project

OPEN_BOTH_WAYS = r"""
import json, sys
from annotator.errors import ProjectFileError
from annotator.project import Project
path = sys.argv[1]
result = {}
try:
    Project.open(path).close()
    result["plain"] = "opened"
except ProjectFileError as error:
    result["plain"] = str(error)
with Project.open(path, allow_readonly=True) as project:
    result["readonly"] = project.readonly
    result["reason"] = project.readonly_reason
    result["documents"] = len(project.documents)
print(json.dumps(result))
"""


def _make(folder: Path) -> Path:
    path = folder / "study.annot"
    (folder / "in").mkdir()
    (folder / "in" / "a.txt").write_text("The council voted for the charge.", encoding="utf-8")
    (folder / "in" / "b.txt").write_text("Critics called it a tax on workers.", encoding="utf-8")
    with Project.create(path) as project:
        import_paths(project, [folder / "in"])
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        doc = project.documents.ids()[0]
        project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3)
        project.annotations.add(doc, "ben", "Framing", "Economic", 0, 3)
    path.with_name("study.annot.lock").unlink(missing_ok=True)
    return path


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def out_folder(shared_folder: Path) -> Path:
    """A folder anyone may write, for export output."""
    out = shared_folder / "out"
    out.mkdir()
    out.chmod(0o777)
    return out


@pytest.fixture(params=["read-only folder", "read-only file", "another user's file"])
def unwritable(request: pytest.FixtureRequest, shared_folder: Path) -> Iterator[tuple[Path, str]]:
    """A project this test's child processes cannot write, and the reason they should give."""
    folder = shared_folder / "p"
    folder.mkdir()
    path = _make(folder)
    if request.param == "read-only folder":
        folder.chmod(0o555)
        reason = "the folder is read-only"
    elif request.param == "read-only file":
        folder.chmod(0o777)
        path.chmod(0o444)
        reason = "the project file is read-only"
    else:
        folder.chmod(0o777)
        if os.geteuid() != 0:
            pytest.skip("needs root to give a file to another user")
        os.chown(path, 65534, 65534)
        reason = "the project file belongs to another user"
    yield path, reason


def test_reading_commands_work_on_a_project_that_cannot_be_written(
    unwritable: tuple[Path, str], out_folder: Path
) -> None:
    path, _ = unwritable
    before = _listing(path.parent)
    data = path.read_bytes()
    info = run_cli("info", str(path), "--json", plain_user=True)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["annotations"] == 2
    export = run_cli("export", str(path), "--out", str(out_folder / "all.jsonl"), plain_user=True)
    assert export.returncode == 0, export.stderr
    assert len((out_folder / "all.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    agreement = run_cli("agreement", str(path), "--layer", "Framing", "--json", plain_user=True)
    assert agreement.returncode == 0, agreement.stderr
    if path.parent.stat().st_mode & 0o200 == 0:
        assert _listing(path.parent) == before  # nothing created beside it
    assert path.read_bytes() == data


def test_open_allow_readonly_says_why_and_leaves_no_lock(unwritable: tuple[Path, str]) -> None:
    path, reason = unwritable
    before = _listing(path.parent)
    result = run_python(OPEN_BOTH_WAYS, str(path), plain_user=True)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["plain"] == f"{path}: cannot be written ({reason}); it can be opened read-only"
    assert (found["readonly"], found["reason"], found["documents"]) == (True, reason, 2)
    assert "study.annot.lock" not in _listing(path.parent)
    after = [name for name in _listing(path.parent) if name not in ("study.annot-shm", "study.annot-wal")]
    assert after == before


def test_a_writable_project_opens_for_writing_with_no_reason(project: Project) -> None:
    path = project.path
    project.close()
    with Project.open(path, allow_readonly=True) as reopened:
        assert (reopened.readonly, reopened.readonly_reason) == (False, "")
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_a_read_only_folder_with_unsaved_changes_in_the_wal_is_read_with_them(shared_folder: Path) -> None:
    """A copy of a project and its -wal/-shm (a crashed session) on a read-only stick."""
    folder = shared_folder / "stick"
    folder.mkdir()
    path = _make(folder)
    writer = run_python(
        "import os, sys\nfrom annotator.project import Project\np = Project.open(sys.argv[1])\n"
        "d = p.documents.ids()[1]\np.annotations.add(d, 'ada', 'Framing', 'Economic', 0, 3)\nos._exit(0)",
        str(path), ANNOTATOR_BACKUP="0")
    assert writer.returncode == 0, writer.stderr
    assert path.with_name("study.annot-wal").stat().st_size > 0
    folder.chmod(0o555)
    info = run_cli("info", str(path), "--json", plain_user=True)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["annotations"] == 3


def test_a_read_only_file_system(shared_folder: Path, out_folder: Path) -> None:
    """A read-only bind mount (as a CD or a write-protected share): the commands read it."""
    if os.geteuid() != 0:
        pytest.skip("a read-only mount needs root")
    source = shared_folder / "src"
    source.mkdir()
    path = _make(source)
    mount = shared_folder / "ro"
    mount.mkdir()
    done = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.decode().strip()}")
    try:
        done = subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.decode().strip()}")
        mounted = mount / path.name
        info = run_cli("info", str(mounted), "--json")  # as root: only the mount stops writing
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["annotations"] == 2
        export = run_cli("export", str(mounted), "--out", str(out_folder / "ro.jsonl"))
        assert export.returncode == 0, export.stderr
        result = run_python(OPEN_BOTH_WAYS, str(mounted))
        found = json.loads(result.stdout)
        assert found["plain"] == f"{mounted}: cannot be written (the disk is read-only); it can be opened read-only"
        assert (found["readonly"], found["reason"]) == (True, "the disk is read-only")
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)

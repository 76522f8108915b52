"""A project that cannot be written (read-only file, folder, file system, another user's
file) opens read-only for reading commands and says why (issue 11, item 7)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import Worker, run_python

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


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's project, made once: two articles, one span each by ada and ben (closed)."""
    folder = tmp_path_factory.mktemp("readonly-template")
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
    assert sorted(p.name for p in folder.iterdir()) == ["in", "study.annot", "study.annot.lock"]
    return path


def _make(folder: Path, template: Path) -> Path:
    """A copy of the module's project in `folder` (no lock file beside it)."""
    return Path(shutil.copyfile(template, folder / "study.annot"))


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
def unwritable(request: pytest.FixtureRequest, shared_folder: Path, template: Path) -> Iterator[tuple[Path, str]]:
    """A project this test's child processes cannot write, and the reason they should give."""
    folder = shared_folder / "p"
    folder.mkdir()
    path = _make(folder, template)
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
    unwritable: tuple[Path, str], out_folder: Path, plain_user: Worker
) -> None:
    path, _ = unwritable
    before = _listing(path.parent)
    data = path.read_bytes()
    info = plain_user.cli("info", str(path), "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["annotations"] == 2
    export = plain_user.cli("export", str(path), "--out", str(out_folder / "all.jsonl"))
    assert export.returncode == 0, export.stderr
    assert len((out_folder / "all.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    agreement = plain_user.cli("agreement", str(path), "--layer", "Framing", "--json")
    assert agreement.returncode == 0, agreement.stderr
    if path.parent.stat().st_mode & 0o200 == 0:
        assert _listing(path.parent) == before  # nothing created beside it
    assert path.read_bytes() == data


def test_open_allow_readonly_says_why_and_leaves_no_lock(unwritable: tuple[Path, str], plain_user: Worker) -> None:
    path, reason = unwritable
    before = _listing(path.parent)
    result = plain_user.python(OPEN_BOTH_WAYS, str(path))
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


def test_a_read_only_folder_with_unsaved_changes_in_the_wal_is_read_with_them(
    shared_folder: Path, template: Path, plain_user: Worker
) -> None:
    """A copy of a project and its -wal/-shm (a crashed session) on a read-only stick."""
    folder = shared_folder / "stick"
    folder.mkdir()
    path = _make(folder, template)
    writer = run_python(
        "import os, sys\nfrom annotator.project import Project\np = Project.open(sys.argv[1])\n"
        "d = p.documents.ids()[1]\np.annotations.add(d, 'ada', 'Framing', 'Economic', 0, 3)\nos._exit(0)",
        str(path), ANNOTATOR_BACKUP="0")
    assert writer.returncode == 0, writer.stderr
    assert path.with_name("study.annot-wal").stat().st_size > 0
    folder.chmod(0o555)
    info = plain_user.cli("info", str(path), "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["annotations"] == 3


def test_a_read_only_file_system(shared_folder: Path, out_folder: Path, template: Path,
                                 other_process: Worker) -> None:
    """A read-only bind mount (as a CD or a write-protected share): the commands read it."""
    if os.geteuid() != 0:
        pytest.skip("a read-only mount needs root")
    source = shared_folder / "src"
    source.mkdir()
    path = _make(source, template)
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
        info = other_process.cli("info", str(mounted), "--json")  # as root: only the mount stops writing
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["annotations"] == 2
        export = other_process.cli("export", str(mounted), "--out", str(out_folder / "ro.jsonl"))
        assert export.returncode == 0, export.stderr
        result = other_process.python(OPEN_BOTH_WAYS, str(mounted))
        found = json.loads(result.stdout)
        assert found["plain"] == f"{mounted}: cannot be written (the disk is read-only); it can be opened read-only"
        assert (found["readonly"], found["reason"]) == (True, "the disk is read-only")
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)

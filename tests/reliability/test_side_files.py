"""Files kept beside a project never outlive their use to block it: a read-only open leaves
no read-only -wal/-shm behind, a leftover empty one is cleared when the project is opened
for writing (never a -wal with changes in it, never one another program uses); a second
opening in this program says so; an export of several files moves them all or none
(issue 11, follow-up of the adversarial review)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_support import ROOT, Worker, as_plain_user, child_env, run_python

from annotator.cli import main
from annotator.errors import ProjectFileError
from annotator.formats.interchange import OutputFiles
from annotator.ops.importing import import_paths
from annotator.project import Project

ADD_ONE = r"""
import sys
from annotator.project import Project
with Project.open(sys.argv[1]) as project:
    doc = project.documents.ids()[1]
    project.annotations.add(doc, "ben", "Framing", "Economic", 0, 3)
    print(project.annotations.count())
"""

# A reader killed while the project is open: nothing of it closes, so nothing of it tidies up.
KILLED_READER = r"""
import os, sys
from annotator.project import Project
project = Project.open(sys.argv[1], readonly=True)
assert len(project.documents) == 2
os._exit(0)
"""

WAITING_READER = r"""
import sys
from annotator.project import Project
with Project.open(sys.argv[1], readonly=True) as project:
    assert len(project.documents) == 2
    print("ready", flush=True)
    sys.stdin.readline()
print("closed", flush=True)
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's project, made once: two articles, one span by ada (closed, nothing beside it)."""
    folder = tmp_path_factory.mktemp("side-files-template")
    path = folder / "p.annot"
    (folder / "in").mkdir()
    (folder / "in" / "a.txt").write_text("The council voted for the charge.", encoding="utf-8")
    (folder / "in" / "b.txt").write_text("Critics called it a tax on workers.", encoding="utf-8")
    with Project.create(path) as project:
        import_paths(project, [folder / "in"])
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        project.annotations.add(project.documents.ids()[0], "ada", "Framing", "Economic", 0, 3)
    assert _side(path) == {}
    return path


def _make(folder: Path, template: Path) -> Path:
    """A copy of the module's project in `folder`."""
    return Path(shutil.copyfile(template, folder / "p.annot"))


def _side(path: Path) -> dict[str, int]:
    """The -wal and -shm beside `path` that exist, with their permission bits."""
    found = {}
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            found[side.name] = side.stat().st_mode & 0o777
    return found


@pytest.fixture
def read_only_file(shared_folder: Path, template: Path) -> Path:
    """A project file with mode 444 in a folder its user may write."""
    folder = shared_folder / "p"
    folder.mkdir()
    folder.chmod(0o777)
    path = _make(folder, template)
    path.chmod(0o444)
    return path


# ----- finding 1: read-only side files ----------------------------------------------------------


def test_reading_a_read_only_file_leaves_no_side_files_and_it_is_writable_after_chmod(
    read_only_file: Path, shared_folder: Path, plain_user: Worker
) -> None:
    path = read_only_file
    info = plain_user.cli("info", str(path), "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["annotations"] == 1
    out = shared_folder / "out.jsonl"
    export = plain_user.cli("export", str(path), "--out", str(out))
    assert export.returncode == 0, export.stderr
    assert _side(path) == {}
    path.chmod(0o644)  # the user makes the project writable again
    added = plain_user.python(ADD_ONE, str(path), ANNOTATOR_BACKUP="0")
    assert added.returncode == 0, added.stderr
    assert added.stdout.split() == ["2"]


def test_empty_read_only_side_files_of_a_killed_reader_are_cleared_when_opening_for_writing(
    read_only_file: Path, plain_user: Worker
) -> None:
    path = read_only_file
    killed = run_python(KILLED_READER, str(path), plain_user=True)
    assert killed.returncode == 0, killed.stderr
    assert _side(path) == {"p.annot-wal": 0o444, "p.annot-shm": 0o444}  # what it leaves
    assert path.with_name("p.annot-wal").stat().st_size == 0
    path.chmod(0o644)
    added = plain_user.python(ADD_ONE, str(path), ANNOTATOR_BACKUP="0")
    assert added.returncode == 0, added.stderr
    assert added.stdout.split() == ["2"]


def test_a_read_only_wal_holding_changes_is_never_removed(shared_folder: Path, template: Path,
                                                          plain_user: Worker) -> None:
    folder = shared_folder / "p"
    folder.mkdir()
    folder.chmod(0o777)
    path = _make(folder, template)
    crashed = run_python(ADD_ONE.replace("print(project.annotations.count())", "import os; os._exit(0)"),
                         str(path), ANNOTATOR_BACKUP="0")
    assert crashed.returncode == 0, crashed.stderr
    wal = path.with_name("p.annot-wal")
    held = wal.read_bytes()
    assert len(held) > 0
    wal.chmod(0o444)
    path.with_name("p.annot-shm").chmod(0o444)
    refused = plain_user.python(ADD_ONE, str(path), ANNOTATOR_BACKUP="0")
    assert refused.returncode != 0
    assert f"{path}: cannot be written (p.annot-wal beside it is read-only)" in refused.stderr
    info = plain_user.cli("info", str(path), "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["annotations"] == 2  # the change in the -wal is read
    assert wal.read_bytes() == held
    assert _side(path) == {"p.annot-wal": 0o444, "p.annot-shm": 0o444}


def test_side_files_another_reader_uses_are_kept_until_the_last_one_closes(read_only_file: Path,
                                                                          plain_user: Worker) -> None:
    path = read_only_file
    reader = subprocess.Popen([*as_plain_user(), sys.executable, "-c", WAITING_READER, str(path)], cwd=ROOT,
                              env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        info = plain_user.cli("info", str(path), "--json")  # opens and closes meanwhile
        assert info.returncode == 0, info.stderr
        assert _side(path) == {"p.annot-wal": 0o444, "p.annot-shm": 0o444}
        path.chmod(0o644)
        refused = plain_user.python(ADD_ONE, str(path), ANNOTATOR_BACKUP="0")
        assert "p.annot-wal beside it is read-only" in refused.stderr  # in use: not ours to remove
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "closed", reader.stderr.read()
        assert reader.wait(30) == 0
    finally:
        reader.kill()
    assert _side(path) == {}  # the reader that made them removed them, last
    added = plain_user.python(ADD_ONE, str(path), ANNOTATOR_BACKUP="0")
    assert added.returncode == 0, added.stderr


def test_a_writable_project_read_alone_is_left_with_no_side_files(tmp_path: Path, template: Path) -> None:
    path = _make(tmp_path, template)
    assert _side(path) == {}
    with Project.open(path, readonly=True) as reader:
        assert len(reader.documents) == 2
        assert "p.annot-shm" in _side(path)
    assert _side(path) == {}


def test_a_reader_in_this_program_leaves_the_writers_side_files(project: Project) -> None:
    before = _side(project.path)
    assert before
    with Project.open(project.path, readonly=True) as reader:
        assert len(reader.documents) == 2
    assert _side(project.path) == before
    project.annotations.add(project.documents.ids()[0], "ada", "Framing", "Economic", 4, 11)
    with Project.open(project.path, readonly=True) as reader:
        assert reader.annotations.count() == 1


# ----- finding 2: a second opening in this program ------------------------------------------------


def test_a_second_open_in_this_program_says_it_is_open_here(project: Project) -> None:
    with pytest.raises(ProjectFileError) as raised:
        Project.open(project.path)
    assert str(raised.value) == f"{project.path}: is already open in this program (in another window?); " \
                                "use that window, or close the project there first"


def test_a_project_held_by_another_process_still_names_it(project: Project, other_process: Worker) -> None:
    result = other_process.python("from annotator.project import Project; import sys; Project.open(sys.argv[1])",
                                  str(project.path))
    assert f"is open in another running Annotator (process {os.getpid()}); close it there first" in result.stderr


# ----- finding 3: several output files, all or none -----------------------------------------------


@pytest.mark.parametrize("earlier", [True, False], ids=["earlier rows kept", "no rows left"])
def test_an_export_whose_second_file_cannot_be_moved_leaves_the_first_as_it_was(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str], earlier: bool
) -> None:
    out = tmp_path / "out" / "rows.csv"
    out.parent.mkdir()
    if earlier:
        out.write_bytes(b"rows of an earlier export\r\n")
    blocker = out.with_name("rows.matrix.csv")  # a folder with a file in it, where the matrix goes
    blocker.mkdir()
    (blocker / "keep.txt").write_text("mine", encoding="utf-8")
    listing = sorted(os.listdir(out.parent))
    code = main(["export", str(project.path), "--format", "csv", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    # Refused up front now (a folder is no file an export may replace); the move's own
    # all-or-nothing rollback is tested below with OutputFiles directly.
    assert err.startswith(f"annotator export: {blocker}: exists and is not an ordinary file") \
        and err.count("\n") == 1, err
    assert sorted(os.listdir(out.parent)) == listing  # no temporaries, nothing kept aside
    if earlier:
        assert out.read_bytes() == b"rows of an earlier export\r\n"
    assert (blocker / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_output_files_commit_all_or_none_with_a_folder_among_them(tmp_path: Path) -> None:
    first, folder, third = tmp_path / "a.txt", tmp_path / "corpus", tmp_path / "c.txt"
    first.write_text("old a", encoding="utf-8")
    folder.mkdir()  # an empty folder may be written into
    third.mkdir()
    (third / "x").write_text("x", encoding="utf-8")
    files = OutputFiles()
    files.file(first).write_text("new a", encoding="utf-8")
    (files.folder(folder) / "doc.ann").write_text("T1", encoding="utf-8")
    files.file(third).write_text("new c", encoding="utf-8")
    with pytest.raises(OSError):
        files.commit()
    files.discard()
    assert first.read_text(encoding="utf-8") == "old a"
    assert folder.is_dir() and os.listdir(folder) == []
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "c.txt", "corpus"]


def test_output_files_commit_replaces_every_earlier_output(tmp_path: Path) -> None:
    first, folder, third = tmp_path / "a.txt", tmp_path / "corpus", tmp_path / "c.txt"
    first.write_text("old a", encoding="utf-8")
    folder.mkdir()
    third.write_text("old c", encoding="utf-8")
    files = OutputFiles()
    files.file(first).write_text("new a", encoding="utf-8")
    (files.folder(folder) / "doc.ann").write_text("T1", encoding="utf-8")
    files.file(third).write_text("new c", encoding="utf-8")
    files.commit()
    assert first.read_text(encoding="utf-8") == "new a"
    assert os.listdir(folder) == ["doc.ann"]
    assert third.read_text(encoding="utf-8") == "new c"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "c.txt", "corpus"]

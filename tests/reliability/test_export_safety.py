"""Exports never touch a project file, get the user's normal file mode, clean up after a
killed run, survive a full disk in one line, and refuse to export a damaged project."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.errors import ProjectDamagedError, ProjectFileError
from annotator.ops.exporting import export_project
from annotator.project import Project

REPO = Path(__file__).resolve().parents[2]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _parts(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".part"))


def _annotate_and_reopen(project: Project) -> int:
    """Add an annotation through the open project, close it, and count what the file holds."""
    doc = project.documents.ids()[0]
    project.annotations.add(doc, "ada", "Framing", "Economic", 4, 11)
    path = project.path
    project.close()
    with Project.open(path, readonly=True) as again:
        return again.annotations.count()


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["export", *args])
    return code, capsys.readouterr().err


# ----- item 1: no output may be the project ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "brat", "spacy"])
def test_cli_export_onto_the_open_project_is_refused_and_later_work_is_kept(
        project: Project, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    path = project.path
    before, listing = _sha(path), _listing(path.parent)
    code, err = _export(capsys, str(path), "--format", fmt, "--out", str(path))
    assert code == 2
    assert "is this project itself" in err and len(err.strip().splitlines()) == 1
    assert _sha(path) == before and _listing(path.parent) == listing
    assert _annotate_and_reopen(project) == 1


def _alias(kind: str, project: Path) -> Path:
    """Another name for the project file (or one SQLite keeps beside it)."""
    folder = project.parent
    if kind == "symlink":
        link = folder / "link.csv"
        link.symlink_to(project)
        return link
    if kind == "dotdot":
        (folder / "sub").mkdir()
        return folder / "sub" / ".." / project.name
    if kind == "hardlink":
        link = folder / "hard.csv"
        os.link(project, link)
        return link
    return project.with_name(project.name + kind)


@pytest.mark.parametrize("kind", ["symlink", "dotdot", "hardlink", "-wal", "-shm", "-journal", ".lock"])
def test_cli_export_to_another_name_of_the_project_is_refused(
        project: Project, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = project.path
    out = _alias(kind, path)
    before, listing = _sha(path), _listing(path.parent)
    code, err = _export(capsys, str(path), "--format", "csv", "--out", str(out))
    assert code == 2 and "is this project itself" in err, err
    assert _sha(path) == before and _listing(path.parent) == listing
    assert _annotate_and_reopen(project) == 1


def test_brat_folder_named_like_a_project_side_file_is_refused(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    path = project.path
    listing = _listing(path.parent)
    code, err = _export(capsys, str(path), "--format", "brat", "--out", str(path) + "-journal")
    assert code == 2 and "is this project itself" in err
    assert _listing(path.parent) == listing


def test_csv_matrix_that_resolves_to_the_project_is_refused(
        project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project.path
    (tmp_path / "out.matrix.csv").symlink_to(path)
    before, listing = _sha(path), _listing(tmp_path)
    code, err = _export(capsys, str(path), "--format", "csv", "--out", str(tmp_path / "out.csv"))
    assert code == 2 and "is this project itself" in err and "out.matrix.csv" in err
    assert _sha(path) == before and _listing(tmp_path) == listing
    assert _annotate_and_reopen(project) == 1


def test_report_that_resolves_to_the_project_is_refused(
        project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = project.path
    (tmp_path / "out.jsonl.report.txt").symlink_to(path)
    before, listing = _sha(path), _listing(tmp_path)
    code, err = _export(capsys, str(path), "--format", "jsonl", "--out", str(tmp_path / "out.jsonl"))
    assert code == 2 and "is this project itself" in err and "report" in err
    assert _sha(path) == before and _listing(tmp_path) == listing
    assert _annotate_and_reopen(project) == 1


def test_export_onto_another_project_open_in_this_process_is_refused(
        project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = Project.create(tmp_path / "other.annot")
    try:
        before = _sha(other.path)
        for out in (other.path, other.path.with_name("other.annot-wal")):
            code, err = _export(capsys, str(project.path), "--format", "jsonl", "--out", str(out))
            assert code == 2 and f"{out}: is a project open in this program" in err, err
        assert "kept beside other.annot" in err
        assert _sha(other.path) == before
    finally:
        other.close()


def test_ops_export_onto_a_hard_link_of_the_project_raises_and_writes_nothing(project: Project) -> None:
    path = project.path
    link = path.with_name("copy.jsonl")
    os.link(path, link)
    before, listing = _sha(path), _listing(path.parent)
    with pytest.raises(ProjectFileError, match="is this project itself"):
        export_project(project, "jsonl", link)
    assert _sha(path) == before and _listing(path.parent) == listing
    assert _annotate_and_reopen(project) == 1


def test_a_project_named_like_a_stale_part_file_is_not_removed(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    alias = tmp_path / ".out.jsonl.999999999-abcdefgh.part"  # a dead process's name, but the project
    os.link(project.path, alias)
    os.utime(alias, (1, 1))
    export_project(project, "jsonl", out)
    assert alias.exists() and out.exists()


def test_gui_export_dialog_onto_the_open_project_says_so(qtbot, project: Project, tmp_path: Path) -> None:
    from annotator.gui.dialogs.export_dialog import ExportDialog
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings
    from PySide6.QtCore import Qt

    window = MainWindow(AppSettings(tmp_path / "settings.ini"))
    qtbot.addWidget(window)
    assert window.set_project(project, annotator="ada")
    window.actions_by_name["export"].trigger()
    dialog = window.dialog
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    before = _sha(project.path)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("csv"))
    dialog.out.setText(str(project.path))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "is this project itself" in dialog.status.text(), timeout=15000)
    assert dialog.report is None and _sha(project.path) == before


# ----- item 9: modes, stale .part files, a full disk ------------------------------------------------


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_exports_get_the_users_normal_file_mode(project: Project, tmp_path: Path, umask: None) -> None:
    report = export_project(project, "csv", tmp_path / "out.csv")
    for name in ("out.csv", "out.matrix.csv", "out.csv.report.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640, name
    assert Path(report.report_path).exists()
    export_project(project, "brat", tmp_path / "brat")
    assert stat.S_IMODE((tmp_path / "brat").stat().st_mode) == 0o750
    os.umask(0o022)
    export_project(project, "jsonl", tmp_path / "out.jsonl")
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o644


KILLED_EXPORT = """
import sys, time
from annotator.ops.exporting import export_project
from annotator.project import Project

def progress(done, total, title):
    print("writing", flush=True)
    time.sleep(120)

with Project.open(sys.argv[1], readonly=True) as project:
    export_project(project, sys.argv[3], sys.argv[2], progress=progress)
"""


def _killed_export(project: Path, out: Path, fmt: str) -> None:
    """Run an export in another process and kill it while it writes."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", KILLED_EXPORT, str(project), str(out), fmt],
                             stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


@pytest.mark.parametrize("fmt", ["jsonl", "brat"])
def test_the_next_export_removes_a_killed_exports_part_file(
        project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    out = tmp_path / ("out.jsonl" if fmt == "jsonl" else "brat")
    _killed_export(project.path, out, fmt)
    left = _parts(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".{out.name}.")
    # Not ours to remove: another output's, a name we do not make, a live process's.
    sleeper = subprocess.Popen(["sleep", "60"])  # any live process (a Python would take longer to start)
    try:
        keep = [tmp_path / f".other.jsonl.{os.getpid() + 10**8}-abcdefgh.part",
                tmp_path / f".{out.name}.notes.part",
                tmp_path / f".{out.name}.{sleeper.pid}-abcdefgh.part"]
        for path in keep:
            path.write_text("x", encoding="utf-8")
            os.utime(path, (1, 1))
        code, _ = _export(capsys, str(project.path), "--format", fmt, "--out", str(out))
        assert code == 0 and out.exists()
        assert _parts(tmp_path) == sorted(path.name for path in keep)
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted in the test's folder (needs root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to simulate a full disk needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _fill(disk: Path, leave_pages: int) -> None:
    """Fill the disk so that exactly `leave_pages` blocks stay free."""
    info = os.statvfs(disk)
    with (disk / "filler").open("wb") as handle:
        handle.write(b"\0" * (info.f_bavail - leave_pages) * info.f_frsize)
    assert os.statvfs(disk).f_bavail == leave_pages


def test_disk_full_while_writing_the_report_is_one_line_and_leaves_nothing(
        project: Project, tmp_path: Path, small_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trial = tmp_path / "trial.jsonl"
    export_project(project, "jsonl", trial)
    pages = -(-trial.stat().st_size // os.statvfs(small_disk).f_frsize)
    _fill(small_disk, pages)  # room for the export, none for its report
    out = small_disk / "out.jsonl"
    code, err = _export(capsys, str(project.path), "--format", "jsonl", "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "No space left on device" in err and "nothing was written" in err and "report" in err
    assert _listing(small_disk) == ["filler"]


def test_disk_full_while_writing_the_export_is_one_line_and_leaves_nothing(
        project: Project, small_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(small_disk, 0)
    out = small_disk / "out.csv"
    code, err = _export(capsys, str(project.path), "--format", "csv", "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "No space left on device" in err and "nothing was written" in err
    assert _listing(small_disk) == ["filler"]


# ----- item 4: a damaged project is named as damaged, never exported in part ----------------------

DAMAGE = {
    "attributes-not-json": "UPDATE annotations SET attributes = '{\"polarity\": '",
    "attributes-not-an-object": "UPDATE annotations SET attributes = '[1, 2]'",
    "text-not-utf8": "UPDATE document_content SET text = CAST(X'41C328FF' AS TEXT)",
    "meta-not-json": "UPDATE documents SET meta = '{oops'",
    "content-row-missing": "DELETE FROM document_content WHERE rowid = (SELECT MAX(rowid) FROM document_content)",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_of_a_project_with_damaged_rows_says_it_is_damaged(
        project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, fmt: str) -> None:
    doc = project.documents.ids()[0]
    project.annotations.add(doc, "ada", "Stance", "Favour", 4, 11, attributes={"target": "charge"})
    path = project.path
    project.close()
    with sqlite3.connect(path) as conn:
        conn.execute(DAMAGE[damage])
    conn.close()
    out = tmp_path / f"out.{fmt}"
    code, err = _export(capsys, str(path), "--format", fmt, "--out", str(out))
    assert code == 2, err
    assert "the project file is damaged" in err and str(path) in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not _parts(tmp_path) and not any(tmp_path.glob("out.*"))


def test_ops_export_of_a_project_sqlite_finds_corrupt_raises_damaged(project: Project, tmp_path: Path) -> None:
    path = project.path
    project.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        pages = {name: page for name, page in conn.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE type = 'index' AND rootpage > 0")}
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    page = pages[next(name for name in pages if "annotations" in name)]
    with path.open("r+b") as handle:  # a torn write: the index page overwritten with garbage
        handle.seek((page - 1) * page_size)
        handle.write(b"\x0d" + b"\xff" * (page_size - 1))
    with Project.open(path, readonly=True) as damaged:
        with pytest.raises(ProjectDamagedError, match="damaged"):
            export_project(damaged, "jsonl", tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()

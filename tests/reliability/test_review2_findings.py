"""Findings of the second adversarial review: an export written over another project or a
backup, a CSV written in place, exports and agreement that saw a half-edited project, a
rolling backup that failed in silence, a header nested too deeply, empty paths."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import subprocess
import sys

import pytest
from reliability_support import Worker, child_env

from annotator.ops.exporting import export_project
from annotator.project import Project
from tests.conftest import Cli


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _other_project(folder: Path, name: str = "other.annot") -> Path:
    Project.create(folder / name).close()
    return folder / name


# ----- 1. an export never replaces another project, a backup or a side file ----------------------


def test_export_never_replaces_another_closed_project(project: Project, cli: Cli) -> None:
    other = _other_project(project.path.parent)
    before = _digest(other)
    path = project.path
    project.close()
    ran = cli("export", str(path), "--out", str(other))
    assert ran.returncode == 2
    assert ran.stderr.strip() == (f"annotator export: {other}: is an SQLite database (a project or its backup); "
                                  "choose another name for the export")
    assert _digest(other) == before
    assert not other.with_name("other.annot.report.txt").exists()


def test_export_never_replaces_a_project_open_in_another_process(project: Project, cli: Cli,
                                                                  other_process: Worker) -> None:
    other = _other_project(project.path.parent)
    opened = other_process.python("import sys\nfrom annotator.project import Project\n"
                                  "kept['other'] = Project.open(sys.argv[1]); print('open')",
                                  str(other), keep_open=True, ANNOTATOR_BACKUP="0")
    try:
        assert (opened.returncode, opened.stdout.strip()) == (0, "open"), opened.stderr
        path = project.path
        project.close()
        ran = cli("export", str(path), "--out", str(other))
        assert ran.returncode == 2 and "is an SQLite database" in ran.stderr, ran.stderr
    finally:
        closed = other_process.python("kept.pop('other').close()")
    assert closed.returncode == 0, closed.stderr
    Project.open(other, readonly=True).close()  # still a project


def test_export_report_and_matrix_never_replace_a_project(project: Project) -> None:
    folder = project.path.parent
    for name in ("out.csv.report.txt", "out.matrix.csv"):
        victim = _other_project(folder, name)
        before = _digest(victim)
        with pytest.raises(Exception, match="is an SQLite database"):
            export_project(project, "csv", folder / "out.csv")
        assert _digest(victim) == before
        assert not (folder / "out.csv").exists()
        victim.unlink()
    export_project(project, "csv", folder / "out.csv")  # an earlier export is replaced as before
    export_project(project, "csv", folder / "out.csv")
    assert (folder / "out.matrix.csv").read_text(encoding="utf-8").startswith("document")


@pytest.mark.parametrize("suffix", [".bak", ".v3.bak"])
def test_export_never_replaces_the_projects_own_backup(project: Project, suffix: str, cli: Cli) -> None:
    path = project.path
    project.close()
    backup = path.with_name(path.name + suffix)
    with Project.open(path, readonly=True) as reader:
        from annotator.store.database import write_backup

        write_backup(reader.db.conn, backup)
    before = _digest(backup)
    ran = cli("export", str(path), "--out", str(backup))
    assert ran.returncode == 2 and "is an SQLite database (a project or its backup)" in ran.stderr, ran.stderr
    ran = cli("agreement", str(path), "--layer", "Framing", "--measure", "percent", "--csv", str(backup))
    assert ran.returncode == 2 and "is an SQLite database" in ran.stderr, ran.stderr
    assert _digest(backup) == before


def test_brat_export_into_an_existing_empty_folder_still_works(project: Project) -> None:
    folder = project.path.parent / "brat-out"
    folder.mkdir()
    report = export_project(project, "brat", folder)
    assert len(list(folder.rglob("*.ann"))) == 4, report  # two documents, two annotators
    other = _other_project(project.path.parent, "brat2")
    before = _digest(other)
    with pytest.raises(Exception, match="brat2: exists and is not an empty folder"):
        export_project(project, "brat", other)
    assert _digest(other) == before


# ----- 2. the agreement CSV is written atomically, with the normal mode ----------------------


def test_agreement_csv_failing_midway_leaves_the_earlier_csv(project: Project, cli: Cli,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.ops.agreement import output

    out = project.path.with_name("agreement.csv")
    out.write_text("earlier figures\n", encoding="utf-8")
    path = project.path
    project.close()

    def broken(*args: object, **kwargs: object) -> list[dict[str, object]]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "scope_rows", broken)  # a disk full after the file was opened
    ran = cli("agreement", str(path), "--layer", "Framing", "--measure", "percent", "--csv", str(out))
    assert ran.returncode == 2 and "No space left on device" in ran.stderr, ran.stderr
    assert out.read_text(encoding="utf-8") == "earlier figures\n"
    assert sorted(p.name for p in out.parent.iterdir() if "agreement" in p.name) == ["agreement.csv"]
    monkeypatch.undo()
    umask = os.umask(0o027)
    try:
        fresh = out.with_name("fresh.csv")
        assert cli("agreement", str(path), "--layer", "Framing", "--measure", "percent",
                   "--csv", str(fresh)).returncode == 0
    finally:
        os.umask(umask)
    assert fresh.read_text(encoding="utf-8").startswith("table,")
    assert (fresh.stat().st_mode & 0o777) == 0o640


# ----- 3. one read snapshot: an export never sees half an edit of another process -------------

CHURN = """
import sys, time
from annotator.project import Project
from annotator.model import Label
from annotator.ops import codebook_edit as ce
import os
p = Project.open(sys.argv[1]); p.annotators.ensure("x"); d = p.documents.ids()
print("ready", flush=True)
stop, i = sys.argv[2], 0
while not os.path.exists(stop):
    ce.add_label(p, "Framing", Label(f"K{i}"))
    for j, doc in enumerate(d):
        p.annotations.add(doc, "x", "Framing", f"K{i}", j * 3, j * 3 + 2)
    ce.rename_label(p, "Framing", f"K{i}", f"J{i}")
    ce.delete_label(p, "Framing", f"J{i}", delete_annotations=True)
    p.history.undo(); p.history.redo(); i += 1
p.close(); print("iterations", i)
"""


def test_export_and_agreement_while_another_process_edits_never_say_damaged(project: Project, cli: Cli) -> None:
    path, folder = project.path, project.path.parent
    project.close()
    stop = folder / "stop-editing"
    child = subprocess.Popen([sys.executable, "-c", CHURN, str(path), str(stop)], stdout=subprocess.PIPE, text=True,
                             env=child_env(ANNOTATOR_BACKUP="0"))
    failures: list[str] = []
    runs = 0
    try:
        assert child.stdout.readline().strip() == "ready"
        # The editor keeps editing until told to stop, so every export and agreement below
        # runs during its edits (each of its rounds is a dozen transactions).
        deadline = time.monotonic() + 1.5
        while (time.monotonic() < deadline or runs < 12) and runs < 200:
            for fmt in ("jsonl", "csv", "conll"):
                ran = cli("export", str(path), "--format", fmt, "--out", str(folder / f"out.{fmt}"))
                runs += 1
                if ran.returncode != 0:
                    failures.append(ran.stderr.strip())
            ran = cli("agreement", str(path), "--layer", "Framing", "--measure", "percent")
            if ran.returncode != 0:
                failures.append(ran.stderr.strip())
    finally:
        stop.touch()
        out, _ = child.communicate(timeout=60)
    assert child.returncode == 0 and out.startswith("iterations"), out
    assert int(out.split()[1]) >= 2, f"the other process edited while the exports ran: {out}"
    assert runs >= 12
    assert failures == []


# ----- 4. a rolling backup that failed is said -----------------------------------------------


def _backup_is_a_folder(path: Path) -> Path:
    backup = path.with_name(path.name + ".bak")
    if backup.exists():
        backup.unlink()
    backup.mkdir()
    old = time.time() - 3 * 24 * 3600
    os.utime(backup, (old, old))
    return backup


def test_import_says_the_rolling_backup_failed(project: Project, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_BACKUP", "1")
    path = project.path
    project.close()
    _backup_is_a_folder(path)
    text = path.with_name("c.txt")
    text.write_text("A third article about the budget.", encoding="utf-8")
    ran = cli("import", str(path), str(text))
    assert ran.returncode == 0
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator import: warning: the rolling backup"), ran.stderr
    assert "study.annot.bak" in lines[0]
    with Project.open(path, readonly=True) as reader:
        assert len(reader.documents) == 3


def test_merge_says_the_rolling_backup_failed(project: Project, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_BACKUP", "1")
    other = _other_project(project.path.parent)
    path = project.path
    project.close()
    _backup_is_a_folder(path)
    ran = cli("merge", str(path), str(other))
    assert ran.returncode == 0
    assert ran.stderr.strip().startswith("annotator merge: warning: the rolling backup"), ran.stderr


def test_the_window_says_the_rolling_backup_failed_on_open(qtbot, tmp_path: Path, project: Project,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog, QLineEdit, QWidget

    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings
    from tests.gui.test_gui_file_safety import on_modal

    monkeypatch.setenv("ANNOTATOR_BACKUP", "1")
    path = project.path
    project.close()
    _backup_is_a_folder(path)
    settings = AppSettings(tmp_path / "settings.ini")
    settings.set_annotator_for(path, "ada")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    def choose(dialog: QWidget) -> None:
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        name.setText(str(path))
        qtbot.keyClick(name, Qt.Key.Key_Return)

    on_modal(QFileDialog, choose)
    window.actions_by_name["open_project"].trigger()
    qtbot.waitUntil(lambda: window.project is not None)
    qtbot.waitUntil(lambda: "rolling backup" in window.statusBar().currentMessage())
    assert "study.annot.bak" in window.statusBar().currentMessage()
    window.close_project()


# ----- 5. a native JSONL header that cannot be used is one line naming the file ----------------


def test_new_from_a_header_nested_too_deeply_is_one_line(tmp_path: Path, project: Project, cli: Cli) -> None:
    export = tmp_path / "good.jsonl"
    export_project(project, "jsonl", export)
    first, *rest = export.read_text(encoding="utf-8").splitlines()
    deep = first.replace('"labels":[]', '"labels":' + "[" * 100_000 + "]" * 100_000, 1)
    assert deep != first
    bad = tmp_path / "deep.jsonl"
    bad.write_text("\n".join([deep, *rest]) + "\n", encoding="utf-8")
    ran = cli("new", str(tmp_path / "n.annot"), "--from", str(bad))
    assert ran.returncode == 2
    assert ran.stderr.strip().splitlines() == [f"annotator new: {bad}, line 1: is not valid JSON (nested too deeply)"]
    assert not (tmp_path / "n.annot").exists()


def test_new_from_a_header_with_an_unnamed_annotator_names_the_file(tmp_path: Path, project: Project,
                                                                    cli: Cli) -> None:
    export = tmp_path / "good.jsonl"
    export_project(project, "jsonl", export)
    first, *rest = export.read_text(encoding="utf-8").splitlines()
    record = json.loads(first)
    record["discourse_annotator"]["annotators"].append({"name": "  ", "role": "annotator"})
    bad = tmp_path / "unnamed.jsonl"
    bad.write_text("\n".join([json.dumps(record), *rest]) + "\n", encoding="utf-8")
    ran = cli("new", str(tmp_path / "n.annot"), "--from", str(bad))
    assert ran.returncode == 2
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"annotator new: {bad}, line 1:"), ran.stderr
    assert "annotator" in lines[0] and "name" in lines[0]
    assert not (tmp_path / "n.annot").exists()


# ----- 6. empty and folder paths are refused by the parser in one line ------------------------


@pytest.mark.parametrize(("args", "says"), [
    (("new", ""), "an empty path"),
    (("new", "."), "is a folder"),
    (("export", "{project}", "--out", ""), "an empty path"),
    (("export", "{project}", "--out", "/"), "is a folder"),
    (("import", "{project}", ""), "an empty path"),
])
def test_empty_and_folder_paths_are_one_line(project: Project, cli: Cli, args: tuple[str, ...], says: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = project.path
    project.close()
    before = _digest(path)
    monkeypatch.chdir(path.parent)
    ran = cli(*(arg.replace("{project}", str(path)) for arg in args))
    assert ran.returncode == 2
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"annotator {args[0]}: ") and says in lines[0], ran.stderr
    assert "Traceback" not in ran.stderr
    assert _digest(path) == before

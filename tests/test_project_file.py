"""Opening project files: not SQLite, corrupt, foreign, newer, locked; migrations back up first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.errors import ProjectFileError
from annotator.project import Project
from annotator.store import schema


def test_a_text_file_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "notes.annot"
    path.write_text("just some notes", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"notes\.annot: is not an Annotator project \(not an SQLite file\)"):
        Project.open(path)
    assert path.read_text(encoding="utf-8") == "just some notes"


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.annot"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectFileError, match="SQLite file but not an Annotator project"):
        Project.open(path)


def test_a_corrupt_file_is_refused(project: Project) -> None:
    path = project.path
    project.close()
    data = bytearray(path.read_bytes())
    for offset in range(100, len(data), 7):  # keep the header, scramble the pages
        data[offset] = (data[offset] * 31 + 7) % 256
    path.write_bytes(bytes(data))
    with pytest.raises(ProjectFileError, match="corrupt|not an Annotator project|damaged"):
        Project.open(path)
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_a_newer_schema_is_refused_and_left_alone(project: Project) -> None:
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="newer Annotator"):
        Project.open(path)
    assert path.read_bytes() == before
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_a_project_open_elsewhere_is_refused(project: Project) -> None:
    with pytest.raises(ProjectFileError, match="is already open in this program"):
        Project.open(project.path)
    with Project.open(project.path, readonly=True) as reader:  # reading is allowed
        assert len(reader.documents) == 2


def test_migration_makes_a_backup_first(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project.path
    project.close()
    before = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, ["CREATE TABLE extra (x)"]])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    from annotator.store import database

    monkeypatch.setattr(database, "MIGRATIONS", schema.MIGRATIONS)
    monkeypatch.setattr(database, "SCHEMA_VERSION", schema.SCHEMA_VERSION)
    with Project.open(path) as upgraded:
        assert "extra" in upgraded.db.table_names()
        assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    backup = path.with_name(f"{path.name}.v{before}.bak")
    conn = sqlite3.connect(backup)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == before
    assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 2
    conn.close()
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_closing_checkpoints_so_a_copied_file_is_complete(project: Project, tmp_path: Path) -> None:
    doc = project.documents.ids()[0]
    project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3)
    project.close()
    copy = tmp_path / "copy.annot"
    copy.write_bytes(project.path.read_bytes())  # only the main file, as a mail attachment
    with Project.open(copy) as copied:
        assert copied.annotations.count() == 1
    project.db = sqlite3.connect(":memory:")  # type: ignore[assignment]


def test_creating_over_an_existing_file_is_refused(project: Project) -> None:
    with pytest.raises(ProjectFileError, match="already exists"):
        Project.create(project.path)

"""Editing documents' metadata: one undoable operation (GUI), or in bulk from a CSV (`annotator meta`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.ops.metadata import edit_document
from annotator.project import Project
from annotator.project.changes import ChangeSet
from annotator.store import schema


def _row(path: Path, document_id: str) -> dict:
    """The document's row read with a connection of its own (what the file holds)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM documents WHERE id = ?", [document_id]).fetchone())
    finally:
        conn.close()


def _first(project: Project) -> str:
    return project.documents.ids()[0]


def test_an_edit_is_stored_announced_and_undone_as_one_step(project: Project) -> None:
    doc = _first(project)
    heard: list[ChangeSet] = []
    project.events.subscribe(heard.append)
    edit_document(project, doc, "ada", {"title": "Council backs  congestion charge", "source": "The Herald",
                                        "author": "R. Ortega", "date": "2 December 2026",
                                        "url": "https://example.org/a"},
                  {"section": "City", "page": "4"})
    stored = _row(project.path, doc)
    assert (stored["title"], stored["source"], stored["author"], stored["date"], stored["url"]) == (
        "Council backs congestion charge", "The Herald", "R. Ortega", "2026-12-02", "https://example.org/a")
    assert json.loads(stored["meta"]) == {"section": "City", "page": "4"}
    assert len(heard) == 1 and heard[0].tables["documents"] == {(doc,)}
    assert project.history.undo_text == "edit title, source, author, date, url, metadata of “A”"
    project.history.undo("ada")
    restored = _row(project.path, doc)
    assert (restored["title"], restored["source"], restored["date"], restored["meta"]) == ("A", "", "", "{}")
    assert heard[-1].tables["documents"] == {(doc,)}
    project.history.redo("ada")
    assert _row(project.path, doc)["source"] == "The Herald"


def test_meta_keys_are_added_changed_and_removed_in_one_edit(project: Project) -> None:
    doc = _first(project)
    edit_document(project, doc, "ada", meta={"section": "City", "page": "4"})
    edit_document(project, doc, "ada", meta={"section": "Politics", "page": None, "desk": "Metro"})
    assert json.loads(_row(project.path, doc)["meta"]) == {"section": "Politics", "desk": "Metro"}
    project.history.undo("ada")
    assert json.loads(_row(project.path, doc)["meta"]) == {"section": "City", "page": "4"}


def test_search_finds_the_new_title_and_after_undo_the_old_one(project: Project) -> None:
    doc = _first(project)
    project.documents.index_for_search()
    edit_document(project, doc, "ada", {"title": "Zanzibar ferries"})
    assert project.documents.search("zanzibar") == [doc]
    project.history.undo("ada")
    assert project.documents.search("zanzibar") == []
    project.history.redo("ada")
    assert project.documents.search("zanzibar") == [doc]
    assert project.documents.search("council") == [doc]  # the text stays indexed


def test_an_unreadable_date_is_refused_and_nothing_changes(project: Project) -> None:
    doc = _first(project)
    before = _row(project.path, doc)
    with pytest.raises(AnnotatorError, match=r'"12/02/2026".*day-first or month-first'):
        edit_document(project, doc, "ada", {"title": "New", "date": "12/02/2026"})
    with pytest.raises(AnnotatorError, match='"Decembre 2" as a date'):
        edit_document(project, doc, "ada", {"date": "Decembre 2"})
    assert _row(project.path, doc) == before
    assert not project.history.can_undo
    edit_document(project, doc, "ada", {"date": "12/02/2026"}, day_first=True)
    assert _row(project.path, doc)["date"] == "2026-02-12"


def test_an_edit_that_changes_nothing_is_no_step(project: Project) -> None:
    doc = _first(project)
    changes = edit_document(project, doc, "ada", {"title": " A "})
    assert changes.empty and not project.history.can_undo


def test_a_project_of_schema_1_is_upgraded_and_its_titles_stay_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.annot"
    conn = sqlite3.connect(path)  # a version-1 file, as the first release wrote it
    for statement in schema.MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO project (key, value) VALUES ('application', ?)", [schema.APPLICATION_ID])
    conn.execute("INSERT INTO documents (id, position, sha256, title, length, n_tokens, n_sentences, tokenizer, "
                 "imported_at) VALUES ('d1', 0, 'h', 'Ferries resume', 18, 3, 1, 'blank:en', '2026-01-01')")
    conn.execute("INSERT INTO document_content VALUES ('d1', 'The port reopened.', x'', x'')")
    conn.execute("INSERT INTO document_search (rowid, title, text) SELECT 1, 'Ferries resume', 'The port reopened.'")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Project.open(path) as upgraded:
        edit_document(upgraded, "d1", "ada", {"title": "Harbour news"})
        assert upgraded.documents.search("harbour") == ["d1"]
        assert upgraded.documents.search("ferries") == []
        assert upgraded.documents.search("port") == ["d1"]


# ----- annotator meta --from CSV ----------------------------------------------------------------


def _csv(tmp_path: Path, text: str, name: str = "meta.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_meta_sets_metadata_by_file_name_and_reports_unmatched_rows(project: Project, tmp_path: Path, cli) -> None:
    path = project.path
    first, second = project.documents.ids()
    project.close()
    sheet = _csv(tmp_path, "file,title,outlet,date,desk\n"
                           "a.txt,Council vote,The Herald,December 2 2026,Metro\n"
                           "b.txt,,Daily Post,2026-11,\n"
                           "missing.txt,Nothing,Nowhere,2026,\n")
    ran = cli("meta", str(path), "--from", str(sheet), "--match", "file", "--json")
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert [(m["row"], m["key"], m["document_id"], m["changed"]) for m in report["matched"]] == [
        (2, "a.txt", first, True), (3, "b.txt", second, True)]
    assert report["unmatched"] == [{"row": 4, "key": "missing.txt"}]
    a, b = _row(path, first), _row(path, second)
    assert (a["title"], a["source"], a["date"], json.loads(a["meta"])) == (
        "Council vote", "The Herald", "2026-12-02", {"desk": "Metro"})
    assert (b["title"], b["source"], b["date"]) == ("B", "Daily Post", "2026-11")  # an empty cell keeps the title
    text = cli("meta", str(path), "--from", str(sheet), "--match", "file")
    assert text.returncode == 0
    assert "2 rows matched a document by file, 1 matched none; metadata changed on 0 documents" in text.stdout
    assert "unmatched: row 4: file 'missing.txt'" in text.stdout


def test_meta_matches_by_title_or_id_and_reads_numeric_dates_in_the_stated_order(
        project: Project, tmp_path: Path, cli) -> None:
    path = project.path
    first, second = project.documents.ids()
    project.close()
    by_title = _csv(tmp_path, "Title;Date;Author\na;12/02/2026;Ana Ruiz\n", "t.csv")
    assert cli("meta", str(path), "--from", str(by_title), "--match", "title", "--month-first").returncode == 0
    assert (_row(path, first)["date"], _row(path, first)["author"]) == ("2026-12-02", "Ana Ruiz")
    by_id = _csv(tmp_path, f"id,date\n{second},12/02/2026\n", "i.csv")
    assert cli("meta", str(path), "--from", str(by_id), "--match", "id", "--day-first").returncode == 0
    assert _row(path, second)["date"] == "2026-02-12"
    with Project.open(path) as reopened:  # one step in the audit log per CSV
        assert reopened.db.execute("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'set metadata from %'"
                                   ).fetchone()[0] == 2


@pytest.mark.parametrize(
    ("sheet", "options", "message"),
    [
        ("file,date\na.txt,2026-12-02\nb.txt,12/02/2026\n", (),
         "meta.csv, row 3: column date: cannot read \"12/02/2026\" as a date: it reads as day/month or month/day"),
        ("file,date\nb.txt,31 February 2026\n", ("--day-first",), "row 2: column date: cannot read \"31 February 2026\""),
        ("file,text\na.txt,New text\n", (), 'meta.csv: column "text" cannot be set: a document\'s text never changes'),
        ("title,source\nA,Herald\n", (), 'meta.csv: has no "file" column to match documents by (columns: title, source)'),
        ("file,source,Source\na.txt,x,y\n", (), 'meta.csv: column "Source" appears twice in the header'),
        ("file,,source\na.txt,x,y\n", (), "meta.csv: column 2 of the header has no name"),
        ("file,source\na.txt,x,y\n", (), "meta.csv, row 2: has 3 cells but the header has 2 columns"),
        ("file,source\na.txt,Herald\na.txt,Post\n", (), "meta.csv, row 3: names the same document as row 2"),
    ],
)
def test_meta_refuses_the_whole_csv_naming_the_problem(project: Project, tmp_path: Path, cli, sheet: str,
                                                       options: tuple[str, ...], message: str) -> None:
    path = project.path
    project.close()
    before = path.read_bytes()
    ran = cli("meta", str(path), "--from", str(_csv(tmp_path, sheet)), "--match", "file", *options)
    assert ran.returncode == 2
    assert ran.stderr.startswith("annotator meta: ") and message in ran.stderr, ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_meta_refuses_a_title_shared_by_two_documents(project: Project, tmp_path: Path, cli) -> None:
    first, second = project.documents.ids()
    edit_document(project, second, "ada", {"title": "a"})
    path = project.path
    project.close()
    before = path.read_bytes()
    ran = cli("meta", str(path), "--from", str(_csv(tmp_path, "title,source\nA,Herald\n")), "--match", "title")
    assert ran.returncode == 2
    assert 'meta.csv, row 2: title "A" matches 2 documents; match by id or file instead' in ran.stderr
    assert path.read_bytes() == before


def test_meta_has_help(cli) -> None:
    ran = cli("meta", "--help")
    assert ran.returncode == 0 and "--day-first" in ran.stdout and "--match {title,file,id}" in ran.stdout

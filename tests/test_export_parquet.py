"""The Parquet dataset export, read back with DuckDB as an analyst would."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from annotator.model import Status
from annotator.ops.exporting import export_project
from annotator.ops.metadata import edit_document
from annotator.project import Project

# The README's query: frames by outlet and month, over the folder `annotator export --format parquet` wrote.
README_QUERY = """
SELECT d.source AS outlet, substr(d.date, 1, 7) AS month, a.label AS frame, count(*) AS spans
FROM 'study-parquet/annotations.parquet' AS a
JOIN 'study-parquet/documents.parquet' AS d ON d.id = a.document_id
WHERE a.layer = 'Framing'
GROUP BY ALL
ORDER BY outlet, month, spans DESC
"""


@pytest.fixture
def coded(project: Project) -> Project:
    """The test project with outlets, dates and spans after an emoji (two annotators, a stance with attributes)."""
    first, second = project.documents.ids()
    edit_document(project, first, "ada", {"source": "The Herald", "date": "2 December 2026"}, {"desk": "City"})
    edit_document(project, second, "ada", {"source": "Daily Post", "date": "2026-11-30"})
    text = project.documents.text(first)
    tax = text.index("tax on workers")
    assert tax < text.index("\U0001F621") < text.index("robbery")  # an emoji inside one span, before others
    project.annotations.add(first, "ada", "Framing", "Economic", tax, tax + 14)
    project.annotations.add(first, "ben", "Framing", "Economic", tax, tax + 17)
    robbery = text.index("robbery")
    project.annotations.add(first, "ada", "Framing", "Crime and punishment", robbery, robbery + 7)
    project.annotations.add(first, "ada", "Stance", project.codebook.get().layer("Stance").labels[0].name,
                            robbery, robbery + 7, attributes={"target": "the charge", "intensity": 3})
    project.annotations.add(second, "ben", "Framing", "Health and safety", 0, 7)
    project.annotations.add(second, "ben", "Dominant frame", "Economic")
    project.status.set(first, "ada", Status.DONE)
    return project


def _query(sql: str, *params: object) -> list[tuple]:
    return duckdb.sql(sql, params=list(params) or None).fetchall() if params else duckdb.sql(sql).fetchall()


def test_duckdb_reads_the_same_counts_texts_and_offsets(coded: Project, tmp_path: Path) -> None:
    out = tmp_path / "study-parquet"
    report = export_project(coded, "parquet", out)
    assert sorted(p.name for p in out.iterdir()) == ["annotations.parquet", "codebook.parquet",
                                                     "documents.parquet", "relations.parquet", "status.parquet"]
    assert (report.documents, report.annotations) == (2, 6)
    annotations = str(out / "annotations.parquet")
    documents = str(out / "documents.parquet")
    # Counts per label as the project has them.
    by_label = Counter({(layer, label): n for layer, label, n in coded.annotations.counts_by_label()})
    assert Counter({(layer, label): n for layer, label, n in _query(
        f"SELECT layer, label, count(*) FROM '{annotations}' GROUP BY ALL")}) == by_label
    # Counts per source (outlet): a join over the two tables.
    expected = Counter()
    for item in coded.annotations.all():
        expected[coded.documents.get(item.document_id).source] += 1
    assert dict(_query(f"SELECT d.source, count(*) FROM '{annotations}' a JOIN '{documents}' d "
                       "ON d.id = a.document_id GROUP BY ALL")) == dict(expected)
    # Offsets in code points: the covered text is the Python slice, and DuckDB's substr agrees.
    rows = _query(f"SELECT a.id, a.start, a.\"end\", a.text, substr(d.text, a.start + 1, a.\"end\" - a.start) "
                  f"FROM '{annotations}' a JOIN '{documents}' d ON d.id = a.document_id WHERE a.start IS NOT NULL")
    assert len(rows) == 5
    for ident, start, end, covered, sliced in rows:
        item = coded.annotations.get(ident)
        assert (start, end) == (item.start, item.end)
        assert covered == sliced == coded.documents.text(item.document_id)[start:end]
    assert _query(f"SELECT start, \"end\", text FROM '{annotations}' WHERE layer = 'Dominant frame'") == [
        (None, None, None)]


def test_metadata_attributes_status_and_codebook_columns(coded: Project, tmp_path: Path) -> None:
    out = tmp_path / "study-parquet"
    export_project(coded, "parquet", out)
    first = coded.documents.ids()[0]
    row = _query(f"SELECT title, source, author, date, url, language, meta, length, text FROM "
                 f"'{out / 'documents.parquet'}' WHERE id = ?", first)[0]
    text = coded.documents.text(first)
    assert row[:6] == ("A", "The Herald", "", "2026-12-02", "", "en")
    assert json.loads(row[6]) == {"desk": "City"} and row[7] == len(text) and row[8] == text
    stance = _query(f"SELECT attr_target, attr_intensity, attributes, origin, created <= updated, "
                    f"typeof(attr_intensity), typeof(created) FROM '{out / 'annotations.parquet'}' "
                    "WHERE layer = 'Stance'")
    assert stance == [("the charge", 3, '{"intensity": 3, "target": "the charge"}', "manual", True, "BIGINT",
                       "TIMESTAMP WITH TIME ZONE")]
    statuses = _query(f"SELECT document_id, annotator, status FROM '{out / 'status.parquet'}' ORDER BY ALL")
    second = coded.documents.ids()[1]
    assert sorted(statuses) == sorted([(first, "ada", "done"), (first, "ben", "in progress"),
                                       (second, "ben", "in progress")])
    book = coded.codebook.get()
    labels = [(layer.name, label.name, index) for layer in book.layers for index, label in enumerate(layer.labels)]
    assert _query(f"SELECT layer, label, position FROM '{out / 'codebook.parquet'}'") == labels
    assert _query(f"SELECT kind, granularity, colour, key FROM '{out / 'codebook.parquet'}' "
                  "WHERE layer = 'Framing' AND label = 'Economic'") == [
        ("span", book.layer("Framing").granularity, book.layer("Framing").label("Economic").colour,
         book.layer("Framing").label("Economic").key)]


def test_the_readme_query_gives_frames_by_outlet_and_month(coded: Project, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    export_project(coded, "parquet", tmp_path / "study-parquet")
    monkeypatch.chdir(tmp_path)
    assert _query(README_QUERY) == [
        ("Daily Post", "2026-11", "Health and safety", 1),
        ("The Herald", "2026-12", "Economic", 2),
        ("The Herald", "2026-12", "Crime and punishment", 1),
    ]


def test_the_command_line_writes_the_folder_and_refuses_the_project_itself(project: Project, tmp_path: Path,
                                                                           cli) -> None:
    path = project.path
    project.close()
    before = path.read_bytes()
    for target in (path, Path(f"{path}-wal"), tmp_path / "in"):
        ran = cli("export", str(path), "--format", "parquet", "--out", str(target))
        assert ran.returncode == 2, ran
        assert ran.stderr.startswith("annotator export: ") and len(ran.stderr.strip().splitlines()) == 1
    assert "this project itself" in cli("export", str(path), "--format", "parquet", "--out", str(path)).stderr
    assert "is not an empty folder" in cli("export", str(path), "--format", "parquet", "--out",
                                           str(tmp_path / "in")).stderr
    assert path.read_bytes() == before
    ran = cli("export", str(path), "--format", "parquet", "--out", str(tmp_path / "set"), "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["outputs"] == [str(tmp_path / "set")]
    assert _query(f"SELECT count(*) FROM '{tmp_path / 'set' / 'documents.parquet'}'") == [(2,)]

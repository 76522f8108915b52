"""CSV export: one row per annotation with metadata and context, a count matrix, and no
cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
from pathlib import Path

from annotator.formats.csv_export import neutralise
from annotator.ops.exporting import export_project
from annotator.project import Project
from test_export_fixtures import build_project


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_row_per_annotation_with_covered_text_and_context(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "csv", tmp_path / "out.csv", options={"context_chars": 10})
        total = project.annotations.count()
    rows = _rows(tmp_path / "out.csv")
    assert len(rows) == total == report.annotations
    emoji = next(r for r in rows if r["label"] == "Economic" and r["annotator"] == "ada")
    assert emoji["text"] == "toll plan \U0001F621" and emoji["right_context"] == " a disgrac"
    assert emoji["note"] == "tolls = money; \u201cnote\u201d with emoji \U0001F621"
    stance = next(r for r in rows if r["attribute:polarity"] == "strong")
    cells = (stance["text"], stance["attribute:intensity"], stance["attribute:sarcastic"])
    assert cells == ("Zoe\u0301 Kay", "3", "false")
    label = next(r for r in rows if r["layer"] == "Overall stance" and r["annotator"] == "ada")
    assert (label["start"], label["text"], label["note"]) == ("", "", "clear")
    assert rows[0]["title"] == "First"  # first.txt opens with a sentence, not a headline


def test_count_matrix_has_a_row_per_document_and_a_column_per_label(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study, readonly=True) as project:
        export_project(project, "csv", tmp_path / "out.csv", annotator="ada")
    matrix = _rows(tmp_path / "out.matrix.csv")
    assert len(matrix) == 3
    assert matrix[0]["Stance: Against"] == "2" and matrix[0]["Framing: Economic"] == "1"
    assert matrix[1]["Framing: Economic"] == "0" and matrix[2]["title"] == "Third"


def test_formula_cells_are_neutralised() -> None:
    for dangerous in ("=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("plain") == "plain" and neutralise(-3) == -3


def test_covered_text_that_looks_like_a_formula_is_written_inert(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study, readonly=True) as project:
        export_project(project, "csv", tmp_path / "out.csv")
    row = next(r for r in _rows(tmp_path / "out.csv") if r["title"] == "Third")
    assert row["text"].startswith("'=SUM(A1)") and row["right_context"].startswith(" is not")
    assert row["source"] == "Daily Planet" and '"section": "Local"' in row["meta"]


def test_a_note_starting_with_equals_is_written_inert(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study) as project:
        item = next(a for a in project.annotations.all() if a.annotator == "ben" and a.is_span)
        project.annotations.set_note(item.id, "=cmd|' /C calc'!A0")
        export_project(project, "csv", tmp_path / "out.csv")
    rows = _rows(tmp_path / "out.csv")
    assert "'=cmd|' /C calc'!A0" in {r["note"] for r in rows}

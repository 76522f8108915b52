"""CSV for Excel and for programs: `--excel` writes UTF-8 with a byte-order mark (Excel
otherwise reads UTF-8 as the local code page); the formula guard (a leading apostrophe on a
cell starting with = + - @) is on unless `--no-formula-guard` is given."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from test_export_fixtures import build_project


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The export test project (a document whose text starts "=SUM(A1)", emoji, accents)."""
    return build_project(tmp_path_factory.mktemp("csv") / "study")


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_excel_option_writes_a_byte_order_mark_on_both_files(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    ran = cli("export", str(study), "--format", "csv", "--excel", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    assert out.read_bytes().startswith(codecs.BOM_UTF8)
    assert (tmp_path / "excel.matrix.csv").read_bytes().startswith(codecs.BOM_UTF8)
    assert out.read_bytes()[3:].decode("utf-8").startswith("document_id,")
    rows = _rows(out)
    assert any(row["text"] == "toll plan \U0001F621" for row in rows)
    assert any(row["text"] == "'=SUM(A1)" for row in rows)  # the guard stays on


def test_without_excel_there_is_no_byte_order_mark(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain.csv"
    assert cli("export", str(study), "--format", "csv", "--out", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"document_id,")


def test_no_formula_guard_writes_cells_as_they_are(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw.csv"
    ran = cli("export", str(study), "--format", "csv", "--no-formula-guard", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    rows = _rows(out)
    assert any(row["text"] == "=SUM(A1)" for row in rows)
    assert not any(value.startswith("'=") for row in rows for value in row.values())


def test_csv_options_on_another_format_are_refused_in_one_line(cli, study: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    ran = cli("export", str(study), "--format", "jsonl", "--excel", "--out", str(out))
    assert ran.returncode == 2 and not out.exists()
    assert ran.stderr.startswith("annotator export:") and "--excel" in ran.stderr and "csv" in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1

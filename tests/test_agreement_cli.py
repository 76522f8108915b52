"""`annotator agreement`: figures from the command line, readable or as JSON (end to end, in-process)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.cli import main
from tests.conftest import Cli


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one article (emoji, non-breaking space) coded by ada and ben, from JSONL."""
    folder = tmp_path_factory.mktemp("cli")
    text = "Rents doubled \U0001F3E0 in two years. Tenants\u00a0marched on Sunday. The minister stayed silent."
    rent, march = (0, text.index(".") + 1), (text.index("Tenants"), text.index("Sunday") + 6)
    silent = (text.index("minister"), len(text) - 1)
    record = {"id": "rent-1", "text": text, "spans": [
        {"start": rent[0], "end": rent[1], "layer": "Framing", "label": "Economic", "annotator": "ada"},
        {"start": rent[0], "end": rent[1], "layer": "Framing", "label": "Economic", "annotator": "ben"},
        {"start": march[0], "end": march[1], "layer": "Framing", "label": "Public opinion", "annotator": "ada"},
        {"start": silent[0], "end": silent[1], "layer": "Framing", "label": "Political", "annotator": "ben"},
    ]}
    source = folder / "coded.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    project = folder / "study.annot"
    assert main(["new", str(project)]) == 0
    assert main(["import", str(project), str(source)]) == 0
    return project


def test_agreement_has_help(cli: Cli) -> None:
    result = cli("agreement", "--help")
    assert result.returncode == 0
    for flag in ("--layer", "--unit", "--measure", "--annotators", "--done-only", "--level", "--json"):
        assert flag in result.stdout


def test_json_figures_from_the_command_line(cli: Cli, coded: Path) -> None:
    result = cli("agreement", str(coded), "--layer", "Framing", "--unit", "sentence", "--measure", "all", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    alpha = data["figures"]["alpha"]
    # Sentences: ada (Economic, Public opinion, none), ben (Economic, none, Political): alpha = 3/13
    # (worked out in tests/test_agreement_ops.py::test_spans_imported_from_jsonl_then_compared).
    assert alpha["value"] == pytest.approx(3 / 13)
    assert alpha["n_units"] == 3
    assert alpha["details"]["unit"].startswith("sentence")
    assert "Krippendorff" in alpha["details"]["definition"]
    assert data["annotators"] == ["ada", "ben"]
    assert data["figures"]["f1_exact"]["value"] == pytest.approx(0.5)


def test_readable_table_and_csv(cli: Cli, coded: Path, tmp_path: Path) -> None:
    target = tmp_path / "agreement.csv"
    result = cli("agreement", str(coded), "--layer", "Framing", "--unit", "token", "--measure", "alpha",
                 "--annotators", "ada,ben", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    assert "Krippendorff's alpha" in result.stdout and "unit of analysis: token" in result.stdout
    with target.open(encoding="utf-8", newline="") as handle:
        tables = {row["table"] for row in csv.DictReader(handle)}
    assert "pooled" in tables and "per_document" in tables


def test_bad_input_ends_with_one_line_and_a_non_zero_status(cli: Cli, coded: Path) -> None:
    before = coded.read_bytes()
    result = cli("agreement", str(coded), "--layer", "Frames", "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Frames" in result.stderr
    assert result.stderr.startswith("annotator agreement: ")
    result = cli("agreement", str(coded), "--layer", "Dominant frame", "--measure", "alpha_u")
    assert result.returncode == 2 and "labels whole documents" in result.stderr
    assert coded.read_bytes() == before


def test_the_csv_starts_with_what_the_figures_cover(cli: Cli, coded: Path, tmp_path: Path) -> None:
    target = tmp_path / "restricted.csv"
    result = cli("agreement", str(coded), "--layer", "Framing", "--unit", "sentence", "--measure", "alpha",
                 "--labels", "Economic,Political", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["table"] == "scope"
    scope = [row for row in rows if row["table"] == "scope"]
    assert [(r["measure"], r["value"]) for r in scope if r["measure"] != "label_included"] == [
        ("labels_included", "2"), ("documents_computed", "1")]
    assert [r["label"] for r in scope if r["measure"] == "label_included"] == ["Economic", "Political"]
    assert "labels compared: 2 (Economic, Political)" in result.stdout

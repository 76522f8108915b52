"""Agreement and suggestions: the report counts compared annotations that began as suggestions,
per annotator, and --manual-only leaves them out (text, JSON, CSV; end to end, in-process)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.cli import main
from tests.conftest import Cli

TEXT = "Rents doubled \U0001F3E0 in two years. Tenants\u00a0marched on Sunday. The minister stayed silent."


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One article coded by ada and ben; ada's Economic span began as a rule's suggestion, one of
    her Stance spans and ben's document label as a model's."""
    folder = tmp_path_factory.mktemp("manual")
    rent, march = (0, TEXT.index(".") + 1), (TEXT.index("Tenants"), TEXT.index("Sunday") + 6)
    silent = (TEXT.index("minister"), len(TEXT) - 1)
    record = {"id": "rent-1", "text": TEXT, "status": {"ada": "done", "ben": "done"}, "spans": [
        {"start": rent[0], "end": rent[1], "layer": "Framing", "label": "Economic", "annotator": "ada",
         "origin": "rule:Economic:rent"},
        {"start": rent[0], "end": rent[1], "layer": "Framing", "label": "Economic", "annotator": "ben"},
        {"start": march[0], "end": march[1], "layer": "Framing", "label": "Public opinion", "annotator": "ada"},
        {"start": silent[0], "end": silent[1], "layer": "Framing", "label": "Political", "annotator": "ben"},
        {"start": march[0], "end": march[1], "layer": "Stance", "label": "Favour", "annotator": "ada",
         "origin": "model:0123456789abcdef"},
    ], "labels": [
        {"layer": "Dominant frame", "label": "Economic", "annotator": "ada"},
        {"layer": "Dominant frame", "label": "Economic", "annotator": "ben", "origin": "model:0123456789abcdef"},
    ]}
    source = folder / "coded.jsonl"
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    project = folder / "study.annot"
    assert main(["new", str(project)]) == 0
    assert main(["import", str(project), str(source)]) == 0
    return project


def agreement_json(cli: Cli, project: Path, *extra: str) -> dict:
    """`annotator agreement … --json` parsed."""
    result = cli("agreement", str(project), *extra, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_counts_the_compared_annotations_that_began_as_suggestions(cli: Cli, coded: Path) -> None:
    data = agreement_json(cli, coded, "--layer", "Framing", "--unit", "sentence", "--measure", "alpha")
    assert data["suggestions"] == {
        "manual_only": False,
        "per_annotator": {"ada": {"compared": 2, "from_suggestions": 1, "left_out": 0},
                          "ben": {"compared": 2, "from_suggestions": 0, "left_out": 0}},
    }
    # Sentences: ada (Economic, Public opinion, none), ben (Economic, none, Political): alpha 3/13.
    assert data["figures"]["alpha"]["value"] == pytest.approx(3 / 13)


def test_manual_only_leaves_them_out_and_says_so(cli: Cli, coded: Path) -> None:
    before = coded.read_bytes()
    data = agreement_json(cli, coded, "--layer", "Framing", "--unit", "sentence", "--measure", "alpha",
                          "--manual-only")
    assert data["suggestions"] == {
        "manual_only": True,
        "per_annotator": {"ada": {"compared": 1, "from_suggestions": 0, "left_out": 1},
                          "ben": {"compared": 2, "from_suggestions": 0, "left_out": 0}},
    }
    # ada (none, Public opinion, none), ben (Economic, none, Political): every pair differs,
    # D_o = 6/6, D_e = 24/30 (n_none = 3, each label 1), alpha = 1 - 1 / 0.8 = -1/4.
    assert data["figures"]["alpha"]["value"] == pytest.approx(-0.25)
    assert any("began as suggestions" in note and "left out" in note for note in data["notes"])
    assert coded.read_bytes() == before


def test_the_text_report_states_the_counts(cli: Cli, coded: Path) -> None:
    result = cli("agreement", str(coded), "--layer", "Framing", "--unit", "sentence", "--measure", "alpha")
    assert result.returncode == 0, result.stderr
    assert "annotations compared: ada 2 (1 began as a suggestion), ben 2 (0 began as suggestions)" in result.stdout
    manual = cli("agreement", str(coded), "--layer", "Framing", "--unit", "sentence", "--measure", "alpha",
                 "--manual-only")
    assert ("manual only: annotations that began as suggestions left out: ada 1, ben 0; "
            "compared: ada 1, ben 2") in manual.stdout


def test_a_document_layer_counts_labels_and_manual_only_can_leave_a_document_out(cli: Cli, coded: Path) -> None:
    data = agreement_json(cli, coded, "--layer", "Dominant frame")
    assert data["suggestions"]["per_annotator"]["ben"] == {"compared": 1, "from_suggestions": 1, "left_out": 0}
    manual = agreement_json(cli, coded, "--layer", "Dominant frame", "--manual-only")
    assert manual["suggestions"]["per_annotator"]["ben"] == {"compared": 0, "from_suggestions": 0, "left_out": 1}
    assert manual["documents"] == []
    assert manual["documents_left_out"] == {"fewer than two of the selected annotators coded it": 1}


def test_csv_has_a_row_per_annotator_and_count(cli: Cli, coded: Path, tmp_path: Path) -> None:
    target = tmp_path / "agreement.csv"
    result = cli("agreement", str(coded), "--layer", "Framing", "--unit", "sentence", "--measure", "alpha",
                 "--manual-only", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    rows = [row for row in csv.DictReader(target.open(encoding="utf-8")) if row["table"] == "suggestions"]
    found = {(row["annotator_a"], row["measure"]): row["value"] for row in rows}
    assert found == {
        ("ada", "annotations_compared"): "1", ("ada", "annotations_from_suggestions"): "0",
        ("ada", "annotations_from_suggestions_left_out"): "1",
        ("ben", "annotations_compared"): "2", ("ben", "annotations_from_suggestions"): "0",
        ("ben", "annotations_from_suggestions_left_out"): "0",
    }
    assert all("manual only" in row["unit"] for row in rows)


def test_manual_only_does_not_apply_to_relations(cli: Cli, coded: Path) -> None:
    result = cli("agreement", str(coded), "--relations", "--manual-only")
    assert result.returncode == 2
    assert "--manual-only" in result.stderr and "relations" in result.stderr

"""`annotator train`: JSON result, the quality table, `info` listing models, one-line refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.suggest import LAYER, TOPICS, build_topic_project


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 generated articles coded by ada and marked done (no curator)."""
    path = tmp_path_factory.mktemp("cli") / "study.annot"
    build_topic_project(path, 40, 40, sentences=5, seed=5, coder="ada")
    return path


def test_train_prints_the_evaluation_as_json_and_info_lists_the_model(cli, coded: Path, tmp_path: Path) -> None:
    path = tmp_path / "study.annot"
    shutil.copy(coded, path)
    ran = cli("train", str(path), "--layer", LAYER, "--from", "ada", "--json")
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert {"model_id", "layer", "n_train", "n_test", "per_label", "seconds"} <= set(result)
    assert (result["layer"], result["n_train"], result["n_test"]) == (LAYER, 32, 8)
    assert set(result["per_label"]) == set(TOPICS)
    for figures in result["per_label"].values():
        assert set(figures) == {"precision", "recall", "f1", "support"} and figures["support"] > 0
    info = json.loads(cli("info", str(path), "--json").stdout)
    [model] = info["models"]
    assert (model["id"], model["layer"], model["trained_from"], model["active"]) == (
        result["model_id"], LAYER, "ada", True)
    text = cli("info", str(path)).stdout
    assert f"{LAYER} from ada" in text and result["model_id"] in text and "8 held out" in text


def test_train_prints_a_quality_table(cli, coded: Path, tmp_path: Path) -> None:
    path = tmp_path / "study.annot"
    shutil.copy(coded, path)
    ran = cli("train", str(path), "--layer", LAYER, "--from", "ada")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("model ") and "trained on 32 documents, evaluated on 8 held out" in lines[0]
    assert lines[1].split() == ["label", "precision", "recall", "F1", "support"]
    assert {line.split("  ")[1].strip() for line in lines[2:4]} == set(TOPICS)


@pytest.mark.parametrize(("args", "message"), [
    ((), "annotator train: the project has no curator, so no gold set to train on"),
    (("--from", "zoe"), 'annotator train: no annotator "zoe" in the project'),
    (("--layer", "Nope"), 'annotator train: no layer "Nope" in the codebook'),
])
def test_refusals_are_one_line_and_leave_the_project_unchanged(cli, coded: Path, args: tuple[str, ...],
                                                               message: str) -> None:
    before = coded.read_bytes()
    layer = ("--layer", LAYER) if "--layer" not in args else ()
    ran = cli("train", str(coded), *layer, *args)
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.startswith(message) and ran.stderr.count("\n") == 1, ran.stderr
    assert coded.read_bytes() == before


def test_train_has_help(cli) -> None:
    ran = cli("train", "--help")
    assert ran.returncode == 0 and "--from gold|ANNOTATOR" in ran.stdout and "held out" in ran.stdout

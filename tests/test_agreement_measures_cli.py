"""`annotator agreement` with the methods-section measures: weighted kappa, ratio alpha, gamma and
the named bootstrap methods, in the text, JSON and CSV outputs (in-process)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.cli import main
from tests.conftest import Cli

TEXT = ("Rents doubled \U0001F3E0 in two years. Tenants\u00a0marched on Sunday. The minister stayed silent. "
        "Landlords blamed the taxes. Nobody asked the tenants.")
SENTENCES = [s + "." for s in TEXT.split(". ") if s]


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One article: ada and ben mark each sentence Favour or Against with an intensity 1-3, and frames."""
    folder = tmp_path_factory.mktemp("measures")
    bounds = []
    for sentence in SENTENCES:
        start = TEXT.index(sentence.rstrip("."))
        bounds.append((start, start + len(sentence.rstrip("."))))
    ada, ben = [3, 1, 2, 2, 1], [3, 2, 2, 1, 1]
    spans = []
    for (start, end), a, b in zip(bounds, ada, ben):
        spans.append({"start": start, "end": end, "layer": "Stance", "label": "Against", "annotator": "ada",
                      "attributes": {"intensity": a}})
        spans.append({"start": start, "end": end, "layer": "Stance", "label": "Against", "annotator": "ben",
                      "attributes": {"intensity": b}})
    spans += [
        {"start": bounds[0][0], "end": bounds[0][1], "layer": "Framing", "label": "Economic", "annotator": "ada"},
        {"start": bounds[0][0] + 6, "end": bounds[0][1], "layer": "Framing", "label": "Economic", "annotator": "ben"},
        {"start": bounds[2][0], "end": bounds[2][1], "layer": "Framing", "label": "Political", "annotator": "ada"},
        {"start": bounds[3][0], "end": bounds[3][1], "layer": "Framing", "label": "Political", "annotator": "ben"},
    ]
    source = folder / "coded.jsonl"
    source.write_text(json.dumps({"id": "rent-1", "text": TEXT, "spans": spans}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    project = folder / "study.annot"
    assert main(["new", str(project)]) == 0
    assert main(["import", str(project), str(source)]) == 0
    return project


def test_help_names_the_new_options(cli: Cli) -> None:
    result = cli("agreement", "--help")
    for text in ("weighted_kappa", "gamma", "--weights", "--bootstrap-method", "hayes", "ratio", "--gamma-samples"):
        assert text in result.stdout


def test_weighted_kappa_of_an_int_attribute_equals_scikit_learn(cli: Cli, coded: Path) -> None:
    before = coded.read_bytes()
    for weights in ("linear", "quadratic"):
        result = cli("agreement", str(coded), "--layer", "Stance", "--unit", "sentence", "--attribute", "intensity",
                     "--measure", "weighted_kappa", "--weights", weights, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        figure = data["pairs"][0]["figures"]["weighted_kappa"]
        expected = cohen_kappa_score([3, 1, 2, 2, 1], [3, 2, 2, 1, 1], labels=[1, 2, 3], weights=weights)
        assert figure["value"] == pytest.approx(expected)
        assert figure["details"]["weights"] == weights
        assert f"{weights} disagreement weights" in figure["details"]["definition"]
        assert data["figures"]["weighted_kappa_mean"]["value"] == pytest.approx(expected)
    text = cli("agreement", str(coded), "--layer", "Stance", "--unit", "sentence", "--attribute", "intensity",
               "--measure", "weighted_kappa", "--weights", "quadratic").stdout
    assert "weighted kappa, mean over pairs" in text and "quadratic weights" in text
    assert coded.read_bytes() == before


def test_ratio_alpha_of_an_int_attribute(cli: Cli, coded: Path) -> None:
    from annotator.stats import krippendorff_alpha

    result = cli("agreement", str(coded), "--layer", "Stance", "--unit", "sentence", "--attribute", "intensity",
                 "--measure", "alpha", "--level", "ratio", "--json")
    assert result.returncode == 0, result.stderr
    alpha = json.loads(result.stdout)["figures"]["alpha"]
    assert alpha["details"]["level"] == "ratio"
    assert alpha["value"] == pytest.approx(krippendorff_alpha([[3, 1, 2, 2, 1], [3, 2, 2, 1, 1]], "ratio").value)
    refused = cli("agreement", str(coded), "--layer", "Stance", "--level", "ratio", "--measure", "alpha")
    assert refused.returncode == 2 and "ratio data needs numeric values" in refused.stderr


def test_each_bootstrap_method_is_named_in_text_json_and_csv(cli: Cli, coded: Path, tmp_path: Path) -> None:
    for method, name in (("units", "units bootstrap"), ("hayes", "hayes bootstrap (Hayes & Krippendorff 2007)")):
        target = tmp_path / f"{method}.csv"
        args = ("agreement", str(coded), "--layer", "Stance", "--unit", "sentence", "--attribute", "intensity",
                "--measure", "alpha", "--bootstrap", "200", "--bootstrap-method", method)
        text = cli(*args, "--csv", str(target))
        assert text.returncode == 0, text.stderr
        assert name in text.stdout and "seed" in text.stdout
        data = json.loads(cli(*args, "--json").stdout)
        assert data["figures"]["alpha"]["details"]["bootstrap_method"] == method
        with target.open(encoding="utf-8", newline="") as handle:
            pooled = next(r for r in csv.DictReader(handle) if r["table"] == "pooled" and r["measure"] == "alpha")
        assert name in pooled["settings"] and pooled["ci_low"] and pooled["ci_high"]
    bad = cli("agreement", str(coded), "--layer", "Stance", "--bootstrap-method", "jackknife")
    assert bad.returncode == 2 and "jackknife" in bad.stderr


def test_gamma_on_a_span_layer_reports_its_samples_and_seed(cli: Cli, coded: Path) -> None:
    result = cli("agreement", str(coded), "--layer", "Framing", "--measure", "gamma", "--gamma-samples", "12", "--json")
    assert result.returncode == 0, result.stderr
    gamma = json.loads(result.stdout)["figures"]["gamma"]
    assert gamma["value"] is not None and gamma["value"] < 1.0
    assert gamma["details"]["n_samples"] == 12 and "seed" in gamma["details"]
    assert gamma["n_units"] == 4 and "Mathet" in gamma["details"]["definition"]
    text = cli("agreement", str(coded), "--layer", "Framing", "--measure", "gamma", "--gamma-samples", "12").stdout
    assert "Mathet's gamma" in text and "expected disorder from 12 random continua" in text
    refused = cli("agreement", str(coded), "--layer", "Dominant frame", "--measure", "gamma")
    assert refused.returncode == 2 and "labels whole documents" in refused.stderr

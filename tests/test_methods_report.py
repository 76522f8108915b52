"""`annotator report`: the methods report of a round, with figures equal to `annotator agreement --json`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.project import Project
from tests.conftest import Cli

LAYER = "Dominant frame"


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight articles (emoji in each) by outlet; a sample of 4 double-coded by ada and ben; round pilot."""
    folder = tmp_path_factory.mktemp("report")
    lines = [json.dumps({"id": f"d{n}", "text": f"Article {n} on rents \U0001F3E0. Tenants\u00a0marched.",
                         "meta": {"source": "Herald" if n % 2 else "Post"}}) for n in range(8)]
    (folder / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "study.annot"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(folder / "docs.jsonl")]) == 0
    assert main(["assign", str(path), "--sample", "0.5", "--by", "source", "--annotators", "ada,ben",
                 "--seed", "7"]) == 0
    frames = ["Economic", "Morality", "Political"]
    with Project.open(path) as project:
        for n, ident in enumerate(project.documents.ids()):
            project.annotations.add(ident, "ada", LAYER, frames[n % 3])
            project.annotations.add(ident, "ben", LAYER, frames[(n + (n == 3)) % 3])
    assert main(["round", "start", str(path), "pilot"]) == 0
    return path


def test_report_figures_equal_agreement_json(cli: Cli, coded: Path, tmp_path: Path) -> None:
    agreement = cli("agreement", str(coded), "--layer", LAYER, "--round", "pilot", "--bootstrap", "200", "--json")
    assert agreement.returncode == 0, agreement.stderr
    expected = json.loads(agreement.stdout)
    out = tmp_path / "report.md"
    result = cli("report", str(coded), "--round", "pilot", "--out", str(out), "--layer", LAYER,
                 "--bootstrap", "200", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [layer] = data["layers"]
    assert layer["figures"] == expected["figures"]
    assert layer["documents"] == len(expected["documents"]) == 4
    text = out.read_text(encoding="utf-8")
    alpha = expected["figures"]["alpha"]
    ci = f'{alpha["details"]["ci_low"]:.3f} – {alpha["details"]["ci_high"]:.3f}'
    assert f'| Krippendorff\'s alpha | {alpha["value"]:.3f} | {ci} | {alpha["n_units"]} |' in text
    assert "sample: 4 of 8 documents, stratified by source; seed 7" in text
    assert f'codebook version {expected["round"]["codebook_version"]} (fingerprint ' in text
    assert "Economic, Capacity and resources" in text  # the label list of the round's codebook
    assert "unit of analysis: document" in text
    assert "A reliability sample of 4 of 8 documents was drawn at random, stratified by source" in text


def test_report_html_and_every_layer_by_default(cli: Cli, coded: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli("report", str(coded), "--round", "pilot", "--out", str(out), "--bootstrap", "0")
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<h3>Dominant frame</h3>" in page and "<th>measure</th>" in page
    assert "Methods text to adapt" in page


@pytest.mark.parametrize(("args", "message"), [
    (("--round", "final", "--out", "r.md"), 'no round "final" in this project (rounds: pilot)'),
    (("--round", "pilot", "--out", "r.pdf"), "r.pdf: name a .md or .html file"),
    (("--round", "pilot", "--out", "r.md", "--layer", "Tone"), 'no layer "Tone" in the codebook'),
])
def test_bad_report_requests(cli: Cli, coded: Path, tmp_path: Path, args: tuple[str, ...], message: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "study.annot"
    shutil.copy(coded, copy)
    before = copy.read_bytes()
    monkeypatch.chdir(tmp_path)
    result = cli("report", str(copy), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(f"annotator report: {message}")
    assert copy.read_bytes() == before
    assert not (tmp_path / "r.md").exists() and not (tmp_path / "r.pdf").exists()

"""`annotator suggest`: lists a layer's suggestions, accepts those above a score as one
annotator's annotations (origin recorded), and refuses bad input in one line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.project import Project

CODEBOOK = '''name = "cli-test"
version = 1

[[layers]]
name = "Framing"

[[layers.labels]]
name = "Economic"
patterns = ["tax", '[{"LOWER": "congestion"}, {"LOWER": "charge"}]']

[[layers.labels]]
name = "Health"
patterns = ["asthma"]
'''
TEXT_A = "The council voted for the congestion charge. Critics \U0001F621 called it a tax on workers."
TEXT_B = "Doctors fear asthma."


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the test codebook and two documents, built once (copied per test)."""
    from annotator.codebooks import parse_codebook
    from annotator.ops.importing import import_paths

    folder = tmp_path_factory.mktemp("suggest")
    (folder / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (folder / "b.txt").write_text(TEXT_B, encoding="utf-8")
    with Project.create(folder / "made.annot", parse_codebook(CODEBOOK, "cli.toml")) as project:
        import_paths(project, [folder / "a.txt", folder / "b.txt"])
        project.annotators.ensure("ada")
    return folder / "made.annot"


@pytest.fixture
def study(made: Path, tmp_path: Path) -> Path:
    """A copy of the project for one test."""
    target = tmp_path / "study.annot"
    target.write_bytes(made.read_bytes())
    return target


def test_suggest_lists_the_rules_suggestions_as_json(cli, study: Path) -> None:
    ran = cli("suggest", str(study), "--layer", "Framing", "--from", "rules", "--json")
    assert ran.returncode == 0, ran.stderr
    found = json.loads(ran.stdout)["suggestions"]
    assert {(s["label"], s["source"]) for s in found} == {
        ("Economic", 'rule:Economic:[{"LOWER": "congestion"}, {"LOWER": "charge"}]'),
        ("Economic", "rule:Economic:tax"), ("Health", "rule:Health:asthma")}
    tax = next(s for s in found if s["source"] == "rule:Economic:tax")
    assert (tax["start"], tax["end"]) == (TEXT_A.index("tax"), TEXT_A.index("tax") + 3)  # code points
    assert set(tax) == {"document_id", "start", "end", "layer", "label", "score", "source"}
    assert tax["score"] == 1.0


def test_suggest_for_one_document_prints_readable_lines(cli, study: Path) -> None:
    with Project.open(study, readonly=True) as project:
        second = project.documents.ids()[1]
    ran = cli("suggest", str(study), "--layer", "Framing", "--from", "rules", "--document", second)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == [f"{second[:8]}  13-19       Health  1.00  rule:Health:asthma  “asthma”"]


def test_accept_above_stores_the_annotations_with_their_origin(cli, study: Path) -> None:
    ran = cli("suggest", str(study), "--layer", "Framing", "--from", "rules", "--accept-above", "0.9",
              "--annotator", "ada", "--json")
    assert ran.returncode == 0, ran.stderr
    assert len(json.loads(ran.stdout)["accepted"]) == 3
    rows = sqlite3.connect(study).execute(
        "SELECT a.origin, p.name FROM annotations a JOIN annotators p ON p.id = a.annotator_id ORDER BY origin"
    ).fetchall()
    assert rows == [('rule:Economic:[{"LOWER": "congestion"}, {"LOWER": "charge"}]', "ada"),
                    ("rule:Economic:tax", "ada"), ("rule:Health:asthma", "ada")]
    again = cli("suggest", str(study), "--layer", "Framing", "--annotator", "ada", "--from", "rules")
    assert again.stdout.strip() == "no suggestions"  # ada coded them all


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--layer", "Frames"), 'annotator suggest: no layer "Frames" in the codebook; layers are: Framing'),
        (("--layer", "Framing", "--accept-above", "0.5"),
         "annotator suggest: --accept-above needs --annotator NAME: whose annotations the suggestions become"),
        (("--layer", "Framing", "--document", "nope"), "annotator suggest: "),
        (("--layer", "Framing", "--annotator", "zed"),
         'annotator suggest: no annotator "zed" in study.annot (annotators: ada)'),
    ],
)
def test_bad_input_is_one_line_and_the_project_is_unchanged(cli, study: Path, args: tuple[str, ...],
                                                             said: str) -> None:
    before = study.read_bytes()
    ran = cli("suggest", str(study), *args)
    assert ran.returncode == 2
    assert ran.stderr.startswith(said)
    assert len(ran.stderr.strip().splitlines()) == 1
    assert study.read_bytes() == before


def test_a_score_outside_zero_to_one_is_refused(cli, study: Path) -> None:
    ran = cli("suggest", str(study), "--layer", "Framing", "--accept-above", "2", "--annotator", "ada")
    assert ran.returncode == 2
    assert "2 is not between 0 and 1" in ran.stderr


def test_suggest_has_help(cli) -> None:
    ran = cli("suggest", "--help")
    assert ran.returncode == 0
    assert "--accept-above SCORE" in ran.stdout and "--from {rules,model,all}" in ran.stdout

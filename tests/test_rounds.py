"""Reliability rounds: a frozen codebook version and a document set per round, agreement per
round naming both, alpha per label across rounds; bad input refused with the file unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.errors import CodebookError
from annotator.ops import codebook_edit
from annotator.project import Project
from tests.conftest import Cli, project_from_records

LAYER = "Dominant frame"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six articles (one with an emoji); ada and ben exist."""
    folder = tmp_path_factory.mktemp("rounds")
    records = [{"id": f"d{n}", "text": f"Article {n}: the council \U0001F3DB voted on rents. It passed."}
               for n in range(6)]
    return project_from_records(folder, records)


@pytest.fixture
def study(corpus: Path, tmp_path: Path) -> Path:
    target = tmp_path / "study.annot"
    shutil.copy(corpus, target)
    return target


def _sample(cli: Cli, study: Path) -> list[str]:
    result = cli("assign", str(study), "--sample", "3", "--annotators", "ada,ben", "--coders", "2", "--seed", "7",
                 "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["sample"]


def _code(study: Path, disagree: list[str]) -> None:
    """ada and ben label every document; on `disagree` they pick different frames."""
    frames = ["Economic", "Morality", "Political"]
    with Project.open(study) as project:
        for n, ident in enumerate(project.documents.ids()):
            project.annotations.add(ident, "ada", LAYER, frames[n % 3])
            other = frames[(n + 1) % 3] if ident in disagree else frames[n % 3]
            project.annotations.add(ident, "ben", LAYER, other)


def test_round_freezes_version_and_agreement_names_it(cli: Cli, study: Path) -> None:
    sample = _sample(cli, study)
    _code(study, disagree=sample[:2])
    with Project.open(study) as project:
        codebook_edit.rename_label(project, LAYER, "Other", "Other frame")  # version 1 -> 2
    started = cli("round", "start", str(study), "pilot", "--documents", "sample", "--json")
    assert started.returncode == 0, started.stderr
    made = json.loads(started.stdout)
    assert made["documents"] == sample and made["codebook_version"] == 2 and made["open"]
    assert "Other frame" in [label["name"] for layer in made["codebook"] for label in layer["labels"]]
    result = cli("agreement", str(study), "--layer", LAYER, "--round", "pilot", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["round"]["name"] == "pilot" and data["round"]["codebook_version"] == 2
    assert [d["id"] for d in data["documents"]] == sample
    text = cli("agreement", str(study), "--layer", LAYER, "--round", "pilot")
    assert text.stdout.startswith('Round "pilot": 3 documents, codebook version 2 (')


def test_codebook_edit_refused_while_round_open(cli: Cli, study: Path) -> None:
    _sample(cli, study)
    assert cli("round", "start", str(study), "pilot").returncode == 0
    before = study.read_bytes()
    with Project.open(study) as project:
        with pytest.raises(CodebookError, match=r'frozen while round "pilot" is open .*annotator round close pilot'):
            codebook_edit.rename_label(project, LAYER, "Other", "Misc")
        assert [l.name for l in project.codebook.get().layer(LAYER).labels][-1] == "Other"
    assert cli("round", "close", str(study), "pilot").returncode == 0
    with Project.open(study) as project:
        codebook_edit.rename_label(project, LAYER, "Other", "Misc")  # allowed again
    assert before != study.read_bytes()


def test_new_round_closes_the_open_one_and_undo_reopens(cli: Cli, study: Path) -> None:
    from annotator.ops.rounds import list_rounds, open_round, start_round

    _sample(cli, study)
    with Project.open(study) as project:
        start_round(project, "one", "sample")
        start_round(project, "two", "all")
        assert [(r.name, r.is_open) for r in list_rounds(project)] == [("one", False), ("two", True)]
        assert len(open_round(project).documents) == 6
        project.history.undo()
        assert [(r.name, r.is_open) for r in list_rounds(project)] == [("one", True)]


def test_rounds_table_alpha_per_label_rises_and_reached(cli: Cli, study: Path) -> None:
    sample = _sample(cli, study)
    _code(study, disagree=sample)
    assert cli("round", "start", str(study), "pilot").returncode == 0
    assert cli("round", "start", str(study), "main", "--documents", "all").returncode == 0
    result = cli("round", "table", str(study), "--layer", LAYER, "--json")
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)
    pilot, main_round = table["rounds"]
    assert (pilot["name"], main_round["name"]) == ("pilot", "main")
    assert main_round["alpha"] > pilot["alpha"]
    assert set(table["labels"]) >= {"Economic", "Morality", "Political"}
    assert not pilot["reached"] and not main_round["reached"]
    low = json.loads(cli("round", "table", str(study), "--layer", LAYER, "--threshold", "0.1", "--json").stdout)
    # With every label at or above 0.1 in the main round (3 of 6 documents agree), it is reached.
    tested = [v for v in low["rounds"][1]["alpha_per_label"].values() if v is not None]
    assert tested and low["rounds"][1]["reached"] == all(v >= 0.1 for v in tested)
    assert "Health and safety" not in table["labels"]  # nobody used it: not tested
    text = cli("round", "table", str(study), "--layer", LAYER).stdout
    assert "reliability reached: every label's alpha >= 0.8" in text
    assert text.splitlines()[1].split()[1:] == ["pilot", "main"]


@pytest.mark.parametrize(("args", "message"), [
    (("start", "pilot"), "no double-coding sample has been drawn; run annotator assign first, "
                         "or start the round on --documents all"),
    (("close", "pilot"), 'no round "pilot" in this project (rounds: none yet)'),
])
def test_bad_round_commands_leave_the_file(cli: Cli, study: Path, args: tuple[str, ...], message: str) -> None:
    before = study.read_bytes()
    action, *rest = args
    result = cli("round", action, str(study), *rest)
    assert result.returncode == 2
    assert result.stderr.strip() == f"annotator round: {message}"
    assert study.read_bytes() == before


def test_duplicate_round_name_and_unknown_round_in_agreement(cli: Cli, study: Path) -> None:
    assert cli("round", "start", str(study), "pilot", "--documents", "all").returncode == 0
    before = study.read_bytes()
    again = cli("round", "start", str(study), "pilot", "--documents", "all")
    assert again.stderr.strip() == 'annotator round: a round named "pilot" exists already (open); choose another name'
    assert study.read_bytes() == before
    missing = cli("agreement", str(study), "--layer", LAYER, "--round", "final")
    assert missing.returncode == 2
    assert missing.stderr.strip() == 'annotator agreement: no round "final" in this project (rounds: pilot)'

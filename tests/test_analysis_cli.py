"""`annotator analyze kwic|frequencies|cooccurrence` in-process: JSON shapes, CSV, one-line refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.project import Project
from tests.conftest import Cli
from tests.test_analysis_kwic import TEXTS, build_corpus


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("analyze"))


def test_every_analysis_has_help(cli: Cli) -> None:
    for analysis, flags in (("kwic", ("--query", "--regex", "--label", "--where", "--sort", "--csv")),
                            ("frequencies", ("--layer", "--by", "--count", "--gold", "--all")),
                            ("cooccurrence", ("--layers", "--within", "--annotator"))):
        result = cli("analyze", analysis, "--help")
        assert result.returncode == 0
        for flag in flags:
            assert flag in result.stdout


def test_kwic_json_has_code_point_offsets(cli: Cli, study: Path) -> None:
    result = cli("analyze", "kwic", str(study), "--query", "tax", "--annotator", "ada", "--context", "15", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == 4 and len(data["hits"]) == 4
    first = data["hits"][0]
    assert set(first) >= {"document_id", "title", "start", "end", "left", "match", "right", "codes"}
    assert (first["title"], first["match"]) == ("Rents", "tax")
    assert first["start"] == TEXTS["d1"].index("tax")  # after an emoji and a no-break space
    assert first["left"] == TEXTS["d1"][first["start"] - 15 : first["start"]]
    assert first["codes"] == ["Framing:Economic", "Stance:Against"]


def test_kwic_of_a_code_readable_and_filtered(cli: Cli, study: Path) -> None:
    result = cli("analyze", "kwic", str(study), "--label", "Framing:Economic", "--annotator", "ada",
                 "--where", "source=Herald")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "3 hits"
    assert "[council's tax on workers]" in lines[0] and "Rents" in lines[0]


def test_kwic_csv_is_written_and_never_over_the_project(cli: Cli, study: Path, tmp_path: Path) -> None:
    target = tmp_path / "hits.csv"
    result = cli("analyze", "kwic", str(study), "--regex", r"\blevy\b", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["match"] for row in rows] == ["levy", "levy"]
    assert rows[0]["start"] == str(TEXTS["d1"].index("levy"))
    before = study.read_bytes()
    refused = cli("analyze", "kwic", str(study), "--query", "tax", "--csv", str(study))
    assert refused.returncode == 2
    assert refused.stderr.startswith("annotator analyze: ") and "is a project file" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert study.read_bytes() == before


def test_frequencies_json(cli: Cli, study: Path) -> None:
    result = cli("analyze", "frequencies", str(study), "--layer", "Framing", "--by", "source", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {(r["group"], r["label"]): r["count"] for r in data["rows"]}
    assert rows[("Herald", "Economic")] == 5  # ada: two in Rents, one in José; ben: one in each
    assert rows[("Courier", "Economic")] == 1
    assert data["groups"] == ["Courier", "Herald"] and data["labels"][0] == "Economic"


def test_frequencies_readable_and_by_month_csv(cli: Cli, study: Path, tmp_path: Path) -> None:
    readable = cli("analyze", "frequencies", str(study), "--layer", "Stance", "--by", "date:month", "--annotator", "ada")
    assert readable.returncode == 0, readable.stderr
    assert "2026-03" in readable.stdout and "spans of Stance by date:month, annotator ada" in readable.stdout
    target = tmp_path / "freq.csv"
    result = cli("analyze", "frequencies", str(study), "--layer", "Stance", "--count", "documents", "--csv", str(target))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {(r["group"], r["label"], r["count"]) for r in rows} == {("all", "Against", "2"), ("all", "Favour", "1")}


def test_cooccurrence_json(cli: Cli, study: Path) -> None:
    result = cli("analyze", "cooccurrence", str(study), "--layers", "Framing,Rhetorical device", "--within",
                 "sentence", "--annotator", "ada", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    pairs = {(p["a"], p["b"]): p for p in data["pairs"]}
    slogan = pairs[("Framing:Economic", "Rhetorical device:Slogans")]
    assert (slogan["count"], slogan["documents"]) == (1, 1)
    assert {"jaccard", "observed_expected"} <= set(slogan)
    assert data["within"] == "sentence" and "Jaccard" in data["association"]
    alone = cli("analyze", "cooccurrence", str(study), "--layers", "Framing", "--within", "overlap", "--json")
    assert all(p["a"] != p["b"] for p in json.loads(alone.stdout)["pairs"])


@pytest.mark.parametrize(("arguments", "message"), [
    (("kwic", "{p}", "--regex", "(unclosed"), "regular expression '(unclosed'"),
    (("kwic", "{p}", "--label", "Framing:Nope"), 'layer "Framing" has no label "Nope"'),
    (("kwic", "{p}", "--label", "Framing"), "--label takes LAYER:LABEL"),
    (("kwic", "{p}", "--query", "tax", "--annotator", "zed"), 'no annotator "zed"'),
    (("kwic", "{p}", "--query", "tax", "--where", "desk=news"), 'no document has the metadata key "desk"'),
    (("frequencies", "{p}", "--layer", "Frames"), 'no layer "Frames"'),
    (("frequencies", "{p}", "--layer", "Framing", "--by", "desk"), 'no document has the metadata key "desk"'),
    (("frequencies", "{p}", "--layer", "Framing", "--gold"), "no gold set"),
    (("cooccurrence", "{p}", "--layers", "Framing,Nope"), 'no layer "Nope"'),
    (("cooccurrence", "{p}", "--layers", "A,B,C"), "--layers takes one layer or two"),
])
def test_bad_input_is_one_line_and_exit_2(cli: Cli, study: Path, arguments: tuple[str, ...], message: str) -> None:
    result = cli("analyze", *[a.format(p=study) for a in arguments])
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("annotator analyze: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_empty_project_is_one_line(cli: Cli, tmp_path: Path) -> None:
    with Project.create(tmp_path / "empty.annot"):
        pass
    for arguments in (("kwic", "--query", "tax"), ("frequencies", "--layer", "Framing"),
                      ("cooccurrence", "--layers", "Framing")):
        result = cli("analyze", arguments[0], str(tmp_path / "empty.annot"), *arguments[1:])
        assert result.returncode == 2 and "no documents" in result.stderr and result.stdout == ""


def test_a_missing_project_file_is_one_line(cli: Cli, tmp_path: Path) -> None:
    result = cli("analyze", "kwic", str(tmp_path / "absent.annot"), "--query", "tax")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1

"""`annotator drift`: each annotator against the adjudicated gold set, per label and per week
or order of coding; figures checked by hand and kappa against scikit-learn; no gold → one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from annotator.model import Role
from annotator.ops.drift import drift
from annotator.project import Project
from tests.conftest import Cli


def _at(project: Project, phrase: str, document: str) -> tuple[int, int]:
    text = project.documents.text(document)
    start = text.index(phrase)
    return start, start + len(phrase)


def _stamp(project: Project, annotator: str, document: str, when: str) -> None:
    """Date an annotator's annotations on a document (the weeks the test needs)."""
    project.db.execute("UPDATE annotations SET created_at = ? WHERE document_id = ? AND annotator_id = ?",
                       [when, document, project.annotators.id(annotator)])


@pytest.fixture
def coded(project: Project) -> Project:
    """ada coded article A in week 10 of 2026 and article B in week 11; the curator's gold on both."""
    first, second = project.documents.ids()
    project.annotators.ensure("cura", Role.CURATOR)
    for who, spans in {
        "cura": [(first, "council", "Economic"), (first, "a tax on workers", "Morality"),
                 (second, "A short second article", "Economic")],
        "ada": [(first, "council", "Economic"), (first, "tax", "Morality"),
                (second, "A short second article", "Economic")],
    }.items():
        for document, phrase, label in spans:
            project.annotations.add(document, who, "Framing", label, *_at(project, phrase, document))
    _stamp(project, "ada", first, "2026-03-03T09:00:00+00:00")  # ISO week 10
    _stamp(project, "ada", second, "2026-03-10T09:00:00+00:00")  # ISO week 11
    project.db.conn.commit()
    return project


def _token_labels(project: Project, document: str, spans: list[tuple[str, str]]) -> list[str]:
    """Each token's label, by hand: the label of the span holding it, else 'none'."""
    seg = project.documents.segmentation(document)
    ranges = [(*_at(project, phrase, document), label) for phrase, label in spans]
    return [next((label for s, e, label in ranges if s < end and start < e), "none")
            for start, end in zip(seg.token_starts, seg.token_ends)]


def test_precision_recall_f1_and_kappa_per_week_and_label(coded: Project) -> None:
    first, second = coded.documents.ids()
    result = drift(coded, "Framing", by="week")
    ada = result["annotators"]["ada"]
    assert [p["period"] for p in ada["periods"]] == ["2026-W10", "2026-W11"]
    week10, week11 = ada["periods"]
    # Week 10: "council" matches, "tax" is not "a tax on workers" (exact matching).
    assert (week10["matched"], week10["n_gold"], week10["n_coder"]) == (1, 2, 2)
    assert week10["precision"] == week10["recall"] == week10["f1"] == 0.5
    assert week11["f1"] == 1.0 and week11["kappa"] == 1.0
    assert ada["overall"]["f1"] == pytest.approx(2 / 3)
    coder = (_token_labels(coded, first, [("council", "Economic"), ("tax", "Morality")])
             + _token_labels(coded, second, [("A short second article", "Economic")]))
    gold = (_token_labels(coded, first, [("council", "Economic"), ("a tax on workers", "Morality")])
            + _token_labels(coded, second, [("A short second article", "Economic")]))
    assert ada["overall"]["kappa"] == pytest.approx(cohen_kappa_score(coder, gold))
    assert ada["overall"]["units"] == len(coder)
    morality = ada["per_label"]["Morality"]
    assert (morality["matched"], morality["precision"], morality["recall"]) == (0, 0.0, 0.0)
    presence = [[x == "Morality" for x in side] for side in (coder, gold)]
    assert morality["kappa"] == pytest.approx(cohen_kappa_score(*presence))
    assert ada["per_label"]["Economic"]["f1"] == 1.0
    assert "cura" not in result["annotators"]  # the curator's annotations are the gold


def test_cli_by_order_json_and_text(cli: Cli, coded: Project) -> None:
    path = coded.path
    coded.close()
    ran = cli("drift", str(path), "--layer", "Framing", "--by", "order", "--block", "1", "--json")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert [p["period"] for p in data["annotators"]["ada"]["periods"]] == ["document 1", "document 2"]
    assert [p["f1"] for p in data["annotators"]["ada"]["periods"]] == [0.5, 1.0]
    text = cli("drift", str(path), "--layer", "Framing").stdout
    lines = [line.split() for line in text.splitlines()]
    assert ["2026-W10", "1", "0.500", "0.500", "0.500", "0.545"] in lines
    assert ["Morality", "1", "0.000", "0.000", "0.000", "0.380"] in lines
    assert not any(line[:1] == ["Other"] for line in lines)  # a label neither side used
    assert "gold spans are the reference" in text


def test_no_gold_is_one_clear_line_and_the_file_is_unchanged(cli: Cli, project: Project) -> None:
    path: Path = project.path
    project.close()
    before = path.read_bytes()
    ran = cli("drift", str(path), "--layer", "Framing")
    assert ran.returncode == 2
    assert ran.stderr.strip() == (
        "annotator drift: no adjudicated gold set to compare with: the curator has not decided or added "
        "annotations on any document yet (Review → Compare and adjudicate builds it)")
    assert cli("round", "start", str(path), "pilot", "--documents", "all").returncode == 0
    ran = cli("drift", str(path), "--layer", "Framing", "--round", "pilot")
    assert ran.returncode == 2 and 'no adjudicated gold set in round "pilot"' in ran.stderr
    ran = cli("drift", str(path), "--layer", "Nope")
    assert ran.returncode == 2 and 'no layer "Nope"' in ran.stderr
    middle = path.read_bytes()
    cli("drift", str(path), "--layer", "Framing")
    assert path.read_bytes() == middle != before  # only the round start wrote

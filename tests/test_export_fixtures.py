"""A small annotated project for the export tests, and the selection rules of every export
(one annotator, the gold set, one layer, done only) with the report saved beside the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.model import AttributeDef, Codebook, Label, Layer, Role, Status
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project

# Written for these tests: CRLF line ends, an emoji, a combining acute, non-breaking spaces.
FIRST_TEXT = (
    "Mayor Zoe\u0301 Kay called the toll plan \U0001F621 a disgrace.\r\n"
    "Critics said 7\u00a0to\u00a02 was \u201crobbery\u201d and jobs would go.\r\n"
)
SECOND_TEXT = "Supporters praised cleaner air.\n\nThe vote was close."
THIRD_TEXT = "=SUM(A1) is not a formula here.\n+ Nor is this."
THIRD_META = {"title": "Third", "source": "Daily Planet", "author": "Lois Lane", "date": "2026-01-02",
              "url": "https://example.org/third", "section": "Local", "tags": ["a", "b"]}

CODEBOOK = Codebook(
    name="export-test",
    title="Export test codebook",
    layers=(
        Layer("Framing", "span", "token", "allow", True, "How the issue is framed.", (
            Label("Economic", "Money matters.", colour="#117733", key="e"),
            Label("Jobs", "Work and wages.", colour="#44AA99", key="j", parent="Economic"),
            Label("Legality, law and order", colour="#882255", key="l"),
        )),
        Layer("Stance", "span", "character", "allow", True, "", (
            Label("Favour", colour="#DDCC77", key="f"),
            Label("Against", colour="#CC6677", key="a"),
        ), (
            AttributeDef("target", "text"),
            AttributeDef("polarity", "choice", ("strong", "weak")),
            AttributeDef("intensity", "int", minimum=1, maximum=3),
            AttributeDef("sarcastic", "bool"),
        )),
        Layer("Overall stance", "document", "token", "allow", False, "", (
            Label("Favour", colour="#DDCC77"),
            Label("Against", colour="#CC6677"),
            Label("Mixed", colour="#BBBBBB"),
        )),
    ),
)


def find(text: str, part: str, occurrence: int = 0) -> tuple[int, int]:
    """Code-point offsets of `part` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def build_project(folder: Path) -> Path:
    """A project with two documents, annotators ada and ben, a curator, and annotations that
    test every format: overlaps, a span edge inside a word, attributes, notes, labels."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "first.txt").write_bytes(FIRST_TEXT.encode("utf-8"))
    (folder / "second.txt").write_text(SECOND_TEXT, encoding="utf-8")
    (folder / "third.jsonl").write_text(json.dumps({"text": THIRD_TEXT, "meta": THIRD_META}) + "\n", encoding="utf-8")
    path = folder / "study.annot"
    with Project.create(path, codebook=CODEBOOK) as project:
        report = import_paths(project, [folder / "first.txt", folder / "second.txt", folder / "third.jsonl"])
        assert len(report.imported) == 3, report.failed
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        project.annotators.ensure("curator", Role.CURATOR)
        first, second, third = project.documents.ids()
        text = project.documents.text(first)
        assert "\r" not in text and "\U0001F621" in text
        add = project.annotations.add
        add(first, "ada", "Framing", "Economic", *find(text, "toll plan \U0001F621"),
            note="tolls = money; \u201cnote\u201d with emoji \U0001F621")
        add(first, "ada", "Framing", "Jobs", *find(text, "jobs would go"))
        add(first, "ada", "Framing", "Legality, law and order", *find(text, "\u201crobbery\u201d"))
        add(first, "ada", "Stance", "Against", *find(text, "Zoe\u0301 Kay"), snap=False,
            attributes={"target": "toll plan", "polarity": "strong", "intensity": 3, "sarcastic": False})
        add(first, "ada", "Stance", "Favour", *find(text, "Kay called"), snap=False,  # overlaps the one above
            attributes={"intensity": 1, "sarcastic": True})
        add(first, "ada", "Stance", "Against", *find(text, "disgr"), snap=False)  # ends inside a word
        add(first, "ada", "Overall stance", "Against", note="clear")
        add(first, "ben", "Framing", "Economic", *find(text, "toll plan"))
        add(first, "ben", "Overall stance", "Mixed")
        add(second, "ben", "Framing", "Economic", *find(SECOND_TEXT, "cleaner air"))
        add(third, "ben", "Framing", "Legality, law and order", *find(THIRD_TEXT, "=SUM(A1)"))
        add(first, "curator", "Framing", "Economic", *find(text, "toll plan \U0001F621"))
        add(first, "curator", "Overall stance", "Against")
        project.status.set(first, "ada", Status.DONE)
    return path


def annotation_keys(project: Project) -> set[tuple]:
    """What a user compares after a round trip: who coded which characters how."""
    keys = set()
    for item in project.annotations.all():
        text = project.documents.text(item.document_id)
        covered = text[item.start : item.end] if item.is_span else None
        keys.add((text, item.annotator, item.layer, item.label, item.start, item.end, covered,
                  json.dumps(item.attributes, sort_keys=True), item.note))
    return keys


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """The test project, built fresh."""
    return build_project(tmp_path / "study")


def test_gold_export_holds_only_the_curators_annotations(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "jsonl", out, gold=True)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    documents = [record for record in records if "text" in record]
    who = {item["annotator"] for record in documents for item in record["spans"] + record["labels"]}
    assert who == {"curator"} and report.annotations == 2
    assert Path(report.report_path).read_text(encoding="utf-8").startswith("Export to jsonl: 3 documents")


def test_done_only_for_one_annotator_and_layer(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "ada.jsonl"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "jsonl", out, annotator="ada", layer="Stance", done_only=True)
    assert report.documents == 1 and report.annotations == 3


def test_bad_selections_are_refused_and_write_nothing(study: Path, tmp_path: Path) -> None:
    with Project.open(study, readonly=True) as project:
        with pytest.raises(AnnotatorError, match="not both"):
            export_project(project, "jsonl", tmp_path / "x.jsonl", annotator="ada", gold=True)
        with pytest.raises(AnnotatorError, match="unknown export format"):
            export_project(project, "docx", tmp_path / "x.docx")
        with pytest.raises(AnnotatorError, match="no option"):
            export_project(project, "csv", tmp_path / "x.csv", options={"colour": 1})
    assert list(tmp_path.glob("x*")) == []


def test_cancelling_leaves_no_output(study: Path, tmp_path: Path) -> None:
    from annotator.ops.exporting import ExportCancelled

    seen: list[tuple[int, int]] = []
    with Project.open(study, readonly=True) as project:
        with pytest.raises(ExportCancelled):
            export_project(project, "csv", tmp_path / "x.csv", progress=lambda d, t, _: seen.append((d, t)),
                           cancelled=lambda: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study"]


def test_progress_reaches_the_total(study: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    with Project.open(study, readonly=True) as project:
        export_project(project, "conll", tmp_path / "x.conll", progress=lambda d, t, _: seen.append((d, t)))
    assert seen[0] == (1, 3) and seen[-1] == (3, 3)

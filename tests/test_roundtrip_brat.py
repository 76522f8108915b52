"""brat standoff: export, import into a new project, same spans; malformed .ann refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import BadInputError
from annotator.formats.brat import read_brat
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project


def _carried(keys: set[tuple]) -> set[tuple]:
    """What brat keeps: spans, one-word attribute values, notes on one line."""
    kept = set()
    for text, who, layer, label, start, end, covered, attributes, note in keys:
        if start is None:
            continue
        values = {k: v for k, v in json.loads(attributes).items() if not (isinstance(v, str) and " " in v)}
        kept.add((text, who, layer, label, start, end, covered, json.dumps(values, sort_keys=True), note))
    return kept


def test_brat_round_trip_keeps_every_span_attribute_and_note(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "brat"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "brat", out)
        keys = annotation_keys(project)
    assert (out / "annotation.conf").is_file() and (out / "ada").is_dir()
    assert any("document-level labels" in line for line in report.not_carried)
    assert any("white space" in line for line in report.not_carried)  # target "toll plan"
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out], "brat")
        assert not result.failed, result.failed
        assert annotation_keys(copy) == _carried(keys)


def test_ann_lines_look_like_brat(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study, readonly=True) as project:
        export_project(project, "brat", tmp_path / "brat", annotator="ada")
    ann = next((tmp_path / "brat" / "ada").glob("0001-*.ann")).read_text(encoding="utf-8")
    assert "\tEconomic 26 37\ttoll plan \U0001F621\n" in ann  # code points: the emoji counts 1
    assert "T1\tAgainst 6 14\tZoe\u0301 Kay\nA1\tintensity T1 3\n" in ann  # combining mark counts 1
    assert "AnnotatorNotes T3\ttolls = money" in ann and "sarcastic T1 false" in ann
    conf = (tmp_path / "brat" / "annotation.conf").read_text(encoding="utf-8")
    assert "!Framing\n\tEconomic\n\t\tJobs\n" in conf
    assert "Legality_law_and_order | Legality, law and order" in (tmp_path / "brat" / "visual.conf").read_text()


@pytest.mark.parametrize(("line", "problem"), [
    ("T1\tEconomic 3 x\tabc", "not numbers"),
    ("T1\tEconomic 0 999\tabc", "outside the text"),
    ("T1\tEconomic 0 3\txyz", "code points"),
    ("A1\tintensity T9 3", "attribute line"),
    ("Q1 what", "not a brat annotation line"),
])
def test_malformed_ann_is_refused_with_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    (tmp_path / "doc.txt").write_text("abc def\n", encoding="utf-8")
    (tmp_path / "doc.ann").write_text("T7\tEconomic 4 7\tdef\n" + line + "\n", encoding="utf-8")
    with pytest.raises(BadInputError, match=problem) as caught:
        read_brat(tmp_path / "doc.ann")
    assert caught.value.line == 2 and caught.value.path.endswith("doc.ann")


def test_a_bad_file_leaves_the_project_unchanged(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "doc.txt").write_text("abc def\n", encoding="utf-8")
    (tmp_path / "in" / "doc.ann").write_text("T1\tEconomic 0 3\tabc\nT2\tEconomic 5 1\tx\n", encoding="utf-8")
    with Project.create(tmp_path / "p.annot", codebook=CODEBOOK) as project:
        report = import_paths(project, [tmp_path / "in"], "brat")
        assert report.failed and "line 2" in report.failed[0][1]
        assert len(project.documents.ids()) == 0 and project.annotations.count() == 0


def test_crlf_text_and_fragments_across_lines(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes("ab\r\ncd \U0001F621 e\r\n".encode())
    (tmp_path / "doc.ann").write_text("T1\tEconomic 1 2;4 6\tb cd\nT2\tJobs 7 8\t\U0001F621\n", encoding="utf-8")
    document = read_brat(tmp_path / "doc.ann")[0]
    assert document.text == "ab\ncd \U0001F621 e\n"
    assert [(s.start, s.end, document.text[s.start:s.end]) for s in document.spans] == [
        (1, 5, "b\ncd"), (6, 7, "\U0001F621")]


def test_annotator_names_that_are_not_folder_names_come_back(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study) as project:
        project.annotators.ensure("Zoe\u0301 M")
        first = project.documents.ids()[0]
        project.annotations.add(first, "Zoe\u0301 M", "Framing", "Jobs", 0, 5)
        export_project(project, "brat", tmp_path / "brat", annotator="Zoe\u0301 M")
    assert (tmp_path / "brat" / "Zoe_M").is_dir()
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        assert not import_paths(copy, [tmp_path / "brat"], "brat").failed
        assert {(a.annotator, a.label) for a in copy.annotations.all()} == {("Zoe\u0301 M", "Jobs")}

"""CoNLL BIO: token lines with offsets, overlaps reported, a round trip that gives back the
same text and spans, plain CoNLL-2003 read too, malformed lines refused with their number."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.errors import BadInputError
from annotator.formats.base import ReadOptions
from annotator.formats.conll import read_conll
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project


def test_conll_lines_and_report(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "corpus.conll"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "conll", out, annotator="ada")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# global.columns = TOKEN START END Framing[ada] Stance[ada]"
    assert "\U0001F621\t36\t37\tI-Economic\tO" in lines
    assert "disgr\t40\t45\tO\tB-Against" in lines and "ace\t45\t48\tO\tO" in lines  # token cut at the span edge
    assert any("overlapping spans" in line and line.endswith(": 1") for line in report.not_carried)
    assert any("document-level labels" in line for line in report.not_carried)


def test_conll_round_trip_keeps_text_and_non_overlapping_spans(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "corpus.conll"
    with Project.open(study, readonly=True) as project:
        export_project(project, "conll", out)
        keys = annotation_keys(project)
    expected = {key[:7] + ("{}", "") for key in keys
                if key[4] is not None and key[3] != "Favour"}  # ada's Favour overlaps her Against
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out])
        assert not result.failed, result.failed
        assert annotation_keys(copy) == expected


def test_plain_conll_2003_is_read_with_rebuilt_text(tmp_path: Path) -> None:
    path = tmp_path / "ner.conll"
    path.write_text("-DOCSTART- -X- O O\n\nZoe\u0301 NNP B-NP B-PER\nwins VBZ B-VP O\n\n"
                    "\U0001F621 . O O\nNew NNP B-NP B-LOC\nYork NNP I-NP I-LOC\n", encoding="utf-8")
    [document] = read_conll(path, ReadOptions(default_layer="Entities", default_annotator="conll"))
    assert document.text == "Zoe\u0301 wins\n\U0001F621 New York"
    assert [(document.text[s.start:s.end], s.label, s.layer, s.annotator) for s in document.spans] == [
        ("Zoe\u0301", "PER", "Entities", "conll"), ("New York", "LOC", "Entities", "conll")]


@pytest.mark.parametrize(("line", "problem"), [
    ("word\t0\t4\tX-Economic", "is not O, B-"),
    ("word\t0\tfour\tO", "not numbers"),
    ("word\t0\t4", "columns"),
    ("wird\t0\t4\tO", "does not match the text"),
])
def test_malformed_lines_are_refused_with_their_number(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.conll"
    path.write_text(f'# global.columns = TOKEN START END Framing[ada]\n# newdoc id = x\n# text = "word up"\n{line}\n',
                    encoding="utf-8")
    with pytest.raises(BadInputError, match=problem) as caught:
        read_conll(path)
    assert caught.value.line == 4

"""CoNLL-U as the `conllu` package (Universal Dependencies' reader) takes it, and CoNLL tags
that white-space readers keep whole: a label with spaces is written with "_" and comes back."""

from __future__ import annotations

from pathlib import Path

import conllu
import pytest

from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project, find


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The export test project (built once for this file)."""
    return build_project(tmp_path_factory.mktemp("conllu") / "study")


def _tokens(sentences) -> list:
    return [token for sentence in sentences for token in sentence]


def test_conllu_of_one_annotator_reads_with_the_conllu_package(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "ada.conllu"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "conllu", out, annotator="ada")
        text = project.documents.text(project.documents.ids()[0])
    sentences = conllu.parse(out.read_text(encoding="utf-8"))
    tokens = _tokens(sentences)
    assert all(len(sentence[0]) == 10 for sentence in sentences)  # ten columns on every token line
    misc = {(token["form"], tuple(sorted((token["misc"] or {}).items()))) for token in tokens}
    start, end = find(text, "\u201crobbery\u201d")
    robbery = [t for t in tokens if t["misc"]["TokenRange"].startswith(f"{start}:")]
    assert robbery[0]["misc"]["Framing"] == "B-Legality,_law_and_order"  # no space left in a tag
    assert any(form == "Zoe\u0301" and ("Stance", "B-Against") in items for form, items in misc)
    economic = [t["form"] for t in tokens if (t["misc"] or {}).get("Framing", "").endswith("-Economic")]
    assert economic == ["toll", "plan", "\U0001F621"]
    assert sentences[0].metadata["sent_id"].endswith("-1") and "newdoc id" in sentences[0].metadata
    assert any("Legality, law and order" in line and "_" in line for line in report.remarks)
    assert any("overlapping spans" in line for line in report.not_carried)
    assert any("document-level labels" in line for line in report.not_carried)


def test_conllu_of_two_annotators_names_each_annotator_in_misc(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.conllu"
    with Project.open(study, readonly=True) as project:
        export_project(project, "conllu", out)
    tokens = _tokens(conllu.parse(out.read_text(encoding="utf-8")))
    toll = [t["misc"] for t in tokens if t["form"] == "toll"][0]
    assert toll["Framing[ada]"] == toll["Framing[ben]"] == toll["Framing[curator]"] == "B-Economic"


def test_conll_tags_have_no_spaces_and_come_back_with_them(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "corpus.conll"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "conll", out)
        keys = annotation_keys(project)
    lines = out.read_text(encoding="utf-8").splitlines()
    token_lines = [line for line in lines if line and not line.startswith("#")]
    assert all(len(line.split()) == len(line.split("\t")) for line in token_lines)  # a white-space reader agrees
    assert any("B-Legality,_law_and_order" in line for line in token_lines)
    assert any("Legality, law and order" in line for line in report.remarks)
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out])
        assert not result.failed, result.failed
        labels = {key[3] for key in annotation_keys(copy)}
    assert "Legality, law and order" in labels and {key[3] for key in keys if key[4] is not None} >= labels

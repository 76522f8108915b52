"""CoNLL-U as the `conllu` package (Universal Dependencies' reader) takes it, and CoNLL tags
that white-space readers keep whole: a label with spaces is written with "_" and comes back."""

from __future__ import annotations

import json
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


def test_conllu_read_back_gives_the_text_and_every_non_overlapping_span(study: Path, tmp_path: Path) -> None:
    from annotator.formats.conllu import read_conllu

    out = tmp_path / "all.conllu"
    with Project.open(study, readonly=True) as project:
        export_project(project, "conllu", out)
        texts = [project.documents.text(doc_id) for doc_id in project.documents.ids()]
        expected = {(project.documents.text(a.document_id), a.annotator, a.layer, a.label, a.start, a.end)
                    for a in project.annotations.all()
                    if a.is_span and a.label != "Favour"}  # ada's Favour overlaps her Against: BIO keeps one
    documents = read_conllu(out)
    assert [document.text for document in documents] == texts  # emoji, combining accent, no-break spaces
    found = {(d.text, s.annotator, s.layer, s.label, s.start, s.end) for d in documents for s in d.spans}
    assert found == expected


def test_plain_conllu_from_a_treebank_is_read_with_rebuilt_text(tmp_path: Path) -> None:
    from annotator.formats.base import ReadOptions
    from annotator.formats.conllu import read_conllu

    path = tmp_path / "ud.conllu"
    path.write_text(
        "# newdoc id = n01\n# sent_id = 1\n# text = Zoe\u0301 wins in New York.\n"
        "1\tZoe\u0301\tZoe\u0301\tPROPN\t_\t_\t2\tnsubj\t_\tNE=B-PER\n"
        "2-3\twins\t_\t_\t_\t_\t_\t_\t_\t_\n"
        "2\twins\twin\tVERB\t_\t_\t0\troot\t_\t_\n"
        "3\tin\tin\tADP\t_\t_\t4\tcase\t_\tGloss=in\n"
        "4\tNew\tNew\tPROPN\t_\t_\t2\tobl\t_\tNE=B-LOC\n"
        "5\tYork\tYork\tPROPN\t_\t_\t4\tflat\t_\tNE=I-LOC|SpaceAfter=No\n"
        "6\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_\n\n"
        "# sent_id = 2\n1\t\U0001F621\t_\tSYM\t_\t_\t0\troot\t_\t_\n\n",
        encoding="utf-8")
    [document] = read_conllu(path, ReadOptions(default_annotator="ud"))
    assert document.text == "Zoe\u0301 wins in New York.\n\U0001F621"
    assert [(document.text[s.start:s.end], s.layer, s.label, s.annotator) for s in document.spans] == [
        ("Zoe\u0301", "NE", "PER", "ud"), ("New York", "NE", "LOC", "ud")]


def test_a_malformed_conllu_line_is_refused_with_its_number(tmp_path: Path) -> None:
    from annotator.errors import BadInputError
    from annotator.formats.conllu import read_conllu

    path = tmp_path / "bad.conllu"
    path.write_text("# sent_id = 1\n1\tword\t_\t_\t_\t_\t_\t_\t_\t_\n2\tonly three\tcolumns\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="line 3: has 3 columns; a CoNLL-U token line has 10"):
        read_conllu(path)


def test_a_treebank_conllu_imports_from_the_command_line_into_a_named_layer(tmp_path: Path, cli) -> None:
    """`annotator import` takes a .conllu file as it is: its BIO tags land in --layer, created
    with --add-labels, every span at its text."""
    path = tmp_path / "ud.conllu"
    path.write_text(
        "# newdoc id = n02\n# sent_id = 1\n# text = Ada met Ben Carter.\n"
        "1\tAda\tAda\tPROPN\t_\t_\t2\tnsubj\t_\tNE=B-PER\n"
        "2\tmet\tmeet\tVERB\t_\t_\t0\troot\t_\t_\n"
        "3\tBen\tBen\tPROPN\t_\t_\t2\tobj\t_\tNE=B-PER\n"
        "4\tCarter\tCarter\tPROPN\t_\t_\t3\tflat\t_\tNE=I-PER|SpaceAfter=No\n"
        "5\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_\n\n",
        encoding="utf-8")
    project = tmp_path / "p.annot"
    assert cli("new", str(project)).returncode == 0
    ran = cli("import", str(project), str(path), "--add-labels")
    assert ran.returncode == 0, ran.stderr
    out = tmp_path / "back.jsonl"
    assert cli("export", str(project), "--format", "jsonl", "--out", str(out)).returncode == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    [record] = [record for record in records if "text" in record]
    assert sorted((record["text"][s["start"]:s["end"]], s["layer"], s["label"]) for s in record["spans"]) == [
        ("Ada", "NE", "PER"), ("Ben Carter", "NE", "PER")]

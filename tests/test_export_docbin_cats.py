"""spaCy DocBin: doc.cats keys are label names, qualified by layer ("Layer: Label") only when
two document layers share a label name, and the export report says which."""

from __future__ import annotations

from pathlib import Path

from annotator.model import Codebook, Label, Layer
from annotator.ops.importing import import_paths
from annotator.project import Project

CODEBOOK = Codebook(
    name="cats-test",
    title="Two document layers sharing a label",
    layers=(
        Layer("Framing", "span", "token", "allow", True, "", (Label("Economic", colour="#117733"),)),
        Layer("Overall stance", "document", "token", "allow", False, "", (
            Label("Favour", colour="#DDCC77"), Label("Against", colour="#CC6677"))),
        Layer("Headline stance", "document", "token", "allow", False, "", (
            Label("favour", colour="#DDCC77"), Label("Neutral", colour="#BBBBBB"))),
    ),
)


def test_shared_label_names_are_qualified_by_layer_and_reported(cli, tmp_path: Path) -> None:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    (tmp_path / "a.txt").write_text("The toll \U0001F621 is a tax.\r\nJose\u0301 says so.", encoding="utf-8")
    study = tmp_path / "study.annot"
    with Project.create(study, codebook=CODEBOOK) as project:
        assert len(import_paths(project, [tmp_path / "a.txt"]).imported) == 1
        project.annotators.ensure("ada")
        doc_id = project.documents.ids()[0]
        project.annotations.set_document_label(doc_id, "ada", "Overall stance", "Favour")
        project.annotations.set_document_label(doc_id, "ada", "Headline stance", "Neutral")
    out = tmp_path / "corpus.spacy"
    ran = cli("export", str(study), "--format", "spacy", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    doc = next(DocBin().from_disk(out).get_docs(Vocab()))
    assert doc.cats == {"Overall stance: Favour": 1.0, "Against": 0.0,
                        "Headline stance: favour": 0.0, "Neutral": 1.0}
    assert "doc.cats" in ran.stdout and "Overall stance: Favour" in ran.stdout and "Headline stance: favour" in ran.stdout
    assert "'Against'" not in ran.stdout

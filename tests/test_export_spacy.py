"""spaCy DocBin export, checked by loading it with DocBin().from_disk() in a fresh Python."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from annotator.ops.exporting import export_project
from annotator.project import Project
from test_export_fixtures import build_project

# Run in a separate interpreter that never imported this program: what a spaCy user does.
# One interpreter loads every file given (a cold spaCy import costs seconds on CI).
LOADER = """
import json, sys
import spacy
from spacy.tokens import DocBin
files = []
for path in sys.argv[1:]:
    out = []
    for doc in DocBin().from_disk(path).get_docs(spacy.blank("en").vocab):
        groups = {}
        for name, group in doc.spans.items():
            groups[name] = {"spans": [[s.start_char, s.end_char, s.label_, s.text, s.id_] for s in group],
                            "attrs": {k: list(v) for k, v in group.attrs.items()}}
        out.append({"text": doc.text, "spans": groups, "cats": doc.cats,
                    "user": doc.user_data.get("discourse_annotator")})
    files.append(out)
print(json.dumps(files))
"""


def _load_in_fresh_spacy(*paths: Path) -> list[list[dict]]:
    """What a fresh spaCy reads from each DocBin file: one list of documents per path."""
    done = subprocess.run([sys.executable, "-c", LOADER, *map(str, paths)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export fixtures' project, built once: every test here only reads it."""
    return build_project(tmp_path_factory.mktemp("spacy") / "study")


@pytest.fixture(scope="module")
def exported(study: Path) -> dict[str, tuple[Any, list[dict]]]:
    """The whole project and ada's coding exported as DocBin, with what a fresh spaCy loads from each."""
    outs = {"all": study.with_name("corpus.spacy"), "ada": study.with_name("ada.spacy")}
    with Project.open(study, readonly=True) as project:
        reports = {"all": export_project(project, "spacy", outs["all"]),
                   "ada": export_project(project, "spacy", outs["ada"], annotator="ada")}
    loaded = _load_in_fresh_spacy(*outs.values())
    return {key: (reports[key], docs) for key, docs in zip(outs, loaded)}


def test_docbin_loads_in_fresh_spacy_with_every_span_and_label(study: Path, exported) -> None:
    with Project.open(study, readonly=True) as project:
        first = project.documents.ids()[0]
        text = project.documents.text(first)
        expected = {(a.layer, a.start, a.end, a.label, a.id, a.annotator)
                    for a in project.annotations.for_document(first) if a.is_span}
    report, docs = exported["all"]
    assert len(docs) == 3 and docs[0]["text"] == text  # emoji, combining mark, NBSP kept
    found = set()
    for layer, group in docs[0]["spans"].items():
        assert len(group["attrs"]["annotators"]) == len(group["spans"])
        for (start, end, label, covered, ident), who in zip(group["spans"], group["attrs"]["annotators"]):
            assert covered == text[start:end]
            found.add((layer, start, end, label, ident, who))
    assert found == expected
    stance = docs[0]["spans"]["Stance"]
    expected_attributes = {"target": "toll plan", "polarity": "strong", "intensity": 3, "sarcastic": False}
    assert expected_attributes in stance["attrs"]["attributes"]
    assert docs[0]["cats"] == {"Favour": 0.0, "Against": 2 / 3, "Mixed": 1 / 3}
    assert {(x["annotator"], x["label"], x["note"]) for x in docs[0]["user"]["labels"]} == {
        ("ada", "Against", "clear"), ("ben", "Mixed", ""), ("curator", "Against", "")}
    assert any("tokens cut" in line for line in report.not_carried)  # "disgr|ace" was cut


def test_one_annotator_gives_plain_cats(exported) -> None:
    _, docs = exported["ada"]
    assert docs[0]["cats"] == {"Favour": 0.0, "Against": 1.0, "Mixed": 0.0} and docs[1]["cats"] == {}


def test_fast_docbin_writes_the_same_bytes_as_spacys_docbin(study: Path) -> None:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from annotator.formats.interchange import ExportContext, ExportDocument
    from annotator.formats.spacy_docbin import DOCBIN_ATTRS, _plain_docbin_class, build_doc

    with Project.open(study, readonly=True) as project:
        book = project.codebook.get()
        context = ExportContext(book, project.annotators.list(), book.layers)
        items = [ExportDocument(project.documents.get(i), project.documents.text(i),
                                project.annotations.for_document(i), project.documents.segmentation(i))
                 for i in project.documents.ids()]
    vocab = Vocab()
    stock = DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)
    fast = _plain_docbin_class()(attrs=DOCBIN_ATTRS, store_user_data=True)
    for item in items:
        doc, words, _ = build_doc(vocab, item, context)
        stock.add(doc)
        fast.add(doc, words)
    assert fast.to_bytes() == stock.to_bytes()


def test_docbin_round_trip_gives_the_same_annotations(study: Path, tmp_path: Path) -> None:
    from annotator.ops.importing import import_paths
    from test_export_fixtures import CODEBOOK, annotation_keys

    out = tmp_path / "corpus.spacy"
    with Project.open(study, readonly=True) as project:
        export_project(project, "spacy", out)
        keys, ids = annotation_keys(project), {a.id for a in project.annotations.all()}
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out])
        assert not result.failed, result.failed
        assert annotation_keys(copy) == keys and {a.id for a in copy.annotations.all()} == ids


def test_a_docbin_bomb_is_refused(tmp_path: Path, monkeypatch) -> None:
    import zlib

    from annotator.errors import BadInputError
    from annotator.formats import spacy_docbin

    path = tmp_path / "bomb.spacy"
    path.write_bytes(zlib.compress(b"\0" * (8 * 1024 * 1024), 9))
    monkeypatch.setattr(spacy_docbin, "MAX_UNPACKED_BYTES", 1024 * 1024)  # the real limit is 1 GiB
    with pytest.raises(BadInputError, match="unpacks to more than"):
        spacy_docbin.read_docbin(path)
    path.write_bytes(b"not zlib at all")
    with pytest.raises(BadInputError, match="not a spaCy DocBin"):
        spacy_docbin.read_docbin(path)

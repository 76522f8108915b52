"""INCEpTION XMI with its built-in layers (named entity, part of speech), custom span and
document layers, a layer without features, a relation layer (read as relations) and
tokens/sentences, written as INCEpTION writes a CAS (UTF-16 offsets, CRLF and an emoji in
the text): every span lands at
its text, CRLF is normalised with offsets moved, and every type not read is named with its
count in one line of the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.project import Project

FIXTURES = Path(__file__).parent / "fixtures_other_tools" / "inception_xmi"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """The XMI imported once with --add-labels: the project, the JSON report and the text report."""
    import contextlib
    import io

    from annotator.cli import main

    folder = tmp_path_factory.mktemp("xmi")
    shutil.copytree(FIXTURES, folder / "in")
    project = folder / "study.annot"
    assert main(["new", str(project)]) == 0
    shutil.copy(project, folder / "copy.annot")
    reports = []
    for target, extra in ((project, ["--json"]), (folder / "copy.annot", [])):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["import", str(target), str(folder / "in" / "holm.xmi"), "--add-labels",
                         "--annotator", "ada", *extra])
        assert code == 0, out.getvalue()
        reports.append(out.getvalue())
    return project, json.loads(reports[0]), reports[1]


def test_builtin_and_custom_spans_at_their_text(imported: tuple[Path, dict, str]) -> None:
    project, report, _ = imported
    with Project.open(project, readonly=True) as opened:
        document = opened.documents.list()[0]
        text = opened.documents.text(document.id)
        rows = opened.db.execute(
            "SELECT l.name, b.name, a.span_start, a.span_end, a.attributes FROM annotations a "
            "JOIN layers l ON l.id = a.layer_id JOIN labels b ON b.id = a.label_id "
            "WHERE a.span_start IS NOT NULL").fetchall()
        layers = {layer.name: (layer.kind, layer.granularity) for layer in opened.codebook.get().layers}
    assert text == "Minister Sara Holm 😤 rejects the plan.\nCritics in Malmö call it vague.\n"
    assert document.title == "holm.txt"
    assert sorted((layer, label, text[s:e], json.loads(a)) for layer, label, s, e, a in rows) == sorted([
        ("Named entity", "PER", "Sara Holm", {"identifier": "local:holm"}),
        ("Named entity", "LOC", "Malmö", {}),
        ("Named entity", "NamedEntity", "Critics", {}),  # a named entity without a value
        ("Part of speech", "VBZ", "rejects", {"coarseValue": "VERB"}),
        ("Stance", "against", "rejects the plan", {"intensity": 2}),
        ("Stance", "neutral", "the plan.\nCritics", {}),  # across the CRLF, now one LF
        ("Evidence", "Evidence", "call it vague", {}),  # a custom layer without features
    ])
    assert layers["Named entity"] == ("span", "character") and layers["Genre"][0] == "document"
    assert report["annotations"] == 8


def test_document_layer_label(imported: tuple[Path, dict, str]) -> None:
    project, _, _ = imported
    with Project.open(project, readonly=True) as opened:
        rows = opened.db.execute(
            "SELECT l.name, b.name FROM annotations a JOIN layers l ON l.id = a.layer_id "
            "JOIN labels b ON b.id = a.label_id WHERE a.span_start IS NULL").fetchall()
    assert rows == [("Genre", "news")]


def test_types_not_read_are_named_with_counts_in_one_line(imported: tuple[Path, dict, str]) -> None:
    _, report, text = imported
    assert report["not_carried"] == {"XMI types not read: Token": 15, "XMI types not read: Sentence": 2,
                                     "XMI types not read: Dependency": 1}
    assert "relation type Supports" in report["added_labels"]  # a relation layer between spans: relations
    lines = [line for line in text.splitlines() if "XMI types not read" in line]
    assert lines == ["  XMI types not read: Token 15, Sentence 2, Dependency 1"]


def test_without_add_labels_the_missing_layer_is_named(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "in")
    project = tmp_path / "p.annot"
    cli("new", str(project))
    before = project.read_bytes()
    result = cli("import", str(project), str(tmp_path / "in" / "holm.xmi"))
    assert result.returncode == 1
    assert 'layer "Named entity" is not in the codebook (--add-labels adds it)' in result.stdout
    assert project.read_bytes() == before

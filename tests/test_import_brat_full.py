"""brat standoff as brat's own example data writes it (an annotation.conf without layers,
CRLF text, an emoji, nested spans, events, relations, equivalences, normalisations,
attributes on entities and events, notes, a discontinuous span and one across a line break)
imports with one command; everything not carried is counted in the report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.project import Project

FIXTURES = Path(__file__).parent / "fixtures_other_tools" / "brat"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The brat example imported once into a new project with --layer Entities --add-labels."""
    from annotator.cli import main

    folder = tmp_path_factory.mktemp("brat")
    shutil.copytree(FIXTURES, folder / "corpus")
    project = folder / "study.annot"
    assert main(["new", str(project)]) == 0
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["import", str(project), str(folder / "corpus" / "harbour.ann"), "--layer", "Entities",
                     "--add-labels", "--annotator", "ada", "--json"])
    assert code == 0, out.getvalue()
    return project, json.loads(out.getvalue())


def _rows(project: Path) -> list[tuple[str, str, str, dict, str]]:
    with Project.open(project, readonly=True) as opened:
        rows = opened.db.execute(
            "SELECT l.name, b.name, a.span_start, a.span_end, a.document_id, a.attributes, a.note "
            "FROM annotations a JOIN layers l ON l.id = a.layer_id JOIN labels b ON b.id = a.label_id").fetchall()
        return sorted((lay, lab, opened.documents.text(doc)[s:e], json.loads(attrs), note)
                      for lay, lab, s, e, doc, attrs, note in rows)


def test_every_text_bound_annotation_at_its_exact_text(imported: tuple[Path, dict]) -> None:
    project, report = imported
    assert report["annotations"] == 9
    assert [(label, text) for _, label, text, _, _ in _rows(project)] == sorted([
        ("Organization", "Harbour Trust"), ("Organization", "Delta Shipping"), ("Person", "The mayor of Porto"),
        ("GPE", "Porto"), ("Organization", "Delta Shipping"), ("Organization", "Porto Ferries"),
        ("Merge", "merge"),  # an event trigger, imported as a span
        ("Organization", "Delta Shipping and Porto Ferries"),  # discontinuous: first to last fragment
        ("Quote", '"a stunt".\nDelta Shipping and'),  # fragments split only by the line break: one span
    ])
    with Project.open(project, readonly=True) as opened:
        text = opened.documents.text(opened.documents.list()[0].id)
    assert "\r" not in text and "🌊" in text


def test_attributes_and_notes_of_entities_are_kept(imported: tuple[Path, dict]) -> None:
    project, report = imported
    rows = {(label, text): (attributes, note) for _, label, text, attributes, note in _rows(project)}
    assert rows[("Person", "The mayor of Porto")] == ({"Confidence": "High"}, "the mayor is quoted indirectly")
    assert rows[("Organization", "Harbour Trust")] == ({"Speculation": True}, "")
    assert "Entities: attribute Confidence (text)" in report["added_labels"]
    assert "Entities: attribute Speculation (bool)" in report["added_labels"]


def test_what_is_not_carried_is_counted(imported: tuple[Path, dict]) -> None:
    _, report = imported
    assert report["not_carried"] == {
        "brat discontinuous spans: imported as one span from the first fragment to the last": 1,
        "brat event arguments (E lines; the trigger is imported as a span)": 1,
        "brat equivalences (* lines)": 1,
        "brat attributes of relations, events or empty spans": 1,
        "brat notes on relations, events or empty spans": 1,
        "brat normalisations (N lines)": 1,
    }
    assert report["created_layers"] == ["Entities (span, character granularity, overlap allowed)"]


def test_report_lines_for_people(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "corpus")
    project = tmp_path / "p.annot"
    cli("new", str(project))
    result = cli("import", str(project), str(tmp_path / "corpus"), "--add-labels")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported: 1 documents, 9 annotations" in result.stdout
    assert "relation type Located" in result.stdout  # R lines are relations now; --add-labels adds their types
    assert "layers created: Imported labels (span, character granularity, overlap allowed)" in result.stdout


def test_a_bad_line_names_file_and_line(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "corpus")
    ann = tmp_path / "corpus" / "harbour.ann"
    ann.write_text(ann.read_text(encoding="utf-8") + "X1\tnonsense\n", encoding="utf-8")
    project = tmp_path / "p.annot"
    cli("new", str(project))
    before = project.read_bytes()
    result = cli("import", str(project), str(ann), "--add-labels")
    assert result.returncode == 1
    assert f"failed: {ann}: line 20: is not a brat annotation line" in result.stdout
    assert project.read_bytes() == before

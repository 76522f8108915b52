"""The agreement computation's fast paths: blobs read many documents per query, the layer read
as packed numbers, the units shared with the dashboard's disagreement index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.gui.agreement.locate import DisagreementIndex
from annotator.model import Status
from annotator.ops.agreement import AgreementRequest, compute_agreement
from annotator.ops.agreement.compute import compute_with_units
from annotator.project import Project


def _coded(project: Project) -> tuple[Path, list[str]]:
    """ada and ben code both documents, agreeing on one span and not on others; closed after."""
    docs = project.documents.ids()
    for doc in docs:
        for who, label, end in (("ada", "Economic", 11), ("ben", "Economic", 11), ("ada", "Morality", 30),
                                ("ben", "Political", 30)):
            project.annotations.add(doc, who, "Framing", label, 4 if end == 11 else 14, end)
        project.status.set(doc, "ada", Status.DONE)
        project.status.set(doc, "ben", Status.DONE)
    return project.path, docs


def _duplicate_first_pair(path: Path, doc: str, column: str) -> None:
    """Store the blob's first (start, end) pair twice, as another program might: same size
    class and same last end, so only a full decode sees the overlap."""
    conn = sqlite3.connect(path)
    blob = conn.execute(f"SELECT {column} FROM document_content WHERE document_id = ?", [doc]).fetchone()[0]
    conn.execute(f"UPDATE document_content SET {column} = ? WHERE document_id = ?", [blob[:8] + blob, doc])
    conn.commit()
    conn.close()


@pytest.mark.parametrize("column", ["tokens", "sentences"])
def test_an_overlapping_segmentation_blob_is_named_damaged_by_agreement(
        project: Project, capsys: pytest.CaptureFixture[str], column: str) -> None:
    path, docs = _coded(project)
    project.close()
    _duplicate_first_pair(path, docs[1], column)
    damaged = path.read_bytes()
    code = main(["agreement", str(path), "--layer", "Framing", "--unit", "token"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"annotator agreement: {path}: the project file is damaged (")
    assert docs[1] in lines[0] and f"{column} out of order or overlapping" in lines[0]
    assert path.read_bytes() == damaged


@pytest.mark.parametrize("unit", ["token", "sentence"])
def test_the_dashboards_index_locates_the_units_the_report_counted(project: Project, unit: str) -> None:
    path, docs = _coded(project)
    request = AgreementRequest("Framing", unit, ("all",))
    computed = compute_with_units(project, request)
    shared = DisagreementIndex.from_units(computed.corpus, computed.report.unit, computed.table)
    rebuilt = DisagreementIndex.build(project, request)
    for doc in docs:
        first = shared.first_disagreement(doc)
        assert first == rebuilt.first_disagreement(doc)
        assert first is not None
        segmentation = project.documents.segmentation(doc)
        starts = segmentation.sentence_starts if unit == "sentence" else segmentation.token_starts
        assert first[0] in starts and first[0] < 30 and first[1] > 14  # where Morality meets Political
    size = len(computed.report.categories)
    for row in range(size):
        for column in range(size):
            assert shared.cell_documents("ada", "ben", row, column) == rebuilt.cell_documents("ada", "ben", row, column)
    assert computed.report.figures["alpha"].value == compute_agreement(project, request).figures["alpha"].value


def test_spans_of_a_layer_read_packed_give_the_counts_the_annotations_have(project: Project) -> None:
    path, docs = _coded(project)
    project.annotations.add(docs[0], "ada", "Framing", "Legality, constitutionality and jurisprudence", 40, 50)
    report = compute_agreement(project, AgreementRequest("Framing", "token", ("f1",)))
    exact = report.pair("ada", "ben").figures["f1_exact"]
    assert {exact.details["n_reference"], exact.details["n_candidate"]} == {5, 4}
    assert exact.details["matched"] == 2
    assert report.per_label[0].label == "Economic" and report.per_label[0].counts == {"ada": 2, "ben": 2}

"""UIMA CAS XMI: cassis reads the export with the right covered text (UTF-16 in the file,
code points here), and importing it back gives the same annotations; hostile XML is refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from annotator.errors import BadInputError
from annotator.formats.xmi import read_xmi
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project


def test_cassis_reads_the_export_with_the_right_covered_text(tmp_path: Path) -> None:
    from cassis import load_cas_from_xmi, load_typesystem

    study = build_project(tmp_path / "study")
    out = tmp_path / "inception.zip"
    with Project.open(study, readonly=True) as project:
        export_project(project, "xmi", out)
        first = project.documents.ids()[0]
        expected = {(a.label, a.annotator, project.documents.text(first)[a.start:a.end])
                    for a in project.annotations.for_document(first) if a.is_span and a.layer == "Framing"}
    with zipfile.ZipFile(out) as archive:
        typesystem = load_typesystem(io.BytesIO(archive.read("TypeSystem.xml")))
        name = sorted(n for n in archive.namelist() if n.endswith(".xmi"))[0]
        raw = archive.read(name).decode("utf-8")
        cas = load_cas_from_xmi(raw, typesystem=typesystem)
    framing = {(a.label, a.annotator, a.get_covered_text()) for a in cas.select("webanno.custom.Framing")}
    assert framing == expected and ("Economic", "ada", "toll plan \U0001F621") in framing
    assert 'begin="26" end="38"' in raw  # the emoji is two UTF-16 units in the file
    stance = {(a.label, a.intensity, a.sarcastic) for a in cas.select("webanno.custom.Stance") if a.intensity}
    assert stance == {("Against", 3, False), ("Favour", 1, True)}


def test_xmi_round_trip_gives_the_same_annotations(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "inception.zip"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "xmi", out)
        keys = annotation_keys(project)
        ids = {a.id for a in project.annotations.all()}
    # source, author, date and two free keys of the third document have no DocumentMetaData field
    assert report.not_carried == ["document metadata other than title, id, URL and language: 5"]
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out], "xmi")
        assert not result.failed, result.failed
        assert annotation_keys(copy) == keys
        assert {a.id for a in copy.annotations.all()} == ids
        third = copy.documents.many(copy.documents.ids())[2]
        assert (third.title, third.url, third.source) == ("Third", "https://example.org/third", "")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<xmi:XMI xmlns:xmi="http://www.omg.org/XMI">&b;</xmi:XMI>')
    path = _zip(tmp_path / "bomb.zip", {"TypeSystem.xml": b"<typeSystemDescription/>", "a.xmi": bomb})
    with pytest.raises(BadInputError, match="DTD or entities"):
        read_xmi(path)


def test_path_traversal_in_the_archive_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "evil.zip", {"../../evil.xmi": b"<x/>", "TypeSystem.xml": b"<x/>"})
    with pytest.raises(BadInputError, match="path traversal"):
        read_xmi(path)


def test_malformed_xmi_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "TypeSystem.xml").write_text("<typeSystemDescription xmlns='http://uima.apache.org/resourceSpecifier'>"
                                             "<types/></typeSystemDescription>", encoding="utf-8")
    (tmp_path / "doc.xmi").write_text("<?xml version='1.0'?>\n<xmi:XMI xmlns:xmi='http://www.omg.org/XMI'>\n<oops>\n",
                                      encoding="utf-8")
    with pytest.raises(BadInputError) as caught:
        read_xmi(tmp_path / "doc.xmi")
    assert caught.value.path.endswith("doc.xmi") and caught.value.line is not None
    with Project.create(tmp_path / "p.annot", codebook=CODEBOOK) as project:
        report = import_paths(project, [tmp_path / "doc.xmi"])
        assert report.failed and project.documents.ids() == []

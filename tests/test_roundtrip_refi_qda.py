"""REFI-QDA: a .qdpx project and a .qdc codebook as the standard lays them out, and a round
trip that keeps spans (code-point positions), users, notes, document labels (with their
notes) and metadata."""

from __future__ import annotations

import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeTree
import pytest

from annotator.errors import BadInputError
from annotator.formats.refi_qda import read_qdpx
from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project

NS = {"p": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}


def test_qdpx_holds_codes_users_sources_and_selections(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "study.qdpx"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "qdpx", out)
    assert any("attribute values" in line for line in report.not_carried)
    with zipfile.ZipFile(out) as archive:
        root = SafeTree.fromstring(archive.read("project.qde"))
        names = archive.namelist()
    framing = root.find("p:CodeBook/p:Codes/p:Code[@name='Framing']", NS)
    assert framing.get("isCodable") == "false"
    economic = framing.find("p:Code[@name='Economic']", NS)
    assert economic.get("color") == "#117733" and economic.find("p:Code[@name='Jobs']", NS) is not None
    assert {u.get("name") for u in root.findall("p:Users/p:User", NS)} == {"ada", "ben", "curator"}
    source = root.find("p:Sources/p:TextSource", NS)
    assert f"sources/{source.get('guid')}.txt" in names
    emoji = [s for s in source.findall("p:PlainTextSelection", NS) if s.get("name") == "toll plan \U0001F621"]
    assert {(s.get("startPosition"), s.get("endPosition")) for s in emoji} == {("26", "37")}  # code points


def test_qdc_codebook(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    with Project.open(study, readonly=True) as project:
        export_project(project, "qdc", tmp_path / "codes.qdc")
    root = SafeTree.fromstring((tmp_path / "codes.qdc").read_bytes())
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    layers = [code.get("name") for code in root.findall("c:Codes/c:Code", NS)]
    assert layers == ["Framing", "Stance", "Overall stance"]


def test_qdpx_round_trip(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "study.qdpx"
    with Project.open(study, readonly=True) as project:
        export_project(project, "qdpx", out)
        expected = {key[:-2] + ("{}", key[-1]) for key in annotation_keys(project)}  # notes of document labels too
        ids = {a.id for a in project.annotations.all()}
        sources = {d.id: d.source for d in project.documents.many(project.documents.ids())}
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out])
        assert not result.failed, result.failed
        assert annotation_keys(copy) == expected
        assert {a.id for a in copy.annotations.all()} == ids
        assert {d.id: d.source for d in copy.documents.many(copy.documents.ids())} == sources


def test_a_coding_of_an_unknown_code_is_refused(tmp_path: Path) -> None:
    qde = ('<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'
           '<TextSource guid="5a3c8a4e-0000-4000-8000-000000000001" name="a"><PlainTextContent>hello there'
           '</PlainTextContent><PlainTextSelection guid="5a3c8a4e-0000-4000-8000-000000000002" startPosition="0" '
           'endPosition="5"><Coding guid="5a3c8a4e-0000-4000-8000-000000000003"><CodeRef '
           'targetGUID="5a3c8a4e-0000-4000-8000-000000000009"/></Coding></PlainTextSelection></TextSource>'
           '</Sources></Project>')
    with zipfile.ZipFile(tmp_path / "x.qdpx", "w") as archive:
        archive.writestr("project.qde", qde)
    with pytest.raises(BadInputError, match="not in the codebook"):
        read_qdpx(tmp_path / "x.qdpx")


def test_a_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bomb.qdpx", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b"<Project/>")
        archive.writestr("sources/big.txt", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(BadInputError, match="ZIP bomb"):
        read_qdpx(tmp_path / "bomb.qdpx")

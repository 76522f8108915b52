"""REFI-QDA exports as readers that code text selections take them (QualCoder's importer is
the model: it reads codes into a table whose names must be unique, and only the Codings of
a PlainTextSelection, each with its creatingUser and creationDateTime)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeTree
import pytest

from annotator.ops.exporting import export_project
from annotator.ops.importing import import_paths
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project

P = "{urn:QDA-XML:project:1.0}"


@dataclass(frozen=True)
class Coded:
    """One coding as a selection reader stores it."""

    source: str
    user: str
    code: str
    start: int
    end: int
    text: str
    memo: str


class DuplicateCodeName(Exception):
    """Two codable codes share a name (QualCoder's code table refuses the second)."""


def read_like_a_selection_reader(qdpx: Path) -> tuple[dict[str, str], list[str], list[Coded]]:
    """Read a .qdpx as the standard's PlainTextSelection model says (and as QualCoder does):
    non-codable codes are categories, codable codes must have unique names, a TextSource's
    text is sources/<file>, and codings are read only from its PlainTextSelections (a
    Coding directly under a TextSource is passed over). Returns code guid → name, the
    categories, and the codings."""
    with zipfile.ZipFile(qdpx) as archive:
        root = SafeTree.fromstring(archive.read("project.qde"))
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.startswith("sources/")}
    users = {user.get("guid"): user.get("name") for user in root.iter(f"{P}User")}
    codes: dict[str, str] = {}
    categories: list[str] = []

    def walk(code) -> None:
        if code.get("isCodable") == "false":
            categories.append(code.get("name"))
        else:
            if code.get("name") in codes.values():
                raise DuplicateCodeName(code.get("name"))
            codes[code.get("guid")] = code.get("name")
        for child in code.findall(f"{P}Code"):
            walk(child)

    for code in root.find(f"{P}CodeBook/{P}Codes").findall(f"{P}Code"):
        walk(code)
    coded = []
    for source in root.iter(f"{P}TextSource"):
        text = texts["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.findall(f"{P}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            stamp = selection.get("creationDateTime") or selection.get("modifiedDateTime")
            assert stamp is not None and stamp.endswith("Z"), "QualCoder fails on a selection with no date"
            memo = "".join(d.text or "" for d in selection.findall(f"{P}Description"))
            for coding in selection.findall(f"{P}Coding"):
                ref = coding.find(f"{P}CodeRef").get("targetGUID")
                coded.append(Coded(source.get("name"), users[selection.get("creatingUser")], codes[ref], start, end,
                                   text[start:end], memo))
    return codes, categories, coded


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path, object]:
    """The test project and its .qdpx export (with the export report)."""
    folder = tmp_path_factory.mktemp("refi")
    study = build_project(folder / "study")
    out = folder / "study.qdpx"
    with Project.open(study, readonly=True) as project:
        report = export_project(project, "qdpx", out)
    return study, out, report


def test_document_labels_reach_a_selection_reader_as_codings_of_the_whole_text(exported) -> None:
    study, out, report = exported
    _, _, coded = read_like_a_selection_reader(out)
    with Project.open(study, readonly=True) as project:
        first = project.documents.ids()[0]
        text = project.documents.text(first)
        title = project.documents.get(first).title
    whole = {(c.user, c.code, c.memo) for c in coded if c.source == title and (c.start, c.end) == (0, len(text))}
    assert whole == {("ada", "Overall stance: Against", "clear"), ("ben", "Mixed", ""),
                     ("curator", "Overall stance: Against", "")}
    assert any("whole text" in line for line in report.remarks)
    assert not any("document labels" in line for line in report.not_carried)


def test_every_span_reaches_a_selection_reader_at_its_text(exported) -> None:
    study, out, _ = exported
    _, _, coded = read_like_a_selection_reader(out)
    with Project.open(study, readonly=True) as project:
        everything = project.annotations.all()
        spans = [(a.annotator, a.start, a.end, project.documents.text(a.document_id)[a.start : a.end])
                 for a in everything if a.is_span]
        labels = [a for a in everything if not a.is_span]
    assert set(spans) <= {(c.user, c.start, c.end, c.text) for c in coded}
    assert len(coded) == len(spans) + len(labels)


def test_code_names_are_unique_and_only_clashing_ones_are_qualified(exported) -> None:
    _, out, report = exported
    codes, categories, _ = read_like_a_selection_reader(out)  # raises DuplicateCodeName on a clash
    assert categories == ["Framing", "Stance", "Overall stance"]
    assert sorted(codes.values()) == sorted([
        "Economic", "Jobs", "Legality, law and order", "Stance: Favour", "Stance: Against",
        "Overall stance: Favour", "Overall stance: Against", "Mixed"])
    renamed = [line for line in report.remarks if "renamed" in line]
    assert renamed and "Stance: Favour" in renamed[0] and "Overall stance: Against" in renamed[0]
    assert "Mixed" not in renamed[0] and "Economic" not in renamed[0]


def test_qualified_names_and_whole_text_labels_come_back_as_they_were(exported, tmp_path: Path) -> None:
    study, out, _ = exported
    with Project.open(study, readonly=True) as project:
        expected = {key[:-2] + ("{}", key[-1]) for key in annotation_keys(project)}
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        result = import_paths(copy, [out])
        assert not result.failed, result.failed
        assert annotation_keys(copy) == expected  # document labels (with their notes) stay document labels

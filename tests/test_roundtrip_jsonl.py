"""Native JSONL is lossless: a new project made from an export has the same documents,
metadata, codebook, annotators (with roles) and annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.errors import BadInputError
from annotator.ops.exporting import export_project
from annotator.ops.native_jsonl import import_native_jsonl, read_jsonl_header
from annotator.project import Project
from test_export_fixtures import CODEBOOK, annotation_keys, build_project


def _documents(project: Project) -> list[tuple]:
    return [(d.id, d.title, d.source, d.author, d.date, d.url, d.language, d.meta, project.documents.text(d.id))
            for d in project.documents.many(project.documents.ids())]


def test_export_then_import_reproduces_the_project(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "corpus.jsonl"
    with Project.open(study, readonly=True) as project:
        export_project(project, "jsonl", out)
        keys, ids = annotation_keys(project), {a.id for a in project.annotations.all()}
        book, people, documents = project.codebook.get(), project.annotators.list(), _documents(project)
    with import_native_jsonl(tmp_path / "copy.annot", out) as copy:
        assert annotation_keys(copy) == keys
        assert {a.id for a in copy.annotations.all()} == ids
        assert _documents(copy) == documents
        strip = lambda b: json.dumps(  # noqa: E731 - codebooks compared without database ids
            [(l.name, l.kind, l.granularity, l.overlap, l.multiple, [(x.name, x.colour, x.parent, x.key)
              for x in l.labels], [(a.name, a.type, a.choices, a.minimum, a.maximum) for a in l.attributes])
             for l in b.layers])
        assert strip(copy.codebook.get()) == strip(book)
        assert {(a.name, a.role) for a in copy.annotators.list()} == {(a.name, a.role) for a in people}


def test_the_first_record_carries_codebook_and_roles(tmp_path: Path) -> None:
    study = build_project(tmp_path / "study")
    out = tmp_path / "corpus.jsonl"
    with Project.open(study, readonly=True) as project:
        export_project(project, "jsonl", out)
    header = read_jsonl_header(out)
    assert header is not None
    assert [layer.name for layer in header["codebook"].layers] == ["Framing", "Stance", "Overall stance"]
    assert {"name": "curator", "role": "curator"} in header["annotators"]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and all("text" in json.loads(line) for line in lines)  # still one document per line


def test_plain_import_of_the_export_still_works(tmp_path: Path) -> None:
    from annotator.ops.importing import import_paths

    study = build_project(tmp_path / "study")
    out = tmp_path / "corpus.jsonl"
    with Project.open(study, readonly=True) as project:
        export_project(project, "jsonl", out)
        keys = annotation_keys(project)
    with Project.create(tmp_path / "copy.annot", codebook=CODEBOOK) as copy:
        assert not import_paths(copy, [out]).failed
        assert annotation_keys(copy) == keys


def test_a_broken_header_is_refused_and_no_project_is_left(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "discourse_annotator": {"codebook": {"layers": [{"kind": "span"}]}}}\n',
                   encoding="utf-8")
    with pytest.raises(BadInputError, match="bad.jsonl, line 1"):
        import_native_jsonl(tmp_path / "copy.annot", bad)
    assert not (tmp_path / "copy.annot").exists()

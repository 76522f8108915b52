"""Building a project from a native JSONL export (`annotator new --from`): the first
record's codebook, relation types and annotators, then every record through the import."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import AnnotatorError, BadInputError
from ..formats.interchange import codebook_from_dict
from ..formats.jsonl_writer import JSONL_HEADER_KEY
from ..model import Role
from ..project import Project

def read_jsonl_header(path: str | Path) -> dict[str, Any] | None:
    """The codebook (as a Codebook) and annotators carried by the first record of a native
    JSONL export, or None if the file has none."""
    path = Path(path)
    number = 0
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                break
        else:
            return None
    if JSONL_HEADER_KEY not in line:
        return None
    try:
        record = json.loads(line)
    except ValueError as error:
        raise BadInputError(path, f"is not valid JSON ({error})", line=number) from None
    except RecursionError:
        raise BadInputError(path, "is not valid JSON (nested too deeply)", line=number) from None
    header = record.get(JSONL_HEADER_KEY) if isinstance(record, dict) else None
    if not isinstance(header, dict):
        return None
    header = dict(header)
    header["codebook"] = codebook_from_dict(header.get("codebook"), f"{path}, line {number}")
    if header.get("relation_types"):  # issue 16: the codebook's relation types ride beside it
        from ..codebooks import with_relation_types

        header["codebook"] = with_relation_types(header["codebook"], header["relation_types"],
                                                 f"{path}, line {number}")
    people = header.get("annotators", [])
    if not isinstance(people, list) or not all(isinstance(p, dict) and isinstance(p.get("name"), str)
                                               and p.get("role", "annotator") in ("annotator", "curator")
                                               for p in people):
        raise BadInputError(path, f'"{JSONL_HEADER_KEY}" annotators must be {{"name", "role"}} records',
                            line=number)
    if any(not person["name"].strip() for person in people):
        raise BadInputError(path, f'an annotator in "{JSONL_HEADER_KEY}" has an empty name', line=number)
    return header


def apply_jsonl_header(project: Project, header: Mapping[str, Any]) -> list[str]:
    """Add the header's annotators (with roles) and the layers, labels and attributes of its
    codebook that the project lacks; returns what was added."""
    added: list[str] = []
    book = header["codebook"]
    with project.db.atomic():
        for layer in book.layers:
            mine = project.codebook.get().layer(layer.name)
            if mine is None:
                project.codebook.add_layer(layer)
                added.append(f"layer {layer.name}")
                continue
            for label in layer.labels:
                if mine.label(label.name) is None:
                    project.codebook.add_label(layer.name, label)
                    added.append(f"label {layer.name}: {label.name}")
        for person in header.get("annotators", ()):
            if project.annotators.get(person["name"]) is None:
                project.annotators.ensure(person["name"], Role(person.get("role", "annotator")))
                added.append(f"annotator {person['name']}")
    project.codebook.invalidate()
    return added


def import_native_jsonl(project_path: str | Path, jsonl: str | Path, **import_options: Any) -> Project:
    """Create a project from a native JSONL export: its codebook, annotators (with roles),
    documents and annotations. Nothing is left behind if the file is refused."""
    from .importing import import_paths

    jsonl = Path(jsonl)
    header = read_jsonl_header(jsonl)
    if header is None:
        raise BadInputError(jsonl, "carries no codebook (not a native export of this program)")
    project = Project.create(project_path, codebook=header["codebook"])
    try:
        apply_jsonl_header(project, header)
        result = import_paths(project, [jsonl], "jsonl", atomic=True, **import_options)
        if result.failed:
            raise BadInputError(jsonl, "; ".join(reason for _, reason in result.failed))
        if result.conflicts:  # a fresh project holds nothing to conflict with: the file repeats an id or clashes
            raise AnnotatorError(result.conflicts[0].replace("; kept the project's", "").replace(
                "differs from the one in the project", "repeats the id of an earlier annotation of the file with "
                "other content") + "; the project was not created")
    except BaseException:
        project.close()
        Path(project_path).unlink(missing_ok=True)
        raise
    return project

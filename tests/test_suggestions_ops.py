"""Suggestions as operations: found by rules, accepted (origin recorded) or rejected, one
undoable step each, counted in acceptance rates; an old project file gains the columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from annotator.codebooks import parse_codebook
from annotator.errors import AnnotationError, AnnotatorError, CodebookError
from annotator.ops import codebook_edit
from annotator.ops.importing import import_paths
from annotator.ops.suggesting import acceptance_rates, accept, accept_report, reject, suggest, suggest_report
from annotator.project import Project
from annotator.store import schema

CODEBOOK = '''name = "ops-test"
version = 1

[[layers]]
name = "Framing"
overlap = "forbid"

[[layers.labels]]
name = "Economic"
patterns = ["tax", "tax on workers"]

[[layers.labels]]
name = "Health"
patterns = ["asthma"]

[[layers]]
name = "Claims"
granularity = "sentence"

[[layers.labels]]
name = "Money"
patterns = ["tax"]

[[layers]]
name = "Topic"
kind = "document"

[[layers.labels]]
name = "Economy"
patterns = ["tax"]

[[layers.labels]]
name = "Sport"
patterns = ["football"]
'''
# Written for these tests: an emoji (astral) before the matches.
TEXT = "Critics \U0001F621 called it a tax on workers. Doctors fear asthma.\n\nA second paragraph."


@pytest.fixture
def study(tmp_path: Path) -> Project:
    """A project with the test codebook and one document."""
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    project = Project.create(tmp_path / "study.annot", parse_codebook(CODEBOOK, "ops.toml"))
    import_paths(project, [tmp_path / "a.txt"])
    project.annotators.ensure("ada")
    yield project
    project.close()


def spans(project: Project, layer: str, **kwargs: object) -> list[tuple[str, str]]:
    document = project.documents.ids()[0]
    text = project.documents.text(document)
    return [(s.label, text[s.start:s.end] if s.start is not None else "(document)")
            for s in suggest(project, layer, [document], **kwargs)]  # type: ignore[arg-type]


def test_rules_suggest_token_sentence_and_document_codes(study: Project) -> None:
    assert spans(study, "Framing") == [("Economic", "tax"), ("Economic", "tax on workers"), ("Health", "asthma")]
    assert spans(study, "Claims") == [("Money", "Critics \U0001F621 called it a tax on workers.")]
    assert spans(study, "Topic") == [("Economy", "(document)")]


def test_accepting_stores_an_annotation_with_its_origin_in_one_undoable_step(study: Project) -> None:
    document = study.documents.ids()[0]
    found = suggest(study, "Framing", [document], "rules", "ada")
    tax = [s for s in found if study.documents.text(document)[s.start:s.end] == "tax"]
    asthma = [s for s in found if s.label == "Health"]
    ids = accept(study, tax + asthma, "ada")
    assert len(ids) == 2
    rows = study.db.execute("SELECT origin FROM annotations ORDER BY span_start").fetchall()
    assert rows == [("rule:Economic:tax",), ("rule:Health:asthma",)]
    assert study.annotations.get(ids[0]).origin == "rule:Economic:tax"
    assert study.history.undo_text == "accept 2 suggestions"
    # Accepted ones are no longer suggested to ada; "tax on workers" overlaps ada's "tax" but stays a suggestion.
    assert [s.label for s in suggest(study, "Framing", [document], "rules", "ada")] == ["Economic"]
    assert acceptance_rates(study, "Framing") == {"rule:Economic:tax": (1, 0), "rule:Health:asthma": (1, 0)}
    study.history.undo("ada")
    assert study.annotations.count() == 0
    assert acceptance_rates(study, "Framing") == {}
    assert len(suggest(study, "Framing", [document], "rules", "ada")) == 3


def test_the_layer_overlap_rule_refuses_a_suggestion_in_one_clear_line(study: Project) -> None:
    document = study.documents.ids()[0]
    found = suggest(study, "Framing", [document], "rules", "ada")
    accept(study, found[:1], "ada")  # "tax"
    with pytest.raises(AnnotationError, match=r"^the suggestion Economic \(\d+–\d+\) was not accepted: .*overlap"):
        accept(study, [found[1]], "ada")  # "tax on workers" crosses it: the layer forbids overlaps
    result = accept_report(study, found[1:], "ada")
    assert [s.label for s, _reason in result.skipped] == ["Economic"]
    assert len(result.annotation_ids) == 1


def test_rejecting_is_recorded_undoable_and_hides_the_suggestion_from_that_annotator_only(study: Project) -> None:
    document = study.documents.ids()[0]
    health = [s for s in suggest(study, "Framing", [document], "rules", "ada") if s.label == "Health"]
    reject(study, health, "ada")
    row = study.db.execute("SELECT label, decision, annotator, source FROM suggestion_decisions").fetchone()
    assert row == ("Health", "reject", "ada", "rule:Health:asthma")
    assert "Health" not in [s.label for s in suggest(study, "Framing", [document], "rules", "ada")]
    study.annotators.ensure("ben")
    assert "Health" in [s.label for s in suggest(study, "Framing", [document], "rules", "ben")]
    assert acceptance_rates(study, "Framing") == {"rule:Health:asthma": (0, 1)}
    assert study.history.undo_text.startswith("reject suggestion Health")
    study.history.undo("ada")
    assert "Health" in [s.label for s in suggest(study, "Framing", [document], "rules", "ada")]
    study.history.redo("ada")
    assert acceptance_rates(study, "Framing") == {"rule:Health:asthma": (0, 1)}


def test_bad_requests_are_one_line_and_change_nothing(study: Project) -> None:
    before = study.path.read_bytes()
    with pytest.raises(CodebookError, match='no layer "Frames"'):
        suggest(study, "Frames", study.documents.ids())
    with pytest.raises(AnnotatorError, match='not "guess"'):
        suggest(study, "Framing", study.documents.ids(), "guess")
    with pytest.raises(AnnotatorError, match="no-such-id"):
        suggest(study, "Framing", ["no-such-id"])
    assert study.path.read_bytes() == before


def test_model_suggestions_say_why_there_are_none(study: Project) -> None:
    result = suggest_report(study, "Framing", study.documents.ids(), "model", "ada")
    assert result.suggestions == []
    assert result.notes == ['layer "Framing" has no trained model (annotator train --layer "Framing")']


def test_patterns_and_shared_suggestions_are_undoable_codebook_edits(study: Project) -> None:
    codebook_edit.set_label_patterns(study, "Framing", "Health", ["asthma", "hospital"], actor="ada")
    assert study.codebook.layer("Framing").label("Health").patterns == ("asthma", "hospital")
    with pytest.raises(CodebookError, match=r'^label "Health", line 2 of its patterns: pattern \[\{"LOWR": "x"\}\]: "LOWR" is not'):
        codebook_edit.set_label_patterns(study, "Framing", "Health", ["asthma", '[{"LOWR": "x"}]'], actor="ada")
    codebook_edit.set_shared_suggestions(study, "Framing", True, actor="ada")
    assert study.codebook.layer("Framing").shared_suggestions
    study.history.undo("ada")
    assert not study.codebook.layer("Framing").shared_suggestions
    study.history.undo("ada")
    assert study.codebook.layer("Framing").label("Health").patterns == ("asthma",)


def test_a_version_1_project_file_gains_origin_and_decisions(study: Project, tmp_path: Path) -> None:
    document = study.documents.ids()[0]
    study.annotations.add(document, "ada", "Framing", "Health", TEXT.index("asthma"), TEXT.index("asthma") + 6)
    path = study.path
    study.close()
    old = path.with_name("v1.annot")  # the same project as an Annotator of schema version 1 wrote it
    conn = sqlite3.connect(old)
    for statement in schema.MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("ATTACH DATABASE ? AS now", [str(path)])
    tables = [row[0] for row in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                             "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'document_search%'")]
    for table in tables:
        columns = ", ".join(row[1] for row in conn.execute(f"PRAGMA main.table_info({table})"))
        conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM now.{table}")
    conn.commit()
    conn.execute("DETACH DATABASE now")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    path = old
    with Project.open(path) as upgraded:
        (annotation,) = upgraded.annotations.all()
        assert annotation.origin == ""
        assert upgraded.codebook.layer("Framing").label("Health").patterns == ()
        assert suggest(upgraded, "Framing", [document], "rules") == []  # the old codebook had no patterns
        reject(upgraded, [], "ada")
        assert "suggestion_decisions" in upgraded.db.table_names()


def test_the_origin_travels_through_the_exports_and_back(study: Project, tmp_path: Path) -> None:
    """Native JSONL and CSV say which annotations began as suggestions; `new --from` keeps it."""
    import csv
    import json

    from annotator.ops.exporting import export_project

    document = study.documents.ids()[0]
    tax = [s for s in suggest(study, "Framing", [document], "rules", "ada")
           if study.documents.text(document)[s.start:s.end] == "tax"]
    [accepted] = accept(study, tax, "ada")
    typed = study.annotations.add(document, "ada", "Framing", "Health", 0, 3).primary
    export_project(study, "jsonl", tmp_path / "out.jsonl")
    spans = {span["id"]: span for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
             for span in json.loads(line).get("spans", [])}
    assert spans[accepted]["origin"] == "rule:Economic:tax" and "origin" not in spans[typed]
    export_project(study, "csv", tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        origins = {row["annotation_id"]: row["origin"] for row in csv.DictReader(handle)}
    assert origins == {accepted: "rule:Economic:tax", typed: ""}
    from annotator.ops.native_jsonl import import_native_jsonl

    copy = tmp_path / "copy.annot"
    import_native_jsonl(copy, tmp_path / "out.jsonl").close()
    with Project.open(copy, readonly=True) as rebuilt:
        assert rebuilt.annotations.get(accepted).origin == "rule:Economic:tax"
        assert rebuilt.annotations.get(typed).origin == ""

"""One overlap rule for every way a span gets in (annotating, merging, curating), and a
project created without importing spaCy."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.errors import AnnotatorError
from annotator.model import Label
from annotator.ops.codebook_edit import add_label, add_layer
from annotator.ops.curation import accept_all_agreeing, ensure_curator
from annotator.ops.importing import import_paths
from annotator.ops.merge import merge_project
from annotator.project import Project
from annotator.span_rules import overlap_clash
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent

# Written for these tests: an emoji (astral), a combining accent, a non-breaking space.
TEXT = "Mayor Jose\u0301 Ortega \U0001F621 said the tram plan\u00a0will cut traffic by half before 2030."


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _at(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def study(tmp_path: Path) -> tuple[Project, str]:
    """A project with one document and two span layers with overlap rules: Claim (nested), Quote (forbid)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "tram.txt").write_text(TEXT, encoding="utf-8")
    project = Project.create(tmp_path / "study.annot")
    assert len(import_paths(project, [tmp_path / "in"]).imported) == 1
    for layer, rule in (("Claim", "nested"), ("Quote", "forbid")):
        add_layer(project, layer, granularity="character", overlap=rule)
        add_label(project, layer, Label("Main"))
        add_label(project, layer, Label("Aside"))
    project.annotators.ensure("ada")
    project.annotators.ensure("ben")
    yield project, project.documents.ids()[0]
    project.close()


# -- the rule itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "start", "end", "clash"), [
    ("allow", 5, 15, None),            # crossing is fine when the layer allows overlap
    ("nested", 12, 18, None),          # inside 10–20
    ("nested", 10, 20, None),          # the same stretch nests in itself
    ("nested", 5, 25, None),           # around 10–20
    ("nested", 15, 25, (10, 20)),      # crosses 10–20
    ("nested", 20, 30, None),          # touches 10–20 at its end: no shared character
    ("forbid", 12, 18, (10, 20)),      # inside is still an overlap
    ("forbid", 0, 10, None),           # ends where 10–20 starts
    ("forbid", 19, 21, (10, 20)),
])
def test_the_overlap_rule_of_a_layer(rule: str, start: int, end: int, clash: tuple[int, int] | None) -> None:
    assert overlap_clash(rule, [(40, 50), (10, 20)], start, end) == clash


def test_an_unknown_overlap_rule_is_refused_not_read_as_allow() -> None:
    with pytest.raises(ValueError, match='overlap rule "never"'):
        overlap_clash("never", [(10, 20)], 15, 25)


# -- annotating, merging and curating follow it alike --------------------------------------------


def test_annotating_refuses_a_crossing_span_in_a_nested_layer_and_keeps_the_file(study: tuple[Project, str]) -> None:
    project, doc = study
    project.annotations.add(doc, "ada", "Claim", "Main", *_at(TEXT, "the tram plan\u00a0will cut traffic"))
    project.annotations.add(doc, "ada", "Claim", "Aside", *_at(TEXT, "tram plan"))  # nested: fine
    before = _sha256(project.path)
    with pytest.raises(AnnotatorError) as refused:
        project.annotations.add(doc, "ada", "Claim", "Aside", *_at(TEXT, "traffic by half"))
    start, end = _at(TEXT, "the tram plan\u00a0will cut traffic")
    assert str(refused.value) == f'layer "Claim" does not allow this span to overlap the one at {start}–{end}'
    assert _sha256(project.path) == before
    # Another annotator's spans are not in the way (each annotator codes blind).
    project.annotations.add(doc, "ben", "Claim", "Aside", *_at(TEXT, "traffic by half"))


def test_annotating_refuses_even_a_nested_span_in_a_forbid_layer(study: tuple[Project, str]) -> None:
    project, doc = study
    first = project.annotations.add(doc, "ada", "Quote", "Main", *_at(TEXT, "the tram plan")).primary
    with pytest.raises(AnnotatorError, match='layer "Quote" does not allow'):
        project.annotations.add(doc, "ada", "Quote", "Aside", *_at(TEXT, "tram"))
    project.annotations.add(doc, "ada", "Quote", "Aside", *_at(TEXT, "\u00a0will cut"))  # touching, not sharing
    with pytest.raises(AnnotatorError, match='layer "Quote" does not allow'):
        project.annotations.resize(first, *_at(TEXT, "the tram plan\u00a0will"))
    assert (project.annotations.get(first).start, project.annotations.get(first).end) == _at(TEXT, "the tram plan")


def test_merging_refuses_what_annotating_refuses(study: tuple[Project, str], tmp_path: Path) -> None:
    project, doc = study
    project.close()
    shutil.copy(tmp_path / "study.annot", tmp_path / "colleague.annot")
    ours = Project.open(tmp_path / "study.annot")
    theirs = Project.open(tmp_path / "colleague.annot")
    ours.annotations.add(doc, "ben", "Claim", "Main", *_at(TEXT, "the tram plan\u00a0will cut traffic"))
    crossing = theirs.annotations.add(doc, "ben", "Claim", "Aside", *_at(TEXT, "traffic by half")).primary
    nested = theirs.annotations.add(doc, "ben", "Claim", "Aside", *_at(TEXT, "tram plan")).primary
    inside = theirs.annotations.add(doc, "ben", "Quote", "Main", *_at(TEXT, "the tram plan")).primary
    theirs.annotations.add(doc, "ben", "Quote", "Aside", *_at(TEXT, "cut traffic"))
    theirs.close()
    ours.annotations.add(doc, "ben", "Quote", "Main", *_at(TEXT, "tram plan\u00a0will"))  # inside = crosses it
    report = merge_project(ours, tmp_path / "colleague.annot")
    start, end = _at(TEXT, "the tram plan\u00a0will cut traffic")
    reasons = {c.id: c.reason for c in report.annotations.conflicts}
    assert reasons == {
        crossing: f'layer "Claim" does not allow it to overlap the span at {start}–{end}',
        inside: 'layer "Quote" does not allow it to overlap the span at {}–{}'.format(*_at(TEXT, "tram plan\u00a0will")),
    }
    stored = {(a.layer, a.label, a.start, a.end) for a in ours.annotations.for_document(doc, "ben")}
    assert ("Claim", "Aside", *_at(TEXT, "tram plan")) in stored and nested not in reasons
    assert ("Claim", "Aside", *_at(TEXT, "traffic by half")) not in stored
    # And what merging took in, annotating would have taken in too: no pair of ben's spans breaks the rule.
    for layer, rule in (("Claim", "nested"), ("Quote", "forbid")):
        spans = [(s, e) for (name, _, s, e) in sorted(stored) if name == layer]
        for index, (s, e) in enumerate(spans):
            assert overlap_clash(rule, spans[:index] + spans[index + 1:], s, e) is None
    ours.close()


def test_accepting_agreement_keeps_the_gold_set_within_the_rule(study: tuple[Project, str]) -> None:
    project, doc = study
    for coder in ("ada", "ben"):
        project.annotations.add(doc, coder, "Claim", "Aside", *_at(TEXT, "traffic by half"))
        project.annotations.add(doc, coder, "Claim", "Aside", *_at(TEXT, "Ortega"))
    ensure_curator(project, "curator")
    project.annotations.add(doc, "curator", "Claim", "Main", *_at(TEXT, "the tram plan\u00a0will cut traffic"))
    accept_all_agreeing(project, doc, ["ada", "ben"], curator="curator")
    gold = {(a.start, a.end) for a in project.annotations.for_document(doc, "curator")}
    assert _at(TEXT, "Ortega") in gold
    assert _at(TEXT, "traffic by half") not in gold  # it would cross the curator's claim


def test_importing_refuses_what_annotating_refuses(study: tuple[Project, str], tmp_path: Path) -> None:
    project, _ = study
    claim, crossing = _at(TEXT, "the tram plan\u00a0will cut traffic"), _at(TEXT, "traffic by half")
    (tmp_path / "coded.jsonl").write_text(json.dumps({"text": TEXT + " Again.", "spans": [
        {"start": s, "end": e, "layer": "Claim", "label": "Main", "annotator": "ada"} for s, e in (claim, crossing)
    ]}) + "\n", encoding="utf-8")
    report = import_paths(project, [tmp_path / "coded.jsonl"])
    [doc] = report.imported
    stored = [(a.start, a.end) for a in project.annotations.for_document(doc, "ada")]
    assert stored == [claim]  # both went in before: annotating would refuse the crossing one
    assert report.conflicts and 'layer "Claim" does not allow' in report.conflicts[0]


# -- creating a project does not import spaCy ---------------------------------------------------


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_creating_a_project_does_not_import_spacy(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from annotator.project import Project\n"
        "for code in ('en', 'de', 'xx'):\n"
        "    Project.create(f'p-{code}.annot', language=code).close()\n"
        "print('SPACY', 'spacy' in sys.modules)\n"
    )
    result = _run(probe, tmp_path)
    assert "SPACY False" in result.stdout, result.stdout + result.stderr
    assert {p.name for p in tmp_path.glob("*.annot")} == {"p-en.annot", "p-de.annot", "p-xx.annot"}


def test_an_unknown_language_is_refused_in_one_line_and_no_file_is_made(tmp_path: Path, cli: Cli) -> None:
    for code in ("zz", "en-US", "../en", ""):
        ran = cli("new", str(tmp_path / "p.annot"), "--lang", code)
        assert ran.returncode == 2, ran.stdout + ran.stderr
        assert ran.stderr.splitlines() == [
            f'annotator new: language "{code}" is not one spaCy knows (use a code like en, de, fr)'
        ]
        assert list(tmp_path.iterdir()) == []


def test_a_language_spacy_knows_by_another_code_is_still_accepted(tmp_path: Path, cli: Cli) -> None:
    # "deu" is ISO 639-3 for German; spaCy itself maps it to "de", so a project may be made with it.
    Project.create(tmp_path / "p.annot", language="deu").close()
    ran = cli("info", str(tmp_path / "p.annot"), "--json")
    assert ran.returncode == 0 and json.loads(ran.stdout)["language"] == "deu"

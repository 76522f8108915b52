"""`annotator assign`: a stratified double-coding sample with a reported seed, balanced loads,
stored as one undoable step; bad input refused in one line with the project unchanged."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from annotator.ops.assignments import draw_assignments, progress, queue
from annotator.project import Project
from tests.conftest import Cli, project_from_records

# 20 short articles: 10 from the Herald, 6 from the Post, 4 from the Ledger (one with an emoji).
SOURCES = ["Herald"] * 10 + ["Post"] * 6 + ["Ledger"] * 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of 20 documents with a source each, and annotators ada and ben."""
    folder = tmp_path_factory.mktemp("assign")
    records = [{"id": f"d{n}", "text": f"Article {n} on the council vote \U0001F5F3. It passed.",
                "meta": {"source": source, "desk": "city" if n % 2 else ""}}
               for n, source in enumerate(SOURCES)]
    return project_from_records(folder, records)


@pytest.fixture
def study(corpus: Path, tmp_path: Path) -> Path:
    """A copy of the corpus project for one test."""
    target = tmp_path / "study.annot"
    shutil.copy(corpus, target)
    return target


def _sources(path: Path) -> dict[str, str]:
    with Project.open(path, readonly=True) as project:
        return {d.id: d.source for d in project.documents.list()}


def test_assign_json_stratified_sample_and_balanced_loads(cli: Cli, study: Path) -> None:
    result = cli("assign", str(study), "--sample", "0.2", "--by", "source", "--coders", "2",
                 "--annotators", "ada,ben,cy", "--seed", "7", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["seed"] == 7
    sources = _sources(study)
    # 20 % of each outlet: 2 of 10, 1 of 6 (1.2), 1 of 4 (0.8) -> 4 documents.
    assert Counter(sources[d] for d in data["sample"]) == {"Herald": 2, "Post": 1, "Ledger": 1}
    assignments = data["assignments"]
    assert set(assignments) == {"ada", "ben", "cy"}
    coders = Counter(d for ids in assignments.values() for d in ids)
    assert set(coders) == set(sources)  # every document is assigned
    assert all(coders[d] == 2 for d in data["sample"])
    assert all(n == 1 for d, n in coders.items() if d not in data["sample"])
    loads = [len(ids) for ids in assignments.values()]
    assert max(loads) - min(loads) <= 1  # 8 + 16 = 24 assignments: 8 each
    # Stored: the file holds the same assignments, cy was added as an annotator.
    with Project.open(study, readonly=True) as project:
        stored = project.db.execute(
            "SELECT p.name, a.document_id, a.sampled FROM assignments a JOIN annotators p ON p.id = a.annotator_id"
        ).fetchall()
        assert {(n, d) for n, d, _ in stored} == {(n, d) for n, ids in assignments.items() for d in ids}
        assert {d for _, d, s in stored if s} == set(data["sample"])
        assert project.annotators.get("cy") is not None


def test_same_seed_draws_the_same_sample(cli: Cli, study: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.annot"
    shutil.copy(study, other)
    args = ("--sample", "5", "--coders", "2", "--annotators", "ada,ben", "--seed", "11", "--json")
    first = json.loads(cli("assign", str(study), *args).stdout)
    second = json.loads(cli("assign", str(other), *args).stdout)
    assert first["sample"] == second["sample"] and len(first["sample"]) == 5
    assert first["assignments"] == second["assignments"]


def test_text_report_names_seed_and_strata(cli: Cli, study: Path) -> None:
    result = cli("assign", str(study), "--sample", "0.5", "--by", "source", "--annotators", "ada,ben", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "seed 3" in result.stdout
    assert "stratified by source (3 strata)" in result.stdout
    assert "Herald: 5 of 10" in result.stdout


def test_draw_is_one_undo_step(study: Path) -> None:
    with Project.open(study) as project:
        events = []
        project.events.subscribe(events.append)
        draw = draw_assignments(project, 0.2, ["ada", "ben"], coders=2, seed=7)
        assert len(events) == 1 and "assignments" in events[0].tables
        assert queue(project, "ada") == draw.assignments["ada"]
        project.history.undo()
        assert project.db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 0
        assert queue(project, "ada") == []
        project.history.redo()
        assert queue(project, "ada") == draw.assignments["ada"]


def test_queue_leaves_out_done_documents_and_progress_counts_overlap(study: Path) -> None:
    from annotator.model import Status

    with Project.open(study) as project:
        draw = draw_assignments(project, 4, ["ada", "ben"], coders=2, seed=1)
        first = draw.sample[0]
        project.status.set(first, "ada", Status.DONE)
        assert first not in queue(project, "ada")
        assert first in queue(project, "ben")
        assert progress(project).overlap_done == 0
        project.status.set(first, "ben", Status.DONE)
        figures = progress(project)
        assert figures.overlap_done == 1 and figures.sampled == 4
        assert figures.per_annotator["ada"] == (1, 12)


def test_second_draw_needs_replace(cli: Cli, study: Path) -> None:
    assert cli("assign", str(study), "--sample", "0.2", "--annotators", "ada,ben", "--seed", "7").returncode == 0
    before = study.read_bytes()
    refused = cli("assign", str(study), "--sample", "0.2", "--annotators", "ada,ben", "--seed", "8")
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("annotator assign: the project already has 24 assignments; "
                                      "draw again with --replace (one undo step takes it back)")
    assert study.read_bytes() == before
    again = cli("assign", str(study), "--sample", "0.2", "--annotators", "ada,ben", "--seed", "8", "--replace",
                "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["replaced"] == 24


@pytest.mark.parametrize(("args", "message"), [
    (("--sample", "30", "--annotators", "ada,ben"),
     "a sample of 30 documents is larger than the corpus (20 documents)"),
    (("--sample", "0.2", "--coders", "3", "--annotators", "ada,ben"),
     "3 coders per sampled document need at least 3 annotators; 2 named (ada, ben)"),
    (("--sample", "0.2", "--by", "outlet_name", "--annotators", "ada,ben"),
     'no document has a value for "outlet_name"; stratify by a key the documents have '
     "(e.g. source, author, date or a metadata key)"),
    (("--sample", "2.5", "--annotators", "ada,ben"),
     "--sample 2.5: a share is at most 1, a number of documents is whole"),
    (("--sample", "0.01", "--annotators", "ada,ben"),
     "a sample of 0.01 of 20 documents is no document; give a larger share or a number"),
])
def test_bad_input_is_one_line_and_leaves_the_file(cli: Cli, study: Path, args: tuple[str, ...],
                                                   message: str) -> None:
    before = study.read_bytes()
    result = cli("assign", str(study), *args)
    assert result.returncode == 2
    assert result.stderr.strip() == f"annotator assign: {message}"
    assert study.read_bytes() == before


def test_stratum_by_free_metadata_key_counts_documents_without_it(cli: Cli, study: Path) -> None:
    result = cli("assign", str(study), "--sample", "0.5", "--by", "desk", "--annotators", "ada,ben", "--seed", "2",
                 "--json")
    assert result.returncode == 0, result.stderr
    strata = json.loads(result.stdout)["design"]["strata"]
    assert strata == {"(none)": {"documents": 10, "sampled": 5}, "city": {"documents": 10, "sampled": 5}}


def test_retest_reserves_done_documents_blind_for_intra_coder_agreement(cli: Cli, study: Path) -> None:
    from annotator.model import Status

    with Project.open(study) as project:
        ids = project.documents.ids()
        for document in ids[:10]:
            start = project.documents.text(document).index("council")
            project.annotations.add(document, "ada", "Framing", "Economic", start, start + len("council"))
            project.status.set(document, "ada", Status.DONE)
    before = study.read_bytes()
    refused = cli("assign", str(study), "--retest", "0.2", "--annotators", "nobody")
    assert refused.returncode == 2 and 'no annotator "nobody"' in refused.stderr
    assert cli("assign", str(study), "--retest", "0.2", "--sample", "0.2").returncode == 2
    assert study.read_bytes() == before
    ran = cli("assign", str(study), "--retest", "0.2", "--seed", "5", "--json")
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["seed"] == 5 and list(data["retest"]) == ["ada (re-test)"]  # ben has nothing done
    again = data["retest"]["ada (re-test)"]
    assert len(again) == 2 and set(again) <= set(ids[:10])  # 20 % of her 10 done documents
    with Project.open(study) as project:
        assert queue(project, "ada (re-test)") == again
        # Coding as the re-test copy starts blind: none of ada's earlier tags are that annotator's.
        assert [a.annotator for a in project.annotations.for_document(again[0])] == ["ada"]
        for document in again:
            text = project.documents.text(document)
            start = text.index("council")
            project.annotations.add(document, "ada (re-test)", "Framing", "Economic", start, start + 7)
            project.status.set(document, "ada (re-test)", Status.DONE)
    agreement = cli("agreement", str(study), "--layer", "Framing", "--annotators", "ada,ada (re-test)",
                    "--measure", "f1", "--json")
    assert agreement.returncode == 0, agreement.stderr
    report = json.loads(agreement.stdout)
    assert report["annotators"] == ["ada", "ada (re-test)"]
    f1 = report["figures"]["f1_exact"]  # intra-coder: ada then, ada now, on the two re-tested documents
    assert (f1["value"], f1["details"]["matched"], f1["details"]["n_reference"]) == (1.0, 2, 2)

"""Label migrations between rounds (annotator relabel): rename, merge and split carry the
annotations along as one undoable step, logged with the codebook versions before and after,
listed between the rounds and in the methods report; refused while a round is open."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.ops.relabel import list_migrations, plan_split, split_label
from annotator.project import Project
from tests.conftest import Cli

TEXTS = {
    "d1": "The tax on workers \U0001F621 rose again. Jobs vanished from the port.",
    "d2": "Cleaner air costs money, said Jose\u0301.\u00a0Employers cut wages.",
}
SPANS = [  # (document, annotator, label, phrase)
    ("d1", "ada", "Economic", "tax on workers"),
    ("d1", "ada", "Economic", "Jobs vanished"),
    ("d1", "ben", "Economic", "Jobs vanished"),
    ("d2", "ada", "Economic", "costs money"),
    ("d2", "ben", "Economic", "Employers cut wages"),
    ("d2", "ben", "Political", "costs money"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two articles with Framing spans by ada and ben, and a Stance span of ada's linked to one."""
    from annotator.cli import main

    folder = tmp_path_factory.mktemp("relabel")
    (folder / "docs.jsonl").write_text(
        "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in TEXTS.items()), encoding="utf-8")
    path = folder / "study.annot"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(folder / "docs.jsonl")]) == 0
    with Project.open(path) as project:
        ids = dict(zip(TEXTS, project.documents.ids()))
        assert all(project.documents.text(ids[key]) == text for key, text in TEXTS.items())
        for name in ("ada", "ben"):
            project.annotators.ensure(name)
        for doc, who, label, phrase in SPANS:
            start = TEXTS[doc].index(phrase)
            project.annotations.add(ids[doc], who, "Framing", label, start, start + len(phrase))
        start = TEXTS["d1"].index("rose again")
        stance = project.annotations.add(ids["d1"], "ada", "Stance", "Against", start, start + len("rose again"))
        target = _span_id(project, ids["d1"], "ada", "tax on workers")
        project.relations.add("Target", stance.primary, target)
    return path


def _span_id(project: Project, doc: str, who: str, phrase: str) -> str:
    start = TEXTS["d1"].index(phrase)
    return next(a.id for a in project.annotations.for_document(doc, who) if a.start == start and a.layer == "Framing")


@pytest.fixture
def study(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "study.annot"
    shutil.copy(built, target)
    return target


def _framing(path: Path) -> list[tuple[str, str, str, str]]:
    """(document, annotator, label, covered text) of every Framing annotation, read from the file."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT 'd' || (d.position + 1), p.name, l.name, a.span_start, a.span_end FROM annotations a "
            "JOIN documents d ON d.id = a.document_id "
            "JOIN labels l ON l.id = a.label_id JOIN layers y ON y.id = a.layer_id "
            "JOIN annotators p ON p.id = a.annotator_id WHERE y.name = 'Framing'").fetchall()
    return sorted((d, who, label, TEXTS[d][s:e]) for d, who, label, s, e in rows)


def _labels(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT l.name FROM labels l JOIN layers y ON y.id = l.layer_id WHERE y.name = 'Framing' "
            "ORDER BY l.position")]


def _snapshot(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return {t: repr(conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall())
                for t in ("labels", "annotations", "relations", "comments")}


# ----- split ----------------------------------------------------------------------------------


def test_split_by_pattern_moves_the_matching_spans_to_a_new_label(cli: Cli, study: Path) -> None:
    result = cli("relabel", str(study), "--split", "Framing:Economic", "--into", "Economic,Jobs",
                 "--match", r"job|employ|worker")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('split "Economic" in layer "Framing": 1 annotation to "Economic", '
                                    '4 to "Jobs"')
    assert _framing(study) == [
        ("d1", "ada", "Jobs", "Jobs vanished"), ("d1", "ada", "Jobs", "tax on workers"),
        ("d1", "ben", "Jobs", "Jobs vanished"),
        ("d2", "ada", "Economic", "costs money"), ("d2", "ben", "Jobs", "Employers cut wages"),
        ("d2", "ben", "Political", "costs money")]
    labels = _labels(study)
    assert labels[labels.index("Economic") + 1] == "Jobs"  # the new label sits beside the one split
    with sqlite3.connect(study) as conn:  # the relation to the moved span is kept
        assert conn.execute("SELECT COUNT(*) FROM relations").fetchone()[0] == 1


def test_dry_run_shows_counts_and_spans_and_changes_nothing(cli: Cli, study: Path) -> None:
    before = study.read_bytes()
    result = cli("relabel", str(study), "--split", "Framing:Economic", "--into", "Economic,Jobs",
                 "--match", "job", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert 'would split "Economic" in layer "Framing": 3 to "Economic", 2 to "Jobs"' in result.stdout
    assert "'Jobs vanished'" in result.stdout and "nothing changed" in result.stdout
    assert study.read_bytes() == before


def test_split_by_an_edited_csv_export(cli: Cli, study: Path, tmp_path: Path) -> None:
    """The analyst exports the CSV, changes the label of the rows to move, and splits by it."""
    exported = tmp_path / "spans.csv"
    assert cli("export", str(study), "--format", "csv", "--out", str(exported)).returncode == 0
    with open(exported, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["label"] == "Economic" and row["annotator"] == "ben":
            row["label"] = "Wages"
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = cli("relabel", str(study), "--split", "Framing:Economic", "--into", "Costs,Wages",
                 "--ids", str(edited), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"] == {"Costs": 3, "Wages": 2}
    assert [(who, label) for _, who, label, _ in _framing(study)] == [
        ("ada", "Costs"), ("ada", "Costs"), ("ben", "Wages"), ("ada", "Costs"), ("ben", "Political"), ("ben", "Wages")]
    assert "Economic" not in _labels(study)  # split into two other labels: it goes


def test_split_is_one_undo_step_and_its_log_entry_goes_with_the_undo(study: Path) -> None:
    before = _snapshot(study)
    with Project.open(study) as project:
        plan = plan_split(project, "Framing", "Economic", ["Costs", "Jobs"], pattern="job")
        assert split_label(project, plan, actor="ada") == {"Costs": 3, "Jobs": 2, "dropped": 0}
        after = _snapshot(study)
        [logged] = list_migrations(project)
        assert logged.kind == "split" and logged.counts == {"Costs": 3, "Jobs": 2}
        assert logged.version_after == logged.version_before + 1
        assert project.history.undo_step("ada").description == 'split label "Economic" into "Costs" and "Jobs"'
        project.history.undo("ada")
        assert _snapshot(study) == before and list_migrations(project) == []
        project.history.redo("ada")
        assert _snapshot(study) == after and len(list_migrations(project)) == 1


def test_split_into_a_label_that_has_the_span_already_drops_the_duplicate(study: Path) -> None:
    with Project.open(study) as project:
        start = TEXTS["d2"].index("costs money")
        project.annotations.add(project.documents.ids()[1], "ada", "Framing", "Political", start, start + len("costs money"))
        plan = plan_split(project, "Framing", "Economic", ["Economic", "Political"], pattern="money")
        assert split_label(project, plan)["dropped"] == 1  # ada's "costs money" is Political already
    assert [row for row in _framing(study) if row[3] == "costs money"] == [
        ("d2", "ada", "Political", "costs money"), ("d2", "ben", "Political", "costs money")]


@pytest.mark.parametrize(("args", "message"), [
    (("--split", "Dominant frame:Economic", "--into", "Economic,Jobs", "--match", "job"),
     'layer "Dominant frame" labels whole documents'),
    (("--split", "Framing:Economic", "--into", "Economic,Jobs", "--match", "(job"), "is not a regular expression"),
    (("--split", "Framing:Economic", "--into", "Economic,economic", "--match", "job"), "are the same"),
    (("--split", "Framing:Economic", "--into", "Economic,Jobs"), "--split needs a rule"),
    (("--split", "Framing:Nonsense", "--into", "A,B", "--match", "x"), 'no label "Nonsense"'),
    (("--merge", "Framing:Economic", "--into", "Economic"), "onto itself"),
    (("--rename", "Framing:Economic", "--to", "political"), 'already has a label "Political"'),
])
def test_bad_requests_are_one_line_and_change_nothing(cli: Cli, study: Path, args: tuple[str, ...],
                                                      message: str) -> None:
    before = study.read_bytes()
    result = cli("relabel", str(study), *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert result.stderr.startswith("annotator relabel: ") and result.stderr.count("\n") == 1
    assert study.read_bytes() == before


def test_a_csv_without_the_columns_is_refused_naming_it(cli: Cli, study: Path, tmp_path: Path) -> None:
    bad = tmp_path / "ids.csv"
    bad.write_text("id,code\nx,Jobs\n", encoding="utf-8")
    before = study.read_bytes()
    result = cli("relabel", str(study), "--split", "Framing:Economic", "--into", "Economic,Jobs", "--ids", str(bad))
    assert result.returncode == 2
    assert f"{bad}: needs the columns annotation_id and label" in result.stderr
    assert study.read_bytes() == before


# ----- merge and rename -------------------------------------------------------------------------


def test_merge_carries_the_annotations_and_keeps_their_relations(cli: Cli, study: Path) -> None:
    result = cli("relabel", str(study), "--merge", "Framing:Economic", "--into", "Political")
    assert result.returncode == 0, result.stderr
    assert 'merged "Economic" into "Political"' in result.stdout
    assert {label for _, _, label, _ in _framing(study)} == {"Political"}
    assert len(_framing(study)) == 6  # ben's own "costs money" was Political already: another coder's is kept
    with sqlite3.connect(study) as conn:
        assert conn.execute("SELECT COUNT(*) FROM relations").fetchone()[0] == 1


# ----- the log between rounds, and the frozen codebook ------------------------------------------------


def test_migrations_are_listed_between_rounds_and_in_the_methods_report(cli: Cli, study: Path,
                                                                         tmp_path: Path) -> None:
    assert cli("round", "start", str(study), "pilot", "--documents", "all").returncode == 0
    frozen = study.read_bytes()
    refused = cli("relabel", str(study), "--rename", "Framing:Economic", "--to", "Economy")
    assert refused.returncode == 2 and 'round "pilot" is open' in refused.stderr
    assert study.read_bytes() == frozen
    assert cli("round", "close", str(study), "pilot").returncode == 0
    assert cli("relabel", str(study), "--rename", "Framing:Economic", "--to", "Economy").returncode == 0
    assert cli("relabel", str(study), "--merge", "Framing:Morality", "--into", "Political").returncode == 0
    split = cli("relabel", str(study), "--split", "Framing:Economy", "--into", "Economy,Jobs", "--match", "job")
    assert split.returncode == 0, split.stderr
    assert cli("round", "start", str(study), "second", "--documents", "all").returncode == 0

    listed = cli("round", "list", str(study))
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("pilot:") and lines[-1].startswith("second:")
    between = lines[1:-1]
    assert [line.split("; codebook version")[0] for line in between] == [
        'between round "pilot" and "second": Framing: label "Economic" renamed "Economy" (5 annotations)',
        'between round "pilot" and "second": Framing: label "Morality" merged into "Political" (0 annotations)',
        'between round "pilot" and "second": Framing: label "Economy" split into "Economy" and "Jobs" (3 to '
        '"Economy", 2 to "Jobs"; spans matching /job/ (ignoring case) to "Jobs", the rest to "Economy")']
    assert [line.split("; codebook version ")[1].split(" (")[0] for line in between] == ["1 → 2", "2 → 3", "3 → 4"]
    data = json.loads(cli("round", "list", str(study), "--json").stdout)
    assert [m["kind"] for m in data[1]["migrations_before"]] == ["rename", "merge", "split"]

    out = tmp_path / "report.md"
    report = cli("report", str(study), "--round", "second", "--out", str(out), "--bootstrap", "0")
    assert report.returncode == 0, report.stderr
    text = out.read_text(encoding="utf-8")
    assert "## Codebook changes since the previous round" in text
    assert 'between round "pilot" and "second": Framing: label "Morality" merged into "Political"' in text

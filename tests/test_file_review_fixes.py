"""File handling of this round's commands, as an adversarial reviewer broke it: each bad input
is one line naming the problem, exit status 2, the project byte-identical."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.project import Project
from tests.conftest import Cli, project_from_records

TEXTS = ["The mayor defended the toll. Critics called it a tax \U0001F621.",
         "A second short article on the council vote.",
         "Supporters expect cleaner air by 2030.",
         "Shop owners fear the charge."]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of four short articles and the annotators ada and ben."""
    folder = tmp_path_factory.mktemp("file_review")
    records = [{"id": f"d{n}", "text": text, "meta": {"source": "Herald"}}
               for n, text in enumerate(TEXTS)]
    return project_from_records(folder, records)


@pytest.fixture
def study(corpus: Path, tmp_path: Path) -> Path:
    """A copy of the corpus project for one test."""
    target = tmp_path / "study.annot"
    shutil.copy(corpus, target)
    return target


def _refused(cli: Cli, project: Path, *args: str) -> str:
    """Run a command that must be refused: exit 2, one line on stderr, the project byte-identical."""
    before = project.read_bytes()
    ran = cli(*args)
    assert ran.returncode == 2, (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr and "usage:" not in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    assert project.read_bytes() == before
    return ran.stderr.strip()


# ----- 4. numbers that are not numbers ------------------------------------------------------

@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-inf"])
def test_assign_sample_that_is_not_finite_is_one_line(cli: Cli, study: Path, value: str) -> None:
    line = _refused(cli, study, "assign", str(study), "--sample", value, "--annotators", "ada,ben")
    assert line.startswith("annotator assign: ") and "--sample" in line


@pytest.mark.parametrize("args", [
    ("suggest", "{p}", "--layer", "Framing", "--annotator", "ada", "--accept-above", "2"),
    ("round", "table", "{p}", "--layer", "Framing", "--threshold", "2"),
    ("assign", "{p}", "--sample", "many", "--annotators", "ada,ben"),
    ("assign", "{p}", "--sample", "0.5", "--annotators", "ada,ben", "--seed", "x"),
])
def test_a_malformed_number_names_its_option_in_one_line(cli: Cli, study: Path, args: tuple[str, ...]) -> None:
    args = tuple(a.replace("{p}", str(study)) for a in args)
    option = next(a for a in args if a.startswith("--") and a in ("--accept-above", "--threshold", "--sample",
                                                                  "--seed") and args[args.index(a) + 1] in
                  ("2", "many", "x"))
    line = _refused(cli, study, *args)
    assert line.startswith(f"annotator {args[0]}") and option in line


# ----- 6 and 9. a version-1 file: backups never replaced, `annotator upgrade` ---------------

def _back_to_version_1(path: Path) -> None:
    """Undo every statement of schema version 2, as an older Annotator wrote the file."""
    import re
    import sqlite3

    from annotator.store import schema

    conn = sqlite3.connect(path)
    for statement in reversed(schema.MIGRATIONS[1]):
        if match := re.match(r"\s*CREATE TABLE (\w+)", statement):
            conn.execute(f"DROP TABLE {match[1]}")
        elif match := re.match(r"\s*CREATE TRIGGER (\w+)", statement):
            conn.execute(f"DROP TRIGGER {match[1]}")
        elif match := re.match(r"\s*ALTER TABLE (\w+) ADD COLUMN (\w+)", statement):
            conn.execute(f"ALTER TABLE {match[1]} DROP COLUMN {match[2]}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def _version(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


@pytest.fixture
def old(study: Path) -> Path:
    """The study as a version-1 file."""
    _back_to_version_1(study)
    return study


def test_a_read_only_command_on_an_old_file_names_the_upgrade_command_and_leaves_nothing(cli: Cli, old: Path) -> None:
    line = _refused(cli, old, "analyze", "frequencies", str(old), "--layer", "Framing")
    assert f"annotator upgrade {old}" in line
    assert sorted(p.name for p in old.parent.iterdir()) == ["study.annot"]


def test_upgrade_backs_up_migrates_and_says_where(cli: Cli, old: Path) -> None:
    ran = cli("upgrade", str(old))
    assert ran.returncode == 0, ran.stderr
    backup = old.with_name("study.annot.v1.bak")
    assert str(backup) in ran.stdout
    assert (_version(old), _version(backup)) == (2, 1)
    ran = cli("upgrade", str(old))
    assert ran.returncode == 0 and "already" in ran.stdout


def test_an_existing_migration_backup_is_never_replaced(cli: Cli, old: Path) -> None:
    kept = old.with_name("study.annot.v1.bak")
    kept.write_bytes(b"newer work someone restored")
    second = old.with_name("study.annot.v1-2.bak")
    second.write_bytes(b"and another")
    ran = cli("upgrade", str(old))
    assert ran.returncode == 0, ran.stderr
    third = old.with_name("study.annot.v1-3.bak")
    assert str(third) in ran.stdout
    assert kept.read_bytes() == b"newer work someone restored" and second.read_bytes() == b"and another"
    assert _version(third) == 1 and _version(old) == 2
    with Project.open(old, readonly=True) as project:  # opening the upgraded file writes no other backup
        assert len(project.documents) == 4
    assert not old.with_name("study.annot.v1-4.bak").exists()


# ----- 2 and 3. a native JSONL that repeats an id --------------------------------------------

@pytest.fixture
def exported(study: Path, tmp_path: Path, cli: Cli) -> list[dict]:
    """The study with ada's linked spans in its first article, exported as native JSONL (lines as records)."""
    with Project.open(study) as project:
        doc = project.documents.ids()[0]

        def span(layer: str, label: str, words: str) -> str:
            start = TEXTS[0].index(words)
            return project.annotations.add(doc, "ada", layer, label, start, start + len(words)).primary

        project.relations.add("Target", span("Stance", "Against", "Critics called it"),
                              span("Framing", "Economic", "a tax"))
    out = tmp_path / "out.jsonl"
    assert cli("export", str(study), "--format", "jsonl", "--out", str(out)).returncode == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _first_article(records: list[dict]) -> int:
    return next(n for n, r in enumerate(records) if r.get("text") == TEXTS[0])


def test_new_from_refuses_an_annotation_id_used_on_another_line(cli: Cli, exported: list[dict],
                                                                tmp_path: Path) -> None:
    first = _first_article(exported)
    other = next(n for n, r in enumerate(exported) if r.get("text") == TEXTS[1])
    span = dict(exported[first]["spans"][0], start=0, end=1)
    exported[other]["spans"] = [span]
    source = _write(tmp_path / "repeated.jsonl", exported)
    target = tmp_path / "new.annot"
    ran = cli("new", str(target), "--from", str(source))
    assert ran.returncode == 2, ran.stdout
    line = ran.stderr.strip()
    assert len(line.splitlines()) == 1 and f"line {other + 1}" in line and span["id"] in line
    assert not target.exists()


def test_a_relation_id_used_on_another_line_is_refused_by_new_and_import(cli: Cli, exported: list[dict],
                                                                         study: Path, tmp_path: Path) -> None:
    first = _first_article(exported)
    record = exported[first]
    copy = json.loads(json.dumps(record))
    copy["text"] = record["text"] + " Again."
    for span in copy["spans"]:
        span["id"] = span["id"][:-4] + "beef"
    link = copy["relations"][0]
    link["from"], link["to"] = (link["from"][:-4] + "beef", link["to"][:-4] + "beef")
    exported.append(copy)
    source = _write(tmp_path / "repeated.jsonl", exported)
    target = tmp_path / "new.annot"
    ran = cli("new", str(target), "--from", str(source))
    assert ran.returncode == 2 and not target.exists()
    assert f"line {len(exported)}" in ran.stderr and link["id"] in ran.stderr and f"line {first + 1}" in ran.stderr
    line = _import_refused(cli, study, source)
    assert f"line {len(exported)}" in line and link["id"] in line


def test_a_relation_id_the_project_holds_for_another_link_refuses_the_import(cli: Cli, exported: list[dict],
                                                                             study: Path, tmp_path: Path) -> None:
    first = _first_article(exported)
    exported[first]["relations"][0]["note"] = "changed"
    source = _write(tmp_path / "changed.jsonl", exported)
    line = _import_refused(cli, study, source)
    assert exported[first]["relations"][0]["id"] in line and f"line {first + 1}" in line
    assert "another relation" in line


def _import_refused(cli: Cli, study: Path, source: Path) -> str:
    """`import` refuses the file as it refuses any (exit 1, the file listed as failed with its reason),
    the project byte-identical; returns the failed line."""
    before = study.read_bytes()
    ran = cli("import", str(study), str(source))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, (ran.stdout, ran.stderr)
    assert study.read_bytes() == before
    return next(line for line in ran.stdout.splitlines() if line.strip().startswith("failed: /"))


# ----- 8. a regular expression that never ends; Ctrl-C on a command that changes nothing ------

@pytest.fixture
def backtracking(study: Path, tmp_path: Path, cli: Cli) -> Path:
    """The study with an article of 40 a's and a b: '(a+)+$' backtracks on it for hours."""
    (tmp_path / "aaa.txt").write_text("a" * 40 + "b", encoding="utf-8")
    assert cli("import", str(study), str(tmp_path / "aaa.txt")).returncode == 0
    return study


def test_a_catastrophic_regex_stops_at_the_time_limit_in_one_line(cli: Cli, backtracking: Path) -> None:
    import time

    started = time.perf_counter()
    line = _refused(cli, backtracking, "analyze", "kwic", str(backtracking), "--regex", "(a+)+$", "--timeout", "0.5")
    assert time.perf_counter() - started < 10
    assert line == ("annotator analyze: the regular expression took longer than 0.5 s (catastrophic "
                    "backtracking?); simplify it")


def test_ctrl_c_on_a_command_that_changes_nothing_says_so(cli: Cli, backtracking: Path) -> None:
    import signal

    before = backtracking.read_bytes()

    def ctrl_c(signum: int, frame: object) -> None:  # as Python's SIGINT handler does
        raise KeyboardInterrupt

    # A Ctrl-C after half a second of the search's CPU time (a thread could not run during the match).
    previous = signal.signal(signal.SIGVTALRM, ctrl_c)
    signal.setitimer(signal.ITIMER_VIRTUAL, 0.5)
    try:
        ran = cli("analyze", "kwic", str(backtracking), "--regex", "(a+)+$", "--timeout", "30")
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
    assert (ran.returncode, ran.stderr.strip()) == (130, "annotator analyze: interrupted; nothing was changed")
    assert backtracking.read_bytes() == before


# ----- 7. analysis and agreement CSVs are safe to open in a spreadsheet ----------------------

@pytest.fixture
def formulas(tmp_path: Path, cli: Cli) -> Path:
    """Two articles whose titles a spreadsheet would run as formulas, coded by ada and ben."""
    lines = [json.dumps({"text": "The council voted for the toll.", "meta": {"title": "=HYPERLINK(\"x\")"}}),
             json.dumps({"text": "Critics called the toll a tax.", "meta": {"title": "@SUM(A1)"}})]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "f.annot"
    assert cli("new", str(path)).returncode == 0
    assert cli("import", str(path), str(tmp_path / "f.jsonl")).returncode == 0
    with Project.open(path) as project:
        project.annotators.ensure("ada")
        project.annotators.ensure("ben")
        for n, doc in enumerate(project.documents.ids()):
            project.annotations.add(doc, "ada", "Framing", "Economic", 0, 3)
            project.annotations.add(doc, "ben", "Framing", "Economic" if n else "Political", 0, 3)
    return path


def _cells(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_analysis_csv_cells_that_start_a_formula_are_neutralised(cli: Cli, formulas: Path, tmp_path: Path) -> None:
    out = tmp_path / "kwic.csv"
    assert cli("analyze", "kwic", str(formulas), "--query", "toll", "--csv", str(out)).returncode == 0
    titles = {row[1] for row in _cells(out)[1:]}
    assert titles == {"'=HYPERLINK(\"x\")", "'@SUM(A1)"}


def test_agreement_csv_cells_that_start_a_formula_are_neutralised_numbers_kept(cli: Cli, formulas: Path,
                                                                                tmp_path: Path) -> None:
    out = tmp_path / "agreement.csv"
    ran = cli("agreement", str(formulas), "--layer", "Framing", "--annotators", "ada,ben", "--csv", str(out))
    assert ran.returncode == 0, ran.stderr
    rows = _cells(out)
    column = rows[0].index("title")
    titles = {row[column] for row in rows[1:] if row[column]}
    assert titles == {"'=HYPERLINK(\"x\")", "'@SUM(A1)"}
    values = [row[rows[0].index("value")] for row in rows[1:] if row[rows[0].index("value")]]
    assert all(not v.startswith("'") for v in values)
    assert any(v.startswith("-") for v in values)  # a negative figure stays a number


# ----- 5. a round reports the draw it was started from ---------------------------------------

def test_a_round_reports_its_own_draw_and_a_redraw_waits_until_it_is_closed(cli: Cli, study: Path,
                                                                             tmp_path: Path) -> None:
    def assign(seed: str, *more: str):
        return cli("assign", str(study), "--sample", "2", "--annotators", "ada,ben", "--seed", seed, *more)

    assert assign("7").returncode == 0
    assert cli("round", "start", str(study), "pilot").returncode == 0
    line = _refused(cli, study, "assign", str(study), "--sample", "3", "--annotators", "ada,ben", "--seed", "9",
                    "--replace")
    assert 'round "pilot" is open' in line and "annotator round close" in line
    assert cli("round", "close", str(study), "pilot").returncode == 0
    assert assign("9", "--replace").returncode == 0
    out = tmp_path / "methods.md"
    ran = cli("report", str(study), "--round", "pilot", "--out", str(out), "--bootstrap", "0")
    assert ran.returncode == 0, ran.stderr
    text = out.read_text(encoding="utf-8")
    assert "seed 7" in text and "seed 9" not in text


# ----- 9. a round name is one printable line ---------------------------------------------------

@pytest.mark.parametrize("name", ["pilot\nround", "pilot\x1b[2J", "pilot\u202e"])
def test_a_round_name_with_a_newline_or_control_character_is_refused(cli: Cli, study: Path, name: str) -> None:
    line = _refused(cli, study, "round", "start", str(study), name, "--documents", "all")
    assert line.startswith("annotator round: ") and "round name" in line

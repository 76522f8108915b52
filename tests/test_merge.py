"""Merging a colleague's project file: matching, idempotence, conflicts, mapping, refusals."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.errors import ProjectFileError
from annotator.model import Label, Status
from annotator.ops.importing import import_paths
from annotator.ops.merge import (
    OTHER, MergeCancelled, MergeRefused, attached_other, merge_project, suggest_annotator_map, unknown_labels,
)
from annotator.project import Project
from annotator.store import schema

# Written for these tests: an emoji (astral), combining marks, non-breaking spaces, CRLF.
PORT_TEXT = (
    "The port strike entered its third day\u00a0on Monday \U0001F6A2 and union leader Zoe\u0308 Mbeki said: "
    "\u201cWe will not back down.\u201d\r\n\r\nShipping firms warned of empty shelves by Friday."
)
WATER_TEXT = "Water prices rise again.\r\nThe regulator approved a 9\u00a0% increase \U0001F4A7 despite protests."
CAFE_TEXT = "Only the colleague imported this one. Cafe\u0301 owners voiced naive hopes \U0001F600 for the summer."


def make_project(path: Path, texts: dict[str, str]) -> Project:
    """A new project at `path` with `texts` imported (written with CRLF kept as given)."""
    folder = path.parent / f"in-{path.stem}"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    project = Project.create(path)
    report = import_paths(project, [folder])
    assert len(report.imported) == len(texts), report.failed
    return project


def doc_with(project: Project, fragment: str) -> str:
    """Id of the document whose text holds `fragment`."""
    return next(i for i in project.documents.ids() if fragment in project.documents.text(i))


def span(project: Project, document_id: str, phrase: str) -> tuple[int, int]:
    """Code-point offsets of `phrase` in a document."""
    start = project.documents.text(document_id).index(phrase)
    return start, start + len(phrase)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table but the audit log, read through a separate connection."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'document_search%' "
            "AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables if t != "audit_log"}
    finally:
        conn.close()


@pytest.fixture
def ours(tmp_path: Path) -> Iterator[Project]:
    """Our project: two articles, ada's annotations."""
    (tmp_path / "ours").mkdir()
    project = make_project(tmp_path / "ours" / "study.annot", {"port.txt": PORT_TEXT, "water.txt": WATER_TEXT})
    port = doc_with(project, "port strike")
    project.annotators.ensure("ada")
    project.annotations.add(port, "ada", "Framing", "Economic", *span(project, port, "empty shelves"))
    yield project
    project.close()


@pytest.fixture
def theirs(tmp_path: Path) -> Path:
    """The colleague's file, created independently: the same two articles plus one more; ben's work."""
    (tmp_path / "theirs").mkdir()
    path = tmp_path / "theirs" / "colleague.annot"
    with make_project(path, {"port.txt": PORT_TEXT, "water.txt": WATER_TEXT, "cafe.txt": CAFE_TEXT}) as project:
        project.annotators.ensure("ben")
        port, cafe = doc_with(project, "port strike"), doc_with(project, "owners")
        project.annotations.add(port, "ben", "Framing", "Economic", *span(project, port, "empty shelves"))
        project.annotations.add(port, "ben", "Rhetorical device", "Loaded language",
                                *span(project, port, "Zoe\u0308 Mbeki"))
        project.annotations.add(cafe, "ben", "Stance", "Favour", *span(project, cafe, "naive hopes \U0001F600"),
                                attributes={"intensity": 2})
        project.annotations.add(cafe, "ben", "Overall stance", "Favour")
        project.status.set(port, "ben", Status.DONE)
    return path


def test_merge_adds_new_documents_annotators_and_annotations(ours: Project, theirs: Path) -> None:
    port = doc_with(ours, "port strike")
    report = merge_project(ours, theirs)
    assert (report.documents.added, report.documents.skipped) == (1, 2)
    assert report.added_annotators == ["ben"]
    assert report.annotations.added == 4 and not report.annotations.conflicts
    assert len(ours.documents) == 3
    cafe = doc_with(ours, "owners")
    assert ours.documents.text(cafe) == CAFE_TEXT
    assert ours.documents.segmentation(cafe).tokens, "stored tokens were copied"
    assert ours.documents.search("owners") == [cafe]
    # ben's spans on the shared article point at OUR copy of it, with the same text under them
    spans = {a.label: a for a in ours.annotations.for_document(port, "ben")}
    device = spans["Loaded language"]
    assert ours.documents.text(port)[device.start:device.end] == "Zoe\u0308 Mbeki"
    stance = ours.annotations.for_document(cafe, "ben", "Stance")[0]
    assert ours.documents.text(cafe)[stance.start:stance.end] == "naive hopes \U0001F600"
    assert stance.attributes == {"intensity": 2}
    assert ours.status.get(port, "ben") is Status.DONE
    assert "4 added" in report.summary() and report.as_dict()["annotations"]["added"] == 4


def test_merging_twice_changes_nothing_and_never_writes_the_other_file(ours: Project, theirs: Path) -> None:
    before = sha256(theirs)
    beside = sorted(p.name for p in theirs.parent.iterdir())
    first = merge_project(ours, theirs)
    after_first = dump(ours.path)
    second = merge_project(ours, theirs)
    assert first.changed and not second.changed
    assert second.annotations.added == 0 and second.annotations.skipped == 4
    assert second.documents.added == 0 and second.documents.skipped == 3
    assert dump(ours.path) == after_first
    assert sha256(theirs) == before
    assert sorted(p.name for p in theirs.parent.iterdir()) == beside  # no -wal/-shm files left there
    assert "nothing new" in second.summary()


def test_a_file_open_in_this_app_is_refused_before_it_is_touched(ours: Project, theirs: Path) -> None:
    # A file open in another running app is merged with its latest changes: see
    # tests/reliability/test_untrusted_input.py (the colleague's app runs in another process there).
    with Project.open(theirs) as colleague:
        port = doc_with(colleague, "port strike")
        colleague.annotations.add(port, "ben", "Framing", "Political", *span(colleague, port, "union"))
        before = dump(ours.path)
        with pytest.raises(ProjectFileError, match="open in this app"):
            merge_project(ours, theirs)
        assert dump(ours.path) == before


def test_an_annotation_edited_differently_in_both_copies_is_a_conflict_and_ours_is_kept(
    ours: Project, tmp_path: Path
) -> None:
    port = doc_with(ours, "port strike")
    shared = ours.annotations.for_document(port, "ada")[0]
    ours.close()
    copy = tmp_path / "mailed.annot"
    shutil.copy(ours.path, copy)  # the colleague works on a copy of our file
    with Project.open(copy) as colleague:
        colleague.annotations.relabel(shared.id, "Quality of life")
        colleague.annotators.ensure("ben")
        colleague.annotations.add(port, "ben", "Framing", "Political", *span(colleague, port, "union leader"))
    with Project.open(ours.path) as project:
        project.annotations.resize(shared.id, *span(project, port, "shelves"))
        report = merge_project(project, copy)
        kept = project.annotations.get(shared.id)
        assert (kept.label, project.documents.text(port)[kept.start:kept.end]) == ("Economic", "shelves")
        assert report.annotations.added == 1
        [conflict] = report.annotations.conflicts
        assert conflict.id == shared.id and conflict.document_id == port
        assert "Quality of life" in conflict.reason and "span" in conflict.reason
        assert shared.id in report.summary()
        again = merge_project(project, copy)
        assert not again.changed and len(again.annotations.conflicts) == 1


def test_annotator_names_are_mapped(ours: Project, tmp_path: Path) -> None:
    ours.annotators.ensure("ann.smith")
    path = tmp_path / "ann.annot"
    with make_project(path, {"port.txt": PORT_TEXT}) as colleague:
        colleague.annotators.ensure("Ann")
        port = doc_with(colleague, "port strike")
        colleague.annotations.add(port, "Ann", "Stance", "Against", *span(colleague, port, "We will not back down."))
    suggested = suggest_annotator_map(ours, path)
    assert suggested == {"Ann": "ann.smith"}
    report = merge_project(ours, path, annotator_map=suggested)
    assert report.mapped_annotators == {"Ann": "ann.smith"} and report.added_annotators == []
    assert ours.annotators.get("Ann") is None
    [stance] = ours.annotations.for_document(doc_with(ours, "port strike"), "ann.smith")
    assert stance.label == "Against"


def _with_new_label(path: Path) -> str:
    """A colleague's file whose codebook gained Framing: Housing, used once; returns the annotation id."""
    with make_project(path, {"water.txt": WATER_TEXT}) as colleague:
        with colleague.db.atomic():
            colleague.codebook.add_label("Framing", Label("Housing", description="rents and homes"))
        colleague.annotators.ensure("ben")
        water = doc_with(colleague, "regulator")
        return colleague.annotations.add(water, "ben", "Framing", "Housing", *span(colleague, water, "prices")).primary


def test_an_unknown_label_is_added_and_listed(ours: Project, tmp_path: Path) -> None:
    path = tmp_path / "housing.annot"
    ident = _with_new_label(path)
    assert unknown_labels(ours, path) == [("Framing", "Housing")]
    report = merge_project(ours, path)
    assert report.added_labels == ["Framing: Housing"]
    assert ours.codebook.layer("Framing").label("Housing").description == "rents and homes"
    assert ours.annotations.get(ident).label == "Housing"
    assert "Framing: Housing" in report.summary()


def test_an_unknown_label_is_refused_when_adding_is_not_allowed_and_nothing_changes(
    ours: Project, tmp_path: Path
) -> None:
    path = tmp_path / "housing.annot"
    _with_new_label(path)
    before = dump(ours.path)
    with pytest.raises(MergeRefused, match="Framing: Housing") as refused:
        merge_project(ours, path, add_unknown_labels=False)
    assert refused.value.unknown_labels == (("Framing", "Housing"),)
    assert dump(ours.path) == before
    assert ours.codebook.layer("Framing").label("Housing") is None


def test_a_label_map_sends_their_label_to_ours(ours: Project, tmp_path: Path) -> None:
    path = tmp_path / "housing.annot"
    ident = _with_new_label(path)
    report = merge_project(ours, path, label_map={("Framing", "Housing"): ("Framing", "Quality of life")},
                           add_unknown_labels=False)
    assert ours.annotations.get(ident).label == "Quality of life"
    assert report.added_labels == [] and report.mapped_labels == ["Framing: Housing → Framing: Quality of life"]


def _refused(ours: Project, path: Path, pattern: str) -> None:
    before = dump(ours.path)
    other = path.read_bytes()
    with pytest.raises(ProjectFileError, match=pattern):
        merge_project(ours, path)
    assert dump(ours.path) == before
    assert path.read_bytes() == other


@pytest.mark.parametrize("first", [100, 4096 * 3])
def test_a_corrupt_file_is_refused_and_the_project_is_unchanged(
    ours: Project, theirs: Path, tmp_path: Path, first: int
) -> None:
    broken = tmp_path / f"broken{first}.annot"
    data = bytearray(theirs.read_bytes())
    for offset in range(first, len(data), 5):  # keep the SQLite header, scramble the pages
        data[offset] = (data[offset] * 37 + 11) % 256
    broken.write_bytes(bytes(data))
    _refused(ours, broken, "corrupt|damaged|not an Annotator project")


def test_a_truncated_file_is_refused(ours: Project, theirs: Path, tmp_path: Path) -> None:
    broken = tmp_path / "half.annot"
    data = theirs.read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    _refused(ours, broken, "corrupt|damaged")


def test_a_file_that_is_not_a_project_is_refused(ours: Project, tmp_path: Path) -> None:
    text = tmp_path / "notes.annot"
    text.write_text("not a database at all \U0001F600", encoding="utf-8")
    _refused(ours, text, "not an SQLite file")
    foreign = tmp_path / "foreign.annot"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    _refused(ours, foreign, "not an Annotator project")


def test_a_newer_file_is_refused(ours: Project, theirs: Path) -> None:
    conn = sqlite3.connect(theirs)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    _refused(ours, theirs, "newer Annotator")


def test_a_file_with_a_missing_column_is_refused(ours: Project, theirs: Path) -> None:
    conn = sqlite3.connect(theirs)
    conn.execute("ALTER TABLE comments DROP COLUMN body")
    conn.commit()
    conn.close()
    _refused(ours, theirs, "comments lacks columns body")


def test_merging_the_project_into_itself_is_refused(ours: Project) -> None:
    with pytest.raises(ProjectFileError, match="this project itself"):
        merge_project(ours, ours.path)


def test_rows_that_do_not_fit_are_listed_and_the_rest_is_merged(ours: Project, theirs: Path) -> None:
    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE annotations SET span_end = 100000 WHERE span_end IS NOT NULL AND "
                 "label_id = (SELECT id FROM labels WHERE name = 'Loaded language')")
    conn.commit()
    conn.close()
    report = merge_project(ours, theirs)
    assert report.annotations.added == 3
    [problem] = report.annotations.invalid
    assert "not inside the text" in problem and f"invalid annotation: {problem}" in report.summary()


def test_the_more_advanced_status_wins(ours: Project, tmp_path: Path) -> None:
    port, water = doc_with(ours, "port strike"), doc_with(ours, "regulator")
    ours.status.set(water, "ada", Status.DONE)
    path = tmp_path / "status.annot"
    with make_project(path, {"port.txt": PORT_TEXT, "water.txt": WATER_TEXT}) as colleague:
        colleague.annotators.ensure("ada")
        colleague.status.set(doc_with(colleague, "port strike"), "ada", Status.DONE)
        colleague.status.set(doc_with(colleague, "regulator"), "ada", Status.IN_PROGRESS)
    report = merge_project(ours, path)
    assert ours.status.get(port, "ada") is Status.DONE  # was in progress here, done there
    assert ours.status.get(water, "ada") is Status.DONE  # done here, in progress there: kept
    assert (report.statuses.updated, report.statuses.skipped) == (1, 1)


def test_a_cancelled_merge_leaves_the_project_unchanged(ours: Project, theirs: Path) -> None:
    before = dump(ours.path)
    calls = iter(range(100))
    with pytest.raises(MergeCancelled):
        merge_project(ours, theirs, cancelled=lambda: next(calls) >= 5)  # cancel in the middle
    assert dump(ours.path) == before
    assert ours.annotators.get("ben") is None


def test_progress_is_reported(ours: Project, theirs: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    merge_project(ours, theirs, progress=lambda done, total, name: seen.append((done, total, name)))
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1]
    assert "annotations" in [name for _, _, name in seen]


def test_one_annotators_work_travels_as_a_jsonl_package(ours: Project, theirs: Path, tmp_path: Path) -> None:
    from annotator.cli import main

    package = tmp_path / "ben.jsonl"
    assert main(["export", str(theirs), "--annotator", "ben", "--out", str(package)]) == 0
    ours_path = ours.path
    ours.close()
    assert main(["import", str(ours_path), str(package)]) == 0
    with Project.open(ours_path) as project:
        port = doc_with(project, "port strike")
        assert len(project.documents) == 3  # the café article came along; the others matched by hash
        labels = sorted(a.label for a in project.annotations.for_document(port, "ben"))
        assert labels == ["Economic", "Loaded language"]
        count = project.annotations.count()
    assert main(["import", str(ours_path), str(package)]) == 0  # again: nothing new
    with Project.open(ours_path) as project:
        assert project.annotations.count() == count


def test_damage_the_merge_would_not_read_is_still_found_by_the_integrity_check(
    ours: Project, theirs: Path, tmp_path: Path
) -> None:
    conn = sqlite3.connect(theirs)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'annotations_by_label'").fetchone()[0]
    conn.close()
    broken = tmp_path / "index.annot"
    data = bytearray(theirs.read_bytes())
    data[(root - 1) * page_size] = 0x07  # not a valid b-tree page type: only an index page is hurt
    broken.write_bytes(bytes(data))
    _refused(ours, broken, "corrupt|damaged")


def test_a_new_document_whose_id_we_already_use_gets_a_new_id(ours: Project, theirs: Path) -> None:
    port = doc_with(ours, "port strike")
    conn = sqlite3.connect(theirs)  # make their café article carry the id of our port article
    cafe = conn.execute("SELECT document_id FROM document_content WHERE text LIKE '%owners%'").fetchone()[0]
    for table, column in (("documents", "id"), ("document_content", "document_id"),
                          ("annotations", "document_id"), ("document_status", "document_id")):
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [port, cafe])
    conn.commit()
    conn.close()
    report = merge_project(ours, theirs)
    assert report.documents.added == 1 and report.annotations.added == 4
    new = doc_with(ours, "owners")
    assert new != port and ours.documents.text(port).startswith("The port strike")
    assert sorted(a.layer for a in ours.annotations.for_document(new, "ben")) == ["Overall stance", "Stance"]
    conn = sqlite3.connect(ours.path)
    audit = conn.execute("SELECT detail FROM audit_log WHERE action = 'merge project'").fetchall()
    conn.close()
    assert len(audit) == 1 and '"annotations": {"added": 4' in audit[0][0]


def test_rows_the_bulk_copy_leaves_are_still_judged_one_by_one_in_file_order(ours: Project, tmp_path: Path) -> None:
    path = tmp_path / "mixed.annot"
    with make_project(path, {"port.txt": PORT_TEXT, "cafe.txt": CAFE_TEXT}) as colleague:
        colleague.annotators.ensure("ben")
        colleague.annotators.ensure("Ben B.")
        port, cafe = doc_with(colleague, "port strike"), doc_with(colleague, "owners")
        noted = colleague.annotations.add(port, "ben", "Framing", "Political", *span(colleague, port, "union leader"),
                                          note="ask Zoe\u0308 \U0001F6A2").primary
        graded = colleague.annotations.add(cafe, "ben", "Stance", "Favour", *span(colleague, cafe, "naive hopes"),
                                           attributes={"intensity": 3}).primary
        first = colleague.annotations.add(cafe, "ben", "Rhetorical device", "Loaded language",
                                          *span(colleague, cafe, "Cafe\u0301 owners")).primary
        twin = colleague.annotations.add(cafe, "Ben B.", "Rhetorical device", "Loaded language",
                                         *span(colleague, cafe, "Cafe\u0301 owners")).primary
        overall = colleague.annotations.add(cafe, "ben", "Overall stance", "Favour").primary
    second = "5ec0cd00-0000-4000-8000-000000000002"
    conn = sqlite3.connect(path)  # what the app would not write: a second one-per-document label
    conn.execute("INSERT INTO annotations SELECT ?, document_id, annotator_id, layer_id, "
                 "(SELECT id FROM labels WHERE name = 'Against' AND layer_id = annotations.layer_id), span_start, "
                 "span_end, attributes, note, created_at, updated_at, origin FROM annotations WHERE id = ?", [second, overall])
    conn.commit()
    conn.close()
    report = merge_project(ours, path, annotator_map={"Ben B.": "ben"})
    assert report.annotations.added == 4  # noted, graded, first, overall
    assert report.duplicates == 1  # twin: same span and label as `first` once "Ben B." is ben
    [conflict] = report.annotations.conflicts
    assert conflict.id == second and "one label per document" in conflict.reason
    assert not report.annotations.invalid  # ids that are not UUIDs refuse the whole file: tests/reliability
    assert ours.annotations.get(noted).note == "ask Zoe\u0308 \U0001F6A2"
    assert ours.annotations.get(graded).attributes == {"intensity": 3}
    assert ours.annotations.get(overall).label == "Favour"
    assert {ours.annotations.get(i).annotator for i in (noted, graded, first, overall)} == {"ben"}
    with pytest.raises(Exception):
        ours.annotations.get(twin)
    again = merge_project(ours, path, annotator_map={"Ben B.": "ben"})
    assert not again.changed and again.annotations.skipped == 5 and len(again.annotations.conflicts) == 1


@pytest.mark.parametrize("copy", [False, True])
def test_the_other_file_is_attached_read_only_or_as_a_private_snapshot(
    ours: Project, theirs: Path, copy: bool
) -> None:
    before = sha256(theirs)
    beside = sorted(p.name for p in theirs.parent.iterdir())
    conn = ours.db.conn
    with attached_other(conn, theirs, copy=copy) as other:
        assert sorted(name for name, _ in other.annotators.values()) == ["ben"]
        assert conn.execute(f"SELECT count(*) FROM {OTHER}.annotations").fetchone()[0] == 4
        if not copy:
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute(f"DELETE FROM {OTHER}.comments")  # the file itself cannot be written at all
    assert OTHER not in [row[1] for row in conn.execute("PRAGMA database_list")]
    assert sha256(theirs) == before
    assert sorted(p.name for p in theirs.parent.iterdir()) == beside


def test_where_an_annotation_began_travels_with_the_merge(ours: Project, theirs: Path) -> None:
    """An annotation ben accepted from a suggestion stays marked so in our file, on the bulk path
    and on the row-by-row path alike."""
    conn = sqlite3.connect(theirs)  # what accepting a rule's suggestion records
    conn.execute("UPDATE annotations SET origin = 'rule:Economic:empty shelves' WHERE span_start IS NOT NULL "
                 "AND label_id = (SELECT id FROM labels WHERE name = 'Economic' AND layer_id = "
                 "(SELECT id FROM layers WHERE name = 'Framing'))")
    conn.commit()
    conn.close()
    report = merge_project(ours, theirs)
    assert report.annotations.added == 4
    origins = dict(ours.db.execute("SELECT l.name, a.origin FROM annotations a JOIN labels l ON l.id = a.label_id "
                                   "WHERE a.span_start IS NOT NULL").fetchall())
    assert origins == {"Economic": "rule:Economic:empty shelves", "Loaded language": "", "Favour": ""}

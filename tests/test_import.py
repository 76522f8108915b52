"""Importing files into a project: summaries, duplicates, failures that change nothing, kills."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
import traceback
from pathlib import Path

import pytest

from annotator.formats.base import ReadOptions
from annotator.ops.importing import ImportCancelled, import_paths
from annotator.project import Project


def _snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of the tables an import may touch, read with a separate connection."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("documents", "document_content", "annotations", "annotators", "labels", "layers")
        }
    finally:
        conn.close()


@pytest.fixture
def empty(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "study.annot")
    yield project
    project.close()


def _line(text: str, spans: list[dict], **extra: object) -> str:
    return json.dumps({"text": text, "spans": spans, **extra}, ensure_ascii=False)


def test_folder_import_reports_imported_duplicates_and_failures(empty: Project, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("Rates rise again.\r\nBanks cheer.", encoding="utf-8")
    (folder / "sub" / "two.md").write_text("# Floods\n\nThe river 🌊 rose.", encoding="utf-8")
    (folder / "zz-copy.txt").write_text("Rates rise again.\nBanks cheer.", encoding="utf-8")  # same text after CRLF→LF
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "bin.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    report = import_paths(empty, [folder])
    assert report.files == 5
    assert len(report.imported) == 2
    assert len(report.duplicates) == 1 and "zz-copy.txt" in report.duplicates[0]
    failed = dict(report.failed)
    assert "empty" in failed[str(folder / "empty.txt")]
    assert "binary" in failed[str(folder / "bin.txt")]
    texts = sorted(empty.documents.text(i) for i in empty.documents.ids())
    assert texts == ["# Floods\n\nThe river 🌊 rose.", "Rates rise again.\nBanks cheer."]
    titles = sorted(d.title for d in empty.documents.list())
    assert titles == ["Floods", "One"]  # a first line ending in a full stop is a sentence: the file name


def test_jsonl_spans_are_imported_with_annotators_and_layers(empty: Project, tmp_path: Path) -> None:
    text = "We must act now 😤 before it is too late."
    path = tmp_path / "coded.jsonl"
    path.write_text(
        _line(text, [{"start": 3, "end": 15, "layer": "Rhetorical device", "label": "Slogans", "annotator": "ann"},
                     {"start": 0, "end": 2, "label": "Favour", "annotator": "bo",
                      "attributes": {"target": "action", "intensity": 3}}],
              labels=[{"layer": "Dominant frame", "label": "Political", "annotator": "ann"}],
              meta={"title": "Act now", "source": "Daily Test", "topic": "climate"}) + "\n",
        encoding="utf-8",
    )
    report = import_paths(empty, [path])
    assert report.annotations == 3 and not report.failed
    doc = empty.documents.ids()[0]
    got = {(a.annotator, a.layer, a.label, a.start, a.end) for a in empty.annotations.for_document(doc)}
    assert got == {("ann", "Rhetorical device", "Slogans", 3, 15), ("bo", "Stance", "Favour", 0, 2),
                   ("ann", "Dominant frame", "Political", None, None)}
    favour = next(a for a in empty.annotations.for_document(doc) if a.label == "Favour")
    assert favour.attributes == {"target": "action", "intensity": 3}
    meta = empty.documents.get(doc)
    assert (meta.title, meta.source, meta.meta) == ("Act now", "Daily Test", {"topic": "climate"})


def test_unknown_label_refuses_the_file_unless_add_labels(empty: Project, tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(_line("Spin spin spin.", [{"start": 0, "end": 4, "layer": "Rhetorical device",
                                                "label": "Spin"}]) + "\n", encoding="utf-8")
    before = _snapshot(empty.path)
    report = import_paths(empty, [path])
    assert 'label "Spin" of layer "Rhetorical device" is not in the codebook' in report.failed[0][1]
    assert _snapshot(empty.path) == before
    report = import_paths(empty, [path], add_labels=True)
    assert report.added_labels == ["Rhetorical device: Spin"] and report.annotations == 1
    assert empty.codebook.layer("Rhetorical device").label("Spin") is not None


def test_a_bad_span_refuses_the_whole_file(empty: Project, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = _line("First text is fine.", [{"start": 0, "end": 5, "label": "Economic", "layer": "Framing"}])
    bad = _line("Second text.", [{"start": 4, "end": 99, "label": "Economic", "layer": "Framing"}])
    path.write_text(good + "\n" + bad + "\n", encoding="utf-8")
    before = _snapshot(empty.path)
    report = import_paths(empty, [path])
    assert len(report.failed) == 1 and "line 2" in report.failed[0][1]
    assert _snapshot(empty.path) == before


def test_duplicate_document_still_brings_new_annotations_once(empty: Project, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Taxes are theft, they said.", encoding="utf-8")
    import_paths(empty, [tmp_path / "a.txt"])
    path = tmp_path / "coded.jsonl"
    span = {"id": "0b7c2a8e-95a7-4d5e-9a8e-6f7d2c1b0a99", "start": 0, "end": 16, "layer": "Rhetorical device",
            "label": "Slogans", "annotator": "ann"}
    path.write_text(_line("Taxes are theft, they said.", [span]) + "\n", encoding="utf-8")
    first = import_paths(empty, [path])
    second = import_paths(empty, [path])
    assert len(first.duplicates) == 1 and first.annotations == 1
    assert second.annotations == 0 and second.annotations_skipped == 1
    assert empty.annotations.count() == 1 and len(empty.documents) == 1


def test_csv_rows_become_documents_with_metadata(empty: Project, tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("title,body,outlet\nA,\"Text one, with comma.\",Herald\nB,Text two.,Post\n", encoding="utf-8")
    report = import_paths(empty, [path], options=ReadOptions(text_column="body"))
    assert len(report.imported) == 2
    assert sorted((d.title, d.source) for d in empty.documents.list()) == [("A", "Herald"), ("B", "Post")]
    before = _snapshot(empty.path)
    report = import_paths(empty, [path], options=ReadOptions(text_column="missing"))
    assert 'no column "missing"' in report.failed[0][1]
    assert _snapshot(empty.path) == before


def test_missing_path_is_refused_with_its_name(empty: Project, tmp_path: Path) -> None:
    from annotator.errors import BadInputError

    with pytest.raises(BadInputError, match="nowhere.txt.*does not exist"):
        import_paths(empty, [tmp_path / "nowhere.txt"])


def test_cancelled_atomic_import_leaves_the_project_unchanged(empty: Project, tmp_path: Path) -> None:
    for n in range(4):
        (tmp_path / f"{n}.txt").write_text(f"Article number {n} is here.", encoding="utf-8")
    before = _snapshot(empty.path)
    seen: list[str] = []
    with pytest.raises(ImportCancelled):
        import_paths(empty, [tmp_path], progress=lambda d, t, n: seen.append(n),
                     cancelled=lambda: len(seen) >= 3, atomic=True)
    assert _snapshot(empty.path) == before
    assert len(empty.documents) == 0


def _import_then_die(path: Path, inputs: list[Path], log: Path) -> None:
    """In the forked child: import `inputs` into `path`, SIGKILLed by its own hand right after
    the third document's row is written (the first row of the CSV: its file is not finished).
    Never returns to pytest."""
    try:
        with log.open("w", encoding="utf-8") as err:
            os.dup2(err.fileno(), 2)
        from annotator.project.documents import DocumentStore

        original = DocumentStore.insert
        calls = [0]

        def insert(self, *args):
            calls[0] += 1
            original(self, *args)
            if calls[0] == 3:
                os.kill(os.getpid(), signal.SIGKILL)

        DocumentStore.insert = insert  # the child's own copy of the class
        project = Project.open(path)
        import_paths(project, inputs, options=ReadOptions(text_column="text"))
    except BaseException:  # noqa: BLE001 - the parent reports it
        traceback.print_exc()
    finally:
        os._exit(70)  # only when the kill never came


@pytest.mark.skipif(not hasattr(os, "fork"), reason="kills a forked child process")
def test_killed_import_keeps_finished_files_and_none_of_the_interrupted_one(tmp_path: Path) -> None:
    """A real process is killed mid-import: a child forked from this one (so spaCy, loaded
    already, is not imported again: 1.5 s) that opens the project itself."""
    path = tmp_path / "study.annot"
    Project.create(path).close()
    (tmp_path / "a.txt").write_text("First finished article.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Second finished article.", encoding="utf-8")
    (tmp_path / "c.csv").write_text("text\nRow one.\nRow two.\nRow three.\n", encoding="utf-8")
    log = tmp_path / "child-stderr.txt"
    pid = os.fork()
    if pid == 0:
        _import_then_die(path, [tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.csv"], log)
    deadline = time.monotonic() + 120
    while (ended := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if ended[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the importing child neither died nor ended in 120 s")
    status = ended[1]
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"the child was not killed mid-import (wait status {status}): {log.read_text(encoding='utf-8')}")
    (tmp_path / "study.annot.lock").unlink(missing_ok=True)  # a stale lock file of the dead process
    with Project.open(path) as project:
        texts = sorted(project.documents.text(i) for i in project.documents.ids())
        assert texts == ["First finished article.", "Second finished article."]
        assert project.documents.search("Row") == []


def test_a_full_disk_stops_the_import_with_a_message_and_changes_nothing(empty: Project, tmp_path: Path) -> None:
    from annotator.errors import ProjectFileError

    (tmp_path / "small.txt").write_text("A short article that fits.", encoding="utf-8")
    (tmp_path / "zbig.txt").write_text("Words of a long article. " * 20_000, encoding="utf-8")
    import_paths(empty, [tmp_path / "small.txt"])
    before = _snapshot(empty.path)
    pages = empty.db.execute("PRAGMA page_count").fetchone()[0]
    empty.db.execute(f"PRAGMA max_page_count = {pages + 8}")  # the disk fills up after 8 more pages
    with pytest.raises(ProjectFileError, match="disk is full"):
        import_paths(empty, [tmp_path / "zbig.txt"])
    assert _snapshot(empty.path) == before


def test_reimporting_a_file_without_ids_adds_nothing_twice(empty: Project, tmp_path: Path) -> None:
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps({"text": "Taxes are theft 😠 they said.", "label": [[0, 15, "Slogans"]]}) + "\n",
                    encoding="utf-8")
    first = import_paths(empty, [path], options=ReadOptions(default_annotator="ann"))
    second = import_paths(empty, [path], options=ReadOptions(default_annotator="ann"))
    assert first.annotations == 1 and second.annotations == 0 and second.annotations_skipped == 1
    assert empty.annotations.count() == 1


def test_two_labels_in_a_one_label_document_layer_refuse_the_file(empty: Project, tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    path.write_text(json.dumps({"text": "A budget story.", "labels": [
        {"layer": "Dominant frame", "label": "Economic", "annotator": "ann"},
        {"layer": "Dominant frame", "label": "Morality", "annotator": "ann"}]}) + "\n", encoding="utf-8")
    before = _snapshot(empty.path)
    report = import_paths(empty, [path])
    assert "takes one label per document" in report.failed[0][1] and "Morality" in report.failed[0][1]
    assert _snapshot(empty.path) == before


def test_a_changed_annotation_with_a_known_id_is_reported_as_a_conflict(empty: Project, tmp_path: Path) -> None:
    span = {"id": "4f1c2a8e-95a7-4d5e-9a8e-6f7d2c1b0a11", "start": 0, "end": 5, "layer": "Framing",
            "label": "Economic", "annotator": "ann"}
    path = tmp_path / "a.jsonl"
    path.write_text(_line("Taxes rise again.", [span]) + "\n", encoding="utf-8")
    import_paths(empty, [path])
    path.write_text(_line("Taxes rise again.", [{**span, "label": "Political"}]) + "\n", encoding="utf-8")
    report = import_paths(empty, [path])
    assert report.annotations == 0 and len(report.conflicts) == 1 and span["id"] in report.conflicts[0]
    assert [a.label for a in empty.annotations.all()] == ["Economic"]


def test_one_bad_document_fails_only_its_own_file(empty: Project, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a-good.txt").write_text("A good article.", encoding="utf-8")
    (folder / "b-klingon.jsonl").write_text(json.dumps({"text": "Qapla!", "meta": {"language": "klingon"}}) + "\n",
                                            encoding="utf-8")
    (folder / "c-surrogate.jsonl").write_text('{"text": "broken \\ud83d half"}\n', encoding="utf-8")
    (folder / "d-good.md").write_text("# Another\n\nGood one.", encoding="utf-8")
    report = import_paths(empty, [folder])
    failed = dict(report.failed)
    assert 'language "klingon"' in failed[str(folder / "b-klingon.jsonl")]
    assert "not valid Unicode" in failed[str(folder / "c-surrogate.jsonl")]
    assert len(report.imported) == 2

"""A reliability study travels with a merge: draws, assignments (documents by text hash,
annotators by name) and rounds come across, counted in the report; merging twice adds nothing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from annotator.model import Status
from annotator.ops.assignments import assigned_documents, draw_assignments, latest_design, progress
from annotator.ops.merge import merge_project
from annotator.ops.rounds import close_round, get_round, list_rounds, open_round, start_round
from annotator.project import Project

TEXTS = {
    "a.txt": "The council voted 7\u00a0to 2 for the congestion charge \U0001F697.",
    "b.txt": "Critics called it a tax on workers.",
    "c.txt": "Jose\u0301 Ortega said: this is robbery.",
    "d.txt": "Supporters expect cleaner air by 2030.",
}


def _make(path: Path, names: list[str]) -> Project:
    from annotator.ops.importing import import_paths

    folder = path.parent / f"in-{path.stem}"
    folder.mkdir()
    for name in names:
        (folder / name).write_text(TEXTS[name], encoding="utf-8")
    project = Project.create(path)
    import_paths(project, [folder])
    return project


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The lead's study (4 documents, ada and ben assigned, round pilot open) and a coder's copy
    of it where ada finished her documents and the pilot was closed and round-2 started."""
    folder = tmp_path_factory.mktemp("study")
    lead = _make(folder / "lead.annot", list(TEXTS))
    draw_assignments(lead, 2, ["ada", "ben"], coders=2, seed=11)
    start_round(lead, "pilot")
    lead.close()
    coder_path = folder / "coder.annot"
    shutil.copy(folder / "lead.annot", coder_path)
    with Project.open(coder_path) as coder:
        for document in assigned_documents(coder, "ada"):
            coder.status.set(document, "ada", Status.DONE)
        close_round(coder, "pilot")
        start_round(coder, "round-2", "all")
    # Another team's project: the same texts imported in another order, nobody assigned.
    _make(folder / "fresh.annot", ["d.txt", "c.txt", "b.txt", "a.txt"]).close()
    return {"lead": folder / "lead.annot", "coder": coder_path, "fresh": folder / "fresh.annot"}


def _copy(files: dict[str, Path], name: str, tmp_path: Path) -> Path:
    target = tmp_path / f"{name}.annot"
    shutil.copy(files[name], target)
    return target


def _by_text(project: Project) -> dict[str, str]:
    return {d.id: project.documents.text(d.id) for d in project.documents.list()}


def test_assignments_and_rounds_arrive_matched_by_text_and_name(files: dict[str, Path], tmp_path: Path) -> None:
    fresh = Project.open(_copy(files, "fresh", tmp_path))
    with Project.open(files["coder"], readonly=True) as coder:
        theirs = {name: sorted(_by_text(coder)[d] for d in assigned_documents(coder, name)) for name in ("ada", "ben")}
        their_rounds = {r.name: sorted(_by_text(coder)[d] for d in r.documents) for r in list_rounds(coder)}
        their_design = latest_design(coder)
        their_draws = dict(coder.db.execute("SELECT name, draw_id FROM rounds").fetchall())
    report = merge_project(fresh, files["coder"])
    # each round keeps the draw it was started from (the methods report states that draw)
    assert dict(fresh.db.execute("SELECT name, draw_id FROM rounds").fetchall()) == their_draws
    assert all(their_draws.values())
    texts = _by_text(fresh)
    assert {name: sorted(texts[d] for d in assigned_documents(fresh, name)) for name in ("ada", "ben")} == theirs
    assert report.assignments.added == sum(len(ids) for ids in theirs.values()) == 6
    assert {r.name: sorted(texts[d] for d in r.documents) for r in list_rounds(fresh)} == their_rounds
    assert report.rounds.added == 2 and open_round(fresh).name == "round-2"
    assert latest_design(fresh) == their_design and their_design["seed"] == 11
    assert progress(fresh).per_annotator["ada"] == (3, 3)
    assert "assignments  6 added, 0 already here" in report.summary()
    assert "rounds       2 added, 0 already here" in report.summary()
    assert report.as_dict()["assignments"]["added"] == 6
    # Merging the same file again changes nothing.
    again = merge_project(fresh, files["coder"])
    assert not again.changed and again.assignments.skipped == 6 and again.rounds.skipped == 2
    fresh.close()


def test_a_round_closed_there_closes_here_and_a_clash_of_names_keeps_ours(files: dict[str, Path],
                                                                          tmp_path: Path) -> None:
    lead_path = _copy(files, "lead", tmp_path)
    with Project.open(lead_path) as lead:
        assert open_round(lead).name == "pilot"
        report = merge_project(lead, files["coder"])
        assert report.assignments.skipped == 6 and report.assignments.added == 0
        assert report.rounds.updated == 1 and report.rounds.added == 1  # pilot closed, round-2 added
        assert [(r.name, r.is_open) for r in list_rounds(lead)] == [("pilot", False), ("round-2", True)]
    # A round of the same name started at another time is a conflict: ours is kept.
    with sqlite3.connect(lead_path) as conn:
        conn.execute("UPDATE rounds SET started_at = '2020-01-01T00:00:00+00:00' WHERE name = 'round-2'")
    conn.close()
    with sqlite3.connect(files["coder"]) as conn:
        started = conn.execute("SELECT started_at FROM rounds WHERE name = 'round-2'").fetchone()[0]
    conn.close()
    with Project.open(lead_path) as lead:
        clash = merge_project(lead, files["coder"])
        assert [c.reason for c in clash.rounds.conflicts] == [
            f"a round of that name started {started[:10]} there and 2020-01-01 here"]
        assert "conflict (round round-2)" in clash.summary()
        assert get_round(lead, "round-2").started_at.startswith("2020-01-01")

"""The Qt-free read side (annotator.queries): corpus search as the GUI and the CLI both read it."""

from __future__ import annotations

from pathlib import Path

from annotator.ops.importing import import_paths
from annotator.project import Project
from annotator.queries.search import corpus_hits

TEXT = "Critics \U0001F621 said José\u0301 was wrong.\n\nSupporters expect cleaner air by 2030."


def _project(tmp_path: Path) -> Project:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "Congestion vote.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "in" / "Weather.txt").write_text("Rain all week in the north.", encoding="utf-8")
    made = Project.create(tmp_path / "study.annot")
    assert len(import_paths(made, [tmp_path / "in"]).imported) == 2
    return made


def test_a_hit_in_the_text_has_code_point_offsets_and_a_one_line_snippet(tmp_path: Path) -> None:
    project = _project(tmp_path)
    try:
        [hit] = corpus_hits(project, "CLEANER air")
        assert hit.title == "Congestion vote"
        assert (hit.start, hit.end) == (TEXT.index("cleaner"), TEXT.index(" by 2030"))
        assert hit.where == "Critics \U0001F621 said José\u0301 was wrong. Supporters expect »cleaner air« by 2030."
        [accented] = corpus_hits(project, "jose")
        assert TEXT[accented.start:accented.end] == "José\u0301"  # the combining accent comes along
    finally:
        project.close()


def test_a_document_found_by_its_title_alone_says_so_and_a_blank_query_finds_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    try:
        [hit] = corpus_hits(project, "weather")
        assert (hit.title, hit.start, hit.end, hit.where) == ("Weather", 0, 0, "(in the title)")
        assert corpus_hits(project, "   ") == []
        assert corpus_hits(project, "absent") == []
    finally:
        project.close()

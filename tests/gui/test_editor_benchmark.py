"""The benchmark helpers run on a real (small) project and leave it as they found it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.gui import build_editor_project, time_add_annotation, time_open_document
from benchmarks.synthetic import make_article


def test_synthetic_article_has_the_asked_length_and_hard_characters() -> None:
    text = make_article(5_000)
    assert 4_900 <= len(text) <= 5_001
    assert "\n\n" in text and any(ord(char) > 0xFFFF for char in text) and "\u0301" in text


def test_timings_are_measured_and_the_project_is_unchanged(qtbot: Any, tmp_path: Path) -> None:
    project, document_id = build_editor_project(tmp_path, annotations=60)
    try:
        assert len(project.annotations.for_document(document_id)) == 60
        opened = time_open_document(project, document_id, "ada")
        added = time_add_annotation(project, document_id, "ada")
        assert opened > 0 and added > 0  # measured; how fast is for the benchmark to say, not a test
        assert len(project.annotations.for_document(document_id)) == 60
    finally:
        project.close()

"""Relations in the editor: a 30,000-character article with 1,000 spans opens with 500 relations
about as fast as without (target: within 10 %), and a relation made by keyboard (Shift+R,
Alt+Right, Enter) is stored and drawn in under 30 ms (run offscreen: QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.project import Project

from .gui import _application, _dispose, _editor, _painted, _settle, build_editor_project, time_open_document

RELATIONS = 500


def add_relations(project: Project, document_id: str, annotator: str, count: int = RELATIONS) -> int:
    """Link `count` pairs of the annotator's spans with the types the codebook allows (each checked
    and stored as the editor stores it); the undo history is cleared after. Returns how many."""
    spans = sorted(project.annotations.for_document(document_id, annotator), key=lambda a: (a.start, a.end))
    made = 0
    with project.db.atomic():
        for number, source in enumerate(spans):
            for target in spans[number + 1: number + 40]:
                kinds = project.relations.allowed_types(source, target)
                if kinds and target.id != source.id:
                    project.relations.add(kinds[0].name, source.id, target.id)
                    made += 1
                    break
            if made >= count:
                break
    project.history.clear()
    return made


def time_link_by_keyboard(project: Project, document_id: str, annotator: str) -> float:
    """Seconds from Enter (after Shift+R and Alt+Right on a Stance span) to the relation stored and drawn."""
    editor = _editor(project)
    try:
        editor.set_document(document_id, annotator)
        _settle(0.3)
        linked = {(r.source, r.target) for r in project.relations.for_document(document_id, annotator)}
        order = sorted(project.annotations.for_document(document_id, annotator), key=lambda a: (a.start, a.end))
        for number, source in enumerate(order[:-1]):
            following = order[number + 1]
            if source.layer == "Stance" and (source.id, following.id) not in linked and \
                    len(project.relations.allowed_types(source, following)) == 1:
                break
        else:
            raise RuntimeError("no Stance span followed by an unlinked span")
        editor.select_annotation(source.id)
        QTest.keyClick(editor.view, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClick(editor.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
        _painted(editor)
        before = project.relations.count()
        started = time.perf_counter()
        QTest.keyClick(editor.view, Qt.Key.Key_Return)
        _painted(editor)
        elapsed = time.perf_counter() - started
        assert project.relations.count() == before + 1, "the relation was not stored"
        assert any(arc[1:3] == (source.id, following.id) for arc in editor.arcs()), "the arc is not drawn"
        project.history.undo()  # leave the project as it was for the next run
        return elapsed
    finally:
        _dispose(editor)


def bench_relations() -> dict[str, float]:
    """Open the 30,000-character article with 1,000 spans with and without 500 relations; make one by keyboard."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _application()
    with tempfile.TemporaryDirectory() as folder:
        plain, document_id = build_editor_project(Path(folder) / "plain")
        plain.close()
        linked_path = Path(folder) / "linked.annot"
        shutil.copy2(plain.path, linked_path)
        plain = Project.open(Path(folder) / "plain" / "bench.annot")
        linked = Project.open(linked_path)
        try:
            made = add_relations(linked, document_id, "ada")
            without, with_links = [], []
            for _ in range(7):  # interleaved, so that machine noise falls on both alike
                without.append(time_open_document(plain, document_id, "ada"))
                with_links.append(time_open_document(linked, document_id, "ada"))
            links = [time_link_by_keyboard(linked, document_id, "ada") for _ in range(7)]
        finally:
            plain.close()
            linked.close()
    open_plain, open_linked = statistics.median(without), statistics.median(with_links)
    return {"relations": made, "open_30k_1000_spans_s": open_plain, "open_with_500_relations_s": open_linked,
            "open_slowdown_pct": round(100 * (open_linked / open_plain - 1), 1),
            "link_by_keyboard_s": statistics.median(links)}

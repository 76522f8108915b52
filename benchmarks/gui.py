"""GUI timings: the main window's cold start on the demo project; opening a large coded article
in the editor and adding one code (run offscreen: QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from annotator.gui.editor.editor import AnnotationEditor
from annotator.model import Codebook
from annotator.project import Project
from annotator.nlp.segmentation import Segmentation

from .synthetic import SPAN_LAYERS, Span, SpanMaker, build_project, make_article

_CHILD = r"""
import time
started = time.perf_counter()
import sys
from pathlib import Path
from annotator.gui.app import application, build
from annotator.gui.settings import AppSettings

project_path, settings_path = Path(sys.argv[1]), Path(sys.argv[2])
app = application()
window = build(project_path, settings=AppSettings(settings_path), annotator=sys.argv[3] or None)
window.show()
while not (window.isVisible() and window.editor.isVisible()):
    app.processEvents()
app.processEvents()
elapsed = time.perf_counter() - started
assert window.project is not None, "the project did not open"
print(f"{elapsed:.4f}")
print("spacy" in sys.modules)
window.close()
"""


def _first_annotator(project_path: Path) -> str:
    with Project.open(project_path, readonly=True) as project:
        names = [a.name for a in project.annotators.list()]
    return names[0] if names else "benchmark"


def time_cold_start(project_path: Path | str) -> float:
    """Seconds from a fresh interpreter's first statement to the main window shown on the project.

    Raises RuntimeError if the child fails or imports spaCy.
    """
    project_path = Path(project_path)
    annotator = _first_annotator(project_path)
    environment = dict(os.environ)
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        settings = Path(folder) / "settings.ini"
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(project_path), str(settings), annotator],
            capture_output=True, text=True, env=environment, timeout=120,
        )
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed: {done.stderr.strip()[-2000:]}")
    lines = done.stdout.split()
    if lines[1] != "False":
        raise RuntimeError("spaCy was imported at start")
    return float(lines[0])


def _application() -> QApplication:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication([])


def _editor(project: Project) -> AnnotationEditor:
    editor = AnnotationEditor()
    editor.resize(1100, 800)
    editor.set_project(project)
    editor.show()
    _application().processEvents()
    return editor


def _dispose(editor: AnnotationEditor) -> None:
    editor.close()
    editor.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _settle(seconds: float) -> None:
    """Run the event loop for a while (idle work such as background layout gets done)."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        _application().processEvents()
        time.sleep(0.005)


def _painted(editor: AnnotationEditor) -> None:
    """Let Qt lay out and paint what is pending (once); force a paint if none happened."""
    before = editor.view.paints
    _application().processEvents()
    if editor.view.paints == before:
        editor.view.viewport().repaint()
        editor.view.margin.repaint()


def time_open_document(project: Project, document_id: str, annotator: str, cpu: bool = False) -> float:
    """Seconds from set_document to the text, highlights and stripes painted (CPU seconds if `cpu`)."""
    clock = time.process_time if cpu else time.perf_counter
    editor = _editor(project)
    try:
        started = clock()
        editor.set_document(document_id, annotator)
        _painted(editor)
        return clock() - started
    finally:
        _dispose(editor)


def time_add_annotation(
    project: Project, document_id: str, annotator: str, layer: str = "Framing", cpu: bool = False
) -> float:
    """Seconds from a label key on a selection to the new span stored, highlighted and painted."""
    clock = time.process_time if cpu else time.perf_counter
    editor = _editor(project)
    try:
        editor.set_document(document_id, annotator)
        editor.set_active_layer(layer)
        _settle(0.3)  # as a reader would: Qt finishes laying out the rest of the text meanwhile
        text = editor.text
        start = text.index(" ", len(text) // 3) + 1
        end = text.index(" ", start + 20)
        label = project.codebook.layer(layer).labels[-1].name
        editor.set_selection(start, end)
        started = clock()
        editor.apply_label(label)
        _painted(editor)
        elapsed = clock() - started
        project.history.undo()  # leave the project as it was, so the next run can add it again
        return elapsed
    finally:
        _dispose(editor)


def distinct_spans(annotator: str, count: int, seed: int = 11) -> SpanMaker:
    """`count` different spans of one annotator on the first document, random labels of every span layer."""
    rng = random.Random(seed)

    def make(position: int, segmentation: Segmentation, book: Codebook) -> Iterable[Span]:
        if position:
            return
        layers = [book.layer(name) for name in SPAN_LAYERS]
        tokens = segmentation.tokens
        seen: set[tuple[str, str, int, int]] = set()
        while len(seen) < count:
            layer = rng.choice(layers)
            label = rng.choice(layer.labels).name
            first = rng.randrange(len(tokens) - 30)
            key = (layer.name, label, tokens[first][0], tokens[first + rng.randint(0, 25)][1])
            if key not in seen:
                seen.add(key)
                yield Span(annotator, *key)

    return make


def build_editor_project(folder: Path, annotations: int = 1000, annotator: str = "ada") -> tuple[Project, str]:
    """An open project in `folder` with one ~30,000-character article (segmented by spaCy, as an
    import does) carrying `annotations` spans, each stored through the editor's own path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.annot"
    (document_id,) = build_project(path, [make_article()], annotators=[annotator], checked=True, spacy=True,
                                   spans=distinct_spans(annotator, annotations))
    return Project.open(path), document_id


def bench_gui() -> dict[str, float]:
    """Cold start of the main window on the demo project; open and add in the editor."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from annotator.ops.demo import build_demo

    with tempfile.TemporaryDirectory() as folder:
        demo = build_demo(Path(folder) / "demo.annot")
        starts = [time_cold_start(demo) for _ in range(5)]
        _application()
        project, document_id = build_editor_project(Path(folder) / "editor")
        try:
            opens = [time_open_document(project, document_id, "ada") for _ in range(7)]
            adds = [time_add_annotation(project, document_id, "ada") for _ in range(7)]
        finally:
            project.close()
    return {"cold_start_s": statistics.median(starts), "open_30k_1000_s": statistics.median(opens),
            "add_annotation_s": statistics.median(adds)}

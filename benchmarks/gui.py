"""GUI timings against what the machine can do, measured in the same run: the main window's cold
start on the demo project (beside a bare Qt window showing the same text), opening a large coded
article in the editor (beside the same text set and painted in a plain QPlainTextEdit) and
adding one code (run offscreen: QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from annotator.gui.editor.editor import AnnotationEditor, reading_font
from annotator.model import Codebook
from annotator.project import Project
from annotator.nlp.segmentation import Segmentation

from .synthetic import ROOT, SPAN_LAYERS, Span, SpanMaker, build_project, make_article

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
heavy = ("spacy", "thinc", "matplotlib", "pyarrow", "duckdb")
print(",".join(name for name in heavy if name in sys.modules) or "-")
window.close()
"""

# The floor of a cold start: Python, Qt and a window showing the project's first text, read with
# sqlite3 alone (no application code at all).
_FLOOR_CHILD = r"""
import time
started = time.perf_counter()
import sqlite3
import sys
from PySide6.QtWidgets import QApplication, QMainWindow, QPlainTextEdit

app = QApplication(sys.argv[:1])
window = QMainWindow()
view = QPlainTextEdit()
window.setCentralWidget(view)
window.resize(1100, 800)
connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
(text,) = connection.execute("SELECT text FROM document_content LIMIT 1").fetchone()
view.setPlainText(text)
window.show()
while not view.isVisible():
    app.processEvents()
app.processEvents()
print(f"{time.perf_counter() - started:.4f}")
print("-")
"""


def _first_annotator(project_path: Path) -> str:
    with Project.open(project_path, readonly=True) as project:
        names = [a.name for a in project.annotators.list()]
    return names[0] if names else "benchmark"


def _child_environment(bytecode: Path | None) -> dict[str, str]:
    """The environment of a cold-start child: offscreen, the checkout first on the path and, with
    `bytecode`, compiled modules cached in that folder (as an installed app has them)."""
    environment = dict(os.environ)
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH", "")]))
    if bytecode is not None:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        environment["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return environment


def cold_start_sample(project_path: Path | str, floor: bool = False,
                      bytecode: Path | None = None) -> tuple[float, float]:
    """(wall seconds from a fresh interpreter's first statement to the main window shown on the
    project, CPU seconds of that process); with `floor`, the same for a bare Qt window showing the
    project's first text. `bytecode`: a folder caching compiled modules between samples.

    Raises RuntimeError if the child fails or imports spaCy, thinc, matplotlib, pyarrow or duckdb.
    """
    project_path = Path(project_path)
    annotator = "" if floor else _first_annotator(project_path)
    with tempfile.TemporaryDirectory() as folder:
        settings = Path(folder) / "settings.ini"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-c", _FLOOR_CHILD if floor else _CHILD, str(project_path), str(settings), annotator],
            capture_output=True, text=True, env=_child_environment(bytecode), timeout=120, cwd=ROOT,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"cold start failed: {done.stderr.strip()[-2000:]}")
    lines = done.stdout.split()
    if lines[1] != "-":
        raise RuntimeError(f"imported at start: {lines[1]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return float(lines[0]), cpu


def time_cold_start(project_path: Path | str) -> float:
    """Seconds from a fresh interpreter's first statement to the main window shown on the project.

    Raises RuntimeError if the child fails or imports spaCy (or thinc, matplotlib, pyarrow, duckdb).
    """
    return cold_start_sample(project_path)[0]


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


def time_plain_text(text: str, cpu: bool = False) -> float:
    """The floor of opening a document: seconds to set `text` in a shown QPlainTextEdit of the
    editor's size and reading font and paint it (CPU seconds if `cpu`)."""
    clock = time.process_time if cpu else time.perf_counter
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setFont(reading_font())
    view.resize(1100, 800)
    view.show()
    _application().processEvents()
    try:
        before = _paint_count(view)
        started = clock()
        view.setPlainText(text)
        _application().processEvents()
        if _paint_count(view) == before:
            view.viewport().repaint()
        return clock() - started
    finally:
        view.close()
        view.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Count paints; let every event through."""
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def _paint_count(view: QPlainTextEdit) -> int:
    counter = getattr(view, "_bench_counter", None)
    if counter is None:
        counter = _PaintCounter()
        view.viewport().installEventFilter(counter)
        view._bench_counter = counter  # type: ignore[attr-defined]
    return counter.paints


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


def time_adds_in_window(project: Project, document_id: str, annotator: str, runs: int,
                        layer: str = "Framing") -> tuple[list[float], list[float]]:
    """(wall, CPU) seconds of `runs` label keys in the main window, from the key to every view that
    follows the change (editor, annotations list, document labels, codebook counts, documents
    table, toolbar) painted; each add is undone before the next. Closing the window closes
    `project`: call it last."""
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings

    app = _application()
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(AppSettings(Path(folder) / "settings.ini"))
        try:
            window.resize(1400, 900)
            if not window.set_project(project, annotator=annotator):
                raise RuntimeError("the main window did not open the project")
            window.show_document(document_id)
            window.show()
            editor = window.editor
            editor.set_active_layer(layer)
            _settle(0.4)
            text = editor.text
            label = project.codebook.layer(layer).labels[-1].name
            for run in range(runs):
                start = text.index(" ", len(text) // 3 + 40 * run) + 1
                editor.set_selection(start, text.index(" ", start + 20))
                _settle(0.05)
                started, started_cpu = time.perf_counter(), time.process_time()
                editor.apply_label(label)
                app.processEvents()
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - started_cpu)
                project.history.undo()
                _settle(0.05)
        finally:
            window.close()
            window.deleteLater()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return walls, cpus


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


def _paired(runs: int, floor: Callable[[], float], ours: Callable[[], float]) -> tuple[list[float], list[float]]:
    """`runs` rounds of (floor, ours), each pair timed back to back so a neighbour's load weighs
    on both alike."""
    floors, times = [], []
    for _ in range(runs):
        floors.append(floor())
        times.append(ours())
    return floors, times


def _ratio(floors: list[float], times: list[float]) -> float:
    return statistics.median(t / f for f, t in zip(floors, times))


def _spread(values: list[float]) -> float:
    """Half the interquartile range, relative to the median: the noise seen in this run."""
    if len(values) < 4:
        return 0.0
    quartiles = statistics.quantiles(values, n=4)
    return (quartiles[2] - quartiles[0]) / 2 / statistics.median(values)


def bench_gui(runs: int = 7) -> dict[str, float]:
    """Cold start of the main window on the demo project; open and add in the editor; each beside
    its floor measured in the same run (medians of `runs` interleaved rounds)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from annotator.ops.demo import build_demo

    with tempfile.TemporaryDirectory() as folder:
        demo = build_demo(Path(folder) / "demo.annot")
        bytecode = Path(folder) / "bytecode"
        cold_start_sample(demo, bytecode=bytecode)  # compiles and caches the modules once
        cold_start_sample(demo, floor=True, bytecode=bytecode)
        starts: list[tuple[float, float]] = []
        floors: list[tuple[float, float]] = []
        for _ in range(runs):
            floors.append(cold_start_sample(demo, floor=True, bytecode=bytecode))
            starts.append(cold_start_sample(demo, bytecode=bytecode))
        uncached = [cold_start_sample(demo)[0] for _ in range(3)]
        _application()
        project, document_id = build_editor_project(Path(folder) / "editor")
        try:
            text = project.documents.text(document_id)
            time_plain_text(text)  # warm-up: fonts, glyph caches
            time_open_document(project, document_id, "ada")
            plain, opens = _paired(runs, lambda: time_plain_text(text),
                                   lambda: time_open_document(project, document_id, "ada"))
            plain_cpu, opens_cpu = _paired(runs, lambda: time_plain_text(text, cpu=True),
                                           lambda: time_open_document(project, document_id, "ada", cpu=True))
            adds = [time_add_annotation(project, document_id, "ada") for _ in range(runs)]
            adds_cpu = [time_add_annotation(project, document_id, "ada", cpu=True) for _ in range(runs)]
            window_adds, window_adds_cpu = time_adds_in_window(project, document_id, "ada", runs)
        finally:
            project.close()
    start_wall = [w for w, _ in starts]
    floor_wall = [w for w, _ in floors]
    return {
        "cold_start_s": statistics.median(start_wall),
        "cold_start_cpu_s": statistics.median(c for _, c in starts),
        "cold_start_noise": _spread(start_wall),
        "cold_start_floor_s": statistics.median(floor_wall),
        "cold_start_floor_cpu_s": statistics.median(c for _, c in floors),
        "cold_start_ratio": _ratio(floor_wall, start_wall),
        "cold_start_uncompiled_s": statistics.median(uncached),
        "open_30k_1000_s": statistics.median(opens),
        "open_30k_1000_cpu_s": statistics.median(opens_cpu),
        "open_noise": _spread(opens),
        "open_floor_s": statistics.median(plain),
        "open_floor_cpu_s": statistics.median(plain_cpu),
        "open_ratio": _ratio(plain, opens),
        "open_ratio_cpu": _ratio(plain_cpu, opens_cpu),
        "add_annotation_s": statistics.median(adds),
        "add_annotation_cpu_s": statistics.median(adds_cpu),
        "add_noise": _spread(adds),
        "add_in_window_s": statistics.median(window_adds),
        "add_in_window_cpu_s": statistics.median(window_adds_cpu),
        "add_in_window_noise": _spread(window_adds),
    }

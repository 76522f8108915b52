"""Timings of the editor for the benchmark: opening a large coded article, adding one code."""

from __future__ import annotations

import random
import time
from pathlib import Path

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from ...errors import AnnotatorError
from ...project import Project
from .editor import AnnotationEditor

_WORDS = (
    "council budget residents harbour transport levy families drivers shop owners schools "
    "clinic river bridge housing rents wages tax ministry court ruling protest voters "
    "market growth jobs pollution safety crime police heritage tourism fishermen farmers"
).split()


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


def make_article(characters: int = 30_000, seed: int = 7) -> str:
    """A synthetic article of about `characters` characters, with emoji and accents."""
    rng = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < characters:
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 22))]
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words)), rng.choice(["\U0001F620", "José\u0301", "7\u00a0%"]))
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:characters].rstrip() + "."


def build_benchmark_project(folder: Path, annotations: int = 1000, annotator: str = "ada") -> tuple[Project, str]:
    """A project in `folder` with one ~30,000-character article carrying `annotations` spans."""
    from ...ops.importing import import_paths

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "article.txt"
    source.write_text(make_article(), encoding="utf-8")
    project = Project.create(folder / "bench.annot")
    import_paths(project, [source])
    project.annotators.ensure(annotator)
    document_id = project.documents.ids()[0]
    segmentation = project.documents.segmentation(document_id)
    tokens = segmentation.tokens
    rng = random.Random(11)
    book = project.codebook.get()
    layers = [layer for layer in book.layers if layer.kind == "span"]
    added = 0
    while added < annotations:
        layer = rng.choice(layers)
        label = rng.choice(layer.labels).name
        first = rng.randrange(len(tokens) - 30)
        last = first + rng.randint(0, 25)
        try:
            project.annotations.add(document_id, annotator, layer.name, label, tokens[first][0], tokens[last][1])
        except AnnotatorError:  # the same label on the same span twice: draw another
            continue
        added += 1
    project.history.clear()
    return project, document_id


def main() -> None:
    """Print the figures for a freshly built benchmark project (run with QT_QPA_PLATFORM=offscreen)."""
    import statistics
    import tempfile

    _application()
    with tempfile.TemporaryDirectory() as folder:
        project, document_id = build_benchmark_project(Path(folder))
        try:
            length = len(project.documents.text(document_id))
            count = len(project.annotations.for_document(document_id))
            print(f"article: {length} characters, {count} annotations")
            for cpu in (False, True):
                opens = [time_open_document(project, document_id, "ada", cpu=cpu) for _ in range(7)]
                adds = [time_add_annotation(project, document_id, "ada", cpu=cpu) for _ in range(7)]
                kind = "CPU time" if cpu else "wall time"
                print(f"open until painted ({kind}): median {statistics.median(opens) * 1000:.1f} ms "
                      f"(max {max(opens) * 1000:.1f})")
                print(f"add one annotation ({kind}): median {statistics.median(adds) * 1000:.1f} ms "
                      f"(max {max(adds) * 1000:.1f})")
        finally:
            project.close()


if __name__ == "__main__":
    main()

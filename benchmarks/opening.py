"""Opening a large project: the first screen of the document list, one document with its annotations."""

from __future__ import annotations

import tempfile
from pathlib import Path

from annotator.project import Project

from .synthetic import build_large_project
from .timing import median_time


def bench_open(documents: int = 10_000) -> dict[str, float]:
    """Open a `documents`-document project and read the first screen of the document list; load one
    document with its 500 annotations."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.annot"
        first = build_large_project(path, documents, 500)
        screen = min(60, documents)

        def first_screen() -> None:
            with Project.open(path) as project:
                rows = project.documents.list(0, 60)
                project.status.for_annotator("ada")
                assert len(rows) == screen

        open_s = median_time(first_screen, 5)
        with Project.open(path) as project:
            def load() -> None:
                project.documents._content.clear()  # nothing cached: as when switching documents
                project.documents.text(first)
                project.documents.segmentation(first)
                assert len(project.annotations.for_document(first, "ada")) == 500

            load_s = median_time(load, 7)
    return {"documents": documents, "open_first_screen_s": open_s, "load_document_500_annotations_s": load_s}

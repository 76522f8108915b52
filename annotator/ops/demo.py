"""The demo project: sample articles written for this project, coded by two demo annotators."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import AnnotatorError
from ..model import Status
from ..project import Project
from ..resources import resource

DEMO_NAME = "demo.annot"
# The demo annotators have finished these documents (by position), so agreement on
# "done" documents has something to work with from the start.
DONE_POSITIONS = (0, 1, 2)


def data_dir() -> Path:
    """The user data folder (platform specific), created if needed."""
    import platformdirs

    path = Path(platformdirs.user_data_dir("discourse-annotator", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_demo(path: Path) -> Path:
    """Create the demo project at `path` (must not exist): codebook, articles, annotations."""
    from .importing import import_paths

    source = resource("demo", "demo.jsonl")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "demo.jsonl"
        copy.write_bytes(source.read_bytes())
        partial = path.with_name(f".{path.name}.partial")
        for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
            leftover.unlink(missing_ok=True)
        with Project.create(partial) as project:
            report = import_paths(project, [copy])
            if report.failed:
                raise AnnotatorError(f"the bundled demo could not be imported: {report.failed[0][1]}")
            ids = project.documents.ids()
            for annotator in ("ada", "ben"):
                for position in DONE_POSITIONS:
                    if position < len(ids):
                        project.status.set(ids[position], annotator, Status.DONE)
            project.history.set_barrier("building the demo project", actor="demo")
        os.replace(partial, path)
    return path


def ensure_demo() -> Path:
    """The demo project in the user data folder, built on first use."""
    path = data_dir() / DEMO_NAME
    if not path.exists():
        build_demo(path)
    return path

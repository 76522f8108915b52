"""Measuring the cold start of the desktop app on a project, in a fresh Python process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import time
started = time.perf_counter()
import sys
from pathlib import Path
from annotator.gui.app import application, build
from annotator.gui.settings import AppSettings
from annotator.project import Project

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
    from ..project import Project

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

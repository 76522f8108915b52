"""Starting the desktop app loads only what its first window needs: the analysis, export and
suggestion features (matplotlib, pyarrow, DuckDB, spaCy and its thinc) load when their windows or
commands are used. Checked in a fresh process going through the real `annotator` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from annotator.project import Project

ROOT = Path(__file__).resolve().parent.parent
NOT_AT_START = ("matplotlib", "pyarrow", "duckdb", "spacy", "thinc")
# Runs `annotator PROJECT --annotator ada` as a user would; the app quits itself once its window
# has been shown (the packaging smoke test's switch); then says which heavy packages were loaded.
PROBE = (
    "import sys\n"
    "from annotator.cli import main\n"
    "status = main(sys.argv[1:])\n"
    f"print('LOADED', *[name for name in {NOT_AT_START!r} if name in sys.modules])\n"
    "print('STATUS', status)\n"
)


def test_the_main_window_opens_a_project_without_loading_the_heavy_features(project: Project,
                                                                             tmp_path: Path) -> None:
    path = project.path
    project.close()
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANNOTATOR_SMOKE_EXIT_MS="50",
                       XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), "--annotator", "ada"], capture_output=True,
                          text=True, env=environment, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"project={path}" in done.stderr  # the window was shown with the project open
    assert "STATUS 0" in done.stdout
    loaded = next(line for line in done.stdout.splitlines() if line.startswith("LOADED")).split()[1:]
    assert loaded == [], f"loaded at start: {', '.join(loaded)}"

"""Start-up time of the command line: `annotator --help` and `annotator info` in fresh processes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .synthetic import ROOT, build_project
from .timing import median_time


def bench_startup(samples: int = 5) -> dict[str, float]:
    """Median wall time of `annotator --help` and `annotator info` (`samples` fresh processes each)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.annot"
        build_project(path, [])
        help_s = median_time(lambda: subprocess.run([sys.executable, "-m", "annotator", "--help"],
                                                    capture_output=True, check=True, cwd=ROOT), samples)
        info_s = median_time(lambda: subprocess.run([sys.executable, "-m", "annotator", "info", str(path)],
                                                    capture_output=True, check=True, cwd=ROOT), samples)
    return {"help_s": help_s, "info_s": info_s, "samples": samples}

"""The stats package stays numpy-only: no Qt, spaCy, SQLite or test-only libraries at runtime."""

from __future__ import annotations

import subprocess
import sys


def test_importing_stats_loads_only_numpy() -> None:
    probe = (
        "import sys, annotator.stats\n"
        "banned = ('PySide6', 'spacy', 'sqlite3', 'sqlite_utils', 'sklearn', 'nltk', 'scipy')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in banned)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""

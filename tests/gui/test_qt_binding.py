"""The Qt binding itself must not corrupt the interpreter (guards the PySide6 pin)."""

from __future__ import annotations

import subprocess
import sys


def test_qt_calls_do_not_leak_references_to_none() -> None:
    # PySide6-Essentials 6.12.0 on CPython 3.11 dropped one reference to None per call of a
    # Qt method returning nothing; the app then aborted with "deallocating None". Run in a
    # fresh process so the test's own references to None cannot hide the loss.
    probe = (
        "import sys\n"
        "from PySide6.QtCore import QObject\n"
        "o = QObject()\n"
        "before = sys.getrefcount(None)\n"
        "for _ in range(1000):\n"
        "    o.setObjectName('x')\n"
        "print(before - sys.getrefcount(None))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-500:]
    assert abs(int(result.stdout.strip())) < 50, result.stdout

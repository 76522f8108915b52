"""Helpers for the project-file reliability tests: real processes, real locks, real limits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python that imports this checkout's `annotator`."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir(),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra)
    return env


def as_plain_user() -> list[str]:
    """A command prefix that makes a root child obey permission bits as a user does.

    Root ignores them, and this venv's Python may live where an unprivileged user cannot
    reach it, so rather than changing user the child keeps uid 0 but loses the
    capabilities that override file permissions (setpriv, util-linux). Empty when we are
    not root; skips the test when that cannot be arranged.
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a child obey file permissions")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def run_python(code: str, *args: str, preexec_fn=None, plain_user: bool = False, timeout: float = 120,
               **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -c CODE ARGS` in a fresh process of this venv (as a plain user if asked)."""
    prefix = as_plain_user() if plain_user else []
    return subprocess.run([*prefix, sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env=child_env(**env), preexec_fn=preexec_fn, timeout=timeout)


def run_cli(*args: str, preexec_fn=None, plain_user: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m annotator ARGS` in a fresh process (as a plain user if asked)."""
    prefix = as_plain_user() if plain_user else []
    return subprocess.run([*prefix, sys.executable, "-m", "annotator", *args], capture_output=True, text=True,
                          cwd=ROOT, env=child_env(**env), preexec_fn=preexec_fn, timeout=300)


def our_locks(path: Path) -> list[str]:
    """The POSIX/flock locks this process holds on `path`'s inode, from /proc/locks (Linux)."""
    if not Path("/proc/locks").exists():
        pytest.skip("needs /proc/locks (Linux)")
    inode = os.stat(path).st_ino
    found = []
    with open("/proc/locks", encoding="ascii") as handle:
        for line in handle:
            fields = line.split()
            if "->" in fields:  # a blocked waiter
                continue
            pid, device = int(fields[4]), fields[5]
            if pid == os.getpid() and int(device.rsplit(":", 1)[1]) == inode:
                found.append(" ".join(fields[1:4] + fields[6:8]))
    return found


def build_project(path: Path, documents: int, annotations: int = 0) -> None:
    """A project of `documents` synthetic articles (regex-segmented, as the benchmark builds them)."""
    from benchmarks.synthetic import build_large_project

    build_large_project(path, documents, annotations)

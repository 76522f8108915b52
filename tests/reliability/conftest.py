"""Fixtures for the project-file reliability tests (helpers are in reliability_support)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder under the system temp dir that an unprivileged user can reach (pytest's is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="annot-rel-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)

"""Fixtures for the project-file reliability tests (helpers are in reliability_support)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import Worker


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


@pytest.fixture(scope="session")
def plain_user() -> Iterator[Worker]:
    """Another process, obeying file permissions as a user does, that runs `annotator` commands
    and snippets on request (one per pytest worker)."""
    worker = Worker(plain_user=True)
    yield worker
    worker.close()


@pytest.fixture(scope="session")
def other_process() -> Iterator[Worker]:
    """Another process of this program (as this test's user), running commands and snippets on
    request: another running Annotator (one per pytest worker)."""
    worker = Worker(plain_user=False)
    yield worker
    worker.close()

"""The project files this process has open, and the files no output of ours may replace.

Every output (an export, a report, an agreement CSV, a chart) is checked here before it is
written: not a project open in this process nor a file SQLite keeps beside one (matched by
resolved path and, for files that exist, by device and inode), not another SQLite file (a
project open in another program, a backup), not a device or a folder. Kept apart from
database.py, which opens, locks, checks and closes the one project a connection is for.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import ProjectFileError

SQLITE_HEADER = b"SQLite format 3\x00"


# Project files this process has open (resolved paths), so that no output of ours is
# ever written over one of them or over its -wal/-shm/.lock.
_OPEN_PROJECTS: dict[Path, int] = {}
PROJECT_SIDE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock")


def register_open(path: Path) -> None:
    """Record that this process has `path` open (counted: several connections may)."""
    key = Path(os.path.realpath(path))
    _OPEN_PROJECTS[key] = _OPEN_PROJECTS.get(key, 0) + 1


def unregister_open(path: Path) -> None:
    """Forget one opening of `path`."""
    key = Path(os.path.realpath(path))
    count = _OPEN_PROJECTS.get(key, 0) - 1
    if count > 0:
        _OPEN_PROJECTS[key] = count
    else:
        _OPEN_PROJECTS.pop(key, None)


def open_project_files() -> frozenset[Path]:
    """Resolved paths of the project files open in this process."""
    return frozenset(_OPEN_PROJECTS)


def project_file_family(path: Path) -> list[Path]:
    """The project file and the files SQLite and we keep beside it (-wal, -shm, .lock)."""
    real = Path(os.path.realpath(path))
    return [real.with_name(real.name + suffix) for suffix in PROJECT_SIDE_SUFFIXES]


def open_project_member(path: Path, also: tuple[Path, ...] = ()) -> Path | None:
    """The file of a project open in this process or named in `also` (or one kept beside it:
    -wal, -shm, -journal, .lock) that `path` is, by resolved path or, for files that exist, by
    device and inode (a hard link); None if it is none of them."""
    roots = {*open_project_files(), *(Path(os.path.realpath(root)) for root in also)}
    members = {member for root in roots for member in project_file_family(root)}
    real = Path(os.path.realpath(path))
    if real in members:
        return real
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    for member in members:
        try:
            other = os.stat(member)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (found.st_dev, found.st_ino):
            return member
    return None


def refuse_project_output(path: str | Path, also: tuple[Path, ...] = (), what: str = "output") -> None:
    """Raise ProjectFileError if writing `path` would write over a project file (open in this
    process or named in `also`) or a file kept beside one, or over any existing file that is
    not an ordinary file of ours to replace (see refuse_foreign_target)."""
    member = open_project_member(Path(path), also)
    if member is not None:
        raise ProjectFileError(path, f"is a project file ({member.name}); choose another name for the {what}")
    refuse_foreign_target(Path(path), what)


def refuse_foreign_target(path: Path, what: str = "output") -> None:
    """Raise ProjectFileError if `path` exists and is not an ordinary file an output may
    replace: a device, pipe or folder; an SQLite database (another project, a backup, one
    open in another program — this process has none of them open, so reading its first
    bytes cannot drop a lock of ours); or a file SQLite keeps beside one (-wal, -shm,
    -journal, .lock next to an existing database)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise ProjectFileError(path, f"exists and is not an ordinary file; choose another name for the {what}")
    if found is not None and found.st_size >= len(SQLITE_HEADER) and open_project_member(path) is None:
        try:
            with open(path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError:
            header = b""
        if header == SQLITE_HEADER:
            raise ProjectFileError(path, f"is an SQLite database (a project or its backup); choose another "
                                         f"name for the {what}")
    name = path.name
    for suffix in ("-wal", "-shm", "-journal", ".lock"):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = path.with_name(name[: -len(suffix)])
            if base.is_file():
                raise ProjectFileError(path, f"is a file kept beside {base.name}; choose another name for the {what}")

"""SQLite's side files of a project (-wal, -shm): which exist, and removing them when nothing
needs them (SQLite leaves them behind a read-only connection)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .files import open_project_files

# SQLite's -wal and -shm. Every connection that uses them holds a POSIX read lock on byte
# 128 of the -shm (the "DMS" byte of SQLite's unix VFS) while it is open; SQLite itself
# asks F_GETLK whether any process holds it to know that it is the first user.
SQLITE_SIDE_SUFFIXES = ("-wal", "-shm")
_SHM_DMS_BYTE = 128
# struct flock, as F_GETLK reads and fills it: its format and its fields in order.
_FLOCK_LAYOUTS = {"linux": ("hhqqi", ("type", "whence", "start", "len", "pid")),
                  "darwin": ("qqihh", ("start", "len", "pid", "type", "whence"))}


def existing_side_files(path: Path) -> frozenset[str]:
    """Which of the project's -wal and -shm exist now (as suffixes)."""
    real = os.path.realpath(path)
    return frozenset(suffix for suffix in SQLITE_SIDE_SUFFIXES if os.path.lexists(real + suffix))


def remove_unused_side_files(path: Path, suffixes: tuple[str, ...] = SQLITE_SIDE_SUFFIXES,
                             only_if_unwritable: bool = False) -> None:
    """Remove the project's -wal and -shm (those in `suffixes`) when nothing needs them: the
    -wal holds nothing (0 bytes: never one with changes), no program uses them (no lock on
    the -shm's DMS byte) and this process has the project open nowhere.

    SQLite does this when its last connection closes, but not after a read-only one; and it
    makes them with the project file's mode, so those of a read-only file would refuse every
    later write. `only_if_unwritable`: only if one of them cannot be written. POSIX only
    (elsewhere whether they are in use cannot be told: they are kept).
    """
    real = os.path.realpath(path)
    if os.name != "posix" or Path(real) in open_project_files():
        return  # a connection of ours uses them, and probing the -shm would drop its locks
    found = {suffix: _stat(real + suffix) for suffix in SQLITE_SIDE_SUFFIXES}
    if any(info is not None and (not stat.S_ISREG(info.st_mode) or (suffix == "-wal" and info.st_size > 0))
           for suffix, info in found.items()):
        return  # not ours to remove: not a plain file, or a -wal that holds changes
    if only_if_unwritable and all(info is None or os.access(real + suffix, os.W_OK)
                                  for suffix, info in found.items()):
        return
    if found["-shm"] is not None and _side_files_in_use(Path(real + "-shm")):
        return
    for suffix in SQLITE_SIDE_SUFFIXES:  # as SQLite does: the -wal first, then the -shm
        if suffix in suffixes and found[suffix] is not None:
            try:
                os.unlink(real + suffix)
            except OSError:
                return


def _stat(path: str) -> os.stat_result | None:
    """os.lstat, or None if there is nothing there (a link is not followed)."""
    try:
        return os.lstat(path)
    except OSError:
        return None


def _side_files_in_use(shm: Path) -> bool:
    """Whether another process holds SQLite's lock on the DMS byte of `shm` (True when that
    cannot be told). Opening and closing `shm` drops this process's locks on it: only call
    this when no connection of this process uses it."""
    import fcntl
    import struct

    layout = next((value for key, value in _FLOCK_LAYOUTS.items() if sys.platform.startswith(key)), None)
    if layout is None:
        return True
    fields, names = layout
    query = {"type": fcntl.F_WRLCK, "whence": os.SEEK_SET, "start": _SHM_DMS_BYTE, "len": 1, "pid": 0}
    try:
        handle = os.open(shm, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return True
    try:
        answer = fcntl.fcntl(handle, fcntl.F_GETLK, struct.pack(fields, *(query[name] for name in names)))
    except OSError:
        return True
    finally:
        os.close(handle)
    return dict(zip(names, struct.unpack(fields, answer)))["type"] != fcntl.F_UNLCK

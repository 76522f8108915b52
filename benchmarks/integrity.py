"""What opening for writing costs on a large project: checks and the rolling backup."""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.project import Project
from annotator.store.database import open_database, rolling_backup_path, write_backup

from .synthetic import build_large_project
from .timing import median_time


def bench_integrity(documents: int = 10_000, annotations: int = 200_000) -> dict[str, Any]:
    """SQLite's quick_check (run at every open for writing; target under 1 s), the full
    integrity_check (run before an export), the rolling backup (written at most once a day),
    and the whole open with and without them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.annot"
        build_large_project(path, documents, annotations)
        conn = sqlite3.connect(path)
        pages, page_size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        quick = median_time(lambda: conn.execute("PRAGMA quick_check").fetchall(), 5)
        full = median_time(lambda: conn.execute("PRAGMA integrity_check").fetchall(), 3)
        backup_s = median_time(lambda: write_backup(conn, Path(folder) / "copy.bak"), 3)
        conn.close()

        def bare_open() -> None:
            open_database(path).close()

        def open_checked() -> None:
            Project.open(path).close()

        def open_with_backup() -> None:
            rolling_backup_path(path).unlink(missing_ok=True)
            Project.open(path).close()

        previous = os.environ.get("ANNOTATOR_BACKUP")
        os.environ["ANNOTATOR_BACKUP"] = "0"
        try:
            bare_s = median_time(bare_open, 5)
            checked_s = median_time(open_checked, 5)
        finally:
            if previous is None:
                os.environ.pop("ANNOTATOR_BACKUP")
            else:
                os.environ["ANNOTATOR_BACKUP"] = previous
        backed_s = median_time(open_with_backup, 5)
        usable = []  # the backup is written on its own thread: the open returns before it ends
        for _ in range(5):
            rolling_backup_path(path).unlink(missing_ok=True)
            started = time.perf_counter()
            project = Project.open(path)
            usable.append(time.perf_counter() - started)
            project.close()
        usable_s = statistics.median(usable)
        return {
            "documents": documents, "annotations": annotations, "file_mb": round(path.stat().st_size / 1e6, 1),
            "page_size": page_size, "pages": pages, "cache_size": cache,
            "quick_check_s": quick, "integrity_check_s": full, "backup_s": backup_s,
            "open_without_checks_s": bare_s, "open_for_writing_s": checked_s,
            "open_for_writing_with_backup_s": backed_s, "open_usable_with_backup_due_s": usable_s,
        }

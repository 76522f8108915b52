"""A full disk is reported, never swallowed: a close whose checkpoint fails says where the
changes are; an import says exactly which files it stored (issue 11, item 3).

The disk fills up for real: the child process runs with RLIMIT_FSIZE (SIGXFSZ ignored), so
every write past the limit fails as it would on a full disk.
"""

from __future__ import annotations

import json
import re
import resource
import signal
import sys
from pathlib import Path

import pytest
from reliability_support import run_cli, run_python

from annotator.project import Project

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("RLIMIT_FSIZE is POSIX", allow_module_level=True)


def _limit(size: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))

    return apply


CLOSER = r"""
import json, os, resource, signal, sys
from annotator.errors import ProjectFileError
from annotator.project import Project
path = sys.argv[1]
project = Project.open(path)
project.annotators.ensure("ada")
doc = project.documents.ids()[0]
seg = project.documents.segmentation(doc)
for n in range(20):
    project.annotations.add(doc, "ada", "Framing", "Economic", seg.token_starts[n], seg.token_ends[n],
                            note="x" * 20000)
size = os.stat(path).st_size
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 4096, resource.RLIM_INFINITY))  # the disk is now full
result = {}
try:
    project.close()
    result["closed"] = "quietly"
except ProjectFileError as error:
    result["closed"] = str(error)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))  # space is free
result["wal"] = os.path.getsize(path + "-wal")
with Project.open(path) as again:  # the lock was released, the connection closed
    result["annotations"] = again.annotations.count()
print(json.dumps(result))
"""


def test_a_close_that_cannot_checkpoint_says_where_the_changes_are(project: Project) -> None:
    path = project.path
    project.close()
    project.db = __import__("sqlite3").connect(":memory:")  # type: ignore[assignment]
    result = run_python(CLOSER, str(path), ANNOTATOR_BACKUP="0")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["closed"] == (
        f"{path}: could not finish writing the project file (the disk is full or failing); its latest "
        "changes are kept in study.annot-wal, which must stay beside it (copy the two together), "
        "or reopen the project when there is space"
    )
    assert found["wal"] > 0 and found["annotations"] == 20
    with Project.open(path) as reopened:
        assert reopened.annotations.count() == 20


def test_an_import_that_fills_the_disk_says_which_files_were_stored(tmp_path: Path) -> None:
    path = tmp_path / "full.annot"
    Project.create(path).close()
    folder = tmp_path / "in"
    folder.mkdir()
    # Forty articles of 1.5 KB and 120 KB of room: the disk fills up about ten files in (the
    # child's time is mostly spaCy's import; less text to segment and store saves the rest).
    names = [f"f{n:03d}.txt" for n in range(40)]
    for n, name in enumerate(names):
        (folder / name).write_text(f"Article {n}.\n\n" + f"The council met on day {n} to vote. " * 40,
                                   encoding="utf-8")
    limit = path.stat().st_size + 120_000
    result = run_cli("import", str(path), str(folder), "--json", preexec_fn=_limit(limit), ANNOTATOR_BACKUP="0")
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    match = re.search(r"the disk is full(?: or failing)?; stopped at (\S+): (\d+) files? stored before it", lines[0])
    assert match, lines[0]
    assert "nothing was changed" not in lines[0]
    stopped, count = Path(match.group(1)), int(match.group(2))
    assert 0 < count < len(names)
    assert stopped == folder / names[count]
    report = json.loads(result.stdout)
    assert report["stored_files"] == [str(folder / name) for name in names[:count]]
    assert report["stopped_at"] == str(stopped)
    with Project.open(path, readonly=True) as reopened:
        titles = sorted(reopened.documents.text(i).split("\n")[0] for i in reopened.documents.ids())
    assert titles == sorted(f"Article {n}." for n in range(count))

"""Shared fixtures: Qt offscreen, small projects built from texts written for the tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from annotator.project import Project  # noqa: E402
from annotator.store.files import open_project_files  # noqa: E402

# Written for these tests: an emoji (astral), a combining accent, a non-breaking space.
SAMPLE_TEXT = (
    "The council voted 7\u00a0to 2 for the congestion charge. "
    "Critics called it a tax on workers \U0001F621 and José\u0301 Ortega said: "
    "\u201cThis is robbery.\u201d\n\n"
    "Supporters expect cleaner air by 2030."
)
SECOND_TEXT = "A short second article.\n\nIt has two paragraphs and no annotations."


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A new project with the default codebook and two imported documents."""
    from annotator.ops.importing import import_paths

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(SECOND_TEXT, encoding="utf-8")
    created = Project.create(tmp_path / "study.annot")
    report = import_paths(created, [tmp_path / "in"])
    assert len(report.imported) == 2, report
    created.annotators.ensure("ada")
    created.annotators.ensure("ben")
    yield created
    created.close()


def project_from_records(folder: Path, records: list[dict], annotators: tuple[str, ...] = ("ada", "ben")) -> Path:
    """A project built the way a user would: `annotator new`, then `annotator import` of
    `records` written as native JSONL, with `annotators` added; returns its path (closed)."""
    import json

    from annotator.cli import main

    (folder / "docs.jsonl").write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records),
                                       encoding="utf-8")
    path = folder / "study.annot"
    assert main(["new", str(path)]) == 0
    assert main(["import", str(path), str(folder / "docs.jsonl")]) == 0
    with Project.open(path) as project:
        for name in annotators:
            project.annotators.ensure(name)
    return path


@dataclass(frozen=True)
class Ran:
    """What one command printed and the exit status it ended with."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `annotator ARGS` in this process, as `annotator` would, capturing what it prints;
    fails the test if the command left a project open."""
    from annotator.cli import main

    def run(*args: str) -> Ran:
        capsys.readouterr()
        before = open_project_files()
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse ends --help, --version and usage errors this way
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
        out, err = capsys.readouterr()
        assert open_project_files() == before, f"annotator {' '.join(args)} left a project open"
        return Ran(code, out, err)

    return run

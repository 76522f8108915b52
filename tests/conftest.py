"""Shared fixtures: Qt offscreen, small projects built from texts written for the tests."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Bytecode caches (in __pycache__, ignored by git) even where the shell sets
# PYTHONDONTWRITEBYTECODE: without them each of the two workers rewrites every test module and
# each of the suite's child processes compiles the package from source again (~25 s a run).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

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


# The suite's longest files (seconds on the 2-core CI machine, roughly): handed to the xdist
# workers first, then the rest by number of tests, so no long file starts last while the other
# worker idles (longest first; pyproject's addopts turn off xdist's own order, by test count).
LONG_FILES = {
    "test_readme_commands.py": 22, "test_import_worker.py": 10, "test_stats_kappa.py": 5,
    "test_analysis_frequencies_window.py": 7, "test_stats_unitizing.py": 4, "test_repository.py": 7,
    "test_analysis_cooccurrence_window.py": 6, "test_training.py": 6, "test_export_safety.py": 6,
    "test_train_dialog.py": 5, "test_review.py": 5, "test_startup_speed_paths.py": 5,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the files longest first (see LONG_FILES); tests keep their order within a file."""
    per_file: dict[str, int] = {}
    for item in items:
        per_file[item.path.name] = per_file.get(item.path.name, 0) + 1

    def cost(item: pytest.Item) -> float:
        return LONG_FILES.get(item.path.name, 0.1 * per_file[item.path.name])

    items.sort(key=lambda item: (-cost(item), str(item.path)))


def write_sample_texts(folder: Path) -> Path:
    """`folder/in` with the two sample articles as a.txt and b.txt."""
    (folder / "in").mkdir()
    (folder / "in" / "a.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (folder / "in" / "b.txt").write_text(SECOND_TEXT, encoding="utf-8")
    return folder / "in"


@pytest.fixture(scope="session")
def project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `project` fixture's file, made once per worker as a user would: a new project, the
    two sample articles imported, annotators ada and ben (closed, so a plain copy is whole)."""
    from annotator.ops.importing import import_paths

    folder = tmp_path_factory.mktemp("template")
    with Project.create(folder / "study.annot") as created:
        report = import_paths(created, [write_sample_texts(folder)])
        assert len(report.imported) == 2, report
        created.annotators.ensure("ada")
        created.annotators.ensure("ben")
    leftovers = sorted(item.name for item in folder.iterdir() if item.name not in {"in", "study.annot", "study.annot.lock"})
    assert not leftovers, f"the template project left {leftovers} beside it"
    return folder / "study.annot"


@pytest.fixture
def project(tmp_path: Path, project_template: Path) -> Project:
    """A new project with the default codebook and two imported documents (tmp_path/in has
    them as a.txt and b.txt): a copy of the session's template, opened for writing."""
    import shutil

    write_sample_texts(tmp_path)
    shutil.copyfile(project_template, tmp_path / "study.annot")
    # As after `create`: no rolling backup beside a project made a moment ago.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANNOTATOR_BACKUP", "0")
        opened = Project.open(tmp_path / "study.annot")
    yield opened
    opened.close()


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

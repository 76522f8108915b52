"""The repository keeps its promises: README commands, CI running the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", readme)


def test_readme_starts_with_install_and_launch_then_install_and_test() -> None:
    launch, tests = _readme_commands()[:2]
    assert "pip install ." in launch and launch.endswith(".venv/bin/annotator")
    assert 'pip install ".[test]"' in tests and "pytest" in tests


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    tests = _readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_shipped_resources_are_in_the_wheel_configuration() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"resources" = "annotator/resources"' in pyproject
    assert (ROOT / "resources" / "codebooks" / "news-discourse.toml").is_file()
    assert (ROOT / "resources" / "demo" / "demo.jsonl").is_file()


def test_the_code_passes_pyflakes() -> None:
    """Unused imports, undefined names, redefinitions: pyflakes finds them in every
    Python file of the package, the benchmarks, the tests and the packaging scripts."""
    import gc
    import io

    from pyflakes.api import checkPath, iterSourceCode
    from pyflakes.reporter import Reporter

    found, problems = io.StringIO(), io.StringIO()
    reporter = Reporter(found, problems)
    count = checked = 0
    # pyflakes' checkRecursive, file by file, with the collector kept off the syntax trees while
    # they are built (it walked them and the whole test process every few thousand new nodes,
    # about a tenth of the check); the cycles pyflakes leaves are collected every 20 files.
    gc.freeze()
    gc.disable()
    try:
        for checked, path in enumerate(iterSourceCode([str(ROOT / name) for name in
                                                       ("annotator", "benchmarks", "tests", "packaging")]), 1):
            count += checkPath(path, reporter)
            if checked % 20 == 0:
                gc.collect()
    finally:
        gc.enable()
        gc.unfreeze()
    assert checked > 300, "pyflakes found the package, benchmarks, tests and packaging scripts"
    assert count == 0 and not problems.getvalue(), found.getvalue() + problems.getvalue()

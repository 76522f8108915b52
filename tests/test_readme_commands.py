"""Every command block of README.md, run as written on a fresh copy of the checkout.

The blocks are read from README.md itself, so a README command that drifts from the scripts
fails here. Which test runs which block (test_every_readme_block_is_run_or_is_data checks
that this list and README.md agree):

1. Install and launch: `python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/annotator`
   - run verbatim by the `fresh_clone` fixture, checked by
     test_install_and_launch_block_installs_the_project_and_shows_the_demo_window.
2. Install and run the tests: run verbatim by CI (`.ci/run`; checked by
   tests/test_repository.py::test_ci_runs_exactly_the_readmes_test_command). Running it from
   here would start this test suite inside itself.
3. Benchmark: `.venv/bin/python -m benchmarks` (benchmarks/ in the checkout, not installed
   with the package), run with `--only startup --samples 1` added (its quickest section, each
   of its two `annotator` commands once in a fresh process) by
   test_benchmark_block_runs_in_the_fresh_venv.
4. Building a desktop application, two lines, run one after the other as typed:
   - `.venv/bin/pip install pyinstaller && bash packaging/pyinstaller/build.sh`, with
     `--check` added (choose the Python, check the project, collect the licences, stop
     before PyInstaller's two minutes and 300 MB), by
     test_build_line_uses_the_checkouts_venv_and_stops_before_pyinstaller. PyInstaller
     itself is installed as written.
   - `bash packaging/linux/install.sh`, verbatim with HOME in a temporary folder, by
     test_install_line_puts_a_menu_entry_that_runs_the_venvs_annotator. With no build in
     the fresh copy, it installs the menu entry for `.venv/bin/annotator`.

The other fenced blocks are not commands: the DuckDB query over the Parquet export is run
by tests/test_export_parquet.py (this file checks the README shows that very query), the
Native JSONL block is a sample line of data (checked to be JSON) and the Architecture
section's two blocks are diagrams (the layers, the change path).

The fresh venv. The README's first command is run verbatim in a copy of the checkout's
tracked files (no .venv, dist or build), with no virtual environment active and no
`annotator` on PATH, as a new user would. A full `pip install .` of PySide6, spaCy and the
rest unpacks about 650 MB (a minute on two cores), more than this suite can spend, so by
default the project's *dependencies* are borrowed: PYTHONPATH points at a folder of links to
exactly the installed distributions the project needs (its run-time closure, read from this
test environment by packaging/collect_licenses.py), and pip counts them as installed (its
closing conflict check, a warning about that borrowed environment, is turned off). The
*project itself* is not borrowed: only the README's `.venv/bin/pip install .` puts
discourse-annotator into the fresh venv (the test checks it is there, in that venv), so the
build script's "lacks the project" check is not satisfied by anything but the README's
command (the opposite, a venv that lacks it, is tested in tests/test_packaging.py). Set
ANNOTATOR_README_FULL_INSTALL=1 for a full install instead; it is also used when python3
on PATH is another Python version than this one, whose compiled packages would not fit.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotator import __version__

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHOWN = re.compile(r"annotator: visible=(\w+) icons=(\d+) title=(.*) project=(.*)")
# Distributions a new venv brings along itself: never borrowed.
VENV_OWN = {"pip", "setuptools"}
pytestmark = pytest.mark.skipif(sys.platform == "win32" or shutil.which("bash") is None,
                                reason="the README's commands are for a POSIX shell")


def readme_blocks() -> list[tuple[str, str]]:
    """Every fenced block of README.md: (language, text without the final newline)."""
    return [(match[1], match[2].rstrip("\n")) for match in FENCE.finditer(README.read_text(encoding="utf-8"))]


def command_blocks() -> list[str]:
    """The ```bash blocks of README.md, in order."""
    return [text for language, text in readme_blocks() if language == "bash"]


def block(heading_words: str) -> str:
    """The bash block that follows the README text `heading_words` (the nearest one after it)."""
    readme = README.read_text(encoding="utf-8")
    assert heading_words in readme, f"README.md no longer has {heading_words!r}: update COVERAGE here"
    start = readme.index(heading_words)
    match = FENCE.search(readme, start)
    assert match is not None and match[1] == "bash", f"no bash block after {heading_words!r}"
    return match[2].rstrip("\n")


INSTALL_AND_LAUNCH = "**Install and launch**"
INSTALL_AND_TEST = "**Install and run the tests**"
BENCHMARK = "## Benchmark"
BUILD = "## Building a desktop application"
# Each README command block (found by the text before it) and the test that runs it.
COVERAGE = {
    INSTALL_AND_LAUNCH: "test_install_and_launch_block_installs_the_project_and_shows_the_demo_window",
    INSTALL_AND_TEST: "tests/test_repository.py::test_ci_runs_exactly_the_readmes_test_command",
    BENCHMARK: "test_benchmark_block_runs_in_the_fresh_venv",
    BUILD: "test_build_line_uses_the_checkouts_venv_and_stops_before_pyinstaller "
           "test_install_line_puts_a_menu_entry_that_runs_the_venvs_annotator",
}


def test_every_readme_block_is_run_or_is_data() -> None:
    blocks = readme_blocks()
    commands = command_blocks()
    assert sorted(commands) == sorted(block(heading) for heading in COVERAGE), \
        "a ```bash block of README.md has no test here: add it to COVERAGE and run it"
    for heading, tests in COVERAGE.items():
        for name in tests.split():
            path, _, function = name.rpartition("::")
            source = (ROOT / path).read_text(encoding="utf-8") if path else Path(__file__).read_text(encoding="utf-8")
            assert f"def {function}(" in source, f"{heading}: no test {name}"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert block(INSTALL_AND_TEST) in ci
    others = [(language, text) for language, text in blocks if language != "bash"]
    assert [language for language, _ in others] == ["sql", "json", "", ""], \
        "README.md has a new fenced block: a command (```bash, run it here) or data (say so here)"
    import json

    from test_export_parquet import README_QUERY

    assert others[0][1] == README_QUERY.strip()  # DuckDB over the Parquet export: run by test_export_parquet
    assert set(json.loads(others[1][1])) == {"id", "text", "meta", "spans", "labels", "relations", "status"}  # data
    assert others[2][1].startswith("annotator/gui/")  # the Architecture diagram
    assert others[3][1].startswith("editor / panels")  # the change path, a diagram


# ----- a fresh copy of the checkout, and the environment of a new user ----------------------


def copy_checkout(target: Path) -> Path:
    """The checkout's tracked files (as a fresh clone has them) copied to `target`."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60)
    if listed.returncode == 0 and listed.stdout:
        for name in listed.stdout.decode().split("\0"):
            if name and (ROOT / name).is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, target / name)
    else:  # not a git checkout (an unpacked source archive): everything but what runs make
        shutil.copytree(ROOT, target, dirs_exist_ok=True, symlinks=True, ignore=shutil.ignore_patterns(
            ".venv", ".git", "dist", "build", "__pycache__", ".pytest_cache", "*.egg-info"))
    return target


def user_path() -> str:
    """PATH without any virtual environment's bin folder and without any `annotator`."""
    drop = {Path(sys.prefix) / "bin", Path(os.environ.get("VIRTUAL_ENV") or sys.prefix) / "bin"}
    kept = [entry for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and Path(entry) not in drop and not (Path(entry) / "annotator").exists()]
    return os.pathsep.join(kept)


def user_env(home: Path) -> dict[str, str]:
    """A new user's shell: no virtual environment active, the app's data and settings under `home`,
    Qt offscreen. pip keeps this machine's configuration (its index and wheel folders)."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "ANNOTATOR_SMOKE_EXIT_MS"}}
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for pip_config in (config / "pip" / "pip.conf", Path.home() / ".pip" / "pip.conf"):
        if pip_config.is_file() and "PIP_CONFIG_FILE" not in env:
            env["PIP_CONFIG_FILE"] = str(pip_config)
    env.update(PATH=user_path(), HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), QT_QPA_PLATFORM="offscreen")
    return env


def run_line(line: str, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run one README line in bash as typed; on timeout, end everything it started."""
    child = subprocess.Popen(["bash", "-c", line], cwd=cwd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, encoding="utf-8", start_new_session=True)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        pytest.fail(f"`{line}` did not finish in {timeout} s:\n{out}\n{err}")
    return subprocess.CompletedProcess(line, child.returncode, out, err)


def collect_licenses_module():  # type: ignore[no-untyped-def]
    """packaging/collect_licenses.py imported as a module (it is a script, not in the package)."""
    spec = importlib.util.spec_from_file_location("collect_licenses", ROOT / "packaging" / "collect_licenses.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def borrowed_dependencies(folder: Path) -> Path:
    """A folder of links to the installed files of the project's run-time dependencies (not the
    project, not pip or setuptools): what `pip install .` would install besides the project."""
    licences = collect_licenses_module()
    closure, missing = licences.dependency_closure(licences.project_requirements(licences.PYPROJECT), sys.path)
    assert not missing, f"the test environment lacks {missing}"
    folder.mkdir()
    for distribution, _ in closure:
        if licences.normalise(distribution.metadata["Name"]) in VENV_OWN:
            continue
        base = Path(distribution.locate_file(""))
        for top in {Path(name).parts[0] for name in distribution.files or [] if not str(name).startswith("..")}:
            if top != "__pycache__" and (base / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(base / top)
    return folder


@dataclass
class FreshClone:
    """A copy of the checkout after the README's install-and-launch command, and how it went."""

    root: Path
    env: dict[str, str]
    launch: subprocess.CompletedProcess[str]
    demo: Path
    full_install: bool


def python3_version(env: dict[str, str]) -> str:
    """The version of the `python3` the README's command runs."""
    done = subprocess.run(["python3", "-c", "import sys; print(sys.version_info[:2])"], env=env,
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> FreshClone:
    """A fresh copy of the checkout on which the README's first command ran, verbatim."""
    base = tmp_path_factory.mktemp("readme")
    root = copy_checkout(base / "discourse-annotator")
    env = user_env(base / "home")
    if shutil.which("python3", path=env["PATH"]) is None:
        pytest.skip("no python3 on PATH")
    full = (os.environ.get("ANNOTATOR_README_FULL_INSTALL") == "1"
            or python3_version(env) != str(sys.version_info[:2]))
    if not full:
        env["PYTHONPATH"] = str(borrowed_dependencies(base / "dependencies"))
        # pip's closing check that the installed distributions' requirements agree only warns, and
        # over borrowed dependencies it checks this test environment, not the fresh venv: it would
        # re-parse every borrowed requirement (about a second of each pip command here).
        env["PIP_NO_WARN_CONFLICTS"] = "1"
    # The app asks who is annotating at its first start: answer as the packaging smoke test does.
    code = ("import sys; from pathlib import Path; from annotator.gui.settings import AppSettings; "
            "from annotator.ops.demo import DEMO_NAME, data_dir; demo = data_dir() / DEMO_NAME; "
            "s = AppSettings(); s.set_annotator_for(demo, 'ada'); s.sync(); print(demo)")
    seeded = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    # ANNOTATOR_SMOKE_EXIT_MS: the app reports its window on stderr once shown, then quits.
    launch = run_line(block(INSTALL_AND_LAUNCH), root, {**env, "ANNOTATOR_SMOKE_EXIT_MS": "0"},
                      timeout=600 if full else 240)
    return FreshClone(root, env, launch, Path(seeded.stdout.strip()), full)


def test_install_and_launch_block_installs_the_project_and_shows_the_demo_window(fresh_clone: FreshClone) -> None:
    launch = fresh_clone.launch
    assert launch.returncode == 0, launch.stdout[-3000:] + launch.stderr[-3000:]
    shown = [match for match in map(SHOWN.match, launch.stderr.splitlines()) if match]
    assert len(shown) == 1, launch.stderr[-3000:]
    visible, icons, title, project = shown[0].groups()
    assert visible == "True" and Path(project) == fresh_clone.demo and "demo.annot" in title
    # The project is in the fresh venv, put there by the README's `pip install .` (never borrowed).
    where = ("import importlib.metadata as m; d = m.distribution('discourse-annotator'); "
             "print(d.version, d.locate_file(''))")
    venv_python = fresh_clone.root / ".venv" / "bin" / "python"
    found = subprocess.run([str(venv_python), "-c", where], env=fresh_clone.env, capture_output=True, text=True,
                           timeout=60)
    version, location = found.stdout.split()
    assert version == __version__
    assert Path(location).is_relative_to(fresh_clone.root / ".venv"), location


def test_build_line_uses_the_checkouts_venv_and_stops_before_pyinstaller(fresh_clone: FreshClone) -> None:
    build_line = block(BUILD).splitlines()[0]
    assert build_line.endswith("bash packaging/pyinstaller/build.sh")
    done = run_line(build_line + " --check", fresh_clone.root, fresh_clone.env, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    first = next(index for index, line in enumerate(lines) if line.startswith("build.sh:"))
    # pip's lines come first; build.sh's first line names the Python it uses: the venv the
    # README's first command made, although it is not activated.
    assert lines[first].startswith("build.sh: using .venv/bin/python (Python 3.")
    assert "this checkout's .venv" in lines[first]
    assert lines[first + 1].startswith("build.sh: PyInstaller 6.")  # the README's pip put it there
    assert re.search(r"^\d+ notices in ", done.stdout, re.MULTILINE)
    assert lines[-1] == "build.sh --check: ready to build with .venv/bin/python; stopped before PyInstaller"
    assert not re.search(r"^error:", done.stderr, re.MULTILINE), done.stderr  # collect_licenses --strict
    assert not (fresh_clone.root / "dist").exists() and not (fresh_clone.root / "build").exists()


def test_install_line_puts_a_menu_entry_that_runs_the_venvs_annotator(fresh_clone: FreshClone) -> None:
    install_line = block(BUILD).splitlines()[1]
    home = Path(fresh_clone.env["HOME"])
    done = run_line(install_line, fresh_clone.root, fresh_clone.env, timeout=120)
    assert done.returncode == 0, done.stderr
    annotator = fresh_clone.root / ".venv" / "bin" / "annotator"
    assert done.stdout.strip() == (f"installed Discourse Annotator in {home}/.local (runs {annotator}); "
                                   ".annot files open with it")
    entry = (home / ".local" / "share" / "applications" / "org.example.DiscourseAnnotator.desktop").read_text(
        encoding="utf-8")
    assert f"\nExec={annotator} %f\n" in entry
    version = subprocess.run([str(annotator), "--version"], env=fresh_clone.env, capture_output=True, text=True,
                             timeout=60)
    assert version.stdout.strip() == f"Discourse Annotator {__version__}", version.stderr


def test_benchmark_block_runs_in_the_fresh_venv(fresh_clone: FreshClone) -> None:
    line = block(BENCHMARK)
    assert line == ".venv/bin/python -m benchmarks"
    done = run_line(line + " --only startup --samples 1", fresh_clone.root, fresh_clone.env, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "start-up of the command line, 1 fresh process per command" in done.stdout, done.stdout
    figures = re.findall(r"^annotator (--help|info) +(\d+\.\d) ms", done.stdout, re.MULTILINE)
    assert [name for name, _ in figures] == ["--help", "info"], done.stdout
    assert all(float(ms) > 0 for _, ms in figures)


# ----- the build line when the README's first command has not run (or not finished) ---------

BUILD_SH = "packaging/pyinstaller/build.sh"


def bare_venv(folder: Path) -> Path:
    """A virtual environment with nothing installed (not even pip): its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    return folder / "bin" / "python"


def build_check(cwd: Path, env: dict[str, str], script: Path) -> tuple[int, list[str]]:
    """`bash build.sh --check` from `cwd`: exit status and every line it printed (stdout and stderr)."""
    done = subprocess.run(["bash", str(script), "--check"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, encoding="utf-8", timeout=120)
    return done.returncode, done.stdout.splitlines()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What build.sh --check reads of a checkout (pyproject.toml, packaging/), with no .venv."""
    root = tmp_path / "checkout"
    shutil.copytree(ROOT / "packaging", root / "packaging")
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_build_without_a_venv_says_in_one_line_how_to_make_one(checkout: Path, tmp_path: Path) -> None:
    """The issue's case: no venv active, none in the checkout, python3 without the project."""
    env = user_env(tmp_path / "home")
    lacks = subprocess.run(["python3", "-c", "import importlib.metadata as m; m.distribution('discourse-annotator')"],
                           env=env, capture_output=True, timeout=60)
    if lacks.returncode == 0:
        pytest.skip("python3 on PATH has the project installed")
    status, lines = build_check(checkout, env, checkout / BUILD_SH)
    assert status == 1
    assert len(lines) == 2, lines  # which Python, then one line: not a line per missing package
    assert re.fullmatch(r"build\.sh: using python3 \(Python 3\.\d+\.\d+; python3 on PATH: no virtual environment "
                        r"is active and this checkout has no \.venv\)", lines[0]), lines[0]
    assert re.fullmatch(r"build\.sh: python3 lacks the project \(not installed: discourse-annotator, .+\); "
                        r"fix: python3 -m venv \.venv && \.venv/bin/pip install \.", lines[1]), lines[1]


def test_build_with_an_empty_checkout_venv_says_how_to_install_the_project(checkout: Path, tmp_path: Path) -> None:
    bare_venv(checkout / ".venv")
    status, lines = build_check(checkout, user_env(tmp_path / "home"), checkout / BUILD_SH)
    assert status == 1
    assert len(lines) == 2, lines
    assert re.fullmatch(r"build\.sh: using \.venv/bin/python \(Python 3\.\d+\.\d+; this checkout's \.venv; "
                        r"no virtual environment is active\)", lines[0]), lines[0]
    assert re.fullmatch(r"build\.sh: \.venv/bin/python lacks the project \(not installed: discourse-annotator, "
                        r"pyside6-essentials, sqlite-utils and \d+ more\); fix: \.venv/bin/python -m pip install \.",
                        lines[1]), lines[1]


def test_build_prefers_the_active_venv_then_python_from_the_environment(checkout: Path, tmp_path: Path) -> None:
    bare_venv(checkout / ".venv")
    active = bare_venv(tmp_path / "active")
    env = {**user_env(tmp_path / "home"), "VIRTUAL_ENV": str(active.parent.parent)}
    status, lines = build_check(checkout, env, checkout / BUILD_SH)
    assert status == 1 and lines[0].startswith(f"build.sh: using {active} (Python 3.")
    assert lines[0].endswith("; the active virtual environment)")
    assert len(lines) == 2 and lines[1].endswith(f"; fix: {active} -m pip install .")
    # From another folder, PYTHON given relative to it: used as given, paths shown as the caller types them.
    status, lines = build_check(tmp_path, {**env, "PYTHON": "active/bin/python"}, checkout / BUILD_SH)
    assert status == 1 and len(lines) == 2, lines
    assert re.fullmatch(r"build\.sh: using active/bin/python \(Python 3\.\d+\.\d+; set by PYTHON\)", lines[0])
    assert lines[1].endswith("; fix: active/bin/python -m pip install checkout")
    status, lines = build_check(tmp_path, {**env, "PYTHON": "no/such/python"}, checkout / BUILD_SH)
    assert (status, lines) == (1, ["build.sh: cannot run no/such/python (set by PYTHON)"])

"""Architecture rules: the import contracts of pyproject.toml, Qt only in annotator/gui, spaCy only lazily."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "annotator"
# import-linter's own command (`lint-imports`), run in a checkout so the checkout's code is read.
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; lint_imports_command(sys.argv[1:])"


def _lint_imports(checkout: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on a checkout with the contracts of its pyproject.toml (no cache left behind)."""
    return subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo"],
                          capture_output=True, text=True, cwd=checkout)


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"]: contract for contract in config["tool"]["importlinter"]["contracts"]}


def test_the_import_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_the_contracts_catch_function_level_imports_that_break_a_layer(tmp_path: Path) -> None:
    for folder in ("annotator", "benchmarks"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    lazy_imports = {
        "stats/percent.py": "def _qt():\n    from PySide6.QtCore import Qt\n",
        "formats/jsonl.py": "def _up():\n    from annotator.project import Project\n",
        "model.py": "def _bench():\n    import benchmarks.run\n",
    }
    for name, code in lazy_imports.items():
        with (tmp_path / "annotator" / name).open("a", encoding="utf-8") as module:
            module.write("\n\n" + code)
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 1 kept, 3 broken." in result.stdout, result.stdout
    assert "annotator.stats is not allowed to import PySide6" in result.stdout
    assert "annotator.stats.percent -> PySide6 (l." in result.stdout
    assert "annotator.formats is not allowed to import annotator.project" in result.stdout
    assert "annotator.model -> benchmarks.run" in result.stdout


def test_every_module_but_gui_is_kept_from_qt() -> None:
    top_level = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    top_level |= {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    sources = {name.removeprefix("annotator.") for name in _contracts()["qt-only-in-gui"]["source_modules"]}
    assert sources == top_level - {"gui"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _may_import_qt(path: Path) -> bool:
    """Whether a file's text names PySide6 or shiboken6 at all: an import of either, at any level,
    spells the name, so a file without it needs no parsing (most of the package)."""
    text = path.read_text(encoding="utf-8")
    return "PySide6" in text or "shiboken6" in text


def test_pyside6_is_imported_only_in_the_gui_package() -> None:
    outside_gui = [path for path in PACKAGE.rglob("*.py") if "gui" not in path.relative_to(PACKAGE).parts[:1]]
    assert len(outside_gui) > 50, "the scan found the package's modules"
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in outside_gui
        if _may_import_qt(path) and {"PySide6", "shiboken6"} & _imports(path)
    ]
    assert offenders == []


def test_the_rule_would_catch_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("def f():\n    from PySide6.QtCore import Qt\n", encoding="utf-8")
    assert _may_import_qt(sample) and "PySide6" in _imports(sample)
    sample.write_text("import shiboken6 as s\n", encoding="utf-8")
    assert _may_import_qt(sample) and "shiboken6" in _imports(sample)


def test_opening_a_project_imports_neither_qt_nor_spacy(tmp_path: Path) -> None:
    from annotator.project import Project

    Project.create(tmp_path / "p.annot").close()
    probe = (
        "import sys\n"
        "from annotator.project import Project\n"
        f"p = Project.open({str(tmp_path / 'p.annot')!r})\n"
        "p.info(); p.close()\n"
        "print('LOADED', 'spacy' in sys.modules, 'PySide6' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=PACKAGE.parent, env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"})
    assert "LOADED False False" in result.stdout, result.stderr

"""Architecture rules: Qt only in annotator/gui, spaCy only lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "annotator"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pyside6_is_imported_only_in_the_gui_package() -> None:
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if "gui" not in path.relative_to(PACKAGE).parts[:1] and {"PySide6", "shiboken6"} & _imports(path)
    ]
    assert offenders == []


def test_the_rule_would_catch_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("def f():\n    from PySide6.QtCore import Qt\n", encoding="utf-8")
    assert "PySide6" in _imports(sample)


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

"""Benchmarks live in benchmarks/ beside the package: nothing in annotator/ imports them, they
run as `python -m benchmarks` from the checkout, and their one project builder stores what
it is asked to, column by column."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.agreement import bench_layer
from benchmarks.run import SECTIONS, main
from benchmarks.synthetic import Span, build_project, make_articles

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "annotator"
# The modules the benchmarks used to live in; none may come back or be imported.
OLD_MODULES = ("annotator.bench", "annotator.ops.agreement.bench", "annotator.stats.benchmark",
               "annotator.gui.benchmark", "annotator.gui.editor.benchmark")
IMPORTERS = {"import_module", "__import__", "run_module", "run_path"}


def imported_modules(path: Path, module: str | None = None) -> set[str]:
    """Every module a file imports, anywhere in it (function-level and relative imports resolved,
    and string names given to importlib.import_module, __import__ or runpy); `module` is the
    file's dotted name (by default, from its place in the checkout)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if module is None:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.split(".")
    if path.name != "__init__.py" or module.endswith(".__init__"):
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in IMPORTERS and node.args and isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
    return found


def forbidden(modules: set[str]) -> set[str]:
    """The benchmark modules among `modules`."""
    return {m for m in modules
            if m == "benchmarks" or m.startswith("benchmarks.")
            or any(m == old or m.startswith(old + ".") for old in OLD_MODULES)}


def may_import_benchmarks(path: Path) -> bool:
    """Whether a file's text has "bench" at all: every name `forbidden` catches ends in bench or
    benchmark(s), and an import of it (absolute, relative or by a string constant) spells that
    last part, so a file without it needs no parsing (most of the package)."""
    return "bench" in path.read_text(encoding="utf-8")


def test_no_module_of_the_package_imports_benchmark_code() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100, "the scan found the package's modules"
    offenders = {str(path.relative_to(ROOT)): sorted(forbidden(imported_modules(path)))
                 for path in modules if may_import_benchmarks(path)}
    assert {path: names for path, names in offenders.items() if names} == {}
    left = [name for name in OLD_MODULES if (ROOT / (name.replace(".", "/") + ".py")).exists()]
    assert left == [], "benchmark code belongs in benchmarks/, outside the package"


def test_the_rule_catches_function_level_relative_and_dynamic_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..bench import make_articles\n"
                     "def g():\n    import benchmarks.synthetic\n"
                     "def h():\n    importlib.import_module('benchmarks')\n"
                     "from .agreement import bench\n"
                     "from .agreement import compute\n", encoding="utf-8")
    assert may_import_benchmarks(probe)
    found = imported_modules(probe, "annotator.ops.probe")
    assert forbidden(found) == {"annotator.bench", "annotator.bench.make_articles", "benchmarks.synthetic",
                                "benchmarks", "annotator.ops.agreement.bench"}


def test_python_m_benchmarks_shows_its_help_from_the_checkout() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m benchmarks")
    assert all(name in done.stdout for name in SECTIONS)
    # The README's benchmark test runs each start-up command once: the option says so honestly.
    assert re.search(r"--samples N\s+fresh processes per command of the startup section,\s+the median printed "
                     r"\(default 5\)", done.stdout), done.stdout


def test_samples_below_one_is_refused_with_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    """(That --samples 1 runs each command once is checked by the README's benchmark test.)"""
    with pytest.raises(SystemExit) as stop:
        main(["--only", "startup", "--samples", "0"])
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and "--samples: at least 1" in err and out == "", err


def test_an_unknown_section_is_named_with_exit_status_2() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "startup,speed"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown section 'speed'" in done.stderr
    assert done.stdout == ""  # nothing was run before the bad name was found


def test_the_large_project_sections_run_on_small_sizes() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "open,export,merge,integrity",
                           "--documents", "10", "--annotations", "200", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert figures["open"]["documents"] == 10 and figures["open"]["open_first_screen_s"] > 0
    assert figures["export"]["annotations"] == 200 and figures["export"]["jsonl_s"] >= 0
    assert figures["merge"]["annotations_added"] == 200 and figures["merge"]["documents_matched"] == 1
    assert figures["merge"]["second_merge_changed"] is False
    assert figures["integrity"]["quick_check_s"] > 0


def test_the_builder_stores_each_span_in_its_own_columns(tmp_path: Path) -> None:
    texts = make_articles(3, chars=400, seed=2)
    wanted = [Span("ada", "Framing", "Economic", 0, 7), Span("ben", "Stance", "Against", 8, 20, {"target": "the levy"})]

    def spans(position: int, segmentation: object, book: object) -> list[Span]:
        return wanted if position == 1 else []

    path = tmp_path / "built.annot"
    ids = build_project(path, texts, annotators=["ada", "ben"], spans=spans, done=True)
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT a.document_id, n.name, y.name, l.name, a.span_start, a.span_end, a.attributes, a.note "
        "FROM annotations a JOIN annotators n ON n.id = a.annotator_id JOIN layers y ON y.id = a.layer_id "
        "JOIN labels l ON l.id = a.label_id ORDER BY a.span_start").fetchall()
    statuses = conn.execute("SELECT COUNT(*) FROM document_status WHERE status = 'done'").fetchone()[0]
    stored_texts = [row[0] for row in conn.execute(
        "SELECT c.text FROM documents d JOIN document_content c ON c.document_id = d.id ORDER BY d.position")]
    conn.close()
    assert rows == [(ids[1], "ada", "Framing", "Economic", 0, 7, "{}", ""),
                    (ids[1], "ben", "Stance", "Against", 8, 20, '{"target": "the levy"}', "")]
    assert statuses == 6 and stored_texts == texts


def test_the_agreement_section_builds_a_project_and_times_every_measure() -> None:
    result = bench_layer(n_documents=12, n_annotators=3, spans_each=10, runs=1)
    assert result["annotations"] == 360
    assert 0 < result["all_measures_token_best_s"] <= result["all_measures_token_first_s"]
    assert result["alpha_token"] is not None and -1.0 <= result["alpha_token"] <= 1.0


def test_no_benchmark_writes_rows_by_position() -> None:
    # `INSERT INTO t VALUES (?, …)` puts values by the table's column order: a schema change
    # shifts them silently. Rows go in through named columns (synthetic.insert_rows) only.
    positional = [f"{path.name}:{number}" for path in sorted((ROOT / "benchmarks").glob("*.py"))
                  for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if re.search(r"INTO\s+\w+\s+VALUES", line, re.IGNORECASE)]
    assert positional == []

"""Smoke test of the built one-folder app: --version, new/import/info/export, the demo window.

Run with the Python that built it, from anywhere:

    python packaging/pyinstaller/smoke_test.py [dist/annotator] [--runs 5]

Every check runs the frozen binary in a child process with its own data and settings folders
(XDG_DATA_HOME / XDG_CONFIG_HOME: Linux only; on Windows and macOS the demo project and one
settings key go to the user's own folders). Prints each check, the start-up times (medians of
--runs starts) and the folder's size; exits non-zero at the first failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DIST = ROOT / "dist" / "annotator"
TIMEOUT = 60
SMOKE_EXIT_ENV = "ANNOTATOR_SMOKE_EXIT_MS"
SMOKE_CHARTS_ENV = "ANNOTATOR_SMOKE_CHARTS"  # annotator/gui/app.py: save the frequency chart there
SHOWN = re.compile(r"annotator: visible=(\w+) icons=(\d+) title='(.*)' project=(.*)")
LOADED = re.compile(r"annotator: loaded at start: (.*)")
CHARTS = re.compile(r"annotator: charts: (.*)")
# Modules the frozen app must carry for features the smoke test cannot click: the analysis
# windows' charts (matplotlib with its Qt backend, PDF export) and the Parquet export.
BUNDLED_MODULES = ("matplotlib.backends.backend_qtagg", "matplotlib.backends.backend_pdf",
                   "matplotlib.backends.backend_svg", "pyarrow.parquet")
ICON_SIZES = 9  # resources/icons/discourse-annotator-{16,22,24,32,48,64,128,256,512}.png
# The languages the New-project dialog offers (annotator/gui/dialogs/new_project.py), all
# blank spaCy pipelines; tests/test_packaging.py checks that the two lists agree.
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "xx")

# Written for this test: an emoji (astral), a combining accent, non-breaking spaces, CRLF.
GERMAN_TEXT = (
    "Der Stadtrat stimmte mit 7\u00a0zu 2 für die Gebühr \U0001F697.\r\n"
    "Kritiker nannten sie eine Steuer auf Pendler, und José\u0301 Ortega sagte: \u201eDas ist Raub.\u201c\r\n"
)
GERMAN_PAGE = (
    "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>Gebühr beschlossen</title>"
    "<meta name='author' content='Test Redaktion'></head><body><nav>Startseite | Politik</nav>"
    "<article><h1>Gebühr beschlossen</h1>"
    "<p>Der Stadtrat hat am Montag eine Gebühr für Autos in der Innenstadt beschlossen, die ab dem "
    "nächsten Jahr gelten soll. Kritiker sprechen von einer Steuer auf Pendler \U0001F4B6.</p>"
    "<p>Befürworter erwarten sauberere Luft bis 2030 und weniger Staus in den engen Straßen der "
    "Altstadt; die Händler\u00a0bleiben skeptisch.</p></article><footer>Impressum</footer></body></html>"
)
MARKDOWN_NOTE = "---\ntitle: Notiz\n---\nEine kurze Notiz über die Gebühr.\n\nZweiter Absatz \U0001F600.\n"
CODED_TEXT = "Die Gebühr \U0001F4B6 kostet Pendler viel Geld."
CODED_SPAN = "kostet Pendler viel Geld"
# build.sh puts the notices of packaging/collect_licenses.py in licenses/ beside the binary:
# the index, and per distribution a file with its licence texts. Each of these must be
# there, with words of its licence (Qt: the LGPL v3; spaCy: MIT; numpy: BSD).
NOTICES_INDEX = "THIRD-PARTY-NOTICES.txt"
NOTICES_EXPECTED = {
    "PySide6-Essentials": ("pyside6-essentials.txt", "GNU LESSER GENERAL PUBLIC LICENSE"),
    "spacy": ("spacy.txt", "Permission is hereby granted"),
    "numpy": ("numpy.txt", "Redistribution and use in source and binary forms"),
}


class SmokeFailure(Exception):
    """A check of the built app failed."""


def binary_in(dist: Path) -> Path:
    """The executable inside the one-folder build (or `dist` itself if it is the executable)."""
    if dist.is_file():
        return dist
    for name in ("annotator.exe", "annotator", "Contents/MacOS/annotator"):
        if (dist / name).is_file():
            return dist / name
    raise SmokeFailure(f"no annotator executable in {dist}")


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of every child: offscreen Qt, data and settings under `home`."""
    env = dict(os.environ)
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop(SMOKE_EXIT_ENV, None)
    return env


def run(binary: Path, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the frozen app; fail with its stderr unless it exits with status 0."""
    done = subprocess.run([str(binary), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=TIMEOUT)
    if done.returncode != 0:
        raise SmokeFailure(f"`annotator {' '.join(args)}` exited with {done.returncode}:\n{done.stderr.strip()}")
    return done


def expected_version() -> str:
    """The version in the source tree (annotator/__init__.py)."""
    source = (ROOT / "annotator" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', source)
    if match is None:
        raise SmokeFailure("no __version__ in annotator/__init__.py")
    return match.group(1)


def check_layout(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """resources/ sits in the bundle where the wheel puts it: annotator/resources."""
    # one-folder: _internal/ beside the binary; macOS .app: Contents/Resources (data files)
    bases = [binary.parent / "_internal", binary.parent.parent / "Resources", binary.parent]
    shipped = next((base for base in bases if base.is_dir()), binary.parent) / "annotator" / "resources"
    for part in ("codebooks/news-discourse.toml", "demo/demo.jsonl", "icons/discourse-annotator-256.png"):
        if not (shipped / part).is_file():
            raise SmokeFailure(f"{part} is not in the bundle at {shipped}")


def notices_folder(binary: Path) -> Path:
    """Where the licence texts sit: licenses/ beside the binary (in Contents/Resources in a macOS .app)."""
    if binary.parent.name == "MacOS":
        return binary.parent.parent / "Resources" / "licenses"
    return binary.parent / "licenses"


def check_licences(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """licenses/ holds the index and the licence texts of Qt (PySide6), spaCy and numpy."""
    folder = notices_folder(binary)
    index = folder / NOTICES_INDEX
    if not index.is_file():
        raise SmokeFailure(f"no {NOTICES_INDEX} in {folder} (build.sh runs packaging/collect_licenses.py)")
    listed = index.read_text(encoding="utf-8").splitlines()
    for name, (file_name, words) in NOTICES_EXPECTED.items():
        line = next((line for line in listed if line.split()[:1] == [name]), None)
        if line is None or f"[{file_name}" not in line or "NO LICENCE TEXT" in line:
            raise SmokeFailure(f"{NOTICES_INDEX} does not list {name} with its licence text: {line!r}")
        notice = folder / file_name
        text = notice.read_text(encoding="utf-8") if notice.is_file() else ""
        if not re.search(r"^Version: \S+", text, re.MULTILINE) or words not in text:
            raise SmokeFailure(f"{notice} lacks the version or the licence text of {name} ({words!r})")


def check_version(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """`annotator --version` names the source tree's version."""
    printed = run(binary, ["--version"], env, cwd).stdout.strip()
    if printed != f"Discourse Annotator {expected_version()}":
        raise SmokeFailure(f"--version printed {printed!r}")


def check_languages(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """`annotator new` works with every offered language (spaCy's lang modules are bundled)."""
    for language in LANGUAGES:
        path = cwd / f"lang-{language}.annot"
        data = json.loads(run(binary, ["new", str(path), "--lang", language, "--json"], env, cwd).stdout)
        if data["language"] != language or not path.is_file():
            raise SmokeFailure(f"new --lang {language} reported {data}")


def write_inputs(folder: Path) -> list[Path]:
    """A .txt (CRLF), a saved news page, a Markdown note, a .docx and native JSONL coded by "ada"."""
    folder.mkdir()
    text = folder / "rat.txt"
    text.write_bytes(GERMAN_TEXT.encode("utf-8"))
    page = folder / "gebuehr.html"
    page.write_text(GERMAN_PAGE, encoding="utf-8")
    note = folder / "notiz.md"
    note.write_text(MARKDOWN_NOTE, encoding="utf-8")
    docx = folder / "brief.docx"
    write_docx(docx, ["Ein Brief über die Gebühr \U0001F4EC.", "Zweiter Satz mit\u00a0Leerzeichen."])
    coded = folder / "kodiert.jsonl"
    start = CODED_TEXT.index(CODED_SPAN)
    span = {"start": start, "end": start + len(CODED_SPAN), "layer": "Framing", "label": "Economic",
            "annotator": "ada"}
    coded.write_text(json.dumps({"text": CODED_TEXT, "meta": {"title": "Kodiert"}, "spans": [span]},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    return [text, page, note, docx, coded]


def write_docx(path: Path, paragraphs: list[str]) -> None:
    """A minimal WordprocessingML document, written by hand so the test needs no python-docx."""
    body = "".join(f"<w:p><w:r><w:t xml:space='preserve'>{p}</w:t></w:r></w:p>" for p in paragraphs)
    document = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
                "<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
                f"<w:body>{body}</w:body></w:document>")
    content_types = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
        "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'>"
        "<Default Extension='rels' ContentType='application/vnd.openxmlformats-package.relationships+xml'/>"
        "<Default Extension='xml' ContentType='application/xml'/>"
        "<Override PartName='/word/document.xml' "
        "ContentType='application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'/>"
        "</Types>")
    relationships = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
        "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>"
        "<Relationship Id='rId1' Target='word/document.xml' "
        "Type='http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument'/>"
        "</Relationships>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", relationships)
        archive.writestr("word/document.xml", document)


def check_import(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """Import .txt/.html/.md/.docx into a German project; tokens, sentences and export look right."""
    project = cwd / "studie.annot"
    run(binary, ["new", str(project), "--lang", "de"], env, cwd)
    inputs = write_inputs(cwd / "inputs")
    report = json.loads(run(binary, ["import", str(project), *map(str, inputs), "--json"], env, cwd).stdout)
    if report["imported"] != len(inputs) or report["failed"]:
        raise SmokeFailure(f"import reported {report}")
    info = json.loads(run(binary, ["info", str(project), "--json"], env, cwd).stdout)
    if info["documents"] != len(inputs) or info["language"] != "de":
        raise SmokeFailure(f"info reported {info['documents']} documents in {info['language']}")
    if not info["tokens"] > info["sentences"] >= len(inputs):
        raise SmokeFailure(f"implausible segmentation: {info['tokens']} tokens, {info['sentences']} sentences")
    out = cwd / "studie.jsonl"
    run(binary, ["export", str(project), "--out", str(out)], env, cwd)
    texts = [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]
    wanted = GERMAN_TEXT.replace("\r\n", "\n")
    if wanted not in texts:
        raise SmokeFailure("the exported .txt document differs from the input (CRLF to LF, nothing else)")
    if not any("Stadtrat hat am Montag" in text and "<p>" not in text for text in texts):
        raise SmokeFailure("the news page's main text was not extracted")
    if not any("Brief über die Gebühr \U0001F4EC" in text for text in texts):
        raise SmokeFailure("the .docx text was not imported")
    spans = [(record["text"][span["start"]:span["end"]], span["annotator"])
             for record in map(json.loads, out.read_text(encoding="utf-8").splitlines()) for span in record["spans"]]
    if spans != [(CODED_SPAN, "ada")]:
        raise SmokeFailure(f"the coded span came back as {spans}")


def check_import_worker(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """A large import segments in a worker process: the frozen binary started again with
    --segment-worker. Forced here on a small folder; the offsets must match an import
    kept in one process."""
    folder = cwd / "many"
    folder.mkdir()
    for n in range(80):
        (folder / f"{n:03d}.txt").write_text(f"Artikel {n}. " + GERMAN_TEXT, encoding="utf-8")
    stored = []
    for forced in ("1", "0"):
        project = cwd / f"worker{forced}.annot"
        run(binary, ["new", str(project), "--lang", "de"], env, cwd)
        report = json.loads(run(binary, ["import", str(project), str(folder), "--json"],
                                {**env, "ANNOTATOR_SEGMENT_WORKER": forced}, cwd).stdout)
        if report["imported"] != 80 or report["failed"] or report["spacy_worker"] != (forced == "1"):
            raise SmokeFailure(f"import with ANNOTATOR_SEGMENT_WORKER={forced} reported {report}")
        info = json.loads(run(binary, ["info", str(project), "--json"], env, cwd).stdout)
        stored.append((info["tokens"], info["sentences"]))
    if stored[0] != stored[1]:
        raise SmokeFailure(f"worker and one-process imports differ: {stored}")


def seed_annotator(env: dict[str, str], project: Path, name: str) -> None:
    """Remember `name` as the annotator of `project` in the child's settings (no identity dialog)."""
    code = ("import sys; from pathlib import Path; from annotator.gui.settings import AppSettings; "
            "s = AppSettings(); s.set_annotator_for(Path(sys.argv[1]), sys.argv[2]); s.sync()")
    subprocess.run([sys.executable, "-c", code, str(project), name], env={**env, "PYTHONPATH": str(ROOT)},
                   check=True, timeout=TIMEOUT)


def demo_path(env: dict[str, str]) -> Path:
    """Where the frozen app keeps the demo project in this environment."""
    code = "from annotator.ops.demo import DEMO_NAME, data_dir; print(data_dir() / DEMO_NAME)"
    done = subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT)}, check=True,
                          capture_output=True, text=True, timeout=TIMEOUT)
    return Path(done.stdout.strip())


def open_window(binary: Path, args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Start the GUI, which reports and quits once its window is shown: seconds to shown, to exit, and the report."""
    started = time.monotonic()
    child = subprocess.Popen([str(binary), *args], env={**env, SMOKE_EXIT_ENV: "0"}, cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    assert child.stderr is not None
    watchdog = threading.Timer(TIMEOUT, child.kill)  # a modal dialog would wait for ever
    watchdog.start()
    shown_at, report, errors = 0.0, "", []
    try:
        for line in child.stderr:
            if SHOWN.match(line) and not report:
                shown_at, report = time.monotonic() - started, line.strip()
            elif LOADED.match(line) or CHARTS.match(line):
                report += "\n" + line.strip()
            else:
                errors.append(line)
        status = child.wait(timeout=TIMEOUT)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
    exited_at = time.monotonic() - started
    if status != 0 or not report:
        raise SmokeFailure(f"`annotator {' '.join(args)}` exited with {status}, report {report!r}:\n{''.join(errors)}")
    if "Traceback" in "".join(errors):
        raise SmokeFailure(f"`annotator {' '.join(args)}` printed an error:\n{''.join(errors)}")
    return shown_at, exited_at, report


def check_demo_window(binary: Path, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """`annotator --demo` builds the demo project, shows it and exits with status 0."""
    demo = demo_path(env)
    seed_annotator(env, demo, "ada")
    shown, exited, report = open_window(binary, ["--demo"], env, cwd)
    match = SHOWN.match(report)
    assert match is not None
    visible, icons, title, project = match.groups()
    if visible != "True" or Path(project) != demo or not title.startswith(demo.name) or int(icons) != ICON_SIZES:
        raise SmokeFailure(f"the demo window is not what it should be: {report}")
    return shown, exited  # this first start imported the demo's articles with spaCy: no check of what loaded


def check_parquet(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """`export --format parquet` (pyarrow, trimmed in the spec) writes tables pyarrow reads back."""
    project = cwd / "studie.annot"  # made by check_import
    out = cwd / "parquet"
    out.mkdir()
    run(binary, ["export", str(project), "--format", "parquet", "--out", str(out / "studie")], env, cwd)
    import pyarrow.parquet as pq  # the building Python has the project's dependencies

    documents = pq.read_table(out / "studie" / "documents.parquet")
    annotations = pq.read_table(out / "studie" / "annotations.parquet")
    if documents.num_rows != 5 or annotations.num_rows != 1:  # what check_import stored
        raise SmokeFailure(f"the Parquet export holds {documents.num_rows} documents, {annotations.num_rows} annotations")


def check_bundled_modules(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """The chart backend and pyarrow.parquet are in the frozen app's module archive."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(binary))
    pyz = next((name for name in archive.toc if name.endswith(".pyz")), None)
    names: set[str] = set(archive.open_embedded_archive(pyz).toc) if pyz else set()
    missing = [module for module in BUNDLED_MODULES if module not in names]
    if missing:
        raise SmokeFailure(f"not in the frozen app: {', '.join(missing)}")


def check_charts(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """Analyze → Frequencies on the demo saves its chart as PNG (Pillow), SVG and PDF (fontTools)."""
    folder = cwd / "charts"
    folder.mkdir()
    _, _, report = open_window(binary, [str(demo_path(env))], {**env, SMOKE_CHARTS_ENV: str(folder)}, cwd)
    saved = CHARTS.search(report)
    if saved is None or saved.group(1) != "frequencies.png, frequencies.svg, frequencies.pdf":
        raise SmokeFailure(f"the frequency chart was not saved: {report}")
    png, svg, pdf = ((folder / f"frequencies.{suffix}").read_bytes() for suffix in ("png", "svg", "pdf"))
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or b"<svg" not in svg or not pdf.startswith(b"%PDF"):
        raise SmokeFailure(f"the chart files in {folder} are not PNG, SVG and PDF")
    if not re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", pdf):
        raise SmokeFailure("the PDF chart does not embed its labels' font (matplotlib's DejaVu Sans subset)")


def check_open_project(binary: Path, env: dict[str, str], cwd: Path) -> None:
    """`annotator PROJECT` opens the project made by the frozen command line (as "ada", its coder)."""
    project = cwd / "studie.annot"
    seed_annotator(env, project, "ada")
    _, _, report = open_window(binary, [str(project)], env, cwd)
    if f"project={project}" not in report:
        raise SmokeFailure(f"the project window is not what it should be: {report}")
    loaded = LOADED.search(report)
    if loaded is None or loaded.group(1) != "-":
        raise SmokeFailure(f"the first window loaded what only some windows and commands need: {report}")


def timings(binary: Path, env: dict[str, str], cwd: Path, runs: int) -> dict[str, float]:
    """Median seconds of `--version` and of the demo window (shown, and process ended) over `runs` starts."""
    version = []
    for _ in range(runs):
        started = time.monotonic()
        run(binary, ["--version"], env, cwd)
        version.append(time.monotonic() - started)
    shown, exited = [], []
    for _ in range(runs):
        first, last, _ = open_window(binary, ["--demo"], env, cwd)
        shown.append(first)
        exited.append(last)
    return {"version": statistics.median(version), "demo_shown": statistics.median(shown),
            "demo_exited": statistics.median(exited)}


def folder_size(folder: Path) -> int:
    """Bytes of every file under `folder`."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def main(argv: list[str] | None = None) -> int:
    """Run every check against the built app and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", nargs="?", type=Path, default=DEFAULT_DIST, help="the one-folder build")
    parser.add_argument("--runs", type=int, default=5, help="starts per timing (median; default 5)")
    args = parser.parse_args(argv)
    try:
        binary = binary_in(args.dist.resolve())
        with tempfile.TemporaryDirectory(prefix="annotator-smoke-") as folder:
            home = Path(folder)
            env = isolated_env(home)
            work = home / "work"
            work.mkdir()
            steps = [("resources bundled as annotator/resources", check_layout),
                     ("licence texts in licenses/ (Qt, spaCy, numpy)", check_licences), ("--version", check_version),
                     ("new --lang (every offered language)", check_languages),
                     ("import .txt .html .md .docx .jsonl, info, export", check_import),
                     ("import segmented in a worker process (--segment-worker)", check_import_worker),
                     ("export --format parquet (pyarrow)", check_parquet),
                     ("chart backend and pyarrow.parquet bundled", check_bundled_modules)]
            for name, step in steps:
                step(binary, env, work)
                print(f"ok   {name}")
            first_shown, first_exited = check_demo_window(binary, env, work)
            print(f"ok   --demo offscreen (first start builds the demo: shown {first_shown:.2f} s, "
                  f"exited {first_exited:.2f} s)")
            check_charts(binary, env, work)
            print("ok   Analyze → Frequencies on the demo: chart saved as PNG, SVG and PDF")
            check_open_project(binary, env, work)
            print("ok   open a project file made by the frozen command line, loading no matplotlib, pyarrow, "
                  "spaCy, thinc or numpy")
            if args.runs > 0:
                figures = timings(binary, env, work, args.runs)
                print(f"time --version {figures['version']:.2f} s; demo window shown {figures['demo_shown']:.2f} s, "
                      f"process ended {figures['demo_exited']:.2f} s (medians of {args.runs} starts)")
    except (SmokeFailure, subprocess.TimeoutExpired, subprocess.CalledProcessError) as error:
        print(f"FAIL {error}", file=sys.stderr)
        return 1
    folder = binary.parent
    print(f"size {folder_size(folder) / 2**20:.0f} MiB in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

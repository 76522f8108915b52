"""Write the licence texts of every distribution the app depends on into one folder.

    python packaging/collect_licenses.py OUT [--strict] [--requirement NAME ...] [--path DIR ...]
    python packaging/collect_licenses.py --missing    (what build.sh checks first)

Walks the transitive closure of the app's requirements (the `dependencies` of this
checkout's pyproject.toml; not the optional test extras) in the running interpreter's
environment and writes, into OUT:

- one file per distribution, named after its normalised name (`numpy.txt`,
  `pyside6-essentials.txt`): name, version, licence expression and classifiers, home
  page, then the full text of every licence, copying or notice file it ships (the
  dist-info `licenses/` folder, its License-File entries, LICENSE*/COPYING*/NOTICE*
  files in its RECORD);
- `python.txt`: the licence of the Python interpreter the folder bundles;
- THIRD-PARTY-NOTICES.txt: an index of them all, with version and licence.

A distribution that ships no licence file gets the standard text of the licence its
metadata names, read from a folder of standard texts (`packaging/licenses/`, then the
system's `/usr/share/common-licenses`; more with --standard-texts). One without any text
is listed as such in the index, and with --strict the script then exits with status 1.

Standard library only, so that it runs in any build environment.
"""

from __future__ import annotations

import argparse
import email.message
import functools
import hashlib
import importlib.metadata
import os
import platform
import re
import sys
import sysconfig
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
INDEX_NAME = "THIRD-PARTY-NOTICES.txt"
MISSING = "NO LICENCE TEXT FOUND"
STANDARD_TEXT_DIRS = (ROOT / "packaging" / "licenses", Path("/usr/share/common-licenses"))

# A file is a licence text when its name says so: LICENSE, LICENCE.txt, COPYING.md,
# NOTICE, LICENSE-APACHE, dragon4_LICENSE.txt, COPYING_QHULL.txt, ...
LICENCE_NAME = re.compile(r"(^|[._-])(licen[cs]es?|copying|notice)([._-]|$)", re.IGNORECASE)
NOT_TEXT_SUFFIXES = {
    ".py", ".pyc", ".pyi", ".pyd", ".pyx", ".pxd", ".so", ".dll", ".dylib", ".exe", ".h", ".hpp", ".c",
    ".cpp", ".js", ".json", ".html", ".htm", ".css", ".qml", ".qm", ".png", ".svg", ".ico", ".xml", ".toml",
}

# Distributions whose wheels ship no licence file and whose metadata names the licence in
# words rather than as an SPDX id: the SPDX id of the licence named there.
# dkpro-cassis 0.12: "License: Apache License", classifier "Apache Software License"; the
# DKPro projects use the Apache License 2.0.
NAMED_LICENCE = {"dkpro-cassis": "Apache-2.0"}
# The LGPL v3 is a set of additional permissions on top of the GPL v3: passing on one
# means passing on both (LGPL-3.0 section 4(b)).
ALSO_NEEDS = {"LGPL-3.0": ("GPL-3.0",)}


@dataclass
class LicenceText:
    """One licence text: where it came from and what it says."""

    source: str
    text: str


@dataclass
class Distribution:
    """What the notices say about one installed distribution."""

    name: str
    version: str
    licence: str
    classifiers: list[str]
    home_page: str
    required_by: str
    texts: list[LicenceText] = field(default_factory=list)
    standard_texts: bool = False  # the texts are standard ones: the distribution ships none

    @property
    def file_name(self) -> str:
        """The name of its file in the output folder."""
        return f"{normalise(self.name)}.txt"


# ----- requirements and environment markers (PEP 508), without third-party packages ------


def normalise(name: str) -> str:
    """A distribution name in PEP 503 normal form: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def display_name(name: str) -> str:
    """A distribution name as its project spells it, with dashes: PySide6-Essentials."""
    return re.sub(r"[-_.]+", "-", name)


@dataclass(frozen=True)
class Requirement:
    """The parts of a PEP 508 requirement the walk needs: name, extras, marker."""

    name: str
    extras: frozenset[str]
    marker: str


REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def parse_requirement(line: str) -> Requirement:
    """Split a requirement string such as `foo[bar]>=1; python_version < "3.12"`."""
    spec, _, marker = line.partition(";")
    match = REQUIREMENT.match(spec)
    if match is None:
        raise ValueError(f"not a requirement: {line!r}")
    extras = frozenset(normalise(extra.strip()) for extra in (match.group(2) or "").split(",") if extra.strip())
    return Requirement(normalise(match.group(1)), extras, marker.strip())


MARKER_TOKEN = re.compile(
    r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)"""
    r"""|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"""
)


def marker_environment(extra: str) -> dict[str, str]:
    """The PEP 508 marker variables of the running interpreter, with `extra` set."""
    implementation = sys.implementation
    version = implementation.version
    implementation_version = f"{version.major}.{version.minor}.{version.micro}"
    if version.releaselevel != "final":
        implementation_version += f"{version.releaselevel[0]}{version.serial}"
    return {
        "os_name": os.name, "sys_platform": sys.platform, "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(), "platform_system": platform.system(),
        "platform_version": platform.version(), "python_version": ".".join(platform.python_version_tuple()[:2]),
        "python_full_version": platform.python_version(), "implementation_name": implementation.name,
        "implementation_version": implementation_version, "extra": extra,
    }


def version_key(text: str) -> tuple[int, ...] | None:
    """The numeric release of a version ("3.11.7" -> (3, 11, 7)), or None if it has none."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", text)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def compare(left: str, op: str, right: str) -> bool:
    """One marker comparison: as versions when both sides are versions, else as strings."""
    op = " ".join(op.split())
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    if op == "===":
        return left == right
    if op in ("==", "!=") and right.endswith(".*"):
        prefix = version_key(right[:-2])
        matched = prefix is not None and (version_key(left) or ())[:len(prefix)] == prefix
        return matched if op == "==" else not matched
    a, b = version_key(left), version_key(right)
    if a is None or b is None or re.search(r"[A-Za-z]", left + right):
        a, b = left, right  # type: ignore[assignment]  # plain strings (os_name == "nt")
    else:
        width = max(len(a), len(b))
        a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    if op == "~=":
        release = version_key(right) or ()
        return a >= b and (version_key(left) or ())[:len(release) - 1] == release[:-1]  # type: ignore[operator]
    results = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}  # type: ignore[operator]
    return results[op]


def marker_holds(marker: str, environment: dict[str, str]) -> bool:
    """Whether a PEP 508 environment marker is true in `environment`."""
    if not marker:
        return True
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(marker.rstrip()):
        match = MARKER_TOKEN.match(marker, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read the marker {marker!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()

    def value(at: int) -> tuple[str, int]:
        kind, text = tokens[at]
        if kind == "string":
            return text[1:-1], at + 1
        if kind == "word" and text in environment:
            return environment[text], at + 1
        raise ValueError(f"unknown marker value {text!r} in {marker!r}")

    def atom(at: int) -> tuple[bool, int]:
        if tokens[at] == ("paren", "("):
            result, at = either(at + 1)
            return result, at + 1  # the closing parenthesis
        left, at = value(at)
        left_is_extra = tokens[at - 1] == ("word", "extra")
        op = tokens[at][1]
        right, at = value(at + 1)
        if left_is_extra or tokens[at - 1] == ("word", "extra"):
            left, right = normalise(left), normalise(right)
        return compare(left, op, right), at

    def both(at: int) -> tuple[bool, int]:
        result, at = atom(at)
        while at < len(tokens) and tokens[at] == ("word", "and"):
            other, at = atom(at + 1)
            result = result and other
        return result, at

    def either(at: int) -> tuple[bool, int]:
        result, at = both(at)
        while at < len(tokens) and tokens[at] == ("word", "or"):
            other, at = both(at + 1)
            result = result or other
        return result, at

    return either(0)[0]


def project_requirements(pyproject: Path) -> list[str]:
    """The run-time dependencies of the project (optional extras such as `test` left out)."""
    return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"])


def project_name(pyproject: Path) -> str:
    """The project's own distribution name (`discourse-annotator`)."""
    return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["name"])


class ReadOnce(importlib.metadata.PathDistribution):
    """An installed distribution whose METADATA is parsed once: importlib.metadata parses it again
    at every `.metadata`, `.version` and `.requires` (two thirds of this script's time)."""

    @functools.cached_property
    def metadata(self) -> email.message.Message:  # type: ignore[override]
        """The parsed METADATA file, kept."""
        return super().metadata  # type: ignore[return-value]


def installed_distributions(path: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """The distributions installed on `path` by normalised name; the first on the path wins."""
    installed: dict[str, importlib.metadata.Distribution] = {}
    for distribution in importlib.metadata.distributions(path=path):
        if type(distribution) is importlib.metadata.PathDistribution:
            distribution = ReadOnce(distribution._path)  # type: ignore[attr-defined]
        installed.setdefault(normalise(distribution.metadata["Name"] or ""), distribution)
    return installed


def missing_distributions(requirements: list[str], path: list[str]) -> list[str]:
    """The project's distribution and the required ones that are not installed (empty if all are)."""
    installed = installed_distributions(path)
    project = [] if normalise(project_name(PYPROJECT)) in installed else [project_name(PYPROJECT)]
    return project + dependency_closure(requirements, path, installed)[1]


def dependency_closure(requirements: Iterable[str], path: list[str],
                       installed: dict[str, importlib.metadata.Distribution] | None = None,
                       ) -> tuple[list[tuple[importlib.metadata.Distribution, str]], list[str]]:
    """Every distribution the requirements need, directly or not, with the first one that
    asked for it; and the names of required distributions that are not installed
    (`installed`: installed_distributions(path), when the caller has it already)."""
    if installed is None:
        installed = installed_distributions(path)
    found: dict[str, tuple[importlib.metadata.Distribution, str]] = {}
    missing: list[str] = []
    walked: set[tuple[str, str]] = set()  # (distribution, extra) pairs whose requirements were read
    queue = [(parse_requirement(line), "discourse-annotator") for line in requirements]
    while queue:
        requirement, parent = queue.pop(0)
        distribution = installed.get(requirement.name)
        if distribution is None:
            if requirement.name not in missing:
                missing.append(requirement.name)
            continue
        found.setdefault(requirement.name, (distribution, parent))
        for extra in ("", *sorted(requirement.extras)):
            if (requirement.name, extra) in walked:
                continue
            walked.add((requirement.name, extra))
            environment = marker_environment(extra)
            for line in distribution.requires or []:
                needed = parse_requirement(line)
                # with an extra, only the requirements that extra adds
                if marker_holds(needed.marker, environment) and (
                        not extra or not marker_holds(needed.marker, marker_environment(""))):
                    queue.append((needed, display_name(distribution.metadata["Name"])))
    return list(found.values()), missing


# ----- licence texts ---------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A text file's contents, whatever its encoding claims."""
    return path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").strip()


def metadata_folder(distribution: importlib.metadata.Distribution) -> Path | None:
    """The .dist-info (or .egg-info) folder of an installed distribution."""
    folder = getattr(distribution, "_path", None)  # PathDistribution: the only kind pip installs
    return Path(folder) if folder is not None else None


def licence_files(distribution: importlib.metadata.Distribution) -> Iterator[tuple[str, Path]]:
    """Every licence, copying or notice file a distribution ships, as (shown name, path)."""
    folder = metadata_folder(distribution)
    if folder is not None:
        licences = folder / "licenses"
        if licences.is_dir():
            for path in sorted(p for p in licences.rglob("*") if p.is_file()):
                yield f"{folder.name}/{path.relative_to(folder).as_posix()}", path
        for entry in distribution.metadata.get_all("License-File") or []:
            for path in (licences / entry, folder / entry):  # metadata 2.4 puts them in licenses/
                if path.is_file():
                    yield f"{folder.name}/{path.relative_to(folder).as_posix()}", path
                    break
    for record in distribution.files or []:
        name = PurePosixPath(str(record)).name
        if LICENCE_NAME.search(name) and PurePosixPath(name).suffix.lower() not in NOT_TEXT_SUFFIXES:
            path = Path(distribution.locate_file(record))
            if path.is_file():
                yield str(record), path


def shipped_texts(distribution: importlib.metadata.Distribution) -> list[LicenceText]:
    """The distinct licence texts a distribution ships, each once."""
    texts: list[LicenceText] = []
    seen: set[str] = set()
    for shown, path in licence_files(distribution):
        text = read_text(path)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if text and digest not in seen:
            seen.add(digest)
            texts.append(LicenceText(shown, text))
    long_field = distribution.metadata["License"] or ""
    if not texts and long_field.count("\n") >= 3:  # the whole licence in the License field
        texts.append(LicenceText("the License field of its metadata", long_field.strip()))
    return texts


SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
# What an SPDX id looks like, as opposed to words ("Apache License", "BSD"): a version
# number in it, or one of the few common ids without one.
SPDX_LOOKING = re.compile(r".*\d.*|MIT|0BSD|ISC|Zlib|Unlicense")


def spdx_ids(distribution: importlib.metadata.Distribution) -> list[str]:
    """The SPDX licence ids a distribution's metadata names (expression, or an SPDX-looking License field)."""
    name = normalise(distribution.metadata["Name"] or "")
    if name in NAMED_LICENCE:
        return [NAMED_LICENCE[name]]
    expression = distribution.metadata["License-Expression"] or distribution.metadata["License"] or ""
    if "\n" in expression.strip():
        return []
    words = [word for word in SPDX_ID.findall(expression) if word.upper() not in ("AND", "OR", "WITH")]
    return words if all(SPDX_LOOKING.fullmatch(word) for word in words) else []


def standard_text_names(spdx: str) -> list[str]:
    """File names a standard licence text may have: `LGPL-3.0-only.txt`, `LGPL-3.0.txt`, Debian's `LGPL-3`."""
    base = re.sub(r"-(only|or-later)$|\+$", "", spdx)
    debian = re.sub(r"^((?:L|A)?GPL-\d)\.0$", r"\1", base)
    names: list[str] = []
    for stem in dict.fromkeys((spdx, base, debian)):
        names += [f"{stem}.txt", stem]
    return names


def standard_texts(ids: list[str], folders: list[Path]) -> list[LicenceText] | None:
    """The standard texts of the licences `ids` (and those they include), or None if one is missing."""
    wanted = list(ids)
    for spdx in ids:
        wanted += [extra for base, extras in ALSO_NEEDS.items() if spdx.startswith(base) for extra in extras]
    found: dict[Path, str] = {}  # GPL-3.0-only and GPL-3.0 are one text
    for spdx in wanted:
        path = next((folder / name for folder in folders for name in standard_text_names(spdx)
                     if (folder / name).is_file()), None)
        if path is None:
            return None
        found.setdefault(path, spdx)
    return [LicenceText(f"standard text of {spdx}", read_text(path)) for path, spdx in found.items()]


def licence_summary(metadata: email.message.Message) -> str:
    """One line naming a distribution's licence: expression, License field or classifiers."""
    if metadata["License-Expression"]:
        return metadata["License-Expression"].strip()
    field_text = (metadata["License"] or "").strip()
    if field_text and "\n" not in field_text and len(field_text) <= 80 and field_text.upper() != "UNKNOWN":
        return field_text
    classifiers = [c.split("::")[-1].strip() for c in metadata.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return "; ".join(classifiers) or "not stated"


def home_page(metadata: email.message.Message) -> str:
    """The project's home page, or else its first project URL."""
    if metadata["Home-page"]:
        return metadata["Home-page"].strip()
    urls = [url.split(",", 1) for url in metadata.get_all("Project-URL") or [] if "," in url]
    for label, url in urls:
        if normalise(label.strip()) in ("homepage", "home", "home-page"):
            return url.strip()
    return urls[0][1].strip() if urls else ""


def describe(distribution: importlib.metadata.Distribution, required_by: str,
             folders: list[Path]) -> Distribution:
    """Everything the notices say about one distribution, its licence texts included."""
    metadata = distribution.metadata
    described = Distribution(
        name=display_name(metadata["Name"]), version=distribution.version, licence=licence_summary(metadata),
        classifiers=[c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")],
        home_page=home_page(metadata), required_by=required_by, texts=shipped_texts(distribution))
    if not described.texts:
        ids = spdx_ids(distribution)
        texts = standard_texts(ids, folders) if ids else None
        if texts:
            described.texts, described.standard_texts = texts, True
    return described


def python_itself() -> Distribution:
    """The Python interpreter and standard library the frozen app carries, with CPython's licence."""
    candidates = [Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt",
                  Path(f"/usr/share/doc/python{sys.version_info.major}.{sys.version_info.minor}/copyright")]
    # named without the build machine's folders
    texts = [LicenceText(f"Python {platform.python_version()}: {path.name}", read_text(path))
             for path in candidates if path.is_file()][:1]
    return Distribution(name="Python", version=platform.python_version(), licence="PSF-2.0", classifiers=[],
                        home_page="https://www.python.org", required_by="the frozen app (interpreter)", texts=texts)


# ----- output ------------------------------------------------------------------------------


def distribution_file(distribution: Distribution) -> str:
    """The contents of one distribution's file: its metadata, then every licence text in full."""
    lines = [f"Name: {distribution.name}", f"Version: {distribution.version}", f"Licence: {distribution.licence}"]
    lines += [f"Classifier: {classifier}" for classifier in distribution.classifiers]
    lines += [f"Home page: {distribution.home_page or 'not stated'}", f"Required by: {distribution.required_by}"]
    if distribution.standard_texts:
        lines.append("This distribution ships no licence file: below is the standard text of the licence "
                     "its metadata names.")
    if not distribution.texts:
        lines.append(f"{MISSING}: the distribution ships no licence file; its metadata names the licence above.")
    for text in distribution.texts:
        lines += ["", "=" * 78, f"{text.source}", "=" * 78, "", text.text]
    return "\n".join(lines) + "\n"


def index_file(distributions: list[Distribution]) -> str:
    """THIRD-PARTY-NOTICES.txt: every distribution with version, licence and the file with its texts."""
    name_width = max(len(d.name) for d in distributions)
    version_width = max(len(d.version) for d in distributions)
    lines = [
        "Third-party software in Discourse Annotator",
        "",
        "Discourse Annotator itself is MIT licensed (the LICENSE file it comes with).",
        "It bundles the software below. Each one's file in this folder holds its metadata",
        "and the full text of every licence and notice it ships. Qt and PySide6 are used",
        "under the LGPL v3 and stay separate shared libraries, which you may replace.",
        "",
    ]
    for d in distributions:
        status = d.file_name
        if d.standard_texts:
            status += " (standard licence text: the package ships none)"
        if not d.texts:
            status = f"{MISSING} ({d.file_name})"
        lines.append(f"{d.name:<{name_width}}  {d.version:<{version_width}}  {d.licence}  [{status}]")
    return "\n".join(lines) + "\n"


def collect(out: Path, requirements: list[str], path: list[str], folders: list[Path],
            ) -> tuple[list[Distribution], list[str]]:
    """Write the notices folder; return the distributions written and the names not installed."""
    if out.is_dir() and any(out.iterdir()) and not (out / INDEX_NAME).is_file():
        raise SystemExit(f"collect_licenses: {out} is not empty and holds no {INDEX_NAME}: not replacing it")
    closure, not_installed = dependency_closure(requirements, path)
    distributions = [python_itself(), *sorted((describe(d, parent, folders) for d, parent in closure),
                                              key=lambda d: normalise(d.name))]
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.txt"):  # an earlier run's notices
        stale.unlink()
    for distribution in distributions:
        (out / distribution.file_name).write_text(distribution_file(distribution), encoding="utf-8")
    (out / INDEX_NAME).write_text(index_file(distributions), encoding="utf-8")
    return distributions, not_installed


def main(argv: list[str] | None = None) -> int:
    """Collect the notices; report what is missing; with --strict, fail if anything is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", help="folder to write (new, or the notices of an earlier run)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if a distribution has no licence text or is not installed")
    parser.add_argument("--requirement", action="append", metavar="REQ",
                        help="start from these requirements instead of pyproject.toml's dependencies")
    parser.add_argument("--path", action="append", metavar="DIR",
                        help="look for distributions only in these folders (default: sys.path)")
    parser.add_argument("--standard-texts", action="append", type=Path, default=[], metavar="DIR",
                        help="a folder of standard licence texts named by SPDX id (e.g. LGPL-3.0.txt)")
    parser.add_argument("--missing", action="store_true",
                        help="write nothing: print the names of the project and the required distributions "
                             "that are not installed, on one line, and exit with status 1 if there are any")
    args = parser.parse_args(argv)
    requirements = args.requirement or project_requirements(PYPROJECT)
    if args.missing:
        missing = missing_distributions(requirements, args.path or sys.path)
        if missing:
            print(" ".join(missing))
        return 1 if missing else 0
    if args.out is None:
        parser.error("the folder to write is required (or --missing)")
    folders = [*args.standard_texts, *STANDARD_TEXT_DIRS]
    distributions, not_installed = collect(args.out, requirements, args.path or sys.path, folders)
    without = [d for d in distributions if not d.texts]
    standard = [d for d in distributions if d.standard_texts]
    print(f"{len(distributions)} notices in {args.out}")
    for d in standard:
        print(f"note: {d.name} {d.version} ships no licence file; used the standard text of {d.licence}")
    for d in without:
        print(f"{'error' if args.strict else 'warning'}: {d.name} {d.version}: {MISSING} "
              f"(metadata: {d.licence})", file=sys.stderr)
    for name in not_installed:
        print(f"{'error' if args.strict else 'warning'}: {name} is required but not installed", file=sys.stderr)
    return 1 if args.strict and (without or not_installed) else 0


if __name__ == "__main__":
    raise SystemExit(main())

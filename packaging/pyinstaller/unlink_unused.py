"""Drop shared libraries that modules list as needed but never call, from a built app's folder (Linux).

pyarrow links every one of its modules against libarrow_dataset, libarrow_acero and
libarrow_substrait (8 MB together), though only its dataset, Acero and Substrait modules call
them, and the spec leaves those modules out (the Parquet export writes with pyarrow.parquet,
pyarrow.compute and pyarrow.fs). The loader still opens every library a module names as
NEEDED. This script checks, with `nm -D`, that no file left in the folder uses a symbol that
only those libraries define; if so, it removes their NEEDED entries with patchelf and deletes
them. If any file does use one, it changes nothing and says which file and symbol.

    python unlink_unused.py FOLDER [--patchelf PATH]

Run by build.sh after stripping (stripping a file patchelf has rewritten can break it).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The libraries to drop, by name before the version (libarrow_dataset.so.2600 → libarrow_dataset).
UNUSED = ("libarrow_dataset", "libarrow_acero", "libarrow_substrait")
SHARED = re.compile(r"\.so(\.\d+)*$")


def dynamic_symbols(path: Path, defined: bool) -> set[str]:
    """The dynamic symbols `path` defines (or, with defined=False, needs from elsewhere)."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def needed(path: Path) -> list[str]:
    """The NEEDED entries of `path`'s dynamic section."""
    out = subprocess.run(["readelf", "-d", "--wide", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def unlink_unused(folder: Path, patchelf: str) -> str:
    """Drop the UNUSED libraries found in `folder` if nothing else there uses them; what was done."""
    files = sorted(path for path in folder.rglob("*") if path.is_file() and SHARED.search(path.name))
    dropped = [path for path in files if path.name.split(".so")[0] in UNUSED]
    if not dropped:
        return "nothing to drop"
    names = {path.name for path in dropped}
    kept = [path for path in files if path.name not in names]
    # What the dropped libraries define that no kept library also defines.
    only_there = set().union(*(dynamic_symbols(path, True) for path in dropped))
    only_there -= set().union(*(dynamic_symbols(path, True) for path in kept))
    for path in kept:
        used = dynamic_symbols(path, False) & only_there
        if used:
            return f"kept {', '.join(sorted(names))}: {path.name} uses {sorted(used)[0]}"
    for path in kept:
        for name in needed(path):
            if name in names:
                subprocess.run([patchelf, "--remove-needed", name, str(path)], check=True)
    for path in dropped:
        path.unlink()
    return f"dropped {', '.join(sorted(names))}"


def main(argv: list[str] | None = None) -> int:
    """Command line: the folder (pyarrow's, in the build), optionally where patchelf is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--patchelf", default=shutil.which("patchelf") or "patchelf")
    args = parser.parse_args(argv)
    print(f"unlink_unused.py: {args.folder.name}: {unlink_unused(args.folder, args.patchelf)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rebuild Qt's ICU data library without the parts Qt never reads (Linux; 15 of its 31 MB).

Qt's libicudata.so.<N> is one data package (the symbol icudt<N>_dat). Qt calls ICU for
collation (QCollator), case mapping, legacy text codecs (QStringConverter) and time-zone
names (QTimeZone); it formats numbers, dates and locale names from its own CLDR tables and
finds word and line breaks with its own Unicode code. So the package's break-iteration
dictionaries (brkitr/), transliterators (translit/), spelled-out numbers (rbnf/) and the
display names of units, currencies, languages and regions (unit/, curr/, lang/, region/)
are never opened; collation, codecs, time zones and the locales stay.

    python trim_icu.py LIBRARY [--icupkg PATH] [--cc PATH]

Needs ICU's icupkg (Debian/Ubuntu: icu-devtools) and a C compiler; without them, or if
anything fails, the library is left as it was and the reason is printed (the build goes on).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

UNUSED_TREES = ("brkitr", "translit", "rbnf", "unit", "curr", "lang", "region")


def data_symbol(library: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the icudt<N>_dat symbol in `library`."""
    out = subprocess.run(["nm", "-D", "-S", str(library)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"^([0-9a-f]+) ([0-9a-f]+) R (icudt\d+_dat)$", out, re.MULTILINE)
    if match is None:
        raise ValueError("no icudt<N>_dat symbol")
    address, size, name = int(match.group(1), 16), int(match.group(2), 16), match.group(3)
    sections = subprocess.run(["readelf", "-S", "--wide", str(library)], capture_output=True, text=True,
                              check=True).stdout
    for line in sections.splitlines():  # [ n] name type address offset size ...
        fields = line.split("]", 1)[-1].split()
        if len(fields) >= 5 and fields[0] == ".rodata":
            section_address, section_offset = int(fields[2], 16), int(fields[3], 16)
            return name, address - section_address + section_offset, size
    raise ValueError("no .rodata section")


def trim(library: Path, icupkg: str, cc: str) -> str:
    """Replace `library` by a smaller one holding the same package minus UNUSED_TREES; what was done."""
    name, offset, size = data_symbol(library)
    soname = re.search(r"SONAME\)\s+Library soname: \[([^\]]+)\]",
                       subprocess.run(["readelf", "-d", str(library)], capture_output=True, text=True,
                                      check=True).stdout)
    if soname is None:
        raise ValueError("no SONAME")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        # icupkg names the package's items after the file (icudt73l/coll/root.res): keep its name.
        package = f"{name.removesuffix('_dat')}{'l' if sys.byteorder == 'little' else 'b'}.dat"
        (work / "in").mkdir()
        (work / "out").mkdir()
        full, trimmed = work / "in" / package, work / "out" / package
        with library.open("rb") as handle:
            handle.seek(offset)
            full.write_bytes(handle.read(size))
        items = subprocess.run([icupkg, "-l", str(full)], capture_output=True, text=True, check=True).stdout.split()
        unused = [item for item in items if item.split("/")[0] in UNUSED_TREES]
        if not unused:
            return "nothing to trim"
        (work / "unused.txt").write_text("\n".join(unused) + "\n")
        subprocess.run([icupkg, "-r", str(work / "unused.txt"), str(full), str(trimmed)],
                       check=True, capture_output=True, cwd=work)
        (work / "data.S").write_text(
            f'\t.section .rodata\n\t.globl {name}\n\t.type {name}, @object\n\t.balign 16\n{name}:\n'
            f'\t.incbin "{trimmed}"\n\t.size {name}, . - {name}\n'
            '\t.section .note.GNU-stack,"",@progbits\n')
        subprocess.run([cc, "-shared", "-nostdlib", f"-Wl,-soname,{soname.group(1)}", "-o", str(work / "lib.so"),
                        str(work / "data.S")], check=True, capture_output=True)
        rebuilt = work / "lib.so"
        if data_symbol(rebuilt)[2] != trimmed.stat().st_size:
            raise ValueError("the rebuilt library does not hold the trimmed package")
        before = library.stat().st_size
        shutil.copyfile(rebuilt, library)
    return f"{len(unused)} of {len(items)} items left out, {before / 2**20:.0f} → {library.stat().st_size / 2**20:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    """Command line: the library, optionally where icupkg and the C compiler are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("--icupkg", default=shutil.which("icupkg") or "/usr/sbin/icupkg")
    parser.add_argument("--cc", default=shutil.which("cc") or "cc")
    args = parser.parse_args(argv)
    try:
        done = trim(args.library, args.icupkg, args.cc)
    except (OSError, ValueError, subprocess.CalledProcessError) as error:
        done = f"left whole ({type(error).__name__}: {error})"
    print(f"trim_icu.py: {args.library.name}: {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

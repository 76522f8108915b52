"""Read ZIP archives from untrusted sources: no path traversal, bounded unpacked size and
member count, checked before anything is read; members are read into memory, never
extracted to disk; and untrusted XML parsed without DTDs or entity expansion."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from annotator.errors import BadInputError

MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_MEMBERS = 100_000
# A member that claims to unpack to more than this many times its packed size is a bomb.
MAX_RATIO = 200


class SafeZip:
    """An opened, checked ZIP archive whose members are read by name."""

    def __init__(self, path: str | Path, max_bytes: int = MAX_UNPACKED_BYTES) -> None:
        self.path = Path(path)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as error:
            raise BadInputError(self.path, f"is not a readable ZIP archive ({error})") from None
        self.names = check_members(self.path, self._zip.infolist(), max_bytes)

    def read(self, name: str) -> bytes:
        """The bytes of one member (checked against its declared size)."""
        info = self._zip.getinfo(name)
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as error:
            raise BadInputError(self.path, f"member {name} cannot be read ({error})") from None
        if len(data) > info.file_size:
            raise BadInputError(self.path, f"member {name} unpacks to more than it declares")
        return data

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_members(path: Path, members: list[zipfile.ZipInfo], max_bytes: int = MAX_UNPACKED_BYTES) -> list[str]:
    """The member names, after refusing absolute paths, "..", links, too many members and
    too much unpacked data (declared sizes and compression ratios)."""
    if len(members) > MAX_MEMBERS:
        raise BadInputError(path, f"has {len(members):,} members; at most {MAX_MEMBERS:,} are accepted")
    total = 0
    names: list[str] = []
    for info in members:
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or (pure.parts and pure.parts[0].endswith(":")):
            raise BadInputError(path, f"member {name!r} points outside the archive (path traversal)")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise BadInputError(path, f"member {name!r} is a symbolic link")
        total += info.file_size
        if total > max_bytes:
            raise BadInputError(path, f"unpacks to more than {max_bytes // (1024 * 1024)} MiB")
        if info.compress_size and info.file_size > MAX_RATIO * info.compress_size and info.file_size > 1024 * 1024:
            raise BadInputError(path, f"member {name!r} is compressed suspiciously well (a ZIP bomb?)")
        if not info.is_dir():
            names.append(name)
    return names


def parse_xml(data: bytes, origin: str) -> Any:
    """Parse untrusted XML with defusedxml (DTDs, entities and external references refused);
    a malformed document is refused with the line named."""
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException
    from xml.etree.ElementTree import ParseError

    try:
        return SafeTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise BadInputError(origin, f"XML with a DTD or entities is refused ({type(error).__name__})") from None
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        raise BadInputError(origin, f"is not well-formed XML ({error})", line=line) from None

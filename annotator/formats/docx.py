"""Reader for Word documents (.docx) with python-docx.

The text is the body's paragraphs and tables in document order, one blank line between
paragraphs (empty paragraphs, often used for spacing, are left out); a table row becomes
one line with its cells separated by tabs. Line breaks inside a paragraph stay line
breaks. Metadata comes from the core properties: title, author, created date, language.

The file is a ZIP archive from an untrusted source: before python-docx opens it, the
declared uncompressed sizes of its members are added up and an archive that would unpack
to more than MAX_UNPACKED_BYTES is refused (zipfile never returns more than a member's
declared size, so the sum bounds what is read). Then every part python-docx would parse as
XML (the content types, the relationships, the document, headers, footers, styles, core
properties… any part named .xml or declared as XML) is streamed once through expat with
document type declarations refused: python-docx's lxml parser would silently drop an
external entity (XXE) and choke on entity expansion (billion laughs) with no reason given.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.parsers import expat

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ReadOptions
from annotator.formats.text_io import (
    assign_metadata,
    check_length,
    first_line_title,
    normalise_newlines,
    read_file_bytes,
    shorten_title,
)

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
_NOT_DOCX = "is not a valid .docx file"


def read_docx(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a .docx file as one document with its core-properties metadata."""
    data = read_file_bytes(path)
    check_archive_size(data, path)
    check_xml_parts(data, path)
    word_document = _open(data, path)
    text = normalise_newlines("\n\n".join(_blocks(word_document)))
    if not text.strip():
        raise BadInputError(path, "has no text")
    check_length(text, path)
    document = ImportedDocument(text=text, origin=str(path))
    assign_metadata(document, _core_metadata(word_document))
    document.title = shorten_title(document.title) if document.title else first_line_title(text)
    return [document]


def check_archive_size(data: bytes, path: Path) -> None:
    """Refuse a ZIP archive that is not one or that would unpack to too much data."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise BadInputError(path, _NOT_DOCX) from error
    if len(members) > MAX_MEMBERS:
        raise BadInputError(path, f"{_NOT_DOCX}: it holds {len(members):,} files")
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise BadInputError(
            path,
            f"would unpack to {unpacked / (1024 * 1024):,.0f} MB, more than the "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB allowed for a .docx file",
        )


class _DoctypeFound(Exception):
    """An XML part declares a DTD (where entities are declared)."""


_CONTENT_TYPES = "[Content_Types].xml"
_NOT_XML_TYPES = ("image/", "audio/", "video/")  # an embedded SVG may carry a DOCTYPE; python-docx never parses it


def check_xml_parts(data: bytes, path: Path) -> None:
    """Refuse a .docx one of whose XML parts declares a DTD (entities) or is not well-formed XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
            types: dict[str, str] = {}
            if _CONTENT_TYPES in members:
                _check_part(archive, members[_CONTENT_TYPES], path, types)
            for name, info in members.items():
                if name != _CONTENT_TYPES and _parsed_as_xml(name, types):
                    _check_part(archive, info, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, ValueError, OSError, EOFError) as error:
        raise BadInputError(path, _NOT_DOCX) from error


def _parsed_as_xml(name: str, types: dict[str, str]) -> bool:
    """True if python-docx may parse this part as XML: named .xml or .rels, or declared as XML."""
    pure = PurePosixPath(name.lower())
    content_type = types.get("/" + name.lower().lstrip("/"), types.get(pure.suffix.lstrip("."), ""))
    if content_type.startswith(_NOT_XML_TYPES):
        return False
    return pure.suffix in (".xml", ".rels") or content_type.endswith("xml")


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, types: dict[str, str] | None = None
) -> None:
    """Stream one part through expat with DTDs refused; fill `types` from [Content_Types].xml if given."""
    parser = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _DoctypeFound

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    if types is not None:
        def declare(tag: str, attributes: dict[str, str]) -> None:
            if tag.endswith("Override") and "PartName" in attributes:
                types[attributes["PartName"].lower()] = attributes.get("ContentType", "").lower()
            elif tag.endswith("Default") and "Extension" in attributes:
                types[attributes["Extension"].lower()] = attributes.get("ContentType", "").lower()

        parser.StartElementHandler = declare
    member: IO[bytes]
    with archive.open(info) as member:
        try:
            parser.ParseFile(member)
        except _DoctypeFound:
            raise BadInputError(path, f"its part {info.filename} contains an XML entity declaration (DTD), "
                                      "refused for safety") from None
        except expat.ExpatError as error:
            raise BadInputError(path, f"{_NOT_DOCX}: its part {info.filename} is not well-formed XML "
                                      f"({expat.errors.messages[error.code]}, line {error.lineno})") from None


def _open(data: bytes, path: Path) -> Any:
    """Open the archive with python-docx, turning its many failure modes into one message."""
    import docx
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    try:
        return docx.Document(io.BytesIO(data))
    except (
        OpcError,
        LxmlError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        AttributeError,
        TypeError,
        EOFError,
        OSError,
        NotImplementedError,
    ) as error:
        raise BadInputError(path, _NOT_DOCX) from error


def _blocks(word_document: Any) -> list[str]:
    """The non-empty paragraphs and table rows of the body, in document order."""
    from docx.table import Table

    blocks: list[str] = []
    for item in word_document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(row for row in _table_rows(item) if row.strip())
        elif item.text.strip():
            blocks.append(item.text)
    return blocks


def _table_rows(table: Any) -> list[str]:
    """Each row of a table as its cells' text separated by tabs; merged cells only once."""
    seen: set[Any] = set()  # python-docx repeats a merged cell; its XML element tells
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            element = cell._tc
            if element in seen:
                continue
            seen.add(element)
            cells.append(" ".join(cell.text.split("\n")))
        rows.append("\t".join(cells))
    return rows


def _core_metadata(word_document: Any) -> dict[str, Any]:
    """Title, author, created date, language and other core properties, if the file has them."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    try:  # without this part python-docx would invent one titled "Word Document"
        word_document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES)
    except KeyError:
        return {}
    try:
        properties = word_document.core_properties
        created = properties.created
        return {
            "title": properties.title,
            "author": properties.author,
            "date": created.date().isoformat() if created else "",
            "language": properties.language,
            "subject": properties.subject,
            "keywords": properties.keywords,
            "category": properties.category,
            "comments": properties.comments,
        }
    except (ValueError, TypeError, AttributeError):  # malformed properties: not worth refusing
        return {}

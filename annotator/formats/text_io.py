"""Shared by every reader: untrusted bytes to checked, normalised text; metadata fields."""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import functools
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import (
    MAX_DOCUMENT_CHARS,
    MAX_FILE_BYTES,
    META_FIELDS,
    ImportedDocument,
    ImportedSpan,
)

@dataclasses.dataclass(slots=True)
class ReadDocument(ImportedDocument):
    """A document as a reader of another tool's format returns it: besides what every reader
    gives, what the file holds that cannot be carried (counted by description, for the
    import report) and each annotator's status on the document (native JSONL)."""

    not_carried: Counter[str] = dataclasses.field(default_factory=Counter)
    status: dict[str, str] = dataclasses.field(default_factory=dict)


# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Above this share of control characters, decoded "text" is taken for binary data.
_MAX_CONTROL_SHARE = 0.05
# How much of a decoded text the control-character test looks at.
_CONTROL_SAMPLE_CHARS = 100_000
# The longest title taken from a document's first line.
MAX_TITLE_CHARS = 200
# Preferred among equally good guesses: what browsers use for unlabelled Western text
# (the WHATWG Encoding Standard maps the "iso-8859-1" label to windows-1252 as well).
_PREFERRED_LEGACY_ENCODING = "cp1252"
# How many bytes the encoding guess re-ranks its candidates on.
_GUESS_SAMPLE_BYTES = 200_000
# Lower-case non-ASCII letters of European languages whose legacy files use single-byte
# code pages, for re-ranking encoding guesses (precomposed letters only: a legacy code
# page that yields combining marks, like cp1258, is read as a poorer fit).
_ALPHABETS: dict[str, str] = {
    "Albanian": "çë",
    "Catalan": "àçèéíïòóúü",
    "Croatian": "čćđšž",
    "Czech": "áčďéěíňóřšťúůýž",
    "Danish/Norwegian": "æøåé",
    "Dutch": "áéèëïóöü",
    "Estonian": "äöõüšž",
    "Finnish": "äöåšž",
    "French": "àâæçéèêëîïôœùûüÿ",
    "German": "äöüß",
    "Hungarian": "áéíóöőúüű",
    "Icelandic": "áðéíóúýþæö",
    "Italian": "àèéìíîòóùú",
    "Latvian": "āčēģīķļņšūž",
    "Lithuanian": "ąčęėįšųūž",
    "Polish": "ąćęłńóśźż",
    "Portuguese": "áâãàçéêíóôõú",
    "Romanian": "ăâîșțşţ",
    "Slovak": "áäčďéíĺľňóôŕšťúýž",
    "Spanish": "áéíóúüñ",
    "Swedish": "åäöé",
    "Turkish": "çğıöşüâîû",
}
# Non-letters that do sit inside words: apostrophes, the Catalan middle dot, hyphens.
_IN_WORD_PUNCTUATION = frozenset("\u2019\u2018\u00b7\u00ad\u2011")
# Other names input files use for the metadata fields (keys compared in lower case).
META_ALIASES: dict[str, str] = {
    "outlet": "source",
    "publication": "source",
    "authors": "author",
    "link": "url",
    "lang": "language",
}


def read_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a whole input file, refusing missing paths, folders and files over `limit` bytes."""
    try:
        status = os.stat(path)  # one system call for all the checks: this runs per file
    except FileNotFoundError:
        raise BadInputError(path, "does not exist") from None
    except OSError as error:
        raise BadInputError(path, f"cannot be read ({error.strerror or error})") from error
    if stat.S_ISDIR(status.st_mode):
        raise BadInputError(path, "is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise BadInputError(path, "is not a regular file")
    size = status.st_size
    if size > limit:
        raise BadInputError(path, f"is {size:,} bytes; files over {_size(limit)} are refused")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(path, f"cannot be read ({error.strerror or error})") from error
    if len(data) > limit:  # the file grew after it was measured
        raise BadInputError(
            path, f"is {len(data):,} bytes; files over {_size(limit)} are refused"
        )
    return data


def decode_bytes(data: bytes, path: str | Path) -> str:
    """Decode a text file's bytes: UTF-8/UTF-16/UTF-32 by BOM, UTF-8, else the best guess.

    A leading byte-order mark is removed. Binary data, an undetectable encoding and
    empty or whitespace-only content are refused with a BadInputError naming `path`.
    """
    if not data:
        raise BadInputError(path, "is empty")
    text = _decode_by_bom(data, path)
    if text is None:
        text = _decode_utf16_without_bom(data)
    if text is None:
        if b"\x00" in data:
            raise BadInputError(path, "is a binary file, not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_by_guess(data, path)
    if text.startswith("\ufeff"):
        text = text[1:]
    if _looks_binary(text):
        raise BadInputError(path, "is a binary file, not text")
    if not text.strip():
        raise BadInputError(path, "is empty")
    return text


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR line endings into LF."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise_with_offsets(
    text: str, spans: Sequence[ImportedSpan]
) -> tuple[str, list[ImportedSpan]]:
    """Normalise line endings and move span offsets so each span keeps its characters.

    Each CRLF becomes one LF; a span boundary that fell between the CR and the LF is
    widened to take in the whole line break, so no span becomes empty.
    """
    removed = _crlf_positions(text)
    if not removed:
        return normalise_newlines(text), list(spans)
    moved = [
        dataclasses.replace(
            span,
            start=span.start - bisect.bisect_left(removed, span.start),
            end=span.end - bisect.bisect_left(removed, span.end - 1),
        )
        for span in spans
    ]
    return normalise_newlines(text), moved


def check_length(text: str, origin: str | Path, line: int | None = None) -> None:
    """Refuse a document longer than spaCy's default max_length (MAX_DOCUMENT_CHARS)."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise BadInputError(
            origin,
            f"has {len(text):,} characters; one document may have at most "
            f"{MAX_DOCUMENT_CHARS:,} (spaCy's max_length): split it",
            line=line,
        )


def first_line_title(text: str) -> str:
    """The first non-empty line of `text`, trimmed and cut to MAX_TITLE_CHARS."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            return shorten_title(stripped)
    return ""


def shorten_title(title: str) -> str:
    """Trim a title and cut it at MAX_TITLE_CHARS, marking a cut with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARS:
        return title
    return title[: MAX_TITLE_CHARS - 1].rstrip() + "…"


def assign_metadata(document: ImportedDocument, meta: Mapping[str, Any]) -> None:
    """Copy metadata into the document's named fields (by name or alias); the rest to extra.

    A field already set is not overwritten: a second value (e.g. both "source" and
    "outlet") is kept in `extra` under its own key. Empty values are dropped.
    """
    for key, value in meta.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        name = str(key).strip().lower()
        field_name = name if name in META_FIELDS else META_ALIASES.get(name)
        text = _metadata_text(value)
        if field_name and text and not getattr(document, field_name):
            setattr(document, field_name, text)
        else:
            document.extra[str(key)] = value


def _metadata_text(value: Any) -> str | None:
    """A metadata value as one line of text, or None if it is not a scalar or a list of them."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return "; ".join(" ".join(str(item).split()) for item in value)
    return None


def _crlf_positions(text: str) -> list[int]:
    """Indices of the CR of every CRLF pair, ascending."""
    positions: list[int] = []
    index = text.find("\r\n")
    while index != -1:
        positions.append(index)
        index = text.find("\r\n", index + 2)
    return positions


def _decode_by_bom(data: bytes, path: str | Path) -> str | None:
    """Decode data that starts with a byte-order mark, or return None if it has none."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise BadInputError(
                    path,
                    f"starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} (byte {error.start + len(bom):,})",
                ) from error
    return None


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """Decode UTF-16 without a BOM when NUL bytes sit only in every other position."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    if odd_nuls > half // 2 and even_nuls * 20 < odd_nuls:
        encoding = "utf-16-le"
    elif even_nuls > half // 2 and odd_nuls * 20 < even_nuls:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _decode_by_guess(data: bytes, path: str | Path) -> str:
    """Decode non-UTF-8 data with charset-normalizer's guesses, re-ranked for Latin text.

    On short texts charset-normalizer often ranks a wrong Latin code page first (Italian
    read as cp1258, Portuguese as cp1257). When its best guess reads as Latin script,
    its single-byte candidates are ranked again by how well the letters they produce fit
    the alphabet of one European language, then by its own chaos and coherence scores,
    then preferring cp1252; non-Latin and multi-byte guesses are taken as they are.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise BadInputError(path, "cannot tell the text encoding (save it as UTF-8)")
    encoding = matches[0].encoding
    sample = data[:_GUESS_SAMPLE_BYTES]
    if _is_single_byte(encoding) and _is_latin(sample.decode(encoding, errors="ignore")):
        ranked = []
        for position, match in enumerate(matches):
            if not _is_single_byte(match.encoding):
                continue
            decoded = sample.decode(match.encoding, errors="ignore")
            if not _is_latin(decoded):
                continue
            rank = (
                round(_alphabet_fit(decoded), 3),
                -round(match.chaos, 3),
                round(match.coherence, 2),
                codecs.lookup(match.encoding).name == _PREFERRED_LEGACY_ENCODING,
                -position,
            )
            ranked.append((rank, match.encoding))
        encoding = max(ranked)[1]
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise BadInputError(path, "cannot tell the text encoding (save it as UTF-8)") from error


def _inside_word(text: str, index: int) -> bool:
    """True if the character at `index` has a letter on both sides."""
    return 0 < index < len(text) - 1 and text[index - 1].isalpha() and text[index + 1].isalpha()


@functools.cache
def _is_single_byte(encoding: str) -> bool:
    """True for an encoding that maps each byte to one character (a code page)."""
    try:
        return len(bytes(range(256)).decode(encoding, errors="replace")) == 256
    except LookupError:
        return False


def _is_latin(text: str) -> bool:
    """True if every letter of the text is a Latin letter."""
    return all(
        char.isascii() or not char.isalpha() or "LATIN" in unicodedata.name(char, "LATIN")
        for char in text
    )


def _alphabet_fit(text: str) -> float:
    """Share of the non-ASCII characters of a text that one language's alphabet explains.

    Mojibake shows up as letters from several alphabets at once, as combining marks, or
    as symbols inside words (Polish "żąda" read as cp1252 is "¿¹da"); those count
    against the fit.
    """
    letters: dict[str, int] = {}
    strays = 0
    for index, char in enumerate(text):
        if char.isascii() or char in _IN_WORD_PUNCTUATION:
            continue
        if char.isalpha():
            lower = char.lower()
            key = lower if len(lower) == 1 else char
            letters[key] = letters.get(key, 0) + 1
        elif unicodedata.combining(char) or _inside_word(text, index):
            strays += 1
    total = sum(letters.values()) + strays
    if not total:
        return 1.0
    explained = max(
        sum(count for char, count in letters.items() if char in alphabet)
        for alphabet in _ALPHABETS.values()
    )
    return explained / total


def _looks_binary(text: str) -> bool:
    """True if the text holds NUL or many other control characters (binary data)."""
    sample = text[:_CONTROL_SAMPLE_CHARS]
    if "\x00" in sample:
        return True
    # Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F. The regex leaves
    # out tab, line feed, carriage return, form feed and vertical tab, so ordinary text
    # is scanned once in C and finds nothing: this runs for every imported file.
    controls = _BINARY_CONTROL_RE.findall(sample)
    return len(controls) > len(sample) * _MAX_CONTROL_SHARE


_BINARY_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _size(limit: int) -> str:
    """A size limit in bytes, with megabytes for large ones."""
    if limit < 1024 * 1024:
        return f"{limit:,} bytes"
    return f"{limit / (1024 * 1024):,.0f} MB ({limit:,} bytes)"

"""Reader for spreadsheets saved as .csv or .tsv: one row, one document.

The first row names the columns. The text column is the one the user chose
(`ReadOptions.text_column`) or else the first column named text, body, content or
article; title, source (or outlet), author, date, url and language columns fill those
fields and every other non-empty cell goes to `extra`. Rows are numbered as a
spreadsheet shows them (the header is row 1). Cells may be quoted as Excel does, in
.tsv files too. Any bad row refuses the whole file: nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from annotator.errors import BadInputError
from annotator.formats.base import MAX_FILE_BYTES, ImportedDocument, ReadOptions
from annotator.formats.text_io import (
    assign_metadata,
    check_length,
    decode_bytes,
    first_line_title,
    normalise_newlines,
    read_file_bytes,
)

TEXT_COLUMN_NAMES = ("text", "body", "content", "article")
_SNIFF_DELIMITERS = ",;\t|"
_SNIFF_SAMPLE_CHARS = 64 * 1024
_EXCEL_SEPARATOR = re.compile(r"sep=([^\n\"])\n")


def read_csv(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a .csv file; its delimiter (comma, semicolon, tab or bar) is found from the header.

    Excel's optional first line `sep=;` names the delimiter and is not a row.
    """
    text = normalise_newlines(decode_bytes(read_file_bytes(path), path))
    declared = _EXCEL_SEPARATOR.match(text)
    if declared:
        text, delimiter = text[declared.end() :], declared.group(1)
    else:
        delimiter = _sniff_delimiter(text)
    return _read_table(path, text, delimiter, options or ReadOptions())


def read_tsv(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a tab-separated file."""
    text = normalise_newlines(decode_bytes(read_file_bytes(path), path))
    return _read_table(path, text, "\t", options or ReadOptions())


def _read_table(
    path: Path, text: str, delimiter: str, options: ReadOptions
) -> list[ImportedDocument]:
    """Parse the table and turn each data row into a document."""
    rows = _rows(path, text, delimiter)
    _, header = next(rows)
    columns = [name.strip() or f"column {index + 1}" for index, name in enumerate(header)]
    text_index = _text_column(path, columns, options.text_column)
    documents: list[ImportedDocument] = []
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # a blank row
        origin = f"{path}, row {number}"
        if len(cells) > len(columns):
            raise BadInputError(
                origin, f"has {len(cells)} cells but the header has {len(columns)} columns"
            )
        body = cells[text_index] if text_index < len(cells) else ""
        if not body.strip():
            raise BadInputError(origin, f'has no text in column "{columns[text_index]}"')
        check_length(body, origin)
        document = ImportedDocument(text=body, origin=origin)
        assign_metadata(
            document,
            {
                column: cell
                for index, (column, cell) in enumerate(zip(columns, cells, strict=False))
                if index != text_index
            },
        )
        document.title = document.title or first_line_title(body)
        documents.append(document)
    if not documents:
        raise BadInputError(path, "has a header row but no rows of text")
    return documents


def _rows(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cells) for every record, header first."""
    # The default limit (131,072 characters) is shorter than some articles; a longer
    # cell is refused later with the size message that names the limit.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True
    )
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            if number == 1:
                raise BadInputError(path, "is empty") from None
            return
        except csv.Error as error:
            raise BadInputError(
                f"{path}, row {number}", f"is not valid {_kind(delimiter)} ({error})"
            ) from error
        yield number, cells


def _text_column(path: Path, columns: list[str], chosen: str | None) -> int:
    """The index of the chosen text column, or of the first usual text column name."""
    folded = [column.casefold() for column in columns]
    listing = ", ".join(columns)
    if chosen:
        if chosen in columns:
            return columns.index(chosen)
        if chosen.strip().casefold() in folded:
            return folded.index(chosen.strip().casefold())
        raise BadInputError(path, f'has no column "{chosen}"; columns are: {listing}')
    for name in TEXT_COLUMN_NAMES:
        if name in folded:
            return folded.index(name)
    raise BadInputError(
        path,
        f"has no text column (named {', '.join(TEXT_COLUMN_NAMES)}); "
        f"choose one of its columns: {listing}",
    )


def _sniff_delimiter(text: str) -> str:
    """Guess a .csv file's delimiter: the candidate seen most often in the header row.

    Only the header is looked at (outside quotes): column names rarely hold a delimiter,
    while article text in the rows below holds commas and semicolons of every kind.
    """
    header = _first_record(text)
    counts = {candidate: header.count(candidate) for candidate in _SNIFF_DELIMITERS}
    best = max(_SNIFF_DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _first_record(text: str) -> str:
    """The first record of the file with quoted parts left out (they may span lines)."""
    kept: list[str] = []
    quoted = False
    for char in text[:_SNIFF_SAMPLE_CHARS]:
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            break
        elif not quoted:
            kept.append(char)
    return "".join(kept)


def _kind(delimiter: str) -> str:
    """The name of the file kind, for messages."""
    return "TSV" if delimiter == "\t" else "CSV"

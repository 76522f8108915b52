"""Import readers: text decoding, plain text, Markdown, HTML, .docx, CSV/TSV, the registry."""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from annotator.errors import BadInputError
from annotator.formats.base import MAX_DOCUMENT_CHARS, MAX_FILE_BYTES, ImportedSpan, ReadOptions
from annotator.formats.readers import SUPPORTED, detect_format, expand_inputs, read_documents
from annotator.formats.text_io import (
    check_length,
    decode_bytes,
    normalise_newlines,
    normalise_with_offsets,
    read_file_bytes,
)

# Emoji (astral), e + combining acute, non-breaking spaces, and CRLF line endings.
TRICKY = "Crowds cheered 🎉 as the mayor, Rene\u0301e Dubois, arrived at 10\u00a0a.m.\r\nSecond line.\r\n"
TRICKY_LF = TRICKY.replace("\r\n", "\n")


def write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a test input file and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def refused(path: Path, **kwargs: object) -> BadInputError:
    """Read `path`, expecting a refusal, and return the error."""
    with pytest.raises(BadInputError) as caught:
        read_documents(path, **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- decoding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        TRICKY.encode("utf-8"),
        b"\xef\xbb\xbf" + TRICKY.encode("utf-8"),
        b"\xff\xfe" + TRICKY.encode("utf-16-le"),
        b"\xfe\xff" + TRICKY.encode("utf-16-be"),
        TRICKY.encode("utf-16-le"),  # no byte-order mark
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-no-bom"],
)
def test_unicode_encodings_decode_exactly(data: bytes) -> None:
    assert decode_bytes(data, "a.txt") == TRICKY


def test_latin1_file_is_decoded_correctly() -> None:
    text = "Café déjà vu: a naïve façade, años atrás, à la carte."
    assert decode_bytes(text.encode("latin-1"), "old.txt") == text


def test_cp1252_file_is_decoded_correctly() -> None:
    text = (
        "The minister’s “reform” – announced on Thursday – costs 5 € more; "
        "señor Muñoz called it a façade… à bientôt."
    )
    assert decode_bytes(text.encode("cp1252"), "windows.txt") == text


def test_binary_data_is_refused() -> None:
    png_start = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
    with pytest.raises(BadInputError, match="is a binary file, not text"):
        decode_bytes(png_start * 20, "photo.txt")


def test_control_characters_without_nul_are_refused_as_binary() -> None:
    with pytest.raises(BadInputError, match="is a binary file, not text"):
        decode_bytes(bytes(range(1, 32)) * 10, "dump.txt")


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n ", b"\xef\xbb\xbf", b"\xff\xfe \x00\n\x00"])
def test_empty_or_blank_content_is_refused(data: bytes) -> None:
    with pytest.raises(BadInputError, match="empty.txt: is empty"):
        decode_bytes(data, "empty.txt")


def test_undetectable_encoding_is_refused() -> None:
    # charset-normalizer finds no encoding in which these bytes read as text.
    generator = random.Random(0)
    noise = bytes(generator.randrange(0x80, 0x100) for _ in range(300))
    with pytest.raises(BadInputError, match="noise.txt: cannot tell the text encoding"):
        decode_bytes(noise, "noise.txt")


def test_bytes_that_contradict_their_bom_are_refused() -> None:
    with pytest.raises(BadInputError, match="byte-order mark"):
        decode_bytes(b"\xef\xbb\xbfcaf\xe9", "liar.txt")


def test_newlines_are_normalised() -> None:
    assert normalise_newlines("a\r\nb\rc\n\r\nd") == "a\nb\nc\n\nd"


def test_offsets_keep_covering_the_same_characters_after_crlf_normalisation() -> None:
    text = "Line one 🎉\r\nRene\u0301e\u00a0said\r\n\r\nno.\rEnd"
    # Where each character of the original lands: a CRLF's CR and LF become one LF.
    landing: list[int] = []
    for index, char in enumerate(text):
        pair_start = char == "\n" and index > 0 and text[index - 1] == "\r"
        landing.append(landing[-1] if pair_start else (landing[-1] + 1 if landing else 0))
    spans = [
        ImportedSpan(start, end, "X")
        for start in range(len(text))
        for end in range(start + 1, len(text) + 1)
    ]
    new_text, moved = normalise_with_offsets(text, spans)
    assert new_text == "Line one 🎉\nRene\u0301e\u00a0said\n\nno.\nEnd"
    for old, new in zip(spans, moved, strict=True):
        covered = set(range(new.start, new.end))
        assert covered == {landing[index] for index in range(old.start, old.end)}
    emoji = text.index("🎉")
    [span] = normalise_with_offsets(text, [ImportedSpan(emoji, len(text), "X")])[1]
    assert new_text[span.start : span.end] == "🎉\nRene\u0301e\u00a0said\n\nno.\nEnd"


def test_offsets_between_cr_and_lf_take_in_the_whole_line_break() -> None:
    text = "ab\r\ncd"
    _, (only_cr, only_lf, after) = normalise_with_offsets(
        text, [ImportedSpan(2, 3, "X"), ImportedSpan(3, 4, "X"), ImportedSpan(4, 6, "X")]
    )
    assert (only_cr.start, only_cr.end) == (2, 3)
    assert (only_lf.start, only_lf.end) == (2, 3)
    assert (after.start, after.end) == (3, 5)


def test_check_length_names_count_and_limit() -> None:
    check_length("x" * MAX_DOCUMENT_CHARS, "ok.txt")
    with pytest.raises(BadInputError) as caught:
        check_length("x" * 52_428_800, "big.txt")
    assert str(caught.value) == (
        "big.txt: has 52,428,800 characters; one document may have at most "
        "1,000,000 (spaCy's max_length): split it"
    )


def test_read_file_bytes_refuses_missing_folder_and_too_big(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        read_file_bytes(tmp_path / "missing.txt")
    with pytest.raises(BadInputError, match="is a folder"):
        read_file_bytes(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.txt")
        with pytest.raises(BadInputError, match="is not a regular file"):
            read_file_bytes(tmp_path / "pipe.txt")
    path = write(tmp_path, "small.txt", "twelve bytes")
    with pytest.raises(BadInputError, match="is 12 bytes; files over 10 bytes are refused"):
        read_file_bytes(path, limit=10)
    assert read_file_bytes(path, limit=12) == b"twelve bytes"


# --- plain text -----------------------------------------------------------------------


def test_plain_text_is_kept_exactly_with_first_line_as_title(tmp_path: Path) -> None:
    content = "\n\n   Mayor\u00a0opens  harbour 🎉   \r\n" + TRICKY + "  indented  \r\n"
    path = write(tmp_path, "article.txt", b"\xef\xbb\xbf" + content.encode("utf-8"))
    [document] = read_documents(path)
    assert document.text == content.replace("\r\n", "\n")
    assert document.title == "Mayor opens harbour 🎉"
    assert document.origin == str(path)
    assert document.spans == [] and document.labels == []


def test_long_first_line_is_not_a_title(tmp_path: Path) -> None:
    path = write(tmp_path, "long_line.txt", "word " * 100 + "\nbody")
    [document] = read_documents(path)
    assert document.title == "Long line"  # no headline: the file name


def test_text_over_the_document_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "book.txt", ("All work and no play. " * 50_000)[: MAX_DOCUMENT_CHARS + 1])
    error = refused(path)
    assert "has 1,000,001 characters; one document may have at most 1,000,000" in str(error)
    assert error.path == str(path)


def test_fifty_megabyte_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"Lorem ipsum dolor sit amet. " * (50 * 1024 * 1024 // 28))
    assert "characters; one document may have at most 1,000,000" in str(refused(path))
    path.unlink()  # gone before the page cache is written back: fifty megabytes less disk traffic


def test_file_over_the_file_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    error = refused(path)
    assert f"is {MAX_FILE_BYTES + 1:,} bytes; files over 512 MB" in str(error)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".docx", ".csv", ".jsonl"])
def test_missing_file_is_refused_by_every_reader(tmp_path: Path, suffix: str) -> None:
    error = refused(tmp_path / f"gone{suffix}")
    assert error.problem == "does not exist"


def test_binary_and_empty_files_are_refused_by_name(tmp_path: Path) -> None:
    binary = write(tmp_path, "image.txt", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" * 10)
    assert str(refused(binary)) == f"{binary}: is a binary file, not text"
    empty = write(tmp_path, "empty.md", b"")
    assert str(refused(empty)) == f"{empty}: is empty"


# --- Markdown -------------------------------------------------------------------------


def test_markdown_front_matter_becomes_metadata_and_markup_is_kept(tmp_path: Path) -> None:
    body = "# Harbour vote\r\n\r\nThe **council** voted 🎉 at 10\u00a0a.m. (Rene\u0301e).\r\n"
    front = (
        "---\r\n"
        'title: "Harbour vote splits council"\r\n'
        "outlet: The Coastal Herald\r\n"
        "author: Jane Example\r\n"
        "date: 2024-03-05\r\n"
        "url: https://herald.example.org/harbour\r\n"
        "lang: en\r\n"
        "tags: [politics, 'local news']\r\n"
        "# a comment line\r\n"
        "section:\r\n"
        "  - news\r\n"
        "  - coast\r\n"
        "---\r\n\r\n"
    )
    [document] = read_documents(write(tmp_path, "vote.md", front + body))
    assert document.text == body.replace("\r\n", "\n")
    assert document.title == "Harbour vote splits council"
    assert (document.source, document.author, document.date) == (
        "The Coastal Herald",
        "Jane Example",
        "2024-03-05",
    )
    assert (document.url, document.language) == ("https://herald.example.org/harbour", "en")
    assert document.extra == {"tags": ["politics", "local news"], "section": ["news", "coast"]}


def test_markdown_title_comes_from_the_first_heading(tmp_path: Path) -> None:
    text = "Intro line\n\n```\n# not a heading\n```\n\n## Sub\n\n# Real title 🎉 #\n\nBody.\n"
    [document] = read_documents(write(tmp_path, "notes.markdown", text))
    assert document.title == "Real title 🎉"
    assert document.text == text


def test_markdown_without_heading_uses_first_line(tmp_path: Path) -> None:
    [document] = read_documents(write(tmp_path, "plain.md", "Just *text*\nmore\n"))
    assert document.title == "Just *text*"


def test_unclosed_front_matter_is_kept_as_text(tmp_path: Path) -> None:
    text = "---\ntitle: nothing closes this\n\nBody text.\n"
    [document] = read_documents(write(tmp_path, "odd.md", text))
    assert document.text == text
    assert document.extra == {}


def test_markdown_with_only_front_matter_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "meta.md", "---\ntitle: T\n---\n\n")
    assert str(refused(path)) == f"{path}: has no text after its front matter"


# --- HTML -----------------------------------------------------------------------------

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="{charset}">
<title>Harbour plan splits council | The Coastal Herald</title>
<meta property="og:title" content="Harbour plan splits council">
<meta property="og:site_name" content="The Coastal Herald">
<meta name="author" content="Jane Example">
<meta property="article:published_time" content="2024-03-05T09:30:00Z">
<link rel="canonical" href="https://herald.example.org/news/harbour-plan">
<link rel="stylesheet" href="http://127.0.0.1:9/style.css">
<script src="http://127.0.0.1:9/tracker.js"></script>
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour plan splits council</h1>
<p>The council voted 7–6 on Tuesday to approve the harbour plan {emoji}, after a debate
that lasted well into the night and left several members visibly frustrated.</p>
<p>Supporters called it “a lifeline for the fleet”, while opponents said it would hand the
waterfront to developers. The mayor, José Muñoz, said the vote was “close but fair”.</p>
<img src="http://127.0.0.1:9/photo.jpg">
<p>Residents were divided. One café owner said the plan would bring visitors; a retired
sailor said it would price locals out of the town for good.</p>
<iframe src="http://127.0.0.1:9/frame"></iframe>
</article>
<footer>Copyright The Coastal Herald. All rights reserved. Subscribe now.</footer>
</body></html>"""


def test_html_main_text_and_metadata_are_extracted(tmp_path: Path) -> None:
    page = NEWS_PAGE.format(charset="utf-8", emoji="🚢")
    [document] = read_documents(write(tmp_path, "harbour.html", page.replace("\n", "\r\n")))
    paragraphs = document.text.split("\n\n")
    assert paragraphs[0] == "Harbour plan splits council"
    assert paragraphs[1].startswith("The council voted 7–6") and "🚢" in paragraphs[1]
    assert paragraphs[-1].endswith("price locals out of the town for good.")
    assert "\r" not in document.text
    assert "Subscribe" not in document.text and "Sport" not in document.text
    assert document.title == "Harbour plan splits council"
    assert (document.author, document.date, document.source) == (
        "Jane Example",
        "2024-03-05",
        "The Coastal Herald",
    )
    assert document.url == "https://herald.example.org/news/harbour-plan"
    assert document.language == "en-GB"


def test_html_in_a_declared_legacy_encoding(tmp_path: Path) -> None:
    page = NEWS_PAGE.format(charset="windows-1252", emoji="(photo)")
    [document] = read_documents(write(tmp_path, "legacy.htm", page, encoding="cp1252"))
    assert "José Muñoz" in document.text and "“close but fair”" in document.text


def test_html_reading_never_touches_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def refuse_connection(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access during import")

    monkeypatch.setattr(socket.socket, "connect", refuse_connection)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: attempts.append(args))
    page = NEWS_PAGE.format(charset="utf-8", emoji="🚢").replace(
        "<!DOCTYPE html>",
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://127.0.0.1:9/x.dtd">',
    )
    [document] = read_documents(write(tmp_path, "page.html", page))
    assert "harbour plan" in document.text
    assert attempts == []


def test_html_without_article_text_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "blank.html", "<html><head><title>x</title></head><body> </body></html>")
    assert str(refused(path)) == f"{path}: no article text found"


# --- .docx ----------------------------------------------------------------------------


def make_docx(path: Path) -> Path:
    """Write a small Word document with metadata, paragraphs and a table."""
    import docx

    word = docx.Document()
    word.add_heading("Harbour vote 🎉", level=1)
    word.add_paragraph("The council voted at 10\u00a0a.m.; Rene\u0301e Dubois abstained.")
    word.add_paragraph("")  # spacing paragraph: left out
    paragraph = word.add_paragraph("First line")
    paragraph.add_run().add_break()
    paragraph.add_run("second line")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "For", "Against"
    table.cell(1, 0).text, table.cell(1, 1).text = "7", "6"
    word.add_paragraph("Closing words.")
    properties = word.core_properties
    properties.title = "Harbour vote splits council"
    properties.author = "Jane Example"
    properties.created = dt.datetime(2024, 3, 5, 9, 30)
    properties.language = "en"
    properties.keywords = "harbour, council"
    word.save(str(path))
    return path


def test_docx_paragraphs_tables_and_core_properties(tmp_path: Path) -> None:
    [document] = read_documents(make_docx(tmp_path / "vote.docx"))
    assert document.text == (
        "Harbour vote 🎉\n\n"
        "The council voted at 10\u00a0a.m.; Rene\u0301e Dubois abstained.\n\n"
        "First line\nsecond line\n\n"
        "For\tAgainst\n\n7\t6\n\n"
        "Closing words."
    )
    assert document.title == "Harbour vote splits council"
    assert (document.author, document.date, document.language) == ("Jane Example", "2024-03-05", "en")
    assert document.extra["keywords"] == "harbour, council"


def test_docx_without_title_uses_first_paragraph_and_empty_docx_is_refused(
    tmp_path: Path,
) -> None:
    import docx

    word = docx.Document()
    word.save(str(tmp_path / "empty.docx"))
    assert refused(tmp_path / "empty.docx").problem == "has no text"
    word.add_paragraph("")
    word.add_paragraph("  Rene\u0301e wins 🎉  ")
    word.save(str(tmp_path / "untitled.docx"))
    [document] = read_documents(tmp_path / "untitled.docx")
    assert (document.text, document.title) == ("  Rene\u0301e wins 🎉  ", "Rene\u0301e wins 🎉")


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    garbage = write(tmp_path, "broken.docx", b"PK\x03\x04 this is not really a zip archive")
    assert str(refused(garbage)) == f"{garbage}: is not a valid .docx file"
    truncated_source = make_docx(tmp_path / "whole.docx").read_bytes()
    truncated = write(tmp_path, "cut.docx", truncated_source[: len(truncated_source) // 2])
    assert refused(truncated).problem == "is not a valid .docx file"


def test_zip_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "just some notes")
    assert refused(path).problem == "is not a valid .docx file"


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    zeros = bytes(1024 * 1024)
    # Deflate level 1 (a quarter of the default's CPU) still packs the 201 MB into < 1 MB.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(201):
                member.write(zeros)
    assert path.stat().st_size < 1024 * 1024
    problem = refused(path).problem
    assert problem.startswith("would unpack to 201 MB, more than the 200 MB allowed")


# --- CSV and TSV ----------------------------------------------------------------------


def test_csv_rows_become_documents_with_metadata(tmp_path: Path) -> None:
    content = (
        "id,Title,outlet,date,TEXT,section\r\n"
        '17,Harbour vote,The Coastal Herald,2024-03-05,"The council voted 🎉, 7–6.\r\n'
        'Rene\u0301e said: ""fair"".",news\r\n'
        "18,Rain,Daily Example,2024-03-06,Rain at 10\u00a0a.m. again,\r\n"
    )
    first, second = read_documents(write(tmp_path, "articles.csv", content))
    assert first.text == 'The council voted 🎉, 7–6.\nRene\u0301e said: "fair".'
    assert (first.title, first.source, first.date) == ("Harbour vote", "The Coastal Herald", "2024-03-05")
    assert first.extra == {"id": "17", "section": "news"}
    assert first.origin == f"{tmp_path / 'articles.csv'}, row 2"
    assert second.text == "Rain at 10\u00a0a.m. again"
    assert second.origin.endswith("articles.csv, row 3")  # the quoted line break is one row
    assert second.extra == {"id": "18"}


def test_semicolon_csv_in_cp1252_is_sniffed_and_decoded(tmp_path: Path) -> None:
    content = 'Title;text\nÉté;"« Ça coûte 5 € », dit-il; à Paris, señor."\n'
    [document] = read_documents(write(tmp_path, "excel.csv", content, encoding="cp1252"))
    assert document.title == "Été"
    assert document.text == "« Ça coûte 5 € », dit-il; à Paris, señor."


def test_excel_separator_line_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    content = "sep=;\r\ntext;date\r\nCosts rose, again;2024-03-05\r\n;\r\n"
    path = write(tmp_path, "excel.csv", content)
    [document] = read_documents(path)
    assert (document.text, document.date) == ("Costs rose, again", "2024-03-05")
    assert document.origin == f"{path}, row 2"


def test_tsv_with_chosen_text_column(tmp_path: Path) -> None:
    content = "headline\tstory\tauthor\nVote\tThe council voted, 7–6 🎉\tJane Example\n"
    [document] = read_documents(
        write(tmp_path, "data.tsv", content), options=ReadOptions(text_column="Story")
    )
    assert document.text == "The council voted, 7–6 🎉"
    assert document.author == "Jane Example"
    assert document.extra == {"headline": "Vote"}
    assert document.title == "The council voted, 7–6 🎉"


def test_csv_without_the_chosen_column_lists_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "a,b,c\n1,2,3\n")
    error = refused(path, options=ReadOptions(text_column="X"))
    assert str(error) == f'{path}: has no column "X"; columns are: a, b, c'


def test_csv_without_a_text_column_asks_for_one(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "headline,story\nVote,The council voted.\n")
    assert "choose one of its columns: headline, story" in refused(path).problem


def test_empty_text_cell_refuses_the_whole_file_naming_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, "gaps.csv", "title,text\nOne,First text\n\nTwo,   \nThree,Third\n")
    error = refused(path)
    assert str(error) == f'{path}, row 4: has no text in column "text"'


def test_row_with_too_many_cells_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "wide.csv", "title,text\nOne,First,extra\n")
    assert str(refused(path)) == f"{path}, row 2: has 3 cells but the header has 2 columns"


def test_malformed_csv_quoting_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", 'title,text\nOne,"an "odd" quote\n')
    assert "row 2: is not valid CSV" in str(refused(path))


def test_csv_with_only_a_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "header.csv", "title,text\n")
    assert refused(path).problem == "has a header row but no rows of text"


def test_csv_cell_over_the_document_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", "text\nshort\n" + "y" * (MAX_DOCUMENT_CHARS + 1) + "\n")
    error = refused(path)
    assert error.path == f"{path}, row 3"
    assert "has 1,000,001 characters" in error.problem


# --- registry -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.txt", "txt"), ("b.MD", "md"), ("c.markdown", "md"), ("d.htm", "html"),
     ("e.HTML", "html"), ("f.docx", "docx"), ("g.csv", "csv"), ("h.tsv", "tsv"),
     ("i.jsonl", "jsonl"), ("j.json", "jsonl")],
)
def test_detect_format_by_extension(name: str, fmt: str) -> None:
    assert detect_format(Path(name)) == fmt


def test_unknown_extension_lists_supported_types() -> None:
    with pytest.raises(BadInputError) as caught:
        detect_format(Path("scan.pdf"))
    assert str(caught.value).startswith("scan.pdf: cannot be imported")
    assert all(suffix in str(caught.value) for suffix in (".txt", ".docx", ".jsonl"))


def test_format_can_be_given_for_an_odd_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "wire.log", "Agency copy 🎉\r\nsecond\r\n")
    [document] = read_documents(path, fmt="txt")
    assert document.text == "Agency copy 🎉\nsecond\n"
    assert "unknown format" in refused(path, fmt="pdf").problem


def test_expand_inputs_walks_folders_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.txt", "a.md", "sub/c.csv", "sub/z.docx", ".hidden.txt", ".git/x.txt",
                 "sub/~$lock.docx", "notes.pdf", "sub/deeper/d.jsonl"]:
        write(tmp_path / "corpus", name, "x")
    single = write(tmp_path, "single.log", "x")
    found = expand_inputs([single, tmp_path / "corpus", tmp_path / "corpus" / "b.txt"])
    corpus = tmp_path / "corpus"
    assert found == [
        single,
        corpus / "a.md",
        corpus / "b.txt",
        corpus / "sub" / "c.csv",
        corpus / "sub" / "deeper" / "d.jsonl",
        corpus / "sub" / "z.docx",
    ]


def test_expand_inputs_refuses_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        expand_inputs([tmp_path / "nowhere"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInputError, match="has no files to import"):
        expand_inputs([tmp_path / "empty"])


def test_every_supported_extension_has_a_reader() -> None:
    from annotator.formats.readers import READERS

    assert set(SUPPORTED.values()) == {"txt", "md", "html", "docx", "csv", "tsv", "jsonl", "brat", "xmi",
                                       "qdpx", "conll", "conllu", "spacy"}
    assert set(SUPPORTED.values()) <= set(READERS)


def test_importing_the_registry_loads_no_heavy_library() -> None:
    code = (
        "import sys, annotator.formats.readers\n"
        "heavy = [m for m in ('trafilatura', 'docx', 'charset_normalizer', 'lxml') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.stdout.strip() == ""

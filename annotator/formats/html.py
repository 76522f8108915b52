"""Reader for saved web pages (.html, .htm): the article's main text and metadata.

trafilatura finds the main text (boilerplate such as menus and footers is dropped) and
the metadata (title, author, date, site name, canonical URL). Blocks of the article
(paragraphs, headings, lists, quotes) are separated by one blank line.

The page is untrusted: its bytes are decoded here and trafilatura gets a string, so it
never decompresses anything; it is called without a URL and only parses (lxml's HTML
parser does not load DTDs or anything else over the network); nothing is fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ReadOptions
from annotator.formats.text_io import (
    assign_metadata,
    check_length,
    decode_bytes,
    first_line_title,
    normalise_newlines,
    read_file_bytes,
    shorten_title,
)

# trafilatura's own limit on input size is 20 MB; a saved news page is far smaller.
MAX_HTML_BYTES = 20_000_000
_HTML_LANG = re.compile(
    r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)", re.IGNORECASE
)


def read_html(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read a saved news page as one document: main text plus metadata."""
    page = decode_bytes(read_file_bytes(path, limit=MAX_HTML_BYTES), path)
    extracted = _extract(page)
    if extracted is None:
        raise BadInputError(path, "no article text found")
    text = normalise_newlines(_article_text(extracted)).strip("\n")
    if not text.strip():
        raise BadInputError(path, "no article text found")
    check_length(text, path)
    document = ImportedDocument(text=text, origin=str(path))
    assign_metadata(
        document,
        {
            "title": extracted.title,
            "author": extracted.author,
            "date": extracted.date,
            "source": extracted.sitename,
            "url": extracted.url,
            "language": extracted.language or _declared_language(page),
            "description": extracted.description,
            "categories": extracted.categories,
            "tags": extracted.tags,
        },
    )
    document.title = shorten_title(document.title) if document.title else first_line_title(text)
    return [document]


def _extract(page: str) -> Any:
    """Run trafilatura's extraction on the page text; None if it found no main text."""
    import trafilatura
    from lxml.etree import LxmlError

    try:
        return trafilatura.bare_extraction(
            page,
            url=None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            output_format="python",
        )
    except (ValueError, TypeError, RecursionError, LxmlError):
        return None


def _article_text(extracted: Any) -> str:
    """The main text with one blank line between blocks (paragraphs, headings, lists)."""
    body = getattr(extracted, "body", None)
    try:
        from trafilatura.xml import xmltotxt
    except ImportError:  # an older or newer trafilatura: fall back to its own text
        body = None
    if body is None or len(body) == 0:
        return extracted.text or ""
    blocks = (xmltotxt(block, False).strip("\n") for block in body)
    return "\n\n".join(block for block in blocks if block.strip())


def _declared_language(page: str) -> str:
    """The language declared on the page's <html lang="…"> element, or ""."""
    match = _HTML_LANG.search(page[:20_000])
    return match.group(1) if match else ""

"""Dates typed in the properties dialog or found in a metadata CSV are stored as ISO, or refused."""

from __future__ import annotations

import pytest

from annotator.dates import DateError, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-02", "2026-12-02"),
        ("2026-12", "2026-12"),
        ("2026", "2026"),
        ("2026/12/02", "2026-12-02"),
        ("2026-12-02T08:15:00Z", "2026-12-02"),
        ("2026-12-02 08:15+01:00", "2026-12-02"),
        ("2 December 2026", "2026-12-02"),
        ("2nd December, 2026", "2026-12-02"),
        ("December 2, 2026", "2026-12-02"),
        ("Dec. 2 2026", "2026-12-02"),
        ("2 Dec 2026", "2026-12-02"),
        ("Tuesday, 2 December 2026", "2026-12-02"),
        ("Wed, 3 Sept 2025", "2025-09-03"),
        ("December 2026", "2026-12"),
        ("  29  February 2028 ", "2028-02-29"),
        ("", ""),
        ("   ", ""),
        ("25/12/2026", "2026-12-25"),  # only one reading has a month
        ("12/25/2026", "2026-12-25"),
        ("07.07.2026", "2026-07-07"),  # the same either way
    ],
)
def test_dates_in_iso_and_news_styles_are_stored_as_iso(text: str, expected: str) -> None:
    assert parse_date(text) == expected


def test_a_numeric_date_is_read_in_the_stated_order() -> None:
    assert parse_date("12/02/2026", day_first=True) == "2026-02-12"
    assert parse_date("12/02/2026", day_first=False) == "2026-12-02"
    assert parse_date("02-12-2026", day_first=True) == "2026-12-02"


def test_a_numeric_date_that_reads_both_ways_needs_the_order() -> None:
    with pytest.raises(DateError, match=r'"12/02/2026".*day-first or month-first'):
        parse_date("12/02/2026")


@pytest.mark.parametrize(
    ("text", "day_first", "why"),
    [
        ("31 February 2026", None, "2026-02 has no day 31"),
        ("2026-13-01", None, "no month 13"),
        ("25/12/2026", False, "read month-first: there is no month 25"),
        ("2 Decembre 2026", None, '"decembre" is not a month name'),
        ("yesterday", None, "write it like 2026-12-02"),
        ("12/02/26", True, "write it like"),  # a two-digit year is not guessed
        ("2026-12-02 and more", None, "write it like"),
    ],
)
def test_a_date_that_cannot_be_read_is_refused_naming_it(text: str, day_first: bool | None, why: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_date(text, day_first=day_first)
    message = str(raised.value)
    assert f'"{" ".join(text.split())}"' in message
    assert why in message

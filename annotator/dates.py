"""Reading the dates people type or find in news metadata, strictly, into ISO form.

A document's date groups frequencies by month and year, so it must be stored one way:
`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when that is all that is known. Input comes from a
properties dialog and from metadata CSVs: ISO dates (`2026-12-02`, also with a time after
it), news styles (`2 December 2026`, `December 2, 2026`, `2 Dec 2026`, `Tue, 2 Dec 2026`,
`December 2026`) and numeric dates (`12/02/2026`, `12.02.2026`), which are read day-first
or month-first as the caller states. A numeric date that reads both ways is refused unless
the order is stated; anything else that is not a real calendar date is refused with a
message quoting it. No guessing (two-digit years, fuzzy words): a wrong month silently
stored would move an article in every chart.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["DateError", "parse_date"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}
_WEEKDAY = (r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?|monday|tuesday|wednesday|thursday|friday"
            r"|saturday|sunday),?\s+")
_MONTH = r"(?P<month>[a-z]+)\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# A time (and zone) after an ISO date, as feeds and HTML meta tags give it: ignored.
_TIME = r"(?:[t\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:z|[+-]\d{2}:?\d{2}|utc|gmt)?)?"

_ISO = re.compile(rf"{_YEAR}(?:(?P<sep>[-/.])(?P<month>\d{{1,2}})(?:(?P=sep)(?P<day>\d{{1,2}}){_TIME})?)?")
_DAY_MONTH_YEAR = re.compile(rf"(?:{_WEEKDAY})?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}")
_MONTH_DAY_YEAR = re.compile(rf"(?:{_WEEKDAY})?{_MONTH}\s+{_DAY},?\s+{_YEAR}")
_MONTH_YEAR = re.compile(rf"{_MONTH},?\s+{_YEAR}")
_NUMERIC = re.compile(r"(?P<first>\d{1,2})(?P<sep>[/.-])(?P<second>\d{1,2})(?P=sep)(?P<year>\d{4})")


class DateError(ValueError):
    """A date that cannot be read; the message quotes it and says why."""


def parse_date(text: str, day_first: bool | None = None) -> str:
    """`text` as `YYYY-MM-DD` (or `YYYY-MM`, `YYYY` when no day or month is given); '' for
    an empty value. `day_first` says how to read numeric dates like 12/02/2026 (None: only
    when they cannot be read the other way). DateError if it is not a date we can read."""
    value = " ".join(str(text).split()).strip()
    if not value:
        return ""
    lowered = value.lower()
    found = _ISO.fullmatch(lowered)
    if found is not None:
        month = found["month"]
        return _checked(value, int(found["year"]), int(month) if month else None,
                        int(found["day"]) if found["day"] else None)
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _MONTH_YEAR):
        found = pattern.fullmatch(lowered)
        if found is None:
            continue
        month = _MONTHS.get(found["month"])
        if month is None:
            raise DateError(f'cannot read "{value}" as a date: "{found["month"]}" is not a month name')
        day = found.groupdict().get("day")
        return _checked(value, int(found["year"]), month, int(day) if day else None)
    found = _NUMERIC.fullmatch(lowered)
    if found is not None:
        first, second = int(found["first"]), int(found["second"])
        if day_first is None:
            if first == second or (first > 12 and second > 12):
                day_first = True  # the same day either way (or no month either way: refused below)
            elif first > 12 or second > 12:
                day_first = first > 12  # only one reading has a month
            else:
                raise DateError(f'cannot read "{value}" as a date: it reads as day/month or month/day; '
                                "state which comes first (day-first or month-first)")
        day, month = (first, second) if day_first else (second, first)
        return _checked(value, int(found["year"]), month, day,
                        "day-first" if day_first else "month-first")
    raise DateError(f'cannot read "{value}" as a date (write it like 2026-12-02, 2 December 2026, '
                    "December 2, 2026 or 12/02/2026)")


def _checked(value: str, year: int, month: int | None, day: int | None, order: str = "") -> str:
    """The ISO form of year/month/day after checking that such a day exists."""
    read = f" read {order}" if order else ""
    if not 1 <= year <= 9999:
        raise DateError(f'cannot read "{value}" as a date: no year {year}')
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise DateError(f'cannot read "{value}" as a date{read}: there is no month {month}')
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise DateError(f'cannot read "{value}" as a date{read}: {year:04d}-{month:02d} has no day {day}') from None

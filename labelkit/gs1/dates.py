"""Expiry date (AI 17) as YYMMDD, with the GS1 century rule checked so a reader gets the same year back."""

from __future__ import annotations

import calendar
import datetime as dt

from .errors import GS1ValidationError


def gs1_century_year(yy: int, today: dt.date) -> int:
    """The full year a GS1-conformant reader assigns to two-digit year `yy` (GS1 General Specs §7.12).

    The window runs from 49 years back to 50 years ahead of the current year.
    """
    current = today.year
    diff = yy - current % 100
    century = current - current % 100
    if diff >= 51:
        century -= 100
    elif diff <= -50:
        century += 100
    return century + yy


def expiry_yymmdd(value: dt.date | str, *, field: str = "expiry", today: dt.date | None = None) -> str:
    """Return the AI 17 value (YYMMDD) for a date, an ISO `YYYY-MM-DD` string, or a `YYMMDD` string.

    A `YYMMDD` string may use day `00` (GS1: last day of the month). Dates a reader would place in
    another century (more than 49 years back or 50 ahead of `today`) are refused rather than
    silently encoded as a different date.
    """
    ref = today or dt.date.today()
    if isinstance(value, dt.datetime):
        raise GS1ValidationError(field, "must be a date, not a date and time")
    if isinstance(value, dt.date):
        year, month, day = value.year, value.month, value.day
        yymmdd = f"{year % 100:02d}{month:02d}{day:02d}"
    elif isinstance(value, str):
        yymmdd, year = _parse_date_string(value, field=field, today=ref)
    else:
        raise GS1ValidationError(field, f"must be a date or a string, got {type(value).__name__}")
    if gs1_century_year(year % 100, ref) != year:
        raise GS1ValidationError(
            field, f"year {year} cannot be written as YY: readers would take {yymmdd[:2]} for another century"
        )
    return yymmdd


def _parse_date_string(value: str, *, field: str, today: dt.date) -> tuple[str, int]:
    if len(value) == 6 and value.isascii() and value.isdigit():
        yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
        year = gs1_century_year(yy, today)
        if not 1 <= mm <= 12:
            raise GS1ValidationError(field, f"month {mm:02d} in {value!r} is not 01-12")
        last = calendar.monthrange(year, mm)[1]
        if dd > last:
            raise GS1ValidationError(field, f"day {dd:02d} in {value!r} does not exist in that month")
        return value, year
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise GS1ValidationError(field, f"{value!r} is neither an ISO date (YYYY-MM-DD) nor YYMMDD") from None
    return f"{parsed.year % 100:02d}{parsed.month:02d}{parsed.day:02d}", parsed.year

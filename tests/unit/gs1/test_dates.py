from __future__ import annotations

import datetime as dt

import pytest

from labelkit.gs1 import GS1ValidationError, expiry_yymmdd, gs1_century_year

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2027, 3, 31), "270331"),
        (dt.date(2000, 1, 1), "000101"),
        ("2027-03-31", "270331"),
        ("270331", "270331"),
        ("270200", "270200"),  # day 00 = end of month, allowed by GS1
        ("280229", "280229"),  # 2028 is a leap year
    ],
)
def test_expiry_formats(value: dt.date | str, expected: str) -> None:
    assert expiry_yymmdd(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("271301", "month 13"),
        ("270230", "day 30"),
        ("270229", "day 29"),
        ("2027-02-30", "neither an ISO date"),
        ("tomorrow", "neither an ISO date"),
        (dt.date(2080, 1, 1), "year 2080 cannot be written as YY"),
        (dt.date(1970, 1, 1), "year 1970"),
    ],
)
def test_expiry_rejections(value: dt.date | str, fragment: str) -> None:
    with pytest.raises(GS1ValidationError) as info:
        expiry_yymmdd(value, field="lots.0.expiry_date", today=TODAY)
    assert info.value.field == "lots.0.expiry_date"
    assert fragment in info.value.reason


def test_datetime_is_refused() -> None:
    with pytest.raises(GS1ValidationError, match="not a date and time"):
        expiry_yymmdd(dt.datetime(2027, 1, 1, 12), today=TODAY)


@pytest.mark.parametrize(
    ("yy", "year"), [(26, 2026), (76, 2076), (77, 1977), (0, 2000), (99, 1999), (75, 2075)]
)
def test_century_window(yy: int, year: int) -> None:
    assert gs1_century_year(yy, TODAY) == year

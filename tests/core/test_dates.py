"""core.dates: reading dataset/treaty dates and writing Vietnamese dates."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from core.dates import (
    DateCell,
    DateParseError,
    format_dmy,
    format_vi_date,
    is_missing,
    is_open_end,
    parse_date,
    parse_date_cell,
    parse_untc_action,
)

D = date(1994, 11, 22)


@pytest.mark.parametrize("s,expected", [
    ("2024-05-25", date(2024, 5, 25)),
    ("2024-05-25T10:30:00", date(2024, 5, 25)),
    ("25/05/2024", date(2024, 5, 25)),
    ("25.05.2024", date(2024, 5, 25)),
    ("25-05-2024", date(2024, 5, 25)),
    ("5/1/2020", date(2020, 1, 5)),
    ("  25/05/2024 ", date(2024, 5, 25)),
    ("24 Sep 1982", date(1982, 9, 24)),
    ("24 Sep 1982 a", date(1982, 9, 24)),
    ("24 Sept. 1982", date(1982, 9, 24)),
    ("ngày 22 tháng 11 năm 1994", D),
    ("22 tháng 11 năm 1994", D),
    ("NGÀY 22 THÁNG 11 NĂM 1994", D),
    ("ngay 22 thang 11 nam 1994", D),
    ("ngày 05 tháng 01 năm 2020", date(2020, 1, 5)),
    ("22 November 1994", D),
    ("22 november 1994", D),
    ("November 22, 1994", D),
    ("November 22 1994", D),
    ("March 28,2000", date(2000, 3, 28)),
    ("December 5th, 2007", date(2007, 12, 5)),
    ("the 24th day of January 1995", date(1995, 1, 24)),
    ("the 1st day of March 2001", date(2001, 3, 1)),
    ("1351", date(1351, 1, 1)),
    (date(2020, 2, 29), date(2020, 2, 29)),
    (datetime(2020, 2, 29, 12, 0), date(2020, 2, 29)),
])
def test_parse_date(s: object, expected: date) -> None:
    assert parse_date(s) == expected


def test_order_mdy() -> None:
    assert parse_date("05/25/2024", order="mdy") == date(2024, 5, 25)
    assert parse_date("05/04/2024", order="mdy") == date(2024, 5, 4)
    assert parse_date("05/04/2024") == date(2024, 4, 5)
    assert parse_date("25.05.2024", order="mdy") == date(2024, 5, 25)  # dotted dates are always d.m.y
    with pytest.raises(DateParseError):
        parse_date("25/05/2024", order="mdy")
    with pytest.raises(ValueError):
        parse_date("25/05/2024", order="ymd")


@pytest.mark.parametrize("s", ["hello", "31/02/2024", "2024-13-01", "32 tháng 1 năm 2020", "25/05/24", "Sep 1982 x", "1.2.3"])
def test_unreadable_raises_naming_value(s: str) -> None:
    with pytest.raises(DateParseError) as e:
        parse_date(s)
    assert repr(s) in str(e.value)
    assert isinstance(e.value, ValueError)
    assert e.value.value == s


@pytest.mark.parametrize("s", ["31.12.9999", "9999-12-31", "31/12/9999", date(9999, 12, 31)])
def test_open_end(s: object) -> None:
    assert is_open_end(s)
    assert parse_date(s) is None
    cell = parse_date_cell(s)
    assert cell == DateCell(None, open_end=True, missing=False)


@pytest.mark.parametrize("s", ["N/A", "n/a", "", "-", "  ", None, "NA"])
def test_missing(s: object) -> None:
    assert is_missing(s)
    assert parse_date(s) is None
    cell = parse_date_cell(s)
    assert cell.missing and not cell.open_end and cell.value is None


def test_not_open_end_or_missing() -> None:
    assert not is_open_end("2024-05-25") and not is_missing("2024-05-25")


def test_precision() -> None:
    assert parse_date_cell("1351") == DateCell(date(1351, 1, 1), precision="year")
    assert parse_date_cell("11/1994").precision == "month"
    assert parse_date_cell("tháng 11 năm 1994") == DateCell(date(1994, 11, 1), precision="month")
    assert parse_date_cell("November 1994").value == date(1994, 11, 1)
    assert parse_date_cell("22/11/1994").precision == "day"


@pytest.mark.parametrize("s,kind", [
    ("24 Sep 1982 a", "accession"),
    ("24 Sep 1982 d", "succession"),
    ("24 Sep 1982 c", "formal_confirmation"),
    ("24 Sep 1982 A", "acceptance"),
    ("24 Sep 1982 AA", "approval"),
    ("24 Sep 1982", None),
])
def test_untc_action(s: str, kind: str | None) -> None:
    assert parse_untc_action(s) == (date(1982, 9, 24), kind)


def test_untc_empty_and_bad() -> None:
    assert parse_untc_action("") == (None, None)
    with pytest.raises(DateParseError):
        parse_untc_action("24 Sep 1982 zz")


def test_format_vi_date() -> None:
    assert format_vi_date(date(2020, 1, 5)) == "ngày 05 tháng 01 năm 2020"
    assert format_vi_date(date(2024, 3, 6)) == "ngày 06 tháng 3 năm 2024"
    assert format_vi_date(date(2023, 8, 21)) == "ngày 21 tháng 8 năm 2023"
    assert format_vi_date(date(2024, 2, 14)) == "ngày 14 tháng 02 năm 2024"
    assert format_vi_date(date(2024, 12, 9)) == "ngày 09 tháng 12 năm 2024"
    assert format_vi_date(date(2020, 1, 5), leading_zero=False) == "ngày 5 tháng 1 năm 2020"


def test_format_dmy() -> None:
    assert format_dmy(date(2016, 4, 9)) == "09/04/2016"
    assert format_dmy(date(1351, 1, 1)) == "01/01/1351"


def test_round_trips() -> None:
    for d in (date(2020, 1, 5), date(2024, 3, 6), date(1995, 12, 31), date(2016, 4, 9)):
        assert parse_date(format_vi_date(d)) == d
        assert parse_date(format_vi_date(d, leading_zero=False)) == d
        assert parse_date(format_dmy(d)) == d

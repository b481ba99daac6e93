from datetime import date

import pytest

from ingest.dates import find_dates, parse_date_text, words_to_number


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ngày 22 tháng 11 năm 1994", date(1994, 11, 22)),
        ("Làm tại Hà Nội, ngày 05 tháng 01 năm 2020", date(2020, 1, 5)),
        ("Hà Nội, ngày 06 tháng 3 năm 2024", date(2024, 3, 6)),
        ("Done at Hanoi on 22 November 1994", date(1994, 11, 22)),
        ("Done at The Hague, this 24th day of January 1995", date(1995, 1, 24)),
        ("Hanoi, March 28, 2000", date(2000, 3, 28)),
        ("Exchange of Notes dated March 28,2000, concerning", date(2000, 3, 28)),
        ("this Twenty Ninth Day of November in the Year Two Thousand and Four", date(2004, 11, 29)),
        ("this tenth day of December, one thousand nine\nhundred and eighty-two", date(1982, 12, 10)),
        ("signed on December 5th 2007 and", date(2007, 12, 5)),
        ("làm tại Luân-đôn ngày 13/02/2004", date(2004, 2, 13)),
        ("số 129/TĐ-PCCC ngày 30/ 06/2017", date(2017, 6, 30)),
        ("shall enter into force on 1 January 2005.", date(2005, 1, 1)),
        ("le 10 décembre 1982", date(1982, 12, 10)),
    ],
)
def test_date_variants(text, expected):
    assert parse_date_text(text) == expected


def test_ocr_noise_is_flagged():
    (m,) = find_dates("Ký tại Bắc Kinh ngày l ĩ tháng 10 năm 2011")
    assert m.value == date(2011, 10, 11) and m.noisy
    (m,) = find_dates("ký ngày ỉ 1 tháng 10 năm 2011")
    assert m.value == date(2011, 10, 11) and m.noisy
    (m,) = find_dates("ngày 11 tháng 10 năm 2011")
    assert not m.noisy


def test_invalid_dates_are_skipped():
    assert find_dates("ngày 31 tháng 2 năm 2020") == []
    assert find_dates("ngày 1 tháng 1 sau năm mà Hiệp định có hiệu lực") == []
    assert parse_date_text("no date here") is None


def test_words_to_number():
    assert words_to_number("thirtieth") == 30
    assert words_to_number("Twenty Ninth") == 29
    assert words_to_number("two thousand and four") == 2004
    assert words_to_number("one thousand nine hundred and ninety-five") == 1995
    assert words_to_number("sixty (60)") == 60
    assert words_to_number("banana") is None

"""core.agencies: the Vietnamese agency master table with validity dates and successor links."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from core.agencies import (
    Agency,
    agencies_valid_on,
    all_agencies,
    current_successor,
    predecessors_of,
    resolve_agency,
)


def name(a: Agency | None) -> str | None:
    return a.name_vi if a else None


def test_rows_loaded() -> None:
    rows = all_agencies()
    assert len(rows) == 96
    a = resolve_agency("Bộ Kế hoạch và Đầu tư")
    assert a is not None and a.kind == "bộ" and a.valid_to == date(2025, 2, 28) and a.valid_from is None
    tc = resolve_agency("Bộ Tài chính")
    assert tc is not None and tc.valid_from == date(2025, 3, 1) and tc.valid_to is None
    assert "Bộ Kế hoạch và Đầu tư" in tc.successor_of and tc.basis and tc.source


@pytest.mark.parametrize("text,expected", [
    ("Lào Cai", "Lào Cai"),
    ("Ủy ban nhân dân tỉnh Lào Cai", "Lào Cai"),
    ("UBND tỉnh Lào Cai", "Lào Cai"),
    ("ubnd tinh lao cai", "Lào Cai"),
    ("Uỷ ban Nhân dân Tỉnh LÀO CAI", "Lào Cai"),
    ("Hội đồng nhân dân tỉnh Hà Giang", "Hà Giang"),
    ("thành phố Hải Phòng", "Hải Phòng"),
    ("TP HCM", "Thành phố Hồ Chí Minh"),
    ("Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    ("UBND Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    ("tỉnh Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
    ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
    ("Bộ Ke hoach va Dau tu", "Bộ Kế hoạch và Đầu tư"),
    ("BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "Bộ Kế hoạch và Đầu tư"),
    ("Bộ KH&ĐT", "Bộ Kế hoạch và Đầu tư"),
    ("Văn phòng Bộ Tài chính", "Bộ Tài chính"),
    ("Bộ Lao động – Thương binh và Xã hội", "Bộ Lao động - Thương binh và Xã hội"),
    ("Bộ Văn hoá, Thể thao và Du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("Uỷ ban Dân tộc", "Ủy ban Dân tộc"),
    ("BNG", "Bộ Ngoại giao"),
    ("Ban Tôn giáo Chính phủ", "Ban Tôn giáo Chính phủ"),
])
def test_resolve_agency(text: str, expected: str) -> None:
    assert name(resolve_agency(text)) == expected


@pytest.mark.parametrize("text", ["", "Bộ Không Tồn Tại", "Đại học Quốc gia Hà Nội", "Lào", "Ủy ban nhân dân"])
def test_resolve_agency_unknown(text: str) -> None:
    assert resolve_agency(text) is None


@pytest.mark.parametrize("old,on,expected", [
    ("Bộ Kế hoạch và Đầu tư", None, "Bộ Tài chính"),
    ("Bộ Kế hoạch và Đầu tư", date(2025, 3, 1), "Bộ Tài chính"),
    ("Bộ Kế hoạch và Đầu tư", date(2025, 2, 28), "Bộ Kế hoạch và Đầu tư"),
    ("Bộ Kế hoạch và Đầu tư", date(2020, 1, 1), "Bộ Kế hoạch và Đầu tư"),
    ("Bộ Lao động - Thương binh và Xã hội", None, "Bộ Nội vụ"),
    ("Bộ Giao thông vận tải", None, "Bộ Xây dựng"),
    ("Bộ Tài nguyên và Môi trường", None, "Bộ Nông nghiệp và Môi trường"),
    ("Bộ Nông nghiệp và Phát triển nông thôn", None, "Bộ Nông nghiệp và Môi trường"),
    ("Bộ Thông tin và Truyền thông", None, "Bộ Khoa học và Công nghệ"),
    ("Ủy ban Dân tộc", None, "Bộ Dân tộc và Tôn giáo"),
    ("Ban Tôn giáo Chính phủ", None, "Bộ Dân tộc và Tôn giáo"),
    ("Bảo hiểm xã hội Việt Nam", None, "Bộ Tài chính"),
    ("Hà Giang", None, "Tuyên Quang"),
    ("Hà Giang", date(2025, 7, 1), "Tuyên Quang"),
    ("Hà Giang", date(2025, 6, 30), "Hà Giang"),
    ("UBND tỉnh Hà Giang", None, "Tuyên Quang"),
    ("Thừa Thiên Huế", None, "Huế"),
    ("Thừa Thiên Huế", date(2024, 12, 31), "Thừa Thiên Huế"),
    ("Bà Rịa - Vũng Tàu", None, "Thành phố Hồ Chí Minh"),
    ("Hòa Bình", None, "Phú Thọ"),
    ("Quảng Nam", None, "Đà Nẵng"),
    ("Bộ Ngoại giao", None, "Bộ Ngoại giao"),
    ("Lào Cai", None, "Lào Cai"),
    ("Yên Bái", None, "Lào Cai"),
])
def test_current_successor(old: str, on: date | None, expected: str) -> None:
    assert current_successor(old, on=on).name_vi == expected


def test_current_successor_unknown() -> None:
    with pytest.raises(KeyError):
        current_successor("Bộ Không Tồn Tại")


def test_predecessors() -> None:
    assert {a.name_vi for a in predecessors_of("Bộ Tài chính")} == {
        "Bộ Kế hoạch và Đầu tư", "Bảo hiểm xã hội Việt Nam", "Ủy ban Quản lý vốn nhà nước tại doanh nghiệp"}
    bt = [a for a in predecessors_of("Bộ Dân tộc và Tôn giáo") if a.name_vi == "Ban Tôn giáo Chính phủ"][0]
    assert bt.implicit and bt.valid_to == date(2025, 2, 28)


def test_agencies_valid_on() -> None:
    before = agencies_valid_on(date(2024, 6, 1))
    k = Counter(a.kind for a in before)
    assert k["bộ"] == 18 and k["cơ quan ngang bộ"] == 4 and k["cơ quan thuộc Chính phủ"] == 8
    assert k["tỉnh"] + k["thành phố trực thuộc trung ương"] == 63
    names = {a.name_vi for a in before}
    assert {"Bộ Kế hoạch và Đầu tư", "Bộ Tài chính", "Hà Giang", "Lào Cai", "Thừa Thiên Huế"} <= names
    assert "Huế" not in names and "Bộ Nông nghiệp và Môi trường" not in names

    mid = {a.name_vi for a in agencies_valid_on(date(2025, 4, 1))}
    assert "Bộ Kế hoạch và Đầu tư" not in mid and "Bộ Tài chính" in mid and "Hà Giang" in mid

    after = agencies_valid_on(date(2025, 8, 1))
    k = Counter(a.kind for a in after)
    assert k["bộ"] == 14 and k["cơ quan ngang bộ"] == 3 and k["cơ quan thuộc Chính phủ"] == 5
    assert k["tỉnh"] + k["thành phố trực thuộc trung ương"] == 34
    assert "Hà Giang" not in {a.name_vi for a in after}
    assert len(after) == len([a for a in all_agencies() if a.valid_to is None])

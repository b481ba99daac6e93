"""Vietnamese state agencies (ministries, ministerial-level and Government agencies, provinces)
with validity dates and successor links, read from ``core/refdata/agencies.csv``.

Table semantics (see shared/refdata/README.md): a row with an empty ``valid_to`` is in force now;
``successor_of`` on the *successor's* row lists every predecessor (including the one whose name it
kept, and bodies absorbed only in part); names that disappeared have their own row with a
``valid_to``.  An empty ``valid_from`` means "founding date not researched", so such a row counts
as valid for any date up to its ``valid_to``.

Names that appear only inside ``successor_of`` (``Ban Tôn giáo Chính phủ``) get an *implicit* row
(``implicit=True``) whose ``valid_to`` is the day before its successor's ``valid_from``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from core.refdata import read_table
from core.text import fold, nfc

__all__ = [
    "Agency",
    "all_agencies",
    "resolve_agency",
    "current_successor",
    "predecessors_of",
    "agencies_valid_on",
    "PROVINCE_KINDS",
]

PROVINCE_KINDS = frozenset({"tỉnh", "thành phố trực thuộc trung ương"})


@dataclass(frozen=True)
class Agency:
    name_vi: str
    kind: str  # "bộ" | "cơ quan ngang bộ" | "cơ quan thuộc Chính phủ" | "tỉnh" | "thành phố trực thuộc trung ương" | "" (implicit)
    valid_from: date | None
    valid_to: date | None
    successor_of: tuple[str, ...]  # predecessors' names (a tuple so the dataclass stays hashable)
    basis: str
    source: str
    implicit: bool = False

    @property
    def is_province(self) -> bool:
        return self.kind in PROVINCE_KINDS

    @property
    def kept_name(self) -> bool:
        """True when this body was formed by a merger that kept its own old name (``Bộ Tài chính``,
        ``Lào Cai``): the name existed before ``valid_from``."""
        return self.name_vi in self.successor_of

    def valid_on(self, d: date) -> bool:
        """Whether a body of this name existed on ``d``.  For a merged body that kept its name the
        name is valid before ``valid_from`` too (the pre-merger body of the same name)."""
        started = self.valid_from is None or self.valid_from <= d or self.kept_name
        return started and (self.valid_to is None or d <= self.valid_to)


# Abbreviations and variant spellings seen in administrative usage.  BNG/BTP come from
# docs/domain.md (abbreviation list); the others are common usage (unconfirmed).
_EXTRA_NAMES: dict[str, str] = {
    "BNG": "Bộ Ngoại giao",
    "BTP": "Bộ Tư pháp",
    "BQP": "Bộ Quốc phòng",
    "BCA": "Bộ Công an",
    "BCT": "Bộ Công Thương",
    "BYT": "Bộ Y tế",
    "BTC": "Bộ Tài chính",
    "BNV": "Bộ Nội vụ",
    "BXD": "Bộ Xây dựng",
    "Bộ GD&ĐT": "Bộ Giáo dục và Đào tạo",
    "Bộ GDĐT": "Bộ Giáo dục và Đào tạo",
    "Bộ KH&CN": "Bộ Khoa học và Công nghệ",
    "Bộ KHCN": "Bộ Khoa học và Công nghệ",
    "Bộ KH&ĐT": "Bộ Kế hoạch và Đầu tư",
    "Bộ KHĐT": "Bộ Kế hoạch và Đầu tư",
    "Bộ LĐTB&XH": "Bộ Lao động - Thương binh và Xã hội",
    "Bộ LĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "Bộ GTVT": "Bộ Giao thông vận tải",
    "Bộ NN&PTNT": "Bộ Nông nghiệp và Phát triển nông thôn",
    "Bộ NNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn",
    "Bộ TN&MT": "Bộ Tài nguyên và Môi trường",
    "Bộ TNMT": "Bộ Tài nguyên và Môi trường",
    "Bộ NN&MT": "Bộ Nông nghiệp và Môi trường",
    "Bộ TT&TT": "Bộ Thông tin và Truyền thông",
    "Bộ TTTT": "Bộ Thông tin và Truyền thông",
    "Bộ VHTTDL": "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ VHTT&DL": "Bộ Văn hóa, Thể thao và Du lịch",
    "NHNN": "Ngân hàng Nhà nước Việt Nam",
    "Ngân hàng Nhà nước": "Ngân hàng Nhà nước Việt Nam",
    "BHXH Việt Nam": "Bảo hiểm xã hội Việt Nam",
    "TTXVN": "Thông tấn xã Việt Nam",
    "VTV": "Đài Truyền hình Việt Nam",
    "VOV": "Đài Tiếng nói Việt Nam",
    "Hồ Chí Minh": "Thành phố Hồ Chí Minh",
    "TP HCM": "Thành phố Hồ Chí Minh",
    "TPHCM": "Thành phố Hồ Chí Minh",
    "TP. Hồ Chí Minh": "Thành phố Hồ Chí Minh",
    "Sài Gòn": "Thành phố Hồ Chí Minh",
    "Đắc Lắc": "Đắk Lắk",
    "Đắk Lắc": "Đắk Lắk",
    "Đắc Nông": "Đắk Nông",
    "Bà Rịa Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Thừa Thiên-Huế": "Thừa Thiên Huế",
}

# words after which a province name may follow ("UBND tỉnh Lào Cai", "Ủy ban nhân dân Lào Cai",
# "thành phố Hải Phòng", "TP Cần Thơ")
_PROVINCE_LEAD = frozenset({"tinh", "pho", "tp", "ubnd", "hdnd", "dan"})
_TOKEN_RE = re.compile(r"[^\W_]+")


def _d(s: str) -> date | None:
    return date.fromisoformat(s) if s else None


def _keytoks(s: str) -> list[str]:
    return [k for k in (re.sub(r"[^0-9a-z]", "", fold(w)) for w in _TOKEN_RE.findall(nfc(s) or "")) if k]


@dataclass
class _Data:
    rows: list[Agency]
    by_name: dict[str, Agency]
    by_key: dict[str, Agency]
    successors: dict[str, list[Agency]]  # predecessor name → successor rows


@lru_cache(maxsize=1)
def _data() -> _Data:
    rows: list[Agency] = []
    for r in read_table("agencies.csv"):
        rows.append(Agency(
            name_vi=r["name_vi"], kind=r["kind"], valid_from=_d(r["valid_from"]), valid_to=_d(r["valid_to"]),
            successor_of=tuple(p for p in r["successor_of"].split("|") if p), basis=r["basis"], source=r["source"],
        ))
    by_name = {a.name_vi: a for a in rows}
    successors: dict[str, list[Agency]] = {}
    implicit: list[Agency] = []
    for a in rows:
        for p in a.successor_of:
            if p == a.name_vi:
                continue
            successors.setdefault(p, []).append(a)
            if p not in by_name:
                imp = Agency(
                    name_vi=p, kind="", valid_from=None,
                    valid_to=(a.valid_from - timedelta(days=1)) if a.valid_from else None,
                    successor_of=(), basis=f"known only as a predecessor of {a.name_vi} ({a.basis})",
                    source=a.source, implicit=True,
                )
                by_name[p] = imp
                implicit.append(imp)
    rows = rows + implicit
    by_key: dict[str, Agency] = {}
    for a in rows:
        by_key.setdefault("".join(_keytoks(a.name_vi)), a)
    for alias, target in _EXTRA_NAMES.items():
        if target in by_name:
            by_key.setdefault("".join(_keytoks(alias)), by_name[target])
    return _Data(rows=rows, by_name=by_name, by_key=by_key, successors=successors)


def all_agencies(include_implicit: bool = False) -> list[Agency]:
    return [a for a in _data().rows if include_implicit or not a.implicit]


@lru_cache(maxsize=4096)
def resolve_agency(name: str) -> Agency | None:
    """Any spelling of an agency name → its row.

    Tolerates case, tone marks, hyphens and leading words: "UBND tỉnh Lào Cai",
    "Ủy ban nhân dân tỉnh Lào Cai", "tinh lao cai" → Lào Cai; "Văn phòng Bộ Tài chính" → Bộ Tài chính.
    A province is taken from a longer phrase only after "tỉnh", "thành phố", "TP", "UBND"/"HĐND"
    or "Ủy ban nhân dân", so "Đại học Quốc gia Hà Nội" does not resolve to Hà Nội.
    """
    if not name or not name.strip():
        return None
    d = _data()
    exact = d.by_name.get(nfc(name).strip())
    if exact is not None:
        return exact
    toks = _keytoks(name)
    if not toks:
        return None
    for i in range(len(toks)):
        a = d.by_key.get("".join(toks[i:]))
        if a is None:
            continue
        if i == 0 or not a.is_province or toks[i - 1] in _PROVINCE_LEAD:
            return a
    return None


def _lookup(name: str | Agency) -> Agency:
    if isinstance(name, Agency):
        return name
    a = resolve_agency(name)
    if a is None:
        raise KeyError(f"unknown agency: {name!r}")
    return a


def current_successor(name: str | Agency, on: date | None = None) -> Agency:
    """The body responsible on ``on`` (default: today, i.e. follow every link) for ``name``.

    ``current_successor("Bộ Kế hoạch và Đầu tư")`` → Bộ Tài chính;
    ``current_successor("Bộ Kế hoạch và Đầu tư", on=date(2024, 1, 1))`` → Bộ Kế hoạch và Đầu tư;
    ``current_successor("Hà Giang")`` → Tuyên Quang (from 2025-07-01).
    Raises ``KeyError`` when the name is unknown.
    """
    d = _data()
    a = _lookup(name)
    for _ in range(20):  # the table has no cycles; the bound only guards against bad data
        if a.valid_to is None or (on is not None and on <= a.valid_to):
            return a
        nxt = [s for s in d.successors.get(a.name_vi, []) if s.name_vi != a.name_vi]
        if on is not None:
            nxt = [s for s in nxt if s.valid_from is None or s.valid_from <= on] or nxt
        if not nxt:
            return a
        # the successor that started first after this body ended
        nxt.sort(key=lambda s: (s.valid_from or date.min))
        a = nxt[0]
    return a


def predecessors_of(name: str | Agency) -> list[Agency]:
    """Rows listed in ``successor_of`` (other than the body itself), with implicit rows."""
    d = _data()
    a = _lookup(name)
    return [d.by_name[p] for p in a.successor_of if p != a.name_vi and p in d.by_name]


def agencies_valid_on(on: date, include_implicit: bool = False) -> list[Agency]:
    """Bodies that existed on ``on`` (rows with an unknown ``valid_from`` count as existing)."""
    return [a for a in all_agencies(include_implicit) if a.valid_on(on)]

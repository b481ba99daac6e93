"""Dates as they appear in treaty data sets, registers and texts; Vietnamese date formatting.

Readers:

- :func:`parse_date` – one value → ``date``; ``None`` for an empty/missing cell or the open-end
  sentinel (``31.12.9999``, ``9999-12-31``); :class:`DateParseError` (a ``ValueError`` naming the
  value) for anything unreadable.
- :func:`parse_date_cell` – the same, returning a :class:`DateCell` that says *why* there is no
  date (missing vs open end) and how precise the date is (day / month / year).
- :func:`parse_untc_action` – UN Treaty Collection participant cells: ``"24 Sep 1982 a"`` →
  ``(date(1982, 9, 24), "accession")``.

Accepted forms: ``2024-05-25``, ``25/05/2024`` (``05/25/2024`` with ``order="mdy"``),
``25.05.2024``, ``25-05-2024``, ``24 Sep 1982``, ``ngày 22 tháng 11 năm 1994``,
``22 tháng 11 năm 1994`` (also without tone marks or in capitals), ``22 November 1994``,
``November 22, 1994``, ``March 28,2000``, ``the 24th day of January 1995``, month–year
(``11/1994``, ``tháng 11 năm 1994``, ``November 1994``) and year only (``1351``).

Writers: :func:`format_vi_date` (Decree 30/2020 style: ``ngày 05 tháng 01 năm 2020``,
``ngày 06 tháng 3 năm 2024``) and :func:`format_dmy` (``09/04/2016``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from core.text import fold, nfc

__all__ = [
    "DateParseError",
    "DateCell",
    "parse_date",
    "parse_date_cell",
    "parse_untc_action",
    "is_open_end",
    "is_missing",
    "format_vi_date",
    "format_dmy",
    "UNTC_ACTIONS",
]


class DateParseError(ValueError):
    """A value that is not a readable date; the message names the value."""

    def __init__(self, value: object, reason: str = "not a readable date") -> None:
        self.value = value
        super().__init__(f"{reason}: {value!r}")


@dataclass(frozen=True)
class DateCell:
    value: date | None
    open_end: bool = False
    missing: bool = False
    precision: str | None = None  # "day" | "month" | "year"; None when there is no value
    action: str | None = None  # UNTC action kind when the cell carried a suffix


_MISSING = frozenset({"", "-", "–", "—", "n/a", "na", "n.a.", "none", "null", "không", "khong"})
_OPEN_END = frozenset({"9999-12-31", "31.12.9999", "31/12/9999", "12/31/9999", "9999"})

# UNTC participant-table suffixes
UNTC_ACTIONS: dict[str, str] = {
    "a": "accession",
    "d": "succession",
    "c": "formal_confirmation",
    "A": "acceptance",
    "AA": "approval",
}

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
    # French, as found in some UN/bilingual texts
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))

# all patterns run on fold(s): lower case, no tone marks, đ→d, hyphens as spaces
_ORD = r"(?:st|nd|rd|th)?"
_RE_ISO = re.compile(r"^(\d{4}) (\d{1,2}) (\d{1,2})(?:t[\d:.]+z?)?$")  # hyphens already spaces
_RE_ISO_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_RE_NUM = re.compile(r"^(\d{1,2})\s*([/.]|\s)\s*(\d{1,2})\s*\2\s*(\d{4})$")
_RE_VI = re.compile(r"^(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})$")
_RE_VI_MONTH = re.compile(r"^thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})$")
_RE_DMY_NAME = re.compile(rf"^(?:the\s+)?(\d{{1,2}}){_ORD}\s+(?:day\s+of\s+)?({_MON})\.?,?\s+(\d{{4}})$")
_RE_MDY_NAME = re.compile(rf"^({_MON})\.?\s+(\d{{1,2}}){_ORD}\s*,?\s*(\d{{4}})$")
_RE_MY_NAME = re.compile(rf"^({_MON})\.?,?\s+(\d{{4}})$")
_RE_MY_NUM = re.compile(r"^(\d{1,2})[/.](\d{4})$")
_RE_YEAR = re.compile(r"^(\d{3,4})$")
_RE_UNTC = re.compile(r"^(.*?\d{4})\s+(AA|a|d|c|A)\s*$")


def _clean(s: str) -> str:
    s = nfc(s).strip()
    s = s.replace("\u00a0", " ").replace("\u202f", " ")
    return s


def _make(value: object, y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError as e:
        raise DateParseError(value, f"impossible date ({e})") from None


def is_missing(s: object) -> bool:
    """Empty cell, "N/A", "n/a", "-" …"""
    if s is None:
        return True
    if not isinstance(s, str):
        return False
    return _clean(s).lower().rstrip(".") in {m.rstrip(".") for m in _MISSING}


def is_open_end(s: object) -> bool:
    """The open-end sentinel used for "no end date": 31.12.9999, 9999-12-31 (also as a date)."""
    if isinstance(s, (date, datetime)):
        return s.year == 9999 and s.month == 12 and s.day == 31
    if not isinstance(s, str):
        return False
    return _clean(s).split("T")[0].split(" ")[0] in _OPEN_END


def parse_date_cell(s: object, order: str = "dmy") -> DateCell:
    """Read one cell.  ``order`` ("dmy" or "mdy") settles all-numeric ``nn/nn/yyyy`` values."""
    if order not in ("dmy", "mdy"):
        raise ValueError(f"order must be 'dmy' or 'mdy', not {order!r}")
    if isinstance(s, datetime):
        s = s.date()
    if isinstance(s, date):
        if is_open_end(s):
            return DateCell(None, open_end=True)
        return DateCell(s, precision="day")
    if is_missing(s):
        return DateCell(None, missing=True)
    if not isinstance(s, str):
        raise DateParseError(s, "not a date string")
    raw = _clean(s)
    if is_open_end(raw):
        return DateCell(None, open_end=True)

    action = None
    m = _RE_UNTC.match(raw)
    if m:
        raw_date, action = m.group(1), UNTC_ACTIONS[m.group(2)]
    else:
        raw_date = raw
    value, precision = _parse(raw_date, s, order)
    if value.year == 9999 and value.month == 12 and value.day == 31:
        return DateCell(None, open_end=True)
    return DateCell(value, precision=precision, action=action)


def _parse(raw: str, original: object, order: str) -> tuple[date, str]:
    f = fold(raw).strip(" .;")
    f = re.sub(r"\s+", " ", f)
    if (m := _RE_ISO.match(f)) or (m := _RE_ISO_SLASH.match(f)):
        return _make(original, int(m[1]), int(m[2]), int(m[3])), "day"
    if m := _RE_NUM.match(f):
        a, b, y = int(m[1]), int(m[3]), int(m[4])
        if m[2] == "." or order == "dmy":
            day, mon = a, b
        else:
            mon, day = a, b
        return _make(original, y, mon, day), "day"
    if m := _RE_VI.match(f):
        return _make(original, int(m[3]), int(m[2]), int(m[1])), "day"
    if m := _RE_DMY_NAME.match(f):
        return _make(original, int(m[3]), _MONTHS[m[2]], int(m[1])), "day"
    if m := _RE_MDY_NAME.match(f):
        return _make(original, int(m[3]), _MONTHS[m[1]], int(m[2])), "day"
    if m := _RE_VI_MONTH.match(f):
        return _make(original, int(m[2]), int(m[1]), 1), "month"
    if m := _RE_MY_NAME.match(f):
        return _make(original, int(m[2]), _MONTHS[m[1]], 1), "month"
    if m := _RE_MY_NUM.match(f):
        return _make(original, int(m[2]), int(m[1]), 1), "month"
    if m := _RE_YEAR.match(f):
        y = int(m[1])
        if y < 1:
            raise DateParseError(original, "year out of range")
        return _make(original, y, 1, 1), "year"
    raise DateParseError(original)


def parse_date(s: object, order: str = "dmy") -> date | None:
    """One value → ``date``; ``None`` if missing or open-ended; :class:`DateParseError` otherwise.

    A trailing UNTC action letter is ignored (``"24 Sep 1982 a"`` → 1982-09-24); use
    :func:`parse_untc_action` to keep it.  Month-only and year-only values give the first day;
    use :func:`parse_date_cell` to learn the precision.
    """
    return parse_date_cell(s, order).value


def parse_untc_action(s: str) -> tuple[date | None, str | None]:
    """UNTC participant cell → ``(date, kind)``.

    kind: "accession" (a), "succession" (d), "formal_confirmation" (c), "acceptance" (A),
    "approval" (AA), or ``None`` when there is no suffix (ratification or signature: the column
    decides).  An empty cell gives ``(None, None)``.
    """
    cell = parse_date_cell(s)
    return cell.value, cell.action


def format_vi_date(d: date, leading_zero: bool = True) -> str:
    """``ngày 05 tháng 01 năm 2020``; ``ngày 06 tháng 3 năm 2024`` (Decree 30/2020: a zero before
    days below 10 and months 1–2).  ``leading_zero=False`` gives ``ngày 5 tháng 1 năm 2020``."""
    if leading_zero:
        day = f"{d.day:02d}"
        month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    else:
        day, month = str(d.day), str(d.month)
    return f"ngày {day} tháng {month} năm {d.year}"


def format_dmy(d: date) -> str:
    """Register short form ``dd/mm/yyyy``: ``09/04/2016``."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"

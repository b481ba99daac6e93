"""Dates as written in treaties and notices.

* Vietnamese long form: "ngày 22 tháng 11 năm 1994", "ngày 05 tháng 01 năm 2020";
* numeric: "13/02/2004", "13-02-2004", "13.02.2004" (day first);
* English: "22 November 1994", "November 22, 1994", "March 28,2000", "24th day of January 1995",
  "December 5th 2007", "this Twenty Ninth Day of November in the Year Two Thousand and Four",
  "this tenth day of December, one thousand nine hundred and eighty-two";
* OCR noise in Vietnamese day/month numbers ("ngày l ĩ tháng 10 năm 2011" → 11 October 2011,
  flagged ``noisy``).

``find_dates(text)`` returns every mention with its span; ``parse_date_text(s)`` the first one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["DateMention", "find_dates", "parse_date_text", "words_to_number", "MONTHS"]

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # French (UN and EU texts)
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_ORD_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
_ORD_TENS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
             "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100}
_NUMWORDS = set(_UNITS) | set(_TENS) | set(_ORD_UNITS) | set(_ORD_TENS) | {"hundred", "thousand", "and"}
NUMBER_WORDS_RE = r"(?:(?:" + "|".join(sorted(_NUMWORDS, key=len, reverse=True)) + r")[\s\-]*)+"


def words_to_number(s: str) -> int | None:
    """"Twenty Ninth" → 29, "two thousand and four" → 2004, "thirtieth" → 30, "ninety (90)" → 90."""
    m = re.search(r"\((\d+)\)", s)
    if m:
        return int(m.group(1))
    toks = [t for t in re.split(r"[\s\-]+", s.lower().strip()) if t and t != "and"]
    if not toks:
        return None
    total = 0
    current = 0
    seen = False
    for t in toks:
        if t in _UNITS:
            current += _UNITS[t]
        elif t in _TENS:
            current += _TENS[t]
        elif t in _ORD_UNITS:
            current += _ORD_UNITS[t]
        elif t in _ORD_TENS:
            current = (current or 1) * 100 if t == "hundredth" else current + _ORD_TENS[t]
        elif t == "hundred":
            current = (current or 1) * 100
        elif t == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


@dataclass
class DateMention:
    start: int
    end: int
    value: date
    raw: str
    kind: str  # "vi" | "numeric" | "en"
    noisy: bool = False


# OCR confusions for digits in Vietnamese day/month numbers
_DIGITLIKE = "0-9lIiỉĩíìịỈĨÍÌỊ|!oOQ"
_OCR_DIGIT = str.maketrans({"l": "1", "I": "1", "i": "1", "ỉ": "1", "ĩ": "1", "í": "1", "ì": "1", "ị": "1",
                            "Ỉ": "1", "Ĩ": "1", "Í": "1", "Ì": "1", "Ị": "1", "|": "1", "!": "1",
                            "o": "0", "O": "0", "Q": "0"})
_VI_RE = re.compile(
    rf"ng[àaả]y\s*(?P<d>[{_DIGITLIKE}]{{1,2}}(?:\s[{_DIGITLIKE}])?)\s*(?:/|\s)\s*th[áa]ng\s*"
    rf"(?P<m>[{_DIGITLIKE}]{{1,2}}(?:\s[{_DIGITLIKE}])?)\s*(?:/|\s)\s*n[ăa]m\s*(?P<y>\d{{4}})",
    re.IGNORECASE,
)
_NUM_RE = re.compile(r"(?<![\d/.\-])(?P<d>\d{1,2})\s?(?P<sep>[/.\-])\s?(?P<m>\d{1,2})\s?(?P=sep)\s?(?P<y>\d{4})(?![\d])")
_EN_DMY_RE = re.compile(
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+day)?(?:\s+of)?\s+(?P<mon>{_MONTH_RE})\.?,?\s*(?:in\s+the\s+year\s+)?(?P<y>\d{{4}})",
    re.IGNORECASE,
)
_EN_MDY_RE = re.compile(
    rf"(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y>\d{{4}})",
    re.IGNORECASE,
)
_EN_WORDS_RE = re.compile(
    rf"(?P<d>{NUMBER_WORDS_RE})\s*day\s+of\s+(?P<mon>{_MONTH_RE})\s*,?\s*(?:in\s+the\s+year\s+)?"
    rf"(?P<y>\d{{4}}|{NUMBER_WORDS_RE})",
    re.IGNORECASE,
)


def _mk(y: int, m: int, d: int) -> date | None:
    try:
        if not 1000 <= y <= 2200:
            return None
        return date(y, m, d)
    except ValueError:
        return None


def _ocr_num(s: str) -> tuple[int | None, bool]:
    raw = s.replace(" ", "")
    fixed = raw.translate(_OCR_DIGIT)
    if not fixed.isdigit():
        return None, True
    return int(fixed), fixed != raw or " " in s


def find_dates(text: str) -> list[DateMention]:
    """All date mentions in ``text``, in order of appearance (overlaps removed: first pattern wins)."""
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in _VI_RE.finditer(text):
        d, nd = _ocr_num(m.group("d"))
        mo, nm = _ocr_num(m.group("m"))
        if d is None or mo is None:
            continue
        v = _mk(int(m.group("y")), mo, d)
        if v:
            out.append(DateMention(m.start(), m.end(), v, m.group(0), "vi", nd or nm))
            taken.append((m.start(), m.end()))
    for m in _EN_WORDS_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        d = words_to_number(m.group("d"))
        y = m.group("y")
        yy = int(y) if y.isdigit() else words_to_number(y)
        if d is None or yy is None:
            continue
        v = _mk(yy, MONTHS[m.group("mon").lower()], d)
        if v:
            out.append(DateMention(m.start(), m.end(), v, m.group(0), "en"))
            taken.append((m.start(), m.end()))
    for rx in (_EN_DMY_RE, _EN_MDY_RE):
        for m in rx.finditer(text):
            if not free(m.start(), m.end()):
                continue
            v = _mk(int(m.group("y")), MONTHS[m.group("mon").lower()], int(m.group("d")))
            if v:
                out.append(DateMention(m.start(), m.end(), v, m.group(0), "en"))
                taken.append((m.start(), m.end()))
    for m in _NUM_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        v = _mk(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if v:
            out.append(DateMention(m.start(), m.end(), v, m.group(0), "numeric"))
            taken.append((m.start(), m.end()))
    out.sort(key=lambda x: x.start)
    return out


def parse_date_text(s: str) -> date | None:
    """The first date written in ``s`` (any supported form), or None."""
    found = find_dates(s)
    return found[0].value if found else None

"""Metadata of a treaty / international agreement from its extracted text.

``extract_metadata(text, ...) -> Metadata`` finds, with a confidence 0..1 per field:

* ``title`` — the title block as printed (national motto and header lines, drafts marks and tables of
  contents skipped; lines joined by single spaces);
* ``instrument_type`` — lower-case name form ("hiệp định", "nghị định thư", "agreement", "exchange of notes" …);
* ``family`` — "treaty" (concluded in the name of the State or Government), "agreement" (a ministry,
  court, province, organisation … signs for Viet Nam) or "other" (laws, decrees, letters, resolutions …);
* ``vn_signatory`` / ``vn_signatory_level``;
* ``language``, ``authentic_languages``;
* ``parties`` [{name, code}] — preamble first, then title, then signature blocks;
* ``signed_date`` / ``signed_place`` — testimonium ("Done at …", "Làm tại … ngày …"), letter heading
  ("Hanoi, March 28, 2000") or "signed on …"; OCR-noisy dates are cross-checked with other mentions;
* ``entry_into_force`` {rule, days, date}; ``duration`` {years, auto_renewal, notice_months};
* ``is_draft``.

Ministry entry-into-force notices (TB-LPQT) are parsed by ``ingest.notices`` and attached as ``notice``.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache

from core.text import _HYPHENS, fold, nfc
from ingest.dates import MONTHS, NUMBER_WORDS_RE, DateMention, find_dates as _find_dates_all, words_to_number
from ingest.quality import _BASE, guess_language as _guess_language_slow, script_of, vote_language


__all__ = [
    "Metadata",
    "extract_metadata",
    "find_title",
    "instrument_type_of",
    "find_signature",
    "find_entry_into_force",
    "find_authentic_languages",
    "find_duration",
    "detect_draft",
    "find_parties",
    "EIF_RULES",
]

# ---------------------------------------------------------------------------------------------------
# fast forms of the text helpers (same results, C-speed string operations instead of per-character loops)

_FOLD_CHAR_MAP: dict[str, str | None] = {}
_HYPHEN_SPACE = str.maketrans({c: " " for c in _HYPHENS})
_LONG = 2000  # a text from this length on is mapped with str.replace (a C pass a character) over str.translate


def _fold_char(ch: str) -> str | None:
    v = _FOLD_CHAR_MAP.get(ch, "")
    if v == "":
        from core.text import strip_marks

        o = ord(ch)
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Mc", "Me") \
                or 0x1100 <= o < 0x1200 or 0x3130 <= o < 0x3190 or 0xAC00 <= o < 0xD7B0:
            v = None  # marks and Hangul compose across characters: fold the whole text instead
        else:
            v = strip_marks(ch)
        _FOLD_CHAR_MAP[ch] = v
    return v


def fold_fast(text: str) -> str:
    """``core.text.fold(text)``, computed with one translation table built from the distinct characters."""
    if not text:
        return ""
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            return fold(text)
        table: dict[str, str] = {}
        for ch in set(text):
            if ch.isascii():
                continue
            f = _fold_char(ch)
            if f is None:
                return fold(text)
            if f != ch:
                table[ch] = f
        if table:
            # (``str.translate`` with a dict looks each character up in it, some 40 ns a character; where every
            # folded form is ASCII no replacement can touch another's result, so one replace a character is the
            # same and a long text is done many times faster)
            if len(text) >= _LONG and len(table) <= 48 and all(map(str.isascii, table.values())):
                for ch, f in table.items():
                    text = text.replace(ch, f)
            else:
                text = text.translate({ord(ch): f for ch, f in table.items()})
    text = text.lower()
    if len(text) >= _LONG:
        for h in _HYPHENS:
            if h in text:
                text = text.replace(h, " ")
    else:
        text = text.translate(_HYPHEN_SPACE)
    return " ".join(text.split())


def dominant_script_fast(text: str) -> str | None:
    """``ingest.quality.dominant_script(text)`` from per-character counts (ties: the script seen first)."""
    counts: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    for ch in set(text):
        if not ch.isalpha():
            continue
        sc = script_of(ch)
        sc = _BASE.get(sc, sc)
        counts[sc] = counts.get(sc, 0) + text.count(ch)
        members.setdefault(sc, []).append(ch)
    if not counts:
        return None
    top = max(counts.values())
    tied = [sc for sc, n in counts.items() if n == top]
    if len(tied) == 1:
        return tied[0]
    # (the first position of a script's letters is needed only to break a tie)
    return min(tied, key=lambda sc: min(text.find(ch) for ch in members[sc]))


def guess_language(text: str) -> str | None:
    """``ingest.quality.guess_language(text)`` (ISO 639-1 of the main language), fast. (Remembered for the
    document being read: the PDF stage asks it of the same first 30,000 characters as the metadata.)"""
    return _guess_sample(text[:30000])


@lru_cache(maxsize=4)
def _guess_sample(sample: str) -> str | None:
    script = dominant_script_fast(sample)
    if script is None:
        return None
    if script != "latin":
        return _guess_language_slow(sample)  # decided by the script alone
    # (every function word is alphabetic: counting among all the words gives the same vote)
    return vote_language(fold_fast(sample).split())


# every date form of ``ingest.dates`` holds a four-digit year (1000–2200) or "day of" ("the tenth day of December, one
# thousand nine hundred and eighty-two"); no form is longer than a few dozen characters around that anchor
_DATE_ANCHOR = re.compile(r"[12]\d{3}|day\s+of", re.IGNORECASE)  # years 1000–2200 only (ingest.dates)
_DATE_REACH = 160
# what stands right before the year in every form of ``ingest.dates``: "năm ", a date separator ("13/02/"),
# a month name ("22 November ", "December 5th, ", "day of December, in the year "), a day number ("March 28,")
_YEAR_LEAD = re.compile(
    r"(?:n[ăa]m\s*|[/.\-]\s?|(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) +
    r")\.?,?\s*(?:in\s+the\s+year\s+)?|\d(?:st|nd|rd|th)?\s*,?\s*)$", re.IGNORECASE)


_WINDOW_MAX = 4000


def find_dates(text: str) -> list[DateMention]:
    """``ingest.dates.find_dates`` (same mentions, same offsets), run only on the windows of the text around
    a four-digit number or "day of": its patterns are costly to try at every position of a 500,000-character
    convention, and a date always has one of those anchors."""
    windows: list[list[int]] = []
    for m in _DATE_ANCHOR.finditer(text):
        if m.group(0)[0] in "12" and not _YEAR_LEAD.search(text, max(0, m.start() - 40), m.start()):
            continue  # a four-digit number that no date form can end with (an HS code, a count …)
        # the year ends a date; after "day of" come the month and the year (perhaps in words)
        a = m.start() - _DATE_REACH
        b = m.end() + (_DATE_REACH if m.group(0)[0] not in "12" else 12)
        # merge overlapping windows, but only up to a bounded size: ``ingest.dates.find_dates`` is quadratic in
        # the number of mentions it finds in one call (a text of thousands of dated lines would take minutes);
        # a window begun anew overlaps the one before, and the overlap is deduplicated below
        if windows and a <= windows[-1][1] and b - windows[-1][0] <= _WINDOW_MAX:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    out: list[DateMention] = []
    n = len(text)
    for a, b in windows:
        # start and end on whitespace, so that no pattern sees a cut word
        if a <= 0:
            a = 0
        else:
            ws = max(text.rfind(" ", 0, a), text.rfind("\n", 0, a))
            a = ws + 1 if ws >= 0 else 0
        if b >= n:
            b = n
        else:
            nb = [x for x in (text.find(" ", b), text.find("\n", b)) if x >= 0]
            b = min(nb) if nb else n
        for d in _find_dates_all(text[a:b]):
            d.start += a
            d.end += a
            out.append(d)
    out.sort(key=lambda x: x.start)
    # merged windows can touch: drop a mention overlapping the one before it
    dedup: list[DateMention] = []
    for d in out:
        if dedup and d.start < dedup[-1].end:
            continue
        dedup.append(d)
    return dedup


class LazyDates:
    """The date mentions of a text, found where a finder asks for them (a window after a "Done at" clause, an
    entry-into-force sentence) rather than over the whole text, which costs a tenth of a second on a
    500,000-character convention; ``all()`` finds them everywhere, once, when a finder needs every mention."""

    # a date form holds fewer than this many non-space characters ("the twenty-fifth day of September, in the year
    # one thousand nine hundred and ninety-five"); its spaces are unbounded: regions reach this far, spaces not counted
    _PAD = 240
    _AHEAD = re.compile(r"(?:\s*\S){1,%d}" % _PAD)

    def __init__(self, text: str, mentions: list[DateMention] | None = None) -> None:
        self.text = text
        self._all = mentions
        self._asked = 0  # characters read by window searches so far

    def all(self) -> list[DateMention]:
        if self._all is None:
            self._all = find_dates(self.text)
        return self._all

    def starting_in(self, a: int, b: int) -> list[DateMention]:
        """The mentions that start at offsets a <= start < b (as ``find_dates(text)`` finds them)."""
        if self._all is not None:
            i = bisect.bisect_left(self._all, a, key=_mention_start)
            out = []
            while i < len(self._all) and self._all[i].start < b:
                out.append(self._all[i])
                i += 1
            return out
        text = self.text
        # back from a: the same count of non-space characters, read on the reversed text before a
        span = 4 * self._PAD
        while True:
            base = max(0, a - span)
            mb = self._AHEAD.match(text[base:a][::-1])
            back = mb.end() if mb is not None else 0
            if base == 0 or back < a - base:  # (all spaces back to base: look further)
                break
            span *= 8
        lo = a - back
        ma = self._AHEAD.match(text, b)
        hi = ma.end() if ma is not None else min(len(text), b)
        self._asked += hi - lo
        if self._asked > len(text) // 2 + 20_000:
            # windows asked for everywhere (thousands of "Done at …" lines): find every mention once instead
            self.all()
            return self.starting_in(a, b)
        found = find_dates(text[lo:hi])
        out = []
        for d in found:
            if a <= d.start + lo < b:
                d.start += lo
                d.end += lo
                out.append(d)
        return out


def _mention_start(m: DateMention) -> int:
    return m.start


EIF_RULES = ("on_signature", "on_date", "on_last_notification", "n_days_after_last_notification",
             "n_days_after_deposit", "other")


@dataclass
class Metadata:
    document_kind: str = "instrument"  # "instrument" | "eif_notice" | "other"
    family: str | None = None
    instrument_type: str | None = None
    title: str | None = None
    language: str | None = None
    authentic_languages: list[str] | None = None
    parties: list[dict] = field(default_factory=list)
    signed_date: date | None = None
    signed_place: str | None = None
    entry_into_force: dict = field(default_factory=lambda: {"rule": None, "days": None, "date": None})
    duration: dict = field(default_factory=lambda: {"years": None, "auto_renewal": None, "notice_months": None})
    is_draft: bool = False
    vn_signatory: str | None = None
    vn_signatory_level: str | None = None
    notice: dict | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["signed_date"] = self.signed_date.isoformat() if self.signed_date else None
        return d


# ---------------------------------------------------------------------------------------------------
# instrument types

# (folded prefix, canonical name, is an international instrument)
_TYPES: list[tuple[str, str, bool]] = [
    # Vietnamese instruments
    ("bien ban ghi nho", "biên bản ghi nhớ", True),
    ("ban ghi nho", "bản ghi nhớ", True),
    ("nghi dinh thu", "nghị định thư", True),
    ("hiep dinh khung", "hiệp định khung", True),
    ("hiep dinh", "hiệp định", True),
    ("hiep uoc", "hiệp ước", True),
    ("cong uoc", "công ước", True),
    ("ban thoa thuan", "thỏa thuận", True),
    ("thoa thuan", "thỏa thuận", True),
    ("cong ham", "công hàm", True),
    ("thu trao doi", "thư trao đổi", True),
    ("hien chuong", "hiến chương", True),
    ("dieu le", "điều lệ", True),
    ("tuyen bo chung", "tuyên bố chung", True),
    ("chuong trinh hop tac", "chương trình hợp tác", True),
    ("ke hoach hop tac", "kế hoạch hợp tác", True),
    ("bien ban", "biên bản", True),
    ("van kien", "văn kiện", True),
    ("dinh uoc", "định ước", True),
    ("sua doi cong uoc", "sửa đổi", True),
    # Vietnamese domestic documents
    ("bo luat", "bộ luật", False),
    ("luat", "luật", False),
    ("phap lenh", "pháp lệnh", False),
    ("nghi dinh", "nghị định", False),
    ("nghi quyet", "nghị quyết", False),
    ("thong tu lien tich", "thông tư liên tịch", False),
    ("thong tu", "thông tư", False),
    ("quyet dinh", "quyết định", False),
    ("chi thi", "chỉ thị", False),
    ("cong van", "công văn", False),
    ("ke hoach", "kế hoạch", False),
    ("thong bao", "thông báo", False),
    ("bao cao", "báo cáo", False),
    ("to trinh", "tờ trình", False),
    ("huong dan", "hướng dẫn", False),
    ("danh muc", "danh mục", False),
    ("phu luc", "phụ lục", False),
    # English instruments
    ("memorandum of cooperation agreement", "memorandum of cooperation agreement", True),
    ("memorandum of understanding", "memorandum of understanding", True),
    ("memorandum of agreement", "memorandum of agreement", True),
    ("memorandum of cooperation", "memorandum of cooperation", True),
    ("memorandum", "memorandum", True),
    ("exchange of notes", "exchange of notes", True),
    ("exchange of letters", "exchange of letters", True),
    ("framework agreement", "framework agreement", True),
    ("agreement", "agreement", True),
    ("protocol", "protocol", True),
    ("convention", "convention", True),
    ("treaty", "treaty", True),
    ("charter", "charter", True),
    ("arrangement", "arrangement", True),
    ("covenant", "covenant", True),
    ("statute", "statute", True),
    ("joint declaration", "joint declaration", True),
    ("joint statement", "joint statement", True),
    ("declaration", "declaration", True),
    ("amendments", "amendment", True),
    ("amendment", "amendment", True),
    ("record of discussions", "record of discussions", True),
    ("agreed minutes", "agreed minutes", True),
    ("minutes", "minutes", True),
    ("letter of intent", "letter of intent", True),
    ("accord", "accord", True),
    ("pact", "pact", True),
    # English / UN documents that are not instruments
    ("resolution", "resolution", False),
    ("decision", "decision", False),
    ("decree", "decree", False),
    ("report", "report", False),
    ("law", "law", False),
]
_OTHER_TYPES = {name for _, name, inst in _TYPES if not inst}
# words that may stand before the type word in a title ("UNITED NATIONS CONVENTION …")
_TYPE_LEADERS = {"united", "nations", "international", "optional", "additional", "supplementary", "asean",
                 "regional", "multilateral", "bilateral", "general", "basic", "the", "revised", "framework",
                 "european", "interim", "comprehensive", "joint"}


def instrument_type_of(title: str | None) -> tuple[str | None, bool]:
    """(type name, is an international instrument) from the start of a title."""
    if not title:
        return None, False
    words = fold(title).replace("’", "'").split()
    for skip in range(0, min(4, len(words))):
        if skip and words[skip - 1] not in _TYPE_LEADERS:
            break
        rest = " ".join(words[skip:])
        for key, name, inst in _TYPES:
            if rest == key or rest.startswith(key + " ") or rest.startswith(key + ","):
                if skip and not inst:
                    continue
                return name, inst
    return None, False


# ---------------------------------------------------------------------------------------------------
# lines and title

_SEP_LINE = re.compile(r"^[\s\-_=*~.·•–—…]+$")
_TOC_LINE = re.compile(r"(?:\.\s*){4,}\s*\d+\s*$|…{2,}\s*\d+\s*$|\s\d+\s*$(?<=\.{3}\s\d)")
_ARTICLE_HEAD = re.compile(r"^\s*(?:điều|article|chương|chapter|part|phần|section|mục|preamble|lời nói đầu)\b[\s\d.IVXLC:]*",
                           re.IGNORECASE)
_PREAMBLE_STOP = re.compile(
    r"\b(?:desiring|considering|recognizing|recognising|recalling|noting|wishing|mindful|reaffirming|"
    r"affirming|convinced|determined|bearing in mind|mong muốn|nhằm|xét|căn cứ|với mong muốn|trên cơ sở|"
    r"tôn trọng|nhận thức|thừa nhận)\b",
    re.IGNORECASE,
)
_AGREED = re.compile(r"(?:have agreed|agreed as follows|đã thỏa thuận|đã thoả thuận|thỏa thuận như sau|"
                     r"thoả thuận như sau|đồng ý thỏa thuận|thống nhất|đã đi đến thỏa thuận|had reached)", re.IGNORECASE)


_HSPACE_RUN = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # = [ \t\u00a0]+ → " " (a lone space stays as it is)


@lru_cache(maxsize=4)
def _lines(text: str) -> list[str]:
    """The lines of ``text``, stripped, runs of spaces as one (cached: several finders read them; do not
    change the list)."""
    return [ln.strip() for ln in _collapse_spaces(text).split("\n")]


def _collapse_spaces(text: str) -> str:
    """``_HSPACE_RUN.sub(" ", text)``: with no tab or no-break space, by halving runs of spaces with ``str.replace``
    (a few C passes instead of a regex attempt at every space of a 500,000-character text)."""
    if "\t" in text or "\u00a0" in text:
        return _HSPACE_RUN.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def _upper_ratio(s: str) -> float:
    letters = [c for c in s if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c.isupper()) / len(letters)


def _is_header_line(f: str) -> bool:
    """Folded line that belongs to the document header, not to the title."""
    return bool(
        f.startswith(("cong hoa xa hoi chu nghia viet nam", "doc lap tu do hanh phuc", "doc lap - tu do",
                      "socialist republic of viet", "independence freedom happiness", "du thao", "draft",
                      "so:", "so :", "v/v", "kinh gui", "mat", "khan"))
        or re.match(r"^so\s*[:.]?\s*\d", f) is not None
        or re.match(r"^(?:[a-z]+\s){1,3}so\s*:", f) is not None  # "Luật số: 42/2024/QH15"
    )


def _is_motto_at(lines: list[str], j: int) -> bool:
    """The national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" followed by "Độc lập - Tự do - Hạnh phúc")."""
    f = fold(lines[j])
    if f.startswith(("doc lap tu do hanh phuc", "doc lap - tu do", "independence freedom happiness")):
        return True
    if f.startswith(("cong hoa xa hoi chu nghia viet nam", "socialist republic of viet")) and len(f) < 45:
        for k in range(j + 1, min(len(lines), j + 3)):
            if lines[k]:
                return fold(lines[k]).startswith(("doc lap", "independence"))
    return False


_PAGE_NO_LINE = re.compile(r"^(?:-\s*)?\d{1,4}(?:\s*-)?$|^page \d+(?: of \d+)?$|^trang \d+", re.IGNORECASE)
_PAGE_NO_FIRST = frozenset("-0123456789pPtT")
_SENTENCE_END = (".", ";", ":", "!", "?")


@lru_cache(maxsize=4)
def _flow(text: str) -> str:
    """Join lines broken inside sentences (PDF line breaks) so that a sentence is on one line; a blank line
    ends a paragraph; page-number lines are dropped (cached: several finders read it)."""
    out: list[str] = []
    cur: list[str] = []
    blank = False
    for ln in text.split("\n"):
        s = ln.strip()
        if not s:
            if cur:
                blank = True
            continue
        if s[0] in _PAGE_NO_FIRST and _PAGE_NO_LINE.match(s):
            continue  # page numbers between pages
        if cur and not blank and not cur[-1].endswith(_SENTENCE_END):
            cur.append(s)
        else:
            if cur:
                out.append(" ".join(cur))
            cur = [s]
            blank = False
    if cur:
        out.append(" ".join(cur))
    return "\n".join(out)


def _join_title(parts: list[str]) -> str:
    out = ""
    for p in parts:
        p = p.strip()
        if not out:
            out = p
        elif out.endswith("-") and not out.endswith(" -"):
            out += p
        else:
            out += " " + p
    return re.sub(r"\s+", " ", out).strip()


@dataclass
class _TitleBlock:
    title: str | None
    start: int  # line index
    end: int  # line index after the block
    confidence: float


def find_title(text: str, max_lines: int = 40) -> _TitleBlock:
    """Locate the title block; returns line indexes in ``_lines(text)``."""
    lines = _lines(text)
    seen = 0
    in_toc = False
    for i, ln in enumerate(lines):
        if not ln:
            continue
        seen += 1
        if seen > max_lines:
            break
        f = fold(ln)
        if f in ("contents", "muc luc", "table of contents", "sommaire"):
            in_toc = True
            continue
        if _TOC_LINE.search(ln):
            in_toc = True
            continue
        if _SEP_LINE.match(ln) or _is_header_line(f):
            continue
        if _ARTICLE_HEAD.match(ln) and seen > 2:
            break
        typ, _ = instrument_type_of(ln)
        if not typ:
            continue
        if len(ln) > 400:
            continue
        if in_toc:
            in_toc = False
        first_upper = _upper_ratio(ln) >= 0.75
        parts = [ln]
        j = i + 1
        while j < len(lines) and len(parts) < 14:
            nxt = lines[j]
            if not nxt:
                # blank line: a title block may continue after a blank only when the next line is upper-case
                k = j + 1
                if first_upper and k < len(lines) and lines[k] and _upper_ratio(lines[k]) >= 0.85 \
                        and fold(lines[k]).startswith(("giua", "va ", "ve ", "between", "and ", "of ", "on ",
                                                       "concerning", "for ", "relating")):
                    j = k
                    continue
                break
            fn = fold(nxt)
            if _ARTICLE_HEAD.match(nxt) or _SEP_LINE.match(nxt) or _is_motto_at(lines, j):
                break
            if _is_header_line(fn) and not fn.startswith(("socialist republic of viet", "cong hoa xa hoi chu nghia")):
                break
            if fn.startswith(("thay mat", "for the government", "for the royal", "dai dien", "tm.", "kt.",
                              "the states parties", "the parties", "the government", "the governments",
                              "chinh phu nuoc", "preamble")):
                if not (first_upper and _upper_ratio(nxt) >= 0.85 and fn.startswith(("chinh phu nuoc",))):
                    break
            if first_upper:
                if _upper_ratio(nxt) >= 0.7 and len(nxt) < 400:
                    parts.append(nxt)
                    j += 1
                    continue
                # a single type word ("NGHỊ ĐỊNH", "THÔNG BÁO") followed by its mixed-case subject line
                if len(parts) == 1 and len(ln.split()) <= 3 and len(nxt) < 300 and not nxt.endswith((";", ":")):
                    parts.append(nxt)
                    j += 1
                break
            # mixed-case title: continue only with connector lines
            if fn.startswith(("between", "and ", "of the", "on ", "concerning", "for the", "giua", "va ", "ve ")) \
                    and len(nxt) < 250:
                parts.append(nxt)
                j += 1
                continue
            break
        title = _join_title(parts)
        conf = 0.9 if first_upper else 0.75
        return _TitleBlock(title, i, j, conf)
    # fallback: a later sentence naming the instrument ("… the Exchange of Notes dated March 28,2000, …")
    m = re.search(r"\bthe\s+(Exchange\s+of\s+(?:Notes|Letters)\s+dated\b[^()\n]{5,300}?)\s*\(\s*here", text)
    if m:
        return _TitleBlock(re.sub(r"\s+", " ", m.group(1)).strip(), -1, 0, 0.5)
    return _TitleBlock(None, -1, 0, 0.0)


# ---------------------------------------------------------------------------------------------------
# preamble and parties

_AGENCY_VI = [
    (r"tòa án nhân dân tối cao", "Tòa án nhân dân tối cao"),
    (r"viện kiểm sát nhân dân tối cao", "Viện kiểm sát nhân dân tối cao"),
    (r"(?:ủy|uỷ) ban nhân dân (?:tỉnh|thành phố)|ubnd (?:tỉnh|thành phố)", "UBND tỉnh"),
    (r"hội đồng nhân dân (?:tỉnh|thành phố)|hđnd (?:tỉnh|thành phố)", "HĐND tỉnh"),
    (r"văn phòng quốc hội|ủy ban (?:thường vụ )?quốc hội|hội đồng dân tộc", "cơ quan của Quốc hội"),
    (r"văn phòng chủ tịch nước", "Văn phòng Chủ tịch nước"),
    (r"bộ [a-zà-ỹđ]|cơ quan ngang bộ|ngân hàng nhà nước|thanh tra chính phủ|văn phòng chính phủ", "Bộ"),
    (r"kiểm toán nhà nước", "Kiểm toán nhà nước"),
    (r"liên hiệp|liên đoàn|hội |tổng hội|đoàn thanh niên|mặt trận|hội liên hiệp|trung ương hội", "tổ chức"),
    (r"tòa án|toà án", "Tòa án"),
]
_AGENCY_EN = [
    (r"supreme people'?s court", "Tòa án nhân dân tối cao"),
    (r"supreme people'?s procuracy", "Viện kiểm sát nhân dân tối cao"),
    (r"people'?s committee", "UBND tỉnh"),
    (r"people'?s council", "HĐND tỉnh"),
    (r"ministry|state bank|government inspectorate|government office", "Bộ"),
    (r"union|association|federation|chamber|academy|council|society|front", "tổ chức"),
    (r"court", "Tòa án"),
]
_GOV_RE = re.compile(r"\b(?:governments?|chính phủ|royal government|state|nhà nước)\b", re.IGNORECASE)


def _party_clause(lines: list[str], start: int) -> tuple[str, int]:
    """The first sentence of the preamble that names the parties, and its line index."""
    for k in range(start, min(len(lines), start + 25)):
        ln = lines[k]
        if not ln or _SEP_LINE.match(ln):
            continue
        f = fold(ln)
        if _is_header_line(f) or f in ("excellency,", "excellency", "preamble", "loi noi dau", "sir,", "madam,"):
            continue
        if len(ln) < 25 and not ln.endswith((",", ";")):
            continue
        clause = ln
        # a clause broken over lines (PDF): add lines until ";" / ":" / "Desiring …"
        k2 = k + 1
        while k2 < len(lines) and len(clause) < 1500 and not re.search(r"[;:]\s*$", clause) and lines[k2] \
                and not _PREAMBLE_STOP.match(lines[k2]) and not _ARTICLE_HEAD.match(lines[k2]):
            clause += " " + lines[k2]
            k2 += 1
        cut = re.search(r";|\)\s*:", clause)
        if cut:
            clause = clause[:cut.start() + 1]
        stop = _PREAMBLE_STOP.search(clause, 20)
        if stop:
            clause = clause[:stop.start()]
        return clause, k
    return "", -1


_ORG_AFTER = re.compile(
    r"\s+(?:[A-Z][\w&.'-]*\s+){0,3}(?:Association|Union|Federation|Chamber|Academy|Council|Society|Committee|"
    r"Institute|University|Bank|Ministry|Agency|Court|Foundation|Corporation|Company)\b[^,;()\n]*?"
    r"(?:\s*\([^()]{1,15}\))?(?=\s+(?:and|had|have|has|to|shall|hereinafter)\b|\s*[,;:]|$)")
_PREFIX_EN = re.compile(r"((?:the\s+)?(?:royal\s+)?government\s+of\s+(?:the\s+)?)$", re.IGNORECASE)
_PREFIX_VI = re.compile(r"((?:chính phủ|nhà nước)\s+(?:nước\s+)?)$", re.IGNORECASE)


def _party_name(clause: str, start: int, matched: str, prev_end: int) -> str:
    before = clause[prev_end:start]
    m = _PREFIX_EN.search(before) or _PREFIX_VI.search(before)
    if m:
        pre = m.group(1)
        if pre.lower().startswith("the "):
            pre = pre[4:]
        if matched.lower().startswith("the ") and pre.lower().endswith("the "):
            pre = pre[:-4]
        return nfc(pre + matched).strip()
    # a national body named after its country ("China Association for Science & Technique (CAST)")
    om = _ORG_AFTER.match(clause[start + len(matched):start + len(matched) + 140])
    if om:
        return nfc(matched + om.group(0)).strip()
    # organ prefix in Vietnamese ("Tòa án tối cao nước …", "Ủy ban nhân dân tỉnh Lai Châu, nước …")
    seg = re.split(r"\b(?:và|giữa|and|between)\s+|\(|;", before)[-1]
    seg = re.sub(r"^(?:the\s+)?governments\s+of\s*", "", seg.strip(" ,"), flags=re.IGNORECASE)
    if seg and len(seg) <= 80 and re.match(r"^(?:[A-ZĐÀ-Ỹ]|the\s+[A-Z])", seg) and not re.search(r"[.:]", seg):
        return nfc(seg + (", " if before.rstrip().endswith(",") else " ") + matched).strip()
    return nfc(matched).strip()


def _scan(text: str):
    from core.parties import scan_parties  # imported lazily: ingest works (without parties) if it is missing

    return scan_parties(text)


# an organisation name that is only part of the name of an instrument or a body ("United Nations Convention
# on the Law of the Sea", "United Nations — Treaty Series", "United Nations Economic Commission …")
_ORG_IN_NAME = re.compile(
    r"^\s*[-–—]?\s*(?:Convention|Conference|Charter|Treaty|Agreement|Framework|General\s+Assembly|Economic|"
    r"Commission|Programme|Program|Environment|Development|Security\s+Council|Secretary|Educational|"
    r"Children|High\s+Commissioner|Office|Fund|Industrial|Population|Relief|Recueil|Nations\s+Unies|"
    r"Regional|Conciliation|Tribunal|Declaration)\b",
    re.IGNORECASE,
)


def find_parties(text: str) -> list[dict]:
    """Parties named in a clause: [{name, code, kind, start, end}] in order, organisations that appear
    only as "Member States of X" dropped."""
    out: list[dict] = []
    pos = 0
    prev_end = 0
    for pm in _scan(text):
        mt = pm.matched_text or pm.name_en
        idx = text.find(mt, pos)
        if idx < 0:
            idx = text.lower().find(mt.lower(), pos)
        if idx < 0:
            idx = pos
        end = idx + len(mt)
        if pm.kind == "organisation":
            ctx_before = text[max(0, idx - 40):idx].lower()
            ctx_after = text[end:end + 40].lower()
            if "member states of" in ctx_before or "member state" in ctx_after or "thành viên" in ctx_before \
                    or _ORG_IN_NAME.match(text[end:end + 40]):
                pos = end
                continue
        out.append({"name": _party_name(text, idx, mt, prev_end), "code": pm.code, "kind": pm.kind,
                    "start": idx, "end": end, "matched": mt})
        pos = prev_end = end
    return out


_FOLD_FIRST: dict[str, str] = {}
_FOLD_ONE: dict[str, str] = {}
_SIG_STARTS = frozenset({"fo", "th", "tm", "t.", "da", "on"})


def _fold_one(c: str) -> str:
    """``fold(c)`` of one character when that is one character other than a space, else "" (cached)."""
    v = _FOLD_ONE.get(c)
    if v is None:
        f = fold(c)
        v = _FOLD_ONE[c] = f if len(f) == 1 and not f.isspace() else ""
    return v


def _signature_lines(lines: list[str]) -> list[str]:
    out = []
    for ln in lines:
        if not ln or len(ln) >= 200:
            continue
        c = ln[0]
        first = _FOLD_FIRST.get(c)
        if first is None:
            first = _FOLD_FIRST[c] = fold(c)[:1]
        if first not in ("f", "t", "d", "o"):
            continue  # every signature line below starts with one of these letters (folded)
        pair = _fold_one(c) + _fold_one(ln[1:2])
        if len(pair) == 2 and pair not in _SIG_STARTS:
            continue  # nor with one of these two (where each of the first two characters folds to one)
        f = fold_fast(ln[:60])  # the prefixes below are shorter than 25 characters
        if f.startswith(("for the government", "for the royal government", "thay mat", "tm.", "t.m.",
                         "for the state", "dai dien", "on behalf of", "for the ")) and len(ln) < 200:
            out.append(ln)
    return out


def _classify_vn(clause: str, party: dict | None, sig_lines: list[str], title: str | None
                 ) -> tuple[str | None, str | None, str | None]:
    """(family, vn_signatory, vn_signatory_level) from the Vietnamese party's wording."""
    if party is None:
        return None, None, None
    s, e = party["start"], party["end"]
    # the organ name around the Vietnamese party mention
    before = clause[max(0, s - 90):s]
    seg_before = re.split(r"\b(?:và|giữa|and|between)\s+|;|\(", before)[-1]
    after = clause[e:e + 80]
    seg_after = re.split(r"\s+(?:và|and|had|have|has|,)\s|[;,]", after)[0]
    low_before = seg_before.lower()
    low_after = seg_after.lower()
    for pat, level in _AGENCY_VI:
        mm = re.search(pat, low_before)
        if mm:
            organ = seg_before[mm.start():].strip()
            if "," in organ:  # "Ủy ban nhân dân tỉnh Lai Châu, nước Cộng hòa …": the body is before the comma
                name = organ.split(",")[0].strip()
            elif organ.endswith(","):
                name = organ.rstrip(", ")
            else:
                name = (organ + " " + party["matched"]).strip() if organ.lower().rstrip().endswith("nước") \
                    else organ.rstrip(", ")
            return "agreement", nfc(name), level
    for pat, level in _AGENCY_EN:
        if re.search(pat, low_after) or re.search(pat, low_before):
            name = (party["matched"] + seg_after).strip()
            name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
            return "agreement", nfc(name), level
    gov_text = " ".join([before, clause[:s], *sig_lines, title or ""])
    if _GOV_RE.search(gov_text) and re.search(r"chính phủ|government", gov_text, re.IGNORECASE):
        return "treaty", party["name"], "Chính phủ"
    return "treaty", party["name"], "Nhà nước"


# ---------------------------------------------------------------------------------------------------
# signature: date and place

_PLACE = r"(?P<place>[A-ZĐÀ-Ỹa-zđà-ỹ][\w .'’\-]{1,40}?)"
# (the runs of white space are taken whole, ``\s*+``: what follows each one begins with a letter, a comma or white
# space allowed there, so giving spaces back never makes a match, and without that a long run of spaces after the
# place was split every way between the adjacent runs and the place, seconds for 150 spaces)
_DONE_EN = re.compile(
    r"\b(?:done|signed|made|opened\s+for\s+signature)\s*+(?:in\s+(?:duplicate|triplicate|quadruplicate|\w+\s+(?:identical\s+)?"
    r"(?:copies|originals|counterparts))\s*+,?\s*+)?(?:at|in)\s*+,?\s*+" + _PLACE +
    r"\s*+(?:,\s*+[A-Z][\w .]{1,25}?)?\s*+(?:,\s*+)?(?=\s*(?:on|this|the)\b|\s*+,?\s*+\d{1,2}(?:st|nd|rd|th)?\s|\s*+,\s*+on\b)",
    re.IGNORECASE,
)
_DONE_VI = re.compile(
    r"\b(?:làm|ký|lập|được lập thành|ký kết)(?:[^.\n]{0,40}?)\s++tại\s++" + _PLACE + r"\s*+,?\s*+(?=ngày|ngáy|ngảy|ngay)",
    re.IGNORECASE,
)
# every match of _DONE_EN / _DONE_VI starts with one of these words: the patterns are tried only there
_DONE_EN_KEYS = ("done", "signed", "made", "opened")
_DONE_VI_KEYS = ("làm", "ký", "lập", "được")


def _starts(s: str, words: tuple[str, ...]) -> list[int]:
    """Every position of ``s`` where one of ``words`` begins (overlapping occurrences too), in order, each once:
    a C search per word (Python's regex engine would try an alternation at every position of the text)."""
    out: list[int] = []
    for w in words:
        i = s.find(w)
        while i >= 0:
            out.append(i)
            i = s.find(w, i + 1)
    return sorted(set(out)) if len(words) > 1 else out


def _matches_from(rx: re.Pattern, s: str, keys: tuple[str, ...], where: str | None = None):
    """``rx.finditer(s)`` for a pattern every match of which begins where one of ``keys`` begins in ``where``
    (``s`` itself by default, or its lower-cased form of the same length): the pattern is tried at those places
    only, in order, going on after each match as ``finditer`` does."""
    pos = 0
    for i in _starts(s if where is None else where, keys):
        if i < pos:
            continue
        m = rx.match(s, i)
        if m:
            yield m
            pos = max(m.end(), m.start() + 1)


def _finditer_from(rx: re.Pattern, keys: tuple[str, ...], text: str):
    """``rx.finditer(text)`` for a case-insensitive pattern every match of which begins with one of ``keys``
    (lower-case) in the lower-cased text."""
    low = _lowered(text)
    if low is None:
        return rx.finditer(text)
    return _matches_from(rx, text, keys, low)


_LETTER_HEAD = re.compile(r"^(?P<place>[A-ZĐ][\w .'\-]{1,30}),\s*(?P<rest>.+)$")
_SIGNED_ON = re.compile(
    r"\b(?:this|the)\s+(?:agreement|memorandum|protocol|arrangement|convention|treaty|document)\b[^.\n]{0,40}?"
    r"\b(?:is|was|has been)\s+signed\s+(?:on|in)\b|"
    r"\b(?:hiệp định|bản ghi nhớ|biên bản ghi nhớ|thỏa thuận|nghị định thư)\s+(?:này\s+)?(?:được\s+)?ký(?:\s+kết)?\s+(?:vào\s+)?ngày",
    re.IGNORECASE,
)

# every match of _SIGNED_ON begins with one of these (lower-cased)
_SIGNED_ON_STARTS = ("this", "the", "hiệp định", "bản ghi nhớ", "biên bản ghi nhớ", "thỏa thuận", "nghị định thư")


@dataclass
class _Signature:
    date: date | None
    place: str | None
    date_conf: float
    place_conf: float
    noisy: bool = False


def _clean_place(p: str | None) -> str | None:
    if not p:
        return None
    p = re.sub(r"\s+", " ", p).strip(" ,.;:")
    p = re.split(r",", p)[0].strip()
    p = re.sub(r"\s+(?:on|this|the|vào)$", "", p, flags=re.IGNORECASE).strip()
    if not p or len(p) > 40 or re.search(r"\d", p):
        return None
    if fold(p) in ("duplicate", "triplicate", "two originals", "hai ban"):
        return None
    return nfc(p)


def _date_after(mentions: LazyDates, pos: int, window: int = 160) -> DateMention | None:
    """The first mention starting in [pos, pos + window]."""
    found = mentions.starting_in(pos, pos + window + 1)
    return found[0] if found else None


def _confirm_noisy(best: DateMention, mentions: list[DateMention]) -> tuple[date | None, float]:
    """A date read through OCR noise: look for other mentions of the same month/year."""
    same = [m for m in mentions if m.start != best.start and m.value.year == best.value.year
            and m.value.month == best.value.month]
    clean = [m for m in same if not m.noisy]
    if any(m.value == best.value for m in clean):
        return best.value, 0.75
    clean_days = {m.value for m in clean}
    if len(clean_days) == 1 and not any(m.value == best.value for m in same):
        return next(iter(clean_days)), 0.5
    if any(m.value == best.value for m in same):
        return best.value, 0.6  # two independent noisy readings agree
    return best.value, 0.4


_DONE_BARE = re.compile(r"\bdone\b[^.\n]{0,80}?(?=\d|this|on)", re.IGNORECASE)


def _ifinditer(rx: re.Pattern, text: str):
    """``rx.finditer(text)`` for a case-insensitive pattern of lower-case literals, run case-sensitively over the
    lower-cased text where that keeps the offsets (several times faster on a long text)."""
    low, rx_low = _lowered(text), _case_sensitive(rx)
    if low is None or rx_low is None:
        return rx.finditer(text)
    return rx_low.finditer(low)


def _ifinditer_from(rx: re.Pattern, text: str, keys: tuple[str, ...]):
    """``_ifinditer(rx, text)`` for a pattern every match of which begins with one of ``keys`` (lower-case): tried
    only where they begin."""
    low, rx_low = _lowered(text), _case_sensitive(rx)
    if low is None or rx_low is None:
        return rx.finditer(text)
    return _matches_from(rx_low, low, keys)


def find_signature(text: str, mentions: list[DateMention] | LazyDates | None = None) -> _Signature:
    if not isinstance(mentions, LazyDates):
        mentions = LazyDates(text, mentions)
    cands: list[tuple[float, int, DateMention, str | None]] = []
    for rx, keys, base in ((_DONE_EN, _DONE_EN_KEYS, 0.92), (_DONE_VI, _DONE_VI_KEYS, 0.92)):
        for m in _finditer_from(rx, keys, text):
            dm = _date_after(mentions, m.start("place") if m.group("place") else m.end(), 200)
            if dm is None:
                continue
            # the date must follow the place closely (same clause)
            if dm.start - m.end() > 120:
                continue
            # the testimonium ("DONE at …") wins over a mention of another instrument's signature ("the
            # Agreement signed at Hanoi on …" in an amending protocol's preamble)
            b = base + 0.01 if rx is _DONE_EN and m.group(0)[:4].lower() in ("done", "made") else base
            cands.append((b, m.start(), dm, m.group("place")))
    if not cands:
        # "DONE in five identical copies, this 5th day of …" without a place
        for m in _ifinditer_from(_DONE_BARE, text, ("done",)):
            dm = _date_after(mentions, m.start(), 120)
            if dm:
                cands.append((0.7, m.start(), dm, None))
    if not cands:
        # letter heading "Hanoi, March 28, 2000" in the first lines
        for ln in _lines(text)[:8]:
            lm = _LETTER_HEAD.match(ln)
            if lm:
                ds = find_dates(lm.group("rest"))
                if ds and ds[0].start < 4:
                    cands.append((0.8, 0, ds[0], lm.group("place")))
                    break
    if not cands:
        for m in _ifinditer_from(_SIGNED_ON, text, _SIGNED_ON_STARTS):
            dm = _date_after(mentions, m.start(), 140)
            if dm:
                cands.append((0.7, m.start(), dm, None))
                break
    if not cands:
        return _Signature(None, None, 0.6, 0.6)
    cands.sort(key=lambda c: (-c[0], c[1]))
    base, _, dm, place = cands[0]
    value, conf = dm.value, base
    if dm.noisy:
        value, conf = _confirm_noisy(dm, mentions.all())
    place_c = _clean_place(place)
    return _Signature(value, place_c, conf, base if place_c else 0.6, dm.noisy)


# ---------------------------------------------------------------------------------------------------
# entry into force

_SUBJECT = (r"(?:(?:this|the present|the said)\s+(?:agreement|protocol|convention|memorandum(?:\s+of\s+\w+)?|"
            r"treaty|arrangement|exchange of notes|note|amendment|charter|accord|mou|instrument)|"
            r"(?:hiệp định|nghị định thư|bản ghi nhớ|biên bản ghi nhớ|thỏa thuận|thoả thuận|công ước|hiệp ước|"
            r"văn kiện|điều ước|công hàm|bản thỏa thuận)(?:\s+(?:này|này sẽ|sẽ))?)")
_EIF_VERB = re.compile(
    r"(?:enter(?:s|ed)?\s+into\s+force|come\s+into\s+force|comes\s+into\s+force|become\s+effective|"
    r"take\s+effect|be\s+valid|có\s+hiệu\s+lực|bắt\s+đầu\s+có\s+hiệu\s+lực)",
    re.IGNORECASE,
)
# every match of _EIF_VERB holds one of these (in the lower-cased text)
_EIF_ANCHORS = ("force", "effect", "valid", "hiệu")
_EIF_ARTICLE = re.compile(r"^(?:điều|article)\s*[\dIVXLC]+\.?\s*[-–:.]?\s*(?:entry into force|hiệu lực|"
                          r"có hiệu lực|final provisions|điều khoản thi hành|entry into force and duration|"
                          r"hiệu lực và thời hạn)", re.IGNORECASE)
_EIF_FIRST = frozenset("đĐaA")
_ORD_DAYS = re.compile(r"\b(?:on\s+the\s+)?(?P<w>" + NUMBER_WORDS_RE + r")\s*(?:\((?P<n>\d+)\)\s*)?"
                       r"(?P<unit>days?|calendar days)\b", re.IGNORECASE)
_ORDINAL_DAY = re.compile(r"\b(?:on\s+)?the\s+(?P<w>" + NUMBER_WORDS_RE + r")\s*(?:\((?P<n>\d+)(?:st|nd|rd|th)?\)\s*)?day\b",
                          re.IGNORECASE)
_DIGIT_DAYS = re.compile(r"\b(?P<n>\d{1,3})\s*(?:\)\s*)?(?:calendar\s+)?(?:days?|ngày)\b", re.IGNORECASE)
_VI_DAYS = re.compile(r"(?:sau|kể từ|vào ngày thứ)\s+(?P<n>\d{1,3}|[a-zà-ỹ ]+?)\s*(?:\(\d+\)\s*)?ngày", re.IGNORECASE)


_SUBORDINATE = re.compile(r"\b(?:after|since|when|before|until|which|that|once|if|following|mà|khi|đầu tiên|"
                          r"trước|sau|từ|kể từ)\s+(?:the\s+|this\s+)?$", re.IGNORECASE)


_SENTENCE_RE = re.compile(r"[^.;\n]+(?:[.;]|\n|$)")


@lru_cache(maxsize=4)
def _sentence_spans(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _SENTENCE_RE.finditer(text):
        s = m.group(0).strip()
        if s:
            out.append((m.start(), m.end(), s))
    return out


def _sentences(text: str) -> list[tuple[int, str]]:
    return [(a, s) for a, _, s in _sentence_spans(text)]


@lru_cache(maxsize=4)
def _lowered(text: str) -> str | None:
    low = text.lower()
    return low if len(low) == len(text) else None


@lru_cache(maxsize=32)
def _case_sensitive(rx: re.Pattern) -> re.Pattern | None:
    if not rx.flags & re.IGNORECASE or rx.pattern != rx.pattern.lower():
        return None
    return re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)


def _sentences_with(text: str, rx: re.Pattern, anchors: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """The sentences of ``text`` (as ``_sentences``) that a match of ``rx`` over the whole text touches: every
    sentence where ``rx.search(sentence)`` finds something is among them (``rx`` has no anchors or
    look-arounds). The regex runs once over the text, and only the sentences around its matches are cut.
    ``anchors``: lower-case words one of which every match of ``rx`` holds; then no regex runs here and the
    sentences holding one of them are given instead (more than those a match touches: every sentence where
    ``rx.search`` finds something holds an anchor, so the caller, who checks ``rx.search`` on each sentence,
    keeps the same ones)."""
    if anchors is None:
        spans = ((m.start(), m.end()) for m in _ifinditer(rx, text))
    else:
        low = _lowered(text)
        spans = ((m.start(), m.end()) for m in rx.finditer(text)) if low is None else \
            sorted((i, i + len(w)) for w in anchors for i in _starts(low, (w,)))
    out: list[tuple[int, str]] = []
    done_to = 0
    for hs, he in spans:
        he = max(he, hs + 1)
        # the sentence around the match starts after the last terminator before it (as _SENTENCE_RE cuts them),
        # and not before what is done. (Looked for back to there only, the nearest kind first: a ';' may be a
        # hundred thousand characters back, where the line's start is a few dozen.)
        nl = text.rfind("\n", done_to, hs)
        dot = text.rfind(".", max(nl, done_to), hs)
        semi = text.rfind(";", max(nl, dot, done_to), hs)
        pos = max(max(nl, dot, semi) + 1, done_to)
        while pos < he:
            sm = _SENTENCE_RE.search(text, pos)
            if sm is None or sm.start() >= he or sm.end() == sm.start():
                break
            if sm.end() > hs:
                st = sm.group(0).strip()
                if st:
                    out.append((sm.start(), st))
            pos = sm.end()
        done_to = max(done_to, pos)
    return out


def _days_in(s: str) -> int | None:
    for rx in (_ORDINAL_DAY, _ORD_DAYS):
        m = rx.search(s)
        if m:
            if m.groupdict().get("n"):
                return int(m.group("n"))
            n = words_to_number(m.group("w"))
            if n:
                return n
    m = _DIGIT_DAYS.search(s)
    if m:
        return int(m.group("n"))
    m = _VI_DAYS.search(s)
    if m:
        v = m.group("n")
        if v.isdigit():
            return int(v)
        vi = {"mười lăm": 15, "ba mươi": 30, "sáu mươi": 60, "chín mươi": 90, "mười": 10, "bảy": 7}
        return vi.get(v.strip().lower())
    return None


def _classify_eif(s: str, mentions: list[DateMention]) -> tuple[str, int | None, date | None]:
    low = s.lower()
    explicit = [m for m in mentions if m.kind != "numeric" or True]
    notif = re.search(r"notif|thông báo|công hàm|receipt|nhận được|diplomatic|ngoại giao|note[s]?\b|"
                      r"internal|nội bộ|formalit|procedures|thủ tục", low)
    deposit = re.search(r"deposit|lưu chiểu|nộp lưu|instrument of ratification|văn kiện phê chuẩn", low)
    days = _days_in(s)
    if re.search(r"first day of the (?:\w+ )?month|ngày đầu tiên của tháng", low):
        return "other", None, None
    if re.search(r"\bmonths?\s+(?:after|following|from)|tháng\s+(?:sau|kể từ)", low):
        return "other", None, None
    if deposit and days:
        return "n_days_after_deposit", days, None
    if notif and days:
        return "n_days_after_last_notification", days, None
    if re.search(r"(?:date|day) of (?:its |the )?signature|upon (?:its )?signature|on signature|upon signing|"
                 r"date of signing|from the date of signature|when signed|ngày ký|từ khi ký|khi ký", low) \
            and not re.search(r"each of|all the|last signature|chữ ký cuối", low):
        return "on_signature", None, None
    if notif or re.search(r"ratif|phê chuẩn|phê duyệt|approval", low):
        if re.search(r"exchange of (?:the )?instruments of ratification|trao đổi văn kiện phê chuẩn", low):
            return "other", days, None
        return "on_last_notification", None, None
    if explicit:
        return "on_date", None, explicit[0].value
    return "other", None, None


def find_entry_into_force(text: str, signed: date | None) -> tuple[dict, float]:
    """{rule, days, date} and a confidence. ``rule`` None when no clause is found. The dates are read in the
    clauses' own sentences of the re-flowed text."""
    text = _flow(text)
    mentions = LazyDates(text)
    lines = _lines(text)
    # character offsets of the entry-into-force articles
    eif_zone: list[tuple[int, int]] = []
    offs = 0
    line_offsets = []
    for ln in text.split("\n"):
        line_offsets.append(offs)
        offs += len(ln) + 1
    for i, ln in enumerate(lines):
        if ln[:1] in _EIF_FIRST and _EIF_ARTICLE.match(ln):
            end = line_offsets[i + 4] if i + 4 < len(line_offsets) else len(text)
            eif_zone.append((line_offsets[i], end + 400))
    subj = re.compile(_SUBJECT + r"[^.;]{0,80}?" + _EIF_VERB.pattern, re.IGNORECASE)
    found: list[tuple[int, str, int | None, date | None, bool]] = []
    for start, s in _sentences_with(text, _EIF_VERB, _EIF_ANCHORS):
        if not _EIF_VERB.search(s):
            continue
        low = s.lower()
        if re.search(r"hết hiệu lực|chấm dứt hiệu lực|cease to (?:be in force|have effect)|terminat", low) \
                and not re.search(r"có hiệu lực (?:kể )?từ|enter into force", low):
            continue
        in_zone = any(a <= start <= b for a, b in eif_zone)
        main_clause = False
        any_subject = False
        for sm in subj.finditer(s):
            any_subject = True
            if not _SUBORDINATE.search(s[max(0, sm.start() - 25):sm.start()]):
                main_clause = True
                break
        if any_subject and not main_clause:
            continue  # "… after this Agreement has entered into force", "… năm mà Hiệp định này có hiệu lực"
        if not any_subject and not in_zone:
            continue
        # "… the rights and obligations … entry into force of this Agreement" style: require the verb after subject
        ms = mentions.starting_in(start, start + len(s))
        rule, days, d = _classify_eif(s, ms)
        if rule == "on_date" and re.search(r"\b(?:until|prior to|before|trước|sau năm|following|after)\b", low[:low.find(ms[0].raw.lower()) if ms else 0]):
            continue
        found.append((start, rule, days, d, in_zone))
    if not found:
        return {"rule": None, "days": None, "date": None}, 0.6
    # rule: the first clause that is not a bare date statement; otherwise the date statement
    zone = [f for f in found if f[4]]
    main = zone[0] if zone else (next((f for f in found if f[1] not in ("on_date", "other")), None)
                                 or next((f for f in found if f[1] == "on_date"), None) or found[0])
    rule, days, d = main[1], main[2], main[3]
    conf = 0.85 if main[4] else 0.7
    if rule == "on_signature":
        d = signed
    elif rule != "on_date":
        # a dated statement elsewhere ("Hiệp định này có hiệu lực vào ngày 24 tháng 4 năm 1996")
        dated = [f for f in found if f[1] == "on_date"]
        d = dated[0][3] if dated else None
    return {"rule": rule, "days": days, "date": d.isoformat() if d else None}, conf


# ---------------------------------------------------------------------------------------------------
# languages, duration, draft

_LANG_VI = {
    "việt": "vi", "việt nam": "vi", "trung": "zh", "trung quốc": "zh", "trung hoa": "zh", "hán": "zh",
    "anh": "en", "pháp": "fr", "nga": "ru", "đan mạch": "da", "hà lan": "nl", "nhật": "ja", "nhật bản": "ja",
    "hàn": "ko", "hàn quốc": "ko", "triều tiên": "ko", "lào": "lo", "khmer": "km", "khơ-me": "km",
    "campuchia": "km", "cam-pu-chia": "km", "thái": "th", "thái lan": "th", "đức": "de",
    "tây ban nha": "es", "bồ đào nha": "pt", "ả rập": "ar", "a-rập": "ar", "arập": "ar", "hungary": "hu",
    "hung-ga-ri": "hu", "hungari": "hu", "bun-ga-ri": "bg", "bungari": "bg", "séc": "cs", "ba lan": "pl",
    "in-đô-nê-xi-a": "id", "indonesia": "id", "mã lai": "ms", "ma-lai-xi-a": "ms", "malaysia": "ms",
    "ý": "it", "italia": "it", "thụy điển": "sv", "na uy": "no", "phần lan": "fi", "hy lạp": "el",
    "thổ nhĩ kỳ": "tr", "do thái": "he", "hin-đi": "hi", "mông cổ": "mn", "ca-dắc": "kk", "u-crai-na": "uk",
    "ukraina": "uk", "ru-ma-ni": "ro", "xlô-va-ki-a": "sk", "philippin": "tl", "miến điện": "my",
}
_LANG_EN = {
    "vietnamese": "vi", "chinese": "zh", "english": "en", "french": "fr", "russian": "ru", "danish": "da",
    "dutch": "nl", "netherlands": "nl", "japanese": "ja", "korean": "ko", "lao": "lo", "laotian": "lo",
    "khmer": "km", "cambodian": "km", "thai": "th", "german": "de", "spanish": "es", "portuguese": "pt",
    "arabic": "ar", "hungarian": "hu", "bulgarian": "bg", "czech": "cs", "polish": "pl", "indonesian": "id",
    "malay": "ms", "italian": "it", "swedish": "sv", "norwegian": "no", "finnish": "fi", "greek": "el",
    "turkish": "tr", "hebrew": "he", "hindi": "hi", "mongolian": "mn", "kazakh": "kk", "ukrainian": "uk",
    "romanian": "ro", "slovak": "sk", "filipino": "tl", "burmese": "my", "myanmar": "my",
}
_LANG_LIST_EN = re.compile(
    r"\b((?:[a-z]+)(?:\s*(?:,|\band\b|\bor\b)\s*(?:the\s+)?[a-z]+)*)\s+(?:languages?|texts?|versions?)\b")
_LANG_CONTEXT = re.compile(
    r"(?:done|làm|lập thành|viết bằng|bằng tiếng|thứ tiếng|in\s+(?:duplicate|triplicate|two|three|four|five|\w+)\s+"
    r"(?:originals|copies|identical|counterparts)|texts?\s+being\s+(?:equally\s+)?authentic|equally authentic|"
    r"giá trị (?:pháp lý )?(?:như|ngang) nhau|language)",
    re.IGNORECASE,
)
# every match of _LANG_CONTEXT holds one of these (in the lower-cased text)
_LANG_ANCHORS = ("done", "làm", "lập thành", "viết bằng", "bằng tiếng", "thứ tiếng", "originals", "copies",
                 "identical", "counterparts", "authentic", "giá trị", "language")


def find_authentic_languages(text: str) -> tuple[list[str] | None, float]:
    """ISO 639-1 codes of the authentic texts named in the final clause, in their order; None if not stated."""
    best: list[str] | None = None
    for start, s in _sentences_with(_flow(text), _LANG_CONTEXT, _LANG_ANCHORS):
        if not _LANG_CONTEXT.search(s):
            continue
        low = s.lower()
        found: list[tuple[int, str]] = []
        if "tiếng" in low:
            for m in re.finditer(r"tiếng\s+(?=([a-zà-ỹđ\-]+(?:\s+[a-zà-ỹđ\-]+){0,2}))", low):
                words = m.group(1).split()
                for k in range(len(words), 0, -1):
                    key = " ".join(words[:k])
                    if key in _LANG_VI:
                        found.append((m.start(), _LANG_VI[key]))
                        break
        for lm in _LANG_LIST_EN.finditer(low):
            # "in the Vietnamese, Chinese and English languages", "the English text"
            for m in re.finditer(r"[a-z]+", lm.group(1)):
                if m.group(0) in _LANG_EN:
                    found.append((lm.start(1) + m.start(), _LANG_EN[m.group(0)]))
        if not found:
            continue
        if not re.search(r"done|làm tại|lập thành|bản|copies|originals|duplicate|authentic|language|tiếng", low):
            continue
        codes: list[str] = []
        for _, c in sorted(found):
            if c not in codes:
                codes.append(c)
        # a testimonium sentence wins over any earlier mention
        if best is None or re.search(r"done|làm tại|lập thành|thành hai bản|authentic|thứ tiếng", low):
            best = codes
            if re.search(r"done|làm tại|lập thành|thứ tiếng|authentic|viết bằng", low):
                break
    return best, (0.85 if best else 0.6)


_VALID_FOR = re.compile(r"(?:valid|remain in force|in force|effective|have effect)\s+(?:for|within|during)\s+"
                        r"(?:a\s+(?:period|term)\s+of\s+)?(?P<w>[a-z\-]+|\d+)\s*(?:\((?P<n>\d+)\)\s*)?years?")
_RENEWED = re.compile(r"automatically (?:be )?(?:extended|renewed)|tacitly renewed|tự động (?:được )?gia hạn|"
                      r"mặc nhiên (?:được )?gia hạn")
# every match of _VALID_FOR / _RENEWED begins with one of these
_VALID_FOR_STARTS = ("valid", "remain in force", "in force", "effective", "have effect")
_RENEWED_STARTS = ("automatically", "tacitly", "tự động", "mặc nhiên")


def find_duration(text: str) -> tuple[dict, float]:
    years = None
    auto = None
    notice = None
    low = _lowered(text) or text.lower()
    m = next(_matches_from(_VALID_FOR, low, _VALID_FOR_STARTS), None)
    if m:
        years = int(m.group("n")) if m.group("n") else (int(m.group("w")) if m.group("w").isdigit()
                                                        else words_to_number(m.group("w")))
    mv = re.search(r"(?:có hiệu lực|có giá trị)\s+(?:trong\s+)?(?:thời hạn|vòng|thời gian)\s+(?P<n>\d+|[a-zà-ỹ]+)\s*(?:\(\d+\)\s*)?năm", low)
    if years is None and mv:
        v = mv.group("n")
        vi_num = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
        years = int(v) if v.isdigit() else vi_num.get(v)
    if next(_matches_from(_RENEWED, low, _RENEWED_STARTS), None):
        auto = True
        mn = re.search(r"(?P<w>[a-z\-]+|\d+)\s*(?:\((?P<n>\d+)\)\s*)?months?['’]?\s+(?:prior\s+)?(?:written\s+)?notice|"
                       r"(?:notice|thông báo)[^.]{0,120}?(?:at least\s+)?(?P<w2>[a-z\-]+|\d+)\s*(?:\((?P<n2>\d+)\)\s*)?"
                       r"(?:months?|tháng)", low)
        if mn:
            n = mn.group("n") or mn.group("n2")
            w = mn.group("w") or mn.group("w2")
            notice = int(n) if n else (int(w) if w and w.isdigit() else words_to_number(w or ""))
    return {"years": years, "auto_renewal": auto, "notice_months": notice}, (0.7 if (years or auto) else 0.6)


_DRAFT_LINE = re.compile(r"^\s*[\(\[]?\s*(?:dự\s*thảo|du\s*thao|draft|projet)(?:\s*(?:lần|số|no\.?|v)?\s*[\w./-]{0,12})?"
                         r"\s*[\)\]]?\s*[:.]?\s*$", re.IGNORECASE)


_DRAFT_UPPER = re.compile(r"\bDỰ\s*THẢO\b|\bDRAFT\b")
_DRAFT_WORD = re.compile(r"d[ựu]\s*th[ảa]o|draft|projet")  # searched in the lower-cased text (C-speed)
_DRAFT_STARTS = ("dự", "du", "draft", "projet")  # every match of _DRAFT_WORD begins with one of these


def detect_draft(*texts: str) -> bool:
    """A "DỰ THẢO"/"DRAFT" mark: a line of its own (any case), or the upper-case word anywhere."""
    for t in texts:
        if not t:
            continue
        t = unicodedata.normalize("NFC", t)
        low = _lowered(t) or t.lower()
        words = list(_matches_from(_DRAFT_WORD, low, _DRAFT_STARTS))
        if not words:  # every form of the mark holds one of these words
            continue
        if len(low) == len(t):
            # only the lines holding one of the words can be a mark line, and the upper-case word starts where
            # one of them does
            seen = -1
            for m in words:
                if _DRAFT_UPPER.match(t, m.start()):
                    return True
                a = t.rfind("\n", 0, m.start()) + 1
                if a == seen:
                    continue
                seen = a
                b = t.find("\n", m.start())
                ln = t[a:] if b < 0 else t[a:b]
                if len(ln) <= 40 and _DRAFT_LINE.match(ln):
                    return True
        else:  # (lower-casing changed the length: positions do not carry over)
            for ln in t.split("\n"):
                if len(ln) <= 40 and _DRAFT_LINE.match(ln):
                    return True
            if _DRAFT_UPPER.search(t):
                return True
    return False


# ---------------------------------------------------------------------------------------------------


def _clear_caches() -> None:
    for f in (_lines, _flow, _sentence_spans, _lowered, _guess_sample):
        f.cache_clear()


def extract_metadata(text: str, *, extra_text: str = "", properties: dict | None = None,
                     quality: float = 1.0) -> Metadata:
    """Metadata from extracted text. ``extra_text``: headers, footers, text boxes not in ``text`` (used for
    the draft mark); ``properties``: DOCX core properties / PDF info; ``quality``: 0..1 of the text layer
    (OCR confidence), which scales the confidences."""
    try:
        return _extract_metadata(text, extra_text=extra_text, properties=properties, quality=quality)
    finally:
        _clear_caches()  # the line / sentence caches serve one document: a worker does not keep old texts


def _extract_metadata(text: str, *, extra_text: str, properties: dict | None, quality: float) -> Metadata:
    md = Metadata()
    text = unicodedata.normalize("NFC", text or "")
    properties = properties or {}
    md.is_draft = detect_draft(text, extra_text, properties.get("title", ""), properties.get("Title", ""))
    md.confidence["is_draft"] = 0.9
    if not text.strip():
        md.document_kind = "other"
        md.confidence = {k: 0.0 for k in ("title", "family", "instrument_type", "language")}
        md.warnings.append("no text: metadata not extracted")
        return md
    md.language = guess_language(text)
    md.confidence["language"] = 0.9 if md.language else 0.3
    mentions = LazyDates(text)

    from ingest.notices import is_notice, parse_notice

    if is_notice(text):
        md.document_kind = "eif_notice"
        md.family = "other"
        md.instrument_type = "thông báo"
        md.notice = parse_notice(text)
        tb = find_title(text)
        md.title = tb.title
        nd = md.notice.get("notice_date")
        md.signed_date = date.fromisoformat(nd) if nd else None
        md.signed_place = md.notice.get("notice_place")
        md.confidence.update(family=0.95, instrument_type=0.95, title=tb.confidence, signed_date=0.9,
                             signed_place=0.8)
        return md

    tb = find_title(text)
    if tb.title is None:
        # an official letter has no title, only its subject line "V/v …" (công văn)
        vm = re.search(r"(?m)^\s*V/v\s*:?\s*(.+)$", text[:5000])
        if vm:
            tb = _TitleBlock(vm.group(1).strip(), -1, 0, 0.6)
            md.instrument_type = "công văn"
    md.title = tb.title
    md.confidence["title"] = tb.confidence
    typ, is_instrument = instrument_type_of(tb.title)
    if not typ and md.instrument_type == "công văn":
        typ, is_instrument = "công văn", False
    if not typ and properties:
        typ, is_instrument = instrument_type_of(properties.get("title") or properties.get("Title"))
    md.instrument_type = typ
    md.confidence["instrument_type"] = 0.9 if typ and tb.confidence >= 0.75 else (0.6 if typ else 0.3)

    lines = _lines(text)
    sig_lines = _signature_lines(lines)
    clause, _ = _party_clause(lines, tb.end if tb.start >= 0 else 0)
    parties = find_parties(clause) if clause else []
    source_clause = clause
    if len(parties) < 2 and tb.title:
        tparties = find_parties(tb.title)
        if len(tparties) > len(parties):
            parties, source_clause = tparties, tb.title
    if len(parties) < 2 and sig_lines:
        sparties = find_parties("\n".join(sig_lines))
        if len(sparties) > len(parties):
            parties, source_clause = sparties, "\n".join(sig_lines)
    seen: set[str] = set()
    md.parties = []
    for p in parties:
        if p["code"] in seen:
            continue
        seen.add(p["code"])
        md.parties.append({"name": p["name"], "code": p["code"]})
    md.confidence["parties"] = 0.85 if len(md.parties) >= 2 else (0.5 if md.parties else 0.4)

    sig = find_signature(text, mentions)
    md.signed_date, md.signed_place = sig.date, sig.place
    md.confidence["signed_date"] = sig.date_conf
    md.confidence["signed_place"] = sig.place_conf
    if sig.noisy:
        md.warnings.append("signing date read through OCR noise; check it")

    eif, eif_conf = find_entry_into_force(text, md.signed_date)
    if eif["rule"] is None and md.signed_date and is_instrument:
        # a complete, dated instrument without its own clause (an exchange of notes, …)
        eif = {"rule": "other", "days": None, "date": None}
        eif_conf = 0.5
    md.entry_into_force = eif
    md.confidence["entry_into_force"] = eif_conf

    md.authentic_languages, md.confidence["authentic_languages"] = find_authentic_languages(text)
    md.duration, md.confidence["duration"] = find_duration(text)

    # family
    if typ in _OTHER_TYPES:
        md.family = "other"
        md.confidence["family"] = 0.85
    elif not typ:
        # no title: an excerpt with articles and parties is still part of an instrument
        articles = len(re.findall(r"(?m)^\s*(?:Article|ARTICLE|Điều|ĐIỀU)\s+\d+", text))
        if articles >= 2 and re.search(r"\b(?:Contracting (?:States?|Parties|Party)|the Parties|Bên ký kết|hai Bên)\b", text):
            md.family = "treaty"
            md.confidence["family"] = 0.4
        else:
            md.family = "other"
            md.confidence["family"] = 0.5
    else:
        vn = next((p for p in parties if p["code"] == "VNM"), None)
        fam, name, level = _classify_vn(source_clause, vn, sig_lines, tb.title)
        if fam is None:
            gov = any(_GOV_RE.search(s) for s in sig_lines) or bool(_GOV_RE.search(clause or ""))
            fam = "treaty" if gov or len(md.parties) >= 2 else "treaty"
            md.confidence["family"] = 0.5
        else:
            md.confidence["family"] = 0.85
        md.family = fam
        md.vn_signatory, md.vn_signatory_level = name, level
        md.confidence["vn_signatory_level"] = 0.8 if level else 0.4
    if quality < 1.0:
        for k in list(md.confidence):
            if k not in ("is_draft",):
                md.confidence[k] = round(md.confidence[k] * max(0.3, quality), 3)
    return md

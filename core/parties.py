"""Treaty parties: any spelling of a State or international organisation → one code.

Codes are ISO 3166-1 alpha-3 for States (``KAZ``) and the usual English acronym for
organisations (``ASEAN``, ``EU``, ``UN``).  Data comes from ``core/refdata/*.csv`` (built by
``python -m core.refdata.build``); nothing is read from ``shared/`` at run time.

Matching works on *folded keys*: tone marks, đ, case, hyphens and spaces are removed, so
``Ca-dắc-xtan`` = ``Cadắcxtan`` = ``Ca dắc xtan`` = ``cadacxtan``.  Text is split into word
tokens first and keys are built only from whole tokens, so a name never matches inside another
word.  The longest match wins (``Guinea-Bissau`` before ``Guinea``, ``Việt Nam`` before anything
starting at ``Nam``).

Short spellings that are also ordinary words (``Pháp`` in ``Bộ Tư pháp``, ``Anh``, ``Đức``,
``Mỹ``, ``Lào`` in ``Lào Cai``, ``Ba Lan`` / ``ba lần`` …) are *weak*: inside a longer text they
count only when capitalised and introduced by a party word (``nước``, ``Cộng hòa``, ``Chính phủ``,
``và``, ``giữa``, ``of``, ``and`` …) or set off by a dash, comma or bracket.  Acronyms (``WHO``,
``UN``) count inside a text only when written in capitals.  Vietnamese province names are
consumed as non-parties.

Decision for national bodies (e.g. "China Association for Science & Technique (CAST)"):
:func:`resolve_party` returns the State of that body (``CHN``, kind ``state``).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from core.refdata import read_table
from core.text import fold, nfc

__all__ = [
    "PartyMatch",
    "resolve_party",
    "scan_parties",
    "party_names",
    "party_info",
    "short_name_vi",
    "is_known_code",
    "all_parties",
    "region_of",
    "region_info",
    "Region",
]


@dataclass(frozen=True)
class PartyMatch:
    code: str
    kind: str  # "state" | "organisation"
    name_en: str
    name_vi: str | None
    matched_text: str | None = None


@dataclass(frozen=True)
class Region:
    subregion_vi: str
    subregion_en: str
    continent_vi: str
    continent_en: str


# ---------------------------------------------------------------------------------------------
# tokens

_TOKEN_RE = re.compile(r"[^\W_]+")
_SEP_CHARS = set("-\u2010\u2011\u2012\u2013\u2014\u2212/,;(“\"'‘:")
_NEXT_SEP_CHARS = set("-\u2010\u2011\u2012\u2013\u2014\u2212/,;)”\"'’:.")

# previous token (folded) that introduces a party name
_CONTEXT_BEFORE = frozenset(
    "nuoc hoa quoc bang phu va giua voi cua gia ch chxhcn quan of the and with between".split()
)
_CONTEXT_AFTER = frozenset("va and".split())
# tokens that start a location clause: "Đại sứ quán Nhật Bản tại Việt Nam", "Embassy of X in Y"
_LOCATION_WORDS = frozenset(["tại", "in", "at", "to"])
# keys that are ordinary words or names as well as party names (added to the automatic rule:
# one token of at most 4 letters)
_WEAK_EXTRA = frozenset(["balan", "ando", "georgia", "jordan", "jersey", "turkey"])
# acronyms that are common words when written in lower case / all-caps English
_AMBIGUOUS_ACRONYMS = frozenset(["who", "un", "ec", "imo", "itu", "gef", "afd", "uno", "uk", "eu", "wb", "eeu"])
# extra non-party place names consumed by scan_parties (provinces come from agencies.csv)
# and ordinary compounds that hold a weak name ("Bộ Tư Pháp", "pháp luật", "Mỹ thuật").
_BLOCKERS_EXTRA = [
    "Thủ Đức", "Nam Bộ", "Bắc Bộ", "Trung Bộ", "Nam Kỳ", "Bắc Kỳ", "Sông Mê Công", "Mỹ Tho", "Mỹ Đình",
    "Tư pháp", "Hiến pháp", "Pháp luật", "Pháp chế", "Pháp lý", "Pháp nhân", "Pháp lệnh", "Pháp quyền",
    "Phương pháp", "Biện pháp", "Giải pháp", "Lập pháp", "Hành pháp", "Đạo đức", "Mỹ thuật", "Mỹ phẩm",
    "Ba lần", "Tiếng Anh", "Anh ngữ", "Anh em", "Anh hùng",
]


# keys this long are distinctive enough to accept with wrong marks (OCR: "xã hôi chủ nghĩa")
_MARK_CHECK_BELOW = 12


@dataclass(frozen=True)
class _Tok:
    orig: str
    key: str
    start: int
    end: int


_NON_KEY_RE = re.compile(r"[^0-9a-z]")


@lru_cache(maxsize=65536)
def _token_key(word: str) -> str:
    return _NON_KEY_RE.sub("", fold(word))


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN_RE.finditer(text):
        w = m.group()
        k = _token_key(w)
        if k:
            out.append(_Tok(w, k, m.start(), m.end()))
    return out


def _key(s: str) -> str:
    return "".join(t.key for t in _tokens(nfc(s) or ""))


def _marks(s: str) -> tuple[str, ...]:
    """The tone/vowel marks and đ of ``s`` as a sorted tuple: the same for "hòa" and "hoà",
    different for "nhất" and "nhật" (which fold to the same key)."""
    out = []
    for ch in unicodedata.normalize("NFD", s):
        if unicodedata.combining(ch):
            out.append(ch)
        elif ch in "đĐ":
            out.append("đ")
    return tuple(sorted(out))


def _is_acronym_alias(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and " " not in alias.strip() and all(c.isupper() for c in letters)


# ---------------------------------------------------------------------------------------------
# data


@dataclass
class _Data:
    info: dict[str, PartyMatch]
    names: dict[str, list[str]]
    short_vi: dict[str, str]
    name_map: dict[str, str]  # key → code
    marks: dict[str, frozenset[tuple[str, ...]]]  # key → mark signatures of the spellings
    acr_map: dict[str, str]  # key → code
    code_map: dict[str, str]  # upper code (iso3, iso2, org code) → code
    weak: frozenset[str]
    blockers: frozenset[str]
    prefixes: frozenset[str]
    max_tokens: int


_KIND_RANK = {  # lower wins when two codes claim the same key
    "hand": 0, "name_vi_formal": 1, "treaty_form": 2, "name_en": 3, "name_vi_common": 4,
    "org_name_en": 5, "org_name_vi": 6, "acronym_vi": 7, "org_code": 8, "iso3": 9, "iso2": 10,
}


@lru_cache(maxsize=1)
def _data() -> _Data:
    info: dict[str, PartyMatch] = {}
    names: dict[str, list[str]] = {}
    short_vi: dict[str, str] = {}
    for r in read_table("countries.csv"):
        short_vi[r["iso3"]] = r["name_vi_common"].split("|")[0]
        en = r["name_en"].split("|")[0]
        vi = r["name_vi_formal"].split("|")[0] or r["name_vi_common"].split("|")[0] or None
        info[r["iso3"]] = PartyMatch(r["iso3"], "state", en, vi)
    for r in read_table("organisations.csv"):
        vi = r["name_vi"].split("|")[0] or None
        info[r["code"]] = PartyMatch(r["code"], "organisation", r["name_en"].split("|")[0], vi)

    name_map: dict[str, tuple[int, str]] = {}
    acr_map: dict[str, tuple[int, str]] = {}
    code_map: dict[str, str] = {}
    max_tokens = 1
    marks: dict[str, set[tuple[str, ...]]] = {}
    for a in read_table("aliases.csv"):
        alias, code, kind = a["alias"], a["code"], a["kind"]
        if kind not in ("iso2", "iso3"):
            names.setdefault(code, [])
            if alias not in names[code]:
                names[code].append(alias)
        if kind in ("iso3", "iso2"):
            code_map.setdefault(alias.upper(), code)
            continue
        k = _key(alias)
        if not k:
            continue
        marks.setdefault(k, set()).add(_marks(alias))
        rank = _KIND_RANK.get(kind, 5)
        target = acr_map if (kind in ("org_code", "acronym_vi") or _is_acronym_alias(alias)) else name_map
        old = target.get(k)
        if old is None or rank < old[0]:
            target[k] = (rank, code)
        max_tokens = max(max_tokens, len(_tokens(alias)))
    # org codes win over ISO alpha-2 for exact code input ("EC" = European Community, Ecuador = "ECU")
    for r in read_table("organisations.csv"):
        code_map[r["code"].upper()] = r["code"]

    weak = {k for k in name_map if len(k) <= 4} | (_WEAK_EXTRA & set(name_map))
    blockers = set()
    for r in read_table("agencies.csv"):
        if r["kind"] in ("tỉnh", "thành phố trực thuộc trung ương"):
            k = _key(r["name_vi"])
            if k not in name_map:
                blockers.add(k)
    blockers |= {_key(b) for b in _BLOCKERS_EXTRA}
    prefixes = {k[:m] for k in (*name_map, *acr_map, *blockers) for m in range(1, len(k) + 1)}
    return _Data(
        info=info,
        names=names,
        short_vi=short_vi,
        name_map={k: v[1] for k, v in name_map.items()},
        marks={k: frozenset(v) for k, v in marks.items()},
        acr_map={k: v[1] for k, v in acr_map.items()},
        code_map=code_map,
        weak=frozenset(weak),
        blockers=frozenset(blockers),
        prefixes=frozenset(prefixes),
        max_tokens=max_tokens + 1,
    )


def _match(code: str, text: str | None) -> PartyMatch:
    p = _data().info[code]
    return PartyMatch(p.code, p.kind, p.name_en, p.name_vi, text)


# ---------------------------------------------------------------------------------------------
# matching core


def _span(text: str, toks: list[_Tok], i: int, j: int) -> str:
    return text[toks[i].start:toks[j - 1].end]


def _prev_ok(text: str, toks: list[_Tok], i: int) -> bool:
    if i == 0:
        return False
    between = text[toks[i - 1].end:toks[i].start]
    if any(c in _SEP_CHARS for c in between):
        return True
    return toks[i - 1].key in _CONTEXT_BEFORE


def _next_ok(text: str, toks: list[_Tok], j: int) -> bool:
    rest = text[toks[j - 1].end:].lstrip()
    if not rest or rest[0] in _NEXT_SEP_CHARS:
        return True
    return j < len(toks) and toks[j].key in _CONTEXT_AFTER


def _capitalised(toks: list[_Tok], i: int, j: int) -> bool:
    return any(t.orig[0].isupper() for t in toks[i:j])


def _candidate(text: str, toks: list[_Tok], i: int, j: int, *, query_mode: bool,
               whole: bool) -> str | None:
    """Code for tokens[i:j] if they form an acceptable party name in this context."""
    d = _data()
    key = "".join(t.key for t in toks[i:j])
    code = d.name_map.get(key)
    if code is not None:
        if whole:
            return code
        if not query_mode and not _capitalised(toks, i, j):
            return None
        if len(key) < _MARK_CHECK_BELOW:
            # written with marks: they must be those of a known spelling ("thống nhất Bản" ≠ Nhật Bản);
            # text written without marks is accepted as is
            sig = _marks(_span(text, toks, i, j))
            if sig and sig not in d.marks.get(key, ()):
                return None
        if key in d.weak:
            if not query_mode and not toks[i].orig[0].isupper():
                return None
            # introduced by a party word or a separator, or opening the text and closed by one
            if not (_prev_ok(text, toks, i) or (i == 0 and _next_ok(text, toks, j))):
                return None
        return code
    code = d.acr_map.get(key)
    if code is not None:
        span_letters = [c for c in _span(text, toks, i, j) if c.isalpha()]
        upper = all(c.isupper() for c in span_letters)
        if whole:
            return code if (upper or key not in _AMBIGUOUS_ACRONYMS) else None
        if upper:
            if key in _AMBIGUOUS_ACRONYMS and _mostly_upper(text) and not _prev_ok(text, toks, i):
                return None
            return code
        if query_mode and len(key) >= 4 and key not in _AMBIGUOUS_ACRONYMS:
            return code
    return None


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)


def _blocked(toks: list[_Tok]) -> set[int]:
    """Indices of tokens inside a non-party phrase (province, "Tư pháp" …), longest first."""
    d = _data()
    out: set[int] = set()
    n = len(toks)
    i = 0
    while i < n:
        acc = ""
        end = 0
        for j in range(i, min(n, i + d.max_tokens)):
            acc += toks[j].key
            if acc not in d.prefixes:
                break
            if acc in d.blockers:
                end = j + 1
        if end:
            out.update(range(i, end))
            i = end
        else:
            i += 1
    return out


def _scan_tokens(text: str, toks: list[_Tok]) -> list[tuple[str, int, int]]:
    d = _data()
    query_mode = not any(c.isupper() for c in text)
    out: list[tuple[str, int, int]] = []
    n = len(toks)
    i = 0
    while i < n:
        step = 1
        # grow the key token by token while it is still the start of some known name
        ends: list[int] = []
        acc = ""
        for j in range(i, min(n, i + d.max_tokens)):
            acc += toks[j].key
            if acc not in d.prefixes:
                break
            if acc in d.name_map or acc in d.acr_map or acc in d.blockers:
                ends.append(j + 1)
        for j in reversed(ends):  # longest first
            code = _candidate(text, toks, i, j, query_mode=query_mode, whole=False)
            if code is not None:
                out.append((code, i, j))
                step = j - i
                break
            if "".join(t.key for t in toks[i:j]) in d.blockers:
                step = j - i
                break
        i += step
    return out


# ---------------------------------------------------------------------------------------------
# public API


def scan_parties(text: str) -> list[PartyMatch]:
    """Distinct parties named in ``text`` (a title or preamble), in order of first appearance.

    ``matched_text`` is the first span as written.
    """
    if not text:
        return []
    text = nfc(text)
    toks = _tokens(text)
    seen: set[str] = set()
    out: list[PartyMatch] = []
    for code, i, j in _scan_tokens(text, toks):
        if code not in seen:
            seen.add(code)
            out.append(_match(code, _span(text, toks, i, j)))
    return out


def _resolve_tokens(text: str, toks: list[_Tok]) -> PartyMatch | None:
    n = len(toks)
    if n == 0:
        return None
    code = _candidate(text, toks, 0, n, query_mode=True, whole=True)
    if code:
        return _match(code, _span(text, toks, 0, n))
    # a location clause: resolve what comes before it ("Embassy of Japan in Viet Nam")
    for j in range(1, n):
        if toks[j].orig.lower() in _LOCATION_WORDS and j >= 1:
            head = _resolve_tokens(text, toks[:j])
            if head is not None:
                return head
            break
    # the longest tail that is a name: strips "Chính phủ nước", "the Government of the Kingdom of",
    # "Tòa án tối cao nước", "Ủy ban nhân dân tỉnh X, nước" …
    query_mode = not any(c.isupper() for c in text)
    blocked: set[int] | None = None
    d = _data()
    for i in range(1, n):
        code = _candidate(text, toks, i, n, query_mode=query_mode, whole=False)
        if code is None and "".join(t.key for t in toks[i:]) in d.weak:
            # a short name closing a body's name: "Bộ Ngoại giao Pháp", "Đại sứ quán Nhật"
            if blocked is None:
                blocked = _blocked(toks)
            if i not in blocked and toks[i].orig[:1].isupper() and not _mostly_upper(text):
                code = d.name_map["".join(t.key for t in toks[i:])]
        if code:
            return _match(code, _span(text, toks, i, n))
    # a party named inside (a national body: "China Association for Science & Technique (CAST)")
    found = _scan_tokens(text, toks)
    codes = list(dict.fromkeys(c for c, _, _ in found))
    if len(codes) == 1:
        code, i, j = found[0]
        return _match(code, _span(text, toks, i, j))
    if len(codes) > 1:
        # "…, nước X" / "… nước X": the State after the last "nước" owns the body
        for code, i, j in reversed(found):
            if i > 0 and toks[i - 1].key == "nuoc":
                return _match(code, _span(text, toks, i, j))
    return None


@lru_cache(maxsize=20000)
def resolve_party(name: str) -> PartyMatch | None:
    """Any spelling of one party → its :class:`PartyMatch`, or ``None`` when unknown/ambiguous."""
    if not name or not name.strip():
        return None
    s = nfc(name).strip()
    d = _data()
    bare = re.sub(r"[.\s]", "", s)
    if re.fullmatch(r"[A-Z]{2,3}|[a-z]{3}", bare):
        code = d.code_map.get(bare.upper())
        if code and (bare.isupper() or d.info[code].kind == "state"):
            return _match(code, s)
        hist = _historic(bare.upper())
        if hist is not None:
            return hist
    toks = _tokens(s)
    if toks:
        whole = _candidate(s, toks, 0, len(toks), query_mode=True, whole=True)
        if whole:
            return _match(whole, _span(s, toks, 0, len(toks)))
    former = _pycountry_lookup(s, historic_only=True)  # an exact former-state name beats a tail match
    if former is not None:
        return former
    return _resolve_tokens(s, toks) or _pycountry_lookup(s)


@lru_cache(maxsize=256)
def _historic(code: str) -> PartyMatch | None:
    """Former states (ISO 3166-3 through pycountry): SUN (USSR), YUG, CSK, DDR, SCG … as treaty parties."""
    import pycountry

    for c in pycountry.historic_countries:
        if code in (getattr(c, "alpha_3", None), getattr(c, "alpha_4", None)):
            return PartyMatch(code=c.alpha_3, kind="state", name_en=c.name, name_vi=None)
    return None


def _pycountry_lookup(name: str, historic_only: bool = False) -> PartyMatch | None:
    """Last resort for a name our tables do not hold: pycountry's exact name / official name lookup,
    current countries first, then former ones ("Serbia and Montenegro", "German Democratic Republic")."""
    import pycountry

    if len(re.sub(r"[^A-Za-z]", "", name)) <= 3:  # codes are handled above; "Nam" is not Namibia
        return None
    for db in ((pycountry.historic_countries,) if historic_only else (pycountry.countries,
                                                                      pycountry.historic_countries)):
        try:
            c = db.lookup(name)
        except LookupError:
            continue
        info = _data().info.get(c.alpha_3)
        return _match(c.alpha_3, name) if info is not None else PartyMatch(
            code=c.alpha_3, kind="state", name_en=c.name, name_vi=None, matched_text=name)
    return None


def party_info(code: str) -> PartyMatch | None:
    """Names for a code (alpha-3, alpha-2 or organisation code)."""
    if not code:
        return None
    d = _data()
    c = code.strip()
    if c in d.info:
        return d.info[c]
    mapped = d.code_map.get(c.upper())
    if mapped:
        return d.info.get(mapped)
    return _historic(c.upper())


def is_known_code(code: str) -> bool:
    return bool(code) and (code.strip() in _data().info or _historic(code.strip().upper()) is not None)


def party_names(code: str, include_codes: bool = False) -> list[str]:
    """Every known spelling of a party (for search synonyms), display form, best first.

    ISO codes are left out unless ``include_codes``: many are ordinary words once folded
    (``NAM`` = Namibia vs "Việt Nam", ``AND``, ``CAN``, ``IN``, ``TO``), which makes them unsafe
    as global synonyms.  Organisation acronyms (``ASEAN``, ``LHQ``) are spellings and are kept.
    """
    p = party_info(code)
    if p is None:
        return []
    d = _data()
    out = list(d.names.get(p.code, []))
    if include_codes:
        codes = [p.code] + sorted(k for k, v in d.code_map.items() if v == p.code and k != p.code)
        out = codes + out
    return list(dict.fromkeys(out))


def short_name_vi(code: str) -> str | None:
    """Common Vietnamese name for tables (CLDR: ``Trung Quốc``, ``Ca-dắc-xtan`` is not CLDR so
    ``Kazakhstan``); organisations: their first Vietnamese name.  ``None`` when unknown."""
    p = party_info(code)
    if p is None:
        return None
    return _data().short_vi.get(p.code) or p.name_vi or p.name_en


def all_parties() -> list[PartyMatch]:
    return list(_data().info.values())


# ---------------------------------------------------------------------------------------------
# regions: UN M49 geoscheme sub-regions, hand-compiled (alpha-2 lists).  Taiwan is put in
# Eastern Asia and Antarctica in its own group (M49 lists neither in a sub-region).

_CONTINENTS = {
    "Africa": "Châu Phi", "Americas": "Châu Mỹ", "Asia": "Châu Á", "Europe": "Châu Âu",
    "Oceania": "Châu Đại Dương", "Antarctica": "Châu Nam Cực",
}
_SUBREGIONS: list[tuple[str, str, str, str]] = [
    # (en, vi, continent en, alpha-2 codes)
    ("Northern Africa", "Bắc Phi", "Africa", "DZ EG LY MA SD TN EH"),
    ("Eastern Africa", "Đông Phi", "Africa",
     "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW"),
    ("Middle Africa", "Trung Phi", "Africa", "AO CM CF TD CG CD GQ GA ST"),
    ("Southern Africa", "Miền Nam châu Phi", "Africa", "BW SZ LS NA ZA"),
    ("Western Africa", "Tây Phi", "Africa", "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
    ("Caribbean", "Ca-ri-bê", "Americas",
     "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"),
    ("Central America", "Trung Mỹ", "Americas", "BZ CR SV GT HN MX NI PA"),
    ("South America", "Nam Mỹ", "Americas", "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"),
    ("Northern America", "Bắc Mỹ", "Americas", "BM CA GL PM US"),
    ("Central Asia", "Trung Á", "Asia", "KZ KG TJ TM UZ"),
    ("Eastern Asia", "Đông Á", "Asia", "CN HK MO KP JP MN KR TW"),
    ("South-eastern Asia", "Đông Nam Á", "Asia", "BN KH ID LA MY MM PH SG TH TL VN"),
    ("Southern Asia", "Nam Á", "Asia", "AF BD BT IN IR MV NP PK LK"),
    ("Western Asia", "Tây Á", "Asia", "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"),
    ("Eastern Europe", "Đông Âu", "Europe", "BY BG CZ HU PL MD RO RU SK UA"),
    ("Northern Europe", "Bắc Âu", "Europe", "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB"),
    ("Southern Europe", "Nam Âu", "Europe", "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES"),
    ("Western Europe", "Tây Âu", "Europe", "AT BE FR DE LI LU MC NL CH"),
    ("Australia and New Zealand", "Úc và New Zealand", "Oceania", "AU CX CC HM NZ NF"),
    ("Melanesia", "Melanesia", "Oceania", "FJ NC PG SB VU"),
    ("Micronesia", "Micronesia", "Oceania", "GU KI MH FM NR MP PW UM"),
    ("Polynesia", "Polynesia", "Oceania", "AS CK PF NU PN WS TK TO TV WF"),
    ("Antarctica", "Châu Nam Cực", "Antarctica", "AQ"),
]


@lru_cache(maxsize=1)
def _regions() -> dict[str, Region]:
    a2_to_a3 = {r["iso2"]: r["iso3"] for r in read_table("countries.csv")}
    out: dict[str, Region] = {}
    for en, vi, cont, codes in _SUBREGIONS:
        reg = Region(vi, en, _CONTINENTS[cont], cont)
        for a2 in codes.split():
            if a2 in a2_to_a3:
                out[a2_to_a3[a2]] = reg
    return out


def region_info(code: str) -> Region | None:
    """UN M49 sub-region and continent of a State (alpha-3 or alpha-2); ``None`` for organisations."""
    p = party_info(code)
    if p is None or p.kind != "state":
        return None
    return _regions().get(p.code)


def region_of(code: str, lang: str = "vi") -> str | None:
    """Sub-region name for report tables: ``region_of("VNM") == "Đông Nam Á"``,
    ``region_of("VNM", "en") == "South-eastern Asia"``."""
    r = region_info(code)
    if r is None:
        return None
    return r.subregion_en if lang == "en" else r.subregion_vi
